/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-test-files"

#include "config.h"

#include <string.h>

#include "koi-test-files.h"

char *
koi_test_write_random_file (const char  *dir,
                            const char  *name,
                            const char  *magic,
                            gsize        size,
                            char       **out_sha256)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree guint8 *data = g_malloc (size);
  g_autoptr (GRand) rand = g_rand_new_with_seed (size);
  g_autoptr (GError) error = NULL;

  /* Random, so no compression or encoding can shrink it and a wrong byte
   * anywhere changes the checksum. */
  for (gsize i = 0; i < size; i += 4)
    {
      guint32 r = g_rand_int (rand);

      memcpy (data + i, &r, MIN (4, size - i));
    }
  if (magic != NULL)
    memcpy (data, magic, strlen (magic));
  g_file_set_contents (path, (const char *) data, size, &error);
  g_assert_no_error (error);
  *out_sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, size);
  return g_steal_pointer (&path);
}

char *
koi_test_file_sha256 (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

char *
koi_test_find_in_maildir (KoiTestCli *cli,
                          const char *user,
                          const char *message_id)
{
  g_autofree char *root = g_build_filename (cli->server->dir, "mail", "example.org", user,
                                            "Maildir", NULL);
  g_autofree char *needle = g_strdup_printf ("<%s>", message_id);
  g_autoptr (GPtrArray) pending = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (pending, g_strdup (root));
  while (pending->len > 0)
    {
      g_autofree char *dir = g_ptr_array_steal_index (pending, pending->len - 1);
      g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
      const char *name;

      while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);
          char *contents = NULL;

          if (g_file_test (path, G_FILE_TEST_IS_DIR))
            {
              g_ptr_array_add (pending, g_steal_pointer (&path));
              continue;
            }
          if (!g_file_get_contents (path, &contents, NULL, NULL))
            continue;
          if (strstr (contents, needle) != NULL)
            return contents;
          g_free (contents);
        }
    }
  return NULL;
}

char *
koi_test_server_copy (KoiTestCli *cli,
                      const char *user,
                      const char *message_id)
{
  /* 20 s is far beyond Postfix's delivery here. */
  for (int tries = 0; tries < 200; tries++)
    {
      char *found = koi_test_find_in_maildir (cli, user, message_id);

      if (found != NULL)
        return found;
      g_usleep (100 * 1000);
    }
  return NULL;
}
