/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

#include "koi-pgp-key.h"

/* Keys are made here with librnp itself, so the test needs no fixture file
 * and checks Koi's reading against the library's own view of the key. */

typedef struct
{
  rnp_ffi_t ffi;
  rnp_key_handle_t key;
} Keyring;

static void
keyring_init (Keyring *ring, gboolean with_encryption_subkey)
{
  g_assert_cmpint (rnp_ffi_create (&ring->ffi, "GPG", "GPG"), ==, RNP_SUCCESS);
  if (with_encryption_subkey)
    {
      g_assert_cmpint (rnp_generate_key_25519 (ring->ffi, "<alice@example.org>", NULL,
                                               &ring->key),
                       ==, RNP_SUCCESS);
    }
  else
    {
      /* Ed25519 alone: may sign, may not encrypt. */
      g_assert_cmpint (rnp_generate_key_ex (ring->ffi, "EDDSA", NULL, 0, 0, NULL, NULL,
                                            "<signonly@example.org>", NULL, &ring->key),
                       ==, RNP_SUCCESS);
    }
}

static void
keyring_clear (Keyring *ring)
{
  rnp_key_handle_destroy (ring->key);
  rnp_ffi_destroy (ring->ffi);
}

static GBytes *
export_public (rnp_key_handle_t key, gboolean armored)
{
  rnp_output_t output = NULL;
  uint8_t *buffer = NULL;
  size_t length = 0;
  GBytes *bytes;
  guint32 flags = RNP_KEY_EXPORT_PUBLIC | RNP_KEY_EXPORT_SUBKEYS;

  if (armored)
    flags |= RNP_KEY_EXPORT_ARMORED;
  g_assert_cmpint (rnp_output_to_memory (&output, 0), ==, RNP_SUCCESS);
  g_assert_cmpint (rnp_key_export (key, output, flags), ==, RNP_SUCCESS);
  g_assert_cmpint (rnp_output_memory_get_buf (output, &buffer, &length, false), ==,
                   RNP_SUCCESS);
  bytes = g_bytes_new (buffer, length);
  rnp_output_destroy (output);
  return bytes;
}

static char *
library_fingerprint (rnp_key_handle_t key)
{
  char *fingerprint = NULL;
  char *copy;

  g_assert_cmpint (rnp_key_get_fprint (key, &fingerprint), ==, RNP_SUCCESS);
  copy = g_ascii_strup (fingerprint, -1);
  rnp_buffer_destroy (fingerprint);
  return copy;
}

static void
test_fingerprint_binary_and_armored (void)
{
  Keyring ring;
  g_autofree char *expected = NULL;

  keyring_init (&ring, TRUE);
  expected = library_fingerprint (ring.key);
  g_assert_cmpuint (strlen (expected), ==, 40);

  for (int armored = 0; armored <= 1; armored++)
    {
      g_autoptr (GBytes) keydata = export_public (ring.key, armored);
      g_autoptr (GError) error = NULL;
      g_autofree char *fingerprint = koi_pgp_key_fingerprint (keydata, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (fingerprint, ==, expected);
    }
  keyring_clear (&ring);
}

static void
test_key_that_cannot_encrypt (void)
{
  Keyring ring;
  g_autoptr (GBytes) keydata = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *fingerprint = NULL;

  keyring_init (&ring, FALSE);
  keydata = export_public (ring.key, FALSE);
  fingerprint = koi_pgp_key_fingerprint (keydata, &error);
  g_assert_null (fingerprint);
  g_assert_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_BAD_KEY);
  keyring_clear (&ring);
}

static void
test_garbage (void)
{
  static const char *inputs[] = {
    "",
    "not a key at all",
    "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n",
    "\x99\x00\x0d\x04\xff\xff\xff\xff",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr (GBytes) keydata = g_bytes_new_static (inputs[i], strlen (inputs[i]));
      g_autoptr (GError) error = NULL;
      g_autofree char *fingerprint = koi_pgp_key_fingerprint (keydata, &error);

      g_assert_null (fingerprint);
      g_assert_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_BAD_KEY);
    }
}

static void
test_display_groups_of_four (void)
{
  g_autofree char *display =
    koi_pgp_fingerprint_display ("0123456789abcdef0123456789ABCDEF01234567");

  g_assert_cmpstr (display, ==,
                   "0123 4567 89AB CDEF 0123 4567 89AB CDEF 0123 4567");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pgp-key/fingerprint", test_fingerprint_binary_and_armored);
  g_test_add_func ("/pgp-key/cannot-encrypt", test_key_that_cannot_encrypt);
  g_test_add_func ("/pgp-key/garbage", test_garbage);
  g_test_add_func ("/pgp-key/display", test_display_groups_of_four);
  return g_test_run ();
}
