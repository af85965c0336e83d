/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store-repair"

#include "config.h"

#include "koi-account-backup.h"
#include "koi-profile.h"
#include "koi-store-repair.h"
#include "koi-store.h"

gboolean
koi_store_repair (const char  *profile_dir,
                  guint       *n_accounts,
                  GError     **error)
{
  g_autofree char *path = koi_profile_store_path (profile_dir);
  g_autofree char *aside = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (KoiStore) store = NULL;
  guint restored = 0;

  /* Read before anything moves: a copy that cannot be read stops the
   * repair with the store where it was. */
  accounts = koi_account_backup_read (profile_dir, error);
  if (accounts == NULL)
    return FALSE;

  if (g_file_test (path, G_FILE_TEST_EXISTS) && (aside = koi_store_set_aside (path, error)) == NULL)
    return FALSE;

  store = koi_store_open (path, error);
  if (store == NULL || !koi_store_begin (store, error))
    return FALSE;
  for (guint i = 0; i < accounts->len; i++)
    {
      if (koi_store_account_upsert (store, g_ptr_array_index (accounts, i), error) == 0)
        {
          koi_store_rollback (store);
          return FALSE;
        }
      restored++;
    }
  if (!koi_store_commit (store, error))
    return FALSE;

  g_message ("Rebuilt the store of %s with %u account(s); the damaged one is %s",
             profile_dir, restored, aside != NULL ? aside : "(none)");
  if (n_accounts != NULL)
    *n_accounts = restored;
  return TRUE;
}
