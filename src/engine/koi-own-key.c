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

/* "key-ID.pgp.replaced" is written by an import before anything changes:
 * the fingerprint of the key it replaces (empty when the device had
 * none), a newline, and the fingerprint of the key it brings. It goes once
 * the import is done. Left by a crash, it tells the next start which
 * Secret Service item nothing uses any more: the old key's passphrase
 * when the new file is in place, the new key's when the import stopped
 * before its file was written. Fingerprints are no secret. */
static char *
replaced_note_path (const char *key_path)
{
  return g_strconcat (key_path, ".replaced", NULL);
}

/* Forgets the passphrase of @fingerprint (if any) unless it is @current's.
 * FALSE when the Secret Service failed, so the note stays for next time. */
static gboolean
forget_unused (const char   *address,
               const char   *fingerprint,
               const char   *current,
               const char   *which,
               GCancellable *cancellable)
{
  g_autoptr (GError) error = NULL;

  if (fingerprint == NULL || *fingerprint == '\0' ||
      (current != NULL && g_ascii_strcasecmp (fingerprint, current) == 0))
    return TRUE;
  if (!koi_secret_key_passphrase_clear_sync (address, fingerprint, cancellable, &error))
    {
      g_message ("Cannot remove the passphrase of the %s key %s: %s", which, fingerprint,
                 error->message);
      return FALSE;
    }
  g_message ("Removed the passphrase of the %s key %s of %s", which, fingerprint, address);
  return TRUE;
}

/* Finishes an import the note describes; @current is the key file's
 * fingerprint now (NULL: there is no key file). The old key's passphrase
 * goes only when another key is in use, so an import that stopped before
 * its file was written leaves the old key working; the new key's goes
 * unless it is the one in use. */
static void
forget_replaced (const char   *key_path,
                 const char   *address,
                 const char   *current,
                 GCancellable *cancellable)
{
  g_autofree char *note = replaced_note_path (key_path);
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  const char *old;
  const char *brought;
  gboolean done = TRUE;

  if (!g_file_get_contents (note, &contents, NULL, NULL))
    return;
  lines = g_strsplit (contents, "\n", 3);
  old = lines[0] != NULL ? g_strstrip (lines[0]) : NULL;
  /* Notes written before the second line existed name the old key only. */
  brought = lines[0] != NULL && lines[1] != NULL ? g_strstrip (lines[1]) : NULL;
  if (current != NULL)
    done = forget_unused (address, old, current, "replaced", cancellable);
  done = forget_unused (address, brought, current, "unused", cancellable) && done;
  if (!done)
    return;
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
  g_autofree char *note = NULL;
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_val_if_fail (store_path != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);

  path = koi_own_key_path (store_path, account_id);
  note = replaced_note_path (path);
  locker = g_mutex_locker_new (&own_key_lock);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      KoiRnpContext *context = load (path, address, cancellable, error);

      /* An import that stopped half-way (see forget_replaced ()). */
      if (context != NULL && g_file_test (note, G_FILE_TEST_EXISTS))
        forget_replaced (path, address, koi_rnp_context_get_own_fingerprint (context), cancellable);
      return context;
    }
  /* The first import of a device without a key, stopped before its file. */
  if (g_file_test (note, G_FILE_TEST_EXISTS))
    forget_replaced (path, address, NULL, cancellable);
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
  /* The key this one replaces and the key it brings, noted before
   * anything changes (see forget_replaced ()). */
  if (file != NULL)
    {
      g_autoptr (GBytes) before = g_file_test (path, G_FILE_TEST_EXISTS) ? read_key_file (path, NULL)
                                                                          : NULL;
      g_autofree char *contents = NULL;

      old = before != NULL ? koi_pgp_own_key_file_fingerprint (before, NULL) : NULL;
      contents = g_strdup_printf ("%s\n%s", old != NULL ? old : "", fingerprint);
      if (!g_file_set_contents_full (note, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                     0600, error))
        g_clear_pointer (&file, g_bytes_unref);
    }
  /* As at creation: the passphrase first, so a written file always has
   * one. */
  saved = file != NULL &&
          koi_secret_key_passphrase_store_sync (address, fingerprint, passphrase, cancellable, error);
  wipe_free (passphrase);
  if (!saved)
    {
      /* The old key stays; a passphrase half stored does not. */
      if (file != NULL)
        forget_replaced (path, address, old, cancellable);
      return NULL;
    }
  data = g_bytes_get_data (file, &length);
  /* Replaced in one rename: the old file or the new, never half of one,
   * and no copy of the old key stays behind. */
  if (!g_file_set_contents_full (path, data, length,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    {
      forget_replaced (path, address, old, cancellable);
      return NULL;
    }
  /* Only now is the old key out of use: its passphrase can go. A crash
   * before this line leaves the note for the next start. */
  forget_replaced (path, address, fingerprint, cancellable);
  g_atomic_int_inc (&own_key_generation);
  g_message ("Took over the encryption key %s for %s from a setup message", fingerprint, address);
  return g_steal_pointer (&fingerprint);
}
