/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-coi-report"

#include "config.h"

#include <string.h>

#include "koi-coi-gmime.h"
#include "koi-coi-parser.h"
#include "koi-coi-private.h"

/* Machine-readable reports about Koi's own mail: read receipts (MDN,
 * RFC 8098), delivery status notifications (DSN, RFC 3464) and the bounces
 * that are no RFC report at all. Everything here reads what a stranger can
 * write: sizes are bounded, ids checked, and a report that says nothing
 * usable gives FALSE (the caller then treats the mail as email). */

/* Report fields --------------------------------------------------------------- */

/* The fields of a report part: blocks separated by blank lines (a DSN has
 * one for the message, then one per recipient), each "Name: value" with
 * folded lines joined. Returns an array of GHashTable (lower-cased name
 * → value; the first of a repeated name wins). */
static GPtrArray *
read_field_blocks (const char *text)
{
  GPtrArray *blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  g_auto(GStrv) lines = koi_coi_split_lines (text, -1);
  GHashTable *block = NULL;
  g_autofree char *name = NULL;
  GString *value = NULL;

#define FLUSH_FIELD()                                                            \
  G_STMT_START {                                                                 \
    if (name != NULL && block != NULL && !g_hash_table_contains (block, name))   \
      g_hash_table_insert (block, g_steal_pointer (&name),                       \
                           g_strdup (g_strstrip (value->str)));                  \
    g_clear_pointer (&name, g_free);                                             \
    if (value != NULL)                                                           \
      g_string_free (g_steal_pointer (&value), TRUE);                            \
  } G_STMT_END

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize len = strlen (line);
      const char *colon;

      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';

      if (strspn (line, " \t") == len)
        {
          FLUSH_FIELD ();
          block = NULL;
          continue;
        }

      if ((line[0] == ' ' || line[0] == '\t') && value != NULL)
        {
          g_string_append_c (value, ' ');
          g_string_append (value, g_strchug (line));
          continue;
        }

      FLUSH_FIELD ();
      colon = strchr (line, ':');
      if (colon == NULL || colon == line)
        continue;

      if (block == NULL)
        {
          if (blocks->len > KOI_COI_MAX_RECIPIENTS)
            break;
          block = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
          g_ptr_array_add (blocks, block);
        }
      name = g_ascii_strdown (line, colon - line);
      g_strstrip (name);
      value = g_string_new (colon + 1);
    }
  FLUSH_FIELD ();

#undef FLUSH_FIELD

  return blocks;
}

static const char *
field (GPtrArray  *blocks,
       guint       index,
       const char *name)
{
  return index < blocks->len ? g_hash_table_lookup (g_ptr_array_index (blocks, index), name) : NULL;
}

/* The text of a report part, whether gmime made it a plain part or (for
 * the message types it knows) an attached message. */
static char *
report_part_text (GMimeObject *object)
{
  if (GMIME_IS_PART (object))
    return koi_coi_part_text (GMIME_PART (object), KOI_COI_MAX_REPORT);

  if (GMIME_IS_MESSAGE_PART (object))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));
      g_autofree char *text = NULL;

      if (inner == NULL)
        return NULL;
      /* The fields of an unknown message/... type read as the inner
       * message's header block. */
      text = g_mime_object_get_headers (GMIME_OBJECT (inner), NULL);
      if (text != NULL && strlen (text) > KOI_COI_MAX_REPORT)
        text[KOI_COI_MAX_REPORT] = '\0';
      return text != NULL ? g_utf8_make_valid (text, -1) : NULL;
    }

  return NULL;
}

/* "rfc822; Bob@Example.NET" → "bob@example.net"; NULL if it is no plain
 * address. */
static char *
recipient_address (const char *value)
{
  const char *semicolon;
  g_autofree char *addr = NULL;

  if (value == NULL)
    return NULL;

  semicolon = strchr (value, ';');
  addr = g_strdup (semicolon != NULL ? semicolon + 1 : value);
  g_strstrip (addr);
  if (*addr == '<' && g_str_has_suffix (addr, ">"))
    {
      memmove (addr, addr + 1, strlen (addr));
      addr[strlen (addr) - 1] = '\0';
    }

  if (*addr == '\0' || strlen (addr) > 254 || strchr (addr, '@') == NULL ||
      strpbrk (addr, " \t<>;,\"") != NULL || !g_utf8_validate (addr, -1, NULL))
    return NULL;

  return g_utf8_strdown (addr, -1);
}

static void
add_recipient (GPtrArray  *recipients,
               const char *addr)
{
  if (addr == NULL || recipients->len >= KOI_COI_MAX_RECIPIENTS)
    return;

  for (guint i = 0; i < recipients->len; i++)
    if (strcmp (g_ptr_array_index (recipients, i), addr) == 0)
      return;

  g_ptr_array_add (recipients, g_strdup (addr));
}

/* The server's words on one line each, bounded. */
static void
append_words (GString    *out,
              const char *addr,
              const char *words,
              gboolean    with_address)
{
  g_autofree char *line = NULL;

  if (words == NULL || *words == '\0' || out->len >= KOI_COI_MAX_FAILURE_TEXT)
    return;

  line = g_utf8_make_valid (words, -1);
  g_strdelimit (line, "\r\n\t", ' ');
  if (out->len > 0)
    g_string_append_c (out, '\n');
  if (with_address && addr != NULL)
    g_string_append_printf (out, "%s: ", addr);
  g_string_append (out, g_strstrip (line));

  if (out->len > KOI_COI_MAX_FAILURE_TEXT)
    {
      const char *end = g_utf8_find_prev_char (out->str, out->str + KOI_COI_MAX_FAILURE_TEXT + 1);

      g_string_truncate (out, end != NULL ? (gsize) (end - out->str) : 0);
    }
}

/* Finding parts ----------------------------------------------------------------- */

typedef struct
{
  const char * const *types;   /* "type/subtype" */
  GMimeObject        *found;
} FindPart;

static gboolean
find_part_of_type (GMimeObject *object,
                   gpointer     user_data)
{
  FindPart *find = user_data;
  GMimeContentType *type = g_mime_object_get_content_type (object);

  if (type == NULL || GMIME_IS_MULTIPART (object))
    return FALSE;

  for (guint i = 0; find->types[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (find->types[i], "/", 2);

      if (g_mime_content_type_is_type (type, pair[0], pair[1]))
        {
          find->found = object;
          return TRUE;
        }
    }

  return FALSE;
}

static GMimeObject *
find_part (GMimeMessage       *message,
           const char * const *types)
{
  FindPart find = { types, NULL };

  koi_coi_walk_parts (g_mime_message_get_mime_part (message), find_part_of_type, &find);

  return find.found;
}

/* The Message-ID of the message a report or bounce returns: a whole
 * message/rfc822 part, or only its headers (text/rfc822-headers). */
static void
add_returned_message_id (GMimeMessage *message,
                         GPtrArray    *targets)
{
  static const char * const returned_types[] = {
    "message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers", NULL,
  };
  GMimeObject *returned = find_part (message, returned_types);

  if (returned == NULL)
    return;

  if (GMIME_IS_MESSAGE_PART (returned))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (returned));

      if (inner != NULL)
        koi_coi_add_target (targets, g_mime_message_get_message_id (inner));
    }
  else if (GMIME_IS_PART (returned))
    {
      g_autofree char *text = koi_coi_part_text (GMIME_PART (returned), KOI_COI_MAX_REPORT);
      g_autoptr(GPtrArray) blocks = read_field_blocks (text);
      g_autofree char *id = koi_coi_first_id_of (field (blocks, 0, "message-id"));

      koi_coi_add_target (targets, id);
    }
}

/* A report may say what it answers in its own headers too. Only the last
 * References id counts: the earlier ones are the thread, not the message
 * that failed. */
static void
add_own_reference (GMimeMessage *message,
                   GPtrArray    *targets)
{
  g_autofree char *in_reply_to =
    koi_coi_first_id_of (g_mime_object_get_header (GMIME_OBJECT (message), "In-Reply-To"));
  g_autoptr(GPtrArray) refs = koi_coi_references_of (message);

  koi_coi_add_target (targets, in_reply_to);
  if (refs->len > 0)
    koi_coi_add_target (targets, g_ptr_array_index (refs, refs->len - 1));
}

static char *
first_line_of (const char *text)
{
  g_auto(GStrv) lines = NULL;

  if (text == NULL)
    return NULL;

  lines = koi_coi_split_lines (text, 64);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strstrip (lines[i]);
      if (*lines[i] != '\0')
        return g_strdup (lines[i]);
    }

  return NULL;
}

/* Read receipts ------------------------------------------------------------------ */

gboolean
koi_coi_read_mdn (GMimeMessage *message,
                  KoiCoiParsed *parsed)
{
  static const char * const types[] = {
    "message/disposition-notification", "message/global-disposition-notification", NULL,
  };
  GMimeObject *part = find_part (message, types);
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) blocks = NULL;
  const char *disposition;

  if (part == NULL || (text = report_part_text (part)) == NULL)
    return FALSE;

  blocks = read_field_blocks (text);

  /* "manual-action/MDN-sent-manually; displayed": only "displayed" says the
   * message was read; "deleted" or "dispatched" do not. */
  disposition = field (blocks, 0, "disposition");
  if (disposition != NULL)
    {
      const char *semicolon = strchr (disposition, ';');
      g_autofree char *what = g_ascii_strdown (semicolon != NULL ? semicolon + 1 : "", -1);
      char *slash = strchr (what, '/');

      if (slash != NULL)
        *slash = '\0';
      if (strcmp (g_strstrip (what), "displayed") != 0)
        return FALSE;
    }

  {
    g_autofree char *original = koi_coi_first_id_of (field (blocks, 0, "original-message-id"));

    koi_coi_add_target (parsed->target_ids, original);
  }
  /* Delta Chat answers several messages in one receipt. */
  koi_coi_add_ids (parsed->target_ids, field (blocks, 0, "additional-message-ids"));

  return parsed->target_ids->len > 0;
}

/* Delivery failures --------------------------------------------------------------- */

gboolean
koi_coi_read_dsn (GMimeMessage *message,
                  KoiCoiParsed *parsed)
{
  static const char * const types[] = {
    "message/delivery-status", "message/global-delivery-status", NULL,
  };
  GMimeObject *part = find_part (message, types);
  g_autofree char *text = part != NULL ? report_part_text (part) : NULL;
  g_autoptr(GPtrArray) blocks = text != NULL ? read_field_blocks (text) : NULL;
  g_autoptr(GString) words = g_string_new (NULL);
  g_autoptr(GPtrArray) failed_words = g_ptr_array_new_with_free_func (g_free);
  guint n_recipients = 0;

  for (guint i = 0; blocks != NULL && i < blocks->len; i++)
    {
      const char *final = field (blocks, i, "final-recipient");
      const char *original = field (blocks, i, "original-recipient");
      const char *action = field (blocks, i, "action");
      const char *diagnostic = field (blocks, i, "diagnostic-code");
      const char *status = field (blocks, i, "status");
      g_autofree char *addr = NULL;

      if (final == NULL && original == NULL)
        continue;
      n_recipients++;
      if (action == NULL || g_ascii_strncasecmp (action, "failed", 6) != 0)
        continue;

      addr = recipient_address (final != NULL ? final : original);
      add_recipient (parsed->failed_recipients, addr);

      /* "smtp; 550 5.1.1 <bob@...>: Recipient address rejected": the words
       * after the type are the server's. */
      if (diagnostic != NULL)
        {
          const char *semicolon = strchr (diagnostic, ';');

          g_ptr_array_add (failed_words, g_strdup (semicolon != NULL ? semicolon + 1 : diagnostic));
        }
      else
        g_ptr_array_add (failed_words, g_strdup_printf ("%s (%s)", status != NULL ? status : "5.0.0",
                                                        action));
      g_ptr_array_add (failed_words, g_strdup (addr));
    }

  /* A report on delays or successful deliveries is no failure. */
  if (n_recipients > 0 && failed_words->len == 0)
    return FALSE;

  for (guint i = 0; i + 1 < failed_words->len; i += 2)
    append_words (words, g_ptr_array_index (failed_words, i + 1), g_ptr_array_index (failed_words, i),
                  failed_words->len > 2);
  if (words->len == 0)
    {
      /* No machine-readable words: the report's first human line. */
      static const char * const plain[] = { "text/plain", NULL };
      GMimeObject *human = find_part (message, plain);
      g_autofree char *human_text = GMIME_IS_PART (human)
                                      ? koi_coi_part_text (GMIME_PART (human), KOI_COI_MAX_REPORT)
                                      : NULL;
      g_autofree char *line = first_line_of (human_text);

      append_words (words, NULL, line, FALSE);
    }
  if (words->len > 0)
    parsed->failure_text = g_strdup (words->str);

  add_returned_message_id (message, parsed->target_ids);
  add_own_reference (message, parsed->target_ids);

  return parsed->target_ids->len > 0;
}

/* A bounce in prose: qmail ("<bob@example.net>:" then the reason), Postfix
 * and others alike, or Exim ("  bob@example.net" then the reason, indented
 * deeper). Returns the failed recipients and their words; the rest of the
 * text is the sender's explanation. */
static void
read_bounce_text (const char   *text,
                  KoiCoiParsed *parsed,
                  GString      *words)
{
  g_auto(GStrv) lines = koi_coi_split_lines (text, 2000);
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      g_autofree char *addr = NULL;
      g_autoptr(GString) reason = g_string_new (NULL);
      gboolean qmail = line[0] == '<';
      guint j;

      if (line[0] == '<')
        {
          const char *close = strstr (line, ">:");

          if (close == NULL)
            continue;
          g_autofree char *bracketed = g_strndup (line, close - line + 1);

          addr = recipient_address (bracketed);
          g_string_append (reason, close + 2);
        }
      else if (g_str_has_prefix (line, "  ") && !g_str_has_prefix (line, "   "))
        {
          g_autofree char *word = g_strstrip (g_strdup (line));

          if (strchr (word, ' ') != NULL)
            continue;
          addr = recipient_address (word);
        }
      if (addr == NULL)
        continue;

      /* qmail writes the reason on the lines below, Exim indents it. */
      for (j = i + 1; lines[j] != NULL && reason->len < KOI_COI_MAX_FAILURE_TEXT &&
                      (qmail || lines[j][0] == ' ' || lines[j][0] == '\t'); j++)
        {
          g_autofree char *piece = g_strstrip (g_strdup (lines[j]));

          if (*piece == '\0')
            break;
          if (reason->len > 0)
            g_string_append_c (reason, ' ');
          g_string_append (reason, piece);
        }
      i = j - 1;

      add_recipient (parsed->failed_recipients, addr);
      g_ptr_array_add (pairs, g_strdup (addr));
      g_ptr_array_add (pairs, g_strdup (g_strstrip (reason->str)));
    }

  for (guint i = 0; i + 1 < pairs->len; i += 2)
    append_words (words, g_ptr_array_index (pairs, i), g_ptr_array_index (pairs, i + 1),
                  pairs->len > 2);
}

gboolean
koi_coi_read_bounce (GMimeMessage *message,
                     KoiCoiParsed *parsed)
{
  g_autoptr(GString) words = g_string_new (NULL);

  add_returned_message_id (message, parsed->target_ids);

  /* qmail returns the message inline, below its explanation: the first
   * Message-ID line there is the returned message's. */
  if (parsed->target_ids->len == 0)
    {
      g_auto(GStrv) lines = koi_coi_split_lines (parsed->full_text, 4000);

      for (guint i = 0; lines[i] != NULL; i++)
        if (g_ascii_strncasecmp (lines[i], "Message-ID:", 11) == 0)
          {
            g_autofree char *id = koi_coi_first_id_of (lines[i] + 11);

            koi_coi_add_target (parsed->target_ids, id);
            break;
          }
    }

  add_own_reference (message, parsed->target_ids);
  if (parsed->target_ids->len == 0)
    return FALSE;

  read_bounce_text (parsed->full_text, parsed, words);
  if (words->len == 0)
    {
      g_autofree char *line = first_line_of (parsed->full_text);

      append_words (words, NULL, line, FALSE);
    }
  if (words->len > 0)
    parsed->failure_text = g_strdup (words->str);

  return TRUE;
}
