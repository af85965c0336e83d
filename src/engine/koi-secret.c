/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-secret"

#include "config.h"

#include <libsecret/secret.h>

#include "koi-secret.h"

/* The schema name is the base app id on purpose: a development build and a
 * release share the user's accounts. */
static const SecretSchema *
koi_secret_get_schema (void)
{
  static const SecretSchema schema = {
    "io.github.koichat.Koi.Account", SECRET_SCHEMA_NONE,
    {
      { "address", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };

  return &schema;
}

gboolean
koi_secret_store_sync (const char    *address,
                       const char    *server,
                       const char    *password,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autofree char *label = g_strdup_printf ("Koi: %s", address);

  return secret_password_store_sync (koi_secret_get_schema (), SECRET_COLLECTION_DEFAULT,
                                     label, password, cancellable, error,
                                     "address", address,
                                     "server", server,
                                     NULL);
}

char *
koi_secret_lookup_sync (const char    *address,
                        const char    *server,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autofree char *password = NULL;

  password = secret_password_lookup_sync (koi_secret_get_schema (), cancellable, error,
                                          "address", address,
                                          "server", server,
                                          NULL);
  return g_steal_pointer (&password);
}

static void
koi_secret_lookup_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  char *password;

  password = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, password, g_free);
}

void
koi_secret_lookup_async (const char          *address,
                         const char          *server,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, koi_secret_lookup_async);
  secret_password_lookup (koi_secret_get_schema (), cancellable,
                          koi_secret_lookup_cb, task,
                          "address", address,
                          "server", server,
                          NULL);
}

char *
koi_secret_lookup_finish (GAsyncResult  *result,
                          GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
koi_secret_clear_sync (const char    *address,
                       const char    *server,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autoptr (GError) local_error = NULL;

  secret_password_clear_sync (koi_secret_get_schema (), cancellable, &local_error,
                              "address", address,
                              "server", server,
                              NULL);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return TRUE;
}

/* The second kind of item: the passphrase that protects an account's
 * OpenPGP key file in the profile (koi-own-key.c). Keyed by the key's
 * fingerprint, not only the address: two profiles of one account (two
 * "devices" on one desktop, or a test) each have their own key file. */
static const SecretSchema *
koi_secret_get_key_schema (void)
{
  static const SecretSchema schema = {
    "io.github.koichat.Koi.Key", SECRET_SCHEMA_NONE,
    {
      { "address", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "fingerprint", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };

  return &schema;
}

gboolean
koi_secret_key_passphrase_store_sync (const char    *address,
                                      const char    *fingerprint,
                                      const char    *passphrase,
                                      GCancellable  *cancellable,
                                      GError       **error)
{
  g_autofree char *label = g_strdup_printf ("Koi: encryption key of %s", address);

  return secret_password_store_sync (koi_secret_get_key_schema (), SECRET_COLLECTION_DEFAULT,
                                     label, passphrase, cancellable, error,
                                     "address", address,
                                     "fingerprint", fingerprint,
                                     NULL);
}

char *
koi_secret_key_passphrase_lookup_sync (const char    *address,
                                       const char    *fingerprint,
                                       GCancellable  *cancellable,
                                       GError       **error)
{
  return secret_password_lookup_sync (koi_secret_get_key_schema (), cancellable, error,
                                      "address", address,
                                      "fingerprint", fingerprint,
                                      NULL);
}

gboolean
koi_secret_key_passphrase_clear_sync (const char    *address,
                                      const char    *fingerprint,
                                      GCancellable  *cancellable,
                                      GError       **error)
{
  g_autoptr (GError) local_error = NULL;

  secret_password_clear_sync (koi_secret_get_key_schema (), cancellable, &local_error,
                              "address", address,
                              "fingerprint", fingerprint,
                              NULL);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}
