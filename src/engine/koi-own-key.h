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

/* Moving the key to another device (Autocrypt Setup Message,
 * koi-pgp-setup.h). Blocking: worker threads only. */

/* The own key, unprotected and armoured, for the setup message; wipe it
 * with the setup code after use. Fails when this device has no key. */
GBytes        *koi_own_key_setup_payload (const char    *store_path,
                                          gint64         account_id,
                                          const char    *address,
                                          GCancellable  *cancellable,
                                          GError       **error);
/* Makes @payload (a decrypted setup message) the account's key here: a
 * new passphrase in the Secret Service, then the key file, replacing any
 * key this device had; only then the replaced key's passphrase leaves the
 * Secret Service (a note beside the key file lets koi_own_key_open()
 * finish that after a crash). Returns the key's fingerprint. */
char          *koi_own_key_import        (const char    *store_path,
                                          gint64         account_id,
                                          const char    *address,
                                          GBytes        *payload,
                                          GCancellable  *cancellable,
                                          GError       **error);
/* The fingerprint of the key file here, read without its passphrase, or
 * NULL when this device has none. */
char          *koi_own_key_file_fingerprint (const char *store_path,
                                             gint64      account_id);
/* Counts imports in this process: a syncer that opened the key before
 * the count changed opens it again (koi-syncer-crypto.c). */
guint          koi_own_key_generation    (void);

G_END_DECLS
