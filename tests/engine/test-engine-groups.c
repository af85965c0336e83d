/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Groups end to end: four accounts on a real Dovecot + Postfix, driven
 * through koi-cli. Every member must see the same name and members and
 * every message once, in one chat; removed members stop receiving and do
 * not come back by writing; a reply from an email program and a Delta
 * Chat group land where they belong.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "koi-test-cli.h"
#include "koi-test-own-key.h"
#include "koi-test-deltachat.h"

static const char * const users[] = {
  "alice@example.org:alice-secret", "bob@example.org:bob-secret",
  "carol@example.org:carol-secret", "dave@example.org:dave-secret", NULL
};

static const char *
member (JsonObject *object,
        const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

static KoiTestCli *
setup (void)
{
  KoiTestCli *cli = koi_test_cli_new_with_users (users);

  for (guint i = 0; users[i] != NULL; i++)
    {
      g_auto (GStrv) parts = g_strsplit (users[i], ":", 2);
      g_autofree char *profile = g_strndup (parts[0], strchr (parts[0], '@') - parts[0]);

      koi_test_cli_add_account (cli, profile, parts[0], parts[1]);
    }
  return cli;
}

static char *
run_ok (KoiTestCli *cli,
        const char *profile,
        ...) G_GNUC_NULL_TERMINATED;

/* Runs koi-cli for @profile with the NULL-terminated arguments (up to 6),
 * asserts exit 0 and returns stdout. */
static char *
run_ok (KoiTestCli *cli,
        const char *profile,
        ...)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  const char *args[8] = { NULL, };
  char *out = NULL;
  g_autofree char *err = NULL;
  va_list ap;
  guint n = 0;
  int status;

  va_start (ap, profile);
  for (const char *arg = va_arg (ap, const char *); arg != NULL && n < 6; arg = va_arg (ap, const char *))
    args[n++] = arg;
  va_end (ap);

  status = koi_test_cli_run (cli, NULL, &out, &err, "--profile", dir,
                             args[0], args[1], args[2], args[3], args[4], args[5], NULL);
  if (status != 0)
    g_error ("koi-cli %s %s failed (%d): %s", profile, args[0], status, err);
  return out;
}

static void
sync_all (KoiTestCli         *cli,
          const char * const *profiles)
{
  koi_test_mailserver_wait_for_empty_queue (cli->server);
  for (guint i = 0; profiles[i] != NULL; i++)
    g_free (run_ok (cli, profiles[i], "sync", NULL));
}

/* The JSON objects of `chats` for @profile. */
static GPtrArray *
chats_of (KoiTestCli *cli,
          const char *profile)
{
  g_autofree char *out = run_ok (cli, profile, "chats", NULL);

  return koi_test_cli_parse_lines (out);
}

/* @profile's chat id of the group @group_id as text, or NULL. */
static char *
group_chat (KoiTestCli *cli,
            const char *profile,
            const char *group_id)
{
  g_autoptr (GPtrArray) chats = chats_of (cli, profile);

  for (guint i = 0; i < chats->len; i++)
    if (g_strcmp0 (member (g_ptr_array_index (chats, i), "group_id"), group_id) == 0)
      return g_strdup_printf ("%" G_GINT64_FORMAT,
                              json_object_get_int_member (g_ptr_array_index (chats, i), "id"));
  return NULL;
}

static char *
group_name (KoiTestCli *cli,
            const char *profile,
            const char *chat)
{
  g_autoptr (GPtrArray) chats = chats_of (cli, profile);

  for (guint i = 0; i < chats->len; i++)
    {
      JsonObject *object = g_ptr_array_index (chats, i);
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (object, "id"));

      if (g_str_equal (id, chat))
        return g_strdup (member (object, "name"));
    }
  return NULL;
}

/* The current members, space-separated, by address. */
static char *
members_of (KoiTestCli *cli,
            const char *profile,
            const char *chat)
{
  g_autofree char *out = run_ok (cli, profile, "group", "members", chat, NULL);
  g_autoptr (GPtrArray) members = koi_test_cli_parse_lines (out);
  g_autoptr (GString) joined = g_string_new (NULL);

  for (guint i = 0; i < members->len; i++)
    {
      JsonObject *object = g_ptr_array_index (members, i);

      if (json_object_get_boolean_member (object, "removed"))
        continue;
      if (joined->len > 0)
        g_string_append_c (joined, ' ');
      g_string_append (joined, member (object, "address"));
    }
  return g_strdup (joined->str);
}

/* How many of @profile's messages in @chat have @text. */
static guint
count_text (KoiTestCli *cli,
            const char *profile,
            const char *chat,
            const char *text)
{
  g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, profile, chat);
  guint count = 0;

  for (guint i = 0; i < messages->len; i++)
    if (g_strcmp0 (member (g_ptr_array_index (messages, i), "text"), text) == 0)
      count++;
  return count;
}

static JsonObject *
find_message (GPtrArray  *messages,
              const char *message_id)
{
  for (guint i = 0; i < messages->len; i++)
    if (g_strcmp0 (member (g_ptr_array_index (messages, i), "message_id"), message_id) == 0)
      return g_ptr_array_index (messages, i);
  return NULL;
}

/* The Maildir file of @user holding @needle, read whole; NULL if none. */
static char *
find_delivered (KoiTestCli *cli,
                const char *user,
                const char *needle)
{
  const char *subdirs[] = { "new", "cur", NULL };

  for (guint s = 0; subdirs[s] != NULL; s++)
    {
      g_autofree char *path = g_build_filename (cli->server->dir, "mail", "example.org", user,
                                                "Maildir", subdirs[s], NULL);
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *file = g_build_filename (path, name, NULL);
          g_autofree char *data = NULL;

          if (g_file_get_contents (file, &data, NULL, NULL) && strstr (data, needle) != NULL)
            return g_steal_pointer (&data);
        }
    }
  return NULL;
}

static void
test_group_life (void)
{
  static const char * const everyone[] = { "alice", "bob", "carol", "dave", NULL };
  g_autoptr (KoiTestCli) cli = setup ();
  g_autofree char *created = NULL;
  g_auto (GStrv) created_lines = NULL;
  g_autofree char *group_id = NULL;
  g_autofree char *alice_chat = NULL, *bob_chat = NULL, *carol_chat = NULL, *dave_chat = NULL;
  g_autoptr (GPtrArray) chats = NULL;
  const char *profiles[] = { "alice", "bob", "carol", NULL };

  /* alice creates "Trip" with bob and carol. */
  created = run_ok (cli, "alice", "group", "create", "Trip", "bob@example.org", "carol@example.org", NULL);
  created_lines = g_strsplit (created, "\n", -1);
  alice_chat = g_strdup (created_lines[0]);
  g_assert_cmpint (g_ascii_strtoll (alice_chat, NULL, 10), >, 0);
  chats = chats_of (cli, "alice");
  g_assert_cmpuint (chats->len, ==, 1);
  g_assert_cmpstr (member (g_ptr_array_index (chats, 0), "kind"), ==, "group");
  group_id = g_strdup (member (g_ptr_array_index (chats, 0), "group_id"));
  g_assert_nonnull (group_id);

  sync_all (cli, profiles);
  bob_chat = group_chat (cli, "bob", group_id);
  carol_chat = group_chat (cli, "carol", group_id);
  g_assert_nonnull (bob_chat);
  g_assert_nonnull (carol_chat);

  /* The same name and members on every device. */
  for (guint i = 0; profiles[i] != NULL; i++)
    {
      const char *chat = i == 0 ? alice_chat : i == 1 ? bob_chat : carol_chat;
      g_autofree char *name = group_name (cli, profiles[i], chat);
      g_autofree char *members = members_of (cli, profiles[i], chat);

      g_assert_cmpstr (name, ==, "Trip");
      g_assert_cmpstr (members, ==, "alice@example.org bob@example.org carol@example.org");
    }

  /* Each sends; everyone sees every message once, in the one chat. */
  g_free (run_ok (cli, "alice", "send", alice_chat, "Alice: who brings the tent?", NULL));
  g_free (run_ok (cli, "bob", "send", bob_chat, "Bob: I do.", NULL));
  g_free (run_ok (cli, "carol", "send", carol_chat, "Carol: I bring food.", NULL));
  sync_all (cli, profiles);
  sync_all (cli, profiles);
  for (guint i = 0; profiles[i] != NULL; i++)
    {
      const char *chat = i == 0 ? alice_chat : i == 1 ? bob_chat : carol_chat;
      g_autoptr (GPtrArray) own_chats = chats_of (cli, profiles[i]);
      g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, profiles[i], chat);

      g_assert_cmpuint (own_chats->len, ==, 1);
      g_assert_cmpuint (messages->len, ==, 4);   /* created + three texts */
      g_assert_cmpuint (count_text (cli, profiles[i], chat, "Alice: who brings the tent?"), ==, 1);
      g_assert_cmpuint (count_text (cli, profiles[i], chat, "Bob: I do."), ==, 1);
      g_assert_cmpuint (count_text (cli, profiles[i], chat, "Carol: I bring food."), ==, 1);
    }

  /* Edits and reactions in a group reach every member: bob corrects his
   * message, carol reacts to alice's. */
  {
    g_autoptr (GPtrArray) bob_messages = koi_test_cli_messages (cli, "bob", bob_chat);
    g_autoptr (GPtrArray) carol_messages = koi_test_cli_messages (cli, "carol", carol_chat);
    const char *bob_id = NULL, *alice_id = NULL;

    for (guint i = 0; i < bob_messages->len; i++)
      if (g_strcmp0 (member (g_ptr_array_index (bob_messages, i), "text"), "Bob: I do.") == 0)
        bob_id = member (g_ptr_array_index (bob_messages, i), "message_id");
    for (guint i = 0; i < carol_messages->len; i++)
      if (g_strcmp0 (member (g_ptr_array_index (carol_messages, i), "text"),
                     "Alice: who brings the tent?") == 0)
        alice_id = member (g_ptr_array_index (carol_messages, i), "message_id");
    g_assert_nonnull (bob_id);
    g_assert_nonnull (alice_id);
    g_free (run_ok (cli, "bob", "edit", bob_id, "Bob: I do, two tents.", NULL));
    g_free (run_ok (cli, "carol", "react", alice_id, "👍", NULL));
    sync_all (cli, profiles);
    for (guint i = 0; profiles[i] != NULL; i++)
      {
        const char *chat = i == 0 ? alice_chat : i == 1 ? bob_chat : carol_chat;
        g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, profiles[i], chat);
        JsonObject *tent = find_message (messages, alice_id);
        JsonArray *reactions = json_object_get_array_member (tent, "reactions");

        g_assert_cmpuint (count_text (cli, profiles[i], chat, "Bob: I do, two tents."), ==, 1);
        g_assert_cmpuint (count_text (cli, profiles[i], chat, "Bob: I do."), ==, 0);
        g_assert_cmpuint (json_array_get_length (reactions), ==, 1);
        g_assert_cmpstr (member (json_array_get_object_element (reactions, 0), "emoji"), ==, "👍");
      }

    /* A reply with a quote in the group: every member sees it answer
     * alice's question, and mail programs get the quote. */
    g_free (run_ok (cli, "carol", "send", "--reply-to", alice_id, carol_chat, "Carol: bob does!", NULL));
    sync_all (cli, profiles);
    for (guint i = 0; profiles[i] != NULL; i++)
      {
        const char *chat = i == 0 ? alice_chat : i == 1 ? bob_chat : carol_chat;
        g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, profiles[i], chat);
        JsonObject *answer = NULL;

        for (guint j = 0; j < messages->len; j++)
          if (g_strcmp0 (member (g_ptr_array_index (messages, j), "text"), "Carol: bob does!") == 0)
            answer = g_ptr_array_index (messages, j);
        g_assert_nonnull (answer);
        g_assert_cmpstr (member (answer, "reply_to"), ==, alice_id);
      }
  }

  /* Rename, add dave, remove carol. */
  g_free (run_ok (cli, "alice", "group", "rename", alice_chat, "Trip 2027", NULL));
  g_free (run_ok (cli, "alice", "group", "add", alice_chat, "dave@example.org", NULL));
  g_free (run_ok (cli, "alice", "group", "remove", alice_chat, "carol@example.org", NULL));
  sync_all (cli, everyone);
  dave_chat = group_chat (cli, "dave", group_id);
  g_assert_nonnull (dave_chat);
  {
    const char *views[][2] = { { "alice", alice_chat }, { "bob", bob_chat }, { "dave", dave_chat } };

    for (guint i = 0; i < G_N_ELEMENTS (views); i++)
      {
        g_autofree char *name = group_name (cli, views[i][0], views[i][1]);
        g_autofree char *members = members_of (cli, views[i][0], views[i][1]);

        g_assert_cmpstr (name, ==, "Trip 2027");
        g_assert_cmpstr (members, ==, "alice@example.org bob@example.org dave@example.org");
      }
  }
  /* carol got her removal, and knows she is out. */
  {
    g_autofree char *members = members_of (cli, "carol", carol_chat);
    g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, "carol", carol_chat);
    g_autofree char *dir = koi_test_cli_profile (cli, "carol");
    g_autofree char *err = NULL;
    JsonObject *last = g_ptr_array_index (messages, messages->len - 1);

    g_assert_cmpstr (members, ==, "alice@example.org bob@example.org dave@example.org");
    g_assert_cmpstr (member (last, "info"), ==, "removed");
    g_assert_cmpstr (member (last, "info_arg"), ==, "carol@example.org");
    /* Her Koi does not let her write to the group any more. */
    g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", dir, "send", carol_chat,
                                       "Am I still in?", NULL), !=, 0);
    g_assert_nonnull (strstr (err, "no longer a member"));
  }
  /* dave sees the group from his addition on, not what came before. */
  {
    g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, "dave", dave_chat);

    g_assert_cmpuint (count_text (cli, "dave", dave_chat, "Bob: I do."), ==, 0);
    g_assert_cmpstr (member (g_ptr_array_index (messages, 0), "info"), ==, "added");
  }

  /* bob writes: carol stops receiving, dave gets it. */
  g_free (run_ok (cli, "bob", "send", bob_chat, "Bob: dave, welcome!", NULL));
  sync_all (cli, everyone);
  g_assert_cmpuint (count_text (cli, "dave", dave_chat, "Bob: dave, welcome!"), ==, 1);
  g_assert_cmpuint (count_text (cli, "carol", carol_chat, "Bob: dave, welcome!"), ==, 0);
  g_assert_null (find_delivered (cli, "carol", "Bob: dave, welcome!"));

  /* A later message from carol (an old client that missed her removal)
   * shows, marked, and does not bring her back. Dated an hour from now,
   * so it is later than her removal whenever the test runs (a fixed Date
   * here turned into an earlier one once the clock passed it). */
  {
    g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
    g_autoptr (GDateTime) later = g_date_time_add_hours (now, 1);
    g_autofree char *later_date = g_date_time_format (later, "%a, %d %b %Y %H:%M:%S +0000");
    g_autofree char *mail = g_strdup_printf (
      "From: Carol <carol@example.org>\r\n"
      "To: alice@example.org, bob@example.org, carol@example.org, dave@example.org\r\n"
      "Date: %s\r\n"
      "Message-ID: <chat$group.%s.carollate@example.org>\r\n"
      "Subject: Trip\r\n"
      "Chat-Version: 1.0\r\n"
      "Chat-Group-ID: %s\r\n"
      "Chat-Group-Name: Trip\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "\r\n"
      "Carol: wait for me!\r\n",
      later_date, group_id, group_id);
    g_autoptr (GBytes) raw = g_bytes_new_take (g_strdup (mail), strlen (mail));
    g_autoptr (GError) error = NULL;
    g_autofree char *members = NULL;
    g_autofree char *name = NULL;
    g_autoptr (GPtrArray) messages = NULL;
    g_autofree char *message_id = g_strdup_printf ("chat$group.%s.carollate@example.org", group_id);
    JsonObject *late;

    g_assert_true (koi_test_mailserver_inject (cli->server, "bob@example.org", "INBOX", raw, &error));
    g_assert_no_error (error);
    g_free (run_ok (cli, "bob", "sync", NULL));
    messages = koi_test_cli_messages (cli, "bob", bob_chat);
    late = find_message (messages, message_id);
    g_assert_nonnull (late);
    g_assert_true (json_object_get_boolean_member (late, "not_member"));
    members = members_of (cli, "bob", bob_chat);
    g_assert_cmpstr (members, ==, "alice@example.org bob@example.org dave@example.org");
    name = group_name (cli, "bob", bob_chat);
    g_assert_cmpstr (name, ==, "Trip 2027");
  }

  /* A reply from alice's email program, to bob only: a reply, in the
   * group, members unchanged. */
  {
    g_autoptr (GPtrArray) alice_messages = koi_test_cli_messages (cli, "alice", alice_chat);
    const char *first_id = member (g_ptr_array_index (alice_messages, 0), "message_id");
    g_autofree char *mail = g_strdup_printf (
      "From: Alice <alice@example.org>\r\n"
      "To: bob@example.org\r\n"
      "Date: Mon, 30 Nov 2026 08:00:00 +0000\r\n"
      "Message-ID: <20261130080000.77@mail.example.org>\r\n"
      "Subject: Re: Trip 2027\r\n"
      "In-Reply-To: <%s>\r\n"
      "References: <%s>\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "\r\n"
      "Sent from my mail program.\r\n"
      "\r\n"
      "> Bob: I do.\r\n",
      first_id, first_id);
    g_autoptr (GBytes) raw = g_bytes_new_take (g_strdup (mail), strlen (mail));
    g_autoptr (GError) error = NULL;
    g_autoptr (GPtrArray) bob_chats = NULL;
    g_autofree char *members = NULL;

    g_assert_true (g_str_has_prefix (first_id, "chat$group."));
    g_assert_true (koi_test_mailserver_inject (cli->server, "bob@example.org", "INBOX", raw, &error));
    g_assert_no_error (error);
    g_free (run_ok (cli, "bob", "sync", NULL));
    g_assert_cmpuint (count_text (cli, "bob", bob_chat, "Sent from my mail program."), ==, 1);
    bob_chats = chats_of (cli, "bob");
    g_assert_cmpuint (bob_chats->len, ==, 1);
    members = members_of (cli, "bob", bob_chat);
    g_assert_cmpstr (members, ==, "alice@example.org bob@example.org dave@example.org");
  }

  /* bob leaves: alice and dave see it, bob is out. */
  g_free (run_ok (cli, "bob", "group", "leave", bob_chat, NULL));
  sync_all (cli, everyone);
  {
    g_autofree char *alice_members = members_of (cli, "alice", alice_chat);
    g_autofree char *dave_members = members_of (cli, "dave", dave_chat);
    g_autofree char *bob_members = members_of (cli, "bob", bob_chat);
    g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, "alice", alice_chat);
    JsonObject *last = g_ptr_array_index (messages, messages->len - 1);

    g_assert_cmpstr (alice_members, ==, "alice@example.org dave@example.org");
    g_assert_cmpstr (dave_members, ==, "alice@example.org dave@example.org");
    g_assert_cmpstr (bob_members, ==, "alice@example.org dave@example.org");
    g_assert_cmpstr (member (last, "info"), ==, "left");
    g_assert_cmpstr (member (last, "from"), ==, "bob@example.org");
  }
}

/* A group a Delta Chat client created (its documented headers, an Mr.
 * Message-ID, the sender not in To) is recognised; Koi's reply carries
 * the headers that map it to the same group there. */
static void
test_delta_chat_group (void)
{
  static const char mail[] =
    "From: Carol <carol@example.org>\r\n"
    "To: bob@example.org, alice@example.org\r\n"
    "Date: Mon, 30 Nov 2026 07:00:00 +0000\r\n"
    "Message-ID: <Mr.dc7Hq2LmZ0w.Kp3Xv8Tn1sA@example.org>\r\n"
    "Subject: =?utf-8?q?Chor=C3=BCbung?=\r\n"
    "Chat-Version: 1.0\r\n"
    "Chat-Group-ID: DcChoir4x9Qk\r\n"
    "Chat-Group-Name: =?utf-8?q?Chor=C3=BCbung?=\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Rehearsal on Friday\r\n";
  g_autoptr (KoiTestCli) cli = setup ();
  g_autoptr (GBytes) raw = g_bytes_new_static (mail, sizeof mail - 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *chat = NULL;
  g_autofree char *name = NULL;
  g_autofree char *members = NULL;
  g_autofree char *reply_id = NULL;
  g_autofree char *delivered = NULL;

  g_assert_true (koi_test_mailserver_inject (cli->server, "bob@example.org", "INBOX", raw, &error));
  g_assert_no_error (error);
  g_free (run_ok (cli, "bob", "sync", NULL));

  chat = group_chat (cli, "bob", "DcChoir4x9Qk");
  g_assert_nonnull (chat);
  name = group_name (cli, "bob", chat);
  g_assert_cmpstr (name, ==, "Chorübung");
  members = members_of (cli, "bob", chat);
  g_assert_cmpstr (members, ==, "alice@example.org bob@example.org carol@example.org");

  reply_id = run_ok (cli, "bob", "send", chat, "I am in", NULL);
  g_strstrip (reply_id);
  koi_test_mailserver_wait_for_empty_queue (cli->server);
  /* What carol's Delta Chat reads: the group's id and name, to every
   * member, in reply to her message. */
  delivered = find_delivered (cli, "carol", reply_id);
  g_assert_nonnull (delivered);
  g_assert_nonnull (strstr (delivered, "\nChat-Group-ID: DcChoir4x9Qk"));
  g_assert_true (strchr ("\r\n", strstr (delivered, "Chat-Group-ID: DcChoir4x9Qk")[27]) != NULL);
  g_assert_nonnull (strstr (delivered, "Chat-Group-Name: "));
  g_assert_nonnull (strstr (delivered, "Chat-Version: 1.0"));
  g_assert_nonnull (strstr (delivered, "<Mr.dc7Hq2LmZ0w.Kp3Xv8Tn1sA@example.org>"));
  g_assert_nonnull (find_delivered (cli, "alice", reply_id));
}

static JsonObject *
dc_call_object (KoiTestDeltachat *dc,
                const char       *method,
                const char       *params)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = koi_test_deltachat_call (dc, method, params, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

/* A Koi group with a real Delta Chat member (plain mail,
 * force_encryption=0): what Delta Chat makes of Koi's group mail, and
 * where its answer lands in Koi. */
static void
test_real_delta_chat_member (void)
{
  g_autoptr (KoiTestCli) cli = setup ();
  g_autoptr (KoiTestDeltachat) alice_dc = NULL;
  g_autoptr (GPtrArray) got = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) info = NULL;
  g_autoptr (JsonNode) sent_node = NULL;
  g_autofree char *created = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree char *params = NULL;
  g_autofree char *info_text = NULL;
  gint64 dc_chat;

  alice_dc = koi_test_deltachat_start (&error);
  g_assert_no_error (error);
  koi_test_deltachat_configure (alice_dc, cli->server, "alice@example.org", "alice-secret", &error, NULL);
  g_assert_no_error (error);

  /* Delta Chat fetches only what arrives after its IO has started: a
   * message of its own first (as tests/interop/test-interop-plain.c does) means it runs. */
  {
    guint first = koi_test_deltachat_send_text (alice_dc, "bob@example.org", "Hallo Bob", &error);

    g_assert_no_error (error);
    koi_test_deltachat_wait_sent (alice_dc, first, 30, &error);
    g_assert_no_error (error);
  }

  created = run_ok (cli, "bob", "group", "create", "Chorprobe", "alice@example.org", "carol@example.org", NULL);
  lines = g_strsplit (created, "\n", -1);
  got = koi_test_deltachat_wait_received (alice_dc, 1, 60);
  g_assert_cmpuint (got->len, >=, 1);
  dc_chat = json_object_get_int_member (g_ptr_array_index (got, 0), "chatId");
  params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]", koi_test_deltachat_account_id (alice_dc), dc_chat);
  info = dc_call_object (alice_dc, "get_basic_chat_info", params);
  {
    g_autoptr (JsonGenerator) generator = json_generator_new ();
    g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);

    json_node_set_object (root, info);
    json_generator_set_root (generator, root);
    info_text = json_generator_to_data (generator, NULL);
  }
  g_test_message ("Delta Chat's chat for Koi's new group: %s", info_text);
  /* Delta Chat files it as a group with the group's name, not as a 1:1
   * chat with bob. */
  g_assert_cmpstr (member (info, "name"), ==, "Chorprobe");

  /* The user accepts the contact request, then answers in the group: the
   * answer lands in Koi's group. */
  {
    g_autoptr (JsonNode) accepted = koi_test_deltachat_call (alice_dc, "accept_chat", params, &error);

    g_assert_no_error (error);
  }
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT ", \"Ich komme\"]",
                            koi_test_deltachat_account_id (alice_dc), dc_chat);
  sent_node = koi_test_deltachat_call (alice_dc, "misc_send_text_message", params, &error);
  g_assert_no_error (error);
  koi_test_deltachat_wait_sent (alice_dc, (guint) json_node_get_int (sent_node), 30, &error);
  g_assert_no_error (error);
  koi_test_mailserver_wait_for_empty_queue (cli->server);
  g_free (run_ok (cli, "bob", "sync", NULL));
  {
    g_assert_cmpuint (count_text (cli, "bob", lines[0], "Ich komme"), ==, 1);
    /* Not in bob's 1:1 chat with alice (where her "Hallo Bob" is). */
    g_assert_cmpuint (count_text (cli, "bob", "alice@example.org", "Ich komme"), ==, 0);
    g_assert_cmpuint (count_text (cli, "bob", "alice@example.org", "Hallo Bob"), ==, 1);
  }

  /* Koi renames, adds dave and removes carol: Delta Chat follows. */
  g_free (run_ok (cli, "bob", "group", "rename", lines[0], "Chorprobe Freitag", NULL));
  g_free (run_ok (cli, "bob", "group", "add", lines[0], "dave@example.org", NULL));
  g_free (run_ok (cli, "bob", "group", "remove", lines[0], "carol@example.org", NULL));
  koi_test_mailserver_wait_for_empty_queue (cli->server);
  {
    g_autofree char *chat_params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]",
                                                    koi_test_deltachat_account_id (alice_dc), dc_chat);
    g_autofree char *ids_params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT ", false, false]",
                                                   koi_test_deltachat_account_id (alice_dc), dc_chat);
    g_autoptr (JsonObject) full = NULL;
    g_autoptr (GString) addresses = NULL;
    g_autoptr (JsonNode) ids = NULL;
    gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
    guint n_info = 0;

    /* Delta Chat fetches on its own schedule: look until it shows all
     * three changes or 30 s pass. */
    do
      {
        JsonArray *contacts;

        g_clear_pointer (&full, json_object_unref);
        if (addresses != NULL)
          g_string_free (g_steal_pointer (&addresses), TRUE);
        full = dc_call_object (alice_dc, "get_full_chat_by_id", chat_params);
        contacts = json_object_get_array_member (full, "contactIds");
        addresses = g_string_new (NULL);
        for (guint i = 0; i < json_array_get_length (contacts); i++)
          {
            g_autofree char *contact_params =
              g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]", koi_test_deltachat_account_id (alice_dc),
                               json_array_get_int_element (contacts, i));
            g_autoptr (JsonObject) contact = dc_call_object (alice_dc, "get_contact", contact_params);

            g_string_append_printf (addresses, "%s ", member (contact, "address"));
          }
        if (g_strcmp0 (member (full, "name"), "Chorprobe Freitag") == 0 &&
            strstr (addresses->str, "dave@") != NULL && strstr (addresses->str, "carol@") == NULL)
          break;
        /* The three changes are in (the last one shows as a line) though
         * the members did not follow: no use waiting longer. */
        if (g_strcmp0 (member (full, "name"), "Chorprobe Freitag") == 0 &&
            g_get_monotonic_time () > deadline - 20 * G_USEC_PER_SEC)
          break;
        g_usleep (300 * 1000);
      }
    while (g_get_monotonic_time () < deadline);

    ids = koi_test_deltachat_call (alice_dc, "get_message_ids", ids_params, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < json_array_get_length (json_node_get_array (ids)); i++)
      {
        g_autofree char *message_params =
          g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]", koi_test_deltachat_account_id (alice_dc),
                           json_array_get_int_element (json_node_get_array (ids), i));
        g_autoptr (JsonObject) message = dc_call_object (alice_dc, "get_message", message_params);

        if (json_object_get_boolean_member_with_default (message, "isInfo", FALSE))
          n_info++;
        g_test_message ("Delta Chat shows%s: %s",
                        json_object_get_boolean_member_with_default (message, "isInfo", FALSE)
                        ? " (info)" : "", member (message, "text"));
      }
    g_test_message ("Delta Chat's members now: %s", addresses->str);
    g_assert_cmpstr (member (full, "name"), ==, "Chorprobe Freitag");
    /* Each change is a line in the Delta Chat user's group. Delta Chat
     * 2.x does not change its member list from unencrypted mail (seen
     * here: dave not added, carol not removed); docs/WIRE.md says so. */
    g_assert_cmpuint (n_info, >=, 3);

    /* Koi's user leaves: Delta Chat shows one more line; what it does to
     * its member list is logged for docs/WIRE.md. */
    g_free (run_ok (cli, "bob", "group", "leave", lines[0], NULL));
    koi_test_mailserver_wait_for_empty_queue (cli->server);
    deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
    for (;;)
      {
        g_autoptr (JsonNode) after = koi_test_deltachat_call (alice_dc, "get_message_ids", ids_params, &error);

        g_assert_no_error (error);
        if (json_array_get_length (json_node_get_array (after)) > json_array_get_length (json_node_get_array (ids)))
          {
            JsonArray *all = json_node_get_array (after);
            g_autofree char *message_params =
              g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]", koi_test_deltachat_account_id (alice_dc),
                               json_array_get_int_element (all, json_array_get_length (all) - 1));
            g_autoptr (JsonObject) message = dc_call_object (alice_dc, "get_message", message_params);
            g_autoptr (JsonObject) left = dc_call_object (alice_dc, "get_full_chat_by_id", chat_params);
            JsonArray *contacts = json_object_get_array_member (left, "contactIds");

            g_test_message ("After Koi's leave Delta Chat shows%s: %s; %u members",
                            json_object_get_boolean_member_with_default (message, "isInfo", FALSE)
                            ? " (info)" : "", member (message, "text"), json_array_get_length (contacts));
            break;
          }
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_usleep (300 * 1000);
      }
  }
}

/* An RFC 5322 date @seconds from now (English names, whatever the
 * locale). */
static char *
date_from_now (gint64 seconds)
{
  static const char * const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char * const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) then = g_date_time_add_seconds (now, (gdouble) seconds);

  return g_strdup_printf ("%s, %02d %s %d %02d:%02d:%02d +0000",
                          days[g_date_time_get_day_of_week (then) - 1],
                          g_date_time_get_day_of_month (then),
                          months[g_date_time_get_month (then) - 1],
                          g_date_time_get_year (then), g_date_time_get_hour (then),
                          g_date_time_get_minute (then), g_date_time_get_second (then));
}

/* A group mail from @from (as its group client wrote it) with @headers
 * (CRLF-terminated lines) and @body, put straight into @user's INBOX. */
static void
inject_group_mail (KoiTestCli *cli,
                   const char *user,
                   const char *from,
                   const char *group_id,
                   const char *unique,
                   const char *date,
                   const char *to,
                   const char *name,
                   const char *headers,
                   const char *body)
{
  g_autofree char *mail = g_strdup_printf (
    "From: %s\r\n"
    "To: %s\r\n"
    "Date: %s\r\n"
    "Message-ID: <chat$group.%s.%s@example.org>\r\n"
    "Subject: %s\r\n"
    "Chat-Version: 1.0\r\n"
    "Chat-Group-ID: %s\r\n"
    "Chat-Group-Name: %s\r\n"
    "%s"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "%s\r\n",
    from, to, date, group_id, unique, name, group_id, name, headers, body);
  g_autoptr (GBytes) raw = g_bytes_new_take (g_strdup (mail), strlen (mail));
  g_autoptr (GError) error = NULL;

  g_assert_true (koi_test_mailserver_inject (cli->server, user, "INBOX", raw, &error));
  g_assert_no_error (error);
}

/* alice on two devices (profiles "alice" and "alice-phone", one account)
 * and bob change the group at the same time; the phone syncs only after
 * all of it, and two changes written earlier arrive last (a client that
 * was offline). Every device ends with the same members and name: the
 * change with the latest Date wins, whatever order each device saw. */
static void
test_two_devices_order (void)
{
  static const char * const everyone[] = { "alice", "bob", "carol", "dave", NULL };
  g_autoptr (KoiTestCli) cli = setup ();
  g_autofree char *created = NULL;
  g_autofree char *alice_chat = NULL, *phone_chat = NULL, *bob_chat = NULL;
  g_autofree char *group_id = NULL;
  g_autofree char *early = date_from_now (-3600);
  g_autoptr (GPtrArray) chats = NULL;
  /* Not dave: bob changed the group before he learnt of dave, so his
   * mail never reached dave (docs/WIRE.md, "Groups"). */
  const char *devices[] = { "alice", "alice-phone", "bob", NULL };

  koi_test_cli_add_account (cli, "alice-phone", "alice@example.org", "alice-secret");
  created = run_ok (cli, "alice", "group", "create", "Trip", "bob@example.org",
                    "carol@example.org", NULL);
  alice_chat = g_strndup (created, strcspn (created, "\n"));
  chats = chats_of (cli, "alice");
  group_id = g_strdup (member (g_ptr_array_index (chats, 0), "group_id"));
  /* The phone has alice's key, as a key transfer would give it (the
   * group's mail is encrypted to it): the key file (the passphrase is in
   * the keyring both profiles use), before the phone's first sync. */
  {
    g_autofree char *phone = koi_test_cli_profile (cli, "alice-phone");
    g_autofree char *from = koi_test_own_key_path (cli, "alice");
    g_autofree char *name = g_path_get_basename (from);
    g_autofree char *to = g_build_filename (phone, name, NULL);
    g_autofree char *key = NULL;
    gsize length = 0;
    g_autoptr (GError) error = NULL;

    g_assert_true (g_file_get_contents (from, &key, &length, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_set_contents_full (to, key, length, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                             &error));
    g_assert_no_error (error);
  }
  sync_all (cli, everyone);
  g_free (run_ok (cli, "alice-phone", "sync", NULL));
  phone_chat = group_chat (cli, "alice-phone", group_id);
  bob_chat = group_chat (cli, "bob", group_id);
  g_assert_nonnull (phone_chat);
  g_assert_nonnull (bob_chat);
  {
    g_autofree char *members = members_of (cli, "alice-phone", phone_chat);

    g_assert_cmpstr (members, ==, "alice@example.org bob@example.org carol@example.org");
  }

  /* alice's desktop renames and adds dave; bob, not synced since, removes
   * carol and renames a second later. The desktop syncs in between. */
  g_free (run_ok (cli, "alice", "group", "rename", alice_chat, "Trip 2", NULL));
  g_free (run_ok (cli, "alice", "group", "add", alice_chat, "dave@example.org", NULL));
  koi_test_mailserver_wait_for_empty_queue (cli->server);
  g_free (run_ok (cli, "alice", "sync", NULL));
  g_usleep (G_USEC_PER_SEC + 100 * 1000);   /* Dates have whole seconds */
  g_free (run_ok (cli, "bob", "group", "remove", bob_chat, "carol@example.org", NULL));
  g_free (run_ok (cli, "bob", "group", "rename", bob_chat, "Bob's Trip", NULL));

  /* Two older changes arrive last: an hour-old rename by bob and an
   * hour-old removal of dave, from before dave was added. */
  inject_group_mail (cli, "alice@example.org", "Bob <bob@example.org>", group_id, "oldname", early,
                     "alice@example.org, carol@example.org", "Old Trip",
                     "Chat-Group-Name-Changed: Trip\r\n", "I renamed the group.");
  inject_group_mail (cli, "alice@example.org", "Bob <bob@example.org>", group_id, "olddave", early,
                     "alice@example.org, carol@example.org, dave@example.org", "Trip",
                     "Chat-Group-Member-Removed: dave@example.org\r\n", "I removed dave.");
  sync_all (cli, everyone);
  /* The phone sees everything at once, in the server's order. */
  g_free (run_ok (cli, "alice-phone", "sync", NULL));
  g_free (run_ok (cli, "alice", "sync", NULL));

  for (guint i = 0; devices[i] != NULL; i++)
    {
      const char *chat = i == 0 ? alice_chat : i == 1 ? phone_chat : bob_chat;
      g_autofree char *name = group_name (cli, devices[i], chat);
      g_autofree char *members = members_of (cli, devices[i], chat);

      g_test_message ("%s: '%s', %s", devices[i], name, members);
      g_assert_cmpstr (name, ==, "Bob's Trip");
      g_assert_cmpstr (members, ==, "alice@example.org bob@example.org dave@example.org");
    }
}

/* A message from someone who never was a member (dave writes into the
 * group with its id) shows in the group, marked, and adds nobody. */
static void
test_outsider (void)
{
  static const char * const profiles[] = { "alice", "bob", "carol", NULL };
  g_autoptr (KoiTestCli) cli = setup ();
  g_autofree char *created = NULL;
  g_autofree char *alice_chat = NULL, *bob_chat = NULL;
  g_autofree char *group_id = NULL;
  g_autofree char *now = date_from_now (0);
  g_autofree char *message_id = NULL;
  g_autoptr (GPtrArray) chats = NULL;

  created = run_ok (cli, "alice", "group", "create", "Trip", "bob@example.org",
                    "carol@example.org", NULL);
  alice_chat = g_strndup (created, strcspn (created, "\n"));
  chats = chats_of (cli, "alice");
  group_id = g_strdup (member (g_ptr_array_index (chats, 0), "group_id"));
  sync_all (cli, profiles);
  bob_chat = group_chat (cli, "bob", group_id);
  g_assert_nonnull (bob_chat);

  inject_group_mail (cli, "bob@example.org", "Dave <dave@example.org>", group_id, "outsider", now,
                     "alice@example.org, bob@example.org, carol@example.org, dave@example.org",
                     "Trip", "", "Dave: can I come too?");
  g_free (run_ok (cli, "bob", "sync", NULL));
  message_id = g_strdup_printf ("chat$group.%s.outsider@example.org", group_id);
  {
    g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, "bob", bob_chat);
    g_autoptr (GPtrArray) bob_chats = chats_of (cli, "bob");
    g_autofree char *members = members_of (cli, "bob", bob_chat);
    JsonObject *outsider = find_message (messages, message_id);

    /* In the group (not a chat of its own), marked, members unchanged. */
    g_assert_nonnull (outsider);
    g_assert_cmpstr (member (outsider, "text"), ==, "Dave: can I come too?");
    g_assert_true (json_object_get_boolean_member (outsider, "not_member"));
    g_assert_cmpuint (bob_chats->len, ==, 1);
    g_assert_cmpstr (members, ==, "alice@example.org bob@example.org carol@example.org");
  }
}

/* A file into a group: one mail to every member, who each get the same
 * bytes; encrypted, since every member's key is known by then. */
static void
test_group_file (void)
{
  static const char * const profiles[] = { "alice", "bob", "carol", NULL };
  g_autoptr (KoiTestCli) cli = setup ();
  g_autofree char *created = NULL;
  g_autofree char *alice_chat = NULL;
  g_autofree char *group_id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *message_id = NULL;
  g_autoptr (GPtrArray) chats = NULL;
  g_autoptr (GBytes) bytes = NULL;
  GString *contents = g_string_new (NULL);

  created = run_ok (cli, "alice", "group", "create", "Trip", "bob@example.org",
                    "carol@example.org", NULL);
  alice_chat = g_strndup (created, strcspn (created, "\n"));
  chats = chats_of (cli, "alice");
  group_id = g_strdup (member (g_ptr_array_index (chats, 0), "group_id"));
  sync_all (cli, profiles);
  /* Bob and carol answer: their keys reach alice. */
  for (guint i = 1; i < 3; i++)
    {
      g_autofree char *chat = group_chat (cli, profiles[i], group_id);

      g_assert_nonnull (chat);
      g_free (run_ok (cli, profiles[i], "send", chat, "Here", NULL));
    }
  sync_all (cli, profiles);

  for (guint i = 0; contents->len < 300 * 1000; i++)
    g_string_append_printf (contents, "line %u of the packing list\n", i);
  path = g_build_filename (cli->tmp, "packing list.txt", NULL);
  g_assert_true (g_file_set_contents (path, contents->str, contents->len, NULL));
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents->str, contents->len);
  g_string_free (contents, TRUE);
  message_id = g_strstrip (run_ok (cli, "alice", "send", "--file", path, alice_chat, NULL));
  sync_all (cli, profiles);

  for (guint i = 1; i < 3; i++)
    {
      g_autofree char *chat = group_chat (cli, profiles[i], group_id);
      g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, profiles[i], chat);
      g_autoptr (GPtrArray) all_chats = chats_of (cli, profiles[i]);
      JsonObject *message = find_message (messages, message_id);
      JsonArray *attachments;
      JsonObject *attachment;

      g_assert_nonnull (message);
      /* In the group, not a 1:1 chat with alice. */
      g_assert_cmpuint (all_chats->len, ==, 1);
      g_assert_true (json_object_get_boolean_member (message, "encrypted"));
      attachments = json_object_get_array_member (message, "attachments");
      g_assert_cmpuint (json_array_get_length (attachments), ==, 1);
      attachment = json_array_get_object_element (attachments, 0);
      g_assert_cmpstr (member (attachment, "name"), ==, "packing list.txt");
      g_assert_cmpstr (member (attachment, "state"), ==, "done");
      g_assert_cmpstr (member (attachment, "sha256"), ==, sha);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/groups/life", test_group_life);
  g_test_add_func ("/groups/delta-chat", test_delta_chat_group);
  g_test_add_func ("/groups/real-delta-chat-member", test_real_delta_chat_member);
  g_test_add_func ("/groups/two-devices-order", test_two_devices_order);
  g_test_add_func ("/groups/outsider", test_outsider);
  g_test_add_func ("/groups/file", test_group_file);

  return g_test_run ();
}
