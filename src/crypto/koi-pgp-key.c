/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-crypto"

#include "koi-pgp-key.h"

#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

G_DEFINE_QUARK (koi-pgp-error-quark, koi_pgp_error)

/* A key handle and the ffi it belongs to are freed in that order. */
static void
free_key (rnp_key_handle_t key)
{
  if (key != NULL)
    rnp_key_handle_destroy (key);
}

/* True when @key or one of its subkeys may encrypt: an Autocrypt key that
 * cannot is of no use to Koi, and a peer advertising one must not make Koi
 * believe it can encrypt to them. */
static gboolean
key_can_encrypt (rnp_key_handle_t key)
{
  bool allows = false;
  size_t count = 0;

  if (rnp_key_allows_usage (key, "encrypt", &allows) == RNP_SUCCESS && allows)
    return TRUE;
  if (rnp_key_get_subkey_count (key, &count) != RNP_SUCCESS)
    return FALSE;
  for (size_t i = 0; i < count; i++)
    {
      rnp_key_handle_t subkey = NULL;
      bool revoked = false;

      if (rnp_key_get_subkey_at (key, i, &subkey) != RNP_SUCCESS)
        continue;
      allows = false;
      rnp_key_allows_usage (subkey, "encrypt", &allows);
      rnp_key_is_revoked (subkey, &revoked);
      free_key (subkey);
      if (allows && !revoked)
        return TRUE;
    }
  return FALSE;
}

/**
 * koi_pgp_key_fingerprint:
 * @keydata: an OpenPGP public key, binary (as in an Autocrypt header's
 *   keydata) or ASCII-armoured (as in a vCard or a file)
 * @error: a %KOI_PGP_ERROR when @keydata is not a usable key
 *
 * Reads the first key in @keydata without touching any keyring and
 * returns its primary key's fingerprint as 40 upper-case hex digits, the
 * form Koi stores and compares. Fails when the key cannot encrypt or is
 * revoked.
 */
char *
koi_pgp_key_fingerprint (GBytes  *keydata,
                         GError **error)
{
  rnp_ffi_t ffi = NULL;
  rnp_input_t input = NULL;
  rnp_identifier_iterator_t iterator = NULL;
  rnp_key_handle_t primary = NULL;
  const char *identifier = NULL;
  char *fingerprint = NULL;
  char *result = NULL;
  gsize length = 0;
  const guint8 *data;
  rnp_result_t status;

  g_return_val_if_fail (keydata != NULL, NULL);

  data = g_bytes_get_data (keydata, &length);
  if (length == 0)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_BAD_KEY,
                           "The key is empty");
      return NULL;
    }

  if (rnp_ffi_create (&ffi, "GPG", "GPG") != RNP_SUCCESS)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_FAILED,
                           "The OpenPGP library could not start");
      return NULL;
    }

  status = rnp_input_from_memory (&input, data, length, false);
  if (status == RNP_SUCCESS)
    status = rnp_import_keys (ffi, input,
                              RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SINGLE,
                              NULL);
  if (status != RNP_SUCCESS)
    {
      g_set_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_BAD_KEY,
                   "Not an OpenPGP key: %s", rnp_result_to_string (status));
      goto out;
    }

  /* The import holds one primary key with its subkeys; find the primary. */
  if (rnp_identifier_iterator_create (ffi, &iterator, "fingerprint") != RNP_SUCCESS)
    goto failed;
  while (rnp_identifier_iterator_next (iterator, &identifier) == RNP_SUCCESS
         && identifier != NULL)
    {
      rnp_key_handle_t key = NULL;
      bool is_primary = false;

      if (rnp_locate_key (ffi, "fingerprint", identifier, &key) != RNP_SUCCESS
          || key == NULL)
        continue;
      if (rnp_key_is_primary (key, &is_primary) == RNP_SUCCESS && is_primary)
        {
          primary = key;
          break;
        }
      free_key (key);
    }

  if (primary == NULL)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_BAD_KEY,
                           "The key data holds no primary key");
      goto out;
    }

  {
    bool revoked = false;

    rnp_key_is_revoked (primary, &revoked);
    if (revoked || !key_can_encrypt (primary))
      {
        g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_BAD_KEY,
                             revoked ? "The key is revoked"
                                     : "The key cannot be used to encrypt");
        goto out;
      }
  }

  if (rnp_key_get_fprint (primary, &fingerprint) != RNP_SUCCESS)
    goto failed;
  result = g_ascii_strup (fingerprint, -1);
  goto out;

failed:
  g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_FAILED,
                       "The OpenPGP library could not read the key");
out:
  if (fingerprint != NULL)
    rnp_buffer_destroy (fingerprint);
  free_key (primary);
  if (iterator != NULL)
    rnp_identifier_iterator_destroy (iterator);
  if (input != NULL)
    rnp_input_destroy (input);
  rnp_ffi_destroy (ffi);
  return result;
}

/**
 * koi_pgp_fingerprint_display:
 * @fingerprint: hex digits as koi_pgp_key_fingerprint() returns them
 *
 * Returns the fingerprint grouped in fours ("AB12 CD34 …"), the form people
 * read aloud to compare keys.
 */
char *
koi_pgp_fingerprint_display (const char *fingerprint)
{
  GString *display;

  g_return_val_if_fail (fingerprint != NULL, NULL);

  display = g_string_sized_new (strlen (fingerprint) * 5 / 4 + 1);
  for (gsize i = 0; fingerprint[i] != '\0'; i++)
    {
      if (i > 0 && i % 4 == 0)
        g_string_append_c (display, ' ');
      g_string_append_c (display, g_ascii_toupper (fingerprint[i]));
    }
  return g_string_free (display, FALSE);
}
