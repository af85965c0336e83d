/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-rnp-context.h"

G_BEGIN_DECLS

/* OpenPGP identities for tests: a context with its own key made on the
 * spot, and one identity learning another's key the way Autocrypt hands
 * it over (the exported key added). Every step is asserted. */

KoiRnpContext *koi_test_identity_new       (const char    *address);

char          *koi_test_identity_introduce (KoiRnpContext *from,
                                            KoiRnpContext *to);

G_END_DECLS
