/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gmime/gmime.h>

#include "koi-coi-parser.h"

G_BEGIN_DECLS

/**
 * KoiCoiOutgoing:
 * @from_address: the sender's address (exactly one)
 * @from_name: (nullable): the sender's display name
 * @to: (array zero-terminated=1): the other participants' addresses; a 1:1
 *   chat has one
 * @text: the message text, UTF-8, not empty
 * @in_reply_to: (nullable): Message-ID of the message replied to, without <>
 * @references: (nullable) (array zero-terminated=1): the thread's ids, oldest
 *   first, without <>; only the first and the last are written (COI draft)
 * @request_read_receipt: add Disposition-Notification-To and
 *   Chat-Disposition-Notification-To (the sender)
 * @date_ms: the Date, in ms since the epoch; 0 means now
 * @message_id: (nullable): the Message-ID without <>; %NULL generates one
 *   with the sender's domain
 * @type: what to write: %KOI_COI_TYPE_CHAT (the default, 0),
 *   %KOI_COI_TYPE_EDIT (@text replaces @target_id's text),
 *   %KOI_COI_TYPE_DELETE (@target_id is deleted for everyone; @text is
 *   not used) or %KOI_COI_TYPE_REACTION (@text is the emoji, "" takes the
 *   sender's reaction back)
 * @target_id: (nullable): edit, delete, reaction: the Message-ID acted on,
 *   without <>; it becomes In-Reply-To (and the last id of References)
 * @quote: (nullable): chat: the text replied to; edit: the text replaced.
 *   Written as a "> " quote before the text, for mail programs; chat
 *   clients fold it away.
 * @autocrypt_keydata: (nullable): the sender's own key (binary, the
 *   minimal Autocrypt export): written as the `Autocrypt` header with
 *   `prefer-encrypt=mutual`
 * @gossip: (nullable) (element-type KoiCoiAutocrypt): the other members'
 *   keys, written as `Autocrypt-Gossip` headers on the top MIME part. Only
 *   for a mail that will be encrypted: that part becomes its payload.
 *
 * Everything Koi needs to write one 1:1 chat message or one request on
 * another message. The struct only borrows its strings.
 */
typedef struct
{
  const char         *from_address;
  const char         *from_name;
  const char * const *to;
  const char         *text;
  const char         *in_reply_to;
  const char * const *references;
  gboolean            request_read_receipt;
  gint64              date_ms;
  const char         *message_id;
  KoiCoiType          type;
  const char         *target_id;
  const char         *quote;
  GBytes             *autocrypt_keydata;
  GPtrArray          *gossip;
} KoiCoiOutgoing;

/**
 * KoiCoiReceipt:
 * @from_address: the reader's address (the account)
 * @from_name: (nullable): the reader's display name
 * @to: the sender of the messages read (their request's address, which
 *   equals their From)
 * @message_ids: (array zero-terminated=1): the messages read, without <>;
 *   the first becomes Original-Message-ID, the others Delta Chat's
 *   Additional-Message-IDs (one receipt for a burst of messages)
 * @date_ms: the Date, in ms since the epoch; 0 means now
 * @autocrypt_keydata: (nullable): the reader's own key, as in
 *   #KoiCoiOutgoing: Autocrypt wants it on every mail
 *
 * A read receipt (MDN, RFC 8098). The struct only borrows its strings.
 */
typedef struct
{
  const char         *from_address;
  const char         *from_name;
  const char         *to;
  const char * const *message_ids;
  gint64              date_ms;
  GBytes             *autocrypt_keydata;
} KoiCoiReceipt;

/* Receipts per mail: Additional-Message-IDs stays a few lines long. */
#define KOI_COI_RECEIPT_MAX_IDS 50

char         *koi_coi_generate_message_id (const char           *domain);
gboolean      koi_coi_message_id_is_sendable (const char        *id);
char         *koi_coi_make_chat_subject   (const char           *text);
GMimeMessage *koi_coi_build_chat_message  (const KoiCoiOutgoing *out,
                                           GError              **error);
GMimeMessage *koi_coi_build_read_receipt  (const KoiCoiReceipt  *receipt,
                                           GError              **error);
GBytes       *koi_coi_message_to_bytes    (GMimeMessage         *message);

G_END_DECLS
