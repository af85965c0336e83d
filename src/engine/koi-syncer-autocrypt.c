/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-syncer"

#include "koi-rnp-context.h"
#include "koi-syncer-private.h"

/* Autocrypt Level 1 wants the sender's key on every mail, encrypted or
 * not: that is how a peer learns it. The minimal export (primary key,
 * own user id, encryption subkey) keeps the header a few hundred bytes. */
GBytes *
koi_syncer_own_autocrypt (KoiSyncer *self)
{
  g_autoptr (GError) error = NULL;
  KoiRnpContext *crypto = koi_syncer_crypto (self);
  GBytes *keydata;

  if (crypto == NULL || !koi_rnp_context_has_own_key (crypto))
    return NULL;
  keydata = koi_rnp_context_export_autocrypt (crypto, &error);
  if (keydata == NULL)
    g_message ("Sending without an Autocrypt header: %s", error->message);
  return keydata;
}
