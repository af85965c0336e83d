/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-coi-builder.h"

G_BEGIN_DECLS

/**
 * KoiCoiGroupAction:
 * @KOI_COI_GROUP_TEXT: an ordinary message to the group
 * @KOI_COI_GROUP_CREATED: the first message of a new group
 *   (`Chat-Content: group-created`, a Koi name Delta Chat ignores)
 * @KOI_COI_GROUP_ADDED: @address was added (`Chat-Group-Member-Added`)
 * @KOI_COI_GROUP_REMOVED: @address was removed (`Chat-Group-Member-Removed`)
 * @KOI_COI_GROUP_LEFT: the sender leaves (COI `Chat-Content: groupleft`
 *   and `Chat-Group-Member-Removed: sender`)
 * @KOI_COI_GROUP_RENAMED: the group is now @name, was @old_name
 *   (`Chat-Group-Name-Changed: OLD`)
 */
typedef enum {
  KOI_COI_GROUP_TEXT,
  KOI_COI_GROUP_CREATED,
  KOI_COI_GROUP_ADDED,
  KOI_COI_GROUP_REMOVED,
  KOI_COI_GROUP_LEFT,
  KOI_COI_GROUP_RENAMED,
} KoiCoiGroupAction;

/**
 * KoiCoiGroupOutgoing:
 * @base: sender, recipients (every member but the sender, plus a removed
 *   member for their removal), text, thread and date; @base->message_id
 *   %NULL generates `chat$group.GROUPID.UNIQUE@domain`
 * @group_id: the group's id ([A-Za-z0-9_-], 12 to 64 characters)
 * @name: the group's name (after a rename: the new one)
 * @action: what the message does
 * @address: the added or removed member
 * @old_name: the name before a rename
 *
 * One message to a group, in the COI form (Subject = name, members in To,
 * the group id in the Message-ID) with Delta Chat's headers beside it.
 */
typedef struct {
  KoiCoiOutgoing      base;
  const char         *group_id;
  const char         *name;
  KoiCoiGroupAction   action;
  const char         *address;
  const char         *old_name;
} KoiCoiGroupOutgoing;

/* A new random group id (16 characters of [A-Za-z0-9_-]). */
char         *koi_coi_generate_group_id     (void);
GMimeMessage *koi_coi_build_group_message   (const KoiCoiGroupOutgoing *out,
                                             GError                   **error);

G_END_DECLS
