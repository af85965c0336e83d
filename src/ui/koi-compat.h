/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/*
 * The base class of Koi's dialogs, chosen with the widget set
 * (KOI_WIDGET_SET_MODERN comes from src/ui/meson.build): AdwDialog on the
 * modern set (over the window, a bottom sheet when it is narrow), AdwWindow
 * on the legacy one. A dialog derives from KoiDialogBase, names the same
 * parent in its per-set .ui files, and is shown and closed with
 * koi_compat_present_dialog() and koi_compat_dialog_close().
 */
#if KOI_WIDGET_SET_MODERN
#define KOI_TYPE_DIALOG_BASE ADW_TYPE_DIALOG
typedef AdwDialog      KoiDialogBase;
typedef AdwDialogClass KoiDialogBaseClass;
#else
#define KOI_TYPE_DIALOG_BASE ADW_TYPE_WINDOW
typedef AdwWindow      KoiDialogBase;
typedef AdwWindowClass KoiDialogBaseClass;
#endif
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiDialogBase, g_object_unref)

/* The same for the preferences: AdwPreferencesDialog or AdwPreferencesWindow. */
#if KOI_WIDGET_SET_MODERN
#define KOI_TYPE_PREFERENCES_BASE ADW_TYPE_PREFERENCES_DIALOG
typedef AdwPreferencesDialog      KoiPreferencesBase;
typedef AdwPreferencesDialogClass KoiPreferencesBaseClass;
#else
#define KOI_TYPE_PREFERENCES_BASE ADW_TYPE_PREFERENCES_WINDOW
typedef AdwPreferencesWindow      KoiPreferencesBase;
typedef AdwPreferencesWindowClass KoiPreferencesBaseClass;
#endif
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiPreferencesBase, g_object_unref)

/* A dialog built in code (no .ui): its title, content (an AdwHeaderBar on
 * top works on both sets) and size (-1: natural): adw_dialog_set_child or
 * adw_window_set_content. */
void     koi_compat_dialog_set_content      (gpointer     dialog,
                                             const char  *title,
                                             GtkWidget   *content,
                                             int          width,
                                             int          height);
/* Closes a dialog made from KoiDialogBase (or any AdwDialog / GtkWindow). */
void     koi_compat_dialog_close            (gpointer     dialog);
/* Calls @callback (swapped: @data first, then the dialog) once the dialog
 * closed, whichever way: "closed" of an AdwDialog, "destroy" of a window. */
void     koi_compat_dialog_connect_closed   (gpointer     dialog,
                                             GCallback    callback,
                                             gpointer     data);
/* Escape closes the dialog class (AdwDialog does it by itself). */
void     koi_compat_dialog_class_init       (GtkWidgetClass *widget_class);

/*
 * The one place where Koi uses API newer than Debian 12's GTK 4.8 /
 * libadwaita 1.2, behind version checks. Everything else calls these.
 */

/* Opens a link (https:, mailto:, ...) with the user's default handler. */
void koi_compat_launch_uri         (GtkWidget  *parent,
                                    const char *uri);
/* Scrolls @list so that @position is visible (gtk_list_view_scroll_to on
 * GTK >= 4.12, the list's own action before). */
void koi_compat_list_scroll_to     (GtkListView *list,
                                    guint        position);
/* Keeps the bottom edge of @position (the list's last item) at the bottom
 * of the viewport from the next layout on, however its height or the
 * heights above change: on GTK >= 4.12 the list's anchor is set to that
 * edge (gtk_list_view_scroll_to without vertical scrolling, so the item
 * below the viewport is anchored at its end), and the list computes its
 * adjustment from it in each layout. FALSE on older GTK, where the caller
 * scrolls by item and sets the adjustment itself. Not a request as
 * koi_compat_list_scroll_to() is: following the end is not the user
 * leaving it. */
gboolean koi_compat_list_anchor_end (GtkListView *list,
                                     guint        position);
/* Whether koi_compat_list_scroll_to() was called on @list since the last
 * take: a move of its adjustment in the next layout was asked for, not
 * one the list's layout made by itself (GTK >= 4.12 may jump to its top
 * while it replaces estimated heights). */
gboolean koi_compat_list_peek_scroll_request (GtkListView *list);
/* The same, and forgets the request (once a frame is painted). */
gboolean koi_compat_list_take_scroll_request (GtkListView *list);

/* The window's two panes, whichever widget the build's koi-window.ui
 * declares: AdwLeaflet (legacy widget set) or AdwNavigationSplitView
 * (modern set, libadwaita >= 1.6; see src/ui/meson.build). */
gboolean koi_compat_split_get_collapsed     (GtkWidget   *split);
/* TRUE when the content pane is on screen (always, unless collapsed). */
gboolean koi_compat_split_get_content_shown (GtkWidget   *split);
/* Brings the content pane (TRUE) or the sidebar (FALSE) to the front when
 * collapsed; remembered for when it collapses otherwise. */
/* Calls @callback (swapped: @data first) whenever whether the content pane
 * shows may have changed (it was shown or hidden, or the split folded). */
void     koi_compat_split_connect_content_shown (GtkWidget *split,
                                                 GCallback  callback,
                                                 gpointer   data);
void     koi_compat_split_show_content      (GtkWidget   *split,
                                             gboolean     show);

/* The widget set's spinner, for code that builds one: AdwSpinner (modern)
 * or a GtkSpinner. */
GtkWidget *koi_compat_spinner_new           (void);
/* A spinner from the .ui: GtkSpinner needs starting and stopping, AdwSpinner
 * spins whenever it is on screen. */
void     koi_compat_spinner_set_spinning    (GtkWidget   *spinner,
                                             gboolean     spinning);

/* The window's connection banner: an AdwBanner on the modern set, a
 * KoiBanner (its stand-in, same property names) on the legacy one, where
 * libadwaita 1.2 has none. */
GtkWidget *koi_compat_banner_new            (void);
/* Shows @title in @banner, or hides it when @title is NULL. */
void     koi_compat_banner_set_title        (GtkWidget   *banner,
                                             const char  *title);
/* A button in the banner (NULL: none); both emit "button-clicked". */
void     koi_compat_banner_set_button_label (GtkWidget   *banner,
                                             const char  *label);

/* The About dialog: AdwAboutDialog (libadwaita >= 1.5) or AdwAboutWindow.
 * Returns it floating/unshown; set its properties (the two share their
 * names), then koi_compat_present_dialog(). */
GObject *koi_compat_about_new               (void);
/* Presents a dialog made by this file or from a .ui: an AdwDialog over
 * @parent, or a window made transient for @parent. */
void     koi_compat_present_dialog          (gpointer     dialog,
                                             GtkWidget   *parent);

/* Unparents every child of a GtkWidget subclass that lays out its own
 * template children (gtk_widget_dispose_template() does all of them only
 * from GTK 4.10 on). */
void koi_widget_unparent_children  (GtkWidget   *widget);

/* A short message with buttons: AdwAlertDialog on the modern set,
 * AdwMessageDialog (deprecated since libadwaita 1.6) on the legacy one.
 * Both emit "response" (const char *response) once, then close. */
GtkWidget  *koi_compat_alert_new          (const char *heading,
                                           const char *body);
void        koi_compat_alert_add_response (GtkWidget             *alert,
                                           const char            *id,
                                           const char            *label,
                                           AdwResponseAppearance  appearance);
/* Enter answers @default_id, Escape or closing answers @close_id. */
void        koi_compat_alert_set_responses (GtkWidget *alert,
                                            const char *default_id,
                                            const char *close_id);
void        koi_compat_alert_set_response_enabled (GtkWidget  *alert,
                                                   const char *id,
                                                   gboolean    enabled);
/* A widget under the body (an entry, a code to read). */
void        koi_compat_alert_set_extra_child (GtkWidget *alert,
                                              GtkWidget *child);
void        koi_compat_alert_present      (GtkWidget  *alert,
                                           GtkWidget  *parent);
const char *koi_compat_alert_get_heading  (GtkWidget  *alert);
const char *koi_compat_alert_get_body     (GtkWidget  *alert);
/* As if the user chose @id. */
void        koi_compat_alert_respond      (GtkWidget  *alert,
                                           const char *id);
/* The alert shown over @window, or NULL (tests, and for not asking twice). */
GtkWidget  *koi_compat_alert_find         (GtkWindow  *window);

G_END_DECLS
