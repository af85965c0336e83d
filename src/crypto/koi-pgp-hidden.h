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

G_END_DECLS
