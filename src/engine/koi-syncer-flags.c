/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-syncer"

#include "config.h"

#include "koi-syncer-private.h"
#include "koi-uid-set.h"

/*
 * Read state in both directions. Read here: the store marks the messages
 * (seen_on_server = 0) and koi_syncer_push_seen() sets \Seen on every
 * server copy, so the user's other devices and webmail see them read. Read
 * elsewhere: koi_syncer_pull_flags() asks the server for flags changed
 * since the folder's last HIGHESTMODSEQ (CONDSTORE), or for every flag of
 * the folder on a server without it, and marks those messages read here.
 */

/* UIDs per UID STORE: keeps the command line short whatever the backlog. */
#define STORE_BATCH 500

static gboolean
store_seen (KoiSyncer     *self,
            GArray        *uids,
            GCancellable  *cancellable,
            GError       **error)
{
  for (guint i = 0; i < uids->len; i += STORE_BATCH)
    {
      guint n = MIN (STORE_BATCH, uids->len - i);
      g_autofree char *set = koi_uid_set_from_array (&g_array_index (uids, guint32, i), n);

      if (!koi_imap_client_uid_store (self->imap, set, "+FLAGS.SILENT (\\Seen)", cancellable, error))
        return FALSE;
    }

  return TRUE;
}

static gint
compare_uid (gconstpointer a,
             gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

gboolean
koi_syncer_push_seen (KoiSyncer     *self,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr (GPtrArray) pending = NULL;
  g_autoptr (GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GHashTable) done = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key;

  if (self->imap == NULL)
    return TRUE;   /* pushed at the next connection */

  pending = koi_store_seen_pending_list (self->store, self->account->id, error);
  if (pending == NULL)
    return FALSE;
  if (pending->len == 0)
    return TRUE;

  /* The list is ordered by folder: one SELECT and a few STOREs each. */
  for (guint i = 0; i < pending->len; )
    {
      const KoiStoreSeenPending *first = g_ptr_array_index (pending, i);
      KoiImapMailboxStatus status = { 0, };
      guint j = i;

      g_array_set_size (uids, 0);
      while (j < pending->len &&
             g_strcmp0 (((KoiStoreSeenPending *) g_ptr_array_index (pending, j))->folder, first->folder) == 0)
        {
          const KoiStoreSeenPending *item = g_ptr_array_index (pending, j);

          g_hash_table_add (done, g_memdup2 (&item->message_ref, sizeof item->message_ref));
          if (item->uid != 0)
            g_array_append_val (uids, item->uid);
          j++;
        }

      if (first->folder != NULL && uids->len > 0)
        {
          if (!koi_imap_client_select (self->imap, first->folder, FALSE, &status, cancellable, error))
            return FALSE;
          /* A renumbered folder: those copies are gone, the next sync finds
           * the messages again (and their flags with them). */
          if (status.uidvalidity == first->uidvalidity)
            {
              g_array_sort (uids, compare_uid);
              if (!store_seen (self, uids, cancellable, error))
                return FALSE;
            }
        }

      i = j;
    }

  if (!koi_store_begin (self->store, error))
    return FALSE;
  g_hash_table_iter_init (&iter, done);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!koi_store_seen_pending_done (self->store, *(gint64 *) key, error))
      {
        koi_store_rollback (self->store);
        return FALSE;
      }
  return koi_store_commit (self->store, error);
}

gboolean
koi_syncer_collect_seen (const KoiImapFetchItem  *item,
                         gpointer                 user_data,
                         GError                 **error)
{
  GArray *seen_uids = user_data;

  if (item->has_flags && (item->flags & KOI_IMAP_FLAG_SEEN) != 0)
    g_array_append_val (seen_uids, item->uid);
  return TRUE;
}

gboolean
koi_syncer_pull_flags (KoiSyncer     *self,
                       const char    *folder,
                       guint32        uidvalidity,
                       guint64        highest_modseq,
                       guint32        last_uid,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autoptr (GArray) seen_uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GError) local_error = NULL;
  g_autofree char *set = NULL;
  g_autofree char *items = NULL;
  guint64 known_modseq;

  /* Nothing fetched yet, so nothing to mark; the folder's HIGHESTMODSEQ
   * still counts as looked at, so the next SELECT can resync from it
   * (QRESYNC) even for what this device files there meanwhile. */
  if (last_uid == 0)
    return highest_modseq == 0 ||
           koi_store_folder_set_modseq (self->store, self->account->id, folder, highest_modseq, error);

  known_modseq = koi_store_folder_get_modseq (self->store, self->account->id, folder, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (highest_modseq != 0 && highest_modseq == known_modseq)
    return TRUE;   /* no flag changed in the folder since the last look */

  set = g_strdup_printf ("1:%u", last_uid);
  if (highest_modseq != 0 && known_modseq != 0)
    items = g_strdup_printf ("(UID FLAGS) (CHANGEDSINCE %" G_GUINT64_FORMAT ")", known_modseq);
  else
    items = g_strdup ("(UID FLAGS)");

  if (!koi_imap_client_uid_fetch (self->imap, set, items, koi_syncer_collect_seen, seen_uids,
                                  cancellable, error))
    return FALSE;

  return koi_syncer_apply_seen (self, folder, uidvalidity, seen_uids, highest_modseq, error);
}

gboolean
koi_syncer_apply_seen (KoiSyncer     *self,
                       const char    *folder,
                       guint32        uidvalidity,
                       GArray        *seen_uids,
                       guint64        highest_modseq,
                       GError       **error)
{
  g_autoptr (GArray) chats = g_array_new (FALSE, FALSE, sizeof (gint64));

  if (!koi_store_begin (self->store, error))
    return FALSE;
  for (guint i = 0; i < seen_uids->len; i++)
    {
      gint64 ref = koi_store_location_find_message (self->store, self->account->id, folder, uidvalidity,
                                                    g_array_index (seen_uids, guint32, i), error);
      g_autoptr (KoiStoreMessage) message = NULL;

      if (ref == 0)
        {
          if (error != NULL && *error != NULL)
            goto failed;
          continue;
        }

      message = koi_store_message_get (self->store, ref, error);
      if (message == NULL)
        goto failed;
      if (message->seen)
        continue;

      if (!koi_store_message_set_seen (self->store, ref, TRUE, error))
        goto failed;
      if (message->chat_id > 0)
        g_array_append_val (chats, message->chat_id);
    }

  if (highest_modseq != 0 &&
      !koi_store_folder_set_modseq (self->store, self->account->id, folder, highest_modseq, error))
    goto failed;

  if (!koi_store_commit (self->store, error))
    return FALSE;

  for (guint i = 0; i < chats->len; i++)
    if (i == 0 || g_array_index (chats, gint64, i) != g_array_index (chats, gint64, i - 1))
      koi_syncer_emit_chat_updated (self, g_array_index (chats, gint64, i));
  return TRUE;

failed:
  koi_store_rollback (self->store);
  return FALSE;
}
