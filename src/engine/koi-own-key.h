/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-rnp-context.h"

G_BEGIN_DECLS

/*
 * The account's own OpenPGP key. It lives in the profile beside the store
 * as "key-ACCOUNT.pgp" (mode 0600), its secret parts encrypted by librnp
 * with a random passphrase that only the Secret Service holds (koi-secret.h).
 * The first call for an account makes the key, without asking anything:
 * at setup, or at the first start of an account from before encryption.
 */

char          *koi_own_key_path (const char    *store_path,
                                 gint64         account_id);
/* Blocking (Secret Service, file, key generation): worker threads only.
 * Each call returns a new context (one per thread). */
KoiRnpContext *koi_own_key_open (const char    *store_path,
                                 gint64         account_id,
                                 const char    *address,
                                 GCancellable  *cancellable,
                                 GError       **error);

G_END_DECLS
