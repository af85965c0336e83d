/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-apply"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "apply-test-util.h"
#include "koi-apply.h"
#include "koi-coi.h"
#include "koi-store.h"

/*
 * The apply step: every kind of mail in tests/engine/mail (a chat message,
 * two edits and a forged one, a reaction, a read receipt, a delete, a
 * bounce, and the user's own sent copies they act on) applied one mail per
 * batch, as separate syncs would, in several orders. Every order must give
 * the same store, and what a user sees must be right: edits and deletes
 * only by the author, receipts and reactions on the right message, the
 * bounced message failed with the server's words, and no hidden mail ever
 * a bubble, unread, or a chat of its own.
 */

#define OWN_ADDRESS "alice@example.org"

/* What a user could see of the store, as text: chats, their rows, every
 * message with its text, state, history, receipts and reactions. */
static char *
describe_store (ApplyStore *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) chats = koi_store_chat_list (self->store, self->account_id, &error);
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < chats->len; i++)
    {
      const KoiStoreChat *chat = g_ptr_array_index (chats, i);
      g_autoptr (GPtrArray) page = koi_store_message_page (self->store, chat->id, 0, 1000, &error);

      g_assert_no_error (error);
      g_string_append_printf (out, "chat %s unread=%u last=%s\n", chat->peer_address,
                              chat->unread_count, chat->last_text ? chat->last_text : "(none)");
      for (guint j = 0; j < page->len; j++)
        {
          const KoiStoreMessage *message = g_ptr_array_index (page, j);
          g_autoptr (GPtrArray) edits = koi_store_message_list_edits (self->store, message->id, &error);
          g_autoptr (GPtrArray) reactions = koi_store_reaction_list (self->store, message->id, &error);

          g_assert_no_error (error);
          g_string_append_printf (out, "  <%s> %s state=%d deleted=%d edited=%" G_GINT64_FORMAT
                                  " text=%s failure=%s receipts=%u\n",
                                  message->message_id,
                                  message->direction == KOI_STORE_DIRECTION_OUTGOING ? "out" : "in",
                                  message->state, message->deleted, message->edited_at_ms,
                                  message->text ? message->text : "(null)",
                                  message->failure_reason ? message->failure_reason : "-",
                                  koi_store_receipt_count (self->store, message->id, NULL));
          for (guint k = 0; k < edits->len; k++)
            g_string_append_printf (out, "    was: %s\n",
                                    ((KoiStoreEdit *) g_ptr_array_index (edits, k))->text);
          for (guint k = 0; k < reactions->len; k++)
            {
              const KoiStoreReaction *reaction = g_ptr_array_index (reactions, k);

              g_string_append_printf (out, "    reaction %s by %s\n", reaction->emoji,
                                      reaction->reactor_address);
            }
        }
    }

  g_string_append_printf (out, "waiting requests: %u\n",
                          koi_store_request_count_waiting (self->store, self->account_id, NULL));
  return g_string_free (out, FALSE);
}

static const KoiStoreMessage *
find_row (GPtrArray  *page,
          const char *message_id)
{
  for (guint i = 0; i < page->len; i++)
    if (g_str_equal (((KoiStoreMessage *) g_ptr_array_index (page, i))->message_id, message_id))
      return g_ptr_array_index (page, i);
  return NULL;
}

/* What the user sees after every mail is in, whatever the order. */
static void
assert_user_view (ApplyStore *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) chats = koi_store_chat_list (self->store, self->account_id, &error);
  gint64 bob, carol;
  g_autoptr (GPtrArray) bob_page = NULL;
  g_autoptr (GPtrArray) carol_page = NULL;
  g_autoptr (GPtrArray) reactions = NULL;
  const KoiStoreMessage *row;

  g_assert_no_error (error);
  /* No chat with Mallory (a forged edit) or the mailer daemon (a bounce). */
  g_assert_cmpuint (chats->len, ==, 2);
  bob = koi_store_chat_find_by_peer (self->store, self->account_id, "bob@example.org", NULL);
  carol = koi_store_chat_find_by_peer (self->store, self->account_id, "carol@nowhere.invalid", NULL);
  g_assert_cmpint (bob, >, 0);
  g_assert_cmpint (carol, >, 0);

  /* Bob's chat: three bubbles, none of the edits, the reaction, the
   * receipt or the delete. */
  bob_page = koi_store_message_page (self->store, bob, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bob_page->len, ==, 3);

  row = find_row (bob_page, "chat$m1.bob@example.org");
  g_assert_nonnull (row);
  g_assert_cmpstr (row->text, ==, "Lunch tomorrow at one?");
  g_assert_cmpint (row->edited_at_ms, >, 0);

  row = find_row (bob_page, "chat$m2.bob@example.org");
  g_assert_nonnull (row);
  g_assert_true (row->deleted);
  g_assert_null (row->text);

  row = find_row (bob_page, "chat$o1.alice@example.org");
  g_assert_nonnull (row);
  g_assert_cmpint (row->direction, ==, KOI_STORE_DIRECTION_OUTGOING);
  g_assert_cmpuint (koi_store_receipt_count (self->store, row->id, NULL), ==, 1);
  reactions = koi_store_reaction_list (self->store, row->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (reactions->len, ==, 1);
  g_assert_cmpstr (((KoiStoreReaction *) g_ptr_array_index (reactions, 0))->emoji, ==, "👍");

  /* Carol's address bounced: failed, in the server's words. */
  carol_page = koi_store_message_page (self->store, carol, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (carol_page->len, ==, 1);
  row = g_ptr_array_index (carol_page, 0);
  g_assert_cmpint (row->state, ==, KOI_STORE_STATE_FAILED);
  g_assert_nonnull (row->failure_reason);
  g_assert_nonnull (strstr (row->failure_reason, "Host or domain name not found"));

  /* Only real messages are unread: m1 and m2, not the hidden mail. */
  {
    g_autoptr (KoiStoreChat) chat = koi_store_chat_get (self->store, bob, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (chat->unread_count, <=, 2);
    g_assert_cmpstr (chat->last_text, !=, "This message was deleted.");
  }

  /* Search finds neither the forged text nor the deleted one. */
  {
    g_autoptr (GPtrArray) found = koi_store_message_search (self->store, self->account_id,
                                                            "mallory", 0, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 0);
    g_clear_pointer (&found, g_ptr_array_unref);
    found = koi_store_message_search (self->store, self->account_id, "wrong chat", 0, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 0);
  }
}

static char *
apply_in_order (GPtrArray   *mails,
                const guint *order)
{
  ApplyStore store = { 0, };
  char *description;

  apply_store_open (&store, OWN_ADDRESS);
  for (guint i = 0; i < mails->len; i++)
    apply_one (&store, g_ptr_array_index (mails, order[i]));
  /* A second copy of everything (another folder, a re-fetch) changes
   * nothing. */
  for (guint i = 0; i < mails->len; i++)
    apply_one (&store, g_ptr_array_index (mails, order[i]));

  assert_user_view (&store);
  description = describe_store (&store);
  apply_store_close (&store);
  return description;
}

static void
test_every_order_same_store (void)
{
  g_autoptr (GPtrArray) mails = apply_test_load_mails ("mail", NULL);

  g_assert_cmpuint (mails->len, >=, 11);
  g_autofree guint *order = g_new (guint, mails->len);
  g_autofree char *expected = NULL;
  GRand *rand = g_rand_new_with_seed (20261130);

  for (guint i = 0; i < mails->len; i++)
    order[i] = i;
  expected = apply_in_order (mails, order);
  g_test_message ("%s", expected);
  g_assert_nonnull (strstr (expected, "waiting requests: 0"));

  /* Reversed: every request arrives before its target. */
  for (guint i = 0; i < mails->len; i++)
    order[i] = mails->len - 1 - i;
  {
    g_autofree char *reversed = apply_in_order (mails, order);

    g_assert_cmpstr (reversed, ==, expected);
  }

  /* And a few shuffles. */
  for (guint round = 0; round < 8; round++)
    {
      g_autofree char *shuffled = NULL;

      for (guint i = 0; i < mails->len; i++)
        order[i] = i;
      for (guint i = mails->len - 1; i > 0; i--)
        {
          guint j = g_rand_int_range (rand, 0, (gint32) i + 1);
          guint t = order[i];

          order[i] = order[j];
          order[j] = t;
        }
      shuffled = apply_in_order (mails, order);
      g_assert_cmpstr (shuffled, ==, expected);
    }

  g_rand_free (rand);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/apply/every-order-same-store", test_every_order_same_store);

  return g_test_run ();
}
