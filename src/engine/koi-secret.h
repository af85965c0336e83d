/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Account passwords live in the Secret Service (libsecret) only: never in
 * the store, a settings file, a log or a command line. An entry is keyed by
 * the account address and the IMAP server ("host:port"). Headless runs use
 * libsecret's file backend (SECRET_BACKEND=file) or gnome-keyring on a
 * private D-Bus session; see README.md.
 */

gboolean  koi_secret_store_sync    (const char           *address,
                                    const char           *server,
                                    const char           *password,
                                    GCancellable         *cancellable,
                                    GError              **error);
/* NULL and no error when there is no entry. */
char     *koi_secret_lookup_sync   (const char           *address,
                                    const char           *server,
                                    GCancellable         *cancellable,
                                    GError              **error);
void      koi_secret_lookup_async  (const char           *address,
                                    const char           *server,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
char     *koi_secret_lookup_finish (GAsyncResult         *result,
                                    GError              **error);
gboolean  koi_secret_clear_sync    (const char           *address,
                                    const char           *server,
                                    GCancellable         *cancellable,
                                    GError              **error);

/* The passphrase of the account's key file (see koi-own-key.h). NULL and
 * no error when there is no entry. */
gboolean  koi_secret_key_passphrase_store_sync  (const char    *address,
                                                 const char    *fingerprint,
                                                 const char    *passphrase,
                                                 GCancellable  *cancellable,
                                                 GError       **error);
char     *koi_secret_key_passphrase_lookup_sync (const char    *address,
                                                 const char    *fingerprint,
                                                 GCancellable  *cancellable,
                                                 GError       **error);

/* Removes the passphrase item of the key @fingerprint of @address. */
gboolean  koi_secret_key_passphrase_clear_sync  (const char    *address,
                                                 const char    *fingerprint,
                                                 GCancellable  *cancellable,
                                                 GError       **error);

G_END_DECLS
