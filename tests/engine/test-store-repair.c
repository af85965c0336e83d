/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "koi-account-backup.h"
#include "koi-profile.h"
#include "koi-store-repair.h"
#include "koi-store.h"

/*
 * The store at start: koi_store_check() tells a healthy, missing,
 * damaged, newer and locked file apart without changing any of them;
 * koi_store_repair() sets a damaged one aside and brings the accounts
 * back from their spare copy, every field as it was.
 */

typedef struct {
  char *dir;
  char *path;
} Profile;

static void
profile_init (Profile *profile)
{
  profile->dir = g_dir_make_tmp ("koi-store-repair-XXXXXX", NULL);
  g_assert_nonnull (profile->dir);
  profile->path = koi_profile_store_path (profile->dir);
}

static void
remove_tree (const char *dir)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
profile_clear (Profile *profile)
{
  remove_tree (profile->dir);
  g_free (profile->dir);
  g_free (profile->path);
}

static guint
count_damaged (const char *dir)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while ((name = g_dir_read_name (listing)) != NULL)
    n += g_str_has_prefix (name, "koi.db.damaged-") && !g_str_has_suffix (name, "-wal") &&
         !g_str_has_suffix (name, "-shm");
  return n;
}

static void
damage (const char *path)
{
  FILE *file = fopen (path, "r+b");

  g_assert_nonnull (file);
  for (guint i = 0; i < 4096; i++)
    fputc ('#', file);
  fclose (file);
}

static gint64
add_account (KoiStore   *store,
             const char *address)
{
  KoiStoreAccount row = {
    .address = (char *) address, .display_name = (char *) "Bob Example",
    .imap_host = (char *) "imap.example.org", .imap_port = 993, .imap_security = (char *) "tls",
    .imap_login = (char *) address, .smtp_host = (char *) "smtp.example.org", .smtp_port = 587,
    .smtp_security = (char *) "starttls", .smtp_login = (char *) "bob",
    .ca_file = (char *) "/etc/koi/test-ca.pem",
    .imap_pin_key = (char *) "sha256//AAAA", .imap_pin_cert = (char *) "0011",
  };
  g_autoptr (GError) error = NULL;
  gint64 id = koi_store_account_upsert (store, &row, &error);

  g_assert_no_error (error);
  return id;
}

static void
test_check (void)
{
  Profile profile;
  g_autoptr (GError) error = NULL;
  KoiStore *store;
  sqlite3 *db = NULL;

  profile_init (&profile);

  /* Missing: a first start. */
  g_assert_true (koi_store_check (profile.path, &error));
  g_assert_no_error (error);

  /* Healthy. */
  store = koi_store_open (profile.path, &error);
  g_assert_no_error (error);
  add_account (store, "bob@example.org");
  koi_store_close (store);
  g_assert_true (koi_store_check (profile.path, &error));
  g_assert_no_error (error);

  /* Locked by another program's write: refused as busy, after the wait. */
  g_assert_cmpint (sqlite3_open (profile.path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_false (koi_store_check (profile.path, &error));
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_BUSY);
  g_clear_error (&error);
  g_assert_cmpint (sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true (koi_store_check (profile.path, &error));
  g_assert_no_error (error);

  /* Written by a newer Koi: refused, and left as it is. */
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_false (koi_store_check (profile.path, &error));
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_TOO_NEW);
  g_clear_error (&error);
  sqlite3_close (db);

  /* Damaged: refused, and not set aside (the user decides). */
  damage (profile.path);
  g_assert_false (koi_store_check (profile.path, &error));
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_CORRUPT);
  g_assert_true (g_file_test (profile.path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_damaged (profile.dir), ==, 0);

  profile_clear (&profile);
}

static void
test_repair (void)
{
  Profile profile;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GPtrArray) backup = NULL;
  g_autoptr (KoiStore) store = NULL;
  KoiStoreAccount *account;
  guint n = 99;

  profile_init (&profile);
  store = koi_store_open (profile.path, &error);
  g_assert_no_error (error);
  add_account (store, "bob@example.org");
  g_assert_true (koi_account_backup_write (store, profile.dir, &error));
  g_assert_no_error (error);
  g_clear_pointer (&store, koi_store_close);

  /* The copy holds no password: there is none to hold, and the file says
   * nothing that looks like one. */
  {
    g_autofree char *ini = g_build_filename (profile.dir, "accounts.ini", NULL);
    g_autofree char *text = NULL;

    g_assert_true (g_file_get_contents (ini, &text, NULL, NULL));
    g_assert_null (strstr (text, "password"));
    g_assert_nonnull (strstr (text, "[bob@example.org]"));
  }

  damage (profile.path);
  g_assert_true (koi_store_repair (profile.dir, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (count_damaged (profile.dir), ==, 1);

  g_assert_true (koi_store_check (profile.path, &error));
  store = koi_store_open (profile.path, &error);
  g_assert_no_error (error);
  accounts = koi_store_account_list (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 1);
  account = g_ptr_array_index (accounts, 0);
  g_assert_cmpstr (account->address, ==, "bob@example.org");
  g_assert_cmpstr (account->display_name, ==, "Bob Example");
  g_assert_cmpstr (account->imap_host, ==, "imap.example.org");
  g_assert_cmpuint (account->imap_port, ==, 993);
  g_assert_cmpstr (account->imap_security, ==, "tls");
  g_assert_cmpstr (account->smtp_host, ==, "smtp.example.org");
  g_assert_cmpuint (account->smtp_port, ==, 587);
  g_assert_cmpstr (account->smtp_security, ==, "starttls");
  g_assert_cmpstr (account->smtp_login, ==, "bob");
  g_assert_cmpstr (account->ca_file, ==, "/etc/koi/test-ca.pem");
  g_assert_cmpstr (account->imap_pin_key, ==, "sha256//AAAA");
  g_assert_cmpstr (account->imap_pin_cert, ==, "0011");
  g_assert_null (account->smtp_pin_key);
  g_clear_pointer (&store, koi_store_close);

  /* Without a copy the store is still rebuilt, empty: the user adds the
   * account again. */
  {
    g_autofree char *ini = g_build_filename (profile.dir, "accounts.ini", NULL);

    g_assert_cmpint (g_unlink (ini), ==, 0);
  }
  g_usleep (1100 * 1000);   /* a new name for the second damaged file */
  damage (profile.path);
  g_assert_true (koi_store_repair (profile.dir, &n, &error));
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpuint (count_damaged (profile.dir), ==, 2);
  backup = koi_account_backup_read (profile.dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (backup->len, ==, 0);

  profile_clear (&profile);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store-repair/check", test_check);
  g_test_add_func ("/store-repair/repair", test_repair);

  return g_test_run ();
}
