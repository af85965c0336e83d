/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-chat-e2e"

#include "config.h"

#include <string.h>

#include <gdk/x11/gdkx.h>
#include <glib/gstdio.h>

#include "koi-chat-row.h"
#include "koi-compat.h"
#include "koi-composer.h"
#include "koi-imap-client.h"
#include "koi-conversation-view.h"
#include "koi-edit-history-dialog.h"
#include "koi-quote-block.h"
#include "koi-reaction-bar.h"
#include "koi-message-row.h"
#include "koi-new-chat-dialog.h"
#include "koi-session.h"
#include "koi-test-ui.h"
#include "koi-test-ui-pair.h"

/*
 * Alice's window and Bob's window, in one process, on one display, each
 * with its own KoiSession on its own profile, talking through the private
 * Dovecot + Postfix. The test drives only widgets and actions a user
 * reaches (new-chat action and dialog, composer buffer + Enter, send
 * button action, chat list activation) and checks what a user would see:
 * bubbles, their send state, chat list previews and order.
 */

#define ALICE KOI_TEST_UI_ALICE
#define BOB   KOI_TEST_UI_BOB
#define CAROL "carol@example.org"

/* Server round trips: submit → IDLE notice is ~0.5 s on Dovecot; a sync,
 * a retry after backoff or a Postfix restart take a few seconds. Generous,
 * so a loaded CI machine does not fail, bounded, so a hang fails here and
 * not at meson's timeout. */
#define WAIT_S 45

/* A user's window (koi_test_ui_side_open). */
typedef KoiTestUiSide Side;

/* ------------------------------------------------------------------ */
/* Finding what the user sees */

static void
collect_chat_rows (GtkWidget *root,
                   GPtrArray *rows)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (KOI_IS_CHAT_ROW (child))
        {
          if (gtk_widget_get_mapped (child) && koi_chat_row_get_item (KOI_CHAT_ROW (child)) != NULL)
            g_ptr_array_add (rows, child);
          continue;
        }
      collect_chat_rows (child, rows);
    }
}

static GtkWidget *sort_root;

static int
compare_by_y (gconstpointer a,
              gconstpointer b)
{
  graphene_point_t pa, pb;

  g_assert_true (gtk_widget_compute_point (*(GtkWidget **) a, sort_root,
                                           &GRAPHENE_POINT_INIT (0, 0), &pa));
  g_assert_true (gtk_widget_compute_point (*(GtkWidget **) b, sort_root,
                                           &GRAPHENE_POINT_INIT (0, 0), &pb));
  return pa.y < pb.y ? -1 : pa.y > pb.y ? 1 : 0;
}

/* The chat rows of @side's list, top to bottom as drawn. */
static GPtrArray *
side_chat_rows (Side *side)
{
  GPtrArray *rows = g_ptr_array_new ();

  sort_root = GTK_WIDGET (koi_window_get_chat_list_view (side->window));
  collect_chat_rows (sort_root, rows);
  g_ptr_array_sort (rows, compare_by_y);
  return rows;
}

/* The peers of the chat list's model, in its order, joined by spaces. */
static char *
side_model_order (Side *side)
{
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (koi_window_get_chat_list_view (side->window)));
  g_autoptr (GString) order = g_string_new (NULL);
  guint n = model != NULL ? g_list_model_get_n_items (model) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiChat) chat = g_list_model_get_item (model, i);

      g_string_append_printf (order, "%s%s", i > 0 ? " " : "", koi_chat_get_peer_address (chat));
    }
  return g_string_free (g_steal_pointer (&order), FALSE);
}

/* The same, from the row widgets as drawn. */
static char *
side_row_order (Side *side)
{
  g_autoptr (GPtrArray) rows = side_chat_rows (side);
  g_autoptr (GString) order = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (order, "%s%s", i > 0 ? " " : "",
                            koi_chat_get_peer_address (koi_chat_row_get_item (rows->pdata[i])));
  return g_string_free (g_steal_pointer (&order), FALSE);
}

static gboolean
side_order_is (Side       *side,
               const char *expected)
{
  g_autofree char *model = side_model_order (side);
  g_autofree char *drawn = side_row_order (side);
  static char *last_seen;

  if (g_strcmp0 (model, expected) == 0 && g_strcmp0 (drawn, expected) == 0)
    return TRUE;

  /* Say what the list showed instead, once per change. */
  {
    g_autofree char *seen = g_strdup_printf ("model: %s; drawn: %s", model, drawn);

    if (g_strcmp0 (seen, last_seen) != 0)
      {
        g_test_message ("chat list order %s (want %s)", seen, expected);
        g_free (last_seen);
        last_seen = g_steal_pointer (&seen);
      }
  }
  return FALSE;
}

static gboolean
side_online (Side *side)
{
  KoiAccount *account;

  if (g_strcmp0 (koi_window_get_page_name (side->window), "chats") != 0)
    return FALSE;
  account = koi_window_get_account (side->window);
  return account != NULL
    && koi_account_get_connection_state (account) == KOI_CONNECTION_ONLINE
    /* The header is quiet (the address) once all is well. */
    && g_strcmp0 (koi_window_get_connection_text (side->window), side->address) == 0;
}

static gboolean
side_chat_open (Side       *side,
                const char *peer)
{
  KoiChat *chat = koi_conversation_view_get_chat (koi_window_get_conversation_view (side->window));

  return chat != NULL && g_ascii_strcasecmp (koi_chat_get_peer_address (chat), peer) == 0
    && gtk_widget_get_mapped (GTK_WIDGET (koi_window_get_conversation_view (side->window)));
}

static KoiNewChatDialog *
find_new_chat_dialog (void)
{
  return (KoiNewChatDialog *) koi_test_ui_find_shown (KOI_TYPE_NEW_CHAT_DIALOG);
}

/* ------------------------------------------------------------------ */
/* Acting as the user */

/* What the side's chats hold unread, all together. */
static guint
side_unread_total (Side *side)
{
  GListModel *chats = G_LIST_MODEL (koi_account_get_chats (koi_window_get_account (side->window)));
  guint total = 0;

  for (guint i = 0; i < g_list_model_get_n_items (chats); i++)
    {
      g_autoptr (KoiChat) chat = g_list_model_get_item (chats, i);

      total += koi_chat_get_unread_count (chat);
    }
  return total;
}

/* Types @text into the open chat's composer as a user does (into the text
 * view's buffer, at the cursor) and presses Enter through the composer's
 * key controller. */
static void
side_type_and_press_enter (Side       *side,
                           const char *text)
{
  KoiComposer *composer = koi_conversation_view_get_composer (koi_window_get_conversation_view (side->window));
  GtkTextView *view = koi_composer_get_text_view (composer);
  GtkEventController *keys = koi_test_ui_find_capture_key_controller (GTK_WIDGET (view));
  gboolean handled = FALSE;

  g_assert_nonnull (keys);
  gtk_widget_grab_focus (GTK_WIDGET (view));
  gtk_text_buffer_insert_at_cursor (gtk_text_view_get_buffer (view), text, -1);
  g_assert_true (koi_composer_can_send (composer));

  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Return, 0, 0, &handled);
  g_assert_true (handled);
  /* Sent: the composer is empty again, ready for the next message. */
  g_assert_false (koi_composer_can_send (composer));
}

/* The same, sent with the Send button's action. */
static void
side_type_and_click_send (Side       *side,
                          const char *text)
{
  KoiComposer *composer = koi_conversation_view_get_composer (koi_window_get_conversation_view (side->window));
  GtkTextView *view = koi_composer_get_text_view (composer);
  GtkWidget *button = koi_composer_get_send_button (composer);

  gtk_text_buffer_insert_at_cursor (gtk_text_view_get_buffer (view), text, -1);
  g_assert_true (gtk_widget_get_sensitive (button));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
  g_assert_false (koi_composer_can_send (composer));
}

/* Clicks the chat with @peer in the list (the list view's "activate", as a
 * click or Enter on the row does). */
static void
side_activate_chat (Side       *side,
                    const char *peer)
{
  GtkListView *list_view = koi_window_get_chat_list_view (side->window);
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (list_view));
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiChat) chat = g_list_model_get_item (model, i);

      if (g_ascii_strcasecmp (koi_chat_get_peer_address (chat), peer) == 0)
        {
          g_signal_emit_by_name (list_view, "activate", i);
          return;
        }
    }
  g_assert_not_reached ();
}

/* A chat message from Carol (who uses another chat client), stored straight
 * into Bob's INBOX as Postfix would deliver it. */
static void
carol_writes_to_bob (KoiTestCli *cli,
                     const char *unique,
                     const char *text)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%a, %d %b %Y %H:%M:%S %z");
  g_autofree char *raw = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;

  raw = g_strdup_printf ("From: Carol <" CAROL ">\r\n"
                         "To: " BOB "\r\n"
                         "Subject: Chat: %s\r\n"
                         "Date: %s\r\n"
                         "Message-ID: <chat$%s@example.org>\r\n"
                         "Chat-Version: 1.0\r\n"
                         "MIME-Version: 1.0\r\n"
                         "Content-Type: text/plain; charset=UTF-8\r\n"
                         "Content-Transfer-Encoding: 7bit\r\n"
                         "\r\n"
                         "%s\r\n",
                         text, date, unique, text);
  bytes = g_bytes_new_take (raw, strlen (raw));
  raw = NULL;
  koi_test_mailserver_inject (cli->server, BOB, NULL, bytes, &error);
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------ */
/* Screenshots */

/* ------------------------------------------------------------------ */

/* Records every state the bubble's message goes through. */
static void
on_state_changed (KoiMessage *message,
                  GParamSpec *pspec,
                  GArray     *states)
{
  int state = koi_message_get_state (message);

  if (states->len == 0 || g_array_index (states, int, states->len - 1) != state)
    g_array_append_val (states, state);
}

/* An attempt was made (SENDING) and put back (QUEUED). */
#define REFUSED_BANNER "Reconnecting: the mail server refused the connection. It may be down."

/* The connection banner is shown with @title, or hidden when NULL. */
static gboolean
banner_says (GtkWidget  *banner,
             const char *title)
{
  g_autofree char *shown = NULL;
  gboolean revealed = FALSE;

  g_object_get (banner, "title", &shown, "revealed", &revealed, NULL);
  return title != NULL ? revealed && g_strcmp0 (shown, title) == 0 : !revealed;
}

/* Whether the server copy of @message_id in @user's INBOX has \Seen, as
 * the user's phone or webmail would see it. */
static gboolean
seen_on_server (KoiTestCli *cli,
                const char *user,
                const char *password,
                const char *message_id)
{
  g_autoptr (KoiServerConfig) config =
    koi_server_config_new (cli->server->host, cli->server->imaps_port, KOI_SECURITY_TLS,
                           user, password, cli->server->ca_file);
  g_autoptr (KoiImapClient) client = koi_imap_client_new (config);
  g_autoptr (GArray) uids = NULL;
  g_autofree char *criteria = g_strdup_printf ("SEEN HEADER Message-ID \"%s\"", message_id);

  if (!koi_imap_client_connect (client, NULL, NULL) ||
      !koi_imap_client_select (client, "INBOX", TRUE, NULL, NULL, NULL))
    return FALSE;
  uids = koi_imap_client_uid_search (client, criteria, NULL, NULL);
  koi_imap_client_logout (client, NULL);
  return uids != NULL && uids->len == 1;
}

/* Polls the server (nothing on the main context says when) while the
 * windows keep running. */
static void
wait_seen_on_server (KoiTestCli *cli,
                     const char *user,
                     const char *password,
                     const char *message_id)
{
  gint64 end = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

  while (!seen_on_server (cli, user, password, message_id))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (100 * 1000);
    }
}

static void
test_chat_e2e (void)
{
  const char *hello = "Hello Bob, this is Alice from her window";
  const char *reply = "Hi Alice! Bob here, typing in mine";
  const char *carol_first = "Carol says hello";
  const char *carol_again = "Carol again, now on top";
  g_autoptr (KoiTestCli) cli = koi_test_ui_pair_cli_new ();
  g_autoptr (GArray) states = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) alice_light = NULL;
  g_autoptr (GdkTexture) alice_dark = NULL;
  g_autoptr (GdkTexture) bob_light = NULL;
  g_autofree char *own_preview = g_strdup_printf ("You: %s", hello);
  AdwStyleManager *style = adw_style_manager_get_default ();
  KoiNewChatDialog *dialog;
  GtkWidget *banner;
  GtkWidget *reconnect;
  KoiMessageRow *row;
  KoiMessage *sent;
  gint64 reply_ms;
  Side alice = { 0 }, bob = { 0 };

  /* Bob already has a chat when he starts: Carol wrote earlier. */
  carol_writes_to_bob (cli, "e2e-carol-1", carol_first);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  koi_test_ui_side_open (&alice, cli, "alice", ALICE, 900, 640);
  koi_test_ui_side_open (&bob, cli, "bob", BOB, 900, 640);
  KOI_TEST_UI_WAIT_FOR (side_online (&alice), WAIT_S);
  KOI_TEST_UI_WAIT_FOR (side_online (&bob), WAIT_S);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_chat_row_shows (koi_test_ui_find_chat_row (bob.window, CAROL), carol_first), WAIT_S);

  /* Alice: New Chat (Ctrl+N's action), types Bob's address, starts. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (alice.window), "win.new-chat", NULL));
  KOI_TEST_UI_WAIT_FOR ((dialog = find_new_chat_dialog ()) != NULL, 10);
  koi_new_chat_dialog_set_address (dialog, BOB);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "new-chat.start", NULL));
  KOI_TEST_UI_WAIT_FOR (side_chat_open (&alice, BOB), 10);
  /* It closes only on success (an error keeps it open with the words). */
  KOI_TEST_UI_WAIT_FOR (find_new_chat_dialog () == NULL, 10);

  /* The mail server's submission is down when Alice sends: the bubble must
   * show it waits (not failed, not lost), then "Sent" once it is back. */
  koi_test_mailserver_stop_service (cli->server, "smtp", &error);
  g_assert_no_error (error);

  side_type_and_press_enter (&alice, hello);
  KOI_TEST_UI_WAIT_FOR ((row = koi_test_ui_find_bubble (alice.window, hello)) != NULL, 10);
  sent = koi_message_row_get_item (row);
  g_signal_connect (sent, "notify::state", G_CALLBACK (on_state_changed), states);
  on_state_changed (sent, NULL, states);
  g_assert_cmpint (koi_message_get_direction (sent), ==, KOI_MESSAGE_OUTGOING);
  g_assert_cmpint (g_array_index (states, int, 0), <=, KOI_MESSAGE_SENDING);

  /* One attempt fails on the closed port and the message goes back to the
   * queue with the reason (the engine's events carry ids, so a "Sending…"
   * that lasts less than a read of the store may never be drawn); the row
   * says it waits, with no Retry button: the engine retries by itself. */
  KOI_TEST_UI_WAIT_FOR (koi_message_get_state (sent) == KOI_MESSAGE_QUEUED &&
            koi_message_get_failure_reason (sent) != NULL, WAIT_S);
  g_assert_cmpstr (koi_message_row_get_state_text (row), ==, "Waiting to send");
  g_assert_nonnull (koi_test_ui_find_image (GTK_WIDGET (row), "document-open-recent-symbolic"));
  g_assert_false (koi_message_row_get_can_retry (row));

  koi_test_mailserver_start_service (cli->server, "smtp", &error);
  g_assert_no_error (error);
  KOI_TEST_UI_WAIT_FOR (koi_message_get_state (sent) == KOI_MESSAGE_SENT, WAIT_S);
  /* The same row, still bound to the same message, now says "Sent". */
  g_assert_true (koi_test_ui_find_bubble (alice.window, hello) == row);
  g_assert_cmpstr (koi_message_row_get_state_text (row), ==, "Sent");
  g_assert_nonnull (koi_test_ui_find_image (GTK_WIDGET (row), "object-select-symbolic"));
  g_signal_handlers_disconnect_by_func (sent, on_state_changed, states);
  {
    g_autoptr (GString) seen = g_string_new (NULL);

    for (guint i = 0; i < states->len; i++)
      {
        int state = g_array_index (states, int, i);

        g_string_append_printf (seen, " %d", state);
        /* Never failed: a server that is away is a wait, not an error. */
        g_assert_cmpint (state, !=, KOI_MESSAGE_FAILED);
      }
    g_test_message ("states of the sent bubble:%s", seen->str);
    g_assert_cmpint (g_array_index (states, int, states->len - 1), ==, KOI_MESSAGE_SENT);
    g_assert_cmpuint (states->len, >=, 2);
  }
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_chat_row_shows (koi_test_ui_find_chat_row (alice.window, BOB), own_preview), 10);

  /* Bob: the chat with Alice appears, on top, with her words. */
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_chat_row_shows (koi_test_ui_find_chat_row (bob.window, ALICE), hello), WAIT_S);
  KOI_TEST_UI_WAIT_FOR (side_order_is (&bob, ALICE " " CAROL), 10);
  /* His window's title counts what waits unread in all his chats. */
  {
    guint unread = side_unread_total (&bob);
    g_autofree char *title = g_strdup_printf ("(%u) Koi — " BOB, unread);

    g_assert_cmpuint (unread, >=, 1);
    g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (bob.window)), ==, title);
  }

  /* Bob is at his window (it has the focus, as after a click). */
  koi_test_ui_focus_window (GTK_WINDOW (bob.window));
  side_activate_chat (&bob, ALICE);
  KOI_TEST_UI_WAIT_FOR (side_chat_open (&bob, ALICE), 10);
  KOI_TEST_UI_WAIT_FOR ((row = koi_test_ui_find_bubble (bob.window, hello)) != NULL, 10);
  /* Her message was unread when he opened the chat: "New messages" above it. */
  g_assert_true (koi_message_row_get_unread_marker (row));
  /* Read now: the title counts only Carol's. */
  KOI_TEST_UI_WAIT_FOR (koi_chat_get_unread_count (koi_chat_row_get_item (koi_test_ui_find_chat_row (bob.window, ALICE))) == 0, 10);
  {
    guint unread = side_unread_total (&bob);
    g_autofree char *title = unread > 0 ? g_strdup_printf ("(%u) Koi — " BOB, unread)
                                        : g_strdup ("Koi — " BOB);

    KOI_TEST_UI_WAIT_FOR (g_strcmp0 (gtk_window_get_title (GTK_WINDOW (bob.window)), title) == 0, 10);
  }
  g_assert_cmpint (koi_message_get_direction (koi_message_row_get_item (row)), ==, KOI_MESSAGE_INCOMING);
  g_assert_cmpstr (koi_message_row_get_state_text (row), ==, "");
  /* He has read it: his other devices and webmail see it read too. */
  wait_seen_on_server (cli, BOB, "bob-secret", koi_message_get_message_id (koi_message_row_get_item (row)));

  /* Alice is a stranger to Bob: her chat is a contact request, tagged in
   * his list, with Accept / Block / Delete where the composer was. His
   * reading it tells her nothing until he accepts. */
  {
    KoiConversationView *view = koi_window_get_conversation_view (bob.window);
    KoiComposer *composer = koi_conversation_view_get_composer (view);
    GtkWidget *accept;
    g_autoptr (GdkTexture) request_shot = NULL;

    g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (koi_test_ui_find_chat_row (bob.window, ALICE)), "Request"));
    g_assert_false (gtk_widget_get_visible (GTK_WIDGET (composer)));
    accept = koi_test_ui_find_label (GTK_WIDGET (view), "Accept");
    g_assert_nonnull (accept);
    g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (view), "Block"));
    g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (view), "Delete"));
    request_shot = koi_test_ui_shoot (GTK_WIDGET (bob.window), "request-bob.png", 16);
    g_assert_false (koi_message_get_read (koi_message_row_get_item (koi_test_ui_find_bubble (alice.window, hello))));

    accept = gtk_widget_get_ancestor (accept, GTK_TYPE_BUTTON);
    g_assert_true (gtk_widget_activate (accept));
    KOI_TEST_UI_WAIT_FOR (gtk_widget_get_visible (GTK_WIDGET (composer)), 10);
    g_assert_null (koi_test_ui_find_label (GTK_WIDGET (koi_test_ui_find_chat_row (bob.window, ALICE)), "Request"));
  }

  /* Bob had her message on screen and let her in: his Koi sends a read
   * receipt, and Alice's bubble shows two ticks ("Read"). */
  KOI_TEST_UI_WAIT_FOR (koi_message_get_read (koi_message_row_get_item (koi_test_ui_find_bubble (alice.window, hello))), WAIT_S);
  g_assert_cmpstr (koi_message_row_get_state_text (koi_test_ui_find_bubble (alice.window, hello)), ==, "Read");
  /* Message Info says by whom. */
  {
    KoiMessageRow *read_row = koi_test_ui_find_bubble (alice.window, hello);
    gint64 id = koi_message_get_id (koi_message_row_get_item (read_row));
    GtkWidget *info;

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (read_row), "conversation.info", "x", id));
    info = koi_compat_alert_find (GTK_WINDOW (alice.window));
    g_assert_nonnull (info);
    g_assert_cmpstr (gtk_widget_get_name (info), ==, "koi-message-info");
    g_assert_nonnull (strstr (koi_compat_alert_get_body (info), "Read by: " BOB));
    koi_compat_alert_respond (info, "close");
    g_assert_null (koi_compat_alert_find (GTK_WINDOW (alice.window)));
  }

  /* Bob replies with the Send button; Alice sees it in her open chat. */
  side_type_and_click_send (&bob, reply);
  KOI_TEST_UI_WAIT_FOR ((row = koi_test_ui_find_bubble (bob.window, reply)) != NULL, 10);
  reply_ms = koi_message_get_timestamp (koi_message_row_get_item (row));
  KOI_TEST_UI_WAIT_FOR (koi_message_get_state (koi_message_row_get_item (row)) == KOI_MESSAGE_SENT, WAIT_S);
  g_assert_cmpstr (koi_message_row_get_state_text (row), ==, "Sent");
  KOI_TEST_UI_WAIT_FOR ((row = koi_test_ui_find_bubble (alice.window, reply)) != NULL, WAIT_S);
  g_assert_cmpint (koi_message_get_direction (koi_message_row_get_item (row)), ==, KOI_MESSAGE_INCOMING);
  /* Her own bubble is still there above it. */
  g_assert_nonnull (koi_test_ui_find_bubble (alice.window, hello));
  /* She comes back to her window, where the chat the reply came into is
   * open: it is read at once, no unread badge. */
  koi_test_ui_focus_window (GTK_WINDOW (alice.window));
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_chat_row_shows (koi_test_ui_find_chat_row (alice.window, BOB), reply), 10);
  KOI_TEST_UI_WAIT_FOR (koi_chat_get_unread_count (koi_chat_row_get_item (koi_test_ui_find_chat_row (alice.window, BOB))) == 0, 10);
  g_assert_cmpstr (koi_chat_row_get_unread_text (koi_test_ui_find_chat_row (alice.window, BOB)), ==, "");

  /* Carol writes again: her chat, second in Bob's list, moves to the top,
   * in the model and in the rows drawn. */
  g_assert_true (side_order_is (&bob, ALICE " " CAROL));
  /* A Date header counts whole seconds and chats sort by it: Carol's mail
   * must be written in a later second than Bob's reply to be newer. */
  KOI_TEST_UI_WAIT_FOR (g_get_real_time () / 1000 >= (reply_ms / 1000 + 1) * 1000, 5);
  carol_writes_to_bob (cli, "e2e-carol-2", carol_again);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_chat_row_shows (koi_test_ui_find_chat_row (bob.window, CAROL), carol_again), WAIT_S);
  KOI_TEST_UI_WAIT_FOR (side_order_is (&bob, CAROL " " ALICE), 10);
  /* Bob's open chat stays open while the list moves. */
  g_assert_true (side_chat_open (&bob, ALICE));

  /* Screenshots of the real conversation. */
  alice_light = koi_test_ui_shoot (GTK_WIDGET (alice.window), "e2e-alice.png", 16);
  bob_light = koi_test_ui_shoot (GTK_WIDGET (bob.window), "e2e-bob.png", 16);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  alice_dark = koi_test_ui_shoot (GTK_WIDGET (alice.window), "e2e-alice-dark.png", 16);
  g_test_message ("brightness light %.0f, dark %.0f",
                  koi_test_ui_mean_brightness (alice_light), koi_test_ui_mean_brightness (alice_dark));
  g_assert_cmpfloat (koi_test_ui_mean_brightness (alice_dark) + 60, <, koi_test_ui_mean_brightness (alice_light));
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);

  /* The mail server's IMAP goes away: Alice's window says she is cut off
   * (the header's subtitle, and a banner over the chat list: AdwBanner on
   * the modern set, KoiBanner on the legacy one) and why, in plain words,
   * with "Reconnect Now"; it goes quiet again once she is back. */
  koi_test_mailserver_stop_service (cli->server, "imap", &error);
  g_assert_no_error (error);
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_window_get_connection_text (alice.window), "Reconnecting…") == 0, WAIT_S);
  banner = koi_window_get_connection_banner (alice.window);
  g_assert_nonnull (banner);
  /* Revealed, and grown to full height (it slides in). The line first
   * breaks; the next tries find the port closed. */
  KOI_TEST_UI_WAIT_FOR (banner_says (banner, REFUSED_BANNER) && gtk_widget_get_mapped (banner)
                        && gtk_widget_get_height (banner) >= 30, WAIT_S);
  g_assert_nonnull (koi_test_ui_find_label (banner, REFUSED_BANNER));
  reconnect = koi_test_ui_find_label (banner, "Reconnect Now");
  g_assert_nonnull (reconnect);
  reconnect = gtk_widget_get_ancestor (reconnect, GTK_TYPE_BUTTON);
  g_assert_nonnull (reconnect);
  KOI_TEST_UI_WAIT_FOR (gtk_widget_get_mapped (reconnect), 10);
  g_clear_object (&alice_light);
  alice_light = koi_test_ui_shoot (GTK_WIDGET (alice.window), "e2e-alice-reconnecting.png", 16);
  /* Let the engine's backoff grow to its longest: it tries about 1, 3,
   * 7, 15 and 30 s after the line broke, so from 16 s on (and the
   * server's start takes a few) it waits until 30 s, and coming back
   * within 4 s of the click is the button's doing. */
  koi_test_ui_iterate_ms (16000);
  koi_test_mailserver_start_service (cli->server, "imap", &error);
  g_assert_no_error (error);
  koi_test_ui_iterate_ms (500);
  g_assert_false (side_online (&alice));
  {
    gint64 clicked;

    /* Bob's window lies over Alice's (no window manager places them):
     * raise hers, or the click lands on his banner. */
    g_autofree char *xid = g_strdup_printf (
      "%lu", (gulong) gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (alice.window))));

    koi_test_ui_xdotool ("windowraise", xid, NULL);
    clicked = g_get_monotonic_time ();
    koi_test_ui_click (reconnect);
    KOI_TEST_UI_WAIT_FOR (side_online (&alice), 4);
    g_test_message ("online %.1f s after Reconnect Now",
                    (g_get_monotonic_time () - clicked) / (double) G_USEC_PER_SEC);
  }
  KOI_TEST_UI_WAIT_FOR (banner_says (banner, NULL), 10);

  /* Narrow, as on a phone: one pane, with the open conversation in front. */
  gtk_window_set_default_size (GTK_WINDOW (alice.window), 360, 640);
  KOI_TEST_UI_WAIT_FOR (gtk_widget_get_width (GTK_WIDGET (alice.window)) <= 360, 10);
  KOI_TEST_UI_WAIT_FOR (!gtk_widget_get_mapped (GTK_WIDGET (koi_window_get_chat_list_view (alice.window))), 10);
  /* An AdwNavigationSplitView moves the page into its navigation view when
   * it collapses, so the rows come back a frame later. */
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_find_bubble (alice.window, hello) != NULL, 10);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (koi_test_ui_find_bubble (alice.window, hello))));
  g_clear_object (&alice_light);
  alice_light = koi_test_ui_shoot (GTK_WIDGET (alice.window), "e2e-alice-narrow.png", 16);

  koi_test_ui_side_close (&alice);
  koi_test_ui_side_close (&bob);
  koi_test_ui_iterate_ms (100);
}

/* Presses @keyval in the composer's entry, as a user does. */
static gboolean
side_press_key (Side  *side,
                guint  keyval)
{
  KoiComposer *composer = koi_conversation_view_get_composer (koi_window_get_conversation_view (side->window));
  GtkEventController *keys = koi_test_ui_find_capture_key_controller (GTK_WIDGET (koi_composer_get_text_view (composer)));
  gboolean handled = FALSE;

  g_signal_emit_by_name (keys, "key-pressed", keyval, 0, 0, &handled);
  return handled;
}

static void
side_replace_text (Side       *side,
                   const char *text)
{
  KoiComposer *composer = koi_conversation_view_get_composer (koi_window_get_conversation_view (side->window));

  koi_composer_set_text (composer, text);
}

/* The menu item for @action in the row's open context menu: its model
 * must offer it for the message, with the message's id. */
static gboolean
menu_offers (KoiMessageRow *row,
             const char    *action)
{
  GtkWidget *menu = koi_message_row_get_menu (row);
  GMenuModel *model;
  gint64 id = koi_message_get_id (koi_message_row_get_item (row));

  g_assert_nonnull (menu);
  model = gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (menu));
  for (int s = 0; s < g_menu_model_get_n_items (model); s++)
    {
      g_autoptr (GMenuModel) section = g_menu_model_get_item_link (model, s, G_MENU_LINK_SECTION);

      for (int i = 0; section != NULL && i < g_menu_model_get_n_items (section); i++)
        {
          g_autofree char *name = NULL;
          g_autoptr (GVariant) target = NULL;

          if (!g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_ACTION, "s", &name) ||
              g_strcmp0 (name, action) != 0)
            continue;
          target = g_menu_model_get_item_attribute_value (section, i, G_MENU_ATTRIBUTE_TARGET,
                                                          G_VARIANT_TYPE_INT64);
          return target != NULL && g_variant_get_int64 (target) == id;
        }
    }
  return FALSE;
}

/* Whether @widget sits where it sat 300 ms ago in @window: a click goes
 * through the X server after its point is computed, so a row still moving
 * then (a reply stored, a bubble getting its real height, the list
 * following the end) would take the click somewhere else. */
static gboolean
stays_put (GtkWidget *widget,
           GtkWidget *window)
{
  graphene_point_t before;
  graphene_point_t after;

  if (!gtk_widget_get_mapped (widget) ||
      !gtk_widget_compute_point (widget, window, &GRAPHENE_POINT_INIT (0, 0), &before))
    return FALSE;
  koi_test_ui_iterate_ms (300);
  return gtk_widget_get_mapped (widget) &&
         gtk_widget_compute_point (widget, window, &GRAPHENE_POINT_INIT (0, 0), &after) &&
         graphene_point_equal (&before, &after);
}

static void
count_click (GtkButton *button,
             guint     *clicks)
{
  (*clicks)++;
}

/* Clicks a quote's button with the real pointer. Under a heavy load the X
 * click was seen to not reach the button at all (no "clicked", so no jump
 * began: the view was never asked); that is the X server and xdotool, not
 * what this test checks, so a click that did not arrive is made once more.
 * A click that arrived and then did not take the focus to the original
 * still fails the test. */
static void
click_quote (GtkWidget *widget)
{
  /* The jump may recycle the row: keep the button for the disconnect. */
  g_autoptr (GtkWidget) button = g_object_ref (widget);
  guint clicks = 0;
  gulong handler;

  g_assert_true (GTK_IS_BUTTON (button));
  handler = g_signal_connect (button, "clicked", G_CALLBACK (count_click), &clicks);
  koi_test_ui_click (button);
  for (guint i = 0; i < 30 && clicks == 0; i++)
    koi_test_ui_iterate_ms (100);
  if (clicks == 0 && gtk_widget_get_mapped (button))
    {
      g_test_message ("the click did not reach the quote; clicking again");
      koi_test_ui_click (button);
      for (guint i = 0; i < 30 && clicks == 0; i++)
        koi_test_ui_iterate_ms (100);
    }
  g_signal_handler_disconnect (button, handler);
  g_assert_cmpuint (clicks, >=, 1);
}

/* The message whose row (or a widget inside it) has the keyboard focus. */
static gint64
focused_message_id (Side *side)
{
  GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (side->window));

  for (GtkWidget *w = focus; w != NULL; w = gtk_widget_get_parent (w))
    {
      GtkWidget *child = gtk_widget_get_first_child (w);

      if (KOI_IS_MESSAGE_ROW (w))
        return koi_message_get_id (koi_message_row_get_item (KOI_MESSAGE_ROW (w)));
      /* A list item holds its row: the focus sits on the item. */
      if (child != NULL && KOI_IS_MESSAGE_ROW (child))
        return koi_message_get_id (koi_message_row_get_item (KOI_MESSAGE_ROW (child)));
    }
  return 0;
}

/* The reaction chips of @row as "❤️ 1,🎉 1*" ("" for none), own ones
 * marked "*", sorted (the bar orders them by when each emoji first came,
 * which a quick test cannot pin): what the user sees under the bubble. */
static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static char *
chips_of (KoiMessageRow *row)
{
  GtkWidget *bar = koi_message_row_get_reaction_bar (row);
  g_autoptr (GPtrArray) chips = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; bar != NULL && i < koi_reaction_bar_get_n_chips (KOI_REACTION_BAR (bar)); i++)
    {
      GtkWidget *chip = koi_reaction_bar_get_chip (KOI_REACTION_BAR (bar), i);

      g_ptr_array_add (chips, g_strdup_printf ("%s%s", gtk_button_get_label (GTK_BUTTON (chip)),
                                               gtk_widget_has_css_class (chip, "own") ? "*" : ""));
    }
  g_ptr_array_sort (chips, compare_strings);
  g_ptr_array_add (chips, NULL);
  return g_strjoinv (",", (char **) chips->pdata);
}

static gboolean
chips_are (KoiMessageRow *row,
           const char    *expected)
{
  g_autofree char *chips = chips_of (row);
  static char *last;

  if (g_strcmp0 (chips, last) != 0)
    {
      g_test_message ("chips: %s", chips);
      g_free (last);
      last = g_strdup (chips);
    }
  return g_strcmp0 (chips, expected) == 0;
}

/* Opens the row's context menu from the keyboard path and clicks, for
 * real, the items labelled @first and then (a submenu's) @second. */
static void
menu_click (Side          *side,
            KoiMessageRow *row,
            const char    *first,
            const char    *second)
{
  GtkWidget *menu;

  /* The menu points at the row: a row still moving (a reaction bar just
   * gone, the list following the end) moves the menu under the click. */
  KOI_TEST_UI_WAIT_FOR (stays_put (GTK_WIDGET (row), GTK_WIDGET (side->window)), 5);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "message-row.menu", NULL));
  menu = koi_message_row_get_menu (row);
  /* A menu pops up, and a submenu slides in: under load the click's point
   * may be worked out mid-way (seen missing "More Reactions…"). */
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_find_label (menu, first) != NULL &&
                        stays_put (koi_test_ui_find_label (menu, first),
                                   GTK_WIDGET (gtk_widget_get_native (menu))), 5);
  koi_test_ui_click (koi_test_ui_find_label (menu, first));
  if (second != NULL)
    {
      KOI_TEST_UI_WAIT_FOR (koi_test_ui_find_label (menu, second) != NULL &&
                            stays_put (koi_test_ui_find_label (menu, second),
                                       GTK_WIDGET (gtk_widget_get_native (menu))), 5);
      koi_test_ui_click (koi_test_ui_find_label (menu, second));
    }
}

/* The colour (0xRRGGBB) @texture has a few pixels inside @widget's left
 * edge, half-way down: a chip's own background, not its emoji. */
static guint32
background_of (GtkWidget  *widget,
               GtkWidget  *root,
               GdkTexture *texture)
{
  GdkRectangle area;
  int width = gdk_texture_get_width (texture);
  g_autofree guchar *pixels = g_malloc ((gsize) width * 4 * gdk_texture_get_height (texture));
  const guchar *pixel;

  g_assert_true (koi_test_ui_widget_area (widget, root, texture, &area));
  gdk_texture_download (texture, pixels, (gsize) width * 4);
  /* Cairo's ARGB32 in memory: B, G, R, A on little endian. */
  pixel = pixels + ((gsize) (area.y + area.height / 2) * width + area.x + 4) * 4;
  return (guint32) pixel[2] << 16 | (guint32) pixel[1] << 8 | pixel[0];
}

static guint
color_distance (guint32 a,
                guint32 b)
{
  return ABS ((int) (a >> 16) - (int) (b >> 16)) + ABS ((int) ((a >> 8) & 0xff) - (int) ((b >> 8) & 0xff)) +
         ABS ((int) (a & 0xff) - (int) (b & 0xff));
}

static KoiEditHistoryDialog *
find_history_dialog (void)
{
  return (KoiEditHistoryDialog *) koi_test_ui_find_shown (KOI_TYPE_EDIT_HISTORY_DIALOG);
}

static void
test_edit_reply_react (void)
{
  const char *first = "Lunch at noon?";
  const char *fixed = "Lunch at one?";
  const char *fixed_again = "Lunch at two?";
  g_autoptr (KoiTestCli) cli = koi_test_ui_pair_cli_new ();
  g_autofree char *out = NULL;
  g_autofree char *alice_dir = NULL;
  KoiComposer *composer;
  KoiMessageRow *row;
  KoiMessage *message;
  Side alice = { 0 };

  g_free (koi_test_cli_send (cli, "alice", BOB, first));

  koi_test_ui_side_open (&alice, cli, "alice", ALICE, 900, 640);
  KOI_TEST_UI_WAIT_FOR (side_online (&alice), WAIT_S);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_chat_row_shows (koi_test_ui_find_chat_row (alice.window, BOB), "You: Lunch at noon?"), WAIT_S);
  side_activate_chat (&alice, BOB);
  KOI_TEST_UI_WAIT_FOR (side_chat_open (&alice, BOB), 10);
  KOI_TEST_UI_WAIT_FOR ((row = koi_test_ui_find_bubble (alice.window, first)) != NULL, 10);
  message = koi_message_row_get_item (row);
  composer = koi_conversation_view_get_composer (koi_window_get_conversation_view (alice.window));

  /* Up in the empty composer: editing the last own message. */
  gtk_widget_grab_focus (GTK_WIDGET (composer));
  g_assert_true (side_press_key (&alice, GDK_KEY_Up));
  g_assert_cmpint (koi_composer_get_mode (composer), ==, KOI_COMPOSER_EDITING);
  g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (composer), "Editing"));
  {
    g_autofree char *text = koi_composer_dup_text (composer);

    g_assert_cmpstr (text, ==, first);
  }
  side_replace_text (&alice, fixed);
  g_assert_true (side_press_key (&alice, GDK_KEY_Return));
  g_assert_cmpint (koi_composer_get_mode (composer), ==, KOI_COMPOSER_NEW);
  /* The same bubble now shows the new text, marked edited. */
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_message_get_text (message), fixed) == 0, 10);
  g_assert_true (koi_message_get_edited (message));
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_find_bubble (alice.window, fixed) != NULL, 10);

  /* The keyboard path to the context menu (Shift+F10 / Menu key); it
   * offers Edit and Delete for Everyone on an own message. */
  row = koi_test_ui_find_bubble (alice.window, fixed);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "message-row.menu", NULL));
  g_assert_true (menu_offers (row, "conversation.edit"));
  g_assert_true (menu_offers (row, "conversation.delete-for-everyone"));
  g_assert_true (menu_offers (row, "conversation.reply"));
  g_assert_true (menu_offers (row, "conversation.copy"));
  g_assert_true (menu_offers (row, "conversation.info"));
  gtk_popover_popdown (GTK_POPOVER (koi_message_row_get_menu (row)));

  /* Edit from the menu, then Escape: nothing changes, the bar goes. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "conversation.edit", "x",
                                             koi_message_get_id (message)));
  g_assert_cmpint (koi_composer_get_mode (composer), ==, KOI_COMPOSER_EDITING);
  side_replace_text (&alice, "never sent");
  g_assert_true (side_press_key (&alice, GDK_KEY_Escape));
  g_assert_cmpint (koi_composer_get_mode (composer), ==, KOI_COMPOSER_NEW);
  g_assert_false (koi_composer_can_send (composer));

  /* Edit from the menu for real. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "conversation.edit", "x",
                                             koi_message_get_id (message)));
  side_replace_text (&alice, fixed_again);
  g_assert_true (side_press_key (&alice, GDK_KEY_Return));
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_message_get_text (message), fixed_again) == 0, 10);

  /* "edited 10:31" is a button: a click opens Edit History with every
   * version, newest first, the changed words marked. */
  koi_test_ui_focus_window (GTK_WINDOW (alice.window));
  {
    GtkWidget *edited = koi_message_row_get_edited_button (row);
    KoiEditHistoryDialog *dialog;
    const char *newest;

    g_assert_true (gtk_widget_get_visible (edited));
    g_assert_nonnull (koi_test_ui_find_label (edited, koi_message_row_get_time_text (row)));
    g_assert_true (g_str_has_prefix (koi_message_row_get_time_text (row), "edited "));
    koi_test_ui_click (edited);
    KOI_TEST_UI_WAIT_FOR ((dialog = find_history_dialog ()) != NULL &&
              koi_edit_history_dialog_get_n_versions (dialog) == 3, 10);
    newest = koi_edit_history_dialog_get_markup (dialog, 0);
    g_assert_cmpstr (newest, ==, "Lunch at <s><span alpha=\"55%\">one?</span></s> <b><u>two?</u></b>");
    g_assert_nonnull (strstr (koi_edit_history_dialog_get_markup (dialog, 1), "<b><u>one?</u></b>"));
    g_assert_cmpstr (koi_edit_history_dialog_get_markup (dialog, 2), ==, first);
    g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (dialog), "Current"));
    g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (dialog), "Original"));
    g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (dialog), "Edit History"));
    {
      GtkWidget *root = GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (dialog)));
      g_autoptr (GdkTexture) shot = NULL;
      g_autofree char *path = NULL;

      koi_test_ui_wait_for_drawn (root);
      shot = koi_test_ui_render (root);
      path = koi_test_ui_save_png (shot, "edit-history.png");
      g_test_message ("screenshot: %s", path);
      g_assert_cmpuint (koi_test_ui_count_colors (shot, NULL, 16), >=, 16);
    }
    koi_compat_dialog_close (dialog);
    KOI_TEST_UI_WAIT_FOR (find_history_dialog () == NULL, 5);

    /* The keyboard path: Tab reaches the button, Enter opens it. */
    koi_test_ui_focus_window (GTK_WINDOW (alice.window));
    g_assert_true (gtk_widget_get_focusable (edited));
    g_assert_true (gtk_widget_grab_focus (edited));
    koi_test_ui_press_keys ("Return");
    KOI_TEST_UI_WAIT_FOR ((dialog = find_history_dialog ()) != NULL &&
              koi_edit_history_dialog_get_n_versions (dialog) == 3, 10);
    koi_compat_dialog_close (dialog);
    KOI_TEST_UI_WAIT_FOR (find_history_dialog () == NULL, 5);
  }

  /* Reply from the menu: the bar names the message; the answer quotes it,
   * and its bubble shows the quote: who wrote it and its first line. */
  koi_test_ui_focus_window (GTK_WINDOW (alice.window));
  menu_click (&alice, row, "Reply", NULL);
  g_assert_cmpint (koi_composer_get_mode (composer), ==, KOI_COMPOSER_REPLYING);
  g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (composer), "You: Lunch at two?"));
  side_type_and_press_enter (&alice, "Or three");
  KOI_TEST_UI_WAIT_FOR ((row = koi_test_ui_find_bubble (alice.window, "Or three")) != NULL, 10);
  g_assert_true (g_str_has_prefix (koi_message_get_full_text (koi_message_row_get_item (row)),
                                   "> Lunch at two?"));
  {
    GtkWidget *quote;

    KOI_TEST_UI_WAIT_FOR ((quote = koi_message_row_get_quote_block (row)) != NULL, 10);
    g_assert_cmpstr (koi_quote_block_get_sender (KOI_QUOTE_BLOCK (quote)), ==, "You");
    g_assert_cmpstr (koi_quote_block_get_text (KOI_QUOTE_BLOCK (quote)), ==, "Lunch at two?");
    g_assert_cmpint (koi_quote_block_get_quoted_id (KOI_QUOTE_BLOCK (quote)), ==, koi_message_get_id (message));
    g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (row), "Lunch at two?"));
    /* The message before it is not a quoted reply, though it threads. */
    g_assert_null (koi_message_row_get_quote_block (koi_test_ui_find_bubble (alice.window, fixed_again)));

    /* A click on the quote goes to the original: its row takes the focus.
     * First the reply is stored and its row stands still. */
    g_assert_cmpint (focused_message_id (&alice), !=, koi_message_get_id (message));
    KOI_TEST_UI_WAIT_FOR ((row = koi_test_ui_find_bubble (alice.window, "Or three")) != NULL &&
                          koi_message_get_id (koi_message_row_get_item (row)) > 0, 10);
    KOI_TEST_UI_WAIT_FOR ((row = koi_test_ui_find_bubble (alice.window, "Or three")) != NULL &&
                          (quote = koi_message_row_get_quote_block (row)) != NULL &&
                          stays_put (gtk_widget_get_first_child (quote), GTK_WIDGET (alice.window)), 10);
    click_quote (gtk_widget_get_first_child (quote));
    KOI_TEST_UI_WAIT_FOR (focused_message_id (&alice) == koi_message_get_id (message), 10);
  }

  /* React from the menu, for real: React ▸ 👍. A chip under the bubble,
   * the user's own highlighted, "You" in its tooltip. */
  row = koi_test_ui_find_bubble (alice.window, fixed_again);
  menu_click (&alice, row, "React", "👍");
  KOI_TEST_UI_WAIT_FOR (chips_are (row, "👍 1*"), 10);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (koi_reaction_bar_get_chip (KOI_REACTION_BAR (koi_message_row_get_reaction_bar (row)), 0)),
                   ==, "You");
  /* The chip again takes it back (the second change within a second). */
  koi_test_ui_click (koi_reaction_bar_get_chip (KOI_REACTION_BAR (koi_message_row_get_reaction_bar (row)), 0));
  KOI_TEST_UI_WAIT_FOR (koi_message_row_get_reaction_bar (row) == NULL, 10);
  g_assert_null (koi_message_get_reactions (message));

  /* The full emoji chooser from "More Reactions…". */
  menu_click (&alice, row, "React", "More Reactions…");
  KOI_TEST_UI_WAIT_FOR (koi_message_row_get_emoji_chooser (row) != NULL &&
            gtk_widget_get_mapped (koi_message_row_get_emoji_chooser (row)), 5);
  g_signal_emit_by_name (koi_message_row_get_emoji_chooser (row), "emoji-picked", "🎉");
  KOI_TEST_UI_WAIT_FOR (chips_are (row, "🎉 1*"), 10);

  /* Bob (another device, through the server) adds ❤️: a second chip,
   * with his name in its tooltip; counts as both sides see them. */
  {
    g_autofree char *bob_dir = koi_test_cli_profile (cli, "bob");
    GtkWidget *heart;

    g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob_dir, "sync", NULL), ==, 0);
    g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob_dir, "react",
                                       koi_message_get_message_id (message), "❤️", NULL), ==, 0);
    KOI_TEST_UI_WAIT_FOR (chips_are (row, "❤️ 1,🎉 1*"), WAIT_S);
    heart = koi_reaction_bar_get_chip (KOI_REACTION_BAR (koi_message_row_get_reaction_bar (row)), 0);
    if (!g_str_has_prefix (gtk_button_get_label (GTK_BUTTON (heart)), "❤️"))
      heart = koi_reaction_bar_get_chip (KOI_REACTION_BAR (koi_message_row_get_reaction_bar (row)), 1);
    g_assert_cmpstr (gtk_widget_get_tooltip_text (heart), ==, BOB);
  }
  alice_dir = koi_test_cli_profile (cli, "alice");
  g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", alice_dir, "messages", BOB, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\"emoji\":\"🎉\""));
  g_assert_nonnull (strstr (out, "\"emoji\":\"❤️\""));
  g_assert_nonnull (strstr (out, "\"text\":\"Lunch at two?\""));

  {
    g_autoptr (GdkTexture) shot = koi_test_ui_shoot (GTK_WIDGET (alice.window), "reactions.png", 16);
    KoiReactionBar *bar = KOI_REACTION_BAR (koi_message_row_get_reaction_bar (row));
    GtkWidget *own = koi_reaction_bar_get_chip (bar, 0);
    GtkWidget *other = koi_reaction_bar_get_chip (bar, 1);
    GdkRectangle area;

    if (!gtk_widget_has_css_class (own, "own"))
      {
        GtkWidget *swap = own;

        own = other;
        other = swap;
      }
    /* Drawn: the chips' emoji and counts, the quote's two lines, and the
     * user's own chip in another colour than the other one. */
    for (guint i = 0; i < 2; i++)
      {
        g_assert_true (koi_test_ui_widget_area (koi_reaction_bar_get_chip (bar, i), GTK_WIDGET (alice.window),
                                                shot, &area));
        g_assert_cmpuint (koi_test_ui_count_colors (shot, &area, 12), >=, 12);
      }
    g_assert_cmpuint (color_distance (background_of (own, GTK_WIDGET (alice.window), shot),
                                      background_of (other, GTK_WIDGET (alice.window), shot)), >, 30);
    g_assert_true (koi_test_ui_widget_area (koi_message_row_get_quote_block (koi_test_ui_find_bubble (alice.window, "Or three")),
                                            GTK_WIDGET (alice.window), shot, &area));
    g_assert_cmpuint (koi_test_ui_count_colors (shot, &area, 12), >=, 12);
    g_assert_true (koi_test_ui_widget_area (koi_message_row_get_edited_button (row), GTK_WIDGET (alice.window),
                                            shot, &area));
    g_assert_cmpuint (koi_test_ui_count_colors (shot, &area, 8), >=, 8);
  }
  {
    AdwStyleManager *style = adw_style_manager_get_default ();
    g_autoptr (GdkTexture) shot = NULL;

    adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
    koi_test_ui_iterate_ms (200);
    shot = koi_test_ui_shoot (GTK_WIDGET (alice.window), "reactions-dark.png", 16);
    g_assert_cmpfloat (koi_test_ui_mean_brightness (shot), <, 100.0);
    adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  }

  /* Delete for Everyone asks first; Cancel keeps the message. */
  side_type_and_press_enter (&alice, "Oops, wrong chat");
  KOI_TEST_UI_WAIT_FOR ((row = koi_test_ui_find_bubble (alice.window, "Oops, wrong chat")) != NULL, 10);
  KOI_TEST_UI_WAIT_FOR (koi_message_get_id (koi_message_row_get_item (row)) > 0, 10);
  koi_test_ui_focus_window (GTK_WINDOW (alice.window));
  menu_click (&alice, row, "Delete for Everyone", NULL);
  {
    GtkWidget *alert;

    KOI_TEST_UI_WAIT_FOR ((alert = koi_compat_alert_find (GTK_WINDOW (alice.window))) != NULL, 5);
    g_assert_cmpstr (koi_compat_alert_get_heading (alert), ==, "Delete for Everyone?");
    koi_compat_alert_respond (alert, "cancel");
    koi_test_ui_iterate_ms (300);
    g_assert_false (koi_message_get_deleted (koi_message_row_get_item (row)));
    g_assert_nonnull (koi_test_ui_find_bubble (alice.window, "Oops, wrong chat"));

    menu_click (&alice, row, "Delete for Everyone", NULL);
    KOI_TEST_UI_WAIT_FOR ((alert = koi_compat_alert_find (GTK_WINDOW (alice.window))) != NULL, 5);
    koi_compat_alert_respond (alert, "delete");
    KOI_TEST_UI_WAIT_FOR (koi_message_get_deleted (koi_message_row_get_item (row)), 10);
    KOI_TEST_UI_WAIT_FOR (koi_test_ui_find_label (GTK_WIDGET (row), "Message deleted") != NULL, 10);
  }

  /* A quote whose original is far up: Bob writes a screenful, Alice
   * answers the edited message again; a click on the quote scrolls up to
   * it and gives it the focus. */
  {
    KoiConversationView *view = koi_window_get_conversation_view (alice.window);
    KoiMessageRow *reply;
    KoiMessageRow *original;
    GtkWidget *quote = NULL;

    for (guint i = 0; i < 14; i++)
      {
        g_autofree char *text = g_strdup_printf ("Filler %u", i);

        g_free (koi_test_cli_send (cli, "bob", ALICE, text));
      }
    KOI_TEST_UI_WAIT_FOR (koi_test_ui_find_bubble (alice.window, "Filler 13") != NULL, WAIT_S);
    KOI_TEST_UI_WAIT_FOR (koi_test_ui_find_bubble (alice.window, fixed_again) == NULL, 10);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "conversation.reply", "x",
                                               koi_message_get_id (message)));
    side_type_and_press_enter (&alice, "Still two?");
    /* Rows are recycled while the list settles at its end: look again
     * until the reply's quote is on screen. */
    KOI_TEST_UI_WAIT_FOR ((reply = koi_test_ui_find_bubble (alice.window, "Still two?")) != NULL &&
              (quote = koi_message_row_get_quote_block (reply)) != NULL &&
              gtk_widget_get_mapped (gtk_widget_get_first_child (quote)) &&
              koi_conversation_view_get_at_bottom (view), 10);
    /* Settled: the reply is stored and no row moves under the pointer
     * any more. */
    /* Sent, too: the state change updates the row, and a row updated
     * between the press and the release loses the click (GTK 4.8 under
     * load: no jump was started at all). */
    KOI_TEST_UI_WAIT_FOR ((reply = koi_test_ui_find_bubble (alice.window, "Still two?")) != NULL &&
              koi_message_get_id (koi_message_row_get_item (reply)) > 0 &&
              koi_message_get_state (koi_message_row_get_item (reply)) == KOI_MESSAGE_SENT, WAIT_S);
    KOI_TEST_UI_WAIT_FOR ((reply = koi_test_ui_find_bubble (alice.window, "Still two?")) != NULL &&
              (quote = koi_message_row_get_quote_block (reply)) != NULL &&
              koi_conversation_view_row_in_view (view, GTK_WIDGET (reply)) &&
              stays_put (gtk_widget_get_first_child (quote), GTK_WIDGET (alice.window)), 10);
    click_quote (gtk_widget_get_first_child (quote));
    KOI_TEST_UI_WAIT_FOR (focused_message_id (&alice) == koi_message_get_id (message), 10);
    original = koi_test_ui_find_bubble (alice.window, fixed_again);
    g_assert_nonnull (original);
    g_assert_true (koi_conversation_view_row_in_view (view, GTK_WIDGET (original)));
    g_assert_false (koi_conversation_view_get_at_bottom (view));
  }

  koi_test_ui_side_close (&alice);
  koi_test_ui_iterate_ms (100);
}

static char *
composer_text (Side *side)
{
  return koi_composer_dup_text (koi_conversation_view_get_composer (koi_window_get_conversation_view (side->window)));
}

/* What alice typed and did not send waits in its chat: across a chat
 * switch (with "Draft: …" in the chat list), across closing the window
 * right after typing (no switch, no pause), and it goes once sent. */
static void
test_drafts (void)
{
  static const char * const users[] = {
    ALICE ":alice-secret", BOB ":bob-secret", CAROL ":carol-secret", NULL
  };
  g_autoptr (KoiTestCli) cli = koi_test_cli_new_with_users (users);
  KoiComposer *composer;
  Side alice = { 0 };

  koi_test_ui_pair_use_keyring (cli);
  koi_test_cli_add_account (cli, "alice", ALICE, "alice-secret");
  koi_test_cli_add_account (cli, "bob", BOB, "bob-secret");
  koi_test_cli_add_account (cli, "carol", CAROL, "carol-secret");
  g_free (koi_test_cli_send (cli, "alice", BOB, "Hi Bob"));
  g_free (koi_test_cli_send (cli, "alice", CAROL, "Hi Carol"));

  koi_test_ui_side_open (&alice, cli, "alice", ALICE, 900, 640);
  KOI_TEST_UI_WAIT_FOR (side_online (&alice), WAIT_S);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_chat_row_shows (koi_test_ui_find_chat_row (alice.window, BOB), "You: Hi Bob"), WAIT_S);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_chat_row_shows (koi_test_ui_find_chat_row (alice.window, CAROL), "You: Hi Carol"), WAIT_S);

  side_activate_chat (&alice, BOB);
  KOI_TEST_UI_WAIT_FOR (side_chat_open (&alice, BOB), 10);
  composer = koi_conversation_view_get_composer (koi_window_get_conversation_view (alice.window));
  gtk_widget_grab_focus (GTK_WIDGET (koi_composer_get_text_view (composer)));
  gtk_text_buffer_insert_at_cursor (gtk_text_view_get_buffer (koi_composer_get_text_view (composer)),
                                    "See you at the\nstation", -1);

  /* Another chat: its composer is empty; Bob's row reminds of the draft. */
  side_activate_chat (&alice, CAROL);
  KOI_TEST_UI_WAIT_FOR (side_chat_open (&alice, CAROL), 10);
  {
    g_autofree char *text = composer_text (&alice);

    g_assert_cmpstr (text, ==, "");
  }
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_chat_row_shows (koi_test_ui_find_chat_row (alice.window, BOB), "Draft: See you at the station"), 10);
  g_assert_true (koi_test_ui_chat_row_shows (koi_test_ui_find_chat_row (alice.window, CAROL), "You: Hi Carol"));

  /* Back: the text is there to finish. */
  side_activate_chat (&alice, BOB);
  KOI_TEST_UI_WAIT_FOR (side_chat_open (&alice, BOB), 10);
  {
    g_autofree char *text = composer_text (&alice);

    g_assert_cmpstr (text, ==, "See you at the\nstation");
  }

  /* Carol's draft typed and the window closed at once, as Ctrl+Q or a
   * click on the close button right after typing would. */
  side_activate_chat (&alice, CAROL);
  KOI_TEST_UI_WAIT_FOR (side_chat_open (&alice, CAROL), 10);
  gtk_text_buffer_insert_at_cursor (gtk_text_view_get_buffer (koi_composer_get_text_view (composer)),
                                    "Bring the map", -1);
  gtk_window_destroy (GTK_WINDOW (alice.window));
  KOI_TEST_UI_WAIT_FOR (!koi_session_get_saving (alice.session), 10);
  koi_session_shutdown (alice.session);
  g_clear_object (&alice.session);
  koi_test_ui_iterate_ms (100);

  /* A new start on the same profile. */
  koi_test_ui_side_open (&alice, cli, "alice", ALICE, 900, 640);
  KOI_TEST_UI_WAIT_FOR (side_online (&alice), WAIT_S);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_chat_row_shows (koi_test_ui_find_chat_row (alice.window, CAROL), "Draft: Bring the map"), WAIT_S);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_chat_row_shows (koi_test_ui_find_chat_row (alice.window, BOB), "Draft: See you at the station"), WAIT_S);
  side_activate_chat (&alice, CAROL);
  KOI_TEST_UI_WAIT_FOR (side_chat_open (&alice, CAROL), 10);
  {
    g_autofree char *text = composer_text (&alice);

    g_assert_cmpstr (text, ==, "Bring the map");
  }

  /* Sent: the draft is gone from the list. */
  side_press_key (&alice, GDK_KEY_Return);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_chat_row_shows (koi_test_ui_find_chat_row (alice.window, CAROL), "You: Bring the map"), WAIT_S);
  side_activate_chat (&alice, BOB);
  KOI_TEST_UI_WAIT_FOR (side_chat_open (&alice, BOB), 10);
  koi_test_ui_iterate_ms (200);
  g_assert_true (koi_test_ui_chat_row_shows (koi_test_ui_find_chat_row (alice.window, CAROL), "You: Bring the map"));

  koi_test_ui_side_close (&alice);
  koi_test_ui_iterate_ms (100);
}

int
main (int   argc,
      char *argv[])
{
  /* The sessions in this process read passwords from libsecret's file
   * backend, as koi-cli writes them (its env points at the same file). */
  koi_test_ui_pair_init (&argc, &argv);

  g_test_add_func ("/ui/chat-e2e/alice-and-bob", test_chat_e2e);
  g_test_add_func ("/ui/chat-e2e/edit-reply-react", test_edit_reply_react);
  g_test_add_func ("/ui/chat-e2e/drafts", test_drafts);

  return koi_test_ui_pair_run ();
}
