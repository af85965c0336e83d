/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-account-config.h"
#include "koi-contact-requests.h"
#include "koi-contacts.h"
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

/* What changed in the store, by id, once it is committed. */
typedef struct {
  /* A new visible message is in the chat. */
  void (*message_added)   (gint64    chat_id,
                           gint64    message_ref,
                           gpointer  user_data);
  /* A message's content or state changed (sent, failed, edited, deleted,
   * a reaction or a receipt). */
  void (*message_updated) (gint64    chat_id,
                           gint64    message_ref,
                           gpointer  user_data);
  /* The chat's row in the list (order, preview, unread count) changed. */
  void (*chat_updated)    (gint64    chat_id,
                           gpointer  user_data);
  /* A contact's card changed (another device, an edit here). */
  void (*contact_updated) (gint64    contact_id,
                           gpointer  user_data);
  /* The SMTP server announced another largest message size (EHLO SIZE;
   * 0: none). May be NULL. */
  void (*smtp_size_limit) (guint64   bytes,
                           gpointer  user_data);
  /* A file of @message_ref is on its way (up or down): @done of @total
   * bytes; @done < 0 when the transfer ended. At most ten a second. May be
   * NULL. */
  void (*transfer_progress) (gint64    message_ref,
                             gint64    attachment_id,
                             gint64    done,
                             guint64   total,
                             gpointer  user_data);
  /* Whether the user asked to stop @message_ref's transfer; TRUE once per
   * request. Called on the syncer's thread. May be NULL. */
  gboolean (*transfer_cancelled) (gint64    message_ref,
                                  gpointer  user_data);
  /* The server can file chat mail itself (COI) and the user was not
   * asked yet (koi_syncer_enable_coi_server / save_coi_filing). */
  void (*coi_server_offered) (gpointer user_data);
  /* An Autocrypt Setup Message of the account arrived (another device
   * sent its key; koi-syncer-keyxfer.c). May be NULL. */
  void (*key_setup_arrived) (gpointer user_data);
} KoiSyncerEvents;

/* The account's store setting that keeps the server's EHLO SIZE from the
 * last connection, in bytes ("0": the server announced none). */
#define KOI_SMTP_SIZE_LIMIT_SETTING "smtp_size_limit"

/* What the account's server does with chat mail (docs/WIRE.md). */
typedef enum {
  KOI_COI_SERVER_NONE,     /* no COI capability: Koi files, if the user chose to */
  KOI_COI_SERVER_OFFERED,  /* COI server, filing off, the user not asked yet */
  KOI_COI_SERVER_DECLINED, /* COI server, the user said no */
  KOI_COI_SERVER_ENABLED,  /* the server files chat mail under its mailbox root */
} KoiCoiServerState;

typedef struct _KoiSyncer KoiSyncer;

/* The chat folder Koi keeps chat mail in when the server has no COI
 * support, with "/" as separator; the server's own separator is used on
 * the wire. */
#define KOI_SYNCER_CHATS_FOLDER "COI/Chats"
/* The same for the contact cards (docs/WIRE.md, "Contacts"). */
#define KOI_SYNCER_CONTACTS_FOLDER "COI/Contacts"

KoiSyncer *koi_syncer_new           (KoiStore               *store,
                                     const KoiAccountConfig *account,
                                     const KoiSyncerEvents  *events,
                                     gpointer                user_data);
void       koi_syncer_free          (KoiSyncer              *self);

/* The server's largest message as last seen (KOI_SMTP_SIZE_LIMIT_SETTING),
 * 0 if never seen or not announced. */
guint64    koi_syncer_get_smtp_size_limit (KoiSyncer           *self);

/* Images up to @bytes download by themselves (0: none), whatever the
 * account's "attachment_auto_download_max" store setting says; -1: that
 * setting again. */
void       koi_syncer_set_auto_download_max (KoiSyncer         *self,
                                             gint64             bytes);

/* Opens the IMAP connection and makes sure the chat folder exists. */
gboolean   koi_syncer_connect       (KoiSyncer              *self,
                                     GCancellable           *cancellable,
                                     GError                **error);
gboolean   koi_syncer_is_connected  (KoiSyncer              *self);
/* Logs out (politely if the line is alive) and forgets the connection. */
void       koi_syncer_disconnect    (KoiSyncer              *self);
/* What the current IMAP connection has moved so far (zeros when there is
 * none) and whether it is compressed (COMPRESS=DEFLATE); koi-cli sync
 * reports it. In koi-syncer-traffic.c. */
gboolean   koi_syncer_get_imap_traffic (KoiSyncer           *self,
                                        guint64             *wire_in,
                                        guint64             *plain_in,
                                        guint64             *wire_out,
                                        guint64             *plain_out);

/* Forgets the connection without a word to the server: for a line that
 * may have gone quiet, where even LOGOUT would be waited for. */
void       koi_syncer_drop_connection (KoiSyncer            *self);

/* The user's choice, kept in the account's "move_chat_mail" store setting
 * (the engine is the one writer of the store). */
gboolean   koi_syncer_save_move_chat_mail (KoiSyncer        *self,
                                           gboolean          move,
                                           GError          **error);

/* After connect: what the server offers and what the user chose. */
KoiCoiServerState koi_syncer_get_coi_server   (KoiSyncer        *self);
/* The user's answer, kept in the account's "coi_filing" store setting. */
gboolean   koi_syncer_save_coi_filing     (KoiSyncer        *self,
                                           gboolean          enable,
                                           GError          **error);
/* Saves "yes" and, on a connected COI server, turns filing on there
 * (SETMETADATA) and connects again to use the server's folders. */
gboolean   koi_syncer_enable_coi_server   (KoiSyncer        *self,
                                           GCancellable     *cancellable,
                                           GError          **error);
/* The chat folder as named on the wire (valid after connect). */
const char *koi_syncer_get_chats_folder   (KoiSyncer        *self);

/* Overrides the account's "move_chat_mail" store setting. */
/* "Encrypt when possible" (default on): off sends every mail plain. */
void       koi_syncer_set_encrypt        (KoiSyncer      *self,
                                          gboolean        encrypt);
void       koi_syncer_set_move_chat_mail (KoiSyncer         *self,
                                          gboolean           move);

/* Fetches what is new. @full: the chat folder and INBOX (at start and now
 * and then); otherwise INBOX only (after a push). Leaves INBOX selected. */
gboolean   koi_syncer_sync          (KoiSyncer              *self,
                                     gboolean                full,
                                     GCancellable           *cancellable,
                                     GError                **error);

/* Fetches what is new in the chat folder only (another device filed
 * something there). */
gboolean   koi_syncer_sync_chats    (KoiSyncer              *self,
                                     GCancellable           *cancellable,
                                     GError                **error);

/* Whether the server tells of changes in the chat folder during IDLE
 * (NOTIFY); otherwise the caller must look now and then. */
gboolean   koi_syncer_has_notify    (KoiSyncer              *self);

/* How long the server may take to answer the start and the end (DONE) of
 * an IDLE before the line counts as dead (KOI_IMAP_ERROR_TIMEOUT); 0: the
 * client's usual read timeout (60 s). Short IDLEs with a short answer
 * time find a line that died while idle (suspend, a new network). */
void       koi_syncer_set_idle_answer_timeout (KoiSyncer        *self,
                                               guint             timeout_ms);

/* Waits in IDLE on INBOX until the server reports a change in INBOX
 * (*out_changed) or, with NOTIFY, in the chat folder (*out_chats_changed),
 * @timeout_ms pass or @wake fires. */
gboolean   koi_syncer_idle          (KoiSyncer              *self,
                                     guint                   timeout_ms,
                                     GCancellable           *wake,
                                     gboolean               *out_changed,
                                     gboolean               *out_chats_changed,
                                     GCancellable           *cancellable,
                                     GError                **error);

/* The 1:1 chat with @address, created when missing. Returns its id, 0 on
 * error (KOI_ENGINE_ERROR_INVALID for an address Koi cannot send to). */
gint64     koi_syncer_create_chat   (KoiSyncer              *self,
                                     const char             *address,
                                     GError                **error);

/* Stores a chat text for the chat in the outbox (state queued) and reports
 * it. Returns the message's store id, 0 on error. */
gint64     koi_syncer_queue_text    (KoiSyncer              *self,
                                     gint64                  chat_id,
                                     const char             *text,
                                     GError                **error);

/* The same as a reply to @reply_to_ref (a message of the chat; 0 = the
 * chat's newest, as koi_syncer_queue_text): In-Reply-To names it and the
 * text part quotes it for mail programs. */
gint64     koi_syncer_queue_reply   (KoiSyncer              *self,
                                     gint64                  chat_id,
                                     const char             *text,
                                     gint64                  reply_to_ref,
                                     GError                **error);
/* Requests on a message of this account's chats, by its store id. Each is
 * stored and applied here at once, through the same rules as one that
 * arrives (koi-apply.h), then sent to the chat's peer and the account's
 * own address through the outbox: the request's row is hidden, so the
 * return value is that row's id, 0 on error. Only the author may edit or
 * delete for everyone (KOI_ENGINE_ERROR_INVALID otherwise). */
gint64     koi_syncer_queue_edit    (KoiSyncer              *self,
                                     gint64                  message_ref,
                                     const char             *text,
                                     GError                **error);
gint64     koi_syncer_queue_delete  (KoiSyncer              *self,
                                     gint64                  message_ref,
                                     GError                **error);
/* @emoji: one reaction, or "" to take this account's reaction back. */
gint64     koi_syncer_queue_reaction (KoiSyncer             *self,
                                      gint64                 message_ref,
                                      const char            *emoji,
                                      GError               **error);
/* Removes the ciphertexts in attachments/outgoing/ that no outbox entry
 * can send any more, of files last written before @before_us (real time):
 * what a crash or an older version left. The engine calls it at start. */
gboolean   koi_syncer_sweep_outgoing_ciphers (KoiSyncer         *self,
                                              gint64             before_us,
                                              GError           **error);
/* Delete for me: the message's text leaves this device's store and its
 * bubble the chat; nothing is sent. */
gboolean   koi_syncer_delete_local  (KoiSyncer              *self,
                                     gint64                  message_ref,
                                     GError                **error);
/* Marks the chat's messages read here; the next koi_syncer_push_seen()
 * sets \Seen on their server copies. */
gboolean   koi_syncer_mark_read     (KoiSyncer              *self,
                                     gint64                  chat_id,
                                     GError                **error);

/* The same; @shown FALSE: read without being seen in the window (from a
 * notification's "Mark as Read"), so no read receipt is sent. */
gboolean   koi_syncer_mark_read_full (KoiSyncer             *self,
                                      gint64                 chat_id,
                                      gboolean               shown,
                                      GError               **error);

/* The user's answer to the contact request @chat_id. Accepting a 1:1
 * chat writes the sender's card (so the user's other devices let it in
 * too); blocking writes it blocked. "chat-updated" follows. */
gboolean   koi_syncer_answer_request (KoiSyncer             *self,
                                      gint64                 chat_id,
                                      KoiRequestAnswer       answer,
                                      GError               **error);

/* Keeps @text (NULL or "" = none) as the chat's unsent draft;
 * "chat-updated" follows when it changed. */
gboolean   koi_syncer_set_draft     (KoiSyncer              *self,
                                     gint64                  chat_id,
                                     const char             *text,
                                     GError                **error);

/* The mail's bytes from the server ("Show Source"), by its stored
 * location (koi-syncer-reparse.c). */
GBytes    *koi_syncer_fetch_source  (KoiSyncer              *self,
                                     gint64                  message_ref,
                                     GCancellable           *cancellable,
                                     GError                **error);

/* The user asks to send a failed message again (to the recipients that
 * refused it). */
gboolean   koi_syncer_retry         (KoiSyncer              *self,
                                     gint64                  message_ref,
                                     GError                **error);

/* Read receipts (koi-syncer-receipts.c): requested on outgoing chat
 * messages and sent for messages the user saw, while enabled: the
 * override set here, else the account's "read_receipts" store setting
 * (default on). */
gboolean   koi_syncer_read_receipts_enabled (KoiSyncer      *self);
void       koi_syncer_set_read_receipts     (KoiSyncer      *self,
                                             gboolean        enabled);
/* Stores the choice in the account's setting (and drops the override). */
gboolean   koi_syncer_save_read_receipts    (KoiSyncer      *self,
                                             gboolean        enabled,
                                             GError        **error);
/* Queues the receipts that became due when the user saw messages, after
 * checking and setting $MDNSent on the server (so no other device of the
 * user sends one too). May leave another folder than INBOX selected. */
gboolean   koi_syncer_send_receipts         (KoiSyncer      *self,
                                             GCancellable   *cancellable,
                                             GError        **error);

/* Sets \Seen on the server for what was read here since the last push. */
gboolean   koi_syncer_push_seen     (KoiSyncer              *self,
                                     GCancellable           *cancellable,
                                     GError                **error);

/* Sends what the outbox holds: items that are due, or all of them with
 * @force. Per-message outcomes are recorded in the store and reported;
 * FALSE + error when the SMTP server could not be used at all (the items
 * stay queued and are rescheduled), or when the store did not take an
 * outcome: then nothing more is sent until a later call has recorded it,
 * so an accepted recipient never gets a message twice. */
gboolean   koi_syncer_send_queued   (KoiSyncer              *self,
                                     gboolean                force,
                                     GCancellable           *cancellable,
                                     GError                **error);

/* When the outbox wants the next attempt (ms since the epoch), 0 = never. */
gint64     koi_syncer_next_send_ms  (KoiSyncer              *self);

/* Checks an address as Koi would send to it: exactly one mailbox, no
 * spaces or line breaks. */
gboolean   koi_address_is_valid     (const char             *address);

/* Contacts (koi-syncer-contacts.c). Writes the new version of @address's
 * card (the user's own when it is the account's address) into the store
 * at once; koi_syncer_push_contacts() APPENDs it. Returns the contact id. */
gint64     koi_syncer_edit_contact  (KoiSyncer              *self,
                                     const char             *address,
                                     const KoiContactEdit   *edit,
                                     GError                **error);
/* APPENDs the versions written here, then removes the versions that lost
 * from the server (\Deleted + UID EXPUNGE). */
gboolean   koi_syncer_push_contacts (KoiSyncer              *self,
                                     GCancellable           *cancellable,
                                     GError                **error);
/* Syncs the contacts folder alone. */
gboolean   koi_syncer_sync_contacts (KoiSyncer              *self,
                                     GCancellable           *cancellable,
                                     GError                **error);
const char *koi_syncer_get_contacts_folder (KoiSyncer       *self);

/* Attachments (koi-syncer-attachments.c, koi-syncer-send-file.c). Fetches
 * what was asked for and images up to the auto-download size (the
 * account's "attachment_auto_download_max" setting, default 10 MB). */
gboolean   koi_syncer_download_attachments (KoiSyncer       *self,
                                     GCancellable           *cancellable,
                                     GError                **error);
/* Asks for every attachment of the message not yet here; returns how
 * many, -1 on error. The worker fetches them (wake it). */
gint       koi_syncer_request_download (KoiSyncer           *self,
                                     gint64                  message_ref,
                                     GError                **error);
/* Queues @path as a file message with @caption (may be NULL), answering
 * @reply_to_ref (0: none) with its quote as a text reply does: the file is
 * copied into the attachment folder (content-addressed) and the outbox
 * keeps a reference to it. Returns the message id. */
gint64     koi_syncer_queue_file    (KoiSyncer              *self,
                                     gint64                  chat_id,
                                     const char             *path,
                                     const char             *caption,
                                     gint64                  reply_to_ref,
                                     GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiSyncer, koi_syncer_free)

/* koi-syncer-keyxfer.c: the Autocrypt Setup Message. Send: the code
 * (free with koi_pgp_setup_code_free). Import (message_ref 0: the newest
 * own setup message the code opens): the key's fingerprint;
 * KOI_PGP_ERROR_WRONG_PASSPHRASE for a wrong code, nothing changed. */
char      *koi_syncer_send_setup_message   (KoiSyncer     *self,
                                            GCancellable  *cancellable,
                                            GError       **error);
char      *koi_syncer_import_setup_message (KoiSyncer     *self,
                                            gint64         message_ref,
                                            const char    *code,
                                            GCancellable  *cancellable,
                                            GError       **error);
gboolean   koi_syncer_needs_setup_code     (KoiStore      *store,
                                            gint64         account_id,
                                            const char    *address);

G_END_DECLS
