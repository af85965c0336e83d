/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "store-test-util.h"

/* The threading model in practice: the engine thread writes batches on its
 * own connection while the UI's connection pages through the same chat.
 * Neither may see SQLITE_BUSY, and the reader must always see whole
 * batches (never half of one). */

#define BATCHES    40
#define BATCH_SIZE 250

typedef struct {
  const char    *path;
  gint64         account_id;
  gint64         chat_id;
  gint           writer_done;
  gint           reader_passes;
} Shared;

static gpointer
writer_thread (gpointer data)
{
  Shared *shared = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiStore) store = store_test_open (shared->path);

  for (guint b = 0; b < BATCHES; b++)
    {
      gint seen = g_atomic_int_get (&shared->reader_passes);
      gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

      /* Let the reader look at every committed state at least once, even
       * on a loaded machine; it keeps reading while this batch is written. */
      while (b > 0 && g_atomic_int_get (&shared->reader_passes) == seen)
        {
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          g_usleep (100);
        }

      g_assert_true (koi_store_begin (store, &error));
      g_assert_no_error (error);
      for (guint i = 0; i < BATCH_SIZE; i++)
        {
          guint n = b * BATCH_SIZE + i;
          g_autofree char *id = g_strdup_printf ("chat$%u@example.org", n);
          g_autofree char *text = g_strdup_printf ("batch %u message %u", b, n);

          store_test_incoming (store, shared->account_id, shared->chat_id, id, text, 1000 + n);
        }
      g_assert_true (koi_store_commit (store, &error));
      g_assert_no_error (error);
    }

  g_atomic_int_set (&shared->writer_done, 1);
  return NULL;
}

static gpointer
reader_thread (gpointer data)
{
  Shared *shared = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiStore) store = store_test_open (shared->path);
  gboolean last_pass = FALSE;

  while (!last_pass)
    {
      guint count;

      last_pass = g_atomic_int_get (&shared->writer_done);
      count = koi_store_message_count (store, shared->chat_id, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (count % BATCH_SIZE, ==, 0);

      if (count > 0)
        {
          guint offset = count > 100 ? count - 100 : 0;
          g_autoptr(GPtrArray) page = koi_store_message_page (store, shared->chat_id, offset, 100, &error);
          g_autoptr(GPtrArray) chats = koi_store_chat_list (store, shared->account_id, &error);

          g_assert_no_error (error);
          g_assert_nonnull (page);
          /* Pages are ordered, and a later count may only be larger. */
          for (guint i = 1; i < page->len; i++)
            g_assert_cmpint (((KoiStoreMessage *) g_ptr_array_index (page, i - 1))->sort_ms, <,
                             ((KoiStoreMessage *) g_ptr_array_index (page, i))->sort_ms);
          g_assert_cmpuint (chats->len, ==, 1);
        }
      if (last_pass)
        g_assert_cmpuint (count, ==, BATCHES * BATCH_SIZE);
      g_atomic_int_inc (&shared->reader_passes);
    }
  return NULL;
}

static void
test_writer_and_reader (void)
{
  StoreTestDir dir;
  g_autoptr(GError) error = NULL;
  Shared shared = { 0 };
  GThread *writer, *reader;

  store_test_dir_init (&dir);
  {
    g_autoptr(KoiStore) store = store_test_open (dir.path);

    shared.account_id = store_test_account (store, "alice@example.org");
    shared.chat_id = koi_store_chat_ensure_1to1 (store, shared.account_id, "bob@example.org", "Bob", &error);
    g_assert_no_error (error);
  }
  shared.path = dir.path;

  writer = g_thread_new ("writer", writer_thread, &shared);
  reader = g_thread_new ("reader", reader_thread, &shared);
  g_thread_join (writer);
  g_thread_join (reader);

  g_test_message ("reader made %d passes while the writer wrote", shared.reader_passes);
  g_assert_cmpint (shared.reader_passes, >=, BATCHES);

  store_test_dir_clear (&dir);
}

static void
test_two_openers (void)
{
  StoreTestDir dir;
  GThread *threads[4];

  /* Several connections opening a fresh file at once: one migrates, the
   * others wait and find the schema done. */
  store_test_dir_init (&dir);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("opener", (GThreadFunc) store_test_open, dir.path);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      KoiStore *store = g_thread_join (threads[i]);

      g_assert_cmpint (koi_store_get_schema_version (store), ==, KOI_STORE_SCHEMA_VERSION);
      koi_store_close (store);
    }
  store_test_dir_clear (&dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/threads/writer-and-reader", test_writer_and_reader);
  g_test_add_func ("/store/threads/concurrent-open", test_two_openers);

  return g_test_run ();
}
