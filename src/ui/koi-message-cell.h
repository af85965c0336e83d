/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "koi-message-row.h"

G_BEGIN_DECLS

#define KOI_TYPE_MESSAGE_CELL (koi_message_cell_get_type ())
G_DECLARE_FINAL_TYPE (KoiMessageCell, koi_message_cell, KOI, MESSAGE_CELL, GtkWidget)

/*
 * KoiMessageCell: what the conversation's list view holds for each item it
 * keeps (GTK 4.8 keeps 200 around the visible ones, newer GTK a few
 * screenfuls). Laying out a bubble's text is the expensive part of a list
 * (Pango shapes it again for every width it is measured at), so a cell
 * only binds its KoiMessageRow while it is "live", that is near the
 * viewport (the conversation view decides, see koi-conversation-view.c).
 * Otherwise the row stays hidden and the cell claims a height: the one
 * measured for this message at this width before (@heights, shared by
 * the cells of one list: store id → size), or an estimate from the length
 * of its text.
 */
GtkWidget      *koi_message_cell_new       (GHashTable     *heights);
/* The row, once the cell has been live (else NULL). */
KoiMessageRow  *koi_message_cell_get_row   (KoiMessageCell *self);
KoiMessage     *koi_message_cell_get_item  (KoiMessageCell *self);

/* What the row shows once live; a new binding starts not live. */
void            koi_message_cell_bind      (KoiMessageCell *self,
                                            KoiMessage     *item,
                                            KoiMessage     *previous,
                                            gboolean        show_avatar,
                                            gboolean        unread_marker);
void            koi_message_cell_set_live  (KoiMessageCell *self,
                                            gboolean        live);
gboolean        koi_message_cell_get_live  (KoiMessageCell *self);
/* Passed on to the row (koi_message_row_set_offline). */
void            koi_message_cell_set_offline (KoiMessageCell *self,
                                              gboolean        offline);

/* What a screen reader says for the message: "Bob, 10:42, Are you
 * coming?" or, for one's own, "You, 10:42, See you, read". NULL while the
 * message is still loading. Set as the cell's (and its list item's)
 * accessible label. */
char           *koi_message_cell_dup_accessible_label (KoiMessageCell *self);

G_END_DECLS
