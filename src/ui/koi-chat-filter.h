/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A GtkStringFilter over KoiChat items that matches the typed text against
 * the chat's title and peer address (case-insensitive substring). */
GtkStringFilter *koi_chat_filter_new (void);

G_END_DECLS
