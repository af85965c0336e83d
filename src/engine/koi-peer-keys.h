/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-store.h"

G_BEGIN_DECLS

/*
 * The engine's one question to the peers' keys the store keeps (schema 11,
 * the Autocrypt half of issue 13: koi_store_peer_key_get): the key Koi
 * knows for @address on this account, as binary keydata, or NULL.
 */
GBytes *koi_peer_keys_lookup (KoiStore   *store,
                              gint64      account_id,
                              const char *address);

G_END_DECLS
