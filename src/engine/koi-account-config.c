/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-account-config"

#include "config.h"

#include <string.h>

#include "koi-account-config.h"
#include "koi-engine-error.h"
#include "koi-secret.h"

void
koi_account_config_free (KoiAccountConfig *config)
{
  if (config == NULL)
    return;

  g_free (config->address);
  g_free (config->display_name);
  g_clear_pointer (&config->imap, koi_server_config_free);
  g_clear_pointer (&config->smtp, koi_server_config_free);
  g_free (config);
}

KoiAccountConfig *
koi_account_config_copy (const KoiAccountConfig *config)
{
  KoiAccountConfig *copy = g_new0 (KoiAccountConfig, 1);

  copy->id = config->id;
  copy->address = g_strdup (config->address);
  copy->display_name = g_strdup (config->display_name);
  copy->imap = koi_server_config_copy (config->imap);
  copy->smtp = koi_server_config_copy (config->smtp);
  copy->encryption = config->encryption;

  return copy;
}

char *
koi_account_config_secret_server (const char *imap_host,
                                  guint16     imap_port)
{
  return g_strdup_printf ("%s:%u", imap_host, imap_port);
}

char *
koi_account_config_smtp_secret_server (const char *smtp_host,
                                       guint16     smtp_port)
{
  return g_strdup_printf ("smtp:%s:%u", smtp_host, smtp_port);
}

static KoiSecurity
security_or_default (const char  *text,
                     KoiSecurity  fallback)
{
  KoiSecurity security;

  if (text != NULL && koi_security_from_string (text, &security))
    return security;

  return fallback;
}

KoiAccountConfig *
koi_account_config_new_from_store (const KoiStoreAccount *account,
                                   const char            *password)
{
  KoiAccountConfig *config = g_new0 (KoiAccountConfig, 1);

  config->id = account->id;
  config->address = g_strdup (account->address);
  config->display_name = g_strdup (account->display_name);
  config->imap = koi_server_config_new (account->imap_host, account->imap_port,
                                        security_or_default (account->imap_security, KOI_SECURITY_TLS),
                                        account->imap_login ? account->imap_login : account->address,
                                        password, account->ca_file);
  config->smtp = koi_server_config_new (account->smtp_host, account->smtp_port,
                                        security_or_default (account->smtp_security, KOI_SECURITY_TLS),
                                        account->smtp_login ? account->smtp_login : account->address,
                                        password, account->ca_file);
  koi_server_config_set_pin (config->imap, account->imap_pin_key, account->imap_pin_cert);
  koi_server_config_set_pin (config->smtp, account->smtp_pin_key, account->smtp_pin_cert);

  return config;
}

KoiAccountConfig *
koi_account_config_load_sync (KoiStore      *store,
                              gint64         account_id,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_autoptr (KoiStoreAccount) account = NULL;
  g_autofree char *server = NULL;
  g_autofree char *password = NULL;
  g_autoptr (GError) local_error = NULL;

  if (account_id == 0)
    {
      g_autoptr (GPtrArray) accounts = koi_store_account_list (store, error);

      if (accounts == NULL)
        return NULL;
      if (accounts->len == 0)
        {
          g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_NO_ACCOUNT,
                       "This profile has no account yet. Add one with "
                       "“koi-cli account add”.");
          return NULL;
        }
      account = g_steal_pointer (&g_ptr_array_index (accounts, 0));
    }
  else
    {
      account = koi_store_account_get (store, account_id, error);
      if (account == NULL)
        return NULL;
    }

  server = koi_account_config_secret_server (account->imap_host, account->imap_port);
  password = koi_secret_lookup_sync (account->address, server, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_NO_PASSWORD,
                   "Cannot read the password of %s from the keyring: %s",
                   account->address, local_error->message);
      return NULL;
    }
  if (password == NULL)
    {
      g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_NO_PASSWORD,
                   "The keyring has no password for %s. Add the account again "
                   "to store it.", account->address);
      return NULL;
    }

  {
    KoiAccountConfig *config = koi_account_config_new_from_store (account, password);
    g_autofree char *smtp_server = koi_account_config_smtp_secret_server (account->smtp_host,
                                                                          account->smtp_port);
    g_autofree char *smtp_password = koi_secret_lookup_sync (account->address, smtp_server,
                                                             cancellable, NULL);

    /* A sending password of its own, when the sending server wanted
     * another one (koi_account_config_smtp_secret_server). */
    if (smtp_password != NULL)
      {
        if (config->smtp->password != NULL)
          explicit_bzero (config->smtp->password, strlen (config->smtp->password));
        g_free (config->smtp->password);
        config->smtp->password = g_strdup (smtp_password);
        explicit_bzero (smtp_password, strlen (smtp_password));
      }
    /* The keyring answered: it can keep the key's passphrase too. */
    config->encryption = TRUE;
    return config;
  }
}
