/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-crypto"

#include <sys/random.h>

#include "koi-rnp-context-private.h"

/* The account's own key: made once, kept in the profile encrypted with a
 * passphrase only the Secret Service holds, unlocked in memory while the
 * account runs. */

static void
clear_key (rnp_key_handle_t *key)
{
  if (*key != NULL)
    rnp_key_handle_destroy (*key);
  *key = NULL;
}

/**
 * koi_pgp_random_passphrase:
 *
 * 32 random bytes from the kernel as 64 hex digits: the passphrase that
 * protects the own key on disk. It goes to the Secret Service only.
 */
char *
koi_pgp_random_passphrase (void)
{
  guint8 bytes[32];
  GString *text = g_string_sized_new (65);
  gsize done = 0;

  while (done < sizeof bytes)
    {
      ssize_t got = getrandom (bytes + done, sizeof bytes - done, 0);

      if (got < 0)
        g_error ("The kernel gave no random bytes");
      done += got;
    }
  for (gsize i = 0; i < sizeof bytes; i++)
    g_string_append_printf (text, "%02x", bytes[i]);
  explicit_bzero (bytes, sizeof bytes);
  return g_string_free (text, FALSE);
}

/**
 * koi_rnp_context_generate_own_key:
 * @address: the account's address; the user id is "<address>", the form
 *   Autocrypt asks for (no name: the key must not leak one)
 *
 * Makes a v4 key: Ed25519 primary (sign, certify) and a Curve25519
 * encryption subkey, without expiry. librnp 0.16 writes neither v5 keys
 * nor AEAD/SEIPDv2 feature flags, so peers answer with SEIPDv1, which every
 * Autocrypt client (Delta Chat's rPGP included) reads and writes.
 */
gboolean
koi_rnp_context_generate_own_key (KoiRnpContext  *self,
                                  const char     *address,
                                  GError        **error)
{
  rnp_ffi_t ffi = koi_rnp_context_get_ffi (self);
  rnp_op_generate_t op = NULL;
  rnp_key_handle_t primary = NULL;
  rnp_key_handle_t subkey = NULL;
  g_autofree char *userid = NULL;
  g_autofree char *fingerprint = NULL;
  char *buffer = NULL;
  rnp_result_t status;

  g_return_val_if_fail (KOI_IS_RNP_CONTEXT (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  g_return_val_if_fail (!koi_rnp_context_has_own_key (self), FALSE);

  userid = g_strdup_printf ("<%s>", address);
  status = rnp_op_generate_create (&op, ffi, "EDDSA");
  if (status == RNP_SUCCESS)
    status = rnp_op_generate_set_userid (op, userid);
  if (status == RNP_SUCCESS)
    {
      rnp_op_generate_clear_usage (op);
      rnp_op_generate_add_usage (op, "sign");
      status = rnp_op_generate_add_usage (op, "certify");
    }
  if (status == RNP_SUCCESS)
    status = rnp_op_generate_set_expiration (op, 0);
  if (status == RNP_SUCCESS)
    status = rnp_op_generate_execute (op);
  if (status == RNP_SUCCESS)
    status = rnp_op_generate_get_key (op, &primary);
  if (op != NULL)
    rnp_op_generate_destroy (op);
  op = NULL;

  if (status == RNP_SUCCESS)
    status = rnp_op_generate_subkey_create (&op, ffi, primary, "ECDH");
  if (status == RNP_SUCCESS)
    status = rnp_op_generate_set_curve (op, "Curve25519");
  if (status == RNP_SUCCESS)
    {
      rnp_op_generate_clear_usage (op);
      status = rnp_op_generate_add_usage (op, "encrypt");
    }
  if (status == RNP_SUCCESS)
    status = rnp_op_generate_set_expiration (op, 0);
  if (status == RNP_SUCCESS)
    status = rnp_op_generate_execute (op);
  if (status == RNP_SUCCESS)
    status = rnp_op_generate_get_key (op, &subkey);
  if (op != NULL)
    rnp_op_generate_destroy (op);

  if (status == RNP_SUCCESS)
    status = rnp_key_get_fprint (primary, &buffer);
  clear_key (&subkey);
  clear_key (&primary);
  if (status != RNP_SUCCESS)
    {
      g_set_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_FAILED,
                   "The key could not be made: %s", rnp_result_to_string (status));
      return FALSE;
    }
  fingerprint = koi_rnp_take_fingerprint (buffer);
  koi_rnp_context_set_own (self, fingerprint, address);
  g_debug ("Made the key %s for %s", fingerprint, address);
  return TRUE;
}

/* Unlocks the primary key and every subkey: rnp_key_unlock() works on one
 * key at a time. */
rnp_result_t
koi_rnp_unlock_all (rnp_key_handle_t  primary,
                    const char       *passphrase)
{
  size_t count = 0;
  rnp_result_t status = rnp_key_unlock (primary, passphrase);

  if (status != RNP_SUCCESS)
    return status;
  rnp_key_get_subkey_count (primary, &count);
  for (size_t i = 0; i < count && status == RNP_SUCCESS; i++)
    {
      rnp_key_handle_t subkey = NULL;

      status = rnp_key_get_subkey_at (primary, i, &subkey);
      if (status == RNP_SUCCESS)
        status = rnp_key_unlock (subkey, passphrase);
      clear_key (&subkey);
    }
  return status;
}

rnp_result_t
koi_rnp_protect_all (rnp_key_handle_t  primary,
                     const char       *passphrase)
{
  size_t count = 0;
  rnp_result_t status = rnp_key_protect (primary, passphrase, "AES256", NULL, "SHA256", 0);

  rnp_key_get_subkey_count (primary, &count);
  for (size_t i = 0; i < count && status == RNP_SUCCESS; i++)
    {
      rnp_key_handle_t subkey = NULL;

      status = rnp_key_get_subkey_at (primary, i, &subkey);
      if (status == RNP_SUCCESS)
        status = rnp_key_protect (subkey, passphrase, "AES256", NULL, "SHA256", 0);
      clear_key (&subkey);
    }
  return status;
}

/**
 * koi_rnp_context_export_own_key:
 * @passphrase: what protects the secret key in the result
 *
 * The own key with its secret parts, encrypted with @passphrase (S2K,
 * AES-256): the bytes of the key file in the profile. The key stays
 * unlocked in this context.
 */
GBytes *
koi_rnp_context_export_own_key (KoiRnpContext  *self,
                                const char     *passphrase,
                                GError        **error)
{
  rnp_key_handle_t own = NULL;
  rnp_output_t output = NULL;
  GBytes *result = NULL;
  rnp_result_t status;

  g_return_val_if_fail (KOI_IS_RNP_CONTEXT (self), NULL);
  g_return_val_if_fail (passphrase != NULL && *passphrase != '\0', NULL);

  own = koi_rnp_context_locate_own (self);
  if (own == NULL)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_NO_SECRET_KEY,
                           "This account has no key of its own yet");
      return NULL;
    }

  status = koi_rnp_protect_all (own, passphrase);
  if (status == RNP_SUCCESS)
    status = rnp_output_to_memory (&output, 0);
  if (status == RNP_SUCCESS)
    status = rnp_key_export (own, output, RNP_KEY_EXPORT_SECRET | RNP_KEY_EXPORT_SUBKEYS);
  if (status == RNP_SUCCESS)
    result = koi_rnp_output_to_bytes (output);
  /* Protecting locked the key; it stays usable here. */
  if (status == RNP_SUCCESS)
    status = koi_rnp_unlock_all (own, passphrase);
  if (status != RNP_SUCCESS)
    {
      g_clear_pointer (&result, g_bytes_unref);
      g_set_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_FAILED,
                   "The key could not be saved: %s", rnp_result_to_string (status));
    }
  if (output != NULL)
    rnp_output_destroy (output);
  clear_key (&own);
  return result;
}

/* The first primary key that has its secret part. */
rnp_key_handle_t
koi_rnp_find_secret_primary (rnp_ffi_t ffi)
{
  rnp_identifier_iterator_t iterator = NULL;
  const char *identifier = NULL;
  rnp_key_handle_t found = NULL;

  if (rnp_identifier_iterator_create (ffi, &iterator, "fingerprint") != RNP_SUCCESS)
    return NULL;
  while (found == NULL
         && rnp_identifier_iterator_next (iterator, &identifier) == RNP_SUCCESS
         && identifier != NULL)
    {
      rnp_key_handle_t key = NULL;
      bool is_primary = false;
      bool secret = false;

      if (rnp_locate_key (ffi, "fingerprint", identifier, &key) != RNP_SUCCESS || key == NULL)
        continue;
      rnp_key_is_primary (key, &is_primary);
      rnp_key_have_secret (key, &secret);
      if (is_primary && secret)
        found = key;
      else
        clear_key (&key);
    }
  rnp_identifier_iterator_destroy (iterator);
  return found;
}

/* "<alice@example.org>" → "alice@example.org" */
char *
koi_rnp_key_address (rnp_key_handle_t key)
{
  char *uid = NULL;
  char *address = NULL;

  if (rnp_key_get_primary_uid (key, &uid) != RNP_SUCCESS || uid == NULL)
    return NULL;
  {
    const char *start = strchr (uid, '<');
    const char *end = start != NULL ? strchr (start, '>') : NULL;

    address = end != NULL ? g_strndup (start + 1, end - start - 1) : g_strdup (uid);
  }
  rnp_buffer_destroy (uid);
  return address;
}

/**
 * koi_rnp_context_load_own_key:
 * @secret: the key file's bytes, as koi_rnp_context_export_own_key() made them
 * @passphrase: the passphrase from the Secret Service
 *
 * Loads and unlocks the own key. Fails with
 * %KOI_PGP_ERROR_WRONG_PASSPHRASE when @passphrase does not open it.
 */
gboolean
koi_rnp_context_load_own_key (KoiRnpContext  *self,
                              GBytes         *secret,
                              const char     *passphrase,
                              GError        **error)
{
  rnp_ffi_t ffi = koi_rnp_context_get_ffi (self);
  rnp_input_t input = NULL;
  rnp_key_handle_t primary = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *address = NULL;
  char *buffer = NULL;
  gsize length = 0;
  const guint8 *data;
  rnp_result_t status;

  g_return_val_if_fail (KOI_IS_RNP_CONTEXT (self), FALSE);
  g_return_val_if_fail (secret != NULL && passphrase != NULL, FALSE);
  g_return_val_if_fail (!koi_rnp_context_has_own_key (self), FALSE);

  data = g_bytes_get_data (secret, &length);
  status = rnp_input_from_memory (&input, data, length, false);
  if (status == RNP_SUCCESS)
    status = rnp_import_keys (ffi, input,
                              RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS, NULL);
  if (input != NULL)
    rnp_input_destroy (input);
  if (status != RNP_SUCCESS || (primary = koi_rnp_find_secret_primary (ffi)) == NULL)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_BAD_KEY,
                           "The key file holds no secret key");
      return FALSE;
    }

  status = koi_rnp_unlock_all (primary, passphrase);
  if (status != RNP_SUCCESS)
    {
      clear_key (&primary);
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_WRONG_PASSPHRASE,
                           "The key file could not be unlocked");
      return FALSE;
    }
  rnp_key_get_fprint (primary, &buffer);
  fingerprint = koi_rnp_take_fingerprint (buffer);
  address = koi_rnp_key_address (primary);
  clear_key (&primary);
  koi_rnp_context_set_own (self, fingerprint, address);
  return TRUE;
}

/**
 * koi_rnp_context_export_autocrypt:
 *
 * The own key as an Autocrypt header's keydata (binary): the primary key,
 * the one user id and the encryption subkey, no other signatures.
 */
GBytes *
koi_rnp_context_export_autocrypt (KoiRnpContext  *self,
                                  GError        **error)
{
  rnp_key_handle_t own = NULL;
  rnp_output_t output = NULL;
  GBytes *result = NULL;
  rnp_result_t status;

  g_return_val_if_fail (KOI_IS_RNP_CONTEXT (self), NULL);

  own = koi_rnp_context_locate_own (self);
  if (own == NULL)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_NO_SECRET_KEY,
                           "This account has no key of its own yet");
      return NULL;
    }
  status = rnp_output_to_memory (&output, 0);
  if (status == RNP_SUCCESS)
    status = rnp_key_export_autocrypt (own, NULL, NULL, output, 0);
  if (status == RNP_SUCCESS)
    result = koi_rnp_output_to_bytes (output);
  else
    g_set_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_FAILED,
                 "The key could not be exported: %s", rnp_result_to_string (status));
  if (output != NULL)
    rnp_output_destroy (output);
  clear_key (&own);
  return result;
}

/* librnp's JSON description of the packets peers receive (the Autocrypt
 * export: primary key, user id, subkey and their signatures), for tests
 * that check what the key advertises. */
char *
koi_rnp_context_dump_own_key_json (KoiRnpContext *self)
{
  g_autoptr (GBytes) keydata = koi_rnp_context_export_autocrypt (self, NULL);
  rnp_input_t input = NULL;
  char *json = NULL;
  char *copy = NULL;
  gsize length = 0;
  const guint8 *data;

  if (keydata == NULL)
    return NULL;
  data = g_bytes_get_data (keydata, &length);
  if (rnp_input_from_memory (&input, data, length, false) == RNP_SUCCESS
      && rnp_dump_packets_to_json (input, RNP_JSON_DUMP_MPI, &json) == RNP_SUCCESS)
    {
      copy = g_strdup (json);
      rnp_buffer_destroy (json);
    }
  if (input != NULL)
    rnp_input_destroy (input);
  return copy;
}

/**
 * koi_pgp_own_key_file_fingerprint:
 * @secret: a key file's bytes
 *
 * The fingerprint of the key in a key file, read without its passphrase:
 * it names the Secret Service item that holds the passphrase.
 */
char *
koi_pgp_own_key_file_fingerprint (GBytes  *secret,
                                  GError **error)
{
  rnp_ffi_t ffi = NULL;
  rnp_input_t input = NULL;
  rnp_key_handle_t primary = NULL;
  char *buffer = NULL;
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (secret, &length);
  rnp_result_t status;

  if (rnp_ffi_create (&ffi, "GPG", "GPG") != RNP_SUCCESS)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_FAILED,
                           "The OpenPGP library could not start");
      return NULL;
    }
  status = rnp_input_from_memory (&input, data, length, false);
  if (status == RNP_SUCCESS)
    status = rnp_import_keys (ffi, input,
                              RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS, NULL);
  if (status == RNP_SUCCESS && (primary = koi_rnp_find_secret_primary (ffi)) != NULL)
    rnp_key_get_fprint (primary, &buffer);
  clear_key (&primary);
  if (input != NULL)
    rnp_input_destroy (input);
  rnp_ffi_destroy (ffi);
  if (buffer == NULL)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_BAD_KEY,
                           "The key file holds no secret key");
      return NULL;
    }
  return koi_rnp_take_fingerprint (buffer);
}
