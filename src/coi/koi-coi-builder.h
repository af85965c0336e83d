/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gmime/gmime.h>

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
 *
 * Everything Koi needs to write one 1:1 chat message. The struct only
 * borrows its strings.
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
} KoiCoiOutgoing;

char         *koi_coi_generate_message_id (const char           *domain);
gboolean      koi_coi_message_id_is_sendable (const char        *id);
char         *koi_coi_make_chat_subject   (const char           *text);
GMimeMessage *koi_coi_build_chat_message  (const KoiCoiOutgoing *out,
                                           GError              **error);
GBytes       *koi_coi_message_to_bytes    (GMimeMessage         *message);

G_END_DECLS
