/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-account"

#include "config.h"

#include "koi-account.h"
#include "koi-chat-client-detect.h"
#include "koi-net-error.h"

struct _KoiAccount
{
  GObject             parent_instance;

  KoiStoreReader     *reader;
  KoiEngine          *engine;
  KoiChatList        *chats;     /* created on first use */

  gint64              id;
  char               *address;
  char               *display_name;
  char               *last_error;
  KoiConnectionState  connection_state;
  char               *other_chat_client;
  GCancellable       *other_chat_client_load;
  gboolean            disk_full;
  gboolean            certificate_refused;
  gboolean            coi_offered;   /* "coi-server-offered" came, not answered yet */
  guint               drafts_saving;
  KoiAccountStopped   stopped;
  gboolean            sending_refused; /* SMTP refused the password */
  KoiAccountConfig   *servers;   /* as stored, no password; for a prompt */
};

G_DEFINE_FINAL_TYPE (KoiAccount, koi_account, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_ADDRESS,
  PROP_DISPLAY_NAME,
  PROP_TITLE,
  PROP_CONNECTION_STATE,
  PROP_CONNECTION_PROBLEM,
  PROP_ENGINE,
  PROP_LAST_ERROR,
  PROP_OTHER_CHAT_CLIENT,
  PROP_DISK_FULL,
  PROP_STOPPED,
  PROP_SENDING_REFUSED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The engine's change events, relayed: lists connect to the account once
 * and keep updating when its engine is replaced (new password, restart). */
enum {
  MESSAGE_ADDED,
  MESSAGE_UPDATED,
  CHAT_UPDATED,
  CONTACT_UPDATED,
  SYNC_FINISHED,
  TRANSFER_PROGRESS,
  COI_SERVER_OFFERED,
  KEY_SETUP_ARRIVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

KoiAccount *
koi_account_new (KoiStoreReader *reader,
                 gint64          id,
                 const char     *address,
                 const char     *display_name)
{
  KoiAccount *self;

  g_return_val_if_fail (KOI_IS_STORE_READER (reader), NULL);
  g_return_val_if_fail (address != NULL, NULL);

  self = g_object_new (KOI_TYPE_ACCOUNT, NULL);
  self->reader = g_object_ref (reader);
  self->id = id;
  self->address = g_strdup (address);
  self->display_name = g_strdup (display_name);
  return self;
}

gint64
koi_account_get_id (KoiAccount *self)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), 0);
  return self->id;
}

const char *
koi_account_get_address (KoiAccount *self)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), NULL);
  return self->address;
}

const char *
koi_account_get_display_name (KoiAccount *self)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), NULL);
  return self->display_name;
}

const char *
koi_account_get_title (KoiAccount *self)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), NULL);

  if (self->display_name != NULL && self->display_name[0] != '\0')
    return self->display_name;
  return self->address;
}

KoiConnectionState
koi_account_get_connection_state (KoiAccount *self)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), KOI_CONNECTION_OFFLINE);
  return self->connection_state;
}

KoiEngine *
koi_account_get_engine (KoiAccount *self)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), NULL);
  return self->engine;
}

const char *
koi_account_get_last_error (KoiAccount *self)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), NULL);
  return self->last_error;
}

void
koi_account_set_last_error (KoiAccount *self,
                            const char *last_error)
{
  g_return_if_fail (KOI_IS_ACCOUNT (self));

  if (g_strcmp0 (self->last_error, last_error) == 0)
    return;

  g_free (self->last_error);
  self->last_error = g_strdup (last_error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
}

gboolean
koi_account_get_sending_refused (KoiAccount *self)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), FALSE);
  return self->sending_refused;
}

KoiAccountStopped
koi_account_get_stopped (KoiAccount *self)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), KOI_ACCOUNT_STOPPED_NONE);
  return self->stopped;
}

const KoiAccountConfig *
koi_account_get_servers (KoiAccount *self)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), NULL);

  if (self->engine != NULL)
    return koi_engine_get_account_config (self->engine);
  return self->servers;
}

void
koi_account_set_stopped (KoiAccount             *self,
                         KoiAccountStopped       stopped,
                         const KoiAccountConfig *servers)
{
  g_return_if_fail (KOI_IS_ACCOUNT (self));

  if (servers != NULL)
    {
      g_clear_pointer (&self->servers, koi_account_config_free);
      self->servers = koi_account_config_copy (servers);
    }
  if (self->stopped == stopped)
    return;
  self->stopped = stopped;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STOPPED]);
}

static void
set_connection_state (KoiAccount         *self,
                      KoiConnectionState  state)
{
  if (self->connection_state == state)
    return;

  /* A new attempt (or success) leaves an old refusal behind. */
  if (state == KOI_CONNECTION_CONNECTING || state == KOI_CONNECTION_SYNCING ||
      state == KOI_CONNECTION_ONLINE)
    self->certificate_refused = FALSE;
  self->connection_state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION_STATE]);
}

static void
set_disk_full (KoiAccount *self,
               gboolean    disk_full)
{
  if (self->disk_full == disk_full)
    return;
  self->disk_full = disk_full;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISK_FULL]);
}

gboolean
koi_account_get_disk_full (KoiAccount *self)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), FALSE);

  return self->disk_full;
}

KoiConnectionProblem
koi_account_get_connection_problem (KoiAccount *self)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), KOI_CONNECTION_PROBLEM_NONE);

  return self->engine != NULL ? koi_engine_get_connection_problem (self->engine) : KOI_CONNECTION_PROBLEM_NONE;
}

void
koi_account_reconnect_now (KoiAccount *self)
{
  g_return_if_fail (KOI_IS_ACCOUNT (self));

  if (self->engine != NULL)
    koi_engine_reconnect_now (self->engine);
}

static void
on_engine_problem (KoiAccount *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION_PROBLEM]);
}

static void
on_engine_state (KoiAccount *self)
{
  KoiConnectionState state = koi_engine_get_connection_state (self->engine);

  /* Back online: an old error no longer applies, and ONLINE comes only
   * after a sync pass whose writes all went into the store. */
  if (state == KOI_CONNECTION_ONLINE)
    {
      koi_account_set_last_error (self, NULL);
      set_disk_full (self, FALSE);
    }
  set_connection_state (self, state);
}

const char *
koi_account_get_other_chat_client (KoiAccount *self)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), NULL);

  return self->other_chat_client;
}

/* Runs on the reader thread. */
static gpointer
load_other_chat_client (KoiStore      *store,
                        gpointer       data,
                        GCancellable  *cancellable,
                        GError       **error)
{
  KoiChatClient client = koi_chat_client_load (store, *(gint64 *) data, NULL, NULL);

  /* Never NULL: "" says nothing was seen. */
  return g_strdup (client != KOI_CHAT_CLIENT_NONE ? koi_chat_client_to_string (client) : "");
}

static void
other_chat_client_loaded_cb (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data)
{
  g_autoptr (KoiAccount) self = user_data;
  g_autofree char *client = koi_store_reader_run_finish (KOI_STORE_READER (source), result, NULL);

  if (client == NULL)
    return;   /* cancelled, or the store could not be read: keep what we knew */
  if (*client == '\0')
    g_clear_pointer (&client, g_free);
  if (g_strcmp0 (client, self->other_chat_client) == 0)
    return;

  g_free (self->other_chat_client);
  self->other_chat_client = g_steal_pointer (&client);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OTHER_CHAT_CLIENT]);
}

/* The engine records another chat app in the store as it syncs: read it
 * again when a sync has finished. */
static void
reload_other_chat_client (KoiAccount *self)
{
  g_cancellable_cancel (self->other_chat_client_load);
  g_clear_object (&self->other_chat_client_load);
  self->other_chat_client_load = g_cancellable_new ();

  koi_store_reader_run_async (self->reader, load_other_chat_client,
                              g_memdup2 (&self->id, sizeof self->id), g_free, g_free,
                              self->other_chat_client_load, other_chat_client_loaded_cb,
                              g_object_ref (self));
}

static void
on_engine_error (KoiAccount   *self,
                 const GError *error)
{
  /* Before the message goes out: whoever shows it can point to the
   * certificate review. */
  self->certificate_refused =
    g_error_matches (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_TLS_CERTIFICATE) ||
    g_error_matches (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_TLS_CERTIFICATE_CHANGED) ||
    g_error_matches (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_TLS_CERTIFICATE) ||
    g_error_matches (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_TLS_CERTIFICATE_CHANGED);
  if (g_error_matches (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_AUTH_FAILED) && !self->sending_refused)
    {
      self->sending_refused = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SENDING_REFUSED]);
    }
  /* Also before the message: the window states a full disk in its
   * banner instead of showing SQLite's words. */
  if (g_error_matches (error, KOI_STORE_ERROR, KOI_STORE_ERROR_FULL))
    set_disk_full (self, TRUE);
  if (error != NULL)
    koi_account_set_last_error (self, error->message);
}

gboolean
koi_account_get_certificate_refused (KoiAccount *self)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), FALSE);

  return self->certificate_refused;
}

static void
on_engine_key_setup_arrived (KoiAccount *self)
{
  g_signal_emit (self, signals[KEY_SETUP_ARRIVED], 0);
}

static void
on_engine_coi_server_offered (KoiAccount *self)
{
  self->coi_offered = TRUE;
  g_signal_emit (self, signals[COI_SERVER_OFFERED], 0);
}

gboolean
koi_account_get_coi_offered (KoiAccount *self)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), FALSE);

  return self->coi_offered;
}

static void
coi_answered_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  if (!koi_engine_set_coi_filing_finish (KOI_ENGINE (source), result, &error))
    g_warning ("Saving the answer about COI filing failed: %s", error->message);
}

void
koi_account_answer_coi_offer (KoiAccount *self,
                              gboolean    enable)
{
  g_return_if_fail (KOI_IS_ACCOUNT (self));

  self->coi_offered = FALSE;
  if (self->engine != NULL)
    koi_engine_set_coi_filing_async (self->engine, enable, NULL, coi_answered_cb, NULL);
}

static void
on_engine_message_added (KoiAccount *self,
                         gint64      chat_id,
                         gint64      message_id)
{
  g_signal_emit (self, signals[MESSAGE_ADDED], 0, chat_id, message_id);
}

static void
on_engine_message_updated (KoiAccount *self,
                           gint64      chat_id,
                           gint64      message_id)
{
  g_signal_emit (self, signals[MESSAGE_UPDATED], 0, chat_id, message_id);
}

static void
on_engine_chat_updated (KoiAccount *self,
                        gint64      chat_id)
{
  g_signal_emit (self, signals[CHAT_UPDATED], 0, chat_id);
}

static void
on_engine_contact_updated (KoiAccount *self,
                           gint64      contact_id)
{
  g_signal_emit (self, signals[CONTACT_UPDATED], 0, contact_id);
}

static void
on_engine_transfer_progress (KoiAccount *self,
                             gint64      message_id,
                             gint64      attachment_id,
                             gint64      done,
                             gint64      total)
{
  g_signal_emit (self, signals[TRANSFER_PROGRESS], 0, message_id, attachment_id, done, total);
}

static void
on_engine_sync_finished (KoiAccount *self)
{
  g_signal_emit (self, signals[SYNC_FINISHED], 0);
}

void
koi_account_set_engine (KoiAccount *self,
                        KoiEngine  *engine)
{
  g_return_if_fail (KOI_IS_ACCOUNT (self));
  g_return_if_fail (engine == NULL || KOI_IS_ENGINE (engine));

  if (self->engine == engine)
    return;

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_set_object (&self->engine, engine);

  /* A new engine has new passwords: an old refusal is past. */
  if (self->sending_refused)
    {
      self->sending_refused = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SENDING_REFUSED]);
    }
  if (engine != NULL)
    {
      koi_account_set_stopped (self, KOI_ACCOUNT_STOPPED_NONE, NULL);
      g_signal_connect_object (engine, "notify::connection-problem",
                               G_CALLBACK (on_engine_problem), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "notify::connection-state",
                               G_CALLBACK (on_engine_state), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "error",
                               G_CALLBACK (on_engine_error), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "message-added",
                               G_CALLBACK (on_engine_message_added), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "message-updated",
                               G_CALLBACK (on_engine_message_updated), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "chat-updated",
                               G_CALLBACK (on_engine_chat_updated), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "contact-updated",
                               G_CALLBACK (on_engine_contact_updated), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "sync-finished",
                               G_CALLBACK (on_engine_sync_finished), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "transfer-progress",
                               G_CALLBACK (on_engine_transfer_progress), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "coi-server-offered",
                               G_CALLBACK (on_engine_coi_server_offered), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "key-setup-arrived",
                               G_CALLBACK (on_engine_key_setup_arrived), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "sync-finished",
                               G_CALLBACK (reload_other_chat_client), self, G_CONNECT_SWAPPED);
      reload_other_chat_client (self);
      set_connection_state (self, koi_engine_get_connection_state (engine));
    }
  else
    set_connection_state (self, KOI_CONNECTION_OFFLINE);
  on_engine_problem (self);

  /* Whatever the new engine's first sync finds is announced; what changed
   * in between (an engine that ran elsewhere) is read now. */
  if (self->chats != NULL)
    koi_chat_list_reload (self->chats);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
}

KoiStoreReader *
koi_account_get_reader (KoiAccount *self)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), NULL);

  return self->reader;
}

KoiChatList *
koi_account_get_chats (KoiAccount *self)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), NULL);

  if (self->chats == NULL)
    self->chats = koi_chat_list_new (self->reader, self);
  return self->chats;
}

KoiMessageList *
koi_account_create_message_list (KoiAccount *self,
                                 gint64      chat_id)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), NULL);

  return koi_message_list_new (self->reader, self, chat_id);
}

/* The engine, or FALSE with the task answered: commands need a running
 * account. */
static gboolean
require_engine (KoiAccount *self,
                GTask      *task)
{
  if (self->engine != NULL)
    return TRUE;

  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           "The account %s is not running%s%s",
                           self->address,
                           self->last_error != NULL ? ": " : "",
                           self->last_error != NULL ? self->last_error : "");
  return FALSE;
}

static void
id_command_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gint64 id;

  if (g_task_get_source_tag (task) == koi_account_create_chat_async)
    id = koi_engine_create_chat_finish (KOI_ENGINE (source), result, &error);
  else if (g_task_get_source_tag (task) == koi_account_create_group_async)
    id = koi_engine_create_group_finish (KOI_ENGINE (source), result, &error);
  else if (g_task_get_source_tag (task) == koi_account_change_group_async)
    id = koi_engine_change_group_finish (KOI_ENGINE (source), result, &error);
  else if (g_task_get_source_tag (task) == koi_account_edit_contact_async)
    id = koi_engine_edit_contact_finish (KOI_ENGINE (source), result, &error);
  else
    id = koi_engine_send_text_finish (KOI_ENGINE (source), result, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, (gssize) id);
}

void
koi_account_create_chat_async (KoiAccount          *self,
                               const char          *address,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KOI_IS_ACCOUNT (self));
  g_return_if_fail (address != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_account_create_chat_async);
  if (require_engine (self, task))
    koi_engine_create_chat_async (self->engine, address, cancellable,
                                  id_command_cb, g_steal_pointer (&task));
}

gint64
koi_account_create_chat_finish (KoiAccount    *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), 0);
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  return g_task_propagate_int (G_TASK (result), error);
}

void
koi_account_send_text_async (KoiAccount          *self,
                             gint64               chat_id,
                             const char          *text,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KOI_IS_ACCOUNT (self));
  g_return_if_fail (text != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_account_send_text_async);
  if (require_engine (self, task))
    koi_engine_send_text_async (self->engine, chat_id, text, cancellable,
                                id_command_cb, g_steal_pointer (&task));
}

void
koi_account_send_file_async (KoiAccount          *self,
                             gint64               chat_id,
                             const char          *path,
                             const char          *caption,
                             gint64               reply_to,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KOI_IS_ACCOUNT (self));
  g_return_if_fail (path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  /* Finished like a text: the engine's task carries the message id. */
  g_task_set_source_tag (task, koi_account_send_text_async);
  if (require_engine (self, task))
    koi_engine_send_file_async (self->engine, chat_id, path, caption, reply_to, cancellable,
                                id_command_cb, g_steal_pointer (&task));
}

gint64
koi_account_send_text_finish (KoiAccount    *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), 0);
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  return g_task_propagate_int (G_TASK (result), error);
}

void
koi_account_send_reply_async (KoiAccount          *self,
                              gint64               chat_id,
                              const char          *text,
                              gint64               reply_to_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KOI_IS_ACCOUNT (self));
  g_return_if_fail (text != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_account_send_text_async);
  if (require_engine (self, task))
    koi_engine_send_reply_async (self->engine, chat_id, text, reply_to_id, cancellable,
                                 id_command_cb, g_steal_pointer (&task));
}

static void
request_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!koi_engine_request_finish (KOI_ENGINE (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
koi_account_edit_async (KoiAccount          *self,
                        gint64               message_id,
                        const char          *text,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KOI_IS_ACCOUNT (self));
  g_return_if_fail (text != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_account_edit_async);
  if (require_engine (self, task))
    koi_engine_edit_async (self->engine, message_id, text, cancellable,
                           request_cb, g_steal_pointer (&task));
}

void
koi_account_delete_async (KoiAccount          *self,
                          gint64               message_id,
                          gboolean             for_everyone,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KOI_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_account_delete_async);
  if (require_engine (self, task))
    koi_engine_delete_async (self->engine, message_id, for_everyone, cancellable,
                             request_cb, g_steal_pointer (&task));
}

void
koi_account_react_async (KoiAccount          *self,
                         gint64               message_id,
                         const char          *emoji,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KOI_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_account_react_async);
  if (require_engine (self, task))
    koi_engine_react_async (self->engine, message_id, emoji, cancellable,
                            request_cb, g_steal_pointer (&task));
}

gboolean
koi_account_request_finish (KoiAccount    *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
koi_account_edit_contact_async (KoiAccount           *self,
                                const char           *address,
                                const KoiContactEdit *edit,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KOI_IS_ACCOUNT (self));
  g_return_if_fail (address != NULL && edit != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_account_edit_contact_async);
  if (require_engine (self, task))
    koi_engine_edit_contact_async (self->engine, address, edit, cancellable,
                                   id_command_cb, g_steal_pointer (&task));
}

gint64
koi_account_edit_contact_finish (KoiAccount    *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), 0);
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  return g_task_propagate_int (G_TASK (result), error);
}

void
koi_account_create_group_async (KoiAccount          *self,
                                const char          *name,
                                const char * const  *addresses,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KOI_IS_ACCOUNT (self));
  g_return_if_fail (name != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_account_create_group_async);
  if (require_engine (self, task))
    koi_engine_create_group_async (self->engine, name, addresses, cancellable,
                                   id_command_cb, g_steal_pointer (&task));
}

gint64
koi_account_create_group_finish (KoiAccount    *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), 0);
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  return g_task_propagate_int (G_TASK (result), error);
}

void
koi_account_change_group_async (KoiAccount          *self,
                                gint64               chat_id,
                                KoiGroupChange       change,
                                const char          *argument,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KOI_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_account_change_group_async);
  if (require_engine (self, task))
    koi_engine_change_group_async (self->engine, chat_id, change, argument, cancellable,
                                   id_command_cb, g_steal_pointer (&task));
}

gint64
koi_account_change_group_finish (KoiAccount    *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), 0);
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  return g_task_propagate_int (G_TASK (result), error);
}

static void
mark_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* The chat stays unread; the next open tries again. */
  if (!koi_engine_mark_read_finish (KOI_ENGINE (source), result, &error))
    g_message ("Cannot mark the chat read: %s", error->message);
}

void
koi_account_mark_read (KoiAccount *self,
                       gint64      chat_id)
{
  g_return_if_fail (KOI_IS_ACCOUNT (self));

  if (self->engine != NULL)
    koi_engine_mark_read_async (self->engine, chat_id, NULL, mark_read_cb, NULL);
}

void
koi_account_mark_read_unseen (KoiAccount *self,
                              gint64      chat_id)
{
  g_return_if_fail (KOI_IS_ACCOUNT (self));

  if (self->engine != NULL)
    koi_engine_mark_read_unseen_async (self->engine, chat_id, NULL, mark_read_cb, NULL);
}

static void
answer_request_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(KoiAccount) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!koi_engine_answer_request_finish (KOI_ENGINE (source), result, &error))
    koi_account_set_last_error (self, error->message);
}

void
koi_account_answer_request (KoiAccount       *self,
                            gint64            chat_id,
                            KoiRequestAnswer  answer)
{
  g_return_if_fail (KOI_IS_ACCOUNT (self));

  if (self->engine != NULL)
    koi_engine_answer_request_async (self->engine, chat_id, answer, NULL, answer_request_cb,
                                     g_object_ref (self));
}

static void
set_draft_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(KoiAccount) self = user_data;
  g_autoptr(GError) error = NULL;

  self->drafts_saving--;
  /* The text stays in the composer while the window is open; only a
   * restart would lose it. */
  if (!koi_engine_set_draft_finish (KOI_ENGINE (source), result, &error))
    g_message ("Cannot keep the draft: %s", error->message);
}

gboolean
koi_account_get_saving (KoiAccount *self)
{
  g_return_val_if_fail (KOI_IS_ACCOUNT (self), FALSE);

  return self->drafts_saving > 0;
}

void
koi_account_set_draft (KoiAccount *self,
                       gint64      chat_id,
                       const char *text)
{
  g_return_if_fail (KOI_IS_ACCOUNT (self));

  if (self->engine == NULL)
    return;
  self->drafts_saving++;
  koi_engine_set_draft_async (self->engine, chat_id, text, NULL, set_draft_cb, g_object_ref (self));
}

static void
retry_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(KoiAccount) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!koi_engine_retry_finish (KOI_ENGINE (source), result, &error))
    koi_account_set_last_error (self, error->message);
}

void
koi_account_retry (KoiAccount *self,
                   gint64      message_id)
{
  g_return_if_fail (KOI_IS_ACCOUNT (self));

  if (self->engine != NULL)
    koi_engine_retry_async (self->engine, message_id, NULL, retry_cb, g_object_ref (self));
}

static void
download_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (KoiAccount) self = user_data;
  g_autoptr (GError) error = NULL;

  if (koi_engine_download_finish (KOI_ENGINE (source), result, &error) < 0)
    g_message ("Could not ask for the download: %s", error->message);
}

void
koi_account_download (KoiAccount *self,
                      gint64      message_id)
{
  g_return_if_fail (KOI_IS_ACCOUNT (self));

  if (self->engine != NULL)
    koi_engine_download_async (self->engine, message_id, NULL, download_cb, g_object_ref (self));
}

void
koi_account_cancel_transfer (KoiAccount *self,
                             gint64      message_id)
{
  g_return_if_fail (KOI_IS_ACCOUNT (self));

  if (self->engine != NULL)
    koi_engine_cancel_transfer (self->engine, message_id);
}

static void
koi_account_dispose (GObject *object)
{
  KoiAccount *self = KOI_ACCOUNT (object);

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->engine);
  g_clear_object (&self->chats);
  g_cancellable_cancel (self->other_chat_client_load);
  g_clear_object (&self->other_chat_client_load);

  G_OBJECT_CLASS (koi_account_parent_class)->dispose (object);
}

static void
koi_account_finalize (GObject *object)
{
  KoiAccount *self = KOI_ACCOUNT (object);

  g_clear_object (&self->reader);
  g_clear_pointer (&self->address, g_free);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->last_error, g_free);
  g_clear_pointer (&self->other_chat_client, g_free);
  g_clear_pointer (&self->servers, koi_account_config_free);

  G_OBJECT_CLASS (koi_account_parent_class)->finalize (object);
}

static void
koi_account_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  KoiAccount *self = KOI_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    case PROP_TITLE:
      g_value_set_string (value, koi_account_get_title (self));
      break;
    case PROP_CONNECTION_STATE:
      g_value_set_int (value, self->connection_state);
      break;
    case PROP_CONNECTION_PROBLEM:
      g_value_set_int (value, koi_account_get_connection_problem (self));
      break;
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->last_error);
      break;
    case PROP_OTHER_CHAT_CLIENT:
      g_value_set_string (value, self->other_chat_client);
      break;
    case PROP_DISK_FULL:
      g_value_set_boolean (value, self->disk_full);
      break;
    case PROP_STOPPED:
      g_value_set_int (value, self->stopped);
      break;
    case PROP_SENDING_REFUSED:
      g_value_set_boolean (value, self->sending_refused);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_account_class_init (KoiAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = koi_account_dispose;
  object_class->finalize = koi_account_finalize;
  object_class->get_property = koi_account_get_property;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, flags);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  /* The display name, else the address: for a header bar. */
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  /* A KoiConnectionState, mirrored from the engine (an int, as the
   * engine's own property). */
  properties[PROP_CONNECTION_STATE] =
    g_param_spec_int ("connection-state", NULL, NULL,
                      KOI_CONNECTION_OFFLINE, KOI_CONNECTION_FAILED, KOI_CONNECTION_OFFLINE, flags);
  /* A KoiConnectionProblem from the engine: why it is not connected. */
  properties[PROP_CONNECTION_PROBLEM] =
    g_param_spec_int ("connection-problem", NULL, NULL, KOI_CONNECTION_PROBLEM_NONE,
                      KOI_CONNECTION_PROBLEM_OTHER, KOI_CONNECTION_PROBLEM_NONE, flags);
  /* NULL until the account is started. */
  properties[PROP_ENGINE] = g_param_spec_object ("engine", NULL, NULL, KOI_TYPE_ENGINE, flags);
  /* A sentence for the user about what went wrong last; NULL when fine. */
  properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, flags);
  /* Another chat app seen on the account ("delta-chat", "other"), so the
   * engine leaves chat mail in INBOX; NULL when none was seen. */
  properties[PROP_OTHER_CHAT_CLIENT] =
    g_param_spec_string ("other-chat-client", NULL, NULL, NULL, flags);
  /* The store could not take a write for want of disk space; FALSE again
   * once a sync pass has stored everything. */
  properties[PROP_DISK_FULL] = g_param_spec_boolean ("disk-full", NULL, NULL, FALSE, flags);
  /* A KoiAccountStopped: why no engine runs, when the user must act. */
  properties[PROP_STOPPED] =
    g_param_spec_int ("stopped", NULL, NULL, KOI_ACCOUNT_STOPPED_NONE,
                      KOI_ACCOUNT_STOPPED_KEYRING, KOI_ACCOUNT_STOPPED_NONE, flags);

  /* The sending server refused the password while receiving works:
   * until the engine is replaced (a new password). */
  properties[PROP_SENDING_REFUSED] = g_param_spec_boolean ("sending-refused", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Relayed from the current engine (see koi-engine.h). */
  signals[MESSAGE_ADDED] =
    g_signal_new ("message-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
  signals[MESSAGE_UPDATED] =
    g_signal_new ("message-updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
  signals[CONTACT_UPDATED] =
    g_signal_new ("contact-updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[CHAT_UPDATED] =
    g_signal_new ("chat-updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  /* The engine's "transfer-progress": message id, attachment id, bytes
   * so far (-1: ended), total. */
  signals[TRANSFER_PROGRESS] =
    g_signal_new ("transfer-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 4, G_TYPE_INT64, G_TYPE_INT64, G_TYPE_INT64,
                  G_TYPE_INT64);
  signals[SYNC_FINISHED] =
    g_signal_new ("sync-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[COI_SERVER_OFFERED] =
    g_signal_new ("coi-server-offered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[KEY_SETUP_ARRIVED] =
    g_signal_new ("key-setup-arrived", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
koi_account_init (KoiAccount *self)
{
  self->connection_state = KOI_CONNECTION_OFFLINE;
}
