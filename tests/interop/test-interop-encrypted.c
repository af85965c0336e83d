/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Koi and the real Delta Chat core (deltachat-rpc-server from npm) talking
 * encrypted through a private Dovecot + Postfix (issue 13):
 *
 *  - a default Delta Chat (force_encryption=1): keys exchanged by vCard,
 *    then 1:1 both ways, encrypted on the server, padlocked on both sides;
 *  - the same, then an edit, a reaction and a read receipt both ways;
 *  - a group of Koi and two Delta Chat users, encrypted;
 *  - a Delta Chat that allows plain mail: Koi's first plain message
 *    carries its key (Autocrypt), the answer comes encrypted, and from then
 *    on both encrypt.
 *
 * Every case asserts what each side's own API reports: Delta Chat's
 * get_message (text, chat, chat type, sender, showPadlock) and Koi's
 * `koi-cli messages` (text, chat, "encrypted").
 */
#include "config.h"

#define G_LOG_DOMAIN "koi-interop"

#include <string.h>

#include "interop-util.h"

#define ALICE "alice@example.org"   /* Koi */
#define BOB   "bob@example.org"     /* Delta Chat */
#define CAROL "carol@example.org"   /* Delta Chat */

/* Koi's profile "alice" with its own key (made at the end of the first
 * sync) and a name on its card. */
static void
koi_alice (KoiTestCli *cli)
{
  koi_test_cli_add_account (cli, "alice", ALICE, "alice-secret");
  g_free (interop_koi_run (cli, "alice", "sync", NULL, NULL, NULL, NULL));
  g_free (interop_koi_run (cli, "alice", "profile", "set", "--name", "Alice", NULL));
}

/* Koi's message in @chat with @message_id (or @text), waiting for it. */
static JsonObject *
koi_wait_message (KoiTestCli *cli,
                  const char *chat,
                  const char *message_id,
                  const char *text)
{
  gint64 end = g_get_monotonic_time () + INTEROP_TIMEOUT_S * G_USEC_PER_SEC;
  JsonObject *message = NULL;

  while ((message = interop_koi_message (cli, "alice", chat, message_id, text)) == NULL &&
         g_get_monotonic_time () < end)
    g_usleep (500 * 1000);
  if (message == NULL)
    {
      /* What Koi shows instead, for the log. */
      g_autofree char *chats = interop_koi_run (cli, "alice", "chats", NULL, NULL, NULL, NULL);
      g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, "alice", chat);

      g_test_message ("Koi's chats: %s", chats);
      for (guint i = 0; i < messages->len; i++)
        {
          g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), g_ptr_array_index (messages, i));
          g_autofree char *line = json_to_string (node, FALSE);

          g_test_message ("Koi shows in %s: %s", chat, line);
        }
    }
  return message;
}

/* Koi sends @text to @to; Delta Chat @dc shows it from Alice, padlocked,
 * in a chat of @chat_type; the server only has ciphertext. Returns Delta
 * Chat's message (transfer full); *@message_id gets Koi's Message-ID. */
static JsonObject *
koi_to_dc (KoiTestCli       *cli,
           KoiTestDeltachat *dc,
           const char       *dc_user,
           const char       *to,
           const char       *text,
           const char       *chat_type,
           char            **message_id)
{
  g_autofree char *id = NULL;
  g_autofree char *type = NULL;
  g_autoptr (JsonObject) koi_copy = NULL;
  JsonObject *got;
  JsonObject *sender;

  id = koi_test_cli_send (cli, "alice", to, text);
  interop_assert_encrypted_on_server (cli, dc_user, id, text);

  got = interop_dc_wait_text (dc, text);
  g_assert_nonnull (got);
  sender = json_object_get_object_member (got, "sender");
  g_assert_cmpstr (interop_member (sender, "address"), ==, ALICE);
  g_assert_true (json_object_get_boolean_member (got, "showPadlock"));
  type = interop_dc_chat_type (dc, json_object_get_int_member (got, "chatId"));
  g_assert_cmpstr (type, ==, chat_type);

  /* Koi's own copy says it went out encrypted. */
  koi_copy = interop_koi_message (cli, "alice", to, id, NULL);
  g_assert_nonnull (koi_copy);
  g_assert_true (json_object_get_boolean_member (koi_copy, "encrypted"));

  if (message_id != NULL)
    *message_id = g_steal_pointer (&id);
  return got;
}

/* Delta Chat @dc sends @text into its chat @chat_id; Koi shows it in
 * @koi_chat from @from, encrypted and validly signed; the copy on Alice's
 * server is ciphertext. Returns Koi's message (transfer full). */
static JsonObject *
dc_to_koi (KoiTestCli       *cli,
           KoiTestDeltachat *dc,
           gint64            chat_id,
           const char       *koi_chat,
           const char       *from,
           const char       *text,
           gint64           *dc_msg_id)
{
  g_autoptr (JsonObject) sent = NULL;
  gint64 msg_id = interop_dc_send (dc, chat_id, text);
  JsonObject *got;

  /* Delta Chat padlocks what it sent encrypted. */
  sent = interop_dc_message (dc, msg_id);
  g_assert_true (json_object_get_boolean_member (sent, "showPadlock"));

  got = koi_wait_message (cli, koi_chat, NULL, text);
  g_assert_nonnull (got);
  g_assert_cmpstr (interop_member (got, "from"), ==, from);
  g_assert_cmpstr (interop_member (got, "direction"), ==, "incoming");
  g_assert_cmpstr (interop_member (got, "kind"), ==, "chat");
  g_assert_true (json_object_get_boolean_member (got, "encrypted"));
  g_assert_cmpstr (interop_member (got, "signature"), ==, "valid");
  interop_assert_encrypted_on_server (cli, "alice", interop_member (got, "message_id"), text);

  if (dc_msg_id != NULL)
    *dc_msg_id = msg_id;
  return got;
}

/* Delta Chat's 1:1 chat with its contact @contact_id. */
static gint64
dc_chat_with (KoiTestDeltachat *dc,
              gint64            contact_id)
{
  g_autofree char *params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]",
                                             koi_test_deltachat_account_id (dc), contact_id);

  return interop_dc_int (dc, "create_chat_by_contact_id", params);
}

/* The user answers Delta Chat's contact request for @chat_id with
 * "accept". */
static void
dc_accept (KoiTestDeltachat *dc,
           gint64            chat_id)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]",
                                             koi_test_deltachat_account_id (dc), chat_id);
  g_autoptr (JsonNode) none = koi_test_deltachat_call (dc, "accept_chat", params, &error);

  g_assert_no_error (error);
}

/* (a) Default Delta Chat, keys by vCard, 1:1 both ways. */
static void
test_vcard_one_to_one (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestDeltachat) bob = NULL;
  g_autoptr (JsonObject) at_bob = NULL;
  g_autoptr (JsonObject) at_alice = NULL;
  g_autoptr (JsonObject) reply = NULL;
  g_autofree char *type = NULL;
  gint64 alice_contact;
  gint64 chat;

  koi_alice (cli);
  bob = interop_deltachat (cli, BOB, "bob-secret", FALSE);
  alice_contact = interop_exchange_vcards (cli, "alice", ALICE, bob, BOB);
  chat = dc_chat_with (bob, alice_contact);
  type = interop_dc_chat_type (bob, chat);
  g_assert_cmpstr (type, ==, "Single");

  /* Koi first: it has Bob's key from his card. */
  at_bob = koi_to_dc (cli, bob, "bob", BOB, "Hello Bob, sealed from Koi", "Single", NULL);
  g_assert_cmpint (json_object_get_int_member (at_bob, "chatId"), ==, chat);

  /* Then Delta Chat, into the same chat. */
  at_alice = dc_to_koi (cli, bob, chat, BOB, BOB, "Hello Alice, sealed from Delta Chat", NULL);
  g_assert_cmpstr (interop_member (at_alice, "chat"), ==, BOB);
}

/* (d) Edit, reaction and read receipt both ways, encrypted. */
static void
test_edit_react_read (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestDeltachat) bob = NULL;
  g_autoptr (JsonObject) at_bob = NULL;
  g_autoptr (JsonObject) at_alice = NULL;
  g_autoptr (JsonObject) edited = NULL;
  g_autofree char *mine = NULL;
  g_autofree char *params = NULL;
  g_autofree char *bob_chat_id = NULL;
  const char *theirs;
  gint64 alice_contact;
  gint64 chat;
  gint64 dc_theirs = 0;
  gint64 dc_mine;

  koi_alice (cli);
  bob = interop_deltachat (cli, BOB, "bob-secret", FALSE);
  alice_contact = interop_exchange_vcards (cli, "alice", ALICE, bob, BOB);
  chat = dc_chat_with (bob, alice_contact);

  at_bob = koi_to_dc (cli, bob, "bob", BOB, "Lunch at noon?", "Single", &mine);
  dc_mine = json_object_get_int_member (at_bob, "id");
  at_alice = dc_to_koi (cli, bob, chat, BOB, BOB, "Which place?", &dc_theirs);
  theirs = interop_member (at_alice, "message_id");

  /* Koi edits its message: Delta Chat shows the new text in place,
   * marked edited, still padlocked. */
  g_free (interop_koi_run (cli, "alice", "edit", mine, "Lunch at one?", NULL, NULL));
  {
    gint64 end = g_get_monotonic_time () + INTEROP_TIMEOUT_S * G_USEC_PER_SEC;
    g_autoptr (JsonObject) now = NULL;

    do
      {
        g_clear_pointer (&now, json_object_unref);
        g_usleep (300 * 1000);
        now = interop_dc_message (bob, dc_mine);
      }
    while (g_strcmp0 (interop_member (now, "text"), "Lunch at one?") != 0 &&
           g_get_monotonic_time () < end);
    g_assert_cmpstr (interop_member (now, "text"), ==, "Lunch at one?");
    g_assert_true (json_object_get_boolean_member (now, "isEdited"));
    g_assert_true (json_object_get_boolean_member (now, "showPadlock"));
  }

  /* Delta Chat edits its message: Koi shows the new text and the old one
   * in the history. */
  params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT ", \"Which place, the usual?\"]",
                            koi_test_deltachat_account_id (bob), dc_theirs);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonNode) none = koi_test_deltachat_call (bob, "send_edit_request", params, &error);

    g_assert_no_error (error);
  }
  {
    gint64 end = g_get_monotonic_time () + INTEROP_TIMEOUT_S * G_USEC_PER_SEC;

    do
      {
        g_clear_pointer (&edited, json_object_unref);
        edited = interop_koi_message (cli, "alice", BOB, theirs, NULL);
      }
    while (g_strcmp0 (interop_member (edited, "text"), "Which place, the usual?") != 0 &&
           g_get_monotonic_time () < end && (g_usleep (500 * 1000), TRUE));
    g_assert_cmpstr (interop_member (edited, "text"), ==, "Which place, the usual?");
    g_assert_true (json_object_get_boolean_member (edited, "edited"));
    g_assert_cmpstr (interop_member (json_array_get_object_element (json_object_get_array_member (edited, "history"), 0),
                                     "text"), ==, "Which place?");
  }

  /* Reactions: Delta Chat on Koi's message, Koi on Delta Chat's. */
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT ", [\"👍\"]]", koi_test_deltachat_account_id (bob), dc_mine);
  g_assert_cmpint (interop_dc_int (bob, "send_reaction", params), >, 0);
  {
    gint64 end = g_get_monotonic_time () + INTEROP_TIMEOUT_S * G_USEC_PER_SEC;
    g_autoptr (JsonObject) reacted = NULL;
    JsonArray *reactions = NULL;

    do
      {
        g_clear_pointer (&reacted, json_object_unref);
        reacted = interop_koi_message (cli, "alice", BOB, mine, NULL);
        reactions = reacted != NULL ? json_object_get_array_member (reacted, "reactions") : NULL;
      }
    while ((reactions == NULL || json_array_get_length (reactions) == 0) &&
           g_get_monotonic_time () < end && (g_usleep (500 * 1000), TRUE));
    g_assert_nonnull (reactions);
    g_assert_cmpuint (json_array_get_length (reactions), ==, 1);
    g_assert_cmpstr (interop_member (json_array_get_object_element (reactions, 0), "emoji"), ==, "👍");
  }

  g_free (interop_koi_run (cli, "alice", "react", theirs, "🎉", NULL, NULL));
  {
    gint64 end = g_get_monotonic_time () + INTEROP_TIMEOUT_S * G_USEC_PER_SEC;
    g_autoptr (JsonObject) reactions = NULL;
    JsonArray *list = NULL;

    g_clear_pointer (&params, g_free);
    params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]", koi_test_deltachat_account_id (bob), dc_theirs);
    do
      {
        g_clear_pointer (&reactions, json_object_unref);
        g_usleep (300 * 1000);
        reactions = interop_dc_object (bob, "get_message_reactions", params);
        list = reactions != NULL ? json_object_get_array_member (reactions, "reactions") : NULL;
      }
    while ((list == NULL || json_array_get_length (list) == 0) && g_get_monotonic_time () < end);
    g_assert_nonnull (list);
    g_assert_cmpuint (json_array_get_length (list), ==, 1);
    g_assert_cmpstr (interop_member (json_array_get_object_element (list, 0), "emoji"), ==, "🎉");
  }

  /* Read receipts: Koi reads the chat, Delta Chat's message turns "read"
   * (its state 28, OutMdnRcvd) with Alice among its readers... */
  bob_chat_id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (at_alice, "chat_id"));
  g_free (interop_koi_run (cli, "alice", "read", bob_chat_id, NULL, NULL, NULL));
  {
    gint64 end = g_get_monotonic_time () + INTEROP_TIMEOUT_S * G_USEC_PER_SEC;
    g_autoptr (JsonObject) now = NULL;

    do
      {
        g_clear_pointer (&now, json_object_unref);
        g_usleep (300 * 1000);
        now = interop_dc_message (bob, dc_theirs);
      }
    while (json_object_get_int_member (now, "state") != 28 && g_get_monotonic_time () < end);
    g_assert_cmpint (json_object_get_int_member (now, "state"), ==, 28);
  }

  /* ...and Delta Chat reads Koi's message: Koi lists Bob as its reader. */
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("[%u, [%" G_GINT64_FORMAT "]]", koi_test_deltachat_account_id (bob), dc_mine);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonNode) none = koi_test_deltachat_call (bob, "markseen_msgs", params, &error);

    g_assert_no_error (error);
  }
  {
    gint64 end = g_get_monotonic_time () + INTEROP_TIMEOUT_S * G_USEC_PER_SEC;
    g_autoptr (JsonObject) read = NULL;
    JsonArray *readers = NULL;

    do
      {
        g_clear_pointer (&read, json_object_unref);
        read = interop_koi_message (cli, "alice", BOB, mine, NULL);
        readers = read != NULL ? json_object_get_array_member (read, "read_by") : NULL;
      }
    while ((readers == NULL || json_array_get_length (readers) == 0) &&
           g_get_monotonic_time () < end && (g_usleep (500 * 1000), TRUE));
    g_assert_nonnull (readers);
    g_assert_cmpuint (json_array_get_length (readers), ==, 1);
    g_assert_cmpstr (json_array_get_string_element (readers, 0), ==, BOB);
  }
}

/* (b) A group of Koi (Alice) and two default Delta Chat users (Bob,
 * Carol), keys by vCard between Koi and each of them; Bob and Carol learn
 * each other's keys only from Koi's Autocrypt-Gossip. */
static void
test_group (void)
{
  static const char * const users[] = {
    ALICE ":alice-secret", BOB ":bob-secret", CAROL ":carol-secret", NULL
  };
  g_autoptr (KoiTestCli) cli = koi_test_cli_new_with_users (users);
  g_autoptr (KoiTestDeltachat) bob = NULL;
  g_autoptr (KoiTestDeltachat) carol = NULL;
  g_autoptr (JsonObject) at_bob = NULL;
  g_autoptr (JsonObject) at_carol = NULL;
  g_autoptr (JsonObject) at_alice = NULL;
  g_autoptr (JsonObject) bob_at_carol = NULL;
  g_autoptr (JsonObject) chat = NULL;
  g_autofree char *created = NULL;
  g_autofree char *group = NULL;
  g_autofree char *type = NULL;
  g_autofree char *params = NULL;
  g_auto (GStrv) lines = NULL;
  gint64 bob_chat;

  koi_alice (cli);
  bob = interop_deltachat (cli, BOB, "bob-secret", FALSE);
  carol = interop_deltachat (cli, CAROL, "carol-secret", FALSE);
  interop_exchange_vcards (cli, "alice", ALICE, bob, BOB);
  interop_exchange_vcards (cli, "alice", ALICE, carol, CAROL);

  created = interop_koi_run (cli, "alice", "group", "create", "Picnic", BOB, CAROL);
  lines = g_strsplit (created, "\n", -1);
  group = g_strdup (lines[0]);
  g_assert_cmpint (g_ascii_strtoll (group, NULL, 10), >, 0);

  /* Koi's message reaches both, encrypted, in a group named as Koi named
   * it. */
  at_bob = koi_to_dc (cli, bob, "bob", group, "Who brings the blanket?", "Group", NULL);
  at_carol = interop_dc_wait_text (carol, "Who brings the blanket?");
  g_assert_nonnull (at_carol);
  g_assert_true (json_object_get_boolean_member (at_carol, "showPadlock"));
  type = interop_dc_chat_type (carol, json_object_get_int_member (at_carol, "chatId"));
  g_assert_cmpstr (type, ==, "Group");
  bob_chat = json_object_get_int_member (at_bob, "chatId");
  params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]", koi_test_deltachat_account_id (bob), bob_chat);
  chat = interop_dc_object (bob, "get_basic_chat_info", params);
  g_assert_cmpstr (interop_member (chat, "name"), ==, "Picnic");
  /* A new group is a contact request in Delta Chat: Bob lets it in. */
  dc_accept (bob, bob_chat);

  /* Bob answers in the group: Koi files it in the group, encrypted, and
   * Carol (whose key Bob has only from Koi's gossip) reads it too. */
  at_alice = dc_to_koi (cli, bob, bob_chat, group, BOB, "I bring the blanket", NULL);
  /* Bob's Delta Chat has all three in the group: Carol's key came only
   * in Koi's Autocrypt-Gossip. */
  {
    g_autoptr (JsonObject) full = interop_dc_object (bob, "get_full_chat_by_id", params);

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (full, "contactIds")), ==, 3);
  }
  bob_at_carol = interop_dc_wait_text (carol, "I bring the blanket");
  g_assert_nonnull (bob_at_carol);
  g_assert_true (json_object_get_boolean_member (bob_at_carol, "showPadlock"));
  g_assert_cmpint (json_object_get_int_member (bob_at_carol, "chatId"), ==,
                   json_object_get_int_member (at_carol, "chatId"));
}

/* (c) The Autocrypt path with a Delta Chat that allows plain mail: no
 * vCards. Koi's first message goes plain with its key in the Autocrypt
 * header. Delta Chat 2.x files plain mail under an address-only contact
 * and never encrypts to one, so its answer in that chat comes plain too,
 * with its own key in the header; Koi keeps that key and encrypts from then
 * on, and Delta Chat's answer to an encrypted message is encrypted. */
static void
test_autocrypt (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestDeltachat) bob = NULL;
  g_autoptr (JsonObject) first = NULL;
  g_autoptr (JsonObject) plain_answer = NULL;
  g_autoptr (JsonObject) sealed = NULL;
  g_autoptr (JsonObject) answer = NULL;
  g_autofree char *first_id = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *keys_out = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  const char *source = NULL;
  gint64 chat;
  gint64 dc_msg;

  koi_alice (cli);
  bob = interop_deltachat (cli, BOB, "bob-secret", TRUE);

  first_id = koi_test_cli_send (cli, "alice", BOB, "Hi Bob, this one is plain");
  raw = koi_test_server_copy (cli, "bob", first_id);
  g_assert_nonnull (raw);
  g_assert_null (strstr (raw, "multipart/encrypted"));
  g_assert_nonnull (strstr (raw, "Autocrypt: addr=" ALICE));

  first = interop_dc_wait_text (bob, "Hi Bob, this one is plain");
  g_assert_nonnull (first);
  g_assert_false (json_object_get_boolean_member (first, "showPadlock"));
  g_assert_cmpstr (interop_member (json_object_get_object_member (first, "sender"), "address"), ==, ALICE);
  chat = json_object_get_int_member (first, "chatId");
  dc_accept (bob, chat);

  /* Delta Chat answers in the plain chat: plain, with its key. */
  dc_msg = interop_dc_send (bob, chat, "Hi Alice, plain back");
  {
    g_autoptr (JsonObject) sent = interop_dc_message (bob, dc_msg);

    g_assert_false (json_object_get_boolean_member (sent, "showPadlock"));
  }
  plain_answer = koi_wait_message (cli, BOB, NULL, "Hi Alice, plain back");
  g_assert_nonnull (plain_answer);
  g_assert_false (json_object_get_boolean_member (plain_answer, "encrypted"));
  keys_out = interop_koi_run (cli, "alice", "keys", NULL, NULL, NULL, NULL);
  keys = koi_test_cli_parse_lines (keys_out);
  for (guint i = 0; i < keys->len; i++)
    if (g_strcmp0 (interop_member (g_ptr_array_index (keys, i), "address"), BOB) == 0)
      source = interop_member (g_ptr_array_index (keys, i), "source");
  g_assert_cmpstr (source, ==, "autocrypt");

  /* From then on Koi encrypts, and Delta Chat's answer to that is
   * encrypted too (in its chat with Alice's key). */
  sealed = koi_to_dc (cli, bob, "bob", BOB, "Now this one is sealed", "Single", NULL);
  g_test_message ("Delta Chat's plain chat %" G_GINT64_FORMAT ", encrypted chat %" G_GINT64_FORMAT,
                  chat, json_object_get_int_member (sealed, "chatId"));
  dc_accept (bob, json_object_get_int_member (sealed, "chatId"));
  answer = dc_to_koi (cli, bob, json_object_get_int_member (sealed, "chatId"), BOB, BOB,
                      "Sealed back", NULL);
}

/* An 8×8 PNG: small enough that Delta Chat sends it as it is. */
static const guint8 dot_png[] = { 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x08, 0x08, 0x02, 0x00, 0x00, 0x00, 0x4b, 0x6d, 0x29, 0xdc, 0x00, 0x00, 0x00, 0x6c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x0d, 0xc9, 0x41, 0x01, 0x00, 0x30, 0x08, 0x03, 0x31, 0x94, 0xa0, 0xa4, 0x4a, 0xaa, 0x84, 0xe7, 0xa9, 0x40, 0x09, 0x4a, 0xaa, 0x68, 0xcb, 0x37, 0x55, 0x45, 0x17, 0x2a, 0x5c, 0x4c, 0xb1, 0xc5, 0x15, 0x29, 0xaa, 0x9a, 0x6e, 0xd4, 0xb8, 0x99, 0x66, 0x9b, 0x6b, 0xd2, 0x3f, 0x44, 0x0b, 0x09, 0x8b, 0x11, 0x2b, 0x4e, 0x44, 0x3f, 0x4c, 0x1b, 0x19, 0x9b, 0x31, 0x6b, 0xce, 0xc4, 0x3f, 0x86, 0x1e, 0x34, 0x78, 0x98, 0x61, 0x87, 0x1b, 0x32, 0x3f, 0x96, 0x5e, 0xb4, 0x78, 0x99, 0x65, 0x97, 0x5b, 0xb2, 0x3f, 0x8e, 0x3e, 0x74, 0xf8, 0x98, 0x63, 0x8f, 0x3b, 0x72, 0x3f, 0x42, 0x07, 0x05, 0x87, 0x09, 0x1b, 0x2e, 0x24, 0x3c, 0xb0, 0x2c, 0x54, 0x81, 0x31, 0xc8, 0xe3, 0xff, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82 };

static char *
sha256_of_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &data, &length, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, length);
}

/* (e) Files, encrypted both ways: Delta Chat's image arrives in Koi as an
 * image with the bytes Delta Chat sent; Koi's file arrives in Delta Chat
 * as a file message with its name and size. */
static void
test_files (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestDeltachat) bob = NULL;
  g_autoptr (JsonObject) sent = NULL;
  g_autoptr (JsonObject) at_alice = NULL;
  g_autoptr (JsonObject) at_bob = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *image = g_build_filename (cli->tmp, "dot.png", NULL);
  g_autofree char *report = g_build_filename (cli->tmp, "Report.pdf", NULL);
  g_autofree char *params = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *dc_sha = NULL;
  g_autofree char *alice = NULL;
  g_autofree char *out = NULL;
  g_autofree guint8 *report_data = NULL;
  JsonArray *attachments;
  JsonObject *attachment;
  gint64 alice_contact;
  gint64 chat;
  gint64 msg_id;
  gsize report_size = 300 * 1000;

  koi_alice (cli);
  alice = koi_test_cli_profile (cli, "alice");
  bob = interop_deltachat (cli, BOB, "bob-secret", FALSE);
  alice_contact = interop_exchange_vcards (cli, "alice", ALICE, bob, BOB);
  chat = dc_chat_with (bob, alice_contact);

  /* Delta Chat → Koi: an image. */
  g_assert_true (g_file_set_contents (image, (const char *) dot_png, sizeof dot_png, NULL));
  quoted = interop_json_string (image);
  params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT ", {\"text\": \"A dot from Delta Chat\", "
                            "\"file\": %s, \"filename\": \"dot.png\", \"viewtype\": \"Image\"}]",
                            koi_test_deltachat_account_id (bob), chat, quoted);
  msg_id = interop_dc_int (bob, "send_msg", params);
  koi_test_deltachat_wait_sent (bob, msg_id, INTEROP_TIMEOUT_S, &error);
  g_assert_no_error (error);
  sent = interop_dc_message (bob, msg_id);
  g_assert_true (json_object_get_boolean_member (sent, "showPadlock"));
  g_assert_cmpstr (interop_member (sent, "viewType"), ==, "Image");
  dc_sha = sha256_of_file (interop_member (sent, "file"));

  at_alice = koi_wait_message (cli, BOB, NULL, "A dot from Delta Chat");
  g_assert_nonnull (at_alice);
  g_assert_true (json_object_get_boolean_member (at_alice, "encrypted"));
  g_assert_cmpstr (interop_member (at_alice, "signature"), ==, "valid");
  interop_assert_encrypted_on_server (cli, "alice", interop_member (at_alice, "message_id"),
                                      "A dot from");
  attachments = json_object_get_array_member (at_alice, "attachments");
  g_assert_cmpuint (json_array_get_length (attachments), ==, 1);
  attachment = json_array_get_object_element (attachments, 0);
  g_assert_cmpstr (interop_member (attachment, "kind"), ==, "image");
  g_assert_cmpstr (interop_member (attachment, "state"), ==, "done");
  g_assert_cmpstr (interop_member (attachment, "sha256"), ==, dc_sha);
  {
    g_autofree char *on_disk = sha256_of_file (interop_member (attachment, "path"));

    g_assert_cmpstr (on_disk, ==, dc_sha);
  }

  /* Koi → Delta Chat: a file. */
  report_data = g_malloc (report_size);
  for (gsize i = 0; i < report_size; i++)
    report_data[i] = (guint8) g_random_int ();
  memcpy (report_data, "%PDF-1.4\n", 9);
  g_assert_true (g_file_set_contents (report, (const char *) report_data, report_size, NULL));
  g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", alice, "send", "--file",
                                     report, "--caption", "The report, sealed", BOB, NULL), ==, 0);
  g_strstrip (out);
  interop_assert_encrypted_on_server (cli, "bob", out, "Report.pdf");

  at_bob = interop_dc_wait_text (bob, "The report, sealed");
  g_assert_nonnull (at_bob);
  g_assert_true (json_object_get_boolean_member (at_bob, "showPadlock"));
  g_assert_cmpstr (interop_member (at_bob, "viewType"), ==, "File");
  g_assert_cmpstr (interop_member (at_bob, "fileName"), ==, "Report.pdf");
  g_assert_cmpint (json_object_get_int_member (at_bob, "fileBytes"), ==, (gint64) report_size);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/interop/encrypted/vcard-one-to-one", test_vcard_one_to_one);
  g_test_add_func ("/interop/encrypted/edit-react-read", test_edit_react_read);
  g_test_add_func ("/interop/encrypted/group", test_group);
  g_test_add_func ("/interop/encrypted/autocrypt", test_autocrypt);
  g_test_add_func ("/interop/encrypted/files", test_files);

  return g_test_run ();
}
