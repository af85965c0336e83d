/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gmime/gmime.h>

#include "koi-coi-autocrypt.h"
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
 * KoiCoiType:
 * @KOI_COI_TYPE_CHAT: a chat message: a bubble in its chat
 * @KOI_COI_TYPE_EMAIL: ordinary email: a bubble with its subject, never moved
 * @KOI_COI_TYPE_EDIT: replaces the text of @target_ids[0] with @text
 *   (COI `edit`, `editrequest`, `ammend`; Delta Chat `Chat-Edit`)
 * @KOI_COI_TYPE_DELETE: deletes @target_ids[0] for everyone (COI `delete`,
 *   `deleterequest`, `collapse`, an empty COI edit; Delta Chat `Chat-Delete`)
 * @KOI_COI_TYPE_REACTION: @reaction (an emoji, or "" to take it back) on
 *   @target_ids[0] (RFC 9078)
 * @KOI_COI_TYPE_READ_RECEIPT: an MDN (RFC 8098) saying @target_ids were
 *   displayed by the sender (Original-Message-ID, then Delta Chat's
 *   Additional-Message-IDs)
 * @KOI_COI_TYPE_CONTACT: a "Chat: Contact" card (contact.json / contact.vcf
 *   in @contact_json / @contact_vcard)
 * @KOI_COI_TYPE_GROUP_CHANGE: a group membership or name change (Delta
 *   Chat's Chat-Group-Member-Added/-Removed/Name-Changed, COI `groupleft`)
 * @KOI_COI_TYPE_DELIVERY_FAILURE: a DSN (RFC 3464) or a bounce: the
 *   outgoing messages @target_ids failed for @failed_recipients with
 *   @failure_text (the server's words)
 * @KOI_COI_TYPE_AUTO_REPLY: an auto-reply (RFC 3834 Auto-Submitted, or
 *   the usual vacation headers): ordinary email, never moved
 * @KOI_COI_TYPE_MAILING_LIST: mail from a list (List-Id, Precedence:
 *   list/bulk): ordinary email, never moved
 * @KOI_COI_TYPE_KEY_SETUP: an Autocrypt Setup Message (header
 *   `Autocrypt-Setup-Message: v1`): a secret key under a setup code for
 *   another device of the user's (koi-coi-setup.h); never a bubble
 *
 * What one incoming mail does. The values are stored on disk: never
 * renumber, only append.
 */
typedef enum
{
  KOI_COI_TYPE_CHAT             = 0,
  KOI_COI_TYPE_EMAIL            = 1,
  KOI_COI_TYPE_EDIT             = 2,
  KOI_COI_TYPE_DELETE           = 3,
  KOI_COI_TYPE_REACTION         = 4,
  KOI_COI_TYPE_READ_RECEIPT     = 5,
  KOI_COI_TYPE_CONTACT          = 6,
  KOI_COI_TYPE_GROUP_CHANGE     = 7,
  KOI_COI_TYPE_DELIVERY_FAILURE = 8,
  KOI_COI_TYPE_AUTO_REPLY       = 9,
  KOI_COI_TYPE_MAILING_LIST     = 10,
  KOI_COI_TYPE_KEY_SETUP        = 11,
} KoiCoiType;

/* Whether a mail of @type acts on another message and is never shown as
 * a bubble of its own (edit, delete, reaction, read receipt, contact card,
 * delivery failure, key setup). */
gboolean    koi_coi_type_is_hidden     (KoiCoiType type);
/* Whether mail of @type is chat mail that may be moved out of INBOX
 * (chat, edit, delete, reaction, group change; not email, auto-replies,
 * mailing lists, receipts or bounces, which other programs expect to see). */
gboolean    koi_coi_type_is_chat_mail  (KoiCoiType type);
const char *koi_coi_type_to_string     (KoiCoiType type);

/* The header fields koi_coi_classify_headers() reads, as an IMAP
 * "HEADER.FIELDS (...)" list: a header pass that fetches exactly these and
 * the body pass classify every mail the same way. */
#define KOI_COI_CLASSIFY_HEADER_FIELDS \
  "MESSAGE-ID FROM DATE REFERENCES IN-REPLY-TO CHAT-VERSION CHAT-CONTENT " \
  "CHAT-EDIT CHAT-DELETE CONTENT-TYPE CONTENT-DISPOSITION AUTO-SUBMITTED " \
  "X-AUTOREPLY X-AUTORESPOND PRECEDENCE LIST-ID LIST-UNSUBSCRIBE SUBJECT " \
  "CHAT-GROUP-ID CHAT-GROUP-MEMBER-ADDED CHAT-GROUP-MEMBER-REMOVED " \
  "CHAT-GROUP-NAME-CHANGED AUTOCRYPT-SETUP-MESSAGE"

/* The type of a mail from its headers alone (a message with only the
 * KOI_COI_CLASSIFY_HEADER_FIELDS, or a whole one): the same answer
 * koi_coi_parse() gives in KoiCoiParsed.type for that mail, except where
 * the body does not hold what the headers promise: an edit with no text
 * is a delete, and a read receipt, delivery failure or contact card in
 * which nothing usable is found (no valid target, only delays, no card
 * part) is email. Both always agree on koi_coi_type_is_chat_mail(). The
 * rules and their order are documented at the function and in
 * docs/WIRE.md. */
KoiCoiType  koi_coi_classify_headers   (GMimeMessage *message);

/**
 * KoiCoiSignature:
 * @KOI_COI_SIGNATURE_NONE: not signed (or not encrypted)
 * @KOI_COI_SIGNATURE_VALID: validly signed by the sender's known key
 * @KOI_COI_SIGNATURE_BAD: signed, and the signature does not verify
 * @KOI_COI_SIGNATURE_UNKNOWN: signed by a key not known as the sender's
 *
 * What the engine's decryption step found; the same numbers as the
 * store's KoiStoreSignature.
 */
typedef enum
{
  KOI_COI_SIGNATURE_NONE    = 0,
  KOI_COI_SIGNATURE_VALID   = 1,
  KOI_COI_SIGNATURE_BAD     = 2,
  KOI_COI_SIGNATURE_UNKNOWN = 3,
} KoiCoiSignature;

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
 * @read_receipt_to: (nullable): the address the receipt is requested to
 *   (Chat-Disposition-Notification-To, else Disposition-Notification-To),
 *   lower-cased; a receipt goes only where this equals @from_address
 * @is_delta_chat: written by Delta Chat (Chat-Version with Mr./Gr. ids or
 *   Delta Chat's own Chat-* headers)
 * @chat_content: (nullable): the Chat-Content header value, lower-cased
 * @type: what the mail does (KoiCoiType); @kind stays chat/email for the
 *   bubble's look
 * @target_ids: (element-type utf8): edit/delete/reaction: the one message
 *   acted on; read receipt and delivery failure: every message reported
 *   on; without <>; empty for other types
 * @reaction: (nullable): the reaction's emoji ("" = reaction removed)
 * @failed_recipients: (element-type utf8): delivery failure: the
 *   lower-cased addresses that failed (may be empty when the report names
 *   none)
 * @failure_text: (nullable): delivery failure: the server's words
 *   (Diagnostic-Code, else Status + Action, else the report's first line)
 * @group_id: (nullable): Chat-Group-ID or the id in a
 *   chat$group.GROUPID.UNIQUE@ / Gr.GROUPID. Message-ID
 * @group_id_explicit: %TRUE when @group_id came from Chat-Group-ID or the
 *   mail's own Message-ID (a group client wrote it), %FALSE when only from
 *   References / In-Reply-To (a reply from an email program)
 * @group_name: (nullable): Chat-Group-Name (decoded)
 * @group_member_added: (nullable): Chat-Group-Member-Added, lower-cased
 * @group_member_removed: (nullable): Chat-Group-Member-Removed, lower-cased
 * @group_name_changed: %TRUE when Chat-Group-Name-Changed is present
 * @contact_json: (nullable): contact card: contact.json as received
 * @contact_vcard: (nullable): contact card: contact.vcf as received
 * @contact_hcard: (nullable): contact card in the COI draft's form: the
 *   HTML part with the h-card, as received
 * @contact_headers: (nullable): contact card: its COI-Token, COI-TokenIn,
 *   COI-TokenOut and COI-Blocked fields as a JSON list of [name, raw
 *   value], the raw value byte for byte (koi-contact-card.h reads it)
 * @too_complex: the mail was too large or complex to parse whole (see
 *   koi-coi-guard.c): only its sender, recipients, subject, date and ids
 *   were read, it is plain email, and @text says why
 * @raw_size: too complex: the mail's size in bytes
 * @unreadable_reason: (nullable): too complex: why, in words for the user
 * @from_count: how many addresses the From field names; with more than
 *   one, @from_address is %NULL and @text starts with a warning naming
 *   them (docs/WIRE.md, "Who sent it")
 * @encrypted: the mail came encrypted (PGP/MIME) and this is what its
 *   decrypted part says; set by the engine's decryption step, never by
 *   the parser
 * @signature: its signature (#KoiCoiSignature); set with @encrypted
 * @autocrypt: (nullable): the sender's Autocrypt header: exactly one
 *   well-formed header whose addr is @from_address, else %NULL (the
 *   reason is logged)
 * @autocrypt_gossip: (element-type KoiCoiAutocrypt): the Autocrypt-Gossip
 *   headers of the message and of its top MIME part; never %NULL. Only
 *   worth believing in a mail that was encrypted and validly signed: the
 *   parser does not know, the engine does
 * @member_fingerprints: (nullable) (element-type utf8): Delta Chat's
 *   Chat-Group-Member-Fpr, one fingerprint per address of @to in its order
 *   (koi-coi-member-fpr.h); as trustworthy as the gossip
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
  char       *read_receipt_to;
  gboolean    is_delta_chat;
  char       *chat_content;
  /* IMAP sections ("2", "1.3") of parts marked `Chat-Content: preview`
   * (COI: a small preview of the next part, not a file of its own); NULL
   * when none. */
  GPtrArray  *preview_sections;

  KoiCoiType  type;
  GPtrArray  *target_ids;
  char       *reaction;
  GPtrArray  *failed_recipients;
  char       *failure_text;
  char       *group_id;
  gboolean    group_id_explicit;
  char       *group_name;
  char       *group_member_added;
  char       *group_member_removed;
  gboolean    group_name_changed;
  char       *contact_json;
  char       *contact_vcard;
  char       *contact_hcard;
  char       *contact_headers;

  gboolean    too_complex;
  gsize       raw_size;
  char       *unreadable_reason;
  guint       from_count;

  gboolean         encrypted;
  int              signature;
  KoiCoiAutocrypt *autocrypt;
  GPtrArray       *autocrypt_gossip;
  GPtrArray       *member_fingerprints;
} KoiCoiParsed;

/**
 * KoiCoiWarning:
 * @KOI_COI_WARNING_SEVERAL_SENDERS: From names several addresses
 * @KOI_COI_WARNING_NO_SENDER: From names no address
 * @KOI_COI_WARNING_UNVERIFIED_SELF: From is the user's own address, but
 *   no chat app on the user's devices wrote it
 *
 * Why a mail's sender is not shown as it claims (docs/WIRE.md).
 */
typedef enum
{
  KOI_COI_WARNING_SEVERAL_SENDERS,
  KOI_COI_WARNING_NO_SENDER,
  KOI_COI_WARNING_UNVERIFIED_SELF,
} KoiCoiWarning;

KoiCoiParsed *koi_coi_parse          (GBytes        *raw,
                                      GError       **error);
KoiCoiParsed *koi_coi_parse_full     (GBytes        *raw,
                                      GMimeMessage **message,
                                      GError       **error);
KoiCoiParsed *koi_coi_parse_message  (GMimeMessage  *message,
                                      GBytes        *raw);
KoiCoiParsed *koi_coi_parsed_new_unreadable (GBytes  *raw,
                                             guint32  uid,
                                             const char *reason);
void          koi_coi_parsed_keep_apart (KoiCoiParsed *parsed);
char         *koi_coi_warned_text       (const char    *text,
                                         KoiCoiWarning  warning,
                                         GPtrArray     *senders);
void          koi_coi_parsed_warn       (KoiCoiParsed  *parsed,
                                         KoiCoiWarning  warning,
                                         GPtrArray     *senders);
gsize         koi_coi_guard_header_length (const guint8 *data,
                                           gsize         len);
char         *koi_coi_too_complex_text  (gsize       size,
                                         const char *reason,
                                         guint32     uid);
void          koi_coi_parsed_free    (KoiCoiParsed  *parsed);
KoiCoiKind    koi_coi_classify       (GMimeMessage  *message);
gboolean      koi_coi_is_chat_id     (const char    *message_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiCoiParsed, koi_coi_parsed_free)

G_END_DECLS
