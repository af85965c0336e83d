/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Telling another chat app on the user's own account (Delta Chat on the
 * phone) from Koi's own mail, a peer's app and the user's mail program:
 * a wrong "yes" only keeps chat mail in INBOX, a wrong "no" makes Koi take
 * mail away from the other app.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "koi-chat-client-detect.h"

#define OWN "bob@example.org"

typedef struct {
  const char    *what;
  const char    *from;
  const char    *message_id;
  gboolean       chat_version;
  KoiChatClient  expected;
} DetectCase;

static const DetectCase detect_cases[] = {
  { "Delta Chat 2.x self-copy (UUID@localhost)", OWN,
    "022de778-f93f-4826-863b-e68ec152ffd8@localhost", TRUE, KOI_CHAT_CLIENT_DELTA_CHAT },
  { "Delta Chat 2.x, upper-case hex", "Bob@Example.ORG",
    "022DE778-F93F-4826-863B-E68EC152FFD8@localhost", TRUE, KOI_CHAT_CLIENT_DELTA_CHAT },
  { "older Delta Chat, 1:1 (Mr.)", OWN, "Mr.aBc-12_x.Yz9@example.org", TRUE,
    KOI_CHAT_CLIENT_DELTA_CHAT },
  { "older Delta Chat, group (Gr.)", OWN, "Gr.grpid123.rnd456@example.org", TRUE,
    KOI_CHAT_CLIENT_DELTA_CHAT },
  { "another chat app with its own ids", OWN, "1234.abcd@chat.example.net", TRUE,
    KOI_CHAT_CLIENT_OTHER },
  { "a UUID id that is not @localhost", OWN,
    "022de778-f93f-4826-863b-e68ec152ffd8@example.org", TRUE, KOI_CHAT_CLIENT_OTHER },
  { "Koi on another device (chat$)", OWN, "chat$Q2hhdE92ZXJJTUFQ@example.org", TRUE,
    KOI_CHAT_CLIENT_NONE },
  { "an older COI client (coi$)", OWN, "coi$abc@example.org", TRUE, KOI_CHAT_CLIENT_NONE },
  { "a peer's Delta Chat", "alice@example.org",
    "022de778-f93f-4826-863b-e68ec152ffd8@localhost", TRUE, KOI_CHAT_CLIENT_NONE },
  { "the user's mail program replying in a chat thread", OWN,
    "5f2a.9c@thunderbird.example.org", FALSE, KOI_CHAT_CLIENT_NONE },
  { "no Message-ID", OWN, NULL, TRUE, KOI_CHAT_CLIENT_NONE },
  { "no From", NULL, "Mr.a.b@example.org", TRUE, KOI_CHAT_CLIENT_NONE },
};

static void
test_detect (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (detect_cases); i++)
    {
      const DetectCase *c = &detect_cases[i];

      g_test_message ("%s", c->what);
      g_assert_cmpint (koi_chat_client_detect (OWN, c->from, c->message_id, c->chat_version), ==,
                       c->expected);
    }
}

static gboolean
has_chat_version (const char *mail)
{
  g_autoptr (GBytes) bytes = g_bytes_new (mail, strlen (mail));

  return koi_chat_client_has_chat_version (bytes);
}

static void
test_has_chat_version (void)
{
  /* As Delta Chat wrote its sync message (CRLF, folded header before it). */
  g_assert_true (has_chat_version ("From: <bob@example.org>\r\n"
                                   "Content-Type: multipart/encrypted;\r\n"
                                   "\tprotocol=\"application/pgp-encrypted\"\r\n"
                                   "Chat-Version: 1.0\r\n"
                                   "\r\n"
                                   "body\r\n"));
  g_assert_true (has_chat_version ("chat-version: 1.0\n\nbody\n"));
  g_assert_false (has_chat_version ("From: <bob@example.org>\r\n"
                                    "Subject: Chat-Version: 1.0\r\n"
                                    "\r\n"
                                    "Chat-Version: 1.0 is only in the body\r\n"));
  g_assert_false (has_chat_version ("From: <bob@example.org>\n\nChat-Version: 1.0\n"));
  g_assert_false (has_chat_version (""));
  g_assert_false (koi_chat_client_has_chat_version (NULL));
}

static void
test_record_and_load (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("koi-test-detect-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "koi.db", NULL);
  g_autoptr (KoiStore) store = NULL;
  g_autofree char *message_id = NULL;
  KoiStoreAccount account = {
    .address = (char *) OWN, .imap_host = (char *) "127.0.0.1", .imap_port = 993,
    .imap_security = (char *) "tls", .smtp_host = (char *) "127.0.0.1", .smtp_port = 587,
    .smtp_security = (char *) "starttls",
  };
  gint64 id, seen_at = 0;
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;

  store = koi_store_open (path, &error);
  g_assert_no_error (error);
  id = koi_store_account_upsert (store, &account, &error);
  g_assert_no_error (error);

  /* Nothing seen yet: Koi may move chat mail if the user wants it. */
  g_assert_cmpint (koi_chat_client_load (store, id, NULL, NULL), ==, KOI_CHAT_CLIENT_NONE);

  g_assert_true (koi_chat_client_record (store, id, KOI_CHAT_CLIENT_DELTA_CHAT,
                                         "022de778-f93f-4826-863b-e68ec152ffd8@localhost", &error));
  g_assert_no_error (error);
  g_assert_cmpint (koi_chat_client_load (store, id, &message_id, &seen_at), ==,
                   KOI_CHAT_CLIENT_DELTA_CHAT);
  g_assert_cmpstr (message_id, ==, "022de778-f93f-4826-863b-e68ec152ffd8@localhost");
  g_assert_cmpint (seen_at, >=, before);

  /* Whatever a later version stored there still counts as another app. */
  g_assert_true (koi_store_setting_set (store, id, KOI_CHAT_CLIENT_SETTING, "not json", &error));
  g_assert_cmpint (koi_chat_client_load (store, id, NULL, NULL), ==, KOI_CHAT_CLIENT_OTHER);

  g_clear_pointer (&store, koi_store_close);
  g_unlink (path);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/chat-client-detect/detect", test_detect);
  g_test_add_func ("/chat-client-detect/has-chat-version", test_has_chat_version);
  g_test_add_func ("/chat-client-detect/record-and-load", test_record_and_load);

  return g_test_run ();
}
