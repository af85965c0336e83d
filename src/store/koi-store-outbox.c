/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store"

#include "config.h"

#include "koi-store-private.h"
#include "koi-store-attachment.h"

/*
 * The outbox: an outgoing message is written here, with the exact bytes
 * to send and one row per recipient, before the network is touched. Each
 * recipient's row records the SMTP server's answer, so a crash or a retry
 * never sends twice to someone who already accepted, and a refusal keeps
 * the server's own words for the user.
 */

void
koi_store_outbox_item_free (KoiStoreOutboxItem *item)
{
  if (item == NULL)
    return;

  g_clear_pointer (&item->raw, g_bytes_unref);
  g_clear_pointer (&item->tail, g_bytes_unref);
  g_clear_pointer (&item->pending_recipients, g_ptr_array_unref);
  g_free (item->from_address);
  g_free (item->message_id);
  g_free (item);
}

static gint64
outbox_enqueue (KoiStore                 *self,
                const KoiStoreMessage    *message,
                GBytes                   *raw,
                GBytes                   *tail,
                const KoiStoreAttachment *attachment,
                const char * const       *recipients,
                GError                  **error)
{
  KoiStoreMessage outgoing;
  KoiStoreAtomic atomic;
  gboolean inserted = FALSE;
  gint64 message_ref;
  gint64 outbox_id = -1;
  gint64 attachment_ref = 0;
  gint64 now_ms = koi_store_now_ms ();
  gboolean ok;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (message != NULL, 0);

  if (raw == NULL || g_bytes_get_size (raw) == 0)
    {
      g_set_error_literal (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID,
                           "An outgoing message needs its bytes to send");
      return 0;
    }
  if (recipients == NULL || recipients[0] == NULL)
    {
      g_set_error_literal (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID,
                           "An outgoing message needs at least one recipient");
      return 0;
    }
  for (guint i = 0; recipients[i] != NULL; i++)
    if (*recipients[i] == '\0')
      {
        g_set_error_literal (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID,
                             "An outgoing message has an empty recipient address");
        return 0;
      }

  outgoing = *message;
  outgoing.direction = KOI_STORE_DIRECTION_OUTGOING;
  outgoing.state = KOI_STORE_STATE_QUEUED;
  outgoing.seen = TRUE;
  outgoing.failure_reason = NULL;

  if (!koi_store_atomic_begin (self, &atomic, error))
    return 0;

  message_ref = koi_store_message_insert_row (self, &outgoing, &inserted, error);
  ok = message_ref > 0;
  if (ok && !inserted)
    {
      g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_EXISTS,
                   "A message with the Message-ID <%s> is stored already; it was not queued again",
                   outgoing.message_id);
      ok = FALSE;
    }

  if (ok && attachment != NULL)
    {
      KoiStoreAttachment row = *attachment;

      row.message_ref = message_ref;
      attachment_ref = koi_store_attachment_add (self, &row, error);
      ok = attachment_ref > 0;
    }

  if (ok)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;

      stmt = koi_store_prepare (self,
                                "INSERT INTO outbox (message_ref, raw, attempts, next_attempt_ms, created_at_ms,"
                                " attachment_ref, tail)"
                                " VALUES (?1, ?2, 0, ?3, ?3, ?4, ?5) RETURNING id",
                                error);
      ok = stmt != NULL;
      if (ok)
        {
          gsize size;
          gconstpointer data = g_bytes_get_data (raw, &size);

          sqlite3_bind_int64 (stmt, 1, message_ref);
          sqlite3_bind_blob64 (stmt, 2, data, size, SQLITE_STATIC);
          sqlite3_bind_int64 (stmt, 3, now_ms);
          koi_store_bind_id (stmt, 4, attachment_ref);
          if (tail != NULL)
            {
              gsize tail_size;
              gconstpointer tail_data = g_bytes_get_data (tail, &tail_size);

              sqlite3_bind_blob64 (stmt, 5, tail_data, tail_size, SQLITE_STATIC);
            }
          outbox_id = koi_store_step_returning_id (self, stmt, "Could not queue the message", error);
          ok = outbox_id > 0;
        }
    }

  for (guint i = 0; ok && recipients[i] != NULL; i++)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;

      /* A recipient named twice (To and Cc) is sent to once. */
      stmt = koi_store_prepare (self,
                                "INSERT INTO outbox_recipients (outbox_id, address, state)"
                                " VALUES (?1, ?2, 0) ON CONFLICT DO NOTHING",
                                error);
      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, outbox_id);
          koi_store_bind_text (stmt, 2, recipients[i]);
          ok = koi_store_step_done (self, stmt, "Could not queue a recipient", error);
        }
    }

  if (!koi_store_atomic_end (self, &atomic, ok, error))
    return 0;
  return message_ref;
}

gint64
koi_store_outbox_enqueue (KoiStore                *self,
                          const KoiStoreMessage   *message,
                          GBytes                  *raw,
                          const char * const      *recipients,
                          GError                 **error)
{
  return outbox_enqueue (self, message, raw, NULL, NULL, recipients, error);
}

gint64
koi_store_outbox_enqueue_with_file (KoiStore                 *self,
                                    const KoiStoreMessage    *message,
                                    GBytes                   *head,
                                    GBytes                   *tail,
                                    const KoiStoreAttachment *attachment,
                                    const char * const       *recipients,
                                    GError                  **error)
{
  g_return_val_if_fail (attachment != NULL, 0);
  g_return_val_if_fail (tail != NULL, 0);

  return outbox_enqueue (self, message, head, tail, attachment, recipients, error);
}

static GPtrArray *
pending_recipients (KoiStore  *self,
                    gint64     outbox_id,
                    GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) addresses = NULL;
  int rc;

  stmt = koi_store_prepare (self,
                            "SELECT address FROM outbox_recipients"
                            " WHERE outbox_id = ?1 AND state = 0 ORDER BY address",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, outbox_id);
  addresses = g_ptr_array_new_with_free_func (g_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (addresses, koi_store_column_dup (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not read the recipients");
      return NULL;
    }
  return g_steal_pointer (&addresses);
}

GPtrArray *
koi_store_outbox_due (KoiStore  *self,
                      gint64     account_id,
                      gint64     now_ms,
                      GError   **error)
{
  g_autoptr(GPtrArray) items = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  items = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_store_outbox_item_free);

  {
    g_autoptr(sqlite3_stmt) stmt = NULL;
    int rc;

    stmt = koi_store_prepare (self,
                              "SELECT o.id, o.message_ref, o.raw, o.attempts, o.next_attempt_ms,"
                              " m.from_address, m.message_id, o.attachment_ref, o.tail"
                              " FROM outbox o JOIN messages m ON m.id = o.message_ref"
                              " WHERE m.account_id = ?1 AND o.next_attempt_ms <= ?2"
                              " AND EXISTS (SELECT 1 FROM outbox_recipients r"
                              "             WHERE r.outbox_id = o.id AND r.state = 0)"
                              " ORDER BY o.next_attempt_ms, o.id",
                              error);
    if (stmt == NULL)
      return NULL;

    sqlite3_bind_int64 (stmt, 1, account_id);
    sqlite3_bind_int64 (stmt, 2, now_ms);
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        KoiStoreOutboxItem *item = g_new0 (KoiStoreOutboxItem, 1);

        item->outbox_id = sqlite3_column_int64 (stmt, 0);
        item->message_ref = sqlite3_column_int64 (stmt, 1);
        item->raw = g_bytes_new (sqlite3_column_blob (stmt, 2), sqlite3_column_bytes (stmt, 2));
        item->attempts = (guint) sqlite3_column_int (stmt, 3);
        item->next_attempt_ms = sqlite3_column_int64 (stmt, 4);
        item->from_address = koi_store_column_dup (stmt, 5);
        item->message_id = koi_store_column_dup (stmt, 6);
        item->attachment_ref = sqlite3_column_int64 (stmt, 7);
        if (sqlite3_column_type (stmt, 8) != SQLITE_NULL)
          item->tail = g_bytes_new (sqlite3_column_blob (stmt, 8), sqlite3_column_bytes (stmt, 8));
        g_ptr_array_add (items, item);
      }
    if (rc != SQLITE_DONE)
      {
        koi_store_set_error (self, error, rc, "Could not read the outbox");
        return NULL;
      }
  }

  for (guint i = 0; i < items->len; i++)
    {
      KoiStoreOutboxItem *item = g_ptr_array_index (items, i);

      item->pending_recipients = pending_recipients (self, item->outbox_id, error);
      if (item->pending_recipients == NULL)
        return NULL;
    }

  return g_steal_pointer (&items);
}

gint64
koi_store_outbox_next_due_ms (KoiStore  *self,
                              gint64     account_id,
                              GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, 0);

  stmt = koi_store_prepare (self,
                            "SELECT MIN (o.next_attempt_ms)"
                            " FROM outbox o JOIN messages m ON m.id = o.message_ref"
                            " WHERE m.account_id = ?1"
                            " AND EXISTS (SELECT 1 FROM outbox_recipients r"
                            "             WHERE r.outbox_id = o.id AND r.state = 0)",
                            error);
  if (stmt == NULL)
    return 0;

  sqlite3_bind_int64 (stmt, 1, account_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      koi_store_set_error (self, error, rc, "Could not read the outbox");
      return 0;
    }
  if (sqlite3_column_type (stmt, 0) == SQLITE_NULL)
    return 0;
  /* 0 means "nothing queued", so something due at the epoch is due at 1. */
  return MAX (1, sqlite3_column_int64 (stmt, 0));
}

gboolean
koi_store_outbox_recipient_done (KoiStore    *self,
                                 gint64       outbox_id,
                                 const char  *address,
                                 gboolean     accepted,
                                 const char  *reply,
                                 GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  stmt = koi_store_prepare (self,
                            "UPDATE outbox_recipients SET state = ?3, reply = ?4"
                            " WHERE outbox_id = ?1 AND address = ?2",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, outbox_id);
  koi_store_bind_text (stmt, 2, address);
  sqlite3_bind_int (stmt, 3, accepted ? KOI_STORE_RECIPIENT_ACCEPTED : KOI_STORE_RECIPIENT_REFUSED);
  koi_store_bind_text (stmt, 4, reply);
  if (!koi_store_step_done (self, stmt, "Could not record the recipient’s answer", error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND,
                   "%s is not a recipient of outbox entry %" G_GINT64_FORMAT,
                   address, outbox_id);
      return FALSE;
    }
  return TRUE;
}

gboolean
koi_store_outbox_reschedule (KoiStore    *self,
                             gint64       outbox_id,
                             gint64       next_attempt_ms,
                             const char  *last_error,
                             GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  stmt = koi_store_prepare (self,
                            "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ?2,"
                            " last_error = ?3 WHERE id = ?1",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, outbox_id);
  sqlite3_bind_int64 (stmt, 2, next_attempt_ms);
  koi_store_bind_text (stmt, 3, last_error);
  if (!koi_store_step_done (self, stmt, "Could not reschedule the message", error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND,
                   "There is no outbox entry %" G_GINT64_FORMAT, outbox_id);
      return FALSE;
    }
  return TRUE;
}

static gboolean
finish_unlocked (KoiStore  *self,
                 gint64     outbox_id,
                 GError   **error)
{
  g_autoptr(GString) refused = g_string_new (NULL);
  gint64 message_ref = 0;
  guint pending = 0;

  {
    g_autoptr(sqlite3_stmt) stmt = koi_store_prepare (self, "SELECT message_ref FROM outbox WHERE id = ?1", error);
    int rc;

    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, outbox_id);
    rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW)
      message_ref = sqlite3_column_int64 (stmt, 0);
    else if (rc == SQLITE_DONE)
      {
        g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND,
                     "There is no outbox entry %" G_GINT64_FORMAT, outbox_id);
        return FALSE;
      }
    else
      {
        koi_store_set_error (self, error, rc, "Could not read the outbox");
        return FALSE;
      }
  }

  {
    g_autoptr(sqlite3_stmt) stmt = NULL;
    int rc;

    stmt = koi_store_prepare (self,
                              "SELECT address, state, reply FROM outbox_recipients"
                              " WHERE outbox_id = ?1 ORDER BY address",
                              error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, outbox_id);
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        int state = sqlite3_column_int (stmt, 1);

        if (state == KOI_STORE_RECIPIENT_PENDING)
          pending++;
        else if (state == KOI_STORE_RECIPIENT_REFUSED)
          {
            const char *reply = (const char *) sqlite3_column_text (stmt, 2);

            if (refused->len > 0)
              g_string_append_c (refused, '\n');
            g_string_append_printf (refused, "%s: %s",
                                    (const char *) sqlite3_column_text (stmt, 0),
                                    reply && *reply ? reply : "refused by the server");
          }
      }
    if (rc != SQLITE_DONE)
      {
        koi_store_set_error (self, error, rc, "Could not read the recipients");
        return FALSE;
      }
  }

  if (pending > 0)
    {
      g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID,
                   "Outbox entry %" G_GINT64_FORMAT " still has %u recipient(s) to send to",
                   outbox_id, pending);
      return FALSE;
    }

  if (refused->len > 0)
    {
      /* Keep the entry: a retry sends to the refused recipients only. */
      return koi_store_message_set_state (self, message_ref, KOI_STORE_STATE_FAILED,
                                          refused->str, error);
    }

  if (!koi_store_message_set_state (self, message_ref, KOI_STORE_STATE_SENT, NULL, error))
    return FALSE;

  {
    g_autoptr(sqlite3_stmt) stmt = koi_store_prepare (self, "DELETE FROM outbox WHERE id = ?1", error);

    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, outbox_id);
    return koi_store_step_done (self, stmt, "Could not remove the sent message from the outbox", error);
  }
}

gboolean
koi_store_outbox_finish (KoiStore  *self,
                         gint64     outbox_id,
                         GError   **error)
{
  KoiStoreAtomic atomic;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!koi_store_atomic_begin (self, &atomic, error))
    return FALSE;
  ok = finish_unlocked (self, outbox_id, error);
  return koi_store_atomic_end (self, &atomic, ok, error);
}

gboolean
koi_store_outbox_fail (KoiStore    *self,
                       gint64       outbox_id,
                       const char  *reason,
                       GError     **error)
{
  KoiStoreAtomic atomic;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!koi_store_atomic_begin (self, &atomic, error))
    return FALSE;

  {
    g_autoptr(sqlite3_stmt) stmt = NULL;

    stmt = koi_store_prepare (self,
                              "UPDATE outbox_recipients SET state = 2, reply = ?2"
                              " WHERE outbox_id = ?1 AND state = 0",
                              error);
    ok = stmt != NULL;
    if (ok)
      {
        sqlite3_bind_int64 (stmt, 1, outbox_id);
        koi_store_bind_text (stmt, 2, reason);
        ok = koi_store_step_done (self, stmt, "Could not give up on the message", error);
      }
  }
  if (ok)
    ok = finish_unlocked (self, outbox_id, error);

  return koi_store_atomic_end (self, &atomic, ok, error);
}

gboolean
koi_store_outbox_retry (KoiStore  *self,
                        gint64     message_ref,
                        gint64     now_ms,
                        GError   **error)
{
  KoiStoreAtomic atomic;
  gint64 outbox_id = -1;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!koi_store_atomic_begin (self, &atomic, error))
    return FALSE;

  {
    g_autoptr(sqlite3_stmt) stmt = NULL;

    stmt = koi_store_prepare (self,
                              "UPDATE outbox SET next_attempt_ms = ?2, last_error = NULL"
                              " WHERE message_ref = ?1 RETURNING id",
                              error);
    if (stmt != NULL)
      {
        sqlite3_bind_int64 (stmt, 1, message_ref);
        sqlite3_bind_int64 (stmt, 2, now_ms);
        outbox_id = koi_store_step_returning_id (self, stmt, "Could not retry the message", error);
      }
  }
  if (outbox_id == 0)
    g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND,
                 "Message %" G_GINT64_FORMAT " is not in the outbox; it cannot be sent again",
                 message_ref);
  ok = outbox_id > 0;

  if (ok)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;

      /* Only the refused ones: whoever accepted has the message. */
      stmt = koi_store_prepare (self,
                                "UPDATE outbox_recipients SET state = 0, reply = NULL"
                                " WHERE outbox_id = ?1 AND state = 2",
                                error);
      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, outbox_id);
          ok = koi_store_step_done (self, stmt, "Could not retry the recipients", error);
        }
    }
  if (ok)
    ok = koi_store_message_set_state (self, message_ref, KOI_STORE_STATE_QUEUED, NULL, error);

  return koi_store_atomic_end (self, &atomic, ok, error);
}

GPtrArray *
koi_store_outbox_kept_message_ids (KoiStore  *self,
                                   GError   **error)
{
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  /* Every account: they share the profile's attachment folder. */
  stmt = koi_store_prepare (self,
                            "SELECT m.message_id FROM outbox o JOIN messages m ON m.id = o.message_ref"
                            " WHERE m.message_id IS NOT NULL"
                            " AND (EXISTS (SELECT 1 FROM outbox_recipients r"
                            "              WHERE r.outbox_id = o.id AND r.state = 0)"
                            "      OR (m.deleted = 0 AND m.chat_id IS NOT NULL))",
                            error);
  if (stmt == NULL)
    return NULL;
  ids = g_ptr_array_new_with_free_func (g_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not read the outbox");
      return NULL;
    }
  return g_steal_pointer (&ids);
}
