/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KOI_PGP_ERROR (koi_pgp_error_quark ())
GQuark koi_pgp_error_quark (void);

/**
 * KoiPgpError:
 * @KOI_PGP_ERROR_BAD_KEY: the bytes are not an OpenPGP public key Koi can
 *   use (garbage, a key without an encryption-capable key, a revoked or
 *   expired key).
 * @KOI_PGP_ERROR_FAILED: the OpenPGP library failed for another reason.
 *
 * Codes of %KOI_PGP_ERROR. Values are never renumbered.
 */
typedef enum
{
  KOI_PGP_ERROR_BAD_KEY = 1,
  KOI_PGP_ERROR_FAILED = 2,
} KoiPgpError;

char *koi_pgp_key_fingerprint (GBytes  *keydata,
                               GError **error);

char *koi_pgp_fingerprint_display (const char *fingerprint);

G_END_DECLS
