/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-engine"

#include "config.h"

#include "koi-account-config.h"
#include "koi-engine.h"
#include "koi-imap-client.h"
#include "koi-syncer.h"

/* How long one IDLE lasts before Koi re-issues it (RFC 2177 asks for less
 * than 29 minutes), and how often the chat folder is synced in full so that
 * what other devices moved there is seen even without a push. */
#define IDLE_TIMEOUT_MS   (9 * 60 * 1000)
#define FULL_SYNC_EVERY_US ((gint64) 10 * 60 * G_USEC_PER_SEC)
/* Reconnect backoff: 1 s doubling to 15 s; short, because a desktop comes
 * back from suspend or a train tunnel and the user is waiting. */
#define BACKOFF_MAX_MS    15000

struct _KoiEngine
{
  GObject             parent_instance;

  char               *store_path;
  KoiAccountConfig   *account;
  GMainContext       *context;      /* where signals are emitted */

  GThread            *thread;
  GCancellable       *stop;
  gboolean            once;

  GMutex              lock;         /* guards wake and wake_pending */
  GCancellable       *wake;
  gboolean            wake_pending;

  KoiConnectionState  state;        /* main-thread copy */
  int                 move_chat_mail;   /* atomic: -1 = the store's setting */
};

G_DEFINE_FINAL_TYPE (KoiEngine, koi_engine, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONNECTION_STATE,
  N_PROPS
};

enum {
  MESSAGE_ADDED,
  MESSAGE_CHANGED,
  CHATS_CHANGED,
  SYNC_FINISHED,
  ERROR,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

const char *
koi_connection_state_to_string (KoiConnectionState state)
{
  switch (state)
    {
    case KOI_CONNECTION_OFFLINE: return "offline";
    case KOI_CONNECTION_CONNECTING: return "connecting";
    case KOI_CONNECTION_SYNCING: return "syncing";
    case KOI_CONNECTION_ONLINE: return "online";
    case KOI_CONNECTION_RECONNECTING: return "reconnecting";
    case KOI_CONNECTION_FAILED: return "failed";
    default: return "unknown";
    }
}

/* --------------------------------------------------------------------- */
/* Worker → main context */

typedef enum {
  EVENT_MESSAGE_ADDED,
  EVENT_MESSAGE_CHANGED,
  EVENT_CHATS_CHANGED,
  EVENT_SYNC_FINISHED,
  EVENT_STATE,
  EVENT_ERROR,
} EventKind;

typedef struct {
  KoiEngine          *engine;
  EventKind           kind;
  KoiStoreMessage    *message;
  gint64              message_ref;
  int                 state;
  char               *failure_reason;
  KoiConnectionState  connection_state;
  GError             *error;
} Event;

static KoiStoreMessage *
message_copy (const KoiStoreMessage *message)
{
  KoiStoreMessage *copy = g_new0 (KoiStoreMessage, 1);

  *copy = *message;
  copy->message_id = g_strdup (message->message_id);
  copy->from_address = g_strdup (message->from_address);
  copy->from_name = g_strdup (message->from_name);
  copy->subject = g_strdup (message->subject);
  copy->text = g_strdup (message->text);
  copy->full_text = g_strdup (message->full_text);
  copy->in_reply_to = g_strdup (message->in_reply_to);
  copy->references = g_strdup (message->references);
  copy->failure_reason = g_strdup (message->failure_reason);

  return copy;
}

static void
event_free (gpointer data)
{
  Event *event = data;

  g_clear_pointer (&event->message, koi_store_message_free);
  g_free (event->failure_reason);
  g_clear_error (&event->error);
  g_object_unref (event->engine);
  g_free (event);
}

static gboolean
event_dispatch (gpointer data)
{
  Event *event = data;
  KoiEngine *self = event->engine;

  switch (event->kind)
    {
    case EVENT_MESSAGE_ADDED:
      g_signal_emit (self, signals[MESSAGE_ADDED], 0, event->message);
      break;
    case EVENT_MESSAGE_CHANGED:
      g_signal_emit (self, signals[MESSAGE_CHANGED], 0, event->message_ref, event->state,
                     event->failure_reason);
      break;
    case EVENT_CHATS_CHANGED:
      g_signal_emit (self, signals[CHATS_CHANGED], 0);
      break;
    case EVENT_SYNC_FINISHED:
      g_signal_emit (self, signals[SYNC_FINISHED], 0);
      break;
    case EVENT_STATE:
      if (self->state != event->connection_state)
        {
          self->state = event->connection_state;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION_STATE]);
        }
      break;
    case EVENT_ERROR:
      g_signal_emit (self, signals[ERROR], 0, event->error);
      break;
    default:
      g_assert_not_reached ();
    }

  return G_SOURCE_REMOVE;
}

static Event *
event_new (KoiEngine *self,
           EventKind  kind)
{
  Event *event = g_new0 (Event, 1);

  event->engine = g_object_ref (self);
  event->kind = kind;
  return event;
}

static void
event_post (Event *event)
{
  g_main_context_invoke_full (event->engine->context, G_PRIORITY_DEFAULT,
                              event_dispatch, event, event_free);
}

static void
post_state (KoiEngine          *self,
            KoiConnectionState  state)
{
  Event *event = event_new (self, EVENT_STATE);

  event->connection_state = state;
  event_post (event);
}

static void
post_error (KoiEngine    *self,
            const GError *error)
{
  Event *event = event_new (self, EVENT_ERROR);

  event->error = g_error_copy (error);
  event_post (event);
}

static void
on_message_added (const KoiStoreMessage *message,
                  gpointer               user_data)
{
  Event *event = event_new (user_data, EVENT_MESSAGE_ADDED);

  event->message = message_copy (message);
  event_post (event);
}

static void
on_message_changed (gint64      message_ref,
                    int         state,
                    const char *failure_reason,
                    gpointer    user_data)
{
  Event *event = event_new (user_data, EVENT_MESSAGE_CHANGED);

  event->message_ref = message_ref;
  event->state = state;
  event->failure_reason = g_strdup (failure_reason);
  event_post (event);
}

static void
on_chats_changed (gpointer user_data)
{
  event_post (event_new (user_data, EVENT_CHATS_CHANGED));
}

static const KoiSyncerEvents syncer_events = {
  .message_added = on_message_added,
  .message_changed = on_message_changed,
  .chats_changed = on_chats_changed,
};

/* --------------------------------------------------------------------- */
/* The worker */

/* A fresh wake cancellable for the next wait, or NULL if a wake-up came in
 * since the last one (there is work to do right now). */
static GCancellable *
take_wake (KoiEngine *self)
{
  GCancellable *wake = NULL;

  g_mutex_lock (&self->lock);
  if (self->wake_pending)
    self->wake_pending = FALSE;
  else
    {
      g_clear_object (&self->wake);
      self->wake = g_cancellable_new ();
      wake = g_object_ref (self->wake);
    }
  g_mutex_unlock (&self->lock);

  return wake;
}

/* Sleeps @timeout_ms unless stopped or woken. */
static void
wait_for (KoiEngine *self,
          gint64     timeout_ms)
{
  g_autoptr (GCancellable) wake = take_wake (self);
  GPollFD fds[2];
  guint n = 0;

  if (wake == NULL || timeout_ms <= 0)
    return;

  if (g_cancellable_make_pollfd (self->stop, &fds[n]))
    n++;
  if (g_cancellable_make_pollfd (wake, &fds[n]))
    n++;

  g_poll (fds, n, (int) MIN (timeout_ms, G_MAXINT));

  g_cancellable_release_fd (wake);
  g_cancellable_release_fd (self->stop);
}

static gboolean
error_needs_user (const GError *error)
{
  return g_error_matches (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_AUTH_FAILED) ||
         g_error_matches (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_TLS_CERTIFICATE);
}

/* Sends what is due; a failing SMTP server is reported but does not
 * disturb receiving. */
static void
send_due (KoiEngine    *self,
          KoiSyncer    *syncer,
          gboolean      force)
{
  g_autoptr (GError) error = NULL;

  if (!koi_syncer_send_queued (syncer, force, self->stop, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("Sending postponed: %s", error->message);
}

static gint64
ms_until_next_send (KoiSyncer *syncer)
{
  gint64 next = koi_syncer_next_send_ms (syncer);

  if (next == 0)
    return G_MAXINT64;

  return MAX (0, next - g_get_real_time () / 1000);
}

/* Connected: sync, send, IDLE, until the line breaks or we are stopped.
 * Returns FALSE with error when the connection was lost. */
static gboolean
run_connected (KoiEngine  *self,
               KoiSyncer  *syncer,
               GError    **error)
{
  gint64 last_full_us = 0;
  gboolean announced = FALSE;

  for (;;)
    {
      g_autoptr (GCancellable) wake = NULL;
      gboolean full = g_get_monotonic_time () - last_full_us >= FULL_SYNC_EVERY_US;
      gboolean changed = FALSE;
      gint64 timeout_ms;

      if (full)
        last_full_us = g_get_monotonic_time ();
      if (g_atomic_int_get (&self->move_chat_mail) >= 0)
        koi_syncer_set_move_chat_mail (syncer, g_atomic_int_get (&self->move_chat_mail));

      if (!koi_syncer_sync (syncer, full, self->stop, error))
        return FALSE;
      send_due (self, syncer, FALSE);

      if (!announced || self->once)
        {
          event_post (event_new (self, EVENT_SYNC_FINISHED));
          announced = TRUE;
          if (self->once)
            return TRUE;
          post_state (self, KOI_CONNECTION_ONLINE);
        }

      wake = take_wake (self);
      if (wake == NULL)
        continue;   /* something was queued meanwhile */

      timeout_ms = MIN (ms_until_next_send (syncer), IDLE_TIMEOUT_MS);
      if (timeout_ms == 0)
        continue;

      if (!koi_syncer_idle (syncer, (guint) timeout_ms, wake, &changed, self->stop, error))
        return FALSE;
    }
}

static gpointer
koi_engine_worker (gpointer data)
{
  KoiEngine *self = data;
  g_autoptr (KoiStore) store = NULL;
  g_autoptr (KoiSyncer) syncer = NULL;
  g_autoptr (GError) error = NULL;
  gint64 backoff_ms = 0;

  store = koi_store_open (self->store_path, &error);
  if (store == NULL)
    {
      post_error (self, error);
      post_state (self, KOI_CONNECTION_FAILED);
      return NULL;
    }

  syncer = koi_syncer_new (store, self->account, &syncer_events, self);

  while (!g_cancellable_is_cancelled (self->stop))
    {
      g_clear_error (&error);
      post_state (self, backoff_ms == 0 ? KOI_CONNECTION_CONNECTING : KOI_CONNECTION_RECONNECTING);

      if (koi_syncer_connect (syncer, self->stop, &error))
        {
          post_state (self, KOI_CONNECTION_SYNCING);
          backoff_ms = 0;
          if (run_connected (self, syncer, &error))
            break;   /* once mode */
        }

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        break;

      koi_syncer_disconnect (syncer);

      if (error_needs_user (error))
        {
          /* Retrying a wrong password only gets the account locked. */
          post_error (self, error);
          post_state (self, KOI_CONNECTION_FAILED);
          break;
        }

      g_message ("%s: connection lost: %s", self->account->address, error->message);
      if (self->once)
        {
          post_error (self, error);
          break;
        }

      post_state (self, KOI_CONNECTION_RECONNECTING);
      /* The SMTP server may well be up while IMAP is not. */
      send_due (self, syncer, FALSE);
      backoff_ms = backoff_ms == 0 ? 1000 : MIN (backoff_ms * 2, BACKOFF_MAX_MS);
      wait_for (self, MIN (backoff_ms, ms_until_next_send (syncer)));
    }

  koi_syncer_disconnect (syncer);
  if (self->once)
    event_post (event_new (self, EVENT_SYNC_FINISHED));
  if (!error_needs_user (error))
    post_state (self, KOI_CONNECTION_OFFLINE);
  return NULL;
}

/* --------------------------------------------------------------------- */
/* Public API */

KoiEngine *
koi_engine_new (const char            *store_path,
                gint64                 account_id,
                const char            *address,
                const KoiServerConfig *imap,
                const KoiServerConfig *smtp)
{
  KoiEngine *self;

  g_return_val_if_fail (store_path != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);
  g_return_val_if_fail (imap != NULL && smtp != NULL, NULL);

  self = g_object_new (KOI_TYPE_ENGINE, NULL);
  self->store_path = g_strdup (store_path);
  self->account = g_new0 (KoiAccountConfig, 1);
  self->account->id = account_id;
  self->account->address = g_ascii_strdown (address, -1);
  self->account->imap = koi_server_config_copy (imap);
  self->account->smtp = koi_server_config_copy (smtp);

  return self;
}

KoiEngine *
koi_engine_new_from_config (const char             *store_path,
                            const KoiAccountConfig *account)
{
  KoiEngine *self;

  g_return_val_if_fail (store_path != NULL, NULL);
  g_return_val_if_fail (account != NULL, NULL);

  self = g_object_new (KOI_TYPE_ENGINE, NULL);
  self->store_path = g_strdup (store_path);
  self->account = koi_account_config_copy (account);

  return self;
}

static void
koi_engine_start_worker (KoiEngine *self,
                         gboolean   once)
{
  g_return_if_fail (KOI_IS_ENGINE (self));
  g_return_if_fail (self->thread == NULL);

  self->once = once;
  g_clear_object (&self->stop);
  self->stop = g_cancellable_new ();
  self->thread = g_thread_new ("koi-engine", koi_engine_worker, self);
}

void
koi_engine_start (KoiEngine *self)
{
  koi_engine_start_worker (self, FALSE);
}

void
koi_engine_start_once (KoiEngine *self)
{
  koi_engine_start_worker (self, TRUE);
}

void
koi_engine_stop (KoiEngine *self)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  if (self->thread == NULL)
    return;

  g_cancellable_cancel (self->stop);
  g_thread_join (g_steal_pointer (&self->thread));
}

KoiConnectionState
koi_engine_get_connection_state (KoiEngine *self)
{
  g_return_val_if_fail (KOI_IS_ENGINE (self), KOI_CONNECTION_OFFLINE);

  return self->state;
}

const char *
koi_engine_get_address (KoiEngine *self)
{
  g_return_val_if_fail (KOI_IS_ENGINE (self), NULL);

  return self->account->address;
}

gint64
koi_engine_get_account_id (KoiEngine *self)
{
  g_return_val_if_fail (KOI_IS_ENGINE (self), 0);

  return self->account->id;
}

void
koi_engine_set_move_chat_mail (KoiEngine *self,
                               gboolean   move)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  g_atomic_int_set (&self->move_chat_mail, move ? 1 : 0);
}

/* Interrupts IDLE or a backoff wait: there is something to send. */
static void
koi_engine_wake (KoiEngine *self)
{
  g_mutex_lock (&self->lock);
  self->wake_pending = TRUE;
  if (self->wake != NULL)
    g_cancellable_cancel (self->wake);
  g_mutex_unlock (&self->lock);
}

typedef struct {
  char *peer_address;
  char *text;
} SendData;

static void
send_data_free (gpointer data)
{
  SendData *send = data;

  g_free (send->peer_address);
  g_free (send->text);
  g_free (send);
}

/* Runs on a GTask thread: writing the outbox must not wait for the worker,
 * which may be busy fetching a large batch. SQLite serialises the writes. */
static void
send_text_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  KoiEngine *self = source_object;
  SendData *send = task_data;
  g_autoptr (KoiStore) store = NULL;
  g_autoptr (KoiSyncer) syncer = NULL;
  GError *error = NULL;
  gint64 id;

  store = koi_store_open (self->store_path, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  syncer = koi_syncer_new (store, self->account, &syncer_events, self);
  id = koi_syncer_queue_text (syncer, send->peer_address, send->text, &error);
  if (id == 0)
    {
      g_task_return_error (task, error);
      return;
    }

  koi_engine_wake (self);
  g_task_return_int (task, id);
}

void
koi_engine_send_text_async (KoiEngine           *self,
                            const char          *peer_address,
                            const char          *text,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  SendData *send;

  g_return_if_fail (KOI_IS_ENGINE (self));
  g_return_if_fail (peer_address != NULL);
  g_return_if_fail (text != NULL);

  send = g_new0 (SendData, 1);
  send->peer_address = g_strdup (peer_address);
  send->text = g_strdup (text);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_engine_send_text_async);
  g_task_set_task_data (task, send, send_data_free);
  g_task_run_in_thread (task, send_text_thread);
}

gint64
koi_engine_send_text_finish (KoiEngine     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  return g_task_propagate_int (G_TASK (result), error);
}

static void
retry_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  KoiEngine *self = source_object;
  gint64 message_ref = *(gint64 *) task_data;
  g_autoptr (KoiStore) store = NULL;
  g_autoptr (GError) error = NULL;

  store = koi_store_open (self->store_path, &error);
  if (store == NULL ||
      !koi_store_outbox_retry (store, message_ref, g_get_real_time () / 1000, &error))
    {
      post_error (self, error);
      return;
    }

  on_message_changed (message_ref, KOI_STORE_STATE_QUEUED, NULL, self);
  koi_engine_wake (self);
}

void
koi_engine_retry (KoiEngine *self,
                  gint64     message_ref)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KOI_IS_ENGINE (self));

  task = g_task_new (self, NULL, NULL, NULL);
  g_task_set_source_tag (task, koi_engine_retry);
  g_task_set_task_data (task, g_memdup2 (&message_ref, sizeof message_ref), g_free);
  g_task_run_in_thread (task, retry_thread);
}

/* --------------------------------------------------------------------- */
/* GObject */

static void
koi_engine_dispose (GObject *object)
{
  KoiEngine *self = KOI_ENGINE (object);

  koi_engine_stop (self);

  G_OBJECT_CLASS (koi_engine_parent_class)->dispose (object);
}

static void
koi_engine_finalize (GObject *object)
{
  KoiEngine *self = KOI_ENGINE (object);

  g_free (self->store_path);
  g_clear_pointer (&self->account, koi_account_config_free);
  g_clear_object (&self->stop);
  g_clear_object (&self->wake);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (koi_engine_parent_class)->finalize (object);
}

static void
koi_engine_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  KoiEngine *self = KOI_ENGINE (object);

  switch (prop_id)
    {
    case PROP_CONNECTION_STATE:
      g_value_set_int (value, self->state);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_engine_class_init (KoiEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = koi_engine_dispose;
  object_class->finalize = koi_engine_finalize;
  object_class->get_property = koi_engine_get_property;

  /* A KoiConnectionState. */
  properties[PROP_CONNECTION_STATE] =
    g_param_spec_int ("connection-state", NULL, NULL,
                      KOI_CONNECTION_OFFLINE, KOI_CONNECTION_FAILED, KOI_CONNECTION_OFFLINE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[MESSAGE_ADDED] =
    g_signal_new ("message-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[MESSAGE_CHANGED] =
    g_signal_new ("message-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_INT64, G_TYPE_INT, G_TYPE_STRING);
  signals[CHATS_CHANGED] =
    g_signal_new ("chats-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SYNC_FINISHED] =
    g_signal_new ("sync-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
koi_engine_init (KoiEngine *self)
{
  g_mutex_init (&self->lock);
  self->context = g_main_context_ref_thread_default ();
  self->state = KOI_CONNECTION_OFFLINE;
  self->move_chat_mail = -1;
}
