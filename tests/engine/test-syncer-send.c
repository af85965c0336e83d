/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-syncer-send"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include <sqlite3.h>

#include "koi-imap-client.h"
#include "koi-store.h"
#include "koi-syncer.h"
#include "koi-test-mailserver.h"

/* The syncer's outbox against a real Postfix + Dovecot, when the store
 * fails: SQLite's own "database is locked", caused by a second connection
 * that holds the write lock past the store's busy timeout (no mock of
 * Koi's code). What the user must never see is the same message twice. */

#define ALICE "alice@example.org"
#define BOB   "bob@example.org"

typedef struct
{
  KoiTestMailserver *server;
  char              *dir;
  char              *path;
  KoiStore          *store;
  KoiAccountConfig  *account;
  sqlite3           *locker;        /* the other connection, while it holds the lock */
  gboolean           lock_on_sending;
} Fixture;

static void
lock_store (Fixture *f)
{
  char *message = NULL;

  g_assert_null (f->locker);
  g_assert_cmpint (sqlite3_open (f->path, &f->locker), ==, SQLITE_OK);
  /* A writer that stays: every other write waits its busy timeout, then
   * fails with SQLITE_BUSY. */
  g_assert_cmpint (sqlite3_exec (f->locker, "BEGIN IMMEDIATE", NULL, NULL, &message), ==, SQLITE_OK);
  sqlite3_free (message);
}

static void
unlock_store (Fixture *f)
{
  g_assert_cmpint (sqlite3_exec (f->locker, "ROLLBACK", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (f->locker);
  f->locker = NULL;
}

static void
message_updated (gint64   chat_id,
                 gint64   message_ref,
                 gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(KoiStoreMessage) message = NULL;

  if (!f->lock_on_sending || f->locker != NULL)
    return;
  message = koi_store_message_get (f->store, message_ref, NULL);

  /* The state SENDING is written; the SMTP transaction comes next, and the
   * store stops taking writes before the outcome reaches it. */
  if (message != NULL && message->state == KOI_STORE_STATE_SENDING)
    {
      f->lock_on_sending = FALSE;
      lock_store (f);
    }
}

static void
fixture_set_up (Fixture *f)
{
  const char *users[] = { ALICE ":alice-secret", BOB ":bob-secret", NULL };
  g_autoptr(GError) error = NULL;
  KoiStoreAccount row = {
    .address = (char *) ALICE,
    .display_name = (char *) "Alice",
    .imap_host = (char *) "127.0.0.1",
    .imap_port = 993,
    .imap_security = (char *) "tls",
    .smtp_host = (char *) "127.0.0.1",
    .smtp_port = 587,
    .smtp_security = (char *) "starttls",
  };

  /* A server that does not start is a failure, not a skip. */
  f->server = koi_test_mailserver_start (users, &error);
  g_assert_no_error (error);

  f->dir = g_dir_make_tmp ("koi-test-syncer-send-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "koi.db", NULL);
  f->store = koi_store_open (f->path, &error);
  g_assert_no_error (error);

  f->account = g_new0 (KoiAccountConfig, 1);
  f->account->id = koi_store_account_upsert (f->store, &row, &error);
  g_assert_no_error (error);
  f->account->address = g_strdup (ALICE);
  f->account->display_name = g_strdup ("Alice");
  f->account->imap = koi_server_config_new (f->server->host, f->server->imaps_port, KOI_SECURITY_TLS,
                                            ALICE, "alice-secret", f->server->ca_file);
  f->account->smtp = koi_server_config_new (f->server->host, f->server->submission_port,
                                            KOI_SECURITY_STARTTLS, ALICE, "alice-secret",
                                            f->server->ca_file);
}

static void
fixture_tear_down (Fixture *f)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (f->locker != NULL)
    unlock_store (f);
  g_clear_pointer (&f->account, koi_account_config_free);
  g_clear_pointer (&f->store, koi_store_close);
  dir = g_dir_open (f->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (f->dir, name, NULL);

      g_remove (child);
    }
  g_rmdir (f->dir);
  g_clear_pointer (&f->dir, g_free);
  g_clear_pointer (&f->path, g_free);
  g_clear_pointer (&f->server, koi_test_mailserver_free);
}

/* Waits until Postfix has handed every submitted message on: after that,
 * no further copy can turn up in a mailbox. */
static void
wait_for_delivery (Fixture *f)
{
  koi_test_mailserver_wait_for_empty_queue (f->server);
}

static guint
copies_in_inbox (Fixture    *f,
                 const char *login,
                 const char *password,
                 const char *message_id)
{
  g_autoptr(KoiServerConfig) config = koi_server_config_new (f->server->host, f->server->imaps_port,
                                                             KOI_SECURITY_TLS, login, password,
                                                             f->server->ca_file);
  g_autoptr(KoiImapClient) client = koi_imap_client_new (config);
  g_autoptr(GArray) uids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *criteria = g_strdup_printf ("HEADER Message-ID \"%s\"", message_id);

  koi_imap_client_connect (client, NULL, &error);
  g_assert_no_error (error);
  koi_imap_client_select (client, "INBOX", TRUE, NULL, NULL, &error);
  g_assert_no_error (error);
  uids = koi_imap_client_uid_search (client, criteria, NULL, &error);
  g_assert_no_error (error);
  koi_imap_client_logout (client, NULL);
  return uids->len;
}

static void
test_record_fails_after_send (void)
{
  Fixture f = { 0, };
  KoiSyncerEvents events = { .message_updated = message_updated };
  g_autoptr(KoiSyncer) syncer = NULL;
  g_autoptr(KoiStoreMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id;

  fixture_set_up (&f);
  syncer = koi_syncer_new (f.store, f.account, &events, &f);
  id = koi_syncer_queue_text (syncer, koi_syncer_create_chat (syncer, BOB, &error),
                              "exactly once, whatever the store does", &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);

  /* The server accepts both recipients (Bob, and Alice's own copy), then
   * the store will not record it. */
  f.lock_on_sending = TRUE;
  g_assert_false (koi_syncer_send_queued (syncer, FALSE, NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("first send: %s", error->message);
  g_assert_nonnull (strstr (error->message, "was sent"));
  g_assert_nonnull (strstr (error->message, "locked"));   /* SQLite's words */
  g_clear_error (&error);
  g_assert_nonnull (f.locker);

  /* The next attempt while the store still refuses sends nothing. */
  g_assert_false (koi_syncer_send_queued (syncer, TRUE, NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("second send: %s", error->message);
  g_clear_error (&error);

  /* The store recovers: the outcome is recorded, nothing is sent again. */
  unlock_store (&f);
  g_assert_true (koi_syncer_send_queued (syncer, TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_syncer_send_queued (syncer, TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (koi_syncer_next_send_ms (syncer), ==, 0);

  message = koi_store_message_get (f.store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (message->state, ==, KOI_STORE_STATE_SENT);

  wait_for_delivery (&f);
  g_assert_cmpuint (copies_in_inbox (&f, BOB, "bob-secret", message->message_id), ==, 1);
  g_assert_cmpuint (copies_in_inbox (&f, ALICE, "alice-secret", message->message_id), ==, 1);

  g_clear_pointer (&syncer, koi_syncer_free);
  fixture_tear_down (&f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/engine/syncer-send/record-fails-after-send", test_record_fails_after_send);

  return g_test_run ();
}
