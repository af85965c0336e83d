/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "koi-pgp-key.h"

G_BEGIN_DECLS

/*
 * The cryptography of the Autocrypt Setup Message (Autocrypt Level 1,
 * section 4.4): how the account's secret key travels to another device of
 * the same user. The key is exported without its local protection, armoured
 * with an "Autocrypt-Prefer-Encrypt" header, and encrypted symmetrically
 * (AES-128, iterated and salted S2K) with a setup code of 36 random digits
 * that the user reads on one device and types on the other. The code is
 * never logged or stored: callers wipe it (koi_pgp_setup_code_free).
 */

/* "1234-5678-…": 9 blocks of 4 random digits (the passphrase itself). */
char    *koi_pgp_setup_code_new          (void);
/* Whatever the user typed (spaces, dashes, line breaks, other digit
 * groupings) as the canonical code, or NULL when it does not hold exactly
 * 36 digits. */
char    *koi_pgp_setup_code_normalize    (const char  *typed);
/* Overwrites the code before freeing it. */
void     koi_pgp_setup_code_free         (char        *code);

/* The secret key of a key file (koi_rnp_context_export_own_key) opened with
 * @passphrase, unprotected and armoured with "Autocrypt-Prefer-Encrypt:
 * mutual": the Setup Message's payload. Wipe it after use. */
GBytes  *koi_pgp_setup_payload_new      (GBytes      *key_file,
                                          const char  *passphrase,
                                          GError     **error);
/* @payload encrypted with @code: an armoured "PGP MESSAGE" with the
 * "Passphrase-Format: numeric9x4" and "Passphrase-Begin" armour headers. */
char    *koi_pgp_setup_encrypt           (GBytes      *payload,
                                          const char  *code,
                                          GError     **error);
/* The first two digits of the code, as "Passphrase-Begin" names them, or
 * NULL when the armour has none. */
char    *koi_pgp_setup_passphrase_begin  (const char  *armoured);
/* The payload back. %KOI_PGP_ERROR_WRONG_PASSPHRASE for a wrong code,
 * %KOI_PGP_ERROR_DAMAGED for anything else that does not decrypt. */
GBytes  *koi_pgp_setup_decrypt           (const char  *armoured,
                                          const char  *code,
                                          GError     **error);
/* A key file for this device from a decrypted payload: the secret key
 * protected with @passphrase (a new one, for the Secret Service), and its
 * fingerprint and address. Fails with %KOI_PGP_ERROR_BAD_KEY when the
 * payload holds no usable secret key (no encryption subkey, a public key
 * only, garbage). */
GBytes  *koi_pgp_setup_key_file_new      (GBytes      *payload,
                                          const char  *passphrase,
                                          char       **out_fingerprint,
                                          char       **out_address,
                                          GError     **error);

G_END_DECLS
