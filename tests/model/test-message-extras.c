/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-message-extras"

#include "config.h"

#include "koi-message.h"
#include "koi-message-extras.h"
#include "model-test-util.h"

/*
 * What a bubble shows besides its text, from a real store: reactions
 * grouped by emoji with the user's own marked, the quoted message of a
 * reply (and the quote's own text when the original is not stored), the
 * edit history newest first, and where a quoted message stands in its
 * chat.
 */

#define BOB "bob@koi.test"

static gint64
add_reply (ModelFixture *f,
           gint64        chat_id,
           const char   *message_id,
           const char   *in_reply_to,
           const char   *full_text,
           const char   *text,
           gint64        sort_ms)
{
  g_autoptr (GError) error = NULL;
  KoiStoreMessage message = {
    .account_id = f->account_id, .chat_id = chat_id, .message_id = (char *) message_id,
    .direction = KOI_STORE_DIRECTION_OUTGOING, .state = KOI_STORE_STATE_SENT,
    .kind = KOI_STORE_KIND_CHAT, .from_address = (char *) "me@koi.test",
    .text = (char *) text, .full_text = (char *) full_text, .in_reply_to = (char *) in_reply_to,
    .sent_at_ms = sort_ms, .received_at_ms = sort_ms, .sort_ms = sort_ms,
  };
  gint64 id = koi_store_message_insert (f->store, &message, NULL, &error);

  g_assert_no_error (error);
  return id;
}

static KoiMessage *
load (ModelFixture *f,
      gint64        id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiStoreMessage) row = koi_store_message_get (f->store, id, &error);

  g_assert_no_error (error);
  return koi_message_new_from_store (row);
}

static void
react (ModelFixture *f,
       gint64        id,
       const char   *who,
       const char   *emoji,
       gint64        at_ms)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (koi_store_reaction_set (f->store, id, who, emoji, at_ms, NULL, &error));
  g_assert_no_error (error);
}

static void
test_reactions (ModelFixture  *f,
                gconstpointer  data)
{
  gint64 chat_id = model_fixture_add_chat (f, BOB, "Bob");
  gint64 plain_id = model_fixture_add_message (f, chat_id, BOB, "no reactions", 500);
  gint64 id = model_fixture_add_message (f, chat_id, BOB, "cake?", 1000);
  g_autoptr (KoiMessage) plain = load (f, plain_id);
  g_autoptr (KoiMessage) message = NULL;
  g_autoptr (GPtrArray) groups = NULL;
  KoiReactionGroup *group;

  react (f, id, "carol@koi.test", "❤️", 3000);
  react (f, id, BOB, "👍", 1000);
  react (f, id, "me@koi.test", "👍", 2000);
  react (f, id, "dave@koi.test", "", 4000);   /* taken back: not shown */

  /* A message without reactions carries nothing to parse. */
  g_assert_null (koi_message_get_reactions (plain));

  message = load (f, id);
  groups = koi_reaction_groups_parse (koi_message_get_reactions (message));
  g_assert_cmpuint (groups->len, ==, 2);
  group = g_ptr_array_index (groups, 0);   /* 👍 came first */
  g_assert_cmpstr (group->emoji, ==, "👍");
  g_assert_cmpuint (group->count, ==, 2);
  g_assert_true (group->own);
  g_assert_cmpuint (group->others->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (group->others, 0), ==, "Bob");   /* the contact's name */
  group = g_ptr_array_index (groups, 1);
  g_assert_cmpstr (group->emoji, ==, "❤️");
  g_assert_cmpuint (group->count, ==, 1);
  g_assert_false (group->own);
  g_assert_cmpstr (g_ptr_array_index (group->others, 0), ==, "carol@koi.test");

  /* Garbage (a newer store's form, a cut record) is skipped, not a crash. */
  g_clear_pointer (&groups, g_ptr_array_unref);
  groups = koi_reaction_groups_parse ("\037\036👍\037x\036🎉\037a@b\037A\0371\03799");
  g_assert_cmpuint (groups->len, ==, 1);
  g_assert_true (((KoiReactionGroup *) groups->pdata[0])->own);
}

static void
position_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  guint *out = user_data;
  g_autoptr (GError) error = NULL;
  guint position = 0;

  g_assert_true (koi_message_position_finish (KOI_STORE_READER (source), result, &position, &error));
  g_assert_no_error (error);
  out[0] = position;
  out[1] = TRUE;
}

static void
test_quote (ModelFixture  *f,
            gconstpointer  data)
{
  gint64 chat_id = model_fixture_add_chat (f, BOB, "Bob");
  gint64 original_id = model_fixture_add_message (f, chat_id, BOB, "Are you coming?\nBring cake", 1000);
  g_autoptr (KoiMessage) original = load (f, original_id);
  gint64 reply_id = add_reply (f, chat_id, "reply@koi.test", koi_message_get_message_id (original),
                               "> Are you coming?\n> Bring cake\n\nYes", "Yes", 2000);
  gint64 threaded_id = add_reply (f, chat_id, "next@koi.test", "reply@koi.test", NULL, "And you?", 3000);
  gint64 orphan_id = add_reply (f, chat_id, "orphan@koi.test", "gone@elsewhere",
                                "\n> Lost original\n\nStill here", "Still here", 4000);
  g_autoptr (KoiMessage) reply = load (f, reply_id);
  g_autoptr (KoiMessage) threaded = load (f, threaded_id);
  g_autoptr (KoiMessage) orphan = load (f, orphan_id);
  g_autoptr (KoiQuote) quote = koi_quote_parse (koi_message_get_quote (reply));
  g_autoptr (KoiQuote) lost = koi_quote_parse (koi_message_get_quote (orphan));
  g_autoptr (KoiStoreReader) reader = koi_store_reader_new (f->path);
  guint found[2] = { 0, FALSE };
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (quote);
  g_assert_cmpint (quote->id, ==, original_id);
  g_assert_false (quote->outgoing);
  g_assert_false (quote->deleted);
  g_assert_cmpstr (quote->sender, ==, BOB);
  g_assert_cmpstr (quote->text, ==, "Are you coming?");
  /* Threading alone (In-Reply-To without a quote) is no quote. */
  g_assert_null (koi_message_get_quote (threaded));
  /* The original is not stored: the quote's own first line, nowhere to go. */
  g_assert_nonnull (lost);
  g_assert_cmpint (lost->id, ==, 0);
  g_assert_null (lost->sender);
  g_assert_cmpstr (lost->text, ==, "Lost original");

  /* The original deleted for everyone: the reply says so. */
  g_assert_true (koi_store_message_mark_deleted (f->store, original_id, &error));
  g_assert_no_error (error);
  g_clear_object (&reply);
  g_clear_pointer (&quote, koi_quote_free);
  reply = load (f, reply_id);
  quote = koi_quote_parse (koi_message_get_quote (reply));
  g_assert_true (quote->deleted);

  /* Where the quoted message stands, as the list counts. */
  koi_message_position_async (reader, original_id, NULL, position_done, found);
  model_wait_for ((gboolean *) &found[1]);
  g_assert_cmpuint (found[0], ==, 0);
  found[1] = FALSE;
  koi_message_position_async (reader, orphan_id, NULL, position_done, found);
  model_wait_for ((gboolean *) &found[1]);
  g_assert_cmpuint (found[0], ==, 3);
}

static void
history_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GPtrArray **out = user_data;
  g_autoptr (GError) error = NULL;

  *out = koi_message_history_load_finish (KOI_STORE_READER (source), result, &error);
  g_assert_no_error (error);
}

static void
test_history (ModelFixture  *f,
              gconstpointer  data)
{
  gint64 chat_id = model_fixture_add_chat (f, BOB, "Bob");
  gint64 id = model_fixture_add_message (f, chat_id, BOB, "Lunch at noon?", 1000);
  g_autoptr (KoiStoreReader) reader = koi_store_reader_new (f->path);
  g_autoptr (GPtrArray) versions = NULL;
  g_autoptr (GError) error = NULL;
  gboolean applied = FALSE;

  g_assert_true (koi_store_message_apply_edit (f->store, id, "Lunch at one?", 5000, "e1@koi.test",
                                               &applied, &error));
  g_assert_true (koi_store_message_apply_edit (f->store, id, "Lunch at two?", 9000, "e2@koi.test",
                                               &applied, &error));
  g_assert_no_error (error);

  koi_message_history_load_async (reader, id, NULL, history_done, &versions);
  while (versions == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (versions->len, ==, 3);
  g_assert_cmpstr (((KoiMessageVersion *) versions->pdata[0])->text, ==, "Lunch at two?");
  g_assert_cmpint (((KoiMessageVersion *) versions->pdata[0])->written_at_ms, ==, 9000);
  g_assert_cmpstr (((KoiMessageVersion *) versions->pdata[1])->text, ==, "Lunch at one?");
  g_assert_cmpint (((KoiMessageVersion *) versions->pdata[1])->written_at_ms, ==, 5000);
  g_assert_cmpstr (((KoiMessageVersion *) versions->pdata[2])->text, ==, "Lunch at noon?");
  g_assert_cmpint (((KoiMessageVersion *) versions->pdata[2])->written_at_ms, ==, 1000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, ModelFixture, NULL, model_fixture_set_up, func, model_fixture_tear_down)

  ADD ("/model/extras/reactions", test_reactions);
  ADD ("/model/extras/quote", test_quote);
  ADD ("/model/extras/history", test_history);

#undef ADD

  return g_test_run ();
}
