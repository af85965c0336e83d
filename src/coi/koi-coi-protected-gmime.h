/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gmime/gmime.h>

G_BEGIN_DECLS

/*
 * The protected headers of a decrypted entity moved through gmime's header
 * lists: the way for what koi_coi_protected_merge() does not splice as text
 * (koi-coi-protected.h), and the reference its test compares with.
 */

char *koi_coi_first_mailbox         (InternetAddressList *list);

void  koi_coi_protected_apply_gmime (GMimeMessage        *outer,
                                     GMimeObject         *inner);

G_END_DECLS
