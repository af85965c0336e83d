/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define KOI_TYPE_QUOTE_BLOCK (koi_quote_block_get_type ())
G_DECLARE_FINAL_TYPE (KoiQuoteBlock, koi_quote_block, KOI, QUOTE_BLOCK, GtkWidget)

/*
 * The quoted message at the top of a reply bubble: who wrote it and its
 * first line, as the store has it now (an edit shows, a deleted original
 * says so). Clicking it (or Enter on it) activates
 * "conversation.show-message" (parameter "x", the original's id) on an
 * ancestor, which scrolls there; a quote whose original is not stored is
 * not clickable.
 *
 * A message row makes one only for a reply with a quote.
 */
GtkWidget  *koi_quote_block_new         (void);
/* @raw: KoiMessage:quote. */
void        koi_quote_block_set_quote   (KoiQuoteBlock *self,
                                         const char    *raw);
/* For tests. */
const char *koi_quote_block_get_sender  (KoiQuoteBlock *self);
const char *koi_quote_block_get_text    (KoiQuoteBlock *self);
gint64      koi_quote_block_get_quoted_id (KoiQuoteBlock *self);

G_END_DECLS
