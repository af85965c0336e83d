/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Each IMAP extension Koi uses has a fallback for servers without it.
 * Here the real Dovecot offers them all, and KOI_IMAP_IGNORE hides one at
 * a time from Koi's processes, so each case checks what the user notices
 * on a server without that extension. (QRESYNC and COMPRESS=DEFLATE have
 * their own cases in engine-qresync and engine-compress.)
 */
#include "config.h"

#include <string.h>

#include "koi-imap-client.h"
#include "koi-test-cli.h"

/* The poll of a chat folder without NOTIFY comes every 60 s. */
#define NOTIFY_POLL_BOUND_S 75
/* INBOX without IDLE is polled every 30 s. */
#define IDLE_POLL_BOUND_S 45

/* Koi's processes (not the test's own IMAP client) act as if the server
 * did not offer @names. */
static void
ignore_capabilities (KoiTestCli *cli,
                     const char *names)
{
  cli->env = g_environ_setenv (cli->env, "KOI_IMAP_IGNORE", names, TRUE);
}

static KoiServerConfig *
imap_config (KoiTestCli *cli)
{
  return koi_server_config_new (cli->server->host, cli->server->imaps_port, KOI_SECURITY_TLS,
                                "bob@example.org", "bob-secret", cli->server->ca_file);
}

/* Bob's other device, on the server directly. */
static KoiImapClient *
other_device (KoiTestCli *cli)
{
  g_autoptr (KoiServerConfig) config = imap_config (cli);
  g_autoptr (KoiImapClient) phone = koi_imap_client_new (config);
  g_autoptr (GError) error = NULL;

  g_assert_true (koi_imap_client_connect (phone, NULL, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&phone);
}

static guint
count_in_folder (KoiTestCli *cli,
                 const char *folder)
{
  g_autoptr (KoiImapClient) phone = other_device (cli);
  g_autoptr (GArray) uids = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (koi_imap_client_select (phone, folder, TRUE, NULL, NULL, &error));
  g_assert_no_error (error);
  uids = koi_imap_client_uid_search (phone, "ALL", NULL, &error);
  g_assert_no_error (error);
  koi_imap_client_logout (phone, NULL);
  return uids->len;
}

/* `koi-cli sync` of @profile with every IMAP command in the returned log. */
static char *
sync_logged (KoiTestCli *cli,
             const char *profile)
{
  g_autofree char *path = koi_test_cli_profile (cli, profile);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  char *log;

  cli->env = g_environ_setenv (cli->env, "G_MESSAGES_DEBUG", "koi-imap-client", TRUE);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, &err, "--profile", path, "sync", NULL), ==, 0);
  cli->env = g_environ_unsetenv (cli->env, "G_MESSAGES_DEBUG");
  log = g_strconcat (out != NULL ? out : "", err != NULL ? err : "", NULL);
  g_test_message ("IMAP log of the sync: %s", log);
  return log;
}

static gint64
unread_of (KoiTestCli *cli,
           const char *profile,
           const char *peer)
{
  g_autofree char *out = koi_test_cli_run_ok (cli, profile, "chats", NULL);
  g_autoptr (GPtrArray) chats = koi_test_cli_parse_lines (out);

  for (guint i = 0; i < chats->len; i++)
    {
      JsonObject *chat = g_ptr_array_index (chats, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (chat, "peer", NULL), peer) == 0)
        return json_object_get_int_member (chat, "unread");
    }
  g_assert_not_reached ();
}

static guint
count_message (GPtrArray  *messages,
               const char *message_id)
{
  guint n = 0;

  for (guint i = 0; i < messages->len; i++)
    if (g_strcmp0 (json_object_get_string_member_with_default (g_ptr_array_index (messages, i),
                                                               "message_id", NULL),
                   message_id) == 0)
      n++;
  return n;
}

/* Without IDLE Koi cannot wait on INBOX: a message from Alice still shows
 * in Bob's running Koi, by polling. */
static void
test_no_idle (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestWatch) watch = NULL;
  g_autofree char *id = NULL;
  guint from = 0;

  ignore_capabilities (cli, "IDLE");
  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  watch = koi_test_watch_start (cli, "bob");
  g_assert_nonnull (koi_test_watch_wait (watch, &from, "synced", NULL, NULL, 20));

  id = koi_test_cli_send (cli, "alice", "bob@example.org", "Are you there?");
  g_assert_nonnull (koi_test_watch_wait (watch, &from, "message", "message_id", id,
                                         IDLE_POLL_BOUND_S));
  /* Polled on the one connection: the header never says "Reconnecting". */
  g_assert_cmpuint (koi_test_watch_count (watch, "connection", "state", "reconnecting"), ==, 0);
}

/* Without NOTIFY nothing tells Koi that another device filed a message
 * into the chat folder: it still shows, by the folder's poll. */
static void
test_no_notify (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestWatch) watch = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GError) error = NULL;
  const char *mail =
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.org\r\n"
    "Subject: Chat: Filed by Bob's phone\r\n"
    "Date: Mon, 30 Nov 2026 12:00:00 +0000\r\n"
    "Message-ID: <chat$filed.without.notify@example.org>\r\n"
    "Chat-Version: 1.0\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Filed into the chat folder by Bob's other device.\r\n";
  JsonObject *event;
  guint from = 0;

  ignore_capabilities (cli, "NOTIFY");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  watch = koi_test_watch_start (cli, "bob");
  g_assert_nonnull (koi_test_watch_wait (watch, &from, "synced", NULL, NULL, 20));

  raw = g_bytes_new_static (mail, strlen (mail));
  g_assert_true (koi_test_mailserver_inject (cli->server, "bob@example.org", "COI/Chats", raw, &error));
  g_assert_no_error (error);

  event = koi_test_watch_wait (watch, &from, "message", "message_id",
                               "chat$filed.without.notify@example.org", NOTIFY_POLL_BOUND_S);
  g_assert_nonnull (event);
  g_assert_cmpstr (json_object_get_string_member_with_default (event, "chat", NULL), ==,
                   "alice@example.org");
  g_assert_cmpuint (koi_test_watch_count (watch, "connection", "state", "reconnecting"), ==, 0);
}

/* Without CONDSTORE (and so without QRESYNC) Koi cannot ask for the flags
 * changed since last time: what Bob read on another device still counts
 * as read after a sync. */
static void
test_no_condstore (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiImapClient) phone = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *log = NULL;

  ignore_capabilities (cli, "CONDSTORE QRESYNC");
  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  g_free (koi_test_cli_send (cli, "alice", "bob@example.org", "First"));
  g_free (koi_test_cli_send (cli, "alice", "bob@example.org", "Second"));
  g_ptr_array_unref (koi_test_cli_sync_until (cli, "bob", "alice@example.org", 2));
  g_assert_cmpint (unread_of (cli, "bob", "alice@example.org"), ==, 2);

  /* Read on the phone: chat mail stays in INBOX (moving is off). */
  phone = other_device (cli);
  g_assert_true (koi_imap_client_select (phone, "INBOX", FALSE, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_imap_client_uid_store (phone, "1:*", "+FLAGS.SILENT (\\Seen)", NULL, &error));
  g_assert_no_error (error);
  koi_imap_client_logout (phone, NULL);

  log = sync_logged (cli, "bob");
  g_assert_cmpint (unread_of (cli, "bob", "alice@example.org"), ==, 0);
  /* Found out without the extension. */
  g_assert_null (strstr (log, "CHANGEDSINCE"));
  g_assert_null (strstr (log, "ENABLE CONDSTORE"));
  g_assert_null (strstr (log, "(QRESYNC)"));
}

/* Without UIDPLUS the server does not say which UID a message got when
 * Koi files it: Bob's own sent message (his copy comes back to INBOX) and
 * Alice's answer are each shown once, also after the next syncs. */
static void
test_no_uidplus (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (GPtrArray) messages = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *sent = NULL;
  g_autofree char *answer = NULL;

  ignore_capabilities (cli, "UIDPLUS");
  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  bob = koi_test_cli_profile (cli, "bob");
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "set",
                                     "move-chat-mail", "on", NULL), ==, 0);
  sent = koi_test_cli_send (cli, "bob", "alice@example.org", "Sent once");
  g_ptr_array_unref (koi_test_cli_sync_until (cli, "alice", "bob@example.org", 1));
  answer = koi_test_cli_send (cli, "alice", "bob@example.org", "Answered once");

  g_ptr_array_unref (koi_test_cli_sync_until (cli, "bob", "alice@example.org", 2));
  g_free (koi_test_cli_run_ok (cli, "bob", "sync", NULL));
  g_free (koi_test_cli_run_ok (cli, "bob", "sync", NULL));

  messages = koi_test_cli_messages (cli, "bob", "alice@example.org");
  g_assert_cmpuint (messages->len, ==, 2);
  g_assert_cmpuint (count_message (messages, sent), ==, 1);
  g_assert_cmpuint (count_message (messages, answer), ==, 1);
}

/* Without MOVE, chat mail leaves INBOX for the chat folder by COPY,
 * \Deleted and EXPUNGE: it ends there once and is gone from INBOX. */
static void
test_no_move (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (GPtrArray) messages = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *log = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  ignore_capabilities (cli, "MOVE");
  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  bob = koi_test_cli_profile (cli, "bob");
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "set",
                                     "move-chat-mail", "on", NULL), ==, 0);
  first = koi_test_cli_send (cli, "alice", "bob@example.org", "File me");
  second = koi_test_cli_send (cli, "alice", "bob@example.org", "Me too");
  /* Both delivered before Bob's sync files them. */
  for (guint i = 0; i < 40 && count_in_folder (cli, "INBOX") < 2; i++)
    g_usleep (G_USEC_PER_SEC / 2);
  g_assert_cmpuint (count_in_folder (cli, "INBOX"), ==, 2);

  log = sync_logged (cli, "bob");
  /* The fallback's commands; "UID MOVE" would be refused by a server
   * without MOVE. */
  g_assert_nonnull (strstr (log, "UID STORE"));
  g_assert_nonnull (strstr (log, "EXPUNGE"));

  g_assert_cmpuint (count_in_folder (cli, "INBOX"), ==, 0);
  g_assert_cmpuint (count_in_folder (cli, "COI/Chats"), ==, 2);

  /* The chat shows each once, also after the chat folder's next sync. */
  g_free (koi_test_cli_run_ok (cli, "bob", "sync", NULL));
  messages = koi_test_cli_messages (cli, "bob", "alice@example.org");
  g_assert_cmpuint (messages->len, ==, 2);
  g_assert_cmpuint (count_message (messages, first), ==, 1);
  g_assert_cmpuint (count_message (messages, second), ==, 1);
}

static char *
contact_name (KoiTestCli *cli,
              const char *profile,
              const char *address)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autofree char *out = NULL;
  g_autoptr (GPtrArray) lines = NULL;

  if (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", dir, "contact", "show", address, NULL) != 0)
    return NULL;
  lines = koi_test_cli_parse_lines (out);
  if (lines->len == 0)
    return NULL;
  return g_strdup (json_object_get_string_member_with_default (g_ptr_array_index (lines, 0), "name", NULL));
}

/* Without LITERAL+ each APPEND waits for the server's "+" before sending
 * the mail: Alice's new name (a card APPENDed to the contacts folder)
 * still reaches her other device, and her messages still go out. */
static void
test_no_literal_plus (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (GPtrArray) messages = NULL;
  g_autofree char *id = NULL;
  g_autofree char *name = NULL;
  g_autofree char *alice = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *log = NULL;

  ignore_capabilities (cli, "LITERAL+");
  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");

  alice = koi_test_cli_profile (cli, "alice");
  cli->env = g_environ_setenv (cli->env, "G_MESSAGES_DEBUG", "koi-imap-client", TRUE);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, &err, "--profile", alice, "profile", "set",
                                     "--name", "Alice Liddell", NULL), ==, 0);
  cli->env = g_environ_unsetenv (cli->env, "G_MESSAGES_DEBUG");
  log = g_strconcat (out, err, NULL);
  g_test_message ("IMAP log of profile set: %s", log);
  g_assert_nonnull (strstr (log, "APPEND \"COI/Contacts\""));

  koi_test_cli_add_account (cli, "alice-phone", "alice@example.org", "alice-secret");
  g_free (koi_test_cli_run_ok (cli, "alice-phone", "sync", NULL));
  name = contact_name (cli, "alice-phone", "alice@example.org");
  g_assert_cmpstr (name, ==, "Alice Liddell");

  id = koi_test_cli_send (cli, "alice", "bob@example.org", "Waited for the go-ahead");
  messages = koi_test_cli_sync_until (cli, "bob", "alice@example.org", 1);
  g_assert_cmpuint (count_message (messages, id), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/fallbacks/no-idle", test_no_idle);
  g_test_add_func ("/engine/fallbacks/no-notify", test_no_notify);
  g_test_add_func ("/engine/fallbacks/no-condstore", test_no_condstore);
  g_test_add_func ("/engine/fallbacks/no-uidplus", test_no_uidplus);
  g_test_add_func ("/engine/fallbacks/no-move", test_no_move);
  g_test_add_func ("/engine/fallbacks/no-literal-plus", test_no_literal_plus);

  return g_test_run ();
}
