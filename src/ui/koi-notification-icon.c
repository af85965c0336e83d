/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-notification-icon"

#include "config.h"

#include <errno.h>

#include <glib/gstdio.h>

#include "koi-contact-card.h"
#include "koi-notification-icon.h"

typedef struct
{
  gint64    account_id;
  char     *address;
  gboolean  as_bytes;
} Query;

static void
query_free (gpointer data)
{
  Query *query = data;

  g_free (query->address);
  g_free (query);
}

char *
koi_notification_icon_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "koi", "notification-icons", NULL);
}

/* Named by content: the same photo is written once, a changed one gets a
 * new name (a notification server may cache by path). */
static GIcon *
file_icon_for (GBytes  *photo,
               GError **error)
{
  g_autofree char *dir = koi_notification_icon_dir ();
  g_autofree char *sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, photo);
  g_autofree char *name = g_strconcat (sum, ".img", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  gsize size;
  gconstpointer data = g_bytes_get_data (photo, &size);

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Could not make %s: %s", dir, g_strerror (saved));
          return NULL;
        }
      if (!g_file_set_contents_full (path, data, size, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
        return NULL;
    }
  return g_file_icon_new (file);
}

/* Runs on the reader's thread; a GPtrArray of no or one GIcon, as the
 * reader wants a non-NULL result for "no photo". */
static gpointer
icon_job (KoiStore      *store,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  Query *query = data;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (KoiStoreContact) contact = koi_store_contact_find (store, query->account_id, query->address,
                                                                &local_error);
  g_autoptr (KoiContactCard) card = NULL;
  g_autoptr (GBytes) photo = NULL;
  GPtrArray *icons = g_ptr_array_new_with_free_func (g_object_unref);

  if (local_error != NULL)
    {
      g_ptr_array_unref (icons);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (contact != NULL && (contact->vcard != NULL || contact->contact_json != NULL))
    card = koi_contact_card_parse (contact->contact_json, contact->vcard, NULL, NULL, NULL);
  if (card != NULL)
    photo = koi_contact_card_get_photo (card, NULL);
  if (photo == NULL || g_bytes_get_size (photo) == 0)
    return icons;

  if (query->as_bytes)
    g_ptr_array_add (icons, g_bytes_icon_new (photo));
  else
    {
      GIcon *icon = file_icon_for (photo, error);

      if (icon == NULL)
        {
          g_ptr_array_unref (icons);
          return NULL;
        }
      g_ptr_array_add (icons, icon);
    }
  return icons;
}

void
koi_notification_icon_async (KoiStoreReader      *reader,
                             gint64               account_id,
                             const char          *address,
                             gboolean             as_bytes,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Query *query = g_new0 (Query, 1);

  g_return_if_fail (KOI_IS_STORE_READER (reader));
  g_return_if_fail (address != NULL);

  query->account_id = account_id;
  query->address = g_strdup (address);
  query->as_bytes = as_bytes;
  koi_store_reader_run_async (reader, icon_job, query, query_free, (GDestroyNotify) g_ptr_array_unref,
                              cancellable, callback, user_data);
}

GIcon *
koi_notification_icon_finish (KoiStoreReader  *reader,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_autoptr (GPtrArray) icons = koi_store_reader_run_finish (reader, result, error);

  if (icons == NULL || icons->len == 0)
    return NULL;
  return g_object_ref (g_ptr_array_index (icons, 0));
}
