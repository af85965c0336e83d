/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-syncer"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "koi-syncer-private.h"

/*
 * An encrypted file message waits in attachments/outgoing/ as its armored
 * ciphertext (koi-syncer-encrypt.c), sent from there as often as needed:
 * the first try, the next after a temporary failure, and Retry after a
 * refusal. It is kept exactly as long as its outbox entry may still send
 * it (koi_store_outbox_kept_message_ids): a failed message in its chat
 * can be retried, so its ciphertext stays; once the message is deleted
 * (for me, or for everyone) nothing can send it again and the file goes.
 * Sent to everybody, koi-syncer-send-file.c removes it at once.
 *
 * The files carry no row of their own (named by the SHA-256 of the
 * Message-ID), so a crash between writing one and storing its outbox
 * entry, or a delete before this code existed, leaves one nobody names:
 * a sweep at the start of each engine removes those.
 */

static GHashTable *
kept_names (KoiSyncer  *self,
            GError    **error)
{
  g_autoptr (GPtrArray) ids = koi_store_outbox_kept_message_ids (self->store, error);
  GHashTable *names;

  if (ids == NULL)
    return NULL;
  names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *path = koi_syncer_outgoing_cipher_path (self, ids->pdata[i]);

      g_hash_table_add (names, g_path_get_basename (path));
    }
  return names;
}

static void
remove_cipher (const char *path)
{
  if (g_unlink (path) == 0)
    g_debug ("Removed the ciphertext %s: no outbox entry sends it any more", path);
  else if (errno != ENOENT)
    g_message ("Cannot remove %s: %s", path, g_strerror (errno));
}

/**
 * koi_syncer_release_outgoing_cipher:
 * @message_id: an outgoing message's Message-ID
 *
 * Removes the message's ciphertext if its outbox entry can no longer send
 * it (called after a delete and after a send attempt). Costs one query.
 */
void
koi_syncer_release_outgoing_cipher (KoiSyncer  *self,
                                    const char *message_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) kept = NULL;
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;

  if (message_id == NULL)
    return;
  path = koi_syncer_outgoing_cipher_path (self, message_id);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return;
  kept = kept_names (self, &error);
  if (kept == NULL)
    {
      g_message ("Keeping the ciphertext of %s: %s", message_id, error->message);
      return;
    }
  name = g_path_get_basename (path);
  if (!g_hash_table_contains (kept, name))
    remove_cipher (path);
}

gboolean
koi_syncer_sweep_outgoing_ciphers (KoiSyncer  *self,
                                   gint64      before_us,
                                   GError    **error)
{
  g_autofree char *any = koi_syncer_outgoing_cipher_path (self, "");
  g_autofree char *dir_path = g_path_get_dirname (any);
  g_autoptr (GHashTable) kept = NULL;
  g_autoptr (GDir) dir = NULL;
  const char *name;

  kept = kept_names (self, error);
  if (kept == NULL)
    return FALSE;
  dir = g_dir_open (dir_path, 0, error);
  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf st;

      if (!g_str_has_suffix (name, ".asc") || g_hash_table_contains (kept, name))
        continue;
      path = g_build_filename (dir_path, name, NULL);
      /* Written since the engine started: maybe a file message being
       * queued right now on the command thread, its entry not yet stored. */
      if (g_stat (path, &st) != 0 || (gint64) st.st_mtime * G_USEC_PER_SEC >= before_us)
        continue;
      remove_cipher (path);
    }
  return TRUE;
}
