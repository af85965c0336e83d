/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Mail expunged and read on another device while Koi was offline, through
 * a real Dovecot: at the next sync the messages are gone from the chat and
 * the read one counts as read. With QRESYNC (Dovecot offers it) the server
 * says so in its answer to SELECT, and Koi needs no UID SEARCH; with the
 * extension hidden (KOI_IMAP_IGNORE=QRESYNC, as on a server without it)
 * Koi finds the same with one UID SEARCH over the UIDs it knows.
 */
#include "config.h"

#include <string.h>

#include "koi-imap-client.h"
#include "koi-test-cli.h"

#define N_MESSAGES 4

static KoiServerConfig *
imap_config (KoiTestCli *cli)
{
  return koi_server_config_new (cli->server->host, cli->server->imaps_port, KOI_SECURITY_TLS,
                                "bob@example.org", "bob-secret", cli->server->ca_file);
}

/* Bob's other device: expunges the two oldest chat messages and reads the
 * third, in the chat folder where Koi filed them. */
static void
other_device_changes (KoiTestCli *cli)
{
  g_autoptr (KoiServerConfig) config = imap_config (cli);
  g_autoptr (KoiImapClient) phone = koi_imap_client_new (config);
  g_autoptr (GArray) uids = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *gone = NULL;
  g_autofree char *read = NULL;

  g_assert_true (koi_imap_client_connect (phone, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_imap_client_select (phone, "COI/Chats", FALSE, NULL, NULL, &error));
  g_assert_no_error (error);
  uids = koi_imap_client_uid_search (phone, "ALL", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uids->len, ==, N_MESSAGES);

  gone = g_strdup_printf ("%u,%u", g_array_index (uids, guint32, 0), g_array_index (uids, guint32, 1));
  read = g_strdup_printf ("%u", g_array_index (uids, guint32, 2));
  g_assert_true (koi_imap_client_uid_expunge (phone, gone, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_imap_client_uid_store (phone, read, "+FLAGS.SILENT (\\Seen)", NULL, &error));
  g_assert_no_error (error);
  koi_imap_client_logout (phone, NULL);
}

static gint64
unread_of (KoiTestCli *cli,
           const char *peer)
{
  g_autofree char *out = koi_test_cli_run_ok (cli, "bob", "chats", NULL);
  g_autoptr (GPtrArray) chats = koi_test_cli_parse_lines (out);

  for (guint i = 0; i < chats->len; i++)
    {
      JsonObject *chat = g_ptr_array_index (chats, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (chat, "peer", NULL), peer) == 0)
        return json_object_get_int_member (chat, "unread");
    }
  g_assert_not_reached ();
}

/* UID SEARCHes over known UIDs ("UID SEARCH UID 1:4"): the sweep for
 * what was expunged. The search for new mail asks "UID SEARCH UID 5:*". */
static guint
count_sweeps (const char *log)
{
  g_auto (GStrv) lines = g_strsplit (log, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "UID SEARCH UID ") != NULL && !g_str_has_suffix (lines[i], ":*"))
      n++;
  return n;
}

static void
run_offline_changes (gboolean qresync)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (GPtrArray) messages = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *log = NULL;
  char *ids[N_MESSAGES];

  if (!qresync)
    cli->env = g_environ_setenv (cli->env, "KOI_IMAP_IGNORE", "QRESYNC", TRUE);
  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  bob = koi_test_cli_profile (cli, "bob");
  /* Chat mail filed into COI/Chats, where the other device changes it. */
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "set",
                                     "move-chat-mail", "on", NULL), ==, 0);

  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_autofree char *text = g_strdup_printf ("Message %u", i + 1);

      ids[i] = koi_test_cli_send (cli, "alice", "bob@example.org", text);
    }

  /* Bob's desktop reads them in and files them, then goes offline. */
  g_free (koi_test_cli_run_ok (cli, "bob", "sync", NULL));
  messages = koi_test_cli_messages (cli, "bob", "alice@example.org");
  g_assert_cmpuint (messages->len, ==, N_MESSAGES);
  g_clear_pointer (&messages, g_ptr_array_unref);
  g_assert_cmpint (unread_of (cli, "alice@example.org"), ==, N_MESSAGES);

  other_device_changes (cli);

  /* Back online, with every IMAP command it sends in the log. */
  cli->env = g_environ_setenv (cli->env, "G_MESSAGES_DEBUG", "koi-imap-client", TRUE);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, &err, "--profile", bob, "sync", NULL), ==, 0);
  cli->env = g_environ_unsetenv (cli->env, "G_MESSAGES_DEBUG");
  log = g_strconcat (out != NULL ? out : "", err != NULL ? err : "", NULL);

  /* What the user sees: the two messages deleted on the phone are gone
   * from the chat, the one read there is read here. */
  messages = koi_test_cli_messages (cli, "bob", "alice@example.org");
  g_assert_cmpuint (messages->len, ==, 2);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (messages, 0), "message_id"), ==, ids[2]);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (messages, 1), "message_id"), ==, ids[3]);
  g_assert_cmpint (unread_of (cli, "alice@example.org"), ==, 1);

  /* How it was found out. */
  g_test_message ("IMAP log of the sync: %s", log);
  if (qresync)
    {
      g_assert_nonnull (strstr (log, "SELECT \"COI/Chats\" (QRESYNC)"));
      g_assert_cmpuint (count_sweeps (log), ==, 0);
    }
  else
    {
      g_assert_null (strstr (log, "(QRESYNC)"));
      g_assert_cmpuint (count_sweeps (log), >, 0);
    }

  for (guint i = 0; i < N_MESSAGES; i++)
    g_free (ids[i]);
}

static void
test_offline_changes_qresync (void)
{
  run_offline_changes (TRUE);
}

static void
test_offline_changes_fallback (void)
{
  run_offline_changes (FALSE);
}

/* Live: Koi is online (IDLE on INBOX) when the other device expunges one
 * of two chat messages: VANISHED ends the IDLE and the message leaves
 * the chat within seconds, not at the next full sync. */
static void
test_vanished_while_idle (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestWatch) watch = NULL;
  g_autoptr (KoiServerConfig) config = NULL;
  g_autoptr (KoiImapClient) phone = NULL;
  g_autoptr (GArray) uids = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *gone = NULL;
  JsonObject *event;
  guint from = 0;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  first = koi_test_cli_send (cli, "alice", "bob@example.org", "Soon gone");
  second = koi_test_cli_send (cli, "alice", "bob@example.org", "Stays");

  watch = koi_test_watch_start (cli, "bob");
  g_assert_nonnull (koi_test_watch_wait (watch, &from, "synced", NULL, NULL, 20));
  messages = koi_test_cli_messages (cli, "bob", "alice@example.org");
  g_assert_cmpuint (messages->len, ==, 2);
  g_clear_pointer (&messages, g_ptr_array_unref);

  /* Chat mail stays in INBOX (moving is off by default). */
  config = imap_config (cli);
  phone = koi_imap_client_new (config);
  g_assert_true (koi_imap_client_connect (phone, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_imap_client_select (phone, "INBOX", FALSE, NULL, NULL, &error));
  g_assert_no_error (error);
  uids = koi_imap_client_uid_search (phone, "ALL", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uids->len, ==, 2);
  gone = g_strdup_printf ("%u", g_array_index (uids, guint32, 0));
  g_assert_true (koi_imap_client_uid_expunge (phone, gone, NULL, &error));
  g_assert_no_error (error);
  koi_imap_client_logout (phone, NULL);

  event = koi_test_watch_wait (watch, &from, "updated", "message_id", first, 8);
  g_assert_nonnull (event);
  koi_test_watch_stop (g_steal_pointer (&watch));

  messages = koi_test_cli_messages (cli, "bob", "alice@example.org");
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (messages, 0), "message_id"), ==, second);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/qresync/offline-changes", test_offline_changes_qresync);
  g_test_add_func ("/engine/qresync/offline-changes-without-qresync", test_offline_changes_fallback);
  g_test_add_func ("/engine/qresync/vanished-while-idle", test_vanished_while_idle);

  return g_test_run ();
}
