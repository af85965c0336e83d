/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store"

#include "config.h"

#include "koi-store-private.h"

/*
 * Requests: what a hidden mail (edit, delete, reaction, receipt, delivery
 * failure) asks of another message. They are written when the mail is
 * stored and applied by the engine as soon as the target is here; until
 * then they wait, so a request that arrives first (another device, another
 * folder, a slow server) is not lost. Reactions: one per sender and
 * message.
 */

gboolean
koi_store_request_add (KoiStore               *self,
                       const KoiStoreRequest  *request,
                       gint64                 *out_id,
                       GError                **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 id;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (request != NULL && request->target_message_id != NULL, FALSE);

  if (out_id != NULL)
    *out_id = 0;

  stmt = koi_store_prepare (self,
                            "INSERT INTO requests (account_id, request_ref, type, target_message_id,"
                            " from_address, payload, sent_at_ms)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                            " ON CONFLICT (request_ref, target_message_id) DO NOTHING"
                            " RETURNING id",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, request->account_id);
  sqlite3_bind_int64 (stmt, 2, request->request_ref);
  sqlite3_bind_int (stmt, 3, request->type);
  koi_store_bind_text (stmt, 4, request->target_message_id);
  koi_store_bind_text (stmt, 5, request->from_address);
  koi_store_bind_text (stmt, 6, request->payload);
  sqlite3_bind_int64 (stmt, 7, request->sent_at_ms);

  id = koi_store_step_returning_id (self, stmt, "Could not save the request", error);
  if (id < 0)
    return FALSE;
  if (out_id != NULL)
    *out_id = id;
  return TRUE;
}

GPtrArray *
koi_store_request_list_waiting (KoiStore    *self,
                                gint64       account_id,
                                const char  *target_message_id,
                                GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) requests = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_store_request_free);
  int rc;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (target_message_id != NULL, NULL);

  /* Oldest first by the time the sender wrote them: applying in that
   * order is what makes the last edit win whatever the arrival order. */
  stmt = koi_store_prepare (self,
                            "SELECT id, account_id, request_ref, type, target_message_id, from_address,"
                            " payload, sent_at_ms FROM requests"
                            " WHERE account_id = ?1 AND target_message_id = ?2 AND applied = 0"
                            " ORDER BY sent_at_ms, id",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, target_message_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      KoiStoreRequest *request = g_new0 (KoiStoreRequest, 1);

      request->id = sqlite3_column_int64 (stmt, 0);
      request->account_id = sqlite3_column_int64 (stmt, 1);
      request->request_ref = sqlite3_column_int64 (stmt, 2);
      request->type = sqlite3_column_int (stmt, 3);
      request->target_message_id = koi_store_column_dup (stmt, 4);
      request->from_address = koi_store_column_dup (stmt, 5);
      request->payload = koi_store_column_dup (stmt, 6);
      request->sent_at_ms = sqlite3_column_int64 (stmt, 7);
      g_ptr_array_add (requests, request);
    }
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not read the waiting requests");
      return NULL;
    }

  return g_steal_pointer (&requests);
}

gboolean
koi_store_request_set_applied (KoiStore  *self,
                               gint64     request_id,
                               GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  stmt = koi_store_prepare (self, "UPDATE requests SET applied = 1 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, request_id);
  return koi_store_step_done (self, stmt, "Could not mark the request applied", error);
}

guint
koi_store_request_count_waiting (KoiStore  *self,
                                 gint64     account_id,
                                 GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, 0);

  stmt = koi_store_prepare (self,
                            "SELECT count(*) FROM requests WHERE account_id = ?1 AND applied = 0",
                            error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, account_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return (guint) sqlite3_column_int64 (stmt, 0);
  koi_store_set_error (self, error, rc, "Could not count the waiting requests");
  return 0;
}

void
koi_store_request_free (KoiStoreRequest *request)
{
  if (request == NULL)
    return;

  g_free (request->target_message_id);
  g_free (request->from_address);
  g_free (request->payload);
  g_free (request);
}

/* ------------------------------------------------------------------ */
/* Reactions */

gboolean
koi_store_reaction_set (KoiStore    *self,
                        gint64       message_ref,
                        const char  *reactor_address,
                        const char  *emoji,
                        gint64       sent_at_ms,
                        gboolean    *out_changed,
                        GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (reactor_address != NULL, FALSE);

  if (out_changed != NULL)
    *out_changed = FALSE;

  /* The newest reaction of a sender wins whatever order they arrive in;
   * an empty one takes the reaction back but is kept (as "") so an older
   * reaction arriving later cannot come back to life. */
  stmt = koi_store_prepare (self,
                            "INSERT INTO reactions (message_ref, reactor_address, emoji, sent_at_ms)"
                            " VALUES (?1, ?2, ?3, ?4)"
                            " ON CONFLICT (message_ref, reactor_address) DO UPDATE"
                            " SET emoji = excluded.emoji, sent_at_ms = excluded.sent_at_ms"
                            " WHERE excluded.sent_at_ms >= reactions.sent_at_ms",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, message_ref);
  koi_store_bind_text (stmt, 2, reactor_address);
  sqlite3_bind_text (stmt, 3, emoji != NULL ? emoji : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, sent_at_ms);
  if (!koi_store_step_done (self, stmt, "Could not save the reaction", error))
    return FALSE;

  if (out_changed != NULL)
    *out_changed = sqlite3_changes (self->db) > 0;
  return TRUE;
}

gboolean
koi_store_reaction_last_in_chat (KoiStore    *self,
                                 gint64       chat_id,
                                 const char  *reactor_address,
                                 gint64      *out_sent_at_ms,
                                 GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_sent_at_ms != NULL, FALSE);

  /* From the reactions (few) to their messages, not through every message
   * of a long chat: CROSS JOIN keeps that order. Taken-back reactions
   * ("") count: they were changes too. */
  stmt = koi_store_prepare (self,
                            "SELECT max (r.sent_at_ms) FROM reactions r CROSS JOIN messages m"
                            " WHERE r.reactor_address = ?2 AND m.id = r.message_ref AND m.chat_id = ?1",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, chat_id);
  koi_store_bind_text (stmt, 2, reactor_address);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      koi_store_set_error (self, error, rc, "Could not read the reactions");
      return FALSE;
    }
  *out_sent_at_ms = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

GPtrArray *
koi_store_reaction_list (KoiStore  *self,
                         gint64     message_ref,
                         GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) reactions = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_store_reaction_free);
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self,
                            "SELECT reactor_address, emoji, sent_at_ms FROM reactions"
                            " WHERE message_ref = ?1 AND emoji != '' ORDER BY sent_at_ms, reactor_address",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, message_ref);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      KoiStoreReaction *reaction = g_new0 (KoiStoreReaction, 1);

      reaction->reactor_address = koi_store_column_dup (stmt, 0);
      reaction->emoji = koi_store_column_dup (stmt, 1);
      reaction->sent_at_ms = sqlite3_column_int64 (stmt, 2);
      g_ptr_array_add (reactions, reaction);
    }
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not read the reactions");
      return NULL;
    }

  return g_steal_pointer (&reactions);
}

void
koi_store_reaction_free (KoiStoreReaction *reaction)
{
  if (reaction == NULL)
    return;

  g_free (reaction->reactor_address);
  g_free (reaction->emoji);
  g_free (reaction);
}
