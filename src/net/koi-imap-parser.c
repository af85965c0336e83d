/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-imap-parser"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <string.h>

#include <glib/gstdio.h>

#include "koi-imap-parser.h"
#include "koi-net-error.h"

/* Framing and tokenising are separate on purpose. Framing only looks for
 * line ends and a trailing {N}, so each byte is looked at once however the
 * input is split, and literal bytes go straight into their own buffer (no
 * re-scan, no copy when the response is built). Tokenising runs once per
 * complete response. */

/* A line without a literal longer than this is not IMAP but a broken or
 * hostile server; a literal larger than this cannot be a mail Koi can use. */
#define MAX_LINE_LENGTH    (64 * 1024 * 1024)
#define MAX_LITERAL_LENGTH (G_GUINT64_CONSTANT (1) << 30)
/* Growing in steps is linear too; this only avoids reserving a large block
 * on a server's word before the bytes actually arrive (a 17-byte response
 * announcing {99999999} cost 12-50 ms of CPU under ASan with 16 MiB, the
 * fuzz target's bound; larger literals spill to a file anyway). */
#define MAX_LITERAL_PREALLOC (256 * 1024)
#define MAX_DEPTH 64

struct _KoiImapParser
{
  GString    *line;      /* the line being read */
  GPtrArray  *segments;  /* GBytes: finished lines of this response, each but the last ends in {N} */
  GPtrArray  *literals;  /* GBytes: the literal after each segment */
  GByteArray *literal;   /* the literal being read, or NULL */
  guint64     literal_left;
  GPtrArray  *paths;     /* char*: the file of each spilled literal, NULL if in memory */
  char       *spill_dir; /* literals above spill_threshold go to files here */
  guint64     spill_threshold;
  int         spill_fd;  /* the literal being written to a file, or -1 */
  char       *spill_path;
  GQueue      responses;
  GError     *error;     /* sticky: the framing is lost */
};

/* A spilled literal nobody took: its file goes too. */
static void
spill_file_free (gpointer data)
{
  char *path = data;

  if (path != NULL)
    g_unlink (path);
  g_free (path);
}

KoiImapParser *
koi_imap_parser_new (void)
{
  KoiImapParser *parser = g_new0 (KoiImapParser, 1);

  parser->line = g_string_new (NULL);
  parser->segments = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  parser->literals = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  parser->paths = g_ptr_array_new_with_free_func (spill_file_free);
  parser->spill_fd = -1;
  g_queue_init (&parser->responses);

  return parser;
}

void
koi_imap_parser_free (KoiImapParser *parser)
{
  if (parser == NULL)
    return;

  g_string_free (parser->line, TRUE);
  g_ptr_array_unref (parser->segments);
  g_ptr_array_unref (parser->literals);
  g_ptr_array_unref (parser->paths);
  if (parser->literal != NULL)
    g_byte_array_unref (parser->literal);
  if (parser->spill_fd >= 0)
    close (parser->spill_fd);
  spill_file_free (g_steal_pointer (&parser->spill_path));
  g_free (parser->spill_dir);
  g_queue_clear_full (&parser->responses, (GDestroyNotify) koi_imap_response_free);
  g_clear_error (&parser->error);
  g_free (parser);
}

void
koi_imap_value_free (KoiImapValue *value)
{
  if (value == NULL)
    return;

  g_free (value->str);
  g_clear_pointer (&value->bytes, g_bytes_unref);
  spill_file_free (g_steal_pointer (&value->path));
  g_clear_pointer (&value->list, g_ptr_array_unref);
  g_free (value);
}

void
koi_imap_response_free (KoiImapResponse *response)
{
  if (response == NULL)
    return;

  g_free (response->tag);
  g_free (response->name);
  g_free (response->code);
  g_free (response->text);
  g_clear_pointer (&response->code_args, g_ptr_array_unref);
  g_clear_pointer (&response->args, g_ptr_array_unref);
  g_free (response);
}

gsize
koi_imap_parser_get_pending (KoiImapParser *parser)
{
  gsize pending = parser->line->len;

  for (guint i = 0; i < parser->segments->len; i++)
    pending += g_bytes_get_size (parser->segments->pdata[i]);
  for (guint i = 0; i < parser->literals->len; i++)
    pending += g_bytes_get_size (parser->literals->pdata[i]);
  if (parser->literal != NULL)
    pending += parser->literal->len;

  return pending;
}

/* A printable excerpt of server text for error messages: control bytes
 * become '?', and it is cut so a 1 MiB line does not become a 1 MiB error.
 * A GError message must be UTF-8, and a hostile or broken server sends any
 * bytes (or a cut falls inside a character): invalid ones become U+FFFD. */
static char *
excerpt (const char *data,
         gsize       len)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *valid = NULL;
  gsize n = MIN (len, 80);

  for (gsize i = 0; i < n; i++)
    {
      guchar c = data[i];
      g_string_append_c (out, (c < 0x20 || c == 0x7f) ? '?' : (char) c);
    }

  valid = g_utf8_make_valid (out->str, out->len);
  return g_strconcat (valid, len > n ? "…" : "", NULL);
}

static gboolean
is_status_word (const char *word,
                gsize       len,
                KoiImapStatus *out_status)
{
  static const struct { const char *word; KoiImapStatus status; } words[] = {
    { "OK", KOI_IMAP_STATUS_OK },
    { "NO", KOI_IMAP_STATUS_NO },
    { "BAD", KOI_IMAP_STATUS_BAD },
    { "BYE", KOI_IMAP_STATUS_BYE },
    { "PREAUTH", KOI_IMAP_STATUS_PREAUTH },
  };

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    {
      if (strlen (words[i].word) == len && g_ascii_strncasecmp (word, words[i].word, len) == 0)
        {
          if (out_status != NULL)
            *out_status = words[i].status;
          return TRUE;
        }
    }

  return FALSE;
}

/* Status responses and continuations carry free text, in which a trailing
 * "{5}" is just text: only data responses can announce a literal. */
static gboolean
line_is_text_response (const char *line,
                       gsize       len)
{
  const char *end = line + len;
  const char *sp;
  const char *word;

  if (len > 0 && line[0] == '+')
    return TRUE;

  sp = memchr (line, ' ', len);
  if (sp == NULL)
    return FALSE;
  word = sp + 1;
  sp = memchr (word, ' ', end - word);
  if (sp == NULL)
    sp = end;

  return is_status_word (word, sp - word, NULL);
}

/* If the line ends in {N} or ~{N}, returns TRUE with N. */
static gboolean
line_literal_size (const char *line,
                   gsize       len,
                   guint64    *out_size)
{
  gsize i;
  guint64 size = 0;
  gsize digits = 0;

  if (len < 3 || line[len - 1] != '}')
    return FALSE;

  i = len - 1;
  while (i > 0 && g_ascii_isdigit (line[i - 1]))
    {
      i--;
      digits++;
    }
  if (digits == 0 || digits > 19 || i == 0 || line[i - 1] != '{')
    return FALSE;

  for (gsize j = i; j < len - 1; j++)
    size = size * 10 + (line[j] - '0');

  *out_size = size;
  return TRUE;
}

/* ---- tokenising ---------------------------------------------------------- */

typedef struct
{
  GPtrArray  *segments;
  GPtrArray  *literals;
  GPtrArray  *paths;
  guint       segment;
  const char *p;
  const char *end;
} Cursor;

static void
cursor_enter_segment (Cursor *cur,
                      guint   segment)
{
  gsize len;

  cur->segment = segment;
  cur->p = g_bytes_get_data (cur->segments->pdata[segment], &len);
  cur->end = cur->p + len;
}

static gboolean
fail (Cursor      *cur,
      GError     **error,
      const char  *what)
{
  gsize len;
  const char *first = g_bytes_get_data (cur->segments->pdata[0], &len);
  g_autofree char *line = excerpt (first, len);

  g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL,
               "Malformed IMAP response from the server (%s): %s", what, line);
  return FALSE;
}

static gboolean
is_atom_char (guchar   c,
              gboolean in_code)
{
  if (c <= 0x20 || c == 0x7f)
    return FALSE;
  if (c == '(' || c == ')' || c == '"')
    return FALSE;
  if (in_code && c == ']')
    return FALSE;
  return TRUE;
}

static KoiImapValue *parse_value (Cursor *cur, gboolean in_code, guint depth, GError **error);

static KoiImapValue *
value_new (KoiImapValueType type)
{
  KoiImapValue *value = g_new0 (KoiImapValue, 1);

  value->type = type;
  return value;
}

static KoiImapValue *
parse_quoted (Cursor  *cur,
              GError **error)
{
  GString *str = g_string_new (NULL);
  KoiImapValue *value;

  cur->p++; /* opening quote */
  for (;;)
    {
      if (cur->p >= cur->end)
        {
          g_string_free (str, TRUE);
          fail (cur, error, "unterminated quoted string");
          return NULL;
        }
      if (*cur->p == '"')
        break;
      if (*cur->p == '\\')
        {
          cur->p++;
          if (cur->p >= cur->end)
            continue; /* reported as unterminated above */
        }
      g_string_append_c (str, *cur->p);
      cur->p++;
    }
  cur->p++; /* closing quote */

  value = value_new (KOI_IMAP_VALUE_STRING);
  value->str = g_string_free (str, FALSE);
  return value;
}

static KoiImapValue *
parse_literal (Cursor  *cur,
               GError **error)
{
  KoiImapValue *value;

  if (*cur->p == '~')
    cur->p++;
  if (cur->p >= cur->end || *cur->p != '{')
    {
      fail (cur, error, "'~' without a literal");
      return NULL;
    }
  /* Framing only ends a segment right after a valid {N}, so a literal
   * marker anywhere else is not one. */
  if (memchr (cur->p, '}', cur->end - cur->p) != cur->end - 1 ||
      cur->segment + 1 >= cur->segments->len)
    {
      fail (cur, error, "a literal marker in the middle of a line");
      return NULL;
    }

  value = value_new (KOI_IMAP_VALUE_LITERAL);
  value->bytes = g_bytes_ref (cur->literals->pdata[cur->segment]);
  /* The value owns a spilled literal's file from here on. */
  if (cur->segment < cur->paths->len)
    value->path = g_steal_pointer (&cur->paths->pdata[cur->segment]);
  cursor_enter_segment (cur, cur->segment + 1);

  return value;
}

static KoiImapValue *
parse_atom (Cursor   *cur,
            gboolean  in_code,
            GError  **error)
{
  const char *start = cur->p;
  KoiImapValue *value;
  gsize len;

  while (cur->p < cur->end && is_atom_char (*cur->p, in_code))
    {
      /* A fetch item such as BODY[HEADER.FIELDS (FROM TO)]<0> is one atom:
       * the section may hold spaces and parentheses. */
      if (*cur->p == '[' && !in_code)
        {
          guint nesting = 0;

          do
            {
              if (*cur->p == '[')
                nesting++;
              else if (*cur->p == ']')
                nesting--;
              cur->p++;
            }
          while (nesting > 0 && cur->p < cur->end);

          if (nesting > 0)
            {
              fail (cur, error, "unterminated '['");
              return NULL;
            }
          continue;
        }
      cur->p++;
    }

  len = cur->p - start;
  if (len == 0)
    {
      char what[32];

      g_snprintf (what, sizeof what, "unexpected character 0x%02x", (guchar) *cur->p);
      fail (cur, error, what);
      return NULL;
    }

  if (len == 3 && g_ascii_strncasecmp (start, "NIL", 3) == 0)
    return value_new (KOI_IMAP_VALUE_NIL);

  value = value_new (KOI_IMAP_VALUE_ATOM);
  value->str = g_strndup (start, len);

  if (len <= 19)
    {
      gboolean digits = TRUE;

      for (gsize i = 0; i < len && digits; i++)
        digits = g_ascii_isdigit (start[i]);
      if (digits)
        {
          value->type = KOI_IMAP_VALUE_NUMBER;
          value->number = g_ascii_strtoull (value->str, NULL, 10);
        }
    }

  return value;
}

static void
skip_spaces (Cursor *cur)
{
  while (cur->p < cur->end && *cur->p == ' ')
    cur->p++;
}

static KoiImapValue *
parse_list (Cursor   *cur,
            gboolean  in_code,
            guint     depth,
            GError  **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_imap_value_free);
  KoiImapValue *value;

  if (depth > MAX_DEPTH)
    {
      fail (cur, error, "lists nested too deeply");
      return NULL;
    }

  cur->p++; /* '(' */
  for (;;)
    {
      KoiImapValue *item;

      skip_spaces (cur);
      if (cur->p >= cur->end && cur->segment + 1 < cur->segments->len)
        {
          fail (cur, error, "a literal where no value can start");
          return NULL;
        }
      if (cur->p >= cur->end)
        {
          fail (cur, error, "unterminated list");
          return NULL;
        }
      if (*cur->p == ')')
        {
          cur->p++;
          break;
        }
      item = parse_value (cur, in_code, depth + 1, error);
      if (item == NULL)
        return NULL;
      g_ptr_array_add (items, item);
    }

  value = value_new (KOI_IMAP_VALUE_LIST);
  value->list = g_steal_pointer (&items);
  return value;
}

static KoiImapValue *
parse_value (Cursor   *cur,
             gboolean  in_code,
             guint     depth,
             GError  **error)
{
  switch (*cur->p)
    {
    case '(':
      return parse_list (cur, in_code, depth, error);
    case '"':
      return parse_quoted (cur, error);
    case '{':
    case '~':
      if (*cur->p == '{' || (cur->p + 1 < cur->end && cur->p[1] == '{'))
        return parse_literal (cur, error);
      return parse_atom (cur, in_code, error);
    case ')':
      fail (cur, error, "unbalanced ')'");
      return NULL;
    default:
      return parse_atom (cur, in_code, error);
    }
}

/* Reads values up to the end of the response (or up to ']' in a code). */
static gboolean
parse_values (Cursor     *cur,
              gboolean    in_code,
              GPtrArray  *into,
              GError    **error)
{
  for (;;)
    {
      KoiImapValue *value;

      skip_spaces (cur);
      if (cur->p >= cur->end && cur->segment + 1 < cur->segments->len)
        return fail (cur, error, "a literal where no value can start");
      if (cur->p >= cur->end)
        return !in_code || fail (cur, error, "unterminated response code");
      if (in_code && *cur->p == ']')
        return TRUE;

      value = parse_value (cur, in_code, 0, error);
      if (value == NULL)
        return FALSE;
      g_ptr_array_add (into, value);
    }
}

static char *
take_word (Cursor *cur)
{
  const char *start = cur->p;

  while (cur->p < cur->end && *cur->p != ' ')
    cur->p++;

  return g_strndup (start, cur->p - start);
}

/* [CODE args] after a status word; servers put free text in some codes
 * (ALERT-like vendor codes), which is kept as one atom rather than refused. */
static gboolean
parse_response_code (Cursor          *cur,
                     KoiImapResponse *response,
                     GError         **error)
{
  const char *start;
  const char *close;
  Cursor saved;

  cur->p++; /* '[' */
  start = cur->p;
  while (cur->p < cur->end && *cur->p != ' ' && *cur->p != ']')
    cur->p++;
  if (cur->p == start)
    return fail (cur, error, "empty response code");
  response->code = g_ascii_strup (start, cur->p - start);

  /* The whole cursor is saved: parsing the arguments may have stepped over
   * a literal into the next segment, where p and end belong to another
   * buffer (found by fuzz-imap-parser: a heap overflow in the memchr). */
  saved = *cur;
  if (!parse_values (cur, TRUE, response->code_args, NULL) || cur->p >= cur->end)
    {
      g_ptr_array_set_size (response->code_args, 0);
      *cur = saved;
      close = memchr (cur->p, ']', cur->end - cur->p);
      if (close == NULL)
        return fail (cur, error, "unterminated response code");
      while (cur->p < close && *cur->p == ' ')
        cur->p++;
      if (cur->p < close)
        {
          KoiImapValue *raw = value_new (KOI_IMAP_VALUE_ATOM);

          raw->str = g_strndup (cur->p, close - cur->p);
          g_ptr_array_add (response->code_args, raw);
        }
      cur->p = close;
    }

  cur->p++; /* ']' */
  return TRUE;
}

static void
take_text (Cursor          *cur,
           KoiImapResponse *response)
{
  if (cur->p < cur->end && *cur->p == ' ')
    cur->p++;
  response->text = g_strndup (cur->p, cur->end - cur->p);
}

static KoiImapResponse *
build_response (GPtrArray  *segments,
                GPtrArray  *literals,
                GPtrArray  *paths,
                GError    **error)
{
  g_autoptr(KoiImapResponse) response = g_new0 (KoiImapResponse, 1);
  Cursor cur = { segments, literals, paths, 0, NULL, NULL };
  g_autofree char *word = NULL;

  response->code_args = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_imap_value_free);
  response->args = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_imap_value_free);
  cursor_enter_segment (&cur, 0);

  if (cur.p >= cur.end)
    {
      fail (&cur, error, "empty line");
      return NULL;
    }

  if (*cur.p == '+')
    {
      response->kind = KOI_IMAP_RESPONSE_CONTINUATION;
      cur.p++;
      take_text (&cur, response);
      return g_steal_pointer (&response);
    }

  word = take_word (&cur);
  if (strcmp (word, "*") == 0)
    response->kind = KOI_IMAP_RESPONSE_UNTAGGED;
  else
    {
      response->kind = KOI_IMAP_RESPONSE_TAGGED;
      response->tag = g_steal_pointer (&word);
    }

  if (cur.p >= cur.end)
    {
      fail (&cur, error, "nothing after the tag");
      return NULL;
    }
  cur.p++;

  g_clear_pointer (&word, g_free);
  word = take_word (&cur);
  if (word[0] == '\0')
    {
      fail (&cur, error, "missing response name");
      return NULL;
    }

  if (response->kind == KOI_IMAP_RESPONSE_UNTAGGED && g_ascii_isdigit (word[0]))
    {
      guint64 number;

      if (!g_ascii_string_to_unsigned (word, 10, 0, G_MAXUINT32, &number, NULL))
        {
          fail (&cur, error, "bad message number");
          return NULL;
        }
      response->has_number = TRUE;
      response->number = number;
      if (cur.p < cur.end)
        cur.p++;
      g_clear_pointer (&word, g_free);
      word = take_word (&cur);
      if (word[0] == '\0')
        {
          fail (&cur, error, "missing response name after the number");
          return NULL;
        }
    }

  response->name = g_ascii_strup (word, -1);

  if (is_status_word (word, strlen (word), &response->status))
    {
      if (cur.p < cur.end && cur.p + 1 < cur.end && cur.p[1] == '[')
        {
          cur.p++;
          if (!parse_response_code (&cur, response, error))
            return NULL;
        }
      take_text (&cur, response);
      return g_steal_pointer (&response);
    }

  if (response->kind == KOI_IMAP_RESPONSE_TAGGED)
    {
      fail (&cur, error, "a tagged response must be OK, NO or BAD");
      return NULL;
    }

  if (!parse_values (&cur, FALSE, response->args, error))
    return NULL;

  return g_steal_pointer (&response);
}

/* ---- framing ------------------------------------------------------------- */

static gboolean
parser_fail (KoiImapParser  *parser,
             GError         *error,
             GError        **out_error)
{
  parser->error = error;
  g_propagate_error (out_error, g_error_copy (error));
  return FALSE;
}

/* A large literal goes to a file as it arrives, so a 25 MB attachment
 * costs no more memory than a short line. */
static gboolean
spill_open (KoiImapParser  *parser,
            GError        **error)
{
  g_autofree char *path = g_build_filename (parser->spill_dir, "literal-XXXXXX", NULL);
  int fd = g_mkstemp_full (path, O_RDWR | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int saved = errno;

      return parser_fail (parser,
                          g_error_new (KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL,
                                       "Could not write a download to %s: %s",
                                       parser->spill_dir, g_strerror (saved)),
                          error);
    }
  parser->spill_fd = fd;
  parser->spill_path = g_steal_pointer (&path);
  return TRUE;
}

static gboolean
spill_write (KoiImapParser  *parser,
             const char     *data,
             gsize           len,
             GError        **error)
{
  while (len > 0)
    {
      gssize n = write (parser->spill_fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          return parser_fail (parser,
                              g_error_new (KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL,
                                           "Could not write a download to disk: %s",
                                           g_strerror (saved)),
                              error);
        }
      data += n;
      len -= n;
    }
  return TRUE;
}

void
koi_imap_parser_set_spill (KoiImapParser *parser,
                           const char    *dir,
                           guint64        threshold)
{
  g_return_if_fail (parser != NULL);

  g_free (parser->spill_dir);
  parser->spill_dir = g_strdup (dir);
  parser->spill_threshold = threshold;
}

/* A line has ended (LF found and stripped). */
static gboolean
finish_line (KoiImapParser  *parser,
             GError        **error)
{
  GString *line = parser->line;
  gboolean first = parser->segments->len == 0;
  guint64 literal_size = 0;
  gboolean has_literal;
  GError *local_error = NULL;
  KoiImapResponse *response;

  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);

  has_literal = line_literal_size (line->str, line->len, &literal_size);
  if (has_literal && first && line_is_text_response (line->str, line->len))
    has_literal = FALSE;

  g_ptr_array_add (parser->segments, g_string_free_to_bytes (parser->line));
  parser->line = g_string_new (NULL);

  if (has_literal)
    {
      if (literal_size > MAX_LITERAL_LENGTH)
        {
          return parser_fail (parser,
                              g_error_new (KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL,
                                           "The server announced a literal of %" G_GUINT64_FORMAT
                                           " bytes, more than Koi accepts (%" G_GUINT64_FORMAT ")",
                                           literal_size, MAX_LITERAL_LENGTH),
                              error);
        }
      parser->literal_left = literal_size;
      if (parser->spill_dir != NULL && literal_size > parser->spill_threshold)
        return spill_open (parser, error);
      parser->literal = g_byte_array_sized_new (MIN (literal_size, MAX_LITERAL_PREALLOC));
      return TRUE;
    }

  response = build_response (parser->segments, parser->literals, parser->paths, &local_error);
  g_ptr_array_set_size (parser->segments, 0);
  g_ptr_array_set_size (parser->literals, 0);
  g_ptr_array_set_size (parser->paths, 0);
  if (response == NULL)
    return parser_fail (parser, local_error, error);

  g_queue_push_tail (&parser->responses, response);
  return TRUE;
}

gboolean
koi_imap_parser_feed (KoiImapParser  *parser,
                      const char     *data,
                      gsize           len,
                      GError        **error)
{
  g_return_val_if_fail (parser != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (parser->error != NULL)
    {
      g_propagate_error (error, g_error_copy (parser->error));
      return FALSE;
    }

  while (len > 0)
    {
      if (parser->spill_fd >= 0)
        {
          gsize n = MIN ((guint64) len, parser->literal_left);

          if (!spill_write (parser, data, n, error))
            return FALSE;
          data += n;
          len -= n;
          parser->literal_left -= n;
        }
      else if (parser->literal != NULL)
        {
          gsize n = MIN ((guint64) len, parser->literal_left);

          g_byte_array_append (parser->literal, (const guint8 *) data, n);
          data += n;
          len -= n;
          parser->literal_left -= n;
        }
      else
        {
          const char *lf = memchr (data, '\n', len);
          gsize n = lf != NULL ? (gsize) (lf - data) : len;

          if (parser->line->len + n > MAX_LINE_LENGTH)
            {
              return parser_fail (parser,
                                  g_error_new (KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL,
                                               "The server sent a line longer than %d bytes",
                                               MAX_LINE_LENGTH),
                                  error);
            }
          g_string_append_len (parser->line, data, n);
          data += n;
          len -= n;

          if (lf == NULL)
            break;

          data++; /* '\n' */
          len--;
          if (!finish_line (parser, error))
            return FALSE;
        }

      /* A finished literal: also reached at once for {0}. The paths
       * array stays as long as the literals one. */
      if (parser->literal != NULL && parser->literal_left == 0)
        {
          g_ptr_array_add (parser->literals,
                           g_byte_array_free_to_bytes (g_steal_pointer (&parser->literal)));
          g_ptr_array_add (parser->paths, NULL);
        }
      else if (parser->spill_fd >= 0 && parser->literal_left == 0)
        {
          close (parser->spill_fd);
          parser->spill_fd = -1;
          g_ptr_array_add (parser->literals, g_bytes_new (NULL, 0));
          g_ptr_array_add (parser->paths, g_steal_pointer (&parser->spill_path));
        }
    }

  return TRUE;
}

KoiImapResponse *
koi_imap_parser_pop (KoiImapParser *parser)
{
  g_return_val_if_fail (parser != NULL, NULL);

  return g_queue_pop_head (&parser->responses);
}

/* ---- helpers ------------------------------------------------------------- */

const char *
koi_imap_value_get_string (const KoiImapValue *value)
{
  if (value == NULL)
    return NULL;

  switch (value->type)
    {
    case KOI_IMAP_VALUE_ATOM:
    case KOI_IMAP_VALUE_NUMBER:
    case KOI_IMAP_VALUE_STRING:
      return value->str;
    default:
      return NULL;
    }
}

char *
koi_imap_value_dup_astring (const KoiImapValue *value)
{
  if (value == NULL)
    return NULL;

  if (value->type == KOI_IMAP_VALUE_LITERAL)
    {
      g_autoptr(GBytes) bytes = koi_imap_value_dup_bytes (value);
      gsize len = 0;
      const char *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;

      return g_strndup (data != NULL ? data : "", len);
    }

  return g_strdup (koi_imap_value_get_string (value));
}

GBytes *
koi_imap_value_dup_bytes (const KoiImapValue *value)
{
  const char *str;

  if (value == NULL)
    return NULL;

  if (value->type == KOI_IMAP_VALUE_LITERAL && value->path != NULL)
    {
      /* Mapped, not read: the pages stay the kernel's to drop. */
      g_autoptr(GMappedFile) file = g_mapped_file_new (value->path, FALSE, NULL);

      return file != NULL ? g_mapped_file_get_bytes (file) : NULL;
    }
  if (value->type == KOI_IMAP_VALUE_LITERAL)
    return g_bytes_ref (value->bytes);

  str = koi_imap_value_get_string (value);
  if (str == NULL)
    return NULL;

  return g_bytes_new (str, strlen (str));
}

gboolean
koi_imap_value_get_number32 (const KoiImapValue *value,
                             guint32            *out)
{
  if (value == NULL || value->type != KOI_IMAP_VALUE_NUMBER || value->number > G_MAXUINT32)
    return FALSE;

  if (out != NULL)
    *out = (guint32) value->number;
  return TRUE;
}

gboolean
koi_imap_value_is_atom (const KoiImapValue *value,
                        const char         *atom)
{
  if (value == NULL || (value->type != KOI_IMAP_VALUE_ATOM && value->type != KOI_IMAP_VALUE_NUMBER))
    return FALSE;

  return g_ascii_strcasecmp (value->str, atom) == 0;
}

const KoiImapValue *
koi_imap_response_get_arg (const KoiImapResponse *response,
                           guint                  index)
{
  if (response == NULL || index >= response->args->len)
    return NULL;

  return response->args->pdata[index];
}

char *
koi_imap_response_describe (const KoiImapResponse *response)
{
  GString *out = g_string_new (NULL);

  switch (response->kind)
    {
    case KOI_IMAP_RESPONSE_CONTINUATION:
      g_string_append (out, "+");
      break;
    case KOI_IMAP_RESPONSE_TAGGED:
      g_string_append (out, response->tag);
      break;
    case KOI_IMAP_RESPONSE_UNTAGGED:
      g_string_append (out, "*");
      break;
    default:
      g_assert_not_reached ();
    }

  if (response->has_number)
    g_string_append_printf (out, " %u", response->number);
  if (response->name != NULL)
    g_string_append_printf (out, " %s", response->name);
  if (response->code != NULL)
    g_string_append_printf (out, " [%s]", response->code);
  if (response->text != NULL && response->text[0] != '\0')
    {
      g_autofree char *text = excerpt (response->text, strlen (response->text));

      g_string_append_printf (out, " %s", text);
    }
  else if (response->args->len > 0)
    g_string_append (out, " …");

  /* Tag, name and code are the server's bytes too. */
  if (!g_utf8_validate (out->str, out->len, NULL))
    {
      char *valid = g_utf8_make_valid (out->str, out->len);

      g_string_free (out, TRUE);
      return valid;
    }
  return g_string_free (out, FALSE);
}
