/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-store.h"
#include "koi-store-group.h"

G_BEGIN_DECLS

/*
 * The group log: every membership and name fact a group mail carried, kept
 * so that a group can be replayed (docs/WIRE.md, "Only members change a
 * group"). Mails are taken in the order of their Date (then Message-ID);
 * a mail's facts count only when its sender was a member by then, the
 * state built from the mails before it. The first mail of a group (no
 * member known yet) counts: its sender founded the group, or added this
 * user and so knows it. The outcome is a function of the set of mails, not
 * of the order they arrived in: a mail that arrives in Date order is
 * applied on top of the stored members; one that arrives out of order
 * replays the group from its log (from a snapshot before it, until the
 * group judges as it did before: koi-store-group-log.c). Members and name then follow the rules
 * of koi-store-group.h. A group stored before the log (schema 11) starts
 * from its stored members and name, replayed before any mail.
 */

/* On-disk values (group_events.kind): frozen, only append. */
typedef enum {
  KOI_STORE_GROUP_FACT_MEMBER_SEEN = 1,   /* value: an address in To/Cc */
  KOI_STORE_GROUP_FACT_ADDED       = 2,   /* value: the added address */
  KOI_STORE_GROUP_FACT_REMOVED     = 3,   /* value: the removed address (or who left) */
  KOI_STORE_GROUP_FACT_NAME_SEEN   = 4,   /* value: the name a group mail shows */
  KOI_STORE_GROUP_FACT_RENAMED     = 5,   /* value: the new name */
} KoiStoreGroupFactKind;

typedef struct {
  KoiStoreGroupFactKind  kind;
  const char            *value;
} KoiStoreGroupFact;

typedef struct {
  gint64                    message_ref;  /* the stored mail, 0 for none */
  const char               *tie;          /* its Message-ID: orders mails of one Date */
  gint64                    at_ms;        /* its Date */
  /* Whose membership decides whether the facts count; NULL: they always
   * count (the Subject of an email program's reply, which only titles a
   * group nothing else named). */
  const char               *sender;
  const KoiStoreGroupFact  *facts;
  guint                     n_facts;
  /* The info line the mail shows when its facts count; when they do not,
   * it shows none (the change did not happen). */
  KoiStoreGroupInfo         info;
  const char               *info_arg;
  /* The facts carry the time 0 instead of @at_ms (the Subject of an email
   * program's reply, which any name a group client wrote outweighs). */
  gboolean                  facts_undated;
} KoiStoreGroupMail;

/* Records @mail's facts for group @chat_id and brings the group's members,
 * name and info lines up to date. A mail recorded before (a re-fetch) is
 * replaced. *@out_changed (may be NULL): the members or the name changed.
 * @out_updated (may be NULL): gets the message refs (gint64) of other
 * mails whose info line changed. */
gboolean   koi_store_group_log_apply (KoiStore                *store,
                                      gint64                   chat_id,
                                      const KoiStoreGroupMail *mail,
                                      gboolean                *out_changed,
                                      GArray                  *out_updated,
                                      GError                 **error);

G_END_DECLS
