/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-chat.h"

G_BEGIN_DECLS

#define KOI_TYPE_CHAT_ROW (koi_chat_row_get_type ())
G_DECLARE_FINAL_TYPE (KoiChatRow, koi_chat_row, KOI, CHAT_ROW, GtkWidget)

/* One row of the chat list. Property "item" (KoiChat); the row follows the
 * chat's properties while it is bound. */
GtkWidget  *koi_chat_row_new          (void);
KoiChat    *koi_chat_row_get_item     (KoiChatRow *self);
void        koi_chat_row_set_item     (KoiChatRow *self,
                                       KoiChat    *item);

/* What the row shows, for tests and accessibility. */
const char *koi_chat_row_get_title_text   (KoiChatRow *self);
const char *koi_chat_row_get_preview_text (KoiChatRow *self);
const char *koi_chat_row_get_time_text    (KoiChatRow *self);
const char *koi_chat_row_get_unread_text  (KoiChatRow *self);

G_END_DECLS
