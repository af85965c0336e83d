/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-syncer"

#include "config.h"

#include <string.h>

#include "koi-coi-gmime.h"
#include "koi-contacts.h"
#include "koi-engine-error.h"
#include "koi-syncer-private.h"
#include "koi-uid-set.h"

/*
 * Contacts in the user's mailbox (docs/WIRE.md, "Contacts"). An edit here
 * builds the new version, stores it through the same apply step as a card
 * from the server (so the contact changes at once, offline too), and
 * keeps its bytes until koi_syncer_push_contacts() APPENDs them to the
 * contacts folder. Then every version that lost (to this one, or to
 * another device's) is flagged \Deleted and UID EXPUNGEd, but only once
 * the winner is on the server: a crash in between leaves two versions,
 * which the next run sorts out the same way on every device.
 */

const char *
koi_syncer_get_contacts_folder (KoiSyncer *self)
{
  return self->contacts_folder != NULL ? self->contacts_folder : KOI_SYNCER_CONTACTS_FOLDER;
}

gint64
koi_syncer_edit_contact (KoiSyncer             *self,
                         const char            *address,
                         const KoiContactEdit  *edit,
                         GError               **error)
{
  g_autofree char *lower = NULL;
  g_autofree char *message_id = NULL;
  g_autoptr (KoiContactCard) card = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (KoiCoiParsed) parsed = NULL;
  KoiSyncerCrypto crypto_state;
  g_autoptr (KoiStoreContact) contact = NULL;
  KoiApplyChanges changes;
  KoiStoreCard row = { 0, };
  const char *domain;
  gint64 ref;

  if (!koi_address_is_valid (address))
    {
      g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                   "“%s” is not an email address", address != NULL ? address : "");
      return 0;
    }
  lower = g_ascii_strdown (address, -1);

  if (!koi_store_begin (self->store, error))
    return 0;

  card = koi_contacts_edited_card (self->store, self->account->id, self->account->address, lower, edit,
                                   error);
  if (card == NULL)
    goto failed;
  /* The user's own card carries the account's key, so whoever imports
   * it (Delta Chat among them) can write encrypted at once. */
  if (g_ascii_strcasecmp (lower, self->account->address) == 0)
    {
      g_autoptr (GBytes) own_key = koi_syncer_own_autocrypt (self);

      if (own_key != NULL)
        koi_contact_card_set_key (card, own_key);
    }

  domain = strchr (self->account->address, '@') + 1;
  message_id = koi_coi_generate_message_id (domain);
  /* Date has whole seconds on the wire; the store keeps what the wire says,
   * so every device ranks this version alike. */
  message = koi_contact_card_build (card, self->account->address, message_id,
                                    g_get_real_time () / G_USEC_PER_SEC * 1000);
  raw = koi_coi_message_to_bytes (message);
  parsed = koi_syncer_parse (self, raw, 0, 0, &crypto_state, error);
  if (parsed == NULL)
    goto failed;

  koi_apply_changes_init (&changes);
  ref = koi_apply_mail (self->store, self->account->id, self->account->address, parsed, TRUE,
                        &changes, error);
  if (ref == 0)
    {
      koi_apply_changes_clear (&changes);
      goto failed;
    }

  row.message_ref = ref;
  row.account_id = self->account->id;
  row.address = lower;
  row.date_ms = parsed->date_ms;
  row.raw = raw;
  if (!koi_store_card_add (self->store, &row, error) || !koi_store_commit (self->store, error))
    {
      koi_apply_changes_clear (&changes);
      goto failed;
    }

  koi_syncer_emit_changes (self, &changes);
  koi_apply_changes_clear (&changes);

  contact = koi_store_contact_find (self->store, self->account->id, lower, error);
  return contact != NULL ? contact->id : 0;

failed:
  koi_store_rollback (self->store);
  return 0;
}

gboolean
koi_syncer_sync_contacts (KoiSyncer     *self,
                          GCancellable  *cancellable,
                          GError       **error)
{
  KoiApplyChanges changes;
  gboolean ok;

  if (self->imap == NULL || self->contacts_folder == NULL)
    return TRUE;

  if (!koi_syncer_sync_folder (self, self->contacts_folder, FALSE, TRUE, cancellable, error))
    return FALSE;

  /* The folder's UIDs are known now: they settle versions with one Date. */
  koi_apply_changes_init (&changes);
  ok = koi_store_begin (self->store, error) &&
       koi_contacts_refresh_all (self->store, self->account->id, self->account->address, &changes, error) &&
       koi_store_commit (self->store, error);
  if (ok)
    koi_syncer_emit_changes (self, &changes);
  else
    koi_store_rollback (self->store);
  koi_apply_changes_clear (&changes);

  return ok && koi_syncer_push_contacts (self, cancellable, error);
}

static gboolean
upload_pending (KoiSyncer     *self,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr (GPtrArray) pending = NULL;
  guint32 uidvalidity = 0, last_uid = 0;
  gboolean known;

  pending = koi_store_card_list_pending (self->store, self->account->id, error);
  if (pending == NULL)
    return FALSE;
  if (pending->len == 0)
    return TRUE;

  known = koi_store_folder_get (self->store, self->account->id, self->contacts_folder, &uidvalidity,
                                &last_uid, NULL);

  for (guint i = 0; i < pending->len; i++)
    {
      const KoiStoreCard *card = g_ptr_array_index (pending, i);
      g_autoptr (KoiStoreCard) winner = NULL;
      guint32 uid = 0;

      winner = koi_store_card_winner (self->store, self->account->id, card->address, error);
      if (winner == NULL)
        return FALSE;
      if (winner->message_ref != card->message_ref)
        {
          /* Edited again (or beaten by another device) before it left:
           * the server never needs this version. */
          if (!koi_store_card_remove (self->store, card->message_ref, error))
            return FALSE;
          continue;
        }

      if (!koi_imap_client_append (self->imap, self->contacts_folder, "(\\Seen)", card->raw, &uid,
                                   cancellable, error))
        return FALSE;

      /* Where it landed, so the next sync of the folder does not fetch it
       * and the losers can go; without UIDPLUS the next sync finds it by
       * Message-ID. */
      if (!koi_store_begin (self->store, error))
        return FALSE;
      if (!koi_store_card_set_uploaded (self->store, card->message_ref, error) ||
          (known && uid != 0 &&
           !koi_store_location_add (self->store, card->message_ref, self->account->id,
                                    self->contacts_folder, uidvalidity, uid, error)) ||
          !koi_store_commit (self->store, error))
        {
          koi_store_rollback (self->store);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
expunge_superseded (KoiSyncer     *self,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr (GArray) uids = NULL;
  g_autoptr (GArray) refs = NULL;
  g_autofree char *set = NULL;
  KoiImapMailboxStatus status = { 0, };
  guint32 uidvalidity = 0, last_uid = 0;

  if (!koi_store_folder_get (self->store, self->account->id, self->contacts_folder, &uidvalidity,
                             &last_uid, error))
    return error == NULL || *error == NULL;

  uids = koi_store_card_list_superseded (self->store, self->account->id, self->contacts_folder,
                                         uidvalidity, &refs, error);
  if (uids == NULL)
    return FALSE;
  if (uids->len == 0)
    return TRUE;

  if (!koi_imap_client_select (self->imap, self->contacts_folder, FALSE, &status, cancellable, error))
    return FALSE;
  if (status.uidvalidity != uidvalidity)
    return TRUE;   /* renumbered: the next sync knows the folder again */

  set = koi_uid_set_from_array ((const guint32 *) uids->data, uids->len);
  g_debug ("%s: removing %u superseded contact card(s): %s", self->account->address, uids->len, set);
  if (!koi_imap_client_uid_expunge (self->imap, set, cancellable, error))
    return FALSE;

  if (!koi_store_begin (self->store, error))
    return FALSE;
  for (guint i = 0; i < uids->len; i++)
    if (!koi_store_location_remove (self->store, self->account->id, self->contacts_folder, uidvalidity,
                                    g_array_index (uids, guint32, i), error) ||
        !koi_store_card_remove (self->store, g_array_index (refs, gint64, i), error))
      {
        koi_store_rollback (self->store);
        return FALSE;
      }
  return koi_store_commit (self->store, error);
}

gboolean
koi_syncer_push_contacts (KoiSyncer     *self,
                          GCancellable  *cancellable,
                          GError       **error)
{
  if (self->imap == NULL || self->contacts_folder == NULL)
    return TRUE;   /* pushed at the next connection */

  if (!upload_pending (self, cancellable, error))
    return FALSE;

  return expunge_superseded (self, cancellable, error);
}
