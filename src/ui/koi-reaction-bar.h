/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define KOI_TYPE_REACTION_BAR (koi_reaction_bar_get_type ())
G_DECLARE_FINAL_TYPE (KoiReactionBar, koi_reaction_bar, KOI, REACTION_BAR, GtkWidget)

/*
 * The reactions under a bubble: one chip per emoji with its count, the
 * user's own highlighted. Clicking a chip takes the user's reaction back
 * when it is theirs, else reacts with that emoji (one reaction per person,
 * RFC 9078), through "conversation.react" (parameter "(xs)": the message's
 * id and the emoji, "" to take it back) on an ancestor. A chip's tooltip
 * and accessible description say who reacted.
 *
 * A message row makes one only for a message that has reactions.
 */
GtkWidget  *koi_reaction_bar_new           (void);
/* @raw: KoiMessage:reactions. Rebuilds the chips only when it changed. */
void        koi_reaction_bar_set_reactions (KoiReactionBar *self,
                                            gint64          message_id,
                                            const char     *raw);
/* For tests: the chips' buttons, in order. */
guint       koi_reaction_bar_get_n_chips   (KoiReactionBar *self);
GtkWidget  *koi_reaction_bar_get_chip      (KoiReactionBar *self,
                                            guint           index);

G_END_DECLS
