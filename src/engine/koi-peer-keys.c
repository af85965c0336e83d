/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-peer-keys"

#include "koi-peer-keys.h"

/* Until the store's peer keys (schema 11) are merged, no key is known:
 * the engine then sends plain and reports signatures as "unknown key",
 * exactly the state of a peer whose key has not arrived yet. This file is
 * the only one to change when koi_store_peer_key_get() lands. */
GBytes *
koi_peer_keys_lookup (KoiStore   *store,
                      gint64      account_id,
                      const char *address)
{
  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);

  return NULL;
}
