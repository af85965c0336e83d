/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "koi-message.h"
#include "koi-store.h"

G_BEGIN_DECLS

/* Number of avatar colours koi_chat_get_color_index() spreads over; the
 * same as AdwAvatar's palette, so index i can map to its colour i + 1. */
#define KOI_CHAT_N_COLORS 14

#define KOI_TYPE_CHAT (koi_chat_get_type ())
G_DECLARE_FINAL_TYPE (KoiChat, koi_chat, KOI, CHAT, GObject)

/*
 * One conversation in the chat list. Properties (read-only for the UI,
 * updated in place by KoiChatList, notify only on change):
 *   id, account-id (gint64), peer-address, title (the display name, else
 *   the address), last-text (preview, may be NULL), last-activity (gint64 ms),
 *   unread-count (guint), last-direction (KoiMessageDirection), last-state
 *   (KoiMessageState), has-messages (FALSE for a new, empty chat: then
 *   last-direction/last-state mean nothing), muted.
 */

KoiChat             *koi_chat_new_from_store      (const KoiStoreChat *chat);

gint64               koi_chat_get_id              (KoiChat *self);
gint64               koi_chat_get_account_id      (KoiChat *self);
const char          *koi_chat_get_peer_address    (KoiChat *self);
const char          *koi_chat_get_title           (KoiChat *self);
const char          *koi_chat_get_last_text       (KoiChat *self);
gint64               koi_chat_get_last_activity   (KoiChat *self);
guint                koi_chat_get_unread_count    (KoiChat *self);
KoiMessageDirection  koi_chat_get_last_direction  (KoiChat *self);
KoiMessageState      koi_chat_get_last_state      (KoiChat *self);
gboolean             koi_chat_get_has_messages    (KoiChat *self);
gboolean             koi_chat_get_muted           (KoiChat *self);
/* Whether the user let the chat in (the store's KoiStoreChatRequest). */
typedef enum {
  KOI_CHAT_ACCEPTED,
  KOI_CHAT_REQUEST,    /* a stranger's first mail: Accept, Block or Delete */
  KOI_CHAT_DISMISSED,  /* deleted or blocked: not listed */
} KoiChatRequest;

KoiChatRequest       koi_chat_get_request         (KoiChat *self);
/* A group the user left or was removed from. */
gboolean             koi_chat_get_not_member      (KoiChat *self);
/* The chat holds only ordinary email (no chat message). */
gboolean             koi_chat_get_email_only      (KoiChat *self);
/* Every other member's key is known (koi-syncer-encrypt.c encrypts then). */
gboolean             koi_chat_get_keys_known      (KoiChat *self);
/* What the user typed here and did not send; NULL = none. */
const char          *koi_chat_get_draft           (KoiChat *self);

/* A group chat (its title is the group's name). */
gboolean             koi_chat_get_is_group        (KoiChat *self);
/* The sender (name, else address) of the last message, for "Bob: …". */
const char          *koi_chat_get_last_from       (KoiChat *self);

/* The last message's group info line (KoiStoreGroupInfo, 0 = an ordinary
 * message) and its address or name. */
int                  koi_chat_get_last_group_info (KoiChat     *self,
                                                   const char **out_arg);

/* Up to two letters for an avatar ("Alice Smith" → "AS", "bob@x.org" → "B"). */
char                *koi_chat_get_initials        (KoiChat *self);
/* 0 .. KOI_CHAT_N_COLORS-1, stable for an address across runs and machines
 * (a hash of the lower-cased peer address, else of the title). */
guint                koi_chat_get_color_index     (KoiChat *self);

/* For KoiChatList: copy every field from the store row, notifying changes. */
void                 koi_chat_update_from_store   (KoiChat            *self,
                                                   const KoiStoreChat *chat);

G_END_DECLS
