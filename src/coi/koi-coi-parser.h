/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gmime/gmime.h>

#include "koi-coi-text.h"

G_BEGIN_DECLS

/**
 * KoiCoiKind:
 * @KOI_COI_KIND_CHAT: a chat message (Chat-Version, or a chat$/coi$ id)
 * @KOI_COI_KIND_EMAIL: any other mail
 *
 * What an incoming mail is. More kinds (contact, MDN, edit, ...) come later;
 * the values are stored on disk and never renumbered.
 */
typedef enum
{
  KOI_COI_KIND_CHAT = 0,
  KOI_COI_KIND_EMAIL = 1,
} KoiCoiKind;

/**
 * KoiCoiParsed:
 * @kind: chat or email
 * @message_id: the Message-ID without <>; never %NULL
 * @message_id_synthetic: %TRUE when the mail had no usable Message-ID and
 *   @message_id is "koi-synthetic.<sha256 of the raw bytes>@koi.invalid"
 * @from_address: (nullable): the From address, lower-cased
 * @from_name: (nullable): the From display name
 * @to: (element-type utf8): lower-cased addresses from To
 * @cc: (element-type utf8): lower-cased addresses from Cc
 * @subject: the decoded subject; never %NULL
 * @date_ms: Date in ms since the epoch; 0 if missing or unreadable
 * @in_reply_to: (nullable): the first In-Reply-To id without <>
 * @references: (element-type utf8): References ids, without <>
 * @text: what to show; never %NULL
 * @folded_text: the quote and signature folded away from @text; never
 *   %NULL (empty when nothing was folded)
 * @full_text: the whole plain text; never %NULL
 * @is_html_only: the text came from an HTML part (no text/plain existed)
 * @wants_read_receipt: Disposition-Notification-To (or Delta Chat's) is set
 * @is_delta_chat: written by Delta Chat (Chat-Version with Mr./Gr. ids or
 *   Delta Chat's own Chat-* headers)
 * @chat_content: (nullable): the Chat-Content header value, lower-cased
 *
 * What one mail means to Koi. Free with koi_coi_parsed_free().
 */
typedef struct
{
  KoiCoiKind  kind;
  char       *message_id;
  gboolean    message_id_synthetic;
  char       *from_address;
  char       *from_name;
  GPtrArray  *to;
  GPtrArray  *cc;
  char       *subject;
  gint64      date_ms;
  char       *in_reply_to;
  GPtrArray  *references;
  char       *text;
  char       *folded_text;
  char       *full_text;
  gboolean    is_html_only;
  gboolean    wants_read_receipt;
  gboolean    is_delta_chat;
  char       *chat_content;
} KoiCoiParsed;

KoiCoiParsed *koi_coi_parse          (GBytes        *raw,
                                      GError       **error);
KoiCoiParsed *koi_coi_parse_message  (GMimeMessage  *message,
                                      GBytes        *raw);
void          koi_coi_parsed_free    (KoiCoiParsed  *parsed);
KoiCoiKind    koi_coi_classify       (GMimeMessage  *message);
gboolean      koi_coi_is_chat_id     (const char    *message_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiCoiParsed, koi_coi_parsed_free)

G_END_DECLS
