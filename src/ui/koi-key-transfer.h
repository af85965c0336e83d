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
/* Adds the account's rows to @group and to @rows (to remove them later):
 * "Transfer Key to Another Device…", and "Enter Setup Code…" (shown only
 * when there is a key to take over). Returns the first (borrowed). */
GtkWidget *koi_key_transfer_rows_add            (AdwPreferencesGroup *group,
                                                 KoiAccount          *account,
                                                 GPtrArray           *rows);

typedef enum {
  KOI_KEY_TRANSFER_IMPORTING,
  KOI_KEY_TRANSFER_IMPORTED,
  KOI_KEY_TRANSFER_FAILED,
} KoiKeyTransferStep;

/* Told when the import starts and how it ended (a failure has been shown
 * to the user already). */
typedef void (*KoiKeyTransferNotify) (GtkWidget          *owner,
                                      KoiKeyTransferStep  step);

/* Asks for the setup code ("Enter Setup Code" over @owner) and imports
 * the account's key with it; Preferences' row and the window's banner
 * both lead here. @owner is kept alive until the import ends. */
void       koi_key_transfer_ask_code            (GtkWidget            *owner,
                                                 KoiAccount           *account,
                                                 KoiKeyTransferNotify  notify);

/* For tests: the rows, from the one koi_key_transfer_rows_add() returned. */
GtkWidget *koi_key_transfer_row_get_transfer    (GtkWidget  *row);
GtkWidget *koi_key_transfer_row_get_enter_code  (GtkWidget  *row);

G_END_DECLS
