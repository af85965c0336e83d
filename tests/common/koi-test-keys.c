/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

#include "koi-test-keys.h"

GBytes *
koi_test_make_key (const char  *address,
                   gboolean     can_encrypt,
                   char       **out_fingerprint)
{
  rnp_ffi_t ffi = NULL;
  rnp_key_handle_t key = NULL;
  rnp_output_t output = NULL;
  g_autofree char *uid = g_strdup_printf ("<%s>", address);
  uint8_t *buffer = NULL;
  size_t length = 0;
  char *fingerprint = NULL;
  GBytes *bytes;

  g_assert_cmpint (rnp_ffi_create (&ffi, "GPG", "GPG"), ==, RNP_SUCCESS);
  if (can_encrypt)
    g_assert_cmpint (rnp_generate_key_25519 (ffi, uid, NULL, &key), ==, RNP_SUCCESS);
  else
    g_assert_cmpint (rnp_generate_key_ex (ffi, "EDDSA", NULL, 0, 0, NULL, NULL, uid, NULL, &key),
                     ==, RNP_SUCCESS);
  g_assert_cmpint (rnp_output_to_memory (&output, 0), ==, RNP_SUCCESS);
  g_assert_cmpint (rnp_key_export (key, output, RNP_KEY_EXPORT_PUBLIC | RNP_KEY_EXPORT_SUBKEYS),
                   ==, RNP_SUCCESS);
  g_assert_cmpint (rnp_output_memory_get_buf (output, &buffer, &length, false), ==, RNP_SUCCESS);
  bytes = g_bytes_new (buffer, length);
  g_assert_cmpint (rnp_key_get_fprint (key, &fingerprint), ==, RNP_SUCCESS);
  if (out_fingerprint != NULL)
    *out_fingerprint = g_ascii_strup (fingerprint, -1);
  rnp_buffer_destroy (fingerprint);
  rnp_output_destroy (output);
  rnp_key_handle_destroy (key);
  rnp_ffi_destroy (ffi);
  return bytes;
}
