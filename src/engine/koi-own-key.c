/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-own-key"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "koi-own-key.h"
#include "koi-pgp-setup.h"
#include "koi-secret.h"

/* The sync worker and the command thread both open the key when an account
 * starts: one of them makes it, the other must then read that one, never
 * make a second. */
static GMutex own_key_lock;

char *
koi_own_key_path (const char *store_path,
                  gint64      account_id)
{
  g_autofree char *dir = g_path_get_dirname (store_path);
  g_autofree char *name = g_strdup_printf ("key-%" G_GINT64_FORMAT ".pgp", account_id);

  return g_build_filename (dir, name, NULL);
}

static void
wipe_free (char *secret)
{
  if (secret != NULL)
    explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

/* "key-ID.pgp.replaced" holds the fingerprint of a key an import is
 * replacing, from before the new file is written until the old key's
 * passphrase is gone from the Secret Service. A fingerprint is no secret;
 * the note lets the next start finish the job after a crash. */
static char *
replaced_note_path (const char *key_path)
{
  return g_strconcat (key_path, ".replaced", NULL);
}

/* Forgets the passphrase the note names, unless the file at @key_path is
 * still that key: an import that stopped before its file was written
 * left the old key in use, and its passphrase must stay. */
static void
forget_replaced (const char   *key_path,
                 const char   *address,
                 const char   *current,
                 GCancellable *cancellable)
{
  g_autofree char *note = replaced_note_path (key_path);
  g_autofree char *old = NULL;
  g_autoptr (GError) error = NULL;

  if (!g_file_get_contents (note, &old, NULL, NULL))
    return;
  g_strstrip (old);
  if (current != NULL && *old != '\0' && g_ascii_strcasecmp (old, current) != 0)
    {
      if (!koi_secret_key_passphrase_clear_sync (address, old, cancellable, &error))
        {
          /* The note stays: the next start tries again. */
          g_message ("Cannot remove the passphrase of the replaced key %s: %s", old, error->message);
          return;
        }
      g_message ("Removed the passphrase of the replaced key %s of %s", old, address);
    }
  if (g_unlink (note) != 0 && errno != ENOENT)
    g_message ("Cannot remove %s: %s", note, g_strerror (errno));
}

static KoiRnpContext *
load (const char    *path,
      const char    *address,
      GCancellable  *cancellable,
      GError       **error)
{
  g_autoptr (KoiRnpContext) context = koi_rnp_context_new ();
  g_autoptr (GBytes) file = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *contents = NULL;
  char *passphrase = NULL;
  gsize length = 0;
  gboolean loaded;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  file = g_bytes_new_take (g_steal_pointer (&contents), length);
  fingerprint = koi_pgp_own_key_file_fingerprint (file, error);
  if (fingerprint == NULL)
    return NULL;
  passphrase = koi_secret_key_passphrase_lookup_sync (address, fingerprint, cancellable, error);
  if (passphrase == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_WRONG_PASSPHRASE,
                     "The keyring has no passphrase for the key %s", fingerprint);
      return NULL;
    }
  loaded = koi_rnp_context_load_own_key (context, file, passphrase, error);
  wipe_free (passphrase);
  return loaded ? g_steal_pointer (&context) : NULL;
}

static KoiRnpContext *
create (const char    *path,
        const char    *address,
        GCancellable  *cancellable,
        GError       **error)
{
  g_autoptr (KoiRnpContext) context = koi_rnp_context_new ();
  g_autoptr (GBytes) file = NULL;
  char *passphrase = NULL;
  gsize length = 0;
  const char *data;
  gboolean saved;

  if (!koi_rnp_context_generate_own_key (context, address, error))
    return NULL;
  passphrase = koi_pgp_random_passphrase ();
  file = koi_rnp_context_export_own_key (context, passphrase, error);
  /* The passphrase is kept before the file is written: a key file whose
   * passphrase is lost is a key nobody can use. */
  saved = file != NULL
          && koi_secret_key_passphrase_store_sync (address,
                                                   koi_rnp_context_get_own_fingerprint (context),
                                                   passphrase, cancellable, error);
  wipe_free (passphrase);
  if (!saved)
    return NULL;
  data = g_bytes_get_data (file, &length);
  if (!g_file_set_contents_full (path, data, length,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return NULL;
  g_message ("Made the encryption key %s for %s",
             koi_rnp_context_get_own_fingerprint (context), address);
  return g_steal_pointer (&context);
}

/**
 * koi_own_key_open:
 *
 * Loads the account's key, or makes it when the profile has none. A key
 * file whose passphrase is missing is never replaced (mail encrypted to it
 * would become unreadable): the error says so and the account runs
 * without encryption.
 */
KoiRnpContext *
koi_own_key_open (const char    *store_path,
                  gint64         account_id,
                  const char    *address,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autofree char *path = NULL;
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_val_if_fail (store_path != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);

  path = koi_own_key_path (store_path, account_id);
  locker = g_mutex_locker_new (&own_key_lock);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      KoiRnpContext *context = load (path, address, cancellable, error);
      g_autofree char *note = replaced_note_path (path);

      /* An import stopped between its key file and the old passphrase. */
      if (context != NULL && g_file_test (note, G_FILE_TEST_EXISTS))
        forget_replaced (path, address, koi_rnp_context_get_own_fingerprint (context), cancellable);
      return context;
    }
  return create (path, address, cancellable, error);
}

static guint own_key_generation;

guint
koi_own_key_generation (void)
{
  return g_atomic_int_get (&own_key_generation);
}

static GBytes *
read_key_file (const char  *path,
               GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&contents), length);
}

char *
koi_own_key_file_fingerprint (const char *store_path,
                              gint64      account_id)
{
  g_autofree char *path = koi_own_key_path (store_path, account_id);
  g_autoptr (GBytes) file = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  file = read_key_file (path, NULL);
  return file != NULL ? koi_pgp_own_key_file_fingerprint (file, NULL) : NULL;
}

GBytes *
koi_own_key_setup_payload (const char    *store_path,
                           gint64         account_id,
                           const char    *address,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autofree char *path = koi_own_key_path (store_path, account_id);
  g_autofree char *fingerprint = NULL;
  g_autoptr (GBytes) file = NULL;
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&own_key_lock);
  char *passphrase = NULL;
  GBytes *payload;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_NO_SECRET_KEY,
                           "This device has no key of the account to transfer");
      return NULL;
    }
  file = read_key_file (path, error);
  if (file == NULL || (fingerprint = koi_pgp_own_key_file_fingerprint (file, error)) == NULL)
    return NULL;
  passphrase = koi_secret_key_passphrase_lookup_sync (address, fingerprint, cancellable, error);
  if (passphrase == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_WRONG_PASSPHRASE,
                     "The keyring has no passphrase for the key %s", fingerprint);
      return NULL;
    }
  payload = koi_pgp_setup_payload_new (file, passphrase, error);
  wipe_free (passphrase);
  return payload;
}

char *
koi_own_key_import (const char    *store_path,
                    gint64         account_id,
                    const char    *address,
                    GBytes        *payload,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autofree char *path = koi_own_key_path (store_path, account_id);
  g_autofree char *note = replaced_note_path (path);
  g_autofree char *fingerprint = NULL;
  g_autofree char *key_address = NULL;
  g_autofree char *old = NULL;
  g_autoptr (GBytes) file = NULL;
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&own_key_lock);
  char *passphrase = koi_pgp_random_passphrase ();
  gboolean saved;
  gsize length = 0;
  const char *data;

  file = koi_pgp_setup_key_file_new (payload, passphrase, &fingerprint, &key_address, error);
  /* A key for another address would sign as someone else: peers check the
   * user id against From. */
  if (file != NULL && (key_address == NULL || g_ascii_strcasecmp (key_address, address) != 0))
    {
      g_set_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_BAD_KEY,
                   "The key in the setup message is for %s, not for %s",
                   key_address != NULL ? key_address : "no address", address);
      g_clear_pointer (&file, g_bytes_unref);
    }
  /* The key this one replaces, noted before anything changes (see
   * forget_replaced ()). */
  if (file != NULL && g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autoptr (GBytes) before = read_key_file (path, NULL);

      old = before != NULL ? koi_pgp_own_key_file_fingerprint (before, NULL) : NULL;
      if (old != NULL && g_ascii_strcasecmp (old, fingerprint) == 0)
        g_clear_pointer (&old, g_free);
      if (old != NULL && !g_file_set_contents_full (note, old, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                                    0600, error))
        g_clear_pointer (&file, g_bytes_unref);
    }
  /* As at creation: the passphrase first, so a written file always has
   * one. */
  saved = file != NULL &&
          koi_secret_key_passphrase_store_sync (address, fingerprint, passphrase, cancellable, error);
  wipe_free (passphrase);
  if (!saved)
    return NULL;
  data = g_bytes_get_data (file, &length);
  /* Replaced in one rename: the old file or the new, never half of one,
   * and no copy of the old key stays behind. */
  if (!g_file_set_contents_full (path, data, length,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return NULL;
  /* Only now is the old key out of use: its passphrase can go. A crash
   * before this line leaves the note for the next start. */
  if (old != NULL)
    forget_replaced (path, address, fingerprint, cancellable);
  g_atomic_int_inc (&own_key_generation);
  g_message ("Took over the encryption key %s for %s from a setup message", fingerprint, address);
  return g_steal_pointer (&fingerprint);
}
