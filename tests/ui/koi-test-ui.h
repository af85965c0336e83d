/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

void        koi_test_ui_init             (int               *argc,
                                          char            ***argv);
void        koi_test_ui_wait_for_drawn   (GtkWidget         *widget);
/* Gives @window the X input focus, as a window manager does when the user
 * clicks it (Xvfb has none), and waits until GTK reports it active. */
void        koi_test_ui_focus_window     (GtkWindow         *window);
/* Real input through the X server (xdotool): a click in the middle of
 * @widget; keys ("Return", "shift+F10") to the focused window. */
void        koi_test_ui_click            (GtkWidget         *widget);
void        koi_test_ui_press_keys       (const char        *keys);
GdkTexture *koi_test_ui_render           (GtkWidget         *widget);
char       *koi_test_ui_save_png         (GdkTexture        *texture,
                                          const char        *name);
guint       koi_test_ui_count_colors     (GdkTexture        *texture,
                                          const GdkRectangle *area,
                                          guint              enough);
gboolean    koi_test_ui_widget_area      (GtkWidget         *widget,
                                          GtkWidget         *root,
                                          GdkTexture        *texture,
                                          GdkRectangle      *area);
GtkWidget  *koi_test_ui_find_label       (GtkWidget         *root,
                                          const char        *text);
GtkWidget  *koi_test_ui_find_image       (GtkWidget         *root,
                                          const char        *icon_name);
/* A widget of @type on screen in any window: a toplevel (a dialog that is
 * an AdwWindow) or inside one (an AdwDialog presented over a window). */
GtkWidget  *koi_test_ui_find_shown       (GType              type);

/* Points libsecret at its file backend in a new temp folder (never the
 * real keyring) and returns the keyring file's path. Call before any thread
 * starts (libsecret reads the variables once; setenv is not thread-safe),
 * i.e. first thing in main(). */
char       *koi_test_ui_use_file_keyring    (void);
/* Deletes that keyring file and its folder. */
void        koi_test_ui_remove_file_keyring (const char *keyring_path);

/* Mean brightness (0..255) of a rendered texture: tells dark from light. */
double      koi_test_ui_mean_brightness  (GdkTexture        *texture);

G_END_DECLS
