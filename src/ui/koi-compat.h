/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

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

/* Unparents every child of a GtkWidget subclass that lays out its own
 * template children (gtk_widget_dispose_template() does all of them only
 * from GTK 4.10 on). */
void koi_widget_unparent_children  (GtkWidget   *widget);

G_END_DECLS
