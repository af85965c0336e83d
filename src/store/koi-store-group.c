/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store"

#include "config.h"

#include <string.h>

#include "koi-store-group.h"
#include "koi-store-private.h"

void
koi_store_group_member_free (KoiStoreGroupMember *member)
{
  if (member == NULL)
    return;
  g_free (member->address);
  g_free (member->display_name);
  g_free (member);
}

typedef struct {
  gboolean found;
  gboolean removed;
  gboolean explicit_change;
  gint64   changed_at_ms;
} MemberRow;

static gboolean
read_member (KoiStore    *self,
             gint64       chat_id,
             const char  *address,
             MemberRow   *row,
             GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  memset (row, 0, sizeof *row);
  stmt = koi_store_prepare (self,
                            "SELECT m.removed, m.explicit, m.changed_at_ms"
                            " FROM chat_members m JOIN contacts k ON k.id = m.contact_id"
                            " WHERE m.chat_id = ?1 AND k.address = ?2",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  koi_store_bind_text (stmt, 2, address);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      row->found = TRUE;
      row->removed = sqlite3_column_int (stmt, 0) != 0;
      row->explicit_change = sqlite3_column_int (stmt, 1) != 0;
      row->changed_at_ms = sqlite3_column_int64 (stmt, 2);
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    return TRUE;
  koi_store_set_error (self, error, rc, "Could not read a group member");
  return FALSE;
}

gboolean
koi_store_group_member_state (KoiStore                  *self,
                              gint64                     chat_id,
                              const char                *address,
                              KoiStoreGroupMemberState  *out_state,
                              GError                   **error)
{
  MemberRow row;

  g_return_val_if_fail (out_state != NULL, FALSE);

  *out_state = KOI_STORE_GROUP_MEMBER_UNKNOWN;
  if (address == NULL)
    return TRUE;
  if (!read_member (self, chat_id, address, &row, error))
    return FALSE;
  if (row.found)
    *out_state = row.removed ? KOI_STORE_GROUP_MEMBER_REMOVED : KOI_STORE_GROUP_MEMBER_PRESENT;
  return TRUE;
}

/* Whether a change (@member, @at_ms, @explicit_change) outweighs what is
 * stored. The rules of koi-store-group.h: they make the result independent
 * of the order in which changes are applied. */
static gboolean
member_change_wins (const MemberRow *row,
                    gboolean         member,
                    gint64           at_ms,
                    gboolean         explicit_change)
{
  if (!row->found)
    return TRUE;
  if (!explicit_change)
    return FALSE;   /* seen in To/Cc: only ever introduces an unknown address */
  if (!row->explicit_change)
    return TRUE;
  if (at_ms != row->changed_at_ms)
    return at_ms > row->changed_at_ms;
  /* The same second: a removal wins, whichever came first. */
  return !member && !row->removed;
}

gboolean
koi_store_group_member_set (KoiStore     *self,
                            gint64        chat_id,
                            const char   *address,
                            gboolean      member,
                            gint64        at_ms,
                            gboolean      explicit_change,
                            gboolean     *out_changed,
                            GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(KoiStoreChat) chat = NULL;
  KoiStoreAtomic atomic;
  MemberRow row;
  gint64 contact_id;
  gboolean ok = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (member || explicit_change, FALSE);

  if (out_changed != NULL)
    *out_changed = FALSE;

  if (!koi_store_atomic_begin (self, &atomic, error))
    return FALSE;

  chat = koi_store_chat_get (self, chat_id, error);
  if (chat == NULL || !read_member (self, chat_id, address, &row, error))
    goto out;

  if (!member_change_wins (&row, member, at_ms, explicit_change))
    {
      ok = TRUE;
      goto out;
    }

  contact_id = koi_store_contact_ensure (self, chat->account_id, address, NULL, error);
  if (contact_id == 0)
    goto out;

  stmt = koi_store_prepare (self,
                            "INSERT INTO chat_members (chat_id, contact_id, added_at, removed,"
                            " changed_at_ms, explicit) VALUES (?1, ?2, ?3, ?4, ?3, ?5)"
                            " ON CONFLICT (chat_id, contact_id) DO UPDATE SET"
                            "  removed = excluded.removed, changed_at_ms = excluded.changed_at_ms,"
                            "  explicit = excluded.explicit,"
                            "  added_at = CASE WHEN excluded.removed = 0 AND removed = 1"
                            "             THEN excluded.added_at ELSE added_at END",
                            error);
  if (stmt == NULL)
    goto out;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, contact_id);
  sqlite3_bind_int64 (stmt, 3, at_ms);
  sqlite3_bind_int (stmt, 4, member ? 0 : 1);
  sqlite3_bind_int (stmt, 5, explicit_change ? 1 : 0);
  ok = koi_store_step_done (self, stmt, "Could not save a group member", error);
  if (ok && out_changed != NULL)
    *out_changed = !row.found || row.removed == member;

out:
  return koi_store_atomic_end (self, &atomic, ok, error);
}

gboolean
koi_store_group_name_set (KoiStore     *self,
                          gint64        chat_id,
                          const char   *name,
                          gint64        at_ms,
                          gboolean      explicit_change,
                          gboolean     *out_changed,
                          GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *current = NULL;
  gboolean current_explicit;
  gint64 current_at;
  gboolean wins;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);

  if (out_changed != NULL)
    *out_changed = FALSE;
  if (name == NULL || *name == '\0')
    return TRUE;

  stmt = koi_store_prepare (self,
                            "SELECT name, name_explicit, name_changed_at_ms FROM chats WHERE id = ?1",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND,
                     "There is no chat with id %" G_GINT64_FORMAT, chat_id);
      else
        koi_store_set_error (self, error, rc, "Could not read the group’s name");
      return FALSE;
    }
  current = koi_store_column_dup (stmt, 0);
  current_explicit = sqlite3_column_int (stmt, 1) != 0;
  current_at = sqlite3_column_int64 (stmt, 2);
  g_clear_pointer (&stmt, koi_store_stmt_release);

  /* Explicit beats seen; then the newer Date; then, at the same Date, the
   * greater name, so both arrival orders agree. */
  if (current == NULL)
    wins = TRUE;
  else if (explicit_change != current_explicit)
    wins = explicit_change;
  else if (at_ms != current_at)
    wins = at_ms > current_at;
  else
    wins = strcmp (name, current) > 0;
  if (!wins)
    return TRUE;

  stmt = koi_store_prepare (self,
                            "UPDATE chats SET name = ?2, name_changed_at_ms = ?3, name_explicit = ?4"
                            " WHERE id = ?1",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  koi_store_bind_text (stmt, 2, name);
  sqlite3_bind_int64 (stmt, 3, at_ms);
  sqlite3_bind_int (stmt, 4, explicit_change ? 1 : 0);
  if (!koi_store_step_done (self, stmt, "Could not rename the group", error))
    return FALSE;
  if (out_changed != NULL)
    *out_changed = g_strcmp0 (name, current) != 0;
  return TRUE;
}

GPtrArray *
koi_store_group_list_members (KoiStore  *self,
                              gint64     chat_id,
                              gboolean   include_removed,
                              GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) members = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self,
                            "SELECT k.address, k.display_name, m.removed, m.explicit, m.changed_at_ms"
                            " FROM chat_members m JOIN contacts k ON k.id = m.contact_id"
                            " WHERE m.chat_id = ?1 AND (?2 OR m.removed = 0) ORDER BY k.address",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int (stmt, 2, include_removed ? 1 : 0);

  members = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_store_group_member_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      KoiStoreGroupMember *member = g_new0 (KoiStoreGroupMember, 1);

      member->address = koi_store_column_dup (stmt, 0);
      member->display_name = koi_store_column_dup (stmt, 1);
      member->removed = sqlite3_column_int (stmt, 2) != 0;
      member->explicit_change = sqlite3_column_int (stmt, 3) != 0;
      member->changed_at_ms = sqlite3_column_int64 (stmt, 4);
      g_ptr_array_add (members, member);
    }
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not list the group’s members");
      return NULL;
    }
  return g_steal_pointer (&members);
}

gboolean
koi_store_message_set_group_info (KoiStore           *self,
                                  gint64              message_ref,
                                  KoiStoreGroupInfo   info,
                                  const char         *arg,
                                  GError            **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = koi_store_prepare (self,
                            "UPDATE messages SET group_info = ?2, group_info_arg = ?3 WHERE id = ?1",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_ref);
  sqlite3_bind_int (stmt, 2, info);
  koi_store_bind_text (stmt, 3, arg);
  return koi_store_step_done (self, stmt, "Could not save the group info of a message", error);
}

gboolean
koi_store_message_get_group_info (KoiStore           *self,
                                  gint64              message_ref,
                                  KoiStoreGroupInfo  *out_info,
                                  char              **out_arg,
                                  gboolean           *out_not_member,
                                  GError            **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  *out_info = KOI_STORE_GROUP_INFO_NONE;
  if (out_arg != NULL)
    *out_arg = NULL;
  if (out_not_member != NULL)
    *out_not_member = FALSE;

  stmt = koi_store_prepare (self,
                            "SELECT m.group_info, m.group_info_arg,"
                            "  c.kind = 1 AND m.direction = 0 AND m.from_address IS NOT NULL AND"
                            "  NOT EXISTS (SELECT 1 FROM chat_members cm JOIN contacts k ON k.id = cm.contact_id"
                            "   WHERE cm.chat_id = m.chat_id AND k.address = m.from_address"
                            "   AND (cm.removed = 0 OR cm.changed_at_ms > m.sent_at_ms))"
                            " FROM messages m LEFT JOIN chats c ON c.id = m.chat_id WHERE m.id = ?1",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_ref);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *out_info = sqlite3_column_int (stmt, 0);
      if (out_arg != NULL)
        *out_arg = koi_store_column_dup (stmt, 1);
      if (out_not_member != NULL)
        *out_not_member = sqlite3_column_int (stmt, 2) != 0;
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    return TRUE;
  koi_store_set_error (self, error, rc, "Could not read the group info of a message");
  return FALSE;
}

gint64
koi_store_group_last_change_ms (KoiStore  *self,
                                gint64     chat_id,
                                GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = koi_store_prepare (self,
                            "SELECT MAX (COALESCE ((SELECT MAX (changed_at_ms) FROM chat_members"
                            "                       WHERE chat_id = ?1 AND explicit = 1), 0),"
                            "            COALESCE ((SELECT name_changed_at_ms FROM chats"
                            "                       WHERE id = ?1 AND name_explicit = 1), 0))",
                            error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  koi_store_set_error (self, error, rc, "Could not read the group’s last change");
  return -1;
}
