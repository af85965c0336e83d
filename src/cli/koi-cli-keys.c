/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-cli"

#include "config.h"

#include "koi-cli-json.h"
#include "koi-cli-keys.h"
#include "koi-pgp-key.h"
#include "koi-store-crypto.h"

/* On-disk KoiStoreKeySource as the CLI names it. */
static const char *
source_name (int source)
{
  switch (source)
    {
    case KOI_STORE_KEY_SOURCE_AUTOCRYPT:
      return "autocrypt";
    case KOI_STORE_KEY_SOURCE_GOSSIP:
      return "gossip";
    case KOI_STORE_KEY_SOURCE_VCARD:
      return "vcard";
    default:
      return "unknown";
    }
}

gboolean
koi_cli_keys_add_members (JsonBuilder  *builder,
                          KoiStore     *store,
                          gint64        account_id,
                          const char   *address,
                          GError      **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (KoiStorePeerKey) key = koi_store_peer_key_get (store, account_id, address, &local_error);
  g_autofree char *display = NULL;

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  json_builder_set_member_name (builder, "fingerprint");
  if (key == NULL)
    {
      json_builder_add_null_value (builder);
      return TRUE;
    }
  display = koi_pgp_fingerprint_display (key->fingerprint);
  json_builder_add_string_value (builder, display);
  json_builder_set_member_name (builder, "key_source");
  json_builder_add_string_value (builder, source_name (key->source));
  json_builder_set_member_name (builder, "key_time_ms");
  json_builder_add_int_value (builder, key->key_time_ms);
  return TRUE;
}

gboolean
koi_cli_keys_list (KoiStore  *store,
                   gint64     account_id,
                   GError   **error)
{
  g_autoptr (GPtrArray) keys = koi_store_peer_key_list (store, account_id, error);

  if (keys == NULL)
    return FALSE;

  for (guint i = 0; i < keys->len; i++)
    {
      const KoiStorePeerKey *key = g_ptr_array_index (keys, i);
      g_autoptr (JsonBuilder) builder = json_builder_new ();
      g_autofree char *display = koi_pgp_fingerprint_display (key->fingerprint);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "address");
      json_builder_add_string_value (builder, key->address);
      json_builder_set_member_name (builder, "fingerprint");
      json_builder_add_string_value (builder, display);
      json_builder_set_member_name (builder, "source");
      json_builder_add_string_value (builder, source_name (key->source));
      json_builder_set_member_name (builder, "key_time_ms");
      json_builder_add_int_value (builder, key->key_time_ms);
      json_builder_set_member_name (builder, "last_seen_ms");
      json_builder_add_int_value (builder, key->last_seen_ms);
      json_builder_set_member_name (builder, "prefer_encrypt");
      json_builder_add_boolean_value (builder, key->prefer_encrypt);
      koi_cli_print_object (builder);
    }
  return TRUE;
}
