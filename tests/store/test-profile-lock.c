/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * One running Koi per profile folder (koi-profile-lock.h): a second
 * process is refused with a message naming the first; once the first lets
 * go (or dies), the next one gets it.
 */
#include "config.h"

#define G_LOG_DOMAIN "test-profile-lock"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "koi-profile-lock.h"
#include "koi-store-error.h"

/* In a child process: 0 when it got the lock, 1 when refused as busy
 * (the message naming @holder), 2 otherwise. */
static int
try_in_child (const char *dir,
              pid_t       holder)
{
  pid_t child = fork ();
  int status = 0;

  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KoiProfileLock) lock = koi_profile_lock_acquire (dir, &error);
      g_autofree char *named = g_strdup_printf ("(process %ld)", (long) holder);

      if (lock != NULL)
        _exit (0);
      _exit (g_error_matches (error, KOI_STORE_ERROR, KOI_STORE_ERROR_BUSY) &&
             strstr (error->message, named) != NULL &&
             strstr (error->message, dir) != NULL ? 1 : 2);
    }
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static void
test_second_process_refused (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("koi-lock-XXXXXX", &error);
  g_autofree char *file = NULL;
  KoiProfileLock *lock;

  g_assert_no_error (error);
  lock = koi_profile_lock_acquire (dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (lock);

  /* Another process is refused, told which process has it. */
  g_assert_cmpint (try_in_child (dir, getpid ()), ==, 1);
  /* So is a second open in this process (a second window's session). */
  {
    g_autoptr (GError) busy = NULL;
    g_autoptr (KoiProfileLock) second = koi_profile_lock_acquire (dir, &busy);

    g_assert_null (second);
    g_assert_error (busy, KOI_STORE_ERROR, KOI_STORE_ERROR_BUSY);
  }

  /* Let go: the next one gets it. */
  koi_profile_lock_release (lock);
  g_assert_cmpint (try_in_child (dir, getpid ()), ==, 0);

  file = g_build_filename (dir, "koi.lock", NULL);
  g_assert_cmpint (g_remove (file), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* A holder killed with SIGKILL leaves no stale lock behind. */
static void
test_dead_holder_frees_it (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("koi-lock-XXXXXX", &error);
  g_autofree char *file = NULL;
  int ready[2];
  char byte;
  pid_t holder;
  int status;

  g_assert_no_error (error);
  g_assert_cmpint (pipe (ready), ==, 0);
  holder = fork ();
  g_assert_cmpint (holder, >=, 0);
  if (holder == 0)
    {
      KoiProfileLock *lock = koi_profile_lock_acquire (dir, NULL);

      (void) !write (ready[1], lock != NULL ? "y" : "n", 1);
      for (;;)
        pause ();
    }
  g_assert_cmpint (read (ready[0], &byte, 1), ==, 1);
  g_assert_cmpint (byte, ==, 'y');
  g_assert_cmpint (try_in_child (dir, holder), ==, 1);

  kill (holder, SIGKILL);
  g_assert_cmpint (waitpid (holder, &status, 0), ==, holder);
  g_assert_cmpint (try_in_child (dir, holder), ==, 0);

  close (ready[0]);
  close (ready[1]);
  file = g_build_filename (dir, "koi.lock", NULL);
  g_assert_cmpint (g_remove (file), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/profile-lock/second-process-refused", test_second_process_refused);
  g_test_add_func ("/store/profile-lock/dead-holder-frees-it", test_dead_holder_frees_it);

  return g_test_run ();
}
