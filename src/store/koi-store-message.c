/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store"

#include "config.h"

#include "koi-store-private.h"
#include "koi-store-attachment.h"

/* Columns in the order message_from_row() reads them; always "messages m". */
#define MESSAGE_COLUMNS \
  "m.id, m.account_id, m.chat_id, m.message_id, m.direction, m.state, m.kind," \
  " m.from_address, m.from_name, m.subject, m.text, m.full_text, m.in_reply_to," \
  " m.references_, m.sent_at_ms, m.received_at_ms, m.sort_ms, m.seen," \
  " m.failure_reason, m.edited_at_ms, m.deleted, m.has_attachments, m.type," \
  " (SELECT count(*) FROM read_receipts rr WHERE rr.message_ref = m.id)," \
  " (SELECT group_concat (c.address, ' ') FROM read_receipts rr JOIN contacts c ON c.id = rr.contact_id" \
  "  WHERE rr.message_ref = m.id)," \
  " m.group_info, m.group_info_arg," \
  /* not_member: see koi_store_message_get_group_info() */ \
  " (m.direction = 0 AND m.from_address IS NOT NULL" \
  "  AND EXISTS (SELECT 1 FROM chats gc WHERE gc.id = m.chat_id AND gc.kind = 1)" \
  "  AND NOT EXISTS (SELECT 1 FROM chat_members cm JOIN contacts k ON k.id = cm.contact_id" \
  "   WHERE cm.chat_id = m.chat_id AND k.address = m.from_address" \
  "   AND (cm.removed = 0 OR cm.changed_at_ms > m.sent_at_ms)))," \
  /* reactions: see KoiStoreMessage; fields split by US, records by RS */ \
  " (SELECT group_concat (r.emoji || char (31) || r.reactor_address || char (31)" \
  "   || COALESCE (NULLIF (c.display_name, ''), r.reactor_address) || char (31)" \
  "   || (r.reactor_address = a.address) || char (31) || r.sent_at_ms, char (30))" \
  "  FROM reactions r JOIN accounts a ON a.id = m.account_id" \
  "  LEFT JOIN contacts c ON c.account_id = m.account_id AND c.address = r.reactor_address" \
  "  WHERE r.message_ref = m.id AND r.emoji <> '')," \
  /* quote: only a reply with a quote (koi_store_message_quoted_id) looks \
   * its original up; 64 characters are enough to find the '>'. */ \
  " (SELECT q.id || char (31) || q.direction || char (31) || q.deleted || char (31)" \
  "   || COALESCE (NULLIF (q.from_name, ''), q.from_address, '') || char (31)" \
  "   || substr (COALESCE (q.text, ''), 1, 300)" \
  "  FROM messages q WHERE m.deleted = 0 AND m.in_reply_to IS NOT NULL" \
  "  AND ltrim (substr (m.full_text, 1, 64), char (32, 9, 10, 13)) GLOB '>*'" \
  "  AND q.account_id = m.account_id AND q.message_id = m.in_reply_to)," \
  " m.encrypted, m.signature"

static KoiStoreMessage *
message_from_row (sqlite3_stmt *stmt)
{
  KoiStoreMessage *message = g_new0 (KoiStoreMessage, 1);

  message->id = sqlite3_column_int64 (stmt, 0);
  message->account_id = sqlite3_column_int64 (stmt, 1);
  message->chat_id = sqlite3_column_int64 (stmt, 2);
  message->message_id = koi_store_column_dup (stmt, 3);
  message->direction = sqlite3_column_int (stmt, 4);
  message->state = sqlite3_column_int (stmt, 5);
  message->kind = sqlite3_column_int (stmt, 6);
  message->from_address = koi_store_column_dup (stmt, 7);
  message->from_name = koi_store_column_dup (stmt, 8);
  message->subject = koi_store_column_dup (stmt, 9);
  message->text = koi_store_column_dup (stmt, 10);
  message->full_text = koi_store_column_dup (stmt, 11);
  message->in_reply_to = koi_store_column_dup (stmt, 12);
  message->references = koi_store_column_dup (stmt, 13);
  message->sent_at_ms = sqlite3_column_int64 (stmt, 14);
  message->received_at_ms = sqlite3_column_int64 (stmt, 15);
  message->sort_ms = sqlite3_column_int64 (stmt, 16);
  message->seen = sqlite3_column_int (stmt, 17) != 0;
  message->failure_reason = koi_store_column_dup (stmt, 18);
  message->edited_at_ms = sqlite3_column_int64 (stmt, 19);
  message->deleted = sqlite3_column_int (stmt, 20) != 0;
  message->has_attachments = sqlite3_column_int (stmt, 21) != 0;
  message->type = sqlite3_column_int (stmt, 22);
  message->read_count = (guint) sqlite3_column_int64 (stmt, 23);
  message->read_by = koi_store_column_dup (stmt, 24);
  message->group_info = sqlite3_column_int (stmt, 25);
  message->group_info_arg = koi_store_column_dup (stmt, 26);
  message->not_member = sqlite3_column_int (stmt, 27) != 0;
  message->reactions = koi_store_column_dup (stmt, 28);
  message->quote = koi_store_column_dup (stmt, 29);
  message->encrypted = sqlite3_column_int (stmt, 30) != 0;
  message->signature = sqlite3_column_int (stmt, 31);
  return message;
}

void
koi_store_message_free (KoiStoreMessage *message)
{
  if (message == NULL)
    return;

  g_free (message->message_id);
  g_free (message->from_address);
  g_free (message->from_name);
  g_free (message->subject);
  g_free (message->text);
  g_free (message->full_text);
  g_free (message->in_reply_to);
  g_free (message->references);
  g_free (message->failure_reason);
  g_free (message->read_by);
  g_free (message->group_info_arg);
  g_clear_pointer (&message->attachments, g_ptr_array_unref);

  g_free (message->reactions);
  g_free (message->quote);
  g_free (message);
}

void
koi_store_edit_free (KoiStoreEdit *edit)
{
  if (edit == NULL)
    return;

  g_free (edit->text);
  g_free (edit->replaced_by);
  g_free (edit);
}

/* "<a@b>" and " a@b " name the same message as "a@b": the store keeps the
 * bare form, as gmime hands it out. */
static char *
normalize_message_id (const char *message_id)
{
  g_autofree char *copy = g_strstrip (g_strdup (message_id ? message_id : ""));
  gsize len = strlen (copy);

  if (len >= 2 && copy[0] == '<' && copy[len - 1] == '>')
    {
      copy[len - 1] = '\0';
      return g_strstrip (g_strdup (copy + 1));
    }
  return g_steal_pointer (&copy);
}

static gboolean
check_message_values (const KoiStoreMessage  *message,
                      GError                **error)
{
  if (message->direction != KOI_STORE_DIRECTION_INCOMING &&
      message->direction != KOI_STORE_DIRECTION_OUTGOING)
    {
      g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID,
                   "Unknown message direction %d", message->direction);
      return FALSE;
    }
  if (message->state < KOI_STORE_STATE_RECEIVED || message->state > KOI_STORE_STATE_FAILED)
    {
      g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID,
                   "Unknown message state %d", message->state);
      return FALSE;
    }
  if (message->signature < KOI_STORE_SIGNATURE_NONE || message->signature > KOI_STORE_SIGNATURE_UNKNOWN)
    {
      g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID,
                   "Unknown signature state %d", message->signature);
      return FALSE;
    }
  return TRUE;
}

static gboolean
chat_note_message (KoiStore  *self,
                   gint64     chat_id,
                   gint64     message_ref,
                   gint64     sort_ms,
                   gboolean   unread,
                   GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  /* An old message fetched late (history, a slow server) must not move
   * the chat back in the list or replace the newer preview. */
  stmt = koi_store_prepare (self,
                            "UPDATE chats SET"
                            " last_message_id = CASE WHEN ?2 >= last_activity_ms THEN ?3 ELSE last_message_id END,"
                            " last_activity_ms = MAX (last_activity_ms, ?2),"
                            " unread_count = unread_count + ?4"
                            " WHERE id = ?1",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, sort_ms);
  sqlite3_bind_int64 (stmt, 3, message_ref);
  sqlite3_bind_int (stmt, 4, unread ? 1 : 0);
  if (!koi_store_step_done (self, stmt, "Could not update the chat", error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND,
                   "There is no chat with id %" G_GINT64_FORMAT, chat_id);
      return FALSE;
    }
  return TRUE;
}

gint64
koi_store_message_insert_row (KoiStore               *self,
                              const KoiStoreMessage  *message,
                              gboolean               *out_inserted,
                              GError                **error)
{
  g_autofree char *message_id = NULL;
  gint64 received_at_ms;
  gint64 sort_ms;
  gint64 id = 0;

  if (out_inserted)
    *out_inserted = FALSE;

  message_id = normalize_message_id (message->message_id);
  if (*message_id == '\0')
    {
      g_set_error_literal (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID,
                           "A message without a Message-ID cannot be stored");
      return 0;
    }
  if (!check_message_values (message, error))
    return 0;

  received_at_ms = message->received_at_ms > 0 ? message->received_at_ms : koi_store_now_ms ();
  sort_ms = message->sort_ms;
  if (sort_ms <= 0)
    sort_ms = message->sent_at_ms > 0 ? MIN (message->sent_at_ms, received_at_ms) : received_at_ms;

  {
    g_autoptr(sqlite3_stmt) stmt = NULL;

    stmt = koi_store_prepare (self,
                              "INSERT INTO messages (account_id, chat_id, message_id, direction, state,"
                              " kind, from_address, from_name, subject, text, full_text, in_reply_to,"
                              " references_, sent_at_ms, received_at_ms, sort_ms, seen, failure_reason, type,"
                              " encrypted, signature)"
                              " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
                              " ?16, ?17, ?18, ?19, ?20, ?21)"
                              " ON CONFLICT (account_id, message_id) DO NOTHING"
                              " RETURNING id",
                              error);
    if (stmt == NULL)
      return 0;

    sqlite3_bind_int64 (stmt, 1, message->account_id);
    koi_store_bind_id (stmt, 2, message->chat_id);
    koi_store_bind_text (stmt, 3, message_id);
    sqlite3_bind_int (stmt, 4, message->direction);
    sqlite3_bind_int (stmt, 5, message->state);
    sqlite3_bind_int (stmt, 6, message->kind);
    koi_store_bind_text (stmt, 7, message->from_address);
    koi_store_bind_text (stmt, 8, message->from_name);
    koi_store_bind_text (stmt, 9, message->subject);
    koi_store_bind_text (stmt, 10, message->text);
    koi_store_bind_text (stmt, 11, message->full_text);
    koi_store_bind_text (stmt, 12, message->in_reply_to);
    koi_store_bind_text (stmt, 13, message->references);
    sqlite3_bind_int64 (stmt, 14, message->sent_at_ms);
    sqlite3_bind_int64 (stmt, 15, received_at_ms);
    sqlite3_bind_int64 (stmt, 16, sort_ms);
    sqlite3_bind_int (stmt, 17, message->seen ? 1 : 0);
    koi_store_bind_text (stmt, 18, message->failure_reason);
    /* Chat and email have the same numbers as kind and type. */
    sqlite3_bind_int (stmt, 19, message->type != 0 ? message->type : message->kind);
    sqlite3_bind_int (stmt, 20, message->encrypted ? 1 : 0);
    sqlite3_bind_int (stmt, 21, message->signature);

    id = koi_store_step_returning_id (self, stmt, "Could not save the message", error);
    if (id < 0)
      return 0;
  }

  if (id == 0)
    {
      /* Known already: a move, a re-fetch or our own copy from another
       * device. The stored row wins; nothing else changes. */
      id = koi_store_message_find (self, message->account_id, message_id, error);
      if (id == 0 && error && *error == NULL)
        g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_FAILED,
                     "The message <%s> was neither stored nor found", message_id);
      return id;
    }

  if (!koi_store_fts_add (self, id, message->text, error))
    return 0;

  if (message->chat_id > 0 &&
      !chat_note_message (self, message->chat_id, id, sort_ms,
                          message->direction == KOI_STORE_DIRECTION_INCOMING && !message->seen,
                          error))
    return 0;

  if (out_inserted)
    *out_inserted = TRUE;
  return id;
}

gint64
koi_store_message_insert (KoiStore               *self,
                          const KoiStoreMessage  *message,
                          gboolean               *out_inserted,
                          GError                **error)
{
  KoiStoreAtomic atomic;
  g_autoptr(GError) local_error = NULL;
  gboolean inserted = FALSE;
  gint64 id;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (message != NULL, 0);

  if (out_inserted)
    *out_inserted = FALSE;

  if (!koi_store_atomic_begin (self, &atomic, error))
    return 0;
  id = koi_store_message_insert_row (self, message, &inserted, &local_error);
  if (!koi_store_atomic_end (self, &atomic, id > 0, local_error ? NULL : &local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return 0;
    }

  if (out_inserted)
    *out_inserted = inserted;
  return id;
}

gint64
koi_store_message_find (KoiStore    *self,
                        gint64       account_id,
                        const char  *message_id,
                        GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *bare = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, 0);

  bare = normalize_message_id (message_id);
  if (*bare == '\0')
    return 0;

  stmt = koi_store_prepare (self,
                            "SELECT id FROM messages WHERE account_id = ?1 AND message_id = ?2",
                            error);
  if (stmt == NULL)
    return 0;

  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, bare);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  if (rc != SQLITE_DONE)
    koi_store_set_error (self, error, rc, "Could not look up the message");
  return 0;
}

gint64
koi_store_message_find_chat_for_thread (KoiStore            *self,
                                        gint64               account_id,
                                        const char * const  *message_ids,
                                        GError             **error)
{
  g_return_val_if_fail (self != NULL, 0);

  for (guint i = 0; message_ids != NULL && message_ids[i] != NULL; i++)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;
      g_autofree char *bare = normalize_message_id (message_ids[i]);
      int rc;

      if (*bare == '\0')
        continue;

      stmt = koi_store_prepare (self,
                                "SELECT chat_id FROM messages"
                                " WHERE account_id = ?1 AND message_id = ?2 AND chat_id IS NOT NULL",
                                error);
      if (stmt == NULL)
        return 0;

      sqlite3_bind_int64 (stmt, 1, account_id);
      koi_store_bind_text (stmt, 2, bare);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        return sqlite3_column_int64 (stmt, 0);
      if (rc != SQLITE_DONE)
        {
          koi_store_set_error (self, error, rc, "Could not look up the thread");
          return 0;
        }
    }
  return 0;
}

/* A message's files come with it, so a bubble never asks again; only
 * messages that have any cost the extra query. */
static void
load_attachments (KoiStore        *self,
                  KoiStoreMessage *message)
{
  if (message->has_attachments)
    message->attachments = koi_store_attachment_list (self, message->id, NULL);
}

KoiStoreMessage *
koi_store_message_get (KoiStore  *self,
                       gint64     id,
                       GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self, "SELECT " MESSAGE_COLUMNS " FROM messages m WHERE m.id = ?1", error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      KoiStoreMessage *message = message_from_row (stmt);

      g_clear_pointer (&stmt, koi_store_stmt_release);
      load_attachments (self, message);
      return message;
    }
  if (rc == SQLITE_DONE)
    g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND,
                 "There is no message with id %" G_GINT64_FORMAT, id);
  else
    koi_store_set_error (self, error, rc, "Could not read the message");
  return NULL;
}

static gboolean
require_changed (KoiStore  *self,
                 gint64     id,
                 GError   **error)
{
  if (sqlite3_changes (self->db) > 0)
    return TRUE;
  g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND,
               "There is no message with id %" G_GINT64_FORMAT, id);
  return FALSE;
}

gboolean
koi_store_message_set_state (KoiStore    *self,
                             gint64       id,
                             int          state,
                             const char  *failure_reason,
                             GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (state < KOI_STORE_STATE_RECEIVED || state > KOI_STORE_STATE_FAILED)
    {
      g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID,
                   "Unknown message state %d", state);
      return FALSE;
    }

  stmt = koi_store_prepare (self, "UPDATE messages SET state = ?2, failure_reason = ?3 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int (stmt, 2, state);
  koi_store_bind_text (stmt, 3, failure_reason);
  return koi_store_step_done (self, stmt, "Could not change the message’s state", error) &&
         require_changed (self, id, error);
}

gboolean
koi_store_message_set_seen (KoiStore  *self,
                            gint64     id,
                            gboolean   seen,
                            GError   **error)
{
  KoiStoreAtomic atomic;
  gint64 chat_id = 0;
  gboolean unread_changes = FALSE;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!koi_store_atomic_begin (self, &atomic, error))
    return FALSE;

  {
    g_autoptr(sqlite3_stmt) stmt = NULL;

    /* Only a real change returns a row, so a repeated flag update from
     * the server cannot count a message twice. */
    stmt = koi_store_prepare (self,
                              "UPDATE messages SET seen = ?2 WHERE id = ?1 AND seen != ?2"
                              " RETURNING chat_id, direction",
                              error);
    ok = stmt != NULL;
    if (ok)
      {
        int rc;

        sqlite3_bind_int64 (stmt, 1, id);
        sqlite3_bind_int (stmt, 2, seen ? 1 : 0);
        while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
          {
            chat_id = sqlite3_column_int64 (stmt, 0);
            unread_changes = sqlite3_column_int (stmt, 1) == KOI_STORE_DIRECTION_INCOMING;
          }
        if (rc != SQLITE_DONE)
          {
            koi_store_set_error (self, error, rc, "Could not mark the message");
            ok = FALSE;
          }
      }
  }

  if (ok && chat_id > 0 && unread_changes)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;

      stmt = koi_store_prepare (self,
                                "UPDATE chats SET unread_count = MAX (0, unread_count + ?2) WHERE id = ?1",
                                error);
      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, chat_id);
          sqlite3_bind_int (stmt, 2, seen ? -1 : 1);
          ok = koi_store_step_done (self, stmt, "Could not update the unread count", error);
        }
    }
  else if (ok && chat_id == 0)
    {
      /* Nothing changed: fine if the message exists with that flag. */
      g_autoptr(KoiStoreMessage) existing = koi_store_message_get (self, id, error);
      ok = existing != NULL;
    }

  return koi_store_atomic_end (self, &atomic, ok, error);
}

gboolean
koi_store_message_apply_edit (KoiStore    *self,
                              gint64       id,
                              const char  *text,
                              gint64       edited_at_ms,
                              const char  *edit_message_id,
                              gboolean    *out_applied,
                              GError     **error)
{
  g_autoptr(KoiStoreMessage) current = NULL;
  g_autofree char *edit_id = NULL;
  KoiStoreAtomic atomic;
  gboolean ok = TRUE;
  gboolean applied = FALSE;
  gint64 current_written;

  g_return_val_if_fail (self != NULL, FALSE);

  if (out_applied)
    *out_applied = FALSE;
  if (edited_at_ms <= 0)
    edited_at_ms = koi_store_now_ms ();
  if (edit_message_id != NULL)
    edit_id = normalize_message_id (edit_message_id);

  /* The index's update trigger removes the old text, which must be in the
   * index by then (a message stored earlier in this batch is not yet). */
  if (!koi_store_fts_flush (self, error) || !koi_store_atomic_begin (self, &atomic, error))
    return FALSE;

  current = koi_store_message_get (self, id, error);
  if (current == NULL)
    return koi_store_atomic_end (self, &atomic, FALSE, error);

  /* A deleted message stays deleted whatever edits still arrive. */
  if (current->deleted)
    return koi_store_atomic_end (self, &atomic, TRUE, error);

  if (edit_id != NULL && *edit_id != '\0')
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;
      int rc;

      stmt = koi_store_prepare (self,
                                "SELECT 1 FROM message_edits WHERE message_ref = ?1 AND edit_message_id = ?2",
                                error);
      if (stmt == NULL)
        return koi_store_atomic_end (self, &atomic, FALSE, error);
      sqlite3_bind_int64 (stmt, 1, id);
      koi_store_bind_text (stmt, 2, edit_id);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        return koi_store_atomic_end (self, &atomic, TRUE, error);
      if (rc != SQLITE_DONE)
        {
          koi_store_set_error (self, error, rc, "Could not read the edit history");
          return koi_store_atomic_end (self, &atomic, FALSE, error);
        }
    }

  current_written = current->edited_at_ms > 0 ? current->edited_at_ms : current->sent_at_ms;

  {
    g_autoptr(sqlite3_stmt) stmt = NULL;
    gboolean older = edited_at_ms < current_written;

    /* A newer version is already shown: only keep this one in history. */
    stmt = koi_store_prepare (self,
                              "INSERT INTO message_edits (message_ref, text, edited_at_ms, edit_message_id)"
                              " VALUES (?1, ?2, ?3, ?4)",
                              error);
    ok = stmt != NULL;
    if (ok)
      {
        sqlite3_bind_int64 (stmt, 1, id);
        koi_store_bind_text (stmt, 2, older ? text : current->text);
        sqlite3_bind_int64 (stmt, 3, older ? edited_at_ms : current_written);
        koi_store_bind_text (stmt, 4, edit_id);
        ok = koi_store_step_done (self, stmt, "Could not save the edit history", error);
      }
    applied = !older;
  }

  if (ok && applied)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;

      stmt = koi_store_prepare (self, "UPDATE messages SET text = ?2, edited_at_ms = ?3 WHERE id = ?1", error);
      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, id);
          koi_store_bind_text (stmt, 2, text);
          sqlite3_bind_int64 (stmt, 3, edited_at_ms);
          ok = koi_store_step_done (self, stmt, "Could not save the edited text", error);
        }
    }

  if (!koi_store_atomic_end (self, &atomic, ok, error))
    return FALSE;
  if (out_applied)
    *out_applied = applied;
  return TRUE;
}

GPtrArray *
koi_store_message_list_edits (KoiStore  *self,
                              gint64     id,
                              GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) edits = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self,
                            "SELECT text, edited_at_ms, edit_message_id FROM message_edits"
                            " WHERE message_ref = ?1 ORDER BY edited_at_ms, id",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, id);
  edits = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_store_edit_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      KoiStoreEdit *edit = g_new0 (KoiStoreEdit, 1);

      edit->text = koi_store_column_dup (stmt, 0);
      edit->written_at_ms = sqlite3_column_int64 (stmt, 1);
      edit->replaced_by = koi_store_column_dup (stmt, 2);
      g_ptr_array_add (edits, edit);
    }
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not read the edit history");
      return NULL;
    }
  return g_steal_pointer (&edits);
}

gboolean
koi_store_message_position (KoiStore  *self,
                            gint64     id,
                            guint     *out_position,
                            GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);

  /* The same order as koi_store_message_page(), counted on its index. */
  stmt = koi_store_prepare (self,
                            "SELECT (SELECT count(*) FROM messages m WHERE m.chat_id = t.chat_id"
                            "        AND (m.sort_ms, m.id) < (t.sort_ms, t.id))"
                            " FROM messages t WHERE t.id = ?1 AND t.chat_id > 0",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *out_position = (guint) sqlite3_column_int64 (stmt, 0);
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND,
                 "There is no message %" G_GINT64_FORMAT " in a chat", id);
  else
    koi_store_set_error (self, error, rc, "Could not find the message in its chat");
  return FALSE;
}

gboolean
koi_store_message_mark_deleted (KoiStore  *self,
                                gint64     id,
                                GError   **error)
{
  KoiStoreAtomic atomic;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);

  /* As for an edit: the row's text must be in the index before it goes. */
  if (!koi_store_fts_flush (self, error) || !koi_store_atomic_begin (self, &atomic, error))
    return FALSE;

  {
    g_autoptr(sqlite3_stmt) stmt = NULL;

    /* The author asked for the words to go: drop them and every earlier
     * version, keep only the row so the Message-ID stays known. */
    stmt = koi_store_prepare (self,
                              "UPDATE messages SET deleted = 1, text = NULL, full_text = NULL,"
                              " subject = NULL WHERE id = ?1",
                              error);
    ok = stmt != NULL;
    if (ok)
      {
        sqlite3_bind_int64 (stmt, 1, id);
        ok = koi_store_step_done (self, stmt, "Could not delete the message", error) &&
             require_changed (self, id, error);
      }
  }
  if (ok)
    {
      g_autoptr(sqlite3_stmt) stmt = koi_store_prepare (self, "DELETE FROM message_edits WHERE message_ref = ?1", error);

      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, id);
          ok = koi_store_step_done (self, stmt, "Could not delete the edit history", error);
        }
    }

  return koi_store_atomic_end (self, &atomic, ok, error);
}

const char *
koi_store_message_quoted_id (const KoiStoreMessage *message)
{
  const char *p;

  g_return_val_if_fail (message != NULL, NULL);

  if (message->in_reply_to == NULL || message->full_text == NULL || message->deleted)
    return NULL;
  for (p = message->full_text; g_ascii_isspace (*p); p++)
    ;
  return *p == '>' ? message->in_reply_to : NULL;
}

gboolean
koi_store_message_hide (KoiStore  *self,
                        gint64     id,
                        GError   **error)
{
  g_autoptr(KoiStoreMessage) message = NULL;
  KoiStoreAtomic atomic;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!koi_store_atomic_begin (self, &atomic, error))
    return FALSE;

  message = koi_store_message_get (self, id, error);
  ok = message != NULL;
  /* Read first, so the chat's unread count does not keep it. */
  if (ok && !message->seen)
    ok = koi_store_message_set_seen (self, id, TRUE, error);
  if (ok && !message->deleted)
    ok = koi_store_message_mark_deleted (self, id, error);
  /* Out of its chat: a hidden row, still known by its Message-ID, so a
   * later fetch of the same mail does not bring the bubble back. */
  if (ok)
    {
      g_autoptr(sqlite3_stmt) stmt = koi_store_prepare (self, "UPDATE messages SET chat_id = NULL WHERE id = ?1",
                                                        error);

      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, id);
          ok = koi_store_step_done (self, stmt, "Could not delete the message", error);
        }
    }
  if (ok && message->chat_id > 0)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;

      stmt = koi_store_prepare (self,
                                "UPDATE chats SET last_message_id ="
                                " (SELECT id FROM messages WHERE chat_id = ?1"
                                "  ORDER BY sort_ms DESC, id DESC LIMIT 1)"
                                " WHERE id = ?1 AND last_message_id = ?2",
                                error);
      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, message->chat_id);
          sqlite3_bind_int64 (stmt, 2, id);
          ok = koi_store_step_done (self, stmt, "Could not update the chat’s preview", error);
        }
    }

  return koi_store_atomic_end (self, &atomic, ok, error);
}

static char *
chat_end_message_id (KoiStore    *self,
                     sqlite3_stmt *stmt,
                     gint64       chat_id,
                     GError     **error)
{
  int rc;

  sqlite3_bind_int64 (stmt, 1, chat_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  if (rc != SQLITE_DONE)
    koi_store_set_error (self, error, rc, "Could not read the chat’s thread");
  return NULL;
}

gboolean
koi_store_chat_thread_ends (KoiStore  *self,
                            gint64     chat_id,
                            char     **out_first,
                            char     **out_last,
                            GError   **error)
{
  g_autoptr(sqlite3_stmt) first = NULL;
  g_autoptr(sqlite3_stmt) last = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  first = koi_store_prepare (self,
                             "SELECT message_id FROM messages WHERE chat_id = ?1"
                             " ORDER BY sort_ms, id LIMIT 1",
                             error);
  last = koi_store_prepare (self,
                            "SELECT message_id FROM messages WHERE chat_id = ?1"
                            " ORDER BY sort_ms DESC, id DESC LIMIT 1",
                            error);
  if (first == NULL || last == NULL)
    return FALSE;

  *out_first = chat_end_message_id (self, first, chat_id, &local_error);
  if (local_error == NULL)
    *out_last = chat_end_message_id (self, last, chat_id, &local_error);
  if (local_error != NULL)
    {
      g_clear_pointer (out_first, g_free);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return TRUE;
}

GArray *
koi_store_message_list_unreadable (KoiStore  *self,
                                   gint64     account_id,
                                   GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  GArray *refs;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  /* The ids koi_coi_parsed_new_unreadable() gives; still in a chat, so
   * not replaced yet. */
  stmt = koi_store_prepare (self,
                            "SELECT id FROM messages WHERE account_id = ?1 AND chat_id IS NOT NULL"
                            " AND message_id LIKE 'koi-unreadable.%' ORDER BY id",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, account_id);
  refs = g_array_new (FALSE, FALSE, sizeof (gint64));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 ref = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (refs, ref);
    }
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not list the unreadable messages");
      g_array_unref (refs);
      return NULL;
    }
  return refs;
}

guint
koi_store_message_count (KoiStore  *self,
                         gint64     chat_id,
                         GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, 0);

  stmt = koi_store_prepare (self, "SELECT count(*) FROM messages WHERE chat_id = ?1", error);
  if (stmt == NULL)
    return 0;

  sqlite3_bind_int64 (stmt, 1, chat_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return (guint) sqlite3_column_int64 (stmt, 0);
  koi_store_set_error (self, error, rc, "Could not count the chat’s messages");
  return 0;
}

static GPtrArray *
collect_messages (KoiStore      *self,
                  sqlite3_stmt  *stmt,
                  const char    *what,
                  GError       **error)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_store_message_free);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (messages, message_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, what);
      return NULL;
    }
  koi_store_stmt_release (stmt);
  for (guint i = 0; i < messages->len; i++)
    load_attachments (self, messages->pdata[i]);
  return g_steal_pointer (&messages);
}

GPtrArray *
koi_store_message_page (KoiStore  *self,
                        gint64     chat_id,
                        guint      offset,
                        guint      limit,
                        GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self,
                            "SELECT " MESSAGE_COLUMNS " FROM messages m WHERE m.chat_id = ?1"
                            " ORDER BY m.sort_ms, m.id LIMIT ?2 OFFSET ?3",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, limit);
  sqlite3_bind_int64 (stmt, 3, offset);
  return collect_messages (self, stmt, "Could not read the chat’s messages", error);
}

/* Turns what the user typed into an FTS5 query that cannot be an FTS5
 * expression: the words (runs of letters, digits and marks, the same
 * characters the unicode61 tokenizer keeps) each become a quoted string,
 * so quotes, AND/OR/NOT/NEAR, ':' '^' '*' and parentheses are just text.
 * The last word is a prefix unless the input ends between words, so
 * results follow the typing. NULL when there is no word at all. */
static char *
build_fts_query (const char *query)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean in_word = FALSE;

  if (query == NULL || !g_utf8_validate (query, -1, NULL))
    return NULL;

  for (const char *p = query; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gboolean word_char = g_unichar_isalnum (c) || g_unichar_ismark (c);

      if (word_char && !in_word)
        {
          if (out->len > 0)
            g_string_append_c (out, ' ');
          g_string_append_c (out, '"');
        }
      else if (!word_char && in_word)
        g_string_append_c (out, '"');

      if (word_char)
        g_string_append_unichar (out, c);
      in_word = word_char;
    }

  if (out->len == 0)
    return NULL;
  if (in_word)
    g_string_append (out, "\"*");
  return g_string_free (g_steal_pointer (&out), FALSE);
}

GPtrArray *
koi_store_message_search (KoiStore    *self,
                          gint64       account_id,
                          const char  *query,
                          guint        limit,
                          GError     **error)
{
  return koi_store_message_search_chat (self, account_id, 0, query, limit, error);
}

GPtrArray *
koi_store_message_search_chat (KoiStore    *self,
                               gint64       account_id,
                               gint64       chat_id,
                               const char  *query,
                               guint        limit,
                               GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *match = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  match = build_fts_query (query);
  if (match == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) koi_store_message_free);

  /* Ordered by the FTS rowid (= message id) so FTS5 can stream matches
   * newest-stored first and stop at the limit; ordering by sort_ms would
   * read and sort every match (8 ms instead of 0.3 ms for a word in one
   * message of eight, in bench-store). One chat's matches are filtered
   * from the same stream: a chat is a part of the account's messages. */
  stmt = koi_store_prepare (self,
                            "SELECT " MESSAGE_COLUMNS " FROM messages_fts f"
                            " JOIN messages m ON m.id = f.rowid"
                            " WHERE messages_fts MATCH ?1 AND m.account_id = ?2 AND m.deleted = 0"
                            " AND m.chat_id IS NOT NULL AND (?4 = 0 OR m.chat_id = ?4)"
                            " ORDER BY f.rowid DESC LIMIT ?3",
                            error);
  if (stmt == NULL)
    return NULL;

  koi_store_bind_text (stmt, 1, match);
  sqlite3_bind_int64 (stmt, 2, account_id);
  sqlite3_bind_int64 (stmt, 3, limit > 0 ? (gint64) limit : -1);
  sqlite3_bind_int64 (stmt, 4, chat_id > 0 ? chat_id : 0);
  return collect_messages (self, stmt, "Could not search the messages", error);
}

/* ------------------------------------------------------------------ */
/* Read receipts */

gboolean
koi_store_receipt_add (KoiStore    *self,
                       gint64       message_ref,
                       const char  *reader_address,
                       gint64       read_at_ms,
                       GError     **error)
{
  g_autoptr(KoiStoreMessage) message = NULL;
  KoiStoreAtomic atomic;
  gint64 contact_id = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!koi_store_atomic_begin (self, &atomic, error))
    return FALSE;

  message = koi_store_message_get (self, message_ref, error);
  if (message != NULL)
    contact_id = koi_store_contact_ensure (self, message->account_id, reader_address, NULL, error);
  if (contact_id > 0)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;

      /* Several devices of one reader may each send a receipt: the first
       * reading is the one that counts. */
      stmt = koi_store_prepare (self,
                                "INSERT INTO read_receipts (message_ref, contact_id, read_at_ms)"
                                " VALUES (?1, ?2, ?3) ON CONFLICT (message_ref, contact_id)"
                                " DO UPDATE SET read_at_ms = MIN (read_at_ms, excluded.read_at_ms)",
                                error);
      if (stmt != NULL)
        {
          sqlite3_bind_int64 (stmt, 1, message_ref);
          sqlite3_bind_int64 (stmt, 2, contact_id);
          sqlite3_bind_int64 (stmt, 3, read_at_ms > 0 ? read_at_ms : koi_store_now_ms ());
          ok = koi_store_step_done (self, stmt, "Could not save the read receipt", error);
        }
    }

  return koi_store_atomic_end (self, &atomic, ok, error);
}

guint
koi_store_receipt_count (KoiStore  *self,
                         gint64     message_ref,
                         GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, 0);

  stmt = koi_store_prepare (self, "SELECT count(*) FROM read_receipts WHERE message_ref = ?1", error);
  if (stmt == NULL)
    return 0;

  sqlite3_bind_int64 (stmt, 1, message_ref);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return (guint) sqlite3_column_int64 (stmt, 0);
  koi_store_set_error (self, error, rc, "Could not count the read receipts");
  return 0;
}

GPtrArray *
koi_store_message_list_after (KoiStore  *self,
                              gint64     account_id,
                              gint64     after_id,
                              guint      limit,
                              GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self,
                            "SELECT " MESSAGE_COLUMNS " FROM messages m"
                            " WHERE m.account_id = ?1 AND m.id > ?2 AND m.chat_id IS NOT NULL"
                            " ORDER BY m.id LIMIT ?3",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_int64 (stmt, 2, after_id);
  sqlite3_bind_int64 (stmt, 3, limit > 0 ? (gint64) limit : -1);
  return koi_store_step_rows (self, stmt, (KoiStoreRowFunc) message_from_row, (GDestroyNotify) koi_store_message_free,
                              "Could not read the messages", error);
}
