/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-imap-parser"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "koi-imap-bodystructure.h"
#include "koi-imap-command.h"
#include "koi-imap-parser.h"
#include "koi-net-error.h"

/* Every response is turned into one canonical text line, so a table row
 * says exactly what the engine will see. Numbers are #N, strings "..",
 * literals {N:bytes}, codes [CODE args]. */

static void dump_value (GString *out, const KoiImapValue *value);

static void
dump_values (GString   *out,
             GPtrArray *values)
{
  for (guint i = 0; i < values->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      dump_value (out, values->pdata[i]);
    }
}

static void
dump_value (GString            *out,
            const KoiImapValue *value)
{
  switch (value->type)
    {
    case KOI_IMAP_VALUE_NIL:
      g_string_append (out, "NIL");
      break;
    case KOI_IMAP_VALUE_ATOM:
      g_string_append (out, value->str);
      break;
    case KOI_IMAP_VALUE_NUMBER:
      g_string_append_printf (out, "#%" G_GUINT64_FORMAT, value->number);
      break;
    case KOI_IMAP_VALUE_STRING:
      g_string_append_c (out, '"');
      for (const char *p = value->str; *p != '\0'; p++)
        {
          if (*p == '"' || *p == '\\')
            g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
      break;
    case KOI_IMAP_VALUE_LITERAL:
      {
        gsize len;
        const char *data = g_bytes_get_data (value->bytes, &len);

        g_string_append_printf (out, "{%" G_GSIZE_FORMAT ":", len);
        g_string_append_len (out, data, len);
        g_string_append_c (out, '}');
      }
      break;
    case KOI_IMAP_VALUE_LIST:
      g_string_append_c (out, '(');
      dump_values (out, value->list);
      g_string_append_c (out, ')');
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
dump_response (GString               *out,
               const KoiImapResponse *response)
{
  switch (response->kind)
    {
    case KOI_IMAP_RESPONSE_CONTINUATION:
      g_string_append_printf (out, "+ <%s>", response->text);
      return;
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
  g_string_append_printf (out, " %s", response->name);

  if (response->status != KOI_IMAP_STATUS_NONE)
    {
      if (response->code != NULL)
        {
          g_string_append_printf (out, " [%s", response->code);
          if (response->code_args->len > 0)
            {
              g_string_append_c (out, ' ');
              dump_values (out, response->code_args);
            }
          g_string_append_c (out, ']');
        }
      g_string_append_printf (out, " <%s>", response->text);
    }
  else
    {
      g_assert_null (response->code);
      if (response->args->len > 0)
        {
          g_string_append_c (out, ' ');
          dump_values (out, response->args);
        }
    }
}

/* Feeds `input` in pieces of `chunk` bytes (0 = all at once, or the split
 * at `split` when chunk is G_MAXSIZE) and returns the dump of everything. */
static char *
parse_in_chunks (const char  *input,
                 gsize        len,
                 gsize        chunk,
                 gsize        split,
                 GError     **error)
{
  g_autoptr(KoiImapParser) parser = koi_imap_parser_new ();
  g_autoptr(GString) out = g_string_new (NULL);
  KoiImapResponse *response;
  gsize pos = 0;

  while (pos < len)
    {
      gsize n;

      if (chunk == 0)
        n = len;
      else if (chunk == G_MAXSIZE)
        n = pos < split ? split - pos : len - pos;
      else
        n = MIN (chunk, len - pos);

      if (!koi_imap_parser_feed (parser, input + pos, n, error))
        return NULL;
      pos += n;

      while ((response = koi_imap_parser_pop (parser)) != NULL)
        {
          if (out->len > 0)
            g_string_append_c (out, '\n');
          dump_response (out, response);
          koi_imap_response_free (response);
        }
    }

  /* Whatever was fed must have become whole responses. */
  g_assert_cmpuint (koi_imap_parser_get_pending (parser), ==, 0);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef struct
{
  const char *name;
  const char *input;
  const char *expected;
} Case;

static const Case cases[] = {
  {
    "dovecot-capability",
    "* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY "
    "THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED "
    "I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH BINARY MOVE SNIPPET=FUZZY LITERAL+ NOTIFY "
    "SPECIAL-USE METADATA\r\n"
    "K1 OK Pre-login capabilities listed, post-login capabilities have more.\r\n",
    "* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY "
    "THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED "
    "I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH BINARY MOVE SNIPPET=FUZZY LITERAL+ NOTIFY "
    "SPECIAL-USE METADATA\n"
    "K1 OK <Pre-login capabilities listed, post-login capabilities have more.>",
  },
  {
    "capability-code",
    "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR AUTH=PLAIN] Dovecot ready.\r\n"
    "K2 OK [CAPABILITY IMAP4rev1 IDLE MOVE] Logged in\r\n",
    "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR AUTH=PLAIN] <Dovecot ready.>\n"
    "K2 OK [CAPABILITY IMAP4rev1 IDLE MOVE] <Logged in>",
  },
  {
    "list",
    "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
    "* LIST (\\HasChildren \\Noselect) \"/\" \"COI\"\r\n"
    "* LIST (\\HasNoChildren \\Sent) \"/\" \"COI/Chats\"\r\n"
    "* LIST (\\HasNoChildren) \"/\" \"Entw&APw-rfe\"\r\n"
    "* LIST (\\Noselect) NIL \"flat \\\"quoted\\\" \\\\ name\"\r\n"
    "* LIST () \".\" {11}\r\nLit\r\nName\")\r\n"
    "K3 OK List completed (0.001 + 0.000 secs).\r\n",
    "* LIST (\\HasNoChildren) \"/\" INBOX\n"
    "* LIST (\\HasChildren \\Noselect) \"/\" \"COI\"\n"
    "* LIST (\\HasNoChildren \\Sent) \"/\" \"COI/Chats\"\n"
    "* LIST (\\HasNoChildren) \"/\" \"Entw&APw-rfe\"\n"
    "* LIST (\\Noselect) NIL \"flat \\\"quoted\\\" \\\\ name\"\n"
    "* LIST () \".\" {11:Lit\r\nName\")}\n"
    "K3 OK <List completed (0.001 + 0.000 secs).>",
  },
  {
    "select",
    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Chat)\r\n"
    "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Chat \\*)] Flags permitted.\r\n"
    "* 3 EXISTS\r\n"
    "* 0 RECENT\r\n"
    "* OK [UNSEEN 2] First unseen.\r\n"
    "* OK [UIDVALIDITY 1700000000] UIDs valid\r\n"
    "* OK [UIDNEXT 4] Predicted next UID\r\n"
    "* OK [HIGHESTMODSEQ 7] Highest\r\n"
    "K4 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n",
    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Chat)\n"
    "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Chat \\*)] <Flags permitted.>\n"
    "* 3 EXISTS\n"
    "* 0 RECENT\n"
    "* OK [UNSEEN #2] <First unseen.>\n"
    "* OK [UIDVALIDITY #1700000000] <UIDs valid>\n"
    "* OK [UIDNEXT #4] <Predicted next UID>\n"
    "* OK [HIGHESTMODSEQ #7] <Highest>\n"
    "K4 OK [READ-WRITE] <Select completed (0.001 + 0.000 secs).>",
  },
  {
    "fetch-body-literal",
    /* The body holds CRLFs, ')' '(' '"' and a fake literal marker. */
    "* 1 FETCH (UID 5 FLAGS (\\Seen $Chat) RFC822.SIZE 42 BODY[] {33}\r\n"
    "Subject: hi)\r\n\r\nline {5}\r\n) ( \"\r\n)\r\n"
    "* 2 FETCH (UID 6 BODY[HEADER.FIELDS (FROM TO)] {11}\r\nFrom: a\r\n\r\n BODY[]<0> {3}\r\nabc)\r\n"
    "K5 OK Fetch completed.\r\n",
    "* 1 FETCH (UID #5 FLAGS (\\Seen $Chat) RFC822.SIZE #42 BODY[] {33:"
    "Subject: hi)\r\n\r\nline {5}\r\n) ( \"\r\n})\n"
    "* 2 FETCH (UID #6 BODY[HEADER.FIELDS (FROM TO)] {11:From: a\r\n\r\n} BODY[]<0> {3:abc})\n"
    "K5 OK <Fetch completed.>",
  },
  {
    "fetch-envelope",
    "* 7 FETCH (ENVELOPE (\"Mon, 1 Jan 2024 10:00:00 +0000\" \"Chat: Hi \\\"you\\\"\" "
    "((\"Alice\" NIL \"alice\" \"example.org\")) NIL NIL NIL NIL NIL NIL \"<chat$1@example.org>\") "
    "INTERNALDATE \"01-Jan-2024 10:00:00 +0000\")\r\n",
    "* 7 FETCH (ENVELOPE (\"Mon, 1 Jan 2024 10:00:00 +0000\" \"Chat: Hi \\\"you\\\"\" "
    "((\"Alice\" NIL \"alice\" \"example.org\")) NIL NIL NIL NIL NIL NIL \"<chat$1@example.org>\") "
    "INTERNALDATE \"01-Jan-2024 10:00:00 +0000\")",
  },
  {
    "uid-search",
    "* SEARCH 2 5 9 1000 4294967295\r\n* SEARCH\r\nK6 OK Search completed (0.001 + 0.000 secs).\r\n",
    "* SEARCH #2 #5 #9 #1000 #4294967295\n* SEARCH\nK6 OK <Search completed (0.001 + 0.000 secs).>",
  },
  {
    "tagged-no",
    "K7 NO [NONEXISTENT] Mailbox doesn't exist: X\r\n"
    "K8 NO [ALREADYEXISTS] Mailbox already exists\r\n"
    "K9 BAD Error in IMAP command UID: Invalid uidset\r\n"
    "K10 NO Server busy\r\n",
    "K7 NO [NONEXISTENT] <Mailbox doesn't exist: X>\n"
    "K8 NO [ALREADYEXISTS] <Mailbox already exists>\n"
    "K9 BAD <Error in IMAP command UID: Invalid uidset>\n"
    "K10 NO <Server busy>",
  },
  {
    "uidplus-codes",
    "K11 OK [APPENDUID 1700000000 5] Append completed.\r\n"
    "K12 OK [COPYUID 1700000000 1:3,7 10:13] Moved UIDs.\r\n",
    "K11 OK [APPENDUID #1700000000 #5] <Append completed.>\n"
    "K12 OK [COPYUID #1700000000 1:3,7 10:13] <Moved UIDs.>",
  },
  {
    "continuations",
    "+ idling\r\n+\r\n+ OK\r\n+ {5}\r\n",
    "+ <idling>\n+ <>\n+ <OK>\n+ <{5}>",
  },
  {
    /* Human text that happens to end like a literal is still text. */
    "status-text-like-literal",
    "K13 OK done {5}\r\n* OK Still here {2}\r\n",
    "K13 OK <done {5}>\n* OK <Still here {2}>",
  },
  {
    "literal8-and-empty-literal",
    "* 1 FETCH (UID 3 BINARY[] ~{3}\r\na\0c)\r\n* 2 FETCH (UID 4 BODY[] {0}\r\n)\r\n",
    NULL, /* checked separately: holds a NUL byte */
  },
  {
    "expunge-bye-untagged-no",
    "* 4 EXPUNGE\r\n* 1 EXISTS\r\n* NO [ALERT] Quota nearly full\r\n"
    "* BYE Logging out\r\nK14 OK Logout completed.\r\n",
    "* 4 EXPUNGE\n* 1 EXISTS\n* NO [ALERT] <Quota nearly full>\n"
    "* BYE <Logging out>\nK14 OK <Logout completed.>",
  },
  {
    "metadata",
    "* METADATA \"\" (/private/vendor/vendor.dovecot/coi/config/enabled \"yes\" "
    "/private/vendor/vendor.dovecot/coi/config/mailbox-root NIL)\r\n",
    "* METADATA \"\" (/private/vendor/vendor.dovecot/coi/config/enabled \"yes\" "
    "/private/vendor/vendor.dovecot/coi/config/mailbox-root NIL)",
  },
  {
    /* Some servers and proxies end lines with a bare LF. */
    "bare-lf",
    "* 2 EXISTS\nK15 OK [UIDNEXT 9] done\n",
    "* 2 EXISTS\nK15 OK [UIDNEXT #9] <done>",
  },
  {
    "vendor-code-with-free-text",
    "* OK [WEBALERT https://x.example/a?b=\"c] Look\r\n",
    "* OK [WEBALERT https://x.example/a?b=\"c] <Look>",
  },
};

static void
check_case (const Case *c,
            const char *input,
            gsize       len,
            const char *expected)
{
  g_autofree char *whole = NULL;
  g_autofree char *bytewise = NULL;
  g_autoptr(GError) error = NULL;

  whole = parse_in_chunks (input, len, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (whole, ==, expected);

  bytewise = parse_in_chunks (input, len, 1, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bytewise, ==, expected);

  for (gsize split = 1; split < len; split++)
    {
      g_autofree char *got = parse_in_chunks (input, len, G_MAXSIZE, split, &error);

      g_assert_no_error (error);
      if (g_strcmp0 (got, expected) != 0)
        g_error ("case %s split at %" G_GSIZE_FORMAT ": got\n%s\nexpected\n%s",
                 c->name, split, got, expected);
    }
}

static void
test_table (gconstpointer data)
{
  const Case *c = data;

  check_case (c, c->input, strlen (c->input), c->expected);
}

static void
test_literal8_and_empty (void)
{
  static const char input[] =
    "* 1 FETCH (UID 3 BINARY[] ~{3}\r\na\0c)\r\n* 2 FETCH (UID 4 BODY[] {0}\r\n)\r\n";
  static const char expected[] =
    "* 1 FETCH (UID #3 BINARY[] {3:a\0c})\n* 2 FETCH (UID #4 BODY[] {0:})";
  const Case c = { "literal8", NULL, NULL };
  g_autoptr(KoiImapParser) parser = koi_imap_parser_new ();
  g_autoptr(KoiImapResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  const KoiImapValue *list;
  g_autofree char *whole = NULL;

  /* The dump compares as C strings, so also check the bytes themselves. */
  g_assert_true (koi_imap_parser_feed (parser, input, sizeof input - 1, &error));
  g_assert_no_error (error);
  response = koi_imap_parser_pop (parser);
  g_assert_nonnull (response);
  list = koi_imap_response_get_arg (response, 0);
  g_assert_cmpint (list->type, ==, KOI_IMAP_VALUE_LIST);
  g_assert_cmpint (((KoiImapValue *) list->list->pdata[3])->type, ==, KOI_IMAP_VALUE_LITERAL);
  g_assert_cmpmem (g_bytes_get_data (((KoiImapValue *) list->list->pdata[3])->bytes, NULL), 3,
                   "a\0c", 3);

  whole = parse_in_chunks (input, sizeof input - 1, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (whole, strlen (whole), expected, strlen (expected));
  check_case (&c, input, sizeof input - 1, whole);
}

typedef struct
{
  const char *name;
  const char *input;
  const char *message_part; /* the error must say what is wrong */
} BadCase;

static const BadCase bad_cases[] = {
  { "unterminated-list", "* LIST (\\HasNoChildren \"/\" INBOX\r\n", "unterminated list" },
  { "unterminated-string", "* LIST () \"/\" \"unterminated\r\n", "unterminated quoted string" },
  { "tagged-not-status", "K1 FOO bar\r\n", "must be OK, NO or BAD" },
  { "literal-mid-line", "* 1 FETCH (BODY[] {5}x)\r\n", "literal marker" },
  { "only-tag", ")\r\n", "nothing after the tag" },
  { "unbalanced-paren", "* 1 FETCH (UID 1))\r\n", "unbalanced ')'" },
  { "empty-line", "\r\n", "empty line" },
  { "number-too-big", "* 99999999999 EXISTS\r\n", "bad message number" },
  { "unterminated-code", "K1 OK [UIDNEXT 5\r\n", "unterminated response code" },
  { "unterminated-section", "* 1 FETCH (BODY[HEADER {3}\r\nabc)\r\n", "unterminated '['" },
  { "huge-literal", "* 1 FETCH (BODY[] {99999999999999}\r\n", "more than Koi accepts" },
  { "atom-before-literal", "* 1 FETCH (BODY[] x{3}\r\nabc)\r\n", "literal where no value" },
  /* Found by fuzz-imap-parser: a code whose arguments run over a literal
   * into the next segment and then fail sent the fallback scan past the
   * end of the first one (a heap overflow under ASan). */
  { "code-args-over-literal", "* OK [X a {3}\r\nabc b)\r\n", "unterminated response code" },
};

static void
test_malformed (gconstpointer data)
{
  const BadCase *c = data;
  g_autoptr(KoiImapParser) parser = koi_imap_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) again = NULL;
  g_autoptr(KoiImapResponse) good = NULL;
  gboolean ok;

  /* A good response first: it must survive the bad one. */
  g_assert_true (koi_imap_parser_feed (parser, "* 1 EXISTS\r\n", 12, NULL));

  ok = koi_imap_parser_feed (parser, c->input, strlen (c->input), &error);
  g_assert_false (ok);
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL);
  if (strstr (error->message, c->message_part) == NULL)
    g_error ("%s: error “%s” does not mention “%s”", c->name, error->message, c->message_part);

  good = koi_imap_parser_pop (parser);
  g_assert_nonnull (good);
  g_assert_cmpstr (good->name, ==, "EXISTS");
  g_assert_null (koi_imap_parser_pop (parser));

  /* The framing is lost for good: later input is refused the same way. */
  g_assert_false (koi_imap_parser_feed (parser, "K2 OK x\r\n", 9, &again));
  g_assert_error (again, KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL);
}

static void
test_deep_nesting (void)
{
  g_autoptr(KoiImapParser) parser = koi_imap_parser_new ();
  g_autoptr(GString) input = g_string_new ("* 1 FETCH ");
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < 100000; i++)
    g_string_append_c (input, '(');
  g_string_append (input, "\r\n");

  g_assert_false (koi_imap_parser_feed (parser, input->str, input->len, &error));
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "nested too deeply"));
}

static void
test_big_literal (void)
{
  const gsize size = 10 * 1024 * 1024;
  g_autofree char *body = g_malloc (size);
  g_autofree char *head = g_strdup_printf ("* 9 FETCH (UID 42 BODY[] {%" G_GSIZE_FORMAT "}\r\n", size);
  static const gsize chunks[] = { 1, 7, 4096, 65536 };

  /* Every byte value, CRLFs and parentheses included. */
  for (gsize i = 0; i < size; i++)
    body[i] = (char) (i * 31 + (i >> 10));

  for (guint c = 0; c < G_N_ELEMENTS (chunks); c++)
    {
      g_autoptr(KoiImapParser) parser = koi_imap_parser_new ();
      g_autoptr(KoiImapResponse) response = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      const KoiImapValue *list;
      const KoiImapValue *literal;
      gint64 start = g_get_monotonic_time ();

      g_assert_true (koi_imap_parser_feed (parser, head, strlen (head), &error));
      for (gsize pos = 0; pos < size; pos += chunks[c])
        {
          g_assert_true (koi_imap_parser_feed (parser, body + pos, MIN (chunks[c], size - pos), &error));
          if (pos == size / 2)
            g_assert_null (koi_imap_parser_pop (parser));
        }
      g_assert_true (koi_imap_parser_feed (parser, ")\r\n", 3, &error));
      g_assert_no_error (error);

      response = koi_imap_parser_pop (parser);
      g_assert_nonnull (response);
      g_assert_cmpuint (response->number, ==, 9);
      list = koi_imap_response_get_arg (response, 0);
      literal = list->list->pdata[3];
      g_assert_cmpint (literal->type, ==, KOI_IMAP_VALUE_LITERAL);
      g_assert_cmpmem (g_bytes_get_data (literal->bytes, NULL), g_bytes_get_size (literal->bytes),
                       body, size);

      /* Handing the body on must not copy 10 MiB again. */
      bytes = koi_imap_value_dup_bytes (literal);
      g_assert_true (bytes == literal->bytes);

      /* Quadratic re-scanning would take minutes byte by byte. */
      g_assert_cmpint (g_get_monotonic_time () - start, <, 20 * G_USEC_PER_SEC);
    }
}

static void
test_long_line (void)
{
  g_autoptr(GString) line = g_string_new ("* SEARCH");
  static const gsize chunks[] = { 1, 3, 8192 };
  guint count = 0;

  while (line->len < 1024 * 1024 + 17)
    g_string_append_printf (line, " %u", ++count);
  g_string_append (line, "\r\n");

  for (guint c = 0; c < G_N_ELEMENTS (chunks); c++)
    {
      g_autoptr(KoiImapParser) parser = koi_imap_parser_new ();
      g_autoptr(KoiImapResponse) response = NULL;
      g_autoptr(GError) error = NULL;

      for (gsize pos = 0; pos < line->len; pos += chunks[c])
        g_assert_true (koi_imap_parser_feed (parser, line->str + pos,
                                             MIN (chunks[c], line->len - pos), &error));
      g_assert_no_error (error);

      response = koi_imap_parser_pop (parser);
      g_assert_nonnull (response);
      g_assert_cmpstr (response->name, ==, "SEARCH");
      /* Nothing cut: the last number is there. */
      g_assert_cmpuint (response->args->len, ==, count);
      g_assert_cmpuint (((KoiImapValue *) response->args->pdata[count - 1])->number, ==, count);
    }
}

/* ---- command building and mailbox names ---------------------------------- */

static void
test_utf7 (void)
{
  static const struct { const char *utf8; const char *mutf7; } pairs[] = {
    { "INBOX", "INBOX" },
    { "Entwürfe", "Entw&APw-rfe" },
    { "Tom & Jerry", "Tom &- Jerry" },
    { "日本語", "&ZeVnLIqe-" },
    { "COI/Chats/Grüße 😀", "COI/Chats/Gr&APwA3w-e &2D3eAA-" },
    { "~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },
  };
  static const char *invalid[] = { "&ZeVnLIqe", "&-&", "&AB-", "Gr\xc3\xbc\xc3\x9f" "e", "&-&$$-" };

  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      g_autofree char *encoded = koi_imap_utf7_encode (pairs[i].utf8);
      g_autofree char *decoded = koi_imap_utf7_decode (pairs[i].mutf7);

      g_assert_cmpstr (encoded, ==, pairs[i].mutf7);
      g_assert_cmpstr (decoded, ==, pairs[i].utf8);
    }

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autofree char *decoded = koi_imap_utf7_decode (invalid[i]);

      if (decoded != NULL)
        g_error ("“%s” decoded to “%s” but is not modified UTF-7", invalid[i], decoded);
    }
}

static void
test_command_quoting (void)
{
  g_autoptr(KoiImapCommand) command = koi_imap_command_new ("SELECT");
  g_autoptr(KoiImapCommand) literal = koi_imap_command_new ("APPEND");
  g_autoptr(GBytes) message = g_bytes_new_static ("Subject: x\r\n\r\nhi\r\n", 18);

  koi_imap_command_add_string (command, "a \"quoted\" \\ name", FALSE);
  g_assert_cmpuint (koi_imap_command_get_n_parts (command), ==, 1);
  g_assert_cmpstr (koi_imap_command_get_text (command, 0), ==,
                   "SELECT \"a \\\"quoted\\\" \\\\ name\"");
  g_assert_cmpstr (koi_imap_command_get_summary (command), ==,
                   "SELECT \"a \\\"quoted\\\" \\\\ name\"");

  /* A line break cannot be quoted: it must go as a literal. */
  koi_imap_command_add_string (literal, "two\r\nlines", FALSE);
  koi_imap_command_add_atom (literal, "(\\Seen)");
  koi_imap_command_add_literal (literal, message);
  g_assert_cmpuint (koi_imap_command_get_n_parts (literal), ==, 3);
  g_assert_cmpstr (koi_imap_command_get_text (literal, 0), ==, "APPEND");
  g_assert_cmpmem (g_bytes_get_data (koi_imap_command_get_literal (literal, 0), NULL), 10,
                   "two\r\nlines", 10);
  g_assert_cmpstr (koi_imap_command_get_text (literal, 1), ==, " (\\Seen)");
  g_assert_true (koi_imap_command_get_literal (literal, 1) == message);
  g_assert_cmpstr (koi_imap_command_get_text (literal, 2), ==, "");
  g_assert_null (koi_imap_command_get_literal (literal, 2));
  /* The summary never carries message data. */
  g_assert_null (strstr (koi_imap_command_get_summary (literal), "two"));
}

/* A literal above the spill threshold goes to a file as it arrives: the
 * parser holds only the line, the file has every byte, and the file goes
 * when the value is freed. */
static void
test_spill (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiImapParser) parser = koi_imap_parser_new ();
  g_autoptr(KoiImapResponse) response = NULL;
  g_autofree char *dir = g_dir_make_tmp ("koi-spill-XXXXXX", &error);
  g_autofree char *contents = NULL;
  g_autofree char *path = NULL;
  const KoiImapValue *list;
  const KoiImapValue *literal;
  gsize len = 0;
  const gsize size = 3 * 1024 * 1024;
  g_autofree char *data = g_malloc (size);
  g_autofree char *head = g_strdup_printf ("* 1 FETCH (UID 7 BODY[2] {%" G_GSIZE_FORMAT "}\r\n", size);

  for (gsize i = 0; i < size; i++)
    data[i] = 'A' + i % 26;
  koi_imap_parser_set_spill (parser, dir, 64 * 1024);

  g_assert_true (koi_imap_parser_feed (parser, head, strlen (head), &error));
  for (gsize off = 0; off < size; off += 7777)
    {
      g_assert_true (koi_imap_parser_feed (parser, data + off, MIN (7777, size - off), &error));
      g_assert_cmpuint (koi_imap_parser_get_pending (parser), <, 4096);
    }
  g_assert_true (koi_imap_parser_feed (parser, ")\r\n", 3, &error));
  g_assert_no_error (error);

  response = koi_imap_parser_pop (parser);
  g_assert_nonnull (response);
  list = koi_imap_response_get_arg (response, 0);
  literal = list->list->pdata[3];
  g_assert_cmpint (literal->type, ==, KOI_IMAP_VALUE_LITERAL);
  g_assert_nonnull (literal->path);
  g_assert_true (g_str_has_prefix (literal->path, dir));
  g_assert_true (g_file_get_contents (literal->path, &contents, &len, NULL));
  g_assert_cmpuint (len, ==, size);
  g_assert_true (memcmp (contents, data, size) == 0);
  path = g_strdup (literal->path);
  g_clear_pointer (&response, koi_imap_response_free);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static KoiImapResponse *
parse_one (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiImapParser) parser = koi_imap_parser_new ();

  g_assert_true (koi_imap_parser_feed (parser, text, strlen (text), &error));
  g_assert_no_error (error);
  return koi_imap_parser_pop (parser);
}

/* Dovecot's answer for a mail with text, an image and a nested
 * alternative: sections, sizes and file names are what a fetch needs. */
static void
test_bodystructure (void)
{
  g_autoptr(KoiImapResponse) response = parse_one (
    "* 1 FETCH (UID 3 BODYSTRUCTURE ("
    "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 12 1 NIL NIL NIL NIL)"
    "(\"image\" \"png\" (\"name\" \"cat.png\") NIL NIL \"base64\" 5480 NIL (\"attachment\" (\"filename\" \"cat.png\" \"size\" \"4000\")) NIL NIL)"
    "((\"text\" \"plain\" NIL NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)(\"text\" \"html\" NIL NIL NIL \"7bit\" 9 1 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"b2\") NIL NIL NIL)"
    "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 100 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1 NIL NIL NIL NIL) 5 NIL (\"inline\" NIL) NIL NIL)"
    " \"mixed\" (\"boundary\" \"b1\") NIL NIL NIL))\r\n");
  const KoiImapValue *list = koi_imap_response_get_arg (response, 0);
  g_autoptr(KoiImapBodyPart) root = koi_imap_body_part_parse (list->list->pdata[3]);
  g_autoptr(GPtrArray) leaves = NULL;
  KoiImapBodyPart *image;

  g_assert_nonnull (root);
  g_assert_cmpstr (root->subtype, ==, "mixed");
  g_assert_cmpstr (koi_imap_body_part_param (root->params, "BOUNDARY"), ==, "b1");
  leaves = koi_imap_body_part_leaves (root);
  g_assert_cmpuint (leaves->len, ==, 5);
  image = leaves->pdata[1];
  g_assert_cmpstr (image->section, ==, "2");
  g_assert_cmpstr (image->type, ==, "image");
  g_assert_cmpstr (image->encoding, ==, "base64");
  g_assert_cmpuint (image->size, ==, 5480);
  g_assert_cmpstr (image->disposition, ==, "attachment");
  g_assert_cmpstr (koi_imap_body_part_param (image->disposition_params, "filename"), ==, "cat.png");
  g_assert_cmpstr (((KoiImapBodyPart *) leaves->pdata[3])->section, ==, "3.2");
  g_assert_cmpstr (((KoiImapBodyPart *) leaves->pdata[4])->section, ==, "4");
  g_assert_cmpstr (((KoiImapBodyPart *) leaves->pdata[4])->disposition, ==, "inline");

  /* A single-part mail is section 1; garbage is refused. */
  {
    g_autoptr(KoiImapResponse) single = parse_one (
      "* 2 FETCH (BODYSTRUCTURE (\"application\" \"pdf\" NIL NIL NIL \"base64\" 10 NIL NIL NIL NIL))\r\n");
    g_autoptr(KoiImapBodyPart) part = koi_imap_body_part_parse (
      ((KoiImapValue *) koi_imap_response_get_arg (single, 0)->list->pdata[1]));
    g_autoptr(KoiImapResponse) bad = parse_one ("* 3 FETCH (BODYSTRUCTURE (\"text\"))\r\n");

    g_assert_cmpstr (part->section, ==, "1");
    g_assert_null (koi_imap_body_part_parse (koi_imap_response_get_arg (bad, 0)->list->pdata[1]));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = NULL;

      if (cases[i].expected == NULL)
        continue;
      path = g_strdup_printf ("/net/imap-parser/responses/%s", cases[i].name);
      g_test_add_data_func (path, &cases[i], test_table);
    }
  g_test_add_func ("/net/imap-parser/responses/literal8-and-empty-literal", test_literal8_and_empty);

  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/net/imap-parser/malformed/%s", bad_cases[i].name);

      g_test_add_data_func (path, &bad_cases[i], test_malformed);
    }
  g_test_add_func ("/net/imap-parser/malformed/deep-nesting", test_deep_nesting);
  g_test_add_func ("/net/imap-parser/big-literal", test_big_literal);
  g_test_add_func ("/net/imap-parser/long-line", test_long_line);
  g_test_add_func ("/net/imap-parser/spill-to-file", test_spill);
  g_test_add_func ("/net/imap-parser/bodystructure", test_bodystructure);
  g_test_add_func ("/net/imap-command/utf7", test_utf7);
  g_test_add_func ("/net/imap-command/quoting", test_command_quoting);

  return g_test_run ();
}
