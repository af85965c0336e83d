/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-coi-hostile"

#include "config.h"

#include <string.h>

#include "koi-coi.h"
#include "koi-coi-gmime.h"

/* Mail written to hurt: shapes that made the parser slow, lose what the
 * sender wrote, or show someone else's name. Each case is what a user
 * would see in the bubble. Time is measured by bench-hostile and bounded
 * by the fuzzers; here the answers must be right at full size. */

static KoiCoiParsed *
parse_text (const char *text,
            gsize       len)
{
  g_autoptr(GBytes) raw = g_bytes_new (text, len);
  g_autoptr(GError) error = NULL;
  KoiCoiParsed *parsed = koi_coi_parse (raw, &error);

  g_assert_no_error (error);
  g_assert_nonnull (parsed);
  return parsed;
}

static KoiCoiParsed *
parse (const char *text)
{
  return parse_text (text, strlen (text));
}

#define HEADERS \
  "From: Alice <alice@example.org>\r\n" \
  "To: bob@example.net\r\n" \
  "Subject: test\r\n" \
  "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n" \
  "Message-ID: <hostile@example.org>\r\n"

static void
test_blank_lines (void)
{
  g_autoptr(GString) mail = g_string_new (HEADERS "Content-Type: text/plain\r\n\r\n");
  g_autoptr(KoiCoiParsed) parsed = NULL;

  for (guint i = 0; i < 512 * 1024; i++)
    g_string_append (mail, "\r\n");
  g_string_append (mail, "Hello after a megabyte of nothing\r\n");

  parsed = parse_text (mail->str, mail->len);
  g_assert_cmpstr (parsed->text, ==, "Hello after a megabyte of nothing");
}

static void
test_entities (void)
{
  g_autoptr(GString) mail = g_string_new (HEADERS "Content-Type: text/html\r\n\r\n<p>");
  g_autoptr(KoiCoiParsed) parsed = NULL;

  for (guint i = 0; i < 1024 * 1024; i++)
    g_string_append_c (mail, '&');
  g_string_append (mail, "</p><br><p>Tom &amp; Jerry</p>\r\n");

  parsed = parse_text (mail->str, mail->len);
  g_assert_true (g_str_has_suffix (parsed->text, "\n\nTom & Jerry"));
  g_assert_true (g_str_has_prefix (parsed->text, "&&&&"));
}

static void
test_latin1_hole (void)
{
  /* 0x81 is undefined in Windows-1252: the whole text used to fall back
   * to U+FFFD for every accented letter. */
  g_autoptr(KoiCoiParsed) parsed =
    parse (HEADERS "Content-Type: text/plain; charset=iso-8859-1\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n"
           "Gr\xfc\xdf" "e aus K\xf6ln, caf\xe9 \x81 ok\r\n");

  g_assert_true (g_str_has_prefix (parsed->text, "Grüße aus Köln, café "));
  g_assert_true (g_str_has_suffix (parsed->text, " ok"));
}

static void
test_utf8_stray_byte (void)
{
  g_autoptr(KoiCoiParsed) parsed =
    parse (HEADERS "Content-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n"
           "Grüße \xff aus Köln\r\n");

  g_assert_cmpstr (parsed->text, ==, "Grüße \xef\xbf\xbd aus Köln");
}

static void
test_undeclared_utf8_stray_byte (void)
{
  g_autoptr(KoiCoiParsed) parsed =
    parse (HEADERS "\r\nSch\xc3\xb6n \x80 da\r\n");

  g_assert_cmpstr (parsed->text, ==, "Schön \xef\xbf\xbd da");
}

static void
test_utf16 (void)
{
  static const char body[] = "\xfe\xff\0H\0a\0l\0l\0o\0 \0W\0e\0l\0t\0!";
  g_autofree char *base64 = g_base64_encode ((const guchar *) body, sizeof body - 1);
  g_autofree char *mail = g_strconcat (HEADERS "Content-Type: text/plain; charset=utf-16\r\n"
                                       "Content-Transfer-Encoding: base64\r\n\r\n",
                                       base64, "\r\n", NULL);
  g_autoptr(KoiCoiParsed) parsed = parse (mail);

  g_assert_cmpstr (parsed->text, ==, "Hallo Welt!");
}

static void
test_encoded_words_one_line (void)
{
  /* A line break and a RIGHT-TO-LEFT OVERRIDE inside encoded words. */
  g_autoptr(KoiCoiParsed) parsed =
    parse ("From: =?utf-8?q?Bob=0D=0AFrom=3A_Bank_=E2=80=AEknab?= <bob@example.net>\r\n"
           "To: alice@example.org\r\n"
           "Subject: =?utf-8?q?Invoice=0Ainvoice=E2=80=AEfdp.exe?=\r\n"
           "Message-ID: <rtl@example.net>\r\n\r\nhi\r\n");

  g_assert_nonnull (parsed->from_name);
  g_assert_null (strpbrk (parsed->from_name, "\r\n"));
  g_assert_null (strstr (parsed->from_name, "\xe2\x80\xae"));
  g_assert_null (strpbrk (parsed->subject, "\r\n"));
  g_assert_null (strstr (parsed->subject, "\xe2\x80\xae"));
  g_assert_cmpstr (parsed->subject, ==, "Invoice invoice fdp.exe");
}

static void
test_name_with_address (void)
{
  g_autoptr(KoiCoiParsed) spoof =
    parse ("From: \"bob@bank.com\" <evil@attacker.example>\r\n"
           "To: alice@example.org\r\nMessage-ID: <spoof@attacker.example>\r\n\r\npay\r\n");
  g_autoptr(KoiCoiParsed) own =
    parse ("From: \"Bob@Bank.com\" <bob@bank.com>\r\n"
           "To: alice@example.org\r\nMessage-ID: <own@bank.com>\r\n\r\nhi\r\n");
  g_autoptr(KoiCoiParsed) plain =
    parse ("From: \"Bob Bank\" <bob@bank.com>\r\n"
           "To: alice@example.org\r\nMessage-ID: <plain@bank.com>\r\n\r\nhi\r\n");

  /* The name would show an address that is not the sender's: the real
   * address is shown instead. */
  g_assert_null (spoof->from_name);
  g_assert_cmpstr (spoof->from_address, ==, "evil@attacker.example");
  g_assert_cmpstr (own->from_name, ==, "Bob@Bank.com");
  g_assert_cmpstr (plain->from_name, ==, "Bob Bank");
}

#define CHAT_HEADERS HEADERS "Chat-Version: 1.0\r\n" "Content-Type: text/plain; charset=utf-8\r\n"

static void
test_chat_dashes (void)
{
  g_autoptr(KoiCoiParsed) bare =
    parse (CHAT_HEADERS "\r\nthe plan:\r\n--\r\nstep two stays visible\r\n");
  g_autoptr(KoiCoiParsed) two =
    parse (CHAT_HEADERS "\r\nabove\r\n-- \r\nstill mine\r\n-- \r\nmy status\r\n");

  g_assert_cmpstr (bare->text, ==, "the plan:\n--\nstep two stays visible");
  /* Only the last separator is a chat client's footer. */
  g_assert_cmpstr (two->text, ==, "above\n-- \nstill mine");
  g_assert_cmpstr (two->folded_text, ==, "-- \nmy status");
}

static void
test_chat_leading_quote (void)
{
  g_autoptr(KoiCoiParsed) parsed =
    parse (CHAT_HEADERS "In-Reply-To: <chat$earlier@example.net>\r\n"
           "\r\n> a line the sender typed\r\nand the rest\r\n");

  /* Not a Delta Chat reply: nothing was quoted, the sender typed it. */
  g_assert_cmpstr (parsed->text, ==, "> a line the sender typed\nand the rest");
}

/* What Koi sends comes back as the user typed it, also through the
 * folding of every other receiver: the lines are escaped on the wire. */
static void
test_chat_escape_round_trip (void)
{
  static const char * const texts[] = {
    "> quoted on purpose\nmy answer",
    "hello\n-- \nnot a signature",
    "first\n--\nsecond",
    "\xe2\x80\x8b-- already escaped by the user",
    "\xe2\x80\x8b-- \nthe user's own escape",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      const char *to[] = { "bob@example.net", NULL };
      KoiCoiOutgoing out = {
        .from_address = "alice@example.org",
        .to = to,
        .text = texts[i],
      };
      g_autoptr(GError) error = NULL;
      g_autoptr(GMimeMessage) message = koi_coi_build_chat_message (&out, &error);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(KoiCoiParsed) parsed = NULL;
      g_autofree char *wire = NULL;

      g_assert_no_error (error);
      bytes = koi_coi_message_to_bytes (message);
      parsed = koi_coi_parse (bytes, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (parsed->text, ==, texts[i]);

      /* On the wire, no line is a separator or a quote. */
      wire = koi_coi_extract_visible_text (parsed->full_text, NULL);
      g_assert_cmpstr (wire, ==, parsed->full_text);
    }
}

static void
test_no_text (void)
{
  static const struct {
    const char *mail;
    const char *expect;
  } cases[] = {
    { HEADERS "Content-Type: text/calendar; method=REQUEST\r\n\r\n"
      "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "Calendar invitation" },
    { HEADERS "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIACAQAxggHXMIIB0wIB\r\n",
      "Encrypted message" },
    { HEADERS "Content-Type: message/rfc822\r\n\r\n"
      "From: Carol <carol@example.com>\r\nSubject: The minutes\r\n"
      "Message-ID: <inner@example.com>\r\n\r\nWe agreed on Friday.\r\n",
      "Forwarded message from Carol: The minutes\n\nWe agreed on Friday." },
    { HEADERS "Content-Type: multipart/mixed\r\n\r\n"
      "--lost\r\nContent-Type: text/plain\r\n\r\n--lost--\r\n", NULL },
    { HEADERS "Content-Type: multipart/alternative; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\n \r\n\r\n"
      "--b\r\nContent-Type: text/html\r\n\r\n<p>The real text</p>\r\n--b--\r\n",
      "The real text" },
    { HEADERS "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: application/pdf; name=invoice.pdf\r\n"
      "Content-Disposition: attachment; filename=invoice.pdf\r\n\r\n%PDF\r\n--b--\r\n",
      "Attachment: invoice.pdf" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KoiCoiParsed) parsed = parse (cases[i].mail);

      g_test_message ("case %u: %s", i, parsed->text);
      g_assert_cmpstr (parsed->text, !=, "");
      if (cases[i].expect != NULL)
        g_assert_true (g_str_has_prefix (parsed->text, cases[i].expect));
    }
}

static void
test_deep_nesting (void)
{
  g_autoptr(GString) mail = g_string_new (HEADERS);
  g_autoptr(KoiCoiParsed) parsed = NULL;
  guint depth = 2000;

  for (guint i = 0; i < depth; i++)
    g_string_append_printf (mail, "Content-Type: multipart/mixed; boundary=b%u\r\n\r\n--b%u\r\n", i, i);
  g_string_append (mail, "Content-Type: text/plain\r\n\r\ndeep\r\n");

  /* Deeper than any mail: no crash, and a readable line with who sent it
   * (gmime is not given the 2,000 levels; koi-coi-guard.c). */
  parsed = parse_text (mail->str, mail->len);
  g_assert_true (parsed->too_complex);
  g_assert_nonnull (strstr (parsed->text, "too large or complex"));
  g_assert_cmpstr (parsed->from_address, ==, "alice@example.org");
}

/* Tens of thousands of parts: the sender, subject, date and id are read
 * from the headers alone, and the bubble says why there is no text. */
static void
test_too_many_parts (void)
{
  g_autoptr(GString) mail = g_string_new (HEADERS "Chat-Version: 1.0\r\n"
                                          "Chat-Delete: <older@example.org>\r\n"
                                          "Content-Type: multipart/mixed; boundary=\"b b\"\r\n\r\n");
  g_autoptr(KoiCoiParsed) parsed = NULL;

  for (guint i = 0; i < 20000; i++)
    g_string_append (mail, "--b b\r\nContent-Type: text/plain\r\n\r\npart\r\n");
  g_string_append (mail, "--b b--\r\n");

  parsed = parse_text (mail->str, mail->len);
  g_assert_true (parsed->too_complex);
  g_assert_cmpuint (parsed->raw_size, ==, mail->len);
  g_assert_cmpstr (parsed->unreadable_reason, ==, "it has too many parts");
  g_assert_cmpstr (parsed->subject, ==, "test");
  g_assert_cmpstr (parsed->message_id, ==, "hostile@example.org");
  g_assert_cmpint (parsed->date_ms, ==, G_GINT64_CONSTANT (1704103200000));
  g_assert_cmpuint (parsed->to->len, ==, 1);
  /* Not read whole: chat mail, as the sync's header pass says, but a
   * plain chat message that deletes nothing. */
  g_assert_cmpint (parsed->type, ==, KOI_COI_TYPE_CHAT);
  g_assert_cmpint (parsed->kind, ==, KOI_COI_KIND_CHAT);
  g_assert_cmpuint (parsed->target_ids->len, ==, 0);
  g_assert_nonnull (strstr (parsed->text, "kB"));
}

/* A header of many megabytes: the fields Koi shows are still read, each
 * cut on a fold. */
static void
test_long_header (void)
{
  g_autoptr(GString) mail = g_string_new (HEADERS "References:");
  g_autoptr(KoiCoiParsed) parsed = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append_printf (mail, " <ref%u@example.org>\r\n", i);
  g_string_append (mail, "\r\nhi\r\n");

  parsed = parse_text (mail->str, mail->len);
  g_assert_true (parsed->too_complex);
  g_assert_cmpstr (parsed->unreadable_reason, ==, "its header is too long");
  g_assert_cmpstr (parsed->from_address, ==, "alice@example.org");
  g_assert_cmpint (parsed->type, ==, KOI_COI_TYPE_EMAIL);
  g_assert_cmpuint (parsed->references->len, >, 10);
  g_assert_cmpstr (g_ptr_array_index (parsed->references, 0), ==, "ref0@example.org");
}

/* Real mail stays far below the limits: 150 attachments in an
 * alternative, "--" lines and a quoted Content-Type in the text are read
 * whole. */
static void
test_under_the_limits (void)
{
  g_autoptr(GString) mail = g_string_new (HEADERS "Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
                                          "--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n"
                                          "--inner\r\nContent-Type: text/plain\r\n\r\nHello\r\n");
  g_autoptr(KoiCoiParsed) parsed = NULL;

  for (guint i = 0; i < 2000; i++)
    g_string_append (mail, "--\r\n--inner-not\r\nContent-Type: multipart/mixed; boundary=x\r\n");
  g_string_append (mail, "--inner--\r\n");
  for (guint i = 0; i < 150; i++)
    g_string_append_printf (mail, "--outer\r\nContent-Type: application/octet-stream\r\n"
                                  "Content-Disposition: attachment; filename=a%u.bin\r\n\r\nAAAA\r\n", i);
  g_string_append (mail, "--outer--\r\n");

  parsed = parse_text (mail->str, mail->len);
  g_assert_false (parsed->too_complex);
  g_assert_true (g_str_has_prefix (parsed->text, "Hello"));
}

/* A stored id from a hostile mail never goes into the headers Koi writes:
 * the engine leaves it out of In-Reply-To and References instead. */
static void
test_sendable_ids (void)
{
  g_autofree char *long_id = g_strnfill (2000, 'a');
  g_autofree char *long_addr = g_strconcat (long_id, "@example.org", NULL);

  g_assert_true (koi_coi_message_id_is_sendable ("chat$abc@example.org"));
  g_assert_false (koi_coi_message_id_is_sendable (NULL));
  g_assert_false (koi_coi_message_id_is_sendable ("a<b@example.org"));
  g_assert_false (koi_coi_message_id_is_sendable ("a b@example.org"));
  g_assert_false (koi_coi_message_id_is_sendable ("no-at-sign"));
  g_assert_false (koi_coi_message_id_is_sendable ("gr\xc3\xbc\xc3\x9f@example.org"));
  g_assert_false (koi_coi_message_id_is_sendable (long_addr));
}

/* Found by fuzz-coi-parse: a thread id longer than a mail line was kept
 * and would have been written into every reply. */
static void
test_long_thread_ids (void)
{
  g_autofree char *huge = g_strnfill (2000, 'a');
  g_autofree char *mail =
    g_strdup_printf (HEADERS "In-Reply-To: <%s@x.example>\r\n"
                     "References: <%s@x.example> <chat$ok@x.example>\r\n"
                     "Content-Type: text/plain\r\n\r\nhi\r\n", huge, huge);
  g_autoptr(KoiCoiParsed) parsed = parse (mail);

  g_assert_null (parsed->in_reply_to);
  g_assert_cmpuint (parsed->references->len, ==, 1);

  /* Its own Message-ID just as long: a synthetic one instead. */
  {
    g_autofree char *own =
      g_strdup_printf ("From: a@x.example\r\nMessage-ID: <%s@x.example>\r\n"
                       "Content-Type: text/plain\r\n\r\nhi\r\n", huge);
    g_autoptr(KoiCoiParsed) long_id = parse (own);

    g_assert_true (long_id->message_id_synthetic);
    g_assert_cmpuint (strlen (long_id->message_id), <=, 998);
  }
  g_assert_cmpstr (g_ptr_array_index (parsed->references, 0), ==, "chat$ok@x.example");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/coi/hostile/blank-lines", test_blank_lines);
  g_test_add_func ("/coi/hostile/entities", test_entities);
  g_test_add_func ("/coi/hostile/latin1-hole", test_latin1_hole);
  g_test_add_func ("/coi/hostile/utf8-stray-byte", test_utf8_stray_byte);
  g_test_add_func ("/coi/hostile/undeclared-utf8-stray-byte", test_undeclared_utf8_stray_byte);
  g_test_add_func ("/coi/hostile/utf16", test_utf16);
  g_test_add_func ("/coi/hostile/encoded-words-one-line", test_encoded_words_one_line);
  g_test_add_func ("/coi/hostile/name-with-address", test_name_with_address);
  g_test_add_func ("/coi/hostile/chat-dashes", test_chat_dashes);
  g_test_add_func ("/coi/hostile/chat-leading-quote", test_chat_leading_quote);
  g_test_add_func ("/coi/hostile/chat-escape-round-trip", test_chat_escape_round_trip);
  g_test_add_func ("/coi/hostile/no-text", test_no_text);
  g_test_add_func ("/coi/hostile/deep-nesting", test_deep_nesting);
  g_test_add_func ("/coi/hostile/too-many-parts", test_too_many_parts);
  g_test_add_func ("/coi/hostile/long-header", test_long_header);
  g_test_add_func ("/coi/hostile/under-the-limits", test_under_the_limits);
  g_test_add_func ("/coi/hostile/sendable-ids", test_sendable_ids);
  g_test_add_func ("/coi/hostile/long-thread-ids", test_long_thread_ids);

  return g_test_run ();
}
