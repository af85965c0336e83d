/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-chat-list.h"
#include "koi-message-list.h"
#include "koi-engine.h"
#include "koi-store-reader.h"

G_BEGIN_DECLS

/**
 * KoiAccountStopped:
 * Why the account has no engine although it should run: the session could
 * not start one, and only the user can change that.
 * @KOI_ACCOUNT_STOPPED_NONE: running, or not started yet
 * @KOI_ACCOUNT_STOPPED_NO_PASSWORD: the keyring has no password for it
 *   (reset, or a new keyring): asking the user is the way on
 * @KOI_ACCOUNT_STOPPED_KEYRING: the keyring could not be read (locked, no
 *   Secret Service): trying again after unlocking it is the way on
 */
typedef enum {
  KOI_ACCOUNT_STOPPED_NONE,
  KOI_ACCOUNT_STOPPED_NO_PASSWORD,
  KOI_ACCOUNT_STOPPED_KEYRING,
} KoiAccountStopped;

#define KOI_TYPE_ACCOUNT (koi_account_get_type ())
G_DECLARE_FINAL_TYPE (KoiAccount, koi_account, KOI, ACCOUNT, GObject)

/*
 * One email account as the UI sees it. Properties:
 *   id (gint64), address, display-name (may be NULL), title (display name,
 *   else address), connection-state (int, a KoiConnectionState mirrored from
 *   the engine; OFFLINE without one), engine (KoiEngine, NULL until started),
 *   last-error (string, NULL when fine: a sentence for the user, e.g. no
 *   password in the keyring, or the engine's last "error"),
 *   other-chat-client (string, NULL when none: "delta-chat" or "other" once
 *   the engine has seen another chat app on the account; read from the
 *   store when the engine starts and after each sync), disk-full (TRUE
 *   from the engine's KOI_STORE_ERROR_FULL until it is online again after
 *   a sync pass that stored everything).
 *
 * Signals, relayed from whichever engine runs the account, so a list keeps
 * updating across engine restarts: "message-added" (gint64 chat_id, gint64
 * message_id), "message-updated" (same), "chat-updated" (gint64 chat_id), "contact-updated" (gint64 contact_id),
 * "sync-finished" (), "coi-server-offered" () (the server can file chat mail
 * itself and the user was not asked yet: koi_engine_set_coi_filing_async()),
 * "key-setup-arrived" () (another device sent the account's key).
 */

KoiAccount   *koi_account_new                  (KoiStoreReader       *reader,
                                                gint64                id,
                                                const char           *address,
                                                const char           *display_name);

gint64        koi_account_get_id               (KoiAccount           *self);
const char   *koi_account_get_address          (KoiAccount           *self);
const char   *koi_account_get_display_name     (KoiAccount           *self);
const char   *koi_account_get_title            (KoiAccount           *self);
KoiConnectionState koi_account_get_connection_state (KoiAccount      *self);
KoiEngine    *koi_account_get_engine           (KoiAccount           *self);
/* Why the engine is not connected (NONE without an engine); property
 * "connection-problem", notified when it changes. */
KoiConnectionProblem koi_account_get_connection_problem (KoiAccount  *self);
/* Ends the engine's reconnect backoff: it tries at once. */
void          koi_account_reconnect_now        (KoiAccount           *self);
const char   *koi_account_get_last_error       (KoiAccount           *self);
const char   *koi_account_get_other_chat_client (KoiAccount          *self);
gboolean      koi_account_get_disk_full        (KoiAccount           *self);
/* Whether the last error was a server certificate Koi refused (not
 * trusted, or not the one trusted): the certificate review can help.
 * Cleared when the account connects again. */
gboolean      koi_account_get_certificate_refused (KoiAccount        *self);
/* Whether the server offered COI filing and the user was not asked yet. */
gboolean      koi_account_get_coi_offered      (KoiAccount           *self);
/* The user's answer: saved by the engine (asked once per account); yes
 * turns filing on at the server at once. */
void          koi_account_answer_coi_offer     (KoiAccount           *self,
                                                gboolean              enable);

/* The account's chats (created on first use, then the same object). */
KoiChatList  *koi_account_get_chats            (KoiAccount           *self);
/* The reader the account's lists use (for one-off reads off the main thread). */
KoiStoreReader *koi_account_get_reader         (KoiAccount           *self);
/* A new paged list of one chat's messages, live while the engine runs. */
KoiMessageList *koi_account_create_message_list (KoiAccount          *self,
                                                 gint64               chat_id);

/* Whether the sending server refused the password (property
 * "sending-refused"), while receiving may work: the window asks for the
 * sending password (koi_session_set_smtp_password_async()). */
gboolean      koi_account_get_sending_refused  (KoiAccount           *self);
/* Why no engine runs (property "stopped", an int), and the servers as
 * stored (no password), so a prompt can log in without an engine. */
KoiAccountStopped koi_account_get_stopped      (KoiAccount           *self);
/* The account's servers: the engine's, else the stored ones kept with
 * koi_account_set_stopped(); NULL when neither is known. */
const KoiAccountConfig *koi_account_get_servers (KoiAccount          *self);

/* Used by KoiSession. */
void          koi_account_set_engine           (KoiAccount           *self,
                                                KoiEngine            *engine);
/* @servers (copied, may be NULL) are kept for koi_account_get_servers();
 * setting an engine clears the reason. */
void          koi_account_set_stopped          (KoiAccount           *self,
                                                KoiAccountStopped     stopped,
                                                const KoiAccountConfig *servers);
void          koi_account_set_last_error       (KoiAccount           *self,
                                                const char           *last_error);

/* Commands, forwarded to the account's engine (the one writer of the
 * store); G_IO_ERROR_NOT_CONNECTED when the account has no engine. */

/* The 1:1 chat with @address, created when missing. Finishes with its id. */
void          koi_account_create_chat_async    (KoiAccount           *self,
                                                const char           *address,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gint64        koi_account_create_chat_finish   (KoiAccount           *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* Finishes with the new message's store id once it is queued. */
void          koi_account_send_text_async      (KoiAccount           *self,
                                                gint64                chat_id,
                                                const char           *text,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
/* Queues the file at @path with @caption (may be NULL), answering
 * @reply_to (0: none) with its quote; it is copied into the profile and
 * streamed from there when sent. Finish with
 * koi_account_send_text_finish() (the message id). */
void          koi_account_send_file_async      (KoiAccount           *self,
                                                gint64                chat_id,
                                                const char           *path,
                                                const char           *caption,
                                                gint64                reply_to,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gint64        koi_account_send_text_finish     (KoiAccount           *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* Groups (koi-engine.h): finish with the new chat's id / the change's
 * message id once it is queued. */
void          koi_account_create_group_async   (KoiAccount           *self,
                                                const char           *name,
                                                const char * const   *addresses,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gint64        koi_account_create_group_finish  (KoiAccount           *self,
                                                GAsyncResult         *result,
                                                GError              **error);
void          koi_account_change_group_async   (KoiAccount           *self,
                                                gint64                chat_id,
                                                KoiGroupChange        change,
                                                const char           *argument,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gint64        koi_account_change_group_finish  (KoiAccount           *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* A reply to @reply_to_id (0: a plain send); finish with
 * koi_account_send_text_finish(). */
void          koi_account_send_reply_async     (KoiAccount           *self,
                                                gint64                chat_id,
                                                const char           *text,
                                                gint64                reply_to_id,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);

/* Requests on a message (see koi_engine_edit_async() and friends); each
 * finishes with koi_account_request_finish() once this device's store has
 * it. */
void          koi_account_edit_async           (KoiAccount           *self,
                                                gint64                message_id,
                                                const char           *text,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
void          koi_account_delete_async         (KoiAccount           *self,
                                                gint64                message_id,
                                                gboolean              for_everyone,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
void          koi_account_react_async          (KoiAccount           *self,
                                                gint64                message_id,
                                                const char           *emoji,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean      koi_account_request_finish       (KoiAccount           *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* A new version of @address's card (the account's own address: the
 * profile), written on the engine's command thread and synced to the
 * user's other devices. Answers the contact id. */
void          koi_account_edit_contact_async   (KoiAccount           *self,
                                                const char           *address,
                                                const KoiContactEdit *edit,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gint64        koi_account_edit_contact_finish  (KoiAccount           *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* The message's raw mail as the server holds it ("Show Source",
 * koi_engine_fetch_source_async()); G_IO_ERROR_NOT_CONNECTED without an
 * engine. Finishes with the bytes (transfer full). */
void          koi_account_fetch_source_async   (KoiAccount           *self,
                                                gint64                message_id,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
GBytes       *koi_account_fetch_source_finish  (KoiAccount           *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* Marks the chat read here and on the server (no-op without an engine). */
void          koi_account_mark_read            (KoiAccount           *self,
                                                gint64                chat_id);
/* Read without being seen in the window: no read receipt is sent. */
void          koi_account_mark_read_unseen     (KoiAccount           *self,
                                                gint64                chat_id);

/* Retries a failed outgoing message (no-op without an engine). */
/* Answers the contact request @chat_id; an error shows as last-error. */
void          koi_account_answer_request       (KoiAccount           *self,
                                                gint64                chat_id,
                                                KoiRequestAnswer      answer);
/* Keeps @text as the chat's draft (NULL or "" = none); fire and forget. */
void          koi_account_set_draft            (KoiAccount           *self,
                                                gint64                chat_id,
                                                const char           *text);
/* TRUE while a draft is on its way to the store: quitting now would lose
 * it, so the application lets the main loop run until this is FALSE. */
gboolean      koi_account_get_saving           (KoiAccount           *self);
/* Fetches the message's files that are not here yet (the worker does;
 * the message's attachments then move on in place). */
void          koi_account_download             (KoiAccount           *self,
                                                gint64                message_id);
/* Stops the message's file on its way up or down (koi_engine_cancel_transfer). */
void          koi_account_cancel_transfer      (KoiAccount           *self,
                                                gint64                message_id);
void          koi_account_retry                (KoiAccount           *self,
                                                gint64                message_id);

G_END_DECLS
