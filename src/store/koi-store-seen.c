/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store"

#include "config.h"

#include "koi-store-private.h"

/*
 * Read state across devices. A message read here gets seen = 1 and
 * seen_on_server = 0 until the engine has set \Seen on every server copy;
 * a \Seen that another device (or webmail) set comes in through
 * koi_store_message_set_seen(). The folder's HIGHESTMODSEQ (CONDSTORE)
 * says from where to ask the server for changed flags next time.
 */

GPtrArray *
koi_store_chat_mark_read_pending (KoiStore  *self,
                                  gint64     chat_id,
                                  GError   **error)
{
  KoiStoreAtomic atomic;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  gboolean ok = TRUE;

  g_return_val_if_fail (self != NULL, NULL);

  if (!koi_store_atomic_begin (self, &atomic, error))
    return NULL;

  {
    g_autoptr(sqlite3_stmt) stmt = NULL;
    int rc;

    stmt = koi_store_prepare (self,
                              "UPDATE messages SET seen = 1, seen_on_server = 0"
                              " WHERE chat_id = ?1 AND seen = 0 RETURNING id",
                              error);
    ok = stmt != NULL;
    if (ok)
      {
        sqlite3_bind_int64 (stmt, 1, chat_id);
        while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
          {
            gint64 id = sqlite3_column_int64 (stmt, 0);

            g_ptr_array_add (ids, g_memdup2 (&id, sizeof id));
          }
        if (rc != SQLITE_DONE)
          {
            koi_store_set_error (self, error, rc, "Could not mark the chat’s messages read");
            ok = FALSE;
          }
      }
  }

  if (ok)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;

      stmt = koi_store_prepare (self, "UPDATE chats SET unread_count = 0 WHERE id = ?1", error);
      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, chat_id);
          ok = koi_store_step_done (self, stmt, "Could not mark the chat read", error);
        }
      if (ok && sqlite3_changes (self->db) == 0)
        {
          g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND,
                       "There is no chat with id %" G_GINT64_FORMAT, chat_id);
          ok = FALSE;
        }
    }

  if (!koi_store_atomic_end (self, &atomic, ok, error))
    return NULL;
  return g_steal_pointer (&ids);
}

GPtrArray *
koi_store_seen_pending_list (KoiStore  *self,
                             gint64     account_id,
                             GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) pending = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_store_seen_pending_free);
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  /* A message without a location (not on the server, e.g. still in the
   * outbox) is listed with uid 0: done at once, nothing to flag. */
  stmt = koi_store_prepare (self,
                            "SELECT m.id, l.folder, l.uidvalidity, l.uid FROM messages m"
                            " LEFT JOIN message_locations l ON l.message_ref = m.id"
                            " WHERE m.account_id = ?1 AND m.seen_on_server = 0"
                            " ORDER BY l.folder, l.uid",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, account_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      KoiStoreSeenPending *item = g_new0 (KoiStoreSeenPending, 1);

      item->message_ref = sqlite3_column_int64 (stmt, 0);
      item->folder = koi_store_column_dup (stmt, 1);
      item->uidvalidity = (guint32) sqlite3_column_int64 (stmt, 2);
      item->uid = (guint32) sqlite3_column_int64 (stmt, 3);
      g_ptr_array_add (pending, item);
    }
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not read what to flag read on the server");
      return NULL;
    }

  return g_steal_pointer (&pending);
}

gboolean
koi_store_seen_pending_done (KoiStore  *self,
                             gint64     message_ref,
                             GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  stmt = koi_store_prepare (self, "UPDATE messages SET seen_on_server = 1 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_ref);
  return koi_store_step_done (self, stmt, "Could not record the read state on the server", error);
}

void
koi_store_seen_pending_free (KoiStoreSeenPending *item)
{
  if (item == NULL)
    return;

  g_free (item->folder);
  g_free (item);
}

guint64
koi_store_folder_get_modseq (KoiStore    *self,
                             gint64       account_id,
                             const char  *folder,
                             GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, 0);

  stmt = koi_store_prepare (self,
                            "SELECT highest_modseq FROM folders WHERE account_id = ?1 AND name = ?2",
                            error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, folder);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return (guint64) sqlite3_column_int64 (stmt, 0);
  if (rc != SQLITE_DONE)
    koi_store_set_error (self, error, rc, "Could not read the folder state");
  return 0;
}

gboolean
koi_store_folder_set_modseq (KoiStore    *self,
                             gint64       account_id,
                             const char  *folder,
                             guint64      modseq,
                             GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  stmt = koi_store_prepare (self,
                            "UPDATE folders SET highest_modseq = ?3 WHERE account_id = ?1 AND name = ?2",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, folder);
  sqlite3_bind_int64 (stmt, 3, (gint64) MIN (modseq, (guint64) G_MAXINT64));
  return koi_store_step_done (self, stmt, "Could not save the folder state", error);
}

GArray *
koi_store_location_list_folder (KoiStore    *self,
                                gint64       account_id,
                                const char  *folder,
                                guint32      uidvalidity,
                                GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) pairs = g_array_new (FALSE, FALSE, sizeof (KoiStoreUidRef));
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self,
                            "SELECT l.uid, l.message_ref, m.seen FROM message_locations l"
                            " JOIN messages m ON m.id = l.message_ref"
                            " WHERE l.account_id = ?1 AND l.folder = ?2 AND l.uidvalidity = ?3"
                            " ORDER BY l.uid",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, folder);
  sqlite3_bind_int64 (stmt, 3, uidvalidity);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      KoiStoreUidRef pair;

      pair.uid = (guint32) sqlite3_column_int64 (stmt, 0);
      pair.message_ref = sqlite3_column_int64 (stmt, 1);
      pair.seen = sqlite3_column_int (stmt, 2) != 0;
      g_array_append_val (pairs, pair);
    }
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not read the folder’s messages");
      return NULL;
    }

  return g_steal_pointer (&pairs);
}
