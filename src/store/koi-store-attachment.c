/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store"

#include "config.h"

#include "koi-store-private.h"
#include "koi-store-attachment.h"

/* The attachment rows. The bytes are files in the attachment folder; this
 * file only says which part of which mail each one is and how far it got. */

#define ATTACHMENT_COLUMNS \
  "a.id, a.message_ref, a.section, a.filename, a.mime_type, a.size, a.encoding," \
  " a.kind, a.state, a.sha256, a.local_path, a.error, m.account_id"

void
koi_store_attachment_free (KoiStoreAttachment *attachment)
{
  if (attachment == NULL)
    return;

  g_free (attachment->section);
  g_free (attachment->filename);
  g_free (attachment->mime_type);
  g_free (attachment->encoding);
  g_free (attachment->sha256);
  g_free (attachment->local_path);
  g_free (attachment->error);
  g_free (attachment->path);
  g_free (attachment);
}

char *
koi_store_get_attachment_dir (KoiStore *self)
{
  g_autofree char *profile = g_path_get_dirname (koi_store_get_path (self));

  return g_build_filename (profile, "attachments", NULL);
}

static KoiStoreAttachment *
attachment_from_row (KoiStore     *self,
                     sqlite3_stmt *stmt)
{
  KoiStoreAttachment *attachment = g_new0 (KoiStoreAttachment, 1);

  attachment->id = sqlite3_column_int64 (stmt, 0);
  attachment->message_ref = sqlite3_column_int64 (stmt, 1);
  attachment->section = koi_store_column_dup (stmt, 2);
  attachment->filename = koi_store_column_dup (stmt, 3);
  attachment->mime_type = koi_store_column_dup (stmt, 4);
  attachment->size = sqlite3_column_int64 (stmt, 5);
  attachment->encoding = koi_store_column_dup (stmt, 6);
  attachment->kind = sqlite3_column_int (stmt, 7);
  attachment->state = sqlite3_column_int (stmt, 8);
  attachment->sha256 = koi_store_column_dup (stmt, 9);
  attachment->local_path = koi_store_column_dup (stmt, 10);
  attachment->error = koi_store_column_dup (stmt, 11);
  attachment->account_id = sqlite3_column_int64 (stmt, 12);
  if (attachment->local_path != NULL)
    {
      g_autofree char *dir = koi_store_get_attachment_dir (self);

      attachment->path = g_build_filename (dir, attachment->local_path, NULL);
    }
  return attachment;
}

static GPtrArray *
collect (KoiStore      *self,
         sqlite3_stmt  *stmt,
         GError       **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_store_attachment_free);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (list, attachment_from_row (self, stmt));
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not read the attachments");
      return NULL;
    }
  return g_steal_pointer (&list);
}

gint64
koi_store_attachment_add (KoiStore                 *self,
                          const KoiStoreAttachment *attachment,
                          GError                  **error)
{
  KoiStoreAtomic atomic;
  gint64 id = 0;
  gboolean ok;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (attachment != NULL, 0);
  g_return_val_if_fail (attachment->message_ref > 0, 0);

  if (!koi_store_atomic_begin (self, &atomic, error))
    return 0;

  {
    g_autoptr(sqlite3_stmt) stmt = NULL;

    stmt = koi_store_prepare (self,
                              "INSERT INTO attachments (message_ref, section, filename, mime_type, size,"
                              " encoding, kind, state, sha256, local_path, error)"
                              " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                              " ON CONFLICT (message_ref, section) DO NOTHING RETURNING id",
                              error);
    ok = stmt != NULL;
    if (ok)
      {
        sqlite3_bind_int64 (stmt, 1, attachment->message_ref);
        koi_store_bind_text (stmt, 2, attachment->section != NULL ? attachment->section : "");
        koi_store_bind_text (stmt, 3, attachment->filename);
        koi_store_bind_text (stmt, 4, attachment->mime_type);
        sqlite3_bind_int64 (stmt, 5, MAX (attachment->size, 0));
        koi_store_bind_text (stmt, 6, attachment->encoding);
        sqlite3_bind_int (stmt, 7, attachment->kind);
        sqlite3_bind_int (stmt, 8, attachment->state);
        koi_store_bind_text (stmt, 9, attachment->sha256);
        koi_store_bind_text (stmt, 10, attachment->local_path);
        koi_store_bind_text (stmt, 11, attachment->error);
        id = koi_store_step_returning_id (self, stmt, "Could not store an attachment", error);
        ok = id >= 0;
      }
  }

  if (ok && id == 0)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;

      stmt = koi_store_prepare (self,
                                "SELECT id FROM attachments WHERE message_ref = ?1 AND section = ?2",
                                error);
      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, attachment->message_ref);
          koi_store_bind_text (stmt, 2, attachment->section != NULL ? attachment->section : "");
          ok = sqlite3_step (stmt) == SQLITE_ROW;
          if (ok)
            id = sqlite3_column_int64 (stmt, 0);
          else
            koi_store_set_error (self, error, SQLITE_ERROR, "Could not find an attachment");
        }
    }

  if (ok)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;

      stmt = koi_store_prepare (self, "UPDATE messages SET has_attachments = 1 WHERE id = ?1", error);
      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, attachment->message_ref);
          ok = koi_store_step_done (self, stmt, "Could not mark the message", error);
        }
    }

  if (!koi_store_atomic_end (self, &atomic, ok, error))
    return 0;
  return id;
}

KoiStoreAttachment *
koi_store_attachment_get (KoiStore  *self,
                          gint64     id,
                          GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self,
                            "SELECT " ATTACHMENT_COLUMNS
                            " FROM attachments a JOIN messages m ON m.id = a.message_ref"
                            " WHERE a.id = ?1",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return attachment_from_row (self, stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND,
                 "There is no attachment %" G_GINT64_FORMAT, id);
  else
    koi_store_set_error (self, error, rc, "Could not read an attachment");
  return NULL;
}

GPtrArray *
koi_store_attachment_list (KoiStore  *self,
                           gint64     message_ref,
                           GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self,
                            "SELECT " ATTACHMENT_COLUMNS
                            " FROM attachments a JOIN messages m ON m.id = a.message_ref"
                            " WHERE a.message_ref = ?1 ORDER BY a.id",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, message_ref);
  return collect (self, stmt, error);
}

GPtrArray *
koi_store_attachment_list_auto (KoiStore  *self,
                                gint64     account_id,
                                gint64     max_size,
                                GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self,
                            "SELECT " ATTACHMENT_COLUMNS
                            " FROM attachments a JOIN messages m ON m.id = a.message_ref"
                            " JOIN chats c ON c.id = m.chat_id"
                            " WHERE m.account_id = ?1 AND a.state = 0 AND a.size <= ?2"
                            " AND a.mime_type LIKE 'image/%' AND c.request = 0 ORDER BY a.id",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_int64 (stmt, 2, max_size);
  return collect (self, stmt, error);
}

GPtrArray *
koi_store_attachment_list_wanted (KoiStore  *self,
                                  gint64     account_id,
                                  GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self,
                            "SELECT " ATTACHMENT_COLUMNS
                            " FROM attachments a JOIN messages m ON m.id = a.message_ref"
                            " WHERE m.account_id = ?1 AND a.state = 1 ORDER BY a.id",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  return collect (self, stmt, error);
}

gboolean
koi_store_attachment_set_state (KoiStore    *self,
                                gint64       id,
                                int          state,
                                const char  *sha256,
                                const char  *local_path,
                                gint64       size,
                                const char  *error_text,
                                GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (state >= KOI_STORE_ATTACHMENT_PENDING && state <= KOI_STORE_ATTACHMENT_FAILED, FALSE);
  g_return_val_if_fail (state != KOI_STORE_ATTACHMENT_DONE || (sha256 != NULL && local_path != NULL), FALSE);

  if (state == KOI_STORE_ATTACHMENT_DONE)
    stmt = koi_store_prepare (self,
                              "UPDATE attachments SET state = ?2, sha256 = ?3, local_path = ?4,"
                              " size = ?5, error = NULL WHERE id = ?1",
                              error);
  else
    stmt = koi_store_prepare (self,
                              "UPDATE attachments SET state = ?2, error = ?3 WHERE id = ?1",
                              error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int (stmt, 2, state);
  if (state == KOI_STORE_ATTACHMENT_DONE)
    {
      koi_store_bind_text (stmt, 3, sha256);
      koi_store_bind_text (stmt, 4, local_path);
      sqlite3_bind_int64 (stmt, 5, size);
    }
  else
    koi_store_bind_text (stmt, 3, state == KOI_STORE_ATTACHMENT_FAILED ? error_text : NULL);
  return koi_store_step_done (self, stmt, "Could not record the attachment's state", error);
}

gboolean
koi_store_attachment_reset_downloading (KoiStore  *self,
                                        gint64     account_id,
                                        GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = koi_store_prepare (self,
                            "UPDATE attachments SET state = 0 WHERE state = 1 AND message_ref IN"
                            " (SELECT id FROM messages WHERE account_id = ?1)",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  return koi_store_step_done (self, stmt, "Could not reset the downloads", error);
}

GPtrArray *
koi_store_attachment_drop_message (KoiStore  *self,
                                   gint64     message_ref,
                                   GError   **error)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  {
    /* A file still waiting in the outbox keeps its row: the send streams
     * from it. */
    g_autoptr(sqlite3_stmt) stmt =
      koi_store_prepare (self,
                         "SELECT DISTINCT local_path FROM attachments WHERE message_ref = ?1"
                         " AND local_path IS NOT NULL AND id NOT IN"
                         " (SELECT attachment_ref FROM outbox WHERE attachment_ref IS NOT NULL)",
                         error);

    if (stmt == NULL)
      return NULL;
    sqlite3_bind_int64 (stmt, 1, message_ref);
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      g_ptr_array_add (paths, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
    if (rc != SQLITE_DONE)
      {
        koi_store_set_error (self, error, rc, "Could not read the message's attachments");
        return NULL;
      }
  }
  {
    g_autoptr(sqlite3_stmt) stmt =
      koi_store_prepare (self,
                         "DELETE FROM attachments WHERE message_ref = ?1 AND id NOT IN"
                         " (SELECT attachment_ref FROM outbox WHERE attachment_ref IS NOT NULL)",
                         error);

    if (stmt == NULL)
      return NULL;
    sqlite3_bind_int64 (stmt, 1, message_ref);
    if (!koi_store_step_done (self, stmt, "Could not remove the message's attachments", error))
      return NULL;
  }
  return g_steal_pointer (&paths);
}

gboolean
koi_store_attachment_hash_in_use (KoiStore    *self,
                                  const char  *sha256,
                                  GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = koi_store_prepare (self, "SELECT 1 FROM attachments WHERE sha256 = ?1 LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  koi_store_bind_text (stmt, 1, sha256);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    koi_store_set_error (self, error, rc, "Could not look for a file");
  return rc == SQLITE_ROW;
}

/* Which files an account's removal may free: its rows' local paths, read
 * before the rows go; a file stays while another account's row names it
 * (files are named by their content, so two accounts can share one). */
GPtrArray *
koi_store_attachment_account_paths (KoiStore  *self,
                                    gint64     account_id,
                                    GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self,
                            "SELECT DISTINCT a.local_path"
                            " FROM attachments a JOIN messages m ON m.id = a.message_ref"
                            " WHERE m.account_id = ?1 AND a.local_path IS NOT NULL",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (paths, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not read the account's attachments");
      return NULL;
    }
  return g_steal_pointer (&paths);
}

gboolean
koi_store_attachment_path_in_use (KoiStore    *self,
                                  const char  *local_path,
                                  GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, TRUE);

  stmt = koi_store_prepare (self, "SELECT 1 FROM attachments WHERE local_path = ?1 LIMIT 1", error);
  if (stmt == NULL)
    return TRUE;
  sqlite3_bind_text (stmt, 1, local_path, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not read the attachments");
      return TRUE;
    }
  return FALSE;
}
