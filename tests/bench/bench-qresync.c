/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-bench-qresync"

#include "config.h"

#include <string.h>

#include "bench-mail.h"
#include "koi-imap-client.h"
#include "koi-test-cli.h"

/*
 * Reconnect benchmark (meson benchmark, not a test): QRESYNC against the
 * fallback without it.
 *
 * Bob's Koi holds a chat folder of 10,000 messages from alice (caught up
 * once). While it is offline another device expunges 100 of them and
 * reads 100 others; then `koi-cli --profile bob sync` runs as a child and
 * is timed. Once with QRESYNC (Dovecot offers it), once more after the
 * next 100 + 100 changes with KOI_IMAP_IGNORE=QRESYNC (Koi then acts as
 * on a server without it: CONDSTORE for the flags and a UID SEARCH over
 * the known UIDs for what was expunged). Bytes read are the server's own
 * count (Dovecot's "Logged out ... out=N" for bob's sessions of that run).
 * Each pass is checked: the chat must have lost exactly the 100 and the
 * unread count must have dropped by 200.
 *
 * KOI_BENCH_MESSAGES=N overrides the folder size (for a quick try).
 */

#define DEFAULT_MESSAGES 10000
#define CHANGES          100

#define ALICE "alice@example.org"
#define BOB   "bob@example.org"

/* The other device: expunges @CHANGES messages and reads @CHANGES others,
 * spread over the folder, starting at the @round-th of each stride. */
static void
change_elsewhere (KoiTestCli *cli,
                  guint       round)
{
  g_autoptr (KoiServerConfig) config =
    koi_server_config_new (cli->server->host, cli->server->imaps_port, KOI_SECURITY_TLS,
                           BOB, "bob-secret", cli->server->ca_file);
  g_autoptr (KoiImapClient) phone = koi_imap_client_new (config);
  g_autoptr (GArray) uids = NULL;
  g_autoptr (GArray) gone = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GArray) read = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GError) error = NULL;
  g_autofree char *gone_set = NULL;
  g_autofree char *read_set = NULL;
  guint stride;

  if (!koi_imap_client_connect (phone, NULL, &error) ||
      !koi_imap_client_select (phone, "COI/Chats", FALSE, NULL, NULL, &error) ||
      (uids = koi_imap_client_uid_search (phone, "UNSEEN", NULL, &error)) == NULL)
    g_error ("The other device failed: %s", error->message);
  stride = uids->len / (2 * CHANGES);
  if (stride < 2)
    g_error ("Too few unread messages left for %u changes", CHANGES);
  for (guint i = 0; i < CHANGES; i++)
    {
      g_array_append_val (gone, g_array_index (uids, guint32, 2 * i * stride + round));
      g_array_append_val (read, g_array_index (uids, guint32, (2 * i + 1) * stride + round));
    }
  {
    GString *a = g_string_new (NULL), *b = g_string_new (NULL);

    for (guint i = 0; i < CHANGES; i++)
      {
        g_string_append_printf (a, "%s%u", i ? "," : "", g_array_index (gone, guint32, i));
        g_string_append_printf (b, "%s%u", i ? "," : "", g_array_index (read, guint32, i));
      }
    gone_set = g_string_free (a, FALSE);
    read_set = g_string_free (b, FALSE);
  }
  if (!koi_imap_client_uid_expunge (phone, gone_set, NULL, &error) ||
      !koi_imap_client_uid_store (phone, read_set, "+FLAGS.SILENT (\\Seen)", NULL, &error))
    g_error ("The other device failed: %s", error->message);
  koi_imap_client_logout (phone, NULL);
}

/* Sum of "out=N" in Dovecot's log lines for bob's IMAP sessions after
 * byte @from (bytes the server sent: what the client read). */
static guint64
server_bytes_out (KoiTestCli *cli,
                  gsize      *from,
                  guint      *sessions)
{
  g_autofree char *path = g_build_filename (cli->server->dir, "logs", "dovecot.log", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  gsize len = 0;
  guint64 total = 0;

  if (!g_file_get_contents (path, &text, &len, NULL))
    g_error ("Could not read %s", path);
  if (*from <= len)
    lines = g_strsplit (text + *from, "\n", -1);
  else
    lines = g_strsplit ("", "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *out = strstr (lines[i], " out=");

      if (strstr (lines[i], "imap(" BOB ")") != NULL && out != NULL)
        {
          total += g_ascii_strtoull (out + 5, NULL, 10);
          if (sessions != NULL)
            (*sessions)++;
        }
    }
  *from = len;
  return total;
}

static gint64
unread (KoiTestCli *cli)
{
  g_autofree char *out = koi_test_cli_run_ok (cli, "bob", "chats", NULL);
  g_autoptr (GPtrArray) chats = koi_test_cli_parse_lines (out);

  for (guint i = 0; i < chats->len; i++)
    {
      JsonObject *chat = g_ptr_array_index (chats, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (chat, "peer", NULL), ALICE) == 0)
        return json_object_get_int_member (chat, "unread");
    }
  return -1;
}

static void
reconnect (KoiTestCli *cli,
           guint       round,
           const char *what)
{
  g_autoptr (GPtrArray) before = koi_test_cli_messages (cli, "bob", ALICE);
  g_autoptr (GPtrArray) after = NULL;
  gint64 unread_before = unread (cli);
  KoiBenchChild run;
  gsize mark = 0;
  guint sessions = 0;
  guint64 bytes;

  change_elsewhere (cli, round);
  /* The other device's logout line (it read a UID SEARCH of the whole
   * folder) must land before the mark, not in Koi's count. */
  g_usleep (1000 * 1000);
  server_bytes_out (cli, &mark, NULL);
  run = koi_bench_run_cli (cli, "bob", "sync", NULL);
  g_free (run.output);
  /* Dovecot writes the logout line as the session ends. */
  g_usleep (1000 * 1000);
  bytes = server_bytes_out (cli, &mark, &sessions);

  after = koi_test_cli_messages (cli, "bob", ALICE);
  g_print ("reconnect %s: %u messages, %u expunged and %u read elsewhere: %.3f s wall"
           " (%.2f s user), %.1f KB read from the server in %u session(s), peak RSS %.1f MB\n",
           what, before->len, CHANGES, CHANGES, run.wall_s, run.user_s, bytes / 1024.0, sessions,
           run.max_rss_mb);
  if (after->len + CHANGES != before->len || unread (cli) != unread_before - 2 * CHANGES)
    g_error ("%s: the chat holds %u messages (expected %u) and %" G_GINT64_FORMAT " unread (expected %"
             G_GINT64_FORMAT ")", what, after->len, before->len - CHANGES, unread (cli),
             unread_before - 2 * CHANGES);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (KoiTestCli) cli = NULL;
  g_autofree char *batch = NULL;
  /* Each pass spreads its changes over the unread messages with a stride
   * of at least two; the second pass finds 2 * CHANGES fewer of them. */
  guint n_messages = koi_bench_mail_start (DEFAULT_MESSAGES, 6 * CHANGES);
  KoiBenchChild first;

  cli = koi_test_cli_new ();
  koi_test_cli_add_account (cli, "bob", BOB, "bob-secret");
  koi_bench_mail_returning_user (cli, "bob");

  batch = koi_bench_mail_batch_dir (cli, "batch");
  /* No replies: the expunges and reads hit plain messages. */
  koi_bench_mail_chat (batch, BOB, n_messages, 14, KOI_BENCH_CHAT_FLAT);
  koi_bench_mail_inject (cli, BOB, batch);
  first = koi_bench_run_cli (cli, "bob", "sync", NULL);
  g_free (first.output);
  g_print ("catch-up of %u messages (setup): %.2f s\n", n_messages, first.wall_s);
  /* A second sync files what the first left and settles the modseq. */
  g_free (koi_bench_run_cli (cli, "bob", "sync", NULL).output);

  reconnect (cli, 0, "with QRESYNC");
  cli->env = g_environ_setenv (cli->env, "KOI_IMAP_IGNORE", "QRESYNC", TRUE);
  reconnect (cli, 1, "without QRESYNC (CONDSTORE + UID SEARCH)");

  return 0;
}
