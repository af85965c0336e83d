/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "model-test-util"

#include "config.h"

#include <glib/gstdio.h>

#include "model-test-util.h"

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
model_fixture_set_up (ModelFixture  *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  KoiStoreAccount account = {
    .address = (char *) "me@koi.test",
    .display_name = (char *) "Me",
    .imap_host = (char *) "127.0.0.1",
    .imap_port = 1993,
    .imap_security = (char *) "tls",
    .smtp_host = (char *) "127.0.0.1",
    .smtp_port = 1465,
    .smtp_security = (char *) "tls",
  };

  fixture->dir = g_dir_make_tmp ("koi-model-test-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "koi.db", NULL);
  fixture->store = koi_store_open (fixture->path, &error);
  g_assert_no_error (error);

  fixture->account_id = koi_store_account_upsert (fixture->store, &account, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fixture->account_id, >, 0);
}

void
model_fixture_tear_down (ModelFixture  *fixture,
                         gconstpointer  data)
{
  g_clear_pointer (&fixture->store, koi_store_close);
  remove_tree (fixture->dir);
  g_clear_pointer (&fixture->path, g_free);
  g_clear_pointer (&fixture->dir, g_free);
}

gint64
model_fixture_add_chat (ModelFixture *fixture,
                        const char   *peer_address,
                        const char   *peer_name)
{
  g_autoptr(GError) error = NULL;
  gint64 chat_id;

  chat_id = koi_store_chat_ensure_1to1 (fixture->store, fixture->account_id,
                                        peer_address, peer_name, &error);
  g_assert_no_error (error);
  g_assert_cmpint (chat_id, >, 0);
  return chat_id;
}

gint64
model_fixture_add_message (ModelFixture *fixture,
                           gint64        chat_id,
                           const char   *peer_address,
                           const char   *text,
                           gint64        sort_ms)
{
  static guint serial;
  g_autoptr(GError) error = NULL;
  g_autofree char *message_id = g_strdup_printf ("chat$%u.%" G_GINT64_FORMAT "@koi.test",
                                                 ++serial, sort_ms);
  KoiStoreMessage message = {
    .account_id = fixture->account_id,
    .chat_id = chat_id,
    .message_id = message_id,
    .direction = KOI_STORE_DIRECTION_INCOMING,
    .state = KOI_STORE_STATE_RECEIVED,
    .kind = KOI_STORE_KIND_CHAT,
    .from_address = (char *) peer_address,
    .text = (char *) text,
    .sent_at_ms = sort_ms,
    .received_at_ms = sort_ms,
    .sort_ms = sort_ms,
  };
  gboolean inserted = FALSE;
  gint64 id;

  id = koi_store_message_insert (fixture->store, &message, &inserted, &error);
  g_assert_no_error (error);
  g_assert_true (inserted);
  return id;
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_error ("Timed out waiting for the model");
  return G_SOURCE_REMOVE;
}

void
model_wait_for (const gboolean *flag)
{
  guint timeout = g_timeout_add_seconds (10, timeout_cb, NULL);

  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
}

static void
barrier_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  /* An error (a store that cannot be opened) still marks the point in the
   * queue, which is all a barrier is for. */
  koi_store_reader_barrier_finish (KOI_STORE_READER (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

void
model_drain (KoiStoreReader *reader)
{
  guint64 queued;

  /* A barrier's callback runs after the callbacks of every job queued
   * before it; such a callback may queue more (a reload that was asked for
   * while one was in flight, the reload after marking read). Again, until
   * nothing was queued behind the barrier: then every answer has landed. */
  do
    {
      gboolean done = FALSE;

      queued = koi_store_reader_get_n_queued (reader);
      koi_store_reader_barrier_async (reader, NULL, barrier_done, &done);
      model_wait_for (&done);
    }
  while (koi_store_reader_get_n_queued (reader) != queued + 1);
}
