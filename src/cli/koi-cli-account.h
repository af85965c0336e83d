/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-account-config.h"
#include "koi-store.h"

G_BEGIN_DECLS

/* `koi-cli account remove ADDR`: what the window's Remove Account does
 * (koi_account_remove_sync): the account's local data, its key file and
 * its keyring entries go; nothing on the server is touched.
 * KOI_ENGINE_ERROR_NO_ACCOUNT if the profile has no such account. */
gboolean koi_cli_account_remove (const char              *profile_dir,
                                 const char              *address,
                                 GError                 **error);

/* `koi-cli account coi [enable]`: connects, and prints one JSON object:
 * "coi" (none, offered, declined, enabled) and "chats_folder". With
 * @enable, turns COI filing on first (the user's answer, saved with the
 * account); KOI_ENGINE_ERROR_INVALID when the server has no COI. */
gboolean koi_cli_account_coi    (KoiStore                *store,
                                 const KoiAccountConfig  *account,
                                 gboolean                 enable,
                                 GError                 **error);

G_END_DECLS
