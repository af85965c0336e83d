/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gmime/gmime.h>

#include "koi-pgp-key.h"

G_BEGIN_DECLS

/*
 * KoiRnpContext is gmime's PGP/MIME crypto context on librnp: one account's
 * own key (secret, unlocked in memory) plus the peers' public keys the
 * engine adds before an operation. One context per account, used on one
 * thread (the engine's command thread): librnp's ffi is not thread-safe.
 *
 * It is never registered with g_mime_crypto_context_register(): gmime's
 * registry creates a context from a protocol name alone, so it could not
 * know whose keys to use, and a process may hold several accounts (two
 * profiles, a test with alice and bob). Callers hand the context in
 * explicitly instead: koi_pgp_mime_encrypt() passes it to
 * g_mime_multipart_encrypted_encrypt(), and koi_pgp_mime_decrypt() calls
 * its decrypt itself on the encrypted part.
 */

/* G_DECLARE_FINAL_TYPE needs the parent's cleanup; gmime 3.2 has none. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeCryptoContext, g_object_unref)

#define KOI_TYPE_RNP_CONTEXT (koi_rnp_context_get_type ())
G_DECLARE_FINAL_TYPE (KoiRnpContext, koi_rnp_context, KOI, RNP_CONTEXT, GMimeCryptoContext)

KoiRnpContext *koi_rnp_context_new                  (void);

/* The own key (koi-rnp-own-key.c). */
gboolean       koi_rnp_context_generate_own_key     (KoiRnpContext  *self,
                                                     const char     *address,
                                                     GError        **error);
gboolean       koi_rnp_context_load_own_key         (KoiRnpContext  *self,
                                                     GBytes         *secret,
                                                     const char     *passphrase,
                                                     GError        **error);
GBytes        *koi_rnp_context_export_own_key       (KoiRnpContext  *self,
                                                     const char     *passphrase,
                                                     GError        **error);
gboolean       koi_rnp_context_has_own_key          (KoiRnpContext  *self);
const char    *koi_rnp_context_get_own_fingerprint  (KoiRnpContext  *self);
GBytes        *koi_rnp_context_export_autocrypt     (KoiRnpContext  *self,
                                                     GError        **error);
char          *koi_rnp_context_dump_own_key_json    (KoiRnpContext  *self);

/* Peers' public keys: binary or armoured; returns the fingerprint. */
char          *koi_rnp_context_add_public_key       (KoiRnpContext  *self,
                                                     GBytes         *keydata,
                                                     GError        **error);

char          *koi_pgp_random_passphrase            (void);
char          *koi_pgp_own_key_file_fingerprint     (GBytes         *secret,
                                                     GError        **error);

G_END_DECLS
