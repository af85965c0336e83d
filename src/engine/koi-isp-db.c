/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-autoconfig"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "koi-isp-db.h"
#include "koi-isp-resources.h"

#define ISP_PATH "/io/github/koichat/Koi/isp/"

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/* Every file's bytes, in name order. The resource is used
 * directly, not registered: the engine is a static library, and a
 * registration constructor in an object nothing references would be left
 * out by the linker. */
static GPtrArray *
load_files (const char *dir)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_auto(GStrv) names = NULL;

  if (dir != NULL)
    {
      g_autoptr(GDir) folder = g_dir_open (dir, 0, NULL);
      g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      while (folder != NULL && (name = g_dir_read_name (folder)) != NULL)
        if (g_str_has_suffix (name, ".xml"))
          g_ptr_array_add (list, g_strdup (name));
      g_ptr_array_add (list, NULL);
      names = (GStrv) g_ptr_array_steal (list, NULL);
    }
  else
    names = g_resource_enumerate_children (koi_isp_get_resource (), ISP_PATH,
                                           G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (names == NULL)
    return g_steal_pointer (&files);

  qsort (names, g_strv_length (names), sizeof (char *), compare_names);
  for (guint i = 0; names[i] != NULL; i++)
    {
      GBytes *bytes = NULL;

      if (dir != NULL)
        {
          g_autofree char *path = g_build_filename (dir, names[i], NULL);
          g_autofree char *contents = NULL;
          gsize length = 0;

          if (g_file_get_contents (path, &contents, &length, NULL))
            bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
        }
      else
        {
          g_autofree char *path = g_strconcat (ISP_PATH, names[i], NULL);

          bytes = g_resource_lookup_data (koi_isp_get_resource (), path,
                                          G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
        }
      if (bytes != NULL)
        g_ptr_array_add (files, bytes);
    }
  return g_steal_pointer (&files);
}

/* The <domain> entries of one file, lower case. */
static GPtrArray *
file_domains (GBytes *bytes)
{
  g_autoptr(GPtrArray) domains = g_ptr_array_new_with_free_func (g_free);
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);
  g_autofree char *text = g_strndup (data, size);
  const char *p = text;

  while ((p = strstr (p, "<domain>")) != NULL)
    {
      const char *start = p + strlen ("<domain>");
      const char *end = strstr (start, "</domain>");
      g_autofree char *domain = NULL;

      if (end == NULL)
        break;
      domain = g_strstrip (g_strndup (start, end - start));
      g_ptr_array_add (domains, g_ascii_strdown (domain, -1));
      p = end;
    }
  return g_steal_pointer (&domains);
}

GBytes *
koi_isp_db_lookup (const char *domain,
                   const char *dir)
{
  g_autoptr(GPtrArray) files = NULL;

  g_return_val_if_fail (domain != NULL, NULL);

  files = load_files (dir);
  for (guint i = 0; i < files->len; i++)
    {
      g_autoptr(GPtrArray) domains = file_domains (files->pdata[i]);

      for (guint j = 0; j < domains->len; j++)
        if (g_ascii_strcasecmp (domains->pdata[j], domain) == 0)
          return g_bytes_ref (files->pdata[i]);
    }
  return NULL;
}

GStrv
koi_isp_db_domains (void)
{
  g_autoptr(GPtrArray) files = load_files (NULL);
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < files->len; i++)
    {
      g_autoptr(GPtrArray) domains = file_domains (files->pdata[i]);

      for (guint j = 0; j < domains->len; j++)
        g_ptr_array_add (all, g_strdup (domains->pdata[j]));
    }
  g_ptr_array_sort (all, compare_names);
  g_ptr_array_add (all, NULL);
  return (GStrv) g_ptr_array_steal (all, NULL);
}
