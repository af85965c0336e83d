/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-peer-keys"

#include "koi-peer-keys.h"
#include "koi-store-crypto.h"

/* The key that counts now (koi-store-crypto.h: newest wins). A store
 * error is no reason to stop: the peer then counts as one without a key
 * (plain mail, "unknown key"), and the reason goes to the log. */
GBytes *
koi_peer_keys_lookup (KoiStore   *store,
                      gint64      account_id,
                      const char *address)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiStorePeerKey) key = NULL;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);

  key = koi_store_peer_key_get (store, account_id, address, &error);
  if (error != NULL)
    g_message ("No key for %s: %s", address, error->message);
  return key != NULL ? g_bytes_ref (key->keydata) : NULL;
}
