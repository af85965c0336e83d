/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "koi-account-backup.h"
#include "koi-account-config.h"
#include "koi-account-remove.h"
#include "koi-own-key.h"
#include "koi-profile.h"
#include "koi-rnp-context.h"
#include "koi-secret.h"
#include "koi-store-attachment.h"
#include "koi-store.h"

/*
 * koi_account_remove_sync() on a profile with two accounts: the removed
 * one's rows, password item, key file and its passphrase item, its own attachment file and its
 * line in accounts.ini go; a file the other account's row also names
 * stays, and so does everything of the other account.
 */

static gint64
add_account (KoiStore   *store,
             const char *address)
{
  g_autoptr (GError) error = NULL;
  KoiStoreAccount account = {
    .address = (char *) address, .display_name = (char *) "Test",
    .imap_host = (char *) "127.0.0.1", .imap_port = 10993, .imap_security = (char *) "tls",
    .smtp_host = (char *) "127.0.0.1", .smtp_port = 10587, .smtp_security = (char *) "starttls",
  };
  gint64 id = koi_store_account_upsert (store, &account, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

/* An incoming message with a downloaded attachment stored as @local_path. */
static void
add_file (KoiStore   *store,
          gint64      account_id,
          const char *message_id,
          const char *hash,
          const char *local_path)
{
  g_autoptr (GError) error = NULL;
  gint64 chat_id = koi_store_chat_ensure_1to1 (store, account_id, "carol@example.org", NULL, &error);
  KoiStoreMessage message = {
    .account_id = account_id, .chat_id = chat_id, .message_id = (char *) message_id,
    .direction = KOI_STORE_DIRECTION_INCOMING, .state = KOI_STORE_STATE_RECEIVED,
    .kind = KOI_STORE_KIND_CHAT, .from_address = (char *) "carol@example.org",
    .text = (char *) "a file", .sent_at_ms = 1000, .received_at_ms = 1000, .sort_ms = 1000,
  };
  gboolean inserted = FALSE;
  gint64 ref, id;

  g_assert_no_error (error);
  ref = koi_store_message_insert (store, &message, &inserted, &error);
  g_assert_no_error (error);
  {
    KoiStoreAttachment attachment = {
      .message_ref = ref, .section = (char *) "2", .filename = (char *) "x.png",
      .mime_type = (char *) "image/png", .size = 4,
    };

    id = koi_store_attachment_add (store, &attachment, &error);
    g_assert_no_error (error);
  }
  g_assert_true (koi_store_attachment_set_state (store, id, KOI_STORE_ATTACHMENT_DONE, hash,
                                                 local_path, 4, NULL, &error));
  g_assert_no_error (error);
}

static void
write_file (const char *dir,
            const char *relative)
{
  g_autofree char *path = g_build_filename (dir, relative, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "data", 4, NULL));
}

static gboolean
exists (const char *dir,
        const char *relative)
{
  g_autofree char *path = g_build_filename (dir, relative, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
test_remove (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *profile = g_dir_make_tmp ("koi-account-remove-XXXXXX", NULL);
  g_autofree char *store_path = koi_profile_store_path (profile);
  g_autofree char *server = koi_account_config_secret_server ("127.0.0.1", 10993);
  g_autofree char *files = NULL;
  g_autofree char *bob_key = NULL;
  g_autofree char *password = NULL;
  g_autofree char *passphrase = NULL;
  g_autofree char *bob_fingerprint = NULL;
  g_autoptr (KoiStore) store = NULL;
  g_autoptr (KoiStoreAccount) gone = NULL;
  g_autoptr (KoiStoreAccount) kept = NULL;
  g_autoptr (GPtrArray) spare = NULL;
  gint64 alice, bob;

  store = koi_store_open (store_path, &error);
  g_assert_no_error (error);
  alice = add_account (store, "alice@example.org");
  bob = add_account (store, "bob@example.org");
  files = koi_store_get_attachment_dir (store);
  add_file (store, alice, "chat$1@example.org", "aa11", "aa/aa11");
  add_file (store, bob, "chat$2@example.org", "aa11", "aa/aa11");   /* the same file */
  add_file (store, bob, "chat$3@example.org", "bb22", "bb/bb22");   /* Bob's alone */
  write_file (files, "aa/aa11");
  write_file (files, "bb/bb22");
  bob_key = koi_own_key_path (store_path, bob);
  {
    g_autoptr (KoiRnpContext) key = koi_own_key_open (store_path, bob, "bob@example.org", NULL, &error);

    g_assert_no_error (error);
    bob_fingerprint = g_strdup (koi_rnp_context_get_own_fingerprint (key));
  }
  g_assert_true (g_file_test (bob_key, G_FILE_TEST_EXISTS));
  passphrase = koi_secret_key_passphrase_lookup_sync ("bob@example.org", bob_fingerprint, NULL, &error);
  g_assert_nonnull (passphrase);
  g_clear_pointer (&passphrase, g_free);
  g_assert_true (koi_account_backup_write (store, profile, &error));
  g_assert_true (koi_secret_store_sync ("alice@example.org", server, "alice-secret", NULL, &error));
  g_assert_true (koi_secret_store_sync ("bob@example.org", server, "bob-secret", NULL, &error));
  g_assert_no_error (error);

  g_assert_true (koi_account_remove_sync (profile, bob, NULL, &error));
  g_assert_no_error (error);

  gone = koi_store_account_get (store, bob, &error);
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND);
  g_assert_null (gone);
  g_clear_error (&error);
  g_assert_cmpint (koi_store_chat_find_by_peer (store, bob, "carol@example.org", NULL), ==, 0);
  kept = koi_store_account_get (store, alice, &error);
  g_assert_no_error (error);
  g_assert_cmpint (koi_store_chat_find_by_peer (store, alice, "carol@example.org", NULL), >, 0);

  g_assert_true (exists (files, "aa/aa11"));
  g_assert_false (exists (files, "bb/bb22"));
  g_assert_false (g_file_test (bob_key, G_FILE_TEST_EXISTS));
  passphrase = koi_secret_key_passphrase_lookup_sync ("bob@example.org", bob_fingerprint, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (passphrase);

  password = koi_secret_lookup_sync ("bob@example.org", server, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (password);
  password = koi_secret_lookup_sync ("alice@example.org", server, NULL, &error);
  g_assert_cmpstr (password, ==, "alice-secret");

  spare = koi_account_backup_read (profile, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (spare->len, ==, 1);
  g_assert_cmpstr (((KoiStoreAccount *) spare->pdata[0])->address, ==, "alice@example.org");

  g_clear_pointer (&store, koi_store_close);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *keyring_dir = g_dir_make_tmp ("koi-keyring-XXXXXX", NULL);
  g_autofree char *keyring = g_build_filename (keyring_dir, "keyring", NULL);
  int status;

  /* libsecret's file backend, never the user's keyring; before any thread. */
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "test-keyring", TRUE);

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/account-remove", test_remove);
  status = g_test_run ();

  g_unlink (keyring);
  g_rmdir (keyring_dir);
  return status;
}
