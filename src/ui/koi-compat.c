/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-compat"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-banner.h"
#include "koi-compat.h"

#if !GTK_CHECK_VERSION (4, 10, 0)
static void
launch_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *uri = user_data;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    g_warning ("Cannot open %s: %s", uri, error->message);
}
#else
static void
launch_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *uri = user_data;

  if (!gtk_uri_launcher_launch_finish (GTK_URI_LAUNCHER (source), result, &error))
    g_warning ("Cannot open %s: %s", uri, error->message);
}
#endif

void
koi_compat_launch_uri (GtkWidget  *parent,
                       const char *uri)
{
  GtkRoot *root = parent != NULL ? gtk_widget_get_root (parent) : NULL;

  g_return_if_fail (uri != NULL);

#if GTK_CHECK_VERSION (4, 10, 0)
  {
    g_autoptr (GtkUriLauncher) launcher = gtk_uri_launcher_new (uri);

    gtk_uri_launcher_launch (launcher, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                             NULL, launch_done, g_strdup (uri));
  }
#else
  {
    g_autoptr (GAppLaunchContext) context = NULL;

    if (root != NULL)
      context = G_APP_LAUNCH_CONTEXT (gdk_display_get_app_launch_context (
                  gtk_widget_get_display (GTK_WIDGET (root))));
    g_app_info_launch_default_for_uri_async (uri, context, NULL, launch_done, g_strdup (uri));
  }
#endif
}

void
koi_compat_list_scroll_to (GtkListView *list,
                           guint        position)
{
  g_return_if_fail (GTK_IS_LIST_VIEW (list));

  /* The list moves in its next layout: remembered, so a view can tell
   * this move from one the list's layout makes by itself. */
  g_object_set_data (G_OBJECT (list), "koi-scroll-requested", GINT_TO_POINTER (TRUE));
#if GTK_CHECK_VERSION (4, 12, 0)
  gtk_list_view_scroll_to (list, position, GTK_LIST_SCROLL_NONE, NULL);
#else
  /* GTK 4.8 has no public call, but the list view installs this action. */
  gtk_widget_activate_action (GTK_WIDGET (list), "list.scroll-to-item", "u", position);
#endif
}

gboolean
koi_compat_list_anchor_end (GtkListView *list,
                            guint        position)
{
  g_return_val_if_fail (GTK_IS_LIST_VIEW (list), FALSE);

#if GTK_CHECK_VERSION (4, 12, 0)
  {
    /* Without vertical scrolling the list keeps the current viewport to
     * choose the anchor's side: an item reaching below it is anchored at
     * its end (align 1.0), one wholly inside at its start where it is now
     * (the view's layout handler asks again once it grows out of view).
     * Setting the adjustment instead makes the list pick an anchor at the
     * item's start, and a row that then gets its real height pushes the
     * end out of view again. */
    GtkScrollInfo *info = gtk_scroll_info_new ();

    gtk_scroll_info_set_enable_vertical (info, FALSE);
    gtk_list_view_scroll_to (list, position, GTK_LIST_SCROLL_NONE, info);
    return TRUE;
  }
#else
  return FALSE;
#endif
}

gboolean
koi_compat_list_take_scroll_request (GtkListView *list)
{
  gboolean requested;

  g_return_val_if_fail (GTK_IS_LIST_VIEW (list), FALSE);

  requested = g_object_get_data (G_OBJECT (list), "koi-scroll-requested") != NULL;
  g_object_set_data (G_OBJECT (list), "koi-scroll-requested", NULL);
  return requested;
}

gboolean
koi_compat_list_peek_scroll_request (GtkListView *list)
{
  g_return_val_if_fail (GTK_IS_LIST_VIEW (list), FALSE);

  return g_object_get_data (G_OBJECT (list), "koi-scroll-requested") != NULL;
}

gboolean
koi_compat_split_get_collapsed (GtkWidget *split)
{
#if ADW_CHECK_VERSION (1, 4, 0)
  if (ADW_IS_NAVIGATION_SPLIT_VIEW (split))
    return adw_navigation_split_view_get_collapsed (ADW_NAVIGATION_SPLIT_VIEW (split));
#endif
  g_return_val_if_fail (ADW_IS_LEAFLET (split), FALSE);
  return adw_leaflet_get_folded (ADW_LEAFLET (split));
}

/* The leaflet's first (sidebar) or last (content) page's child; its
 * widget children also hold a shadow helper, so they will not do. */
static GtkWidget *
leaflet_child (AdwLeaflet *leaflet,
               gboolean    last)
{
  g_autoptr (GListModel) pages = G_LIST_MODEL (adw_leaflet_get_pages (leaflet));
  guint n = g_list_model_get_n_items (pages);
  g_autoptr (AdwLeafletPage) page = NULL;

  g_return_val_if_fail (n > 0, NULL);
  page = g_list_model_get_item (pages, last ? n - 1 : 0);
  return adw_leaflet_page_get_child (page);
}

gboolean
koi_compat_split_get_content_shown (GtkWidget *split)
{
  if (!koi_compat_split_get_collapsed (split))
    return TRUE;
#if ADW_CHECK_VERSION (1, 4, 0)
  if (ADW_IS_NAVIGATION_SPLIT_VIEW (split))
    return adw_navigation_split_view_get_show_content (ADW_NAVIGATION_SPLIT_VIEW (split));
#endif
  return adw_leaflet_get_visible_child (ADW_LEAFLET (split)) == leaflet_child (ADW_LEAFLET (split), TRUE);
}

void
koi_compat_split_connect_content_shown (GtkWidget *split,
                                        GCallback  callback,
                                        gpointer   data)
{
#if ADW_CHECK_VERSION (1, 4, 0)
  if (ADW_IS_NAVIGATION_SPLIT_VIEW (split))
    {
      g_signal_connect_swapped (split, "notify::show-content", callback, data);
      g_signal_connect_swapped (split, "notify::collapsed", callback, data);
      return;
    }
#endif
  g_signal_connect_swapped (split, "notify::visible-child", callback, data);
  g_signal_connect_swapped (split, "notify::folded", callback, data);
}

void
koi_compat_split_show_content (GtkWidget *split,
                               gboolean   show)
{
#if ADW_CHECK_VERSION (1, 4, 0)
  if (ADW_IS_NAVIGATION_SPLIT_VIEW (split))
    {
      adw_navigation_split_view_set_show_content (ADW_NAVIGATION_SPLIT_VIEW (split), show);
      return;
    }
#endif
  g_return_if_fail (ADW_IS_LEAFLET (split));
  adw_leaflet_set_visible_child (ADW_LEAFLET (split),
                                 leaflet_child (ADW_LEAFLET (split), show));
}

GtkWidget *
koi_compat_spinner_new (void)
{
#if KOI_WIDGET_SET_MODERN
  return adw_spinner_new ();
#else
  return gtk_spinner_new ();
#endif
}

void
koi_compat_spinner_set_spinning (GtkWidget *spinner,
                                 gboolean   spinning)
{
  if (GTK_IS_SPINNER (spinner))
    gtk_spinner_set_spinning (GTK_SPINNER (spinner), spinning);
}

GtkWidget *
koi_compat_banner_new (void)
{
#if KOI_WIDGET_SET_MODERN
  return adw_banner_new ("");
#else
  return koi_banner_new ();
#endif
}

void
koi_compat_banner_set_title (GtkWidget  *banner,
                             const char *title)
{
#if KOI_WIDGET_SET_MODERN
  g_return_if_fail (ADW_IS_BANNER (banner));
  if (title != NULL)
    adw_banner_set_title (ADW_BANNER (banner), title);
  adw_banner_set_revealed (ADW_BANNER (banner), title != NULL);
#else
  g_return_if_fail (KOI_IS_BANNER (banner));
  if (title != NULL)
    koi_banner_set_title (KOI_BANNER (banner), title);
  koi_banner_set_revealed (KOI_BANNER (banner), title != NULL);
#endif
}

void
koi_compat_banner_set_button_label (GtkWidget  *banner,
                                    const char *label)
{
  /* AdwBanner and KoiBanner share the property's name and meaning. */
  g_object_set (banner, "button-label", label, NULL);
}

GObject *
koi_compat_about_new (void)
{
#if ADW_CHECK_VERSION (1, 5, 0)
  return G_OBJECT (adw_about_dialog_new ());
#else
  return G_OBJECT (adw_about_window_new ());
#endif
}

void
koi_compat_present_dialog (gpointer   dialog,
                           GtkWidget *parent)
{
#if ADW_CHECK_VERSION (1, 5, 0)
  if (ADW_IS_DIALOG (dialog))
    {
      adw_dialog_present (ADW_DIALOG (dialog), parent);
      return;
    }
#endif
  g_return_if_fail (GTK_IS_WINDOW (dialog));
  if (parent != NULL && GTK_IS_WINDOW (gtk_widget_get_root (parent)))
    {
      gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (gtk_widget_get_root (parent)));
      gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
    }
  gtk_window_present (GTK_WINDOW (dialog));
}

void
koi_compat_dialog_set_content (gpointer    dialog,
                               const char *title,
                               GtkWidget  *content,
                               int         width,
                               int         height)
{
#if ADW_CHECK_VERSION (1, 5, 0)
  if (ADW_IS_DIALOG (dialog))
    {
      adw_dialog_set_title (ADW_DIALOG (dialog), title);
      adw_dialog_set_content_width (ADW_DIALOG (dialog), width);
      adw_dialog_set_content_height (ADW_DIALOG (dialog), height);
      adw_dialog_set_child (ADW_DIALOG (dialog), content);
      return;
    }
#endif
  g_return_if_fail (ADW_IS_WINDOW (dialog));
  gtk_window_set_title (GTK_WINDOW (dialog), title);
  gtk_window_set_default_size (GTK_WINDOW (dialog), width, height);
  adw_window_set_content (ADW_WINDOW (dialog), content);
}

void
koi_compat_dialog_close (gpointer dialog)
{
  /* A focused entry in a window that goes away gets no focus-out event
   * (GTK warns "GtkText did not receive a focus-out event"): take the
   * focus away first, as the user's Escape would. */
#if ADW_CHECK_VERSION (1, 5, 0)
  if (ADW_IS_DIALOG (dialog))
    {
      adw_dialog_set_focus (ADW_DIALOG (dialog), NULL);
      adw_dialog_close (ADW_DIALOG (dialog));
      return;
    }
#endif
  g_return_if_fail (GTK_IS_WINDOW (dialog));
  gtk_window_set_focus (GTK_WINDOW (dialog), NULL);
  gtk_window_close (GTK_WINDOW (dialog));
}

void
koi_compat_dialog_connect_closed (gpointer  dialog,
                                  GCallback callback,
                                  gpointer  data)
{
#if ADW_CHECK_VERSION (1, 5, 0)
  /* An AdwDialog may live on after it closed (its host keeps it until
   * the closing animation ends, or longer): "closed" is the moment. */
  if (ADW_IS_DIALOG (dialog))
    {
      g_signal_connect_object (dialog, "closed", callback, data, G_CONNECT_SWAPPED);
      return;
    }
#endif
  g_signal_connect_object (dialog, "destroy", callback, data, G_CONNECT_SWAPPED);
}

void
koi_compat_dialog_class_init (GtkWidgetClass *widget_class)
{
  if (g_type_is_a (G_TYPE_FROM_CLASS (widget_class), GTK_TYPE_WINDOW))
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

void
koi_widget_unparent_children (GtkWidget *widget)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}

/* ---- alerts ---------------------------------------------------------------- */

GtkWidget *
koi_compat_alert_new (const char *heading,
                      const char *body)
{
#if KOI_WIDGET_SET_MODERN
  return GTK_WIDGET (adw_alert_dialog_new (heading, body));
#else
  return adw_message_dialog_new (NULL, heading, body);
#endif
}

void
koi_compat_alert_add_response (GtkWidget             *alert,
                               const char            *id,
                               const char            *label,
                               AdwResponseAppearance  appearance)
{
#if KOI_WIDGET_SET_MODERN
  adw_alert_dialog_add_response (ADW_ALERT_DIALOG (alert), id, label);
  adw_alert_dialog_set_response_appearance (ADW_ALERT_DIALOG (alert), id, appearance);
#else
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (alert), id, label);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (alert), id, appearance);
#endif
}

void
koi_compat_alert_set_responses (GtkWidget  *alert,
                                const char *default_id,
                                const char *close_id)
{
#if KOI_WIDGET_SET_MODERN
  adw_alert_dialog_set_default_response (ADW_ALERT_DIALOG (alert), default_id);
  adw_alert_dialog_set_close_response (ADW_ALERT_DIALOG (alert), close_id);
#else
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (alert), default_id);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (alert), close_id);
#endif
}

void
koi_compat_alert_set_response_enabled (GtkWidget  *alert,
                                       const char *id,
                                       gboolean    enabled)
{
#if KOI_WIDGET_SET_MODERN
  adw_alert_dialog_set_response_enabled (ADW_ALERT_DIALOG (alert), id, enabled);
#else
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (alert), id, enabled);
#endif
}

void
koi_compat_alert_set_extra_child (GtkWidget *alert,
                                  GtkWidget *child)
{
#if KOI_WIDGET_SET_MODERN
  adw_alert_dialog_set_extra_child (ADW_ALERT_DIALOG (alert), child);
#else
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (alert), child);
#endif
}

void
koi_compat_alert_present (GtkWidget *alert,
                          GtkWidget *parent)
{
#if KOI_WIDGET_SET_MODERN
  adw_dialog_present (ADW_DIALOG (alert), parent);
#else
  if (parent != NULL && GTK_IS_WINDOW (gtk_widget_get_root (parent)))
    gtk_window_set_transient_for (GTK_WINDOW (alert), GTK_WINDOW (gtk_widget_get_root (parent)));
  gtk_window_present (GTK_WINDOW (alert));
#endif
}

const char *
koi_compat_alert_get_heading (GtkWidget *alert)
{
#if KOI_WIDGET_SET_MODERN
  return adw_alert_dialog_get_heading (ADW_ALERT_DIALOG (alert));
#else
  return adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (alert));
#endif
}

const char *
koi_compat_alert_get_body (GtkWidget *alert)
{
#if KOI_WIDGET_SET_MODERN
  return adw_alert_dialog_get_body (ADW_ALERT_DIALOG (alert));
#else
  return adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (alert));
#endif
}

void
koi_compat_alert_respond (GtkWidget  *alert,
                          const char *id)
{
#if KOI_WIDGET_SET_MODERN
  /* Like a click: the response, then the dialog closes. */
  g_object_ref (alert);
  g_signal_emit_by_name (alert, "response", id);
  adw_dialog_force_close (ADW_DIALOG (alert));
  g_object_unref (alert);
#else
  /* The response alone leaves the dialog open; a click also closes it. */
  g_object_ref (alert);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (alert), id);
  gtk_window_destroy (GTK_WINDOW (alert));
  g_object_unref (alert);
#endif
}

GtkWidget *
koi_compat_alert_find (GtkWindow *window)
{
#if KOI_WIDGET_SET_MODERN
  AdwDialog *dialog = NULL;

  if (ADW_IS_APPLICATION_WINDOW (window))
    dialog = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (window));
  else if (ADW_IS_WINDOW (window))
    dialog = adw_window_get_visible_dialog (ADW_WINDOW (window));
  return ADW_IS_ALERT_DIALOG (dialog) ? GTK_WIDGET (dialog) : NULL;
#else
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (toplevel) && gtk_window_get_transient_for (toplevel) == window &&
          gtk_widget_get_visible (GTK_WIDGET (toplevel)))
        return GTK_WIDGET (toplevel);
    }
  return NULL;
#endif
}

