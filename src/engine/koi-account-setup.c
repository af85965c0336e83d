/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-account-setup"

#include "config.h"

#include "koi-account-backup.h"
#include "koi-account-config.h"
#include "koi-account-setup.h"
#include "koi-engine-error.h"
#include "koi-imap-client.h"
#include "koi-profile.h"
#include "koi-secret.h"
#include "koi-smtp.h"
#include "koi-smtp-verify.h"
#include "koi-store.h"
#include "koi-syncer.h"

void
koi_account_settings_free (KoiAccountSettings *settings)
{
  if (settings == NULL)
    return;

  g_free (settings->address);
  g_free (settings->display_name);
  g_clear_pointer (&settings->imap, koi_server_config_free);
  g_clear_pointer (&settings->smtp, koi_server_config_free);
  g_free (settings);
}

static KoiAccountSettings *
koi_account_settings_copy (const KoiAccountSettings *settings)
{
  KoiAccountSettings *copy = g_new0 (KoiAccountSettings, 1);

  copy->address = g_strdup (settings->address);
  copy->display_name = g_strdup (settings->display_name);
  copy->imap = koi_server_config_copy (settings->imap);
  copy->smtp = koi_server_config_copy (settings->smtp);

  return copy;
}

static gboolean
verify_imap (const KoiServerConfig  *config,
             GCancellable           *cancellable,
             GError                **error)
{
  g_autoptr (KoiImapClient) client = koi_imap_client_new (config);

  if (!koi_imap_client_connect (client, cancellable, error))
    return FALSE;

  koi_imap_client_logout (client, NULL);
  return TRUE;
}

gint64
koi_account_setup_sync (const char                *profile_dir,
                        const KoiAccountSettings  *settings,
                        GCancellable              *cancellable,
                        GError                   **error)
{
  g_autofree char *store_path = NULL;
  g_autofree char *server = NULL;
  g_autofree char *address = NULL;
  g_autoptr (KoiStore) store = NULL;
  g_autoptr (GError) backup_error = NULL;
  KoiStoreAccount row = { 0, };
  guint64 size_limit = 0;
  gint64 id;

  g_return_val_if_fail (profile_dir != NULL, 0);
  g_return_val_if_fail (settings != NULL && settings->imap != NULL && settings->smtp != NULL, 0);

  if (!koi_address_is_valid (settings->address))
    {
      g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                   "“%s” is not an email address", settings->address ? settings->address : "");
      return 0;
    }
  if (settings->imap->password == NULL || *settings->imap->password == '\0')
    {
      g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                           "The password is empty");
      return 0;
    }

  /* Nothing is saved until both servers accepted the login. */
  if (!verify_imap (settings->imap, cancellable, error))
    return 0;
  if (!koi_smtp_verify (settings->smtp, cancellable, error))
    return 0;

  if (!koi_profile_ensure (profile_dir, error))
    return 0;
  store_path = koi_profile_store_path (profile_dir);
  store = koi_store_open (store_path, error);
  if (store == NULL)
    return 0;

  address = g_ascii_strdown (settings->address, -1);
  server = koi_account_config_secret_server (settings->imap->host, settings->imap->port);
  if (!koi_secret_store_sync (address, server, settings->imap->password, cancellable, error))
    {
      g_prefix_error (error, "Cannot save the password in the keyring: ");
      return 0;
    }
  /* One password for both again: a sending password of its own would
   * outlive the one just checked. */
  {
    g_autofree char *smtp_server = koi_account_config_smtp_secret_server (settings->smtp->host,
                                                                          settings->smtp->port);
    g_autoptr (GError) clear_error = NULL;

    if (!koi_secret_clear_sync (address, smtp_server, cancellable, &clear_error))
      g_message ("Cannot remove the sending password from the keyring: %s", clear_error->message);
  }

  row.address = address;
  row.display_name = settings->display_name;
  row.imap_host = settings->imap->host;
  row.imap_port = settings->imap->port;
  row.imap_security = (char *) koi_security_to_string (settings->imap->security);
  row.imap_login = settings->imap->login;
  row.smtp_host = settings->smtp->host;
  row.smtp_port = settings->smtp->port;
  row.smtp_security = (char *) koi_security_to_string (settings->smtp->security);
  row.smtp_login = settings->smtp->login;
  row.ca_file = settings->imap->ca_file;
  row.imap_pin_key = settings->imap->pinned_key;
  row.imap_pin_cert = settings->imap->pinned_cert;
  row.smtp_pin_key = settings->smtp->pinned_key;
  row.smtp_pin_cert = settings->smtp->pinned_cert;

  id = koi_store_account_upsert (store, &row, error);
  /* The verification's EHLO told the largest message the server takes:
   * the window refuses a larger file before the first send. */
  if (id != 0 && koi_smtp_get_size_limit (settings->smtp, &size_limit))
    {
      g_autofree char *value = g_strdup_printf ("%" G_GUINT64_FORMAT, size_limit);
      g_autoptr (GError) limit_error = NULL;

      if (!koi_store_setting_set (store, id, KOI_SMTP_SIZE_LIMIT_SETTING, value, &limit_error))
        g_message ("Cannot keep the server's size limit: %s", limit_error->message);
    }
  /* The spare copy a damaged store is rebuilt from; the account works
   * without it, so a failure is only logged. */
  if (id != 0 && !koi_account_backup_write (store, profile_dir, &backup_error))
    g_warning ("Cannot keep a copy of the account settings: %s", backup_error->message);
  return id;
}

static void
setup_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  const KoiAccountSettings *settings = task_data;
  const char *profile_dir = g_object_get_data (G_OBJECT (task), "profile-dir");
  GError *error = NULL;
  gint64 id;

  id = koi_account_setup_sync (profile_dir, settings, cancellable, &error);
  if (id == 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, id);
}

void
koi_account_setup_async (const char                *profile_dir,
                         const KoiAccountSettings  *settings,
                         GCancellable              *cancellable,
                         GAsyncReadyCallback        callback,
                         gpointer                   user_data)
{
  g_autoptr (GTask) task = NULL;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_account_setup_async);
  g_task_set_task_data (task, koi_account_settings_copy (settings),
                        (GDestroyNotify) koi_account_settings_free);
  g_object_set_data_full (G_OBJECT (task), "profile-dir", g_strdup (profile_dir), g_free);
  g_task_run_in_thread (task, setup_thread);
}

gint64
koi_account_setup_finish (GAsyncResult  *result,
                          GError       **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}
