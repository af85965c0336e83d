/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-compat"

#include "config.h"

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

#if GTK_CHECK_VERSION (4, 12, 0)
  gtk_list_view_scroll_to (list, position, GTK_LIST_SCROLL_NONE, NULL);
#else
  /* GTK 4.8 has no public call, but the list view installs this action. */
  gtk_widget_activate_action (GTK_WIDGET (list), "list.scroll-to-item", "u", position);
#endif
}

void
koi_widget_unparent_children (GtkWidget *widget)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}
