/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-account-remove"

#include "config.h"

#include <errno.h>
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

/* The key file's passphrase item is keyed by the key's fingerprint, which
 * only the file knows: read it before the file goes. */
static char *
own_key_fingerprint (const char *key_path)
{
  g_autofree char *contents = NULL;
  g_autoptr (GBytes) file = NULL;
  g_autoptr (GError) error = NULL;
  gsize length = 0;
  char *fingerprint;

  if (!g_file_get_contents (key_path, &contents, &length, NULL))
    return NULL;
  file = g_bytes_new_take (g_steal_pointer (&contents), length);
  fingerprint = koi_pgp_own_key_file_fingerprint (file, &error);
  if (fingerprint == NULL)
    g_warning ("Cannot read the key file %s: %s", key_path, error->message);
  return fingerprint;
}

static void
remove_files (KoiStore  *store,
              GPtrArray *paths)
{
  g_autofree char *dir = koi_store_get_attachment_dir (store);

  for (guint i = 0; i < paths->len; i++)
    {
      const char *relative = g_ptr_array_index (paths, i);
      g_autofree char *path = NULL;

      if (koi_store_attachment_path_in_use (store, relative, NULL))
        continue;
      path = g_build_filename (dir, relative, NULL);
      if (g_unlink (path) != 0 && errno != ENOENT)
        g_warning ("Cannot remove %s: %s", path, g_strerror (errno));
    }
}

gboolean
koi_account_remove_sync (const char    *profile_dir,
                         gint64         account_id,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autofree char *store_path = NULL;
  g_autofree char *key_path = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *server = NULL;
  g_autoptr (KoiStore) store = NULL;
  g_autoptr (KoiStoreAccount) row = NULL;
  g_autoptr (GPtrArray) paths = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (profile_dir != NULL, FALSE);

  store_path = koi_profile_store_path (profile_dir);
  store = koi_store_open (store_path, error);
  if (store == NULL)
    return FALSE;
  row = koi_store_account_get (store, account_id, error);
  if (row == NULL)
    return FALSE;
  paths = koi_store_attachment_account_paths (store, account_id, error);
  if (paths == NULL)
    return FALSE;
  key_path = koi_own_key_path (store_path, account_id);
  fingerprint = own_key_fingerprint (key_path);

  /* The rows go first: once they are gone the account is gone for Koi,
   * whatever else fails afterwards (that only leaves a stray file or
   * keyring item, which the warnings name). */
  if (!koi_store_account_delete (store, account_id, error))
    return FALSE;
  remove_files (store, paths);

  /* The spare copy must not bring the account back on a repair. */
  if (!koi_account_backup_write (store, profile_dir, &local_error))
    {
      g_warning ("Cannot update the spare copy of the accounts: %s", local_error->message);
      g_clear_error (&local_error);
    }

  if (g_unlink (key_path) != 0 && errno != ENOENT)
    g_warning ("Cannot remove the key file %s: %s", key_path, g_strerror (errno));
  /* An import's note of the key it replaced (koi-own-key.c). */
  {
    g_autofree char *note = g_strconcat (key_path, ".replaced", NULL);

    if (g_unlink (note) != 0 && errno != ENOENT)
      g_warning ("Cannot remove %s: %s", note, g_strerror (errno));
  }
  if (fingerprint != NULL &&
      !koi_secret_key_passphrase_clear_sync (row->address, fingerprint, cancellable, &local_error))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "Cannot remove the key's passphrase from the keyring: ");
      return FALSE;
    }

  {
    g_autofree char *smtp_server = koi_account_config_smtp_secret_server (row->smtp_host,
                                                                          row->smtp_port);

    if (!koi_secret_clear_sync (row->address, smtp_server, cancellable, &local_error))
      {
        g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                    "Cannot remove the sending password from the keyring: ");
        return FALSE;
      }
  }
  server = koi_account_config_secret_server (row->imap_host, row->imap_port);
  if (!koi_secret_clear_sync (row->address, server, cancellable, &local_error))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "Cannot remove the password from the keyring: ");
      return FALSE;
    }

  g_message ("Removed the account %s from %s", row->address, profile_dir);
  return TRUE;
}

typedef struct
{
  char   *profile_dir;
  gint64  account_id;
} RemoveData;

static void
remove_data_free (RemoveData *data)
{
  g_free (data->profile_dir);
  g_free (data);
}

static void
remove_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  RemoveData *data = task_data;
  GError *error = NULL;

  if (koi_account_remove_sync (data->profile_dir, data->account_id, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
koi_account_remove_async (const char          *profile_dir,
                          gint64               account_id,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  RemoveData *data = g_new0 (RemoveData, 1);

  data->profile_dir = g_strdup (profile_dir);
  data->account_id = account_id;
  g_task_set_source_tag (task, koi_account_remove_async);
  g_task_set_task_data (task, data, (GDestroyNotify) remove_data_free);
  g_task_run_in_thread (task, remove_thread);
}

gboolean
koi_account_remove_finish (GAsyncResult  *result,
                           GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
