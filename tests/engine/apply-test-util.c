/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "apply-test-util"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "apply-test-util.h"
#include "koi-apply.h"
#include "koi-coi.h"
#include "koi-coi-gmime.h"

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  /* g_ptr_array_sort hands pointers to the elements. */
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

GPtrArray *
apply_test_load_mails (const char *folder_name,
                       const char *only_prefixes)
{
  const char *root = g_getenv ("KOI_SOURCE_ROOT");
  g_autofree char *folder = g_build_filename (root, "tests", "engine", folder_name, NULL);
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *mails = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".eml") &&
        (only_prefixes == NULL || strstr (only_prefixes, (char[]) { name[0], name[1], 0 }) != NULL))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (folder, g_ptr_array_index (names, i), NULL);
      g_autofree char *data = NULL;
      gsize size;

      g_assert_true (g_file_get_contents (path, &data, &size, NULL));
      g_ptr_array_add (mails, g_bytes_new_take (g_steal_pointer (&data), size));
    }

  return mails;
}

void
apply_store_open (ApplyStore *self,
                  const char *own_address)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  KoiStoreAccount account = { .address = (char *) own_address };

  self->own_address = g_strdup (own_address);
  self->dir = g_dir_make_tmp ("koi-apply-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (self->dir, "koi.db", NULL);
  self->store = koi_store_open (path, &error);
  g_assert_no_error (error);
  self->account_id = koi_store_account_upsert (self->store, &account, &error);
  g_assert_no_error (error);
}

void
apply_store_close (ApplyStore *self)
{
  g_autofree char *path = g_build_filename (self->dir, "koi.db", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  g_clear_pointer (&self->store, koi_store_close);
  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (self->dir);
  g_clear_pointer (&self->dir, g_free);
  g_clear_pointer (&self->own_address, g_free);
}

void
apply_one (ApplyStore *self,
           GBytes     *mail)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiCoiParsed) parsed = koi_coi_parse (mail, &error);
  KoiApplyChanges changes;
  gint64 id;

  g_assert_no_error (error);
  koi_apply_changes_init (&changes);
  g_assert_true (koi_store_begin (self->store, &error));
  id = koi_apply_mail (self->store, self->account_id, self->own_address, parsed, FALSE, &changes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  g_assert_true (koi_store_commit (self->store, &error));
  g_assert_no_error (error);

  /* Hidden mail never announces a bubble of its own. */
  if (koi_coi_type_is_hidden (parsed->type))
    for (guint i = 0; i < changes.added->len; i++)
      g_assert_cmpint (g_array_index (changes.added, KoiApplyChange, i).message_ref, !=, id);
  koi_apply_changes_clear (&changes);
}
