/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "koi-store.h"

G_BEGIN_DECLS

/*
 * A spare copy of the profile's account settings (servers, logins,
 * trusted certificates; never a password, which stays in the keyring) in
 * PROFILE/accounts.ini, beside the store. The store is where they live;
 * this copy is what lets a damaged store be rebuilt from the server
 * without the user typing the account in again (koi-store-repair.h).
 */

/* Writes every account of @store to the copy (replacing it at once, never
 * half-written). Blocking. */
gboolean   koi_account_backup_write (KoiStore     *store,
                                     const char   *profile_dir,
                                     GError      **error);
/* The accounts in the copy (KoiStoreAccount*, free func set); empty when
 * there is none. Blocking. */
GPtrArray *koi_account_backup_read  (const char   *profile_dir,
                                     GError      **error);

G_END_DECLS
