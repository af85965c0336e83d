/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Rebuilds the profile's damaged store: the file is set aside (kept as
 * koi.db.damaged-DATE, koi_store_set_aside()), a new empty store takes its
 * place, and the accounts come back from the spare copy
 * (koi-account-backup.h), so their engines fetch the chats from the
 * server again. Blocking. Returns how many accounts came back in
 * @n_accounts (0: the user adds the account again). */
gboolean koi_store_repair (const char  *profile_dir,
                           guint       *n_accounts,
                           GError     **error);

G_END_DECLS
