/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Issue 13: a key import (Autocrypt Setup Message) replaces the device's
 * own key. The old key's passphrase leaves the Secret Service once the new
 * key file is in place, and never before: a crash in between must leave a
 * key that opens. libsecret's file backend stands in for the keyring.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "koi-own-key.h"
#include "koi-secret.h"
#include "koi-test-profile.h"

#define ADDRESS "alice@example.org"

typedef struct {
  char *dir;
  char *store_path;
} Profile;

static void
profile_init (Profile *profile)
{
  profile->dir = g_dir_make_tmp ("koi-own-key-XXXXXX", NULL);
  g_assert_nonnull (profile->dir);
  profile->store_path = g_build_filename (profile->dir, "koi.db", NULL);
}

static void
profile_clear (Profile *profile)
{
  g_autoptr (GDir) dir = g_dir_open (profile->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (profile->dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (profile->dir);
  g_free (profile->dir);
  g_free (profile->store_path);
}

/* Opens (or makes) the profile's key; fails the test if it does not open. */
static char *
open_key (Profile *profile)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiRnpContext) context = koi_own_key_open (profile->store_path, 1, ADDRESS, NULL,
                                                         &error);

  g_assert_no_error (error);
  g_assert_nonnull (context);
  return g_strdup (koi_rnp_context_get_own_fingerprint (context));
}

static gboolean
keyring_has (const char *fingerprint)
{
  g_autoptr (GError) error = NULL;
  char *passphrase = koi_secret_key_passphrase_lookup_sync (ADDRESS, fingerprint, NULL, &error);
  gboolean found = passphrase != NULL;

  g_assert_no_error (error);
  g_free (passphrase);
  return found;
}

static char *
note_path (Profile *profile)
{
  g_autofree char *key = koi_own_key_path (profile->store_path, 1);

  return g_strconcat (key, ".replaced", NULL);
}

static void
test_import_forgets_old (void)
{
  Profile here, other;
  g_autofree char *old_fp = NULL, *new_fp = NULL, *imported = NULL, *reopened = NULL;
  g_autofree char *note = NULL;
  g_autoptr (GBytes) payload = NULL;
  g_autoptr (GError) error = NULL;

  profile_init (&here);
  profile_init (&other);
  old_fp = open_key (&here);
  new_fp = open_key (&other);
  g_assert_cmpstr (old_fp, !=, new_fp);
  g_assert_true (keyring_has (old_fp));

  payload = koi_own_key_setup_payload (other.store_path, 1, ADDRESS, NULL, &error);
  g_assert_no_error (error);
  imported = koi_own_key_import (here.store_path, 1, ADDRESS, payload, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (imported, ==, new_fp);

  /* The old key's passphrase is gone, the new one's there, and the key
   * that opens is the new one. */
  g_assert_false (keyring_has (old_fp));
  g_assert_true (keyring_has (new_fp));
  reopened = open_key (&here);
  g_assert_cmpstr (reopened, ==, new_fp);
  note = note_path (&here);
  g_assert_false (g_file_test (note, G_FILE_TEST_EXISTS));

  /* Importing the same key again forgets nothing. */
  g_clear_pointer (&imported, g_free);
  imported = koi_own_key_import (here.store_path, 1, ADDRESS, payload, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (imported, ==, new_fp);
  g_assert_true (keyring_has (new_fp));
  g_clear_pointer (&reopened, g_free);
  reopened = open_key (&here);
  g_assert_cmpstr (reopened, ==, new_fp);

  profile_clear (&here);
  profile_clear (&other);
}

/* Stopped after the new key file was written, before the old passphrase
 * went: the next start removes it. */
static void
test_crash_after_file (void)
{
  Profile here, other;
  g_autofree char *old_fp = NULL, *new_fp = NULL, *opened = NULL, *note = NULL;
  g_autofree char *here_key = NULL, *other_key = NULL, *contents = NULL;
  gsize length = 0;

  profile_init (&here);
  profile_init (&other);
  old_fp = open_key (&here);
  new_fp = open_key (&other);
  note = note_path (&here);
  here_key = koi_own_key_path (here.store_path, 1);
  other_key = koi_own_key_path (other.store_path, 1);
  /* What the import had done: the note, the new key's passphrase (the
   * other profile's, same keyring) and the new file. */
  g_assert_true (g_file_set_contents (note, old_fp, -1, NULL));
  g_assert_true (g_file_get_contents (other_key, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (here_key, contents, length, NULL));
  g_assert_true (keyring_has (old_fp));

  opened = open_key (&here);
  g_assert_cmpstr (opened, ==, new_fp);
  g_assert_false (keyring_has (old_fp));
  g_assert_true (keyring_has (new_fp));
  g_assert_false (g_file_test (note, G_FILE_TEST_EXISTS));

  profile_clear (&here);
  profile_clear (&other);
}

/* Stopped before the new key file was written: the old key is still the
 * one in use, and its passphrase stays. */
static void
test_crash_before_file (void)
{
  Profile here;
  g_autofree char *old_fp = NULL, *opened = NULL, *note = NULL;

  profile_init (&here);
  old_fp = open_key (&here);
  note = note_path (&here);
  g_assert_true (g_file_set_contents (note, old_fp, -1, NULL));

  opened = open_key (&here);
  g_assert_cmpstr (opened, ==, old_fp);
  g_assert_true (keyring_has (old_fp));
  g_assert_false (g_file_test (note, G_FILE_TEST_EXISTS));
  /* And it keeps opening. */
  g_clear_pointer (&opened, g_free);
  opened = open_key (&here);
  g_assert_cmpstr (opened, ==, old_fp);

  profile_clear (&here);
}

/* Stopped after the new key's passphrase was stored, before its file:
 * the old key stays in use, and the new key's passphrase, which nothing
 * uses, leaves the Secret Service at the next start. */
static void
test_crash_after_passphrase (void)
{
  Profile here, other;
  g_autofree char *old_fp = NULL, *new_fp = NULL, *opened = NULL, *note = NULL;
  g_autofree char *contents = NULL;

  profile_init (&here);
  profile_init (&other);
  old_fp = open_key (&here);
  /* The other profile's key stands for the one in the setup message; its
   * passphrase is in the same keyring, as the import had stored it. */
  new_fp = open_key (&other);
  note = note_path (&here);
  contents = g_strdup_printf ("%s\n%s", old_fp, new_fp);
  g_assert_true (g_file_set_contents (note, contents, -1, NULL));
  g_assert_true (keyring_has (new_fp));

  opened = open_key (&here);
  g_assert_cmpstr (opened, ==, old_fp);
  g_assert_true (keyring_has (old_fp));
  g_assert_false (keyring_has (new_fp));
  g_assert_false (g_file_test (note, G_FILE_TEST_EXISTS));

  profile_clear (&here);
  profile_clear (&other);
}

/* The same on a device that had no key yet: the next start makes one of
 * its own (as it would have without the import), and the imported key's
 * passphrase goes. */
static void
test_crash_after_passphrase_no_key (void)
{
  Profile here, other;
  g_autofree char *new_fp = NULL, *opened = NULL, *note = NULL, *contents = NULL;

  profile_init (&here);
  profile_init (&other);
  new_fp = open_key (&other);
  note = note_path (&here);
  contents = g_strdup_printf ("\n%s", new_fp);
  g_assert_true (g_file_set_contents (note, contents, -1, NULL));

  opened = open_key (&here);
  g_assert_cmpstr (opened, !=, new_fp);
  g_assert_true (keyring_has (opened));
  g_assert_false (keyring_has (new_fp));
  g_assert_false (g_file_test (note, G_FILE_TEST_EXISTS));

  profile_clear (&here);
  profile_clear (&other);
}

int
main (int   argc,
      char *argv[])
{
  char *keyring = koi_test_keyring_use_file ();
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/own-key/replace/import", test_import_forgets_old);
  g_test_add_func ("/own-key/replace/crash-after-file", test_crash_after_file);
  g_test_add_func ("/own-key/replace/crash-before-file", test_crash_before_file);
  g_test_add_func ("/own-key/replace/crash-after-passphrase", test_crash_after_passphrase);
  g_test_add_func ("/own-key/replace/crash-after-passphrase-no-key", test_crash_after_passphrase_no_key);
  status = g_test_run ();

  koi_test_keyring_remove (keyring);
  return status;
}
