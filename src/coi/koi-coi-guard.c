/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-coi"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "koi-coi-gmime.h"
#include "koi-coi-private.h"

/* A cheap look at a mail's bytes before gmime builds its tree. gmime is
 * linear, but some shapes cost it 100-400 ms per MB (a header of many
 * megabytes, tens of thousands of parts, multiparts nested thousands
 * deep: bench-hostile), while Koi reads only 200 parts and 8 levels of
 * them. Over a limit, the mail is shown from a few of its header fields
 * with a line that says why, and stays on the server as it is.
 *
 * The scan reads every line once and keeps only the boundaries declared
 * so far, so it costs a few milliseconds per megabyte whatever the shape.
 * It follows MIME just enough to know where header blocks are: the
 * mail's own, the one after each boundary line, and the one after the
 * headers of an attached message. */

#define MAX_CONTENT_TYPE 8192

typedef struct
{
  GHashTable *boundaries;
  GString    *content_type;
  gboolean    capturing;
  gboolean    header_declares_message;
  guint       multiparts;
  guint       parts;
  gsize       longest_header;
} Scan;

static gboolean
line_is_blank (const guint8 *line,
               gsize         len)
{
  return len == 0 || (len == 1 && line[0] == '\r');
}

/* The boundary parameter of a Content-Type value, or NULL. */
static char *
boundary_of (const char *value)
{
  const char *p = value;

  while ((p = strchr (p, ';')) != NULL)
    {
      p++;
      while (*p == ' ' || *p == '\t')
        p++;
      if (g_ascii_strncasecmp (p, "boundary", 8) != 0)
        continue;
      p += 8;
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p != '=')
        continue;
      p++;
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '"')
        {
          const char *end = strchr (p + 1, '"');

          return end != NULL ? g_strndup (p + 1, end - p - 1) : NULL;
        }
      return g_strndup (p, strcspn (p, "; \t\r\n"));
    }

  return NULL;
}

static void
end_content_type (Scan *scan)
{
  g_autofree char *lower = NULL;

  if (!scan->capturing)
    return;
  scan->capturing = FALSE;

  lower = g_ascii_strdown (scan->content_type->str, scan->content_type->len);
  if (strstr (lower, "multipart/") != NULL)
    {
      char *boundary = boundary_of (scan->content_type->str);

      scan->multiparts++;
      if (boundary != NULL && *boundary != '\0')
        g_hash_table_add (scan->boundaries, boundary);
      else
        g_free (boundary);
    }
  else if (strstr (lower, "message/rfc822") != NULL || strstr (lower, "message/global") != NULL)
    scan->header_declares_message = TRUE;
}

/* A header line: note a Content-Type field, unfolded, up to a bound. */
static void
header_line (Scan         *scan,
             const guint8 *line,
             gsize         len)
{
  gboolean continued = len > 0 && (line[0] == ' ' || line[0] == '\t');

  if (continued)
    {
      if (scan->capturing && scan->content_type->len < MAX_CONTENT_TYPE)
        g_string_append_len (scan->content_type, (const char *) line,
                             MIN (len, MAX_CONTENT_TYPE - scan->content_type->len));
      return;
    }

  end_content_type (scan);
  if (len >= 12 && g_ascii_strncasecmp ((const char *) line, "content-type", 12) == 0)
    {
      gsize i = 12;

      while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
      if (i < len && line[i] == ':')
        {
          scan->capturing = TRUE;
          g_string_truncate (scan->content_type, 0);
          g_string_append_len (scan->content_type, (const char *) line + i + 1,
                               MIN (len - i - 1, MAX_CONTENT_TYPE));
        }
    }
}

/* Is this body line "--boundary" or "--boundary--" for a boundary
 * declared so far? */
static gboolean
is_boundary_line (Scan         *scan,
                  const guint8 *line,
                  gsize         len,
                  gboolean     *out_close)
{
  g_autofree char *token = NULL;
  gsize end = len;

  if (len < 3 || line[0] != '-' || line[1] != '-' || g_hash_table_size (scan->boundaries) == 0)
    return FALSE;
  while (end > 2 && (line[end - 1] == '\r' || line[end - 1] == ' ' || line[end - 1] == '\t'))
    end--;
  /* Boundaries are at most 70 characters (RFC 2046): a longer line is
   * text, and is not hashed. */
  if (end - 2 > 200)
    return FALSE;

  token = g_strndup ((const char *) line + 2, end - 2);
  *out_close = FALSE;
  if (g_hash_table_contains (scan->boundaries, token))
    return TRUE;
  if (end - 2 > 2 && line[end - 1] == '-' && line[end - 2] == '-')
    {
      token[end - 4] = '\0';
      *out_close = TRUE;
      return g_hash_table_contains (scan->boundaries, token);
    }

  return FALSE;
}

/**
 * koi_coi_guard_check:
 * @data: a mail's bytes, from its first header line
 * @len: their length
 *
 * Whether gmime should be spared this mail: it is larger than
 * %KOI_COI_GUARD_MAX_SIZE, a header block is longer than
 * %KOI_COI_GUARD_MAX_HEADER, or it has more than
 * %KOI_COI_GUARD_MAX_MULTIPARTS multiparts (which bounds the nesting) or
 * %KOI_COI_GUARD_MAX_PARTS parts. Linear in @len.
 *
 * Returns: (transfer full) (nullable): why, in words for the user, or
 *   %NULL when the mail is fine to parse
 */
char *
koi_coi_guard_check (const guint8 *data,
                     gsize         len)
{
  Scan scan = { 0, };
  gboolean in_header = TRUE;
  gsize header_start = 0;
  gsize pos = 0;
  char *reason = NULL;

  if (len > KOI_COI_GUARD_MAX_SIZE)
    return g_strdup (_("it is too large"));

  scan.boundaries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  scan.content_type = g_string_new (NULL);

  while (pos < len && reason == NULL)
    {
      const guint8 *line = data + pos;
      const guint8 *nl = memchr (line, '\n', len - pos);
      gsize line_len = nl != NULL ? (gsize) (nl - line) : len - pos;
      gsize next = nl != NULL ? pos + line_len + 1 : len;

      if (in_header)
        {
          if (next - header_start > KOI_COI_GUARD_MAX_HEADER)
            reason = g_strdup (_("its header is too long"));
          else if (line_is_blank (line, line_len))
            {
              end_content_type (&scan);
              if (next - header_start > scan.longest_header)
                scan.longest_header = next - header_start;
              /* An attached message's own headers follow its part's. */
              if (scan.header_declares_message)
                header_start = next;
              else
                in_header = FALSE;
              scan.header_declares_message = FALSE;
            }
          else
            header_line (&scan, line, line_len);
        }
      else
        {
          gboolean close = FALSE;

          if (is_boundary_line (&scan, line, line_len, &close) && !close)
            {
              scan.parts++;
              in_header = TRUE;
              header_start = next;
            }
        }

      if (reason == NULL && scan.multiparts > KOI_COI_GUARD_MAX_MULTIPARTS)
        reason = g_strdup (_("it has too many nested parts"));
      else if (reason == NULL && scan.parts > KOI_COI_GUARD_MAX_PARTS)
        reason = g_strdup (_("it has too many parts"));

      pos = next;
    }

  g_hash_table_unref (scan.boundaries);
  g_string_free (scan.content_type, TRUE);

  return reason;
}

/* The header fields a too-complex mail is read from: who, when, what
 * about, which thread, and what koi_coi_classify_headers() reads, so that
 * it is chat mail or not just as the sync's header pass says (a chat
 * message is moved like one). Of what they ask for, only the chat and the
 * group are kept: a mail Koi has not read whole edits, deletes, reacts
 * and changes nothing. */
static const char *kept_fields[] = {
  "from", "sender", "to", "cc", "subject", "date", "message-id", "in-reply-to", "references",
  "chat-version", "chat-content", "chat-edit", "chat-delete", "content-type",
  "content-disposition", "auto-submitted", "x-autoreply", "x-autorespond", "precedence",
  "list-id", "list-unsubscribe", "chat-group-id", "chat-group-name",
  "chat-group-member-added", "chat-group-member-removed", "chat-group-name-changed",
};

static gboolean
is_kept_field (const guint8 *line,
               gsize         len)
{
  for (guint i = 0; i < G_N_ELEMENTS (kept_fields); i++)
    {
      gsize n = strlen (kept_fields[i]);

      if (len > n && g_ascii_strncasecmp ((const char *) line, kept_fields[i], n) == 0 &&
          (line[n] == ':' || line[n] == ' ' || line[n] == '\t'))
        return TRUE;
    }

  return FALSE;
}

/* The kept fields of the mail's own header block, from at most
 * %KOI_COI_GUARD_MAX_HEADER bytes of it (which bounds gmime's cost): a
 * field that runs past that ends at its last whole line, so a list of
 * addresses or ids keeps its first ones whole. */
static GString *
cheap_headers (const guint8 *data,
               gsize         len)
{
  GString *out = g_string_new (NULL);
  gboolean keeping = FALSE;
  gsize pos = 0;

  len = MIN (len, KOI_COI_GUARD_MAX_HEADER);
  while (pos < len)
    {
      const guint8 *line = data + pos;
      const guint8 *nl = memchr (line, '\n', len - pos);
      gsize line_len = nl != NULL ? (gsize) (nl - line) : len - pos;
      gboolean continued = line_len > 0 && (line[0] == ' ' || line[0] == '\t');

      if (nl == NULL)
        break;   /* the limit cut this line */
      if (line_is_blank (line, line_len))
        break;
      if (!continued)
        keeping = is_kept_field (line, line_len);
      if (keeping)
        {
          gsize end = line_len;

          if (end > 0 && line[end - 1] == '\r')
            end--;
          g_string_append_len (out, (const char *) line, end);
          g_string_append (out, "\r\n");
        }
      pos += line_len + 1;
    }

  return out;
}

/**
 * koi_coi_guard_parse_cheaply:
 * @data: the mail's bytes, from its first header line
 * @len: their length
 * @raw: all of the mail's bytes, for a synthetic id
 * @reason: what koi_coi_guard_check() said
 *
 * A result for a mail too large or complex to parse whole: its sender,
 * recipients, subject, date, ids and group from a few header fields, as
 * a plain chat message when the headers make it chat mail and as plain
 * email otherwise, with a text that says why the rest is not shown and
 * how large it is.
 * @too_complex is set, so the caller can add the mail's UID.
 *
 * Returns: (transfer full) (nullable): the result, or %NULL when not even
 *   those fields can be read
 */
KoiCoiParsed *
koi_coi_guard_parse_cheaply (const guint8 *data,
                             gsize         len,
                             GBytes       *raw,
                             const char   *reason)
{
  g_autoptr(GString) headers = cheap_headers (data, len);
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  static const char *fallback_charsets[] = { "UTF-8", "WINDOWS-1252", NULL };
  GMimeParserOptions *options;
  KoiCoiParsed *parsed;

  if (headers->len == 0)
    return NULL;
  g_string_append (headers, "\r\n");

  stream = g_mime_stream_mem_new_with_buffer (headers->str, headers->len);
  parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  options = g_mime_parser_options_new ();
  g_mime_parser_options_set_fallback_charsets (options, fallback_charsets);
  g_mime_parser_options_set_rfc2047_compliance_mode (options, GMIME_RFC_COMPLIANCE_LOOSE);
  message = g_mime_parser_construct_message (parser, options);
  if (message == NULL)
    {
      g_mime_parser_options_free (options);
      return NULL;
    }

  parsed = koi_coi_parse_message (message, raw);
  g_clear_object (&message);
  g_mime_parser_options_free (options);

  /* Chat mail is a plain chat message (in its group, if it names one);
   * everything else plain email. */
  if (koi_coi_type_is_chat_mail (parsed->type))
    {
      parsed->kind = KOI_COI_KIND_CHAT;
      parsed->type = KOI_COI_TYPE_CHAT;
    }
  else
    {
      parsed->kind = KOI_COI_KIND_EMAIL;
      parsed->type = KOI_COI_TYPE_EMAIL;
    }
  g_ptr_array_set_size (parsed->target_ids, 0);
  g_ptr_array_set_size (parsed->failed_recipients, 0);
  g_clear_pointer (&parsed->reaction, g_free);
  g_clear_pointer (&parsed->failure_text, g_free);
  g_clear_pointer (&parsed->group_member_added, g_free);
  g_clear_pointer (&parsed->group_member_removed, g_free);
  parsed->group_name_changed = FALSE;
  g_clear_pointer (&parsed->contact_json, g_free);
  g_clear_pointer (&parsed->contact_vcard, g_free);
  g_clear_pointer (&parsed->contact_hcard, g_free);
  g_clear_pointer (&parsed->contact_headers, g_free);
  parsed->wants_read_receipt = FALSE;
  g_clear_pointer (&parsed->read_receipt_to, g_free);
  parsed->too_complex = TRUE;
  parsed->raw_size = raw != NULL ? g_bytes_get_size (raw) : len;
  parsed->unreadable_reason = g_strdup (reason);
  g_free (parsed->text);
  parsed->text = koi_coi_too_complex_text (parsed->raw_size, reason, 0);

  return parsed;
}

/**
 * koi_coi_too_complex_text:
 * @size: the mail's size in bytes
 * @reason: why it is not shown whole
 * @uid: its UID on the server, or 0 when not known
 *
 * Returns: (transfer full): the line a too-complex mail is shown with
 */
char *
koi_coi_too_complex_text (gsize       size,
                          const char *reason,
                          guint32     uid)
{
  g_autofree char *formatted = g_format_size (size);

  if (uid != 0)
    /* Translators: %s is a size ("12.3 MB"), %s why ("it has too many
     * parts"), %u the mail's number on the server */
    return g_strdup_printf (_("This message (%s) is too large or complex to show here: %s. "
                              "It stays on the server as it is (UID %u)."),
                            formatted, reason, uid);

  /* Translators: %s is a size ("12.3 MB"), %s why ("it has too many parts") */
  return g_strdup_printf (_("This message (%s) is too large or complex to show here: %s. "
                            "It stays on the server as it is."),
                          formatted, reason);
}

/**
 * koi_coi_guard_header_length:
 * @data: header fields, as an IMAP header fetch returns them
 * @len: their length
 *
 * How much of @data to hand to gmime: all of it up to
 * %KOI_COI_GUARD_MAX_HEADER bytes, else up to the last line end within
 * them, as koi_coi_parse() reads a too-complex mail's header.
 *
 * Returns: the length to parse
 */
gsize
koi_coi_guard_header_length (const guint8 *data,
                             gsize         len)
{
  gsize end = KOI_COI_GUARD_MAX_HEADER;

  if (len <= KOI_COI_GUARD_MAX_HEADER)
    return len;
  while (end > 0 && data[end - 1] != '\n')
    end--;
  return end;
}
