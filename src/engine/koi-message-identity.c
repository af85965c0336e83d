/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-message-identity"

#include "config.h"

#include "koi-message-identity.h"

/* A Message-ID is only a claim: anyone can write a mail with the id of a
 * message they saw (in a group, in a reply's References). The same mail
 * in another folder or on another device has the same sender and Date;
 * a forgery with a different sender or Date is another mail
 * and is kept apart instead of being taken for the stored one (which
 * would hide it and give it the stored message's server location). */

/**
 * koi_message_identity_same:
 * @stored: the stored message with the id
 * @from_address: (nullable): the new mail's From
 * @date_ms: the new mail's Date (0 if unknown)
 *
 * Returns: whether the new mail can be the stored one
 */
gboolean
koi_message_identity_same (const KoiStoreMessage *stored,
                           const char            *from_address,
                           gint64                 date_ms)
{
  if (stored->from_address != NULL && from_address != NULL &&
      g_ascii_strcasecmp (stored->from_address, from_address) != 0)
    return FALSE;
  if ((stored->from_address == NULL) != (from_address == NULL))
    return FALSE;

  /* The Date is stored as written; IMAP keeps the bytes, so a copy has
   * the same one (Date-less mail: its arrival, which a copy keeps too). */
  if (date_ms != 0 && stored->sent_at_ms != 0 && ABS (date_ms - stored->sent_at_ms) > 1000)
    return FALSE;

  return TRUE;
}

/**
 * koi_message_identity_check:
 * @store: the store
 * @account_id: the account
 * @parsed: a mail about to be applied
 * @error: a store error
 *
 * If @parsed's Message-ID is stored for a different mail, gives @parsed
 * an id of its own and a warning (koi_coi_parsed_keep_apart()).
 *
 * Returns: %FALSE only on a store error
 */
gboolean
koi_message_identity_check (KoiStore      *store,
                            gint64         account_id,
                            KoiCoiParsed  *parsed,
                            GError       **error)
{
  g_autoptr(KoiStoreMessage) stored = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 ref;

  if (parsed->message_id_synthetic)
    return TRUE;

  ref = koi_store_message_find (store, account_id, parsed->message_id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (ref == 0)
    return TRUE;

  stored = koi_store_message_get (store, ref, error);
  if (stored == NULL)
    return FALSE;

  if (!koi_message_identity_same (stored, parsed->from_address, parsed->date_ms))
    {
      g_message ("%s is taken by another mail: kept apart", parsed->message_id);
      koi_coi_parsed_keep_apart (parsed);
    }

  return TRUE;
}
