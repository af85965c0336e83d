/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Read receipts through a real Dovecot + Postfix, with the real koi-cli:
 * Bob reads Alice's message → Alice's message is read (and by whom); Bob's
 * second device never sends a second receipt ($MDNSent on the server);
 * with receipts off on either side, none is sent.
 */
#include "config.h"

#include <string.h>

#include "koi-imap-client.h"
#include "koi-test-cli.h"

/* Postfix hands mail to Dovecot's LMTP in well under a second here; a
 * receipt that has not come after this will not come. */
#define QUIET_S 4

static KoiImapClient *
connect_as (KoiTestCli *cli,
            const char *user,
            const char *password)
{
  g_autoptr (KoiServerConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  KoiImapClient *imap;

  config = koi_server_config_new (cli->server->host, cli->server->imaps_port, KOI_SECURITY_TLS,
                                  user, password, cli->server->ca_file);
  imap = koi_imap_client_new (config);
  g_assert_true (koi_imap_client_connect (imap, NULL, &error));
  g_assert_no_error (error);
  return imap;
}

/* How many messages in @user's INBOX match @criteria. */
static guint
count_matching (KoiTestCli *cli,
                const char *user,
                const char *password,
                const char *criteria)
{
  g_autoptr (KoiImapClient) imap = connect_as (cli, user, password);
  g_autoptr (GArray) uids = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (koi_imap_client_select (imap, "INBOX", TRUE, NULL, NULL, &error));
  g_assert_no_error (error);
  uids = koi_imap_client_uid_search (imap, criteria, NULL, &error);
  g_assert_no_error (error);
  koi_imap_client_logout (imap, NULL);
  return uids->len;
}

static guint
alice_receipts (KoiTestCli *cli)
{
  /* Receipts go encrypted once Bob has Alice's key (the Subject outside
   * is then "[...]"); Bob sends Alice nothing else in these tests. */
  return count_matching (cli, "alice@example.org", "alice-secret", "FROM \"bob@example.org\"");
}

/* Waits until Alice has @n receipts (or QUIET_S pass) and returns how many. */
static guint
wait_receipts (KoiTestCli *cli,
               guint       n)
{
  gint64 deadline = g_get_monotonic_time () + QUIET_S * G_USEC_PER_SEC;
  guint count;

  while ((count = alice_receipts (cli)) < n && g_get_monotonic_time () < deadline)
    g_usleep (200 * 1000);
  return count;
}

static void
run_ok (KoiTestCli *cli,
        const char *profile,
        const char *command,
        const char *arg)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autofree char *err = NULL;
  int code = koi_test_cli_run (cli, NULL, NULL, &err, "--profile", dir, command, arg, NULL);

  if (code != 0)
    g_test_message ("koi-cli %s %s: %s", command, arg, err);
  g_assert_cmpint (code, ==, 0);
}

/* Alice in @profile's contacts, so her mail is no contact request there
 * (a request gets no receipt until it is accepted: test-engine-requests.c). */
static void
add_alice_to_contacts (KoiTestCli *cli,
                       const char *profile)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);

  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", dir, "contact", "edit",
                                     "alice@example.org", "--name", "Alice", NULL), ==, 0);
}

static JsonObject *
message_with_id (GPtrArray  *messages,
                 const char *message_id)
{
  for (guint i = 0; i < messages->len; i++)
    {
      JsonObject *object = g_ptr_array_index (messages, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (object, "message_id", NULL),
                     message_id) == 0)
        return object;
    }
  return NULL;
}

static gint64
unread_of (KoiTestCli *cli,
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
        return json_object_get_int_member (chat, "unread");
    }
  return -1;
}

static void
test_read_by_peer_once (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestWatch) alice = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autofree char *id = NULL;
  JsonObject *event;
  JsonObject *message;
  JsonArray *read_by;
  guint from = 0;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob-laptop", "bob@example.org", "bob-secret");
  koi_test_cli_add_account (cli, "bob-desktop", "bob@example.org", "bob-secret");
  alice = koi_test_watch_start (cli, "alice");
  g_assert_nonnull (koi_test_watch_wait (alice, &from, "synced", NULL, NULL, 20));

  /* Bob knows Alice: on the laptop he added her, the desktop learns it. */
  add_alice_to_contacts (cli, "bob-laptop");
  run_ok (cli, "bob-desktop", "sync", NULL);
  id = koi_test_cli_send (cli, "alice", "bob@example.org", "Did you read this?");

  /* Both of Bob's devices have it, unread. */
  run_ok (cli, "bob-desktop", "sync", NULL);
  run_ok (cli, "bob-laptop", "sync", NULL);
  g_assert_cmpint (unread_of (cli, "bob-desktop", "alice@example.org"), ==, 1);
  g_assert_cmpint (unread_of (cli, "bob-laptop", "alice@example.org"), ==, 1);
  g_assert_cmpuint (alice_receipts (cli), ==, 0);
  /* A contact's chat on both devices, so the receipt rules below are what
   * decides, not a pending contact request. */
  {
    g_autofree char *dir = koi_test_cli_profile (cli, "bob-desktop");
    g_autofree char *out = NULL;

    g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", dir, "chats", NULL), ==, 0);
    g_assert_null (strstr (out, "\"request\""));
  }

  /* Bob reads it on his laptop: Alice sees it read, by Bob. */
  run_ok (cli, "bob-laptop", "read", "alice@example.org");
  event = koi_test_watch_wait (alice, &from, "read", "message_id", id, 20);
  g_assert_nonnull (event);
  read_by = json_object_get_array_member (event, "read_by");
  g_assert_cmpuint (json_array_get_length (read_by), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (read_by, 0), ==, "bob@example.org");

  messages = koi_test_cli_messages (cli, "alice", "bob@example.org");
  message = message_with_id (messages, id);
  g_assert_nonnull (message);
  read_by = json_object_get_array_member (message, "read_by");
  g_assert_cmpuint (json_array_get_length (read_by), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (read_by, 0), ==, "bob@example.org");
  /* The receipt is no message in the chat. */
  g_assert_cmpuint (messages->len, ==, 1);

  g_assert_cmpuint (count_matching (cli, "bob@example.org", "bob-secret", "KEYWORD $MDNSent"), ==, 1);

  /* His desktop still shows it unread; reading it there sends nothing:
   * the laptop's $MDNSent says a receipt went out. */
  g_assert_cmpint (unread_of (cli, "bob-desktop", "alice@example.org"), ==, 1);
  run_ok (cli, "bob-desktop", "read", "alice@example.org");
  g_assert_cmpint (unread_of (cli, "bob-desktop", "alice@example.org"), ==, 0);
  g_assert_cmpuint (wait_receipts (cli, 2), ==, 1);
}

static void
test_receipts_off (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  add_alice_to_contacts (cli, "bob");

  /* Bob turned receipts off: he reads, Alice learns nothing. */
  {
    g_autofree char *dir = koi_test_cli_profile (cli, "bob");

    g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", dir, "set",
                                       "read-receipts", "off", NULL), ==, 0);
  }
  first = koi_test_cli_send (cli, "alice", "bob@example.org", "Are you there?");
  run_ok (cli, "bob", "sync", NULL);
  g_assert_cmpint (unread_of (cli, "bob", "alice@example.org"), ==, 1);
  run_ok (cli, "bob", "read", "alice@example.org");
  g_assert_cmpuint (wait_receipts (cli, 1), ==, 0);

  /* Bob turns them on again, Alice turned hers off: her message asks for
   * none, so Bob's Koi sends none either. */
  {
    g_autofree char *bob = koi_test_cli_profile (cli, "bob");
    g_autofree char *alice = koi_test_cli_profile (cli, "alice");

    g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "set",
                                       "read-receipts", "on", NULL), ==, 0);
    g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", alice, "set",
                                       "read-receipts", "off", NULL), ==, 0);
  }
  second = koi_test_cli_send (cli, "alice", "bob@example.org", "Hello?");
  run_ok (cli, "bob", "sync", NULL);
  g_assert_cmpint (unread_of (cli, "bob", "alice@example.org"), ==, 1);
  run_ok (cli, "bob", "read", "alice@example.org");
  g_assert_cmpuint (wait_receipts (cli, 1), ==, 0);
  {
    g_autofree char *with_id = g_strdup_printf ("HEADER Message-ID \"%s\"", second);
    g_autofree char *with_request = g_strdup_printf ("%s HEADER Disposition-Notification-To \"\"", with_id);

    g_assert_cmpuint (count_matching (cli, "bob@example.org", "bob-secret", with_id), ==, 1);
    g_assert_cmpuint (count_matching (cli, "bob@example.org", "bob-secret", with_request), ==, 0);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/receipts/read-by-peer-once", test_read_by_peer_once);
  g_test_add_func ("/engine/receipts/off", test_receipts_off);

  return g_test_run ();
}
