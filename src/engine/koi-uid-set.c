/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-uid-set"

#include "config.h"

#include <string.h>

#include "koi-uid-set.h"

char *
koi_uid_set_from_array (const guint32 *uids,
                        guint          n_uids)
{
  GString *set = g_string_new (NULL);

  for (guint i = 0; i < n_uids; )
    {
      guint j = i;

      while (j + 1 < n_uids && uids[j + 1] == uids[j] + 1)
        j++;

      if (set->len > 0)
        g_string_append_c (set, ',');
      if (j == i)
        g_string_append_printf (set, "%u", uids[i]);
      else
        g_string_append_printf (set, "%u:%u", uids[i], uids[j]);
      i = j + 1;
    }

  return g_string_free (set, FALSE);
}

GArray *
koi_uid_set_expand (const char *set,
                    guint       max_uids)
{
  g_auto (GStrv) ranges = NULL;
  g_autoptr (GArray) uids = NULL;

  if (set == NULL || *set == '\0')
    return NULL;

  ranges = g_strsplit (set, ",", -1);
  uids = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint i = 0; ranges[i] != NULL; i++)
    {
      char *colon = strchr (ranges[i], ':');
      guint64 first, last, low, high;

      if (colon != NULL)
        *colon = '\0';
      if (!g_ascii_string_to_unsigned (ranges[i], 10, 1, G_MAXUINT32, &first, NULL))
        return NULL;
      last = first;
      if (colon != NULL && !g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXUINT32, &last, NULL))
        return NULL;

      low = MIN (first, last);
      high = MAX (first, last);
      /* Counted before a single UID is appended: the size is refused, not
       * reached. */
      if (high - low + 1 > (guint64) max_uids - uids->len)
        return NULL;

      for (guint64 uid = low; uid <= high; uid++)
        {
          guint32 value = (guint32) uid;

          g_array_append_val (uids, value);
        }
    }

  return g_steal_pointer (&uids);
}
