/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store"

#include "config.h"

#include "koi-store-private.h"

/* Contact card versions: every "Chat: Contact" message seen or written,
 * and which of them counts for each address (docs/ARCHITECTURE.md,
 * "Contacts"). */

/* The order that picks the version in use: newest Date, then highest UID
 * (one not on the server yet will get the highest), then the last stored.
 * A card normally lives only in the contacts folder; its UID there is what
 * every device sees alike, so every device picks the same version. */
#define CARD_RANK \
  "c.date DESC," \
  " COALESCE ((SELECT MAX (l.uid) FROM message_locations l WHERE l.message_ref = c.message_ref)," \
  "  9223372036854775807) DESC, c.message_ref DESC"

#define CARD_COLUMNS "c.message_ref, c.account_id, c.address, c.date, c.vcard, c.contact_json, c.headers, c.raw"

void
koi_store_card_free (KoiStoreCard *card)
{
  if (card == NULL)
    return;

  g_free (card->address);
  g_free (card->vcard);
  g_free (card->contact_json);
  g_free (card->headers);
  g_clear_pointer (&card->raw, g_bytes_unref);
  g_free (card);
}

static KoiStoreCard *
card_from_row (sqlite3_stmt *stmt)
{
  KoiStoreCard *card = g_new0 (KoiStoreCard, 1);

  card->message_ref = sqlite3_column_int64 (stmt, 0);
  card->account_id = sqlite3_column_int64 (stmt, 1);
  card->address = koi_store_column_dup (stmt, 2);
  card->date_ms = sqlite3_column_int64 (stmt, 3);
  card->vcard = koi_store_column_dup (stmt, 4);
  card->contact_json = koi_store_column_dup (stmt, 5);
  card->headers = koi_store_column_dup (stmt, 6);
  if (sqlite3_column_type (stmt, 7) == SQLITE_BLOB)
    card->raw = g_bytes_new (sqlite3_column_blob (stmt, 7), sqlite3_column_bytes (stmt, 7));
  return card;
}

gboolean
koi_store_card_add (KoiStore            *self,
                    const KoiStoreCard  *card,
                    GError             **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = koi_store_prepare (self,
                            "INSERT INTO contact_cards (message_ref, account_id, address, date, vcard,"
                            " contact_json, headers, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                            " ON CONFLICT (message_ref) DO UPDATE SET raw = COALESCE (excluded.raw, raw)",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, card->message_ref);
  sqlite3_bind_int64 (stmt, 2, card->account_id);
  koi_store_bind_text (stmt, 3, card->address);
  sqlite3_bind_int64 (stmt, 4, card->date_ms);
  koi_store_bind_text (stmt, 5, card->vcard);
  koi_store_bind_text (stmt, 6, card->contact_json);
  koi_store_bind_text (stmt, 7, card->headers);
  if (card->raw != NULL)
    sqlite3_bind_blob (stmt, 8, g_bytes_get_data (card->raw, NULL), (int) g_bytes_get_size (card->raw),
                       SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, 8);
  return koi_store_step_done (self, stmt, "Could not save the contact card", error);
}

KoiStoreCard *
koi_store_card_winner (KoiStore    *self,
                       gint64       account_id,
                       const char  *address,
                       GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = koi_store_prepare (self,
                            "SELECT " CARD_COLUMNS " FROM contact_cards c"
                            " WHERE c.account_id = ?1 AND c.address = ?2"
                            " ORDER BY " CARD_RANK " LIMIT 1",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, address);
  return koi_store_step_row (self, stmt, (KoiStoreRowFunc) card_from_row, "Could not read the contact card", error);
}

GPtrArray *
koi_store_card_addresses (KoiStore  *self,
                          gint64     account_id,
                          GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
  int rc;

  stmt = koi_store_prepare (self,
                            "SELECT DISTINCT address FROM contact_cards WHERE account_id = ?1",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, account_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (addresses, koi_store_column_dup (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not list the contact cards");
      return NULL;
    }
  return g_steal_pointer (&addresses);
}

GPtrArray *
koi_store_card_list_pending (KoiStore  *self,
                             gint64     account_id,
                             GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = koi_store_prepare (self,
                            "SELECT " CARD_COLUMNS " FROM contact_cards c"
                            " WHERE c.account_id = ?1 AND c.raw IS NOT NULL ORDER BY c.message_ref",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, account_id);
  return koi_store_step_rows (self, stmt, (KoiStoreRowFunc) card_from_row, (GDestroyNotify) koi_store_card_free,
                              "Could not list the contact cards", error);
}

gboolean
koi_store_card_set_uploaded (KoiStore  *self,
                             gint64     message_ref,
                             GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = koi_store_prepare (self, "UPDATE contact_cards SET raw = NULL WHERE message_ref = ?1", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, message_ref);
  return koi_store_step_done (self, stmt, "Could not save the contact card", error);
}

GArray *
koi_store_card_list_superseded (KoiStore    *self,
                                gint64       account_id,
                                const char  *folder,
                                guint32      uidvalidity,
                                GArray     **out_refs,
                                GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) refs = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  /* Only once the winner is on the server itself: a crash before its
   * APPEND must not leave the server without any version. */
  stmt = koi_store_prepare (self,
                            "WITH ranked AS ("
                            "  SELECT c.message_ref, c.address,"
                            "   ROW_NUMBER () OVER (PARTITION BY c.address ORDER BY " CARD_RANK ") AS rank"
                            "  FROM contact_cards c WHERE c.account_id = ?1),"
                            " winners AS ("
                            "  SELECT r.address FROM ranked r WHERE r.rank = 1 AND EXISTS"
                            "   (SELECT 1 FROM message_locations w WHERE w.message_ref = r.message_ref"
                            "    AND w.account_id = ?1 AND w.folder = ?2 AND w.uidvalidity = ?3))"
                            " SELECT l.uid, r.message_ref FROM ranked r"
                            " JOIN message_locations l ON l.message_ref = r.message_ref"
                            "  AND l.account_id = ?1 AND l.folder = ?2 AND l.uidvalidity = ?3"
                            " WHERE r.rank > 1 AND r.address IN (SELECT address FROM winners)"
                            " ORDER BY l.uid",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, folder);
  sqlite3_bind_int64 (stmt, 3, uidvalidity);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint32 uid = (guint32) sqlite3_column_int64 (stmt, 0);
      gint64 ref = sqlite3_column_int64 (stmt, 1);

      g_array_append_val (uids, uid);
      g_array_append_val (refs, ref);
    }
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not list the contact cards");
      return NULL;
    }

  if (out_refs != NULL)
    *out_refs = g_steal_pointer (&refs);
  return g_steal_pointer (&uids);
}

gboolean
koi_store_card_remove (KoiStore  *self,
                       gint64     message_ref,
                       GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = koi_store_prepare (self, "DELETE FROM contact_cards WHERE message_ref = ?1", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, message_ref);
  return koi_store_step_done (self, stmt, "Could not remove the contact card", error);
}
