/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-account.h"
#include "koi-chat.h"

G_BEGIN_DECLS

#define KOI_TYPE_GROUP_DETAILS (koi_group_details_get_type ())
G_DECLARE_FINAL_TYPE (KoiGroupDetails, koi_group_details, KOI, GROUP_DETAILS, AdwWindow)

/*
 * A group's details: its name (rename), its members with avatars (add,
 * remove), the user's own place in it, and Leave. Members are read on the
 * store reader's thread; every change goes through the account's engine
 * and the list is read again when it is stored.
 */
GtkWidget *koi_group_details_new             (GtkWindow       *parent,
                                              KoiAccount      *account,
                                              KoiChat         *chat);

/* For tests: the member addresses shown (NULL-terminated, transfer full),
 * and the actions as the buttons run them. "loaded" notifies after every
 * read of the members. */
char     **koi_group_details_get_members     (KoiGroupDetails *self);
void       koi_group_details_remove_member   (KoiGroupDetails *self,
                                              const char      *address);

G_END_DECLS
