/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-account-config.h"
#include "koi-connection-problem.h"
#include "koi-contact-requests.h"
#include "koi-contacts.h"
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
 * Signals (all on the creating context); they carry ids, the store has
 * the rest:
 *   "message-added"   (gint64 chat_id, gint64 message_id)  a new visible message
 *                      is in the chat (incoming, or an outgoing one just queued)
 *   "message-updated" (gint64 chat_id, gint64 message_id)  its content or state
 *                      changed: sending/sent/failed, edited, deleted, a reaction,
 *                      a read receipt
 *   "chat-updated"    (gint64 chat_id)                     the chat's list row
 *                      (order, preview, unread count) changed, or it is new
 *   "sync-finished"   ()                                   a full pass over the
 *                      folders ended and the outbox was drained as far as possible
 *   "error"           (const GError *error)                something the user should
 *                      know (wrong password, untrusted certificate, ...)
 *   "stopped"         ()                                   the worker has returned
 *   "coi-server-offered" ()                                the server can file chat
 *                      mail itself (COI) and the user was not asked yet: ask once,
 *                      answer with koi_engine_set_coi_filing_async()
 *   "key-setup-arrived" ()                                 an Autocrypt Setup Message of
 *                      the account was stored (koi_engine_find_setup_async() says
 *                      whether this device needs its code)
 * Property "connection-state" (KoiConnectionState as int), notify on change;
 * "connection-problem" (KoiConnectionProblem as int): why it is
 * RECONNECTING or FAILED, NONE once connected (notified before the state).
 *
 * Commands are keyed by chat or message id and run, one at a time, on the
 * engine's command thread with its own store connection: only the engine
 * writes the store.
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
/* Asks the worker to stop and returns at once: it logs out politely on its
 * own time, then "stopped" is emitted. Never blocks. */
void                koi_engine_stop                 (KoiEngine              *self);
/* Stops and waits for the worker to return. Blocks: for koi-cli and tests,
 * never on a window's main thread. */
void                koi_engine_stop_and_wait        (KoiEngine              *self);
gboolean            koi_engine_is_running           (KoiEngine              *self);

KoiConnectionState  koi_engine_get_connection_state (KoiEngine              *self);
KoiConnectionProblem koi_engine_get_connection_problem (KoiEngine            *self);
/* "Reconnect Now" in the window: gives up the connection or the attempt
 * the engine is on (it may have gone quiet: no LOGOUT is waited for) and
 * connects again at once, without a backoff wait. Unlike
 * koi_engine_sync_soon, which only asks for a pass on the same line. */
void                koi_engine_reconnect_now        (KoiEngine              *self);
/* A line that died while idle is found by ending each quiet IDLE after
 * @interval_ms and giving the server @answer_ms to answer (defaults 45 s
 * and 15 s; 0 turns it off: IDLE then lasts 9 minutes). Takes effect
 * with the next IDLE. */
void                koi_engine_set_keepalive        (KoiEngine              *self,
                                                     guint                   interval_ms,
                                                     guint                   answer_ms);
const char         *koi_engine_get_address          (KoiEngine              *self);
/* The "smtp-size-limit" property: the largest mail the SMTP server takes
 * (EHLO SIZE, kept per account from the last connection); 0 = unknown. */
guint64             koi_engine_get_smtp_size_limit  (KoiEngine              *self);
gint64              koi_engine_get_account_id       (KoiEngine              *self);
/* The servers as the engine connects to them (main thread; copy it to use
 * it elsewhere). */
const KoiAccountConfig *koi_engine_get_account_config (KoiEngine          *self);
/* The store file the engine works on. */
const char         *koi_engine_get_store_path       (KoiEngine              *self);

/* "Show Source": the mail's bytes as the server holds them, fetched on a
 * thread of its own with its own connection (a large mail holds up no
 * command). Errors: KOI_ENGINE_ERROR_INVALID when the server no longer has
 * it (expunged, moved by another program), a KOI_IMAP_ERROR or G_IO_ERROR
 * when the server cannot be reached. Finishes with the bytes (transfer
 * full). */
void                koi_engine_fetch_source_async   (KoiEngine              *self,
                                                     gint64                  message_ref,
                                                     GCancellable           *cancellable,
                                                     GAsyncReadyCallback     callback,
                                                     gpointer                user_data);
GBytes             *koi_engine_fetch_source_finish  (KoiEngine              *self,
                                                     GAsyncResult           *result,
                                                     GError                **error);
/* Trusts the certificate with public key pin `key_pin` and fingerprint
 * `cert_sha256` for whichever of the account's servers is at host:port:
 * saved with the account, and used from the next connection on. Stops the
 * worker first (on the command thread: the caller never waits); start
 * the engine again in the callback. */
void                koi_engine_trust_certificate_async (KoiEngine           *self,
                                                    const char             *host,
                                                    guint16                 port,
                                                    const char             *key_pin,
                                                    const char             *cert_sha256,
                                                    GCancellable           *cancellable,
                                                    GAsyncReadyCallback     callback,
                                                    gpointer                user_data);
gboolean            koi_engine_trust_certificate_finish (KoiEngine          *self,
                                                    GAsyncResult           *result,
                                                    GError                **error);

/* The 1:1 chat with @address, created when missing ("chat-updated" follows
 * for a new one). Finishes with the chat id. */
void                koi_engine_create_chat_async    (KoiEngine              *self,
                                                    const char             *address,
                                                    GCancellable           *cancellable,
                                                    GAsyncReadyCallback     callback,
                                                    gpointer                user_data);
gint64              koi_engine_create_chat_finish   (KoiEngine              *self,
                                                    GAsyncResult           *result,
                                                    GError                **error);

/* Queues a chat text in the chat: the message and its outbox entry are
 * written to the store before anything is sent; "message-added" follows,
 * then "message-updated" as it is sent. Finishes with the message's id. */
void                koi_engine_send_text_async      (KoiEngine              *self,
                                                    gint64                  chat_id,
                                                    const char             *text,
                                                    GCancellable           *cancellable,
                                                    GAsyncReadyCallback     callback,
                                                    gpointer                user_data);
gint64              koi_engine_send_text_finish     (KoiEngine              *self,
                                                    GAsyncResult           *result,
                                                    GError                **error);

/* Creates a group chat named @name with @addresses (NULL-terminated) and
 * sends its first message to them ("chat-updated" and "message-added"
 * follow). Finishes with the new chat's id. */
/* Queues the file at @path (with @caption, may be NULL) to the chat,
 * answering @reply_to (0: none) with its quote: it is copied into the
 * profile's attachment folder and streamed from there when sent. Finish
 * with koi_engine_send_text_finish() (the message id). */
void                koi_engine_send_file_async      (KoiEngine              *self,
                                                     gint64                  chat_id,
                                                     const char             *path,
                                                     const char             *caption,
                                                     gint64                  reply_to,
                                                     GCancellable           *cancellable,
                                                     GAsyncReadyCallback     callback,
                                                     gpointer                user_data);
/* Asks for the message's attachments that are not here yet; the worker
 * fetches them and emits "message-updated" for each. Returns how many. */
/* Stops the transfer of @message_ref's file, up or down, between two
 * blocks: a download goes back to "Download" (an image fetched by itself
 * to failed, so it is not fetched again), its partial file removed; an
 * upload fails (the server drops what it got) and waits for Retry.
 * Returns at once; "message-updated" tells the outcome. */
void                koi_engine_cancel_transfer      (KoiEngine              *self,
                                                    gint64                  message_ref);
void                koi_engine_download_async       (KoiEngine              *self,
                                                     gint64                  message_ref,
                                                     GCancellable           *cancellable,
                                                     GAsyncReadyCallback     callback,
                                                     gpointer                user_data);
gint                koi_engine_download_finish      (KoiEngine              *self,
                                                     GAsyncResult           *result,
                                                     GError                **error);
void                koi_engine_create_group_async   (KoiEngine              *self,
                                                    const char             *name,
                                                    const char * const     *addresses,
                                                    GCancellable           *cancellable,
                                                    GAsyncReadyCallback     callback,
                                                    gpointer                user_data);
gint64              koi_engine_create_group_finish  (KoiEngine              *self,
                                                    GAsyncResult           *result,
                                                    GError                **error);

typedef enum {
  KOI_GROUP_CHANGE_RENAME,   /* argument: the new name */
  KOI_GROUP_CHANGE_ADD,      /* argument: the address */
  KOI_GROUP_CHANGE_REMOVE,   /* argument: the address */
  KOI_GROUP_CHANGE_LEAVE,    /* no argument */
} KoiGroupChange;

/* Changes the group chat @chat_id: a message to every member that their
 * clients (and Delta Chat) apply, applied here at once. Finishes with the
 * message's id. */
void                koi_engine_change_group_async   (KoiEngine              *self,
                                                    gint64                  chat_id,
                                                    KoiGroupChange          change,
                                                    const char             *argument,
                                                    GCancellable           *cancellable,
                                                    GAsyncReadyCallback     callback,
                                                    gpointer                user_data);
gint64              koi_engine_change_group_finish  (KoiEngine              *self,
                                                    GAsyncResult           *result,
                                                    GError                **error);

/* The same as a reply to @reply_to_ref, a message of the chat (0: as
 * send_text). Finish with koi_engine_send_text_finish(). */
void                koi_engine_send_reply_async     (KoiEngine              *self,
                                                     gint64                  chat_id,
                                                     const char             *text,
                                                     gint64                  reply_to_ref,
                                                     GCancellable           *cancellable,
                                                     GAsyncReadyCallback     callback,
                                                     gpointer                user_data);
/* Requests on a message by its id. Each is stored and applied to this
 * device's store before the command finishes ("message-updated" follows),
 * then sent through the outbox. Edit and delete for everyone: own
 * messages only. Delete for me (@for_everyone FALSE) sends nothing. A
 * reaction of "" takes this account's reaction back. Finish each with
 * koi_engine_request_finish(). */
void                koi_engine_edit_async           (KoiEngine              *self,
                                                     gint64                  message_ref,
                                                     const char             *text,
                                                     GCancellable           *cancellable,
                                                     GAsyncReadyCallback     callback,
                                                     gpointer                user_data);
void                koi_engine_delete_async         (KoiEngine              *self,
                                                     gint64                  message_ref,
                                                     gboolean                for_everyone,
                                                     GCancellable           *cancellable,
                                                     GAsyncReadyCallback     callback,
                                                     gpointer                user_data);
void                koi_engine_react_async          (KoiEngine              *self,
                                                     gint64                  message_ref,
                                                     const char             *emoji,
                                                     GCancellable           *cancellable,
                                                     GAsyncReadyCallback     callback,
                                                     gpointer                user_data);
gboolean            koi_engine_request_finish       (KoiEngine              *self,
                                                     GAsyncResult           *result,
                                                     GError                **error);
/* Marks the chat read here and, right after, on the server (\\Seen), so
 * the user's other devices show it read too. */
void                koi_engine_mark_read_async      (KoiEngine              *self,
                                                    gint64                  chat_id,
                                                    GCancellable           *cancellable,
                                                    GAsyncReadyCallback     callback,
                                                    gpointer                user_data);
gboolean            koi_engine_mark_read_finish     (KoiEngine              *self,
                                                    GAsyncResult           *result,
                                                    GError                **error);

/* The same for a chat read without being shown in the window (a
 * notification's "Mark as Read"): no read receipt goes out. Finish with
 * koi_engine_mark_read_finish(). */
void                koi_engine_mark_read_unseen_async (KoiEngine            *self,
                                                      gint64                chat_id,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);

/* The user's answer to the contact request @chat_id (accept, block,
 * delete); "chat-updated" follows, and for accept and block the sender's
 * card goes to the server as for koi_engine_edit_contact_async(). */
void                koi_engine_answer_request_async (KoiEngine              *self,
                                                    gint64                  chat_id,
                                                    KoiRequestAnswer        answer,
                                                    GCancellable           *cancellable,
                                                    GAsyncReadyCallback     callback,
                                                    gpointer                user_data);
gboolean            koi_engine_answer_request_finish (KoiEngine             *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);

/* Keeps @text (NULL or "" = none) as what the user typed in the chat and
 * did not send, so it survives a chat switch and a restart ("chat-updated"
 * follows when it changed). */
void                koi_engine_set_draft_async      (KoiEngine              *self,
                                                    gint64                  chat_id,
                                                    const char             *text,
                                                    GCancellable           *cancellable,
                                                    GAsyncReadyCallback     callback,
                                                    gpointer                user_data);
gboolean            koi_engine_set_draft_finish     (KoiEngine              *self,
                                                    GAsyncResult           *result,
                                                    GError                **error);

/* Sends a failed outgoing message again, to the recipients that refused it. */
void                koi_engine_retry_async          (KoiEngine              *self,
                                                    gint64                  message_id,
                                                    GCancellable           *cancellable,
                                                    GAsyncReadyCallback     callback,
                                                    gpointer                user_data);
/* Writes a new version of @address's card (the account's own address: the
 * user's profile) with @edit applied; block and unblock are edits too.
 * Returns the contact id. */
void                koi_engine_edit_contact_async   (KoiEngine              *self,
                                                     const char             *address,
                                                     const KoiContactEdit   *edit,
                                                     GCancellable           *cancellable,
                                                     GAsyncReadyCallback     callback,
                                                     gpointer                user_data);
gint64              koi_engine_edit_contact_finish  (KoiEngine              *self,
                                                     GAsyncResult           *result,
                                                     GError                **error);
gboolean            koi_engine_retry_finish         (KoiEngine              *self,
                                                    GAsyncResult           *result,
                                                    GError                **error);

/* Whether chat mail found in INBOX is moved to COI/Chats (default: the
 * account's "move_chat_mail" store setting, off). Never moved while another
 * chat app is known on the account. Takes effect at the next sync;
 * callable at any time. */
void                koi_engine_set_move_chat_mail   (KoiEngine              *self,
                                                    gboolean                move);

/* The user's answer to "coi-server-offered", kept with the account. Yes:
 * the worker turns filing on (SETMETADATA) at once and from then on uses
 * the server's folders and never moves chat mail itself. No: never asked
 * again. */
void                koi_engine_set_coi_filing_async (KoiEngine              *self,
                                                    gboolean                enable,
                                                    GCancellable           *cancellable,
                                                    GAsyncReadyCallback     callback,
                                                    gpointer                user_data);
gboolean            koi_engine_set_coi_filing_finish (KoiEngine             *self,
                                                    GAsyncResult           *result,
                                                    GError                **error);

/* Whether outgoing chat messages ask for read receipts and messages the
 * user saw get one (default: the account's "read_receipts" store setting,
 * on). Callable at any time; takes effect at the next command or pass. */
void                koi_engine_set_read_receipts    (KoiEngine              *self,
                                                    gboolean                enabled);

/* "Encrypt when possible" (default on): off, every mail goes plain even to
 * peers whose key is known. Incoming mail is decrypted either way. */
/* Images up to @bytes (in steps of 1000) download by themselves, 0: none;
 * -1: the account's "attachment_auto_download_max" store setting (10 MB
 * unless koi-cli set another). Takes effect at the next pass. */
void                koi_engine_set_auto_download_max (KoiEngine             *self,
                                                     gint64                 bytes);

void                koi_engine_set_encrypt          (KoiEngine              *self,
                                                    gboolean                encrypt);

/* A sync pass soon: after the own key changed (koi-engine-keyxfer.c). */
void                koi_engine_sync_soon            (KoiEngine              *self);

/* Moving the account's key to another device: the Autocrypt Setup
 * Message (docs/WIRE.md). Each runs on a thread of its own with its own
 * IMAP and store connections, like "Show Source".
 *
 * Transfer: puts a setup message with this device's key into INBOX and
 * finishes with the setup code (show it once, then wipe it with
 * koi_pgp_setup_code_free; never log it). Fails when this device has no
 * key. */
void                koi_engine_transfer_key_async   (KoiEngine              *self,
                                                     GCancellable           *cancellable,
                                                     GAsyncReadyCallback     callback,
                                                     gpointer                user_data);
char               *koi_engine_transfer_key_finish  (KoiEngine              *self,
                                                     GAsyncResult           *result,
                                                     GError                **error);
/* The setup message this device should offer to import: the newest one
 * the account sent itself, when this device lacks the key its own mail
 * shows (no key here, or another one). Finishes with its message id, or
 * 0 when there is nothing to offer. */
void                koi_engine_find_setup_async     (KoiEngine              *self,
                                                     GCancellable           *cancellable,
                                                     GAsyncReadyCallback     callback,
                                                     gpointer                user_data);
gint64              koi_engine_find_setup_finish    (KoiEngine              *self,
                                                     GAsyncResult           *result,
                                                     GError                **error);
/* Imports the setup message @message_ref (0: the newest of the account's
 * own that @code opens) with @code as typed by the user
 * (spaces and dashes as they come). A wrong code fails with
 * KOI_PGP_ERROR_WRONG_PASSPHRASE and changes nothing; a right one makes
 * the key this account's key here, and the next sync pass (started at
 * once) reads the encrypted mail this device could not read. */
void                koi_engine_import_setup_async   (KoiEngine              *self,
                                                     gint64                  message_ref,
                                                     const char             *code,
                                                     GCancellable           *cancellable,
                                                     GAsyncReadyCallback     callback,
                                                     gpointer                user_data);
gboolean            koi_engine_import_setup_finish  (KoiEngine              *self,
                                                     GAsyncResult           *result,
                                                     GError                **error);

G_END_DECLS
