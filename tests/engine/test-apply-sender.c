/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-apply-sender"

#include "config.h"

#include <string.h>

#include "apply-test-util.h"
#include "koi-apply.h"
#include "koi-coi.h"
#include "koi-store.h"

/*
 * Who sent it (docs/WIRE.md): mail From the user that no chat app on
 * their devices wrote, mail naming several senders, and mail naming none.
 * What the user must see: none of them as their own message or in a real
 * person's chat, each with a warning that says why.
 */

#define OWN_ADDRESS "alice@example.org"

typedef struct {
  char                  *peer;
  KoiStoreDirection        direction;
  char                  *text;
  char                  *from;
} Stored;

static void
stored_clear (Stored *stored)
{
  g_free (stored->peer);
  g_free (stored->text);
  g_free (stored->from);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Stored, stored_clear)

/* Applies @mail (its Message-ID: @id) to a fresh store and says where
 * it went. */
static void
apply_and_find (const char *mail,
                const char *id,
                Stored     *out)
{
  ApplyStore store;
  g_autoptr (GBytes) raw = g_bytes_new (mail, strlen (mail));
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiStoreMessage) message = NULL;
  g_autoptr (KoiStoreChat) chat = NULL;
  gint64 ref;

  apply_store_open (&store, OWN_ADDRESS);
  apply_one (&store, raw);
  ref = koi_store_message_find (store.store, store.account_id, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ref, >, 0);
  message = koi_store_message_get (store.store, ref, &error);
  g_assert_no_error (error);
  chat = koi_store_chat_get (store.store, message->chat_id, &error);
  g_assert_no_error (error);

  out->peer = g_strdup (chat->peer_address);
  out->direction = message->direction;
  out->text = g_strdup (message->text);
  out->from = g_strdup (message->from_address);
  apply_store_close (&store);
}

#define DATE_AND_ID(id) "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <" id ">\r\n"

/* Forged into INBOX from outside: From the user, to someone else, no
 * chat client's headers. Not the user's own message, not in Bob's chat. */
static void
test_forged_self (void)
{
  g_auto (Stored) stored = { 0, };

  apply_and_find ("From: Alice <alice@example.org>\r\nTo: bob@example.net\r\n"
                  "Subject: wire the money\r\n" DATE_AND_ID ("forged@evil.example")
                  "\r\nPlease pay the invoice today.\r\n",
                  "forged@evil.example", &stored);
  g_assert_cmpint (stored.direction, ==, KOI_STORE_DIRECTION_INCOMING);
  g_assert_cmpstr (stored.peer, ==, "unknown@invalid");
  g_assert_true (g_str_has_prefix (stored.text, "Warning: this message claims to be from you"));
  g_assert_nonnull (strstr (stored.text, "Please pay the invoice today."));
}

/* The copy to self of what Koi or Delta Chat sent on another device. */
static void
test_own_chat_copy (void)
{
  g_auto (Stored) stored = { 0, };

  apply_and_find ("From: alice@example.org\r\nTo: bob@example.net\r\nChat-Version: 1.0\r\n"
                  "Subject: Chat: hi\r\n" DATE_AND_ID ("chat$own@example.org")
                  "\r\nhi from my laptop\r\n",
                  "chat$own@example.org", &stored);
  g_assert_cmpint (stored.direction, ==, KOI_STORE_DIRECTION_OUTGOING);
  g_assert_cmpstr (stored.peer, ==, "bob@example.net");
  g_assert_cmpstr (stored.text, ==, "hi from my laptop");
}

/* An email the user wrote to themselves. */
static void
test_note_to_self (void)
{
  g_auto (Stored) stored = { 0, };

  apply_and_find ("From: alice@example.org\r\nTo: Alice <alice@example.org>\r\n"
                  "Subject: shopping\r\n" DATE_AND_ID ("note@example.org")
                  "\r\nmilk\r\n",
                  "note@example.org", &stored);
  g_assert_cmpint (stored.direction, ==, KOI_STORE_DIRECTION_OUTGOING);
  g_assert_cmpstr (stored.peer, ==, OWN_ADDRESS);
}

/* Several From addresses: in nobody's chat, all of them named. */
static void
test_several_senders (void)
{
  g_auto (Stored) stored = { 0, };

  apply_and_find ("From: Bank <bob@bank.example>, evil@x.example\r\nTo: alice@example.org\r\n"
                  "Subject: account\r\n" DATE_AND_ID ("several@x.example")
                  "\r\nlog in here\r\n",
                  "several@x.example", &stored);
  g_assert_cmpint (stored.direction, ==, KOI_STORE_DIRECTION_INCOMING);
  g_assert_cmpstr (stored.peer, ==, "unknown@invalid");
  g_assert_null (stored.from);
  g_assert_true (g_str_has_prefix (stored.text, "Warning: this message names several senders "
                                                "(bob@bank.example, evil@x.example)"));
}

/* Several From addresses that include the user's own: still nobody's. */
static void
test_several_senders_with_self (void)
{
  g_auto (Stored) stored = { 0, };

  apply_and_find ("From: alice@example.org, mallory@x.example\r\nTo: bob@example.net\r\n"
                  "Chat-Version: 1.0\r\nSubject: hi\r\n" DATE_AND_ID ("several-self@x.example")
                  "\r\nhello\r\n",
                  "several-self@x.example", &stored);
  g_assert_cmpint (stored.direction, ==, KOI_STORE_DIRECTION_INCOMING);
  g_assert_cmpstr (stored.peer, ==, "unknown@invalid");
}

static void
test_no_sender (void)
{
  g_auto (Stored) stored = { 0, };

  apply_and_find ("To: alice@example.org\r\nSubject: who?\r\n" DATE_AND_ID ("nofrom@x.example")
                  "\r\nguess\r\n",
                  "nofrom@x.example", &stored);
  g_assert_cmpint (stored.direction, ==, KOI_STORE_DIRECTION_INCOMING);
  g_assert_cmpstr (stored.peer, ==, "unknown@invalid");
  g_assert_true (g_str_has_prefix (stored.text, "Warning: this message names no sender"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/apply/sender/forged-self", test_forged_self);
  g_test_add_func ("/apply/sender/own-chat-copy", test_own_chat_copy);
  g_test_add_func ("/apply/sender/note-to-self", test_note_to_self);
  g_test_add_func ("/apply/sender/several", test_several_senders);
  g_test_add_func ("/apply/sender/several-with-self", test_several_senders_with_self);
  g_test_add_func ("/apply/sender/none", test_no_sender);

  return g_test_run ();
}
