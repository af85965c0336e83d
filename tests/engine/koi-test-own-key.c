/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-test-own-key"

#include "config.h"

#include "koi-rnp-context.h"
#include "koi-store.h"
#include "koi-test-own-key.h"

char *
koi_test_own_key_path (KoiTestCli *cli,
                       const char *profile)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    if (g_str_has_prefix (name, "key-") && g_str_has_suffix (name, ".pgp"))
      return g_build_filename (dir, name, NULL);
  return NULL;
}

char *
koi_test_own_key_fingerprint (KoiTestCli *cli,
                              const char *profile)
{
  g_autofree char *path = koi_test_own_key_path (cli, profile);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  char *contents = NULL;
  char *fingerprint;
  gsize length = 0;

  if (path == NULL)
    g_error ("%s has no key file", profile);
  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  bytes = g_bytes_new_take (contents, length);
  fingerprint = koi_pgp_own_key_file_fingerprint (bytes, &error);
  g_assert_no_error (error);
  return fingerprint;
}

void
koi_test_assert_crypto_state (KoiTestCli *cli,
                              const char *profile,
                              const char *message_id,
                              gboolean    encrypted,
                              int         signature)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autofree char *path = g_build_filename (dir, "koi.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiStore) store = koi_store_open (path, &error);
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (KoiStoreMessage) message = NULL;
  const KoiStoreAccount *account;
  gint64 id;

  g_assert_no_error (error);
  accounts = koi_store_account_list (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 1);
  account = g_ptr_array_index (accounts, 0);
  id = koi_store_message_find (store, account->id, message_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, !=, 0);
  message = koi_store_message_get (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (message->encrypted, ==, encrypted);
  g_assert_cmpint (message->signature, ==, signature);
}
