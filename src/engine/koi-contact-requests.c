/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-engine"

#include "config.h"

#include "koi-contact-requests.h"

gboolean
koi_contact_requests_note_mail (KoiStore    *store,
                                gint64       account_id,
                                gint64       chat_id,
                                gboolean     created,
                                gboolean     outgoing,
                                const char  *from_address,
                                GError     **error)
{
  KoiStoreChatRequest now;

  /* Writing in a chat is letting it in, on whichever device it happened;
   * the self-copy brings that to every other device. */
  if (outgoing)
    {
      if (koi_store_chat_get_request (store, chat_id) == KOI_STORE_CHAT_ACCEPTED)
        return TRUE;
      return koi_store_chat_set_request (store, chat_id, KOI_STORE_CHAT_ACCEPTED, error);
    }

  if (created)
    {
      if (koi_store_contact_is_known (store, account_id, from_address, chat_id))
        return TRUE;
      return koi_store_chat_set_request (store, chat_id, KOI_STORE_CHAT_REQUEST, error);
    }

  /* Deleting a request is not blocking: the next message asks again. */
  now = koi_store_chat_get_request (store, chat_id);
  if (now == KOI_STORE_CHAT_DISMISSED)
    return koi_store_chat_set_request (store, chat_id, KOI_STORE_CHAT_REQUEST, error);
  return TRUE;
}
