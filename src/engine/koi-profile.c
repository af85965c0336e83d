/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-profile"

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "koi-profile.h"

char *
koi_profile_default_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "koi", NULL);
}

gboolean
koi_profile_ensure (const char  *profile_dir,
                    GError     **error)
{
  g_return_val_if_fail (profile_dir != NULL, FALSE);

  /* 0700: the store holds private conversations. */
  if (g_mkdir_with_parents (profile_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot create the profile folder %s: %s",
                   profile_dir, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

char *
koi_profile_store_path (const char *profile_dir)
{
  return g_build_filename (profile_dir, "koi.db", NULL);
}
