/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "koi-rnp-context.h"

G_BEGIN_DECLS

/* @cipher (armored or binary OpenPGP) with every wildcard recipient key id
 * replaced by the own encryption subkey's, as binary packets; NULL when
 * there is none (or no own key): decrypt @cipher as it is. */
GBytes *koi_pgp_name_hidden_recipients (KoiRnpContext *context,
                                        GBytes        *cipher);

/* The same in place on the first @length bytes of binary packets (which
 * may be only the start of a stream); returns how many ids it renamed. */
guint   koi_pgp_rename_hidden_in_place (KoiRnpContext *context,
                                        guint8        *data,
                                        gsize          length);

G_END_DECLS
