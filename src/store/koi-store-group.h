/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-store.h"

G_BEGIN_DECLS

/*
 * Group chats: members and name, ordered by the time of the message that
 * set them (docs/WIRE.md, "Groups"). Every device that holds the same mail
 * ends with the same members and name, whatever order the mail came in:
 *
 * - an explicit change (added, removed, left, renamed) wins over what a
 *   group message's To/Cc or group name only shows ("seen" facts);
 * - among explicit changes the newest Date wins; at the same Date a
 *   removal wins over an addition and the greater name (byte order) wins;
 * - a removed member keeps a row with the time of removal, so an older
 *   message cannot bring them back.
 */

/* On-disk values (messages.group_info): frozen, only append. */
typedef enum {
  KOI_STORE_GROUP_INFO_NONE    = 0,
  KOI_STORE_GROUP_INFO_CREATED = 1,  /* arg: the group's name */
  KOI_STORE_GROUP_INFO_ADDED   = 2,  /* arg: the added address */
  KOI_STORE_GROUP_INFO_REMOVED = 3,  /* arg: the removed address */
  KOI_STORE_GROUP_INFO_LEFT    = 4,  /* arg: who left (the sender) */
  KOI_STORE_GROUP_INFO_RENAMED = 5,  /* arg: the new name */
  /* Not only in groups: a peer's encryption key changed (koi-store-crypto.h);
   * arg: the peer's address, the row's sender is the peer. */
  KOI_STORE_GROUP_INFO_KEY_CHANGED = 6,
} KoiStoreGroupInfo;

typedef enum {
  KOI_STORE_GROUP_MEMBER_UNKNOWN = 0,
  KOI_STORE_GROUP_MEMBER_PRESENT = 1,
  KOI_STORE_GROUP_MEMBER_REMOVED = 2,
} KoiStoreGroupMemberState;

typedef struct {
  char     *address;
  char     *display_name;     /* the contact's, or NULL */
  gboolean  removed;
  gboolean  explicit_change;  /* set by a change message, not only seen in To/Cc */
  gint64    changed_at_ms;
} KoiStoreGroupMember;

/* Whether @address is a member of the group @chat_id now. */
gboolean   koi_store_group_member_state (KoiStore                  *store,
                                         gint64                     chat_id,
                                         const char                *address,
                                         KoiStoreGroupMemberState  *out_state,
                                         GError                   **error);

/* Records that @address is a member (@member) or was removed at @at_ms.
 * @explicit_change: a change message said so; else the address was only
 * seen in a group message (then @member must be TRUE). Applies the rules
 * above; *@out_changed (may be NULL) tells whether the state changed. */
gboolean   koi_store_group_member_set   (KoiStore                  *store,
                                         gint64                     chat_id,
                                         const char                *address,
                                         gboolean                   member,
                                         gint64                     at_ms,
                                         gboolean                   explicit_change,
                                         gboolean                  *out_changed,
                                         GError                   **error);

/* The same for the group's name. */
gboolean   koi_store_group_name_set     (KoiStore                  *store,
                                         gint64                     chat_id,
                                         const char                *name,
                                         gint64                     at_ms,
                                         gboolean                   explicit_change,
                                         gboolean                  *out_changed,
                                         GError                   **error);

/* The Date (ms) of the newest change this group's members or name carry,
 * 0 for none. A device that changes the group again dates the change
 * after it, so its own changes keep their order even within a second. */
gint64     koi_store_group_last_change_ms (KoiStore                *store,
                                           gint64                   chat_id,
                                           GError                 **error);

/* Members by address; with @include_removed also the removed ones. Of
 * KoiStoreGroupMember*, free func set. */
GPtrArray *koi_store_group_list_members (KoiStore                  *store,
                                         gint64                     chat_id,
                                         gboolean                   include_removed,
                                         GError                   **error);
void       koi_store_group_member_free  (KoiStoreGroupMember       *member);

/* The info line of a message (KOI_STORE_GROUP_INFO_NONE for none). */
gboolean   koi_store_message_set_group_info (KoiStore           *store,
                                             gint64              message_ref,
                                             KoiStoreGroupInfo   info,
                                             const char         *arg,
                                             GError            **error);
/* *@out_not_member: an incoming group message whose sender is not a member
 * now and was never one, or was removed before (by Date) the message: it
 * is shown marked. Judged from the members as they are now, not as they
 * were when the mail arrived, so every device marks the same messages. */
gboolean   koi_store_message_get_group_info (KoiStore           *store,
                                             gint64              message_ref,
                                             KoiStoreGroupInfo  *out_info,
                                             char              **out_arg,
                                             gboolean           *out_not_member,
                                             GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiStoreGroupMember, koi_store_group_member_free)

G_END_DECLS
