/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gmime/gmime.h>

#include "koi-rnp-context.h"

G_BEGIN_DECLS

/**
 * KoiPgpSignature:
 * @KOI_PGP_SIGNATURE_NONE: not signed
 * @KOI_PGP_SIGNATURE_VALID: signed, valid, by the key Koi knows for the sender
 * @KOI_PGP_SIGNATURE_BAD: a signature that does not match the content
 * @KOI_PGP_SIGNATURE_UNKNOWN_KEY: signed by a key that is not the sender's
 *   known key (or no key is known for the sender)
 *
 * What a message's signature says. The values are the store's `signature`
 * column and never change.
 */
typedef enum
{
  KOI_PGP_SIGNATURE_NONE = 0,
  KOI_PGP_SIGNATURE_VALID = 1,
  KOI_PGP_SIGNATURE_BAD = 2,
  KOI_PGP_SIGNATURE_UNKNOWN_KEY = 3,
} KoiPgpSignature;

gboolean                 koi_pgp_mime_is_encrypted     (GMimeObject              *object);
GMimeObject             *koi_pgp_mime_decrypt          (KoiRnpContext            *context,
                                                        GMimeMultipartEncrypted  *encrypted,
                                                        GMimeDecryptResult      **result,
                                                        GError                  **error);
gboolean                 koi_pgp_mime_decrypt_to_stream (KoiRnpContext           *context,
                                                         GMimeMultipartEncrypted *encrypted,
                                                         GMimeStream             *plaintext,
                                                         GMimeDecryptResult     **result,
                                                         GError                 **error);
KoiPgpSignature          koi_pgp_mime_signature_state  (GMimeDecryptResult       *result,
                                                        const char               *sender_fingerprint);
GMimeMultipartEncrypted *koi_pgp_mime_encrypt          (KoiRnpContext            *context,
                                                        GMimeObject              *entity,
                                                        const char * const       *fingerprints,
                                                        GError                  **error);

G_END_DECLS
