/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-apply.h"
#include "koi-chat-client-detect.h"
#include "koi-imap-client.h"
#include "koi-apply.h"
#include "koi-message-identity.h"
#include "koi-syncer.h"

G_BEGIN_DECLS

/* The syncer's state, shared by the files that make up KoiSyncer:
 * koi-syncer.c (connect, fetch, send) and koi-syncer-flags.c (read state
 * both ways). */
struct _KoiSyncer
{
  KoiStore         *store;
  KoiAccountConfig *account;
  KoiSyncerEvents   events;
  gpointer          user_data;

  KoiImapClient    *imap;
  char             *chats_folder;   /* wire name, with the server's separator */
  char             *contacts_folder; /* the same for the contact cards */
  gboolean          move_chat_mail;
  gboolean          notify;         /* NOTIFY SET covers the chat folder */
  KoiChatClient     other_client;   /* seen on the account: never move then */
  int               read_receipts;  /* -1: the account's store setting */

  /* A send whose outcome the store did not take (see send_one). */
  struct _SendOutcome *unrecorded;
  gint64               unrecorded_retry_ms;
};

void koi_syncer_emit_message_added   (KoiSyncer *self,
                                      gint64     chat_id,
                                      gint64     message_ref);
void koi_syncer_emit_message_updated (KoiSyncer *self,
                                      gint64     chat_id,
                                      gint64     message_ref);
void koi_syncer_emit_chat_updated    (KoiSyncer *self,
                                      gint64     chat_id);
void koi_syncer_emit_contact_updated (KoiSyncer *self,
                                      gint64     contact_id);
/* Every event for a committed batch. */
void koi_syncer_emit_changes         (KoiSyncer             *self,
                                      const KoiApplyChanges *changes);

/* Fetches what is new in @folder and applies it. */
gboolean koi_syncer_sync_folder      (KoiSyncer     *self,
                                      const char    *folder,
                                      gboolean       is_inbox,
                                      gboolean       full,
                                      GCancellable  *cancellable,
                                      GError       **error);

/* Brings \Seen set elsewhere into the store for one selected folder. */
gboolean koi_syncer_pull_flags       (KoiSyncer     *self,
                                      const char    *folder,
                                      guint32        uidvalidity,
                                      guint64        highest_modseq,
                                      guint32        last_uid,
                                      GCancellable  *cancellable,
                                      GError       **error);

/* The user saw @marked (gint64* message refs): receipts they asked for
 * become due (koi-syncer-receipts.c). */
gboolean koi_syncer_receipts_shown   (KoiSyncer     *self,
                                      GPtrArray     *marked,
                                      GError       **error);

/* Whether the copy to self of an interrupted send is on the server
 * (koi-syncer-recover.c). */
gboolean koi_syncer_find_own_copy    (KoiSyncer     *self,
                                      const char    *message_id,
                                      gboolean      *out_found,
                                      GCancellable  *cancellable,
                                      GError       **error);

/* After a parser upgrade, reads unreadable mail again
 * (koi-syncer-reparse.c). */
gboolean koi_syncer_reparse_unreadable (KoiSyncer     *self,
                                        GCancellable  *cancellable,
                                        GError       **error);

G_END_DECLS
