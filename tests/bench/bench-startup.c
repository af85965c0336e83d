/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-startup"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "koi-profile.h"
#include "koi-store.h"

/*
 * Start-up benchmark (meson benchmark, not a test): how long `koi --profile
 * DIR` takes from the spawn to its first frame, and to the first frame that
 * shows the chat list, when DIR holds one chat of 100,000 messages.
 * "Start-up reads only what the first screen shows": the figure should not
 * grow with the history.
 *
 * Koi prints the monotonic clock at those frames and quits when run with
 * KOI_DEBUG_EXIT_AFTER_FIRST_FRAME=1 (src/ui/koi-window.c). Needs a display:
 * `xvfb-run -a meson test -C BUILD --benchmark bench-startup`.
 *
 * The profile's account has no password in the keyring (an empty file
 * keyring of its own): the window then shows the chats with a note, and no
 * engine connects anywhere, so only start-up is measured.
 */

#define N_MESSAGES 100000
#define BATCH      5000
#define RUNS       3

static void
fill_profile (const char *profile_dir,
              guint       n_messages)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiStore) store = NULL;
  g_autofree char *path = koi_profile_store_path (profile_dir);
  KoiStoreAccount account = {
    .address = (char *) "alice@example.org", .display_name = (char *) "Alice",
    .imap_host = (char *) "127.0.0.1", .imap_port = 1, .imap_security = (char *) "tls",
    .imap_login = (char *) "alice@example.org",
    .smtp_host = (char *) "127.0.0.1", .smtp_port = 1, .smtp_security = (char *) "tls",
    .smtp_login = (char *) "alice@example.org",
  };
  gint64 account_id, chat_id;
  gint64 start = g_get_real_time () / 1000 - (gint64) n_messages * 60 * 1000;
  gint64 t0 = g_get_monotonic_time ();

  if (!koi_profile_ensure (profile_dir, &error))
    g_error ("Cannot create the profile %s: %s", profile_dir, error->message);
  store = koi_store_open (path, &error);
  if (store == NULL)
    g_error ("Cannot open %s: %s", path, error->message);

  account_id = koi_store_account_upsert (store, &account, &error);
  g_assert_no_error (error);
  chat_id = koi_store_chat_ensure_1to1 (store, account_id, "bob@example.org", "Bob", &error);
  g_assert_no_error (error);
  /* A few more chats, as a real list has. */
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *peer = g_strdup_printf ("friend%u@example.org", i);

      koi_store_chat_ensure_1to1 (store, account_id, peer, NULL, &error);
      g_assert_no_error (error);
    }

  for (guint i = 0; i < n_messages; i++)
    {
      g_autofree char *mid = g_strdup_printf ("chat$bench-%u@example.org", i);
      g_autofree char *text = g_strdup_printf ("message %u of a long history", i);
      gint64 when = start + (gint64) i * 60 * 1000;
      gboolean mine = i % 3 == 0;
      KoiStoreMessage message = {
        .account_id = account_id, .chat_id = chat_id, .message_id = mid,
        .direction = mine ? KOI_STORE_DIRECTION_OUTGOING : KOI_STORE_DIRECTION_INCOMING,
        .state = mine ? KOI_STORE_STATE_SENT : KOI_STORE_STATE_RECEIVED,
        .kind = KOI_STORE_KIND_CHAT,
        .from_address = (char *) (mine ? "alice@example.org" : "bob@example.org"),
        .text = text, .sent_at_ms = when, .received_at_ms = when, .sort_ms = when, .seen = TRUE,
      };

      if (i % BATCH == 0 && !koi_store_begin (store, &error))
        g_error ("Cannot begin: %s", error->message);
      koi_store_message_insert (store, &message, NULL, &error);
      g_assert_no_error (error);
      if ((i + 1) % BATCH == 0 || i + 1 == n_messages)
        if (!koi_store_commit (store, &error))
          g_error ("Cannot commit: %s", error->message);
    }

  g_print ("filled %s: %u messages in one chat in %.1f s\n", path, n_messages,
           (g_get_monotonic_time () - t0) / 1e6);
}

/* The value after @key in Koi's output ("koi-debug: KEY N us ..."), or -1. */
static gint64
read_stamp (const char *output,
            const char *key)
{
  g_autofree char *needle = g_strdup_printf ("koi-debug: %s ", key);
  const char *at = strstr (output, needle);

  return at != NULL ? g_ascii_strtoll (at + strlen (needle), NULL, 10) : -1;
}

static gboolean
run_once (const char *koi,
          const char *profile_dir,
          const char *keyring,
          double     *first_ms,
          double     *chats_ms)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  gint64 spawned, first, chats;

  g_subprocess_launcher_setenv (launcher, "KOI_DEBUG_EXIT_AFTER_FIRST_FRAME", "1", TRUE);
  /* Its own empty keyring: never the user's, and no password to find. */
  g_subprocess_launcher_setenv (launcher, "SECRET_BACKEND", "file", TRUE);
  g_subprocess_launcher_setenv (launcher, "SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_subprocess_launcher_setenv (launcher, "SECRET_FILE_TEST_PASSWORD", "bench", TRUE);
  /* No session bus: nothing to autolaunch, nothing that outlives the run. */
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", "disabled:", TRUE);

  spawned = g_get_monotonic_time ();
  process = g_subprocess_launcher_spawn (launcher, &error, koi, "--profile", profile_dir, NULL);
  if (process == NULL)
    {
      g_printerr ("Cannot start %s: %s\n", koi, error->message);
      return FALSE;
    }
  if (!g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error))
    {
      g_printerr ("Cannot read Koi's output: %s\n", error->message);
      return FALSE;
    }

  first = read_stamp (out, "first-frame");
  chats = read_stamp (out, "chats-frame");
  if (first < 0 || chats < 0 || !g_subprocess_get_successful (process))
    {
      g_printerr ("Koi did not report its frames (exit %d). Output:\n%s\n",
                  g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1,
                  out);
      return FALSE;
    }

  *first_ms = (first - spawned) / 1000.0;
  *chats_ms = (chats - spawned) / 1000.0;
  return TRUE;
}

static void remove_profile (const char *dir);

/* RUNS start-ups of a profile with @n_messages in its big chat; FALSE if
 * Koi did not report its frames. */
static gboolean
measure (const char *koi,
         guint       n_messages)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("koi-bench-startup-XXXXXX", &error);
  g_autofree char *keyring = NULL;
  double total_first = 0, total_chats = 0;
  gboolean ok = TRUE;

  g_assert_no_error (error);
  keyring = g_build_filename (dir, "keyring", NULL);
  fill_profile (dir, n_messages);

  for (guint run = 1; run <= RUNS && ok; run++)
    {
      double first_ms, chats_ms;

      ok = run_once (koi, dir, keyring, &first_ms, &chats_ms);
      if (!ok)
        break;
      g_print ("  run %u: first frame %.0f ms, chat list shown %.0f ms after the spawn\n",
               run, first_ms, chats_ms);
      total_first += first_ms;
      total_chats += chats_ms;
    }

  if (ok)
    g_print ("start-up with %u messages in one chat (mean of %u): first frame %.0f ms, "
             "chat list %.0f ms\n", n_messages, RUNS, total_first / RUNS, total_chats / RUNS);

  remove_profile (dir);
  return ok;
}

static void
remove_profile (const char *dir)
{
  const char *names[] = { "koi.db", "koi.db-wal", "koi.db-shm", "keyring" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *koi = NULL;
  const char *build_root = g_getenv ("KOI_BUILD_ROOT");

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_printerr ("bench-startup needs a display: run it under Xvfb, for example "
                  "`xvfb-run -a meson test -C BUILDDIR --benchmark bench-startup`.\n");
      return EXIT_FAILURE;
    }
  if (build_root == NULL)
    {
      g_printerr ("KOI_BUILD_ROOT is not set: run it through `meson test --benchmark`.\n");
      return EXIT_FAILURE;
    }
  koi = g_build_filename (build_root, "src", "koi", NULL);

  /* A short history first: the floor (GTK, theme, store open) to compare
   * the long one with. The first run of each warms the caches. */
  if (!measure (koi, 100) || !measure (koi, N_MESSAGES))
    return EXIT_FAILURE;
  return EXIT_SUCCESS;
}
