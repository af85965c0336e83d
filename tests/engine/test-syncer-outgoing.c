/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "test-syncer-outgoing"

#include <string.h>
#include <utime.h>

#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "koi-engine.h"
#include "koi-fake-smtp-server.h"
#include "koi-own-key.h"
#include "koi-secret.h"
#include "koi-store.h"
#include "koi-store-attachment.h"
#include "koi-store-crypto.h"
#include "koi-syncer.h"
#include "koi-test-profile.h"

/* Issue 13: an encrypted file message waits to be sent as its ciphertext
 * in attachments/outgoing/ (koi-syncer-outgoing.c). It stays while its
 * outbox entry can still send it (pending, or failed and retryable), and
 * goes once nothing can: the failed message deleted, a message deleted
 * while it was sending then refused for good, or (at the engine's start)
 * a file no outbox entry names. A scripted SMTP server refuses the peer
 * with 550, which Postfix would only do for an unknown user; libsecret's
 * file backend holds the key's passphrase. */

#define SELF "me@koi.test"
#define PEER "bob@koi.test"

typedef struct
{
  char              *dir;
  KoiStore          *store;
  gint64             account_id;
  gint64             chat_id;
  KoiFakeSmtpServer *smtp;
  KoiAccountConfig  *account;
  KoiSyncer         *syncer;
  char              *own_fp;
  char              *file;
  gboolean           refuse_peer;  /* RCPT of PEER gets 550 */
} Fixture;

/* Accepts everything but PEER while refuse_peer is set. */
static gboolean
smtp_script (KoiFakeSmtpConn *conn,
             const char      *line,
             gpointer         user_data)
{
  Fixture *f = user_data;

  if (g_ascii_strncasecmp (line, "RCPT TO:", 8) == 0 && strstr (line, PEER) != NULL &&
      g_atomic_int_get (&f->refuse_peer))
    return koi_fake_smtp_conn_printf (conn, "550 5.1.1 <" PEER ">: Recipient address rejected\r\n");
  if (g_ascii_strcasecmp (line, "DATA") == 0)
    {
      g_autoptr (GBytes) data = NULL;

      koi_fake_smtp_conn_printf (conn, "354 Go ahead\r\n");
      data = koi_fake_smtp_conn_read_data (conn);
      if (data == NULL)
        return FALSE;
      return koi_fake_smtp_conn_printf (conn, "250 2.0.0 Ok: queued\r\n");
    }
  return koi_fake_smtp_conn_printf (conn, "250 2.1.0 Ok\r\n");
}

static void
fixture_set_up (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiRnpContext) own = NULL;
  g_autoptr (KoiRnpContext) bob = koi_rnp_context_new ();
  g_autoptr (GBytes) bob_public = NULL;
  g_autofree char *path = NULL;
  g_autofree char *bob_fp = NULL;
  KoiStorePeerKey key = { 0, };

  f->store = koi_test_profile_open (SELF, &f->dir, &f->account_id);
  path = g_build_filename (f->dir, "koi.db", NULL);
  f->chat_id = koi_store_chat_ensure_1to1 (f->store, f->account_id, PEER, "Bob", &error);
  g_assert_no_error (error);

  own = koi_own_key_open (path, f->account_id, SELF, NULL, &error);
  g_assert_no_error (error);
  f->own_fp = g_strdup (koi_rnp_context_get_own_fingerprint (own));

  /* Bob's key is known, so his file messages go encrypted. */
  g_assert_true (koi_rnp_context_generate_own_key (bob, PEER, &error));
  bob_public = koi_rnp_context_export_autocrypt (bob, &error);
  g_assert_no_error (error);
  bob_fp = g_strdup (koi_rnp_context_get_own_fingerprint (bob));
  key.account_id = f->account_id;
  key.address = (char *) PEER;
  key.keydata = bob_public;
  key.fingerprint = bob_fp;
  key.source = KOI_STORE_KEY_SOURCE_AUTOCRYPT;
  key.key_time_ms = g_get_real_time () / 1000;
  key.prefer_encrypt = TRUE;
  g_assert_true (koi_store_peer_key_update (f->store, &key, NULL, &error));
  g_assert_no_error (error);

  f->smtp = koi_fake_smtp_server_new (FALSE, smtp_script, f, &error);
  g_assert_no_error (error);
  /* No IMAP server: these tests do not sync. */
  f->account = koi_test_profile_account (f->account_id, SELF, 0, NULL,
                                         koi_fake_smtp_server_get_port (f->smtp),
                                         koi_fake_smtp_server_get_ca_file (f->smtp));
  f->account->encryption = TRUE;
  f->syncer = koi_syncer_new (f->store, f->account, &(KoiSyncerEvents) { 0, }, f);
  koi_syncer_set_encrypt (f->syncer, TRUE);

  f->file = g_build_filename (f->dir, "report.pdf", NULL);
  g_assert_true (g_file_set_contents (f->file, "%PDF-1.4 a small report", -1, NULL));
}

static void
fixture_tear_down (Fixture *f)
{
  g_clear_pointer (&f->syncer, koi_syncer_free);
  g_clear_pointer (&f->smtp, koi_fake_smtp_server_free);
  g_clear_pointer (&f->account, koi_account_config_free);
  g_clear_pointer (&f->store, koi_store_close);
  koi_secret_key_passphrase_clear_sync (SELF, f->own_fp, NULL, NULL);
  g_free (f->own_fp);
  g_free (f->file);
  koi_test_profile_remove (f->dir);
  g_free (f->dir);
}

static char *
outgoing_dir (Fixture *f)
{
  g_autofree char *attachments = koi_store_get_attachment_dir (f->store);

  return g_build_filename (attachments, "outgoing", NULL);
}

/* The ciphertexts waiting in attachments/outgoing/, by name. */
static guint
count_ciphers (Fixture *f)
{
  g_autofree char *path = outgoing_dir (f);
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    n += g_str_has_suffix (name, ".asc");
  return n;
}

/* Queues the file to Bob; it goes encrypted, so its ciphertext waits. */
static gint64
queue_file (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiStoreMessage) row = NULL;
  gint64 ref = koi_syncer_queue_file (f->syncer, f->chat_id, f->file, "the report", 0, &error);

  g_assert_no_error (error);
  g_assert_cmpint (ref, >, 0);
  row = koi_store_message_get (f->store, ref, &error);
  g_assert_no_error (error);
  g_assert_true (row->encrypted);
  return ref;
}

static int
message_state (Fixture *f,
               gint64   ref)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiStoreMessage) row = koi_store_message_get (f->store, ref, &error);

  g_assert_no_error (error);
  return row->state;
}

static void
send_now (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (koi_syncer_send_queued (f->syncer, TRUE, NULL, &error));
  g_assert_no_error (error);
}

/* A file message to Bob that the server refused for good (550). */
static gint64
queue_refused (Fixture *f)
{
  gint64 ref;

  f->refuse_peer = TRUE;
  ref = queue_file (f);
  g_assert_cmpuint (count_ciphers (f), ==, 1);
  send_now (f);
  g_assert_cmpint (message_state (f, ref), ==, KOI_STORE_STATE_FAILED);
  return ref;
}

/* Refused for good: the ciphertext stays for Retry, and goes when the
 * user deletes the failed message instead. */
static void
test_failed_then_deleted (void)
{
  Fixture f = { 0, };
  g_autoptr (GError) error = NULL;
  gint64 ref;

  fixture_set_up (&f);
  ref = queue_refused (&f);
  g_assert_cmpuint (count_ciphers (&f), ==, 1);

  g_assert_true (koi_syncer_delete_local (f.syncer, ref, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_ciphers (&f), ==, 0);

  fixture_tear_down (&f);
}

/* Retry after the refusal sends the kept ciphertext; sent, it goes. */
static void
test_failed_then_retried (void)
{
  Fixture f = { 0, };
  g_autoptr (GError) error = NULL;
  gint64 ref;

  fixture_set_up (&f);
  ref = queue_refused (&f);

  g_atomic_int_set (&f.refuse_peer, FALSE);
  g_assert_true (koi_syncer_retry (f.syncer, ref, &error));
  g_assert_no_error (error);
  send_now (&f);
  g_assert_cmpint (message_state (&f, ref), ==, KOI_STORE_STATE_SENT);
  g_assert_cmpuint (count_ciphers (&f), ==, 0);

  fixture_tear_down (&f);
}

/* Deleted while still queued: it is still sent (as a deleted text is),
 * so the ciphertext stays; refused, nobody can retry it, and it goes. */
static void
test_deleted_while_queued (void)
{
  Fixture f = { 0, };
  g_autoptr (GError) error = NULL;
  gint64 ref;

  fixture_set_up (&f);
  f.refuse_peer = TRUE;
  ref = queue_file (&f);
  g_assert_true (koi_syncer_delete_local (f.syncer, ref, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_ciphers (&f), ==, 1);

  send_now (&f);
  g_assert_cmpint (message_state (&f, ref), ==, KOI_STORE_STATE_FAILED);
  g_assert_cmpuint (count_ciphers (&f), ==, 0);

  fixture_tear_down (&f);
}

/* At start: a ciphertext no outbox entry names goes; the one of a queued
 * message stays, and so does one written since the start (a file message
 * being queued at that moment). */
static void
test_sweep_orphans (void)
{
  Fixture f = { 0, };
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *old_orphan = NULL;
  g_autofree char *new_orphan = NULL;
  struct utimbuf two_hours_ago;
  gint64 start_us;

  fixture_set_up (&f);
  queue_file (&f);
  dir = outgoing_dir (&f);
  old_orphan = g_build_filename (dir, "0123456789abcdef.asc", NULL);
  new_orphan = g_build_filename (dir, "fedcba9876543210.asc", NULL);
  g_assert_true (g_file_set_contents (old_orphan, "-----BEGIN PGP MESSAGE-----\r\n", -1, NULL));
  g_assert_true (g_file_set_contents (new_orphan, "-----BEGIN PGP MESSAGE-----\r\n", -1, NULL));
  two_hours_ago.actime = two_hours_ago.modtime = g_get_real_time () / G_USEC_PER_SEC - 7200;
  g_assert_cmpint (utime (old_orphan, &two_hours_ago), ==, 0);
  /* The queued message's own ciphertext is as old: kept for its entry. */
  {
    g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (listing)) != NULL)
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);

        if (g_strcmp0 (path, new_orphan) != 0)
          g_assert_cmpint (utime (path, &two_hours_ago), ==, 0);
      }
  }
  g_assert_cmpuint (count_ciphers (&f), ==, 3);

  start_us = g_get_real_time () - 60 * G_USEC_PER_SEC;
  g_assert_true (koi_syncer_sweep_outgoing_ciphers (f.syncer, start_us, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (old_orphan, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (new_orphan, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_ciphers (&f), ==, 2);

  fixture_tear_down (&f);
}

/* The engine sweeps when it starts, before it even reaches a server. */
static void
test_engine_start_sweeps (void)
{
  Fixture f = { 0, };
  g_autoptr (KoiEngine) engine = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *orphan = NULL;
  g_autofree char *path = NULL;
  struct utimbuf two_hours_ago;
  gint64 deadline;

  fixture_set_up (&f);
  dir = outgoing_dir (&f);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  orphan = g_build_filename (dir, "0123456789abcdef.asc", NULL);
  g_assert_true (g_file_set_contents (orphan, "-----BEGIN PGP MESSAGE-----\r\n", -1, NULL));
  two_hours_ago.actime = two_hours_ago.modtime = g_get_real_time () / G_USEC_PER_SEC - 7200;
  g_assert_cmpint (utime (orphan, &two_hours_ago), ==, 0);

  path = g_build_filename (f.dir, "koi.db", NULL);
  engine = koi_engine_new (path, f.account_id, SELF, f.account->imap, f.account->smtp);
  koi_engine_start (engine);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (g_file_test (orphan, G_FILE_TEST_EXISTS) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
  g_assert_false (g_file_test (orphan, G_FILE_TEST_EXISTS));

  koi_engine_stop_and_wait (engine);
  g_clear_object (&engine);
  fixture_tear_down (&f);
}

int
main (int   argc,
      char *argv[])
{
  char *keyring = koi_test_keyring_use_file ();
  int status;

  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/engine/syncer-outgoing/failed-then-deleted", test_failed_then_deleted);
  g_test_add_func ("/engine/syncer-outgoing/failed-then-retried", test_failed_then_retried);
  g_test_add_func ("/engine/syncer-outgoing/deleted-while-queued", test_deleted_while_queued);
  g_test_add_func ("/engine/syncer-outgoing/sweep-orphans", test_sweep_orphans);
  g_test_add_func ("/engine/syncer-outgoing/engine-start-sweeps", test_engine_start_sweeps);
  status = g_test_run ();

  koi_test_keyring_remove (keyring);
  return status;
}
