/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-engine"

#include "config.h"

#include <gmime/gmime.h>

#include "koi-account-config.h"
#include "koi-engine.h"
#include "koi-imap-client.h"
#include "koi-syncer.h"
#include "koi-engine-error.h"
#include "koi-syncer-group.h"

/* How long one IDLE lasts before Koi re-issues it (RFC 2177 asks for less
 * than 29 minutes), and how often the chat folder is synced in full so that
 * what other devices moved there is seen even without a push. */
#define IDLE_TIMEOUT_MS   (9 * 60 * 1000)
#define FULL_SYNC_EVERY_US ((gint64) 10 * 60 * G_USEC_PER_SEC)
/* A server without NOTIFY cannot say when another device filed mail into
 * the chat folder: it is looked at this often instead. */
#define CHATS_POLL_US     ((gint64) 60 * G_USEC_PER_SEC)
/* A line can die while idle without a word (suspend, a new network, a
 * router's NAT forgetting it): the kernel's TCP keeps waiting for hours.
 * So an IDLE lasts at most KEEPALIVE_MS, and the server must answer its
 * end (DONE) within KEEPALIVE_ANSWER_MS, or the line counts as dead and
 * the engine reconnects: found within about a minute. Two short lines
 * each time, with no sync pass unless something changed. */
#define KEEPALIVE_MS        (45 * 1000)
#define KEEPALIVE_ANSWER_MS (15 * 1000)
/* Reconnect backoff: 1 s doubling to 15 s; short, because a desktop comes
 * back from suspend or a train tunnel and the user is waiting. */
#define BACKOFF_MAX_MS    15000

struct _KoiEngine
{
  GObject             parent_instance;

  char               *store_path;
  KoiAccountConfig   *account;
  GMainContext       *context;      /* where signals are emitted */

  GMutex              thread_lock;  /* guards thread: joined by whoever takes it */
  GThread            *thread;
  GCancellable       *stop;
  gboolean            once;

  /* Commands (send, mark read, ...) run one at a time on a thread of their
   * own with one store connection, so they never wait for the worker's
   * network I/O and never open a connection per call. */
  GThreadPool        *commands;
  KoiStore           *command_store;    /* only touched on the command thread */
  KoiSyncer          *command_syncer;

  GMutex              lock;         /* guards wake, wake_pending, line, fresh_start and stopped_transfers */
  GHashTable         *stopped_transfers;  /* message refs the user stopped */
  GCancellable       *wake;
  gboolean            wake_pending;
  /* The worker's current connection (its attempt included): "Reconnect
   * Now" cancels it, so a line that went quiet is not waited out. */
  GCancellable       *line;
  gboolean            fresh_start;  /* Reconnect Now: no backoff before the next attempt */
  gint64              started_us;   /* real time of the last koi_engine_start */

  KoiConnectionState  state;        /* main-thread copy */
  guint64             smtp_size_limit;  /* main-thread copy; 0 = not known */
  KoiConnectionProblem problem;     /* main-thread copy: why not connected */
  int                 move_chat_mail;   /* atomic: -1 = the store's setting */
  int                 read_receipts;    /* atomic: -1 = the store's setting */
  int                 auto_download_kb; /* atomic: -1 = the store's setting */
  int                 encrypt;          /* atomic: "encrypt when possible" */
  int                 coi_enable;       /* atomic: the user agreed to COI filing */
  int                 keepalive_ms;     /* atomic: longest quiet IDLE; 0 = off */
  int                 keepalive_answer_ms; /* atomic: time for the IDLE's answers */
};

G_DEFINE_FINAL_TYPE (KoiEngine, koi_engine, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONNECTION_STATE,
  PROP_SMTP_SIZE_LIMIT,
  PROP_CONNECTION_PROBLEM,
  N_PROPS
};

enum {
  MESSAGE_ADDED,
  MESSAGE_UPDATED,
  CHAT_UPDATED,
  CONTACT_UPDATED,
  SYNC_FINISHED,
  TRANSFER_PROGRESS,
  ERROR,
  STOPPED,
  COI_SERVER_OFFERED,
  KEY_SETUP_ARRIVED,
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
  EVENT_MESSAGE_UPDATED,
  EVENT_CHAT_UPDATED,
  EVENT_CONTACT_UPDATED,
  EVENT_SYNC_FINISHED,
  EVENT_STATE,
  EVENT_SIZE_LIMIT,
  EVENT_PROGRESS,
  EVENT_ERROR,
  EVENT_STOPPED,
  EVENT_COI_SERVER_OFFERED,
  EVENT_KEY_SETUP_ARRIVED,
} EventKind;

typedef struct {
  KoiEngine          *engine;
  EventKind           kind;
  gint64              chat_id;
  gint64              message_ref;
  KoiConnectionState  connection_state;
  guint64             size_limit;
  gint64              attachment_id;
  gint64              done;
  int                 problem;      /* a KoiConnectionProblem, -1 = unchanged */
  GError             *error;
} Event;

static void
event_free (gpointer data)
{
  Event *event = data;

  g_clear_error (&event->error);
  g_object_unref (event->engine);
  g_free (event);
}

static void join_worker (KoiEngine *self);

static gboolean
event_dispatch (gpointer data)
{
  Event *event = data;
  KoiEngine *self = event->engine;

  switch (event->kind)
    {
    case EVENT_MESSAGE_ADDED:
      g_signal_emit (self, signals[MESSAGE_ADDED], 0, event->chat_id, event->message_ref);
      break;
    case EVENT_MESSAGE_UPDATED:
      g_signal_emit (self, signals[MESSAGE_UPDATED], 0, event->chat_id, event->message_ref);
      break;
    case EVENT_CHAT_UPDATED:
      g_signal_emit (self, signals[CHAT_UPDATED], 0, event->chat_id);
      break;
    case EVENT_CONTACT_UPDATED:
      g_signal_emit (self, signals[CONTACT_UPDATED], 0, event->chat_id);
      break;
    case EVENT_SYNC_FINISHED:
      g_signal_emit (self, signals[SYNC_FINISHED], 0);
      break;
    case EVENT_STATE:
      /* The reason first: whoever follows the state reads it then. */
      if (event->problem >= 0 && (int) self->problem != event->problem)
        {
          self->problem = event->problem;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION_PROBLEM]);
        }
      if (self->state != event->connection_state)
        {
          self->state = event->connection_state;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION_STATE]);
        }
      break;
    case EVENT_SIZE_LIMIT:
      if (self->smtp_size_limit != event->size_limit)
        {
          self->smtp_size_limit = event->size_limit;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SMTP_SIZE_LIMIT]);
        }
      break;
    case EVENT_PROGRESS:
      g_signal_emit (self, signals[TRANSFER_PROGRESS], 0, event->message_ref, event->attachment_id,
                     event->done, (gint64) event->size_limit);
      break;
    case EVENT_ERROR:
      g_signal_emit (self, signals[ERROR], 0, event->error);
      break;
    case EVENT_COI_SERVER_OFFERED:
      g_signal_emit (self, signals[COI_SERVER_OFFERED], 0);
      break;
    case EVENT_KEY_SETUP_ARRIVED:
      g_signal_emit (self, signals[KEY_SETUP_ARRIVED], 0);
      break;
    case EVENT_STOPPED:
      /* The worker has returned: joining it takes no time. */
      join_worker (self);
      g_signal_emit (self, signals[STOPPED], 0);
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

/* Always through a source on the engine's context, never run in place:
 * g_main_context_invoke() would run the handler on the worker thread
 * whenever the main thread happens not to hold the context. */
static void
event_post (Event *event)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, event_dispatch, event, event_free);
  g_source_set_static_name (source, "[koi] engine event");
  g_source_attach (source, event->engine->context);
  g_source_unref (source);
}

static void
post_state (KoiEngine          *self,
            KoiConnectionState  state)
{
  Event *event = event_new (self, EVENT_STATE);

  event->connection_state = state;
  /* Connected: nothing is wrong any more. Otherwise the last reason
   * stands until a new one is known. */
  event->problem = state == KOI_CONNECTION_SYNCING || state == KOI_CONNECTION_ONLINE
                   ? KOI_CONNECTION_PROBLEM_NONE : -1;
  event_post (event);
}

/* Not connected, and why. */
static void
post_problem (KoiEngine          *self,
              KoiConnectionState  state,
              const GError       *error)
{
  Event *event = event_new (self, EVENT_STATE);

  event->connection_state = state;
  event->problem = koi_connection_problem_from_error (error);
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
on_message_added (gint64   chat_id,
                  gint64   message_ref,
                  gpointer user_data)
{
  Event *event = event_new (user_data, EVENT_MESSAGE_ADDED);

  event->chat_id = chat_id;
  event->message_ref = message_ref;
  event_post (event);
}

static void
on_message_updated (gint64   chat_id,
                    gint64   message_ref,
                    gpointer user_data)
{
  Event *event = event_new (user_data, EVENT_MESSAGE_UPDATED);

  event->chat_id = chat_id;
  event->message_ref = message_ref;
  event_post (event);
}

static void
on_chat_updated (gint64   chat_id,
                 gpointer user_data)
{
  Event *event = event_new (user_data, EVENT_CHAT_UPDATED);

  event->chat_id = chat_id;
  event_post (event);
}

static void
on_contact_updated (gint64   contact_id,
                    gpointer user_data)
{
  Event *event = event_new (user_data, EVENT_CONTACT_UPDATED);

  event->chat_id = contact_id;   /* the id field events carry */
  event_post (event);
}

static void
on_smtp_size_limit (guint64  bytes,
                    gpointer user_data)
{
  Event *event = event_new (user_data, EVENT_SIZE_LIMIT);

  event->size_limit = bytes;
  event_post (event);
}

static void
on_transfer_progress (gint64   message_ref,
                      gint64   attachment_id,
                      gint64   done,
                      guint64  total,
                      gpointer user_data)
{
  Event *event = event_new (user_data, EVENT_PROGRESS);

  event->message_ref = message_ref;
  event->attachment_id = attachment_id;
  event->done = done;
  event->size_limit = total;   /* the field for a byte count */
  event_post (event);
}

static gboolean
on_transfer_cancelled (gint64   message_ref,
                       gpointer user_data)
{
  KoiEngine *self = user_data;
  gboolean stopped;

  g_mutex_lock (&self->lock);
  stopped = g_hash_table_remove (self->stopped_transfers, &message_ref);
  g_mutex_unlock (&self->lock);
  return stopped;
}

static void
on_coi_server_offered (gpointer user_data)
{
  event_post (event_new (user_data, EVENT_COI_SERVER_OFFERED));
}

static void
on_key_setup_arrived (gpointer user_data)
{
  event_post (event_new (user_data, EVENT_KEY_SETUP_ARRIVED));
}

static const KoiSyncerEvents syncer_events = {
  .transfer_progress = on_transfer_progress,
  .transfer_cancelled = on_transfer_cancelled,
  .smtp_size_limit = on_smtp_size_limit,
  .message_added = on_message_added,
  .message_updated = on_message_updated,
  .chat_updated = on_chat_updated,
  .contact_updated = on_contact_updated,
  .coi_server_offered = on_coi_server_offered,
  .key_setup_arrived = on_key_setup_arrived,
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
         g_error_matches (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_TLS_CERTIFICATE) ||
         g_error_matches (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_TLS_CERTIFICATE_CHANGED);
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
    {
      g_message ("Sending postponed: %s", error->message);
      /* Only the user knows the sending server's password: the window
       * asks for it (receiving may go on with the IMAP one). */
      if (g_error_matches (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_AUTH_FAILED))
        post_error (self, error);
    }
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
run_connected (KoiEngine     *self,
               KoiSyncer     *syncer,
               GCancellable  *line,
               GError       **error)
{
  gint64 last_full_us = 0;
  gint64 last_chats_us = 0;
  gboolean announced = FALSE;
  gboolean chats_changed = FALSE;
  gboolean quiet_probe = FALSE;

  for (;;)
    {
      g_autoptr (GCancellable) wake = NULL;
      gint64 now_us = g_get_monotonic_time ();
      gboolean full = now_us - last_full_us >= FULL_SYNC_EVERY_US;
      gboolean changed = FALSE;
      gboolean probe;
      gint64 timeout_ms;
      gint keepalive_ms;

      if (full)
        last_full_us = now_us;
      /* Without NOTIFY nothing says when another device filed mail into
       * the chat folder: look now and then. */
      if (!full && !koi_syncer_has_notify (syncer) && now_us - last_chats_us >= CHATS_POLL_US)
        chats_changed = TRUE;
      if (full || chats_changed)
        last_chats_us = now_us;
      /* A keepalive IDLE ended with nothing new: straight back to IDLE,
       * no pass over the folders every 45 s. */
      if (quiet_probe && !full && !chats_changed)
        {
          quiet_probe = FALSE;
          goto idle;
        }
      quiet_probe = FALSE;
      if (g_atomic_int_get (&self->move_chat_mail) >= 0)
        koi_syncer_set_move_chat_mail (syncer, g_atomic_int_get (&self->move_chat_mail));
      /* The user just agreed to COI filing: on the server before the
       * sync, so this pass already reads the server's folders. */
      if (g_atomic_int_compare_and_exchange (&self->coi_enable, 1, 0) &&
          !koi_syncer_enable_coi_server (syncer, line, error))
        return FALSE;

      /* Read state goes out before flags come in, so a read here is never
       * undone by the server's older view. */
      if (g_atomic_int_get (&self->read_receipts) >= 0)
        koi_syncer_set_read_receipts (syncer, g_atomic_int_get (&self->read_receipts));
      koi_syncer_set_encrypt (syncer, g_atomic_int_get (&self->encrypt));
      if (g_atomic_int_get (&self->auto_download_kb) >= 0)
        koi_syncer_set_auto_download_max (syncer, (gint64) g_atomic_int_get (&self->auto_download_kb) * 1000);

      /* Receipts right after the read state: both come from the user
       * reading, and the sync below selects INBOX again for IDLE. */
      if (!koi_syncer_push_seen (syncer, line, error) ||
          !koi_syncer_send_receipts (syncer, line, error) ||
          !koi_syncer_push_contacts (syncer, line, error) ||
          (chats_changed && !full && !koi_syncer_sync_chats (syncer, line, error)) ||
          !koi_syncer_sync (syncer, full, line, error) ||
          !koi_syncer_download_attachments (syncer, line, error))
        return FALSE;
      chats_changed = FALSE;
      send_due (self, syncer, FALSE);

      if (!announced || self->once)
        {
          event_post (event_new (self, EVENT_SYNC_FINISHED));
          announced = TRUE;
          if (self->once)
            return TRUE;
          post_state (self, KOI_CONNECTION_ONLINE);
        }

    idle:
      wake = take_wake (self);
      if (wake == NULL)
        continue;   /* something was queued meanwhile */

      timeout_ms = MIN (ms_until_next_send (syncer), IDLE_TIMEOUT_MS);
      /* What is left of the chat folder's poll interval: keepalive IDLEs
       * come back here without a pass, so it is not a whole one. */
      if (!koi_syncer_has_notify (syncer))
        timeout_ms = MIN (timeout_ms, MAX (0, last_chats_us + CHATS_POLL_US - g_get_monotonic_time ()) / 1000);
      if (timeout_ms == 0)
        continue;
      keepalive_ms = g_atomic_int_get (&self->keepalive_ms);
      probe = keepalive_ms > 0 && keepalive_ms < timeout_ms;
      if (probe)
        timeout_ms = keepalive_ms;
      koi_syncer_set_idle_answer_timeout (syncer, keepalive_ms > 0
                                          ? (guint) g_atomic_int_get (&self->keepalive_answer_ms) : 0);

      if (!koi_syncer_idle (syncer, (guint) timeout_ms, wake, &changed, &chats_changed,
                            line, error))
        return FALSE;
      quiet_probe = probe && !changed && !chats_changed && !g_cancellable_is_cancelled (wake);
    }
}

static void
cancel_line (GCancellable *stop,
             GCancellable *line)
{
  g_cancellable_cancel (line);
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
      event_post (event_new (self, EVENT_STOPPED));
      g_object_unref (self);
      return NULL;
    }

  syncer = koi_syncer_new (store, self->account, &syncer_events, self);
  /* Ciphertexts of file messages that nothing sends any more. A minute's
   * margin: one the command thread wrote just before the start may not
   * have its outbox entry yet. */
  if (!koi_syncer_sweep_outgoing_ciphers (syncer, self->started_us - 60 * G_USEC_PER_SEC, &error))
    {
      g_message ("Outgoing ciphertexts not checked: %s", error->message);
      g_clear_error (&error);
    }
  /* The limit from the last connection, until this run learns it anew. */
  on_smtp_size_limit (koi_syncer_get_smtp_size_limit (syncer), self);

  while (!g_cancellable_is_cancelled (self->stop))
    {
      g_autoptr (GCancellable) line = g_cancellable_new ();
      gulong stop_handler;
      gboolean fresh_start;

      g_clear_error (&error);
      g_mutex_lock (&self->lock);
      g_set_object (&self->line, line);
      fresh_start = self->fresh_start;
      self->fresh_start = FALSE;
      g_mutex_unlock (&self->lock);
      /* Stopping ends the line too; if it came first, at once. */
      stop_handler = g_cancellable_connect (self->stop, G_CALLBACK (cancel_line), line, NULL);
      if (fresh_start)
        backoff_ms = 0;
      post_state (self, backoff_ms == 0 ? KOI_CONNECTION_CONNECTING : KOI_CONNECTION_RECONNECTING);

      if (koi_syncer_connect (syncer, line, &error))
        {
          post_state (self, KOI_CONNECTION_SYNCING);
          backoff_ms = 0;
          if (run_connected (self, syncer, line, &error))
            {
              g_cancellable_disconnect (self->stop, stop_handler);
              break;   /* once mode */
            }
        }
      g_cancellable_disconnect (self->stop, stop_handler);
      g_mutex_lock (&self->lock);
      g_clear_object (&self->line);
      g_mutex_unlock (&self->lock);

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          if (g_cancellable_is_cancelled (self->stop))
            break;
          /* Reconnect Now: the line may be one that went quiet, so no
           * LOGOUT waits for it; the next attempt starts right away. */
          g_message ("%s: reconnecting now, as asked", self->account->address);
          koi_syncer_drop_connection (syncer);
          continue;
        }

      /* A line that stopped answering would only make LOGOUT wait too. */
      if (g_error_matches (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_TIMEOUT))
        koi_syncer_drop_connection (syncer);
      else
        koi_syncer_disconnect (syncer);

      if (error_needs_user (error))
        {
          /* Retrying a wrong password only gets the account locked. */
          post_error (self, error);
          post_problem (self, KOI_CONNECTION_FAILED, error);
          break;
        }

      g_message ("%s: connection lost: %s", self->account->address, error->message);
      /* The user can do something about a full disk (the window says
       * so until a pass stores everything); the engine retries meanwhile. */
      if (g_error_matches (error, KOI_STORE_ERROR, KOI_STORE_ERROR_FULL) && !self->once)
        post_error (self, error);
      if (self->once)
        {
          post_error (self, error);
          break;
        }

      post_problem (self, KOI_CONNECTION_RECONNECTING, error);
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
  event_post (event_new (self, EVENT_STOPPED));
  /* The worker's own reference (taken at start); the STOPPED event keeps
   * the engine alive until the main context has seen it. */
  g_object_unref (self);
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

  g_mutex_lock (&self->thread_lock);
  if (self->thread != NULL)
    {
      g_mutex_unlock (&self->thread_lock);
      g_critical ("The engine for %s is running already", self->account->address);
      return;
    }

  self->once = once;
  self->started_us = g_get_real_time ();
  g_clear_object (&self->stop);
  self->stop = g_cancellable_new ();
  /* The worker holds a reference until it has returned: stopping never
   * waits for it, and the engine outlives a worker still logging out. */
  self->thread = g_thread_new ("koi-engine", koi_engine_worker, g_object_ref (self));
  g_mutex_unlock (&self->thread_lock);
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

  if (self->stop != NULL)
    g_cancellable_cancel (self->stop);
}

static void
join_worker (KoiEngine *self)
{
  GThread *thread;

  g_mutex_lock (&self->thread_lock);
  thread = g_steal_pointer (&self->thread);
  g_mutex_unlock (&self->thread_lock);

  if (thread != NULL)
    g_thread_join (thread);
}

void
koi_engine_stop_and_wait (KoiEngine *self)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  koi_engine_stop (self);
  join_worker (self);
}

gboolean
koi_engine_is_running (KoiEngine *self)
{
  gboolean running;

  g_return_val_if_fail (KOI_IS_ENGINE (self), FALSE);

  g_mutex_lock (&self->thread_lock);
  running = self->thread != NULL;
  g_mutex_unlock (&self->thread_lock);
  return running;
}

guint64
koi_engine_get_smtp_size_limit (KoiEngine *self)
{
  g_return_val_if_fail (KOI_IS_ENGINE (self), 0);

  return self->smtp_size_limit;
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

const char *
koi_engine_get_store_path (KoiEngine *self)
{
  g_return_val_if_fail (KOI_IS_ENGINE (self), NULL);

  return self->store_path;
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

void
koi_engine_set_encrypt (KoiEngine *self,
                        gboolean   encrypt)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  g_atomic_int_set (&self->encrypt, encrypt ? 1 : 0);
}

static void koi_engine_wake (KoiEngine *self);

void
koi_engine_set_auto_download_max (KoiEngine *self,
                                  gint64     bytes)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  g_atomic_int_set (&self->auto_download_kb, bytes < 0 ? -1 : (int) MIN (bytes / 1000, G_MAXINT));
  /* Images that now fall under the limit come at the next pass. */
  koi_engine_wake (self);
}

void
koi_engine_set_read_receipts (KoiEngine *self,
                              gboolean   enabled)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  g_atomic_int_set (&self->read_receipts, enabled ? 1 : 0);
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

KoiConnectionProblem
koi_engine_get_connection_problem (KoiEngine *self)
{
  g_return_val_if_fail (KOI_IS_ENGINE (self), KOI_CONNECTION_PROBLEM_NONE);

  return self->problem;
}

void
koi_engine_set_keepalive (KoiEngine *self,
                          guint      interval_ms,
                          guint      answer_ms)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  g_atomic_int_set (&self->keepalive_ms, (gint) MIN (interval_ms, G_MAXINT));
  g_atomic_int_set (&self->keepalive_answer_ms, (gint) MIN (answer_ms, G_MAXINT));
}

void
koi_engine_reconnect_now (KoiEngine *self)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  /* The user knows something the engine does not (the network is back,
   * the server restarted): whatever the worker is on, a connection or an
   * attempt, is given up, and the next attempt comes without a backoff. A
   * backoff wait ends with the wake. */
  g_mutex_lock (&self->lock);
  self->fresh_start = TRUE;
  if (self->line != NULL)
    g_cancellable_cancel (self->line);
  g_mutex_unlock (&self->lock);
  koi_engine_wake (self);
}

/* A sync pass now rather than at the next push or timeout (a new own key:
 * its reparse runs first in the pass). */
void
koi_engine_sync_soon (KoiEngine *self)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  koi_engine_wake (self);
}

/* --------------------------------------------------------------------- */
/* Commands, keyed by chat or message id */

typedef gboolean (*CommandFunc) (KoiEngine  *self,
                                 KoiSyncer  *syncer,
                                 GTask      *task,
                                 GError    **error);

typedef struct {
  CommandFunc     func;
  gint64          id;        /* chat or message id */
  char           *text;      /* text or address */
  gint64          other_id;  /* send: the message replied to; delete: for everyone */
  KoiContactEdit *edit;      /* contact commands */
  int             change;    /* group changes: KoiGroupChange */
  char          **addresses; /* group creation: the members */
  char           *caption;   /* send file: the text beside it */
} Command;

static void
command_free (gpointer data)
{
  Command *command = data;

  g_free (command->text);
  g_clear_pointer (&command->edit, koi_contact_edit_free);
  g_strfreev (command->addresses);
  g_free (command->caption);
  g_free (command);
}

/* Runs on the command thread: the one store connection for commands is
 * opened on first use and kept. */
static void
command_run (gpointer data,
             gpointer user_data)
{
  g_autoptr (GTask) task = data;
  KoiEngine *self = g_task_get_source_object (task);
  Command *command = g_task_get_task_data (task);
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (self->command_store == NULL)
    {
      self->command_store = koi_store_open (self->store_path, &error);
      if (self->command_store == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      self->command_syncer = koi_syncer_new (self->command_store, self->account, &syncer_events, self);
    }

  if (g_atomic_int_get (&self->read_receipts) >= 0)
    koi_syncer_set_read_receipts (self->command_syncer, g_atomic_int_get (&self->read_receipts));
  koi_syncer_set_encrypt (self->command_syncer, g_atomic_int_get (&self->encrypt));

  if (!command->func (self, self->command_syncer, task, &error))
    g_task_return_error (task, error);
}

static void
command_queue (KoiEngine           *self,
               CommandFunc          func,
               gint64               id,
               const char          *text,
               gpointer             source_tag,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Command *command = g_new0 (Command, 1);

  command->func = func;
  command->id = id;
  command->text = g_strdup (text);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, command, command_free);
  g_thread_pool_push (self->commands, task, NULL);
}

static Command *
command_queue_full (KoiEngine           *self,
                    CommandFunc          func,
                    gint64               id,
                    const char          *text,
                    gint64               other_id,
                    gpointer             source_tag,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Command *command = g_new0 (Command, 1);

  command->func = func;
  command->id = id;
  command->text = g_strdup (text);
  command->other_id = other_id;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, command, command_free);
  g_thread_pool_push (self->commands, task, NULL);
  return command;
}

static gboolean
coi_filing_command (KoiEngine  *self,
                    KoiSyncer  *syncer,
                    GTask      *task,
                    GError    **error)
{
  Command *command = g_task_get_task_data (task);

  if (!koi_syncer_save_coi_filing (syncer, command->id != 0, error))
    return FALSE;
  /* SETMETADATA needs the worker's connection: it acts at once. */
  if (command->id != 0)
    {
      g_atomic_int_set (&self->coi_enable, 1);
      koi_engine_wake (self);
    }
  g_task_return_boolean (task, TRUE);
  return TRUE;
}

void
koi_engine_set_coi_filing_async (KoiEngine           *self,
                                 gboolean             enable,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  command_queue (self, coi_filing_command, enable ? 1 : 0, NULL, koi_engine_set_coi_filing_async,
                 cancellable, callback, user_data);
}

gboolean
koi_engine_set_coi_filing_finish (KoiEngine     *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
create_chat_command (KoiEngine  *self,
                     KoiSyncer  *syncer,
                     GTask      *task,
                     GError    **error)
{
  Command *command = g_task_get_task_data (task);
  gint64 chat_id = koi_syncer_create_chat (syncer, command->text, error);

  if (chat_id == 0)
    return FALSE;
  g_task_return_int (task, chat_id);
  return TRUE;
}

void
koi_engine_create_chat_async (KoiEngine           *self,
                              const char          *address,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (KOI_IS_ENGINE (self));
  g_return_if_fail (address != NULL);

  command_queue (self, create_chat_command, 0, address, koi_engine_create_chat_async,
                 cancellable, callback, user_data);
}

gint64
koi_engine_create_chat_finish (KoiEngine     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  return g_task_propagate_int (G_TASK (result), error);
}

static gboolean
send_text_command (KoiEngine  *self,
                   KoiSyncer  *syncer,
                   GTask      *task,
                   GError    **error)
{
  Command *command = g_task_get_task_data (task);
  gint64 id = koi_syncer_queue_reply (syncer, command->id, command->text, command->other_id, error);

  if (id == 0)
    return FALSE;
  koi_engine_wake (self);
  g_task_return_int (task, id);
  return TRUE;
}

void
koi_engine_send_text_async (KoiEngine           *self,
                            gint64               chat_id,
                            const char          *text,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (KOI_IS_ENGINE (self));
  g_return_if_fail (text != NULL);

  command_queue (self, send_text_command, chat_id, text, koi_engine_send_text_async,
                 cancellable, callback, user_data);
}

void
koi_engine_send_reply_async (KoiEngine           *self,
                             gint64               chat_id,
                             const char          *text,
                             gint64               reply_to_ref,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (KOI_IS_ENGINE (self));
  g_return_if_fail (text != NULL);

  command_queue_full (self, send_text_command, chat_id, text, reply_to_ref,
                      koi_engine_send_text_async, cancellable, callback, user_data);
}

gint64
koi_engine_send_text_finish (KoiEngine     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  return g_task_propagate_int (G_TASK (result), error);
}

/* Files: the same path as send text; the copy into the attachment folder
 * happens here, on the command thread. */
static gboolean
send_file_command (KoiEngine  *self,
                   KoiSyncer  *syncer,
                   GTask      *task,
                   GError    **error)
{
  Command *command = g_task_get_task_data (task);
  gint64 id = koi_syncer_queue_file (syncer, command->id, command->text, command->caption,
                                     command->other_id, error);

  if (id == 0)
    return FALSE;
  koi_engine_wake (self);
  g_task_return_int (task, id);
  return TRUE;
}

void
koi_engine_send_file_async (KoiEngine           *self,
                            gint64               chat_id,
                            const char          *path,
                            const char          *caption,
                            gint64               reply_to,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;
  Command *command;

  g_return_if_fail (KOI_IS_ENGINE (self));
  g_return_if_fail (path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  command = g_new0 (Command, 1);
  command->func = send_file_command;
  command->id = chat_id;
  command->text = g_strdup (path);
  command->caption = g_strdup (caption);
  command->other_id = reply_to;
  g_task_set_source_tag (task, koi_engine_send_file_async);
  g_task_set_task_data (task, command, command_free);
  g_thread_pool_push (self->commands, task, NULL);
}

static gboolean
download_command (KoiEngine  *self,
                  KoiSyncer  *syncer,
                  GTask      *task,
                  GError    **error)
{
  Command *command = g_task_get_task_data (task);
  gint wanted = koi_syncer_request_download (syncer, command->id, error);

  if (wanted < 0)
    return FALSE;
  if (wanted > 0)
    koi_engine_wake (self);
  g_task_return_int (task, wanted);
  return TRUE;
}

void
koi_engine_cancel_transfer (KoiEngine *self,
                            gint64     message_ref)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  g_mutex_lock (&self->lock);
  g_hash_table_add (self->stopped_transfers, g_memdup2 (&message_ref, sizeof message_ref));
  g_mutex_unlock (&self->lock);
  /* A download asked for but not begun is dropped at the worker's next
   * pass: wake it. */
  koi_engine_wake (self);
}

void
koi_engine_download_async (KoiEngine           *self,
                           gint64               message_ref,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  /* A stop asked for after the last transfer ended must not stop this. */
  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->stopped_transfers, &message_ref);
  g_mutex_unlock (&self->lock);

  command_queue (self, download_command, message_ref, NULL, koi_engine_download_async,
                 cancellable, callback, user_data);
}

gint
koi_engine_download_finish (KoiEngine     *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);

  return (gint) g_task_propagate_int (G_TASK (result), error);
}

/* Groups: the same path as send text, one command per change. */

static gboolean
create_group_command (KoiEngine  *self,
                      KoiSyncer  *syncer,
                      GTask      *task,
                      GError    **error)
{
  Command *command = g_task_get_task_data (task);
  gint64 chat_id = 0;

  if (koi_syncer_create_group (syncer, command->text, (const char * const *) command->addresses,
                               &chat_id, error) == 0)
    return FALSE;
  koi_engine_wake (self);
  g_task_return_int (task, chat_id);
  return TRUE;
}

void
koi_engine_create_group_async (KoiEngine           *self,
                               const char          *name,
                               const char * const  *addresses,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;
  Command *command;

  g_return_if_fail (KOI_IS_ENGINE (self));
  g_return_if_fail (name != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  command = g_new0 (Command, 1);
  command->func = create_group_command;
  command->text = g_strdup (name);
  command->addresses = g_strdupv ((char **) addresses);
  g_task_set_source_tag (task, koi_engine_create_group_async);
  g_task_set_task_data (task, command, command_free);
  g_thread_pool_push (self->commands, task, NULL);
}

gint64
koi_engine_create_group_finish (KoiEngine     *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  return g_task_propagate_int (G_TASK (result), error);
}

static gboolean
change_group_command (KoiEngine  *self,
                      KoiSyncer  *syncer,
                      GTask      *task,
                      GError    **error)
{
  Command *command = g_task_get_task_data (task);
  gint64 id = 0;

  switch ((KoiGroupChange) command->change)
    {
    case KOI_GROUP_CHANGE_RENAME:
      id = koi_syncer_group_rename (syncer, command->id, command->text, error);
      break;
    case KOI_GROUP_CHANGE_ADD:
      id = koi_syncer_group_add_member (syncer, command->id, command->text, error);
      break;
    case KOI_GROUP_CHANGE_REMOVE:
      id = koi_syncer_group_remove_member (syncer, command->id, command->text, error);
      break;
    case KOI_GROUP_CHANGE_LEAVE:
      id = koi_syncer_group_leave (syncer, command->id, error);
      break;
    default:
      g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID, "Unknown group change");
      break;
    }
  if (id == 0)
    return FALSE;
  koi_engine_wake (self);
  g_task_return_int (task, id);
  return TRUE;
}

void
koi_engine_change_group_async (KoiEngine           *self,
                               gint64               chat_id,
                               KoiGroupChange       change,
                               const char          *argument,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;
  Command *command;

  g_return_if_fail (KOI_IS_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  command = g_new0 (Command, 1);
  command->func = change_group_command;
  command->id = chat_id;
  command->change = change;
  command->text = g_strdup (argument);
  g_task_set_source_tag (task, koi_engine_change_group_async);
  g_task_set_task_data (task, command, command_free);
  g_thread_pool_push (self->commands, task, NULL);
}

gint64
koi_engine_change_group_finish (KoiEngine     *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  return g_task_propagate_int (G_TASK (result), error);
}

static gboolean
mark_read_command (KoiEngine  *self,
                   KoiSyncer  *syncer,
                   GTask      *task,
                   GError    **error)
{
  Command *command = g_task_get_task_data (task);

  /* "unseen": read from outside the window, so no receipt is owed. */
  if (!koi_syncer_mark_read_full (syncer, command->id, g_strcmp0 (command->text, "unseen") != 0, error))
    return FALSE;
  /* The worker sets \Seen on the server at once, not at the next sync. */
  koi_engine_wake (self);
  g_task_return_boolean (task, TRUE);
  return TRUE;
}

void
koi_engine_mark_read_unseen_async (KoiEngine           *self,
                                   gint64               chat_id,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  command_queue (self, mark_read_command, chat_id, "unseen", koi_engine_mark_read_async,
                 cancellable, callback, user_data);
}

void
koi_engine_mark_read_async (KoiEngine           *self,
                            gint64               chat_id,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  command_queue (self, mark_read_command, chat_id, NULL, koi_engine_mark_read_async,
                 cancellable, callback, user_data);
}

gboolean
koi_engine_mark_read_finish (KoiEngine     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
answer_request_command (KoiEngine  *self,
                        KoiSyncer  *syncer,
                        GTask      *task,
                        GError    **error)
{
  Command *command = g_task_get_task_data (task);

  if (!koi_syncer_answer_request (syncer, command->id, (KoiRequestAnswer) command->other_id, error))
    return FALSE;
  /* A card written for accept or block goes up now. */
  koi_engine_wake (self);
  g_task_return_boolean (task, TRUE);
  return TRUE;
}

void
koi_engine_answer_request_async (KoiEngine           *self,
                                 gint64               chat_id,
                                 KoiRequestAnswer     answer,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  command_queue_full (self, answer_request_command, chat_id, NULL, answer,
                      koi_engine_answer_request_async, cancellable, callback, user_data);
}

gboolean
koi_engine_answer_request_finish (KoiEngine     *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
set_draft_command (KoiEngine  *self,
                   KoiSyncer  *syncer,
                   GTask      *task,
                   GError    **error)
{
  Command *command = g_task_get_task_data (task);

  if (!koi_syncer_set_draft (syncer, command->id, command->text, error))
    return FALSE;
  g_task_return_boolean (task, TRUE);
  return TRUE;
}

void
koi_engine_set_draft_async (KoiEngine           *self,
                            gint64               chat_id,
                            const char          *text,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  command_queue (self, set_draft_command, chat_id, text, koi_engine_set_draft_async,
                 cancellable, callback, user_data);
}

gboolean
koi_engine_set_draft_finish (KoiEngine     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
retry_command (KoiEngine  *self,
               KoiSyncer  *syncer,
               GTask      *task,
               GError    **error)
{
  Command *command = g_task_get_task_data (task);

  if (!koi_syncer_retry (syncer, command->id, error))
    return FALSE;
  koi_engine_wake (self);
  g_task_return_boolean (task, TRUE);
  return TRUE;
}

void
koi_engine_retry_async (KoiEngine           *self,
                        gint64               message_ref,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->stopped_transfers, &message_ref);
  g_mutex_unlock (&self->lock);
  command_queue (self, retry_command, message_ref, NULL, koi_engine_retry_async,
                 cancellable, callback, user_data);
}

/* Edit, delete and react: the request is stored and applied here before
 * the command returns; the worker is woken to send it. */
static gboolean
request_command (KoiEngine  *self,
                 KoiSyncer  *syncer,
                 GTask      *task,
                 GError    **error)
{
  Command *command = g_task_get_task_data (task);
  gpointer tag = g_task_get_source_tag (task);
  gboolean ok;

  if (tag == koi_engine_edit_async)
    ok = koi_syncer_queue_edit (syncer, command->id, command->text, error) != 0;
  else if (tag == koi_engine_react_async)
    ok = koi_syncer_queue_reaction (syncer, command->id, command->text, error) != 0;
  else if (command->other_id != 0)
    ok = koi_syncer_queue_delete (syncer, command->id, error) != 0;
  else
    ok = koi_syncer_delete_local (syncer, command->id, error);

  if (!ok)
    return FALSE;
  koi_engine_wake (self);
  g_task_return_boolean (task, TRUE);
  return TRUE;
}

void
koi_engine_edit_async (KoiEngine           *self,
                       gint64               message_ref,
                       const char          *text,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (KOI_IS_ENGINE (self));
  g_return_if_fail (text != NULL);

  command_queue_full (self, request_command, message_ref, text, 0, koi_engine_edit_async,
                      cancellable, callback, user_data);
}

void
koi_engine_delete_async (KoiEngine           *self,
                         gint64               message_ref,
                         gboolean             for_everyone,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  command_queue_full (self, request_command, message_ref, NULL, for_everyone ? 1 : 0,
                      koi_engine_delete_async, cancellable, callback, user_data);
}

void
koi_engine_react_async (KoiEngine           *self,
                        gint64               message_ref,
                        const char          *emoji,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (KOI_IS_ENGINE (self));

  command_queue_full (self, request_command, message_ref, emoji != NULL ? emoji : "", 0,
                      koi_engine_react_async, cancellable, callback, user_data);
}

gboolean
koi_engine_request_finish (KoiEngine     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
koi_engine_retry_finish (KoiEngine     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
edit_contact_command (KoiEngine  *self,
                      KoiSyncer  *syncer,
                      GTask      *task,
                      GError    **error)
{
  Command *command = g_task_get_task_data (task);
  gint64 id = koi_syncer_edit_contact (syncer, command->text, command->edit, error);

  if (id == 0)
    return FALSE;
  /* The worker APPENDs the new version now, not at the next sync. */
  koi_engine_wake (self);
  g_task_return_int (task, id);
  return TRUE;
}

void
koi_engine_edit_contact_async (KoiEngine            *self,
                               const char           *address,
                               const KoiContactEdit *edit,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data)
{
  GTask *task;
  Command *command;

  g_return_if_fail (KOI_IS_ENGINE (self));
  g_return_if_fail (address != NULL);
  g_return_if_fail (edit != NULL);

  /* command_queue's shape, with the edit as task data of its own. */
  task = g_task_new (self, cancellable, callback, user_data);
  command = g_new0 (Command, 1);
  command->func = edit_contact_command;
  command->text = g_strdup (address);
  command->edit = koi_contact_edit_copy (edit);
  g_task_set_source_tag (task, koi_engine_edit_contact_async);
  g_task_set_task_data (task, command, command_free);
  g_thread_pool_push (self->commands, task, NULL);
}

gint64
koi_engine_edit_contact_finish (KoiEngine     *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  return g_task_propagate_int (G_TASK (result), error);
}

/* --------------------------------------------------------------------- */
/* Trusting a certificate */

const KoiAccountConfig *
koi_engine_get_account_config (KoiEngine *self)
{
  g_return_val_if_fail (KOI_IS_ENGINE (self), NULL);

  return self->account;
}

static gboolean
trust_certificate_command (KoiEngine  *self,
                           KoiSyncer  *syncer,
                           GTask      *task,
                           GError    **error)
{
  Command *command = g_task_get_task_data (task);
  gboolean found = FALSE;

  /* The worker copied the servers when it started: it has to go, and the
   * caller starts it again with the pin. On this thread, so the window
   * never waits for a logout. */
  koi_engine_stop_and_wait (self);

  for (guint i = 0; i < 2; i++)
    {
      KoiServerConfig *server = i == 0 ? self->account->imap : self->account->smtp;

      if (g_ascii_strcasecmp (server->host, command->text) != 0 || server->port != command->id)
        continue;
      if (!koi_store_account_set_pin (self->command_store, self->account->id, i == 0 ? "imap" : "smtp",
                                      command->addresses[0], command->addresses[1], error))
        return FALSE;
      koi_server_config_set_pin (server, command->addresses[0], command->addresses[1]);
      found = TRUE;
    }
  if (!found)
    {
      g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                   "%s:%u is not a server of %s", command->text, (guint) command->id,
                   self->account->address);
      return FALSE;
    }

  /* The command syncer's copy of the servers (it sends) too. */
  g_clear_pointer (&self->command_syncer, koi_syncer_free);
  self->command_syncer = koi_syncer_new (self->command_store, self->account, &syncer_events, self);
  g_task_return_boolean (task, TRUE);
  return TRUE;
}

void
koi_engine_trust_certificate_async (KoiEngine           *self,
                                    const char          *host,
                                    guint16              port,
                                    const char          *key_pin,
                                    const char          *cert_sha256,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;
  Command *command;

  g_return_if_fail (KOI_IS_ENGINE (self));
  g_return_if_fail (host != NULL && key_pin != NULL && cert_sha256 != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  command = g_new0 (Command, 1);
  command->func = trust_certificate_command;
  command->text = g_strdup (host);
  command->id = port;
  command->addresses = g_new0 (char *, 3);
  command->addresses[0] = g_strdup (key_pin);
  command->addresses[1] = g_strdup (cert_sha256);
  g_task_set_source_tag (task, koi_engine_trust_certificate_async);
  g_task_set_task_data (task, command, command_free);
  g_thread_pool_push (self->commands, task, NULL);
}

gboolean
koi_engine_trust_certificate_finish (KoiEngine     *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --------------------------------------------------------------------- */
/* GObject */

static void
koi_engine_dispose (GObject *object)
{
  KoiEngine *self = KOI_ENGINE (object);

  /* Nobody holds the engine, so no worker runs (it holds a reference while
   * it does) and no command is queued (each holds one through its task). */
  koi_engine_stop (self);

  G_OBJECT_CLASS (koi_engine_parent_class)->dispose (object);
}

static void
koi_engine_finalize (GObject *object)
{
  KoiEngine *self = KOI_ENGINE (object);

  join_worker (self);
  g_thread_pool_free (self->commands, FALSE, TRUE);
  g_clear_pointer (&self->command_syncer, koi_syncer_free);
  g_clear_pointer (&self->command_store, koi_store_close);
  g_free (self->store_path);
  g_clear_pointer (&self->account, koi_account_config_free);
  g_clear_object (&self->stop);
  g_clear_object (&self->wake);
  g_clear_object (&self->line);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  g_clear_pointer (&self->stopped_transfers, g_hash_table_unref);
  g_mutex_clear (&self->thread_lock);

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
    case PROP_SMTP_SIZE_LIMIT:
      g_value_set_uint64 (value, self->smtp_size_limit);
      break;
    case PROP_CONNECTION_STATE:
      g_value_set_int (value, self->state);
      break;

    case PROP_CONNECTION_PROBLEM:
      g_value_set_int (value, self->problem);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_engine_class_init (KoiEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  /* The engine builds and parses mail on its threads: gmime must be set up
   * before the first one starts, whoever uses the engine (it counts). */
  g_mime_init ();

  object_class->dispose = koi_engine_dispose;
  object_class->finalize = koi_engine_finalize;
  object_class->get_property = koi_engine_get_property;

  /* A KoiConnectionState. */
  properties[PROP_CONNECTION_STATE] =
    g_param_spec_int ("connection-state", NULL, NULL,
                      KOI_CONNECTION_OFFLINE, KOI_CONNECTION_FAILED, KOI_CONNECTION_OFFLINE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The largest mail the SMTP server takes (its EHLO SIZE, kept from the
   * last connection); 0 = not known yet or not announced. */
  properties[PROP_SMTP_SIZE_LIMIT] =
    g_param_spec_uint64 ("smtp-size-limit", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* A KoiConnectionProblem: why the engine is not connected. */
  properties[PROP_CONNECTION_PROBLEM] =
    g_param_spec_int ("connection-problem", NULL, NULL,
                      KOI_CONNECTION_PROBLEM_NONE, KOI_CONNECTION_PROBLEM_OTHER, KOI_CONNECTION_PROBLEM_NONE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[MESSAGE_ADDED] =
    g_signal_new ("message-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
  signals[MESSAGE_UPDATED] =
    g_signal_new ("message-updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
  signals[CHAT_UPDATED] =
    g_signal_new ("chat-updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  /**
   * KoiEngine::contact-updated:
   * @contact_id: the contact whose card changed (here or on another device)
   */
  signals[CONTACT_UPDATED] =
    g_signal_new ("contact-updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[SYNC_FINISHED] =
    g_signal_new ("sync-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * KoiEngine::transfer-progress:
   * @message_ref: the message whose file is on its way (up or down)
   * @attachment_id: the file
   * @done: bytes so far; -1 when the transfer ended (the message's
   *   state says how)
   * @total: the file's size as the transfer knows it
   *
   * At most ten a second per transfer.
   */
  signals[TRANSFER_PROGRESS] =
    g_signal_new ("transfer-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 4, G_TYPE_INT64, G_TYPE_INT64, G_TYPE_INT64,
                  G_TYPE_INT64);
  signals[ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[COI_SERVER_OFFERED] =
    g_signal_new ("coi-server-offered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[KEY_SETUP_ARRIVED] =
    g_signal_new ("key-setup-arrived", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[STOPPED] =
    g_signal_new ("stopped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
koi_engine_init (KoiEngine *self)
{
  g_mutex_init (&self->lock);
  self->stopped_transfers = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_mutex_init (&self->thread_lock);
  self->commands = g_thread_pool_new (command_run, self, 1, FALSE, NULL);
  self->context = g_main_context_ref_thread_default ();
  self->state = KOI_CONNECTION_OFFLINE;
  self->move_chat_mail = -1;
  self->read_receipts = -1;
  self->auto_download_kb = -1;
  self->encrypt = 1;
  self->keepalive_ms = KEEPALIVE_MS;
  self->keepalive_answer_ms = KEEPALIVE_ANSWER_MS;
}
