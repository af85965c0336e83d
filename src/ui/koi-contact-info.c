/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-contact-info"

#include "config.h"

#include <string.h>

#include "koi-contact-card.h"
#include "koi-contact-info.h"
#include "koi-pgp-key.h"
#include "koi-store-crypto.h"

void
koi_contact_info_free (KoiContactInfo *info)
{
  if (info == NULL)
    return;

  g_free (info->address);
  g_free (info->name);
  g_free (info->status);
  g_free (info->phone);
  g_free (info->note);
  g_strfreev (info->emails);
  g_clear_pointer (&info->photo, g_bytes_unref);
  g_free (info->fingerprint);
  g_free (info);
}

const char *
koi_contact_info_get_title (const KoiContactInfo *info)
{
  return info->name != NULL && *info->name != '\0' ? info->name : info->address;
}

GdkTexture *
koi_contact_info_get_texture (const KoiContactInfo *info)
{
  if (info->photo == NULL)
    return NULL;
  /* A broken photo on a card is the sender's problem: no avatar image. */
  return gdk_texture_new_from_bytes (info->photo, NULL);
}

/* Runs on the reader's thread. */
static KoiContactInfo *
info_from_contact (const KoiStoreContact *contact,
                   const char            *address)
{
  KoiContactInfo *info = g_new0 (KoiContactInfo, 1);
  g_autoptr (KoiContactCard) card = NULL;
  g_autoptr (GPtrArray) emails = g_ptr_array_new_with_free_func (g_free);

  info->address = g_ascii_strdown (contact != NULL ? contact->address : address, -1);
  if (contact != NULL)
    {
      info->id = contact->id;
      info->name = g_strdup (contact->display_name);
      info->has_card = contact->card_ref != 0;
      info->blocked = contact->blocked;
      info->muted = contact->muted;
      info->is_me = contact->is_me;
      if (contact->vcard != NULL || contact->contact_json != NULL)
        card = koi_contact_card_parse (contact->contact_json, contact->vcard, NULL, NULL, NULL);
    }
  if (card != NULL)
    {
      KoiVCard *vcard = koi_contact_card_edit_vcard (card);
      g_auto (GStrv) all = koi_contact_card_get_emails (card);
      g_autofree char *name = koi_contact_card_get_name (card);

      if (name != NULL)
        {
          g_free (info->name);
          info->name = g_steal_pointer (&name);
        }
      info->status = koi_contact_card_get_status (card);
      info->phone = koi_vcard_get_text (vcard, "TEL");
      info->note = koi_vcard_get_text (vcard, "NOTE");
      info->photo = koi_contact_card_get_photo (card, NULL);
      for (guint i = 0; all != NULL && all[i] != NULL; i++)
        if (g_ascii_strcasecmp (all[i], info->address) != 0)
          g_ptr_array_add (emails, g_strdup (all[i]));
    }
  g_ptr_array_add (emails, NULL);
  info->emails = (GStrv) g_ptr_array_free (g_steal_pointer (&emails), FALSE);
  return info;
}

typedef struct
{
  gint64    account_id;
  char     *address;
  gboolean  blocked_only;
} Query;

static void
query_free (gpointer data)
{
  Query *query = data;

  g_free (query->address);
  g_free (query);
}

static gpointer
get_job (KoiStore      *store,
         gpointer       data,
         GCancellable  *cancellable,
         GError       **error)
{
  Query *query = data;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (KoiStoreContact) contact = koi_store_contact_find (store, query->account_id, query->address,
                                                                &local_error);
  g_autoptr (KoiStorePeerKey) key = NULL;
  KoiContactInfo *info;

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  info = info_from_contact (contact, query->address);
  /* The card shows the key so the user can compare it with what the
   * contact's own device shows (the info line of a key change says so). */
  key = koi_store_peer_key_get (store, query->account_id, info->address, NULL);
  if (key != NULL)
    info->fingerprint = koi_pgp_fingerprint_display (key->fingerprint);
  return info;
}

void
koi_contact_info_get_async (KoiStoreReader      *reader,
                            gint64               account_id,
                            const char          *address,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  Query *query = g_new0 (Query, 1);

  query->account_id = account_id;
  query->address = g_strdup (address);
  koi_store_reader_run_async (reader, get_job, query, query_free,
                              (GDestroyNotify) koi_contact_info_free, cancellable, callback, user_data);
}

KoiContactInfo *
koi_contact_info_get_finish (KoiStoreReader  *reader,
                             GAsyncResult    *result,
                             GError         **error)
{
  return koi_store_reader_run_finish (reader, result, error);
}

static int
by_title (gconstpointer a,
          gconstpointer b)
{
  const KoiContactInfo *x = *(KoiContactInfo * const *) a;
  const KoiContactInfo *y = *(KoiContactInfo * const *) b;
  /* Case-folded first: the C locale's collation puts every capital
   * before every small letter. */
  g_autofree char *fx = g_utf8_casefold (koi_contact_info_get_title (x), -1);
  g_autofree char *fy = g_utf8_casefold (koi_contact_info_get_title (y), -1);
  g_autofree char *kx = g_utf8_collate_key (fx, -1);
  g_autofree char *ky = g_utf8_collate_key (fy, -1);

  return strcmp (kx, ky);
}

static gpointer
list_job (KoiStore      *store,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  Query *query = data;
  g_autoptr (GPtrArray) contacts = koi_store_contact_list (store, query->account_id, error);
  GPtrArray *infos;

  if (contacts == NULL)
    return NULL;

  infos = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_contact_info_free);
  for (guint i = 0; i < contacts->len; i++)
    {
      const KoiStoreContact *contact = g_ptr_array_index (contacts, i);

      if (contact->is_me)
        continue;
      if (query->blocked_only ? !contact->blocked : contact->card_ref == 0)
        continue;
      g_ptr_array_add (infos, info_from_contact (contact, contact->address));
    }
  g_ptr_array_sort (infos, by_title);
  return infos;
}

void
koi_contact_info_list_async (KoiStoreReader      *reader,
                             gint64               account_id,
                             gboolean             blocked_only,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Query *query = g_new0 (Query, 1);

  query->account_id = account_id;
  query->blocked_only = blocked_only;
  koi_store_reader_run_async (reader, list_job, query, query_free,
                              (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
koi_contact_info_list_finish (KoiStoreReader  *reader,
                              GAsyncResult    *result,
                              GError         **error)
{
  return koi_store_reader_run_finish (reader, result, error);
}
