/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>

#include "koi-pgp-mime.h"
#include "koi-test-identity.h"

/* PGP/MIME through KoiRnpContext, as the engine uses it: keys made by Koi,
 * exchanged as Autocrypt keydata, mail serialised and parsed again between
 * sender and receiver as it would cross the wire. */

typedef struct
{
  KoiRnpContext *alice;
  KoiRnpContext *bob;
  KoiRnpContext *carol;
  char *alice_fp;
  char *bob_fp;
  char *carol_fp;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->alice = koi_test_identity_new ("alice@example.org");
  fixture->bob = koi_test_identity_new ("bob@example.org");
  fixture->carol = koi_test_identity_new ("carol@example.org");
  fixture->bob_fp = koi_test_identity_introduce (fixture->bob, fixture->alice);
  fixture->alice_fp = koi_test_identity_introduce (fixture->alice, fixture->bob);
  fixture->carol_fp = g_strdup (koi_rnp_context_get_own_fingerprint (fixture->carol));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_finalize_object (fixture->alice);
  g_assert_finalize_object (fixture->bob);
  g_assert_finalize_object (fixture->carol);
  g_free (fixture->alice_fp);
  g_free (fixture->bob_fp);
  g_free (fixture->carol_fp);
}

/* The inner part with a protected header, as the engine builds it. */
static GMimeObject *
make_inner (const char *text)
{
  GMimeTextPart *part = g_mime_text_part_new_with_subtype ("plain");

  g_mime_text_part_set_text (part, text);
  g_mime_part_set_content_encoding (GMIME_PART (part), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  g_mime_object_set_header (GMIME_OBJECT (part), "Subject", "The real subject", NULL);
  return GMIME_OBJECT (part);
}

/* Encrypts @text from @sender to @recipient_fp and returns the mail as it
 * would be stored on the server. */
static char *
encrypt_mail (KoiRnpContext *sender,
              const char    *recipient_fp,
              const char    *text)
{
  g_autoptr (GError) error = NULL;
  GMimeObject *inner = make_inner (text);
  const char *recipients[] = { recipient_fp, NULL };
  GMimeMultipartEncrypted *encrypted;
  GMimeMessage *message;
  char *wire;

  encrypted = koi_pgp_mime_encrypt (sender, inner, recipients, &error);
  g_assert_no_error (error);
  g_assert_nonnull (encrypted);
  message = g_mime_message_new (TRUE);
  g_mime_message_set_subject (message, "[...]", NULL);
  g_mime_message_set_mime_part (message, GMIME_OBJECT (encrypted));
  wire = g_mime_object_to_string (GMIME_OBJECT (message), NULL);
  g_object_unref (message);
  g_object_unref (encrypted);
  g_object_unref (inner);
  return wire;
}

static GMimeMessage *
parse_mail (const char *wire)
{
  GMimeStream *stream = g_mime_stream_mem_new_with_buffer (wire, strlen (wire));
  GMimeParser *parser = g_mime_parser_new_with_stream (stream);
  GMimeMessage *message = g_mime_parser_construct_message (parser, NULL);

  g_object_unref (parser);
  g_object_unref (stream);
  g_assert_nonnull (message);
  return message;
}

/* Decrypts @wire as @receiver; returns the inner text or NULL. */
static char *
decrypt_mail (KoiRnpContext       *receiver,
              const char          *wire,
              const char          *sender_fp,
              KoiPgpSignature     *signature,
              GError             **error)
{
  GMimeMessage *message = parse_mail (wire);
  GMimeObject *body = g_mime_message_get_mime_part (message);
  GMimeDecryptResult *result = NULL;
  GMimeObject *inner;
  char *text = NULL;

  g_assert_true (koi_pgp_mime_is_encrypted (body));
  inner = koi_pgp_mime_decrypt (receiver, GMIME_MULTIPART_ENCRYPTED (body), &result, error);
  if (inner != NULL)
    {
      g_assert_true (GMIME_IS_TEXT_PART (inner));
      g_assert_cmpstr (g_mime_object_get_header (inner, "Subject"), ==, "The real subject");
      text = g_mime_text_part_get_text (GMIME_TEXT_PART (inner));
      *signature = koi_pgp_mime_signature_state (result, sender_fp);
      g_object_unref (inner);
      g_object_unref (result);
    }
  else
    {
      g_assert_null (result);
    }
  g_object_unref (message);
  return text;
}

static void
test_round_trip (Fixture       *fixture,
                 gconstpointer  data)
{
  const char *text = "Grüße, Bob! The secret plan.";
  g_autofree char *wire = encrypt_mail (fixture->alice, fixture->bob_fp, text);
  g_autoptr (GError) error = NULL;
  KoiPgpSignature signature = KOI_PGP_SIGNATURE_NONE;
  g_autofree char *read = NULL;
  g_autofree char *own = NULL;

  /* What the server holds is PGP/MIME and shows nothing of the text. */
  g_assert_nonnull (strstr (wire, "multipart/encrypted"));
  g_assert_nonnull (strstr (wire, "application/pgp-encrypted"));
  g_assert_nonnull (strstr (wire, "-----BEGIN PGP MESSAGE-----"));
  g_assert_null (strstr (wire, "secret plan"));
  g_assert_null (strstr (wire, "The real subject"));

  read = decrypt_mail (fixture->bob, wire, fixture->alice_fp, &signature, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (read, ==, text);
  g_assert_cmpint (signature, ==, KOI_PGP_SIGNATURE_VALID);

  /* The sender reads its own copy (Sent, other devices) too. */
  own = decrypt_mail (fixture->alice, wire, fixture->alice_fp, &signature, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (own, ==, text);
}

static void
test_tampered (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree char *wire = NULL;
  const char *armor;
  const char *checksum;

  /* Long enough that the encrypted data packet, which comes last after
   * one session key packet per recipient, fills most of the armour. */
  for (int i = 0; i < 60; i++)
    g_string_append_printf (text, "Line %d: pay 10 euros to Alice.\n", i);
  wire = encrypt_mail (fixture->alice, fixture->bob_fp, text->str);
  armor = strstr (wire, "-----BEGIN PGP MESSAGE-----");
  g_assert_nonnull (armor);
  armor += strlen ("-----BEGIN PGP MESSAGE-----") + 2;
  checksum = strstr (armor, "\n=");
  g_assert_nonnull (armor);
  g_assert_nonnull (checksum);

  /* Alter one character at several places of the encrypted data (its
   * body and, at the end, its integrity check): each must be reported as
   * damaged and never show a text. */
  for (int place = 6; place <= 9; place++)
    {
      g_autofree char *copy = g_strdup (wire);
      gsize offset = (armor - wire) + (checksum - armor) * place / 10;
      g_autoptr (GError) error = NULL;
      KoiPgpSignature signature = KOI_PGP_SIGNATURE_NONE;
      g_autofree char *read = NULL;

      while (!g_ascii_isalnum (copy[offset]))
        offset++;
      copy[offset] = copy[offset] == 'A' ? 'B' : 'A';
      read = decrypt_mail (fixture->bob, copy, fixture->alice_fp, &signature, &error);
      g_assert_null (read);
      g_assert_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_DAMAGED);
    }
}

/* A mail far larger than the cipher input's first block (64 KiB held back
 * for the session key packets, then 32 KiB at a time, koi-pgp-stream.c):
 * it reads whole and exact, and a change near its end, read only after
 * most of the plaintext went out, still makes it damaged. */
static void
test_large (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree char *wire = NULL;
  g_autofree char *read = NULL;
  g_autofree char *copy = NULL;
  g_autoptr (GError) error = NULL;
  KoiPgpSignature signature = KOI_PGP_SIGNATURE_NONE;
  const char *checksum;
  gsize offset;

  for (int i = 0; text->len < 3 * 1024 * 1024; i++)
    g_string_append_printf (text, "Line %d of the long report, nothing repeats exactly.\n", i);
  wire = encrypt_mail (fixture->alice, fixture->bob_fp, text->str);
  read = decrypt_mail (fixture->bob, wire, fixture->alice_fp, &signature, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (read), ==, text->len);
  g_assert_true (strcmp (read, text->str) == 0);
  g_assert_cmpint (signature, ==, KOI_PGP_SIGNATURE_VALID);

  copy = g_strdup (wire);
  checksum = strstr (copy, "\n=");
  g_assert_nonnull (checksum);
  offset = (checksum - copy) - 200;
  while (!g_ascii_isalnum (copy[offset]))
    offset++;
  copy[offset] = copy[offset] == 'A' ? 'B' : 'A';
  g_clear_pointer (&read, g_free);
  g_clear_error (&error);
  read = decrypt_mail (fixture->bob, copy, fixture->alice_fp, &signature, &error);
  g_assert_null (read);
  g_assert_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_DAMAGED);
}

static void
test_signed_by_another_key (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *bob_for_carol = koi_test_identity_introduce (fixture->bob, fixture->carol);
  /* Carol writes to Bob, but the mail claims to be from Alice. */
  g_autofree char *wire = encrypt_mail (fixture->carol, fixture->bob_fp, "I am Alice");
  g_autoptr (GError) error = NULL;
  KoiPgpSignature signature = KOI_PGP_SIGNATURE_NONE;
  g_autofree char *read = NULL;
  g_autofree char *carol_for_bob = NULL;
  g_autofree char *again = NULL;

  /* Bob does not know Carol's key. */
  read = decrypt_mail (fixture->bob, wire, fixture->alice_fp, &signature, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (read, ==, "I am Alice");
  g_assert_cmpint (signature, ==, KOI_PGP_SIGNATURE_UNKNOWN_KEY);

  /* Bob knows Carol's key: the signature is good, but not Alice's. */
  carol_for_bob = koi_test_identity_introduce (fixture->carol, fixture->bob);
  again = decrypt_mail (fixture->bob, wire, fixture->alice_fp, &signature, &error);
  g_assert_no_error (error);
  g_assert_cmpint (signature, ==, KOI_PGP_SIGNATURE_UNKNOWN_KEY);
  g_assert_cmpint (signature, !=, KOI_PGP_SIGNATURE_VALID);

  /* And with no key known for the sender at all, never valid either. */
  g_assert_cmpint (koi_pgp_mime_signature_state (NULL, NULL), ==, KOI_PGP_SIGNATURE_NONE);
}

/* The same key bytes come with every mail of a chat: the second time they
 * give the same fingerprint without being read again, and mail signed
 * with that key still checks as valid; bytes that are no key are still
 * refused, however often a good key came before. */
static void
test_same_key_again (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) keydata = koi_rnp_context_export_autocrypt (fixture->bob, &error);
  g_autoptr (GBytes) garbage = g_bytes_new_static ("\x99\x00\x01x", 4);
  g_autofree char *wire = encrypt_mail (fixture->bob, fixture->alice_fp, "Again");
  KoiPgpSignature signature = KOI_PGP_SIGNATURE_NONE;
  g_autofree char *read = NULL;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *fingerprint = koi_rnp_context_add_public_key (fixture->alice, keydata, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (fingerprint, ==, fixture->bob_fp);
    }
  read = decrypt_mail (fixture->alice, wire, fixture->bob_fp, &signature, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (read, ==, "Again");
  g_assert_cmpint (signature, ==, KOI_PGP_SIGNATURE_VALID);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (GError) refused = NULL;

      g_assert_null (koi_rnp_context_add_public_key (fixture->alice, garbage, &refused));
      g_assert_error (refused, KOI_PGP_ERROR, KOI_PGP_ERROR_BAD_KEY);
    }
}

/* A detached signature over altered content is reported bad, even though
 * the signer's key is the sender's. */
static void
test_altered_signature (Fixture       *fixture,
                        gconstpointer  data)
{
  const char *content = "Meet at noon\r\n";
  GMimeStream *input = g_mime_stream_mem_new_with_buffer (content, strlen (content));
  GMimeStream *signature = g_mime_stream_mem_new ();
  GMimeStream *altered = NULL;
  GMimeSignatureList *signatures;
  GMimeDecryptResult *result;
  g_autoptr (GError) error = NULL;
  int digest;

  digest = g_mime_crypto_context_sign (GMIME_CRYPTO_CONTEXT (fixture->alice), TRUE,
                                       NULL, input, signature, &error);
  g_assert_no_error (error);
  g_assert_cmpint (digest, ==, GMIME_DIGEST_ALGO_SHA256);

  /* The unaltered content verifies as Alice's. */
  g_mime_stream_reset (input);
  g_mime_stream_reset (signature);
  signatures = g_mime_crypto_context_verify (GMIME_CRYPTO_CONTEXT (fixture->bob),
                                             GMIME_VERIFY_NONE, input, signature, NULL,
                                             &error);
  g_assert_no_error (error);
  result = g_mime_decrypt_result_new ();
  g_mime_decrypt_result_set_signatures (result, signatures);
  g_assert_cmpint (koi_pgp_mime_signature_state (result, fixture->alice_fp), ==,
                   KOI_PGP_SIGNATURE_VALID);
  g_object_unref (signatures);
  g_object_unref (result);

  altered = g_mime_stream_mem_new_with_buffer ("Meet at nine\r\n", 14);
  g_mime_stream_reset (signature);
  signatures = g_mime_crypto_context_verify (GMIME_CRYPTO_CONTEXT (fixture->bob),
                                             GMIME_VERIFY_NONE, altered, signature, NULL,
                                             &error);
  g_assert_no_error (error);
  g_assert_nonnull (signatures);
  result = g_mime_decrypt_result_new ();
  g_mime_decrypt_result_set_signatures (result, signatures);
  g_assert_cmpint (koi_pgp_mime_signature_state (result, fixture->alice_fp), ==,
                   KOI_PGP_SIGNATURE_BAD);
  g_object_unref (signatures);
  g_object_unref (result);

  g_object_unref (altered);
  g_object_unref (signature);
  g_object_unref (input);
}

static void
test_not_for_this_device (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *carol_for_alice = koi_test_identity_introduce (fixture->carol, fixture->alice);
  g_autofree char *wire = encrypt_mail (fixture->alice, carol_for_alice, "Only for Carol");
  g_autoptr (GError) error = NULL;
  KoiPgpSignature signature = KOI_PGP_SIGNATURE_NONE;
  g_autofree char *read = decrypt_mail (fixture->bob, wire, fixture->alice_fp, &signature,
                                        &error);

  g_assert_null (read);
  g_assert_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_NO_SECRET_KEY);
}

static void
test_unknown_recipient (Fixture       *fixture,
                        gconstpointer  data)
{
  GMimeObject *inner = make_inner ("x");
  const char *recipients[] = { fixture->carol_fp, NULL };
  g_autoptr (GError) error = NULL;
  GMimeMultipartEncrypted *encrypted =
    koi_pgp_mime_encrypt (fixture->alice, inner, recipients, &error);

  g_assert_null (encrypted);
  g_assert_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_NO_PUBLIC_KEY);
  g_object_unref (inner);
}

/* The own key: v4, Ed25519 + Curve25519, "<address>", and no feature flag
 * that would make a peer send AEAD/SEIPDv2 (which librnp 0.16 and many
 * peers cannot read). */
static void
test_own_key_shape (void)
{
  g_autoptr (KoiRnpContext) context = koi_test_identity_new ("alice@example.org");
  g_autofree char *json = koi_rnp_context_dump_own_key_json (context);
  g_autoptr (JsonNode) root = NULL;
  JsonArray *packets;
  gboolean saw_features = FALSE;
  gboolean saw_signature = FALSE;
  gboolean saw_subkey = FALSE;
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (json);
  root = json_from_string (json, &error);
  g_assert_no_error (error);
  packets = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (packets); i++)
    {
      JsonObject *packet = json_array_get_object_element (packets, i);
      JsonObject *header = json_object_get_object_member (packet, "header");
      gint64 tag = json_object_get_int_member (header, "tag");

      if (tag == 6 || tag == 14) /* public key, public subkey */
        {
          g_assert_cmpint (json_object_get_int_member (packet, "version"), ==, 4);
          if (tag == 6)
            {
              g_assert_cmpint (json_object_get_int_member (packet, "algorithm"), ==, 22);
              g_assert_cmpstr (json_object_get_string_member (
                                 json_object_get_object_member (packet, "material"), "curve"),
                               ==, "Ed25519");
            }
          else
            {
              g_assert_cmpint (json_object_get_int_member (packet, "algorithm"), ==, 18);
              g_assert_cmpstr (json_object_get_string_member (
                                 json_object_get_object_member (packet, "material"), "curve"),
                               ==, "Curve25519");
              saw_subkey = TRUE;
            }
        }
      if (tag == 13)
        g_assert_cmpstr (json_object_get_string_member (packet, "userid"), ==,
                         "<alice@example.org>");
      if (tag == 2 && json_object_has_member (packet, "subpackets"))
        {
          saw_signature = TRUE;
          g_assert_cmpint (json_object_get_int_member (packet, "version"), ==, 4);
          JsonArray *subpackets = json_object_get_array_member (packet, "subpackets");

          for (guint j = 0; j < json_array_get_length (subpackets); j++)
            {
              JsonObject *subpacket = json_array_get_object_element (subpackets, j);

              if (json_object_get_int_member (subpacket, "type") != 30)
                continue;
              /* 0x01 = MDC (SEIPDv1); 0x02 = AEAD (LibrePGP OCB);
               * 0x04 = v5 keys; 0x08 = SEIPDv2. Only MDC may be set. */
              saw_features = TRUE;
              g_assert_cmpint (json_object_get_int_member (subpacket, "features") & ~0x01, ==,
                               0);
            }
        }
    }
  g_assert_true (saw_subkey);
  g_assert_true (saw_signature);
  /* librnp 0.16 writes no Features subpacket at all; should a later one
   * write it, the check above keeps AEAD and v5 out of it. */
  g_test_message ("Features subpacket present: %s", saw_features ? "yes" : "no");
}

static void
test_own_key_file (void)
{
  g_autoptr (KoiRnpContext) first = koi_test_identity_new ("alice@example.org");
  g_autoptr (KoiRnpContext) second = koi_rnp_context_new ();
  g_autoptr (KoiRnpContext) wrong = koi_rnp_context_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *passphrase = koi_pgp_random_passphrase ();
  g_autoptr (GBytes) file = NULL;
  g_autoptr (GBytes) autocrypt = NULL;
  g_autofree char *bob_view = NULL;

  g_assert_cmpuint (strlen (passphrase), ==, 64);
  file = koi_rnp_context_export_own_key (first, passphrase, &error);
  g_assert_no_error (error);

  /* The file names its key without the passphrase... */
  {
    g_autofree char *named = koi_pgp_own_key_file_fingerprint (file, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (named, ==, koi_rnp_context_get_own_fingerprint (first));
  }

  /* ...the passphrase opens it, and the key is the same. */
  g_assert_true (koi_rnp_context_load_own_key (second, file, passphrase, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (koi_rnp_context_get_own_fingerprint (second), ==,
                   koi_rnp_context_get_own_fingerprint (first));

  /* Anything else does not: the file alone gives the key to nobody. */
  g_assert_false (koi_rnp_context_load_own_key (wrong, file, "guess", &error));
  g_assert_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_WRONG_PASSPHRASE);
  g_assert_false (koi_rnp_context_has_own_key (wrong));
  g_clear_error (&error);

  /* The loaded key still encrypts and signs: the first context (key still
   * unlocked after export) and the loaded one read each other. */
  autocrypt = koi_rnp_context_export_autocrypt (second, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (autocrypt), <, 1024);
  {
    g_autoptr (KoiRnpContext) bob = koi_test_identity_new ("bob@example.org");
    g_autofree char *alice_fp = koi_test_identity_introduce (second, bob);
    g_autofree char *bob_fp = koi_test_identity_introduce (bob, second);
    g_autofree char *wire = encrypt_mail (second, bob_fp, "after reload");
    KoiPgpSignature signature = KOI_PGP_SIGNATURE_NONE;
    g_autofree char *read = decrypt_mail (bob, wire, alice_fp, &signature, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (read, ==, "after reload");
    g_assert_cmpint (signature, ==, KOI_PGP_SIGNATURE_VALID);
    bob_view = g_strdup (read);
  }
  g_assert_nonnull (bob_view);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/pgp-mime/own-key/shape", test_own_key_shape);
  g_test_add_func ("/pgp-mime/own-key/file", test_own_key_file);
#define ADD(path, func) \
  g_test_add ("/pgp-mime/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("round-trip", test_round_trip);
  ADD ("tampered", test_tampered);
  ADD ("large", test_large);
  ADD ("signed-by-another-key", test_signed_by_another_key);
  ADD ("altered-signature", test_altered_signature);
  ADD ("not-for-this-device", test_not_for_this_device);
  ADD ("unknown-recipient", test_unknown_recipient);
  ADD ("same-key-again", test_same_key_again);
#undef ADD
  return g_test_run ();
}
