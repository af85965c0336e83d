/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What moving the key to another device costs on the devices themselves,
 * without network: making the setup message's payload from the key file,
 * encrypting it with a new code (librnp calibrates the S2K iterations, so
 * this is where the time goes), and the other device's decrypt with the
 * right and with a wrong code. A wrong code must not be much cheaper to
 * try than a right one. Prints figures; passes whatever they are.
 */
#include "config.h"

#include <string.h>

#include "koi-coi.h"
#include "koi-pgp-setup.h"
#include "koi-rnp-context.h"

#define ROUNDS 10

static double
ms_since (gint64 start_us)
{
  return (g_get_monotonic_time () - start_us) / 1000.0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (KoiRnpContext) context = NULL;
  g_autoptr (GBytes) key_file = NULL;
  g_autoptr (GError) error = NULL;
  double payload_ms = 0, encrypt_ms = 0, right_ms = 0, wrong_ms = 0, import_ms = 0;
  gsize armoured_size = 0;

  g_mime_init ();
  context = koi_rnp_context_new ();
  if (!koi_rnp_context_generate_own_key (context, "alice@example.org", &error) ||
      (key_file = koi_rnp_context_export_own_key (context, "bench-passphrase", &error)) == NULL)
    g_error ("No key: %s", error->message);

  for (int i = 0; i < ROUNDS; i++)
    {
      g_autoptr (GBytes) payload = NULL;
      g_autoptr (GBytes) decrypted = NULL;
      g_autoptr (GBytes) wrong_result = NULL;
      g_autoptr (GBytes) new_file = NULL;
      g_autofree char *armoured = NULL;
      char *code = koi_pgp_setup_code_new ();
      char *wrong = g_strdup (code);
      gint64 start;

      wrong[0] = wrong[0] == '9' ? '0' : wrong[0] + 1;
      start = g_get_monotonic_time ();
      payload = koi_pgp_setup_payload_new (key_file, "bench-passphrase", &error);
      payload_ms += ms_since (start);
      start = g_get_monotonic_time ();
      armoured = koi_pgp_setup_encrypt (payload, code, &error);
      encrypt_ms += ms_since (start);
      g_assert_nonnull (armoured);
      armoured_size = strlen (armoured);
      start = g_get_monotonic_time ();
      decrypted = koi_pgp_setup_decrypt (armoured, code, &error);
      right_ms += ms_since (start);
      g_assert_nonnull (decrypted);
      start = g_get_monotonic_time ();
      wrong_result = koi_pgp_setup_decrypt (armoured, wrong, NULL);
      wrong_ms += ms_since (start);
      g_assert_null (wrong_result);
      start = g_get_monotonic_time ();
      new_file = koi_pgp_setup_key_file_new (decrypted, "new-passphrase", NULL, NULL, &error);
      import_ms += ms_since (start);
      g_assert_nonnull (new_file);
      koi_pgp_setup_code_free (code);
      koi_pgp_setup_code_free (wrong);
    }

  g_print ("Autocrypt Setup Message, %d rounds, Ed25519/Curve25519 key, armoured block %" G_GSIZE_FORMAT " B\n",
           ROUNDS, armoured_size);
  g_print ("  payload from the key file (unprotect + armour): %7.1f ms\n", payload_ms / ROUNDS);
  g_print ("  encrypt with a new code (S2K + AES-128):         %7.1f ms\n", encrypt_ms / ROUNDS);
  g_print ("  decrypt, right code:                            %7.1f ms\n", right_ms / ROUNDS);
  g_print ("  decrypt, wrong code (refused):                  %7.1f ms\n", wrong_ms / ROUNDS);
  g_print ("  new key file (protect with a new passphrase):   %7.1f ms\n", import_ms / ROUNDS);
  return 0;
}
