/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

#include "koi-rnp-context.h"

G_BEGIN_DECLS

/* Shared by the files that make up KoiRnpContext, never outside src/crypto. */
rnp_ffi_t  koi_rnp_context_get_ffi          (KoiRnpContext *self);
void       koi_rnp_context_set_own          (KoiRnpContext *self,
                                             const char    *fingerprint,
                                             const char    *address);
/* The own primary key, or NULL; free with rnp_key_handle_destroy(). */
rnp_key_handle_t koi_rnp_context_locate_own (KoiRnpContext *self);

/* Shared with koi-pgp-setup.c (koi-rnp-own-key.c): unlock, protect
 * (AES-256, SHA-256 S2K) or find the key and its subkeys as one. */
rnp_result_t     koi_rnp_unlock_all          (rnp_key_handle_t  primary,
                                              const char       *passphrase);
rnp_result_t     koi_rnp_protect_all         (rnp_key_handle_t  primary,
                                              const char       *passphrase);
/* The first primary key that has its secret part; destroy it after use. */
rnp_key_handle_t koi_rnp_find_secret_primary (rnp_ffi_t         ffi);
/* The address in the key's primary user id ("<a@b>" → "a@b"). */
char            *koi_rnp_key_address         (rnp_key_handle_t  key);

/* Copies an rnp memory output into GBytes. */
GBytes    *koi_rnp_output_to_bytes          (rnp_output_t   output);
/* rnp's fingerprint (a buffer to free) as Koi's upper-case copy. */
char      *koi_rnp_take_fingerprint         (char          *rnp_buffer);

G_END_DECLS
