/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-store"

#include "koi-store-keyxfer.h"
#include "koi-store-private.h"

/* The on-disk value of KOI_COI_TYPE_KEY_SETUP (frozen, as every type). */
#define TYPE_KEY_SETUP 11

gint64
koi_store_setup_message_latest (KoiStore    *store,
                                gint64       account_id,
                                const char  *own_address,
                                GError     **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gint64 id = 0;
  int rc;

  g_return_val_if_fail (store != NULL && own_address != NULL, 0);

  /* Only the user's own: a setup message from anyone else is someone
   * trying to slip a key in (Autocrypt Level 1 says to ignore it). */
  stmt = koi_store_prepare (store,
                            "SELECT id FROM messages"
                            " WHERE account_id = ?1 AND type = ?2"
                            "   AND from_address = ?3 COLLATE NOCASE"
                            " ORDER BY sent_at_ms DESC, id DESC LIMIT 1",
                            error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_int (stmt, 2, TYPE_KEY_SETUP);
  sqlite3_bind_text (stmt, 3, own_address, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    koi_store_set_error (store, error, rc, "Looking for a setup message");
  return id;
}

GArray *
koi_store_setup_message_list (KoiStore    *store,
                              gint64       account_id,
                              const char  *own_address,
                              GError     **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  g_return_val_if_fail (store != NULL && own_address != NULL, NULL);

  stmt = koi_store_prepare (store,
                            "SELECT id FROM messages"
                            " WHERE account_id = ?1 AND type = ?2"
                            "   AND from_address = ?3 COLLATE NOCASE"
                            " ORDER BY sent_at_ms DESC, id DESC",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_int (stmt, 2, TYPE_KEY_SETUP);
  sqlite3_bind_text (stmt, 3, own_address, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (store, error, rc, "Listing the setup messages");
      return NULL;
    }
  return g_steal_pointer (&ids);
}
