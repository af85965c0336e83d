/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-account-backup"

#include "config.h"

#include "koi-account-backup.h"

#define BACKUP_NAME "accounts.ini"

static char *
backup_path (const char *profile_dir)
{
  return g_build_filename (profile_dir, BACKUP_NAME, NULL);
}

static void
set_string (GKeyFile   *keys,
            const char *group,
            const char *key,
            const char *value)
{
  if (value != NULL)
    g_key_file_set_string (keys, group, key, value);
}

gboolean
koi_account_backup_write (KoiStore    *store,
                          const char  *profile_dir,
                          GError     **error)
{
  g_autoptr (GPtrArray) accounts = koi_store_account_list (store, error);
  g_autoptr (GKeyFile) keys = g_key_file_new ();
  g_autofree char *path = backup_path (profile_dir);
  g_autofree char *data = NULL;
  gsize len = 0;

  if (accounts == NULL)
    return FALSE;

  for (guint i = 0; i < accounts->len; i++)
    {
      const KoiStoreAccount *account = g_ptr_array_index (accounts, i);
      const char *group = account->address;

      set_string (keys, group, "display-name", account->display_name);
      set_string (keys, group, "imap-host", account->imap_host);
      g_key_file_set_integer (keys, group, "imap-port", account->imap_port);
      set_string (keys, group, "imap-security", account->imap_security);
      set_string (keys, group, "imap-login", account->imap_login);
      set_string (keys, group, "smtp-host", account->smtp_host);
      g_key_file_set_integer (keys, group, "smtp-port", account->smtp_port);
      set_string (keys, group, "smtp-security", account->smtp_security);
      set_string (keys, group, "smtp-login", account->smtp_login);
      set_string (keys, group, "ca-file", account->ca_file);
      set_string (keys, group, "imap-pin-key", account->imap_pin_key);
      set_string (keys, group, "imap-pin-cert", account->imap_pin_cert);
      set_string (keys, group, "smtp-pin-key", account->smtp_pin_key);
      set_string (keys, group, "smtp-pin-cert", account->smtp_pin_cert);
    }

  data = g_key_file_to_data (keys, &len, NULL);
  /* g_file_set_contents writes a temporary file and renames it. */
  return g_file_set_contents_full (path, data, (gssize) len, G_FILE_SET_CONTENTS_CONSISTENT,
                                   0600, error);
}

GPtrArray *
koi_account_backup_read (const char  *profile_dir,
                         GError     **error)
{
  g_autoptr (GPtrArray) accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_store_account_free);
  g_autoptr (GKeyFile) keys = g_key_file_new ();
  g_autofree char *path = backup_path (profile_dir);
  g_auto (GStrv) groups = NULL;
  GError *local_error = NULL;

  if (!g_key_file_load_from_file (keys, path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_error_free (local_error);
          return g_steal_pointer (&accounts);
        }
      g_propagate_error (error, local_error);
      return NULL;
    }

  groups = g_key_file_get_groups (keys, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      KoiStoreAccount *account = g_new0 (KoiStoreAccount, 1);
      const char *group = groups[i];

      account->address = g_strdup (group);
      account->display_name = g_key_file_get_string (keys, group, "display-name", NULL);
      account->imap_host = g_key_file_get_string (keys, group, "imap-host", NULL);
      account->imap_port = (guint16) g_key_file_get_integer (keys, group, "imap-port", NULL);
      account->imap_security = g_key_file_get_string (keys, group, "imap-security", NULL);
      account->imap_login = g_key_file_get_string (keys, group, "imap-login", NULL);
      account->smtp_host = g_key_file_get_string (keys, group, "smtp-host", NULL);
      account->smtp_port = (guint16) g_key_file_get_integer (keys, group, "smtp-port", NULL);
      account->smtp_security = g_key_file_get_string (keys, group, "smtp-security", NULL);
      account->smtp_login = g_key_file_get_string (keys, group, "smtp-login", NULL);
      account->ca_file = g_key_file_get_string (keys, group, "ca-file", NULL);
      account->imap_pin_key = g_key_file_get_string (keys, group, "imap-pin-key", NULL);
      account->imap_pin_cert = g_key_file_get_string (keys, group, "imap-pin-cert", NULL);
      account->smtp_pin_key = g_key_file_get_string (keys, group, "smtp-pin-key", NULL);
      account->smtp_pin_cert = g_key_file_get_string (keys, group, "smtp-pin-cert", NULL);
      if (account->imap_host == NULL || account->smtp_host == NULL)
        {
          g_warning ("%s: the account %s has no servers; skipped", path, group);
          koi_store_account_free (account);
          continue;
        }
      g_ptr_array_add (accounts, account);
    }
  return g_steal_pointer (&accounts);
}
