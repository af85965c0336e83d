/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-syncer"

#include "config.h"

#include <string.h>

#include "koi-syncer-private.h"

/* After a crash during a send (kill -9, power loss), the store still says
 * SENDING: the SMTP server may have taken the message, or not. Sending it
 * again could deliver it twice; dropping it could lose it. Every message
 * Koi sends goes to the user's own address in the same SMTP transaction
 * (the copy for their other devices), so that copy on the server answers
 * the question: if it is in INBOX or the chat folder, the server took the
 * transaction. Postfix delivers locally within a second or so; the copy
 * is looked for a few times over RECOVER_WAIT_MS before the answer is
 * "not sent".
 *
 * The search runs on a connection of its own: the syncer's may be
 * selected on another folder or about to IDLE, and the CLI's send has
 * none. */

#define RECOVER_WAIT_MS 4000
#define RECOVER_STEP_MS 500

static gboolean
search_folder (KoiImapClient *imap,
               const char    *folder,
               const char    *message_id,
               gboolean      *out_found,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr (GArray) uids = NULL;
  g_autofree char *criteria = NULL;

  if (!koi_imap_client_select (imap, folder, TRUE, NULL, cancellable, error))
    return FALSE;
  criteria = g_strdup_printf ("HEADER Message-ID \"%s\"", message_id);
  uids = koi_imap_client_uid_search (imap, criteria, cancellable, error);
  if (uids == NULL)
    return FALSE;
  *out_found = uids->len > 0;
  return TRUE;
}

/**
 * koi_syncer_find_own_copy:
 * @self: a syncer
 * @message_id: the Message-ID of a message whose send was interrupted
 * @out_found: (out): whether the server holds the copy to self
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an IMAP error
 *
 * Whether the copy to self of @message_id reached the server, which means
 * the SMTP server took the message for every recipient it accepted.
 *
 * Returns: %FALSE (with @error) when the server could not be asked: then
 *   nothing is known, and the message must be neither sent nor failed.
 */
gboolean
koi_syncer_find_own_copy (KoiSyncer     *self,
                          const char    *message_id,
                          gboolean      *out_found,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr (KoiImapClient) imap = koi_imap_client_new (self->account->imap);
  g_autoptr (GPtrArray) root = NULL;
  g_autofree char *chats = NULL;
  char delimiter = '/';
  gint64 deadline = g_get_monotonic_time () + RECOVER_WAIT_MS * 1000;

  *out_found = FALSE;

  /* Only ids Koi wrote come here; anything else is not searched for. */
  if (message_id == NULL || strpbrk (message_id, "\"\\\r\n") != NULL)
    return TRUE;

  if (!koi_imap_client_connect (imap, cancellable, error))
    return FALSE;
  root = koi_imap_client_list (imap, "", "", cancellable, error);
  if (root == NULL)
    return FALSE;
  if (root->len > 0)
    delimiter = ((KoiImapMailbox *) g_ptr_array_index (root, 0))->delimiter;
  chats = delimiter == '\0' ? g_strdup ("COI-Chats") : g_strdup_printf ("COI%cChats", delimiter);

  for (;;)
    {
      g_autoptr (GError) chats_error = NULL;

      if (!search_folder (imap, "INBOX", message_id, out_found, cancellable, error))
        return FALSE;
      /* Another device may have filed it already; a server without the
       * chat folder simply has no copy there. */
      if (!*out_found &&
          !search_folder (imap, chats, message_id, out_found, cancellable, &chats_error))
        {
          if (!koi_imap_client_is_connected (imap))
            {
              g_propagate_error (error, g_steal_pointer (&chats_error));
              return FALSE;
            }
          *out_found = FALSE;
        }
      if (*out_found || g_get_monotonic_time () >= deadline)
        break;
      g_usleep (RECOVER_STEP_MS * 1000);
    }

  koi_imap_client_logout (imap, NULL);
  return TRUE;
}
