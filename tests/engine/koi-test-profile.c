/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-test-profile"

#include <glib/gstdio.h>

#include "koi-test-profile.h"

KoiStore *
koi_test_profile_open (const char  *address,
                       char       **out_dir,
                       gint64      *out_account_id)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  KoiStore *store;
  KoiStoreAccount row = {
    .address = (char *) address,
    .display_name = (char *) "Me",
    .imap_host = (char *) "127.0.0.1",
    .imap_port = 993,
    .imap_security = (char *) "tls",
    .smtp_host = (char *) "127.0.0.1",
    .smtp_port = 465,
    .smtp_security = (char *) "tls",
  };

  *out_dir = g_dir_make_tmp ("koi-test-profile-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (*out_dir, "koi.db", NULL);
  store = koi_store_open (path, &error);
  g_assert_no_error (error);
  *out_account_id = koi_store_account_upsert (store, &row, &error);
  g_assert_no_error (error);
  return store;
}

KoiAccountConfig *
koi_test_profile_account (gint64      account_id,
                          const char *address,
                          guint16     imap_port,
                          const char *imap_ca,
                          guint16     smtp_port,
                          const char *smtp_ca)
{
  KoiAccountConfig *account = g_new0 (KoiAccountConfig, 1);

  account->id = account_id;
  account->address = g_strdup (address);
  account->display_name = g_strdup ("Me");
  /* Port 1: nothing listens there, so a test that should not use a
   * server fails fast if it does. */
  account->imap = koi_server_config_new ("127.0.0.1", imap_port != 0 ? imap_port : 1,
                                         KOI_SECURITY_TLS, address, "fake-pw", imap_ca);
  account->smtp = koi_server_config_new ("127.0.0.1", smtp_port != 0 ? smtp_port : 1,
                                         KOI_SECURITY_TLS, address, "fake-pw", smtp_ca);
  return account;
}

void
koi_test_profile_remove (const char *dir)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        koi_test_profile_remove (child);
      else
        g_remove (child);
    }
  g_rmdir (dir);
}

char *
koi_test_keyring_use_file (void)
{
  char *dir = g_dir_make_tmp ("koi-keyring-XXXXXX", NULL);
  g_autofree char *keyring = NULL;

  g_assert_nonnull (dir);
  keyring = g_build_filename (dir, "keyring", NULL);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "test-keyring", TRUE);
  return dir;
}

void
koi_test_keyring_remove (char *dir)
{
  koi_test_profile_remove (dir);
  g_free (dir);
}
