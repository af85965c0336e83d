/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-account.h"
#include "koi-account-setup.h"
#include "koi-store-reader.h"

G_BEGIN_DECLS

#define KOI_TYPE_SESSION (koi_session_get_type ())
G_DECLARE_FINAL_TYPE (KoiSession, koi_session, KOI, SESSION, GObject)

/*
 * KoiSession: the application's entry to the model, for one profile folder.
 * koi_session_load_async() reads the accounts (reader thread), looks up each
 * password in the keyring, and creates and starts one KoiEngine per
 * account. An account whose engine cannot start (no password in the
 * keyring, ...) is still listed, with its "last-error" set.
 *
 * Properties: profile-dir (construct-only), loaded (TRUE once load
 * finished). Dropping the session stops its engines.
 */

KoiSession     *koi_session_new                (const char           *profile_dir);
const char     *koi_session_get_profile_dir    (KoiSession           *self);
KoiStoreReader *koi_session_get_reader         (KoiSession           *self);
/* GListModel of KoiAccount, in the store's order. */
GListModel     *koi_session_get_accounts       (KoiSession           *self);
/* The account with @account_id, else NULL (borrowed). */
KoiAccount     *koi_session_find_account       (KoiSession           *self,
                                                gint64                account_id);
gboolean        koi_session_get_loaded         (KoiSession           *self);

void            koi_session_load_async         (KoiSession           *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean        koi_session_load_finish        (KoiSession           *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* Loading fails with KOI_STORE_ERROR_CORRUPT, _TOO_NEW, _BUSY or _FULL
 * when the store cannot be used (koi_store_check()); nothing has opened it
 * then. For a damaged one, this sets it aside and rebuilds the accounts
 * from their spare copy (koi_store_repair()); load again afterwards, and
 * the engines fetch the chats from the server. Finishes with how many
 * accounts came back (-1 on error). */
void            koi_session_repair_store_async  (KoiSession           *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gint            koi_session_repair_store_finish (KoiSession           *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

/* The network monitor whose changes reconnect the engines at once
 * (koi-network-watch.h); NULL, the default, is GLib's. For tests, which
 * cannot change the machine's network. */
void            koi_session_set_network_monitor (KoiSession          *self,
                                                 GNetworkMonitor     *monitor);

/* The sending server refused the account's password (the account's
 * "sending-refused"): checks @password with it on a worker thread, saves
 * it in the keyring for SMTP only, and restarts the engine with it.
 * Errors are the check's (KOI_SMTP_ERROR_AUTH_FAILED, ...). */
void            koi_session_set_smtp_password_async  (KoiSession          *self,
                                                      KoiAccount          *account,
                                                      const char          *password,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean        koi_session_set_smtp_password_finish (KoiSession          *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

/* Reads @account's password from the keyring again and starts its engine
 * (after the keyring was unlocked: koi_account_get_stopped()). Nothing
 * when it runs already. */
void            koi_session_retry_account      (KoiSession           *self,
                                                KoiAccount           *account);

/* Verifies the logins and saves the account (koi_account_setup_async()),
 * then adds it to the accounts and starts its engine. Errors are the
 * setup's (KOI_IMAP_ERROR / KOI_SMTP_ERROR, words for the user).
 * Finishes with the account (transfer full). */
void            koi_session_add_account_async  (KoiSession                *self,
                                                const KoiAccountSettings  *settings,
                                                GCancellable              *cancellable,
                                                GAsyncReadyCallback        callback,
                                                gpointer                   user_data);
KoiAccount     *koi_session_add_account_finish (KoiSession                *self,
                                                GAsyncResult              *result,
                                                GError                   **error);

/* Stops the account's engine, deletes its local data and keyring items
 * (koi_account_remove_sync(); never anything on the server), then drops
 * it from the accounts. */
void            koi_session_remove_account_async  (KoiSession           *self,
                                                   KoiAccount           *account,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
gboolean        koi_session_remove_account_finish (KoiSession           *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);

/* TRUE while an account still writes something the user typed (a
 * draft) to its store. */
gboolean        koi_session_get_saving         (KoiSession           *self);

/* Stops every engine (also done on dispose). */
void            koi_session_shutdown           (KoiSession           *self);

/* Whether chat mail is moved out of INBOX (the user's preference), for
 * every account now and later. */
/* Loading takes the profile folder's lock (koi-profile-lock.h) and fails
 * with KOI_STORE_ERROR_BUSY while another process holds it. The window
 * sets it before the first load; tests that open one profile twice in one
 * process leave it off. */
void             koi_session_set_exclusive      (KoiSession *self,
                                                 gboolean    exclusive);
void             koi_session_set_move_chat_mail (KoiSession *self,
                                                 gboolean    move);
/* Whether read receipts are asked for and sent (the user's preference),
 * for every account now and later. */
void             koi_session_set_encrypt        (KoiSession *self,
                                                 gboolean    encrypt);
/* Every engine's koi_engine_set_auto_download_max, now and for accounts
 * added later. */
void             koi_session_set_auto_download_max (KoiSession *self,
                                                 gint64      bytes);
void             koi_session_set_read_receipts  (KoiSession *self,
                                                 gboolean    enabled);

G_END_DECLS
