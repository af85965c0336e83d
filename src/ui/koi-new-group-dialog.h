/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-account.h"

G_BEGIN_DECLS

#define KOI_TYPE_NEW_GROUP_DIALOG (koi_new_group_dialog_get_type ())
G_DECLARE_FINAL_TYPE (KoiNewGroupDialog, koi_new_group_dialog, KOI, NEW_GROUP_DIALOG, AdwWindow)

/*
 * New Group: a name and the members, picked from the people the user
 * chats with or typed as addresses (checked before they are taken).
 * Create asks @account's engine; "group-created" (gint64 chat_id) is
 * emitted once the group is stored, then the dialog closes.
 */
GtkWidget *koi_new_group_dialog_new          (GtkWindow         *parent,
                                              KoiAccount        *account);

/* For tests: the same as typing and pressing the buttons. */
void       koi_new_group_dialog_set_name     (KoiNewGroupDialog *self,
                                              const char        *name);
gboolean   koi_new_group_dialog_add_address  (KoiNewGroupDialog *self,
                                              const char        *address);
/* The addresses chosen so far, NULL-terminated (transfer full). */
char     **koi_new_group_dialog_get_members  (KoiNewGroupDialog *self);
void       koi_new_group_dialog_create       (KoiNewGroupDialog *self);
const char *koi_new_group_dialog_get_error   (KoiNewGroupDialog *self);

G_END_DECLS
