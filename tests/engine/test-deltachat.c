/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Koi beside and against the real Delta Chat core (deltachat-rpc-server from
 * npm, see tests/common/koi-test-deltachat.h), through a real Dovecot +
 * Postfix:
 *
 *  - Koi and Delta Chat on the same account (the desktop and the phone):
 *    every message a third party sends reaches both. Koi used to move chat
 *    mail out of INBOX before Delta Chat fetched it (3 of 10 arrived).
 *  - A Delta Chat user and a Koi user chat with each other in plain mail.
 */
#include "config.h"

#include <string.h>

#include "koi-imap-client.h"
#include "koi-test-cli.h"
#include "koi-test-deltachat.h"

#define N_MESSAGES         10
#define DELIVERY_TIMEOUT_S 60

static const char *
member (JsonObject *object,
        const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

static KoiTestDeltachat *
deltachat_for (KoiTestCli *cli,
               const char *address,
               const char *password,
               const char *bcc_self)
{
  g_autoptr (GError) error = NULL;
  KoiTestDeltachat *dc = koi_test_deltachat_start (&error);

  g_assert_no_error (error);
  koi_test_deltachat_configure (dc, cli->server, address, password, &error,
                                "bcc_self", bcc_self, NULL);
  g_assert_no_error (error);
  return dc;
}

/* How many messages in bob's @mailbox carry @message_id. */
static guint
count_on_server (KoiTestCli *cli,
                 const char *mailbox,
                 const char *message_id)
{
  g_autoptr (KoiServerConfig) config =
    koi_server_config_new (cli->server->host, cli->server->imaps_port, KOI_SECURITY_TLS,
                           "bob@example.org", "bob-secret", cli->server->ca_file);
  g_autoptr (KoiImapClient) client = koi_imap_client_new (config);
  g_autoptr (GArray) uids = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *criteria = g_strdup_printf ("HEADER Message-ID \"%s\"", message_id);

  koi_imap_client_connect (client, NULL, &error);
  g_assert_no_error (error);
  if (!koi_imap_client_select (client, mailbox, TRUE, NULL, NULL, &error))
    return 0;   /* no such folder: nothing was moved there */
  uids = koi_imap_client_uid_search (client, criteria, NULL, &error);
  g_assert_no_error (error);
  koi_imap_client_logout (client, NULL);

  return uids->len;
}

/* Alice (Koi) sends N_MESSAGES to bob; bob's Koi (watching) and bob's Delta
 * Chat must each end with all of them. */
static void
send_ten_and_count (KoiTestCli       *cli,
                    KoiTestDeltachat *bob_dc,
                    KoiTestWatch     *bob_koi)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) dc_got = NULL;
  g_autoptr (GHashTable) dc_texts = g_hash_table_new (g_str_hash, g_str_equal);
  guint koi_count = 0;
  guint dc_count = 0;
  guint from = 0;

  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_autofree char *text = g_strdup_printf ("Nachricht %u von %u", i + 1, N_MESSAGES);

      g_ptr_array_add (ids, koi_test_cli_send (cli, "alice", "bob@example.org", text));
    }

  for (guint i = 0; i < ids->len; i++)
    {
      from = 0;
      if (koi_test_watch_wait (bob_koi, &from, "message", "message_id",
                               g_ptr_array_index (ids, i), DELIVERY_TIMEOUT_S) != NULL)
        koi_count++;
    }

  dc_got = koi_test_deltachat_wait_received (bob_dc, N_MESSAGES, DELIVERY_TIMEOUT_S);
  for (guint i = 0; i < dc_got->len; i++)
    {
      JsonObject *message = g_ptr_array_index (dc_got, i);
      JsonObject *sender = json_object_get_object_member (message, "sender");

      if (sender != NULL && g_strcmp0 (member (sender, "address"), "alice@example.org") == 0 &&
          g_str_has_prefix (member (message, "text") ? member (message, "text") : "", "Nachricht "))
        g_hash_table_add (dc_texts, (gpointer) member (message, "text"));
    }
  dc_count = g_hash_table_size (dc_texts);

  g_test_message ("Koi received %u of %u, Delta Chat %u of %u", koi_count, N_MESSAGES, dc_count,
                  N_MESSAGES);
  g_assert_cmpuint (koi_count, ==, N_MESSAGES);
  g_assert_cmpuint (dc_count, ==, N_MESSAGES);

  /* And nothing was taken out of INBOX. */
  for (guint i = 0; i < ids->len; i++)
    g_assert_cmpuint (count_on_server (cli, "INBOX", g_ptr_array_index (ids, i)), ==, 1);
}

/* Bob runs Koi and Delta Chat on one account and never touched Koi's
 * settings: both see every message. */
static void
test_same_account_default (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestDeltachat) bob_dc = NULL;
  g_autoptr (KoiTestWatch) bob_koi = NULL;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  bob_dc = deltachat_for (cli, "bob@example.org", "bob-secret", "0");
  bob_koi = koi_test_watch_start (cli, "bob");

  send_ten_and_count (cli, bob_dc, bob_koi);
}

/* Bob asked Koi to move chat mail, but his Delta Chat (sending copies to
 * his own mailbox, as it does with a second device) has left its mark:
 * Koi sees it, says so, and leaves chat mail in INBOX. */
static void
test_same_account_detected (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestDeltachat) bob_dc = NULL;
  g_autoptr (KoiTestWatch) bob_koi = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *err = NULL;
  guint sent;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  bob = koi_test_cli_profile (cli, "bob");
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", bob, "set",
                                     "move-chat-mail", "on", NULL), ==, 0);
  g_assert_null (strstr (err, "Delta Chat"));   /* nothing seen yet */
  g_clear_pointer (&err, g_free);

  bob_dc = deltachat_for (cli, "bob@example.org", "bob-secret", "1");
  sent = koi_test_deltachat_send_text (bob_dc, "alice@example.org", "Hallo Alice, vom Telefon", &error);
  g_assert_no_error (error);
  koi_test_deltachat_wait_sent (bob_dc, sent, DELIVERY_TIMEOUT_S, &error);
  g_assert_no_error (error);

  /* Koi's watch syncs at start and on every push; Delta Chat's copy in
   * INBOX is what it recognises (shown as bob's own message to alice). */
  bob_koi = koi_test_watch_start (cli, "bob");
  {
    guint from = 0;
    JsonObject *own = koi_test_watch_wait (bob_koi, &from, "message", "text",
                                           "Hallo Alice, vom Telefon", DELIVERY_TIMEOUT_S);

    g_assert_nonnull (own);
    g_assert_cmpstr (member (own, "direction"), ==, "outgoing");
  }

  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", bob, "set",
                                     "move-chat-mail", "on", NULL), ==, 0);
  g_assert_nonnull (strstr (err, "another chat app (Delta Chat) uses this account"));

  send_ten_and_count (cli, bob_dc, bob_koi);
}

/* Plain mail between a Delta Chat user (alice) and a Koi user (bob). */
static void
test_interop (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestDeltachat) alice_dc = NULL;
  g_autoptr (KoiTestWatch) bob_koi = NULL;
  g_autoptr (GPtrArray) alice_got = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *reply_id = NULL;
  JsonObject *event;
  JsonObject *sender;
  guint from = 0;
  guint sent;

  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  alice_dc = deltachat_for (cli, "alice@example.org", "alice-secret", "0");
  bob_koi = koi_test_watch_start (cli, "bob");

  sent = koi_test_deltachat_send_text (alice_dc, "bob@example.org", "Grüß dich, Bob! 🐟", &error);
  g_assert_no_error (error);
  koi_test_deltachat_wait_sent (alice_dc, sent, DELIVERY_TIMEOUT_S, &error);
  g_assert_no_error (error);

  event = koi_test_watch_wait (bob_koi, &from, "message", "from", "alice@example.org",
                               DELIVERY_TIMEOUT_S);
  g_assert_nonnull (event);
  g_assert_cmpstr (member (event, "text"), ==, "Grüß dich, Bob! 🐟");
  g_assert_cmpstr (member (event, "kind"), ==, "chat");
  g_assert_cmpstr (member (event, "chat"), ==, "alice@example.org");
  g_assert_cmpstr (member (event, "direction"), ==, "incoming");

  reply_id = koi_test_cli_send (cli, "bob", "alice@example.org", "Hallo Alice, angekommen.");
  alice_got = koi_test_deltachat_wait_received (alice_dc, 1, DELIVERY_TIMEOUT_S);
  g_assert_cmpuint (alice_got->len, ==, 1);
  g_assert_cmpstr (member (g_ptr_array_index (alice_got, 0), "text"), ==, "Hallo Alice, angekommen.");
  sender = json_object_get_object_member (g_ptr_array_index (alice_got, 0), "sender");
  g_assert_nonnull (sender);
  g_assert_cmpstr (member (sender, "address"), ==, "bob@example.org");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/deltachat/same-account-default", test_same_account_default);
  g_test_add_func ("/deltachat/same-account-detected", test_same_account_detected);
  g_test_add_func ("/deltachat/interop", test_interop);

  return g_test_run ();
}
