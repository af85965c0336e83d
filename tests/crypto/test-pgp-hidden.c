/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

#include "koi-crypto-gmime.h"
#include "koi-pgp-mime.h"
#include "koi-test-identity.h"

/* Mail to hidden recipients, as Delta Chat 2.x sends all of its mail: the
 * key id in every public-key session key packet is the wildcard (all
 * zero). The recipient's own key must open it; anyone else's must not,
 * and that is "not for this device", not "damaged". */

/* The armored @cipher as binary packets with every PKESK's key id zeroed;
 * how many were zeroed goes to *@hidden. */
static GBytes *
hide_recipients (GBytes *cipher,
                 guint  *hidden)
{
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (cipher, &length);
  rnp_input_t input = NULL;
  rnp_output_t output = NULL;
  guint8 *bytes = NULL;
  size_t size = 0;
  g_autoptr (GByteArray) packets = g_byte_array_new ();
  gsize at = 0;

  g_assert_cmpint (rnp_input_from_memory (&input, data, length, false), ==, RNP_SUCCESS);
  g_assert_cmpint (rnp_output_to_memory (&output, 0), ==, RNP_SUCCESS);
  g_assert_cmpint (rnp_dearmor (input, output), ==, RNP_SUCCESS);
  g_assert_cmpint (rnp_output_memory_get_buf (output, &bytes, &size, false), ==, RNP_SUCCESS);
  g_byte_array_append (packets, bytes, size);
  rnp_output_destroy (output);
  rnp_input_destroy (input);

  /* librnp writes new-format packets; session key packets are short. */
  *hidden = 0;
  while (at + 2 < packets->len && (packets->data[at] & 0x3f) == 1)
    {
      g_assert_cmpuint (packets->data[at] & 0xc0, ==, 0xc0);
      g_assert_cmpuint (packets->data[at + 1], <, 192);
      g_assert_cmpuint (packets->data[at + 2], ==, 3);
      memset (packets->data + at + 3, 0, 8);
      (*hidden)++;
      at += 2 + packets->data[at + 1];
    }
  return g_bytes_new (packets->data, packets->len);
}

/* Alice's mail to Bob, with the recipients hidden, as it would cross the
 * wire. */
static char *
hidden_mail (KoiRnpContext *alice,
             const char    *bob_fp,
             const char    *text)
{
  g_autoptr (GError) error = NULL;
  GMimeTextPart *inner = g_mime_text_part_new_with_subtype ("plain");
  const char *recipients[] = { bob_fp, NULL };
  GMimeMultipartEncrypted *encrypted;
  GMimeMessage *message = g_mime_message_new (TRUE);
  GMimePart *payload;
  g_autoptr (GMimeStream) armored = g_mime_stream_mem_new ();
  g_autoptr (GMimeStream) binary = NULL;
  GMimeDataWrapper *content;
  g_autoptr (GBytes) cipher = NULL;
  g_autoptr (GBytes) hidden = NULL;
  GByteArray *array;
  guint count = 0;
  char *wire;

  g_mime_text_part_set_text (inner, text);
  encrypted = koi_pgp_mime_encrypt (alice, GMIME_OBJECT (inner), recipients, &error);
  g_assert_no_error (error);
  g_object_unref (inner);

  payload = GMIME_PART (g_mime_multipart_get_part (GMIME_MULTIPART (encrypted), 1));
  g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (payload), armored);
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (armored));
  cipher = g_bytes_new (array->data, array->len);
  hidden = hide_recipients (cipher, &count);
  g_assert_cmpuint (count, ==, 2);   /* Bob, and Alice's own copy */

  binary = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (hidden, NULL), g_bytes_get_size (hidden));
  content = g_mime_data_wrapper_new_with_stream (binary, GMIME_CONTENT_ENCODING_BINARY);
  g_mime_part_set_content (payload, content);
  g_object_unref (content);
  g_mime_part_set_content_encoding (payload, GMIME_CONTENT_ENCODING_BASE64);

  g_mime_message_set_mime_part (message, GMIME_OBJECT (encrypted));
  wire = g_mime_object_to_string (GMIME_OBJECT (message), NULL);
  g_object_unref (encrypted);
  g_object_unref (message);
  return wire;
}

static char *
decrypt_mail (KoiRnpContext *receiver,
              const char    *wire,
              GError       **error)
{
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer (wire, strlen (wire));
  g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  GMimeMessage *message = g_mime_parser_construct_message (parser, NULL);
  GMimeObject *body = g_mime_message_get_mime_part (message);
  g_autoptr (GMimeDecryptResult) result = NULL;
  GMimeObject *inner;
  char *text = NULL;

  g_assert_true (koi_pgp_mime_is_encrypted (body));
  inner = koi_pgp_mime_decrypt (receiver, GMIME_MULTIPART_ENCRYPTED (body), &result, error);
  if (inner != NULL)
    {
      text = g_mime_text_part_get_text (GMIME_TEXT_PART (inner));
      g_object_unref (inner);
    }
  g_object_unref (message);
  return text;
}

static void
test_hidden_recipients (void)
{
  KoiRnpContext *alice = koi_test_identity_new ("alice@example.org");
  KoiRnpContext *bob = koi_test_identity_new ("bob@example.org");
  KoiRnpContext *carol = koi_test_identity_new ("carol@example.org");
  g_autofree char *bob_fp = koi_test_identity_introduce (bob, alice);
  g_autofree char *alice_fp = koi_test_identity_introduce (alice, bob);
  g_autofree char *wire = hidden_mail (alice, bob_fp, "Nobody sees who reads this.");
  g_autoptr (GError) error = NULL;
  g_autofree char *for_bob = NULL;
  g_autofree char *for_alice = NULL;
  g_autofree char *for_carol = NULL;

  /* Bob reads it; so does Alice's other device (her own copy). */
  for_bob = decrypt_mail (bob, wire, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (for_bob, ==, "Nobody sees who reads this.");
  for_alice = decrypt_mail (alice, wire, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (for_alice, ==, "Nobody sees who reads this.");

  /* Carol's key opens neither packet: not hers, not damaged. */
  for_carol = decrypt_mail (carol, wire, &error);
  g_assert_null (for_carol);
  g_assert_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_NO_SECRET_KEY);

  g_assert_finalize_object (alice);
  g_assert_finalize_object (bob);
  g_assert_finalize_object (carol);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/pgp-hidden/recipients", test_hidden_recipients);
  return g_test_run ();
}
