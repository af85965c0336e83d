/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gmime/gmime.h>

G_BEGIN_DECLS

/*
 * Delta Chat's `Chat-Group-Member-Fpr` (docs/WIRE.md, "Chat-Group-Member-Fpr"):
 * in an encrypted group mail, the OpenPGP fingerprint of every member, in
 * the order of the To field (the sender's own address is in To too),
 * followed by those of past members. Space-separated upper-case hex, as
 * Delta Chat writes them. It only says which key goes with which address;
 * it never names a member by itself.
 */

#define KOI_COI_MEMBER_FPR_HEADER "Chat-Group-Member-Fpr"

/* The header's value for @fingerprints (in To order); NULL when there are
 * none or one is missing: Delta Chat sends it for all members or not at all. */
char      *koi_coi_member_fpr_format (const char * const *fingerprints,
                                      gsize               n_fingerprints);
/* What a group mail sends: the value for @message's To field, each
 * address's fingerprint from @by_address (lower-case address → fingerprint),
 * @own_fingerprint for @own_address. NULL when @message is no group mail
 * (no Chat-Group-ID) or a fingerprint is missing. */
char      *koi_coi_member_fpr_for_to (GMimeMessage       *message,
                                      const char         *own_address,
                                      const char         *own_fingerprint,
                                      GHashTable         *by_address);
/* The fingerprints @message names for the addresses of @to (of char*, as
 * the parser reads To), upper-cased, one per address in the same order;
 * NULL when there is no header, or it is malformed, or it names fewer
 * than @to has (the pairing would be guesswork). Past members after them
 * are dropped: Koi knows them by address only. */
GPtrArray *koi_coi_member_fpr_read   (GMimeMessage       *message,
                                      GPtrArray          *to);
/* The fingerprint @fingerprints (as read above) pairs with @address in
 * @to, or NULL. */
const char *koi_coi_member_fpr_lookup (GPtrArray         *fingerprints,
                                       GPtrArray         *to,
                                       const char        *address);

G_END_DECLS
