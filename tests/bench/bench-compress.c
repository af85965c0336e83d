/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-bench-compress"

#include "config.h"

#include <string.h>

#include "bench-mail.h"
#include "bench-util.h"
#include "koi-imap-client.h"
#include "koi-test-cli.h"

/*
 * IMAP COMPRESS=DEFLATE benchmark (meson benchmark, not a test).
 *
 * The same 10,000-message catch-up as bench-catchup, twice: bob's
 * `koi-cli sync` with compression (Dovecot offers it) and carol's with
 * KOI_IMAP_NO_COMPRESS=1, each into a fresh store, each from its own copy
 * of the same chat (alice writing). Figures: wall time, and the bytes
 * that crossed the TLS line against the bytes the parser saw (koi-cli
 * sync's "synced" line reports both).
 *
 * Then the transport alone: alice's copy fetched the way the syncer
 * fetches (headers, then bodies, 250 per round trip) through a bare
 * KoiImapClient, alternating off and on three times; the median of each.
 *
 * KOI_BENCH_MESSAGES=N overrides the number of messages (for a quick try).
 */

#define DEFAULT_MESSAGES 10000
#define FLOOR_ROUNDS     3

#define ALICE "alice@example.org"
#define BOB   "bob@example.org"
#define CAROL "carol@example.org"

/* A chat from alice to @to_address, replies as in bench-catchup. */
static void
generate_mail (const char *folder,
               const char *to_address,
               guint       n_messages)
{
  gsize bytes = koi_bench_mail_chat (folder, to_address, n_messages, 11, KOI_BENCH_CHAT_REPLIES);

  g_print ("generated %u chat messages to %s (%.0f bytes each on average)\n",
           n_messages, to_address, (double) bytes / n_messages);
}

/* The IMAP bytes koi-cli sync's "synced" line reports. */
static gboolean
synced_traffic (const char     *output,
                KoiImapTraffic *traffic)
{
  g_autoptr (GPtrArray) lines = koi_test_cli_parse_lines (output);
  JsonObject *synced;

  if (lines->len == 0)
    g_error ("koi-cli sync printed nothing");
  synced = g_ptr_array_index (lines, lines->len - 1);
  traffic->wire_in = json_object_get_int_member (synced, "imap_wire_in");
  traffic->plain_in = json_object_get_int_member (synced, "imap_plain_in");
  traffic->wire_out = json_object_get_int_member (synced, "imap_wire_out");
  traffic->plain_out = json_object_get_int_member (synced, "imap_plain_out");
  return json_object_get_boolean_member (synced, "imap_compressed");
}

typedef struct
{
  double         wall_s;
  KoiImapTraffic traffic;
} CatchUp;

static CatchUp
catch_up (KoiTestCli *cli,
          const char *profile,
          gboolean    compress,
          guint       n_messages)
{
  g_auto (GStrv) saved_env = g_strdupv (cli->env);
  KoiBenchChild run;
  CatchUp result;
  gint64 received;

  if (!compress)
    cli->env = g_environ_setenv (cli->env, "KOI_IMAP_NO_COMPRESS", "1", TRUE);
  run = koi_bench_run_cli (cli, profile, "sync", NULL);
  g_strfreev (cli->env);
  cli->env = g_steal_pointer (&saved_env);

  if (synced_traffic (run.output, &result.traffic) != compress)
    g_error ("SANITY CHECK FAILED: %s's sync was %scompressed", profile, compress ? "not " : "");
  received = koi_bench_json_received (run.output);
  if (received != n_messages)
    g_error ("SANITY CHECK FAILED: %s's sync received %" G_GINT64_FORMAT " of %u", profile,
             received, n_messages);

  result.wall_s = run.wall_s;
  g_print ("catch-up %-15s %u messages in %.2f s wall (%.2f s user): %.0f messages/s;"
           " IMAP in %.2f MB on the wire for %.2f MB (%.1f:1),"
           " out %.3f MB for %.3f MB\n",
           compress ? "with COMPRESS:" : "without:", n_messages, run.wall_s, run.user_s,
           n_messages / run.wall_s, result.traffic.wire_in / 1e6,
           result.traffic.plain_in / 1e6,
           (double) result.traffic.plain_in / MAX (result.traffic.wire_in, 1),
           result.traffic.wire_out / 1e6, result.traffic.plain_out / 1e6);
  g_free (run.output);
  return result;
}

static gboolean
count_cb (const KoiImapFetchItem  *item,
          gpointer                 user_data,
          GError                 **error)
{
  guint *n = user_data;

  (*n)++;
  return TRUE;
}

/* One pass over alice's INBOX: seconds, traffic into *traffic. */
static double
fetch_pass (KoiTestCli     *cli,
            gboolean        compress,
            KoiImapTraffic *traffic)
{
  g_autoptr (KoiServerConfig) config = NULL;
  g_autoptr (KoiImapClient) imap = NULL;
  g_autoptr (GArray) uids = NULL;
  g_autoptr (GError) error = NULL;
  guint items = 0;
  gint64 start;

  if (compress)
    g_unsetenv ("KOI_IMAP_NO_COMPRESS");
  else
    g_setenv ("KOI_IMAP_NO_COMPRESS", "1", TRUE);

  config = koi_server_config_new (cli->server->host, cli->server->imaps_port, KOI_SECURITY_TLS,
                                  ALICE, "alice-secret", cli->server->ca_file);
  imap = koi_imap_client_new (config);
  start = g_get_monotonic_time ();
  if (!koi_imap_client_connect (imap, NULL, &error) ||
      !koi_imap_client_select (imap, "INBOX", TRUE, NULL, NULL, &error) ||
      (uids = koi_imap_client_uid_search (imap, "ALL", NULL, &error)) == NULL)
    g_error ("Transport pass: %s", error->message);
  if (koi_imap_client_is_compressed (imap) != compress)
    g_error ("Transport pass: compression is %s, not as asked",
             koi_imap_client_is_compressed (imap) ? "on" : "off");

  for (guint i = 0; i < uids->len; i += KOI_BENCH_FLOOR_CHUNK)
    {
      g_autofree char *set = koi_bench_mail_uid_set (uids, i, MIN (KOI_BENCH_FLOOR_CHUNK, uids->len - i));

      if (!koi_imap_client_uid_fetch (imap, set, KOI_BENCH_FLOOR_HEADER_ITEMS, count_cb, &items, NULL,
                                      &error) ||
          !koi_imap_client_uid_fetch (imap, set, KOI_BENCH_FLOOR_BODY_ITEMS, count_cb, &items, NULL,
                                      &error))
        g_error ("Transport pass, FETCH: %s", error->message);
    }
  if (items != 2 * uids->len)
    g_error ("Transport pass fetched %u items for %u messages", items, uids->len);

  koi_imap_client_get_traffic (imap, traffic);
  g_unsetenv ("KOI_IMAP_NO_COMPRESS");
  return (g_get_monotonic_time () - start) / 1e6;
}

static void
bench_transport (KoiTestCli *cli)
{
  double seconds[2][FLOOR_ROUNDS];
  KoiImapTraffic traffic[2];

  for (guint r = 0; r < FLOOR_ROUNDS; r++)
    for (guint on = 0; on < 2; on++)
      seconds[on][r] = fetch_pass (cli, on, &traffic[on]);

  for (guint on = 0; on < 2; on++)
    {
      KoiBenchStats stats;

      koi_bench_stats_compute (seconds[on], FLOOR_ROUNDS, &stats);
      g_print ("transport %-15s header + body FETCH, %u per round trip: median of %u %.2f s"
               " (min %.2f, max %.2f); in %.2f MB on the wire for %.2f MB, out %.1f kB\n",
               on ? "with COMPRESS:" : "without:", KOI_BENCH_FLOOR_CHUNK, FLOOR_ROUNDS, stats.p50,
               stats.min, stats.max, traffic[on].wire_in / 1e6, traffic[on].plain_in / 1e6,
               traffic[on].wire_out / 1e3);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (KoiTestCli) cli = NULL;
  g_autofree char *bob_batch = NULL;
  g_autofree char *carol_batch = NULL;
  guint n_messages = koi_bench_mail_start (DEFAULT_MESSAGES, 1);
  const char *users[] = { ALICE ":alice-secret", BOB ":bob-secret", CAROL ":carol-secret", NULL };
  CatchUp on, off;

  g_unsetenv ("KOI_IMAP_NO_COMPRESS");
  cli = koi_test_cli_new_with_users (users);
  koi_test_cli_add_account (cli, "bob", BOB, "bob-secret");
  koi_test_cli_add_account (cli, "carol", CAROL, "carol-secret");
  /* As bench-catchup: returning users. */
  koi_bench_mail_returning_user (cli, "bob");
  koi_bench_mail_returning_user (cli, "carol");

  bob_batch = koi_bench_mail_batch_dir (cli, "batch-bob");
  carol_batch = koi_bench_mail_batch_dir (cli, "batch-carol");
  generate_mail (bob_batch, BOB, n_messages);
  generate_mail (carol_batch, CAROL, n_messages);
  koi_bench_mail_inject (cli, BOB, bob_batch);
  koi_bench_mail_inject (cli, CAROL, carol_batch);
  koi_bench_mail_inject (cli, ALICE, bob_batch);

  on = catch_up (cli, "bob", TRUE, n_messages);
  off = catch_up (cli, "carol", FALSE, n_messages);
  g_print ("catch-up: COMPRESS takes %.1f%% of the bytes in and %.1f%% of the bytes out;"
           " wall time %.2f s against %.2f s (%+.1f%%)\n",
           100.0 * on.traffic.wire_in / MAX (off.traffic.wire_in, 1),
           100.0 * on.traffic.wire_out / MAX (off.traffic.wire_out, 1),
           on.wall_s, off.wall_s, 100.0 * (on.wall_s - off.wall_s) / off.wall_s);

  bench_transport (cli);
  return 0;
}
