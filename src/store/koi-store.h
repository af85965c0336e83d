/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "koi-store-error.h"

G_BEGIN_DECLS

/*
 * KoiStore: Koi's local database (SQLite, WAL). Every SQL statement of the
 * program lives behind this header.
 *
 * Threads: a KoiStore is ONE sqlite3 connection and must be used by one
 * thread at a time. Each thread that needs the database opens its own
 * KoiStore on the same file (the account's engine thread writes, the UI
 * reads on a worker). WAL lets readers page while a writer commits; every
 * connection waits up to 5 s for a lock instead of failing at once.
 *
 * Times are milliseconds since the Unix epoch (UTC). Ids are SQLite rowids
 * (> 0); functions that look a row up return 0 for "none" without an error.
 * Strings are UTF-8; addresses compare case-insensitively (ASCII).
 *
 * Every function that can fail takes a GError; on failure nothing that call
 * wrote is kept (each call is atomic on its own, or part of the caller's
 * koi_store_begin()/koi_store_commit() transaction).
 */

/* On-disk values: frozen. Never renumber, only append. */
typedef enum {
  KOI_STORE_DIRECTION_INCOMING = 0,
  KOI_STORE_DIRECTION_OUTGOING = 1,
} KoiStoreDirection;

typedef enum {
  KOI_STORE_STATE_RECEIVED = 0,
  KOI_STORE_STATE_QUEUED   = 1,
  KOI_STORE_STATE_SENDING  = 2,
  KOI_STORE_STATE_SENT     = 3,
  KOI_STORE_STATE_FAILED   = 4,
} KoiStoreMessageState;

typedef enum {
  KOI_STORE_KIND_CHAT  = 0,  /* a COI / chat message */
  KOI_STORE_KIND_EMAIL = 1,  /* ordinary email */
} KoiStoreMessageKind;

typedef enum {
  KOI_STORE_CHAT_1TO1  = 0,
  KOI_STORE_CHAT_GROUP = 1,
} KoiStoreChatKind;

typedef enum {
  KOI_STORE_RECIPIENT_PENDING  = 0,
  KOI_STORE_RECIPIENT_ACCEPTED = 1,
  KOI_STORE_RECIPIENT_REFUSED  = 2,
} KoiStoreRecipientState;

/* A message's OpenPGP signature, as the engine judged it when it
 * decrypted the mail (messages.signature). */
typedef enum {
  KOI_STORE_SIGNATURE_NONE    = 0,  /* not signed (or not encrypted) */
  KOI_STORE_SIGNATURE_VALID   = 1,  /* valid, by the sender's known key */
  KOI_STORE_SIGNATURE_BAD     = 2,  /* does not verify */
  KOI_STORE_SIGNATURE_UNKNOWN = 3,  /* by a key Koi does not know for the sender */
} KoiStoreSignature;

/* The schema version this build writes (PRAGMA user_version). */
#define KOI_STORE_SCHEMA_VERSION 11

typedef struct _KoiStore KoiStore;

/* ------------------------------------------------------------------ */
/* Connection */

/* Opens (creating if needed) the database at @path and migrates it to
 * KOI_STORE_SCHEMA_VERSION. The parent folder must exist. A file from a newer
 * Koi fails with KOI_STORE_ERROR_TOO_NEW and is not modified. A damaged
 * file (KOI_STORE_ERROR_CORRUPT) is renamed to @path.damaged-DATE, kept,
 * and the error says so: the next open starts an empty store. */
KoiStore  *koi_store_open                (const char  *path,
                                          GError     **error);
/* Whether koi_store_open() can use @path, found without changing the
 * file (koi-store-check.c): FALSE with KOI_STORE_ERROR_CORRUPT, _TOO_NEW,
 * _BUSY or _FULL. A missing file is fine. */
gboolean   koi_store_check               (const char  *path,
                                          GError     **error);
/* Renames @path with its -wal and -shm to PATH.damaged-DATE (never
 * deleted); returns the new name. */
char      *koi_store_set_aside           (const char  *path,
                                          GError     **error);
/* Finalizes the cached statements and closes the connection. NULL is fine. */
void       koi_store_close               (KoiStore    *store);
/* PRAGMA user_version of the open file. */
int        koi_store_get_schema_version  (KoiStore    *store);
/* The file name given to koi_store_open(). */
const char *koi_store_get_path           (KoiStore    *store);

/* An explicit write transaction (BEGIN IMMEDIATE), e.g. one per fetched
 * batch. The store's own calls nest inside it. */
gboolean   koi_store_begin               (KoiStore    *store,
                                          GError     **error);
gboolean   koi_store_commit              (KoiStore    *store,
                                          GError     **error);
/* Undoes everything since koi_store_begin(); harmless without one. */
void       koi_store_rollback            (KoiStore    *store);

/* ------------------------------------------------------------------ */
/* Accounts (no password: that lives in libsecret) */

typedef struct {
  gint64   id;
  char    *address;
  char    *display_name;
  char    *imap_host;
  guint16  imap_port;
  char    *imap_security;   /* free text the engine defines, e.g. "tls", "starttls" */
  char    *imap_login;
  char    *smtp_host;
  guint16  smtp_port;
  char    *smtp_security;
  char    *smtp_login;
  char    *ca_file;         /* extra CA to trust, or NULL */
  /* The certificate the user trusted for the IMAP (SMTP) host and port,
   * or NULL: "sha256//BASE64" of its public key, and its SHA-256. */
  char    *imap_pin_key;
  char    *imap_pin_cert;
  char    *smtp_pin_key;
  char    *smtp_pin_cert;
} KoiStoreAccount;

/* Inserts or updates the account with @account->address (id is ignored).
 * Returns its id, 0 on error. */
gint64           koi_store_account_upsert (KoiStore               *store,
                                           const KoiStoreAccount  *account,
                                           GError                **error);
/* All accounts, oldest first; of KoiStoreAccount*, free func set. */
GPtrArray       *koi_store_account_list   (KoiStore               *store,
                                           GError                **error);
/* NULL + KOI_STORE_ERROR_NOT_FOUND if there is no such account. */
KoiStoreAccount *koi_store_account_get    (KoiStore               *store,
                                           gint64                  id,
                                           GError                **error);
/* Removes the account and everything stored for it. */
gboolean         koi_store_account_delete (KoiStore               *store,
                                           gint64                  id,
                                           GError                **error);
/* Trusts a certificate for the account's IMAP ("imap") or SMTP ("smtp")
 * server: key pin and fingerprint as in KoiStoreAccount; NULL forgets it. */
gboolean         koi_store_account_set_pin (KoiStore              *store,
                                            gint64                 id,
                                            const char            *protocol,
                                            const char            *pin_key,
                                            const char            *pin_cert,
                                            GError               **error);
void             koi_store_account_free   (KoiStoreAccount        *account);

/* ------------------------------------------------------------------ */
/* Contacts */

typedef struct {
  gint64    id;
  gint64    account_id;
  char     *address;
  char     *display_name;
  char     *vcard;          /* contact.vcf as received, or NULL */
  char     *contact_json;   /* contact.json as received, or NULL */
  gboolean  blocked;
  gboolean  is_me;
  gint64    updated_at_ms;
  gint64    card_ref;       /* the card version in use (contact_cards), or 0 */
  gboolean  muted;          /* contact.json notification.enabled = false */
} KoiStoreContact;

/* Creates the contact (account_id, address) if missing and returns its id.
 * A non-empty @display_name replaces the stored one. */
gint64           koi_store_contact_ensure  (KoiStore               *store,
                                            gint64                  account_id,
                                            const char             *address,
                                            const char             *display_name,
                                            GError                **error);
/* Inserts or updates every field of @contact (by account_id + address);
 * NULL strings keep what is stored. Returns the id. */
gint64           koi_store_contact_upsert  (KoiStore               *store,
                                            const KoiStoreContact  *contact,
                                            GError                **error);
/* NULL without error when there is no such contact. */
KoiStoreContact *koi_store_contact_find    (KoiStore               *store,
                                            gint64                  account_id,
                                            const char             *address,
                                            GError                **error);
/* All contacts of the account, by address; of KoiStoreContact*. */
GPtrArray       *koi_store_contact_list    (KoiStore               *store,
                                            gint64                  account_id,
                                            GError                **error);
void             koi_store_contact_free    (KoiStoreContact        *contact);
/* NULL without error when there is no such contact. */
KoiStoreContact *koi_store_contact_get     (KoiStore               *store,
                                            gint64                  id,
                                            GError                **error);
/* Is mail from @address to be hidden? */
gboolean         koi_store_contact_is_blocked (KoiStore            *store,
                                               gint64               account_id,
                                               const char          *address);
/* The card in use changed: every field from it, and the 1:1 chat's name
 * and mute follow. Returns the 1:1 chat's id (0: none) in @out_chat_id. */
gboolean         koi_store_contact_set_card (KoiStore              *store,
                                             const KoiStoreContact *contact,
                                             gint64                *out_contact_id,
                                             gint64                *out_chat_id,
                                             GError               **error);

/* Mail that came while @address was blocked (kept without a chat) goes
 * into @chat_id (<= 0: the 1:1 chat with @address, made when there is
 * any), read. Returns the message ids moved (gint64), or NULL. */
GArray          *koi_store_message_reveal_blocked (KoiStore       *store,
                                                   gint64          account_id,
                                                   const char     *address,
                                                   gint64          chat_id,
                                                   GError        **error);

/* Contact card versions (the "Chat: Contact" messages), migration 4 */

typedef struct {
  gint64    message_ref;    /* the hidden message row of this version */
  gint64    account_id;
  char     *address;
  gint64    date_ms;        /* its Date */
  char     *vcard;
  char     *contact_json;
  char     *headers;        /* the COI fields, see koi-contact-card.h */
  GBytes   *raw;            /* written here and not yet on the server */
} KoiStoreCard;

gboolean         koi_store_card_add        (KoiStore               *store,
                                            const KoiStoreCard     *card,
                                            GError                **error);
/* The version that counts for @address: newest Date, then highest UID
 * (a version not on the server yet counts as newest: it will get the
 * highest), then the last one stored. NULL without error when none. */
KoiStoreCard    *koi_store_card_winner     (KoiStore               *store,
                                            gint64                  account_id,
                                            const char             *address,
                                            GError                **error);
/* Every address with a card version; of char*. */
GPtrArray       *koi_store_card_addresses  (KoiStore               *store,
                                            gint64                  account_id,
                                            GError                **error);
/* Versions written here that wait for their APPEND; of KoiStoreCard*. */
GPtrArray       *koi_store_card_list_pending (KoiStore             *store,
                                              gint64                account_id,
                                              GError              **error);
gboolean         koi_store_card_set_uploaded (KoiStore             *store,
                                              gint64                message_ref,
                                              GError              **error);
/* UIDs in @folder (at @uidvalidity) of versions that lost to a version
 * already on the server: to be expunged. The message refs in @out_refs. */
GArray          *koi_store_card_list_superseded (KoiStore          *store,
                                                 gint64             account_id,
                                                 const char        *folder,
                                                 guint32            uidvalidity,
                                                 GArray           **out_refs,
                                                 GError           **error);
/* Forgets a version (it lost, and is gone from the server or was never
 * sent); its hidden message row stays, so it is never fetched again. */
gboolean         koi_store_card_remove     (KoiStore               *store,
                                            gint64                  message_ref,
                                            GError                **error);
void             koi_store_card_free       (KoiStoreCard           *card);

/* ------------------------------------------------------------------ */
/* Chats */

typedef struct {
  gint64    id;
  gint64    account_id;
  int       kind;             /* KoiStoreChatKind */
  char     *peer_address;     /* 1:1 only */
  char     *name;
  gint64    last_activity_ms;
  guint     unread_count;
  char     *last_text;        /* preview of the newest message, or NULL */
  char     *last_from;        /* its sender's name, else address */
  int       last_direction;   /* KoiStoreDirection, -1 without a message */
  int       last_state;       /* KoiStoreMessageState, -1 without a message */
  char     *group_id;         /* groups only */
  gboolean  archived;
  gboolean  muted;
  /* The last message's group info line (koi-store-group.h), 0 = none. */
  int       last_group_info;
  char     *last_group_info_arg;
  /* What the user typed and did not send yet, or NULL. */
  char     *draft;
  int       request;          /* KoiStoreChatRequest */
  /* The chat holds only ordinary email (no chat message). */
  gboolean  email_only;
  /* A group the user left or was removed from. */
  gboolean  not_member;
  /* Every other member's OpenPGP key is known (peer_keys). */
  gboolean  keys_known;
} KoiStoreChat;

/* Whether the user let a chat in (docs/ARCHITECTURE.md, "Contact
 * requests"). A chat that a stranger's mail starts is a request until the
 * user accepts it, writes in it, or adds the sender to the contacts. */
typedef enum {
  KOI_STORE_CHAT_ACCEPTED  = 0,
  KOI_STORE_CHAT_REQUEST   = 1,
  /* The user deleted or blocked the request: not listed; the mail stays
   * on the server. New mail from the sender asks again. */
  KOI_STORE_CHAT_DISMISSED = 2,
} KoiStoreChatRequest;

/* The 1:1 chat with @peer_address, created (with its contact and
 * membership) when missing. A non-empty @peer_name renames it. Returns the
 * chat id, 0 on error. */
gint64        koi_store_chat_ensure_1to1   (KoiStore     *store,
                                            gint64        account_id,
                                            const char   *peer_address,
                                            const char   *peer_name,
                                            GError      **error);
/* The group chat with @group_id, created when missing. A non-empty @name
 * renames it. Returns the chat id, 0 on error. */
gint64        koi_store_chat_ensure_group  (KoiStore     *store,
                                            gint64        account_id,
                                            const char   *group_id,
                                            const char   *name,
                                            GError      **error);
/* Chats of the account, newest activity first (last_activity_ms DESC,
 * id DESC); of KoiStoreChat*, free func set. */
GPtrArray    *koi_store_chat_list          (KoiStore     *store,
                                            gint64        account_id,
                                            GError      **error);
/* NULL + KOI_STORE_ERROR_NOT_FOUND if there is no such chat. */
KoiStoreChat *koi_store_chat_get           (KoiStore     *store,
                                            gint64        chat_id,
                                            GError      **error);
/* The 1:1 chat with @peer_address, 0 = none. */
gint64        koi_store_chat_find_by_peer  (KoiStore     *store,
                                            gint64        account_id,
                                            const char   *peer_address,
                                            GError      **error);
/* The group chat with @group_id, 0 = none. */
gint64        koi_store_chat_find_by_group (KoiStore     *store,
                                            gint64        account_id,
                                            const char   *group_id,
                                            GError      **error);
/* Marks every message of the chat seen and zeroes its unread count. */
gboolean      koi_store_chat_mark_read     (KoiStore     *store,
                                            gint64        chat_id,
                                            GError      **error);
gboolean      koi_store_chat_set_request   (KoiStore     *store,
                                            gint64        chat_id,
                                            KoiStoreChatRequest request,
                                            GError      **error);
/* The chat's KoiStoreChatRequest; ACCEPTED for an unknown chat. */
KoiStoreChatRequest koi_store_chat_get_request (KoiStore *store,
                                                gint64    chat_id);
/* Whether mail from @address needs no request: a contact with a card who
 * is not blocked, or the peer of an accepted 1:1 chat other than
 * @except_chat_id (the chat being decided on). */
gboolean      koi_store_contact_is_known   (KoiStore     *store,
                                            gint64        account_id,
                                            const char   *address,
                                            gint64        except_chat_id);
/* Keeps @text (NULL or "" = none) as the chat's unsent draft. Sets
 * *@changed (may be NULL) when the stored draft was different. */
gboolean      koi_store_chat_set_draft     (KoiStore     *store,
                                            gint64        chat_id,
                                            const char   *text,
                                            gboolean     *changed,
                                            GError      **error);
/* Adds @address (contact created if needed) to the chat's members. */
gboolean      koi_store_chat_add_member    (KoiStore     *store,
                                            gint64        chat_id,
                                            const char   *address,
                                            GError      **error);
gboolean      koi_store_chat_remove_member (KoiStore     *store,
                                            gint64        chat_id,
                                            const char   *address,
                                            GError      **error);
/* Member addresses (char*, by address). */
GPtrArray    *koi_store_chat_list_members  (KoiStore     *store,
                                            gint64        chat_id,
                                            GError      **error);
void          koi_store_chat_free          (KoiStoreChat *chat);

/* ------------------------------------------------------------------ */
/* Messages */

typedef struct {
  gint64    id;
  gint64    account_id;
  gint64    chat_id;          /* 0 = in no chat */
  char     *message_id;       /* Message-ID without <> */
  int       direction;        /* KoiStoreDirection */
  int       state;            /* KoiStoreMessageState */
  int       kind;             /* KoiStoreMessageKind */
  char     *from_address;
  char     *from_name;
  char     *subject;
  char     *text;             /* what the bubble shows (quotes/signature folded) */
  char     *full_text;        /* the whole body, or NULL when equal to text */
  char     *in_reply_to;
  char     *references;       /* space-separated ids, as in the header */
  gint64    sent_at_ms;       /* Date header */
  gint64    received_at_ms;   /* when Koi stored it; 0 = now */
  gint64    sort_ms;          /* conversation order; 0 = see message_insert */
  gboolean  seen;
  char     *failure_reason;
  /* Filled when read; ignored by message_insert. */
  gint64    edited_at_ms;     /* 0 = never edited */
  gboolean  deleted;
  gboolean  has_attachments;
  /* What the mail does (the coi layer's KoiCoiType, stored as is). A row
   * of a hidden type has no chat and no text. */
  int       type;
  /* Filled when read: how many contacts sent a read receipt for it, and
   * their addresses, space-separated (NULL: none). */
  guint     read_count;
  char     *read_by;
  /* Groups (koi-store-group.h), filled when read: the info line
   * (KoiStoreGroupInfo, 0 = none) and its address or name, and whether the
   * sender of this incoming group message is no member. */
  int       group_info;
  char     *group_info_arg;
  gboolean  not_member;
  /* Filled when read, for a message with has_attachments: its
   * KoiStoreAttachment rows (koi-store-attachment.h); else NULL. */
  GPtrArray *attachments;

  /* Filled when read, for the bubble (NULL = none). Fields are split by
   * U+001F and records by U+001E, so no name or text can break them:
   * - reactions: one record per current reaction: emoji, reactor address,
   *   reactor name (the address when the contact has none), "1" when it
   *   is this account's own, sent_at_ms;
   * - quote: for a reply with a quote whose original is stored: its id,
   *   direction, deleted (0/1), sender name (or address) and the start of
   *   its text (300 bytes at most, maybe cut inside a character). */
  char     *reactions;
  char     *quote;

  /* End-to-end encryption (koi-store-crypto.h): whether the mail came
   * encrypted, and its signature (KoiStoreSignature). message_insert
   * writes both; koi_store_message_set_crypto changes them. */
  gboolean  encrypted;
  int       signature;
} KoiStoreMessage;

/* Inserts a message; if (account_id, message_id) exists already, returns the
 * existing row's id and sets *out_inserted = FALSE (dedupe by Message-ID:
 * moves, re-fetches and a second device never duplicate). Updates the
 * chat's last activity, last message and unread count (incoming, not seen)
 * in the same transaction. message_id must not be empty. sort_ms = 0 means
 * sent_at_ms, but never later than received_at_ms (a sender's clock that
 * runs ahead cannot pin a message to the bottom). */
gint64           koi_store_message_insert     (KoiStore               *store,
                                               const KoiStoreMessage  *message,
                                               gboolean               *out_inserted,
                                               GError                **error);
/* The id of (account_id, message_id), 0 = none. Accepts "<id>" too. */
gint64           koi_store_message_find       (KoiStore               *store,
                                               gint64                  account_id,
                                               const char             *message_id,
                                               GError                **error);
/* The Message-IDs of the chat's first and newest messages (in conversation
 * order), for replying in its thread: two index lookups, whatever the
 * chat's length. Both NULL for an empty chat. */
gboolean         koi_store_chat_thread_ends  (KoiStore               *store,
                                              gint64                  chat_id,
                                              char                  **out_first,
                                              char                  **out_last,
                                              GError                **error);

/* The chat of the first of @message_ids (e.g. In-Reply-To, then References
 * newest first) that is stored; 0 = none. NULL-terminated. */
gint64           koi_store_message_find_chat_for_thread (KoiStore           *store,
                                                         gint64              account_id,
                                                         const char * const *message_ids,
                                                         GError            **error);
/* NULL + KOI_STORE_ERROR_NOT_FOUND if there is no such message. */
KoiStoreMessage *koi_store_message_get        (KoiStore               *store,
                                               gint64                  id,
                                               GError                **error);
/* Sets the state (and failure reason, NULL clears it). */
gboolean         koi_store_message_set_state  (KoiStore               *store,
                                               gint64                  id,
                                               int                     state,
                                               const char             *failure_reason,
                                               GError                **error);
/* Marks one message seen/unseen (e.g. \Seen from another device) and keeps
 * the chat's unread count right. */
gboolean         koi_store_message_set_seen   (KoiStore               *store,
                                               gint64                  id,
                                               gboolean                seen,
                                               GError                **error);
/* Applies an edit: the current text goes to the edit history and @text
 * becomes the message's text. An edit whose @edit_message_id was applied
 * already is ignored (*out_applied = FALSE); one older than the current
 * version is only recorded in the history. */
gboolean         koi_store_message_apply_edit (KoiStore               *store,
                                               gint64                  id,
                                               const char             *text,
                                               gint64                  edited_at_ms,
                                               const char             *edit_message_id,
                                               gboolean               *out_applied,
                                               GError                **error);
/* Earlier versions of an edited message, oldest first (KoiStoreEdit*). */
typedef struct {
  char   *text;
  gint64  written_at_ms;     /* when this version was written */
  char   *replaced_by;       /* Message-ID of the edit that replaced it */
} KoiStoreEdit;
GPtrArray       *koi_store_message_list_edits (KoiStore               *store,
                                               gint64                  id,
                                               GError                **error);
void             koi_store_edit_free          (KoiStoreEdit           *edit);
/* Where message @id stands in its chat, counted as koi_store_message_page()
 * orders them (for scrolling to a quoted message). NOT_FOUND when it is in
 * no chat. */
gboolean         koi_store_message_position   (KoiStore               *store,
                                               gint64                  id,
                                               guint                  *out_position,
                                               GError                **error);
/* Deletes the content (text, history) and keeps a "deleted" tombstone so a
 * re-fetch does not bring the message back. */
gboolean         koi_store_message_mark_deleted (KoiStore             *store,
                                                 gint64                id,
                                                 GError              **error);
/* The message @message quotes (a reply with a quote), or NULL. Every chat
 * message names the one before it in In-Reply-To, for threading; a reply
 * to a particular one also quotes it at the top of its text, as Delta
 * Chat's and every mail program's replies do (the quote is folded away
 * from text and kept in full_text). */
const char      *koi_store_message_quoted_id  (const KoiStoreMessage  *message);
/* Delete for me: the content goes as in mark_deleted and the row leaves
 * its chat (a hidden row, so a re-fetch does not bring it back); the
 * chat's unread count and preview follow. */
gboolean         koi_store_message_hide       (KoiStore               *store,
                                               gint64                  id,
                                               GError              **error);
/* The visible rows of mail the parser could not read (Message-ID
 * koi-unreadable.*), as gint64 refs, oldest first: read again after an
 * upgrade (src/engine/koi-syncer-reparse.c). */
GArray          *koi_store_message_list_unreadable (KoiStore           *store,
                                                    gint64              account_id,
                                                    GError            **error);
/* Number of messages in the chat (tombstones included, as in pages). */
guint            koi_store_message_count      (KoiStore               *store,
                                               gint64                  chat_id,
                                               GError                **error);
/* Messages @offset .. @offset+@limit-1 of the chat, oldest first by
 * (sort_ms, id); of KoiStoreMessage*, free func set. */
GPtrArray       *koi_store_message_page       (KoiStore               *store,
                                               gint64                  chat_id,
                                               guint                   offset,
                                               guint                   limit,
                                               GError                **error);
/* Full-text search over the account's messages, most recently stored
 * first (by id: the index walks ids backwards and stops at @limit, which
 * keeps a common word as fast as a rare one; 0 = no limit). @query is
 * what the user typed: every word must occur (the last one as a prefix, for
 * search-as-you-type); quotes, operators and '*' are taken as plain text.
 * Accents are ignored ("uber" finds "über"). Empty query: empty result. */
GPtrArray       *koi_store_message_search     (KoiStore               *store,
                                               gint64                  account_id,
                                               const char             *query,
                                               guint                   limit,
                                               GError                **error);
/* The same within one chat (@chat_id > 0; 0 = every chat of the account). */
GPtrArray       *koi_store_message_search_chat (KoiStore              *store,
                                                gint64                 account_id,
                                                gint64                 chat_id,
                                                const char            *query,
                                                guint                  limit,
                                                GError               **error);
/* The account's visible messages stored after @after_id (a row id: ids
 * only grow), by id, at most @limit (0 = all). For resuming a watch. */
GPtrArray       *koi_store_message_list_after (KoiStore               *store,
                                               gint64                  account_id,
                                               gint64                  after_id,
                                               guint                   limit,
                                               GError                **error);
void             koi_store_message_free       (KoiStoreMessage        *message);

/* Read receipts (MDNs) received for an outgoing message. */
gboolean         koi_store_receipt_add        (KoiStore               *store,
                                               gint64                  message_ref,
                                               const char             *reader_address,
                                               gint64                  read_at_ms,
                                               GError                **error);
/* How many distinct contacts have read the message. */
guint            koi_store_receipt_count      (KoiStore               *store,
                                               gint64                  message_ref,
                                               GError                **error);

/* Who read the message (addresses, first reader first), for "Read by". */
GPtrArray       *koi_store_receipt_readers    (KoiStore               *store,
                                               gint64                  message_ref,
                                               GError                **error);

/* Read receipts this account owes (koi-store-receipt.c). */

/* The incoming @message_ref asked for a receipt at its sender's own
 * address: it waits until the user sees it. */
gboolean         koi_store_receipt_request_add    (KoiStore    *store,
                                                   gint64       account_id,
                                                   gint64       message_ref,
                                                   GError     **error);
/* The user saw @message_refs (gint64) in the window: those that wait for
 * it and whose sender is not blocked become due. Returns how many. */
guint            koi_store_receipt_requests_shown (KoiStore    *store,
                                                   GArray      *message_refs,
                                                   GError     **error);
/* The same for every message of @chat_id the user has read (a contact
 * request accepted after reading it). Returns how many. */
guint            koi_store_receipt_requests_read_in_chat (KoiStore *store,
                                                          gint64    chat_id,
                                                          GError  **error);

typedef struct {
  gint64   message_ref;
  char    *message_id;
  char    *from_address;
  char    *folder;         /* NULL: no server copy known */
  guint32  uidvalidity;
  guint32  uid;            /* 0: no server copy known */
} KoiStoreReceiptDue;

/* The receipts to send now, one item per server copy of each message, by
 * folder and UID (of KoiStoreReceiptDue*). */
GPtrArray       *koi_store_receipt_requests_due   (KoiStore    *store,
                                                   gint64       account_id,
                                                   GError     **error);
/* Sent, or another device did: never again. */
gboolean         koi_store_receipt_request_done   (KoiStore    *store,
                                                   gint64       message_ref,
                                                   GError     **error);
void             koi_store_receipt_due_free       (KoiStoreReceiptDue *item);

/* ------------------------------------------------------------------ */
/* IMAP folder state and message locations */

/* FALSE + no error = unknown folder. */
gboolean  koi_store_folder_get      (KoiStore     *store,
                                     gint64        account_id,
                                     const char   *folder,
                                     guint32      *out_uidvalidity,
                                     guint32      *out_last_uid,
                                     GError      **error);
/* Records UIDVALIDITY and the highest UID fully fetched. */
gboolean  koi_store_folder_set      (KoiStore     *store,
                                     gint64        account_id,
                                     const char   *folder,
                                     guint32       uidvalidity,
                                     guint32       last_uid,
                                     GError      **error);
/* UIDVALIDITY changed: forget the folder's locations, last_uid = 0
 * (the messages stay; they are found again by Message-ID). */
gboolean  koi_store_folder_reset    (KoiStore     *store,
                                     gint64        account_id,
                                     const char   *folder,
                                     guint32       new_uidvalidity,
                                     GError      **error);
/* (folder, uidvalidity, uid) now holds @message_ref. */
gboolean  koi_store_location_add    (KoiStore     *store,
                                     gint64        message_ref,
                                     gint64        account_id,
                                     const char   *folder,
                                     guint32       uidvalidity,
                                     guint32       uid,
                                     GError      **error);
/* The UID was expunged or moved away. Removing an unknown one is fine. */
gboolean  koi_store_location_remove (KoiStore     *store,
                                     gint64        account_id,
                                     const char   *folder,
                                     guint32       uidvalidity,
                                     guint32       uid,
                                     GError      **error);
/* The UIDs the store knows in (folder, uidvalidity), ascending (guint32). */
GArray   *koi_store_location_list_uids (KoiStore   *store,
                                        gint64      account_id,
                                        const char *folder,
                                        guint32     uidvalidity,
                                        GError    **error);
/* The message at (folder, uidvalidity, uid), 0 = none. */
gint64    koi_store_location_find_message (KoiStore   *store,
                                           gint64      account_id,
                                           const char *folder,
                                           guint32     uidvalidity,
                                           guint32     uid,
                                           GError    **error);

typedef struct {
  char    *folder;
  guint32  uidvalidity;
  guint32  uid;
} KoiStoreLocation;
/* Where the message is on the server (KoiStoreLocation*), by folder. */
GPtrArray *koi_store_location_list  (KoiStore     *store,
                                     gint64        message_ref,
                                     GError      **error);
void       koi_store_location_free  (KoiStoreLocation *location);

/* ------------------------------------------------------------------ */
/* Outbox. The message row (state queued), its outbox entry and recipients
 * are written in ONE transaction before any network I/O. A recipient that
 * accepted is never sent to again. */

/* @message: an outgoing message (direction/state are forced to outgoing /
 * queued). @raw: the exact bytes to send (CRLF). @recipients: NULL-
 * terminated, at least one. Returns the message id; KOI_STORE_ERROR_EXISTS
 * if the Message-ID is stored already. */
gint64     koi_store_outbox_enqueue        (KoiStore                *store,
                                            const KoiStoreMessage   *message,
                                            GBytes                  *raw,
                                            const char * const      *recipients,
                                            GError                 **error);

typedef struct {
  gint64      outbox_id;
  gint64      message_ref;
  GBytes     *raw;
  guint       attempts;
  gint64      next_attempt_ms;
  GPtrArray  *pending_recipients;  /* char* */
  char       *from_address;
  char       *message_id;
  /* A mail with a file (koi-store-attachment.h): raw is the part before
   * the file's body, the attachment row's file follows, then tail. */
  gint64      attachment_ref;
  GBytes     *tail;
} KoiStoreOutboxItem;

/* Items with pending recipients and next_attempt_ms <= @now_ms, oldest
 * first; of KoiStoreOutboxItem*, free func set. */
GPtrArray *koi_store_outbox_due            (KoiStore     *store,
                                            gint64        account_id,
                                            gint64        now_ms,
                                            GError      **error);
/* The earliest next_attempt_ms of any item with pending recipients;
 * 0 = nothing queued. */
gint64     koi_store_outbox_next_due_ms    (KoiStore     *store,
                                            gint64        account_id,
                                            GError      **error);
/* Records the server's answer for one recipient (@reply: its own words). */
gboolean   koi_store_outbox_recipient_done (KoiStore     *store,
                                            gint64        outbox_id,
                                            const char   *address,
                                            gboolean      accepted,
                                            const char   *reply,
                                            GError      **error);
/* A temporary failure: attempts++, try again at @next_attempt_ms. */
gboolean   koi_store_outbox_reschedule     (KoiStore     *store,
                                            gint64        outbox_id,
                                            gint64        next_attempt_ms,
                                            const char   *last_error,
                                            GError      **error);
/* Call once no recipient is pending. All accepted: the message becomes
 * SENT and the entry is removed. Some refused: the message becomes FAILED
 * with each refused address and the server's reply as failure_reason, and
 * the entry stays (without pending recipients) so koi_store_outbox_retry()
 * can send to those again. KOI_STORE_ERROR_INVALID while some are pending. */
gboolean   koi_store_outbox_finish         (KoiStore     *store,
                                            gint64        outbox_id,
                                            GError      **error);
/* Gives up (e.g. too many attempts): every pending recipient is refused
 * with @reason, then as koi_store_outbox_finish(). */
gboolean   koi_store_outbox_fail           (KoiStore     *store,
                                            gint64        outbox_id,
                                            const char   *reason,
                                            GError      **error);
/* The user asks to retry a FAILED message: its refused recipients become
 * pending again, due at @now_ms, state QUEUED. KOI_STORE_ERROR_NOT_FOUND
 * if the message has no outbox entry. */
gboolean   koi_store_outbox_retry          (KoiStore     *store,
                                            gint64        message_ref,
                                            gint64        now_ms,
                                            GError      **error);
/* The Message-IDs (of every account) whose outbox entry may still send
 * its mail: a recipient is pending, or the user can still retry it (the
 * message failed, is in its chat and not deleted). Of char*, free func
 * set. What an outgoing file's ciphertext is kept for (koi-syncer-outgoing.c). */
GPtrArray *koi_store_outbox_kept_message_ids (KoiStore   *store,
                                              GError    **error);
void       koi_store_outbox_item_free      (KoiStoreOutboxItem *item);

/* ------------------------------------------------------------------ */
/* Requests: what a hidden mail asks of another message (koi-store-request.c) */

typedef struct {
  gint64  id;
  gint64  account_id;
  gint64  request_ref;        /* the hidden mail's own message row */
  int     type;               /* the coi layer's KoiCoiType */
  char   *target_message_id;  /* without <> */
  char   *from_address;       /* who asks */
  char   *payload;            /* edit: the new text; reaction: the emoji;
                               * delivery failure: the server's words */
  gint64  sent_at_ms;         /* the request's Date */
} KoiStoreRequest;

/* Records a request (id ignored); a second copy of the same (request_ref,
 * target) is ignored (*out_id = 0). */
gboolean   koi_store_request_add          (KoiStore               *store,
                                           const KoiStoreRequest  *request,
                                           gint64                 *out_id,
                                           GError                **error);
/* Requests for @target_message_id not applied yet, oldest Date first. */
GPtrArray *koi_store_request_list_waiting (KoiStore               *store,
                                           gint64                  account_id,
                                           const char             *target_message_id,
                                           GError                **error);
gboolean   koi_store_request_set_applied  (KoiStore               *store,
                                           gint64                  request_id,
                                           GError                **error);
guint      koi_store_request_count_waiting (KoiStore              *store,
                                            gint64                 account_id,
                                            GError               **error);
void       koi_store_request_free         (KoiStoreRequest        *request);

typedef struct {
  char   *reactor_address;
  char   *emoji;
  gint64  sent_at_ms;
} KoiStoreReaction;

/* The reaction of @reactor_address on the message; the newest (by Date)
 * wins, "" takes it back. *out_changed: whether it replaced anything. */
gboolean   koi_store_reaction_set         (KoiStore    *store,
                                           gint64       message_ref,
                                           const char  *reactor_address,
                                           const char  *emoji,
                                           gint64       sent_at_ms,
                                           gboolean    *out_changed,
                                           GError     **error);
/* The Date of @reactor_address's newest reaction (taken-back ones too) on
 * any message of the chat; 0 when there is none. */
gboolean   koi_store_reaction_last_in_chat (KoiStore   *store,
                                            gint64      chat_id,
                                            const char *reactor_address,
                                            gint64     *out_sent_at_ms,
                                            GError    **error);
/* Current reactions (KoiStoreReaction*), oldest first, none taken back. */
GPtrArray *koi_store_reaction_list        (KoiStore    *store,
                                           gint64       message_ref,
                                           GError     **error);
void       koi_store_reaction_free        (KoiStoreReaction *reaction);

/* ------------------------------------------------------------------ */
/* Read state across devices (koi-store-seen.c) */

/* Marks the chat's unread messages read here and remembers that the server
 * does not know yet. Returns their ids (gint64*), maybe empty. */
GPtrArray *koi_store_chat_mark_read_pending (KoiStore  *store,
                                             gint64     chat_id,
                                             GError   **error);

typedef struct {
  gint64   message_ref;
  char    *folder;        /* NULL when the message has no server copy */
  guint32  uidvalidity;
  guint32  uid;
} KoiStoreSeenPending;

/* Server copies of messages read here but not yet flagged \Seen, by
 * folder and UID. */
GPtrArray *koi_store_seen_pending_list    (KoiStore  *store,
                                           gint64     account_id,
                                           GError   **error);
gboolean   koi_store_seen_pending_done    (KoiStore  *store,
                                           gint64     message_ref,
                                           GError   **error);
void       koi_store_seen_pending_free    (KoiStoreSeenPending *item);

/* CONDSTORE: the folder's HIGHESTMODSEQ as of its last flag sync (0 =
 * never). */
guint64    koi_store_folder_get_modseq    (KoiStore    *store,
                                           gint64       account_id,
                                           const char  *folder,
                                           GError     **error);
gboolean   koi_store_folder_set_modseq    (KoiStore    *store,
                                           gint64       account_id,
                                           const char  *folder,
                                           guint64      modseq,
                                           GError     **error);

typedef struct {
  guint32   uid;
  gint64    message_ref;
  gboolean  seen;
} KoiStoreUidRef;

/* Every known UID of the folder with its message and read state, by UID
 * (of KoiStoreUidRef). */
GArray    *koi_store_location_list_folder (KoiStore    *store,
                                           gint64       account_id,
                                           const char  *folder,
                                           guint32      uidvalidity,
                                           GError     **error);

/* ------------------------------------------------------------------ */
/* Small per-account state (account_id 0 = global). */

/* NULL without error when unset. */
char      *koi_store_setting_get           (KoiStore     *store,
                                            gint64        account_id,
                                            const char   *key,
                                            GError      **error);
/* @value NULL removes the key. */
gboolean   koi_store_setting_set           (KoiStore     *store,
                                            gint64        account_id,
                                            const char   *key,
                                            const char   *value,
                                            GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiStore, koi_store_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiStoreAccount, koi_store_account_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiStoreContact, koi_store_contact_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiStoreCard, koi_store_card_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiStoreChat, koi_store_chat_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiStoreMessage, koi_store_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiStoreEdit, koi_store_edit_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiStoreReceiptDue, koi_store_receipt_due_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiStoreLocation, koi_store_location_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiStoreOutboxItem, koi_store_outbox_item_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiStoreRequest, koi_store_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiStoreReaction, koi_store_reaction_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiStoreSeenPending, koi_store_seen_pending_free)

G_END_DECLS
