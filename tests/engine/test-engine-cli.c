/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * End to end: two accounts exchange COI messages through a real Dovecot +
 * Postfix, driven through koi-cli exactly as a user or script would.
 */
#include "config.h"

#include <curl/curl.h>
#include <glib/gstdio.h>
#include <string.h>

#include "koi-account-config.h"
#include "koi-imap-client.h"
#include "koi-secret.h"
#include "koi-smtp.h"
#include "koi-test-cli.h"
#include "koi-test-own-key.h"

#define DELIVERY_TIMEOUT_S 20

static void
move_chat_mail (KoiTestCli *cli,
                const char *profile,
                const char *on_off)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);

  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", dir, "set",
                                     "move-chat-mail", on_off, NULL), ==, 0);
}

/* Moving chat mail to COI/Chats is off by default; most tests here are
 * about a user who chose it, so both accounts turn it on. */
static void
setup_two_accounts (KoiTestCli *cli)
{
  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  move_chat_mail (cli, "alice", "on");
  move_chat_mail (cli, "bob", "on");
}

static const char *
member (JsonObject *object,
        const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

static void
test_message_reaches_watch_and_reply_returns (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestWatch) bob_watch = NULL;
  g_autoptr (KoiTestWatch) alice_watch = NULL;
  g_autofree char *id = NULL;
  g_autofree char *reply_id = NULL;
  JsonObject *event;
  guint bob_from = 0, alice_from = 0;

  setup_two_accounts (cli);
  bob_watch = koi_test_watch_start (cli, "bob");
  alice_watch = koi_test_watch_start (cli, "alice");

  id = koi_test_cli_send (cli, "alice", "bob@example.org", "Grüß dich, Bob! 🐟");

  event = koi_test_watch_wait (bob_watch, &bob_from, "message", "message_id", id, DELIVERY_TIMEOUT_S);
  g_assert_nonnull (event);
  g_assert_cmpstr (member (event, "text"), ==, "Grüß dich, Bob! 🐟");
  g_assert_cmpstr (member (event, "from"), ==, "alice@example.org");
  g_assert_cmpstr (member (event, "chat"), ==, "alice@example.org");
  g_assert_cmpstr (member (event, "kind"), ==, "chat");
  g_assert_cmpstr (member (event, "direction"), ==, "incoming");
  g_assert_cmpint (json_object_get_int_member (event, "received_at_ms"), >, 0);

  reply_id = koi_test_cli_send (cli, "bob", "alice@example.org", "Hi Alice, got it.");
  event = koi_test_watch_wait (alice_watch, &alice_from, "message", "message_id", reply_id,
                               DELIVERY_TIMEOUT_S);
  g_assert_nonnull (event);
  g_assert_cmpstr (member (event, "text"), ==, "Hi Alice, got it.");
  g_assert_cmpstr (member (event, "chat"), ==, "bob@example.org");
  /* A reply in the thread, as mail programs show it. */
  g_assert_cmpstr (member (event, "in_reply_to"), ==, id);

  /* Each arrived exactly once, however many syncs ran meanwhile. */
  g_assert_cmpuint (koi_test_watch_count (bob_watch, "message", "message_id", id), ==, 1);
  g_assert_cmpuint (koi_test_watch_count (alice_watch, "message", "message_id", reply_id), ==, 1);
}

static void
test_watch_resumes_from_cursor (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestWatch) watch = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  g_autofree char *bob = NULL;
  g_autoptr (GPtrArray) history = NULL;
  JsonObject *event;
  gint64 cursor;
  guint from = 0;

  setup_two_accounts (cli);
  watch = koi_test_watch_start (cli, "bob");
  first = koi_test_cli_send (cli, "alice", "bob@example.org", "before the bot went down");
  event = koi_test_watch_wait (watch, &from, "message", "message_id", first, DELIVERY_TIMEOUT_S);
  g_assert_nonnull (event);
  cursor = json_object_get_int_member (event, "cursor");
  g_assert_cmpint (cursor, >, 0);
  g_clear_pointer (&watch, koi_test_watch_stop);

  /* While the bot is down, two messages arrive and are stored by another
   * run (a sync): no watch ever announced them. */
  second = koi_test_cli_send (cli, "alice", "bob@example.org", "while it was down");
  third = koi_test_cli_send (cli, "alice", "bob@example.org", "and another one");
  history = koi_test_cli_sync_until (cli, "bob", "alice@example.org", 3);
  g_assert_cmpuint (history->len, ==, 3);

  /* Resumed from its last cursor, the bot gets exactly what it missed. */
  from = 0;
  watch = koi_test_watch_start_since (cli, "bob", cursor);
  g_assert_nonnull (koi_test_watch_wait (watch, &from, "message", "message_id", second, 1));
  g_assert_nonnull (koi_test_watch_wait (watch, &from, "message", "message_id", third, 1));
  g_assert_cmpuint (koi_test_watch_count (watch, "message", "message_id", first), ==, 0);
  g_assert_cmpuint (koi_test_watch_count (watch, "message", "message_id", second), ==, 1);
  g_assert_cmpuint (koi_test_watch_count (watch, "message", "message_id", third), ==, 1);

  bob = koi_test_cli_profile (cli, "bob");
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "watch", "--since",
                                     "soon", NULL), ==, 2);
}

static void
test_new_device_sees_history (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (GPtrArray) history = NULL;
  g_autofree char *first = NULL, *second = NULL, *third = NULL;

  setup_two_accounts (cli);
  first = koi_test_cli_send (cli, "alice", "bob@example.org", "one");
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile",
                                     koi_test_cli_profile (cli, "bob"), "sync", NULL), ==, 0);
  second = koi_test_cli_send (cli, "bob", "alice@example.org", "two");
  third = koi_test_cli_send (cli, "alice", "bob@example.org", "three");
  /* Bob's first device files everything (its own copies too) into COI/Chats. */
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile",
                                     koi_test_cli_profile (cli, "bob"), "sync", NULL), ==, 0);

  /* A second device of Bob's: a fresh profile, one sync. */
  koi_test_cli_add_account (cli, "bob-laptop", "bob@example.org", "bob-secret");
  move_chat_mail (cli, "bob-laptop", "on");
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile",
                                     koi_test_cli_profile (cli, "bob-laptop"), "sync", NULL), ==, 0);

  /* "one" went out plain (Alice had no key of Bob's yet); Bob's "two"
   * is encrypted (his first device knew Alice's key from "one") to keys
   * this device does not hold: it shows them as such, in place, and makes no key of
   * its own that would split Bob's account (koi_apply_autocrypt_own).
   * The key comes by a setup message (test-engine-keyxfer.c). */
  history = koi_test_cli_messages (cli, "bob-laptop", "alice@example.org");
  g_assert_cmpuint (history->len, ==, 3);
  g_assert_cmpstr (member (g_ptr_array_index (history, 0), "message_id"), ==, first);
  g_assert_cmpstr (member (g_ptr_array_index (history, 0), "direction"), ==, "incoming");
  g_assert_cmpstr (member (g_ptr_array_index (history, 0), "text"), ==, "one");
  g_assert_cmpstr (member (g_ptr_array_index (history, 1), "direction"), ==, "outgoing");
  g_assert_cmpstr (member (g_ptr_array_index (history, 1), "text"), ==,
                   "Encrypted message that this device cannot read");
  /* Alice had not synced Bob's key when she wrote "three": plain. */
  g_assert_cmpstr (member (g_ptr_array_index (history, 2), "message_id"), ==, third);
  g_assert_cmpstr (member (g_ptr_array_index (history, 2), "text"), ==, "three");
  {
    g_autofree char *laptop_key = koi_test_own_key_path (cli, "bob-laptop");
    g_autofree char *bob_key = koi_test_own_key_path (cli, "bob");

    g_assert_null (laptop_key);
    g_assert_nonnull (bob_key);
  }

  /* A second sync changes nothing. */
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile",
                                     koi_test_cli_profile (cli, "bob-laptop"), "sync", NULL), ==, 0);
  g_clear_pointer (&history, g_ptr_array_unref);
  history = koi_test_cli_messages (cli, "bob-laptop", "alice@example.org");
  g_assert_cmpuint (history->len, ==, 3);
}

static KoiServerConfig *
imap_config (KoiTestCli *cli,
             const char *login,
             const char *password)
{
  return koi_server_config_new (cli->server->host, cli->server->imaps_port, KOI_SECURITY_TLS,
                                login, password, cli->server->ca_file);
}

/* How many messages in @mailbox carry @message_id. */
static guint
count_on_server (KoiTestCli *cli,
                 const char *mailbox,
                 const char *message_id)
{
  g_autoptr (KoiServerConfig) config = imap_config (cli, "bob@example.org", "bob-secret");
  g_autoptr (KoiImapClient) client = koi_imap_client_new (config);
  g_autoptr (GArray) uids = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *criteria = g_strdup_printf ("HEADER Message-ID \"%s\"", message_id);

  koi_imap_client_connect (client, NULL, &error);
  g_assert_no_error (error);
  koi_imap_client_select (client, mailbox, TRUE, NULL, NULL, &error);
  g_assert_no_error (error);
  uids = koi_imap_client_uid_search (client, criteria, NULL, &error);
  g_assert_no_error (error);
  koi_imap_client_logout (client, NULL);

  return uids->len;
}

static void
test_ordinary_email_stays_in_inbox (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiServerConfig) smtp = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *chat_id = NULL;
  const char *recipients[] = { "bob@example.org", NULL };
  JsonObject *email;

  setup_two_accounts (cli);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile",
                                     koi_test_cli_profile (cli, "bob"), "sync", NULL), ==, 0);

  /* What Thunderbird would send: no Chat-Version, a quote and a signature. */
  static const char email_text[] =
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.org\r\n"
    "Subject: Lunch on Friday?\r\n"
    "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <plain-1@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=UTF-8\r\n"
    "\r\n"
    "Shall we meet at noon?\r\n"
    "\r\n"
    "On Fri, Bob wrote:\r\n"
    "> Are you free this week?\r\n"
    "\r\n"
    "-- \r\n"
    "Alice\r\n";

  raw = g_bytes_new_static (email_text, strlen (email_text));
  smtp = koi_server_config_new (cli->server->host, cli->server->submission_port, KOI_SECURITY_STARTTLS,
                                "alice@example.org", "alice-secret", cli->server->ca_file);
  g_assert_true (koi_smtp_send (smtp, "alice@example.org", recipients, raw, &results, NULL, &error));
  g_assert_no_error (error);

  messages = koi_test_cli_sync_until (cli, "bob", "alice@example.org", 1);

  g_assert_cmpuint (messages->len, ==, 1);
  email = g_ptr_array_index (messages, 0);
  g_assert_cmpstr (member (email, "kind"), ==, "email");
  g_assert_cmpstr (member (email, "subject"), ==, "Lunch on Friday?");
  g_assert_cmpstr (member (email, "text"), ==, "Shall we meet at noon?");
  g_assert_nonnull (strstr (member (email, "full_text"), "Are you free this week?"));

  /* Ordinary email is never moved. */
  g_assert_cmpuint (count_on_server (cli, "INBOX", "plain-1@example.org"), ==, 1);
  g_assert_cmpuint (count_on_server (cli, "COI/Chats", "plain-1@example.org"), ==, 0);
}

static void
test_imap_outage_during_idle (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestWatch) watch = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *ids[3] = { NULL, };
  guint from = 0;

  setup_two_accounts (cli);
  watch = koi_test_watch_start (cli, "bob");

  koi_test_mailserver_stop_service (cli->server, "imap", &error);
  g_assert_no_error (error);
  g_assert_nonnull (koi_test_watch_wait (watch, &from, "connection", "state", "reconnecting", 30));

  /* Postfix keeps these queued while Dovecot is down. */
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *text = g_strdup_printf ("sent during the outage #%u", i);

      ids[i] = koi_test_cli_send (cli, "alice", "bob@example.org", text);
    }

  koi_test_mailserver_start_service (cli->server, "imap", &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      guint seek = 0;

      g_assert_nonnull (koi_test_watch_wait (watch, &seek, "message", "message_id", ids[i], 60));
    }

  /* Another push round must not bring any of them again. */
  {
    g_autofree char *marker = koi_test_cli_send (cli, "alice", "bob@example.org", "after");
    guint seek = 0;

    g_assert_nonnull (koi_test_watch_wait (watch, &seek, "message", "message_id", marker, 30));
  }
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_cmpuint (koi_test_watch_count (watch, "message", "message_id", ids[i]), ==, 1);
}

static void
test_send_while_smtp_down (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (GPtrArray) bobs = NULL;
  g_autoptr (GPtrArray) alices = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *alice = NULL;
  g_autofree char *err = NULL;
  int status;

  setup_two_accounts (cli);
  alice = koi_test_cli_profile (cli, "alice");

  koi_test_mailserver_stop_service (cli->server, "smtp", &error);
  g_assert_no_error (error);

  status = koi_test_cli_run (cli, NULL, NULL, &err, "--profile", alice, "send", "bob@example.org",
                             "written while the server was away", NULL);
  g_assert_cmpint (status, ==, 4);
  g_assert_nonnull (strstr (err, "queued"));

  alices = koi_test_cli_messages (cli, "alice", "bob@example.org");
  g_assert_cmpuint (alices->len, ==, 1);
  g_assert_cmpstr (member (g_ptr_array_index (alices, 0), "state"), ==, "queued");

  /* A run while still down keeps it queued and does not lose it. */
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", alice, "sync", NULL), ==, 4);

  koi_test_mailserver_start_service (cli->server, "smtp", &error);
  g_assert_no_error (error);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", alice, "sync", NULL), ==, 0);

  g_clear_pointer (&alices, g_ptr_array_unref);
  alices = koi_test_cli_messages (cli, "alice", "bob@example.org");
  g_assert_cmpuint (alices->len, ==, 1);
  g_assert_cmpstr (member (g_ptr_array_index (alices, 0), "state"), ==, "sent");

  g_clear_pointer (&bobs, g_ptr_array_unref);
  bobs = koi_test_cli_sync_until (cli, "bob", "alice@example.org", 1);
  g_assert_cmpuint (bobs->len, ==, 1);
  g_assert_cmpstr (member (g_ptr_array_index (bobs, 0), "text"), ==, "written while the server was away");

  /* Sent once: later syncs of either side send and receive nothing more. */
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", alice, "sync", NULL), ==, 0);
  /* Once Postfix holds nothing, whatever that sync sent is in Bob's INBOX:
   * a barrier, not a guess at delivery time. */
  koi_test_mailserver_wait_for_empty_queue (cli->server);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile",
                                     koi_test_cli_profile (cli, "bob"), "sync", NULL), ==, 0);
  g_clear_pointer (&bobs, g_ptr_array_unref);
  bobs = koi_test_cli_messages (cli, "bob", "alice@example.org");
  g_assert_cmpuint (bobs->len, ==, 1);
  g_assert_cmpuint (count_on_server (cli, "COI/Chats",
                                     member (g_ptr_array_index (alices, 0), "message_id")), ==, 1);
}

/* Dovecot renumbers a folder when its index and UID list are lost: Koi must
 * resync it without duplicating or losing a message. */
static void
test_uidvalidity_change (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (GPtrArray) history = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GDir) dir = NULL;
  const char *name;

  setup_two_accounts (cli);
  bob = koi_test_cli_profile (cli, "bob");
  g_free (koi_test_cli_send (cli, "alice", "bob@example.org", "before one"));
  g_free (koi_test_cli_send (cli, "alice", "bob@example.org", "before two"));
  g_clear_pointer (&history, g_ptr_array_unref);
  history = koi_test_cli_sync_until (cli, "bob", "alice@example.org", 2);
  g_assert_cmpuint (history->len, ==, 2);

  /* Lose the chat folder's UID list and indexes while Dovecot is down. */
  g_usleep (1100 * 1000);   /* UIDVALIDITY is a time in seconds */
  koi_test_mailserver_stop_service (cli->server, "imap", &error);
  g_assert_no_error (error);
  folder = g_build_filename (cli->server->dir, "mail", "example.org", "bob", "Maildir", ".COI.Chats", NULL);
  dir = g_dir_open (folder, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "dovecot"))
      {
        g_autofree char *path = g_build_filename (folder, name, NULL);

        g_assert_cmpint (g_remove (path), ==, 0);
      }
  koi_test_mailserver_start_service (cli->server, "imap", &error);
  g_assert_no_error (error);

  g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, &err, "--profile", bob, "sync", NULL), ==, 0);
  g_assert_nonnull (strstr (err, "UIDVALIDITY changed"));   /* the server really renumbered */
  g_assert_nonnull (strstr (out, "\"received\":0"));
  g_clear_pointer (&history, g_ptr_array_unref);
  history = koi_test_cli_messages (cli, "bob", "alice@example.org");
  g_assert_cmpuint (history->len, ==, 2);

  /* And life goes on: a new message arrives once. */
  g_free (koi_test_cli_send (cli, "alice", "bob@example.org", "after"));
  g_clear_pointer (&history, g_ptr_array_unref);
  history = koi_test_cli_sync_until (cli, "bob", "alice@example.org", 3);
  g_assert_cmpuint (history->len, ==, 3);
  g_assert_cmpstr (member (g_ptr_array_index (history, 2), "text"), ==, "after");
}

/* A recipient the server refuses for good: the message is marked failed
 * with the server's own words, and the sender's copy is not sent twice. */
static void
test_refused_recipient (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (GPtrArray) messages = NULL;
  g_autofree char *alice = NULL;
  g_autofree char *err = NULL;
  g_autofree char *message_id = NULL;
  JsonObject *message;

  setup_two_accounts (cli);
  alice = koi_test_cli_profile (cli, "alice");

  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", alice, "send",
                                     "nobody@example.org", "is anyone there?", NULL), ==, 6);
  g_assert_nonnull (strstr (err, "nobody@example.org"));
  g_assert_nonnull (strstr (err, "Recipient address rejected"));   /* the server's words */

  messages = koi_test_cli_messages (cli, "alice", "nobody@example.org");
  g_assert_cmpuint (messages->len, ==, 1);
  message = g_ptr_array_index (messages, 0);
  g_assert_cmpstr (member (message, "state"), ==, "failed");
  g_assert_nonnull (strstr (member (message, "failure_reason"), "5.1.1"));
  message_id = g_strdup (member (message, "message_id"));

  /* A later run does not try again on its own: failed stays failed. */
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", alice, "sync", NULL), ==, 0);
  g_clear_pointer (&messages, g_ptr_array_unref);
  messages = koi_test_cli_messages (cli, "alice", "nobody@example.org");
  g_assert_cmpstr (member (g_ptr_array_index (messages, 0), "state"), ==, "failed");
  /* Alice's own copy went out exactly once. */
  {
    g_autoptr (KoiServerConfig) config = imap_config (cli, "alice@example.org", "alice-secret");
    g_autoptr (KoiImapClient) client = koi_imap_client_new (config);
    g_autoptr (GArray) uids = NULL;
    g_autoptr (GError) error = NULL;
    g_autofree char *criteria = g_strdup_printf ("HEADER Message-ID \"%s\"", message_id);

    koi_imap_client_connect (client, NULL, &error);
    g_assert_no_error (error);
    koi_imap_client_select (client, "COI/Chats", TRUE, NULL, NULL, &error);
    g_assert_no_error (error);
    uids = koi_imap_client_uid_search (client, criteria, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (uids->len, ==, 1);
  }
}

/* With moving switched off, chat mail stays in INBOX (and is still shown). */
static void
test_move_switched_off (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (GPtrArray) messages = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *id = NULL;

  setup_two_accounts (cli);
  bob = koi_test_cli_profile (cli, "bob");
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "set",
                                     "move-chat-mail", "maybe", NULL), ==, 2);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "set",
                                     "move-chat-mail", "off", NULL), ==, 0);

  id = koi_test_cli_send (cli, "alice", "bob@example.org", "leave me where I am");
  messages = koi_test_cli_sync_until (cli, "bob", "alice@example.org", 1);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_cmpstr (member (g_ptr_array_index (messages, 0), "message_id"), ==, id);
  g_assert_cmpuint (count_on_server (cli, "INBOX", id), ==, 1);
  g_assert_cmpuint (count_on_server (cli, "COI/Chats", id), ==, 0);
}

/* Nobody asked to move: chat mail stays in INBOX, where another chat app
 * on the account (a phone) finds it too. */
static void
test_move_off_by_default (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (GPtrArray) messages = NULL;
  g_autofree char *id = NULL;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");

  id = koi_test_cli_send (cli, "alice", "bob@example.org", "still in the inbox");
  messages = koi_test_cli_sync_until (cli, "bob", "alice@example.org", 1);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_cmpstr (member (g_ptr_array_index (messages, 0), "message_id"), ==, id);
  g_assert_cmpuint (count_on_server (cli, "INBOX", id), ==, 1);
  g_assert_cmpuint (count_on_server (cli, "COI/Chats", id), ==, 0);
}

static void
test_clear_errors (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autofree char *profile = koi_test_cli_profile (cli, "mallory");
  g_autofree char *imap = g_strdup_printf ("%s:%u", cli->server->host, cli->server->imaps_port);
  g_autofree char *smtp = g_strdup_printf ("%s:%u", cli->server->host, cli->server->smtps_port);
  g_autofree char *closed = g_strdup_printf ("%s:%u", cli->server->host, 1);
  g_autofree char *err = NULL;

  /* Wrong password. */
  g_assert_cmpint (koi_test_cli_run (cli, "not-the-password\n", NULL, &err, "--profile", profile,
                                     "account", "add", "--email", "bob@example.org", "--imap", imap,
                                     "--smtp", smtp, "--ca-file", cli->server->ca_file,
                                     "--password-stdin", NULL), ==, 3);
  g_assert_nonnull (strstr (err, "password"));
  g_clear_pointer (&err, g_free);

  /* A self-signed server is not trusted without the user's CA. */
  g_assert_cmpint (koi_test_cli_run (cli, "bob-secret\n", NULL, &err, "--profile", profile,
                                     "account", "add", "--email", "bob@example.org", "--imap", imap,
                                     "--smtp", smtp, "--password-stdin", NULL), ==, 5);
  g_assert_nonnull (strstr (err, "not trusted"));
  g_clear_pointer (&err, g_free);

  /* Nobody listening. */
  g_assert_cmpint (koi_test_cli_run (cli, "bob-secret\n", NULL, &err, "--profile", profile,
                                     "account", "add", "--email", "bob@example.org", "--imap", closed,
                                     "--smtp", smtp, "--ca-file", cli->server->ca_file,
                                     "--password-stdin", NULL), ==, 4);
  g_clear_pointer (&err, g_free);

  /* Bad arguments, and the password is never taken from the command line. */
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", profile, "account", "add",
                                     "--email", "bob@example.org", "--imap", imap, "--smtp", smtp,
                                     NULL), ==, 2);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "frobnicate", NULL), ==, 2);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", profile, "send",
                                     "bob@example.org", "hi", NULL), ==, 7);

  /* Nothing was saved by the failed attempts. */
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", profile, "chats", NULL), ==, 7);
}

/* A second Koi on one profile folder is refused with a message that says
 * which process has it; one-shot commands go on working beside the running
 * one, and once it stops the next one starts. */
static void
test_one_watch_per_profile (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestWatch) watch = NULL;
  g_autoptr (KoiTestWatch) again = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *err = NULL;
  g_autofree char *id = NULL;
  g_autofree char *named = NULL;
  guint from = 0;

  setup_two_accounts (cli);
  dir = koi_test_cli_profile (cli, "bob");
  watch = koi_test_watch_start (cli, "bob");

  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", dir, "watch", NULL), !=, 0);
  named = g_strdup_printf ("Another Koi (process %d) is already using the profile folder %s",
                           (int) g_ascii_strtoll (g_subprocess_get_identifier (watch->process),
                                                  NULL, 10), dir);
  g_assert_nonnull (strstr (err, named));

  /* A send from bob's profile beside its running watch still works, and
   * the watch sees alice's answer. */
  g_free (koi_test_cli_send (cli, "bob", "alice@example.org", "Sent beside the watch"));
  id = koi_test_cli_send (cli, "alice", "bob@example.org", "Seen by the watch");
  g_assert_nonnull (koi_test_watch_wait (watch, &from, "message", "message_id", id, DELIVERY_TIMEOUT_S));

  g_clear_pointer (&watch, koi_test_watch_stop);
  again = koi_test_watch_start (cli, "bob");
  g_assert_nonnull (again);
}

static const char *self_path;

/* The password koi-cli keeps for @address, read as the app's next start
 * would: by a fresh process (this binary in lookup mode), since libsecret's
 * file backend reads its file once per process. */
static char *
stored_password (KoiTestCli *cli,
                 const char *address)
{
  g_autofree char *server = koi_account_config_secret_server (cli->server->host, cli->server->imaps_port);
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;

  g_subprocess_launcher_set_environ (launcher, cli->env);
  process = g_subprocess_launcher_spawn (launcher, &error, self_path, "--lookup-secret", address,
                                         server, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  return g_str_has_prefix (out, "found:") ? g_strdup (out + strlen ("found:")) : NULL;
}

static int
lookup_secret (const char *address,
               const char *server)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *password = koi_secret_lookup_sync (address, server, NULL, &error);

  if (error != NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  printf (password != NULL ? "found:%s" : "none", password);
  return 0;
}

/* `account remove`: one of two accounts in a profile goes with its
 * password; the other keeps working; the server keeps the mail. */
static void
test_account_remove (void)
{
  const char *users[] = { "alice@example.org:alice-secret", "bob@example.org:bob-secret",
                          "carol@example.org:carol-secret", NULL };
  g_autoptr (KoiTestCli) cli = koi_test_cli_new_with_users (users);
  g_autofree char *profile = koi_test_cli_profile (cli, "both");
  g_autofree char *id = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *err = NULL;

  koi_test_cli_add_account (cli, "both", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "both", "bob@example.org", "bob-secret");
  koi_test_cli_add_account (cli, "carol", "carol@example.org", "carol-secret");
  id = koi_test_cli_send (cli, "carol", "bob@example.org", "still on the server afterwards");
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", profile, "--account",
                                     "bob@example.org", "sync", NULL), ==, 0);

  /* Dovecot here announces no COI: nothing to enable, Koi files itself. */
  {
    g_autofree char *out = NULL;
    g_autofree char *why = NULL;

    g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", profile, "--account",
                                       "bob@example.org", "account", "coi", NULL), ==, 0);
    g_assert_nonnull (strstr (out, "\"coi\":\"none\""));
    g_assert_nonnull (strstr (out, "\"chats_folder\":\"COI/Chats\""));
    g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &why, "--profile", profile, "--account",
                                       "bob@example.org", "account", "coi", "enable", NULL), !=, 0);
    g_assert_nonnull (strstr (why, "does not offer COI"));
  }

  before = stored_password (cli, "bob@example.org");
  g_assert_cmpstr (before, ==, "bob-secret");
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", profile, "account", "remove",
                                     "bob@example.org", NULL), ==, 0);
  g_assert_nonnull (strstr (err, "removed bob@example.org"));

  /* No secret left for bob; alice's is untouched and she still works. */
  after = stored_password (cli, "bob@example.org");
  g_assert_null (after);
  kept = stored_password (cli, "alice@example.org");
  g_assert_cmpstr (kept, ==, "alice-secret");
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", profile, "--account",
                                     "bob@example.org", "chats", NULL), ==, 7);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", profile, "--account",
                                     "alice@example.org", "sync", NULL), ==, 0);
  g_assert_cmpuint (count_on_server (cli, "INBOX", id), ==, 1);

  /* An address the profile does not have: exit 7, and it says which it has. */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", profile, "account", "remove",
                                     "bob@example.org", NULL), ==, 7);
  g_assert_nonnull (strstr (err, "alice@example.org"));
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 4 && g_str_equal (argv[1], "--lookup-secret"))
    return lookup_secret (argv[2], argv[3]);
  self_path = argv[0];
  g_test_init (&argc, &argv, NULL);
  curl_global_init (CURL_GLOBAL_DEFAULT);

  g_test_add_func ("/engine/cli/message-and-reply", test_message_reaches_watch_and_reply_returns);
  g_test_add_func ("/engine/cli/new-device-history", test_new_device_sees_history);
  g_test_add_func ("/engine/cli/watch-resumes-from-cursor", test_watch_resumes_from_cursor);
  g_test_add_func ("/engine/cli/email-stays-in-inbox", test_ordinary_email_stays_in_inbox);
  g_test_add_func ("/engine/cli/imap-outage-during-idle", test_imap_outage_during_idle);
  g_test_add_func ("/engine/cli/send-while-smtp-down", test_send_while_smtp_down);
  g_test_add_func ("/engine/cli/uidvalidity-change", test_uidvalidity_change);
  g_test_add_func ("/engine/cli/refused-recipient", test_refused_recipient);
  g_test_add_func ("/engine/cli/move-switched-off", test_move_switched_off);
  g_test_add_func ("/engine/cli/move-off-by-default", test_move_off_by_default);
  g_test_add_func ("/engine/cli/clear-errors", test_clear_errors);
  g_test_add_func ("/engine/cli/one-watch-per-profile", test_one_watch_per_profile);
  g_test_add_func ("/engine/cli/account-remove", test_account_remove);

  return g_test_run ();
}
