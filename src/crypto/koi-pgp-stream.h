/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gmime/gmime.h>
#include <rnp/rnp.h>

#include "koi-rnp-context.h"

G_BEGIN_DECLS

/* librnp inputs and outputs on gmime streams, so a 25 MB attachment is
 * encrypted and decrypted a block at a time, from and to files, never
 * whole in memory (koi-pgp-stream.c). Shared inside src/crypto only. */

/* Reads @source (gmime's stream stays referenced) as is. */
rnp_input_t koi_pgp_stream_input          (GMimeStream    *source);
/* Reads @source (armored or binary OpenPGP) as binary packets, the
 * wildcard recipient ids of its session key packets renamed to the own
 * key's (koi-pgp-hidden.h). */
rnp_input_t koi_pgp_stream_cipher_input   (KoiRnpContext  *context,
                                           GMimeStream    *source);
/* Writes to @sink. */
rnp_output_t koi_pgp_stream_output        (GMimeStream    *sink);

G_END_DECLS
