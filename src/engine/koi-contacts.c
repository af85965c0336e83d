/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-engine"

#include "config.h"

#include "koi-contacts.h"
#include "koi-apply-autocrypt.h"
#include "koi-engine-error.h"

KoiContactEdit *
koi_contact_edit_new (void)
{
  KoiContactEdit *edit = g_new0 (KoiContactEdit, 1);

  edit->blocked = -1;
  edit->notify = -1;
  return edit;
}

KoiContactEdit *
koi_contact_edit_copy (const KoiContactEdit *edit)
{
  KoiContactEdit *copy = g_new0 (KoiContactEdit, 1);

  copy->name = g_strdup (edit->name);
  copy->status = g_strdup (edit->status);
  copy->birthday = g_strdup (edit->birthday);
  copy->blocked = edit->blocked;
  copy->notify = edit->notify;
  copy->photo = edit->photo != NULL ? g_bytes_ref (edit->photo) : NULL;
  copy->clear_photo = edit->clear_photo;
  copy->groups = g_strdupv (edit->groups);
  copy->vcard = g_strdup (edit->vcard);
  copy->phone = g_strdup (edit->phone);
  copy->note = g_strdup (edit->note);
  copy->emails = g_strdupv (edit->emails);
  return copy;
}

void
koi_contact_edit_free (KoiContactEdit *edit)
{
  if (edit == NULL)
    return;

  g_free (edit->name);
  g_free (edit->status);
  g_free (edit->birthday);
  g_clear_pointer (&edit->photo, g_bytes_unref);
  g_strfreev (edit->groups);
  g_free (edit->vcard);
  g_free (edit->phone);
  g_free (edit->note);
  g_strfreev (edit->emails);
  g_free (edit);
}

static gboolean
same_address (const char *a,
              const char *b)
{
  return a != NULL && b != NULL && g_ascii_strcasecmp (a, b) == 0;
}

/* The card's own address keeps its EMAIL line (and its parameters); the
 * others become @emails, in order, each once. */
static void
set_other_emails (KoiContactCard     *card,
                  const char         *address,
                  const char * const *emails)
{
  KoiVCard *vcard = koi_contact_card_edit_vcard (card);
  g_autoptr (GPtrArray) added = NULL;
  gboolean have_own = FALSE;

  for (guint i = vcard->properties->len; i > 0; i--)
    {
      KoiVCardProperty *property = g_ptr_array_index (vcard->properties, i - 1);
      g_autofree char *value = NULL;

      if (g_ascii_strcasecmp (property->name, "EMAIL") != 0)
        continue;
      value = g_strstrip (koi_vcard_unescape (property->value));
      if (!have_own && same_address (value, address))
        have_own = TRUE;
      else
        g_ptr_array_remove_index (vcard->properties, i - 1);
    }
  if (!have_own)
    koi_vcard_add_raw (vcard, "EMAIL", address);
  added = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; emails[i] != NULL; i++)
    {
      g_autofree char *email = g_ascii_strdown (emails[i], -1);
      g_autofree char *escaped = NULL;
      gboolean seen;

      g_strstrip (email);
      seen = *email == '\0' || same_address (email, address);
      for (guint j = 0; !seen && j < added->len; j++)
        seen = same_address (email, g_ptr_array_index (added, j));
      if (seen)
        continue;
      escaped = koi_vcard_escape (email);
      koi_vcard_add_raw (vcard, "EMAIL", escaped);
      g_ptr_array_add (added, g_steal_pointer (&email));
    }
}

static void
note_id (GArray *ids,
         gint64  id)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_array_index (ids, gint64, i) == id)
      return;
  g_array_append_val (ids, id);
}

gboolean
koi_contacts_refresh (KoiStore         *store,
                      gint64            account_id,
                      const char       *own_address,
                      const char       *address,
                      KoiApplyChanges  *changes,
                      GError          **error)
{
  g_autoptr (KoiStoreCard) winner = NULL;
  g_autoptr (KoiStoreContact) current = NULL;
  g_autoptr (KoiContactCard) card = NULL;
  g_autofree char *name = NULL;
  KoiStoreContact contact = { 0, };
  gint64 contact_id = 0, chat_id = 0;

  winner = koi_store_card_winner (store, account_id, address, error);
  if (winner == NULL)
    return error == NULL || *error == NULL;

  current = koi_store_contact_find (store, account_id, address, error);
  if (current == NULL && error != NULL && *error != NULL)
    return FALSE;
  if (current != NULL && current->card_ref == winner->message_ref)
    return TRUE;

  card = koi_contact_card_parse (winner->contact_json, winner->vcard, NULL, winner->headers, NULL);
  if (card == NULL)
    return TRUE;   /* stored only when it named its address */

  name = koi_contact_card_get_name (card);
  contact.account_id = account_id;
  contact.address = (char *) address;
  contact.display_name = name;
  contact.vcard = winner->vcard;
  contact.contact_json = winner->contact_json;
  contact.blocked = koi_contact_card_get_blocked (card);
  contact.is_me = same_address (address, own_address);
  contact.muted = !koi_contact_card_get_notify (card);
  contact.card_ref = winner->message_ref;
  contact.updated_at_ms = winner->date_ms;

  if (!koi_store_contact_set_card (store, &contact, &contact_id, &chat_id, error))
    return FALSE;

  /* A key on a contact's card (Delta Chat shares contacts as vCards with
   * their key) counts as of the card's Date, capped at now: newer
   * Autocrypt mail wins over it, an older one does not. */
  if (!contact.is_me)
    {
      g_autoptr (GBytes) key = koi_contact_card_get_key (card);

      if (key != NULL &&
          !koi_apply_vcard_key (store, account_id, address, key,
                                MIN (winner->date_ms, g_get_real_time () / 1000), changes, error))
        return FALSE;
    }

  if (current != NULL && current->blocked && !contact.blocked)
    {
      g_autoptr (GArray) revealed = koi_store_message_reveal_blocked (store, account_id, address,
                                                                      chat_id, error);

      if (revealed == NULL)
        return FALSE;
      for (guint i = 0; changes != NULL && i < revealed->len; i++)
        {
          KoiApplyChange change = { 0, g_array_index (revealed, gint64, i) };

          if (change.chat_id == 0)
            {
              g_autoptr (KoiStoreMessage) message = koi_store_message_get (store, change.message_ref, NULL);

              change.chat_id = message != NULL ? message->chat_id : 0;
            }
          g_array_append_val (changes->added, change);
          koi_apply_note_chat (changes, change.chat_id);
        }
    }

  if (changes != NULL)
    {
      note_id (changes->contacts, contact_id);
      koi_apply_note_chat (changes, chat_id);
    }
  return TRUE;
}

gboolean
koi_contacts_refresh_all (KoiStore         *store,
                          gint64            account_id,
                          const char       *own_address,
                          KoiApplyChanges  *changes,
                          GError          **error)
{
  g_autoptr (GPtrArray) addresses = koi_store_card_addresses (store, account_id, error);

  if (addresses == NULL)
    return FALSE;

  for (guint i = 0; i < addresses->len; i++)
    if (!koi_contacts_refresh (store, account_id, own_address, g_ptr_array_index (addresses, i),
                               changes, error))
      return FALSE;

  return TRUE;
}

gboolean
koi_contacts_apply_card (KoiStore           *store,
                         gint64              account_id,
                         const char         *own_address,
                         const KoiCoiParsed *parsed,
                         gint64              message_ref,
                         KoiApplyChanges    *changes,
                         GError            **error)
{
  g_autoptr (KoiContactCard) card = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *vcard = NULL;
  g_autofree char *json = NULL;
  g_autofree char *headers = NULL;
  KoiStoreCard row = { 0, };

  /* Cards live in the user's own mailbox, written by the user's devices:
   * one from anybody else is kept hidden but not believed. */
  if (!same_address (parsed->from_address, own_address))
    return TRUE;

  card = koi_contact_card_parse (parsed->contact_json, parsed->contact_vcard, parsed->contact_hcard,
                                 parsed->contact_headers, &local_error);
  if (card == NULL)
    {
      /* Kept on the server as it is; never rewritten unless the user edits. */
      g_debug ("Contact card %s ignored: %s", parsed->message_id, local_error->message);
      return TRUE;
    }

  /* The parts as received; an h-card is kept in the vCard form it maps to. */
  vcard = parsed->contact_vcard != NULL ? g_strdup (parsed->contact_vcard)
                                        : koi_contact_card_to_vcard (card);
  json = koi_contact_card_to_json (card);
  headers = koi_contact_card_get_headers (card);

  row.message_ref = message_ref;
  row.account_id = account_id;
  row.address = (char *) koi_contact_card_get_address (card);
  row.date_ms = parsed->date_ms;
  row.vcard = vcard;
  row.contact_json = parsed->contact_json != NULL ? parsed->contact_json : json;
  row.headers = headers;

  if (!koi_store_card_add (store, &row, error))
    return FALSE;

  return koi_contacts_refresh (store, account_id, own_address, row.address, changes, error);
}

KoiContactCard *
koi_contacts_edited_card (KoiStore             *store,
                          gint64                account_id,
                          const char           *own_address,
                          const char           *address,
                          const KoiContactEdit *edit,
                          GError              **error)
{
  g_autoptr (KoiStoreCard) winner = NULL;
  g_autoptr (KoiContactCard) card = NULL;
  g_autoptr (GError) local_error = NULL;

  winner = koi_store_card_winner (store, account_id, address, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (winner != NULL)
    card = koi_contact_card_parse (winner->contact_json, winner->vcard, NULL, winner->headers, NULL);
  if (card == NULL)
    card = koi_contact_card_new (address);

  if (edit->vcard != NULL)
    {
      g_autoptr (KoiVCard) replacement = koi_vcard_parse (edit->vcard, error);
      KoiVCard *vcard;

      if (replacement == NULL)
        return NULL;
      vcard = koi_contact_card_edit_vcard (card);
      g_ptr_array_set_size (vcard->properties, 0);
      for (guint i = 0; i < replacement->properties->len; i++)
        g_ptr_array_add (vcard->properties, g_ptr_array_index (replacement->properties, i));
      g_ptr_array_set_free_func (replacement->properties, NULL);
      /* The card stays filed under its address even if the file's EMAIL
       * lines say otherwise. */
      if (koi_vcard_get (vcard, "EMAIL") == NULL)
        koi_vcard_add_raw (vcard, "EMAIL", address);
    }
  if (edit->name != NULL)
    koi_contact_card_set_name (card, edit->name);
  if (edit->status != NULL)
    koi_contact_card_set_status (card, edit->status);
  if (edit->birthday != NULL)
    koi_contact_card_set_birthday (card, edit->birthday);
  if (edit->blocked >= 0)
    koi_contact_card_set_blocked (card, edit->blocked);
  if (edit->notify >= 0)
    koi_contact_card_set_notify (card, edit->notify);
  if (edit->photo != NULL || edit->clear_photo)
    koi_contact_card_set_photo (card, edit->photo);
  if (edit->groups != NULL)
    koi_contact_card_set_groups (card, (const char * const *) edit->groups);
  if (edit->phone != NULL)
    koi_vcard_set_text (koi_contact_card_edit_vcard (card), "TEL", edit->phone);
  if (edit->note != NULL)
    koi_vcard_set_text (koi_contact_card_edit_vcard (card), "NOTE", edit->note);
  if (edit->emails != NULL)
    set_other_emails (card, address, (const char * const *) edit->emails);
  if (same_address (address, own_address) && !koi_contact_card_get_is_me (card))
    koi_contact_card_set_is_me (card, TRUE);

  return g_steal_pointer (&card);
}
