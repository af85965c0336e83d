/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define KOI_TYPE_CONTACT (koi_contact_get_type ())
G_DECLARE_FINAL_TYPE (KoiContact, koi_contact, KOI, CONTACT, GObject)

/* A person by address. Properties: address (construct-only),
 * display-name (may be NULL). */

KoiContact *koi_contact_new              (const char *address,
                                          const char *display_name);
const char *koi_contact_get_address      (KoiContact *self);
const char *koi_contact_get_display_name (KoiContact *self);
void        koi_contact_set_display_name (KoiContact *self,
                                          const char *display_name);
/* The display name, else the address. */
const char *koi_contact_get_title        (KoiContact *self);

G_END_DECLS
