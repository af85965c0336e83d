/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Group membership between Koi and the real Delta Chat core, encrypted
 * (issue 8): Koi (Alice) and two default Delta Chat users (Bob, Carol) on
 * one private Dovecot + Postfix.
 *
 *  - Koi adds a member, renames the group and removes a member: each Delta
 *    Chat account's own API reports the member list, the name and its info
 *    message for every change.
 *  - Delta Chat renames, removes and adds: Koi's store (through koi-cli)
 *    shows the same members and name, with an info line per change.
 */
#include "config.h"

#define G_LOG_DOMAIN "koi-interop"

#include <string.h>

#include "interop-util.h"

#define ALICE "alice@example.org"   /* Koi */
#define BOB   "bob@example.org"     /* Delta Chat */
#define CAROL "carol@example.org"   /* Delta Chat */

static const char * const users[] = {
  ALICE ":alice-secret", BOB ":bob-secret", CAROL ":carol-secret", NULL
};

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The addresses of @array (char *), sorted, joined by spaces. */
static char *
join_sorted (GPtrArray *array)
{
  g_ptr_array_sort (array, compare_strings);
  g_ptr_array_add (array, NULL);
  return g_strjoinv (" ", (char **) array->pdata);
}

static gboolean
wait_tick (gint64 end)
{
  if (g_get_monotonic_time () >= end)
    return FALSE;
  g_usleep (500 * 1000);
  return TRUE;
}

/* Sleeps into the next wall-clock second (and 50 ms more). */
static void
wait_for_next_second (void)
{
  gint64 now = g_get_real_time ();

  g_usleep (G_USEC_PER_SEC - now % G_USEC_PER_SEC + 50000);
}

/* Delta Chat's chat: its name and its members' addresses (self included
 * while in the group), sorted. */
static JsonObject *
dc_chat (KoiTestDeltachat *dc,
         gint64            chat_id)
{
  g_autofree char *params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]",
                                             koi_test_deltachat_account_id (dc), chat_id);

  return interop_dc_object (dc, "get_full_chat_by_id", params);
}

static char *
dc_members (KoiTestDeltachat *dc,
            gint64            chat_id)
{
  g_autoptr (JsonObject) chat = dc_chat (dc, chat_id);
  JsonArray *ids = json_object_get_array_member (chat, "contactIds");
  g_autoptr (GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < json_array_get_length (ids); i++)
    {
      g_autofree char *params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]",
                                                 koi_test_deltachat_account_id (dc),
                                                 json_array_get_int_element (ids, i));
      g_autoptr (JsonObject) contact = interop_dc_object (dc, "get_contact", params);

      g_ptr_array_add (addresses, g_strdup (interop_member (contact, "address")));
    }
  return join_sorted (addresses);
}

static char *
dc_name (KoiTestDeltachat *dc,
         gint64            chat_id)
{
  g_autoptr (JsonObject) chat = dc_chat (dc, chat_id);

  return g_strdup (interop_member (chat, "name"));
}

/* How many of Delta Chat's messages in @chat_id are info messages of
 * @type ("GroupNameChanged", "MemberAddedToGroup", ...). */
static guint
dc_count_info (KoiTestDeltachat *dc,
               gint64            chat_id,
               const char       *type)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT ", false, false]",
                                             koi_test_deltachat_account_id (dc), chat_id);
  g_autoptr (JsonNode) ids = koi_test_deltachat_call (dc, "get_message_ids", params, &error);
  JsonArray *array;
  guint count = 0;

  g_assert_no_error (error);
  array = json_node_get_array (ids);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autoptr (JsonObject) message = interop_dc_message (dc, json_array_get_int_element (array, i));

      if (json_object_get_boolean_member (message, "isInfo") &&
          g_strcmp0 (interop_member (message, "systemMessageType"), type) == 0)
        count++;
    }
  return count;
}

/* Waits until Delta Chat's chat has @members and @name and @count info
 * messages of @type, then asserts it. */
static void
dc_assert_group (KoiTestDeltachat *dc,
                 gint64            chat_id,
                 const char       *members,
                 const char       *name,
                 const char       *type,
                 guint             count)
{
  gint64 end = g_get_monotonic_time () + INTEROP_TIMEOUT_S * G_USEC_PER_SEC;
  g_autofree char *now_members = NULL;
  g_autofree char *now_name = NULL;
  guint now_count = 0;

  do
    {
      g_clear_pointer (&now_members, g_free);
      g_clear_pointer (&now_name, g_free);
      now_members = dc_members (dc, chat_id);
      now_name = dc_name (dc, chat_id);
      now_count = dc_count_info (dc, chat_id, type);
    }
  while ((g_strcmp0 (now_members, members) != 0 || g_strcmp0 (now_name, name) != 0 ||
          now_count != count) && wait_tick (end));
  g_assert_cmpstr (now_members, ==, members);
  g_assert_cmpstr (now_name, ==, name);
  g_assert_cmpuint (now_count, ==, count);
}

/* Koi's current members of its group @chat (removed ones left out),
 * sorted. */
static char *
koi_members (KoiTestCli *cli,
             const char *chat)
{
  g_autofree char *out = interop_koi_run (cli, "alice", "group", "members", chat, NULL, NULL);
  g_autoptr (GPtrArray) lines = koi_test_cli_parse_lines (out);
  g_autoptr (GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < lines->len; i++)
    if (!json_object_get_boolean_member (g_ptr_array_index (lines, i), "removed"))
      g_ptr_array_add (addresses, g_strdup (interop_member (g_ptr_array_index (lines, i), "address")));
  return join_sorted (addresses);
}

static char *
koi_name (KoiTestCli *cli,
          const char *chat)
{
  g_autofree char *out = interop_koi_run (cli, "alice", "chats", NULL, NULL, NULL, NULL);
  g_autoptr (GPtrArray) chats = koi_test_cli_parse_lines (out);

  for (guint i = 0; i < chats->len; i++)
    {
      JsonObject *object = g_ptr_array_index (chats, i);

      if (json_object_get_int_member (object, "id") == g_ascii_strtoll (chat, NULL, 10))
        return g_strdup (interop_member (object, "name"));
    }
  return NULL;
}

/* How many of Koi's messages in @chat are info lines @info with @arg,
 * from @from. */
static guint
koi_count_info (KoiTestCli *cli,
                const char *chat,
                const char *info,
                const char *arg,
                const char *from)
{
  g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, "alice", chat);
  guint count = 0;

  for (guint i = 0; i < messages->len; i++)
    {
      JsonObject *message = g_ptr_array_index (messages, i);

      if (g_strcmp0 (interop_member (message, "info"), info) == 0 &&
          g_strcmp0 (interop_member (message, "info_arg"), arg) == 0 &&
          g_strcmp0 (interop_member (message, "from"), from) == 0)
        count++;
    }
  return count;
}

/* Syncs Koi until its group @chat has @members and @name and one info line
 * @info/@arg from @from, then asserts it. */
static void
koi_assert_group (KoiTestCli *cli,
                  const char *chat,
                  const char *members,
                  const char *name,
                  const char *info,
                  const char *arg,
                  const char *from)
{
  gint64 end = g_get_monotonic_time () + INTEROP_TIMEOUT_S * G_USEC_PER_SEC;
  g_autofree char *now_members = NULL;
  g_autofree char *now_name = NULL;
  guint count = 0;

  do
    {
      g_clear_pointer (&now_members, g_free);
      g_clear_pointer (&now_name, g_free);
      g_free (interop_koi_run (cli, "alice", "sync", NULL, NULL, NULL, NULL));
      now_members = koi_members (cli, chat);
      now_name = koi_name (cli, chat);
      count = koi_count_info (cli, chat, info, arg, from);
    }
  while ((g_strcmp0 (now_members, members) != 0 || g_strcmp0 (now_name, name) != 0 ||
          count != 1) && wait_tick (end));
  g_assert_cmpstr (now_members, ==, members);
  g_assert_cmpstr (now_name, ==, name);
  g_assert_cmpuint (count, ==, 1);
}

/* Koi's profile "alice" with its own key, and Bob's and Carol's Delta
 * Chat with keys exchanged by vCard between Koi and each of them. */
static void
start (KoiTestCli        *cli,
       KoiTestDeltachat **bob,
       KoiTestDeltachat **carol)
{
  koi_test_cli_add_account (cli, "alice", ALICE, "alice-secret");
  g_free (interop_koi_run (cli, "alice", "sync", NULL, NULL, NULL, NULL));
  g_free (interop_koi_run (cli, "alice", "profile", "set", "--name", "Alice", NULL));
  *bob = interop_deltachat (cli, BOB, "bob-secret", FALSE);
  *carol = interop_deltachat (cli, CAROL, "carol-secret", FALSE);
  interop_exchange_vcards (cli, "alice", ALICE, *bob, BOB);
  interop_exchange_vcards (cli, "alice", ALICE, *carol, CAROL);
}

/* Koi sends @text into its group @chat; Delta Chat @dc shows it padlocked
 * in a group, which the user accepts. Returns Delta Chat's chat id. */
static gint64
koi_text_reaches (KoiTestCli       *cli,
                  KoiTestDeltachat *dc,
                  const char       *chat,
                  const char       *text)
{
  g_autoptr (JsonObject) got = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *type = NULL;
  g_autofree char *params = NULL;
  g_autoptr (JsonNode) none = NULL;
  gint64 chat_id;

  got = interop_dc_wait_text (dc, text);
  g_assert_nonnull (got);
  g_assert_true (json_object_get_boolean_member (got, "showPadlock"));
  chat_id = json_object_get_int_member (got, "chatId");
  type = interop_dc_chat_type (dc, chat_id);
  g_assert_cmpstr (type, ==, "Group");
  params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]", koi_test_deltachat_account_id (dc), chat_id);
  none = koi_test_deltachat_call (dc, "accept_chat", params, &error);
  g_assert_no_error (error);
  return chat_id;
}

/* Koi adds Carol, renames the group and removes Bob: what each Delta
 * Chat shows. */
static void
test_koi_changes (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new_with_users (users);
  g_autoptr (KoiTestDeltachat) bob = NULL;
  g_autoptr (KoiTestDeltachat) carol = NULL;
  g_autofree char *created = NULL;
  g_autofree char *chat = NULL;
  g_autofree char *sent = NULL;
  gint64 bob_chat;
  gint64 carol_chat;

  start (cli, &bob, &carol);
  created = interop_koi_run (cli, "alice", "group", "create", "Picnic", BOB, NULL);
  chat = g_strndup (created, strcspn (created, "\n"));
  g_assert_cmpint (g_ascii_strtoll (chat, NULL, 10), >, 0);
  sent = koi_test_cli_send (cli, "alice", chat, "Who brings the blanket?");
  bob_chat = koi_text_reaches (cli, bob, chat, "Who brings the blanket?");
  dc_assert_group (bob, bob_chat, ALICE " " BOB, "Picnic", "MemberAddedToGroup", 0);

  /* Koi adds Carol: she gets the group with all three, Bob sees her come
   * in with Delta Chat's own info line. */
  g_free (interop_koi_run (cli, "alice", "group", "add", chat, CAROL, NULL));
  dc_assert_group (bob, bob_chat, ALICE " " BOB " " CAROL, "Picnic", "MemberAddedToGroup", 1);
  g_clear_pointer (&sent, g_free);
  sent = koi_test_cli_send (cli, "alice", chat, "Carol, welcome!");
  carol_chat = koi_text_reaches (cli, carol, chat, "Carol, welcome!");
  dc_assert_group (carol, carol_chat, ALICE " " BOB " " CAROL, "Picnic", "MemberAddedToGroup", 1);

  /* Koi renames it: both follow, each with a "name changed" line. */
  g_free (interop_koi_run (cli, "alice", "group", "rename", chat, "Picnic 2027", NULL));
  dc_assert_group (bob, bob_chat, ALICE " " BOB " " CAROL, "Picnic 2027", "GroupNameChanged", 1);
  dc_assert_group (carol, carol_chat, ALICE " " BOB " " CAROL, "Picnic 2027", "GroupNameChanged", 1);

  /* Koi removes Bob: Carol sees him go; Bob learns he is out (his own
   * address leaves his member list) and cannot write any more. */
  g_free (interop_koi_run (cli, "alice", "group", "remove", chat, BOB, NULL));
  dc_assert_group (carol, carol_chat, ALICE " " CAROL, "Picnic 2027", "MemberRemovedFromGroup", 1);
  dc_assert_group (bob, bob_chat, ALICE " " CAROL, "Picnic 2027", "MemberRemovedFromGroup", 1);
  {
    g_autoptr (JsonObject) full = dc_chat (bob, bob_chat);

    g_assert_false (json_object_get_boolean_member (full, "selfInGroup"));
    g_assert_false (json_object_get_boolean_member (full, "canSend"));
  }

  /* Koi's own view agrees. */
  {
    g_autofree char *members = koi_members (cli, chat);
    g_autofree char *name = koi_name (cli, chat);

    g_assert_cmpstr (members, ==, ALICE " " CAROL);
    g_assert_cmpstr (name, ==, "Picnic 2027");
  }
}

/* Delta Chat's contact id for @address in its chat @chat_id. */
static gint64
dc_member_id (KoiTestDeltachat *dc,
              gint64            chat_id,
              const char       *address)
{
  g_autoptr (JsonObject) chat = dc_chat (dc, chat_id);
  JsonArray *ids = json_object_get_array_member (chat, "contactIds");

  for (guint i = 0; i < json_array_get_length (ids); i++)
    {
      gint64 id = json_array_get_int_element (ids, i);
      g_autofree char *params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]",
                                                 koi_test_deltachat_account_id (dc), id);
      g_autoptr (JsonObject) contact = interop_dc_object (dc, "get_contact", params);

      if (g_strcmp0 (interop_member (contact, "address"), address) == 0)
        return id;
    }
  g_assert_not_reached ();
}

static void
dc_call (KoiTestDeltachat *dc,
         const char       *method,
         const char       *params)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) none = koi_test_deltachat_call (dc, method, params, &error);

  g_assert_no_error (error);
}

/* Bob (Delta Chat) renames the Koi-made group, removes Carol and adds her
 * back: Koi shows the same members and name, with info lines. */
static void
test_delta_chat_changes (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new_with_users (users);
  g_autoptr (KoiTestDeltachat) bob = NULL;
  g_autoptr (KoiTestDeltachat) carol = NULL;
  g_autofree char *created = NULL;
  g_autofree char *chat = NULL;
  g_autofree char *sent = NULL;
  g_autofree char *params = NULL;
  gint64 bob_chat;
  gint64 carol_chat;
  gint64 carol_at_bob;

  start (cli, &bob, &carol);
  created = interop_koi_run (cli, "alice", "group", "create", "Band", BOB, CAROL);
  chat = g_strndup (created, strcspn (created, "\n"));
  sent = koi_test_cli_send (cli, "alice", chat, "First rehearsal on Friday");
  bob_chat = koi_text_reaches (cli, bob, chat, "First rehearsal on Friday");
  carol_chat = koi_text_reaches (cli, carol, chat, "First rehearsal on Friday");
  dc_assert_group (bob, bob_chat, ALICE " " BOB " " CAROL, "Band", "GroupNameChanged", 0);

  /* Bob renames. */
  params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT ", \"The Band\"]",
                            koi_test_deltachat_account_id (bob), bob_chat);
  dc_call (bob, "set_chat_name", params);
  koi_assert_group (cli, chat, ALICE " " BOB " " CAROL, "The Band", "renamed", "The Band", BOB);
  dc_assert_group (carol, carol_chat, ALICE " " BOB " " CAROL, "The Band", "GroupNameChanged", 1);

  /* Bob removes Carol. */
  carol_at_bob = dc_member_id (bob, bob_chat, CAROL);
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]",
                            koi_test_deltachat_account_id (bob), bob_chat, carol_at_bob);
  dc_call (bob, "remove_contact_from_chat", params);
  koi_assert_group (cli, chat, ALICE " " BOB, "The Band", "removed", CAROL, BOB);
  dc_assert_group (carol, carol_chat, ALICE " " BOB, "The Band", "MemberRemovedFromGroup", 1);

  /* Bob adds her back, in a later second than the removal: a mail's Date
   * counts whole seconds, and within one second a removal wins whichever
   * mail comes first (docs/WIRE.md), as a person would not undo a removal
   * within the second. The steps above can take less than that. */
  wait_for_next_second ();
  dc_call (bob, "add_contact_to_chat", params);
  koi_assert_group (cli, chat, ALICE " " BOB " " CAROL, "The Band", "added", CAROL, BOB);
  dc_assert_group (carol, carol_chat, ALICE " " BOB " " CAROL, "The Band", "MemberAddedToGroup", 1);

  /* Koi's next message goes to all three again: Carol reads it. */
  g_clear_pointer (&sent, g_free);
  sent = koi_test_cli_send (cli, "alice", chat, "Welcome back, Carol");
  {
    g_autoptr (JsonObject) got = interop_dc_wait_text (carol, "Welcome back, Carol");

    g_assert_nonnull (got);
    g_assert_cmpint (json_object_get_int_member (got, "chatId"), ==, carol_chat);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/interop/groups/koi-changes", test_koi_changes);
  g_test_add_func ("/interop/groups/delta-chat-changes", test_delta_chat_changes);

  return g_test_run ();
}
