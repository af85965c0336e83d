/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-coi-build"

#include "config.h"

#include <string.h>

#include "koi-coi.h"
#include "koi-coi-gmime.h"

/* Building chat messages: what reaches the SMTP server must be 7-bit,
 * CRLF, short-lined, without Bcc or host name, and come back unchanged. */

static const char *one_recipient[] = { "bob@example.net", NULL };

static GBytes *
read_eml (const char *name)
{
  g_autofree char *path = g_build_filename (g_getenv ("KOI_SOURCE_ROOT"), "tests", "coi",
                                            "eml", name, NULL);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);

  return g_bytes_new_take (data, len);
}

/* The header block as a string, "\r\n"-separated, without the body. */
static char *
header_block (GBytes *bytes)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autofree char *all = g_strndup (data, len);
  char *end = strstr (all, "\r\n\r\n");

  g_assert_nonnull (end);
  *end = '\0';

  return g_steal_pointer (&all);
}

/* The unfolded value of header @name, or NULL. */
static char *
header_value (GBytes     *bytes,
              const char *name)
{
  g_autofree char *headers = header_block (bytes);
  g_auto(GStrv) lines = g_strsplit (headers, "\r\n", -1);
  g_autofree char *prefix = g_strconcat (name, ":", NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_ascii_strncasecmp (lines[i], prefix, strlen (prefix)) == 0)
        {
          GString *value = g_string_new (lines[i] + strlen (prefix));

          for (guint k = i + 1; lines[k] != NULL && (lines[k][0] == ' ' || lines[k][0] == '\t'); k++)
            g_string_append (value, lines[k]);
          return g_strstrip (g_string_free (value, FALSE));
        }
    }

  return NULL;
}

/* The rules every serialised message must keep on the wire. */
static void
assert_wire_safe (GBytes *bytes)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  gsize line_start = 0;

  g_assert_cmpuint (len, >, 0);
  for (gsize i = 0; i < len; i++)
    {
      g_assert_cmpuint (data[i], <=, 127);
      g_assert_cmpuint (data[i], !=, 0);
      /* An mbox delivery on the way would turn a line starting with
       * "From " into ">From ": the body must not have one. */
      if ((i == 0 || data[i - 1] == '\n') && len - i >= 5)
        g_assert_true (memcmp (data + i, "From ", 5) != 0);
      if (data[i] == '\n')
        {
          /* Every LF belongs to a CRLF; no line is longer than 998 octets. */
          g_assert_cmpuint (i, >, 0);
          g_assert_cmpuint (data[i - 1], ==, '\r');
          g_assert_cmpuint (i - 1 - line_start, <=, 998);
          line_start = i + 1;
        }
      else if (data[i] == '\r')
        {
          g_assert_cmpuint (i + 1, <, len);
          g_assert_cmpuint (data[i + 1], ==, '\n');
        }
    }
  g_assert_cmpuint (len - line_start, <=, 998);
}

static gboolean
is_word_char (char c)
{
  return g_ascii_isalnum (c) || c == '-';
}

/* The host name must not leak: not in the id, not anywhere in the header
 * block as a word of its own (gmime's generator would write it there). */
static void
assert_no_host_name (GBytes *bytes)
{
  const char *host = g_get_host_name ();
  g_autofree char *headers = header_block (bytes);
  gsize host_len = strlen (host);

  for (const char *p = strstr (headers, host); p != NULL; p = strstr (p + 1, host))
    {
      gboolean bounded = (p == headers || !is_word_char (p[-1])) && !is_word_char (p[host_len]);

      if (bounded)
        g_error ("The host name “%s” appears in the headers:\n%s", host, headers);
    }

  if (host_len >= 6)
    {
      gsize len = 0;
      const char *data = g_bytes_get_data (bytes, &len);

      g_assert_null (g_strstr_len (data, len, host));
    }
}

static void
assert_chat_message_id (const char *id,
                        const char *domain)
{
  g_autofree char *pattern = g_strdup_printf ("^chat\\$[A-Za-z0-9_-]{22}@%s$", domain);

  g_assert_nonnull (id);
  if (!g_regex_match_simple (pattern, id, 0, 0))
    g_error ("Message-ID “%s” is not chat$<22 url-safe chars>@%s", id, domain);
}

static void
test_build_golden (void)
{
  const char *refs[] = { "chat$Qnd4UCYiNjpZhxT26XHRLQ@example.org", NULL };
  KoiCoiOutgoing out = {
    .from_address = "alice@example.org",
    .from_name = "Alice Liddell",
    .to = one_recipient,
    .text = "Grüße aus Köln! 😀 Shall we meet at the café on Friday afternoon, around four?\n"
            "I'll bring the books.",
    .in_reply_to = "chat$8cYwq1pZ0Ffh3Gk2LmNoPq@example.net",
    .references = refs,
    .request_read_receipt = TRUE,
    .date_ms = G_GINT64_CONSTANT (1704294131000),
    .message_id = "chat$Zx7pQ2mN4bV6cX8zL0kJ1h@example.org",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) golden = read_eml ("koi-chat.eml");

  message = koi_coi_build_chat_message (&out, &error);
  g_assert_no_error (error);
  bytes = koi_coi_message_to_bytes (message);

  /* The same input gives the same bytes as the reviewed golden file. */
  if (!g_bytes_equal (bytes, golden))
    g_error ("Built message differs from tests/coi/eml/koi-chat.eml:\n%.*s",
             (int) g_bytes_get_size (bytes), (const char *) g_bytes_get_data (bytes, NULL));
  assert_wire_safe (bytes);
}

typedef struct
{
  const char *name;
  const char *text;
  const char *expected;  /* NULL: the same as text */
} RoundTrip;

static void
check_round_trip (const char *text,
                  const char *expected,
                  gboolean    read_receipt)
{
  KoiCoiOutgoing out = {
    .from_address = "alice@example.org",
    .from_name = "Alice Müller",
    .to = one_recipient,
    .text = text,
    .request_read_receipt = read_receipt,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(KoiCoiParsed) parsed = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *id = NULL;
  g_autofree char *dnt = NULL;
  g_autofree char *chat_dnt = NULL;
  g_autofree char *bcc = NULL;
  g_autofree char *version = NULL;

  message = koi_coi_build_chat_message (&out, &error);
  g_assert_no_error (error);
  bytes = koi_coi_message_to_bytes (message);

  assert_wire_safe (bytes);
  assert_no_host_name (bytes);

  bcc = header_value (bytes, "Bcc");
  g_assert_null (bcc);
  version = header_value (bytes, "Chat-Version");
  g_assert_cmpstr (version, ==, "1.0");
  subject = header_value (bytes, "Subject");
  g_assert_true (g_str_has_prefix (subject, "Chat: "));

  dnt = header_value (bytes, "Disposition-Notification-To");
  chat_dnt = header_value (bytes, "Chat-Disposition-Notification-To");
  if (read_receipt)
    {
      g_assert_nonnull (dnt);
      g_assert_nonnull (strstr (dnt, "<alice@example.org>"));
      g_assert_cmpstr (chat_dnt, ==, "alice@example.org");
    }
  else
    {
      g_assert_null (dnt);
      g_assert_null (chat_dnt);
    }

  parsed = koi_coi_parse (bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (parsed);

  g_assert_cmpint (parsed->kind, ==, KOI_COI_KIND_CHAT);
  g_assert_false (parsed->is_delta_chat);
  g_assert_false (parsed->message_id_synthetic);
  assert_chat_message_id (parsed->message_id, "example.org");
  g_assert_cmpstr (parsed->from_address, ==, "alice@example.org");
  g_assert_cmpstr (parsed->from_name, ==, "Alice Müller");
  g_assert_cmpuint (parsed->to->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (parsed->to, 0), ==, "bob@example.net");
  g_assert_true (g_str_has_prefix (parsed->subject, "Chat: "));
  g_assert_null (strchr (parsed->subject, '\n'));
  g_assert_cmpint (parsed->wants_read_receipt, ==, read_receipt);
  g_assert_cmpstr (parsed->text, ==, expected);
  g_assert_cmpstr (parsed->folded_text, ==, "");

  /* "now": within a minute of the test's clock. */
  g_assert_cmpint (ABS (parsed->date_ms - g_get_real_time () / 1000), <, 60 * 1000);
}

static void
test_build_round_trip (void)
{
  g_autoptr(GString) long_line = g_string_new (NULL);
  g_autoptr(GString) long_text = g_string_new (NULL);
  RoundTrip cases[] = {
    { "ascii", "Hello World", NULL },
    { "umlauts", "Grüße aus München, schöne Straße! ÄÖÜ äöü ß", NULL },
    { "emoji", "😀😃😄 🎉🎂 👩‍👩‍👧‍👦 🇩🇪", NULL },
    { "from-and-dot", "First line\nFrom the start of a line\n.\n..\nFrom \n. end", NULL },
    { "crlf-input", "one\r\ntwo\rthree", "one\ntwo\nthree" },
    { "inner-blank-lines", "para one\n\n\npara two", NULL },
    { "trailing-space", "space at end \nnext", NULL },
    { "long-line", NULL, NULL },
    { "long-text", NULL, NULL },
  };

  /* 5,000 characters on one line (quoted-printable must soft-wrap it) and
   * 5,000 characters of mixed-script lines. */
  while (long_line->len < 5000)
    g_string_append (long_line, "word ");
  g_string_truncate (long_line, 5000);
  g_strchomp (long_line->str);
  while (g_utf8_strlen (long_text->str, -1) < 5000)
    g_string_append (long_text, "Ein Satz mit Umlauten: äöü, emoji 🙂 and some more text.\n");
  g_strchomp (long_text->str);
  cases[G_N_ELEMENTS (cases) - 2].text = long_line->str;
  cases[G_N_ELEMENTS (cases) - 1].text = long_text->str;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("round trip: %s", cases[i].name);
      check_round_trip (cases[i].text,
                        cases[i].expected != NULL ? cases[i].expected : cases[i].text,
                        i % 2 == 0);
    }
}

static void
test_build_subject (void)
{
  const struct
  {
    const char *text;
    const char *subject;
  } cases[] = {
    { "Hello World", "Chat: Hello World" },
    { "  Hello\t  World  ", "Chat: Hello World" },
    { "First line\nsecond line", "Chat: First line..." },
    { "\n\nAfter blank lines", "Chat: After blank lines" },
    { "My dear friend, it has been so long since we last spoke about the weather",
      "Chat: My dear friend, it has been so long since we last spoke..." },
    { "Averyveryverylongwordwithoutanyspaceatallthatgoesonandonandonforever",
      "Chat: Averyveryverylongwordwithoutanyspaceatallthatgoesonandon..." },
    { "Über den Wolken muss die Freiheit wohl grenzenlos sein, sang er",
      "Chat: Über den Wolken muss die Freiheit wohl grenzenlos sein..." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *subject = koi_coi_make_chat_subject (cases[i].text);

      g_assert_cmpstr (subject, ==, cases[i].subject);
      g_assert_cmpint (g_utf8_strlen (subject, -1), <=, 6 + 56 + 3);
    }
}

static void
test_build_non_ascii_subject (void)
{
  KoiCoiOutgoing out = {
    .from_address = "alice@example.org",
    .to = one_recipient,
    .text = "Schöne Grüße 🙂",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeMessage) message = koi_coi_build_chat_message (&out, &error);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(KoiCoiParsed) parsed = NULL;
  g_autofree char *raw_subject = NULL;

  g_assert_no_error (error);
  bytes = koi_coi_message_to_bytes (message);
  assert_wire_safe (bytes);

  /* RFC 2047 on the wire, the real text after decoding. */
  raw_subject = header_value (bytes, "Subject");
  g_assert_true (g_str_has_prefix (raw_subject, "Chat: =?"));
  parsed = koi_coi_parse (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (parsed->subject, ==, "Chat: Schöne Grüße 🙂");
  g_assert_null (parsed->from_name);
}

static void
test_build_message_id (void)
{
  g_autofree char *a = koi_coi_generate_message_id ("example.org");
  g_autofree char *b = koi_coi_generate_message_id ("example.org");

  assert_chat_message_id (a, "example.org");
  assert_chat_message_id (b, "example.org");
  /* The domain is exactly the one given (checked above): the host name,
   * which gmime's own generator would use, has no place to appear. */
  g_assert_cmpstr (a, !=, b);
}

static void
test_build_references (void)
{
  const char *refs[] = { "chat$root@example.org", "chat$middle@example.org", "chat$last@example.org", NULL };
  KoiCoiOutgoing out = {
    .from_address = "alice@example.org",
    .to = one_recipient,
    .text = "reply",
    .in_reply_to = "chat$newest@example.net",
    .references = refs,
    .date_ms = G_GINT64_CONSTANT (1575471097000),
    .message_id = "chat$fixed@example.org",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeMessage) message = koi_coi_build_chat_message (&out, &error);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(KoiCoiParsed) parsed = NULL;
  g_autofree char *in_reply_to = NULL;
  g_autofree char *message_id = NULL;

  g_assert_no_error (error);
  bytes = koi_coi_message_to_bytes (message);

  /* COI keeps only the thread's first and last id; the id replied to is
   * the last one. */
  in_reply_to = header_value (bytes, "In-Reply-To");
  g_assert_cmpstr (in_reply_to, ==, "<chat$newest@example.net>");
  message_id = header_value (bytes, "Message-Id");
  g_assert_cmpstr (message_id, ==, "<chat$fixed@example.org>");
  parsed = koi_coi_parse (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parsed->references->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (parsed->references, 0), ==, "chat$root@example.org");
  g_assert_cmpstr (g_ptr_array_index (parsed->references, 1), ==, "chat$newest@example.net");
  g_assert_cmpstr (parsed->in_reply_to, ==, "chat$newest@example.net");
  g_assert_cmpstr (parsed->message_id, ==, "chat$fixed@example.org");
  g_assert_cmpint (parsed->date_ms, ==, G_GINT64_CONSTANT (1575471097000));
}

static void
test_build_invalid (void)
{
  const char *bad_to_crlf[] = { "bob@example.net\r\nBcc: eve@example.com", NULL };
  const char *bad_to_no_at[] = { "bob.example.net", NULL };
  const char *bad_to_space[] = { "bob smith@example.net", NULL };
  const char *bad_to_two_at[] = { "bob@x@example.net", NULL };
  const char *no_one[] = { NULL };
  const struct
  {
    const char *name;
    KoiCoiOutgoing out;
    const char *words;  /* the error message says this */
  } cases[] = {
    { "empty text", { .from_address = "a@example.org", .to = one_recipient, .text = "" }, "empty" },
    { "no text", { .from_address = "a@example.org", .to = one_recipient }, "empty" },
    { "blank text", { .from_address = "a@example.org", .to = one_recipient, .text = " \n\t " },
      "white space" },
    { "bad utf-8", { .from_address = "a@example.org", .to = one_recipient, .text = "a\xff" },
      "UTF-8" },
    { "from without @", { .from_address = "alice", .to = one_recipient, .text = "hi" }, "alice" },
    { "from with CRLF", { .from_address = "a@example.org\r\nX: y", .to = one_recipient, .text = "hi" },
      "line break" },
    { "to with CRLF", { .from_address = "a@example.org", .to = bad_to_crlf, .text = "hi" },
      "line break" },
    { "to without @", { .from_address = "a@example.org", .to = bad_to_no_at, .text = "hi" },
      "bob.example.net" },
    { "to with space", { .from_address = "a@example.org", .to = bad_to_space, .text = "hi" },
      "space" },
    { "to with two @", { .from_address = "a@example.org", .to = bad_to_two_at, .text = "hi" },
      "exactly one" },
    { "no recipient", { .from_address = "a@example.org", .to = no_one, .text = "hi" },
      "no recipient" },
    { "name with newline", { .from_address = "a@example.org", .from_name = "Eve\nBcc: x@y",
                             .to = one_recipient, .text = "hi" }, "line break" },
    { "id with space", { .from_address = "a@example.org", .to = one_recipient, .text = "hi",
                         .message_id = "chat$a b@example.org" }, "space" },
    { "reply id with >", { .from_address = "a@example.org", .to = one_recipient, .text = "hi",
                           .in_reply_to = "x>@example.org" }, "angle bracket" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GMimeMessage) message = NULL;

      g_test_message ("invalid: %s", cases[i].name);
      message = koi_coi_build_chat_message (&cases[i].out, &error);
      g_assert_null (message);
      g_assert_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID);
      if (strstr (error->message, cases[i].words) == NULL)
        g_error ("%s: error “%s” does not mention “%s”", cases[i].name, error->message,
                 cases[i].words);
    }
}

/* A receipt for a burst of three messages is one mail that Koi (and Delta
 * Chat, which reads the same fields) takes as a receipt for all three; the
 * chat message that asked for it names the address to answer. */
static void
test_build_read_receipt (void)
{
  const char *ids[] = { "chat$one@example.net", "chat$two@example.net", "Mr.three@example.net", NULL };
  KoiCoiReceipt receipt = {
    .from_address = "alice@example.org",
    .from_name = "Älice",
    .to = "bob@example.net",
    .message_ids = ids,
  };
  KoiCoiOutgoing out = {
    .from_address = "alice@example.org",
    .from_name = "Alice",
    .to = one_recipient,
    .text = "Did you read this?",
    .request_read_receipt = TRUE,
  };
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(KoiCoiParsed) parsed = NULL;
  g_autoptr(KoiCoiParsed) request = NULL;
  g_autoptr(GError) error = NULL;
  const char *none[] = { NULL };
  const char *data;
  gsize size;

  message = koi_coi_build_read_receipt (&receipt, &error);
  g_assert_no_error (error);
  raw = koi_coi_message_to_bytes (message);
  data = g_bytes_get_data (raw, &size);
  for (gsize i = 0; i < size; i++)
    g_assert_cmpuint ((guchar) data[i], <, 0x80);
  g_assert_nonnull (g_strstr_len (data, size, "report-type=disposition-notification"));
  g_assert_nonnull (g_strstr_len (data, size, "Disposition: manual-action/MDN-sent-manually; displayed"));

  parsed = koi_coi_parse (raw, &error);
  g_assert_no_error (error);
  g_assert_cmpint (parsed->type, ==, KOI_COI_TYPE_READ_RECEIPT);
  g_assert_cmpstr (parsed->subject, ==, "Chat: Read receipt");
  g_assert_cmpstr (parsed->from_address, ==, "alice@example.org");
  g_assert_cmpuint (parsed->target_ids->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpstr (g_ptr_array_index (parsed->target_ids, i), ==, ids[i]);
  g_assert_false (koi_coi_type_is_chat_mail (parsed->type));

  /* The request: both headers, the sender's own address. */
  g_clear_object (&message);
  g_clear_pointer (&raw, g_bytes_unref);
  message = koi_coi_build_chat_message (&out, &error);
  g_assert_no_error (error);
  raw = koi_coi_message_to_bytes (message);
  request = koi_coi_parse (raw, &error);
  g_assert_no_error (error);
  g_assert_true (request->wants_read_receipt);
  g_assert_cmpstr (request->read_receipt_to, ==, "alice@example.org");

  /* No message named, or a broken id: no receipt. */
  receipt.message_ids = none;
  g_assert_null (koi_coi_build_read_receipt (&receipt, &error));
  g_assert_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID);
  g_clear_error (&error);
  ids[1] = "no id\r\nBcc: eve@example.com";
  receipt.message_ids = ids;
  g_assert_null (koi_coi_build_read_receipt (&receipt, &error));
  g_assert_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID);
}

/* A request to another address than From (a stranger asking Koi to tell a
 * third party) names that address; the engine then sends nothing. */
static void
test_parse_receipt_request (void)
{
  const char *mail =
    "From: Bob <bob@example.net>\r\n"
    "To: alice@example.org\r\n"
    "Subject: Chat: hi\r\n"
    "Message-ID: <chat$req@example.net>\r\n"
    "Chat-Version: 1.0\r\n"
    "Disposition-Notification-To: Eve <EVE@example.com>\r\n"
    "\r\n"
    "hi\r\n";
  g_autoptr(GBytes) raw = g_bytes_new_static (mail, strlen (mail));
  g_autoptr(KoiCoiParsed) parsed = NULL;
  g_autoptr(GError) error = NULL;

  parsed = koi_coi_parse (raw, &error);
  g_assert_no_error (error);
  g_assert_true (parsed->wants_read_receipt);
  g_assert_cmpstr (parsed->read_receipt_to, ==, "eve@example.com");
}

/* Builds @out, checks the wire rules, parses it back. */
static KoiCoiParsed *
build_and_parse (const KoiCoiOutgoing *out,
                 GBytes              **out_bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeMessage) message = koi_coi_build_chat_message (out, &error);
  g_autoptr(GBytes) bytes = NULL;
  KoiCoiParsed *parsed;

  g_assert_no_error (error);
  g_assert_nonnull (message);
  bytes = koi_coi_message_to_bytes (message);
  assert_wire_safe (bytes);
  assert_no_host_name (bytes);

  parsed = koi_coi_parse (bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (parsed);
  /* Every kind is chat mail by the same rules the server-side filter and
   * the header pass use. */
  g_assert_cmpint (koi_coi_type_is_chat_mail (parsed->type), ==, TRUE);
  if (out_bytes != NULL)
    *out_bytes = g_steal_pointer (&bytes);
  return parsed;
}

/* The text part as a mail program shows it. */
static char *
body_text (GBytes *bytes)
{
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (bytes, NULL),
                                                                     g_bytes_get_size (bytes));
  g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  g_autoptr(GMimeMessage) message = g_mime_parser_construct_message (parser, NULL);
  GMimeObject *part = g_mime_message_get_mime_part (message);

  g_autofree char *text = NULL;
  GString *lf;

  g_assert_true (GMIME_IS_TEXT_PART (part));
  text = g_mime_text_part_get_text (GMIME_TEXT_PART (part));
  lf = g_string_new (text);
  g_string_replace (lf, "\r\n", "\n", 0);
  return g_string_free (lf, FALSE);
}

static void
test_build_edit (void)
{
  const char *references[] = { "chat$root@example.org", NULL };
  KoiCoiOutgoing out = {
    .from_address = "alice@example.org",
    .to = one_recipient,
    .text = "Meet at 8, not 7 😀",
    .references = references,
    .type = KOI_COI_TYPE_EDIT,
    .target_id = "chat$original@example.org",
    .quote = "Meet at 7",
  };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(KoiCoiParsed) parsed = build_and_parse (&out, &bytes);
  g_autofree char *chat_content = header_value (bytes, "Chat-Content");
  g_autofree char *chat_edit = header_value (bytes, "Chat-Edit");
  g_autofree char *in_reply_to = header_value (bytes, "In-Reply-To");
  g_autofree char *refs = header_value (bytes, "References");
  g_autofree char *shown = body_text (bytes);

  g_assert_cmpstr (chat_content, ==, "edit");
  g_assert_cmpstr (chat_edit, ==, "<chat$original@example.org>");
  g_assert_cmpstr (in_reply_to, ==, "<chat$original@example.org>");
  g_assert_cmpstr (refs, ==, "<chat$root@example.org> <chat$original@example.org>");
  g_assert_null (header_value (bytes, "Bcc"));

  g_assert_cmpint (parsed->type, ==, KOI_COI_TYPE_EDIT);
  g_assert_cmpuint (parsed->target_ids->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (parsed->target_ids, 0), ==, "chat$original@example.org");
  /* Koi and Delta Chat read the new text only... */
  g_assert_cmpstr (parsed->text, ==, "Meet at 8, not 7 😀");
  /* ...a mail program shows a correction: the old text quoted, then the
   * new one. */
  g_assert_true (g_str_has_prefix (shown, "> Meet at 7\n"));
  g_assert_nonnull (strstr (shown, "Meet at 8, not 7"));

  /* Without a quote the edit is the pencil and the text. */
  out.quote = NULL;
  {
    g_autoptr(GBytes) plain = NULL;
    g_autoptr(KoiCoiParsed) again = build_and_parse (&out, &plain);
    g_autofree char *plain_shown = body_text (plain);

    g_assert_cmpint (again->type, ==, KOI_COI_TYPE_EDIT);
    g_assert_cmpstr (again->text, ==, "Meet at 8, not 7 😀");
    g_assert_true (g_str_has_prefix (plain_shown, "\xe2\x9c\x8f"));
  }
}

static void
test_build_delete (void)
{
  KoiCoiOutgoing out = {
    .from_address = "alice@example.org",
    .to = one_recipient,
    .type = KOI_COI_TYPE_DELETE,
    .target_id = "chat$original@example.org",
  };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(KoiCoiParsed) parsed = build_and_parse (&out, &bytes);
  g_autofree char *chat_content = header_value (bytes, "Chat-Content");
  g_autofree char *chat_delete = header_value (bytes, "Chat-Delete");
  g_autofree char *in_reply_to = header_value (bytes, "In-Reply-To");
  g_autofree char *subject = header_value (bytes, "Subject");
  g_autofree char *shown = body_text (bytes);

  g_assert_cmpstr (chat_content, ==, "delete");
  g_assert_cmpstr (chat_delete, ==, "<chat$original@example.org>");
  g_assert_cmpstr (in_reply_to, ==, "<chat$original@example.org>");
  g_assert_cmpstr (subject, ==, "Chat: Message deleted");
  /* Delta Chat wants a body that is not empty; a mail program shows why
   * the mail came. */
  g_assert_nonnull (strstr (shown, "deleted"));

  g_assert_cmpint (parsed->type, ==, KOI_COI_TYPE_DELETE);
  g_assert_cmpuint (parsed->target_ids->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (parsed->target_ids, 0), ==, "chat$original@example.org");
}

static void
test_build_reaction (void)
{
  const char *reactions[] = { "👍", "❤️", "", "😂 🎉" };

  for (guint i = 0; i < G_N_ELEMENTS (reactions); i++)
    {
      KoiCoiOutgoing out = {
        .from_address = "alice@example.org",
        .to = one_recipient,
        .text = reactions[i],
        .type = KOI_COI_TYPE_REACTION,
        .target_id = "chat$original@example.org",
      };
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(KoiCoiParsed) parsed = build_and_parse (&out, &bytes);
      g_autofree char *in_reply_to = header_value (bytes, "In-Reply-To");
      gsize len = 0;
      const char *data = g_bytes_get_data (bytes, &len);

      g_test_message ("reaction “%s”", reactions[i]);
      g_assert_cmpstr (in_reply_to, ==, "<chat$original@example.org>");
      g_assert_nonnull (g_strstr_len (data, len, "Content-Disposition: reaction"));
      g_assert_cmpint (parsed->type, ==, KOI_COI_TYPE_REACTION);
      g_assert_cmpstr (g_ptr_array_index (parsed->target_ids, 0), ==, "chat$original@example.org");
      g_assert_cmpstr (parsed->reaction, ==, reactions[i]);
    }
}

static void
test_build_reply_quote (void)
{
  KoiCoiOutgoing out = {
    .from_address = "alice@example.org",
    .to = one_recipient,
    .text = "Yes, see you there",
    .in_reply_to = "chat$question@example.net",
    .quote = "Are you coming tonight?\nBring the cake.",
  };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(KoiCoiParsed) parsed = build_and_parse (&out, &bytes);
  g_autofree char *in_reply_to = header_value (bytes, "In-Reply-To");
  g_autofree char *subject = header_value (bytes, "Subject");
  g_autofree char *shown = body_text (bytes);

  g_assert_cmpstr (in_reply_to, ==, "<chat$question@example.net>");
  /* A mail program sees an ordinary reply with its quote... */
  g_assert_cmpstr (g_strchomp (shown), ==, "> Are you coming tonight?\n> Bring the cake.\n\nYes, see you there");
  /* ...the subject is the answer's, and a chat client shows the answer
   * alone (the quote comes from its store). */
  g_assert_cmpstr (subject, ==, "Chat: Yes, see you there");
  g_assert_cmpint (parsed->type, ==, KOI_COI_TYPE_CHAT);
  g_assert_cmpstr (parsed->in_reply_to, ==, "chat$question@example.net");
  g_assert_cmpstr (parsed->text, ==, "Yes, see you there");
}

static void
test_build_request_invalid (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  KoiCoiOutgoing out = {
    .from_address = "alice@example.org",
    .to = one_recipient,
    .text = "new",
    .type = KOI_COI_TYPE_EDIT,
  };

  /* No target. */
  message = koi_coi_build_chat_message (&out, &error);
  g_assert_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID);
  g_assert_null (message);
  g_clear_error (&error);

  /* An empty edit would read as a delete. */
  out.target_id = "chat$x@example.org";
  out.text = " ";
  message = koi_coi_build_chat_message (&out, &error);
  g_assert_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID);
  g_clear_error (&error);

  /* A reaction is one short line. */
  out.type = KOI_COI_TYPE_REACTION;
  out.text = "👍\nand a whole message";
  message = koi_coi_build_chat_message (&out, &error);
  g_assert_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID);
  g_clear_error (&error);

  /* A header injection through the target id. */
  out.type = KOI_COI_TYPE_DELETE;
  out.target_id = "x@y>\r\nBcc: eve@example.com";
  message = koi_coi_build_chat_message (&out, &error);
  g_assert_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID);
  g_clear_error (&error);

  /* Koi writes only chat, edit, delete and reaction here. */
  out.type = KOI_COI_TYPE_CONTACT;
  out.target_id = "chat$x@example.org";
  message = koi_coi_build_chat_message (&out, &error);
  g_assert_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/coi/build/golden", test_build_golden);
  g_test_add_func ("/coi/build/round-trip", test_build_round_trip);
  g_test_add_func ("/coi/build/subject", test_build_subject);
  g_test_add_func ("/coi/build/non-ascii-subject", test_build_non_ascii_subject);
  g_test_add_func ("/coi/build/message-id", test_build_message_id);
  g_test_add_func ("/coi/build/references", test_build_references);
  g_test_add_func ("/coi/build/invalid", test_build_invalid);
  g_test_add_func ("/coi/build/read-receipt", test_build_read_receipt);
  g_test_add_func ("/coi/build/receipt-request", test_parse_receipt_request);
  g_test_add_func ("/coi/build/edit", test_build_edit);
  g_test_add_func ("/coi/build/delete", test_build_delete);
  g_test_add_func ("/coi/build/reaction", test_build_reaction);
  g_test_add_func ("/coi/build/reply-quote", test_build_reply_quote);
  g_test_add_func ("/coi/build/request-invalid", test_build_request_invalid);

  return g_test_run ();
}
