/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Removes an account from the profile: its rows in the store (everything
 * hangs off the account row), the attachment files no other account
 * shares, its key file and the key's passphrase item, its password item,
 * and its entry in the spare copy (accounts.ini). Nothing on the server is
 * touched: the mail stays there for another client or a later setup.
 * The account's engine must have stopped. Blocking: worker threads only.
 */
gboolean koi_account_remove_sync   (const char           *profile_dir,
                                    gint64                account_id,
                                    GCancellable         *cancellable,
                                    GError              **error);

void     koi_account_remove_async  (const char           *profile_dir,
                                    gint64                account_id,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
gboolean koi_account_remove_finish (GAsyncResult         *result,
                                    GError              **error);

G_END_DECLS
