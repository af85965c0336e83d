/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <rnp/rnp.h>
#include <rnp/rnp_err.h>
#include <string.h>

#include "koi-pgp-setup.h"
#include "koi-rnp-context.h"

/* The Autocrypt Setup Message's cryptography: a key made by Koi travels
 * under a setup code and comes out as the same key, usable on the other
 * side; a wrong or altered message changes nothing. */

static GBytes *
make_key_file (char **out_fingerprint)
{
  g_autoptr (KoiRnpContext) context = koi_rnp_context_new ();
  g_autoptr (GError) error = NULL;
  GBytes *file;

  g_assert_true (koi_rnp_context_generate_own_key (context, "alice@example.org", &error));
  g_assert_no_error (error);
  file = koi_rnp_context_export_own_key (context, "device-one-passphrase", &error);
  g_assert_no_error (error);
  *out_fingerprint = g_strdup (koi_rnp_context_get_own_fingerprint (context));
  return file;
}

static void
test_code_shape (void)
{
  char *code = koi_pgp_setup_code_new ();
  char *other = koi_pgp_setup_code_new ();
  g_auto (GStrv) blocks = g_strsplit (code, "-", -1);

  g_assert_cmpuint (strlen (code), ==, 44);
  g_assert_cmpuint (g_strv_length (blocks), ==, 9);
  for (guint i = 0; blocks[i] != NULL; i++)
    {
      g_assert_cmpuint (strlen (blocks[i]), ==, 4);
      for (guint j = 0; j < 4; j++)
        g_assert_true (g_ascii_isdigit (blocks[i][j]));
    }
  g_assert_cmpstr (code, !=, other);
  koi_pgp_setup_code_free (code);
  koi_pgp_setup_code_free (other);
}

static void
test_code_normalize (void)
{
  const char *canonical = "1234-5678-9012-3456-7890-1234-5678-9012-3456";
  struct { const char *typed; gboolean valid; } cases[] = {
    { "1234-5678-9012-3456-7890-1234-5678-9012-3456", TRUE },
    { "123456789012345678901234567890123456", TRUE },
    { " 1234 5678 9012\n3456 7890 1234\t5678 9012 3456 ", TRUE },
    { "12345678-90123456-78901234-56789012-3456", TRUE },
    { "1234-5678-9012-3456-7890-1234-5678-9012-345", FALSE },
    { "1234-5678-9012-3456-7890-1234-5678-9012-34567", FALSE },
    { "1234-5678-9012-3456-7890-1234-5678-9012-345x", FALSE },
    { "", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *code = koi_pgp_setup_code_normalize (cases[i].typed);

      g_assert_cmpstr (code, ==, cases[i].valid ? canonical : NULL);
    }
}

static void
test_round_trip (void)
{
  g_autofree char *fingerprint = NULL;
  g_autofree char *imported_fingerprint = NULL;
  g_autofree char *address = NULL;
  g_autofree char *begin = NULL;
  g_autofree char *armoured = NULL;
  g_autoptr (GBytes) key_file = make_key_file (&fingerprint);
  g_autoptr (GBytes) payload = NULL;
  g_autoptr (GBytes) decrypted = NULL;
  g_autoptr (GBytes) new_file = NULL;
  g_autoptr (KoiRnpContext) device_two = koi_rnp_context_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *code = koi_pgp_setup_code_new ();
  g_autofree char *payload_text = NULL;

  payload = koi_pgp_setup_payload_new (key_file, "device-one-passphrase", &error);
  g_assert_no_error (error);
  payload_text = g_strndup (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  g_assert_true (g_str_has_prefix (payload_text, "-----BEGIN PGP PRIVATE KEY BLOCK-----"));
  g_assert_nonnull (strstr (payload_text, "\nAutocrypt-Prefer-Encrypt: mutual\n"));

  armoured = koi_pgp_setup_encrypt (payload, code, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (armoured, "-----BEGIN PGP MESSAGE-----"));
  g_assert_nonnull (strstr (armoured, "\nPassphrase-Format: numeric9x4\n"));
  /* Neither the key nor the code is readable in what travels. */
  g_assert_null (strstr (armoured, "PRIVATE KEY"));
  g_assert_null (strstr (armoured, code));
  begin = koi_pgp_setup_passphrase_begin (armoured);
  g_assert_cmpint (strlen (begin), ==, 2);
  g_assert_true (strncmp (begin, code, 2) == 0);

  /* As typed by the user on the other device: spaces instead of dashes. */
  {
    g_autofree char *typed = g_strdelimit (g_strdup (code), "-", ' ');
    g_autofree char *normal = koi_pgp_setup_code_normalize (typed);

    decrypted = koi_pgp_setup_decrypt (armoured, normal, &error);
  }
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (decrypted, payload));

  new_file = koi_pgp_setup_key_file_new (decrypted, "device-two-passphrase",
                                         &imported_fingerprint, &address, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (imported_fingerprint, ==, fingerprint);
  g_assert_cmpstr (address, ==, "alice@example.org");
  /* The new file opens with the new passphrase, not with the old one. */
  {
    g_autoptr (KoiRnpContext) wrong = koi_rnp_context_new ();
    g_autoptr (GError) wrong_error = NULL;

    g_assert_false (koi_rnp_context_load_own_key (wrong, new_file, "device-one-passphrase",
                                                  &wrong_error));
    g_assert_error (wrong_error, KOI_PGP_ERROR, KOI_PGP_ERROR_WRONG_PASSPHRASE);
  }
  g_assert_true (koi_rnp_context_load_own_key (device_two, new_file, "device-two-passphrase",
                                               &error));
  g_assert_no_error (error);
  g_assert_cmpstr (koi_rnp_context_get_own_fingerprint (device_two), ==, fingerprint);
}

/* What the encrypted payload says about itself: one symmetric key packet,
 * AES-128 (the spec's cipher), integrity-protected (SEIPDv1, no AEAD). */
static void
test_packets (void)
{
  g_autofree char *fingerprint = NULL;
  g_autoptr (GBytes) key_file = make_key_file (&fingerprint);
  g_autoptr (GBytes) payload = koi_pgp_setup_payload_new (key_file, "device-one-passphrase", NULL);
  g_autofree char *code = koi_pgp_setup_code_new ();
  g_autofree char *armoured = koi_pgp_setup_encrypt (payload, code, NULL);
  rnp_input_t input = NULL;
  char *json = NULL;

  g_assert_cmpint (rnp_input_from_memory (&input, (const guint8 *) armoured, strlen (armoured),
                                          false), ==, RNP_SUCCESS);
  g_assert_cmpint (rnp_dump_packets_to_json (input, 0, &json), ==, RNP_SUCCESS);
  g_test_message ("%s", json);
  g_assert_nonnull (strstr (json, "\"algorithm.str\":\"AES-128\""));
  g_assert_nonnull (strstr (json, "Symmetric-Key Encrypted Session Key"));
  g_assert_nonnull (strstr (json, "Symmetric Encrypted and Integrity Protected Data"));
  g_assert_null (strstr (json, "Public-Key Encrypted Session Key"));
  rnp_buffer_destroy (json);
  rnp_input_destroy (input);
}

static void
test_wrong_code (void)
{
  g_autofree char *fingerprint = NULL;
  g_autoptr (GBytes) key_file = make_key_file (&fingerprint);
  g_autoptr (GBytes) payload = koi_pgp_setup_payload_new (key_file, "device-one-passphrase", NULL);
  g_autofree char *code = koi_pgp_setup_code_new ();
  g_autofree char *wrong = g_strdup (code);
  g_autofree char *armoured = koi_pgp_setup_encrypt (payload, code, NULL);
  g_autoptr (GBytes) decrypted = NULL;
  g_autoptr (GError) error = NULL;

  /* One digit off. */
  wrong[43] = wrong[43] == '9' ? '0' : wrong[43] + 1;
  decrypted = koi_pgp_setup_decrypt (armoured, wrong, &error);
  g_assert_null (decrypted);
  g_assert_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_WRONG_PASSPHRASE);
}

static void
test_not_a_setup_message (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) decrypted = koi_pgp_setup_decrypt ("<html><body>Hello</body></html>",
                                                        "1234-5678-9012-3456-7890-1234-5678-9012-3456",
                                                        &error);
  g_autoptr (GBytes) garbage = g_bytes_new_static ("not a key", 9);
  g_autoptr (GBytes) file = NULL;

  g_assert_null (decrypted);
  g_assert_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_DAMAGED);
  g_clear_error (&error);
  file = koi_pgp_setup_key_file_new (garbage, "x", NULL, NULL, &error);
  g_assert_null (file);
  g_assert_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_BAD_KEY);
}

/* A payload with only the public key (a broken or hostile sender) is no
 * key to take over. */
static void
test_public_key_only (void)
{
  g_autoptr (KoiRnpContext) context = koi_rnp_context_new ();
  g_autoptr (GBytes) public_key = NULL;
  g_autoptr (GBytes) file = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (koi_rnp_context_generate_own_key (context, "alice@example.org", NULL));
  public_key = koi_rnp_context_export_autocrypt (context, NULL);
  file = koi_pgp_setup_key_file_new (public_key, "x", NULL, NULL, &error);
  g_assert_null (file);
  g_assert_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_BAD_KEY);
}

/* The setup block inside an HTML page, as Delta Chat and the spec's
 * example send it, decrypts the same. */
static void
test_inside_html (void)
{
  g_autofree char *fingerprint = NULL;
  g_autoptr (GBytes) key_file = make_key_file (&fingerprint);
  g_autoptr (GBytes) payload = koi_pgp_setup_payload_new (key_file, "device-one-passphrase", NULL);
  g_autofree char *code = koi_pgp_setup_code_new ();
  g_autofree char *armoured = koi_pgp_setup_encrypt (payload, code, NULL);
  g_autofree char *html = g_strdup_printf ("<!DOCTYPE html>\n<html><body><pre>\n%s\n</pre></body></html>\n",
                                           armoured);
  g_autoptr (GBytes) decrypted = NULL;
  g_autoptr (GError) error = NULL;

  decrypted = koi_pgp_setup_decrypt (html, code, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (decrypted, payload));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pgp-setup/code-shape", test_code_shape);
  g_test_add_func ("/pgp-setup/code-normalize", test_code_normalize);
  g_test_add_func ("/pgp-setup/round-trip", test_round_trip);
  g_test_add_func ("/pgp-setup/packets", test_packets);
  g_test_add_func ("/pgp-setup/wrong-code", test_wrong_code);
  g_test_add_func ("/pgp-setup/not-a-setup-message", test_not_a_setup_message);
  g_test_add_func ("/pgp-setup/public-key-only", test_public_key_only);
  g_test_add_func ("/pgp-setup/inside-html", test_inside_html);
  return g_test_run ();
}
