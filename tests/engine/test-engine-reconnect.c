/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-engine-reconnect"

#include "config.h"

#include <signal.h>
#include <string.h>

#include "koi-account-config.h"
#include "koi-engine.h"
#include "koi-profile.h"
#include "koi-store.h"
#include "koi-test-cli.h"

/*
 * "Reconnect Now" against a line that went quiet, on the real Dovecot +
 * Postfix: Alice's engine sits in IDLE when the server process serving
 * her connection stops answering (SIGSTOP: the kernel still takes the
 * bytes, nothing comes back, as after a suspend or a network change).
 * Bob writes to her. A sync pass (koi_engine_sync_soon) only asks the
 * quiet line again and would wait out its 60 s timeout: she sees nothing.
 * Reconnect Now gives the line up and logs in anew: Bob's message is
 * there within seconds.
 */

#define ALICE "alice@example.org"
#define BOB   "bob@example.org"

typedef struct {
  guint added;
} Seen;

static void
on_message_added (KoiEngine *engine,
                  gint64     chat_id,
                  gint64     message_id,
                  Seen      *seen)
{
  seen->added++;
}

/* Iterates the main context until @done says so or @seconds pass. */
static gboolean
wait_until (gboolean (*done) (gpointer),
            gpointer  data,
            double    seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!done (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
  return TRUE;
}

static gboolean
is_online (gpointer engine)
{
  return koi_engine_get_connection_state (engine) == KOI_CONNECTION_ONLINE;
}

static gboolean
got_message (gpointer seen)
{
  return ((Seen *) seen)->added > 0;
}

/* The `imap` processes the instance's Dovecot runs now (one a logged-in
 * connection). */
static GArray *
imap_processes (KoiTestCli *cli)
{
  g_autofree char *pid_file = g_build_filename (cli->server->dir, "run", "dovecot", "master.pid", NULL);
  g_autofree char *master_text = NULL;
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (int));
  const char *name;
  int master;

  g_assert_true (g_file_get_contents (pid_file, &master_text, NULL, NULL));
  master = atoi (master_text);
  g_assert_cmpint (master, >, 0);
  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *stat_path = g_build_filename ("/proc", name, "stat", NULL);
      g_autofree char *stat = NULL;
      const char *end;
      int ppid = 0;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (stat_path, &stat, NULL, NULL))
        continue;
      /* "PID (COMM) STATE PPID ...": COMM may hold spaces, so from the
       * last parenthesis. */
      end = strrchr (stat, ')');
      if (end == NULL || !g_str_has_prefix (strchr (stat, '('), "(imap)") ||
          sscanf (end + 1, " %*c %d", &ppid) != 1 || ppid != master)
        continue;
      g_array_append_val (pids, (int) { atoi (name) });
    }
  return pids;
}

static gboolean
contains (GArray *pids,
          int     pid)
{
  for (guint i = 0; i < pids->len; i++)
    if (g_array_index (pids, int, i) == pid)
      return TRUE;
  return FALSE;
}

static void
test_reconnect_now_quiet_line (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiEngine) engine = NULL;
  g_autoptr (KoiAccountConfig) config = NULL;
  g_autoptr (GArray) before = NULL;
  g_autoptr (GArray) after = NULL;
  g_autofree char *alice = NULL;
  g_autofree char *store_path = NULL;
  g_autofree char *sent = NULL;
  Seen seen = { 0, };
  int stopped = 0;
  gint64 asked;

  koi_test_cli_add_account (cli, "alice", ALICE, "alice-secret");
  koi_test_cli_add_account (cli, "bob", BOB, "bob-secret");
  alice = koi_test_cli_profile (cli, "alice");

  /* The engine in this process, as the window runs it, with the password
   * from the same file keyring koi-cli used. */
  koi_test_cli_use_keyring_here (cli);
  store_path = koi_profile_store_path (alice);
  {
    KoiStore *store = koi_store_open (store_path, &error);

    g_assert_no_error (error);
    config = koi_account_config_load_sync (store, 0, NULL, &error);
    g_assert_no_error (error);
    koi_store_close (store);
  }

  before = imap_processes (cli);
  engine = koi_engine_new_from_config (store_path, config);
  g_signal_connect (engine, "message-added", G_CALLBACK (on_message_added), &seen);
  koi_engine_start (engine);
  g_assert_true (wait_until (is_online, engine, 30));
  /* In IDLE by now (ONLINE comes after the first pass). */
  g_usleep (300 * 1000);

  after = imap_processes (cli);
  for (guint i = 0; i < after->len; i++)
    if (!contains (before, g_array_index (after, int, i)))
      {
        g_assert_cmpint (stopped, ==, 0);   /* hers is the only new one */
        stopped = g_array_index (after, int, i);
      }
  g_assert_cmpint (stopped, >, 0);
  g_assert_cmpint (kill (stopped, SIGSTOP), ==, 0);

  sent = koi_test_cli_send (cli, "bob", ALICE, "Are you there?");
  koi_test_mailserver_wait_for_empty_queue (cli->server);

  /* A pass on the same line: the question goes out, no answer comes. */
  koi_engine_sync_soon (engine);
  g_assert_false (wait_until (got_message, &seen, 5));
  g_assert_cmpuint (seen.added, ==, 0);

  /* Reconnect Now: a new login, a new pass, Bob's message. */
  asked = g_get_monotonic_time ();
  koi_engine_reconnect_now (engine);
  g_assert_true (wait_until (got_message, &seen, 10));
  g_test_message ("Bob's message %.2f s after Reconnect Now (the quiet line's timeout is 60 s)",
                  (g_get_monotonic_time () - asked) / (double) G_USEC_PER_SEC);
  g_assert_true (wait_until (is_online, engine, 10));
  g_assert_cmpuint (seen.added, ==, 1);

  /* The stopped process finds its client gone and ends. */
  kill (stopped, SIGCONT);
  koi_engine_stop_and_wait (engine);
  g_signal_handlers_disconnect_by_data (engine, &seen);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/reconnect/now-quiet-line", test_reconnect_now_quiet_line);

  return g_test_run ();
}
