/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-bench-catchup"

#include "config.h"

#include <string.h>

#include "bench-mail.h"
#include "bench-util.h"
#include "koi-imap-client.h"
#include "koi-profile.h"
#include "koi-store.h"
#include "koi-test-cli.h"

/*
 * Catch-up and search benchmark (meson benchmark, not a test).
 *
 * Bob's profile is set up and synced once while his mailbox is empty. Then,
 * as if he had been offline for days, 10,000 chat messages from alice land
 * in his INBOX (built with Koi's own COI builder, written into the Maildir
 * in one go). `koi-cli --profile bob sync` then runs as a child process;
 * the figures are its wall time and its peak RSS (wait4's ru_maxrss).
 *
 * On the resulting 10,000-message store the full-text search is timed
 * through the store API, the way the search view calls it.
 *
 * KOI_BENCH_MESSAGES=N overrides the number of messages (for a quick try).
 * KOI_BENCH_WRAP="perf record -g -o FILE" (or strace, valgrind ...) runs
 * the catch-up sync under that tool, for finding where the time goes; the
 * figures of such a run are the tool's, not Koi's.
 */

#define DEFAULT_MESSAGES 10000
#define SEARCH_RUNS      10
#define SEARCH_PAGE      50

#define TARGET_RATE      1200.0   /* messages/s */
#define TARGET_RSS_MB    40.0
#define TARGET_SEARCH_MS 2.0

#define ALICE "alice@example.org"
#define BOB   "bob@example.org"

/* Bob's 10,000 messages from alice, threaded as in a chat. */
static void
generate_mail (const char *folder,
               guint       n_messages)
{
  gint64 start = g_get_monotonic_time ();
  gsize bytes = koi_bench_mail_chat (folder, BOB, n_messages, 11, KOI_BENCH_CHAT_THREADS);

  g_print ("generated %u chat messages (%.0f bytes each on average) in %.1f s\n",
           n_messages, (double) bytes / n_messages, (g_get_monotonic_time () - start) / 1e6);
}

static void
bench_search (KoiTestCli *cli)
{
  g_autofree char *dir = koi_test_cli_profile (cli, "bob");
  g_autofree char *path = koi_profile_store_path (dir);
  g_autoptr (KoiStore) store = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GError) error = NULL;
  static const struct {
    const char *query;
    const char *what;
    guint       limit;
  } queries[] = {
    { "zeppelin", "rare word, 1 in 100 messages", SEARCH_PAGE },
    { "harbor", "common word", SEARCH_PAGE },
    { "harbor window", "two words", SEARCH_PAGE },
    { "harb", "prefix, as typed", SEARCH_PAGE },
    { "harbor", "common word, every result (no limit)", 0 },
  };
  gint64 account_id;

  store = koi_store_open (path, &error);
  if (store == NULL)
    g_error ("Could not open bob's store: %s", error->message);
  accounts = koi_store_account_list (store, &error);
  if (accounts == NULL || accounts->len != 1)
    g_error ("Bob's store should hold one account");
  account_id = ((KoiStoreAccount *) g_ptr_array_index (accounts, 0))->id;

  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      double samples[SEARCH_RUNS];
      KoiBenchStats stats;
      guint hits = 0;

      for (guint r = 0; r < SEARCH_RUNS; r++)
        {
          g_autoptr (GPtrArray) found = NULL;
          gint64 start = g_get_monotonic_time ();

          found = koi_store_message_search (store, account_id, queries[q].query,
                                            queries[q].limit, &error);
          samples[r] = (g_get_monotonic_time () - start) / 1000.0;
          if (found == NULL)
            g_error ("Search for “%s” failed: %s", queries[q].query, error->message);
          hits = found->len;
        }
      if (hits == 0)
        g_error ("Search for “%s” found nothing: the figures would mean nothing", queries[q].query);

      koi_bench_stats_compute (samples, SEARCH_RUNS, &stats);
      g_print ("search \"%s\" (%s; %u results, limit %u): median of %u %.3f ms, max %.3f ms%s\n",
               queries[q].query, queries[q].what, hits, queries[q].limit, SEARCH_RUNS,
               stats.p50, stats.max,
               queries[q].limit == 0 ? "" :
               stats.p50 < TARGET_SEARCH_MS ? "  [target < 2 ms: met]" : "  [target < 2 ms: MISSED]");
    }
}

/* ------------------------------------------------------------------ */
/* Transport floor: what the same IMAP traffic costs without Koi's work */

/* The syncer's two fetch passes: KOI_BENCH_FLOOR_* in bench-mail.h. */

static gboolean
count_bytes_cb (const KoiImapFetchItem  *item,
                gpointer                 user_data,
                GError                 **error)
{
  gsize *bytes = user_data;

  if (item->body != NULL)
    *bytes += g_bytes_get_size (item->body);
  if (item->header != NULL)
    *bytes += g_bytes_get_size (item->header);
  return TRUE;
}

/* Fetches alice's copy of the batch the way the syncer fetches bob's
 * (headers, then bodies, then MOVE, 250 at a time) but neither parses nor
 * stores anything: the time the server, TLS and the IMAP parser need. */
static void
bench_transport_floor (KoiTestCli *cli)
{
  g_autoptr (KoiServerConfig) config = NULL;
  g_autoptr (KoiImapClient) imap = NULL;
  g_autoptr (GArray) uids = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start, headers_us = 0, bodies_us = 0, moves_us = 0;
  gsize header_bytes = 0, body_bytes = 0;

  config = koi_server_config_new (cli->server->host, cli->server->imaps_port, KOI_SECURITY_TLS,
                                  ALICE, "alice-secret", cli->server->ca_file);
  imap = koi_imap_client_new (config);
  start = g_get_monotonic_time ();
  if (!koi_imap_client_connect (imap, NULL, &error) ||
      !koi_imap_client_create (imap, "COI/Chats", NULL, &error) ||
      !koi_imap_client_select (imap, "INBOX", FALSE, NULL, NULL, &error) ||
      (uids = koi_imap_client_uid_search (imap, "ALL", NULL, &error)) == NULL)
    g_error ("Transport floor: %s", error->message);
  g_print ("transport floor: connect, login, SELECT, UID SEARCH ALL (%u UIDs): %.3f s\n",
           uids->len, (g_get_monotonic_time () - start) / 1e6);

  for (guint i = 0; i < uids->len; i += KOI_BENCH_FLOOR_CHUNK)
    {
      guint n = MIN (KOI_BENCH_FLOOR_CHUNK, uids->len - i);
      g_autofree char *set = koi_bench_mail_uid_set (uids, i, n);

      start = g_get_monotonic_time ();
      if (!koi_imap_client_uid_fetch (imap, set, KOI_BENCH_FLOOR_HEADER_ITEMS, count_bytes_cb, &header_bytes,
                                      NULL, &error))
        g_error ("Transport floor, header FETCH: %s", error->message);
      headers_us += g_get_monotonic_time () - start;

      start = g_get_monotonic_time ();
      if (!koi_imap_client_uid_fetch (imap, set, KOI_BENCH_FLOOR_BODY_ITEMS, count_bytes_cb, &body_bytes,
                                      NULL, &error))
        g_error ("Transport floor, body FETCH: %s", error->message);
      bodies_us += g_get_monotonic_time () - start;

      start = g_get_monotonic_time ();
      if (!koi_imap_client_uid_move (imap, set, "COI/Chats", NULL, &error))
        g_error ("Transport floor, UID MOVE: %s", error->message);
      moves_us += g_get_monotonic_time () - start;
    }

  g_print ("transport floor, %u per round trip: header FETCH %.2f s (%.1f MB), body FETCH %.2f s"
           " (%.1f MB), UID MOVE %.2f s; together %.2f s = %.0f messages/s\n",
           KOI_BENCH_FLOOR_CHUNK, headers_us / 1e6, header_bytes / 1e6, bodies_us / 1e6, body_bytes / 1e6,
           moves_us / 1e6, (headers_us + bodies_us + moves_us) / 1e6,
           uids->len / ((headers_us + bodies_us + moves_us) / 1e6));
  koi_imap_client_logout (imap, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (KoiTestCli) cli = NULL;
  g_autoptr (GPtrArray) history = NULL;
  g_autofree char *batch = NULL;
  guint n_messages = koi_bench_mail_start (DEFAULT_MESSAGES, 1);
  KoiBenchChild first, idle_run;
  gint64 received;
  double rate;

  cli = koi_test_cli_new ();
  koi_test_cli_add_account (cli, "bob", BOB, "bob-secret");
  /* As a user who chose to keep INBOX for email: the moves are part of
   * the catch-up (and of the transport floor it is compared with). */
  koi_bench_mail_returning_user (cli, "bob");

  batch = koi_bench_mail_batch_dir (cli, "batch");
  generate_mail (batch, n_messages);
  koi_bench_mail_inject (cli, BOB, batch);
  /* The same mail for alice, untouched by Koi: the transport floor below
   * reads it as fresh as bob's was. */
  koi_bench_mail_inject (cli, ALICE, batch);

  first = koi_bench_run_cli (cli, "bob", "sync", g_getenv ("KOI_BENCH_WRAP"));
  received = koi_bench_json_received (first.output);
  rate = n_messages / first.wall_s;
  g_print ("catch-up: %u messages in %.2f s wall (%.2f s user, %.2f s sys): %.0f messages/s"
           "  [target >= %.0f: %s]\n",
           n_messages, first.wall_s, first.user_s, first.sys_s, rate, TARGET_RATE,
           rate >= TARGET_RATE ? "met" : "MISSED");
  g_print ("catch-up: peak RSS of koi-cli sync %.1f MB  [target <= %.0f MB: %s]\n",
           first.max_rss_mb, TARGET_RSS_MB, first.max_rss_mb <= TARGET_RSS_MB ? "met" : "MISSED");

  /* What any sync costs with nothing to fetch: start, keyring, TLS, login. */
  idle_run = koi_bench_run_cli (cli, "bob", "sync", NULL);
  g_print ("sync with nothing new: %.3f s wall, peak RSS %.1f MB\n",
           idle_run.wall_s, idle_run.max_rss_mb);

  /* Sanity check, not a test: the figures only count if everything arrived. */
  history = koi_test_cli_messages (cli, "bob", ALICE);
  g_print ("bob's chat with alice holds %u messages (sync reported %" G_GINT64_FORMAT " received)\n",
           history->len, received);
  if (history->len != n_messages || received != n_messages)
    {
      g_printerr ("SANITY CHECK FAILED: expected %u messages\n", n_messages);
      return 1;
    }
  g_clear_pointer (&history, g_ptr_array_unref);

  bench_search (cli);
  bench_transport_floor (cli);

  g_free (first.output);
  g_free (idle_run.output);
  return 0;
}
