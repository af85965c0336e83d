/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gmime/gmime.h>

G_BEGIN_DECLS

/*
 * The Autocrypt Setup Message (Autocrypt Level 1, 4.4) as mail: the
 * account's secret key, encrypted with a setup code (src/crypto/
 * koi-pgp-setup.h), sent by the user to themselves so another device of
 * theirs can take the key over. It is typed KOI_COI_TYPE_KEY_SETUP and
 * never shown as a message.
 */

#define KOI_COI_SETUP_SUBJECT "Autocrypt Setup Message"

/* From and To @address, Subject "Autocrypt Setup Message",
 * "Autocrypt-Setup-Message: v1"; multipart/mixed with a short text for
 * mail programs and the @armoured block as an application/autocrypt-setup
 * attachment (an HTML page, as the spec shows, so a mail program opens it
 * readably). */
GMimeMessage *koi_coi_build_setup_message (const char    *address,
                                           const char    *armoured,
                                           GError       **error);
/* Whether @message announces itself as a setup message (its header). */
gboolean      koi_coi_is_setup_message    (GMimeMessage  *message);
/* The text of its application/autocrypt-setup part (the encrypted key,
 * maybe inside HTML), or NULL when it has none. */
char         *koi_coi_setup_message_armour (GMimeMessage *message);

G_END_DECLS
