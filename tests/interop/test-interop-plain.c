/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Koi beside and against the real Delta Chat core (deltachat-rpc-server from
 * npm, see tests/common/koi-test-deltachat.h), through a real Dovecot +
 * Postfix:
 *
 *  - Koi and Delta Chat on the same account (the desktop and the phone):
 *    every message a third party sends reaches both. Koi used to move chat
 *    mail out of INBOX before Delta Chat fetched it (3 of 10 arrived).
 *  - A Delta Chat user and a Koi user chat with each other in plain mail.
 *  - ... and edit, react to and delete for everyone each other's messages:
 *    what each side then shows, as the real Delta Chat core reports it.
 *    Delta Chat writes plain here, but its Autocrypt header gives Koi its
 *    key, so Koi's answers go encrypted (tests/interop/test-interop-
 *    encrypted.c has the cases that start encrypted).
 */
#include "config.h"

#include <string.h>

#include "koi-imap-client.h"
#include "koi-test-cli.h"
#include "koi-test-deltachat.h"

#define N_MESSAGES         10
#define DELIVERY_TIMEOUT_S 60

static const char *
member (JsonObject *object,
        const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

static KoiTestDeltachat *
deltachat_for (KoiTestCli *cli,
               const char *address,
               const char *password,
               const char *bcc_self)
{
  g_autoptr (GError) error = NULL;
  KoiTestDeltachat *dc = koi_test_deltachat_start (&error);

  g_assert_no_error (error);
  koi_test_deltachat_configure (dc, cli->server, address, password, &error,
                                "bcc_self", bcc_self, NULL);
  g_assert_no_error (error);
  return dc;
}

/* How many messages in bob's @mailbox carry @message_id. */
static guint
count_on_server (KoiTestCli *cli,
                 const char *mailbox,
                 const char *message_id)
{
  g_autoptr (KoiServerConfig) config =
    koi_server_config_new (cli->server->host, cli->server->imaps_port, KOI_SECURITY_TLS,
                           "bob@example.org", "bob-secret", cli->server->ca_file);
  g_autoptr (KoiImapClient) client = koi_imap_client_new (config);
  g_autoptr (GArray) uids = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *criteria = g_strdup_printf ("HEADER Message-ID \"%s\"", message_id);

  koi_imap_client_connect (client, NULL, &error);
  g_assert_no_error (error);
  if (!koi_imap_client_select (client, mailbox, TRUE, NULL, NULL, &error))
    return 0;   /* no such folder: nothing was moved there */
  uids = koi_imap_client_uid_search (client, criteria, NULL, &error);
  g_assert_no_error (error);
  koi_imap_client_logout (client, NULL);

  return uids->len;
}

/* Alice (Koi) sends N_MESSAGES to bob; bob's Koi (watching) and bob's Delta
 * Chat must each end with all of them. */
static void
send_ten_and_count (KoiTestCli       *cli,
                    KoiTestDeltachat *bob_dc,
                    KoiTestWatch     *bob_koi)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) dc_got = NULL;
  g_autoptr (GHashTable) dc_texts = g_hash_table_new (g_str_hash, g_str_equal);
  guint koi_count = 0;
  guint dc_count = 0;
  guint from = 0;

  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_autofree char *text = g_strdup_printf ("Nachricht %u von %u", i + 1, N_MESSAGES);

      g_ptr_array_add (ids, koi_test_cli_send (cli, "alice", "bob@example.org", text));
    }

  for (guint i = 0; i < ids->len; i++)
    {
      from = 0;
      if (koi_test_watch_wait (bob_koi, &from, "message", "message_id",
                               g_ptr_array_index (ids, i), DELIVERY_TIMEOUT_S) != NULL)
        koi_count++;
    }

  dc_got = koi_test_deltachat_wait_received (bob_dc, N_MESSAGES, DELIVERY_TIMEOUT_S);
  for (guint i = 0; i < dc_got->len; i++)
    {
      JsonObject *message = g_ptr_array_index (dc_got, i);
      JsonObject *sender = json_object_get_object_member (message, "sender");

      if (sender != NULL && g_strcmp0 (member (sender, "address"), "alice@example.org") == 0 &&
          g_str_has_prefix (member (message, "text") ? member (message, "text") : "", "Nachricht "))
        g_hash_table_add (dc_texts, (gpointer) member (message, "text"));
    }
  dc_count = g_hash_table_size (dc_texts);

  g_test_message ("Koi received %u of %u, Delta Chat %u of %u", koi_count, N_MESSAGES, dc_count,
                  N_MESSAGES);
  g_assert_cmpuint (koi_count, ==, N_MESSAGES);
  g_assert_cmpuint (dc_count, ==, N_MESSAGES);

  /* And nothing was taken out of INBOX. */
  for (guint i = 0; i < ids->len; i++)
    g_assert_cmpuint (count_on_server (cli, "INBOX", g_ptr_array_index (ids, i)), ==, 1);
}

/* Bob runs Koi and Delta Chat on one account and never touched Koi's
 * settings: both see every message. */
static void
test_same_account_default (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestDeltachat) bob_dc = NULL;
  g_autoptr (KoiTestWatch) bob_koi = NULL;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  bob_dc = deltachat_for (cli, "bob@example.org", "bob-secret", "0");
  bob_koi = koi_test_watch_start (cli, "bob");

  send_ten_and_count (cli, bob_dc, bob_koi);
}

/* Bob asked Koi to move chat mail, but his Delta Chat (sending copies to
 * his own mailbox, as it does with a second device) has left its mark:
 * Koi sees it, says so, and leaves chat mail in INBOX. */
static void
test_same_account_detected (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestDeltachat) bob_dc = NULL;
  g_autoptr (KoiTestWatch) bob_koi = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *err = NULL;
  guint sent;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  bob = koi_test_cli_profile (cli, "bob");
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", bob, "set",
                                     "move-chat-mail", "on", NULL), ==, 0);
  g_assert_null (strstr (err, "Delta Chat"));   /* nothing seen yet */
  g_clear_pointer (&err, g_free);

  bob_dc = deltachat_for (cli, "bob@example.org", "bob-secret", "1");
  sent = koi_test_deltachat_send_text (bob_dc, "alice@example.org", "Hallo Alice, vom Telefon", &error);
  g_assert_no_error (error);
  koi_test_deltachat_wait_sent (bob_dc, sent, DELIVERY_TIMEOUT_S, &error);
  g_assert_no_error (error);

  /* Koi's watch syncs at start and on every push; Delta Chat's copy in
   * INBOX is what it recognises (shown as bob's own message to alice). */
  bob_koi = koi_test_watch_start (cli, "bob");
  {
    guint from = 0;
    JsonObject *own = koi_test_watch_wait (bob_koi, &from, "message", "text",
                                           "Hallo Alice, vom Telefon", DELIVERY_TIMEOUT_S);

    g_assert_nonnull (own);
    g_assert_cmpstr (member (own, "direction"), ==, "outgoing");
  }

  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", bob, "set",
                                     "move-chat-mail", "on", NULL), ==, 0);
  g_assert_nonnull (strstr (err, "another chat app (Delta Chat) uses this account"));

  send_ten_and_count (cli, bob_dc, bob_koi);
}

/* Plain mail between a Delta Chat user (alice) and a Koi user (bob). */
static void
test_interop (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestDeltachat) alice_dc = NULL;
  g_autoptr (KoiTestWatch) bob_koi = NULL;
  g_autoptr (GPtrArray) alice_got = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *reply_id = NULL;
  JsonObject *event;
  JsonObject *sender;
  guint from = 0;
  guint sent;

  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  alice_dc = deltachat_for (cli, "alice@example.org", "alice-secret", "0");
  bob_koi = koi_test_watch_start (cli, "bob");

  sent = koi_test_deltachat_send_text (alice_dc, "bob@example.org", "Grüß dich, Bob! 🐟", &error);
  g_assert_no_error (error);
  koi_test_deltachat_wait_sent (alice_dc, sent, DELIVERY_TIMEOUT_S, &error);
  g_assert_no_error (error);

  event = koi_test_watch_wait (bob_koi, &from, "message", "from", "alice@example.org",
                               DELIVERY_TIMEOUT_S);
  g_assert_nonnull (event);
  g_assert_cmpstr (member (event, "text"), ==, "Grüß dich, Bob! 🐟");
  g_assert_cmpstr (member (event, "kind"), ==, "chat");
  g_assert_cmpstr (member (event, "chat"), ==, "alice@example.org");
  g_assert_cmpstr (member (event, "direction"), ==, "incoming");

  reply_id = koi_test_cli_send (cli, "bob", "alice@example.org", "Hallo Alice, angekommen.");
  alice_got = koi_test_deltachat_wait_received (alice_dc, 1, DELIVERY_TIMEOUT_S);
  g_assert_cmpuint (alice_got->len, ==, 1);
  g_assert_cmpstr (member (g_ptr_array_index (alice_got, 0), "text"), ==, "Hallo Alice, angekommen.");
  sender = json_object_get_object_member (g_ptr_array_index (alice_got, 0), "sender");
  g_assert_nonnull (sender);
  g_assert_cmpstr (member (sender, "address"), ==, "bob@example.org");
}

/* Delta Chat's answer to @method as a JSON object (asserts one came). */
static JsonObject *
dc_object (KoiTestDeltachat *dc,
           const char       *method,
           const char       *params)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = koi_test_deltachat_call (dc, method, params, &error);

  g_assert_no_error (error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

static JsonObject *
dc_message (KoiTestDeltachat *dc,
            gint64            msg_id)
{
  g_autofree char *params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]",
                                             koi_test_deltachat_account_id (dc), msg_id);

  return dc_object (dc, "get_message", params);
}

/* "emoji:count" of Delta Chat's reactions on @msg_id ("" for none). */
static char *
dc_reactions (KoiTestDeltachat *dc,
              gint64            msg_id)
{
  g_autofree char *params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]",
                                             koi_test_deltachat_account_id (dc), msg_id);
  g_autoptr (JsonObject) reactions = dc_object (dc, "get_message_reactions", params);
  GString *out = g_string_new (NULL);
  JsonArray *list = reactions != NULL ? json_object_get_array_member (reactions, "reactions") : NULL;

  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonObject *reaction = json_array_get_object_element (list, i);

      g_string_append_printf (out, "%s%s:%" G_GINT64_FORMAT, i > 0 ? "," : "",
                              member (reaction, "emoji"), json_object_get_int_member (reaction, "count"));
    }
  return g_string_free (out, FALSE);
}

static gboolean
dc_reactions_are (KoiTestDeltachat *dc,
                  gint64            msg_id,
                  const char       *expected)
{
  g_autofree char *reactions = dc_reactions (dc, msg_id);

  return g_strcmp0 (reactions, expected) == 0;
}

static gboolean
dc_text_is (KoiTestDeltachat *dc,
            gint64            msg_id,
            const char       *text)
{
  g_autoptr (JsonObject) message = dc_message (dc, msg_id);

  return message != NULL && g_strcmp0 (member (message, "text"), text) == 0;
}

/* How many messages of Delta Chat's chat @chat_id start with @prefix. */
static guint
dc_chat_count_prefix (KoiTestDeltachat *dc,
                      gint64            chat_id,
                      const char       *prefix)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT ", false, false]",
                                             koi_test_deltachat_account_id (dc), chat_id);
  g_autoptr (JsonNode) ids = koi_test_deltachat_call (dc, "get_message_ids", params, &error);
  guint n = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (ids)); i++)
    {
      g_autoptr (JsonObject) message = dc_message (dc, json_array_get_int_element (json_node_get_array (ids), i));

      n += message != NULL && g_str_has_prefix (member (message, "text") ? member (message, "text") : "", prefix);
    }
  return n;
}

/* Whether message @msg_id is still in Delta Chat's chat @chat_id. */
static gboolean
dc_chat_has (KoiTestDeltachat *dc,
             gint64            chat_id,
             gint64            msg_id)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT ", false, false]",
                                             koi_test_deltachat_account_id (dc), chat_id);
  g_autoptr (JsonNode) ids = koi_test_deltachat_call (dc, "get_message_ids", params, &error);
  JsonArray *array;

  g_assert_no_error (error);
  array = json_node_get_array (ids);
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (json_array_get_int_element (array, i) == msg_id)
      return TRUE;
  return FALSE;
}

/* What Delta Chat's chat shows, in the test's log (for when it fails). */
static void
dc_dump (KoiTestDeltachat *dc,
         gint64            chat_id)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT ", false, false]",
                                             koi_test_deltachat_account_id (dc), chat_id);
  g_autoptr (JsonNode) ids = koi_test_deltachat_call (dc, "get_message_ids", params, &error);

  for (guint i = 0; ids != NULL && i < json_array_get_length (json_node_get_array (ids)); i++)
    {
      gint64 id = json_array_get_int_element (json_node_get_array (ids), i);
      g_autoptr (JsonObject) message = dc_message (dc, id);
      g_autofree char *reactions = dc_reactions (dc, id);

      g_test_message ("Delta Chat shows %" G_GINT64_FORMAT ": %s%s [%s]", id, member (message, "text"),
                      json_object_get_boolean_member_with_default (message, "isEdited", FALSE) ? " (edited)" : "",
                      reactions);
    }
}

/* The chat dc_dump() shows when a DC_WAIT_FOR fails. */
static KoiTestDeltachat *dump_dc;
static gint64 dump_chat;

/* Delta Chat works on its own schedule: asks again until @cond holds or
 * DELIVERY_TIMEOUT_S pass, then asserts it. */
#define DC_WAIT_FOR(cond)                                                     \
  G_STMT_START {                                                              \
    gint64 dc_end_ = g_get_monotonic_time () + DELIVERY_TIMEOUT_S * G_USEC_PER_SEC; \
    while (!(cond) && g_get_monotonic_time () < dc_end_)                      \
      g_usleep (300 * 1000);                                                  \
    if (!(cond) && dump_dc != NULL)                                           \
      dc_dump (dump_dc, dump_chat);                                           \
    g_assert_true (cond);                                                     \
  } G_STMT_END

/* Bob's Koi message @message_id after a sync, or NULL. */
static JsonObject *
koi_message (KoiTestCli *cli,
             const char *message_id,
             const char *text)
{
  g_autofree char *dir = koi_test_cli_profile (cli, "bob");
  g_autoptr (GPtrArray) messages = NULL;

  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", dir, "sync", NULL), ==, 0);
  messages = koi_test_cli_messages (cli, "bob", "alice@example.org");
  for (guint i = 0; i < messages->len; i++)
    {
      JsonObject *message = g_ptr_array_index (messages, i);

      if ((message_id != NULL && g_strcmp0 (member (message, "message_id"), message_id) == 0) ||
          (text != NULL && g_strcmp0 (member (message, "text"), text) == 0))
        return json_object_ref (message);
    }
  return NULL;
}

static gboolean
koi_shows (KoiTestCli  *cli,
           const char  *message_id,
           const char  *field,
           const char  *value)
{
  g_autoptr (JsonObject) message = koi_message (cli, message_id, NULL);

  if (message == NULL)
    return FALSE;
  if (g_strcmp0 (field, "deleted") == 0)
    return json_object_get_boolean_member_with_default (message, "deleted", FALSE);
  if (g_strcmp0 (field, "reactions") == 0)
    {
      JsonArray *reactions = json_object_get_array_member (message, "reactions");
      g_autoptr (GString) out = g_string_new (NULL);

      for (guint i = 0; reactions != NULL && i < json_array_get_length (reactions); i++)
        {
          JsonObject *reaction = json_array_get_object_element (reactions, i);

          g_string_append_printf (out, "%s%s:%" G_GINT64_FORMAT, i > 0 ? "," : "",
                                  member (reaction, "emoji"), json_object_get_int_member (reaction, "count"));
        }
      return g_strcmp0 (out->str, value) == 0;
    }
  return g_strcmp0 (member (message, field), value) == 0;
}

/* Edits, reactions and deletes for everyone between a Delta Chat user
 * (alice) and a Koi user (bob), both ways, in plain mail. */
static void
test_edits_reactions_deletes (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestDeltachat) alice_dc = NULL;
  g_autoptr (GPtrArray) alice_got = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) theirs = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *mine = NULL;
  g_autofree char *theirs_id = NULL;
  g_autofree char *params = NULL;
  gint64 dc_mine = 0;     /* bob's message, as Delta Chat knows it */
  gint64 dc_chat = 0;
  guint dc_theirs;        /* alice's own message in Delta Chat */

  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  bob = koi_test_cli_profile (cli, "bob");
  alice_dc = deltachat_for (cli, "alice@example.org", "alice-secret", "0");

  dc_theirs = koi_test_deltachat_send_text (alice_dc, "bob@example.org", "Kommst du heute?", &error);
  g_assert_no_error (error);
  koi_test_deltachat_wait_sent (alice_dc, dc_theirs, DELIVERY_TIMEOUT_S, &error);
  g_assert_no_error (error);
  DC_WAIT_FOR ((theirs = koi_message (cli, NULL, "Kommst du heute?")) != NULL);
  theirs_id = g_strdup (member (theirs, "message_id"));

  mine = koi_test_cli_send (cli, "bob", "alice@example.org", "Treffen um 12?");
  alice_got = koi_test_deltachat_wait_received (alice_dc, 1, DELIVERY_TIMEOUT_S);
  g_assert_cmpuint (alice_got->len, ==, 1);
  dc_mine = json_object_get_int_member (g_ptr_array_index (alice_got, 0), "id");
  dc_chat = json_object_get_int_member (g_ptr_array_index (alice_got, 0), "chatId");
  dump_dc = alice_dc;
  dump_chat = dc_chat;
  /* Bob's Koi had Alice's key from her Autocrypt header, so its answer
   * went encrypted, and Delta Chat 2.x files encrypted mail in a chat of
   * its own with Bob's key, a contact request: Alice accepts it. */
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]", koi_test_deltachat_account_id (alice_dc), dc_chat);
  {
    g_autoptr (JsonNode) accepted = koi_test_deltachat_call (alice_dc, "accept_chat", params, &error);

    g_assert_no_error (error);
  }
  g_clear_pointer (&params, g_free);

  /* Delta Chat reacts to bob's message: Koi shows it, as a reaction. */
  params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT ", [\"❤️\"]]", koi_test_deltachat_account_id (alice_dc), dc_mine);
  g_clear_pointer (&theirs, json_object_unref);
  {
    g_autoptr (JsonNode) sent = koi_test_deltachat_call (alice_dc, "send_reaction", params, &error);

    g_assert_no_error (error);
  }
  DC_WAIT_FOR (koi_shows (cli, mine, "reactions", "❤️:1"));

  /* Delta Chat edits its message: Koi shows the new text and keeps the
   * old one in the history. */
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("[%u, %u, \"Kommst du morgen?\"]", koi_test_deltachat_account_id (alice_dc), dc_theirs);
  {
    g_autoptr (JsonNode) sent = koi_test_deltachat_call (alice_dc, "send_edit_request", params, &error);

    g_assert_no_error (error);
  }
  DC_WAIT_FOR (koi_shows (cli, theirs_id, "text", "Kommst du morgen?"));
  {
    g_autoptr (JsonObject) edited = koi_message (cli, theirs_id, NULL);
    JsonArray *history = json_object_get_array_member (edited, "history");

    g_assert_true (json_object_get_boolean_member (edited, "edited"));
    g_assert_nonnull (history);
    g_assert_cmpstr (member (json_array_get_object_element (history, 0), "text"), ==, "Kommst du heute?");
  }

  /* Delta Chat deletes for everyone only encrypted messages: in plain
   * mail it refuses (its own words), and Koi keeps the message. */
  g_clear_pointer (&params, g_free);
  params = g_strdup_printf ("[%u, [%u]]", koi_test_deltachat_account_id (alice_dc), dc_theirs);
  {
    g_autoptr (JsonNode) refused = koi_test_deltachat_call (alice_dc, "delete_messages_for_all", params, &error);

    g_assert_null (refused);
    g_assert_nonnull (error);
    g_test_message ("Delta Chat: %s", error->message);
    g_assert_nonnull (strstr (error->message, "unencrypted"));
    g_clear_error (&error);
  }
  g_assert_false (koi_shows (cli, theirs_id, "deleted", NULL));

  /* Koi edits: its mail goes encrypted now (it has Alice's key), and
   * Delta Chat shows the new text in place, marked edited. (In plain mail
   * Delta Chat 2.x filed Koi's edit as a new "✏️" message instead;
   * docs/WIRE.md.) */
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "edit", mine,
                                     "Treffen um 13?", NULL), ==, 0);
  DC_WAIT_FOR (dc_text_is (alice_dc, dc_mine, "Treffen um 13?"));
  {
    g_autoptr (JsonObject) edited = dc_message (alice_dc, dc_mine);

    g_assert_true (json_object_get_boolean_member (edited, "isEdited"));
  }
  g_assert_cmpuint (dc_chat_count_prefix (alice_dc, dc_chat, "✏️"), ==, 0);

  /* Koi reacts to alice's message: Delta Chat shows the reaction. */
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "react", theirs_id, "👍",
                                     NULL), ==, 0);
  DC_WAIT_FOR (dc_reactions_are (alice_dc, dc_theirs, "👍:1"));

  /* Koi deletes its message for everyone, encrypted: Delta Chat removes
   * it from the chat, and no "[Message deleted]" text shows up there. */
  g_assert_true (dc_chat_has (alice_dc, dc_chat, dc_mine));
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "delete", mine,
                                     "--everyone", NULL), ==, 0);
  DC_WAIT_FOR (!dc_chat_has (alice_dc, dc_chat, dc_mine));
  g_assert_cmpuint (dc_chat_count_prefix (alice_dc, dc_chat, "[Message deleted]"), ==, 0);
  /* Koi itself shows it deleted. */
  g_assert_true (koi_shows (cli, mine, "deleted", NULL));
  dc_dump (alice_dc, dc_chat);
  dump_dc = NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/interop/plain/same-account-default", test_same_account_default);
  g_test_add_func ("/interop/plain/same-account-detected", test_same_account_detected);
  g_test_add_func ("/interop/plain/interop", test_interop);
  g_test_add_func ("/interop/plain/edits-reactions-deletes", test_edits_reactions_deletes);

  return g_test_run ();
}
