/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Edits, deletes for everyone, reactions and replies with a quote between
 * two accounts (and a second device) through a real Dovecot + Postfix,
 * driven through koi-cli as a user or script would.
 */
#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "koi-test-cli.h"

static const char *
member (JsonObject *object,
        const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

static void
setup (KoiTestCli *cli)
{
  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
}

static void
sync_profile (KoiTestCli *cli,
              const char *profile)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);

  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", dir, "sync", NULL), ==, 0);
}

/* The message @message_id in @profile's chat with @peer, or NULL. */
static JsonObject *
find (GPtrArray  *messages,
      const char *message_id)
{
  for (guint i = 0; i < messages->len; i++)
    if (g_strcmp0 (member (g_ptr_array_index (messages, i), "message_id"), message_id) == 0)
      return g_ptr_array_index (messages, i);
  return NULL;
}

typedef gboolean (*Check) (JsonObject *message,
                           gpointer    data);

/* Delivery is asynchronous: syncs until @check holds for @message_id (or
 * 10 s pass); returns the chat then. */
static GPtrArray *
sync_until (KoiTestCli *cli,
            const char *profile,
            const char *peer,
            const char *message_id,
            Check       check,
            gpointer    data)
{
  GPtrArray *messages = NULL;

  for (guint attempt = 0; attempt < 40; attempt++)
    {
      JsonObject *message;

      g_clear_pointer (&messages, g_ptr_array_unref);
      sync_profile (cli, profile);
      messages = koi_test_cli_messages (cli, profile, peer);
      message = find (messages, message_id);
      if (message != NULL && (check == NULL || check (message, data)))
        break;
      g_usleep (250 * 1000);
    }

  return messages;
}

static gboolean
has_text (JsonObject *message,
          gpointer    text)
{
  return g_strcmp0 (member (message, "text"), text) == 0;
}

static gboolean
is_deleted (JsonObject *message,
            gpointer    data)
{
  return json_object_get_boolean_member_with_default (message, "deleted", FALSE);
}

/* "emoji:count,emoji:count" of a message's reactions, in their order. */
static char *
reactions_of (JsonObject *message)
{
  JsonArray *reactions = json_object_get_array_member (message, "reactions");
  GString *out = g_string_new (NULL);

  for (guint i = 0; reactions != NULL && i < json_array_get_length (reactions); i++)
    {
      JsonObject *reaction = json_array_get_object_element (reactions, i);

      g_string_append_printf (out, "%s%s:%" G_GINT64_FORMAT, i > 0 ? "," : "",
                              member (reaction, "emoji"),
                              json_object_get_int_member (reaction, "count"));
    }
  return g_string_free (out, FALSE);
}

static gboolean
has_reactions (JsonObject *message,
               gpointer    expected)
{
  g_autofree char *reactions = reactions_of (message);

  return g_strcmp0 (reactions, expected) == 0;
}

static guint
search_count (KoiTestCli *cli,
              const char *profile,
              const char *words)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autofree char *out = NULL;
  g_autoptr (GPtrArray) found = NULL;

  g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", dir, "search", words, NULL), ==, 0);
  found = koi_test_cli_parse_lines (out);
  return found->len;
}

/* FTS5's own check that the index matches the messages it indexes. */
static void
assert_fts_intact (KoiTestCli *cli,
                   const char *profile)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autofree char *path = g_build_filename (dir, "koi.db", NULL);
  sqlite3 *db = NULL;
  char *message = NULL;
  int rc;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  rc = sqlite3_exec (db, "INSERT INTO messages_fts(messages_fts) VALUES('integrity-check')",
                     NULL, NULL, &message);
  if (rc != SQLITE_OK)
    g_error ("The search index of %s is broken: %s", profile, message);
  sqlite3_close (db);
}

static void
assert_history (JsonObject         *message,
                const char * const *versions)
{
  JsonArray *history = json_object_get_array_member (message, "history");
  guint n = g_strv_length ((char **) versions);

  g_assert_nonnull (history);
  g_assert_cmpuint (json_array_get_length (history), ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (member (json_array_get_object_element (history, i), "text"), ==, versions[i]);
  g_assert_true (json_object_get_boolean_member (message, "edited"));
}

static void
test_edit_three_times (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autofree char *alice = NULL;
  g_autofree char *original = NULL;
  g_autoptr (GPtrArray) mine = NULL;
  g_autoptr (GPtrArray) bobs = NULL;
  g_autoptr (GPtrArray) laptop = NULL;
  const char *edits[] = { "banana at eight", "cherry at eight", "damson at nine" };
  const char *earlier[] = { "apple at seven", "banana at eight", "cherry at eight", NULL };

  setup (cli);
  alice = koi_test_cli_profile (cli, "alice");
  original = koi_test_cli_send (cli, "alice", "bob@example.org", "apple at seven");
  g_clear_pointer (&bobs, g_ptr_array_unref);
  bobs = sync_until (cli, "bob", "alice@example.org", original, NULL, NULL);
  g_assert_nonnull (find (bobs, original));

  for (guint i = 0; i < G_N_ELEMENTS (edits); i++)
    {
      g_autofree char *out = NULL;

      g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", alice, "edit", original,
                                         edits[i], NULL), ==, 0);
      /* It printed the edit's own Message-ID: it was sent. */
      g_assert_true (g_str_has_prefix (out, "chat$"));
    }

  /* Alice's store has it at once, without a sync. */
  mine = koi_test_cli_messages (cli, "alice", "bob@example.org");
  g_assert_cmpuint (mine->len, ==, 1);
  g_assert_cmpstr (member (find (mine, original), "text"), ==, "damson at nine");
  assert_history (find (mine, original), earlier);

  /* Bob: the last text, every version, and no edit shown as a message. */
  g_clear_pointer (&bobs, g_ptr_array_unref);
  bobs = sync_until (cli, "bob", "alice@example.org", original, has_text, (gpointer) "damson at nine");
  g_assert_cmpuint (bobs->len, ==, 1);
  g_assert_cmpstr (member (find (bobs, original), "text"), ==, "damson at nine");
  assert_history (find (bobs, original), earlier);

  /* Only the newest text is found. */
  g_assert_cmpuint (search_count (cli, "bob", "damson"), ==, 1);
  g_assert_cmpuint (search_count (cli, "bob", "apple"), ==, 0);
  g_assert_cmpuint (search_count (cli, "bob", "cherry"), ==, 0);
  assert_fts_intact (cli, "bob");
  assert_fts_intact (cli, "alice");

  /* Alice's second device learns all of it from her own copies. */
  koi_test_cli_add_account (cli, "alice-laptop", "alice@example.org", "alice-secret");
  laptop = sync_until (cli, "alice-laptop", "bob@example.org", original, has_text, (gpointer) "damson at nine");
  g_assert_cmpuint (laptop->len, ==, 1);
  g_assert_cmpstr (member (find (laptop, original), "text"), ==, "damson at nine");
  assert_history (find (laptop, original), earlier);
}

static GBytes *
forged (const char *kind,
        const char *target)
{
  g_autofree char *id = g_strdup_printf ("chat$forged%s%" G_GINT64_FORMAT "@example.org", kind,
                                         g_get_real_time ());
  g_autofree char *header = NULL;
  char *mail;

  if (g_str_equal (kind, "edit"))
    header = g_strdup_printf ("Chat-Content: edit\r\nChat-Edit: <%s>\r\n", target);
  else
    header = g_strdup_printf ("Chat-Content: delete\r\nChat-Delete: <%s>\r\n", target);

  mail = g_strdup_printf ("From: bob@example.org\r\n"
                          "To: alice@example.org\r\n"
                          "Subject: Chat: forged\r\n"
                          "Date: Mon, 01 Jan 2035 00:00:00 +0000\r\n"
                          "Message-ID: <%s>\r\n"
                          "In-Reply-To: <%s>\r\n"
                          "Chat-Version: 1.0\r\n"
                          "%s"
                          "Content-Type: text/plain; charset=utf-8\r\n"
                          "\r\n"
                          "\xe2\x9c\x8f\xef\xb8\x8fI never said that\r\n",
                          id, target, header);
  return g_bytes_new_take (mail, strlen (mail));
}

static void
test_forged_requests_change_nothing (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autofree char *bob = NULL;
  g_autofree char *original = NULL;
  g_autoptr (GPtrArray) bobs = NULL;
  g_autoptr (GPtrArray) mine = NULL;
  g_autoptr (GError) error = NULL;
  const char *kinds[] = { "edit", "delete" };

  setup (cli);
  bob = koi_test_cli_profile (cli, "bob");
  original = koi_test_cli_send (cli, "alice", "bob@example.org", "the real words");
  bobs = sync_until (cli, "bob", "alice@example.org", original, NULL, NULL);

  /* koi-cli refuses to edit or delete somebody else's message. */
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "edit", original,
                                     "changed", NULL), !=, 0);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "delete", original,
                                     "--everyone", NULL), !=, 0);

  /* Crafted mail from bob, in both mailboxes: applied nowhere. */
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr (GBytes) raw = forged (kinds[i], original);

      g_assert_true (koi_test_mailserver_inject (cli->server, "bob@example.org", "INBOX", raw, &error));
      g_assert_no_error (error);
      g_assert_true (koi_test_mailserver_inject (cli->server, "alice@example.org", "INBOX", raw, &error));
      g_assert_no_error (error);
    }
  sync_profile (cli, "bob");
  sync_profile (cli, "alice");

  g_clear_pointer (&bobs, g_ptr_array_unref);
  bobs = koi_test_cli_messages (cli, "bob", "alice@example.org");
  mine = koi_test_cli_messages (cli, "alice", "bob@example.org");
  g_assert_cmpuint (bobs->len, ==, 1);
  g_assert_cmpuint (mine->len, ==, 1);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *message = find (i == 0 ? bobs : mine, original);

      g_assert_cmpstr (member (message, "text"), ==, "the real words");
      g_assert_false (json_object_get_boolean_member (message, "edited"));
      g_assert_false (json_object_get_boolean_member (message, "deleted"));
    }
}

static void
test_delete_for_everyone (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autofree char *alice = NULL;
  g_autofree char *original = NULL;
  g_autofree char *kept = NULL;
  g_autoptr (GPtrArray) bobs = NULL;
  g_autoptr (GPtrArray) mine = NULL;
  JsonObject *message;

  setup (cli);
  alice = koi_test_cli_profile (cli, "alice");
  original = koi_test_cli_send (cli, "alice", "bob@example.org", "my password is zebracorn");
  kept = koi_test_cli_send (cli, "alice", "bob@example.org", "ignore that zebracorn");
  bobs = sync_until (cli, "bob", "alice@example.org", kept, NULL, NULL);
  g_assert_cmpuint (search_count (cli, "bob", "password"), ==, 1);

  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", alice, "delete", original,
                                     "--everyone", NULL), ==, 0);

  mine = koi_test_cli_messages (cli, "alice", "bob@example.org");
  g_assert_true (json_object_get_boolean_member (find (mine, original), "deleted"));
  g_assert_null (member (find (mine, original), "text"));

  g_clear_pointer (&bobs, g_ptr_array_unref);
  bobs = sync_until (cli, "bob", "alice@example.org", original, is_deleted, NULL);
  message = find (bobs, original);
  g_assert_true (json_object_get_boolean_member (message, "deleted"));
  g_assert_null (member (message, "text"));
  /* The words are gone from search; the other message still is found. */
  g_assert_cmpuint (search_count (cli, "bob", "password"), ==, 0);
  g_assert_cmpuint (search_count (cli, "bob", "zebracorn"), ==, 1);
  g_assert_cmpuint (search_count (cli, "alice", "password"), ==, 0);
  assert_fts_intact (cli, "bob");
  assert_fts_intact (cli, "alice");

  /* Delete for me: gone from alice's chat only. */
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", alice, "delete", kept, NULL), ==, 0);
  g_clear_pointer (&mine, g_ptr_array_unref);
  mine = koi_test_cli_messages (cli, "alice", "bob@example.org");
  g_assert_null (find (mine, kept));
  g_assert_cmpuint (search_count (cli, "alice", "zebracorn"), ==, 0);
  sync_profile (cli, "alice");
  g_clear_pointer (&mine, g_ptr_array_unref);
  mine = koi_test_cli_messages (cli, "alice", "bob@example.org");
  g_assert_null (find (mine, kept));
  g_clear_pointer (&bobs, g_ptr_array_unref);
  bobs = sync_until (cli, "bob", "alice@example.org", kept, NULL, NULL);
  g_assert_cmpstr (member (find (bobs, kept), "text"), ==, "ignore that zebracorn");
  assert_fts_intact (cli, "alice");
}

static void
test_reactions (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autofree char *alice = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *original = NULL;
  g_autoptr (GPtrArray) bobs = NULL;
  g_autoptr (GPtrArray) mine = NULL;

  setup (cli);
  alice = koi_test_cli_profile (cli, "alice");
  bob = koi_test_cli_profile (cli, "bob");
  original = koi_test_cli_send (cli, "alice", "bob@example.org", "cake tonight?");
  bobs = sync_until (cli, "bob", "alice@example.org", original, NULL, NULL);

  /* Add: bob 👍, alice 👍 too: one chip, two people, on both sides. */
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "react", original, "👍", NULL), ==, 0);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", alice, "react", original, "👍", NULL), ==, 0);
  mine = sync_until (cli, "alice", "bob@example.org", original, has_reactions, (gpointer) "👍:2");
  g_assert_true (has_reactions (find (mine, original), (gpointer) "👍:2"));
  g_clear_pointer (&bobs, g_ptr_array_unref);
  bobs = sync_until (cli, "bob", "alice@example.org", original, has_reactions, (gpointer) "👍:2");
  g_assert_true (has_reactions (find (bobs, original), (gpointer) "👍:2"));
  /* A reaction is no message of its own. */
  g_assert_cmpuint (bobs->len, ==, 1);
  g_assert_cmpuint (mine->len, ==, 1);

  /* Replace: bob's becomes ❤️. */
  g_usleep (1100 * 1000);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "react", original, "❤️", NULL), ==, 0);
  g_clear_pointer (&mine, g_ptr_array_unref);
  mine = sync_until (cli, "alice", "bob@example.org", original, has_reactions, (gpointer) "👍:1,❤️:1");
  g_assert_true (has_reactions (find (mine, original), (gpointer) "👍:1,❤️:1"));

  /* Remove: alice takes hers back. */
  g_usleep (1100 * 1000);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", alice, "react", original, "", NULL), ==, 0);
  g_clear_pointer (&mine, g_ptr_array_unref);
  mine = koi_test_cli_messages (cli, "alice", "bob@example.org");
  g_assert_true (has_reactions (find (mine, original), (gpointer) "❤️:1"));
  g_clear_pointer (&bobs, g_ptr_array_unref);
  bobs = sync_until (cli, "bob", "alice@example.org", original, has_reactions, (gpointer) "❤️:1");
  g_assert_true (has_reactions (find (bobs, original), (gpointer) "❤️:1"));
}

static void
test_reply_with_quote (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autofree char *bob = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *reply = NULL;
  g_autoptr (GPtrArray) bobs = NULL;
  g_autoptr (GPtrArray) mine = NULL;
  JsonObject *message;

  setup (cli);
  bob = koi_test_cli_profile (cli, "bob");
  first = koi_test_cli_send (cli, "alice", "bob@example.org", "Are you coming?");
  second = koi_test_cli_send (cli, "alice", "bob@example.org", "And bring a cake");
  bobs = sync_until (cli, "bob", "alice@example.org", second, NULL, NULL);

  /* Bob answers the first, not the newest. */
  g_assert_cmpint (koi_test_cli_run (cli, NULL, &reply, NULL, "--profile", bob, "send", "--reply-to", first,
                                     "alice@example.org", "Yes, I am", NULL), ==, 0);
  g_strstrip (reply);

  mine = sync_until (cli, "alice", "bob@example.org", reply, NULL, NULL);
  message = find (mine, reply);
  g_assert_nonnull (message);
  g_assert_cmpstr (member (message, "text"), ==, "Yes, I am");
  g_assert_cmpstr (member (message, "reply_to"), ==, first);
  /* Mail programs see the quote. */
  g_assert_true (g_str_has_prefix (member (message, "full_text"), "> Are you coming?"));
  /* Plain messages are no quoted replies, though they thread. */
  g_assert_null (member (find (mine, second), "reply_to"));

  g_clear_pointer (&bobs, g_ptr_array_unref);
  bobs = koi_test_cli_messages (cli, "bob", "alice@example.org");
  g_assert_cmpstr (member (find (bobs, reply), "reply_to"), ==, first);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/edits/edit-three-times", test_edit_three_times);
  g_test_add_func ("/engine/edits/forged-requests", test_forged_requests_change_nothing);
  g_test_add_func ("/engine/edits/delete-for-everyone", test_delete_for_everyone);
  g_test_add_func ("/engine/edits/reactions", test_reactions);
  g_test_add_func ("/engine/edits/reply-with-quote", test_reply_with_quote);

  return g_test_run ();
}
