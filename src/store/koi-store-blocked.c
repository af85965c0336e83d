/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store"

#include "config.h"

#include "koi-store-private.h"

/*
 * Mail that came while its sender was blocked is stored with its text but
 * without a chat (chat_id NULL, deleted 0, a visible type): it is the
 * user's mail, still on the server, only not shown. Unblocking gives it
 * back its place, read: it was not wanted when it came, so it neither
 * notifies nor asks for read receipts now (docs/ARCHITECTURE.md,
 * "Contacts").
 */

GArray *
koi_store_message_reveal_blocked (KoiStore   *self,
                                  gint64      account_id,
                                  const char *address,
                                  gint64      chat_id,
                                  GError    **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  KoiStoreAtomic atomic;
  gboolean ok = TRUE;

  g_return_val_if_fail (self != NULL, NULL);

  if (!koi_store_atomic_begin (self, &atomic, error))
    return NULL;

  {
    /* Types 0 and 1: chat and email (KoiCoiType, frozen on disk); every
     * other visible type comes with its own chat or group. */
    g_autoptr(sqlite3_stmt) stmt = koi_store_prepare (self,
                                                      "SELECT id, sort_ms FROM messages"
                                                      " WHERE account_id = ?1 AND chat_id IS NULL"
                                                      " AND from_address = ?2 AND direction = 0"
                                                      " AND deleted = 0 AND type IN (0, 1)"
                                                      " AND text IS NOT NULL"
                                                      " ORDER BY sort_ms, id",
                                                      error);

    ok = stmt != NULL;
    if (ok)
      {
        int rc;

        sqlite3_bind_int64 (stmt, 1, account_id);
        koi_store_bind_text (stmt, 2, address);
        while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
          {
            gint64 id = sqlite3_column_int64 (stmt, 0);

            g_array_append_val (ids, id);
          }
        if (rc != SQLITE_DONE)
          {
            koi_store_set_error (self, error, rc, "Could not read the blocked mail");
            ok = FALSE;
          }
      }
  }

  /* A sender blocked before any chat with them has none yet. */
  if (ok && ids->len > 0 && chat_id <= 0)
    {
      chat_id = koi_store_chat_ensure_1to1 (self, account_id, address, NULL, error);
      ok = chat_id > 0;
    }

  for (guint i = 0; ok && i < ids->len; i++)
    {
      g_autoptr(sqlite3_stmt) stmt = koi_store_prepare (self,
                                                        "UPDATE messages SET chat_id = ?1 WHERE id = ?2",
                                                        error);

      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, chat_id);
          sqlite3_bind_int64 (stmt, 2, g_array_index (ids, gint64, i));
          ok = koi_store_step_done (self, stmt, "Could not show the message", error);
        }
    }

  if (ok && ids->len > 0)
    {
      /* The chat's preview and place follow its newest message, as if it
       * had come in order. */
      g_autoptr(sqlite3_stmt) stmt = koi_store_prepare (self,
                                                        "UPDATE chats SET"
                                                        " last_message_id = (SELECT id FROM messages"
                                                        "  WHERE chat_id = ?1 ORDER BY sort_ms DESC, id DESC LIMIT 1),"
                                                        " last_activity_ms = MAX (last_activity_ms,"
                                                        "  (SELECT MAX (sort_ms) FROM messages WHERE chat_id = ?1))"
                                                        " WHERE id = ?1",
                                                        error);

      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, chat_id);
          ok = koi_store_step_done (self, stmt, "Could not update the chat", error);
        }
    }

  if (!koi_store_atomic_end (self, &atomic, ok, error))
    return NULL;
  return g_steal_pointer (&ids);
}
