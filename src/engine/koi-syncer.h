/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-account-config.h"
#include "koi-store.h"

G_BEGIN_DECLS

/*
 * KoiSyncer: the work of one account, done synchronously on the calling
 * thread (the engine's worker, or koi-cli's main thread). It owns the IMAP
 * connection and uses a store connection of that thread.
 *
 * Mail flows: IMAP folder → koi_coi_parse → store (one transaction per
 * fetched batch) → events. Chat mail found in INBOX is moved to COI/Chats
 * only when the account's "move_chat_mail" setting is "1" (or the app
 * says so) and no other chat app was seen on the account
 * (koi-chat-client-detect.h); ordinary email stays where it is. Messages are identified by Message-ID, so moves,
 * re-fetches and a UIDVALIDITY change never duplicate anything.
 *
 * Sending goes through the outbox: the message is stored first, then sent
 * with one SMTP transaction per recipient; an accepted recipient is never
 * sent to again; temporary failures are rescheduled with backoff.
 */

typedef struct {
  /* A new message is in the store (valid during the call). */
  void (*message_added)   (const KoiStoreMessage *message,
                           gpointer               user_data);
  /* An outgoing message changed state. */
  void (*message_changed) (gint64                 message_ref,
                           int                    state,
                           const char            *failure_reason,
                           gpointer               user_data);
  /* Chat order, previews or unread counts may have changed. */
  void (*chats_changed)   (gpointer               user_data);
} KoiSyncerEvents;

typedef struct _KoiSyncer KoiSyncer;

/* The chat folder Koi keeps chat mail in when the server has no COI
 * support, with "/" as separator; the server's own separator is used on
 * the wire. */
#define KOI_SYNCER_CHATS_FOLDER "COI/Chats"

KoiSyncer *koi_syncer_new           (KoiStore               *store,
                                     const KoiAccountConfig *account,
                                     const KoiSyncerEvents  *events,
                                     gpointer                user_data);
void       koi_syncer_free          (KoiSyncer              *self);

/* Opens the IMAP connection and makes sure the chat folder exists. */
gboolean   koi_syncer_connect       (KoiSyncer              *self,
                                     GCancellable           *cancellable,
                                     GError                **error);
gboolean   koi_syncer_is_connected  (KoiSyncer              *self);
/* Logs out (politely if the line is alive) and forgets the connection. */
void       koi_syncer_disconnect    (KoiSyncer              *self);

/* Overrides the account's "move_chat_mail" store setting. */
void       koi_syncer_set_move_chat_mail (KoiSyncer         *self,
                                          gboolean           move);

/* Fetches what is new. @full: the chat folder and INBOX (at start and now
 * and then); otherwise INBOX only (after a push). Leaves INBOX selected. */
gboolean   koi_syncer_sync          (KoiSyncer              *self,
                                     gboolean                full,
                                     GCancellable           *cancellable,
                                     GError                **error);

/* Waits in IDLE on INBOX until the server reports a change (*out_changed
 * = TRUE), @timeout_ms pass or @wake fires. */
gboolean   koi_syncer_idle          (KoiSyncer              *self,
                                     guint                   timeout_ms,
                                     GCancellable           *wake,
                                     gboolean               *out_changed,
                                     GCancellable           *cancellable,
                                     GError                **error);

/* Stores a 1:1 chat text for @peer_address in the outbox (state queued)
 * and reports it. Returns the message's store id, 0 on error. */
gint64     koi_syncer_queue_text    (KoiSyncer              *self,
                                     const char             *peer_address,
                                     const char             *text,
                                     GError                **error);

/* Sends what the outbox holds: items that are due, or all of them with
 * @force. Per-message outcomes are recorded in the store and reported;
 * FALSE + error only when the SMTP server could not be used at all (the
 * items stay queued and are rescheduled). */
gboolean   koi_syncer_send_queued   (KoiSyncer              *self,
                                     gboolean                force,
                                     GCancellable           *cancellable,
                                     GError                **error);

/* When the outbox wants the next attempt (ms since the epoch), 0 = never. */
gint64     koi_syncer_next_send_ms  (KoiSyncer              *self);

/* Checks an address as Koi would send to it: exactly one mailbox, no
 * spaces or line breaks. */
gboolean   koi_address_is_valid     (const char             *address);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiSyncer, koi_syncer_free)

G_END_DECLS
