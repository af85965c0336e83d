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
 * @KOI_PGP_ERROR_NO_SECRET_KEY: the message is not encrypted to a key this
 *   device holds ("cannot decrypt": wait for the key, do not discard).
 * @KOI_PGP_ERROR_DAMAGED: the encrypted data is malformed, altered in
 *   transit or not integrity-protected; its plaintext is never shown.
 * @KOI_PGP_ERROR_NO_PUBLIC_KEY: a recipient's key is not known.
 * @KOI_PGP_ERROR_WRONG_PASSPHRASE: the own key could not be unlocked.
 *
 * Codes of %KOI_PGP_ERROR. Values are never renumbered.
 */
typedef enum
{
  KOI_PGP_ERROR_BAD_KEY = 1,
  KOI_PGP_ERROR_FAILED = 2,
  KOI_PGP_ERROR_NO_SECRET_KEY = 3,
  KOI_PGP_ERROR_DAMAGED = 4,
  KOI_PGP_ERROR_NO_PUBLIC_KEY = 5,
  KOI_PGP_ERROR_WRONG_PASSPHRASE = 6,
} KoiPgpError;

char *koi_pgp_key_fingerprint (GBytes  *keydata,
                               GError **error);

char *koi_pgp_fingerprint_display (const char *fingerprint);

G_END_DECLS
