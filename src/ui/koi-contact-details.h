/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-account.h"

G_BEGIN_DECLS

#define KOI_TYPE_CONTACT_DETAILS (koi_contact_details_get_type ())
G_DECLARE_FINAL_TYPE (KoiContactDetails, koi_contact_details, KOI, CONTACT_DETAILS, GtkBox)

/*
 * One contact's card, edited in place: avatar, name, further email
 * addresses, phone, note, notifications, Block/Unblock, Send Message.
 * Saving writes a new version of the card through the engine
 * (koi_account_edit_contact_async), which syncs it to the user's other
 * devices. Signals: "loaded" after each read of the card, "saved" after
 * an edit was stored, "send-message" (const char *address).
 */

GtkWidget  *koi_contact_details_new          (KoiAccount        *account);
void        koi_contact_details_set_address  (KoiContactDetails *self,
                                              const char        *address);
const char *koi_contact_details_get_address  (KoiContactDetails *self);
/* The name as shown at the top (the card's, else the address). */
const char *koi_contact_details_get_title    (KoiContactDetails *self);
gboolean    koi_contact_details_get_blocked  (KoiContactDetails *self);
/* Their key's fingerprint in groups of four as shown, or NULL when no
 * key is known (the Encryption group is hidden then). */
const char *koi_contact_details_get_fingerprint (KoiContactDetails *self);
/* The editable rows, for the keyboard and for tests. */
GtkWidget  *koi_contact_details_get_name_row (KoiContactDetails *self);
GtkWidget  *koi_contact_details_get_save_button  (KoiContactDetails *self);
GtkWidget  *koi_contact_details_get_block_button (KoiContactDetails *self);
/* The error shown under the card, or NULL. */
const char *koi_contact_details_get_error    (KoiContactDetails *self);
/* As if the user chose this image for the avatar (then Save). */
void        koi_contact_details_set_avatar_file (KoiContactDetails *self,
                                                 GFile             *file);

G_END_DECLS
