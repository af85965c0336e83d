/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-session"

#include "config.h"

#include <string.h>

#include "koi-account-config.h"
#include "koi-network-watch.h"
#include "koi-profile-lock.h"
#include "koi-profile.h"
#include "koi-secret.h"
#include "koi-server-config.h"
#include "koi-session.h"
#include "koi-smtp-verify.h"

struct _KoiSession
{
  GObject         parent_instance;

  char           *profile_dir;
  char           *store_path;
  KoiStoreReader *reader;
  GListStore     *accounts;     /* of KoiAccount */
  gboolean        loaded;
  int             move_chat_mail;  /* -1: each account's stored setting */
  int             read_receipts;   /* -1: each account's stored setting */
  gint64          auto_download_max; /* -1: each account's stored setting */
  gboolean        encrypt;         /* "encrypt when possible" */
  gboolean        exclusive;       /* take the profile's lock when loading */
  KoiProfileLock *lock;            /* set by the load thread, then kept */
  GNetworkMonitor *monitor;        /* NULL: the default one */
  KoiNetworkWatch *network;        /* from the first engine on */
};

G_DEFINE_FINAL_TYPE (KoiSession, koi_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PROFILE_DIR,
  PROP_LOADED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
koi_session_set_move_chat_mail (KoiSession *self,
                                gboolean    move)
{
  g_return_if_fail (KOI_IS_SESSION (self));

  self->move_chat_mail = move ? 1 : 0;
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->accounts)); i++)
    {
      g_autoptr(KoiAccount) account = g_list_model_get_item (G_LIST_MODEL (self->accounts), i);

      if (koi_account_get_engine (account) != NULL)
        koi_engine_set_move_chat_mail (koi_account_get_engine (account), move);
    }
}

void
koi_session_set_encrypt (KoiSession *self,
                         gboolean    encrypt)
{
  g_return_if_fail (KOI_IS_SESSION (self));

  self->encrypt = encrypt;
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->accounts)); i++)
    {
      g_autoptr(KoiAccount) account = g_list_model_get_item (G_LIST_MODEL (self->accounts), i);

      if (koi_account_get_engine (account) != NULL)
        koi_engine_set_encrypt (koi_account_get_engine (account), encrypt);
    }
}

void
koi_session_set_auto_download_max (KoiSession *self,
                                   gint64      bytes)
{
  g_return_if_fail (KOI_IS_SESSION (self));

  self->auto_download_max = bytes;
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->accounts)); i++)
    {
      g_autoptr(KoiAccount) account = g_list_model_get_item (G_LIST_MODEL (self->accounts), i);

      if (koi_account_get_engine (account) != NULL)
        koi_engine_set_auto_download_max (koi_account_get_engine (account), bytes);
    }
}

void
koi_session_set_read_receipts (KoiSession *self,
                               gboolean    enabled)
{
  g_return_if_fail (KOI_IS_SESSION (self));

  self->read_receipts = enabled ? 1 : 0;
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->accounts)); i++)
    {
      g_autoptr(KoiAccount) account = g_list_model_get_item (G_LIST_MODEL (self->accounts), i);

      if (koi_account_get_engine (account) != NULL)
        koi_engine_set_read_receipts (koi_account_get_engine (account), enabled);
    }
}

KoiSession *
koi_session_new (const char *profile_dir)
{
  g_return_val_if_fail (profile_dir != NULL, NULL);

  return g_object_new (KOI_TYPE_SESSION, "profile-dir", profile_dir, NULL);
}

const char *
koi_session_get_profile_dir (KoiSession *self)
{
  g_return_val_if_fail (KOI_IS_SESSION (self), NULL);
  return self->profile_dir;
}

KoiStoreReader *
koi_session_get_reader (KoiSession *self)
{
  g_return_val_if_fail (KOI_IS_SESSION (self), NULL);
  return self->reader;
}

GListModel *
koi_session_get_accounts (KoiSession *self)
{
  g_return_val_if_fail (KOI_IS_SESSION (self), NULL);
  return G_LIST_MODEL (self->accounts);
}

gboolean
koi_session_get_loaded (KoiSession *self)
{
  g_return_val_if_fail (KOI_IS_SESSION (self), FALSE);
  return self->loaded;
}

KoiAccount *
koi_session_find_account (KoiSession *self,
                          gint64      account_id)
{
  guint n;

  g_return_val_if_fail (KOI_IS_SESSION (self), NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->accounts));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KoiAccount) account = g_list_model_get_item (G_LIST_MODEL (self->accounts), i);

      if (koi_account_get_id (account) == account_id)
        return account;   /* the store still holds it */
    }
  return NULL;
}

/* The account object for @row, created and appended if new. */
static KoiAccount *
ensure_account (KoiSession            *self,
                const KoiStoreAccount *row)
{
  g_autoptr(KoiAccount) account = NULL;
  KoiAccount *existing = koi_session_find_account (self, row->id);

  if (existing != NULL)
    return existing;

  account = koi_account_new (self->reader, row->id, row->address, row->display_name);
  g_list_store_append (self->accounts, account);
  return account;
}

/* Creates and starts the engine from the stored settings and @password,
 * with the same defaults the engine's own loader uses. */
static void start_engine_with (KoiSession       *self,
                               KoiAccount       *account,
                               KoiAccountConfig *config);

static void
start_engine (KoiSession            *self,
              KoiAccount            *account,
              const KoiStoreAccount *row,
              const char            *password,
              const char            *smtp_password)
{
  g_autoptr(KoiAccountConfig) config = koi_account_config_new_from_store (row, password);

  /* A sending password of its own (koi_session_set_smtp_password_async). */
  if (smtp_password != NULL)
    {
      explicit_bzero (config->smtp->password, strlen (config->smtp->password));
      g_free (config->smtp->password);
      config->smtp->password = g_strdup (smtp_password);
    }
  start_engine_with (self, account, config);
}

static void
start_engine_with (KoiSession       *self,
                   KoiAccount       *account,
                   KoiAccountConfig *config)
{
  g_autoptr(KoiEngine) engine = NULL;

  /* The password came from the Secret Service (or was just stored
   * there): it can keep the key's passphrase too, as for koi-cli
   * (koi_account_config_load_sync). Without this the window would
   * neither encrypt nor read encrypted mail. */
  config->encryption = TRUE;
  engine = koi_engine_new_from_config (self->store_path, config);
  if (self->move_chat_mail >= 0)
    koi_engine_set_move_chat_mail (engine, self->move_chat_mail);
  if (self->read_receipts >= 0)
    koi_engine_set_read_receipts (engine, self->read_receipts);
  koi_engine_set_encrypt (engine, self->encrypt);
  if (self->auto_download_max >= 0)
    koi_engine_set_auto_download_max (engine, self->auto_download_max);
  koi_account_set_engine (account, engine);
  koi_engine_start (engine);
  /* Only once engines run: nothing to reconnect before. */
  if (self->network == NULL)
    self->network = koi_network_watch_new (G_LIST_MODEL (self->accounts), self->monitor);
}

void
koi_session_set_network_monitor (KoiSession      *self,
                                 GNetworkMonitor *monitor)
{
  g_return_if_fail (KOI_IS_SESSION (self));
  g_return_if_fail (monitor == NULL || G_IS_NETWORK_MONITOR (monitor));

  g_set_object (&self->monitor, monitor);
  if (self->network != NULL)
    {
      koi_network_watch_free (self->network);
      self->network = koi_network_watch_new (G_LIST_MODEL (self->accounts), self->monitor);
    }
}

/* ------------------------------------------------------------------ */
/* Loading */

typedef struct
{
  KoiSession      *session;
  GTask           *task;        /* the load, finishing when outstanding == 0;
                                 * NULL for a retry */
  KoiAccount      *account;
  KoiStoreAccount *row;
  char            *password;    /* the account's, until the SMTP one is read */
} Lookup;

static void
lookup_free (Lookup *lookup)
{
  g_clear_object (&lookup->session);
  g_clear_object (&lookup->task);
  g_clear_object (&lookup->account);
  g_clear_pointer (&lookup->row, koi_store_account_free);
  g_free (lookup);
}

static void
load_step_done (GTask *task)
{
  KoiSession *self = g_task_get_source_object (task);
  guint *outstanding = g_task_get_task_data (task);

  if (--(*outstanding) > 0)
    return;

  if (!self->loaded)
    {
      self->loaded = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
    }
  g_task_return_boolean (task, TRUE);
}

static void
lookup_done (Lookup *lookup)
{
  /* The passwords leave memory as soon as the engine has its copy. */
  if (lookup->password != NULL)
    explicit_bzero (lookup->password, strlen (lookup->password));
  g_clear_pointer (&lookup->password, g_free);
  if (lookup->task != NULL)
    load_step_done (lookup->task);
  lookup_free (lookup);
}

static void
smtp_lookup_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Lookup *lookup = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *smtp_password = koi_secret_lookup_finish (result, &error);

  /* Without one (the usual case, or the keyring failing now) SMTP logs in
   * with the account's password. */
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("Cannot read the sending password of %s: %s", lookup->row->address, error->message);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      koi_account_get_engine (lookup->account) == NULL)
    start_engine (lookup->session, lookup->account, lookup->row, lookup->password, smtp_password);
  if (smtp_password != NULL)
    explicit_bzero (smtp_password, strlen (smtp_password));
  lookup_done (lookup);
}

static void
secret_lookup_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Lookup *lookup = user_data;
  g_autoptr(GError) error = NULL;

  lookup->password = koi_secret_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ;
  else if (error != NULL || lookup->password == NULL)
    {
      /* No engine can start: the window says why and offers the way
       * on (Enter Password…, Try Again), which needs the servers. */
      g_autoptr(KoiAccountConfig) servers = koi_account_config_new_from_store (lookup->row, NULL);

      if (error != NULL)
        g_message ("Cannot read the password of %s from the keyring: %s",
                   lookup->row->address, error->message);
      koi_account_set_last_error (lookup->account, error != NULL ? error->message : NULL);
      koi_account_set_stopped (lookup->account,
                               error != NULL ? KOI_ACCOUNT_STOPPED_KEYRING
                                             : KOI_ACCOUNT_STOPPED_NO_PASSWORD,
                               servers);
    }
  else
    {
      g_autofree char *smtp_server = koi_account_config_smtp_secret_server (lookup->row->smtp_host,
                                                                            lookup->row->smtp_port);

      koi_secret_lookup_async (lookup->row->address, smtp_server,
                               lookup->task != NULL ? g_task_get_cancellable (lookup->task) : NULL,
                               smtp_lookup_cb, lookup);
      return;
    }

  lookup_done (lookup);
}

static void
lookup_start (Lookup       *lookup,
              GCancellable *cancellable)
{
  g_autofree char *server = koi_account_config_secret_server (lookup->row->imap_host,
                                                              lookup->row->imap_port);

  koi_secret_lookup_async (lookup->row->address, server, cancellable, secret_lookup_cb, lookup);
}

static void
retry_account_read_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Lookup *lookup = user_data;

  lookup->row = koi_store_reader_get_account_finish (KOI_STORE_READER (source), result, NULL);
  if (lookup->row == NULL)
    {
      lookup_free (lookup);   /* removed meanwhile */
      return;
    }
  lookup_start (lookup, NULL);
}

void
koi_session_retry_account (KoiSession *self,
                           KoiAccount *account)
{
  Lookup *lookup;

  g_return_if_fail (KOI_IS_SESSION (self));
  g_return_if_fail (KOI_IS_ACCOUNT (account));

  if (koi_account_get_engine (account) != NULL)
    return;
  lookup = g_new0 (Lookup, 1);
  lookup->session = g_object_ref (self);
  lookup->account = g_object_ref (account);
  /* The stored row again: the servers may have changed meanwhile. */
  koi_store_reader_get_account_async (self->reader, koi_account_get_id (account), NULL,
                                      retry_account_read_cb, lookup);
}

static void
accounts_listed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  KoiSession *self = g_task_get_source_object (task);
  g_autoptr(GPtrArray) rows = NULL;
  GError *error = NULL;
  guint *outstanding = g_task_get_task_data (task);

  rows = koi_store_reader_list_accounts_finish (KOI_STORE_READER (source), result, &error);
  if (rows == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* One step for the listing itself, so the task cannot finish while the
   * lookups are still being started. */
  *outstanding = rows->len + 1;
  /* Each row goes to its lookup. */
  g_ptr_array_set_free_func (rows, NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      KoiStoreAccount *row = g_ptr_array_index (rows, i);
      Lookup *lookup = g_new0 (Lookup, 1);

      lookup->session = g_object_ref (self);
      lookup->task = g_object_ref (task);
      lookup->account = g_object_ref (ensure_account (self, row));
      lookup->row = row;
      lookup_start (lookup, g_task_get_cancellable (task));
    }

  load_step_done (task);
}

static void
profile_ensure_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  const char *profile_dir = KOI_SESSION (source_object)->profile_dir;
  g_autofree char *store_path = koi_profile_store_path (profile_dir);
  GError *error = NULL;

  /* A damaged, newer or locked store fails the load with its
   * KOI_STORE_ERROR before anything opens it (koi_store_open would set a
   * damaged one aside by itself): the window asks the user first. */
  KoiSession *self = KOI_SESSION (source_object);

  /* A second Koi on this profile is refused first (KOI_STORE_ERROR_BUSY,
   * the window's "Koi Is Already Running"); the lock is kept from then on,
   * also through a Try Again after another failure. */
  if (koi_profile_ensure (profile_dir, &error) &&
      (!self->exclusive || self->lock != NULL ||
       (self->lock = koi_profile_lock_acquire (profile_dir, &error)) != NULL) &&
      koi_store_check (store_path, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
profile_ensured_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  KoiSession *self = KOI_SESSION (source);
  GCancellable *cancellable;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  cancellable = g_task_get_cancellable (task);
  koi_store_reader_list_accounts_async (self->reader, cancellable,
                                        accounts_listed_cb, g_steal_pointer (&task));
}

void
koi_session_load_async (KoiSession          *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) ensure = NULL;

  g_return_if_fail (KOI_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_session_load_async);
  g_task_set_task_data (task, g_new0 (guint, 1), g_free);

  /* Creating the folder is file I/O too: not on the main thread. */
  ensure = g_task_new (self, cancellable, profile_ensured_cb, g_steal_pointer (&task));
  g_task_run_in_thread (ensure, profile_ensure_thread);
}

gboolean
koi_session_load_finish (KoiSession    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (KOI_IS_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* Adding an account */

typedef struct
{
  KoiAccountSettings *settings;   /* a copy: the caller's may go away */
} AddData;

static void
add_data_free (AddData *data)
{
  if (data->settings->imap != NULL && data->settings->imap->password != NULL)
    memset (data->settings->imap->password, 0, strlen (data->settings->imap->password));
  if (data->settings->smtp != NULL && data->settings->smtp->password != NULL)
    memset (data->settings->smtp->password, 0, strlen (data->settings->smtp->password));
  koi_account_settings_free (data->settings);
  g_free (data);
}

static void
added_account_read_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  KoiSession *self = g_task_get_source_object (task);
  AddData *data = g_task_get_task_data (task);
  g_autoptr(KoiStoreAccount) row = NULL;
  GError *error = NULL;
  KoiAccount *account;

  row = koi_store_reader_get_account_finish (KOI_STORE_READER (source), result, &error);
  if (row == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  account = ensure_account (self, row);
  koi_account_set_last_error (account, NULL);

  if (koi_account_get_engine (account) != NULL)
    {
      /* Added again (e.g. a new password): restart with the new settings. */
      koi_engine_stop (koi_account_get_engine (account));
      koi_account_set_engine (account, NULL);
    }

  start_engine (self, account, row, data->settings->imap->password, NULL);

  g_task_return_pointer (task, g_object_ref (account), g_object_unref);
}

static void
account_setup_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  KoiSession *self = g_task_get_source_object (task);
  GCancellable *cancellable;
  GError *error = NULL;
  gint64 account_id;

  account_id = koi_account_setup_finish (result, &error);
  if (account_id <= 0)
    {
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                     "The account could not be saved");
      g_task_return_error (task, error);
      return;
    }

  cancellable = g_task_get_cancellable (task);
  koi_store_reader_get_account_async (self->reader, account_id, cancellable,
                                      added_account_read_cb, g_steal_pointer (&task));
}

void
koi_session_add_account_async (KoiSession                *self,
                               const KoiAccountSettings  *settings,
                               GCancellable              *cancellable,
                               GAsyncReadyCallback        callback,
                               gpointer                   user_data)
{
  g_autoptr(GTask) task = NULL;
  AddData *data;

  g_return_if_fail (KOI_IS_SESSION (self));
  g_return_if_fail (settings != NULL);
  g_return_if_fail (settings->address != NULL);
  g_return_if_fail (settings->imap != NULL && settings->smtp != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_session_add_account_async);

  data = g_new0 (AddData, 1);
  data->settings = g_new0 (KoiAccountSettings, 1);
  data->settings->address = g_strdup (settings->address);
  data->settings->display_name = g_strdup (settings->display_name);
  data->settings->imap = koi_server_config_copy (settings->imap);
  data->settings->smtp = koi_server_config_copy (settings->smtp);
  g_task_set_task_data (task, data, (GDestroyNotify) add_data_free);

  koi_account_setup_async (self->profile_dir, data->settings, cancellable,
                           account_setup_cb, g_steal_pointer (&task));
}

KoiAccount *
koi_session_add_account_finish (KoiSession    *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (KOI_IS_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* A sending password of its own */

typedef struct
{
  KoiAccount       *account;
  KoiAccountConfig *config;   /* the engine's, with the new SMTP password */
} SmtpData;

static void
smtp_data_free (SmtpData *data)
{
  g_clear_object (&data->account);
  g_clear_pointer (&data->config, koi_account_config_free);
  g_free (data);
}

static void
smtp_password_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  SmtpData *data = task_data;
  g_autofree char *server = koi_account_config_smtp_secret_server (data->config->smtp->host,
                                                                   data->config->smtp->port);
  GError *error = NULL;

  /* Saved only once the sending server took it. */
  if (!koi_smtp_verify (data->config->smtp, cancellable, &error) ||
      !koi_secret_store_sync (data->config->address, server, data->config->smtp->password,
                              cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
smtp_password_saved_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  KoiSession *self = g_task_get_source_object (task);
  SmtpData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* The engine keeps its servers for its life: a new one sends with it. */
  if (koi_account_get_engine (data->account) != NULL)
    {
      koi_engine_stop (koi_account_get_engine (data->account));
      koi_account_set_engine (data->account, NULL);
    }
  start_engine_with (self, data->account, data->config);
  g_task_return_boolean (task, TRUE);
}

void
koi_session_set_smtp_password_async (KoiSession          *self,
                                     KoiAccount          *account,
                                     const char          *password,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) save = NULL;
  const KoiAccountConfig *servers;
  SmtpData *data;

  g_return_if_fail (KOI_IS_SESSION (self));
  g_return_if_fail (KOI_IS_ACCOUNT (account));
  g_return_if_fail (password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_session_set_smtp_password_async);
  servers = koi_account_get_engine (account) != NULL
            ? koi_engine_get_account_config (koi_account_get_engine (account)) : NULL;
  if (servers == NULL || servers->smtp == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               "The account is not running");
      return;
    }
  data = g_new0 (SmtpData, 1);
  data->account = g_object_ref (account);
  data->config = koi_account_config_copy (servers);
  if (data->config->smtp->password != NULL)
    explicit_bzero (data->config->smtp->password, strlen (data->config->smtp->password));
  g_free (data->config->smtp->password);
  data->config->smtp->password = g_strdup (password);
  g_task_set_task_data (task, data, (GDestroyNotify) smtp_data_free);

  save = g_task_new (self, cancellable, smtp_password_saved_cb, g_steal_pointer (&task));
  g_task_set_task_data (save, data, NULL);
  g_task_run_in_thread (save, smtp_password_thread);
}

gboolean
koi_session_set_smtp_password_finish (KoiSession    *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  g_return_val_if_fail (KOI_IS_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
koi_session_get_saving (KoiSession *self)
{
  guint n;

  g_return_val_if_fail (KOI_IS_SESSION (self), FALSE);

  if (self->accounts == NULL)
    return FALSE;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->accounts));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KoiAccount) account = g_list_model_get_item (G_LIST_MODEL (self->accounts), i);

      if (koi_account_get_saving (account))
        return TRUE;
    }
  return FALSE;
}

void
koi_session_shutdown (KoiSession *self)
{
  guint n;

  g_return_if_fail (KOI_IS_SESSION (self));

  if (self->accounts == NULL)
    return;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->accounts));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KoiAccount) account = g_list_model_get_item (G_LIST_MODEL (self->accounts), i);
      KoiEngine *engine = koi_account_get_engine (account);

      if (engine != NULL)
        {
          koi_engine_stop (engine);
          koi_account_set_engine (account, NULL);
        }
    }
}

static void
koi_session_dispose (GObject *object)
{
  KoiSession *self = KOI_SESSION (object);

  g_clear_pointer (&self->network, koi_network_watch_free);
  koi_session_shutdown (self);
  if (self->accounts != NULL)
    g_list_store_remove_all (self->accounts);

  G_OBJECT_CLASS (koi_session_parent_class)->dispose (object);
}

static void
koi_session_finalize (GObject *object)
{
  KoiSession *self = KOI_SESSION (object);

  g_clear_object (&self->accounts);
  g_clear_object (&self->reader);
  g_clear_object (&self->monitor);
  g_clear_pointer (&self->profile_dir, g_free);
  g_clear_pointer (&self->store_path, g_free);
  g_clear_pointer (&self->lock, koi_profile_lock_release);

  G_OBJECT_CLASS (koi_session_parent_class)->finalize (object);
}

static void
koi_session_constructed (GObject *object)
{
  KoiSession *self = KOI_SESSION (object);

  G_OBJECT_CLASS (koi_session_parent_class)->constructed (object);

  self->store_path = koi_profile_store_path (self->profile_dir);
  /* Opens nothing yet: the reader thread opens the file with its first job. */
  self->reader = koi_store_reader_new (self->store_path);
}

static void
koi_session_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  KoiSession *self = KOI_SESSION (object);

  switch (prop_id)
    {
    case PROP_PROFILE_DIR:
      g_value_set_string (value, self->profile_dir);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_session_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  KoiSession *self = KOI_SESSION (object);

  switch (prop_id)
    {
    case PROP_PROFILE_DIR:
      self->profile_dir = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_session_class_init (KoiSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = koi_session_constructed;
  object_class->dispose = koi_session_dispose;
  object_class->finalize = koi_session_finalize;
  object_class->get_property = koi_session_get_property;
  object_class->set_property = koi_session_set_property;

  /* The folder with the store and local settings (koi-profile.h). */
  properties[PROP_PROFILE_DIR] =
    g_param_spec_string ("profile-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* TRUE once the accounts were read: the UI can choose between the
   * welcome page and the chat list. */
  properties[PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
koi_session_init (KoiSession *self)
{
  self->accounts = g_list_store_new (KOI_TYPE_ACCOUNT);
  self->move_chat_mail = -1;
  self->read_receipts = -1;
  self->auto_download_max = -1;
  self->encrypt = TRUE;
}

void
koi_session_set_exclusive (KoiSession *self,
                           gboolean    exclusive)
{
  g_return_if_fail (KOI_IS_SESSION (self));

  self->exclusive = exclusive;
}
