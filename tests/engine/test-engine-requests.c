/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Contact requests through a real Dovecot + Postfix, with the real koi-cli:
 * a stranger's first chat message is a request and gets no read receipt
 * until it is accepted; accepting it writes the sender's card, so Alice's second device lets the
 * chat in too; her own answer accepts a chat as well; a contact's first
 * message is no request; ordinary email from a stranger is a request that
 * holds only email; deleting a request hides it until the sender writes
 * again; blocking hides it and everything the sender sends after.
 */
#include "config.h"

#include <string.h>

#include "koi-imap-client.h"
#include "koi-test-cli.h"
#include "koi-test-mailserver.h"

#define ALICE "alice@example.org"
#define BOB   "bob@example.org"
#define CAROL "carol@example.org"
#define DAVE  "dave@example.org"
#define ERIN  "erin@example.org"

/* A receipt that has not come after this will not come (Postfix hands
 * mail to Dovecot's LMTP in well under a second here). */
#define QUIET_S 4

static void
run_ok (KoiTestCli *cli,
        const char *profile,
        ...) G_GNUC_NULL_TERMINATED;

static void
run_ok (KoiTestCli *cli,
        const char *profile,
        ...)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;
  const char *arg;
  va_list args;
  int code;

  g_ptr_array_add (argv, g_strdup (cli->cli));
  g_ptr_array_add (argv, g_strdup ("--profile"));
  g_ptr_array_add (argv, g_strdup (dir));
  va_start (args, profile);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  {
    g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                          G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_autoptr (GSubprocess) process = NULL;
    g_autoptr (GError) error = NULL;

    g_subprocess_launcher_set_environ (launcher, cli->env);
    process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
    g_assert_no_error (error);
    g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
    g_assert_no_error (error);
    code = g_subprocess_get_exit_status (process);
  }
  if (code != 0)
    g_test_message ("koi-cli %s: %s", (char *) argv->pdata[3], err);
  g_assert_cmpint (code, ==, 0);
}

/* @profile's chat with @peer as `chats` prints it, or NULL. */
static JsonObject *
chat_with (KoiTestCli *cli,
           const char *profile,
           const char *peer)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autofree char *out = NULL;
  g_autoptr (GPtrArray) chats = NULL;

  g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", dir, "chats", NULL), ==, 0);
  chats = koi_test_cli_parse_lines (out);
  for (guint i = 0; i < chats->len; i++)
    {
      JsonObject *chat = g_ptr_array_index (chats, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (chat, "peer", NULL), peer) == 0)
        return json_object_ref (chat);
    }
  return NULL;
}

/* "request", "dismissed", "" (accepted), or NULL without such a chat. */
static char *
request_state (KoiTestCli *cli,
               const char *profile,
               const char *peer)
{
  g_autoptr (JsonObject) chat = chat_with (cli, profile, peer);

  if (chat == NULL)
    return NULL;
  return g_strdup (json_object_get_string_member_with_default (chat, "request", ""));
}

static guint
receipts_in_inbox (KoiTestCli *cli,
                   const char *user,
                   const char *password)
{
  g_autoptr (KoiServerConfig) config = NULL;
  g_autoptr (KoiImapClient) imap = NULL;
  g_autoptr (GArray) uids = NULL;
  g_autoptr (GError) error = NULL;

  config = koi_server_config_new (cli->server->host, cli->server->imaps_port, KOI_SECURITY_TLS,
                                  user, password, cli->server->ca_file);
  imap = koi_imap_client_new (config);
  g_assert_true (koi_imap_client_connect (imap, NULL, &error));
  g_assert_true (koi_imap_client_select (imap, "INBOX", TRUE, NULL, NULL, &error));
  /* A receipt goes encrypted when the reader has the sender's key (its
   * Subject outside is then "[...]"); nothing else encrypted reaches
   * @user's INBOX in this test. */
  uids = koi_imap_client_uid_search (imap, "OR SUBJECT \"Chat: Read receipt\" "
                                     "HEADER Content-Type \"multipart/encrypted\"", NULL, &error);
  g_assert_no_error (error);
  koi_imap_client_logout (imap, NULL);
  return uids->len;
}

/* Ordinary email, as Thunderbird would write it: no Chat-Version. */
static void
inject_email (KoiTestCli *cli,
              const char *from,
              const char *to,
              const char *unique,
              const char *text)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%a, %d %b %Y %H:%M:%S %z");
  g_autofree char *raw = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;

  raw = g_strdup_printf ("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nDate: %s\r\n"
                         "Message-ID: <%s@example.org>\r\nMIME-Version: 1.0\r\n"
                         "Content-Type: text/plain; charset=UTF-8\r\n\r\n%s\r\n",
                         from, to, text, date, unique, text);
  bytes = g_bytes_new_take (raw, strlen (raw));
  raw = NULL;
  koi_test_mailserver_inject (cli->server, to, NULL, bytes, &error);
  g_assert_no_error (error);
}

static void
test_requests (void)
{
  static const char * const users[] = {
    ALICE ":alice-secret", BOB ":bob-secret", CAROL ":carol-secret",
    DAVE ":dave-secret", ERIN ":erin-secret", NULL
  };
  g_autoptr (KoiTestCli) cli = koi_test_cli_new_with_users (users);
  char *state;

  koi_test_cli_add_account (cli, "alice", ALICE, "alice-secret");
  koi_test_cli_add_account (cli, "alice2", ALICE, "alice-secret");
  koi_test_cli_add_account (cli, "bob", BOB, "bob-secret");
  koi_test_cli_add_account (cli, "dave", DAVE, "dave-secret");
  koi_test_cli_add_account (cli, "erin", ERIN, "erin-secret");

  /* Bob, a stranger, writes first: a request on both of Alice's devices. */
  g_free (koi_test_cli_send (cli, "bob", ALICE, "Hello, we met at the conference"));
  run_ok (cli, "alice", "sync", NULL);
  run_ok (cli, "alice2", "sync", NULL);
  state = request_state (cli, "alice", BOB);
  g_assert_cmpstr (state, ==, "request");
  g_free (state);

  /* Read at the terminal: the stranger learns nothing. */
  run_ok (cli, "alice", "read", BOB, NULL);
  g_usleep (QUIET_S * G_USEC_PER_SEC);
  g_assert_cmpuint (receipts_in_inbox (cli, BOB, "bob-secret"), ==, 0);

  /* Accepted on the first device: the card reaches the second one. */
  run_ok (cli, "alice", "request", "accept", BOB, NULL);
  state = request_state (cli, "alice", BOB);
  g_assert_cmpstr (state, ==, "");
  g_free (state);
  run_ok (cli, "alice2", "sync", NULL);
  state = request_state (cli, "alice2", BOB);
  g_assert_cmpstr (state, ==, "");
  g_free (state);

  /* Accepted after reading: now Bob may learn it. */
  {
    gint64 deadline = g_get_monotonic_time () + QUIET_S * G_USEC_PER_SEC;

    while (receipts_in_inbox (cli, BOB, "bob-secret") == 0 && g_get_monotonic_time () < deadline)
      g_usleep (200 * 1000);
  }
  g_assert_cmpuint (receipts_in_inbox (cli, BOB, "bob-secret"), ==, 1);

  /* Erin is a contact before she writes: no request. */
  run_ok (cli, "alice", "contact", "edit", ERIN, "--name", "Erin", NULL);
  g_free (koi_test_cli_send (cli, "erin", ALICE, "Hi Alice, Erin here"));
  run_ok (cli, "alice", "sync", NULL);
  state = request_state (cli, "alice", ERIN);
  g_assert_cmpstr (state, ==, "");
  g_free (state);

  /* Ordinary email from a stranger: a request that holds only email. */
  inject_email (cli, CAROL, ALICE, "carol-1", "Invoice for November");
  run_ok (cli, "alice", "sync", NULL);
  {
    g_autoptr (JsonObject) chat = chat_with (cli, "alice", CAROL);

    g_assert_nonnull (chat);
    g_assert_cmpstr (json_object_get_string_member_with_default (chat, "request", ""), ==, "request");
    g_assert_true (json_object_get_boolean_member_with_default (chat, "email_only", FALSE));
  }
  /* Deleted: hidden until Carol writes again, then asked again. */
  run_ok (cli, "alice", "request", "delete", CAROL, NULL);
  state = request_state (cli, "alice", CAROL);
  g_assert_cmpstr (state, ==, "dismissed");
  g_free (state);
  inject_email (cli, CAROL, ALICE, "carol-2", "Reminder: invoice for November");
  run_ok (cli, "alice", "sync", NULL);
  state = request_state (cli, "alice", CAROL);
  g_assert_cmpstr (state, ==, "request");
  g_free (state);

  /* Alice's own answer lets a chat in, as accepting does. */
  run_ok (cli, "alice", "send", CAROL, "Paid yesterday", NULL);
  state = request_state (cli, "alice", CAROL);
  g_assert_cmpstr (state, ==, "");
  g_free (state);

  /* Dave is blocked from his request: his next message shows nowhere. */
  g_free (koi_test_cli_send (cli, "dave", ALICE, "Buy cheap watches"));
  run_ok (cli, "alice", "sync", NULL);
  run_ok (cli, "alice", "request", "block", DAVE, NULL);
  state = request_state (cli, "alice", DAVE);
  g_assert_cmpstr (state, ==, "dismissed");
  g_free (state);
  g_free (koi_test_cli_send (cli, "dave", ALICE, "Really cheap watches"));
  run_ok (cli, "alice", "sync", NULL);
  {
    g_autoptr (JsonObject) chat = chat_with (cli, "alice", DAVE);

    g_assert_cmpstr (json_object_get_string_member_with_default (chat, "request", ""), ==, "dismissed");
    g_assert_cmpint (json_object_get_int_member (chat, "unread"), ==, 1);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/requests/stranger-contact-email-block", test_requests);
  return g_test_run ();
}
