/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-syncer"

#include "config.h"

#include <string.h>

#include "koi-attachment-file.h"
#include "koi-syncer-private.h"
#include "koi-uid-set.h"

/*
 * Mail expunged elsewhere: another device, webmail or a filter removed it
 * from the server, so it leaves the chat here too, the way "Delete for Me"
 * takes it out (koi_store_message_hide: the row stays as a hidden
 * tombstone, so nothing brings it back).
 *
 * Where Koi learns it: with QRESYNC (RFC 7162) from the server itself,
 * VANISHED (EARLIER) on SELECT ... (QRESYNC ...) and VANISHED during IDLE,
 * by UID; without QRESYNC from a UID SEARCH over the UIDs the store knows
 * in the folder on a full sync (koi_syncer_sweep_expunged). Both end in
 * forget_uids(): the location goes, and a message with no location left
 * goes from its chat.
 *
 * One exception: another chat client on the account (Delta Chat, see
 * koi-chat-client-detect.c) moves chat mail out of INBOX into a folder Koi
 * does not read. There a message leaving INBOX is not a deletion: only the
 * location is forgotten.
 */

#define KNOWN_SET_MAX (8 * 1024)

/* The store's UIDs of (folder, uidvalidity) as a UID set, NULL when none
 * (or too long to send).
 * Told to the server in SELECT (QRESYNC ...) so it reports only those. */
char *
koi_syncer_known_uid_set (KoiSyncer   *self,
                          const char  *folder,
                          guint32      uidvalidity,
                          GError     **error)
{
  g_autoptr (GArray) uids = koi_store_location_list_uids (self->store, self->account->id, folder,
                                                          uidvalidity, error);

  g_autofree char *set = NULL;

  if (uids == NULL || uids->len == 0)
    return NULL;
  set = koi_uid_set_from_array ((const guint32 *) uids->data, uids->len);
  /* Chat mail scattered through a big INBOX makes a long set, and servers
   * cap the command line (Dovecot at 64 KiB). The set only narrows the
   * answer: without it the server names every UID expunged since, and
   * only the known ones are acted on. */
  if (strlen (set) > KNOWN_SET_MAX)
    return NULL;
  return g_steal_pointer (&set);
}

static gboolean
may_hide (KoiSyncer  *self,
          const char *folder)
{
  return g_strcmp0 (folder, "INBOX") != 0 || self->other_client == KOI_CHAT_CLIENT_NONE;
}

typedef struct {
  gint64 chat_id;
  gint64 message_ref;
} Gone;

/* @gone_uids (guint32, the store knows each) left (folder, uidvalidity). */
static gboolean
forget_uids (KoiSyncer   *self,
             const char  *folder,
             guint32      uidvalidity,
             GArray      *gone_uids,
             GError     **error)
{
  g_autoptr (GArray) gone = g_array_new (FALSE, FALSE, sizeof (Gone));
  g_autoptr (GPtrArray) freed = g_ptr_array_new_with_free_func (g_free);
  gboolean hide = may_hide (self, folder);

  if (gone_uids->len == 0)
    return TRUE;
  /* Contact cards are versions, not chat messages: koi-syncer-contacts.c
   * merges them by Date and UID and expunges the losers itself, reading
   * the folder as it was before this file existed. Forgetting their UIDs
   * here made two devices that edited one card at once end with different
   * names (engine-contacts). */
  if (g_strcmp0 (folder, koi_syncer_get_contacts_folder (self)) == 0)
    return TRUE;

  g_message ("%s: %u message(s) expunged on the server", folder, gone_uids->len);
  if (!koi_store_begin (self->store, error))
    return FALSE;

  for (guint i = 0; i < gone_uids->len; i++)
    {
      guint32 uid = g_array_index (gone_uids, guint32, i);
      g_autoptr (GError) local_error = NULL;
      g_autoptr (GPtrArray) left = NULL;
      g_autoptr (GPtrArray) files = NULL;
      g_autoptr (KoiStoreMessage) message = NULL;
      gint64 ref;

      ref = koi_store_location_find_message (self->store, self->account->id, folder, uidvalidity, uid,
                                             &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          goto failed;
        }
      if (!koi_store_location_remove (self->store, self->account->id, folder, uidvalidity, uid, error))
        goto failed;
      if (ref == 0 || !hide)
        continue;

      /* Still in another folder (a copy in the chat folder): it stays. */
      left = koi_store_location_list (self->store, ref, error);
      if (left == NULL)
        goto failed;
      if (left->len > 0)
        continue;

      message = koi_store_message_get (self->store, ref, error);
      if (message == NULL)
        goto failed;
      if (!koi_store_message_hide (self->store, ref, error))
        goto failed;
      files = koi_store_attachment_drop_message (self->store, ref, error);
      if (files == NULL)
        goto failed;
      for (guint j = 0; j < files->len; j++)
        g_ptr_array_add (freed, g_strdup (files->pdata[j]));
      if (message->chat_id > 0)
        g_array_append_val (gone, ((Gone) { message->chat_id, ref }));
    }

  if (!koi_store_commit (self->store, error))
    return FALSE;

  koi_attachment_file_remove_unused (self->store, freed);
  for (guint i = 0; i < gone->len; i++)
    {
      const Gone *item = &g_array_index (gone, Gone, i);

      koi_syncer_emit_message_updated (self, item->chat_id, item->message_ref);
      koi_syncer_emit_chat_updated (self, item->chat_id);
    }
  return TRUE;

failed:
  koi_store_rollback (self->store);
  return FALSE;
}

static gint
compare_range (gconstpointer a,
               gconstpointer b)
{
  guint32 x = ((const KoiImapUidRange *) a)->first, y = ((const KoiImapUidRange *) b)->first;

  return x < y ? -1 : x > y;
}

gboolean
koi_syncer_forget_vanished (KoiSyncer   *self,
                            const char  *folder,
                            guint32      uidvalidity,
                            GArray      *ranges,
                            GError     **error)
{
  g_autoptr (GArray) known = NULL;
  g_autoptr (GArray) gone = NULL;

  if (ranges->len == 0)
    return TRUE;

  /* Only what the store knows: a server may name UIDs it never showed. */
  known = koi_store_location_list_uids (self->store, self->account->id, folder, uidvalidity, error);
  if (known == NULL)
    return FALSE;

  /* Both in ascending order and walked once together: a server's line of
   * 100,000 ranges against 10,000 known UIDs stays linear. */
  g_array_sort (ranges, compare_range);
  gone = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0, r = 0; i < known->len && r < ranges->len; )
    {
      guint32 uid = g_array_index (known, guint32, i);
      const KoiImapUidRange *range = &g_array_index (ranges, KoiImapUidRange, r);

      if (uid > range->last)
        r++;
      else
        {
          if (uid >= range->first)
            g_array_append_val (gone, uid);
          i++;
        }
    }

  return forget_uids (self, folder, uidvalidity, gone, error);
}

gboolean
koi_syncer_sweep_expunged (KoiSyncer     *self,
                           const char    *folder,
                           guint32        uidvalidity,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autoptr (GArray) known = NULL;
  g_autoptr (GArray) present = NULL;
  g_autoptr (GArray) gone = NULL;
  g_autofree char *criteria = NULL;
  g_autofree char *set = NULL;
  guint j = 0;

  known = koi_store_location_list_uids (self->store, self->account->id, folder, uidvalidity, error);
  if (known == NULL)
    return FALSE;
  if (known->len == 0)
    return TRUE;

  /* Asked for the known UIDs only: the answer is what is still there. */
  set = koi_uid_set_from_array ((const guint32 *) known->data, known->len);
  /* A set too long for a command line (see KNOWN_SET_MAX): the range
   * from the first to the last, which also answers other mail. */
  if (strlen (set) > KNOWN_SET_MAX)
    criteria = g_strdup_printf ("UID %u:%u", g_array_index (known, guint32, 0),
                                g_array_index (known, guint32, known->len - 1));
  else
    criteria = g_strdup_printf ("UID %s", set);
  present = koi_imap_client_uid_search (self->imap, criteria, cancellable, error);
  if (present == NULL)
    return FALSE;

  gone = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < known->len; i++)
    {
      guint32 uid = g_array_index (known, guint32, i);

      while (j < present->len && g_array_index (present, guint32, j) < uid)
        j++;
      if (j >= present->len || g_array_index (present, guint32, j) != uid)
        g_array_append_val (gone, uid);
    }

  return forget_uids (self, folder, uidvalidity, gone, error);
}
