/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-chat.h"
#include "koi-store-reader.h"

G_BEGIN_DECLS

#define KOI_TYPE_CHAT_LIST (koi_chat_list_get_type ())
G_DECLARE_FINAL_TYPE (KoiChatList, koi_chat_list, KOI, CHAT_LIST, GObject)

typedef struct _KoiAccount KoiAccount;

/*
 * KoiChatList: a GListModel of KoiChat for one account, newest activity
 * first. It starts loading at once (on the reader thread); property
 * "loading" is TRUE until the first answer is applied.
 *
 * It reloads on the account's "chat-updated", "message-added" and
 * "message-updated" (relayed from its engine; bursts coalesce: at most one reload in flight and one pending) and applies the
 * difference in place: a chat keeps its KoiChat object for its whole life,
 * changed fields notify, and a chat that moves is one items-changed over the
 * span it moved across (position = new place, removed = added = span), so a
 * list view keeps selection and scroll.
 */

/* The account's chats; the list holds the account weakly (the account
 * owns the list). */
KoiChatList *koi_chat_list_new                 (KoiStoreReader       *reader,
                                                KoiAccount           *account);
gint64       koi_chat_list_get_account_id      (KoiChatList          *self);
gboolean     koi_chat_list_get_loading         (KoiChatList          *self);

/* Reads the list again (coalesced as above). */
void         koi_chat_list_reload              (KoiChatList          *self);

/* The chat with @chat_id if it is in the list (borrowed), else NULL. */
KoiChat     *koi_chat_list_find                (KoiChatList          *self,
                                                gint64                chat_id);
/* The 1:1 chat with @peer_address (case-insensitive), else NULL. */
KoiChat     *koi_chat_list_find_by_peer        (KoiChatList          *self,
                                                const char           *peer_address);

/* "New chat": finds the 1:1 chat with @peer_address, or has the account's
 * engine create it, and finishes once it is in this list. */
void         koi_chat_list_ensure_for_peer_async  (KoiChatList          *self,
                                                   const char           *peer_address,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
/* Transfer full. */
KoiChat     *koi_chat_list_ensure_for_peer_finish (KoiChatList          *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);

/* Marks the chat read (through the engine, here and on the server); the
 * unread count follows on the "chat-updated" reload. */
void         koi_chat_list_mark_read           (KoiChatList          *self,
                                                gint64                chat_id);

G_END_DECLS
