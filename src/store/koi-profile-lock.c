/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-store"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "koi-profile-lock.h"
#include "koi-store-error.h"

struct _KoiProfileLock {
  int fd;
};

/* The holder's process id as it wrote it, or 0. */
static long
read_holder (int fd)
{
  char buffer[32] = { 0, };
  ssize_t got = pread (fd, buffer, sizeof buffer - 1, 0);

  return got > 0 ? strtol (buffer, NULL, 10) : 0;
}

KoiProfileLock *
koi_profile_lock_acquire (const char  *profile_dir,
                          GError     **error)
{
  g_autofree char *path = g_build_filename (profile_dir, "koi.lock", NULL);
  g_autofree char *pid = NULL;
  KoiProfileLock *lock;
  int fd;

  g_return_val_if_fail (profile_dir != NULL, NULL);

  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_OPEN,
                   "Cannot open %s: %s", path, g_strerror (saved));
      return NULL;
    }

  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved = errno;
      long holder = read_holder (fd);

      close (fd);
      if (saved == EWOULDBLOCK)
        {
          if (holder > 0)
            g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_BUSY,
                         "Another Koi (process %ld) is already using the profile folder %s; "
                         "close it first", holder, profile_dir);
          else
            g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_BUSY,
                         "Another Koi is already using the profile folder %s; close it first",
                         profile_dir);
        }
      else
        g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_OPEN,
                     "Cannot lock %s: %s", path, g_strerror (saved));
      return NULL;
    }

  /* Only for the message the next one gets: the lock itself is the flock. */
  pid = g_strdup_printf ("%ld\n", (long) getpid ());
  if (ftruncate (fd, 0) != 0 || pwrite (fd, pid, strlen (pid), 0) < 0)
    g_debug ("Cannot note the process id in %s: %s", path, g_strerror (errno));

  lock = g_new0 (KoiProfileLock, 1);
  lock->fd = fd;
  return lock;
}

void
koi_profile_lock_release (KoiProfileLock *lock)
{
  if (lock == NULL)
    return;
  /* Closing drops the flock; the file stays, empty or not, for the next. */
  close (lock->fd);
  g_free (lock);
}
