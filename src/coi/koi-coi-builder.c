/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-coi-builder"

#include "config.h"

#include <string.h>
#include <sys/random.h>

#include "koi-coi-autocrypt.h"
#include "koi-coi-builder.h"
#include "koi-coi-error.h"
#include "koi-coi-gmime.h"
#include "koi-coi-private.h"
#include "koi-coi-text.h"

/* Subjects show the start of the text. Cut at a word boundary between
 * these two lengths (in characters) so the subject stays one short line. */
#define SUBJECT_MIN_CHARS 40
#define SUBJECT_MAX_CHARS 56

/* Message-ID: "chat$" + 128 random bits as unpadded base64url. All of
 * [A-Za-z0-9_-] and '$' are atext (RFC 5322), so no quoting is needed. */
char *
koi_coi_generate_message_id (const char *domain)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  guint8 random_bytes[16];
  GString *id;
  guint bits = 0;
  guint n_bits = 0;

  g_return_val_if_fail (domain != NULL && *domain != '\0', NULL);

  /* The kernel's CSPRNG: ids must not be guessable (they name threads and
   * edit targets). g_random is only the fallback if getrandom() fails. */
  if (getrandom (random_bytes, sizeof random_bytes, 0) != (ssize_t) sizeof random_bytes)
    {
      for (guint i = 0; i < sizeof random_bytes; i++)
        random_bytes[i] = (guint8) g_random_int_range (0, 256);
    }

  id = g_string_new ("chat$");
  for (guint i = 0; i < sizeof random_bytes; i++)
    {
      bits = (bits << 8) | random_bytes[i];
      n_bits += 8;
      while (n_bits >= 6)
        {
          n_bits -= 6;
          g_string_append_c (id, alphabet[(bits >> n_bits) & 0x3f]);
        }
    }
  if (n_bits > 0)
    g_string_append_c (id, alphabet[(bits << (6 - n_bits)) & 0x3f]);

  g_string_append_c (id, '@');
  g_string_append (id, domain);

  return g_string_free (id, FALSE);
}

/* The first line with any content, whitespace runs folded to one space;
 * @more is set when any other content follows it. */
static char *
first_line_of (const char *text,
               gboolean   *more)
{
  GString *line = g_string_new (NULL);
  gboolean pending_space = FALSE;
  const char *p;

  for (p = text; *p != '\0'; p++)
    {
      if (*p == '\n')
        {
          if (line->len > 0)
            break;
          continue;
        }
      if (g_ascii_isspace (*p))
        {
          pending_space = line->len > 0;
          continue;
        }
      if (pending_space)
        g_string_append_c (line, ' ');
      pending_space = FALSE;
      g_string_append_c (line, *p);
    }

  *more = *p != '\0' && p[strspn (p, " \t\r\n")] != '\0';

  return g_string_free (line, FALSE);
}

/**
 * koi_coi_make_chat_subject:
 * @text: the message text, valid UTF-8
 *
 * "Chat: " and the start of @text's first line, cut at a word boundary
 * with "..." when anything was left out (as in the seed's
 * "Chat: My dear friend..."). "..." rather than "…" keeps ASCII subjects
 * ASCII, so plain email programs show them without RFC 2047.
 *
 * Returns: (transfer full): the subject, one line
 */
char *
koi_coi_make_chat_subject (const char *text)
{
  g_autofree char *line = NULL;
  const char *cut = NULL;
  const char *last_space = NULL;
  glong n_chars;
  gboolean more_text;

  g_return_val_if_fail (text != NULL, NULL);

  line = first_line_of (text, &more_text);
  n_chars = g_utf8_strlen (line, -1);

  if (n_chars <= SUBJECT_MAX_CHARS)
    {
      if (more_text)
        return g_strconcat ("Chat: ", line, "...", NULL);
      return g_strconcat ("Chat: ", line, NULL);
    }

  cut = g_utf8_offset_to_pointer (line, SUBJECT_MAX_CHARS);
  for (const char *p = g_utf8_offset_to_pointer (line, SUBJECT_MIN_CHARS);
       p <= cut;
       p = g_utf8_next_char (p))
    {
      if (*p == ' ')
        last_space = p;
    }
  /* No word boundary in range (a long URL, a language without spaces):
   * cut between characters instead. */
  if (last_space != NULL)
    cut = last_space;

  /* Drop punctuation that would dangle before the ellipsis. */
  while (cut > line && strchr (" ,;:.-", cut[-1]) != NULL)
    cut--;

  return g_strdup_printf ("Chat: %.*s...", (int) (cut - line), line);
}

/* A bare addr-spec: one '@', something on both sides, nothing that could
 * end a header or start another address. */
static gboolean
validate_address (const char  *what,
                  const char  *address,
                  GError     **error)
{
  const char *at;

  if (address == NULL || *address == '\0')
    {
      g_set_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                   "The %s address is empty", what);
      return FALSE;
    }

  for (const char *p = address; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x21 || (guchar) *p >= 0x7f || strchr ("<>,;:\"()[]\\", *p) != NULL)
        {
          g_autofree char *escaped = g_strescape (address, NULL);

          g_set_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                       "The %s address “%s” contains a character not allowed in an "
                       "email address (a space, line break, non-ASCII letter or one of "
                       "<>,;:\"()[]\\)",
                       what, escaped);
          return FALSE;
        }
    }

  at = strrchr (address, '@');
  if (at == NULL || at == address || at[1] == '\0' || strchr (address, '@') != at)
    {
      g_set_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                   "The %s address “%s” is not an email address (it needs exactly one "
                   "“@” with a name before it and a domain after it)",
                   what, address);
      return FALSE;
    }

  return TRUE;
}

static gboolean
validate_message_id (const char  *what,
                     const char  *id,
                     GError     **error)
{
  if (id == NULL || *id == '\0' || strchr (id, '@') == NULL)
    {
      g_set_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                   "The %s “%s” is not a message id (it needs an “@”)",
                   what, id != NULL ? id : "");
      return FALSE;
    }

  for (const char *p = id; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x21 || (guchar) *p > 0x7e || *p == '<' || *p == '>')
        {
          g_autofree char *escaped = g_strescape (id, NULL);

          g_set_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                       "The %s “%s” contains a space, line break, angle bracket or "
                       "non-ASCII character", what, escaped);
          return FALSE;
        }
    }

  return TRUE;
}

/**
 * koi_coi_message_id_is_sendable:
 * @id: (nullable): a Message-ID without <>
 *
 * Whether @id can go into In-Reply-To or References of a mail Koi writes:
 * what validate_message_id() accepts, and short enough that "References:
 * <a> <b>" stays within a mail line (998). A stored id from a hostile mail
 * may be anything; the sender picks another or none instead of failing.
 *
 * Returns: %TRUE if @id may be written
 */
gboolean
koi_coi_message_id_is_sendable (const char *id)
{
  return id != NULL && strlen (id) <= 480 && validate_message_id ("id", id, NULL);
}

/* Every line break in the text becomes '\n'; gmime writes them as CRLF. */
static char *
normalize_newlines (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\r')
        {
          g_string_append_c (out, '\n');
          if (p[1] == '\n')
            p++;
        }
      else
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

/* Quoted-printable keeps mostly-Latin text readable in any mail source
 * view; base64 is shorter for emoji- or CJK-heavy text. QP leaves a line
 * that starts with "From " as it is, and an mbox delivery on the way may
 * turn it into ">From ": base64 cannot be touched that way. */
static GMimeContentEncoding
choose_encoding (const char *text)
{
  gsize n_high = 0;
  gsize len = strlen (text);

  if (g_str_has_prefix (text, "From ") || strstr (text, "\nFrom ") != NULL)
    return GMIME_CONTENT_ENCODING_BASE64;

  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p >= 0x80)
      n_high++;

  if (n_high * 3 > len)
    return GMIME_CONTENT_ENCODING_BASE64;

  return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
}

static char *
domain_of (const char *address)
{
  return g_ascii_strdown (strrchr (address, '@') + 1, -1);
}

/* An address header value that is already 7-bit (RFC 2047 for the name). */
static char *
format_mailbox (const char *name,
                const char *address)
{
  g_autoptr(InternetAddressList) list = internet_address_list_new ();
  g_autoptr(InternetAddress) mailbox = internet_address_mailbox_new (name, address);

  internet_address_list_add (list, mailbox);

  return internet_address_list_to_string (list, NULL, TRUE);
}

/* A reaction is one emoji or a few (RFC 9078 allows a list); bounded so
 * a reaction cannot carry a message of its own. */
#define MAX_REACTION_BYTES 64
/* Enough of a quoted text for a mail program's reader to know what is
 * answered or corrected; chat clients show the quote from their store. */
#define MAX_QUOTE_LINES 12
#define MAX_QUOTE_BYTES 1000

/* Delta Chat's edit marker; chat clients drop it with the quote. */
#define EDIT_PENCIL "\xe2\x9c\x8f\xef\xb8\x8f"

/* "> " before every line of @quote, bounded, and a blank line after. */
static void
append_quote (GString    *body,
              const char *quote)
{
  g_autofree char *normalized = NULL;
  g_auto(GStrv) lines = NULL;
  gsize written = 0;
  guint n = 0;

  if (quote == NULL || !g_utf8_validate (quote, -1, NULL))
    return;
  normalized = g_strstrip (normalize_newlines (quote));
  if (*normalized == '\0')
    return;

  lines = koi_coi_split_lines (normalized, -1);
  for (n = 0; lines[n] != NULL; n++)
    {
      const char *line = lines[n];
      gsize len = strlen (line);

      if (n == MAX_QUOTE_LINES || written + len > MAX_QUOTE_BYTES)
        {
          if (n == 0)
            {
              const char *end = g_utf8_find_prev_char (line, line + MAX_QUOTE_BYTES);

              g_string_append_printf (body, "> %.*s...\n", (int) (end - line), line);
            }
          else
            g_string_append (body, "> ...\n");
          break;
        }
      g_string_append (body, *line != '\0' ? "> " : ">");
      g_string_append (body, line);
      g_string_append_c (body, '\n');
      written += len;
    }
  g_string_append_c (body, '\n');
}

static gboolean
validate_text (const char  *text,
               GError     **error)
{
  g_autofree char *normalized = NULL;

  if (text == NULL || *text == '\0')
    {
      g_set_error_literal (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                           "The message text is empty");
      return FALSE;
    }
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                           "The message text is not valid UTF-8");
      return FALSE;
    }
  normalized = normalize_newlines (text);
  if (normalized[strspn (normalized, " \t\n")] == '\0')
    {
      g_set_error_literal (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                           "The message text has only white space");
      return FALSE;
    }

  return TRUE;
}

static gboolean
validate_reaction (const char  *reaction,
                   GError     **error)
{
  if (reaction == NULL)
    return TRUE;
  if (!g_utf8_validate (reaction, -1, NULL) || strlen (reaction) > MAX_REACTION_BYTES ||
      strpbrk (reaction, "\r\n") != NULL)
    {
      g_set_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                   "A reaction is one line of at most %d bytes of UTF-8", MAX_REACTION_BYTES);
      return FALSE;
    }

  return TRUE;
}

/* The text part every mail program shows, and the subject, for each
 * kind of outgoing mail. */
static gboolean
compose_body (const KoiCoiOutgoing  *out,
              char                 **out_body,
              char                 **out_subject,
              GError               **error)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autofree char *text = NULL;

  switch (out->type)
    {
    case KOI_COI_TYPE_CHAT:
    case KOI_COI_TYPE_EDIT:
      if (!validate_text (out->text, error))
        return FALSE;
      text = normalize_newlines (out->text);
      append_quote (body, out->quote);
      /* An edit reads as a correction in a mail program: the old text
       * quoted, then the pencil and the new text (Delta Chat's form). */
      if (out->type == KOI_COI_TYPE_EDIT)
        g_string_append (body, EDIT_PENCIL);
      /* Only what the user typed is escaped: the quote Koi adds above it
       * must stay a quote for mail programs. */
      {
        g_autofree char *escaped = koi_coi_escape_chat_text (text);

        g_string_append (body, escaped);
      }
      *out_subject = koi_coi_make_chat_subject (text);
      break;

    case KOI_COI_TYPE_DELETE:
      g_string_append (body,
                       "[Message deleted]\n\n"
                       "The sender deleted the message this mail answers, for everyone. "
                       "Chat apps remove it from the conversation.\n");
      *out_subject = g_strdup ("Chat: Message deleted");
      break;

    case KOI_COI_TYPE_REACTION:
      if (!validate_reaction (out->text, error))
        return FALSE;
      g_string_append (body, out->text != NULL ? out->text : "");
      *out_subject = g_strdup ("Chat: Reaction");
      break;

    case KOI_COI_TYPE_EMAIL:
    case KOI_COI_TYPE_READ_RECEIPT:
    case KOI_COI_TYPE_CONTACT:
    case KOI_COI_TYPE_GROUP_CHANGE:
    case KOI_COI_TYPE_DELIVERY_FAILURE:
    case KOI_COI_TYPE_AUTO_REPLY:
    case KOI_COI_TYPE_MAILING_LIST:
    default:
      g_set_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                   "Koi cannot write a mail of type “%s” here",
                   koi_coi_type_to_string (out->type));
      return FALSE;
    }

  *out_body = g_string_free (g_steal_pointer (&body), FALSE);
  return TRUE;
}

/**
 * koi_coi_build_chat_message:
 * @out: what to send
 * @error: return location for a #KOI_COI_ERROR_INVALID error
 *
 * Builds a 1:1 COI chat message, edit, delete or reaction as
 * docs/WIRE.md describes it. There is no Bcc header: the engine adds the
 * sender's own address as an extra SMTP recipient instead, so nobody else
 * can see that copy (the seed's "Bcc to self").
 *
 * Returns: (transfer full): the message, or %NULL with @error set
 */
/* Autocrypt Level 1: the sender's key on every mail it writes. */
static void
write_autocrypt (GMimeMessage *message,
                 const char   *from_address,
                 GBytes       *keydata)
{
  g_autoptr(KoiCoiAutocrypt) autocrypt = NULL;

  if (keydata == NULL || g_bytes_get_size (keydata) == 0)
    return;
  autocrypt = koi_coi_autocrypt_new (from_address, keydata, TRUE);
  koi_coi_autocrypt_write_sender (message, autocrypt);
}

GMimeMessage *
koi_coi_build_chat_message (const KoiCoiOutgoing  *out,
                            GError               **error)
{
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GMimeTextPart) body = NULL;
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GPtrArray) thread = NULL;
  g_autofree char *text = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *message_id = NULL;
  const char *in_reply_to;

  g_return_val_if_fail (out != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (out->type != KOI_COI_TYPE_CHAT)
    {
      if (out->target_id == NULL)
        {
          g_set_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                       "A %s needs the message it acts on", koi_coi_type_to_string (out->type));
          return NULL;
        }
      if (!validate_message_id ("target id", out->target_id, error))
        return NULL;
    }
  /* A request answers the message it acts on: In-Reply-To names it for
   * COI clients, RFC 9078 and every mail program's threading. */
  in_reply_to = out->type != KOI_COI_TYPE_CHAT ? out->target_id : out->in_reply_to;

  if (!compose_body (out, &text, &subject, error))
    return NULL;

  if (!validate_address ("sender", out->from_address, error))
    return NULL;
  if (out->from_name != NULL &&
      (strpbrk (out->from_name, "\r\n") != NULL || !g_utf8_validate (out->from_name, -1, NULL)))
    {
      g_set_error_literal (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                           "The sender's name contains a line break or is not valid UTF-8");
      return NULL;
    }
  if (out->to == NULL || out->to[0] == NULL)
    {
      g_set_error_literal (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                           "The message has no recipient");
      return NULL;
    }
  for (guint i = 0; out->to[i] != NULL; i++)
    if (!validate_address ("recipient", out->to[i], error))
      return NULL;

  if (in_reply_to != NULL && !validate_message_id ("In-Reply-To id", in_reply_to, error))
    return NULL;
  for (guint i = 0; out->references != NULL && out->references[i] != NULL; i++)
    if (!validate_message_id ("References id", out->references[i], error))
      return NULL;

  if (out->message_id != NULL)
    {
      if (!validate_message_id ("Message-ID", out->message_id, error))
        return NULL;
      message_id = g_strdup (out->message_id);
    }
  else
    {
      g_autofree char *domain = domain_of (out->from_address);
      message_id = koi_coi_generate_message_id (domain);
    }

  /* No "pretty" placeholder headers: they would include an empty Bcc. */
  message = g_mime_message_new (FALSE);

  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM,
                              out->from_name, out->from_address);
  for (guint i = 0; out->to[i] != NULL; i++)
    g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO, NULL, out->to[i]);

  /* In UTC: a chat message need not tell every reader the sender's time
   * zone, and the same input always gives the same bytes. */
  if (out->date_ms != 0)
    date = g_date_time_new_from_unix_utc (out->date_ms / 1000);
  else
    date = g_date_time_new_now_utc ();
  if (date == NULL)
    {
      g_set_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                   "The date %" G_GINT64_FORMAT " ms is out of range", out->date_ms);
      return NULL;
    }
  g_mime_message_set_date (message, date);

  g_mime_message_set_subject (message, subject, "utf-8");
  g_mime_message_set_message_id (message, message_id);
  g_mime_object_set_header (GMIME_OBJECT (message), "Chat-Version", "1.0", NULL);

  /* The thread: the caller's ids, then the id replied to if it is not
   * already last, so ordinary mail programs thread the reply too. The COI
   * draft keeps only the first and the last in References. */
  thread = g_ptr_array_new ();
  for (guint i = 0; out->references != NULL && out->references[i] != NULL; i++)
    g_ptr_array_add (thread, (gpointer) out->references[i]);
  if (in_reply_to != NULL &&
      (thread->len == 0 || g_strcmp0 (g_ptr_array_index (thread, thread->len - 1),
                                      in_reply_to) != 0))
    g_ptr_array_add (thread, (gpointer) in_reply_to);

  if (in_reply_to != NULL)
    {
      g_autofree char *value = g_strdup_printf ("<%s>", in_reply_to);
      g_mime_object_set_header (GMIME_OBJECT (message), "In-Reply-To", value, NULL);
    }
  if (thread->len > 0)
    {
      const char *first = g_ptr_array_index (thread, 0);
      const char *last = g_ptr_array_index (thread, thread->len - 1);
      g_autofree char *value = NULL;

      if (thread->len == 1 || g_strcmp0 (first, last) == 0)
        value = g_strdup_printf ("<%s>", first);
      else
        value = g_strdup_printf ("<%s> <%s>", first, last);
      g_mime_object_set_header (GMIME_OBJECT (message), "References", value, NULL);
    }

  /* The seed's Chat-Content names the request for COI clients; Delta
   * Chat's Chat-Edit / Chat-Delete name the target for Delta Chat. */
  if (out->type == KOI_COI_TYPE_EDIT || out->type == KOI_COI_TYPE_DELETE)
    {
      g_autofree char *value = g_strdup_printf ("<%s>", out->target_id);
      gboolean edit = out->type == KOI_COI_TYPE_EDIT;

      g_mime_object_set_header (GMIME_OBJECT (message), "Chat-Content",
                                edit ? "edit" : "delete", NULL);
      g_mime_object_set_header (GMIME_OBJECT (message), edit ? "Chat-Edit" : "Chat-Delete",
                                value, NULL);
    }

  /* A reaction, a correction or a deletion is no message to answer with
   * a receipt. */
  if (out->request_read_receipt && out->type == KOI_COI_TYPE_CHAT)
    {
      g_autofree char *mailbox = format_mailbox (out->from_name, out->from_address);

      g_mime_object_set_header (GMIME_OBJECT (message),
                                "Disposition-Notification-To", mailbox, NULL);
      g_mime_object_set_header (GMIME_OBJECT (message),
                                "Chat-Disposition-Notification-To", out->from_address, NULL);
    }

  body = g_mime_text_part_new_with_subtype ("plain");
  g_mime_text_part_set_text (body, text);
  /* set_text() picks us-ascii or a legacy charset and 8bit by itself:
   * both are pinned here, because curl's SMTP never announces 8BITMIME. */
  g_mime_text_part_set_charset (body, "utf-8");
  g_mime_part_set_content_encoding (GMIME_PART (body), choose_encoding (text));
  /* RFC 9078: the reaction is the part's content, marked by its
   * disposition (no filename: it is no attachment). */
  if (out->type == KOI_COI_TYPE_REACTION)
    g_mime_object_set_header (GMIME_OBJECT (body), "Content-Disposition", "reaction", NULL);
  g_mime_message_set_mime_part (message, GMIME_OBJECT (body));

  write_autocrypt (message, out->from_address, out->autocrypt_keydata);
  if (out->gossip != NULL)
    koi_coi_autocrypt_write_gossip (message, out->gossip);

  return g_steal_pointer (&message);
}

/**
 * koi_coi_build_read_receipt:
 * @receipt: what was read, by whom
 * @error: return location for a #KOI_COI_ERROR_INVALID error
 *
 * Builds a read receipt as WIRE.md describes it: a multipart/report
 * (report-type=disposition-notification) with a short human text and the
 * machine-readable message/disposition-notification part. gmime has no
 * helper for either, so both are written here. "MDN-sent-manually": Koi
 * sends one only for a message the user had on screen.
 *
 * Returns: (transfer full): the message, or %NULL with @error set
 */
GMimeMessage *
koi_coi_build_read_receipt (const KoiCoiReceipt  *receipt,
                            GError              **error)
{
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GMimeMultipart) report = NULL;
  g_autoptr(GMimeTextPart) human = NULL;
  g_autoptr(GMimePart) machine = NULL;
  g_autoptr(GMimeContentType) content_type = NULL;
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeDataWrapper) wrapper = NULL;
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GString) fields = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *message_id = NULL;
  guint n_ids = 0;

  g_return_val_if_fail (receipt != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!validate_address ("sender", receipt->from_address, error) ||
      !validate_address ("recipient", receipt->to, error))
    return NULL;
  if (receipt->from_name != NULL &&
      (strpbrk (receipt->from_name, "\r\n") != NULL || !g_utf8_validate (receipt->from_name, -1, NULL)))
    {
      g_set_error_literal (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                           "The sender's name contains a line break or is not valid UTF-8");
      return NULL;
    }
  for (; receipt->message_ids != NULL && receipt->message_ids[n_ids] != NULL; n_ids++)
    if (!validate_message_id ("receipt's message id", receipt->message_ids[n_ids], error))
      return NULL;
  if (n_ids == 0 || n_ids > KOI_COI_RECEIPT_MAX_IDS)
    {
      g_set_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                   "A read receipt names 1 to %d messages, not %u", KOI_COI_RECEIPT_MAX_IDS, n_ids);
      return NULL;
    }

  domain = domain_of (receipt->from_address);
  message_id = koi_coi_generate_message_id (domain);
  date = receipt->date_ms != 0 ? g_date_time_new_from_unix_utc (receipt->date_ms / 1000)
                               : g_date_time_new_now_utc ();
  if (date == NULL)
    {
      g_set_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                   "The date %" G_GINT64_FORMAT " ms is out of range", receipt->date_ms);
      return NULL;
    }

  message = g_mime_message_new (FALSE);
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM,
                              receipt->from_name, receipt->from_address);
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO, NULL, receipt->to);
  g_mime_message_set_date (message, date);
  g_mime_message_set_subject (message, "Chat: Read receipt", "utf-8");
  g_mime_message_set_message_id (message, message_id);
  g_mime_object_set_header (GMIME_OBJECT (message), "Chat-Version", "1.0", NULL);

  report = g_mime_multipart_new_with_subtype ("report");
  g_mime_object_set_content_type_parameter (GMIME_OBJECT (report), "report-type",
                                            "disposition-notification");

  /* For an email program: the receipt is ordinary mail there. */
  human = g_mime_text_part_new_with_subtype ("plain");
  g_mime_text_part_set_text (human,
                             n_ids == 1
                             ? "The message was displayed on the recipient's screen.\n"
                               "This is a read receipt; it does not say that the message was\n"
                               "understood or agreed with.\n"
                             : "The messages were displayed on the recipient's screen.\n"
                               "This is a read receipt; it does not say that the messages were\n"
                               "understood or agreed with.\n");
  g_mime_text_part_set_charset (human, "us-ascii");
  g_mime_part_set_content_encoding (GMIME_PART (human), GMIME_CONTENT_ENCODING_7BIT);
  g_mime_multipart_add (report, GMIME_OBJECT (human));

  fields = g_string_new (NULL);
  g_string_append (fields, "Reporting-UA: Koi\r\n");
  g_string_append_printf (fields, "Original-Recipient: rfc822;%s\r\n", receipt->from_address);
  g_string_append_printf (fields, "Final-Recipient: rfc822;%s\r\n", receipt->from_address);
  g_string_append_printf (fields, "Original-Message-ID: <%s>\r\n", receipt->message_ids[0]);
  g_string_append (fields, "Disposition: manual-action/MDN-sent-manually; displayed\r\n");
  if (n_ids > 1)
    {
      /* One id per folded line keeps every line far below 998 octets. */
      g_string_append (fields, "Additional-Message-IDs:");
      for (guint i = 1; i < n_ids; i++)
        g_string_append_printf (fields, "%s<%s>", i == 1 ? " " : "\r\n ", receipt->message_ids[i]);
      g_string_append (fields, "\r\n");
    }

  content_type = g_mime_content_type_new ("message", "disposition-notification");
  machine = g_mime_part_new ();
  g_mime_object_set_content_type (GMIME_OBJECT (machine), content_type);
  stream = g_mime_stream_mem_new_with_buffer (fields->str, fields->len);
  wrapper = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (machine, wrapper);
  g_mime_part_set_content_encoding (machine, GMIME_CONTENT_ENCODING_7BIT);
  g_mime_multipart_add (report, GMIME_OBJECT (machine));

  g_mime_message_set_mime_part (message, GMIME_OBJECT (report));
  write_autocrypt (message, receipt->from_address, receipt->autocrypt_keydata);

  return g_steal_pointer (&message);
}

/**
 * koi_coi_message_to_bytes:
 * @message: a message
 *
 * Serialises @message with CRLF line endings, as SMTP DATA and IMAP
 * APPEND need them (gmime writes bare LF by default).
 *
 * Returns: (transfer full): the bytes
 */
GBytes *
koi_coi_message_to_bytes (GMimeMessage *message)
{
  g_autoptr(GMimeStream) stream = NULL;
  GMimeFormatOptions *options;
  GByteArray *array;

  g_return_val_if_fail (GMIME_IS_MESSAGE (message), NULL);

  options = g_mime_format_options_clone (NULL);
  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);

  array = g_byte_array_new ();
  stream = g_mime_stream_mem_new_with_byte_array (array);
  /* The stream must not free the array: it is handed to the caller. */
  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (stream), FALSE);
  g_mime_object_write_to_stream (GMIME_OBJECT (message), options, stream);
  g_mime_format_options_free (options);

  return g_byte_array_free_to_bytes (array);
}
