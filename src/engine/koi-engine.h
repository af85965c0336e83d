/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-account-config.h"
#include "koi-server-config.h"
#include "koi-store.h"

G_BEGIN_DECLS

/**
 * KoiConnectionState:
 * @KOI_CONNECTION_OFFLINE: not started, or stopped
 * @KOI_CONNECTION_CONNECTING: opening the IMAP connection (first time)
 * @KOI_CONNECTION_SYNCING: connected, fetching what is new
 * @KOI_CONNECTION_ONLINE: up to date and waiting for push (IMAP IDLE)
 * @KOI_CONNECTION_RECONNECTING: the connection was lost; waiting to retry (backoff)
 * @KOI_CONNECTION_FAILED: cannot go on without the user (wrong password, untrusted
 *   certificate); the engine stops retrying until restarted
 */
typedef enum {
  KOI_CONNECTION_OFFLINE,
  KOI_CONNECTION_CONNECTING,
  KOI_CONNECTION_SYNCING,
  KOI_CONNECTION_ONLINE,
  KOI_CONNECTION_RECONNECTING,
  KOI_CONNECTION_FAILED,
} KoiConnectionState;

const char *koi_connection_state_to_string (KoiConnectionState state);

#define KOI_TYPE_ENGINE (koi_engine_get_type ())
G_DECLARE_FINAL_TYPE (KoiEngine, koi_engine, KOI, ENGINE, GObject)

/*
 * One sync engine per account. Created and used on the main thread; all
 * network and SQL work happens on the engine's own worker thread, and every
 * signal is emitted in the GMainContext that was thread-default when the
 * engine was created.
 *
 * Signals (all on the creating context):
 *   "message-added"   (const KoiStoreMessage *message)   a new message is in the store
 *                      (incoming, or an outgoing one just queued); valid during emission
 *   "message-changed" (gint64 message_ref, int state, const char *failure_reason)
 *                      an outgoing message changed state (KoiStoreMessageState)
 *   "chats-changed"   ()                                 chat order, previews or unread
 *                      counts may have changed (coalesced)
 *   "sync-finished"   ()                                 a full pass over the folders ended
 *                      and the outbox was drained as far as possible
 *   "error"           (const GError *error)              something the user should know
 *                      (wrong password, untrusted certificate, permanent send failure)
 * Property "connection-state" (KoiConnectionState as int), notify on change.
 */

/* password is kept in memory only; imap/smtp are copied. */
KoiEngine         *koi_engine_new                  (const char             *store_path,
                                                    gint64                  account_id,
                                                    const char             *address,
                                                    const KoiServerConfig  *imap,
                                                    const KoiServerConfig  *smtp);
/* The same from a loaded account (keeps the display name for From). */
KoiEngine         *koi_engine_new_from_config      (const char             *store_path,
                                                    const KoiAccountConfig *account);

/* Starts the worker: connect, sync, then stay in IDLE and send what is queued. */
void                koi_engine_start                (KoiEngine              *self);
/* Like start, but the worker stops by itself after one sync + outbox pass
 * ("sync-finished" is emitted, then the state goes OFFLINE). For koi-cli sync. */
void                koi_engine_start_once           (KoiEngine              *self);
/* Asks the worker to stop and waits for it (it logs out politely). */
void                koi_engine_stop                 (KoiEngine              *self);

KoiConnectionState  koi_engine_get_connection_state (KoiEngine              *self);
const char         *koi_engine_get_address          (KoiEngine              *self);
gint64              koi_engine_get_account_id       (KoiEngine              *self);

/* Queues a 1:1 chat text to @peer_address: the message and its outbox entry
 * are written to the store (off the main thread) before anything is sent;
 * "message-added" follows, then "message-changed" as it is sent. Finishes
 * with the new message's store id. */
void                koi_engine_send_text_async      (KoiEngine              *self,
                                                    const char             *peer_address,
                                                    const char             *text,
                                                    GCancellable           *cancellable,
                                                    GAsyncReadyCallback     callback,
                                                    gpointer                user_data);
gint64              koi_engine_send_text_finish     (KoiEngine              *self,
                                                    GAsyncResult           *result,
                                                    GError                **error);

/* Whether chat mail found in INBOX is moved to COI/Chats (default: the
 * account's "move_chat_mail" store setting, off). Never moved while another
 * chat app is known on the account. Takes effect at the next sync;
 * callable at any time. */
void                koi_engine_set_move_chat_mail   (KoiEngine              *self,
                                                    gboolean                move);

/* Retries a failed outgoing message now. */
void                koi_engine_retry                (KoiEngine              *self,
                                                    gint64                  message_ref);

G_END_DECLS
