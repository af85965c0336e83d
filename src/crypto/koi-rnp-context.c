/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-crypto"

#include <stdlib.h>   /* defines __GLIBC__ on glibc */
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "koi-pgp-hidden.h"
#include "koi-pgp-stream.h"
#include "koi-rnp-context-private.h"
#include "koi-crypto-gmime.h"

struct _KoiRnpContext
{
  GMimeCryptoContext parent_instance;

  rnp_ffi_t ffi;
  char *own_fingerprint;
  char *own_address;
  /* Key bytes already imported into @ffi → their fingerprint (GBytes →
   * char*). Every mail of a chat carries the same key, and reading and
   * importing it again checked its self-signatures twice per message:
   * the largest cost of an encrypted catch-up after the message's own
   * crypto (docs/PERFORMANCE.md, section 16). Keys are never removed from
   * @ffi, so an entry stays true. */
  GHashTable *imported;
};

G_DEFINE_FINAL_TYPE (KoiRnpContext, koi_rnp_context, GMIME_TYPE_CRYPTO_CONTEXT)

rnp_ffi_t
koi_rnp_context_get_ffi (KoiRnpContext *self)
{
  return self->ffi;
}

void
koi_rnp_context_set_own (KoiRnpContext *self,
                         const char    *fingerprint,
                         const char    *address)
{
  g_free (self->own_fingerprint);
  self->own_fingerprint = g_strdup (fingerprint);
  g_free (self->own_address);
  self->own_address = g_strdup (address);
}

rnp_key_handle_t
koi_rnp_context_locate_own (KoiRnpContext *self)
{
  rnp_key_handle_t key = NULL;

  if (self->own_fingerprint == NULL)
    return NULL;
  if (rnp_locate_key (self->ffi, "fingerprint", self->own_fingerprint, &key) != RNP_SUCCESS)
    return NULL;
  return key;
}

gboolean
koi_rnp_context_has_own_key (KoiRnpContext *self)
{
  g_return_val_if_fail (KOI_IS_RNP_CONTEXT (self), FALSE);

  return self->own_fingerprint != NULL;
}

const char *
koi_rnp_context_get_own_fingerprint (KoiRnpContext *self)
{
  g_return_val_if_fail (KOI_IS_RNP_CONTEXT (self), NULL);

  return self->own_fingerprint;
}

GBytes *
koi_rnp_output_to_bytes (rnp_output_t output)
{
  uint8_t *buffer = NULL;
  size_t length = 0;

  if (rnp_output_memory_get_buf (output, &buffer, &length, false) != RNP_SUCCESS)
    return NULL;
  return g_bytes_new (buffer, length);
}

char *
koi_rnp_take_fingerprint (char *rnp_buffer)
{
  char *copy;

  if (rnp_buffer == NULL)
    return NULL;
  copy = g_ascii_strup (rnp_buffer, -1);
  rnp_buffer_destroy (rnp_buffer);
  return copy;
}

/**
 * koi_rnp_context_add_public_key:
 * @keydata: a peer's public key (binary, as in Autocrypt, or armoured)
 *
 * Makes the key usable as a recipient and for checking signatures. Keys
 * koi_pgp_key_fingerprint() refuses (cannot encrypt, revoked, garbage) are
 * refused here too, so a bad header never becomes a recipient.
 */
char *
koi_rnp_context_add_public_key (KoiRnpContext  *self,
                                GBytes         *keydata,
                                GError        **error)
{
  g_autofree char *fingerprint = NULL;
  rnp_input_t input = NULL;
  gsize length = 0;
  const guint8 *data;
  rnp_result_t status;

  g_return_val_if_fail (KOI_IS_RNP_CONTEXT (self), NULL);
  g_return_val_if_fail (keydata != NULL, NULL);

  {
    const char *known = g_hash_table_lookup (self->imported, keydata);

    if (known != NULL)
      return g_strdup (known);
  }

  fingerprint = koi_pgp_key_fingerprint (keydata, error);
  if (fingerprint == NULL)
    return NULL;

  data = g_bytes_get_data (keydata, &length);
  status = rnp_input_from_memory (&input, data, length, false);
  if (status == RNP_SUCCESS)
    status = rnp_import_keys (self->ffi, input,
                              RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SINGLE, NULL);
  if (input != NULL)
    rnp_input_destroy (input);
  if (status != RNP_SUCCESS)
    {
      g_set_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_BAD_KEY,
                   "The key could not be imported: %s", rnp_result_to_string (status));
      return NULL;
    }
  g_hash_table_insert (self->imported, g_bytes_ref (keydata), g_strdup (fingerprint));
  return g_steal_pointer (&fingerprint);
}

/* Reads a gmime stream whole: librnp works on memory inputs. */
static GBytes *
stream_to_bytes (GMimeStream *stream)
{
  g_autoptr (GByteArray) array = g_byte_array_new ();
  GMimeStream *memory = g_mime_stream_mem_new_with_byte_array (array);

  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (memory), FALSE);
  g_mime_stream_write_to_stream (stream, memory);
  g_object_unref (memory);
  return g_byte_array_free_to_bytes (g_steal_pointer (&array));
}

static gboolean
write_output (rnp_output_t   output,
              GMimeStream   *ostream,
              GError       **error)
{
  uint8_t *buffer = NULL;
  size_t length = 0;

  if (rnp_output_memory_get_buf (output, &buffer, &length, false) != RNP_SUCCESS
      || g_mime_stream_write (ostream, (const char *) buffer, length) != (gssize) length)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_FAILED,
                           "The result could not be written");
      return FALSE;
    }
  g_mime_stream_flush (ostream);
  return TRUE;
}

/* A recipient is named by fingerprint (what the engine passes) or by
 * address (a key whose user id is "<address>"). */
static rnp_key_handle_t
locate_recipient (KoiRnpContext *self,
                  const char    *name)
{
  rnp_key_handle_t key = NULL;
  g_autofree char *userid = NULL;

  if (strlen (name) == 40
      && rnp_locate_key (self->ffi, "fingerprint", name, &key) == RNP_SUCCESS
      && key != NULL)
    return key;
  userid = g_strdup_printf ("<%s>", name);
  if (rnp_locate_key (self->ffi, "userid", userid, &key) == RNP_SUCCESS && key != NULL)
    return key;
  return NULL;
}

static int
koi_rnp_context_encrypt (GMimeCryptoContext  *context,
                         gboolean             sign,
                         const char          *userid,
                         GMimeEncryptFlags    flags,
                         GPtrArray           *recipients,
                         GMimeStream         *istream,
                         GMimeStream         *ostream,
                         GError             **error)
{
  KoiRnpContext *self = KOI_RNP_CONTEXT (context);
  rnp_key_handle_t own = koi_rnp_context_locate_own (self);
  rnp_input_t input = NULL;
  rnp_output_t output = NULL;
  rnp_op_encrypt_t op = NULL;
  int result = -1;

  if (own == NULL)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_NO_SECRET_KEY,
                           "This account has no key of its own yet");
      return -1;
    }

  /* Streamed both ways (koi-pgp-stream.c): a file part is read from its
   * file a block at a time. */
  if ((input = koi_pgp_stream_input (istream)) == NULL
      || (output = koi_pgp_stream_output (ostream)) == NULL
      || rnp_op_encrypt_create (&op, self->ffi, input, output) != RNP_SUCCESS)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_FAILED,
                           "The OpenPGP library could not start encrypting");
      goto out;
    }

  for (guint i = 0; i < recipients->len; i++)
    {
      const char *name = g_ptr_array_index (recipients, i);
      rnp_key_handle_t key = locate_recipient (self, name);
      rnp_result_t status;

      if (key == NULL)
        {
          g_set_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_NO_PUBLIC_KEY,
                       "No key is known for %s", name);
          goto out;
        }
      status = rnp_op_encrypt_add_recipient (op, key);
      rnp_key_handle_destroy (key);
      if (status != RNP_SUCCESS)
        {
          g_set_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_BAD_KEY,
                       "The key for %s cannot encrypt: %s", name,
                       rnp_result_to_string (status));
          goto out;
        }
    }
  /* Always to the own key too: the copy in Sent and on the account's other
   * devices must stay readable. */
  if (rnp_op_encrypt_add_recipient (op, own) != RNP_SUCCESS
      || (sign && rnp_op_encrypt_add_signature (op, own, NULL) != RNP_SUCCESS))
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_FAILED,
                           "The own key cannot encrypt or sign");
      goto out;
    }

  /* SEIPDv1 (with MDC), never AEAD: what every Autocrypt peer reads. */
  rnp_op_encrypt_set_aead (op, "None");
  rnp_op_encrypt_set_cipher (op, "AES256");
  rnp_op_encrypt_set_hash (op, "SHA256");
  rnp_op_encrypt_set_armor (op, true);

  if (rnp_op_encrypt_execute (op) != RNP_SUCCESS || rnp_output_finish (output) != RNP_SUCCESS)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_FAILED,
                           "Encrypting failed");
      goto out;
    }
  g_mime_stream_flush (ostream);
  result = 0;

out:
  if (op != NULL)
    rnp_op_encrypt_destroy (op);
  if (output != NULL)
    rnp_output_destroy (output);
  if (input != NULL)
    rnp_input_destroy (input);
  rnp_key_handle_destroy (own);
  return result;
}

/* One signature of a verify operation as gmime describes it. The
 * certificate carries the signer's primary fingerprint when the key is
 * known, so the caller can compare it with the key it expects from the
 * sender: "valid" from librnp only means "valid by some key we hold". */
static GMimeSignature *
describe_signature (rnp_op_verify_signature_t signature)
{
  GMimeSignature *result = g_mime_signature_new ();
  g_autoptr (GMimeCertificate) certificate = g_mime_certificate_new ();
  rnp_result_t status = rnp_op_verify_signature_get_status (signature);
  rnp_key_handle_t key = NULL;
  rnp_signature_handle_t handle = NULL;
  uint32_t created = 0;
  uint32_t expires = 0;

  switch (status)
    {
    case RNP_SUCCESS:
      g_mime_signature_set_status (result, GMIME_SIGNATURE_STATUS_VALID
                                           | GMIME_SIGNATURE_STATUS_GREEN);
      break;
    case RNP_ERROR_KEY_NOT_FOUND:
      g_mime_signature_set_status (result, GMIME_SIGNATURE_STATUS_KEY_MISSING);
      break;
    case RNP_ERROR_SIGNATURE_EXPIRED:
      g_mime_signature_set_status (result, GMIME_SIGNATURE_STATUS_SIG_EXPIRED);
      break;
    default:
      g_mime_signature_set_status (result, GMIME_SIGNATURE_STATUS_RED);
      break;
    }

  if (rnp_op_verify_signature_get_times (signature, &created, &expires) == RNP_SUCCESS)
    {
      g_mime_signature_set_created (result, created);
      g_mime_signature_set_expires (result, expires);
    }

  if (rnp_op_verify_signature_get_key (signature, &key) == RNP_SUCCESS && key != NULL)
    {
      char *fingerprint = NULL;
      bool is_primary = true;

      rnp_key_is_primary (key, &is_primary);
      if (is_primary)
        rnp_key_get_fprint (key, &fingerprint);
      else
        rnp_key_get_primary_fprint (key, &fingerprint);
      if (fingerprint != NULL)
        {
          g_autofree char *upper = koi_rnp_take_fingerprint (fingerprint);

          g_mime_certificate_set_fingerprint (certificate, upper);
        }
      rnp_key_handle_destroy (key);
    }
  if (rnp_op_verify_signature_get_handle (signature, &handle) == RNP_SUCCESS)
    {
      char *keyid = NULL;

      if (rnp_signature_get_keyid (handle, &keyid) == RNP_SUCCESS && keyid != NULL)
        {
          g_mime_certificate_set_key_id (certificate, keyid);
          rnp_buffer_destroy (keyid);
        }
      rnp_signature_handle_destroy (handle);
    }
  g_mime_signature_set_certificate (result, certificate);
  return result;
}

static GMimeSignatureList *
describe_signatures (rnp_op_verify_t op)
{
  GMimeSignatureList *list = g_mime_signature_list_new ();
  size_t count = 0;

  rnp_op_verify_get_signature_count (op, &count);
  for (size_t i = 0; i < count; i++)
    {
      rnp_op_verify_signature_t signature = NULL;
      g_autoptr (GMimeSignature) described = NULL;

      if (rnp_op_verify_get_signature_at (op, i, &signature) != RNP_SUCCESS)
        continue;
      described = describe_signature (signature);
      g_mime_signature_list_add (list, described);
    }
  return list;
}

/* Decrypts (and verifies what is signed inside) into @ostream. Nothing is
 * written unless the data decrypted whole and its integrity check held:
 * librnp may have produced part of the plaintext before it noticed an
 * altered packet, and that part must never be shown. */
static GMimeDecryptResult *
koi_rnp_context_decrypt (GMimeCryptoContext  *context,
                         GMimeDecryptFlags    flags,
                         const char          *session_key,
                         GMimeStream         *istream,
                         GMimeStream         *ostream,
                         GError             **error)
{
  KoiRnpContext *self = KOI_RNP_CONTEXT (context);
  GMimeDecryptResult *result = NULL;
  rnp_input_t input = NULL;
  rnp_output_t output = NULL;
  rnp_op_verify_t op = NULL;
  char *mode = NULL;
  char *algorithm = NULL;
  bool integrity = false;
  rnp_result_t status;

  /* Streamed both ways (koi-pgp-stream.c), the hidden recipients named on
   * the way in (koi-pgp-hidden.c). The plaintext reaches @ostream before
   * the integrity check at its end: on any failure the caller must drop
   * what @ostream got, and every caller does (koi-pgp-mime.c). */
  if ((input = koi_pgp_stream_cipher_input (self, istream)) == NULL
      || (output = koi_pgp_stream_output (ostream)) == NULL
      || rnp_op_verify_create (&op, self->ffi, input, output) != RNP_SUCCESS)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_FAILED,
                           "The OpenPGP library could not start decrypting");
      goto out;
    }
  /* Signatures are judged below, one by one: a bad one must not hide the
   * text, only mark it. */
  rnp_op_verify_set_flags (op, RNP_VERIFY_IGNORE_SIGS_ON_DECRYPT);

  status = rnp_op_verify_execute (op);
  if (status == RNP_ERROR_NO_SUITABLE_KEY)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_NO_SECRET_KEY,
                           "The message is not encrypted to a key on this device");
      goto out;
    }
  if (status != RNP_SUCCESS)
    {
      g_set_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_DAMAGED,
                   "The encrypted message is damaged: %s", rnp_result_to_string (status));
      goto out;
    }

  if (rnp_op_verify_get_protection_info (op, &mode, &algorithm, &integrity) != RNP_SUCCESS
      || mode == NULL || g_str_equal (mode, "none") || !integrity)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_DAMAGED,
                           "The message is not encrypted with integrity protection");
      goto out;
    }

  g_mime_stream_flush (ostream);
  result = g_mime_decrypt_result_new ();
  {
    g_autoptr (GMimeSignatureList) signatures = describe_signatures (op);

    g_mime_decrypt_result_set_signatures (result, signatures);
  }
  if (algorithm != NULL && g_ascii_strcasecmp (algorithm, "AES256") == 0)
    g_mime_decrypt_result_set_cipher (result, GMIME_CIPHER_ALGO_AES256);
  else if (algorithm != NULL && g_ascii_strcasecmp (algorithm, "AES128") == 0)
    g_mime_decrypt_result_set_cipher (result, GMIME_CIPHER_ALGO_AES);

out:
  if (mode != NULL)
    rnp_buffer_destroy (mode);
  if (algorithm != NULL)
    rnp_buffer_destroy (algorithm);
  if (op != NULL)
    rnp_op_verify_destroy (op);
  if (output != NULL)
    rnp_output_destroy (output);
  if (input != NULL)
    rnp_input_destroy (input);
  return result;
}

static int
koi_rnp_context_sign (GMimeCryptoContext  *context,
                      gboolean             detach,
                      const char          *userid,
                      GMimeStream         *istream,
                      GMimeStream         *ostream,
                      GError             **error)
{
  KoiRnpContext *self = KOI_RNP_CONTEXT (context);
  g_autoptr (GBytes) plain = stream_to_bytes (istream);
  rnp_key_handle_t own = koi_rnp_context_locate_own (self);
  rnp_input_t input = NULL;
  rnp_output_t output = NULL;
  rnp_op_sign_t op = NULL;
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (plain, &length);
  rnp_result_t status;
  int result = -1;

  if (own == NULL)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_NO_SECRET_KEY,
                           "This account has no key of its own yet");
      return -1;
    }
  status = rnp_input_from_memory (&input, data, length, false);
  if (status == RNP_SUCCESS)
    status = rnp_output_to_memory (&output, 0);
  if (status == RNP_SUCCESS)
    status = detach ? rnp_op_sign_detached_create (&op, self->ffi, input, output)
                    : rnp_op_sign_create (&op, self->ffi, input, output);
  if (status == RNP_SUCCESS)
    status = rnp_op_sign_add_signature (op, own, NULL);
  if (status == RNP_SUCCESS)
    {
      rnp_op_sign_set_hash (op, "SHA256");
      rnp_op_sign_set_armor (op, true);
      status = rnp_op_sign_execute (op);
    }
  if (status != RNP_SUCCESS)
    g_set_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_FAILED,
                 "Signing failed: %s", rnp_result_to_string (status));
  else if (write_output (output, ostream, error))
    result = GMIME_DIGEST_ALGO_SHA256;

  if (op != NULL)
    rnp_op_sign_destroy (op);
  if (output != NULL)
    rnp_output_destroy (output);
  if (input != NULL)
    rnp_input_destroy (input);
  rnp_key_handle_destroy (own);
  return result;
}

static GMimeSignatureList *
koi_rnp_context_verify (GMimeCryptoContext  *context,
                        GMimeVerifyFlags     flags,
                        GMimeStream         *istream,
                        GMimeStream         *sigstream,
                        GMimeStream         *ostream,
                        GError             **error)
{
  KoiRnpContext *self = KOI_RNP_CONTEXT (context);
  g_autoptr (GBytes) content = stream_to_bytes (istream);
  g_autoptr (GBytes) signature = NULL;
  GMimeSignatureList *result = NULL;
  rnp_input_t input = NULL;
  rnp_input_t signature_input = NULL;
  rnp_output_t output = NULL;
  rnp_op_verify_t op = NULL;
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (content, &length);
  rnp_result_t status;

  status = rnp_input_from_memory (&input, data, length, false);
  if (status == RNP_SUCCESS && sigstream != NULL)
    {
      gsize signature_length = 0;
      const guint8 *signature_data;

      signature = stream_to_bytes (sigstream);
      signature_data = g_bytes_get_data (signature, &signature_length);
      status = rnp_input_from_memory (&signature_input, signature_data, signature_length,
                                      false);
      if (status == RNP_SUCCESS)
        status = rnp_op_verify_detached_create (&op, self->ffi, input, signature_input);
    }
  else if (status == RNP_SUCCESS)
    {
      status = rnp_output_to_memory (&output, 0);
      if (status == RNP_SUCCESS)
        status = rnp_op_verify_create (&op, self->ffi, input, output);
    }
  if (status == RNP_SUCCESS)
    {
      /* Whatever the verdict, the signatures say it one by one. */
      status = rnp_op_verify_execute (op);
      if (status == RNP_SUCCESS || status == RNP_ERROR_SIGNATURE_INVALID
          || status == RNP_ERROR_KEY_NOT_FOUND || status == RNP_ERROR_SIGNATURE_EXPIRED)
        {
          size_t count = 0;

          rnp_op_verify_get_signature_count (op, &count);
          if (count > 0)
            {
              status = RNP_SUCCESS;
              result = describe_signatures (op);
            }
        }
    }
  if (result == NULL)
    g_set_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_DAMAGED,
                 "The signature could not be read: %s", rnp_result_to_string (status));
  else if (output != NULL && ostream != NULL && !write_output (output, ostream, error))
    g_clear_object (&result);

  if (op != NULL)
    rnp_op_verify_destroy (op);
  if (output != NULL)
    rnp_output_destroy (output);
  if (signature_input != NULL)
    rnp_input_destroy (signature_input);
  if (input != NULL)
    rnp_input_destroy (input);
  return result;
}

static GMimeDigestAlgo
koi_rnp_context_digest_id (GMimeCryptoContext *context,
                           const char         *name)
{
  if (name == NULL)
    return GMIME_DIGEST_ALGO_DEFAULT;
  if (g_ascii_strncasecmp (name, "pgp-", 4) == 0)
    name += 4;
  if (g_ascii_strcasecmp (name, "sha256") == 0)
    return GMIME_DIGEST_ALGO_SHA256;
  if (g_ascii_strcasecmp (name, "sha512") == 0)
    return GMIME_DIGEST_ALGO_SHA512;
  if (g_ascii_strcasecmp (name, "sha1") == 0)
    return GMIME_DIGEST_ALGO_SHA1;
  return GMIME_DIGEST_ALGO_DEFAULT;
}

static const char *
koi_rnp_context_digest_name (GMimeCryptoContext *context,
                             GMimeDigestAlgo     digest)
{
  switch (digest)
    {
    case GMIME_DIGEST_ALGO_SHA1:
      return "pgp-sha1";
    case GMIME_DIGEST_ALGO_SHA512:
      return "pgp-sha512";
    case GMIME_DIGEST_ALGO_SHA256:
    default:
      return "pgp-sha256";
    }
}

static const char *
koi_rnp_context_get_signature_protocol (GMimeCryptoContext *context)
{
  return "application/pgp-signature";
}

static const char *
koi_rnp_context_get_encryption_protocol (GMimeCryptoContext *context)
{
  return "application/pgp-encrypted";
}

static const char *
koi_rnp_context_get_key_exchange_protocol (GMimeCryptoContext *context)
{
  return "application/pgp-keys";
}

static int
koi_rnp_context_import_keys (GMimeCryptoContext  *context,
                             GMimeStream         *istream,
                             GError             **error)
{
  g_autoptr (GBytes) keydata = stream_to_bytes (istream);
  g_autofree char *fingerprint =
    koi_rnp_context_add_public_key (KOI_RNP_CONTEXT (context), keydata, error);

  return fingerprint != NULL ? 1 : -1;
}

static int
koi_rnp_context_export_keys (GMimeCryptoContext  *context,
                             const char          *keys[],
                             GMimeStream         *ostream,
                             GError             **error)
{
  g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_FAILED,
                       "Keys are exported through Autocrypt only");
  return -1;
}

static void
koi_rnp_context_finalize (GObject *object)
{
  KoiRnpContext *self = KOI_RNP_CONTEXT (object);

  rnp_ffi_destroy (self->ffi);
  g_hash_table_unref (self->imported);
  g_free (self->own_fingerprint);
  g_free (self->own_address);

  G_OBJECT_CLASS (koi_rnp_context_parent_class)->finalize (object);
}

/* librnp and Botan allocate and free a few hundred kilobytes for every
 * message (stream caches, key schedules). glibc gives freed memory at the
 * top of the heap back to the kernel once it exceeds 128 KiB, so the next
 * message faulted the same pages in again: 1.8 s of system time in a
 * 10,000-message encrypted catch-up, almost all page faults in memset
 * (perf record -e page-faults; docs/PERFORMANCE.md, section 16). Keeping
 * up to KEEP_FREE_HEAP of it costs no more than that in the worst case
 * and removes the churn. Process-wide, set once, when the first context
 * class is made (plain mail never gets here). */
#define KEEP_FREE_HEAP  (8 * 1024 * 1024)
#define KEEP_HEAP_BLOCK (1024 * 1024)

static void
keep_heap (void)
{
#ifdef __GLIBC__
  /* Setting one threshold freezes glibc's adaptive mmap threshold at
   * 128 KiB; it would have risen to the largest block freed, so it is
   * set to a size that still sends whole files to mmap. */
  if (mallopt (M_TRIM_THRESHOLD, KEEP_FREE_HEAP) != 1
      || mallopt (M_MMAP_THRESHOLD, KEEP_HEAP_BLOCK) != 1)
    g_debug ("mallopt refused a heap threshold");
#endif
}

static void
koi_rnp_context_class_init (KoiRnpContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GMimeCryptoContextClass *crypto_class = GMIME_CRYPTO_CONTEXT_CLASS (klass);

  keep_heap ();

  object_class->finalize = koi_rnp_context_finalize;

  crypto_class->digest_id = koi_rnp_context_digest_id;
  crypto_class->digest_name = koi_rnp_context_digest_name;
  crypto_class->get_signature_protocol = koi_rnp_context_get_signature_protocol;
  crypto_class->get_encryption_protocol = koi_rnp_context_get_encryption_protocol;
  crypto_class->get_key_exchange_protocol = koi_rnp_context_get_key_exchange_protocol;
  crypto_class->sign = koi_rnp_context_sign;
  crypto_class->verify = koi_rnp_context_verify;
  crypto_class->encrypt = koi_rnp_context_encrypt;
  crypto_class->decrypt = koi_rnp_context_decrypt;
  crypto_class->import_keys = koi_rnp_context_import_keys;
  crypto_class->export_keys = koi_rnp_context_export_keys;
}

static void
koi_rnp_context_init (KoiRnpContext *self)
{
  if (rnp_ffi_create (&self->ffi, "GPG", "GPG") != RNP_SUCCESS)
    g_error ("librnp could not create a keyring");
  self->imported = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                          (GDestroyNotify) g_bytes_unref, g_free);
}

KoiRnpContext *
koi_rnp_context_new (void)
{
  return g_object_new (KOI_TYPE_RNP_CONTEXT, NULL);
}
