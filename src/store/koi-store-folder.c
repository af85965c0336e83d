/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store"

#include "config.h"

#include "koi-store-private.h"

/* IMAP folder state and where each message lives on the server. A
 * message's identity is its Message-ID; a location is only the address it
 * has right now, valid while the folder's UIDVALIDITY stays the same. */

void
koi_store_location_free (KoiStoreLocation *location)
{
  if (location == NULL)
    return;

  g_free (location->folder);
  g_free (location);
}

gboolean
koi_store_folder_get (KoiStore     *self,
                      gint64        account_id,
                      const char   *folder,
                      guint32      *out_uidvalidity,
                      guint32      *out_last_uid,
                      GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (folder != NULL, FALSE);

  if (out_uidvalidity)
    *out_uidvalidity = 0;
  if (out_last_uid)
    *out_last_uid = 0;

  stmt = koi_store_prepare (self,
                            "SELECT uidvalidity, last_uid FROM folders WHERE account_id = ?1 AND name = ?2",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, folder);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if (out_uidvalidity)
        *out_uidvalidity = (guint32) sqlite3_column_int64 (stmt, 0);
      if (out_last_uid)
        *out_last_uid = (guint32) sqlite3_column_int64 (stmt, 1);
      return TRUE;
    }
  if (rc != SQLITE_DONE)
    koi_store_set_error (self, error, rc, "Could not read the folder state");
  return FALSE;
}

gboolean
koi_store_folder_set (KoiStore     *self,
                      gint64        account_id,
                      const char   *folder,
                      guint32       uidvalidity,
                      guint32       last_uid,
                      GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (folder != NULL, FALSE);

  stmt = koi_store_prepare (self,
                            "INSERT INTO folders (account_id, name, uidvalidity, last_uid)"
                            " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (account_id, name) DO UPDATE SET"
                            "  uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, folder);
  sqlite3_bind_int64 (stmt, 3, uidvalidity);
  sqlite3_bind_int64 (stmt, 4, last_uid);
  return koi_store_step_done (self, stmt, "Could not save the folder state", error);
}

gboolean
koi_store_folder_reset (KoiStore     *self,
                        gint64        account_id,
                        const char   *folder,
                        guint32       new_uidvalidity,
                        GError      **error)
{
  KoiStoreAtomic atomic;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (folder != NULL, FALSE);

  if (!koi_store_atomic_begin (self, &atomic, error))
    return FALSE;

  {
    g_autoptr(sqlite3_stmt) stmt = NULL;

    /* Every UID of the old UIDVALIDITY is meaningless now. The messages
     * stay: the next fetch finds them again by Message-ID. */
    stmt = koi_store_prepare (self,
                              "DELETE FROM message_locations WHERE account_id = ?1 AND folder = ?2",
                              error);
    ok = stmt != NULL;
    if (ok)
      {
        sqlite3_bind_int64 (stmt, 1, account_id);
        koi_store_bind_text (stmt, 2, folder);
        ok = koi_store_step_done (self, stmt, "Could not forget the folder’s messages", error);
      }
  }
  if (ok)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;

      stmt = koi_store_prepare (self,
                                "INSERT INTO folders (account_id, name, uidvalidity, last_uid, uidnext)"
                                " VALUES (?1, ?2, ?3, 0, 0) ON CONFLICT (account_id, name) DO UPDATE SET"
                                "  uidvalidity = excluded.uidvalidity, last_uid = 0, uidnext = 0",
                                error);
      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, account_id);
          koi_store_bind_text (stmt, 2, folder);
          sqlite3_bind_int64 (stmt, 3, new_uidvalidity);
          ok = koi_store_step_done (self, stmt, "Could not reset the folder state", error);
        }
    }

  return koi_store_atomic_end (self, &atomic, ok, error);
}

gboolean
koi_store_location_add (KoiStore     *self,
                        gint64        message_ref,
                        gint64        account_id,
                        const char   *folder,
                        guint32       uidvalidity,
                        guint32       uid,
                        GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (folder != NULL, FALSE);

  /* The server is the authority on what a UID holds. */
  stmt = koi_store_prepare (self,
                            "INSERT INTO message_locations (account_id, folder, uidvalidity, uid, message_ref)"
                            " VALUES (?1, ?2, ?3, ?4, ?5)"
                            " ON CONFLICT (account_id, folder, uidvalidity, uid) DO UPDATE SET"
                            "  message_ref = excluded.message_ref",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, folder);
  sqlite3_bind_int64 (stmt, 3, uidvalidity);
  sqlite3_bind_int64 (stmt, 4, uid);
  sqlite3_bind_int64 (stmt, 5, message_ref);
  return koi_store_step_done (self, stmt, "Could not save the message’s location", error);
}

gboolean
koi_store_location_remove (KoiStore     *self,
                           gint64        account_id,
                           const char   *folder,
                           guint32       uidvalidity,
                           guint32       uid,
                           GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (folder != NULL, FALSE);

  stmt = koi_store_prepare (self,
                            "DELETE FROM message_locations"
                            " WHERE account_id = ?1 AND folder = ?2 AND uidvalidity = ?3 AND uid = ?4",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, folder);
  sqlite3_bind_int64 (stmt, 3, uidvalidity);
  sqlite3_bind_int64 (stmt, 4, uid);
  return koi_store_step_done (self, stmt, "Could not remove the message’s location", error);
}

gint64
koi_store_location_find_message (KoiStore    *self,
                                 gint64       account_id,
                                 const char  *folder,
                                 guint32      uidvalidity,
                                 guint32      uid,
                                 GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (folder != NULL, 0);

  stmt = koi_store_prepare (self,
                            "SELECT message_ref FROM message_locations"
                            " WHERE account_id = ?1 AND folder = ?2 AND uidvalidity = ?3 AND uid = ?4",
                            error);
  if (stmt == NULL)
    return 0;

  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, folder);
  sqlite3_bind_int64 (stmt, 3, uidvalidity);
  sqlite3_bind_int64 (stmt, 4, uid);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  if (rc != SQLITE_DONE)
    koi_store_set_error (self, error, rc, "Could not look up the message’s location");
  return 0;
}

GPtrArray *
koi_store_location_list (KoiStore  *self,
                         gint64     message_ref,
                         GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) locations = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self,
                            "SELECT folder, uidvalidity, uid FROM message_locations"
                            " WHERE message_ref = ?1 ORDER BY folder, uid",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, message_ref);
  locations = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_store_location_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      KoiStoreLocation *location = g_new0 (KoiStoreLocation, 1);

      location->folder = koi_store_column_dup (stmt, 0);
      location->uidvalidity = (guint32) sqlite3_column_int64 (stmt, 1);
      location->uid = (guint32) sqlite3_column_int64 (stmt, 2);
      g_ptr_array_add (locations, location);
    }
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not list the message’s locations");
      return NULL;
    }
  return g_steal_pointer (&locations);
}

GArray *
koi_store_location_list_uids (KoiStore    *self,
                              gint64       account_id,
                              const char  *folder,
                              guint32      uidvalidity,
                              GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) uids = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (folder != NULL, NULL);

  /* The primary key's order: no sort. */
  stmt = koi_store_prepare (self,
                            "SELECT uid FROM message_locations"
                            " WHERE account_id = ?1 AND folder = ?2 AND uidvalidity = ?3 ORDER BY uid",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, folder);
  sqlite3_bind_int64 (stmt, 3, uidvalidity);
  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint32 uid = (guint32) sqlite3_column_int64 (stmt, 0);

      g_array_append_val (uids, uid);
    }
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not list the folder’s messages");
      return NULL;
    }
  return g_steal_pointer (&uids);
}
