/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The cost of PGP/MIME per chat message, without network or store: what
 * encrypted mail adds to a catch-up (decrypt + verify + parse the inner
 * part) and to a send (sign + encrypt), against parsing the same message
 * plain. Prints figures; passes whatever they are.
 */
#include "config.h"

#include <string.h>

#include "koi-coi.h"
#include "koi-pgp-mime.h"

#define MESSAGES 1000

static GMimeMessage *
plain_message (int i)
{
  GMimeMessage *message = g_mime_message_new (TRUE);
  GMimeTextPart *part = g_mime_text_part_new_with_subtype ("plain");
  g_autofree char *text = g_strdup_printf ("Message %d: see you at the station at %d o'clock.",
                                           i, i % 24);
  g_autofree char *id = g_strdup_printf ("chat$bench.%d@example.org", i);

  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, NULL, "bob@example.org");
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO, NULL, "alice@example.org");
  g_mime_message_set_subject (message, "Chat: bench", NULL);
  g_mime_message_set_message_id (message, id);
  g_mime_object_set_header (GMIME_OBJECT (message), "Chat-Version", "1.0", NULL);
  g_mime_text_part_set_text (part, text);
  g_mime_message_set_mime_part (message, GMIME_OBJECT (part));
  g_object_unref (part);
  return message;
}

static GBytes *
to_bytes (GMimeMessage *message)
{
  char *wire = g_mime_object_to_string (GMIME_OBJECT (message), NULL);

  return g_bytes_new_take (wire, strlen (wire));
}

static double
per_message_us (gint64 start)
{
  return (double) (g_get_monotonic_time () - start) / MESSAGES;
}

int
main (int argc, char **argv)
{
  g_autoptr (KoiRnpContext) alice = koi_rnp_context_new ();
  g_autoptr (KoiRnpContext) bob = koi_rnp_context_new ();
  g_autoptr (GPtrArray) plain = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr (GPtrArray) sealed = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree char *alice_fp = NULL;
  g_autofree char *bob_fp = NULL;
  gint64 start;
  double parse_us, encrypt_us, decrypt_us;
  gsize plain_size = 0, sealed_size = 0;

  g_mime_init ();
  if (!koi_rnp_context_generate_own_key (alice, "alice@example.org", NULL)
      || !koi_rnp_context_generate_own_key (bob, "bob@example.org", NULL))
    return 1;
  {
    g_autoptr (GBytes) a = koi_rnp_context_export_autocrypt (alice, NULL);
    g_autoptr (GBytes) b = koi_rnp_context_export_autocrypt (bob, NULL);

    alice_fp = koi_rnp_context_add_public_key (bob, a, NULL);
    bob_fp = koi_rnp_context_add_public_key (alice, b, NULL);
  }

  for (int i = 0; i < MESSAGES; i++)
    {
      GMimeMessage *message = plain_message (i);

      g_ptr_array_add (plain, to_bytes (message));
      plain_size += g_bytes_get_size (plain->pdata[i]);
      g_object_unref (message);
    }

  /* Plain: what a catch-up parses per message today. */
  start = g_get_monotonic_time ();
  for (int i = 0; i < MESSAGES; i++)
    koi_coi_parsed_free (koi_coi_parse (plain->pdata[i], NULL));
  parse_us = per_message_us (start);

  /* Bob signs and encrypts to Alice (and himself). */
  start = g_get_monotonic_time ();
  for (int i = 0; i < MESSAGES; i++)
    {
      GMimeMessage *message = plain_message (i);
      GMimeObject *body = g_object_ref (g_mime_message_get_mime_part (message));
      const char *to[] = { alice_fp, NULL };
      GMimeMultipartEncrypted *encrypted = koi_pgp_mime_encrypt (bob, body, to, NULL);

      g_mime_message_set_mime_part (message, GMIME_OBJECT (encrypted));
      g_ptr_array_add (sealed, to_bytes (message));
      sealed_size += g_bytes_get_size (sealed->pdata[i]);
      g_object_unref (encrypted);
      g_object_unref (body);
      g_object_unref (message);
    }
  encrypt_us = per_message_us (start);

  /* Alice decrypts, verifies and parses what is inside. */
  start = g_get_monotonic_time ();
  for (int i = 0; i < MESSAGES; i++)
    {
      gsize length = 0;
      const char *data = g_bytes_get_data (sealed->pdata[i], &length);
      GMimeStream *stream = g_mime_stream_mem_new_with_buffer (data, length);
      GMimeParser *parser = g_mime_parser_new_with_stream (stream);
      GMimeMessage *message = g_mime_parser_construct_message (parser, NULL);
      GMimeDecryptResult *result = NULL;
      GMimeObject *inner = koi_pgp_mime_decrypt (alice,
                                                 GMIME_MULTIPART_ENCRYPTED (g_mime_message_get_mime_part (message)),
                                                 &result, NULL);

      if (inner == NULL || koi_pgp_mime_signature_state (result, bob_fp) != KOI_PGP_SIGNATURE_VALID)
        return 1;
      g_mime_message_set_mime_part (message, inner);
      {
        g_autoptr (GBytes) readable = to_bytes (message);

        koi_coi_parsed_free (koi_coi_parse (readable, NULL));
      }
      g_object_unref (result);
      g_object_unref (inner);
      g_object_unref (message);
      g_object_unref (parser);
      g_object_unref (stream);
    }
  decrypt_us = per_message_us (start);

  g_print ("%d chat messages, Ed25519/Curve25519, AES-256, SEIPDv1\n", MESSAGES);
  g_print ("size per message: plain %" G_GSIZE_FORMAT " B, encrypted %" G_GSIZE_FORMAT " B\n",
           plain_size / MESSAGES, sealed_size / MESSAGES);
  g_print ("parse plain:                 %8.1f us/message\n", parse_us);
  g_print ("sign + encrypt:              %8.1f us/message\n", encrypt_us);
  g_print ("decrypt + verify + parse:    %8.1f us/message (%.1fx the plain parse)\n",
           decrypt_us, decrypt_us / parse_us);
  g_print ("10,000 encrypted messages:   %8.2f s of crypto and parsing on one core\n",
           decrypt_us * 10000 / G_USEC_PER_SEC);
  return 0;
}
