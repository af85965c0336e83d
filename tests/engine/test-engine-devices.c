/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * One user, two devices (two koi-cli profiles on the same account) and
 * webmail, through a real Dovecot + Postfix: what one device does shows on
 * the other at once, not at the next full sync ten minutes later.
 */
#include "config.h"

#include <string.h>

#include "koi-imap-client.h"
#include "koi-test-cli.h"

/* Far below the 60 s a server without NOTIFY is polled at and the
 * 10 minutes of a full sync: only push makes it in time. */
#define LIVE_TIMEOUT_S 8

static const char *
member (JsonObject *object,
        const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

/* Waits for a "chat" event of @peer's chat with @unread unread messages. */
static JsonObject *
wait_unread (KoiTestWatch *watch,
             guint        *from,
             const char   *peer,
             gint64        unread)
{
  gint64 deadline = g_get_monotonic_time () + LIVE_TIMEOUT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      JsonObject *event = koi_test_watch_wait (watch, from, "chat", "peer", peer, 1);

      if (event != NULL && json_object_get_int_member (event, "unread") == unread)
        return event;
    }

  return NULL;
}

static void
test_chat_folder_is_live (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestWatch) second = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GError) error = NULL;
  const char *mail =
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.org\r\n"
    "Subject: Chat: Filed by Bob's phone\r\n"
    "Date: Sun, 29 Nov 2026 12:00:00 +0000\r\n"
    "Message-ID: <chat$filed.by.phone@example.org>\r\n"
    "Chat-Version: 1.0\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Seen first by Bob's other device, which filed it into the chat folder.\r\n";
  guint from = 0;
  JsonObject *event;

  koi_test_cli_add_account (cli, "bob-desktop", "bob@example.org", "bob-secret");
  second = koi_test_watch_start (cli, "bob-desktop");
  g_assert_nonnull (koi_test_watch_wait (second, &from, "synced", NULL, NULL, 20));

  /* Another device of Bob's moved a chat message straight into the chat
   * folder: it never passes INBOX, where this device's IDLE waits. */
  raw = g_bytes_new_static (mail, strlen (mail));
  g_assert_true (koi_test_mailserver_inject (cli->server, "bob@example.org", "COI/Chats", raw, &error));
  g_assert_no_error (error);

  event = koi_test_watch_wait (second, &from, "message", "message_id", "chat$filed.by.phone@example.org",
                               LIVE_TIMEOUT_S);
  g_assert_nonnull (event);
  g_assert_cmpstr (member (event, "chat"), ==, "alice@example.org");
}

static KoiServerConfig *
imap_config (KoiTestCli *cli)
{
  return koi_server_config_new (cli->server->host, cli->server->imaps_port, KOI_SECURITY_TLS,
                                "bob@example.org", "bob-secret", cli->server->ca_file);
}

static void
test_read_state_follows_the_user (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestWatch) second = NULL;
  g_autoptr (KoiServerConfig) config = NULL;
  g_autoptr (KoiImapClient) webmail = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *first_id = NULL;
  g_autofree char *second_id = NULL;
  g_autofree char *bob = NULL;
  guint from = 0;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob-laptop", "bob@example.org", "bob-secret");
  koi_test_cli_add_account (cli, "bob-desktop", "bob@example.org", "bob-secret");
  second = koi_test_watch_start (cli, "bob-desktop");
  g_assert_nonnull (koi_test_watch_wait (second, &from, "synced", NULL, NULL, 20));

  /* A message arrives on both of Bob's devices, unread on both. */
  first_id = koi_test_cli_send (cli, "alice", "bob@example.org", "Did you see this?");
  g_assert_nonnull (koi_test_watch_wait (second, &from, "message", "message_id", first_id, 20));
  g_assert_nonnull (wait_unread (second, &from, "alice@example.org", 1));

  /* Bob reads it on his laptop: the desktop shows it read. */
  bob = koi_test_cli_profile (cli, "bob-laptop");
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "sync", NULL), ==, 0);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "read",
                                     "alice@example.org", NULL), ==, 0);
  g_assert_nonnull (wait_unread (second, &from, "alice@example.org", 0));

  /* The next one he reads in webmail, which only sets \Seen. */
  second_id = koi_test_cli_send (cli, "alice", "bob@example.org", "And this one?");
  g_assert_nonnull (koi_test_watch_wait (second, &from, "message", "message_id", second_id, 20));
  g_assert_nonnull (wait_unread (second, &from, "alice@example.org", 1));

  config = imap_config (cli);
  webmail = koi_imap_client_new (config);
  g_assert_true (koi_imap_client_connect (webmail, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_imap_client_select (webmail, "INBOX", FALSE, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_imap_client_uid_store (webmail, "1:*", "+FLAGS (\\Seen)", NULL, &error));
  g_assert_no_error (error);
  koi_imap_client_logout (webmail, NULL);

  g_assert_nonnull (wait_unread (second, &from, "alice@example.org", 0));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/devices/chat-folder-is-live", test_chat_folder_is_live);
  g_test_add_func ("/engine/devices/read-state-follows-the-user", test_read_state_follows_the_user);

  return g_test_run ();
}
