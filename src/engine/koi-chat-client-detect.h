/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <gmime/gmime.h>

#include "koi-account-config.h"
#include "koi-store.h"

G_BEGIN_DECLS

/*
 * Another chat app on the same account (Delta Chat on the user's phone,
 * say) fetches chat mail from INBOX; when Koi moves that mail to COI/Chats
 * first, the other app never sees it. Koi recognises such an app by the
 * chat mail it leaves in the mailbox: mail with Chat-Version from the
 * user's own address whose Message-ID is not one Koi (or another COI
 * client) writes. Once seen, Koi records it in the account's store
 * settings and leaves chat mail in INBOX from then on.
 */

/* On-disk values (the "client" member of the stored setting): frozen. */
typedef enum {
  KOI_CHAT_CLIENT_NONE = 0,
  KOI_CHAT_CLIENT_DELTA_CHAT,
  KOI_CHAT_CLIENT_OTHER,
} KoiChatClient;

/* The store setting (per account) that records what was seen, as JSON:
 * {"client": "delta-chat"|"other", "message_id": ..., "seen_at": unix s}. */
#define KOI_CHAT_CLIENT_SETTING "other_chat_client"

/* Which other chat app, if any, wrote a mail with these headers.
 * @own_address: the account's address; @from_address: the From address;
 * @message_id: without <>; @has_chat_version: the Chat-Version header is
 * present. Pure: no I/O. */
KoiChatClient koi_chat_client_detect            (const char    *own_address,
                                                 const char    *from_address,
                                                 const char    *message_id,
                                                 gboolean       has_chat_version);
/* Whether the header section of @mail (a whole RFC 5322 message) has a
 * Chat-Version field. Reads only up to the first empty line. */
gboolean      koi_chat_client_has_chat_version  (GBytes        *mail);

/* The first mailbox address of @message's From, or NULL. */
char         *koi_chat_client_from_address      (GMimeMessage  *message);

const char   *koi_chat_client_to_string         (KoiChatClient  client);
KoiChatClient koi_chat_client_from_string       (const char    *name);

/* What the store recorded for @account_id (NONE when nothing or on error);
 * the Message-ID and time seen if asked for. */
KoiChatClient koi_chat_client_load              (KoiStore      *store,
                                                 gint64         account_id,
                                                 char         **out_message_id,
                                                 gint64        *out_seen_at);
/* Records @client, seen in @message_id now. */
gboolean      koi_chat_client_record            (KoiStore      *store,
                                                 gint64         account_id,
                                                 KoiChatClient  client,
                                                 const char    *message_id,
                                                 GError       **error);
/* The syncer's hook: when *@state is still NONE and this mail shows
 * another chat app on @account, sets *@state and records it. */
gboolean      koi_chat_client_note              (KoiStore               *store,
                                                 const KoiAccountConfig *account,
                                                 KoiChatClient          *state,
                                                 const char             *from_address,
                                                 const char             *message_id,
                                                 gboolean                has_chat_version,
                                                 GError                **error);

G_END_DECLS
