/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-syncer"

#include "config.h"

#include "koi-coi.h"
#include "koi-coi-gmime.h"
#include "koi-engine-error.h"
#include "koi-syncer-private.h"
#include "koi-uid-set.h"

/*
 * Read receipts Koi sends (RFC 8098; rules in docs/WIRE.md). Only a
 * message the user really had on screen gets one: the window's mark-read
 * is the trigger (it marks a chat read only while the chat is open in the
 * active window), and so is koi-cli's `read`. Marking read makes the
 * messages that asked for a receipt at their sender's own address due
 * (koi_syncer_receipts_shown); a read that arrives from another device as
 * \Seen never does. The worker then, per due message:
 *
 * 1. asks the server for the $MDNSent keyword on every copy: set means
 *    another device of the user sent the receipt already;
 * 2. sets $MDNSent on every copy first, so the other devices learn it even
 *    if this one stops before sending;
 * 3. queues one receipt per sender for all their messages (Delta Chat's
 *    Additional-Message-IDs) in the outbox, which sends it like any
 *    message, and marks the requests done in the same transaction.
 *
 * Two devices showing the same message within the same second can both
 * pass step 1; the keyword makes every later device stay quiet.
 */

#define MDN_SENT_KEYWORD "$MDNSent"
#define FLAG_BATCH 500

gboolean
koi_syncer_read_receipts_enabled (KoiSyncer *self)
{
  g_autofree char *value = NULL;

  if (self->read_receipts >= 0)
    return self->read_receipts != 0;
  /* On unless the user turned it off: the default of every chat app. */
  value = koi_store_setting_get (self->store, self->account->id, "read_receipts", NULL);
  return value == NULL || !g_str_equal (value, "0");
}

void
koi_syncer_set_read_receipts (KoiSyncer *self,
                              gboolean   enabled)
{
  self->read_receipts = enabled ? 1 : 0;
}

gboolean
koi_syncer_save_read_receipts (KoiSyncer  *self,
                               gboolean    enabled,
                               GError    **error)
{
  if (!koi_store_setting_set (self->store, self->account->id, "read_receipts",
                              enabled ? "1" : "0", error))
    return FALSE;
  self->read_receipts = -1;
  return TRUE;
}

gboolean
koi_syncer_receipts_shown (KoiSyncer  *self,
                           GPtrArray  *marked,
                           GError    **error)
{
  g_autoptr (GArray) refs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GError) local_error = NULL;

  if (marked->len == 0 || !koi_syncer_read_receipts_enabled (self))
    return TRUE;

  for (guint i = 0; i < marked->len; i++)
    g_array_append_val (refs, *(gint64 *) g_ptr_array_index (marked, i));
  koi_store_receipt_requests_shown (self->store, refs, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  GHashTable *uid_to_ref;   /* guint32 uid → gint64* message_ref of this folder */
  GHashTable *already;      /* gint64 message_ref, set: $MDNSent seen */
} KeywordData;

static gboolean
collect_keywords_cb (const KoiImapFetchItem  *item,
                     gpointer                 user_data,
                     GError                 **error)
{
  KeywordData *data = user_data;
  gint64 *ref = g_hash_table_lookup (data->uid_to_ref, GUINT_TO_POINTER (item->uid));

  if (ref == NULL || item->keywords == NULL)
    return TRUE;
  for (guint i = 0; item->keywords[i] != NULL; i++)
    if (g_ascii_strcasecmp (item->keywords[i], MDN_SENT_KEYWORD) == 0)
      g_hash_table_add (data->already, g_memdup2 (ref, sizeof *ref));
  return TRUE;
}

/* The UIDs of @due's items in @first .. @end (one folder), sorted. */
static GArray *
folder_uids (GPtrArray *due,
             guint      first,
             guint      end)
{
  GArray *uids = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint i = first; i < end; i++)
    {
      const KoiStoreReceiptDue *item = g_ptr_array_index (due, i);

      g_array_append_val (uids, item->uid);
    }
  return uids;
}

/* Runs @func over each folder's run of items in @due (ordered by folder),
 * with the folder selected and its UIDVALIDITY as stored. */
typedef gboolean (*FolderFunc) (KoiSyncer     *self,
                                GPtrArray     *due,
                                guint          first,
                                guint          end,
                                gpointer       user_data,
                                GCancellable  *cancellable,
                                GError       **error);

static gboolean
for_each_folder (KoiSyncer     *self,
                 GPtrArray     *due,
                 FolderFunc     func,
                 gpointer       user_data,
                 GCancellable  *cancellable,
                 GError       **error)
{
  for (guint i = 0; i < due->len; )
    {
      const KoiStoreReceiptDue *first = g_ptr_array_index (due, i);
      KoiImapMailboxStatus status = { 0, };
      guint j = i;

      while (j < due->len &&
             g_strcmp0 (((KoiStoreReceiptDue *) g_ptr_array_index (due, j))->folder, first->folder) == 0)
        j++;

      if (first->folder != NULL && first->uid != 0)
        {
          if (!koi_imap_client_select (self->imap, first->folder, FALSE, &status, cancellable, error))
            return FALSE;
          /* A renumbered folder: these copies are gone; the others decide. */
          if (status.uidvalidity == first->uidvalidity &&
              !func (self, due, i, j, user_data, cancellable, error))
            return FALSE;
        }
      i = j;
    }

  return TRUE;
}

static gboolean
fetch_keywords (KoiSyncer     *self,
                GPtrArray     *due,
                guint          first,
                guint          end,
                gpointer       user_data,
                GCancellable  *cancellable,
                GError       **error)
{
  GHashTable *already = user_data;
  g_autoptr (GHashTable) uid_to_ref = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr (GArray) uids = folder_uids (due, first, end);
  KeywordData data = { uid_to_ref, already };

  for (guint i = first; i < end; i++)
    {
      KoiStoreReceiptDue *item = g_ptr_array_index (due, i);

      g_hash_table_insert (uid_to_ref, GUINT_TO_POINTER (item->uid), &item->message_ref);
    }

  for (guint i = 0; i < uids->len; i += FLAG_BATCH)
    {
      guint n = MIN (FLAG_BATCH, uids->len - i);
      g_autofree char *set = koi_uid_set_from_array (&g_array_index (uids, guint32, i), n);

      if (!koi_imap_client_uid_fetch (self->imap, set, "(UID FLAGS)", collect_keywords_cb, &data,
                                      cancellable, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
store_keywords (KoiSyncer     *self,
                GPtrArray     *due,
                guint          first,
                guint          end,
                gpointer       user_data,
                GCancellable  *cancellable,
                GError       **error)
{
  GHashTable *already = user_data;
  g_autoptr (GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint i = first; i < end; i++)
    {
      const KoiStoreReceiptDue *item = g_ptr_array_index (due, i);

      if (!g_hash_table_contains (already, &item->message_ref))
        g_array_append_val (uids, item->uid);
    }

  for (guint i = 0; i < uids->len; i += FLAG_BATCH)
    {
      guint n = MIN (FLAG_BATCH, uids->len - i);
      g_autofree char *set = koi_uid_set_from_array (&g_array_index (uids, guint32, i), n);

      if (!koi_imap_client_uid_store (self->imap, set, "+FLAGS.SILENT (" MDN_SENT_KEYWORD ")",
                                      cancellable, error))
        return FALSE;
    }
  return TRUE;
}

/* Queues one receipt to @to for @ids (at most KOI_COI_RECEIPT_MAX_IDS). */
static gboolean
queue_receipt (KoiSyncer   *self,
               const char  *to,
               GPtrArray   *ids,
               GError     **error)
{
  g_autoptr (GPtrArray) id_list = g_ptr_array_new ();
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GBytes) raw = NULL;
  const char *recipients[] = { to, NULL };
  KoiCoiReceipt receipt = { 0, };
  g_autoptr (GBytes) own_key = koi_syncer_own_autocrypt (self);
  KoiStoreMessage row = { 0, };
  gint64 now_ms = g_get_real_time () / 1000;

  for (guint i = 0; i < ids->len; i++)
    g_ptr_array_add (id_list, g_ptr_array_index (ids, i));
  g_ptr_array_add (id_list, NULL);

  receipt.from_address = self->account->address;
  receipt.from_name = self->account->display_name;
  receipt.to = to;
  receipt.message_ids = (const char * const *) id_list->pdata;
  receipt.date_ms = now_ms;
  receipt.autocrypt_keydata = own_key;

  message = koi_coi_build_read_receipt (&receipt, error);
  if (message == NULL)
    return FALSE;
  raw = koi_coi_message_to_bytes (message);

  /* A hidden row, as the receipts that come in are: known by Message-ID,
   * never shown, sent by the outbox with its retries. */
  row.account_id = self->account->id;
  row.chat_id = 0;
  row.message_id = (char *) g_mime_message_get_message_id (message);
  row.direction = KOI_STORE_DIRECTION_OUTGOING;
  row.state = KOI_STORE_STATE_QUEUED;
  row.kind = KOI_STORE_KIND_CHAT;
  row.type = KOI_COI_TYPE_READ_RECEIPT;
  row.from_address = self->account->address;
  row.sent_at_ms = now_ms - now_ms % 1000;
  row.received_at_ms = now_ms;
  row.sort_ms = row.sent_at_ms;
  row.seen = TRUE;

  return koi_store_outbox_enqueue (self->store, &row, raw, recipients, error) != 0;
}

static gboolean
queue_receipts (KoiSyncer   *self,
                GPtrArray   *due,
                GHashTable  *already,
                GError     **error)
{
  /* sender → message ids, in the order the messages came */
  g_autoptr (GHashTable) by_sender = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                            (GDestroyNotify) g_ptr_array_unref);
  g_autoptr (GHashTable) handled = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr (GPtrArray) senders = g_ptr_array_new ();

  if (!koi_store_begin (self->store, error))
    return FALSE;

  for (guint i = 0; i < due->len; i++)
    {
      const KoiStoreReceiptDue *item = g_ptr_array_index (due, i);
      GPtrArray *ids;

      if (g_hash_table_contains (handled, &item->message_ref))
        continue;
      g_hash_table_add (handled, g_memdup2 (&item->message_ref, sizeof item->message_ref));

      if (!koi_store_receipt_request_done (self->store, item->message_ref, error))
        goto failed;
      if (g_hash_table_contains (already, &item->message_ref) || item->from_address == NULL)
        continue;

      ids = g_hash_table_lookup (by_sender, item->from_address);
      if (ids == NULL)
        {
          char *key = g_ascii_strdown (item->from_address, -1);

          ids = g_hash_table_lookup (by_sender, key);
          if (ids == NULL)
            {
              ids = g_ptr_array_new ();
              g_hash_table_insert (by_sender, key, ids);
              g_ptr_array_add (senders, key);
            }
          else
            g_free (key);
        }
      g_ptr_array_add (ids, item->message_id);
    }

  for (guint s = 0; s < senders->len; s++)
    {
      const char *sender = g_ptr_array_index (senders, s);
      GPtrArray *ids = g_hash_table_lookup (by_sender, sender);

      for (guint i = 0; i < ids->len; i += KOI_COI_RECEIPT_MAX_IDS)
        {
          g_autoptr (GPtrArray) chunk = g_ptr_array_new ();

          for (guint k = i; k < ids->len && k < i + KOI_COI_RECEIPT_MAX_IDS; k++)
            g_ptr_array_add (chunk, g_ptr_array_index (ids, k));
          if (!queue_receipt (self, sender, chunk, error))
            goto failed;
        }
    }

  return koi_store_commit (self->store, error);

failed:
  koi_store_rollback (self->store);
  return FALSE;
}

gboolean
koi_syncer_send_receipts (KoiSyncer     *self,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr (GPtrArray) due = NULL;
  g_autoptr (GHashTable) already = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  if (self->imap == NULL)
    return TRUE;   /* at the next connection: $MDNSent must be asked first */

  due = koi_store_receipt_requests_due (self->store, self->account->id, error);
  if (due == NULL)
    return FALSE;
  if (due->len == 0)
    return TRUE;

  /* Turned off after the messages were seen: nothing goes out for them. */
  if (!koi_syncer_read_receipts_enabled (self))
    {
      for (guint i = 0; i < due->len; i++)
        g_hash_table_add (already, g_memdup2 (&((KoiStoreReceiptDue *) g_ptr_array_index (due, i))->message_ref,
                                              sizeof (gint64)));
      return queue_receipts (self, due, already, error);
    }

  if (!for_each_folder (self, due, fetch_keywords, already, cancellable, error) ||
      !for_each_folder (self, due, store_keywords, already, cancellable, error))
    return FALSE;

  return queue_receipts (self, due, already, error);
}
