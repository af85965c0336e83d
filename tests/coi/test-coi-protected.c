/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-test"

#include "config.h"

#include <string.h>

#include "koi-coi-gmime.h"
#include "koi-coi-parser.h"
#include "koi-coi-protected.h"
#include "koi-coi-protected-gmime.h"

/* The protected headers of a decrypted mail spliced in as text
 * (koi-coi-protected.c) must read exactly as the engine's earlier way
 * read them: gmime's header lists moved field by field, the message
 * serialised and parsed again. Each case is read both ways here and
 * every field a user sees is compared. */

/* The outer mail as Delta Chat and Koi send it: CRLF, as IMAP gives it. */
#define OUTER \
  "Return-Path: <alice@example.org>\r\n" \
  "From: Alice <alice@example.org>\r\n" \
  "To: \"hidden-recipients\": ;\r\n" \
  "Subject: [...]\r\n" \
  "Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n" \
  "Message-ID: <chat$outer.1@example.org>\r\n" \
  "Chat-Version: 1.0\r\n" \
  "Autocrypt-Gossip: addr=mallory@example.org; keydata=AAAA\r\n" \
  "MIME-Version: 1.0\r\n" \
  "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";\r\n" \
  " boundary=\"b1\"\r\n" \
  "\r\n" \
  "--b1\r\n" \
  "Content-Type: application/pgp-encrypted\r\n" \
  "\r\n" \
  "Version: 1\r\n" \
  "--b1\r\n" \
  "Content-Type: application/octet-stream\r\n" \
  "\r\n" \
  "-----BEGIN PGP MESSAGE-----\r\n" \
  "\r\n" \
  "AAAA\r\n" \
  "-----END PGP MESSAGE-----\r\n" \
  "--b1--\r\n"

typedef struct
{
  const char *name;
  const char *outer;     /* NULL: OUTER */
  const char *inner;     /* the decrypted entity, LF */
  gboolean    spliced;   /* whether the text splice takes it */
} Case;

static const Case cases[] = {
  { "delta-chat-group", NULL,
    "Content-Type: text/plain; charset=\"utf-8\"; protected-headers=\"v1\"\n"
    "From: Alice <alice@example.org>\n"
    "To: bob@example.org, Carol <carol@example.org>,\n"
    " dave@example.org\n"
    "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\n"
    "Message-ID: <Gr.abcdefghijkl.xyz@example.org>\n"
    "Date: Mon, 30 Nov 2026 09:00:00 +0000\n"
    "Chat-Version: 1.0\n"
    "Chat-Group-ID: abcdefghijkl\n"
    "Chat-Group-Name: =?utf-8?q?K=C3=B6ln?=\n"
    "Autocrypt-Gossip: addr=bob@example.org; keydata=AAAA\n"
    "Autocrypt-Gossip: addr=carol@example.org; keydata=AAAA\n"
    "\n"
    "Hallo zusammen,\n"
    "wer kommt mit?\n", TRUE },
  { "other-from-ignored", NULL,
    "Content-Type: text/plain; charset=utf-8\n"
    "From: Mallory <mallory@example.org>\n"
    "Subject: Chat: I am Alice\n"
    "\n"
    "Trust me.\n", TRUE },
  { "no-protected-headers", NULL,
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "Gr=C3=BC=C3=9Fe\n", TRUE },
  { "edit-with-references", NULL,
    "Content-Type: text/plain; charset=utf-8; protected-headers=v1\n"
    "Subject: Chat: fixed\n"
    "Chat-Edit: <chat$first@example.org>\n"
    "In-Reply-To: <chat$first@example.org>\n"
    "References: <chat$root@example.org>\n"
    "\t<chat$first@example.org>\n"
    "\n"
    "The fixed text\n", TRUE },
  { "reaction", NULL,
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Disposition: reaction\n"
    "In-Reply-To: <chat$first@example.org>\n"
    "\n"
    "\xf0\x9f\x91\x8d\n", TRUE },
  { "multipart-with-file", NULL,
    "Content-Type: multipart/mixed; boundary=\"in\"\n"
    "From: alice@example.org\n"
    "Subject: Chat: a file\n"
    "Cc: Eve <eve@example.org>\n"
    "\n"
    "--in\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "See the file\n"
    "--in\n"
    "Content-Type: application/pdf; name=\"a.pdf\"\n"
    "Content-Disposition: attachment; filename=\"a.pdf\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "JVBERi0xLjQK\n"
    "--in--\n", TRUE },
  { "plain-outer-from-lf", 
    "From: alice@example.org\n"
    "Subject: [...]\n"
    "Message-ID: <x@example.org>\n"
    "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=b\n"
    "\n"
    "--b--\n",
    "Content-Type: text/plain\n"
    "Subject: Real subject\n"
    "\n"
    "Body\n", TRUE },
  /* Not a header block Koi splices: gmime's way reads these. */
  { "no-header-block", NULL, "Just text, no header at all\n", FALSE },
  { "no-blank-line", NULL, "Content-Type: text/plain\nSubject: only headers\n", FALSE },
  { "continuation-first", NULL, " folded\nContent-Type: text/plain\n\nx\n", FALSE },
};

/* The earlier way, through gmime's header lists (what the engine still
 * uses for what the text splice does not take), as the reference. */
static KoiCoiParsed *
parse_through_gmime (GBytes     *outer_raw,
                     const char *inner_text)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (outer_raw, &length);
  g_autoptr (GMimeStream) outer_stream = g_mime_stream_mem_new_with_buffer (data, length);
  g_autoptr (GMimeParser) outer_parser = g_mime_parser_new_with_stream (outer_stream);
  g_autoptr (GMimeMessage) outer = g_mime_parser_construct_message (outer_parser, NULL);
  g_autoptr (GMimeStream) inner_stream =
    g_mime_stream_mem_new_with_buffer (inner_text, strlen (inner_text));
  g_autoptr (GMimeParser) inner_parser = g_mime_parser_new_with_stream (inner_stream);
  g_autoptr (GMimeObject) inner = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GBytes) bytes = NULL;

  g_assert_nonnull (outer);
  g_mime_parser_set_format (inner_parser, GMIME_FORMAT_MESSAGE);
  inner = g_mime_parser_construct_part (inner_parser, NULL);
  g_assert_nonnull (inner);
  koi_coi_protected_apply_gmime (outer, inner);
  g_mime_message_set_mime_part (outer, inner);
  text = g_mime_object_to_string (GMIME_OBJECT (outer), NULL);
  bytes = g_bytes_new (text, strlen (text));
  return koi_coi_parse (bytes, NULL);
}

static void
assert_same_strings (GPtrArray *a,
                     GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmpstr (a->pdata[i], ==, b->pdata[i]);
}

static void
assert_same (const KoiCoiParsed *a,
             const KoiCoiParsed *b)
{
  g_assert_cmpint (a->kind, ==, b->kind);
  g_assert_cmpint (a->type, ==, b->type);
  g_assert_cmpstr (a->message_id, ==, b->message_id);
  g_assert_cmpstr (a->from_address, ==, b->from_address);
  g_assert_cmpstr (a->from_name, ==, b->from_name);
  g_assert_cmpuint (a->from_count, ==, b->from_count);
  assert_same_strings (a->to, b->to);
  assert_same_strings (a->cc, b->cc);
  g_assert_cmpstr (a->subject, ==, b->subject);
  g_assert_cmpint (a->date_ms, ==, b->date_ms);
  g_assert_cmpstr (a->in_reply_to, ==, b->in_reply_to);
  assert_same_strings (a->references, b->references);
  g_assert_cmpstr (a->text, ==, b->text);
  g_assert_cmpstr (a->folded_text, ==, b->folded_text);
  g_assert_cmpstr (a->full_text, ==, b->full_text);
  g_assert_cmpint (a->is_delta_chat, ==, b->is_delta_chat);
  g_assert_cmpstr (a->chat_content, ==, b->chat_content);
  assert_same_strings (a->target_ids, b->target_ids);
  g_assert_cmpstr (a->reaction, ==, b->reaction);
  g_assert_cmpstr (a->group_id, ==, b->group_id);
  g_assert_cmpint (a->group_id_explicit, ==, b->group_id_explicit);
  g_assert_cmpstr (a->group_name, ==, b->group_name);
  g_assert_cmpint (a->wants_read_receipt, ==, b->wants_read_receipt);
  g_assert_cmpint (a->autocrypt != NULL, ==, b->autocrypt != NULL);
  g_assert_cmpuint (a->autocrypt_gossip->len, ==, b->autocrypt_gossip->len);
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  const char *outer_text = c->outer != NULL ? c->outer : OUTER;
  g_autoptr (GBytes) outer = g_bytes_new_static (outer_text, strlen (outer_text));
  g_autoptr (GBytes) merged = NULL;
  g_autoptr (KoiCoiParsed) spliced = NULL;
  g_autoptr (KoiCoiParsed) reference = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GError) error = NULL;

  merged = koi_coi_protected_merge (outer, (const guint8 *) c->inner, strlen (c->inner),
                                    "alice@example.org");
  if (!c->spliced)
    {
      g_assert_null (merged);
      return;
    }
  g_assert_nonnull (merged);
  spliced = koi_coi_parse_full (merged, &message, &error);
  g_assert_no_error (error);
  /* The files are taken from this same parse: the body is the inner one. */
  g_assert_nonnull (message);
  g_assert_false (GMIME_IS_MULTIPART_ENCRYPTED (g_mime_message_get_mime_part (message)));
  reference = parse_through_gmime (outer, c->inner);
  g_assert_nonnull (reference);
  assert_same (spliced, reference);
}

static gboolean
contains (GBytes     *bytes,
          const char *needle)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);

  return g_strstr_len (data, length, needle) != NULL;
}

/* What the user sees from the Delta Chat group case, not only that both
 * ways agree: the real subject and members, the outer gossip gone. */
static void
test_group_reads_inner (void)
{
  g_autoptr (GBytes) outer = g_bytes_new_static (OUTER, strlen (OUTER));
  const char *inner = cases[0].inner;
  g_autoptr (GBytes) merged = koi_coi_protected_merge (outer, (const guint8 *) inner,
                                                       strlen (inner), "alice@example.org");
  g_autoptr (KoiCoiParsed) parsed = koi_coi_parse (merged, NULL);
  g_autoptr (KoiCoiParsed) mallory = NULL;
  g_autoptr (GBytes) merged_mallory = NULL;

  g_assert_nonnull (parsed);
  g_assert_cmpstr (parsed->subject, ==, "Grüße aus Köln");
  g_assert_cmpstr (parsed->group_name, ==, "Köln");
  g_assert_cmpstr (parsed->message_id, ==, "Gr.abcdefghijkl.xyz@example.org");
  g_assert_cmpuint (parsed->to->len, ==, 3);
  g_assert_cmpstr (parsed->to->pdata[2], ==, "dave@example.org");
  g_assert_cmpstr (parsed->text, ==, "Hallo zusammen,\nwer kommt mit?");
  /* Only the two gossip headers from inside; mallory's outer one is gone. */
  g_assert_false (contains (merged, "mallory"));

  inner = cases[1].inner;
  merged_mallory = koi_coi_protected_merge (outer, (const guint8 *) inner, strlen (inner),
                                            "alice@example.org");
  /* Gossip counts only from inside, even when the inside has none. */
  g_assert_false (contains (merged_mallory, "Autocrypt-Gossip"));
  mallory = koi_coi_parse (merged_mallory, NULL);
  g_assert_cmpstr (mallory->from_address, ==, "alice@example.org");
  g_assert_cmpstr (mallory->subject, ==, "Chat: I am Alice");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/coi/protected/same-as-gmime/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], test_case);
    }
  g_test_add_func ("/coi/protected/group-reads-inner", test_group_reads_inner);
  return g_test_run ();
}
