/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-engine-commands"

#include "config.h"

#include <glib/gstdio.h>

#include "koi-engine.h"
#include "koi-engine-error.h"
#include "koi-store.h"
#include "koi-store-group.h"

/*
 * The engine's commands, keyed by chat or message id, without a mail
 * server: they run on the engine's command thread and write the store
 * (the one writer), whether or not the worker runs. The server side of
 * each (sending, \Seen) is covered by the integration tests.
 */

typedef struct {
  char      *dir;
  char      *path;
  KoiStore  *store;      /* the test's own connection, to look */
  gint64     account_id;
  KoiEngine *engine;
} Fixture;

typedef struct {
  gboolean  done;
  gint64    id;
  gboolean  ok;
  GError   *error;
} Result;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiServerConfig) config = NULL;
  KoiStoreAccount account = { .address = (char *) "me@koi.test" };

  f->dir = g_dir_make_tmp ("koi-commands-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "koi.db", NULL);
  f->store = koi_store_open (f->path, &error);
  g_assert_no_error (error);
  f->account_id = koi_store_account_upsert (f->store, &account, &error);
  g_assert_no_error (error);

  /* Port 9 on loopback: nothing listens, so a started worker only ever
   * tries to reconnect. */
  config = koi_server_config_new ("127.0.0.1", 9, KOI_SECURITY_TLS, "me@koi.test", "x", NULL);
  f->engine = koi_engine_new (f->path, f->account_id, "me@koi.test", config, config);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (f->path, "-shm", NULL);

  g_clear_object (&f->engine);
  g_clear_pointer (&f->store, koi_store_close);
  g_unlink (f->path);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static void
wait_for (const gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!*flag)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
id_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Result *res = user_data;

  if (g_async_result_is_tagged (result, koi_engine_create_chat_async))
    res->id = koi_engine_create_chat_finish (KOI_ENGINE (source), result, &res->error);
  else if (g_async_result_is_tagged (result, koi_engine_create_group_async))
    res->id = koi_engine_create_group_finish (KOI_ENGINE (source), result, &res->error);
  else if (g_async_result_is_tagged (result, koi_engine_change_group_async))
    res->id = koi_engine_change_group_finish (KOI_ENGINE (source), result, &res->error);
  else
    res->id = koi_engine_send_text_finish (KOI_ENGINE (source), result, &res->error);
  res->done = TRUE;
}

static void
bool_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Result *res = user_data;

  if (g_async_result_is_tagged (result, koi_engine_mark_read_async))
    res->ok = koi_engine_mark_read_finish (KOI_ENGINE (source), result, &res->error);
  else
    res->ok = koi_engine_retry_finish (KOI_ENGINE (source), result, &res->error);
  res->done = TRUE;
}

static void
set_flag (gboolean *flag)
{
  *flag = TRUE;
}

static gint64
create_chat (Fixture    *f,
             const char *address)
{
  Result res = { 0, };

  koi_engine_create_chat_async (f->engine, address, NULL, id_done, &res);
  wait_for (&res.done);
  g_assert_no_error (res.error);
  return res.id;
}

static void
test_create_send_retry (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(KoiStoreMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  Result res = { 0, };
  gboolean added = FALSE;
  gint64 chat_id;

  /* A chat by address, then everything else by its id. */
  chat_id = create_chat (f, "Bob@Koi.Test");
  g_assert_cmpint (chat_id, >, 0);
  g_assert_cmpint (koi_store_chat_find_by_peer (f->store, f->account_id, "bob@koi.test", NULL), ==, chat_id);
  g_assert_cmpint (create_chat (f, "bob@koi.test"), ==, chat_id);

  res = (Result) { 0, };
  koi_engine_create_chat_async (f->engine, "not an address", NULL, id_done, &res);
  wait_for (&res.done);
  g_assert_error (res.error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID);
  g_clear_error (&res.error);

  g_signal_connect_swapped (f->engine, "message-added", G_CALLBACK (set_flag), &added);
  res = (Result) { 0, };
  koi_engine_send_text_async (f->engine, chat_id, "Hello Bob", NULL, id_done, &res);
  wait_for (&res.done);
  g_assert_no_error (res.error);
  wait_for (&added);
  message = koi_store_message_get (f->store, res.id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (message->chat_id, ==, chat_id);
  g_assert_cmpint (message->state, ==, KOI_STORE_STATE_QUEUED);
  g_assert_cmpstr (message->text, ==, "Hello Bob");

  /* A chat that does not exist is an error, not a crash or a new chat. */
  res = (Result) { 0, };
  koi_engine_send_text_async (f->engine, 424242, "lost?", NULL, id_done, &res);
  wait_for (&res.done);
  g_assert_error (res.error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID);
  g_clear_error (&res.error);

  /* Retry of a failed message answers its caller (it used to never
   * return its task) and queues the message again. */
  {
    g_autoptr(GPtrArray) due = koi_store_outbox_due (f->store, f->account_id, G_MAXINT64, &error);

    g_assert_no_error (error);
    for (guint i = 0; i < due->len; i++)
      {
        const KoiStoreOutboxItem *item = g_ptr_array_index (due, i);

        g_assert_true (koi_store_outbox_fail (f->store, item->outbox_id, "550 no such user", &error));
        g_assert_no_error (error);
      }
  }
  {
    g_autoptr(GPtrArray) page = koi_store_message_page (f->store, chat_id, 0, 10, &error);
    const KoiStoreMessage *sent = g_ptr_array_index (page, 0);

    g_assert_cmpint (sent->state, ==, KOI_STORE_STATE_FAILED);
    res = (Result) { 0, };
    koi_engine_retry_async (f->engine, sent->id, NULL, bool_done, &res);
    wait_for (&res.done);
    g_assert_no_error (res.error);
    g_assert_true (res.ok);
    g_clear_pointer (&message, koi_store_message_free);
    message = koi_store_message_get (f->store, sent->id, &error);
    g_assert_cmpint (message->state, ==, KOI_STORE_STATE_QUEUED);
  }
}

static void
test_mark_read (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiStoreChat) chat = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  gint64 chat_id = create_chat (f, "bob@koi.test");
  gboolean chat_updated = FALSE;
  Result res = { 0, };

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("chat$%u@koi.test", i);
      KoiStoreMessage row = {
        .account_id = f->account_id, .chat_id = chat_id, .message_id = id,
        .direction = KOI_STORE_DIRECTION_INCOMING, .state = KOI_STORE_STATE_RECEIVED,
        .from_address = (char *) "bob@koi.test", .text = (char *) "unread", .sent_at_ms = 1000 + i,
      };

      g_assert_cmpint (koi_store_message_insert (f->store, &row, NULL, &error), >, 0);
      g_assert_no_error (error);
    }

  g_signal_connect_swapped (f->engine, "chat-updated", G_CALLBACK (set_flag), &chat_updated);
  koi_engine_mark_read_async (f->engine, chat_id, NULL, bool_done, &res);
  wait_for (&res.done);
  g_assert_no_error (res.error);
  wait_for (&chat_updated);

  chat = koi_store_chat_get (f->store, chat_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chat->unread_count, ==, 0);
  /* The server is told next: three messages wait for their \Seen. */
  pending = koi_store_seen_pending_list (f->store, f->account_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pending->len, ==, 3);
}

static void
test_stop_never_blocks (Fixture       *f,
                        gconstpointer  data)
{
  gboolean stopped = FALSE;
  gint64 start;

  g_signal_connect_swapped (f->engine, "stopped", G_CALLBACK (set_flag), &stopped);
  koi_engine_start (f->engine);
  g_assert_true (koi_engine_is_running (f->engine));

  /* Asking to stop returns at once, whatever the worker is doing; it
   * says when it has returned. */
  start = g_get_monotonic_time ();
  koi_engine_stop (f->engine);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC / 10);
  wait_for (&stopped);
  g_assert_false (koi_engine_is_running (f->engine));
  g_assert_cmpint (koi_engine_get_connection_state (f->engine), ==, KOI_CONNECTION_OFFLINE);
}

static gint64
change_group (Fixture        *f,
              gint64          chat_id,
              KoiGroupChange  change,
              const char     *argument,
              GError        **error)
{
  Result res = { 0, };

  koi_engine_change_group_async (f->engine, chat_id, change, argument, NULL, id_done, &res);
  wait_for (&res.done);
  if (res.error != NULL)
    g_propagate_error (error, res.error);
  return res.id;
}

static char *
member_list (Fixture *f,
             gint64   chat_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) members = koi_store_chat_list_members (f->store, chat_id, &error);

  g_assert_no_error (error);
  g_ptr_array_add (members, NULL);
  return g_strjoinv (" ", (char **) members->pdata);
}

/* Group commands queue one message each and change the group at once,
 * before anything is sent; what the user may not do is refused. */
static void
test_group_commands (Fixture       *f,
                     gconstpointer  data)
{
  const char *founders[] = { "Bob@koi.test", "carol@koi.test", "me@koi.test", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiStoreChat) chat = NULL;
  g_autofree char *members = NULL;
  Result res = { 0, };
  gint64 chat_id;

  koi_engine_create_group_async (f->engine, "  Picnic  ", founders, NULL, id_done, &res);
  wait_for (&res.done);
  g_assert_no_error (res.error);
  chat_id = res.id;
  g_assert_cmpint (chat_id, >, 0);

  chat = koi_store_chat_get (f->store, chat_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (chat->kind, ==, KOI_STORE_CHAT_GROUP);
  g_assert_cmpstr (chat->name, ==, "Picnic");
  g_assert_nonnull (chat->group_id);
  members = member_list (f, chat_id);
  g_assert_cmpstr (members, ==, "bob@koi.test carol@koi.test me@koi.test");
  g_assert_cmpuint (koi_store_message_count (f->store, chat_id, NULL), ==, 1);

  /* Two renames within one second: the later one stays (changes are
   * ordered by whole-second Dates; at a tie the greater name would win,
   * and "Sunday" > "Saturday"). */
  g_assert_cmpint (change_group (f, chat_id, KOI_GROUP_CHANGE_RENAME, "Picnic on Saturday", &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpint (change_group (f, chat_id, KOI_GROUP_CHANGE_RENAME, "Picnic on Sunday", &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpint (change_group (f, chat_id, KOI_GROUP_CHANGE_RENAME, "Picnic on Saturday", &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpint (change_group (f, chat_id, KOI_GROUP_CHANGE_ADD, "dave@koi.test", &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpint (change_group (f, chat_id, KOI_GROUP_CHANGE_REMOVE, "carol@koi.test", &error), >, 0);
  g_assert_no_error (error);

  g_clear_pointer (&chat, koi_store_chat_free);
  chat = koi_store_chat_get (f->store, chat_id, &error);
  g_assert_cmpstr (chat->name, ==, "Picnic on Saturday");
  g_clear_pointer (&members, g_free);
  members = member_list (f, chat_id);
  g_assert_cmpstr (members, ==, "bob@koi.test dave@koi.test me@koi.test");
  g_assert_cmpuint (koi_store_message_count (f->store, chat_id, NULL), ==, 6);

  /* Removing somebody twice, adding a bad address, a 1:1 chat. */
  g_assert_cmpint (change_group (f, chat_id, KOI_GROUP_CHANGE_REMOVE, "carol@koi.test", &error), <=, 0);
  g_assert_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (change_group (f, chat_id, KOI_GROUP_CHANGE_ADD, "not an address", &error), <=, 0);
  g_assert_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (change_group (f, create_chat (f, "zoe@koi.test"), KOI_GROUP_CHANGE_LEAVE, NULL, &error),
                   <=, 0);
  g_assert_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID);
  g_clear_error (&error);

  /* After leaving, the group takes no more messages from this user. */
  g_assert_cmpint (change_group (f, chat_id, KOI_GROUP_CHANGE_LEAVE, NULL, &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpint (change_group (f, chat_id, KOI_GROUP_CHANGE_RENAME, "Mine now", &error), <=, 0);
  g_assert_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_pointer (&members, g_free);
  members = member_list (f, chat_id);
  g_assert_cmpstr (members, ==, "bob@koi.test dave@koi.test");
}

static void
request_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Result *res = user_data;

  res->ok = koi_engine_request_finish (KOI_ENGINE (source), result, &res->error);
  res->done = TRUE;
}

static void
react (Fixture    *f,
       gint64      message_ref,
       const char *emoji)
{
  Result res = { 0, };

  koi_engine_react_async (f->engine, message_ref, emoji, NULL, request_done, &res);
  wait_for (&res.done);
  g_assert_no_error (res.error);
  g_assert_true (res.ok);
}

/* This account's current reaction on @message_ref: its Date. */
static gint64
own_reaction_time (Fixture    *f,
                   gint64      message_ref,
                   const char *emoji)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) reactions = koi_store_reaction_list (f->store, message_ref, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < reactions->len; i++)
    {
      KoiStoreReaction *reaction = g_ptr_array_index (reactions, i);

      if (g_ascii_strcasecmp (reaction->reactor_address, "me@koi.test") == 0)
        {
          g_assert_cmpstr (reaction->emoji, ==, emoji);
          return reaction->sent_at_ms;
        }
    }
  g_assert_not_reached ();
  return 0;
}

/* 👍 then ❤️ on one message and 😂 on the next, all within a second: each
 * is dated at least a second after the one before (Date has whole seconds
 * and the newest Date wins), so every device ends with ❤️ whatever order
 * it fetches them in. Without the bump all three share one Date. */
static void
test_reactions_within_a_second (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 chat_id = create_chat (f, "bob@koi.test");
  gint64 ids[2];
  gint64 first, second, third;

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *id = g_strdup_printf ("chat$react%u@koi.test", i);
      KoiStoreMessage row = {
        .account_id = f->account_id, .chat_id = chat_id, .message_id = id,
        .direction = KOI_STORE_DIRECTION_INCOMING, .state = KOI_STORE_STATE_RECEIVED,
        .from_address = (char *) "bob@koi.test", .text = (char *) "react to me", .sent_at_ms = 1000 + i,
      };

      ids[i] = koi_store_message_insert (f->store, &row, NULL, &error);
      g_assert_no_error (error);
    }

  react (f, ids[0], "👍");
  first = own_reaction_time (f, ids[0], "👍");
  react (f, ids[0], "❤️");
  second = own_reaction_time (f, ids[0], "❤️");
  react (f, ids[1], "😂");
  third = own_reaction_time (f, ids[1], "😂");

  g_assert_cmpint (first % 1000, ==, 0);
  g_assert_cmpint (second, >=, first + 1000);
  g_assert_cmpint (second % 1000, ==, 0);
  g_assert_cmpint (third, >=, second + 1000);
  /* Bumped, not pushed far ahead: a person's clicks stay near now. */
  g_assert_cmpint (third, <=, g_get_real_time () / 1000 + 3000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/engine/commands/create-send-retry", test_create_send_retry);
  ADD ("/engine/commands/mark-read", test_mark_read);
  ADD ("/engine/commands/groups", test_group_commands);
  ADD ("/engine/commands/stop-never-blocks", test_stop_never_blocks);
  ADD ("/engine/commands/reactions-within-a-second", test_reactions_within_a_second);

#undef ADD

  return g_test_run ();
}
