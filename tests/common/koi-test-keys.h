/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A new Ed25519 + Curve25519 key for <@address>, made with librnp: its
 * public part (binary, with subkeys) and, in *@out_fingerprint, the
 * library's own fingerprint (40 upper-case hex digits). With
 * @can_encrypt FALSE: a signing key alone, which Autocrypt cannot use. */
GBytes *koi_test_make_key (const char  *address,
                           gboolean     can_encrypt,
                           char       **out_fingerprint);

G_END_DECLS
