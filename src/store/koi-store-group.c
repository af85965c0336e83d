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
gboolean
koi_store_group_member_wins (gboolean found,
                             gboolean removed,
                             gboolean row_explicit,
                             gint64   row_at_ms,
                             gboolean member,
                             gint64   at_ms,
                             gboolean explicit_change)
{
  if (!found)
    return TRUE;
  if (!explicit_change)
    return FALSE;   /* seen in To/Cc: only ever introduces an unknown address */
  if (!row_explicit)
    return TRUE;
  if (at_ms != row_at_ms)
    return at_ms > row_at_ms;
  /* The same second: a removal wins, whichever came first. */
  return !member && !removed;
}

/* Explicit beats seen; then the newer Date; then, at the same Date, the
 * greater name, so both arrival orders agree. */
gboolean
koi_store_group_name_wins (const char *current,
                           gboolean    current_explicit,
                           gint64      current_at_ms,
                           const char *name,
                           gint64      at_ms,
                           gboolean    explicit_change)
{
  if (current == NULL)
    return TRUE;
  if (explicit_change != current_explicit)
    return explicit_change;
  if (at_ms != current_at_ms)
    return at_ms > current_at_ms;
  return strcmp (name, current) > 0;
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
