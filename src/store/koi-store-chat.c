/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store"

#include "config.h"

#include "koi-store-private.h"

void
koi_store_chat_free (KoiStoreChat *chat)
{
  if (chat == NULL)
    return;

  g_free (chat->peer_address);
  g_free (chat->name);
  g_free (chat->last_text);
  g_free (chat->last_from);
  g_free (chat->group_id);
  g_free (chat->last_group_info_arg);
  g_free (chat->draft);
  g_free (chat);
}

/* One SELECT for list and get, so both fill the struct the same way. */
#define CHAT_SELECT \
  "SELECT c.id, c.account_id, c.kind, c.peer_address, c.name, c.last_activity_ms," \
  " c.unread_count, m.text, COALESCE (NULLIF (m.from_name, ''), m.from_address)," \
  " m.direction, m.state, c.group_id, c.archived, c.muted, m.id," \
  " COALESCE (m.group_info, 0), m.group_info_arg, c.draft, c.request," \
  /* Stops at the first chat message, in the (chat_id, sort_ms) index. */ \
  " NOT EXISTS (SELECT 1 FROM messages e WHERE e.chat_id = c.id AND e.kind = 0)," \
  " c.kind = 1 AND EXISTS (SELECT 1 FROM chat_members cm JOIN contacts k ON k.id = cm.contact_id" \
  "  JOIN accounts a ON a.id = c.account_id WHERE cm.chat_id = c.id AND k.address = a.address" \
  "  AND cm.removed)," \
  /* Every other member's key is known (the next message can go encrypted):
   * one other member at least, and none without a row in peer_keys. */ \
  " EXISTS (SELECT 1 FROM chat_members cm JOIN contacts k ON k.id = cm.contact_id" \
  "  JOIN accounts a ON a.id = c.account_id WHERE cm.chat_id = c.id AND NOT cm.removed" \
  "  AND k.address <> a.address)" \
  " AND NOT EXISTS (SELECT 1 FROM chat_members cm JOIN contacts k ON k.id = cm.contact_id" \
  "  JOIN accounts a ON a.id = c.account_id WHERE cm.chat_id = c.id AND NOT cm.removed" \
  "  AND k.address <> a.address AND NOT EXISTS (SELECT 1 FROM peer_keys p" \
  "   WHERE p.account_id = c.account_id AND p.address = k.address))" \
  " FROM chats c LEFT JOIN messages m ON m.id = c.last_message_id"

static KoiStoreChat *
chat_from_row (sqlite3_stmt *stmt)
{
  KoiStoreChat *chat = g_new0 (KoiStoreChat, 1);
  gboolean has_last = sqlite3_column_type (stmt, 14) != SQLITE_NULL;

  chat->id = sqlite3_column_int64 (stmt, 0);
  chat->account_id = sqlite3_column_int64 (stmt, 1);
  chat->kind = sqlite3_column_int (stmt, 2);
  chat->peer_address = koi_store_column_dup (stmt, 3);
  chat->name = koi_store_column_dup (stmt, 4);
  chat->last_activity_ms = sqlite3_column_int64 (stmt, 5);
  chat->unread_count = (guint) MAX (0, sqlite3_column_int (stmt, 6));
  chat->last_text = koi_store_column_dup (stmt, 7);
  chat->last_from = koi_store_column_dup (stmt, 8);
  chat->last_direction = has_last ? sqlite3_column_int (stmt, 9) : -1;
  chat->last_state = has_last ? sqlite3_column_int (stmt, 10) : -1;
  chat->group_id = koi_store_column_dup (stmt, 11);
  chat->archived = sqlite3_column_int (stmt, 12) != 0;
  chat->muted = sqlite3_column_int (stmt, 13) != 0;
  chat->last_group_info = sqlite3_column_int (stmt, 15);
  chat->last_group_info_arg = koi_store_column_dup (stmt, 16);
  chat->draft = koi_store_column_dup (stmt, 17);
  chat->request = sqlite3_column_int (stmt, 18);
  chat->email_only = sqlite3_column_int (stmt, 19) != 0;
  chat->not_member = sqlite3_column_int (stmt, 20) != 0;
  chat->keys_known = sqlite3_column_int (stmt, 21) != 0;
  return chat;
}

static gboolean
chat_add_member_by_contact (KoiStore  *self,
                            gint64     chat_id,
                            gint64     contact_id,
                            GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = koi_store_prepare (self,
                            "INSERT INTO chat_members (chat_id, contact_id, added_at)"
                            " VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, contact_id);
  sqlite3_bind_int64 (stmt, 3, koi_store_now_ms ());
  return koi_store_step_done (self, stmt, "Could not add a chat member", error);
}

gint64
koi_store_chat_ensure_1to1 (KoiStore    *self,
                            gint64       account_id,
                            const char  *peer_address,
                            const char  *peer_name,
                            GError     **error)
{
  KoiStoreAtomic atomic;
  gint64 chat_id = 0;
  gint64 contact_id = 0;

  g_return_val_if_fail (self != NULL, 0);

  if (peer_address == NULL || *peer_address == '\0')
    {
      g_set_error_literal (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID,
                           "A chat needs the other person’s email address");
      return 0;
    }

  if (!koi_store_atomic_begin (self, &atomic, error))
    return 0;

  {
    g_autoptr(sqlite3_stmt) stmt = NULL;

    stmt = koi_store_prepare (self,
                              "INSERT INTO chats (account_id, kind, peer_address, name, created_at)"
                              " VALUES (?1, 0, ?2, COALESCE ((SELECT k.display_name FROM contacts k"
                              "  WHERE k.account_id = ?1 AND k.address = ?2 AND k.card_ref IS NOT NULL),"
                              "  NULLIF (?3, '')), ?4)"
                              " ON CONFLICT (account_id, kind, peer_address) DO UPDATE SET"
                              /* A contact card names the chat, not From. */
                              "  name = CASE WHEN EXISTS (SELECT 1 FROM contacts k"
                              "   WHERE k.account_id = excluded.account_id AND k.address = excluded.peer_address"
                              "   AND k.card_ref IS NOT NULL) THEN name ELSE COALESCE (excluded.name, name) END"
                              " RETURNING id",
                              error);
    if (stmt != NULL)
      {
        sqlite3_bind_int64 (stmt, 1, account_id);
        koi_store_bind_text (stmt, 2, peer_address);
        koi_store_bind_text (stmt, 3, peer_name);
        sqlite3_bind_int64 (stmt, 4, koi_store_now_ms ());
        chat_id = koi_store_step_returning_id (self, stmt, "Could not save the chat", error);
      }
  }

  if (chat_id > 0)
    contact_id = koi_store_contact_ensure (self, account_id, peer_address, peer_name, error);
  if (contact_id > 0 && !chat_add_member_by_contact (self, chat_id, contact_id, error))
    contact_id = 0;

  if (!koi_store_atomic_end (self, &atomic, chat_id > 0 && contact_id > 0, error))
    return 0;
  return chat_id;
}

gint64
koi_store_chat_ensure_group (KoiStore    *self,
                             gint64       account_id,
                             const char  *group_id,
                             const char  *name,
                             GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 id;

  g_return_val_if_fail (self != NULL, 0);

  if (group_id == NULL || *group_id == '\0')
    {
      g_set_error_literal (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID,
                           "A group chat needs a group id");
      return 0;
    }

  stmt = koi_store_prepare (self,
                            "INSERT INTO chats (account_id, kind, group_id, name, created_at)"
                            " VALUES (?1, 1, ?2, NULLIF (?3, ''), ?4)"
                            " ON CONFLICT (account_id, group_id) DO UPDATE SET"
                            "  name = COALESCE (excluded.name, name)"
                            " RETURNING id",
                            error);
  if (stmt == NULL)
    return 0;

  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, group_id);
  koi_store_bind_text (stmt, 3, name);
  sqlite3_bind_int64 (stmt, 4, koi_store_now_ms ());
  id = koi_store_step_returning_id (self, stmt, "Could not save the group chat", error);
  return id > 0 ? id : 0;
}

GPtrArray *
koi_store_chat_list (KoiStore  *self,
                     gint64     account_id,
                     GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self,
                            CHAT_SELECT
                            " WHERE c.account_id = ?1"
                            " ORDER BY c.last_activity_ms DESC, c.id DESC",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, account_id);
  return koi_store_step_rows (self, stmt, (KoiStoreRowFunc) chat_from_row, (GDestroyNotify) koi_store_chat_free,
                              "Could not list the chats", error);
}

KoiStoreChat *
koi_store_chat_get (KoiStore  *self,
                    gint64     chat_id,
                    GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self, CHAT_SELECT " WHERE c.id = ?1", error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, chat_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return chat_from_row (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND,
                 "There is no chat with id %" G_GINT64_FORMAT, chat_id);
  else
    koi_store_set_error (self, error, rc, "Could not read the chat");
  return NULL;
}

static gint64
lookup_id (KoiStore    *self,
           const char  *sql,
           gint64       account_id,
           const char  *text,
           const char  *what,
           GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = koi_store_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return 0;

  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, text);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  if (rc != SQLITE_DONE)
    koi_store_set_error (self, error, rc, what);
  return 0;
}

gint64
koi_store_chat_find_by_peer (KoiStore    *self,
                             gint64       account_id,
                             const char  *peer_address,
                             GError     **error)
{
  g_return_val_if_fail (self != NULL, 0);

  if (peer_address == NULL)
    return 0;
  return lookup_id (self,
                    "SELECT id FROM chats WHERE account_id = ?1 AND kind = 0 AND peer_address = ?2",
                    account_id, peer_address, "Could not look up the chat", error);
}

gint64
koi_store_chat_find_by_group (KoiStore    *self,
                              gint64       account_id,
                              const char  *group_id,
                              GError     **error)
{
  g_return_val_if_fail (self != NULL, 0);

  if (group_id == NULL)
    return 0;
  return lookup_id (self,
                    "SELECT id FROM chats WHERE account_id = ?1 AND group_id = ?2",
                    account_id, group_id, "Could not look up the group chat", error);
}

static gboolean
run_with_id (KoiStore    *self,
             const char  *sql,
             gint64       id,
             const char  *what,
             GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = koi_store_prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  return koi_store_step_done (self, stmt, what, error);
}

gboolean
koi_store_chat_mark_read (KoiStore  *self,
                          gint64     chat_id,
                          GError   **error)
{
  KoiStoreAtomic atomic;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!koi_store_atomic_begin (self, &atomic, error))
    return FALSE;

  ok = run_with_id (self, "UPDATE chats SET unread_count = 0 WHERE id = ?1",
                    chat_id, "Could not mark the chat read", error);
  if (ok && sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND,
                   "There is no chat with id %" G_GINT64_FORMAT, chat_id);
      ok = FALSE;
    }
  if (ok)
    ok = run_with_id (self, "UPDATE messages SET seen = 1 WHERE chat_id = ?1 AND seen = 0",
                      chat_id, "Could not mark the chat’s messages read", error);

  return koi_store_atomic_end (self, &atomic, ok, error);
}

gboolean
koi_store_chat_set_request (KoiStore             *self,
                            gint64                chat_id,
                            KoiStoreChatRequest   request,
                            GError              **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  stmt = koi_store_prepare (self, "UPDATE chats SET request = ?2 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int (stmt, 2, request);
  return koi_store_step_done (self, stmt, "Could not change the contact request", error);
}

KoiStoreChatRequest
koi_store_chat_get_request (KoiStore *self,
                            gint64    chat_id)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, KOI_STORE_CHAT_ACCEPTED);

  stmt = koi_store_prepare (self, "SELECT request FROM chats WHERE id = ?1", NULL);
  if (stmt == NULL)
    return KOI_STORE_CHAT_ACCEPTED;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return KOI_STORE_CHAT_ACCEPTED;
  return (KoiStoreChatRequest) sqlite3_column_int (stmt, 0);
}

gboolean
koi_store_contact_is_known (KoiStore   *self,
                            gint64      account_id,
                            const char *address,
                            gint64      except_chat_id)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (address == NULL)
    return FALSE;
  stmt = koi_store_prepare (self,
                            "SELECT 1 FROM contacts WHERE account_id = ?1 AND address = ?2"
                            "  AND card_ref IS NOT NULL AND NOT blocked"
                            " UNION ALL"
                            " SELECT 1 FROM chats WHERE account_id = ?1 AND kind = 0"
                            "  AND peer_address = ?2 AND request = 0 AND id != ?3"
                            " LIMIT 1",
                            NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, address);
  sqlite3_bind_int64 (stmt, 3, except_chat_id);
  return sqlite3_step (stmt) == SQLITE_ROW;
}

gboolean
koi_store_chat_set_draft (KoiStore    *self,
                          gint64       chat_id,
                          const char  *text,
                          gboolean    *changed,
                          GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (changed != NULL)
    *changed = FALSE;
  /* "IS NOT": an unchanged draft writes nothing, so the caller can tell
   * the window only when there is something new to show. */
  stmt = koi_store_prepare (self,
                            "UPDATE chats SET draft = NULLIF (?2, '')"
                            " WHERE id = ?1 AND draft IS NOT NULLIF (?2, '')",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_text (stmt, 2, text != NULL ? text : "", -1, SQLITE_TRANSIENT);
  if (!koi_store_step_done (self, stmt, "Could not keep the draft", error))
    return FALSE;
  if (changed != NULL)
    *changed = sqlite3_changes (self->db) > 0;
  return TRUE;
}

static gint64
chat_account (KoiStore  *self,
              gint64     chat_id,
              GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = koi_store_prepare (self, "SELECT account_id FROM chats WHERE id = ?1", error);
  int rc;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  if (rc == SQLITE_DONE)
    g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND,
                 "There is no chat with id %" G_GINT64_FORMAT, chat_id);
  else
    koi_store_set_error (self, error, rc, "Could not read the chat");
  return 0;
}

gboolean
koi_store_chat_add_member (KoiStore    *self,
                           gint64       chat_id,
                           const char  *address,
                           GError     **error)
{
  KoiStoreAtomic atomic;
  gint64 account_id;
  gint64 contact_id = 0;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!koi_store_atomic_begin (self, &atomic, error))
    return FALSE;

  account_id = chat_account (self, chat_id, error);
  if (account_id > 0)
    contact_id = koi_store_contact_ensure (self, account_id, address, NULL, error);
  ok = contact_id > 0 && chat_add_member_by_contact (self, chat_id, contact_id, error);

  return koi_store_atomic_end (self, &atomic, ok, error);
}

gboolean
koi_store_chat_remove_member (KoiStore    *self,
                              gint64       chat_id,
                              const char  *address,
                              GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  stmt = koi_store_prepare (self,
                            "DELETE FROM chat_members WHERE chat_id = ?1 AND contact_id IN"
                            " (SELECT k.id FROM contacts k JOIN chats c ON c.account_id = k.account_id"
                            "  WHERE c.id = ?1 AND k.address = ?2)",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, chat_id);
  koi_store_bind_text (stmt, 2, address);
  return koi_store_step_done (self, stmt, "Could not remove a chat member", error);
}

GPtrArray *
koi_store_chat_list_members (KoiStore  *self,
                             gint64     chat_id,
                             GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) members = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self,
                            "SELECT k.address FROM chat_members m JOIN contacts k ON k.id = m.contact_id"
                            " WHERE m.chat_id = ?1 AND m.removed = 0 ORDER BY k.address",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, chat_id);
  members = g_ptr_array_new_with_free_func (g_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (members, koi_store_column_dup (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not list the chat’s members");
      return NULL;
    }
  return g_steal_pointer (&members);
}
