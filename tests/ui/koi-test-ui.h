/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-chat-row.h"
#include "koi-message-row.h"
#include "koi-window.h"

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

/* Runs the main loop until @cond holds or @seconds pass, and fails the test
 * naming @cond if it never held. A tick wakes the loop, so an idle main
 * context never sleeps past the deadline. */
#define KOI_TEST_UI_WAIT_FOR(cond, seconds)                                   \
  G_STMT_START {                                                              \
    gint64 koi_wait_end_ = g_get_monotonic_time () + (gint64) (seconds) * G_USEC_PER_SEC; \
    guint koi_wait_tick_ = koi_test_ui_tick_add ();                           \
    while (!(cond) && g_get_monotonic_time () < koi_wait_end_)                \
      g_main_context_iteration (NULL, TRUE);                                  \
    g_source_remove (koi_wait_tick_);                                         \
    if (!(cond))                                                              \
      g_error ("timed out after %d s waiting for %s", (int) (seconds), #cond); \
  } G_STMT_END

/* A 20 ms timeout that only wakes the main loop (g_source_remove() it). */
guint       koi_test_ui_tick_add         (void);
/* Runs the main loop for @ms milliseconds: timers, I/O and frames due in
 * that time happen. */
void        koi_test_ui_iterate_ms       (guint              ms);
/* Renders @widget once drawn and still (no banner or toast halfway in),
 * saves it as screenshots/@name and asserts it shows at least @min_colors
 * colours (a blank render has one). */
GdkTexture *koi_test_ui_shoot            (GtkWidget         *widget,
                                          const char        *name,
                                          guint              min_colors);
/* Runs xdotool with the given arguments (NULL-terminated) while the main
 * loop keeps running, so GTK reads the events as they come. */
void        koi_test_ui_xdotool          (const char        *first,
                                          ...) G_GNUC_NULL_TERMINATED;
/* @root if it is a mapped @type, else the first mapped one under it (depth
 * first). */
GtkWidget  *koi_test_ui_find_mapped      (GtkWidget         *root,
                                          GType              type);
/* A visible toplevel of @type (a window of its own, e.g. AdwWindow). */
GtkWindow  *koi_test_ui_find_toplevel    (GType              type);
/* The capture-phase key controller a widget installs for its shortcuts. */
GtkEventController *koi_test_ui_find_capture_key_controller (GtkWidget *widget);

/* @window shows the chat list and its account is online. */
gboolean       koi_test_ui_window_online       (KoiWindow  *window);
/* The mapped bubble in @window's conversation whose label shows @text. */
KoiMessageRow *koi_test_ui_find_bubble         (KoiWindow  *window,
                                                const char *text);
/* The mapped row of @window's chat list for the 1:1 chat with @peer
 * (addresses compare without case), or for the chat @chat_id. */
KoiChatRow    *koi_test_ui_find_chat_row       (KoiWindow  *window,
                                                const char *peer);
KoiChatRow    *koi_test_ui_find_chat_row_by_id (KoiWindow  *window,
                                                gint64      chat_id);
/* Opens the 1:1 chat with @peer as activating its row does, whether the
 * row is drawn or not; FALSE while the chat list does not hold it yet. */
gboolean       koi_test_ui_open_chat           (KoiWindow  *window,
                                                const char *peer);
/* @row is there and its preview line reads @preview. */
gboolean       koi_test_ui_chat_row_shows      (KoiChatRow *row,
                                                const char *preview);

G_END_DECLS
