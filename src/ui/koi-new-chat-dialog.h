/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-chat-list.h"
#include "koi-compat.h"

G_BEGIN_DECLS

#define KOI_TYPE_NEW_CHAT_DIALOG (koi_new_chat_dialog_get_type ())
G_DECLARE_FINAL_TYPE (KoiNewChatDialog, koi_new_chat_dialog, KOI, NEW_CHAT_DIALOG, KoiDialogBase)

/*
 * "New Chat": type an address or pick an existing chat. Signal
 * "chat-chosen" (KoiChat *chat) once the chat exists in @chats (created
 * through koi_chat_list_ensure_for_peer_async() when new); then it closes.
 * An AdwDialog or an AdwWindow by widget set (koi-compat.h): show it with
 * koi_compat_present_dialog().
 */
GtkWidget *koi_new_chat_dialog_new         (KoiChatList      *chats);
void       koi_new_chat_dialog_set_address (KoiNewChatDialog *self,
                                            const char       *address);
/* Starts the chat with the typed address, as the button does. */
void       koi_new_chat_dialog_start       (KoiNewChatDialog *self);
/* The inline error shown for a bad address, "" when none. */
const char *koi_new_chat_dialog_get_error  (KoiNewChatDialog *self);

G_END_DECLS
