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

/* Copies an rnp memory output into GBytes. */
GBytes    *koi_rnp_output_to_bytes          (rnp_output_t   output);
/* rnp's fingerprint (a buffer to free) as Koi's upper-case copy. */
char      *koi_rnp_take_fingerprint         (char          *rnp_buffer);

G_END_DECLS
