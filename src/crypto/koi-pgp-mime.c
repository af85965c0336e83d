/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-crypto"

#include "koi-pgp-mime.h"
#include "koi-crypto-gmime.h"

/* PGP/MIME (RFC 3156) with an explicit KoiRnpContext: see koi-rnp-context.h
 * for why the context is never found through gmime's registry. */

/**
 * koi_pgp_mime_is_encrypted:
 *
 * True for a multipart/encrypted part whose protocol is OpenPGP.
 */
gboolean
koi_pgp_mime_is_encrypted (GMimeObject *object)
{
  GMimeContentType *type;
  const char *protocol;

  if (!GMIME_IS_MULTIPART_ENCRYPTED (object))
    return FALSE;
  type = g_mime_object_get_content_type (object);
  protocol = g_mime_content_type_get_parameter (type, "protocol");
  return protocol != NULL && g_ascii_strcasecmp (protocol, "application/pgp-encrypted") == 0;
}

/**
 * koi_pgp_mime_decrypt_to_stream:
 * @plaintext: where the decrypted entity goes (LF line ends); on failure
 *   it may hold a part of it, which the caller must drop
 * @result: (out) (optional): the signatures found inside
 *
 * Decrypts @encrypted with @context's own key, streaming: the ciphertext
 * is read from the encrypted part's own stream (a file's, for a large
 * mail) and the plaintext written a block at a time. Errors are
 * %KOI_PGP_ERROR_NO_SECRET_KEY (not for this device) or
 * %KOI_PGP_ERROR_DAMAGED.
 */
gboolean
koi_pgp_mime_decrypt_to_stream (KoiRnpContext            *context,
                                GMimeMultipartEncrypted  *encrypted,
                                GMimeStream              *plaintext,
                                GMimeDecryptResult      **result,
                                GError                  **error)
{
  GMimeMultipart *multipart = GMIME_MULTIPART (encrypted);
  g_autoptr (GMimeDecryptResult) decrypted = NULL;
  g_autoptr (GMimeStream) ciphertext = NULL;
  g_autoptr (GMimeStream) filtered = NULL;
  g_autoptr (GMimeFilter) crlf = NULL;
  GMimeObject *content;
  GMimeDataWrapper *wrapper;
  GMimeContentEncoding encoding;

  g_return_val_if_fail (KOI_IS_RNP_CONTEXT (context), FALSE);
  g_return_val_if_fail (GMIME_IS_MULTIPART_ENCRYPTED (encrypted), FALSE);

  if (!koi_pgp_mime_is_encrypted (GMIME_OBJECT (encrypted))
      || g_mime_multipart_get_count (multipart) < 2)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_DAMAGED,
                           "Not a PGP/MIME encrypted part");
      return FALSE;
    }
  content = g_mime_multipart_get_part (multipart, GMIME_MULTIPART_ENCRYPTED_CONTENT);
  if (!GMIME_IS_PART (content)
      || (wrapper = g_mime_part_get_content (GMIME_PART (content))) == NULL
      || g_mime_data_wrapper_get_stream (wrapper) == NULL)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_DAMAGED,
                           "The encrypted part holds no data");
      return FALSE;
    }

  /* The part's own stream (a window on the mail's file when the parser
   * read one), decoded on the fly if a sender base64-encoded the armor. */
  ciphertext = g_mime_stream_filter_new (g_mime_data_wrapper_get_stream (wrapper));
  g_mime_stream_reset (g_mime_data_wrapper_get_stream (wrapper));
  encoding = g_mime_data_wrapper_get_encoding (wrapper);
  if (encoding == GMIME_CONTENT_ENCODING_BASE64 || encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE
      || encoding == GMIME_CONTENT_ENCODING_UUENCODE)
    {
      g_autoptr (GMimeFilter) decode = g_mime_filter_basic_new (encoding, FALSE);

      g_mime_stream_filter_add (GMIME_STREAM_FILTER (ciphertext), decode);
    }

  /* The plaintext is a MIME entity with CRLF line ends (RFC 3156 §4);
   * gmime's parser and Koi's COI parser expect LF. */
  filtered = g_mime_stream_filter_new (plaintext);
  crlf = g_mime_filter_dos2unix_new (FALSE);
  g_mime_stream_filter_add (GMIME_STREAM_FILTER (filtered), crlf);

  decrypted = g_mime_crypto_context_decrypt (GMIME_CRYPTO_CONTEXT (context),
                                             GMIME_DECRYPT_NONE, NULL,
                                             ciphertext, filtered, error);
  if (decrypted == NULL)
    return FALSE;
  g_mime_stream_flush (filtered);
  if (result != NULL)
    *result = g_steal_pointer (&decrypted);
  return TRUE;
}

/**
 * koi_pgp_mime_decrypt:
 * @result: (out) (optional): the signatures found inside
 *
 * koi_pgp_mime_decrypt_to_stream() into memory, parsed as the MIME entity
 * it is (with its protected headers, if any).
 */
GMimeObject *
koi_pgp_mime_decrypt (KoiRnpContext            *context,
                      GMimeMultipartEncrypted  *encrypted,
                      GMimeDecryptResult      **result,
                      GError                  **error)
{
  g_autoptr (GMimeStream) plaintext = g_mime_stream_mem_new ();
  g_autoptr (GMimeDecryptResult) decrypted = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  GMimeObject *inner;

  if (!koi_pgp_mime_decrypt_to_stream (context, encrypted, plaintext, &decrypted, error))
    return NULL;
  g_mime_stream_reset (plaintext);
  parser = g_mime_parser_new_with_stream (plaintext);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  inner = g_mime_parser_construct_part (parser, NULL);
  if (inner == NULL)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_DAMAGED,
                           "The decrypted data is not a MIME part");
      return NULL;
    }
  if (result != NULL)
    *result = g_steal_pointer (&decrypted);
  return inner;
}

/**
 * koi_pgp_mime_signature_state:
 * @result: (nullable): what koi_pgp_mime_decrypt() found
 * @sender_fingerprint: (nullable): the key Koi knows for the From address
 *
 * Sums the signatures up for the store. Any altered signature makes the
 * message BAD; a valid signature counts only when it is made by the
 * sender's own key, so a message signed by anybody else is never VALID.
 */
KoiPgpSignature
koi_pgp_mime_signature_state (GMimeDecryptResult *result,
                              const char         *sender_fingerprint)
{
  GMimeSignatureList *signatures;
  KoiPgpSignature state = KOI_PGP_SIGNATURE_NONE;
  int count;

  if (result == NULL || (signatures = g_mime_decrypt_result_get_signatures (result)) == NULL)
    return KOI_PGP_SIGNATURE_NONE;

  count = g_mime_signature_list_length (signatures);
  for (int i = 0; i < count; i++)
    {
      GMimeSignature *signature = g_mime_signature_list_get_signature (signatures, i);
      GMimeSignatureStatus status = g_mime_signature_get_status (signature);
      GMimeCertificate *certificate = g_mime_signature_get_certificate (signature);
      const char *fingerprint =
        certificate != NULL ? g_mime_certificate_get_fingerprint (certificate) : NULL;

      if ((status & GMIME_SIGNATURE_STATUS_RED) != 0)
        return KOI_PGP_SIGNATURE_BAD;
      if ((status & GMIME_SIGNATURE_STATUS_ERROR_MASK) == 0
          && (status & GMIME_SIGNATURE_STATUS_GREEN) != 0
          && sender_fingerprint != NULL && fingerprint != NULL
          && g_ascii_strcasecmp (fingerprint, sender_fingerprint) == 0)
        state = KOI_PGP_SIGNATURE_VALID;
      else if (state == KOI_PGP_SIGNATURE_NONE)
        state = KOI_PGP_SIGNATURE_UNKNOWN_KEY;
    }
  return state;
}

/**
 * koi_pgp_mime_encrypt:
 * @entity: the inner part, protected headers included
 * @fingerprints: the recipients' keys (already added to @context); the own
 *   key is always added as well
 *
 * Signs with the own key and encrypts: a multipart/encrypted ready to be
 * the body of the outer message.
 */
GMimeMultipartEncrypted *
koi_pgp_mime_encrypt (KoiRnpContext       *context,
                      GMimeObject         *entity,
                      const char * const  *fingerprints,
                      GError             **error)
{
  g_autoptr (GPtrArray) recipients = g_ptr_array_new ();

  g_return_val_if_fail (KOI_IS_RNP_CONTEXT (context), NULL);
  g_return_val_if_fail (GMIME_IS_OBJECT (entity), NULL);

  for (gsize i = 0; fingerprints != NULL && fingerprints[i] != NULL; i++)
    g_ptr_array_add (recipients, (gpointer) fingerprints[i]);

  return g_mime_multipart_encrypted_encrypt (GMIME_CRYPTO_CONTEXT (context), entity, TRUE,
                                             koi_rnp_context_get_own_fingerprint (context),
                                             GMIME_ENCRYPT_NONE, recipients, error);
}
