/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store"

#include "config.h"

#include "koi-store-private.h"

/*
 * Numbered migrations. Entry N - 1 takes PRAGMA user_version N - 1 to N and
 * runs in one transaction together with the version bump. A released entry
 * is never edited again: change the schema by appending an entry (and a
 * fixture dump of the previous version under tests/store/fixtures/).
 *
 * Frozen on-disk values (see koi-store.h):
 *   chats.kind                 0 1:1, 1 group
 *   messages.direction         0 incoming, 1 outgoing
 *   messages.state             0 received, 1 queued, 2 sending, 3 sent, 4 failed
 *   messages.kind              0 chat, 1 email
 *   messages.type, requests.type   the coi layer's KoiCoiType: 0 chat, 1 email,
 *                              2 edit, 3 delete, 4 reaction, 5 read receipt,
 *                              6 contact, 7 group change, 8 delivery failure,
 *                              9 auto-reply, 10 mailing list, 11 key setup
 *   outbox_recipients.state    0 pending, 1 accepted, 2 refused
 *   receipt_requests.state     0 waiting to be seen, 1 due, 2 done
 *   peer_keys.source           0 autocrypt, 1 gossip, 2 vcard
 *   messages.signature         0 none, 1 valid, 2 bad, 3 unknown key
 *   booleans                   0 / 1
 * Times are ms since the epoch. Addresses use COLLATE NOCASE so lookups and
 * uniqueness ignore ASCII case while the original spelling is kept.
 */

static const char migration_1[] =
  "CREATE TABLE accounts ("
  "  id             INTEGER PRIMARY KEY,"
  "  address        TEXT NOT NULL UNIQUE COLLATE NOCASE,"
  "  display_name   TEXT,"
  "  imap_host      TEXT,"
  "  imap_port      INTEGER NOT NULL DEFAULT 0,"
  "  imap_security  TEXT,"
  "  imap_login     TEXT,"
  "  smtp_host      TEXT,"
  "  smtp_port      INTEGER NOT NULL DEFAULT 0,"
  "  smtp_security  TEXT,"
  "  smtp_login     TEXT,"
  "  ca_file        TEXT,"
  "  created_at     INTEGER NOT NULL"
  ");"

  "CREATE TABLE contacts ("
  "  id             INTEGER PRIMARY KEY,"
  "  account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  address        TEXT NOT NULL COLLATE NOCASE,"
  "  display_name   TEXT,"
  "  vcard          TEXT,"
  "  contact_json   TEXT,"
  "  blocked        INTEGER NOT NULL DEFAULT 0,"
  "  is_me          INTEGER NOT NULL DEFAULT 0,"
  "  updated_at     INTEGER NOT NULL,"
  "  UNIQUE (account_id, address)"
  ");"

  "CREATE TABLE chats ("
  "  id               INTEGER PRIMARY KEY,"
  "  account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  kind             INTEGER NOT NULL CHECK (kind IN (0, 1)),"
  "  peer_address     TEXT COLLATE NOCASE,"
  "  group_id         TEXT,"
  "  name             TEXT,"
  "  last_activity_ms INTEGER NOT NULL DEFAULT 0,"
  "  last_message_id  INTEGER REFERENCES messages (id) ON DELETE SET NULL,"
  "  unread_count     INTEGER NOT NULL DEFAULT 0,"
  "  archived         INTEGER NOT NULL DEFAULT 0,"
  "  muted            INTEGER NOT NULL DEFAULT 0,"
  "  created_at       INTEGER NOT NULL,"
  "  UNIQUE (account_id, kind, peer_address),"
  "  UNIQUE (account_id, group_id)"
  ");"
  "CREATE INDEX chats_by_activity ON chats (account_id, last_activity_ms DESC, id DESC);"

  "CREATE TABLE chat_members ("
  "  chat_id     INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,"
  "  contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,"
  "  role        INTEGER NOT NULL DEFAULT 0,"
  "  added_at    INTEGER NOT NULL,"
  "  PRIMARY KEY (chat_id, contact_id)"
  ") WITHOUT ROWID;"
  "CREATE INDEX chat_members_by_contact ON chat_members (contact_id);"

  "CREATE TABLE messages ("
  "  id              INTEGER PRIMARY KEY,"
  "  account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  chat_id         INTEGER REFERENCES chats (id) ON DELETE CASCADE,"
  "  message_id      TEXT NOT NULL,"
  "  direction       INTEGER NOT NULL CHECK (direction IN (0, 1)),"
  "  state           INTEGER NOT NULL CHECK (state BETWEEN 0 AND 4),"
  "  kind            INTEGER NOT NULL DEFAULT 0,"
  "  from_address    TEXT COLLATE NOCASE,"
  "  from_name       TEXT,"
  "  subject         TEXT,"
  "  text            TEXT,"
  "  full_text       TEXT,"
  "  in_reply_to     TEXT,"
  "  references_     TEXT,"
  "  sent_at_ms      INTEGER NOT NULL DEFAULT 0,"
  "  received_at_ms  INTEGER NOT NULL DEFAULT 0,"
  "  sort_ms         INTEGER NOT NULL DEFAULT 0,"
  "  seen            INTEGER NOT NULL DEFAULT 0,"
  "  edited_at_ms    INTEGER NOT NULL DEFAULT 0,"
  "  deleted         INTEGER NOT NULL DEFAULT 0,"
  "  failure_reason  TEXT,"
  "  has_attachments INTEGER NOT NULL DEFAULT 0,"
  "  UNIQUE (account_id, message_id)"
  ");"
  "CREATE INDEX messages_by_chat ON messages (chat_id, sort_ms, id);"

  "CREATE TABLE message_edits ("
  "  id               INTEGER PRIMARY KEY,"
  "  message_ref      INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
  "  text             TEXT,"
  "  edited_at_ms     INTEGER NOT NULL,"
  "  edit_message_id  TEXT"
  ");"
  "CREATE INDEX message_edits_by_message ON message_edits (message_ref, edited_at_ms);"

  "CREATE TABLE read_receipts ("
  "  message_ref  INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
  "  contact_id   INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,"
  "  read_at_ms   INTEGER NOT NULL,"
  "  PRIMARY KEY (message_ref, contact_id)"
  ") WITHOUT ROWID;"

  "CREATE TABLE attachments ("
  "  id           INTEGER PRIMARY KEY,"
  "  message_ref  INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
  "  filename     TEXT,"
  "  mime_type    TEXT,"
  "  size         INTEGER NOT NULL DEFAULT 0,"
  "  content_id   TEXT,"
  "  local_path   TEXT"
  ");"
  "CREATE INDEX attachments_by_message ON attachments (message_ref);"

  "CREATE TABLE folders ("
  "  account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  name         TEXT NOT NULL,"
  "  uidvalidity  INTEGER NOT NULL DEFAULT 0,"
  "  last_uid     INTEGER NOT NULL DEFAULT 0,"
  "  uidnext      INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (account_id, name)"
  ");"

  "CREATE TABLE message_locations ("
  "  account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  folder       TEXT NOT NULL,"
  "  uidvalidity  INTEGER NOT NULL,"
  "  uid          INTEGER NOT NULL,"
  "  message_ref  INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
  "  PRIMARY KEY (account_id, folder, uidvalidity, uid)"
  ") WITHOUT ROWID;"
  "CREATE INDEX message_locations_by_message ON message_locations (message_ref);"

  "CREATE TABLE outbox ("
  "  id               INTEGER PRIMARY KEY,"
  "  message_ref      INTEGER NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,"
  "  raw              BLOB NOT NULL,"
  "  attempts         INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt_ms  INTEGER NOT NULL,"
  "  last_error       TEXT,"
  "  created_at_ms    INTEGER NOT NULL"
  ");"
  "CREATE INDEX outbox_by_due ON outbox (next_attempt_ms);"

  "CREATE TABLE outbox_recipients ("
  "  outbox_id  INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,"
  "  address    TEXT NOT NULL COLLATE NOCASE,"
  "  state      INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),"
  "  reply      TEXT,"
  "  PRIMARY KEY (outbox_id, address)"
  ") WITHOUT ROWID;"

  /* account_id 0 holds global settings, so no foreign key here;
   * koi_store_account_delete() removes an account's rows itself. */
  "CREATE TABLE settings ("
  "  account_id  INTEGER NOT NULL,"
  "  key         TEXT NOT NULL,"
  "  value       TEXT,"
  "  PRIMARY KEY (account_id, key)"
  ") WITHOUT ROWID;"

  /* Search: an external-content index over messages.text, kept in step by
   * triggers. Only a change of text touches it, so state and seen updates
   * stay cheap. */
  "CREATE VIRTUAL TABLE messages_fts USING fts5 ("
  "  text,"
  "  content = 'messages',"
  "  content_rowid = 'id',"
  "  tokenize = 'unicode61 remove_diacritics 2'"
  ");"
  "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN"
  "  INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);"
  "END;"
  "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);"
  "END;"
  "CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);"
  "  INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);"
  "END;";

/* 2: the full-text index is no longer fed row by row from a trigger. The
 * store adds a batch's new rows to it once, when the batch commits
 * (koi-store.c): FTS5 writes a segment at every savepoint it sees, so the
 * trigger turned a 250-message transaction into 250 index writes. */
static const char migration_2[] =
  "DROP TRIGGER messages_fts_insert;";

/* 3: every kind of mail takes one path (docs/ARCHITECTURE.md).
 * - messages.type: what the mail does. Mail that acts on another message
 *   (an edit, a receipt, ...) is kept as a row without a chat and without
 *   text, so it is known by Message-ID (never fetched twice) but never
 *   shown, counted unread or searched.
 * - requests: what such a mail asks of its target, kept until the target
 *   is stored, so either arrival order gives the same store.
 * - reactions: one per sender and message, the newest wins.
 * - messages.seen_on_server = 0: read here, \Seen not yet set on the
 *   server (the engine's worker sets it and clears this).
 * - folders.highest_modseq: CONDSTORE, for fetching only changed flags. */
static const char migration_3[] =
  "ALTER TABLE messages ADD COLUMN type INTEGER NOT NULL DEFAULT 0;"
  "UPDATE messages SET type = kind;"
  "ALTER TABLE messages ADD COLUMN seen_on_server INTEGER NOT NULL DEFAULT 1;"
  "CREATE INDEX messages_seen_pending ON messages (account_id) WHERE seen_on_server = 0;"

  "CREATE TABLE requests ("
  "  id                 INTEGER PRIMARY KEY,"
  "  account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  request_ref        INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
  "  type               INTEGER NOT NULL,"
  "  target_message_id  TEXT NOT NULL,"
  "  from_address       TEXT COLLATE NOCASE,"
  "  payload            TEXT,"
  "  sent_at_ms         INTEGER NOT NULL DEFAULT 0,"
  "  applied            INTEGER NOT NULL DEFAULT 0,"
  "  UNIQUE (request_ref, target_message_id)"
  ");"
  "CREATE INDEX requests_waiting ON requests (account_id, target_message_id) WHERE applied = 0;"

  "CREATE TABLE reactions ("
  "  message_ref      INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
  "  reactor_address  TEXT NOT NULL COLLATE NOCASE,"
  "  emoji            TEXT NOT NULL,"
  "  sent_at_ms       INTEGER NOT NULL,"
  "  PRIMARY KEY (message_ref, reactor_address)"
  ") WITHOUT ROWID;"

  "ALTER TABLE folders ADD COLUMN highest_modseq INTEGER NOT NULL DEFAULT 0;";

/* 4 (contacts, issue 10; the lead renumbers this entry on merge if another
 * migration 4 lands first): the address book lives in the user's mailbox
 * as one "Chat: Contact" message per contact (docs/WIRE.md).
 * - contact_cards: every version of a card Koi has seen, by its hidden
 *   message row. Several versions of one address (two devices editing at
 *   once, a crash between APPEND and expunge) are all kept here; the newest
 *   Date, then the highest UID wins, the others are removed from the
 *   server. raw holds a version written here until it is APPENDed.
 * - contacts.card_ref: the version in use; contacts.muted: contact.json's
 *   notification.enabled = false. */
static const char migration_4[] =
  "CREATE TABLE contact_cards ("
  "  message_ref   INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,"
  "  account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  address       TEXT NOT NULL COLLATE NOCASE,"
  "  date          INTEGER NOT NULL,"
  "  vcard         TEXT,"
  "  contact_json  TEXT,"
  "  headers       TEXT,"
  "  raw           BLOB"
  ");"
  "CREATE INDEX contact_cards_by_address ON contact_cards (account_id, address);"
  "CREATE INDEX contact_cards_pending ON contact_cards (account_id) WHERE raw IS NOT NULL;"
  "ALTER TABLE contacts ADD COLUMN card_ref INTEGER REFERENCES messages (id) ON DELETE SET NULL;"
  "ALTER TABLE contacts ADD COLUMN muted INTEGER NOT NULL DEFAULT 0;";

/* 5: read receipts this account owes (koi-store-receipt.c): one row per
 * incoming message that asked for one; state 0 waiting to be seen, 1 due,
 * 2 sent or sent by another device. */
static const char migration_5[] =
  "CREATE TABLE receipt_requests ("
  "  message_ref  INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,"
  "  account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  state        INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2))"
  ");"
  "CREATE INDEX receipt_requests_due ON receipt_requests (account_id) WHERE state = 1;";

/* 6 (groups, issue 8; was 4 on its branch, renumbered when merging main): membership and name by the time of the message
 * that set them, so every device that holds the same mail ends with the
 * same group whatever order the mail came in (docs/WIRE.md, "Groups").
 * - chat_members.removed / changed_at_ms / explicit: a member row is never
 *   deleted from a group; a removal keeps the row with removed = 1 and the
 *   Date of the removing message. "explicit" = set by a change message
 *   (added, removed, left); 0 = only seen in a group message's To/Cc,
 *   which never outweighs an explicit change.
 * - chats.name_changed_at_ms / name_explicit: the same for the name.
 * - messages.group_info: what a group change did, for the info line the
 *   viewer reads in its own language (KoiStoreGroupInfo); group_info_arg
 *   its address or the new name. */
static const char migration_6_groups[] =
  "ALTER TABLE chat_members ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE chat_members ADD COLUMN changed_at_ms INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE chat_members ADD COLUMN explicit INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE chats ADD COLUMN name_changed_at_ms INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE chats ADD COLUMN name_explicit INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE messages ADD COLUMN group_info INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE messages ADD COLUMN group_info_arg TEXT;";

/* 7 (drafts, issue 16): what the user typed in a chat and did not send,
 * kept across chat switches and restarts; NULL = no draft. Local to this
 * device: a draft is not mail. */
static const char migration_7_drafts[] =
  "ALTER TABLE chats ADD COLUMN draft TEXT;";

/* 8 (contact requests, issue 11): KoiStoreChatRequest. Every chat that
 * exists already was let in by the user's earlier Koi, so 0. */
static const char migration_8_requests[] =
  "ALTER TABLE chats ADD COLUMN request INTEGER NOT NULL DEFAULT 0"
  "  CHECK (request IN (0, 1, 2));";

/* 9 (attachments, issue 12; was 7 on its branch, renumbered when merging main): the attachments
 * table of migration 1 was never written; it now describes every part of a
 * mail that is a file (koi-store-attachment.h):
 * - section: the IMAP body section it is fetched by ("2", "1.3"); for an
 *   outgoing message the section it has in the sent mail;
 * - encoding: its Content-Transfer-Encoding, to decode it while fetching;
 * - kind: what Delta Chat / COI say it is (KoiStoreAttachmentKind);
 * - state: 0 pending, 1 downloading, 2 done, 3 failed (frozen values);
 * - sha256 + local_path: the content's hash and its file, relative to the
 *   profile's attachment folder (content-addressed: one file per content);
 * - error: why it failed, for the user.
 * outbox.attachment_ref / outbox.tail: an outgoing mail with a file keeps
 * in raw only the bytes before the file's part body and in tail the bytes
 * after it; the file itself is streamed from disk when sent. */
static const char migration_9_attachments[] =
  "ALTER TABLE attachments ADD COLUMN section TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE attachments ADD COLUMN encoding TEXT;"
  "ALTER TABLE attachments ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE attachments ADD COLUMN state INTEGER NOT NULL DEFAULT 0"
  "  CHECK (state IN (0, 1, 2, 3));"
  "ALTER TABLE attachments ADD COLUMN sha256 TEXT;"
  "ALTER TABLE attachments ADD COLUMN error TEXT;"
  "CREATE UNIQUE INDEX attachments_by_section ON attachments (message_ref, section);"
  "CREATE INDEX attachments_by_hash ON attachments (sha256) WHERE sha256 IS NOT NULL;"
  "ALTER TABLE outbox ADD COLUMN attachment_ref INTEGER REFERENCES attachments (id) ON DELETE SET NULL;"
  "ALTER TABLE outbox ADD COLUMN tail BLOB;";

/* 10 (certificate trust, issue 14; 8 on its branch, renumbered when merging
 * main): certificates the user trusted, per account and server. A pin is
 * only ever used for the host and port in the same row. */
static const char migration_10_cert_pins[] =
  "ALTER TABLE accounts ADD COLUMN imap_pin_key TEXT;"
  "ALTER TABLE accounts ADD COLUMN imap_pin_cert TEXT;"
  "ALTER TABLE accounts ADD COLUMN smtp_pin_key TEXT;"
  "ALTER TABLE accounts ADD COLUMN smtp_pin_cert TEXT;";

/* 11 (Autocrypt, issue 13): what Koi knows of its peers' OpenPGP keys, and
 * whether a message came encrypted and signed.
 * - peer_keys: one key per account and address, the one that counts now
 *   (koi-store-peer-key.h): keydata the binary key as Autocrypt carries it;
 *   fingerprint 40 upper-case hex digits; source 0 the peer's own Autocrypt
 *   header, 1 another member's Autocrypt-Gossip, 2 a vCard's KEY; key_time_ms
 *   the Date of the mail that carried it, capped at its arrival, so a
 *   future Date cannot pin a key; last_seen_ms the newest mail from the
 *   address; prefer_encrypt 1 for "mutual".
 * - messages.encrypted (0/1) and messages.signature (KoiStoreSignature:
 *   0 none, 1 valid by the sender's known key, 2 bad, 3 unknown key). */
static const char migration_11_autocrypt[] =
  "CREATE TABLE peer_keys ("
  "  account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  address         TEXT NOT NULL COLLATE NOCASE,"
  "  keydata         BLOB NOT NULL,"
  "  fingerprint     TEXT NOT NULL,"
  "  source          INTEGER NOT NULL CHECK (source IN (0, 1, 2)),"
  "  key_time_ms     INTEGER NOT NULL,"
  "  last_seen_ms    INTEGER NOT NULL,"
  "  prefer_encrypt  INTEGER NOT NULL DEFAULT 0 CHECK (prefer_encrypt IN (0, 1)),"
  "  PRIMARY KEY (account_id, address)"
  ") WITHOUT ROWID;"
  "ALTER TABLE messages ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0"
  "  CHECK (encrypted IN (0, 1));"
  "ALTER TABLE messages ADD COLUMN signature INTEGER NOT NULL DEFAULT 0"
  "  CHECK (signature IN (0, 1, 2, 3));";

const char * const koi_store_migrations[] = {
  migration_1,
  migration_2,
  migration_3,
  migration_4,
  migration_5,
  migration_6_groups,
  migration_7_drafts,
  migration_8_requests,
  migration_9_attachments,
  migration_10_cert_pins,
  migration_11_autocrypt,
};

G_STATIC_ASSERT (G_N_ELEMENTS (koi_store_migrations) == KOI_STORE_SCHEMA_VERSION);
