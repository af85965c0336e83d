/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "koi-coi.h"
#include "koi-store.h"

G_BEGIN_DECLS

/*
 * The apply step: the one place where a typed mail (KoiCoiParsed) changes
 * the store. Every kind of mail goes through koi_apply_mail(), inside the
 * caller's batch transaction:
 *
 * - a visible mail (chat, email, group change, auto-reply, mailing list)
 *   becomes a message in its chat;
 * - a mail that acts on another message (edit, delete, reaction, read
 *   receipt, delivery failure) becomes a hidden row (no chat, no text:
 *   known by Message-ID, never shown, counted or searched) plus one
 *   request per target. A request is applied at once when its target is
 *   stored, else it waits and is applied when the target arrives, so both
 *   arrival orders give the same store;
 * - a contact card becomes a hidden row and a version of the contact's
 *   card (koi-contacts.h); mail from a blocked sender becomes a hidden row.
 *
 * What changed is collected in KoiApplyChanges for the events the caller
 * sends after the commit.
 */

typedef struct {
  gint64 chat_id;      /* 0 for a hidden row */
  gint64 message_ref;
} KoiApplyChange;

typedef struct {
  GArray *added;     /* KoiApplyChange: new visible messages */
  GArray *updated;   /* KoiApplyChange: messages whose content or state changed */
  GArray *chats;     /* gint64: chats whose list row (preview, unread) changed */
  GArray *contacts;  /* gint64: contacts whose card changed */
  GPtrArray *freed_files; /* char*: attachment files of deleted messages,
                           * to remove once committed (koi_attachment_file_remove_unused) */
  gboolean   key_setup;   /* an Autocrypt Setup Message was stored (a hidden row) */
} KoiApplyChanges;

void    koi_apply_changes_init   (KoiApplyChanges *changes);
void    koi_apply_changes_clear  (KoiApplyChanges *changes);
void    koi_apply_note_chat      (KoiApplyChanges *changes,
                                  gint64           chat_id);

/* Applies one fetched mail. @own_address: the account's address (decides
 * incoming/outgoing and the 1:1 peer). @seen: the server's \Seen. Returns
 * the mail's message row (new or known), 0 on a store error. */
gint64  koi_apply_mail           (KoiStore           *store,
                                  gint64              account_id,
                                  const char         *own_address,
                                  const KoiCoiParsed *parsed,
                                  gboolean            seen,
                                  KoiApplyChanges    *changes,
                                  GError            **error);

/* Whether a mail From @own_address was written by the user (a chat
 * client's mail, or a note to self): else it is shown as incoming from an
 * unverified sender (docs/WIRE.md, "Who sent it"). */
gboolean koi_apply_is_own_mail   (const KoiCoiParsed *parsed,
                                  const char         *own_address);

/* Applies what waits for @message_ref, which was just stored (by a sync or
 * by this device's own outbox). */
gboolean koi_apply_waiting       (KoiStore           *store,
                                  gint64              account_id,
                                  gint64              message_ref,
                                  const char         *message_id,
                                  KoiApplyChanges    *changes,
                                  GError            **error);

/* Records and applies the requests of a mail this device wrote itself
 * (@request_ref: its hidden row, stored already): the sender's store
 * changes at once, by the same rules as on every other device. */
gboolean koi_apply_own_request   (KoiStore           *store,
                                  gint64              account_id,
                                  gint64              request_ref,
                                  const KoiCoiParsed *parsed,
                                  KoiApplyChanges    *changes,
                                  GError            **error);

G_END_DECLS
