/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-account.h"

G_BEGIN_DECLS

/*
 * Moving the account's encryption key to another device (Preferences,
 * "Encryption Key"): one row per account with "Transfer Key to Another
 * Device…" (puts an Autocrypt Setup Message into the mailbox and shows
 * its setup code once) and, when this device lacks the key that the
 * account's own mail shows and a setup message is there, "Enter Setup
 * Code…". The work runs in the engine (koi-engine-keyxfer.c).
 */
GtkWidget *koi_key_transfer_row_new             (KoiAccount *account);

/* For tests: the row's buttons. */
GtkWidget *koi_key_transfer_row_get_transfer    (GtkWidget  *row);
GtkWidget *koi_key_transfer_row_get_enter_code  (GtkWidget  *row);

G_END_DECLS
