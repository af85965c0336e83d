/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-model-lists"

#include "config.h"

#include <string.h>
#include "koi-account.h"
#include "koi-chat-list.h"
#include "koi-message-list.h"
#include "koi-model.h"
#include "koi-server-config.h"
#include "koi-store-reader.h"
#include "model-test-util.h"

static GThread *main_thread;

/* ------------------------------------------------------------------ */
/* Recording items-changed */

typedef struct
{
  guint position, removed, added;
} Change;

static void
record_change (GListModel *model,
               guint       position,
               guint       removed,
               guint       added,
               GArray     *changes)
{
  Change change = { position, removed, added };

  g_array_append_val (changes, change);
}

static GArray *
watch_changes (gpointer model)
{
  GArray *changes = g_array_new (FALSE, FALSE, sizeof (Change));

  g_signal_connect (model, "items-changed", G_CALLBACK (record_change), changes);
  return changes;
}

static void
unwatch_changes (gpointer  model,
                 GArray   *changes)
{
  g_signal_handlers_disconnect_by_func (model, record_change, changes);
  g_array_unref (changes);
}

/* Connected swapped: the flag comes first, the rest is ignored. */
static void
set_flag (gboolean *flag)
{
  *flag = TRUE;
}

static KoiEngine *
engine_new (ModelFixture *fixture)
{
  g_autoptr(KoiServerConfig) config =
    koi_server_config_new ("127.0.0.1", 1993, KOI_SECURITY_TLS, "me@koi.test", NULL, NULL);

  /* Never started (no server): its commands (create a chat, mark read) run
   * on its command thread as in the app, and the tests emit its change
   * signals as the running engine would after writing to the store. */
  return koi_engine_new (fixture->path, fixture->account_id, "me@koi.test", config, config);
}

/* The account the lists follow; @engine may be NULL (not running). */
static KoiAccount *
account_new (ModelFixture   *fixture,
             KoiStoreReader *reader,
             KoiEngine      *engine)
{
  KoiAccount *account = koi_account_new (reader, fixture->account_id, "me@koi.test", NULL);

  koi_account_set_engine (account, engine);
  return account;
}

/* ------------------------------------------------------------------ */
/* KoiStoreReader */

typedef struct
{
  gboolean  done;
  gpointer  result;
  GError   *error;
} RunResult;

static gpointer
count_chats_off_main (KoiStore      *store,
                      gpointer       data,
                      GCancellable  *cancellable,
                      GError       **error)
{
  GPtrArray *chats;

  /* The point of the reader: no SQL on the thread that draws the UI. */
  g_assert_false (g_main_context_is_owner (g_main_context_default ()));
  g_assert_true (g_thread_self () != main_thread);

  chats = koi_store_chat_list (store, *(gint64 *) data, error);
  return chats;
}

static void
run_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  RunResult *run = user_data;

  g_assert_true (g_thread_self () == main_thread);
  run->result = koi_store_reader_run_finish (KOI_STORE_READER (source), result, &run->error);
  run->done = TRUE;
}

static void
test_reader_off_main_thread (ModelFixture  *fixture,
                             gconstpointer  data)
{
  g_autoptr(KoiStoreReader) reader = koi_store_reader_new (fixture->path);
  g_autoptr(GPtrArray) chats = NULL;
  RunResult run = { 0 };

  model_fixture_add_chat (fixture, "ann@koi.test", "Ann");
  model_fixture_add_chat (fixture, "bob@koi.test", NULL);

  koi_store_reader_run_async (reader, count_chats_off_main,
                              g_memdup2 (&fixture->account_id, sizeof (gint64)), g_free,
                              (GDestroyNotify) g_ptr_array_unref, NULL, run_done, &run);
  /* Nothing is answered synchronously. */
  g_assert_false (run.done);
  model_wait_for (&run.done);

  g_assert_no_error (run.error);
  chats = run.result;
  g_assert_cmpuint (chats->len, ==, 2);

  g_assert_finalize_object (g_steal_pointer (&reader));
}

static void
test_reader_open_error (void)
{
  g_autoptr(KoiStoreReader) reader =
    koi_store_reader_new ("/nonexistent-koi-dir/sub/koi.db");
  RunResult run = { 0 };

  koi_store_reader_run_async (reader, count_chats_off_main,
                              g_new0 (gint64, 1), g_free,
                              (GDestroyNotify) g_ptr_array_unref, NULL, run_done, &run);
  model_wait_for (&run.done);

  /* A clear error, with the store's own words, instead of a crash. */
  g_assert_null (run.result);
  g_assert_error (run.error, KOI_STORE_ERROR, KOI_STORE_ERROR_OPEN);
  g_assert_true (g_str_has_prefix (run.error->message, "Cannot read the message store: "));
  g_clear_error (&run.error);

  g_assert_finalize_object (g_steal_pointer (&reader));
}

static void
test_reader_cancelled (ModelFixture  *fixture,
                       gconstpointer  data)
{
  g_autoptr(KoiStoreReader) reader = koi_store_reader_new (fixture->path);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  RunResult run = { 0 };

  g_cancellable_cancel (cancellable);
  koi_store_reader_run_async (reader, count_chats_off_main,
                              g_memdup2 (&fixture->account_id, sizeof (gint64)), g_free,
                              (GDestroyNotify) g_ptr_array_unref, cancellable, run_done, &run);
  model_wait_for (&run.done);

  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&run.error);
  g_assert_finalize_object (g_steal_pointer (&reader));
}

typedef struct
{
  GArray  *order;   /* of int: which callbacks ran, in order */
  int      label;
} OrderEntry;

static gpointer
slow_job (KoiStore      *store,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  /* A loaded machine or a slow disk: longer than any quiet period a
   * time-based wait would allow. */
  g_usleep (300 * 1000);
  return GINT_TO_POINTER (1);
}

static void
record_order (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  OrderEntry *entry = user_data;

  g_assert_true (g_thread_self () == main_thread);
  g_assert_nonnull (koi_store_reader_run_finish (KOI_STORE_READER (source), result, NULL));
  g_array_append_val (entry->order, entry->label);
}

static void
record_cancelled (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  OrderEntry *entry = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_null (koi_store_reader_run_finish (KOI_STORE_READER (source), result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_array_append_val (entry->order, entry->label);
}

static void
record_barrier (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  OrderEntry *entry = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_thread_self () == main_thread);
  g_assert_true (koi_store_reader_barrier_finish (KOI_STORE_READER (source), result, &error));
  g_assert_no_error (error);
  g_array_append_val (entry->order, entry->label);
}

static void
test_reader_barrier (ModelFixture  *fixture,
                     gconstpointer  data)
{
  g_autoptr(KoiStoreReader) reader = koi_store_reader_new (fixture->path);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  OrderEntry first = { order, 1 }, second = { order, 2 }, dropped = { order, 3 };
  OrderEntry barrier = { order, 4 }, after = { order, 5 };
  guint64 queued = koi_store_reader_get_n_queued (reader);

  /* Two slow jobs, one cancelled (as a message list drops a page it asked
   * for; GTask answers those one idle later), a barrier, one more job: the
   * barrier's callback comes after the three before it and before the
   * later job's. */
  koi_store_reader_run_async (reader, slow_job, NULL, NULL, NULL, NULL, record_order, &first);
  koi_store_reader_run_async (reader, slow_job, NULL, NULL, NULL, NULL, record_order, &second);
  koi_store_reader_run_async (reader, slow_job, NULL, NULL, NULL, cancellable, record_cancelled,
                              &dropped);
  g_cancellable_cancel (cancellable);
  koi_store_reader_barrier_async (reader, NULL, record_barrier, &barrier);
  koi_store_reader_run_async (reader, slow_job, NULL, NULL, NULL, NULL, record_order, &after);
  g_assert_cmpuint (koi_store_reader_get_n_queued (reader), ==, queued + 5);
  g_assert_cmpuint (order->len, ==, 0);

  model_drain (reader);
  g_assert_cmpuint (order->len, ==, 5);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint (g_array_index (order, int, i), ==, i + 1);

  g_assert_finalize_object (g_steal_pointer (&reader));
}

static void
reload_when_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  OrderEntry *entry = user_data;

  record_order (source, result, entry);
  /* A callback that asks for more, as a chat list does for a reload that
   * was requested while one was in flight. */
  if (entry->label == 1)
    {
      entry->label = 2;
      koi_store_reader_run_async (KOI_STORE_READER (source), slow_job, NULL, NULL, NULL, NULL,
                                  reload_when_done, entry);
    }
}

static void
test_reader_drain_follows_chains (ModelFixture  *fixture,
                                  gconstpointer  data)
{
  g_autoptr(KoiStoreReader) reader = koi_store_reader_new (fixture->path);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (int));
  OrderEntry entry = { order, 1 };

  /* Slower than two 50 ms quiet periods (the old time-based drain), and
   * one job queued from another's callback: the drain waits for both. */
  koi_store_reader_run_async (reader, slow_job, NULL, NULL, NULL, NULL, reload_when_done, &entry);
  model_drain (reader);
  g_assert_cmpuint (order->len, ==, 2);
  g_assert_cmpint (g_array_index (order, int, 1), ==, 2);

  g_assert_finalize_object (g_steal_pointer (&reader));
}

/* ------------------------------------------------------------------ */
/* KoiChatList */

static KoiChat *
chat_at (KoiChatList *list,
         guint        position)
{
  g_autoptr(KoiChat) chat = g_list_model_get_item (G_LIST_MODEL (list), position);

  return chat;  /* the list keeps it alive */
}

static KoiChatList *
chat_list_new_loaded (KoiStoreReader *reader,
                      KoiAccount     *account)
{
  KoiChatList *list = koi_chat_list_new (reader, account);
  gboolean loaded = FALSE;

  g_assert_true (koi_chat_list_get_loading (list));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);

  g_signal_connect_swapped (list, "notify::loading", G_CALLBACK (set_flag), &loaded);
  model_wait_for (&loaded);
  g_signal_handlers_disconnect_by_func (list, set_flag, &loaded);
  g_assert_false (koi_chat_list_get_loading (list));
  return list;
}

static void
test_chat_list_order_and_move (ModelFixture  *fixture,
                               gconstpointer  data)
{
  g_autoptr(KoiStoreReader) reader = koi_store_reader_new (fixture->path);
  g_autoptr(KoiEngine) engine = engine_new (fixture);
  g_autoptr(KoiAccount) account = account_new (fixture, reader, engine);
  g_autoptr(KoiChatList) list = NULL;
  g_autoptr(GArray) changes = NULL;
  g_autofree char *initials = NULL;
  gboolean chat_updated = FALSE;
  gint64 a, b, c;
  KoiChat *chat_a, *chat_b, *chat_c;
  gboolean b_text_changed = FALSE;
  const Change *change;

  a = model_fixture_add_chat (fixture, "ann@koi.test", "Ann Archer");
  b = model_fixture_add_chat (fixture, "bob@koi.test", NULL);
  c = model_fixture_add_chat (fixture, "cid@koi.test", "Cid");
  model_fixture_add_message (fixture, c, "cid@koi.test", "third", 1000);
  model_fixture_add_message (fixture, b, "bob@koi.test", "second", 2000);
  model_fixture_add_message (fixture, a, "ann@koi.test", "first", 3000);

  list = chat_list_new_loaded (reader, account);

  /* Newest activity first, with what the rows show. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);
  chat_a = chat_at (list, 0);
  chat_b = chat_at (list, 1);
  chat_c = chat_at (list, 2);
  g_assert_cmpint (koi_chat_get_id (chat_a), ==, a);
  g_assert_cmpint (koi_chat_get_id (chat_b), ==, b);
  g_assert_cmpint (koi_chat_get_id (chat_c), ==, c);
  g_assert_cmpstr (koi_chat_get_title (chat_a), ==, "Ann Archer");
  g_assert_cmpstr (koi_chat_get_title (chat_b), ==, "bob@koi.test");
  g_assert_cmpstr (koi_chat_get_last_text (chat_b), ==, "second");
  g_assert_cmpint (koi_chat_get_last_activity (chat_a), ==, 3000);
  g_assert_cmpuint (koi_chat_get_unread_count (chat_a), ==, 1);
  g_assert_true (koi_chat_get_has_messages (chat_a));
  initials = koi_chat_get_initials (chat_a);
  g_assert_cmpstr (initials, ==, "AA");
  g_clear_pointer (&initials, g_free);
  initials = koi_chat_get_initials (chat_b);
  g_assert_cmpstr (initials, ==, "B");
  g_assert_cmpuint (koi_chat_get_color_index (chat_b), <, KOI_CHAT_N_COLORS);
  g_assert_true (koi_chat_list_find (list, b) == chat_b);
  g_assert_true (koi_chat_list_find_by_peer (list, "BOB@koi.test") == chat_b);
  g_assert_null (koi_chat_list_find (list, 9999));

  /* Bob writes again: his chat moves to the top in ONE items-changed that
   * spans the move, and every row keeps its object. */
  model_fixture_add_message (fixture, b, "bob@koi.test", "newest", 4000);
  changes = watch_changes (list);
  g_signal_connect_swapped (chat_b, "notify::last-text", G_CALLBACK (set_flag), &b_text_changed);
  koi_chat_list_reload (list);
  model_drain (reader);

  g_assert_cmpuint (changes->len, ==, 1);
  change = &g_array_index (changes, Change, 0);
  g_assert_cmpuint (change->position, ==, 0);
  g_assert_cmpuint (change->removed, ==, 2);
  g_assert_cmpuint (change->added, ==, 2);

  g_assert_true (chat_at (list, 0) == chat_b);
  g_assert_true (chat_at (list, 1) == chat_a);
  g_assert_true (chat_at (list, 2) == chat_c);
  g_assert_true (b_text_changed);
  g_assert_cmpstr (koi_chat_get_last_text (chat_b), ==, "newest");
  g_assert_cmpuint (koi_chat_get_unread_count (chat_b), ==, 2);
  g_signal_handlers_disconnect_by_func (chat_b, set_flag, &b_text_changed);

  /* Cid, last of three, writes: one signal over all three rows. */
  g_array_set_size (changes, 0);
  model_fixture_add_message (fixture, c, "cid@koi.test", "from the bottom", 5000);
  koi_chat_list_reload (list);
  model_drain (reader);
  g_assert_cmpuint (changes->len, ==, 1);
  change = &g_array_index (changes, Change, 0);
  g_assert_cmpuint (change->position, ==, 0);
  g_assert_cmpuint (change->removed, ==, 3);
  g_assert_cmpuint (change->added, ==, 3);
  g_assert_true (chat_at (list, 0) == chat_c);
  g_assert_true (chat_at (list, 1) == chat_b);
  g_assert_true (chat_at (list, 2) == chat_a);

  /* Nothing changed: a reload says nothing. */
  g_array_set_size (changes, 0);
  koi_chat_list_reload (list);
  koi_chat_list_reload (list);
  koi_chat_list_reload (list);
  model_drain (reader);
  g_assert_cmpuint (changes->len, ==, 0);

  /* Marking read goes through the engine to the store, which remembers to
   * tell the server, and comes back as a property change. */
  g_signal_connect_swapped (engine, "chat-updated", G_CALLBACK (set_flag), &chat_updated);
  koi_chat_list_mark_read (list, b);
  model_wait_for (&chat_updated);
  model_drain (reader);
  g_assert_cmpuint (koi_chat_get_unread_count (chat_b), ==, 0);
  g_assert_cmpuint (changes->len, ==, 0);
  {
    g_autoptr(GPtrArray) pending = koi_store_seen_pending_list (fixture->store, fixture->account_id, NULL);

    g_assert_nonnull (pending);
    g_assert_cmpuint (pending->len, ==, 2);
  }

  unwatch_changes (list, g_steal_pointer (&changes));
  g_assert_finalize_object (g_steal_pointer (&list));
  g_clear_object (&account);
  g_assert_finalize_object (g_steal_pointer (&reader));
}

static void
test_chat_list_engine_signals (ModelFixture  *fixture,
                               gconstpointer  data)
{
  g_autoptr(KoiStoreReader) reader = koi_store_reader_new (fixture->path);
  g_autoptr(KoiEngine) engine = engine_new (fixture);
  g_autoptr(KoiAccount) account = account_new (fixture, reader, engine);
  g_autoptr(KoiChatList) list = NULL;
  g_autoptr(GArray) changes = NULL;
  gint64 a, d;

  a = model_fixture_add_chat (fixture, "ann@koi.test", "Ann");
  model_fixture_add_message (fixture, a, "ann@koi.test", "hi", 1000);
  list = chat_list_new_loaded (reader, account);
  model_drain (reader);
  changes = watch_changes (list);

  /* A burst from the engine: a new chat appears once, above Ann. */
  d = model_fixture_add_chat (fixture, "dee@koi.test", "Dee");
  model_fixture_add_message (fixture, d, "dee@koi.test", "hello", 2000);
  for (guint i = 0; i < 20; i++)
    g_signal_emit_by_name (engine, "chat-updated", d);
  model_drain (reader);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpuint (g_array_index (changes, Change, 0).position, ==, 0);
  g_assert_cmpuint (g_array_index (changes, Change, 0).removed, ==, 0);
  g_assert_cmpuint (g_array_index (changes, Change, 0).added, ==, 1);
  g_assert_cmpint (koi_chat_get_id (chat_at (list, 0)), ==, d);

  /* The account's engine is replaced (a restart): the same list follows
   * the new one. */
  {
    g_autoptr(KoiEngine) second = engine_new (fixture);
    gint64 e;

    koi_account_set_engine (account, second);
    g_array_set_size (changes, 0);
    model_drain (reader);
    e = model_fixture_add_chat (fixture, "eve@koi.test", "Eve");
    model_fixture_add_message (fixture, e, "eve@koi.test", "after the restart", 3000);
    g_signal_emit_by_name (second, "chat-updated", e);
    model_drain (reader);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);
    g_assert_cmpint (koi_chat_get_id (chat_at (list, 0)), ==, e);
    koi_account_set_engine (account, NULL);
  }

  unwatch_changes (list, g_steal_pointer (&changes));
  g_assert_finalize_object (g_steal_pointer (&list));
  g_clear_object (&account);
  g_assert_finalize_object (g_steal_pointer (&reader));
}

typedef struct
{
  gboolean  done;
  KoiChat  *chat;
  GError   *error;
} EnsureResult;

static void
ensure_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  EnsureResult *res = user_data;

  res->chat = koi_chat_list_ensure_for_peer_finish (KOI_CHAT_LIST (source), result, &res->error);
  res->done = TRUE;
}

static void
test_chat_list_ensure_for_peer (ModelFixture  *fixture,
                                gconstpointer  data)
{
  g_autoptr(KoiStoreReader) reader = koi_store_reader_new (fixture->path);
  g_autoptr(KoiEngine) engine = engine_new (fixture);
  g_autoptr(KoiAccount) account = account_new (fixture, reader, engine);
  g_autoptr(KoiChatList) list = NULL;
  EnsureResult res = { 0 };
  KoiChat *chat;

  model_fixture_add_chat (fixture, "ann@koi.test", "Ann");
  list = chat_list_new_loaded (reader, account);

  /* A new peer: created in the store, then found in the list. */
  koi_chat_list_ensure_for_peer_async (list, "  new@koi.test ", NULL, ensure_done, &res);
  model_wait_for (&res.done);
  g_assert_no_error (res.error);
  g_assert_nonnull (res.chat);
  g_assert_cmpstr (koi_chat_get_peer_address (res.chat), ==, "new@koi.test");
  g_assert_false (koi_chat_get_has_messages (res.chat));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
  g_assert_true (koi_chat_list_find (list, koi_chat_get_id (res.chat)) == res.chat);
  g_assert_cmpint (koi_store_chat_find_by_peer (fixture->store, fixture->account_id,
                                                "new@koi.test", NULL), ==,
                   koi_chat_get_id (res.chat));
  chat = res.chat;

  /* Again: the same object, no second chat. */
  res = (EnsureResult) { 0 };
  koi_chat_list_ensure_for_peer_async (list, "new@koi.test", NULL, ensure_done, &res);
  model_wait_for (&res.done);
  g_assert_no_error (res.error);
  g_assert_true (res.chat == chat);
  g_object_unref (res.chat);
  g_object_unref (chat);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);

  /* Not an address: a clear error, nothing written. */
  res = (EnsureResult) { 0 };
  koi_chat_list_ensure_for_peer_async (list, "not an address", NULL, ensure_done, &res);
  model_wait_for (&res.done);
  g_assert_error (res.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (res.error->message, "not an address"));
  g_assert_null (res.chat);
  g_clear_error (&res.error);
  model_drain (reader);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);

  g_assert_finalize_object (g_steal_pointer (&list));
  g_clear_object (&account);
  g_assert_finalize_object (g_steal_pointer (&reader));
}

/* ------------------------------------------------------------------ */
/* KoiMessageList */

#define N_MESSAGES 10000

static gint64
fill_chat (ModelFixture *fixture,
           guint         n)
{
  g_autoptr(GError) error = NULL;
  gint64 chat_id = model_fixture_add_chat (fixture, "bob@koi.test", "Bob");

  koi_store_begin (fixture->store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("message %u", i);

      /* Sort times 10 ms apart, leaving room to insert in between. */
      model_fixture_add_message (fixture, chat_id, "bob@koi.test", text, 1000000 + i * 10);
    }
  koi_store_commit (fixture->store, &error);
  g_assert_no_error (error);
  return chat_id;
}

static KoiMessageList *
message_list_new_ready (KoiStoreReader *reader,
                        KoiAccount     *account,
                        gint64          chat_id)
{
  KoiMessageList *list = koi_message_list_new (reader, account, chat_id);
  gboolean ready = FALSE;

  g_assert_true (koi_message_list_get_loading (list));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), 0));

  g_signal_connect_swapped (list, "ready", G_CALLBACK (set_flag), &ready);
  model_wait_for (&ready);
  g_signal_handlers_disconnect_by_func (list, set_flag, &ready);
  g_assert_false (koi_message_list_get_loading (list));
  return list;
}

static void
test_message_list_paging (ModelFixture  *fixture,
                          gconstpointer  data)
{
  g_autoptr(KoiStoreReader) reader = koi_store_reader_new (fixture->path);
  g_autoptr(KoiMessageList) list = NULL;
  g_autoptr(KoiMessage) last = NULL;
  g_autoptr(KoiMessage) first = NULL;
  gint64 chat_id = fill_chat (fixture, N_MESSAGES);
  gboolean loaded = FALSE;
  guint max_pages = 0;

  list = message_list_new_ready (reader, NULL, chat_id);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, N_MESSAGES);
  g_assert_cmpuint (koi_message_list_get_cached_pages (list), ==, 0);

  /* The newest message: a placeholder now, the real one after the loop. */
  last = g_list_model_get_item (G_LIST_MODEL (list), N_MESSAGES - 1);
  g_assert_nonnull (last);
  g_assert_false (koi_message_get_loaded (last));
  g_assert_null (koi_message_get_text (last));
  g_signal_connect_swapped (last, "notify::loaded", G_CALLBACK (set_flag), &loaded);
  model_wait_for (&loaded);
  g_signal_handlers_disconnect_by_func (last, set_flag, &loaded);
  g_assert_true (koi_message_get_loaded (last));
  g_assert_cmpstr (koi_message_get_text (last), ==, "message 9999");
  g_assert_cmpstr (koi_message_get_from_address (last), ==, "bob@koi.test");
  g_assert_cmpint (koi_message_get_timestamp (last), ==, 1000000 + 9999 * 10);
  g_assert_cmpint (koi_message_get_direction (last), ==, KOI_MESSAGE_INCOMING);
  g_assert_cmpint (koi_message_get_state (last), ==, KOI_MESSAGE_RECEIVED);
  g_assert_cmpint (koi_message_get_chat_id (last), ==, chat_id);
  /* The same object while it is cached. */
  {
    g_autoptr(KoiMessage) again = g_list_model_get_item (G_LIST_MODEL (list), N_MESSAGES - 1);
    g_assert_true (again == last);
  }

  /* A full scan, as a fast scroll from the top would do, with the loop
   * running: the cache never grows past its limit. */
  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_autoptr(KoiMessage) item = g_list_model_get_item (G_LIST_MODEL (list), i);

      g_assert_nonnull (item);
      if (i % 25 == 0)
        while (g_main_context_iteration (NULL, FALSE))
          ;
      max_pages = MAX (max_pages, koi_message_list_get_cached_pages (list));
      g_assert_cmpuint (koi_message_list_get_cached_pages (list), <=, KOI_MESSAGE_LIST_MAX_PAGES);
      g_assert_cmpuint (koi_message_list_get_cached_count (list), <=,
                        KOI_MESSAGE_LIST_MAX_PAGES * KOI_MESSAGE_LIST_PAGE_SIZE);
    }
  g_assert_cmpuint (max_pages, ==, KOI_MESSAGE_LIST_MAX_PAGES);
  model_drain (reader);

  /* Oldest first, right text at the right place after the scan. */
  first = g_list_model_get_item (G_LIST_MODEL (list), 0);
  loaded = koi_message_get_loaded (first);
  if (!loaded)
    {
      g_signal_connect_swapped (first, "notify::loaded", G_CALLBACK (set_flag), &loaded);
      model_wait_for (&loaded);
      g_signal_handlers_disconnect_by_func (first, set_flag, &loaded);
    }
  g_assert_cmpstr (koi_message_get_text (first), ==, "message 0");
  {
    g_autoptr(KoiMessage) item = g_list_model_get_item (G_LIST_MODEL (list), 4321);

    loaded = FALSE;
    g_signal_connect_swapped (item, "notify::loaded", G_CALLBACK (set_flag), &loaded);
    model_wait_for (&loaded);
    g_signal_handlers_disconnect_by_func (item, set_flag, &loaded);
    g_assert_cmpstr (koi_message_get_text (item), ==, "message 4321");
  }
  /* The message we held through the scan is still whole. */
  g_assert_cmpstr (koi_message_get_text (last), ==, "message 9999");
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), N_MESSAGES));

  g_assert_finalize_object (g_steal_pointer (&list));
  g_assert_finalize_object (g_steal_pointer (&reader));
}

/* Runs the loop until @message is loaded; FALSE after @timeout_ms. A plain
 * wait, not model_wait_for(): the bug this guards against is a message that
 * never loads, and it should fail as an assertion, not a timeout. */
static gboolean
wait_loaded (KoiMessage *message,
             guint       timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!koi_message_get_loaded (message))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static void
test_message_list_dropped_placeholder (ModelFixture  *fixture,
                                       gconstpointer  data)
{
  g_autoptr(KoiStoreReader) reader = koi_store_reader_new (fixture->path);
  g_autoptr(KoiMessageList) list = NULL;
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 chat_id = fill_chat (fixture, N_MESSAGES);

  list = message_list_new_ready (reader, NULL, chat_id);

  /* Rows bound to a placeholder of each of one more page than the cache
   * keeps, faster than the reader answers (no loop iteration): the cache
   * must drop a page whose placeholder a row shows (page 0, the oldest). */
  for (guint page = 0; page <= KOI_MESSAGE_LIST_MAX_PAGES; page++)
    {
      KoiMessage *item = g_list_model_get_item (G_LIST_MODEL (list),
                                                page * KOI_MESSAGE_LIST_PAGE_SIZE);

      g_assert_false (koi_message_get_loaded (item));
      g_ptr_array_add (held, item);
    }
  g_assert_cmpuint (koi_message_list_get_cached_pages (list), ==, KOI_MESSAGE_LIST_MAX_PAGES);

  /* The view asks for the first message again (a neighbour row binds):
   * the list hands out the placeholder the first row still shows, and the
   * read fills it, so that row does not stay empty. */
  {
    g_autoptr(KoiMessage) again = g_list_model_get_item (G_LIST_MODEL (list), 0);

    g_assert_true (again == held->pdata[0]);
  }
  g_assert_true (wait_loaded (held->pdata[0], 5000));
  g_assert_cmpstr (koi_message_get_text (held->pdata[0]), ==, "message 0");
  g_assert_cmpuint (koi_message_list_get_cached_pages (list), <=, KOI_MESSAGE_LIST_MAX_PAGES);

  /* Page 1 made room for page 0; its row's placeholder comes back too. */
  {
    g_autoptr(KoiMessage) again = g_list_model_get_item (G_LIST_MODEL (list),
                                                         KOI_MESSAGE_LIST_PAGE_SIZE);

    g_assert_true (again == held->pdata[1]);
  }
  g_assert_true (wait_loaded (held->pdata[1], 5000));
  g_assert_cmpstr (koi_message_get_text (held->pdata[1]), ==, "message 50");
  model_drain (reader);
  for (guint page = 0; page <= KOI_MESSAGE_LIST_MAX_PAGES; page++)
    if (koi_message_get_loaded (held->pdata[page]))
      {
        g_autofree char *text = g_strdup_printf ("message %u", page * KOI_MESSAGE_LIST_PAGE_SIZE);

        g_assert_cmpstr (koi_message_get_text (held->pdata[page]), ==, text);
      }

  g_ptr_array_set_size (held, 0);
  g_assert_finalize_object (g_steal_pointer (&list));
  g_assert_finalize_object (g_steal_pointer (&reader));
}

static void
test_message_list_keeps_shown_pages (ModelFixture  *fixture,
                                     gconstpointer  data)
{
  g_autoptr(KoiStoreReader) reader = koi_store_reader_new (fixture->path);
  g_autoptr(KoiMessageList) list = NULL;
  g_autoptr(KoiMessage) shown = NULL;
  gint64 chat_id = fill_chat (fixture, N_MESSAGES);

  list = message_list_new_ready (reader, NULL, chat_id);

  /* One row shows a placeholder of the first page; a fast scroll then
   * touches many pages that nothing keeps. The cache drops those and
   * keeps the shown one, whose read fills the row without a second ask. */
  shown = g_list_model_get_item (G_LIST_MODEL (list), 7);
  for (guint page = 1; page <= 3 * KOI_MESSAGE_LIST_MAX_PAGES; page++)
    {
      g_autoptr(KoiMessage) item = g_list_model_get_item (G_LIST_MODEL (list),
                                                          page * KOI_MESSAGE_LIST_PAGE_SIZE);

      g_assert_cmpuint (koi_message_list_get_cached_pages (list), <=, KOI_MESSAGE_LIST_MAX_PAGES);
    }
  g_assert_true (wait_loaded (shown, 5000));
  g_assert_cmpstr (koi_message_get_text (shown), ==, "message 7");

  g_clear_object (&shown);
  model_drain (reader);
  g_assert_finalize_object (g_steal_pointer (&list));
  g_assert_finalize_object (g_steal_pointer (&reader));
}

static void
test_message_list_live (ModelFixture  *fixture,
                        gconstpointer  data)
{
  g_autoptr(KoiStoreReader) reader = koi_store_reader_new (fixture->path);
  g_autoptr(KoiEngine) engine = engine_new (fixture);
  g_autoptr(KoiAccount) account = account_new (fixture, reader, engine);
  g_autoptr(KoiMessageList) list = NULL;
  g_autoptr(GArray) changes = NULL;
  g_autoptr(KoiMessage) item = NULL;
  g_autoptr(GError) error = NULL;
  gint64 chat_id = fill_chat (fixture, 500);
  gint64 other_chat = model_fixture_add_chat (fixture, "zed@koi.test", NULL);
  gint64 id;
  const Change *change;

  list = message_list_new_ready (reader, account, chat_id);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 500);
  changes = watch_changes (list);

  /* Look at the end, as the view does when it opens. */
  g_clear_object (&item);
  item = g_list_model_get_item (G_LIST_MODEL (list), 499);
  model_drain (reader);
  g_assert_cmpstr (koi_message_get_text (item), ==, "message 499");

  /* A new message at the end: one items-changed, and the row has its
   * text at once (no placeholder flash). */
  id = model_fixture_add_message (fixture, chat_id, "bob@koi.test", "just now", 9000000);
  g_signal_emit_by_name (engine, "message-added", chat_id, id);
  model_drain (reader);
  g_assert_cmpuint (changes->len, ==, 1);
  change = &g_array_index (changes, Change, 0);
  g_assert_cmpuint (change->position, ==, 500);
  g_assert_cmpuint (change->removed, ==, 0);
  g_assert_cmpuint (change->added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 501);
  g_clear_object (&item);
  item = g_list_model_get_item (G_LIST_MODEL (list), 500);
  g_assert_true (koi_message_get_loaded (item));
  g_assert_cmpstr (koi_message_get_text (item), ==, "just now");

  /* A message of another chat changes nothing here. */
  g_array_set_size (changes, 0);
  id = model_fixture_add_message (fixture, other_chat, "zed@koi.test", "elsewhere", 9000001);
  g_signal_emit_by_name (engine, "message-added", other_chat, id);
  model_drain (reader);
  g_assert_cmpuint (changes->len, ==, 0);

  /* An older Date lands in the middle, at its place by sort time. */
  id = model_fixture_add_message (fixture, chat_id, "bob@koi.test", "late arrival",
                                  1000000 + 450 * 10 + 5);
  g_signal_emit_by_name (engine, "message-added", chat_id, id);
  model_drain (reader);
  g_assert_cmpuint (changes->len, ==, 1);
  change = &g_array_index (changes, Change, 0);
  g_assert_cmpuint (change->position, ==, 451);
  g_assert_cmpuint (change->removed, ==, 0);
  g_assert_cmpuint (change->added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 502);
  {
    g_autoptr(KoiMessage) late = g_list_model_get_item (G_LIST_MODEL (list), 451);
    gboolean loaded = koi_message_get_loaded (late);

    if (!loaded)
      {
        g_signal_connect_swapped (late, "notify::loaded", G_CALLBACK (set_flag), &loaded);
        model_wait_for (&loaded);
        g_signal_handlers_disconnect_by_func (late, set_flag, &loaded);
      }
    g_assert_cmpstr (koi_message_get_text (late), ==, "late arrival");
  }

  /* A change reaches the shown message in place, read from the store,
   * with the server's words. */
  g_array_set_size (changes, 0);
  koi_store_message_set_state (fixture->store, koi_message_get_id (item), KOI_STORE_STATE_FAILED,
                               "550 mailbox unavailable", &error);
  g_assert_no_error (error);
  g_signal_emit_by_name (engine, "message-updated", chat_id, koi_message_get_id (item));
  model_drain (reader);
  g_assert_cmpint (koi_message_get_state (item), ==, KOI_MESSAGE_FAILED);
  g_assert_cmpstr (koi_message_get_failure_reason (item), ==, "550 mailbox unavailable");
  koi_store_message_set_state (fixture->store, koi_message_get_id (item), KOI_STORE_STATE_SENT,
                               NULL, &error);
  g_assert_no_error (error);
  g_signal_emit_by_name (engine, "message-updated", chat_id, koi_message_get_id (item));
  model_drain (reader);
  g_assert_cmpint (koi_message_get_state (item), ==, KOI_MESSAGE_SENT);
  g_assert_null (koi_message_get_failure_reason (item));
  g_assert_cmpuint (changes->len, ==, 0);

  /* A burst of announced messages that all land at the end. */
  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *text = g_strdup_printf ("burst %u", i);

      id = model_fixture_add_message (fixture, chat_id, "bob@koi.test", text, 9100000 + i);
      g_signal_emit_by_name (engine, "message-added", chat_id, id);
    }
  model_drain (reader);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 532);
  for (guint i = 0; i < changes->len; i++)
    {
      /* Only appends, never a reset of the whole list. */
      g_assert_cmpuint (g_array_index (changes, Change, i).removed, ==, 0);
      g_assert_cmpuint (g_array_index (changes, Change, i).position, >=, 502);
    }
  {
    g_autoptr(KoiMessage) tail = g_list_model_get_item (G_LIST_MODEL (list), 531);

    model_drain (reader);
    g_assert_cmpstr (koi_message_get_text (tail), ==, "burst 29");
  }

  unwatch_changes (list, g_steal_pointer (&changes));
  g_assert_finalize_object (g_steal_pointer (&list));
  g_clear_object (&account);
  g_assert_finalize_object (g_steal_pointer (&reader));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  koi_model_init ();
  main_thread = g_thread_self ();

#define ADD(path, func) \
  g_test_add (path, ModelFixture, NULL, model_fixture_set_up, func, model_fixture_tear_down)

  ADD ("/model/reader/off-main-thread", test_reader_off_main_thread);
  ADD ("/model/reader/cancelled", test_reader_cancelled);
  ADD ("/model/reader/barrier", test_reader_barrier);
  ADD ("/model/reader/drain-follows-chains", test_reader_drain_follows_chains);
  g_test_add_func ("/model/reader/open-error", test_reader_open_error);
  ADD ("/model/chat-list/order-and-move", test_chat_list_order_and_move);
  ADD ("/model/chat-list/engine-signals", test_chat_list_engine_signals);
  ADD ("/model/chat-list/ensure-for-peer", test_chat_list_ensure_for_peer);
  ADD ("/model/message-list/paging", test_message_list_paging);
  ADD ("/model/message-list/live", test_message_list_live);
  ADD ("/model/message-list/dropped-placeholder", test_message_list_dropped_placeholder);
  ADD ("/model/message-list/keeps-shown-pages", test_message_list_keeps_shown_pages);

#undef ADD

  return g_test_run ();
}
