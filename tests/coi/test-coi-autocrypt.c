/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-test"

#include "config.h"

#include <string.h>

#include "koi-coi-autocrypt.h"
#include "koi-coi-builder.h"
#include "koi-coi-gmime.h"
#include "koi-coi-parser.h"
#include "koi-contact-card.h"
#include "koi-pgp-key.h"
#include "koi-test-keys.h"
#include "koi-test-log.h"

/* The Autocrypt and Autocrypt-Gossip headers: written on built mail,
 * read back from it, and refused (with a log line) when they lie about
 * the sender or are malformed. Keys are made with librnp here, and the
 * keys read back are checked by the crypto layer: what Koi writes is a
 * key another client can use. */

/* Koi logs structured, which g_test_expect_message() does not see: the
 * log lines of the Autocrypt reader are caught here and checked. */
static GPtrArray *logged;

/* Exactly one line was logged since the last check, and it matches. */
static void
assert_logged (const char *pattern)
{
  g_assert_cmpuint (logged->len, ==, 1);
  if (!g_pattern_match_simple (pattern, g_ptr_array_index (logged, 0)))
    g_error ("logged \"%s\", expected \"%s\"", (char *) g_ptr_array_index (logged, 0), pattern);
  g_ptr_array_set_size (logged, 0);
}

static GBytes *alice_key, *bob_key, *carol_key;
static char *alice_fpr, *bob_fpr, *carol_fpr;

static KoiCoiParsed *
parse_bytes (GBytes *raw)
{
  g_autoptr(GError) error = NULL;
  KoiCoiParsed *parsed = koi_coi_parse (raw, &error);

  g_assert_no_error (error);
  g_assert_nonnull (parsed);
  return parsed;
}

static KoiCoiParsed *
parse_text (const char *text)
{
  g_autoptr(GBytes) raw = g_bytes_new (text, strlen (text));

  return parse_bytes (raw);
}

static void
assert_key_is (GBytes     *keydata,
               const char *fingerprint)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *read = koi_pgp_key_fingerprint (keydata, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (read, ==, fingerprint);
}

/* Every line of the header section fits a mail line (RFC 5322: 78). */
static void
assert_lines_short (const char *raw)
{
  const char *end = strstr (raw, "\r\n\r\n");
  const char *line = raw;

  g_assert_nonnull (end);
  while (line < end)
    {
      const char *eol = strstr (line, "\r\n");

      g_assert_cmpint (eol - line, <=, 78);
      line = eol + 2;
    }
}

static void
test_build_and_read (void)
{
  const char *to[] = { "bob@example.org", NULL };
  KoiCoiOutgoing out = {
    .from_address = "alice@example.org",
    .from_name = "Alice",
    .to = to,
    .text = "Hello with a key",
    .date_ms = 1700000000000,
    .autocrypt_keydata = alice_key,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeMessage) message = koi_coi_build_chat_message (&out, &error);
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(KoiCoiParsed) parsed = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  raw = koi_coi_message_to_bytes (message);
  text = g_strndup (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  /* The spec's own layout: attributes on the first line, the key folded
   * below it. */
  g_assert_nonnull (strstr (text, "\r\nAutocrypt: addr=alice@example.org; prefer-encrypt=mutual; keydata=\r\n "));
  assert_lines_short (text);

  parsed = parse_bytes (raw);
  g_assert_nonnull (parsed->autocrypt);
  g_assert_cmpstr (parsed->autocrypt->address, ==, "alice@example.org");
  g_assert_true (parsed->autocrypt->prefer_encrypt);
  g_assert_true (g_bytes_equal (parsed->autocrypt->keydata, alice_key));
  assert_key_is (parsed->autocrypt->keydata, alice_fpr);
  g_assert_cmpuint (parsed->autocrypt_gossip->len, ==, 0);
  /* The chat message itself is unchanged by it. */
  g_assert_cmpstr (parsed->text, ==, "Hello with a key");
}

static void
test_no_key_no_header (void)
{
  const char *to[] = { "bob@example.org", NULL };
  KoiCoiOutgoing out = {
    .from_address = "alice@example.org",
    .to = to,
    .text = "No key yet",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeMessage) message = koi_coi_build_chat_message (&out, &error);

  g_assert_no_error (error);
  g_assert_null (g_mime_object_get_header (GMIME_OBJECT (message), "Autocrypt"));
}

static void
test_gossip (void)
{
  const char *to[] = { "bob@example.org", "carol@example.org", NULL };
  g_autoptr(GPtrArray) gossip = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_coi_autocrypt_free);
  KoiCoiOutgoing out = {
    .from_address = "alice@example.org",
    .to = to,
    .text = "Group hello",
    .autocrypt_keydata = alice_key,
    .gossip = gossip,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(KoiCoiParsed) parsed = NULL;
  g_autofree char *text = NULL;
  KoiCoiAutocrypt *bob, *carol;

  g_ptr_array_add (gossip, koi_coi_autocrypt_new ("Bob@Example.org", bob_key, TRUE));
  g_ptr_array_add (gossip, koi_coi_autocrypt_new ("carol@example.org", carol_key, FALSE));
  message = koi_coi_build_chat_message (&out, &error);
  g_assert_no_error (error);

  /* On the part that becomes the encrypted payload, not on the envelope. */
  g_assert_null (g_mime_object_get_header (GMIME_OBJECT (message), "Autocrypt-Gossip"));
  g_assert_nonnull (g_mime_object_get_header (g_mime_message_get_mime_part (message), "Autocrypt-Gossip"));

  raw = koi_coi_message_to_bytes (message);
  text = g_strndup (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  /* Gossip states no preference of the peer's. */
  g_assert_nonnull (strstr (text, "Autocrypt-Gossip: addr=bob@example.org; keydata=\r\n "));
  g_assert_null (strstr (text, "Autocrypt-Gossip: addr=bob@example.org; prefer-encrypt"));

  parsed = parse_bytes (raw);
  g_assert_cmpuint (parsed->autocrypt_gossip->len, ==, 2);
  bob = g_ptr_array_index (parsed->autocrypt_gossip, 0);
  carol = g_ptr_array_index (parsed->autocrypt_gossip, 1);
  g_assert_cmpstr (bob->address, ==, "bob@example.org");
  g_assert_false (bob->prefer_encrypt);
  assert_key_is (bob->keydata, bob_fpr);
  g_assert_cmpstr (carol->address, ==, "carol@example.org");
  assert_key_is (carol->keydata, carol_fpr);
  /* The sender's own header is read as well. */
  g_assert_nonnull (parsed->autocrypt);
  assert_key_is (parsed->autocrypt->keydata, alice_fpr);
}

static void
test_read_receipt_carries_key (void)
{
  const char *ids[] = { "chat$one@example.org", NULL };
  KoiCoiReceipt receipt = {
    .from_address = "bob@example.org",
    .to = "alice@example.org",
    .message_ids = ids,
    .autocrypt_keydata = bob_key,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeMessage) message = koi_coi_build_read_receipt (&receipt, &error);
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(KoiCoiParsed) parsed = NULL;

  g_assert_no_error (error);
  raw = koi_coi_message_to_bytes (message);
  parsed = parse_bytes (raw);
  g_assert_cmpint (parsed->type, ==, KOI_COI_TYPE_READ_RECEIPT);
  g_assert_nonnull (parsed->autocrypt);
  assert_key_is (parsed->autocrypt->keydata, bob_fpr);
}

/* A mail from @from with the given Autocrypt header lines (each a whole
 * "Autocrypt: ..." field or NULL). */
static char *
mail_with (const char *from,
           const char *field1,
           const char *field2)
{
  return g_strdup_printf ("From: %s\r\n"
                          "To: alice@example.org\r\n"
                          "Subject: Chat: hi\r\n"
                          "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
                          "Message-ID: <chat$x@example.org>\r\n"
                          "Chat-Version: 1.0\r\n"
                          "%s%s%s%s"
                          "Content-Type: text/plain; charset=utf-8\r\n"
                          "\r\n"
                          "hi\r\n",
                          from,
                          field1 != NULL ? field1 : "", field1 != NULL ? "\r\n" : "",
                          field2 != NULL ? field2 : "", field2 != NULL ? "\r\n" : "");
}

static char *
bob_header (const char *before_keydata)
{
  g_autofree char *base64 = g_base64_encode (g_bytes_get_data (bob_key, NULL), g_bytes_get_size (bob_key));

  return g_strdup_printf ("Autocrypt: %skeydata=%s", before_keydata, base64);
}

static void
test_sender_must_match (void)
{
  g_autofree char *header = bob_header ("addr=bob@example.org; ");
  g_autofree char *mail = mail_with ("Mallory <mallory@example.org>", header, NULL);
  g_autofree char *own = mail_with ("Bob <BOB@example.org>", header, NULL);
  g_autoptr(KoiCoiParsed) parsed = NULL;
  g_autoptr(KoiCoiParsed) parsed_own = NULL;

  /* Mallory cannot hand out a key for Bob. */
  parsed = parse_text (mail);
  assert_logged ("Ignoring an Autocrypt header for bob@example.org in mail from mallory@example.org");
  g_assert_null (parsed->autocrypt);

  /* Bob can, whatever the case of his address. */
  parsed_own = parse_text (own);
  g_assert_cmpuint (logged->len, ==, 0);
  g_assert_nonnull (parsed_own->autocrypt);
  g_assert_false (parsed_own->autocrypt->prefer_encrypt);
  assert_key_is (parsed_own->autocrypt->keydata, bob_fpr);
}

static void
test_two_headers_count_as_none (void)
{
  g_autofree char *header = bob_header ("addr=bob@example.org; ");
  g_autofree char *mail = mail_with ("bob@example.org", header, header);
  g_autoptr(KoiCoiParsed) parsed = NULL;

  parsed = parse_text (mail);
  assert_logged ("Ignoring 2 Autocrypt headers from bob@example.org*");
  g_assert_null (parsed->autocrypt);
}

static void
test_parse_table (void)
{
  g_autofree char *good = g_base64_encode (g_bytes_get_data (bob_key, NULL), g_bytes_get_size (bob_key));
  g_autofree char *folded = NULL;
  /* A user id packet (tag 13) is no key. */
  const guint8 not_a_key[] = { 0xcd, 0x05, '<', 'a', '@', 'b', '>' };
  g_autofree char *not_a_key_b64 = g_base64_encode (not_a_key, sizeof not_a_key);
  struct {
    const char *attributes;   /* before keydata= */
    const char *keydata;      /* NULL: bob's key */
    const char *reason;       /* NULL: accepted */
    gboolean    mutual;
  } cases[] = {
    { "addr=bob@example.org; ", NULL, NULL, FALSE },
    { "addr=bob@example.org; prefer-encrypt=mutual; ", NULL, NULL, TRUE },
    { "ADDR=bob@example.org;PREFER-ENCRYPT=Mutual;", NULL, NULL, TRUE },
    { "addr=bob@example.org; prefer-encrypt=nopreference; ", NULL, NULL, FALSE },
    { "addr=bob@example.org; _comment=ignore me; ", NULL, NULL, FALSE },
    { "addr=bob@example.org; type=1; ", NULL, "it has an unknown critical attribute", FALSE },
    { "addr=bob@example.org; critical; ", NULL, "an attribute has no value", FALSE },
    { "", NULL, "addr is missing", FALSE },
    { "addr=bob@example.org; addr=bob@example.org; ", NULL, "an attribute is repeated", FALSE },
    { "addr=Bob <bob@example.org>; ", NULL, "addr is not an email address", FALSE },
    { "addr=bob@example.org; ", "not*base64", "keydata is not base64", FALSE },
    { "addr=bob@example.org; ", "QUJD=QUJD", "keydata is not base64", FALSE },
    { "addr=bob@example.org; ", "", "keydata is empty", FALSE },
    { "addr=bob@example.org; ", "QUJDRA==", "keydata is not an OpenPGP public key", FALSE },
    { "addr=bob@example.org; ", not_a_key_b64, "keydata is not an OpenPGP public key", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *value = g_strdup_printf ("%skeydata=%s", cases[i].attributes,
                                                cases[i].keydata != NULL ? cases[i].keydata : good);
      g_autofree char *reason = NULL;
      g_autoptr(KoiCoiAutocrypt) autocrypt = koi_coi_autocrypt_parse (value, &reason);

      g_test_message ("case %u: %s", i, value);
      g_assert_cmpstr (reason, ==, cases[i].reason);
      if (cases[i].reason == NULL)
        {
          g_assert_nonnull (autocrypt);
          g_assert_cmpstr (autocrypt->address, ==, "bob@example.org");
          g_assert_cmpint (autocrypt->prefer_encrypt, ==, cases[i].mutual);
          g_assert_true (g_bytes_equal (autocrypt->keydata, bob_key));
        }
      else
        g_assert_null (autocrypt);
    }

  /* keydata missing altogether */
  {
    g_autofree char *reason = NULL;

    g_assert_null (koi_coi_autocrypt_parse ("addr=bob@example.org; prefer-encrypt=mutual", &reason));
    g_assert_cmpstr (reason, ==, "keydata is missing");
  }

  /* What format writes, parse reads, folded or unfolded. */
  {
    g_autoptr(KoiCoiAutocrypt) in = koi_coi_autocrypt_new ("bob@example.org", bob_key, TRUE);
    g_autoptr(KoiCoiAutocrypt) out = NULL;

    folded = koi_coi_autocrypt_format (in, FALSE);
    out = koi_coi_autocrypt_parse (folded, NULL);
    g_assert_nonnull (out);
    g_assert_true (g_bytes_equal (out->keydata, bob_key));
    g_assert_true (out->prefer_encrypt);
  }
}

static void
test_malformed_in_mail_is_logged (void)
{
  g_autofree char *mail = mail_with ("bob@example.org",
                                     "Autocrypt: addr=bob@example.org; keydata=####", NULL);
  g_autoptr(KoiCoiParsed) parsed = NULL;

  parsed = parse_text (mail);
  assert_logged ("Ignoring an Autocrypt header from bob@example.org: keydata is not base64");
  g_assert_null (parsed->autocrypt);
  /* The mail itself is read as ever. */
  g_assert_cmpstr (parsed->text, ==, "hi");
}

/* Delta Chat's vCard: KEY as a data: URI of the binary key, one line
 * (it unfolds before reading). */
static void
test_vcard_key_read (void)
{
  g_autofree char *b64 = g_base64_encode (g_bytes_get_data (bob_key, NULL), g_bytes_get_size (bob_key));
  g_autofree char *delta = g_strdup_printf ("BEGIN:VCARD\r\nVERSION:4.0\r\nEMAIL:bob@example.org\r\n"
                                            "FN:Bob\r\nKEY:data:application/pgp-keys;base64,%s\r\n"
                                            "REV:20261130T120000Z\r\nEND:VCARD\r\n", b64);
  g_autofree char *v3 = g_strdup_printf ("BEGIN:VCARD\r\nVERSION:3.0\r\nEMAIL:bob@example.org\r\n"
                                         "KEY;TYPE=PGP;ENCODING=b:%s\r\nEND:VCARD\r\n", b64);
  /* An X.509 certificate first, then the OpenPGP key: the key is found. */
  g_autofree char *two = g_strdup_printf ("BEGIN:VCARD\r\nVERSION:4.0\r\nEMAIL:bob@example.org\r\n"
                                          "KEY;PREF=1:data:application/pkix-cert;base64,MIIBAA==\r\n"
                                          "KEY:data:application/pgp-keys;base64,%s\r\nEND:VCARD\r\n", b64);
  const char *none =
    "BEGIN:VCARD\r\nVERSION:4.0\r\nEMAIL:bob@example.org\r\n"
    "KEY:http://www.example.com/keys/bob.asc\r\n"
    "KEY:data:application/pgp-keys;base64,LS0tLS1CRUdJTiBQR1A=\r\nEND:VCARD\r\n";
  /* Delta Chat 2.x escapes the comma of the data: URI. */
  g_autofree char *escaped = g_strdup_printf ("BEGIN:VCARD\r\nVERSION:4.0\r\nEMAIL:bob@example.org\r\n"
                                              "KEY:data:application/pgp-keys;base64\\,%s\r\n"
                                              "END:VCARD\r\n", b64);
  const char *cards[] = { delta, v3, two, escaped };

  for (guint i = 0; i < G_N_ELEMENTS (cards); i++)
    {
      g_autoptr (KoiContactCard) card = koi_contact_card_parse (NULL, cards[i], NULL, NULL, NULL);
      g_autoptr (GBytes) key = NULL;

      g_assert_nonnull (card);
      key = koi_contact_card_get_key (card);
      g_assert_nonnull (key);
      g_assert_true (g_bytes_equal (key, bob_key));
      assert_key_is (key, bob_fpr);
    }

  {
    /* A link and an armoured key are no key Koi can take from a card. */
    g_autoptr (KoiContactCard) card = koi_contact_card_parse (NULL, none, NULL, NULL, NULL);

    g_assert_nonnull (card);
    g_assert_null (koi_contact_card_get_key (card));
  }
}

/* Koi's own card with its key, in the form Delta Chat reads back. */
static void
test_vcard_key_write (void)
{
  g_autoptr (KoiContactCard) card = koi_contact_card_new ("alice@example.org");
  g_autoptr (KoiContactCard) again = NULL;
  g_autoptr (GBytes) read = NULL;
  g_autofree char *text = NULL;
  g_autofree char *b64 = g_base64_encode (g_bytes_get_data (alice_key, NULL), g_bytes_get_size (alice_key));
  g_autofree char *expected = g_strdup_printf ("\nKEY:data:application/pgp-keys;base64,%s\r\n", b64);
  GString *unfolded;

  koi_contact_card_set_key (card, bob_key);
  koi_contact_card_set_key (card, alice_key);   /* replaces, never adds */
  text = koi_contact_card_to_vcard (card);

  /* Folded at 75 octets like every line Koi writes... */
  for (const char *line = text; *line != '\0';)
    {
      const char *eol = strstr (line, "\r\n");

      g_assert_nonnull (eol);
      g_assert_cmpint (eol - line, <=, 75);
      line = eol + 2;
    }
  /* ...and one line, exactly Delta Chat's prefix, once unfolded. */
  unfolded = g_string_new (text);
  g_string_replace (unfolded, "\r\n ", "", 0);
  g_assert_nonnull (strstr (unfolded->str, expected));
  g_assert_null (strstr (strstr (unfolded->str, expected) + 1, "\nKEY"));
  g_string_free (unfolded, TRUE);

  again = koi_contact_card_parse (NULL, text, NULL, NULL, NULL);
  read = koi_contact_card_get_key (again);
  assert_key_is (read, alice_fpr);

  koi_contact_card_set_key (again, NULL);
  g_assert_null (koi_contact_card_get_key (again));
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);
  g_mime_init ();
  logged = koi_test_log_collect ("koi-coi-autocrypt");

  alice_key = koi_test_make_key ("alice@example.org", TRUE, &alice_fpr);
  bob_key = koi_test_make_key ("bob@example.org", TRUE, &bob_fpr);
  carol_key = koi_test_make_key ("carol@example.org", TRUE, &carol_fpr);

  g_test_add_func ("/coi/autocrypt/build-and-read", test_build_and_read);
  g_test_add_func ("/coi/autocrypt/no-key-no-header", test_no_key_no_header);
  g_test_add_func ("/coi/autocrypt/gossip", test_gossip);
  g_test_add_func ("/coi/autocrypt/read-receipt", test_read_receipt_carries_key);
  g_test_add_func ("/coi/autocrypt/sender-must-match", test_sender_must_match);
  g_test_add_func ("/coi/autocrypt/two-headers", test_two_headers_count_as_none);
  g_test_add_func ("/coi/autocrypt/parse-table", test_parse_table);
  g_test_add_func ("/coi/autocrypt/malformed-is-logged", test_malformed_in_mail_is_logged);
  g_test_add_func ("/coi/autocrypt/vcard-key-read", test_vcard_key_read);
  g_test_add_func ("/coi/autocrypt/vcard-key-write", test_vcard_key_write);

  result = g_test_run ();

  g_bytes_unref (alice_key);
  g_bytes_unref (bob_key);
  g_bytes_unref (carol_key);
  g_free (alice_fpr);
  g_free (bob_fpr);
  g_free (carol_fpr);
  g_mime_shutdown ();
  return result;
}
