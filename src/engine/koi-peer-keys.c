/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-peer-keys"

#include "koi-peer-keys.h"
#include "koi-store-crypto.h"

/* A store error reads as "no key": the mail then goes plain, or its
 * signature counts as "unknown key", never as valid. */
GBytes *
koi_peer_keys_lookup (KoiStore   *store,
                      gint64      account_id,
                      const char *address)
{
  g_return_val_if_fail (store != NULL, NULL);
  g_autoptr (KoiStorePeerKey) key = NULL;
  g_autoptr (GError) error = NULL;

  g_return_val_if_fail (address != NULL, NULL);

  key = koi_store_peer_key_get (store, account_id, address, &error);
  if (key == NULL)
    {
      if (error != NULL)
        g_message ("No key for %s: %s", address, error->message);
      return NULL;
    }
  return key->keydata != NULL ? g_bytes_ref (key->keydata) : NULL;
}
