/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-engine-crash"

/*
 * Failing machines: koi-cli killed with SIGKILL in the middle of a send,
 * then run again, against a real Dovecot + Postfix. What the user must
 * see: the message sent exactly once (counted on the recipient's server),
 * or shown as failed and on no server; never lost, never twice.
 */
#include "config.h"

#include <string.h>

#include "koi-imap-client.h"
#include "koi-test-cli.h"

/* How many messages in bob's INBOX match @criteria. */
static guint
count_at_bob (KoiTestCli *cli,
              const char *criteria)
{
  g_autoptr (KoiServerConfig) config =
    koi_server_config_new (cli->server->host, cli->server->imaps_port, KOI_SECURITY_TLS,
                           "bob@example.org", "bob-secret", cli->server->ca_file);
  g_autoptr (KoiImapClient) client = koi_imap_client_new (config);
  g_autoptr (GArray) uids = NULL;
  g_autoptr (GError) error = NULL;

  koi_imap_client_connect (client, NULL, &error);
  g_assert_no_error (error);
  koi_imap_client_select (client, "INBOX", TRUE, NULL, NULL, &error);
  g_assert_no_error (error);
  uids = koi_imap_client_uid_search (client, criteria, NULL, &error);
  g_assert_no_error (error);
  koi_imap_client_logout (client, NULL);

  return uids->len;
}

static guint
count_id_at_bob (KoiTestCli *cli,
                 const char *message_id)
{
  g_autofree char *criteria = g_strdup_printf ("HEADER Message-ID \"%s\"", message_id);

  return count_at_bob (cli, criteria);
}

/* Alice's message with @text, or NULL (not even queued). */
static JsonObject *
alice_message (KoiTestCli *cli,
               const char *text)
{
  g_autofree char *dir = koi_test_cli_profile (cli, "alice");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GPtrArray) messages = NULL;

  /* Killed before the send made the chat: there is no chat to list. */
  if (koi_test_cli_run (cli, NULL, &out, &err, "--profile", dir, "messages", "bob@example.org",
                        NULL) != 0)
    {
      g_assert_nonnull (strstr (err, "no chat"));
      return NULL;
    }
  messages = koi_test_cli_parse_lines (out);

  for (guint i = 0; i < messages->len; i++)
    {
      JsonObject *message = g_ptr_array_index (messages, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (message, "text", NULL), text) == 0)
        return json_object_ref (message);
    }

  return NULL;
}

static const char *
member (JsonObject *object,
        const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

/* `koi-cli send` with KOI_TEST_KILL_DURING_SEND=@moment: it dies by
 * SIGKILL at that point of the send. */
static void
send_and_die (KoiTestCli *cli,
              const char *moment,
              const char *text)
{
  g_autofree char *dir = koi_test_cli_profile (cli, "alice");
  int status;

  cli->env = g_environ_setenv (cli->env, "KOI_TEST_KILL_DURING_SEND", moment, TRUE);
  status = koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", dir, "send", "bob@example.org",
                             text, NULL);
  cli->env = g_environ_unsetenv (cli->env, "KOI_TEST_KILL_DURING_SEND");
  /* Killed, not exited. */
  g_assert_cmpint (status, ==, -1);
}

static void
sync_alice (KoiTestCli *cli)
{
  g_autofree char *dir = koi_test_cli_profile (cli, "alice");

  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", dir, "sync", NULL), ==, 0);
}

/* Killed after the server took the message, before the store knew: the
 * next run finds the copy to self and marks it sent without sending it
 * again (before the fix: delivered twice). */
static void
test_killed_after_smtp (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (JsonObject) before = NULL;
  g_autoptr (JsonObject) after = NULL;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  send_and_die (cli, "after", "sent just before the crash");
  koi_test_mailserver_wait_for_empty_queue (cli->server);

  before = alice_message (cli, "sent just before the crash");
  g_assert_nonnull (before);
  g_assert_cmpstr (member (before, "state"), ==, "sending");
  g_assert_cmpuint (count_id_at_bob (cli, member (before, "message_id")), ==, 1);

  sync_alice (cli);
  sync_alice (cli);
  koi_test_mailserver_wait_for_empty_queue (cli->server);

  after = alice_message (cli, "sent just before the crash");
  g_assert_cmpstr (member (after, "state"), ==, "sent");
  g_assert_cmpuint (count_id_at_bob (cli, member (after, "message_id")), ==, 1);

  /* Its copy to self is on the server, where `koi-cli source` reads it. */
  {
    g_autofree char *dir = koi_test_cli_profile (cli, "alice");
    g_autofree char *out = NULL;
    g_autofree char *id_line = g_strdup_printf ("<%s>", member (after, "message_id"));

    g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", dir, "source",
                                       member (after, "message_id"), NULL), ==, 0);
    g_assert_nonnull (strstr (out, id_line));
    g_assert_nonnull (strstr (out, "sent just before the crash"));
  }
}

/* Killed before the SMTP transaction: nothing left the machine. The next
 * run does not find it on the server and shows it as failed (Retry sends
 * it), rather than guessing. */
static void
test_killed_before_smtp (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (JsonObject) after = NULL;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  send_and_die (cli, "before", "never left the machine");
  koi_test_mailserver_wait_for_empty_queue (cli->server);

  sync_alice (cli);
  koi_test_mailserver_wait_for_empty_queue (cli->server);

  after = alice_message (cli, "never left the machine");
  g_assert_nonnull (after);
  g_assert_cmpstr (member (after, "state"), ==, "failed");
  g_assert_nonnull (strstr (member (after, "failure_reason"), "stopped while sending"));
  g_assert_cmpuint (count_id_at_bob (cli, member (after, "message_id")), ==, 0);
}

/* kill -9 at random moments of a real send (no hook): whatever the
 * moment, after the next run each message is sent once or failed and
 * nowhere, or was never queued and is nowhere. */
static void
test_killed_at_random (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autofree char *dir = NULL;
  GRand *rand = g_rand_new_with_seed (20261130);
  guint tries = g_test_slow () ? 40 : 8;
  guint sent = 0, failed = 0, unqueued = 0;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  dir = koi_test_cli_profile (cli, "alice");

  for (guint i = 0; i < tries; i++)
    {
      g_autofree char *text = g_strdup_printf ("random kill %u", i);
      g_autofree char *body_criteria = g_strdup_printf ("BODY \"%s\"", text);
      g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                           G_SUBPROCESS_FLAGS_STDERR_SILENCE);
      g_autoptr (GSubprocess) process = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) message = NULL;
      const char *argv[] = { cli->cli, "--profile", dir, "send", "bob@example.org", text, NULL };

      g_subprocess_launcher_set_environ (launcher, cli->env);
      process = g_subprocess_launcher_spawnv (launcher, argv, &error);
      g_assert_no_error (error);
      g_usleep (g_rand_int_range (rand, 0, 400) * 1000);
      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, NULL);

      koi_test_mailserver_wait_for_empty_queue (cli->server);
      sync_alice (cli);
      koi_test_mailserver_wait_for_empty_queue (cli->server);

      message = alice_message (cli, text);
      if (message == NULL)
        {
          unqueued++;
          g_assert_cmpuint (count_at_bob (cli, body_criteria), ==, 0);
        }
      else if (g_strcmp0 (member (message, "state"), "sent") == 0)
        {
          sent++;
          g_assert_cmpuint (count_id_at_bob (cli, member (message, "message_id")), ==, 1);
        }
      else
        {
          failed++;
          g_assert_cmpstr (member (message, "state"), ==, "failed");
          g_assert_cmpuint (count_id_at_bob (cli, member (message, "message_id")), ==, 0);
        }
    }

  g_test_message ("%u tries: %u sent once, %u failed and nowhere, %u never queued", tries, sent,
                  failed, unqueued);
  g_rand_free (rand);
}

/* kill -9 in the middle of a sync, several times: the next sync stores
 * every message exactly once (each batch is one transaction, and the
 * folder's last UID moves only with it). */
static void
test_killed_during_sync (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autofree char *dir = NULL;
  g_autofree char *bob = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  GRand *rand = g_rand_new_with_seed (20261130);
  guint n = 40;
  guint seen[40] = { 0, };

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  dir = koi_test_cli_profile (cli, "alice");
  bob = koi_test_cli_profile (cli, "bob");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("sync kill %02u", i);

      g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "send",
                                         "alice@example.org", text, NULL), ==, 0);
    }
  koi_test_mailserver_wait_for_empty_queue (cli->server);

  for (guint attempt = 0; attempt < 4; attempt++)
    {
      g_autoptr (GSubprocessLauncher) launcher =
        g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
      g_autoptr (GSubprocess) process = NULL;
      g_autoptr (GError) error = NULL;
      const char *argv[] = { cli->cli, "--profile", dir, "sync", NULL };

      g_subprocess_launcher_set_environ (launcher, cli->env);
      process = g_subprocess_launcher_spawnv (launcher, argv, &error);
      g_assert_no_error (error);
      g_usleep (g_rand_int_range (rand, 50, 400) * 1000);
      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, NULL);
    }

  sync_alice (cli);
  messages = koi_test_cli_messages (cli, "alice", "bob@example.org");
  for (guint i = 0; i < messages->len; i++)
    {
      const char *text = member (g_ptr_array_index (messages, i), "text");
      guint64 k = 0;

      if (text != NULL && g_str_has_prefix (text, "sync kill ") &&
          g_ascii_string_to_unsigned (text + 10, 10, 0, n - 1, &k, NULL))
        seen[k]++;
    }
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (seen[i], ==, 1);
  g_rand_free (rand);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/crash/killed-after-smtp", test_killed_after_smtp);
  g_test_add_func ("/engine/crash/killed-before-smtp", test_killed_before_smtp);
  g_test_add_func ("/engine/crash/killed-at-random", test_killed_at_random);
  g_test_add_func ("/engine/crash/killed-during-sync", test_killed_during_sync);

  return g_test_run ();
}
