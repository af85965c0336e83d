/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store"

#include "config.h"

#include "koi-store-private.h"

/*
 * Read receipts this account owes (receipt_requests, migration 5). A row
 * exists for an incoming chat message whose sender asked for a receipt at
 * their own From address. It waits (state 0) until the user really saw the
 * message in the window; then it is due (1) and the engine, after checking
 * $MDNSent on the server, sends the receipt or learns another device did,
 * and marks it done (2). A message read elsewhere is never due here: only
 * the device that showed it answers.
 */

enum {
  REQUEST_WAITING = 0,
  REQUEST_DUE     = 1,
  REQUEST_DONE    = 2,
};

gboolean
koi_store_receipt_request_add (KoiStore  *self,
                               gint64     account_id,
                               gint64     message_ref,
                               GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  stmt = koi_store_prepare (self,
                            "INSERT INTO receipt_requests (message_ref, account_id, state)"
                            " VALUES (?1, ?2, 0) ON CONFLICT (message_ref) DO NOTHING",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_ref);
  sqlite3_bind_int64 (stmt, 2, account_id);
  return koi_store_step_done (self, stmt, "Could not record the read receipt request", error);
}

guint
koi_store_receipt_requests_shown (KoiStore  *self,
                                  GArray    *message_refs,
                                  GError   **error)
{
  KoiStoreAtomic atomic;
  gboolean ok = TRUE;
  guint n_due = 0;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (message_refs != NULL, 0);

  if (message_refs->len == 0)
    return 0;
  if (!koi_store_atomic_begin (self, &atomic, error))
    return 0;

  for (guint i = 0; ok && i < message_refs->len; i++)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;

      /* A blocked sender learns nothing from Koi, not even that it read. */
      stmt = koi_store_prepare (self,
                                "UPDATE receipt_requests SET state = 1"
                                " WHERE message_ref = ?1 AND state = 0"
                                " AND NOT EXISTS (SELECT 1 FROM messages m JOIN contacts c"
                                "   ON c.account_id = m.account_id AND c.address = m.from_address"
                                "   WHERE m.id = receipt_requests.message_ref AND c.blocked)",
                                error);
      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, g_array_index (message_refs, gint64, i));
          ok = koi_store_step_done (self, stmt, "Could not record a read receipt to send", error);
          n_due += ok ? (guint) sqlite3_changes (self->db) : 0;
        }
    }

  if (!koi_store_atomic_end (self, &atomic, ok, error))
    return 0;
  return n_due;
}

guint
koi_store_receipt_requests_read_in_chat (KoiStore  *self,
                                         gint64     chat_id,
                                         GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, 0);

  stmt = koi_store_prepare (self,
                            "UPDATE receipt_requests SET state = 1"
                            " WHERE state = 0 AND message_ref IN"
                            "  (SELECT id FROM messages WHERE chat_id = ?1 AND seen)",
                            error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  if (!koi_store_step_done (self, stmt, "Could not record a read receipt to send", error))
    return 0;
  return (guint) sqlite3_changes (self->db);
}

GPtrArray *
koi_store_receipt_requests_due (KoiStore  *self,
                                gint64     account_id,
                                GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) due = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_store_receipt_due_free);
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  /* One row per server copy (a message may sit in INBOX and COI/Chats);
   * a message without a copy comes once with uid 0. */
  stmt = koi_store_prepare (self,
                            "SELECT m.id, m.message_id, m.from_address, l.folder, l.uidvalidity, l.uid"
                            " FROM receipt_requests r JOIN messages m ON m.id = r.message_ref"
                            " LEFT JOIN message_locations l ON l.message_ref = m.id"
                            " WHERE r.account_id = ?1 AND r.state = 1"
                            " ORDER BY l.folder, l.uid",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, account_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      KoiStoreReceiptDue *item = g_new0 (KoiStoreReceiptDue, 1);

      item->message_ref = sqlite3_column_int64 (stmt, 0);
      item->message_id = koi_store_column_dup (stmt, 1);
      item->from_address = koi_store_column_dup (stmt, 2);
      item->folder = koi_store_column_dup (stmt, 3);
      item->uidvalidity = (guint32) sqlite3_column_int64 (stmt, 4);
      item->uid = (guint32) sqlite3_column_int64 (stmt, 5);
      g_ptr_array_add (due, item);
    }
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not read the read receipts to send");
      return NULL;
    }

  return g_steal_pointer (&due);
}

gboolean
koi_store_receipt_request_done (KoiStore  *self,
                                gint64     message_ref,
                                GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  stmt = koi_store_prepare (self, "UPDATE receipt_requests SET state = 2 WHERE message_ref = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_ref);
  return koi_store_step_done (self, stmt, "Could not record a sent read receipt", error);
}

GPtrArray *
koi_store_receipt_readers (KoiStore  *self,
                           gint64     message_ref,
                           GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) readers = g_ptr_array_new_with_free_func (g_free);
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self,
                            "SELECT c.address FROM read_receipts r JOIN contacts c ON c.id = r.contact_id"
                            " WHERE r.message_ref = ?1 ORDER BY r.read_at_ms, c.address",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, message_ref);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (readers, koi_store_column_dup (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not read who read the message");
      return NULL;
    }

  return g_steal_pointer (&readers);
}

void
koi_store_receipt_due_free (KoiStoreReceiptDue *item)
{
  if (item == NULL)
    return;

  g_free (item->message_id);
  g_free (item->from_address);
  g_free (item->folder);
  g_free (item);
}
