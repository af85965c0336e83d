/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store"

#include "config.h"

#include "koi-store-private.h"
#include "koi-store-crypto.h"

#define PEER_KEY_COLUMNS \
  "account_id, address, keydata, fingerprint, source, key_time_ms, last_seen_ms, prefer_encrypt"

static KoiStorePeerKey *
peer_key_from_row (sqlite3_stmt *stmt)
{
  KoiStorePeerKey *key = g_new0 (KoiStorePeerKey, 1);

  key->account_id = sqlite3_column_int64 (stmt, 0);
  key->address = koi_store_column_dup (stmt, 1);
  key->keydata = g_bytes_new (sqlite3_column_blob (stmt, 2), (gsize) sqlite3_column_bytes (stmt, 2));
  key->fingerprint = koi_store_column_dup (stmt, 3);
  key->source = sqlite3_column_int (stmt, 4);
  key->key_time_ms = sqlite3_column_int64 (stmt, 5);
  key->last_seen_ms = sqlite3_column_int64 (stmt, 6);
  key->prefer_encrypt = sqlite3_column_int (stmt, 7) != 0;
  return key;
}

void
koi_store_peer_key_free (KoiStorePeerKey *key)
{
  if (key == NULL)
    return;

  g_free (key->address);
  g_clear_pointer (&key->keydata, g_bytes_unref);
  g_free (key->fingerprint);
  g_free (key);
}

KoiStorePeerKey *
koi_store_peer_key_get (KoiStore    *self,
                        gint64       account_id,
                        const char  *address,
                        GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);

  stmt = koi_store_prepare (self,
                            "SELECT " PEER_KEY_COLUMNS " FROM peer_keys"
                            " WHERE account_id = ?1 AND address = ?2",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, address);
  return koi_store_step_row (self, stmt, (KoiStoreRowFunc) peer_key_from_row, "Could not read a peer's key", error);
}

GPtrArray *
koi_store_peer_key_list (KoiStore  *self,
                         gint64     account_id,
                         GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = koi_store_prepare (self,
                            "SELECT " PEER_KEY_COLUMNS " FROM peer_keys"
                            " WHERE account_id = ?1 ORDER BY address",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, account_id);
  return koi_store_step_rows (self, stmt, (KoiStoreRowFunc) peer_key_from_row, (GDestroyNotify) koi_store_peer_key_free,
                              "Could not list the peers' keys", error);
}

static gboolean
peer_key_write (KoiStore               *self,
                const KoiStorePeerKey  *key,
                int                     source,
                gint64                  key_time_ms,
                gint64                  last_seen_ms,
                gboolean                prefer_encrypt,
                GError                **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gsize size = 0;
  gconstpointer data = g_bytes_get_data (key->keydata, &size);

  stmt = koi_store_prepare (self,
                            "INSERT INTO peer_keys (" PEER_KEY_COLUMNS ")"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                            " ON CONFLICT (account_id, address) DO UPDATE SET"
                            "  keydata = excluded.keydata, fingerprint = excluded.fingerprint,"
                            "  source = excluded.source, key_time_ms = excluded.key_time_ms,"
                            "  last_seen_ms = excluded.last_seen_ms,"
                            "  prefer_encrypt = excluded.prefer_encrypt",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, key->account_id);
  koi_store_bind_text (stmt, 2, key->address);
  sqlite3_bind_blob64 (stmt, 3, data != NULL ? data : "", size, SQLITE_TRANSIENT);
  koi_store_bind_text (stmt, 4, key->fingerprint);
  sqlite3_bind_int (stmt, 5, source);
  sqlite3_bind_int64 (stmt, 6, key_time_ms);
  sqlite3_bind_int64 (stmt, 7, last_seen_ms);
  sqlite3_bind_int (stmt, 8, prefer_encrypt ? 1 : 0);
  return koi_store_step_done (self, stmt, "Could not save a peer's key", error);
}

static KoiStoreKeyUpdate
peer_key_decide (const KoiStorePeerKey *stored,
                 const KoiStorePeerKey *offered)
{
  if (stored == NULL)
    return KOI_STORE_KEY_NEW;
  /* Newest wins: an older mail never brings an older key back, nor
   * resets prefer-encrypt. */
  if (offered->key_time_ms < stored->key_time_ms)
    return KOI_STORE_KEY_IGNORED;
  if (g_ascii_strcasecmp (offered->fingerprint, stored->fingerprint) == 0)
    return KOI_STORE_KEY_REFRESHED;
  /* Two keys from mail of the same second: what the peer said itself
   * outweighs what others say of it. */
  if (offered->key_time_ms == stored->key_time_ms &&
      stored->source == KOI_STORE_KEY_SOURCE_AUTOCRYPT &&
      offered->source != KOI_STORE_KEY_SOURCE_AUTOCRYPT)
    return KOI_STORE_KEY_IGNORED;
  return KOI_STORE_KEY_CHANGED;
}

gboolean
koi_store_peer_key_update (KoiStore               *self,
                           const KoiStorePeerKey  *key,
                           KoiStoreKeyUpdate      *out_result,
                           GError                **error)
{
  g_autoptr(KoiStorePeerKey) stored = NULL;
  g_autoptr(GError) local_error = NULL;
  KoiStoreAtomic atomic;
  KoiStoreKeyUpdate result;
  gboolean ok = TRUE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (out_result != NULL)
    *out_result = KOI_STORE_KEY_IGNORED;

  if (key->address == NULL || *key->address == '\0' ||
      key->fingerprint == NULL || *key->fingerprint == '\0' ||
      key->keydata == NULL || g_bytes_get_size (key->keydata) == 0 ||
      key->source < KOI_STORE_KEY_SOURCE_AUTOCRYPT || key->source > KOI_STORE_KEY_SOURCE_VCARD)
    {
      g_set_error_literal (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID,
                           "A peer's key needs an address, key data, a fingerprint and a known source");
      return FALSE;
    }

  if (!koi_store_atomic_begin (self, &atomic, error))
    return FALSE;

  stored = koi_store_peer_key_get (self, key->account_id, key->address, &local_error);
  if (local_error != NULL)
    ok = FALSE;

  result = peer_key_decide (stored, key);
  if (ok)
    switch (result)
      {
      case KOI_STORE_KEY_IGNORED:
        break;
      case KOI_STORE_KEY_REFRESHED:
        /* The key may carry new subkeys or expiry: keep the newer copy.
         * A key first learnt from others becomes the peer's own once the
         * peer sends it. */
        /* Only the peer states its preference: gossip or a card that
         * confirms the key leaves it as the peer last said. */
        ok = peer_key_write (self, key,
                             key->source == KOI_STORE_KEY_SOURCE_AUTOCRYPT ? key->source : stored->source,
                             key->key_time_ms,
                             MAX (key->key_time_ms, stored->last_seen_ms),
                             key->source == KOI_STORE_KEY_SOURCE_AUTOCRYPT ? key->prefer_encrypt
                                                                           : stored->prefer_encrypt,
                             &local_error);
        break;
      case KOI_STORE_KEY_NEW:
      case KOI_STORE_KEY_CHANGED:
      default:
        ok = peer_key_write (self, key, key->source, key->key_time_ms,
                             stored != NULL ? MAX (key->key_time_ms, stored->last_seen_ms) : key->key_time_ms,
                             key->prefer_encrypt, &local_error);
        break;
      }

  if (!koi_store_atomic_end (self, &atomic, ok, local_error == NULL ? error : NULL))
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (out_result != NULL)
    *out_result = result;
  return TRUE;
}

gboolean
koi_store_peer_key_seen (KoiStore    *self,
                         gint64       account_id,
                         const char  *address,
                         gint64       time_ms,
                         GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = koi_store_prepare (self,
                            "UPDATE peer_keys SET last_seen_ms = ?3"
                            " WHERE account_id = ?1 AND address = ?2 AND last_seen_ms < ?3",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, address);
  sqlite3_bind_int64 (stmt, 3, time_ms);
  return koi_store_step_done (self, stmt, "Could not note mail from a peer", error);
}

gboolean
koi_store_peer_key_remove (KoiStore    *self,
                           gint64       account_id,
                           const char  *address,
                           GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = koi_store_prepare (self,
                            "DELETE FROM peer_keys WHERE account_id = ?1 AND address = ?2",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, address);
  return koi_store_step_done (self, stmt, "Could not forget a peer's key", error);
}

gboolean
koi_store_message_set_crypto (KoiStore           *self,
                              gint64              id,
                              gboolean            encrypted,
                              KoiStoreSignature   signature,
                              GError            **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (signature < KOI_STORE_SIGNATURE_NONE || signature > KOI_STORE_SIGNATURE_UNKNOWN)
    {
      g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID,
                   "Unknown signature state %d", signature);
      return FALSE;
    }

  stmt = koi_store_prepare (self,
                            "UPDATE messages SET encrypted = ?2, signature = ?3 WHERE id = ?1",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int (stmt, 2, encrypted ? 1 : 0);
  sqlite3_bind_int (stmt, 3, signature);
  return koi_store_step_done (self, stmt, "Could not save whether a message was encrypted", error);
}
