/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The protected headers of an encrypted mail (RFC 9788, Delta Chat's
 * "[...]" mail) put back where a parser looks for them, as text: the
 * outer header block with each field the decrypted entity carries
 * replaced by the inner one, around the decrypted entity's content.
 */

GBytes *koi_coi_protected_merge (GBytes       *outer,
                                 const guint8 *plaintext,
                                 gsize         plaintext_len,
                                 const char   *outer_from);

G_END_DECLS
