/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-account.h"
#include "koi-compat.h"

G_BEGIN_DECLS

#define KOI_TYPE_PROFILE_DIALOG (koi_profile_dialog_get_type ())
G_DECLARE_FINAL_TYPE (KoiProfileDialog, koi_profile_dialog, KOI, PROFILE_DIALOG, KoiDialogBase)

/*
 * The user's own card (win.profile, from the main menu): name, status and
 * avatar. Saved as the account's own card (is_me), which the user's other
 * devices show and which others get when the user shares it. Signals:
 * "loaded" when the card was read, "saved" when an edit was stored.
 */

/* Show it with koi_compat_present_dialog(): an AdwDialog on the modern
 * widget set, an AdwWindow on the legacy one (koi-compat.h). */
GtkWidget *koi_profile_dialog_new             (KoiAccount       *account);
void       koi_profile_dialog_set_name        (KoiProfileDialog *self,
                                               const char       *name);
void       koi_profile_dialog_set_status      (KoiProfileDialog *self,
                                               const char       *status);
/* As if the user chose @file in the file chooser. */
void       koi_profile_dialog_set_avatar_file (KoiProfileDialog *self,
                                               GFile            *file);
gboolean   koi_profile_dialog_has_avatar      (KoiProfileDialog *self);
/* TRUE once the card was read (the rows show it). */
gboolean   koi_profile_dialog_get_loaded      (KoiProfileDialog *self);
const char *koi_profile_dialog_get_name       (KoiProfileDialog *self);
const char *koi_profile_dialog_get_status     (KoiProfileDialog *self);
void       koi_profile_dialog_save            (KoiProfileDialog *self);
const char *koi_profile_dialog_get_error      (KoiProfileDialog *self);

G_END_DECLS
