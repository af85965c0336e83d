/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-syncer-fake"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include <gmime/gmime.h>

#include "koi-fake-mailbox.h"
#include "koi-test-log.h"
#include "koi-test-profile.h"
#include "koi-apply.h"
#include "koi-coi.h"
#include "koi-engine.h"
#include "koi-imap-client.h"
#include "koi-store.h"
#include "koi-syncer.h"

/* The syncer's receive path (koi_syncer_connect/sync, public API only)
 * against a scripted IMAP server, for what a real Dovecot cannot be made
 * to do: drop the line in the middle of a FETCH, hold a mail no parser
 * can read, answer a MOVE with a COPYUID of four billion UIDs. Each test
 * checks what the user would see in the store afterwards: every message
 * once, nothing half, and a sync that finishes. These run in the unit
 * suite, so build-aux/test runs them under ASan and UBSan too. */

#define SELF  "me@koi.test"
#define PEER  "bob@koi.test"

static char *
chat_mail (guint       n,
           const char *text)
{
  return g_strdup_printf ("From: Bob <" PEER ">\r\n"
                          "To: <" SELF ">\r\n"
                          "Subject: Chat: hello\r\n"
                          "Date: Mon, 1 Jan 2024 10:%02u:00 +0000\r\n"
                          "Message-ID: <chat$fake%u@koi.test>\r\n"
                          "Chat-Version: 1.0\r\n"
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: text/plain; charset=utf-8\r\n"
                          "\r\n"
                          "%s\r\n", n % 60, n, text);
}

/* ---- the account under test ------------------------------------------------ */

typedef struct
{
  char              *dir;
  KoiStore          *store;
  gint64             account_id;
  FakeMailbox       *mailbox;
  KoiFakeImapServer *server;
  KoiAccountConfig  *account;
  guint              n_added;   /* message_added events */
  guint              n_offered; /* coi_server_offered events */
} Fixture;

static void
count_added (gint64   chat_id,
             gint64   message_ref,
             gpointer user_data)
{
  ((Fixture *) user_data)->n_added++;
}

static void
count_offered (gpointer user_data)
{
  ((Fixture *) user_data)->n_offered++;
}

static void
fixture_set_up (Fixture *f,
                Hostile  hostile)
{
  g_autoptr(GError) error = NULL;

  f->store = koi_test_profile_open (SELF, &f->dir, &f->account_id);
  f->mailbox = fake_mailbox_new (hostile);
  /* A server that does not start is a failure, not a skip. */
  f->server = koi_fake_imap_server_new (KOI_FAKE_IMAP_TLS, fake_mailbox_script, f->mailbox, &error);
  g_assert_no_error (error);
  /* No SMTP server: these tests do not send. */
  f->account = koi_test_profile_account (f->account_id, SELF,
                                         koi_fake_imap_server_get_port (f->server),
                                         koi_fake_imap_server_get_ca_file (f->server), 0, NULL);
}

static void
fixture_tear_down (Fixture *f)
{
  g_clear_pointer (&f->server, koi_fake_imap_server_free);
  g_clear_pointer (&f->mailbox, fake_mailbox_free);
  g_clear_pointer (&f->account, koi_account_config_free);
  g_clear_pointer (&f->store, koi_store_close);
  koi_test_profile_remove (f->dir);
  g_free (f->dir);
}

static KoiSyncer *
syncer_new (Fixture *f)
{
  KoiSyncerEvents events = { .message_added = count_added, .coi_server_offered = count_offered };
  KoiSyncer *syncer = koi_syncer_new (f->store, f->account, &events, f);

  /* These tests are about MOVE and COPYUID: the user chose to move. */
  koi_syncer_set_move_chat_mail (syncer, TRUE);
  return syncer;
}

static guint
messages_with_peer (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  gint64 chat_id = koi_store_chat_find_by_peer (f->store, f->account_id, PEER, &error);
  guint count;

  g_assert_no_error (error);
  if (chat_id == 0)
    return 0;
  count = koi_store_message_count (f->store, chat_id, &error);
  g_assert_no_error (error);
  return count;
}

static gboolean
stored (Fixture *f,
        guint    n)
{
  g_autofree char *id = g_strdup_printf ("chat$fake%u@koi.test", n);
  g_autoptr(GError) error = NULL;
  gint64 ref = koi_store_message_find (f->store, f->account_id, id, &error);

  g_assert_no_error (error);
  return ref != 0;
}

static gboolean
received_contains (Fixture    *f,
                   const char *needle)
{
  g_autoptr(GBytes) received = koi_fake_imap_server_dup_received (f->server);
  gsize size;
  const char *data = g_bytes_get_data (received, &size);

  return data != NULL && g_strstr_len (data, size, needle) != NULL;
}

/* The peak resident size of this process, from the kernel. */
static guint64
peak_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmHWM:");
  return line != NULL ? g_ascii_strtoull (line + 6, NULL, 10) : 0;
}

/* ---- the tests -------------------------------------------------------------- */

static int n_skip_warnings;

static void
test_copyuid_huge (void)
{
  Fixture f = { 0, };
  g_autoptr(KoiSyncer) syncer = NULL;
  g_autoptr(GError) error = NULL;
  guint64 rss_before, rss_after;

  fixture_set_up (&f, HOSTILE_HUGE_COPYUID);
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *raw = chat_mail (i, "moved with a COPYUID of four billion UIDs");

      folder_add (&f.mailbox->inbox, raw);
    }

  syncer = syncer_new (&f);
  g_assert_true (koi_syncer_connect (syncer, NULL, &error));
  g_assert_no_error (error);

  rss_before = peak_rss_kib ();
  /* Expanding "1:4294967295" would take 16 GiB (ASan refuses, elsewhere the
   * machine swaps or the kernel kills us): the sync must finish instead. */
  g_assert_true (koi_syncer_sync (syncer, FALSE, NULL, &error));
  g_assert_no_error (error);
  rss_after = peak_rss_kib ();
  g_test_message ("peak RSS %" G_GUINT64_FORMAT " KiB before the sync, %" G_GUINT64_FORMAT
                  " KiB after", rss_before, rss_after);
  g_assert_cmpuint (rss_after, <, rss_before + 256 * 1024);

  /* The chat mail was stored once and moved to the chat folder. */
  g_assert_true (received_contains (&f, "UID MOVE 1:3"));
  g_assert_cmpuint (messages_with_peer (&f), ==, 3);
  g_assert_cmpuint (f.n_added, ==, 3);
  g_assert_cmpuint (f.mailbox->inbox.mails->len, ==, 0);
  g_assert_cmpuint (f.mailbox->chats.mails->len, ==, 3);

  /* Without a COPYUID it can believe, the chat folder's next sync finds the
   * moved messages by Message-ID: still three, none twice. */
  g_assert_true (koi_syncer_sync (syncer, TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (messages_with_peer (&f), ==, 3);
  g_assert_cmpuint (f.n_added, ==, 3);

  g_clear_pointer (&syncer, koi_syncer_free);
  fixture_tear_down (&f);
}

static void
test_copyuid_trusted (void)
{
  Fixture f = { 0, };
  g_autoptr(KoiSyncer) syncer = NULL;
  g_autoptr(GError) error = NULL;
  guint body_fetches;

  /* The ordinary case beside the hostile one: a COPYUID that matches the
   * move is used, and the chat folder's next sync fetches no body. */
  fixture_set_up (&f, HOSTILE_NONE);
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *raw = chat_mail (i, "moved with a true COPYUID");

      folder_add (&f.mailbox->inbox, raw);
    }

  syncer = syncer_new (&f);
  g_assert_true (koi_syncer_connect (syncer, NULL, &error));
  g_assert_no_error (error);
  /* The chat folder first, so Koi knows its UIDVALIDITY when MOVE reports. */
  g_assert_true (koi_syncer_sync (syncer, TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (messages_with_peer (&f), ==, 3);
  g_assert_cmpuint (f.mailbox->chats.mails->len, ==, 3);

  body_fetches = f.mailbox->n_body_fetches;
  g_assert_true (koi_syncer_sync (syncer, TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (messages_with_peer (&f), ==, 3);
  g_assert_cmpuint (f.mailbox->n_body_fetches, ==, body_fetches);

  g_clear_pointer (&syncer, koi_syncer_free);
  fixture_tear_down (&f);
}

static void
test_drop_mid_fetch (void)
{
  Fixture f = { 0, };
  g_autoptr(KoiSyncer) syncer = NULL;
  g_autoptr(GError) error = NULL;

  fixture_set_up (&f, HOSTILE_DROP_MID_FETCH);
  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *raw = chat_mail (i, "a message the line drops in the middle of");

      folder_add (&f.mailbox->inbox, raw);
    }

  syncer = syncer_new (&f);
  g_assert_true (koi_syncer_connect (syncer, NULL, &error));
  g_assert_no_error (error);

  /* Three whole messages, half of the fourth, then the line is gone. */
  g_assert_false (koi_syncer_sync (syncer, FALSE, NULL, &error));
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_DISCONNECTED);
  g_test_message ("first sync: %s", error->message);
  g_clear_error (&error);
  g_assert_false (koi_syncer_is_connected (syncer));

  /* Nothing of that batch is stored, nothing was announced and nothing
   * was moved: the server still holds all four in INBOX. */
  g_assert_cmpuint (messages_with_peer (&f), ==, 0);
  g_assert_cmpuint (f.n_added, ==, 0);
  g_assert_false (received_contains (&f, "UID MOVE"));
  g_assert_cmpuint (f.mailbox->inbox.mails->len, ==, 4);

  /* The next connection gets everything: each message once. */
  g_assert_true (koi_syncer_connect (syncer, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_syncer_sync (syncer, FALSE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (koi_fake_imap_server_get_n_connections (f.server), ==, 2);
  for (guint i = 1; i <= 4; i++)
    g_assert_true (stored (&f, i));
  g_assert_cmpuint (messages_with_peer (&f), ==, 4);
  g_assert_cmpuint (f.n_added, ==, 4);
  g_assert_cmpuint (f.mailbox->chats.mails->len, ==, 4);

  g_clear_pointer (&syncer, koi_syncer_free);
  fixture_tear_down (&f);
}

static void
test_unparseable_mail (void)
{
  Fixture f = { 0, };
  g_autoptr(KoiSyncer) syncer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = chat_mail (1, "before the broken one");
  g_autofree char *last = chat_mail (3, "after the broken one");

  fixture_set_up (&f, HOSTILE_NONE);
  folder_add (&f.mailbox->inbox, first);
  syncer = syncer_new (&f);
  g_assert_true (koi_syncer_connect (syncer, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_syncer_sync (syncer, FALSE, NULL, &error));
  g_assert_no_error (error);

  /* New mail in a known INBOX is fetched whole at once, so the parser
   * sees it. Not an email: none of the headers every mail has. */
  folder_add (&f.mailbox->inbox, "X-Garbage: \x01\x02\r\n\r\nno From, no Date, no Message-ID\r\n");
  folder_add (&f.mailbox->inbox, last);

  g_atomic_int_set (&n_skip_warnings, 0);
  g_assert_true (koi_syncer_sync (syncer, FALSE, NULL, &error));
  g_assert_no_error (error);
  /* Said once, in the log a bug report carries. */
  g_assert_cmpint (g_atomic_int_get (&n_skip_warnings), ==, 1);

  /* The chat goes on around it; the broken mail stays on the server,
   * untouched, where another program may still read it. */
  g_assert_true (stored (&f, 1));
  g_assert_true (stored (&f, 3));
  g_assert_cmpuint (messages_with_peer (&f), ==, 2);
  g_assert_cmpuint (f.mailbox->inbox.mails->len, ==, 1);
  g_assert_cmpuint (g_array_index (f.mailbox->inbox.mails, Mail, 0).uid, ==, 2);

  /* It is not skipped: a visible row says it is unreadable, with its UID,
   * in a chat of its own (it has no sender). */
  {
    gint64 chat_id = koi_store_chat_find_by_peer (f.store, f.account_id, "unknown@invalid", &error);
    g_autoptr(GPtrArray) rows = NULL;
    const KoiStoreMessage *row;

    g_assert_no_error (error);
    g_assert_cmpint (chat_id, !=, 0);
    rows = koi_store_message_list_after (f.store, f.account_id, 0, 100, &error);
    g_assert_no_error (error);
    row = NULL;
    for (guint i = 0; i < rows->len; i++)
      if (((const KoiStoreMessage *) g_ptr_array_index (rows, i))->chat_id == chat_id)
        row = g_ptr_array_index (rows, i);
    g_assert_nonnull (row);
    g_assert_nonnull (strstr (row->text, "UID 2"));
    g_assert_true (g_str_has_prefix (row->text, "Unreadable message"));
  }

  /* And it does not stop the next sync either, nor is it read again. */
  g_assert_true (koi_syncer_sync (syncer, TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (messages_with_peer (&f), ==, 2);
  g_assert_cmpint (g_atomic_int_get (&n_skip_warnings), ==, 1);

  g_clear_pointer (&syncer, koi_syncer_free);
  fixture_tear_down (&f);
}


/* ---- the engine on top ------------------------------------------------------ */

typedef struct
{
  guint    n_synced;
  guint    n_added;
  gboolean reconnected;
} EngineSeen;

static void
engine_sync_finished (KoiEngine  *engine,
                      EngineSeen *seen)
{
  seen->n_synced++;
}

static void
engine_message_added (KoiEngine  *engine,
                      gint64      chat_id,
                      gint64      message_id,
                      EngineSeen *seen)
{
  seen->n_added++;
}

static void
engine_state (KoiEngine  *engine,
              GParamSpec *pspec,
              EngineSeen *seen)
{
  if (koi_engine_get_connection_state (engine) == KOI_CONNECTION_RECONNECTING)
    seen->reconnected = TRUE;
}

static gboolean
wait_timed_out (gpointer user_data)
{
  g_error ("No \"sync-finished\" from the engine within 60 s");
  return G_SOURCE_REMOVE;
}

/* Waits for the engine's own word that a sync ended: no guess at time. */
static void
wait_for_sync (EngineSeen *seen,
               guint       n)
{
  guint timeout = g_timeout_add_seconds (60, wait_timed_out, NULL);

  while (seen->n_synced < n)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
}

static void
test_engine_drop_mid_fetch (void)
{
  Fixture f = { 0, };
  g_autoptr(KoiEngine) engine = NULL;
  g_autofree char *path = NULL;
  EngineSeen seen = { 0, };

  fixture_set_up (&f, HOSTILE_DROP_MID_FETCH);
  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *raw = chat_mail (i, "the engine gets this after a reconnect");

      folder_add (&f.mailbox->inbox, raw);
    }

  path = g_build_filename (f.dir, "koi.db", NULL);
  engine = koi_engine_new (path, f.account_id, SELF, f.account->imap, f.account->smtp);
  g_signal_connect (engine, "sync-finished", G_CALLBACK (engine_sync_finished), &seen);
  g_signal_connect (engine, "message-added", G_CALLBACK (engine_message_added), &seen);
  g_signal_connect (engine, "notify::connection-state", G_CALLBACK (engine_state), &seen);

  /* The first connection dies in the middle of the FETCH; the engine
   * reconnects on its own and finishes the sync on the second. */
  koi_engine_start (engine);
  wait_for_sync (&seen, 1);
  g_assert_true (seen.reconnected);
  g_assert_cmpuint (koi_fake_imap_server_get_n_connections (f.server), >=, 2);

  /* Each message once, each announced once. */
  for (guint i = 1; i <= 4; i++)
    g_assert_true (stored (&f, i));
  g_assert_cmpuint (messages_with_peer (&f), ==, 4);
  g_assert_cmpuint (seen.n_added, ==, 4);

  koi_engine_stop_and_wait (engine);
  /* Events the worker posted last ("stopped", the state) are still queued
   * and keep the engine alive: their handlers must not reach this frame
   * once it is gone (the next test's would be where it was). */
  g_signal_handlers_disconnect_by_data (engine, &seen);
  g_clear_object (&engine);
  fixture_tear_down (&f);
}

static void
test_engine_huge_copyuid (void)
{
  Fixture f = { 0, };
  g_autoptr(KoiEngine) engine = NULL;
  g_autofree char *path = NULL;
  EngineSeen seen = { 0, };

  fixture_set_up (&f, HOSTILE_HUGE_COPYUID);
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *raw = chat_mail (i, "the engine moves this one");

      folder_add (&f.mailbox->inbox, raw);
    }

  path = g_build_filename (f.dir, "koi.db", NULL);
  engine = koi_engine_new (path, f.account_id, SELF, f.account->imap, f.account->smtp);
  g_signal_connect (engine, "sync-finished", G_CALLBACK (engine_sync_finished), &seen);
  g_signal_connect (engine, "message-added", G_CALLBACK (engine_message_added), &seen);

  /* About MOVE and COPYUID: the user chose to move. */
  koi_engine_set_move_chat_mail (engine, TRUE);
  koi_engine_start_once (engine);
  wait_for_sync (&seen, 1);
  g_assert_cmpuint (seen.n_added, ==, 3);
  g_assert_cmpuint (messages_with_peer (&f), ==, 3);
  g_assert_cmpuint (f.mailbox->chats.mails->len, ==, 3);

  koi_engine_stop_and_wait (engine);
  /* Events the worker posted last ("stopped", the state) are still queued
   * and keep the engine alive: their handlers must not reach this frame
   * once it is gone (the next test's would be where it was). */
  g_signal_handlers_disconnect_by_data (engine, &seen);
  g_clear_object (&engine);
  fixture_tear_down (&f);
}

/* A mail without a Date (or with one nobody can read) is dated by its
 * arrival on the server, not 1970: it sorts where it arrived, and a first
 * sync's age cut does not drop it. */
static void
test_no_date (void)
{
  Fixture f = { 0, };
  g_autoptr(KoiSyncer) syncer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiStoreMessage) row = NULL;
  gint64 ref;

  fixture_set_up (&f, HOSTILE_NONE);
  folder_add (&f.mailbox->inbox, "From: Bob <" PEER ">\r\nTo: <" SELF ">\r\n"
                                 "Date: the day after tomorrow\r\n"
                                 "Message-ID: <chat$fake1@koi.test>\r\nChat-Version: 1.0\r\n"
                                 "\r\nwhen?\r\n");
  syncer = syncer_new (&f);
  g_assert_true (koi_syncer_connect (syncer, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_syncer_sync (syncer, FALSE, NULL, &error));
  g_assert_no_error (error);

  ref = koi_store_message_find (f.store, f.account_id, "chat$fake1@koi.test", &error);
  g_assert_no_error (error);
  g_assert_cmpint (ref, !=, 0);
  row = koi_store_message_get (f.store, ref, &error);
  g_assert_no_error (error);
  g_assert_cmpint (row->sent_at_ms, ==, G_GINT64_CONSTANT (1709294400000));

  g_clear_pointer (&syncer, koi_syncer_free);
  fixture_tear_down (&f);
}

/* A forged mail that reuses a stored Message-ID is its own message, with
 * a warning; the real one keeps its text and its place, and a true copy
 * of it (same sender, same Date) is still recognised as a copy. */
static void
test_duplicate_message_id (void)
{
  Fixture f = { 0, };
  g_autoptr(KoiSyncer) syncer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiStoreMessage) row = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *original = chat_mail (1, "the real message");
  gint64 ref, mallory_chat;
  guint forged = 0;

  fixture_set_up (&f, HOSTILE_NONE);
  folder_add (&f.mailbox->inbox, original);
  syncer = syncer_new (&f);
  g_assert_true (koi_syncer_connect (syncer, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_syncer_sync (syncer, FALSE, NULL, &error));
  g_assert_no_error (error);

  folder_add (&f.mailbox->inbox, "From: Mallory <mallory@evil.test>\r\nTo: <" SELF ">\r\n"
                                 "Subject: Chat: hello\r\nDate: Mon, 1 Jan 2024 11:00:00 +0000\r\n"
                                 "Message-ID: <chat$fake1@koi.test>\r\nChat-Version: 1.0\r\n"
                                 "\r\nsend the money to me\r\n");
  folder_add (&f.mailbox->inbox, original);
  g_assert_true (koi_syncer_sync (syncer, FALSE, NULL, &error));
  g_assert_no_error (error);

  ref = koi_store_message_find (f.store, f.account_id, "chat$fake1@koi.test", &error);
  g_assert_no_error (error);
  row = koi_store_message_get (f.store, ref, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (row->text, ==, "the real message");
  g_assert_cmpstr (row->from_address, ==, PEER);
  g_assert_cmpuint (messages_with_peer (&f), ==, 1);

  mallory_chat = koi_store_chat_find_by_peer (f.store, f.account_id, "mallory@evil.test", &error);
  g_assert_no_error (error);
  g_assert_cmpint (mallory_chat, !=, 0);
  rows = koi_store_message_list_after (f.store, f.account_id, 0, 100, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < rows->len; i++)
    {
      const KoiStoreMessage *m = g_ptr_array_index (rows, i);

      if (m->chat_id != mallory_chat)
        continue;
      forged++;
      g_assert_true (g_str_has_prefix (m->text, "Warning: this message reuses the ID"));
      g_assert_nonnull (strstr (m->text, "send the money to me"));
      g_assert_cmpstr (m->message_id, !=, "chat$fake1@koi.test");
    }
  g_assert_cmpuint (forged, ==, 1);

  g_clear_pointer (&syncer, koi_syncer_free);
  fixture_tear_down (&f);
}

/* The syncer's warning about a mail it skips is expected in one test (Koi
 * logs structured, which g_test_expect_message() does not see): count it
 * instead of letting the test harness abort on it. */
/* ---- COI servers ------------------------------------------------------------ */

static char *
store_setting (Fixture    *f,
               const char *key)
{
  return koi_store_setting_get (f->store, f->account_id, key, NULL);
}

/* A server without COI: nothing is asked of it or of the user, and chat
 * mail is moved as the user chose, as always. */
static void
test_coi_absent (void)
{
  Fixture f = { 0, };
  g_autoptr(KoiSyncer) syncer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *raw = chat_mail (1, "no COI here");

  fixture_set_up (&f, HOSTILE_NONE);
  folder_add (&f.mailbox->inbox, raw);
  syncer = syncer_new (&f);
  g_assert_true (koi_syncer_connect (syncer, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_syncer_sync (syncer, TRUE, NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpint (koi_syncer_get_coi_server (syncer), ==, KOI_COI_SERVER_NONE);
  g_assert_cmpuint (f.n_offered, ==, 0);
  g_assert_false (received_contains (&f, "METADATA"));
  g_assert_cmpstr (koi_syncer_get_chats_folder (syncer), ==, "COI/Chats");
  g_assert_true (received_contains (&f, "UID MOVE 1 \"COI/Chats\""));
  g_assert_cmpuint (f.mailbox->chats.mails->len, ==, 1);
  g_assert_true (stored (&f, 1));

  g_clear_pointer (&syncer, koi_syncer_free);
  fixture_tear_down (&f);
}

/* A COI server with filing off: Koi reads its configuration, offers
 * filing once, and until the user answers changes nothing on the server
 * and files chat mail as before. Saying no is remembered: not offered
 * again. */
static void
test_coi_offered_declined (void)
{
  Fixture f = { 0, };
  g_autoptr(KoiSyncer) syncer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *raw = chat_mail (1, "a COI server that does not file yet");
  g_autofree char *choice = NULL;

  fixture_set_up (&f, HOSTILE_NONE);
  koi_fake_imap_server_set_extra_capabilities (f.server, "METADATA COI");
  folder_add (&f.mailbox->inbox, raw);
  syncer = syncer_new (&f);
  g_assert_true (koi_syncer_connect (syncer, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (received_contains (&f, "GETMETADATA (DEPTH 1) \"\" (/private/vendor/vendor.dovecot/coi/config)"));
  g_assert_cmpint (koi_syncer_get_coi_server (syncer), ==, KOI_COI_SERVER_OFFERED);
  g_assert_cmpuint (f.n_offered, ==, 1);
  g_assert_true (koi_syncer_sync (syncer, TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f.mailbox->n_setmetadata, ==, 0);
  g_assert_cmpuint (f.mailbox->n_moves, ==, 1);

  g_assert_true (koi_syncer_save_coi_filing (syncer, FALSE, &error));
  g_assert_no_error (error);
  choice = store_setting (&f, "coi_filing");
  g_assert_cmpstr (choice, ==, "no");
  g_assert_true (koi_syncer_connect (syncer, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (koi_syncer_get_coi_server (syncer), ==, KOI_COI_SERVER_DECLINED);
  g_assert_cmpuint (f.n_offered, ==, 1);
  g_assert_cmpuint (f.mailbox->n_setmetadata, ==, 0);

  g_clear_pointer (&syncer, koi_syncer_free);
  fixture_tear_down (&f);
}

/* The user agrees: Koi turns filing on with SETMETADATA, takes the
 * server's mailbox root, reads the chat mail the server files there, and
 * never moves chat mail itself, even with "move chat mail" chosen. The
 * next connect finds filing on and sets nothing again. */
static void
test_coi_enable (void)
{
  Fixture f = { 0, };
  g_autoptr(KoiSyncer) syncer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *in_inbox = chat_mail (1, "arrived before filing was on");
  g_autofree char *filed = chat_mail (2, "filed by the server");
  g_autofree char *choice = NULL;

  fixture_set_up (&f, HOSTILE_NONE);
  koi_fake_imap_server_set_extra_capabilities (f.server, "METADATA COI");
  f.mailbox->coi_root = "Chat";
  f.mailbox->chats.name = "Chat/Chats";
  f.mailbox->contacts.name = "Chat/Contacts";
  folder_add (&f.mailbox->inbox, in_inbox);
  syncer = syncer_new (&f);
  g_assert_true (koi_syncer_connect (syncer, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f.n_offered, ==, 1);

  g_assert_true (koi_syncer_enable_coi_server (syncer, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (received_contains (&f, "SETMETADATA \"\" (/private/vendor/vendor.dovecot/coi/config/enabled \"yes\")"));
  g_assert_true (received_contains (&f, "SETMETADATA \"\" (/private/vendor/vendor.dovecot/coi/config/message-filter \"active\")"));
  g_assert_true (f.mailbox->coi_enabled);
  g_assert_cmpstr (f.mailbox->coi_filter, ==, "active");
  choice = store_setting (&f, "coi_filing");
  g_assert_cmpstr (choice, ==, "yes");
  g_assert_cmpint (koi_syncer_get_coi_server (syncer), ==, KOI_COI_SERVER_ENABLED);
  g_assert_cmpstr (koi_syncer_get_chats_folder (syncer), ==, "Chat/Chats");

  /* The server files what arrives from now on. */
  folder_add (&f.mailbox->chats, filed);
  g_assert_true (koi_syncer_sync (syncer, TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (stored (&f, 1));
  g_assert_true (stored (&f, 2));
  g_assert_cmpuint (f.mailbox->n_moves, ==, 0);
  g_assert_false (received_contains (&f, "UID MOVE"));
  g_assert_false (received_contains (&f, "SELECT \"COI/Chats\""));
  g_assert_true (received_contains (&f, "SELECT \"Chat/Chats\""));
  g_assert_cmpuint (f.mailbox->inbox.mails->len, ==, 1);

  /* Another start: filing is on at the server, nothing is set or offered. */
  g_clear_pointer (&syncer, koi_syncer_free);
  syncer = syncer_new (&f);
  g_assert_true (koi_syncer_connect (syncer, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_syncer_sync (syncer, TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f.mailbox->n_setmetadata, ==, 2);
  g_assert_cmpuint (f.n_offered, ==, 1);
  g_assert_cmpint (koi_syncer_get_coi_server (syncer), ==, KOI_COI_SERVER_ENABLED);
  g_assert_cmpuint (f.mailbox->n_moves, ==, 0);
  g_assert_cmpuint (messages_with_peer (&f), ==, 2);

  g_clear_pointer (&syncer, koi_syncer_free);
  fixture_tear_down (&f);
}

/* Both SETMETADATA arrived: filing on, filter "active". */
static gboolean
mailbox_coi_filing (FakeMailbox *mailbox)
{
  gboolean filing;

  g_mutex_lock (&mailbox->lock);
  filing = mailbox->coi_enabled && g_strcmp0 (mailbox->coi_filter, "active") == 0;
  g_mutex_unlock (&mailbox->lock);
  return filing;
}

static void
engine_coi_offered (KoiEngine *engine,
                    guint     *n)
{
  (*n)++;
}

static void
engine_coi_answered (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (koi_engine_set_coi_filing_finish (KOI_ENGINE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* The window's path: the engine says the server offers COI, the user's yes
 * goes to the running engine, which turns filing on at once. */
static void
test_engine_coi_enable (void)
{
  Fixture f = { 0, };
  g_autoptr(KoiEngine) engine = NULL;
  g_autofree char *path = NULL;
  EngineSeen seen = { 0, };
  guint n_offered = 0;
  gboolean answered = FALSE;
  guint timeout;

  fixture_set_up (&f, HOSTILE_NONE);
  koi_fake_imap_server_set_extra_capabilities (f.server, "METADATA COI");
  path = g_build_filename (f.dir, "koi.db", NULL);
  engine = koi_engine_new (path, f.account_id, SELF, f.account->imap, f.account->smtp);
  g_signal_connect (engine, "sync-finished", G_CALLBACK (engine_sync_finished), &seen);
  g_signal_connect (engine, "coi-server-offered", G_CALLBACK (engine_coi_offered), &n_offered);
  koi_engine_start (engine);
  wait_for_sync (&seen, 1);
  g_assert_cmpuint (n_offered, ==, 1);
  g_assert_cmpuint (f.mailbox->n_setmetadata, ==, 0);

  koi_engine_set_coi_filing_async (engine, TRUE, NULL, engine_coi_answered, &answered);
  timeout = g_timeout_add_seconds (60, wait_timed_out, NULL);
  while (!answered)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
  /* The worker acts on the answer on its own connection: the fake server
   * tells no main loop when SETMETADATA arrives, so look every 10 ms. */
  for (guint waited_ms = 0; !mailbox_coi_filing (f.mailbox); waited_ms += 10)
    {
      g_assert_cmpuint (waited_ms, <, 60000);
      g_usleep (10 * 1000);
      g_main_context_iteration (NULL, FALSE);
    }

  koi_engine_stop_and_wait (engine);
  /* Events the worker posted last ("stopped", the state) are still queued
   * and keep the engine alive: their handlers must not reach this frame
   * once it is gone (the next test's would be where it was). */
  g_signal_handlers_disconnect_by_data (engine, &seen);
  g_signal_handlers_disconnect_by_data (engine, &n_offered);
  g_clear_object (&engine);
  fixture_tear_down (&f);
}

static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  const char *domain;
  const char *message;

  koi_test_log_fields (fields, n_fields, &domain, &message);

  if (g_strcmp0 (domain, "koi-syncer") == 0 &&
      message != NULL && strstr (message, " is unreadable: ") != NULL)
    {
      g_test_message ("expected warning: %s", message);
      g_atomic_int_inc (&n_skip_warnings);
      return G_LOG_WRITER_HANDLED;
    }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* A chat mail of thousands of parts (koi-coi-guard.c): stored in Bob's
 * chat from its headers alone, with a line that says why there is no
 * text and where the whole mail is (its UID); the sync goes on around it. */
static void
test_too_complex_mail (void)
{
  Fixture f = { 0, };
  g_autoptr(KoiSyncer) syncer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = chat_mail (1, "before the huge one");
  g_autofree char *last = chat_mail (3, "after the huge one");
  g_autoptr(GString) huge = g_string_new ("From: Bob <" PEER ">\r\n"
                                          "To: <" SELF ">\r\n"
                                          "Subject: Chat: parts\r\n"
                                          "Date: Mon, 1 Jan 2024 10:02:00 +0000\r\n"
                                          "Message-ID: <chat$fake2@koi.test>\r\n"
                                          "Chat-Version: 1.0\r\n"
                                          "MIME-Version: 1.0\r\n"
                                          "Content-Type: multipart/mixed; boundary=b\r\n\r\n");
  g_autoptr(KoiStoreMessage) row = NULL;
  gint64 ref;

  for (guint i = 0; i < 3000; i++)
    g_string_append (huge, "--b\r\nContent-Type: text/plain\r\n\r\npart\r\n");
  g_string_append (huge, "--b--\r\n");

  fixture_set_up (&f, HOSTILE_NONE);
  folder_add (&f.mailbox->inbox, first);
  syncer = syncer_new (&f);
  g_assert_true (koi_syncer_connect (syncer, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_syncer_sync (syncer, FALSE, NULL, &error));
  g_assert_no_error (error);

  folder_add (&f.mailbox->inbox, huge->str);
  folder_add (&f.mailbox->inbox, last);
  g_assert_true (koi_syncer_sync (syncer, FALSE, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (stored (&f, 3));
  g_assert_cmpuint (messages_with_peer (&f), ==, 3);
  ref = koi_store_message_find (f.store, f.account_id, "chat$fake2@koi.test", &error);
  g_assert_no_error (error);
  g_assert_cmpint (ref, !=, 0);
  row = koi_store_message_get (f.store, ref, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (row->text, "This message ("));
  g_assert_nonnull (strstr (row->text, "too large or complex"));
  g_assert_nonnull (strstr (row->text, "UID 2"));

  fixture_tear_down (&f);
}

/* Mail an older parser could not read is read again after an upgrade:
 * the store has an "Unreadable message" row at UID 1 (what the old Koi
 * stored) and an older parser version; the next sync fetches UID 1 again,
 * and the user sees the real message in Bob's chat instead. Mail still
 * unreadable (UID 2) stays as it was. */
static void
test_reparse_after_upgrade (void)
{
  Fixture f = { 0, };
  g_autoptr(KoiSyncer) syncer = NULL;
  g_autoptr(GError) error = NULL;
  static const char email[] =
    "From: Bob <" PEER ">\r\n"
    "To: <" SELF ">\r\n"
    "Subject: the minutes\r\n"
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    "Message-ID: <minutes@koi.test>\r\n"
    "\r\n"
    "Here are the minutes.\r\n";
  static const char garbage[] = "X-Garbage: \x01\x02\r\n\r\nno From, no Date\r\n";
  const char *raws[] = { email, garbage };
  g_autofree char *version = NULL;
  g_autoptr(GArray) unreadable = NULL;
  g_autoptr(KoiStoreMessage) row = NULL;
  gint64 ref;

  fixture_set_up (&f, HOSTILE_NONE);
  folder_add (&f.mailbox->inbox, email);
  folder_add (&f.mailbox->inbox, garbage);

  /* What an older Koi left: both unreadable, INBOX synced up to UID 2. */
  g_assert_true (koi_store_begin (f.store, &error));
  for (guint i = 0; i < G_N_ELEMENTS (raws); i++)
    {
      g_autoptr(GBytes) raw = g_bytes_new_static (raws[i], strlen (raws[i]));
      g_autoptr(KoiCoiParsed) parsed = koi_coi_parsed_new_unreadable (raw, i + 1, "old parser");
      KoiApplyChanges changes;
      gint64 id;

      koi_apply_changes_init (&changes);
      id = koi_apply_mail (f.store, f.account_id, SELF, parsed, TRUE, &changes, &error);
      g_assert_no_error (error);
      koi_apply_changes_clear (&changes);
      g_assert_true (koi_store_location_add (f.store, id, f.account_id, "INBOX",
                                             f.mailbox->inbox.uidvalidity, i + 1, &error));
    }
  g_assert_true (koi_store_folder_set (f.store, f.account_id, "INBOX", f.mailbox->inbox.uidvalidity,
                                       2, &error));
  g_assert_true (koi_store_setting_set (f.store, f.account_id, "parser_version", "1", &error));
  g_assert_true (koi_store_commit (f.store, &error));
  g_assert_cmpuint (messages_with_peer (&f), ==, 0);

  syncer = syncer_new (&f);
  g_assert_true (koi_syncer_connect (syncer, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_syncer_sync (syncer, FALSE, NULL, &error));
  g_assert_no_error (error);

  ref = koi_store_message_find (f.store, f.account_id, "minutes@koi.test", &error);
  g_assert_no_error (error);
  g_assert_cmpint (ref, !=, 0);
  row = koi_store_message_get (f.store, ref, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (row->text, ==, "Here are the minutes.");
  g_assert_cmpuint (messages_with_peer (&f), ==, 1);

  /* The garbage is still unreadable, and still shown as such. */
  unreadable = koi_store_message_list_unreadable (f.store, f.account_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (unreadable->len, ==, 1);
  version = koi_store_setting_get (f.store, f.account_id, "parser_version", &error);
  g_assert_cmpstr (version, !=, "1");

  /* "Show Source": its bytes, as the server holds them. */
  {
    g_autoptr(GBytes) source = koi_syncer_fetch_source (syncer, g_array_index (unreadable, gint64, 0),
                                                        NULL, &error);

    g_assert_no_error (error);
    g_assert_nonnull (source);
    g_assert_cmpmem (g_bytes_get_data (source, NULL), g_bytes_get_size (source),
                     garbage, strlen (garbage));
  }

  fixture_tear_down (&f);
}

/* A server without QRESYNC (nor CONDSTORE): a chat message another
 * device expunged from the chat folder leaves the chat at the next full
 * sync, found by one UID SEARCH over the UIDs Koi knows there; the other
 * stays. */
static void
test_expunged_without_qresync (void)
{
  Fixture f = { 0, };
  g_autoptr(KoiSyncer) syncer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiStoreMessage) gone = NULL;
  g_autoptr(KoiStoreMessage) kept = NULL;
  g_autofree char *first = chat_mail (1, "expunged on the phone");
  g_autofree char *second = chat_mail (2, "still there");

  fixture_set_up (&f, HOSTILE_NONE);
  folder_add (&f.mailbox->inbox, first);
  folder_add (&f.mailbox->inbox, second);
  syncer = syncer_new (&f);
  g_assert_true (koi_syncer_connect (syncer, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_syncer_sync (syncer, TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f.mailbox->chats.mails->len, ==, 2);
  g_assert_false (received_contains (&f, "ENABLE QRESYNC"));

  g_mutex_lock (&f.mailbox->lock);
  g_array_remove_index (f.mailbox->chats.mails, 0);
  g_mutex_unlock (&f.mailbox->lock);

  g_assert_true (koi_syncer_sync (syncer, TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (received_contains (&f, "UID SEARCH UID 1:2"));

  gone = koi_store_message_get (f.store, koi_store_message_find (f.store, f.account_id, "chat$fake1@koi.test", NULL),
                                &error);
  g_assert_no_error (error);
  kept = koi_store_message_get (f.store, koi_store_message_find (f.store, f.account_id, "chat$fake2@koi.test", NULL),
                                &error);
  g_assert_no_error (error);
  g_assert_cmpint (gone->chat_id, ==, 0);
  g_assert_cmpint (kept->chat_id, >, 0);
  g_assert_cmpuint (koi_store_message_count (f.store, kept->chat_id, &error), ==, 1);

  g_clear_pointer (&syncer, koi_syncer_free);
  fixture_tear_down (&f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (log_writer, NULL, NULL);
  g_mime_init ();

  g_test_add_func ("/engine/syncer-fake/copyuid/huge", test_copyuid_huge);
  g_test_add_func ("/engine/syncer-fake/copyuid/trusted", test_copyuid_trusted);
  g_test_add_func ("/engine/syncer-fake/fetch/drop-mid-fetch", test_drop_mid_fetch);
  g_test_add_func ("/engine/syncer-fake/parse/unparseable", test_unparseable_mail);
  g_test_add_func ("/engine/syncer-fake/parse/too-complex", test_too_complex_mail);
  g_test_add_func ("/engine/syncer-fake/parse/reparse-after-upgrade-and-source", test_reparse_after_upgrade);
  g_test_add_func ("/engine/engine-fake/drop-mid-fetch", test_engine_drop_mid_fetch);
  g_test_add_func ("/engine/engine-fake/copyuid/huge", test_engine_huge_copyuid);
  g_test_add_func ("/engine/syncer-fake/parse/no-date", test_no_date);
  g_test_add_func ("/engine/syncer-fake/identity/duplicate-message-id", test_duplicate_message_id);
  g_test_add_func ("/engine/syncer-fake/coi/absent", test_coi_absent);
  g_test_add_func ("/engine/syncer-fake/expunged/without-qresync", test_expunged_without_qresync);
  g_test_add_func ("/engine/syncer-fake/coi/offered-declined", test_coi_offered_declined);
  g_test_add_func ("/engine/syncer-fake/coi/enable", test_coi_enable);
  g_test_add_func ("/engine/engine-fake/coi/enable", test_engine_coi_enable);

  return g_test_run ();
}
