/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-coi-parse"

#include "config.h"

#include <string.h>

#include "koi-coi.h"
#include "koi-coi-gmime.h"

/* Parsing and classifying real-world mail: golden files in tests/coi/eml/,
 * each as a chat or email program writes it. */

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

typedef struct
{
  const char *file;
  KoiCoiKind  kind;
  const char *message_id;    /* NULL: synthetic */
  const char *from_address;
  const char *from_name;
  const char *subject;
  gint64      date_ms;
  const char *in_reply_to;
  const char *first_reference;
  guint       n_references;
  gboolean    wants_read_receipt;
  gboolean    is_delta_chat;
  gboolean    is_html_only;
  const char *text;
  const char *folded;
} Golden;

static const Golden golden[] = {
  {
    .file = "koi-chat.eml",
    .kind = KOI_COI_KIND_CHAT,
    .message_id = "chat$Zx7pQ2mN4bV6cX8zL0kJ1h@example.org",
    .from_address = "alice@example.org",
    .from_name = "Alice Liddell",
    .subject = "Chat: Grüße aus Köln! 😀 Shall we meet at the café on Friday...",
    .date_ms = G_GINT64_CONSTANT (1704294131000),
    .in_reply_to = "chat$8cYwq1pZ0Ffh3Gk2LmNoPq@example.net",
    .first_reference = "chat$Qnd4UCYiNjpZhxT26XHRLQ@example.org",
    .n_references = 2,
    .wants_read_receipt = TRUE,
    .text = "Grüße aus Köln! 😀 Shall we meet at the café on Friday afternoon, around four?\n"
            "I'll bring the books.",
    .folded = "",
  },
  {
    .file = "coi-seed.eml",
    .kind = KOI_COI_KIND_CHAT,
    .message_id = "coi$52571BC.28788@sample.com",
    .from_address = "me@sample.com",
    .from_name = "Me Myself",
    .subject = "Chat: My dear friend...",
    .date_ms = G_GINT64_CONSTANT (1575471097000),
    .wants_read_receipt = TRUE,
    .text = "Hello World",
    .folded = "",
  },
  {
    .file = "deltachat-plain.eml",
    .kind = KOI_COI_KIND_CHAT,
    .message_id = "Mr.G3hUs9fQ0xY.Lk2mVr8Pq1w@example.org",
    .from_address = "alice@example.org",
    .from_name = "Alice",
    .subject = "Message from Alice",
    .date_ms = G_GINT64_CONSTANT (1704187800000),
    .in_reply_to = "Mr.Zq8uyW3nTTx.pA0bB9cC8dD@example.net",
    .first_reference = "Mr.Zq8uyW3nTTx.pA0bB9cC8dD@example.net",
    .n_references = 1,
    .wants_read_receipt = TRUE,
    .is_delta_chat = TRUE,
    .text = "Yes! See you there 😊",
    .folded = "> Are we still on for lunch on Friday? I booked the table by the window.\n\n"
              "-- \nSent with my Delta Chat Messenger: https://delta.chat",
  },
  {
    .file = "chat-reply-references.eml",
    .kind = KOI_COI_KIND_CHAT,
    .message_id = "7d1c3a52-9e0f-4b41-a7c1-2f1e0c9d8b7a@mail.example.net",
    .from_address = "bob@example.net",
    .from_name = "Bob",
    .subject = "Re: Chat: Coffee tomorrow?",
    .date_ms = G_GINT64_CONSTANT (1704301331000),
    .in_reply_to = "chat$8cYwq1pZ0Ffh3Gk2LmNoPq@example.org",
    .first_reference = "chat$Qnd4UCYiNjpZhxT26XHRLQ@example.org",
    .n_references = 2,
    .text = "Sure, 10 o'clock at the usual place.",
    .folded = "On 03.01.24 17:55, Alice wrote:\n> Coffee tomorrow?",
  },
  {
    .file = "thunderbird-reply.eml",
    .kind = KOI_COI_KIND_EMAIL,
    .message_id = "b8e0f2a4-1c3d-4e5f-9a8b-7c6d5e4f3a2b@example.com",
    .from_address = "alice@example.com",
    .from_name = "Alice Example",
    .subject = "Re: Meeting notes",
    .date_ms = G_GINT64_CONSTANT (1575537300000),
    .in_reply_to = "1234.5678@example.net",
    .first_reference = "1234.5678@example.net",
    .n_references = 1,
    .text = "Thanks Bob, looks complete. I will send the budget figures by Friday.\n\nAlice",
    .folded = "On 12/4/19 3:51 PM, Bob Example wrote:\n"
              "> Here are the notes from today. Please check the action items and tell me "
              "if I missed anything.\n>\n> Bob\n\n"
              "-- \nAlice Example\nExample Corp, Product Team",
  },
  {
    .file = "outlook-reply.eml",
    .kind = KOI_COI_KIND_EMAIL,
    .message_id = "DB7PR04MB4123ABCD5678EF90@DB7PR04MB4123.eurprd04.prod.outlook.com",
    .from_address = "john.miller@corp.example",
    .from_name = "Miller, John",
    .subject = "RE: Invoice 2019-117",
    .date_ms = G_GINT64_CONSTANT (1575621737000),
    .in_reply_to = "c3d2e1f0@example.com",
    .first_reference = "c3d2e1f0@example.com",
    .n_references = 1,
    .text = "Hi Alice,\n\nWe’ve paid the invoice today.\n\nRegards,\nJohn",
    .folded = "-----Original Message-----\n"
              "From: Alice Example <alice@example.com> \n"
              "Sent: Thursday, December 5, 2019 4:00 PM\n"
              "To: Miller, John <John.Miller@corp.example>\n"
              "Subject: Invoice 2019-117\n\n"
              "Hello John, please find the invoice attached.",
  },
  {
    .file = "html-newsletter.eml",
    .kind = KOI_COI_KIND_EMAIL,
    .message_id = "nl-20191207.42@newsletter.example",
    .from_address = "news@newsletter.example",
    .from_name = "Example News",
    .subject = "Your weekly digest",
    .date_ms = G_GINT64_CONSTANT (1575716400000),
    .is_html_only = TRUE,
    .text = "Weekly Digest\n\nHello Alice,\nhere is what happened this week:\n\n"
            "• Tom & Jerry > Cats\n• Café opens – 9€ coffee\n\nPrice 5 < 6\n\nUnsubscribe here.",
    .folded = "",
  },
  {
    .file = "alternative-latin1.eml",
    .kind = KOI_COI_KIND_EMAIL,
    .message_id = "20191208110000.GA1234@beispiel.de",
    .from_address = "maria@beispiel.de",
    .from_name = "Maria Müller",
    .subject = "Grüße aus Köln",
    .date_ms = G_GINT64_CONSTANT (1575802800000),
    .text = "Hallo Jürgen,\n\nvielen Dank für die Grüße aus Köln. Schöne Grüße zurück!\n\nMaria",
    .folded = "",
  },
  {
    .file = "flowed.eml",
    .kind = KOI_COI_KIND_EMAIL,
    .message_id = "flowed.1@example.net",
    .from_address = "carol@example.net",
    .from_name = "Carol",
    .subject = "A long paragraph",
    .date_ms = G_GINT64_CONSTANT (1575901800000),
    .text = "This is a long paragraph that the sender's mail program has wrapped at seventy-two "
            "characters, and it should come back as one line.\n"
            "From the start of this line, space-stuffing protects the word.\n"
            ">> A quoted line that was also wrapped by the sending program.\n"
            "Last line.",
    .folded = "",
  },
  {
    .file = "no-message-id.eml",
    .kind = KOI_COI_KIND_EMAIL,
    .message_id = NULL,
    .from_address = "scanner@office.example",
    .from_name = "Printer",
    .subject = "Scanned document",
    .date_ms = G_GINT64_CONSTANT (1575957600000),
    .text = "Your scan is ready.",
    .folded = "",
  },
  {
    /* 8-bit UTF-8 headers, unknown charset, no date, unclosed multipart. */
    .file = "malformed-mime.eml",
    .kind = KOI_COI_KIND_EMAIL,
    .message_id = "broken.1@example.org",
    .from_address = "joerg@example.org",
    .from_name = "Jörg",
    .subject = "Café résumé",
    .date_ms = 0,
    .text = "Straße",
    .folded = "",
  },
};

static void
test_parse_golden (gconstpointer data)
{
  const Golden *g = data;
  g_autoptr(GBytes) raw = read_eml (g->file);
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiCoiParsed) parsed = koi_coi_parse (raw, &error);

  g_assert_no_error (error);
  g_assert_nonnull (parsed);

  g_assert_cmpint (parsed->kind, ==, g->kind);
  if (g->message_id != NULL)
    {
      g_assert_cmpstr (parsed->message_id, ==, g->message_id);
      g_assert_false (parsed->message_id_synthetic);
    }
  else
    {
      g_assert_true (parsed->message_id_synthetic);
      g_assert_true (g_regex_match_simple ("^koi-synthetic\\.[0-9a-f]{64}@koi\\.invalid$",
                                           parsed->message_id, 0, 0));
    }
  g_assert_cmpstr (parsed->from_address, ==, g->from_address);
  g_assert_cmpstr (parsed->from_name, ==, g->from_name);
  g_assert_cmpstr (parsed->subject, ==, g->subject);
  g_assert_cmpint (parsed->date_ms, ==, g->date_ms);
  g_assert_cmpstr (parsed->in_reply_to, ==, g->in_reply_to);
  g_assert_cmpuint (parsed->references->len, ==, g->n_references);
  if (g->n_references > 0)
    g_assert_cmpstr (g_ptr_array_index (parsed->references, 0), ==, g->first_reference);
  g_assert_cmpint (parsed->wants_read_receipt, ==, g->wants_read_receipt);
  g_assert_cmpint (parsed->is_delta_chat, ==, g->is_delta_chat);
  g_assert_cmpint (parsed->is_html_only, ==, g->is_html_only);
  g_assert_cmpstr (parsed->text, ==, g->text);
  g_assert_cmpstr (parsed->folded_text, ==, g->folded);

  /* The full text holds both what is shown and what was folded. */
  g_assert_nonnull (strstr (parsed->full_text, parsed->text));
  g_assert_true (g_utf8_validate (parsed->text, -1, NULL));
  g_assert_true (g_utf8_validate (parsed->full_text, -1, NULL));
}

static void
test_parse_addresses (void)
{
  g_autoptr(GBytes) raw = read_eml ("thunderbird-reply.eml");
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiCoiParsed) parsed = koi_coi_parse (raw, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (parsed->to->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (parsed->to, 0), ==, "bob@example.net");
  /* Lower-cased, so "Carol@Example.NET" is the same contact as carol@. */
  g_assert_cmpuint (parsed->cc->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (parsed->cc, 0), ==, "carol@example.net");
  g_assert_cmpstr (g_ptr_array_index (parsed->cc, 1), ==, "dave@example.net");
  g_assert_null (parsed->chat_content);
}

/* The synthetic id of a mail without Message-ID: the same for the same
 * mail (whatever its line endings), different for different mail. */
static void
test_parse_synthetic_id (void)
{
  g_autoptr(GBytes) raw = read_eml ("no-message-id.eml");
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiCoiParsed) first = koi_coi_parse (raw, &error);
  g_autoptr(KoiCoiParsed) again = koi_coi_parse (raw, &error);
  g_autoptr(GString) lf = NULL;
  g_autoptr(GBytes) lf_raw = NULL;
  g_autoptr(KoiCoiParsed) lf_parsed = NULL;
  g_autoptr(GBytes) other_raw = NULL;
  g_autoptr(KoiCoiParsed) other = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (first->message_id, ==, again->message_id);

  lf = g_string_new_len (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  g_string_replace (lf, "\r\n", "\n", 0);
  g_assert_cmpuint (lf->len, <, g_bytes_get_size (raw));
  lf_raw = g_bytes_new (lf->str, lf->len);
  lf_parsed = koi_coi_parse (lf_raw, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lf_parsed->message_id, ==, first->message_id);

  g_string_replace (lf, "ready", "late", 1);
  other_raw = g_bytes_new (lf->str, lf->len);
  other = koi_coi_parse (other_raw, &error);
  g_assert_no_error (error);
  g_assert_true (other->message_id_synthetic);
  g_assert_cmpstr (other->message_id, !=, first->message_id);
}

static void
test_parse_malformed (void)
{
  g_autoptr(GBytes) garbage = read_eml ("garbage.bin");
  g_autoptr(GBytes) no_headers = read_eml ("no-headers.eml");
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) unknown_headers = g_bytes_new_static ("X-Foo: bar\r\n\r\nbody\r\n", 20);
  g_autoptr(GBytes) only_blank = g_bytes_new_static ("\r\n\r\nHello\r\n", 11);
  GBytes *cases[] = { garbage, no_headers, empty, unknown_headers, only_blank, NULL };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KoiCoiParsed) parsed = koi_coi_parse (cases[i], &error);

      g_assert_null (parsed);
      g_assert_error (error, KOI_COI_ERROR, KOI_COI_ERROR_MALFORMED);
      g_assert_cmpstr (error->message, !=, "");
    }
}

/* Damage every golden file in many ways: the parser must never crash and
 * must always give valid UTF-8 text, or a MALFORMED error. */
static void
test_parse_mangled (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20191204);

  for (guint f = 0; f < G_N_ELEMENTS (golden); f++)
    {
      g_autoptr(GBytes) raw = read_eml (golden[f].file);
      gsize len = g_bytes_get_size (raw);

      for (guint round = 0; round < 60; round++)
        {
          guint8 *data = g_memdup2 (g_bytes_get_data (raw, NULL), len);
          gsize cut = round % 3 == 0 ? (gsize) g_rand_int_range (rand, 1, (gint32) len) : len;
          g_autoptr(GBytes) mangled = NULL;
          g_autoptr(GError) error = NULL;
          g_autoptr(KoiCoiParsed) parsed = NULL;

          for (guint k = 0; k < 1 + round % 8; k++)
            data[g_rand_int_range (rand, 0, (gint32) len)] = (guint8) g_rand_int_range (rand, 0, 256);
          mangled = g_bytes_new_take (data, cut);

          parsed = koi_coi_parse (mangled, &error);
          if (parsed == NULL)
            {
              g_assert_error (error, KOI_COI_ERROR, KOI_COI_ERROR_MALFORMED);
              continue;
            }
          g_assert_no_error (error);
          g_assert_nonnull (parsed->message_id);
          g_assert_nonnull (parsed->subject);
          g_assert_nonnull (parsed->text);
          g_assert_nonnull (parsed->full_text);
          g_assert_nonnull (parsed->folded_text);
          g_assert_true (g_utf8_validate (parsed->text, -1, NULL));
          g_assert_true (g_utf8_validate (parsed->subject, -1, NULL));
        }
    }
}

static void
test_classify (void)
{
  const struct
  {
    const char *headers;
    KoiCoiKind  kind;
  } cases[] = {
    { "Message-ID: <a1@example.com>\nChat-Version: 1.0\n", KOI_COI_KIND_CHAT },
    { "Message-ID: <chat$a1@example.com>\n", KOI_COI_KIND_CHAT },
    { "Message-ID: <coi$a1@example.com>\n", KOI_COI_KIND_CHAT },
    { "Message-ID: <CHAT$a1@example.com>\n", KOI_COI_KIND_CHAT },
    { "Message-ID: <a1@example.com>\nReferences: <chat$r@x.org> <b@y.org>\n", KOI_COI_KIND_CHAT },
    { "Message-ID: <a1@example.com>\nReferences: <coi$r@x.org>\n", KOI_COI_KIND_CHAT },
    /* Only the first id of the thread counts. */
    { "Message-ID: <a1@example.com>\nReferences: <b@y.org> <chat$r@x.org>\n", KOI_COI_KIND_EMAIL },
    /* A mail program that wrote In-Reply-To only. */
    { "Message-ID: <a1@example.com>\nIn-Reply-To: <chat$r@x.org>\n", KOI_COI_KIND_CHAT },
    { "Message-ID: <a1@example.com>\nIn-Reply-To: <r@x.org>\n", KOI_COI_KIND_EMAIL },
    { "Message-ID: <xchat$a1@example.com>\n", KOI_COI_KIND_EMAIL },
    { "Message-ID: <Mr.abc@example.com>\n", KOI_COI_KIND_EMAIL },
    { "Subject: Chat: looks like chat but is not\n", KOI_COI_KIND_EMAIL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strconcat ("From: a@example.com\nTo: b@example.com\n",
                                           cases[i].headers, "\nbody\n", NULL);
      g_autoptr(GBytes) raw = g_bytes_new (text, strlen (text));
      g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (text, strlen (text));
      g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);
      g_autoptr(GMimeMessage) message = g_mime_parser_construct_message (parser, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(KoiCoiParsed) parsed = NULL;

      g_assert_nonnull (message);
      g_assert_cmpint (koi_coi_classify (message), ==, cases[i].kind);
      parsed = koi_coi_parse (raw, &error);
      g_assert_no_error (error);
      g_assert_cmpint (parsed->kind, ==, cases[i].kind);
    }
}

static void
test_visible_text (void)
{
  const struct
  {
    const char *name;
    const char *input;
    const char *visible;
    const char *folded;  /* NULL: nothing folded */
  } cases[] = {
    { "plain", "Just text.\nTwo lines.", "Just text.\nTwo lines.", NULL },
    { "german attribution",
      "Passt, bis dann!\n\nAm 04.12.2019 um 15:51 schrieb Bob Beispiel:\n> Treffen wir uns um 3?\n",
      "Passt, bis dann!",
      "Am 04.12.2019 um 15:51 schrieb Bob Beispiel:\n> Treffen wir uns um 3?" },
    { "wrapped attribution",
      "Yes.\n\nOn Wed, Dec 4, 2019 at 3:51 PM Bob Example\n<bob@example.net> wrote:\n\n> Lunch?\n> Or dinner?",
      "Yes.",
      "On Wed, Dec 4, 2019 at 3:51 PM Bob Example\n<bob@example.net> wrote:\n\n> Lunch?\n> Or dinner?" },
    { "quote without attribution", "Agreed.\n> earlier text\n>> older", "Agreed.",
      "> earlier text\n>> older" },
    { "interleaved quotes stay",
      "> question one\nanswer one\n> question two\nanswer two",
      "answer one\n> question two\nanswer two", "> question one" },
    { "dash dash signature", "Hi\n--\nBob\nbob.example.net", "Hi", "--\nBob\nbob.example.net" },
    { "quoted signature separator is not ours", "Hi\n> -- \n> their sig", "Hi",
      "> -- \n> their sig" },
    { "all quote is kept", "> only a quote\n> nothing else", "> only a quote\n> nothing else", NULL },
    { "only a signature is kept", "-- \nBob", "-- \nBob", NULL },
    { "outlook web rule",
      "Done.\n\n________________________________\nFrom: Alice <a@example.com>\nSent: Monday\n\nOld text",
      "Done.",
      "________________________________\nFrom: Alice <a@example.com>\nSent: Monday\n\nOld text" },
    { "crlf", "Hi\r\n\r\n-- \r\nSig\r\n", "Hi", "-- \nSig" },
    { "a colon line is not an attribution", "Here is the list:\n> a\n> b\n\nThanks",
      "Here is the list:\n> a\n> b\n\nThanks", NULL },
    { "empty", "", "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *folded = NULL;
      g_autofree char *visible = NULL;

      g_test_message ("visible text: %s", cases[i].name);
      visible = koi_coi_extract_visible_text (cases[i].input, &folded);
      g_assert_cmpstr (visible, ==, cases[i].visible);
      g_assert_cmpstr (folded, ==, cases[i].folded);
    }

  /* NULL in, empty text out; the folded part is optional. */
  {
    g_autofree char *visible = koi_coi_extract_visible_text (NULL, NULL);
    g_assert_cmpstr (visible, ==, "");
  }
}

static void
test_chat_text (void)
{
  g_autofree char *folded = NULL;
  g_autofree char *visible = NULL;

  /* A chat client's text keeps its trailing quote and colon lines... */
  visible = koi_coi_extract_chat_text ("Look at this:\n> quoted on purpose", TRUE, &folded);
  g_assert_cmpstr (visible, ==, "Look at this:\n> quoted on purpose");
  g_assert_null (folded);
  g_clear_pointer (&visible, g_free);

  /* ...and loses only a leading reply quote and the signature. */
  visible = koi_coi_extract_chat_text ("> what time?\n\nAt 5.\n-- \nstatus", TRUE, &folded);
  g_assert_cmpstr (visible, ==, "At 5.");
  g_assert_cmpstr (folded, ==, "> what time?\n\n-- \nstatus");
}

static void
test_html_to_text (void)
{
  const struct
  {
    const char *html;
    const char *text;
  } cases[] = {
    { "<p>One</p><p>Two</p>", "One\n\nTwo" },
    { "a<br>b<BR/>c", "a\nb\nc" },
    { "<div>x</div><div>y</div>", "x\ny" },
    { "&lt;tag&gt; &amp;amp; &#65;&#x42; &unknown; &", "<tag> &amp; AB &unknown; &" },
    { "<style>.a{}</style><script>x<y</script>visible", "visible" },
    { "a   \n\n  b", "a b" },
    { "<pre>keep   this\n  spacing</pre>", "keep   this\n  spacing" },
    { "Reply<blockquote>old<br>text</blockquote>", "Reply\n\n> old\n> text" },
    { "1 < 2 and <a href=\"x>y\">link</a>", "1 < 2 and link" },
    { "<p>unclosed", "unclosed" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = koi_coi_html_to_text (cases[i].html);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_unflow (void)
{
  g_autofree char *a = koi_coi_unflow_text ("one \ntwo\nthree", FALSE);
  g_autofree char *b = koi_coi_unflow_text ("hyphen-\nated wo \nrd", TRUE);
  g_autofree char *c = koi_coi_unflow_text ("> quoted \n> more\nnot quoted \n", FALSE);
  g_autofree char *d = koi_coi_unflow_text ("-- \nsig", FALSE);

  g_assert_cmpstr (a, ==, "one two\nthree");
  g_assert_cmpstr (b, ==, "hyphen-\nated word");
  g_assert_cmpstr (c, ==, "> quoted more\nnot quoted ");
  /* The signature separator's space is not a soft break. */
  g_assert_cmpstr (d, ==, "-- \nsig");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  for (guint i = 0; i < G_N_ELEMENTS (golden); i++)
    {
      g_autofree char *path = g_strdup_printf ("/coi/parse/golden/%s", golden[i].file);
      g_test_add_data_func (path, &golden[i], test_parse_golden);
    }
  g_test_add_func ("/coi/parse/addresses", test_parse_addresses);
  g_test_add_func ("/coi/parse/synthetic-id", test_parse_synthetic_id);
  g_test_add_func ("/coi/parse/malformed", test_parse_malformed);
  g_test_add_func ("/coi/parse/mangled", test_parse_mangled);
  g_test_add_func ("/coi/parse/classify", test_classify);
  g_test_add_func ("/coi/text/visible", test_visible_text);
  g_test_add_func ("/coi/text/chat", test_chat_text);
  g_test_add_func ("/coi/text/html", test_html_to_text);
  g_test_add_func ("/coi/text/unflow", test_unflow);

  return g_test_run ();
}
