/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-coi-parser"

#include "config.h"

#include <string.h>

#include "koi-coi-attachment.h"
#include "koi-coi-error.h"
#include "koi-coi-gmime.h"
#include "koi-coi-member-fpr.h"
#include "koi-coi-parser.h"
#include "koi-coi-private.h"
#include "koi-coi-text.h"

/* Headers of which at least one is in anything that was ever an email.
 * Bytes without any of them are not a message, whatever gmime makes of
 * them. */
static const char * const mail_headers[] = {
  "From", "Sender", "To", "Cc", "Date", "Subject", "Message-ID", "Received",
  "Return-Path", "Delivered-To", "MIME-Version", "Chat-Version", "In-Reply-To",
  "References",
};

/* Text decoding ---------------------------------------------------------- */

static char *
try_convert (const char *data,
             gsize       len,
             const char *charset)
{
  g_autoptr(GError) error = NULL;
  gsize written = 0;
  char *converted;

  converted = g_convert (data, len, "UTF-8", charset, NULL, &written, &error);
  if (converted == NULL)
    return NULL;
  /* A U+0000 in UTF-16 text comes out as a NUL: it goes, like any NUL. */
  if (memchr (converted, '\0', written) != NULL)
    {
      gsize n = 0;

      for (gsize i = 0; i < written; i++)
        if (converted[i] != '\0')
          converted[n++] = converted[i];
      converted[n] = '\0';
      written = n;
    }
  if (!g_utf8_validate (converted, written, NULL))
    {
      g_free (converted);
      return NULL;
    }

  return converted;
}

/* Does @data hold at least one well-formed multi-byte UTF-8 sequence?
 * Then it is UTF-8 with a few stray bytes, not a legacy charset: a
 * Windows-1252 text almost never forms one by chance. */
static gboolean
has_utf8_sequence (const guchar *data,
                   gsize         len)
{
  for (gsize i = 0; i < len; i++)
    {
      gsize n;

      if (data[i] < 0xc2 || data[i] > 0xf4)
        continue;
      n = data[i] < 0xe0 ? 2 : data[i] < 0xf0 ? 3 : 4;
      if (i + n <= len && g_utf8_validate ((const char *) data + i, n, NULL))
        return TRUE;
    }

  return FALSE;
}

static gboolean
is_wide_charset (const char *iconv_name)
{
  return g_ascii_strncasecmp (iconv_name, "UTF-16", 6) == 0 ||
         g_ascii_strncasecmp (iconv_name, "UTF-32", 6) == 0 ||
         g_ascii_strncasecmp (iconv_name, "UCS-2", 5) == 0 ||
         g_ascii_strncasecmp (iconv_name, "UCS-4", 5) == 0;
}

/* Bytes in the declared charset to UTF-8. Mail lies about its charset
 * often: undeclared UTF-8, "us-ascii" with Latin-1 in it, Windows quotes
 * under an ISO-8859-1 label, UTF-8 with one stray byte. The fallbacks go
 * in an order that loses nothing: the declared charset (Latin-1 read as
 * its superset Windows-1252, then as itself); valid UTF-8; UTF-8 with
 * only its bad bytes replaced; Windows-1252; ISO-8859-1, which accepts
 * every byte. Never fails. */
static char *
to_utf8 (const char *data,
         gsize       len,
         const char *charset)
{
  g_autofree char *clean = NULL;
  const char *iconv_name = NULL;
  char *converted = NULL;

  if (data == NULL || len == 0)
    return g_strdup ("");

  if (charset != NULL && *charset != '\0')
    iconv_name = g_mime_charset_iconv_name (charset);

  /* NUL bytes would cut the C string short: drop them, but only from
   * 8-bit text; in UTF-16 and UTF-32 they are half of every letter. */
  if ((iconv_name == NULL || !is_wide_charset (iconv_name)) && memchr (data, '\0', len) != NULL)
    {
      gsize n = 0;

      clean = g_malloc (len + 1);
      for (gsize i = 0; i < len; i++)
        if (data[i] != '\0')
          clean[n++] = data[i];
      clean[n] = '\0';
      data = clean;
      len = n;
    }

  if (iconv_name != NULL &&
      g_ascii_strcasecmp (iconv_name, "UTF-8") != 0 &&
      g_ascii_strcasecmp (iconv_name, "us-ascii") != 0)
    {
      /* What is labelled Latin-1 is nearly always Windows-1252 (its
       * superset); browsers read it that way too. Where Windows-1252 has
       * a hole (0x81, 0x8d, ...), Latin-1 itself still reads every byte. */
      if (g_ascii_strcasecmp (iconv_name, "iso-8859-1") == 0 ||
          g_ascii_strcasecmp (iconv_name, "latin1") == 0)
        converted = try_convert (data, len, "WINDOWS-1252");
      if (converted == NULL)
        converted = try_convert (data, len, iconv_name);
      if (converted == NULL && is_wide_charset (iconv_name))
        {
          /* Broken UTF-16: what converts is better than re-reading its
           * bytes as a legacy charset. */
          g_autoptr(GError) error = NULL;
          gsize read = 0;

          converted = g_convert (data, len - len % 2, "UTF-8", iconv_name, &read, NULL, &error);
          if (converted == NULL && read > 0)
            converted = g_convert (data, read, "UTF-8", iconv_name, NULL, NULL, NULL);
        }
    }

  if (converted == NULL && g_utf8_validate (data, len, NULL))
    converted = g_strndup (data, len);
  if (converted == NULL && has_utf8_sequence ((const guchar *) data, len))
    converted = g_utf8_make_valid (data, len);
  if (converted == NULL)
    converted = try_convert (data, len, "WINDOWS-1252");
  if (converted == NULL)
    converted = try_convert (data, len, "ISO-8859-1");
  if (converted == NULL)
    converted = g_utf8_make_valid (data, len);

  return converted;
}

static char *
decode_part_text (GMimePart *part)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  g_autoptr(GMimeStream) stream = NULL;
  GByteArray *array;
  const char *charset;

  if (content == NULL)
    return g_strdup ("");

  stream = g_mime_stream_mem_new ();
  /* Undoes the transfer encoding (quoted-printable, base64). */
  g_mime_data_wrapper_write_to_stream (content, stream);
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  charset = g_mime_object_get_content_type_parameter (GMIME_OBJECT (part), "charset");

  return to_utf8 ((const char *) array->data, array->len, charset);
}

/* The decoded text of one part, cut to at most @max_bytes on a character
 * boundary: report and card parts are read by other code, and a hostile
 * mail must not make that code chew megabytes. */
char *
koi_coi_part_text (GMimePart *part,
                   gsize      max_bytes)
{
  g_autofree char *text = decode_part_text (part);
  gsize len = strlen (text);

  if (len > max_bytes)
    {
      const char *end = g_utf8_find_prev_char (text, text + max_bytes + 1);

      text[end != NULL ? (gsize) (end - text) : 0] = '\0';
    }

  return g_steal_pointer (&text);
}

static gboolean
is_attachment (GMimeObject *object)
{
  const char *disposition = g_mime_object_get_disposition (object);

  return disposition != NULL && g_ascii_strcasecmp (disposition, "attachment") == 0;
}

/* The readable text of @object, or %NULL if it has none. @is_html is set
 * when the text was rendered from HTML because no plain text existed. */
static gboolean
is_blank_text (const char *text)
{
  return text == NULL || text[strspn (text, " \t\r\n")] == '\0';
}

/* Deeper than this, a multipart is an attack on the stack, not a mail. */
#define MAX_TEXT_DEPTH 32

static char *
text_of_object_at (GMimeObject *object,
                   gboolean    *is_html,
                   guint        depth)
{
  GMimeContentType *type = g_mime_object_get_content_type (object);

  *is_html = FALSE;

  if (depth > MAX_TEXT_DEPTH)
    return NULL;

  if (GMIME_IS_MULTIPART_ENCRYPTED (object) || GMIME_IS_MESSAGE_PART (object))
    return NULL;

  if (GMIME_IS_MULTIPART_SIGNED (object))
    {
      GMimeObject *signed_part =
        g_mime_multipart_get_count (GMIME_MULTIPART (object)) > 0
          ? g_mime_multipart_get_part (GMIME_MULTIPART (object), GMIME_MULTIPART_SIGNED_CONTENT)
          : NULL;

      return signed_part != NULL ? text_of_object_at (signed_part, is_html, depth + 1) : NULL;
    }

  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);
      int count = g_mime_multipart_get_count (multipart);
      const char *subtype = type != NULL ? g_mime_content_type_get_media_subtype (type) : NULL;

      if (g_strcmp0 (subtype, "alternative") == 0)
        {
          g_autofree char *html = NULL;

          /* Prefer the plain text the sender's program wrote over a
           * rendering of its HTML. */
          for (int i = 0; i < count; i++)
            {
              gboolean child_html;
              g_autofree char *text = text_of_object_at (g_mime_multipart_get_part (multipart, i),
                                                         &child_html, depth + 1);

              /* A blank text part beside real HTML is no text. */
              if (is_blank_text (text))
                continue;
              if (!child_html)
                return g_steal_pointer (&text);
              if (child_html && html == NULL)
                html = g_steal_pointer (&text);
            }
          *is_html = html != NULL;
          return g_steal_pointer (&html);
        }

      if (g_strcmp0 (subtype, "related") == 0 && count > 0)
        return text_of_object_at (g_mime_multipart_get_part (multipart, 0), is_html, depth + 1);

      /* mixed, report, digest, unknown: every inline text, in order. */
      {
        g_autoptr(GString) all = NULL;
        gboolean any_plain = FALSE;

        for (int i = 0; i < count; i++)
          {
            gboolean child_html;
            g_autofree char *text = text_of_object_at (g_mime_multipart_get_part (multipart, i),
                                                       &child_html, depth + 1);

            if (is_blank_text (text))
              continue;
            if (all == NULL)
              all = g_string_new (NULL);
            else
              g_string_append (all, "\n\n");
            g_string_append (all, text);
            any_plain |= !child_html;
          }

        if (all == NULL)
          return NULL;
        *is_html = !any_plain;
        return g_string_free (g_steal_pointer (&all), FALSE);
      }
    }

  if (GMIME_IS_PART (object) && !is_attachment (object))
    {
      if (type == NULL || g_mime_content_type_is_type (type, "text", "plain"))
        {
          g_autofree char *text = decode_part_text (GMIME_PART (object));
          const char *format = g_mime_object_get_content_type_parameter (object, "format");
          const char *delsp = g_mime_object_get_content_type_parameter (object, "delsp");

          if (format != NULL && g_ascii_strcasecmp (format, "flowed") == 0)
            return koi_coi_unflow_text (text, delsp != NULL && g_ascii_strcasecmp (delsp, "yes") == 0);
          return g_steal_pointer (&text);
        }

      if (g_mime_content_type_is_type (type, "text", "html"))
        {
          g_autofree char *html = decode_part_text (GMIME_PART (object));

          *is_html = TRUE;
          return koi_coi_html_to_text (html);
        }
    }

  return NULL;
}

static char *
text_of_object (GMimeObject *object,
                gboolean    *is_html)
{
  return text_of_object_at (object, is_html, 0);
}

/* Line breaks as '\n', no blank lines or white space at the ends. */
static char *
tidy_text (const char *text)
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

  while (out->len > 0 && g_ascii_isspace (out->str[out->len - 1]))
    g_string_truncate (out, out->len - 1);
  /* One erase for all leading line breaks: one erase per line is
   * quadratic on a mail of a megabyte of blank lines. */
  g_string_erase (out, 0, strspn (out->str, "\n"));

  return g_string_free (out, FALSE);
}

/* Addresses ---------------------------------------------------------------- */

static void
collect_addresses (InternetAddressList *list,
                   GPtrArray           *addresses,
                   InternetAddressMailbox **first)
{
  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
    {
      InternetAddress *address = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_GROUP (address))
        {
          collect_addresses (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (address)),
                             addresses, first);
        }
      else if (INTERNET_ADDRESS_IS_MAILBOX (address))
        {
          const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));

          if (addr == NULL || *addr == '\0')
            continue;
          if (first != NULL && *first == NULL)
            *first = INTERNET_ADDRESS_MAILBOX (address);
          if (addresses != NULL)
            g_ptr_array_add (addresses, g_utf8_strdown (addr, -1));
        }
    }
}

static GPtrArray *
addresses_of (GMimeMessage     *message,
              GMimeAddressType  type)
{
  GPtrArray *addresses = g_ptr_array_new_with_free_func (g_free);

  collect_addresses (g_mime_message_get_addresses (message, type), addresses, NULL);

  return addresses;
}

/* Where the sender wants the read receipt: Delta Chat's header holds a
 * bare address, the RFC 8098 one a mailbox list of which only a single
 * mailbox is usable. NULL when neither names exactly one address. */
static char *
receipt_address_of (GMimeObject *object)
{
  static const char * const names[] = {
    "Chat-Disposition-Notification-To", "Disposition-Notification-To", NULL,
  };

  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *value = g_mime_object_get_header (object, names[i]);
      g_autoptr(InternetAddressList) list = NULL;
      InternetAddress *address;

      if (value == NULL)
        continue;
      list = internet_address_list_parse (NULL, value);
      if (list == NULL || internet_address_list_length (list) != 1)
        continue;
      address = internet_address_list_get_address (list, 0);
      if (!INTERNET_ADDRESS_IS_MAILBOX (address))
        continue;
      value = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));
      if (value != NULL && *value != '\0' && g_utf8_validate (value, -1, NULL))
        return g_utf8_strdown (value, -1);
    }

  return NULL;
}

/* The sender's name as a label shows it. A name that holds an address
 * ("bob@bank.com" <evil@example.net>) would show an address that is not
 * the sender's: it is dropped, so the real address is shown instead. */
static char *
display_name_of (const char *name,
                 const char *address)
{
  g_autofree char *line = NULL;
  g_autofree char *lower = NULL;

  if (name == NULL || *name == '\0')
    return NULL;

  line = koi_coi_one_line (name, KOI_COI_MAX_NAME);
  if (*line == '\0')
    return NULL;

  lower = g_utf8_strdown (line, -1);
  if (strchr (lower, '@') != NULL || strstr (lower, "\xef\xbc\xa0") != NULL)
    {
      g_strstrip (g_strdelimit (lower, "\"'<>", ' '));
      if (address == NULL || strcmp (lower, address) != 0)
        return NULL;
    }

  return g_steal_pointer (&line);
}

/* Delta Chat writes Chat-Version like every COI client, so it is told
 * apart by its ids ("Mr."/"Gr.") and by Chat-* headers that Koi and the
 * COI drafts do not write. */
static gboolean
looks_like_delta_chat (GMimeMessage *message,
                       const char   *message_id)
{
  static const char * const koi_chat_headers[] = {
    "chat-version", "chat-content", "chat-disposition-notification-to",
  };
  GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (message));
  const char *mailer = g_mime_object_get_header (GMIME_OBJECT (message), "X-Mailer");

  if (g_mime_object_get_header (GMIME_OBJECT (message), "Chat-Version") == NULL)
    return FALSE;

  if (message_id != NULL &&
      (g_str_has_prefix (message_id, "Mr.") || g_str_has_prefix (message_id, "Gr.")))
    return TRUE;

  if (mailer != NULL && strstr (mailer, "Delta Chat") != NULL)
    return TRUE;

  if (koi_coi_is_chat_id (message_id))
    return FALSE;

  for (int i = 0; i < g_mime_header_list_get_count (headers); i++)
    {
      g_autofree char *name =
        g_ascii_strdown (g_mime_header_get_name (g_mime_header_list_get_header_at (headers, i)), -1);
      gboolean ours = FALSE;

      if (!g_str_has_prefix (name, "chat-"))
        continue;
      for (guint k = 0; k < G_N_ELEMENTS (koi_chat_headers); k++)
        ours |= strcmp (name, koi_chat_headers[k]) == 0;
      if (!ours)
        return TRUE;
    }

  return FALSE;
}

/* The same mail gives the same id in every folder and on every device:
 * IMAP keeps the bytes. Line endings do not count, so an mbox import of
 * it (LF) matches what IMAP returns (CRLF). */
static char *
synthetic_message_id (GBytes *raw)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (raw, &len);
  gsize run = 0;

  for (gsize i = 0; i < len; i++)
    {
      if (data[i] == '\r')
        {
          g_checksum_update (checksum, data + run, i - run);
          run = i + 1;
        }
    }
  g_checksum_update (checksum, data + run, len - run);

  return g_strdup_printf ("koi-synthetic.%s@koi.invalid", g_checksum_get_string (checksum));
}

static GBytes *
serialize (GMimeMessage *message)
{
  g_autofree char *text = g_mime_object_to_string (GMIME_OBJECT (message), NULL);

  return g_bytes_new (text, strlen (text));
}

/**
 * koi_coi_parse_message:
 * @message: a parsed mail
 * @raw: (nullable): the bytes @message was parsed from, for the synthetic
 *   id of a mail without Message-ID; %NULL serialises @message instead
 *
 * What @message means: its kind, ids, people, date and the text to show.
 * Never fails: every mail gmime could read gives a result.
 *
 * Returns: (transfer full): the result
 */
KoiCoiParsed *
koi_coi_parse_message (GMimeMessage *message,
                       GBytes       *raw)
{
  g_autoptr(KoiCoiParsed) parsed = g_new0 (KoiCoiParsed, 1);
  GMimeObject *object = GMIME_OBJECT (message);
  InternetAddressMailbox *from = NULL;
  GMimeObject *body;
  GDateTime *date;
  const char *id;
  const char *value;
  g_autofree char *full = NULL;
  gboolean is_html = FALSE;
  g_autoptr(GPtrArray) all_from = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (GMIME_IS_MESSAGE (message), NULL);

  parsed->kind = koi_coi_classify (message);
  parsed->target_ids = g_ptr_array_new_with_free_func (g_free);
  parsed->failed_recipients = g_ptr_array_new_with_free_func (g_free);

  /* An id longer than a mail line or not UTF-8 is no Message-ID to keep
   * and reply to (found by fuzz-coi-parse): the mail gets a synthetic one. */
  id = g_mime_message_get_message_id (message);
  if (koi_coi_id_is_usable (id) && strlen (id) <= KOI_COI_MAX_ID_LEN && g_utf8_validate (id, -1, NULL))
    parsed->message_id = g_strdup (id);
  else
    {
      g_autoptr(GBytes) bytes = raw != NULL ? g_bytes_ref (raw) : serialize (message);

      parsed->message_id = synthetic_message_id (bytes);
      parsed->message_id_synthetic = TRUE;
    }

  collect_addresses (g_mime_message_get_from (message), all_from, &from);
  parsed->from_count = all_from->len;
  /* Several From addresses: Koi cannot tell which one wrote it, so it is
   * shown as from none of them (never in one of their chats), with all
   * of them named in a warning (docs/WIRE.md). */
  if (all_from->len > 1)
    from = NULL;
  else if (from == NULL)
    collect_addresses (g_mime_message_get_sender (message), NULL, &from);
  if (from != NULL)
    {
      const char *name = internet_address_get_name (INTERNET_ADDRESS (from));

      parsed->from_address = g_utf8_strdown (internet_address_mailbox_get_addr (from), -1);
      parsed->from_name = display_name_of (name, parsed->from_address);
    }

  parsed->to = addresses_of (message, GMIME_ADDRESS_TYPE_TO);
  parsed->cc = addresses_of (message, GMIME_ADDRESS_TYPE_CC);

  parsed->autocrypt = koi_coi_autocrypt_read_sender (message, parsed->from_address);
  parsed->autocrypt_gossip = koi_coi_autocrypt_read_gossip (message);
  parsed->member_fingerprints = koi_coi_member_fpr_read (message, parsed->to);

  value = g_mime_message_get_subject (message);
  parsed->subject = value != NULL ? koi_coi_one_line (value, KOI_COI_MAX_SUBJECT) : g_strdup ("");

  date = g_mime_message_get_date (message);
  if (date != NULL)
    parsed->date_ms = g_date_time_to_unix (date) * 1000 +
                      g_date_time_get_microsecond (date) / 1000;

  parsed->in_reply_to = koi_coi_first_id_of (g_mime_object_get_header (object, "In-Reply-To"));
  parsed->references = koi_coi_references_of (message);

  parsed->wants_read_receipt =
    g_mime_object_get_header (object, "Disposition-Notification-To") != NULL ||
    g_mime_object_get_header (object, "Chat-Disposition-Notification-To") != NULL;
  parsed->read_receipt_to = receipt_address_of (object);
  parsed->is_delta_chat = looks_like_delta_chat (message, parsed->message_id);

  value = g_mime_object_get_header (object, "Chat-Content");
  if (value != NULL)
    parsed->chat_content = g_strstrip (g_utf8_strdown (value, -1));
  parsed->preview_sections = koi_coi_preview_sections (message);

  body = g_mime_message_get_mime_part (message);
  if (body != NULL)
    {
      g_autofree char *text = text_of_object (body, &is_html);

      if (text != NULL)
        full = tidy_text (text);
    }
  if (full == NULL)
    full = g_strdup ("");
  parsed->is_html_only = is_html;

  /* Only text a chat client wrote is kept as it is; a reply from an email
   * program in a chat thread gets its quote folded like any email. */
  if (g_mime_object_get_header (object, "Chat-Version") != NULL)
    {
      /* A chat client quotes the message it replies to (Delta Chat, and
       * Koi for a reply with a quote), then a blank line; lines its user
       * typed that look like a quote keep theirs (see
       * koi_coi_extract_chat_text). */
      g_autofree char *visible =
        koi_coi_extract_chat_text (full, parsed->in_reply_to != NULL, &parsed->folded_text);

      parsed->text = koi_coi_unescape_chat_text (visible);
    }
  else
    parsed->text = koi_coi_extract_visible_text (full, &parsed->folded_text);
  if (parsed->folded_text == NULL)
    parsed->folded_text = g_strdup ("");
  parsed->full_text = g_steal_pointer (&full);

  koi_coi_fill_typed (message, parsed);

  /* A bubble is never empty: an invite, an encrypted body, a forwarded
   * mail or a broken multipart says what it is. */
  if (*parsed->text == '\0' && !koi_coi_type_is_hidden (parsed->type) &&
      parsed->type != KOI_COI_TYPE_GROUP_CHANGE)
    {
      g_free (parsed->text);
      parsed->text = koi_coi_describe_without_text (message);
    }

  if (!koi_coi_type_is_hidden (parsed->type) && all_from->len > 1)
    koi_coi_parsed_warn (parsed, KOI_COI_WARNING_SEVERAL_SENDERS, all_from);
  else if (!koi_coi_type_is_hidden (parsed->type) && parsed->from_address == NULL)
    koi_coi_parsed_warn (parsed, KOI_COI_WARNING_NO_SENDER, NULL);

  return g_steal_pointer (&parsed);
}

/* Does the first line look like "Name:" or "Name :"? RFC 5322 field names
 * are printable ASCII without ':' and space. An mbox "From " line in
 * front is allowed and skipped. */
static gsize
header_block_start (const guint8 *data,
                    gsize         len)
{
  gsize start = 0;
  gsize i;

  if (len >= 5 && memcmp (data, "From ", 5) == 0)
    {
      const guint8 *nl = memchr (data, '\n', len);

      if (nl == NULL)
        return len;
      start = nl - data + 1;
    }

  for (i = start; i < len && data[i] >= 0x21 && data[i] <= 0x7e && data[i] != ':'; i++)
    ;
  while (i < len && (data[i] == ' ' || data[i] == '\t'))
    i++;
  if (i == start || i >= len || data[i] != ':')
    return len;

  return start;
}

/**
 * koi_coi_parse:
 * @raw: the bytes of one mail, as IMAP FETCH BODY[] returns them
 * @error: return location for a %KOI_COI_ERROR_MALFORMED error
 *
 * Parses and classifies one mail; see koi_coi_parse_message(). Damaged
 * mail (broken MIME, wrong charsets, 8-bit headers) still gives a result;
 * only bytes that are no mail at all give an error.
 *
 * Returns: (transfer full): the result, or %NULL with @error set
 */
KoiCoiParsed *
koi_coi_parse (GBytes  *raw,
               GError **error)
{
  return koi_coi_parse_full (raw, NULL, error);
}

/**
 * koi_coi_parse_full:
 * @raw: the bytes of one mail
 * @message: (out) (optional) (nullable): the GMimeMessage the result was
 *   read from; %NULL when the mail was too complex to parse whole (then
 *   only a few header fields were read)
 * @error: return location for a %KOI_COI_ERROR_MALFORMED error
 *
 * koi_coi_parse(), also giving the parsed message, so that a caller that
 * needs its parts too (the files of a decrypted mail) parses it once.
 *
 * Returns: (transfer full): the result, or %NULL with @error set
 */
KoiCoiParsed *
koi_coi_parse_full (GBytes        *raw,
                    GMimeMessage **message_out,
                    GError       **error)
{
  static const char *fallback_charsets[] = { "UTF-8", "WINDOWS-1252", NULL };
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  GMimeParserOptions *options;
  KoiCoiParsed *parsed;
  const guint8 *data;
  gsize len = 0;
  gsize start;
  gboolean any_mail_header = FALSE;
  g_autofree char *too_complex = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (message_out != NULL)
    *message_out = NULL;
  if (raw == NULL || g_bytes_get_size (raw) == 0)
    {
      g_set_error_literal (error, KOI_COI_ERROR, KOI_COI_ERROR_MALFORMED,
                           "The message is empty");
      return NULL;
    }

  data = g_bytes_get_data (raw, &len);
  start = header_block_start (data, len);
  if (start >= len)
    {
      g_set_error (error, KOI_COI_ERROR, KOI_COI_ERROR_MALFORMED,
                   "The message does not start with a header line (%" G_GSIZE_FORMAT
                   " bytes that are not an email)", len);
      return NULL;
    }

  /* A mail gmime would take long over is shown from a few header fields
   * (koi-coi-guard.c): one mail never stalls a sync. */
  too_complex = koi_coi_guard_check (data + start, len - start);
  if (too_complex != NULL)
    {
      parsed = koi_coi_guard_parse_cheaply (data + start, len - start, raw, too_complex);
      if (parsed == NULL)
        g_set_error (error, KOI_COI_ERROR, KOI_COI_ERROR_MALFORMED,
                     "The message is too large or complex to read (%s) and has none of the "
                     "headers every email has", too_complex);
      return parsed;
    }

  stream = g_mime_stream_mem_new_with_buffer ((const char *) data + start, len - start);
  parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);

  /* 8-bit header bytes are read as UTF-8, else as Windows-1252. The
   * options must live as long as the message: headers decode lazily. */
  options = g_mime_parser_options_new ();
  g_mime_parser_options_set_fallback_charsets (options, fallback_charsets);
  g_mime_parser_options_set_rfc2047_compliance_mode (options, GMIME_RFC_COMPLIANCE_LOOSE);

  message = g_mime_parser_construct_message (parser, options);
  if (message == NULL)
    {
      g_mime_parser_options_free (options);
      g_set_error (error, KOI_COI_ERROR, KOI_COI_ERROR_MALFORMED,
                   "The message could not be read as MIME (%" G_GSIZE_FORMAT " bytes)", len);
      return NULL;
    }

  for (guint i = 0; i < G_N_ELEMENTS (mail_headers); i++)
    any_mail_header |= g_mime_object_get_header (GMIME_OBJECT (message), mail_headers[i]) != NULL;
  if (!any_mail_header)
    {
      g_clear_object (&message);
      g_mime_parser_options_free (options);
      g_set_error_literal (error, KOI_COI_ERROR, KOI_COI_ERROR_MALFORMED,
                           "The message has none of the headers every email has "
                           "(From, To, Date, Subject, Message-ID, Received)");
      return NULL;
    }

  parsed = koi_coi_parse_message (message, raw);

  if (message_out != NULL)
    {
      /* The options go with the message (its headers decode lazily). */
      g_object_set_data_full (G_OBJECT (message), "koi-parser-options", options,
                              (GDestroyNotify) g_mime_parser_options_free);
      *message_out = g_steal_pointer (&message);
      return parsed;
    }
  g_clear_object (&message);
  g_mime_parser_options_free (options);

  return parsed;
}

/**
 * koi_coi_parsed_free:
 * @parsed: (nullable): a result of koi_coi_parse()
 *
 * Frees @parsed and everything in it.
 */
void
koi_coi_parsed_free (KoiCoiParsed *parsed)
{
  if (parsed == NULL)
    return;

  g_free (parsed->message_id);
  g_free (parsed->from_address);
  g_free (parsed->from_name);
  g_clear_pointer (&parsed->to, g_ptr_array_unref);
  g_clear_pointer (&parsed->cc, g_ptr_array_unref);
  g_clear_pointer (&parsed->member_fingerprints, g_ptr_array_unref);
  g_free (parsed->subject);
  g_free (parsed->in_reply_to);
  g_clear_pointer (&parsed->references, g_ptr_array_unref);
  g_free (parsed->text);
  g_free (parsed->folded_text);
  g_free (parsed->full_text);
  g_free (parsed->chat_content);
  g_clear_pointer (&parsed->preview_sections, g_ptr_array_unref);
  g_free (parsed->read_receipt_to);
  g_clear_pointer (&parsed->target_ids, g_ptr_array_unref);
  g_free (parsed->reaction);
  g_clear_pointer (&parsed->failed_recipients, g_ptr_array_unref);
  g_free (parsed->failure_text);
  g_free (parsed->group_id);
  g_free (parsed->group_name);
  g_free (parsed->group_member_added);
  g_free (parsed->group_member_removed);
  g_free (parsed->contact_json);
  g_free (parsed->contact_vcard);
  g_free (parsed->contact_hcard);
  g_free (parsed->contact_headers);
  g_free (parsed->unreadable_reason);
  g_clear_pointer (&parsed->autocrypt, koi_coi_autocrypt_free);
  g_clear_pointer (&parsed->autocrypt_gossip, g_ptr_array_unref);
  g_free (parsed);
}
