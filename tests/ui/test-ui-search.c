/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Searching message text from the window, with real keys and clicks
 * (xdotool through the X server): Ctrl+F in the chat list searches every
 * chat, Ctrl+F in an open chat searches that chat; a result opens its chat
 * with the message in view; nothing found shows so; Escape gives the focus
 * back; Down and Up move between the entry and the results; the open chat
 * is marked again after folding and unfolding (a real resize). Results
 * that follow new, edited and deleted messages need a running engine:
 * test-ui-live-e2e.c.
 */
#define G_LOG_DOMAIN "test-ui-search"

#include "config.h"

#include <string.h>

#include <gdk/x11/gdkx.h>

#include "koi-chat.h"
#include "koi-conversation-view.h"
#include "koi-message-cell.h"
#include "koi-message-row.h"
#include "koi-model.h"
#include "koi-search-results.h"
#include "koi-session.h"
#include "koi-store.h"
#include "koi-test-ui.h"
#include "koi-window.h"

/* Bob's chat is long, so the message the search finds (number 20) is far
 * above what opening the chat shows. "harbor" is in one message of Bob's
 * and one of Carol's; "zeppelin" only in Bob's number 20. */
#define BOB_MESSAGES 300
#define ZEPPELIN_AT  20
#define HARBOR_AT    40

/* "kite" is in three of Bob's messages: Ctrl+G steps through them. */
static const guint kite_at[] = { 60, 120, 180 };

static gint64 zeppelin_id, bob_harbor_id, carol_harbor_id, kite_id[G_N_ELEMENTS (kite_at)];

static gint64
add_message (KoiStore   *store,
             gint64      account_id,
             gint64      chat_id,
             const char *peer,
             guint       i,
             const char *text,
             gint64      when)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *id = g_strdup_printf ("chat$%s-%u@example.org", peer, i);
  gboolean mine = i % 4 == 0;
  KoiStoreMessage message = {
    .account_id = account_id, .chat_id = chat_id, .message_id = id,
    .direction = mine ? KOI_STORE_DIRECTION_OUTGOING : KOI_STORE_DIRECTION_INCOMING,
    .state = mine ? KOI_STORE_STATE_SENT : KOI_STORE_STATE_RECEIVED, .kind = KOI_STORE_KIND_CHAT,
    .from_address = (char *) (mine ? "alice@example.org" : peer), .text = (char *) text,
    .sent_at_ms = when, .received_at_ms = when, .sort_ms = when, .seen = TRUE,
  };
  gint64 stored = koi_store_message_insert (store, &message, NULL, &error);

  g_assert_no_error (error);
  return stored;
}

static char *
make_profile (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiStore) store = NULL;
  g_autofree char *path = NULL;
  char *dir = g_dir_make_tmp ("koi-ui-search-XXXXXX", &error);
  KoiStoreAccount account = {
    .address = (char *) "alice@example.org", .imap_host = (char *) "127.0.0.1",
    .imap_port = 1, .imap_security = (char *) "tls", .smtp_host = (char *) "127.0.0.1",
    .smtp_port = 1, .smtp_security = (char *) "tls",
  };
  gint64 account_id, bob, carol, dave;
  gint64 start = g_get_real_time () / 1000 - (BOB_MESSAGES + 10) * 60 * 1000;

  g_assert_no_error (error);
  path = g_build_filename (dir, "koi.db", NULL);
  store = koi_store_open (path, &error);
  g_assert_no_error (error);
  account_id = koi_store_account_upsert (store, &account, &error);
  g_assert_no_error (error);
  bob = koi_store_chat_ensure_1to1 (store, account_id, "bob@example.org", "Bob", &error);
  carol = koi_store_chat_ensure_1to1 (store, account_id, "carol@example.org", "Carol", &error);
  dave = koi_store_chat_ensure_1to1 (store, account_id, "dave@example.org", "Dave", &error);
  g_assert_no_error (error);

  koi_store_begin (store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < BOB_MESSAGES; i++)
    {
      g_autofree char *text = NULL;
      gint64 id;

      if (i == ZEPPELIN_AT)
        text = g_strdup ("We could take the Zeppelin over the lake on Sunday, if the weather holds.");
      else if (i == HARBOR_AT)
        text = g_strdup ("Meet me at the harbor at six.");
      else if (i == kite_at[0] || i == kite_at[1] || i == kite_at[2])
        text = g_strdup_printf ("Bob's message %u: the kite flew today", i);
      else
        text = g_strdup_printf ("Bob's message %u: nothing to see here", i);
      id = add_message (store, account_id, bob, "bob@example.org", i, text, start + i * 60 * 1000);
      if (i == ZEPPELIN_AT)
        zeppelin_id = id;
      else if (i == HARBOR_AT)
        bob_harbor_id = id;
      for (guint k = 0; k < G_N_ELEMENTS (kite_at); k++)
        if (i == kite_at[k])
          kite_id[k] = id;
    }
  carol_harbor_id = add_message (store, account_id, carol, "carol@example.org", 1,
                                 "The harbor is closed today.", start + 30 * 60 * 1000);
  add_message (store, account_id, carol, "carol@example.org", 2, "See you!", start + 31 * 60 * 1000);
  add_message (store, account_id, dave, "dave@example.org", 1, "hello", start + 5 * 60 * 1000);
  koi_store_commit (store, &error);
  g_assert_no_error (error);
  return dir;
}

static guint
n_listed (KoiWindow *window)
{
  return g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (koi_window_get_chat_list_view (window))));
}

static GtkWidget *
find_type (GtkWidget *root,
           GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        return child;
      if ((found = find_type (child, type)) != NULL)
        return found;
    }
  return NULL;
}

/* The conversation's row of message @id, when it is built, or NULL. */
static GtkWidget *
message_row (KoiConversationView *view,
             gint64               id)
{
  GtkWidget *list = GTK_WIDGET (koi_conversation_view_get_list_view (view));

  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *cell = gtk_widget_get_first_child (child);
      KoiMessageRow *row;
      KoiMessage *item;

      if (cell == NULL || !KOI_IS_MESSAGE_CELL (cell))
        continue;
      row = koi_message_cell_get_row (KOI_MESSAGE_CELL (cell));
      item = row != NULL ? koi_message_row_get_item (row) : NULL;
      if (item != NULL && koi_message_get_id (item) == id)
        return GTK_WIDGET (row);
    }
  return NULL;
}

/* Message @id is drawn inside the conversation's viewport. */
static gboolean
message_in_view (KoiConversationView *view,
                 gint64               id)
{
  GtkWidget *row = message_row (view, id);

  return row != NULL && gtk_widget_is_drawable (row) && koi_conversation_view_row_in_view (view, row);
}

/* @row is drawn, wholly inside the visible part of its scrolled window. */
static gboolean
widget_in_viewport (GtkWidget *row)
{
  GtkWidget *scroller = gtk_widget_get_ancestor (row, GTK_TYPE_SCROLLED_WINDOW);
  graphene_rect_t bounds;

  if (scroller == NULL || !gtk_widget_is_drawable (row) || gtk_widget_get_height (row) <= 0)
    return FALSE;
  if (!gtk_widget_compute_bounds (row, scroller, &bounds))
    return FALSE;
  return bounds.origin.y >= -1 && bounds.origin.y + bounds.size.height <= gtk_widget_get_height (scroller) + 1;
}

/* The snippet label's markup: the matched word in bold. */
static gboolean
row_marks (GtkWidget  *row,
           const char *bold)
{
  g_autofree char *expect = g_strdup_printf ("<b>%s</b>", bold);
  GtkWidget *box = gtk_widget_get_first_child (row);
  GtkWidget *label = NULL;

  /* The snippet is the last label of the row's box. */
  for (GtkWidget *c = box != NULL ? gtk_widget_get_first_child (box) : NULL; c != NULL;
       c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_LABEL (c))
      label = c;
  return label != NULL && strstr (gtk_label_get_label (GTK_LABEL (label)), expect) != NULL;
}

/* Types @word key by key, as a user does (lower-case letters only). */
static void
type_word (const char *word)
{
  for (const char *p = word; *p != '\0'; p++)
    {
      char key[2] = { *p, '\0' };

      koi_test_ui_press_keys (key);
    }
}

typedef struct {
  char                *profile;
  KoiSession          *session;
  KoiWindow           *window;
  KoiConversationView *view;
  /* Bob's chat, once open (open_bobs_chat). */
  KoiChat             *bob;
  /* The in-chat fixture's: the open chat's find entry, its results and
   * the composer's text view (which has the focus before Ctrl+F). */
  GtkWidget           *entry;
  KoiSearchResults    *results;
  GtkWidget           *composer_text;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->profile = make_profile ();
  fixture->session = koi_session_new (fixture->profile);
  koi_session_load_async (fixture->session, NULL, NULL, NULL);
  fixture->window = koi_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 900, 640);
  koi_window_set_session (fixture->window, fixture->session);
  gtk_window_present (GTK_WINDOW (fixture->window));
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_window_get_page_name (fixture->window), "chats") == 0, 20);
  KOI_TEST_UI_WAIT_FOR (n_listed (fixture->window) == 3, 20);
  koi_test_ui_focus_window (GTK_WINDOW (fixture->window));
  fixture->view = koi_window_get_conversation_view (fixture->window);
}

/* Opens Bob's chat as the chat list would, and waits until its newest
 * message is in view. */
static void
open_bobs_chat (Fixture *fixture)
{
  GListModel *chats = G_LIST_MODEL (gtk_list_view_get_model (koi_window_get_chat_list_view (fixture->window)));

  for (guint i = 0; i < g_list_model_get_n_items (chats) && fixture->bob == NULL; i++)
    {
      g_autoptr (KoiChat) chat = g_list_model_get_item (chats, i);

      if (g_strcmp0 (koi_chat_get_peer_address (chat), "bob@example.org") == 0)
        fixture->bob = g_steal_pointer (&chat);
    }
  g_assert_nonnull (fixture->bob);
  koi_window_open_chat (fixture->window, fixture->bob);
  KOI_TEST_UI_WAIT_FOR (koi_conversation_view_newest_in_view (fixture->view), 10);
}

/* The window with Bob's chat open, its composer focused, and the chat's
 * find bar at hand. */
static void
fixture_set_up_in_chat (Fixture       *fixture,
                        gconstpointer  data)
{
  fixture_set_up (fixture, data);
  open_bobs_chat (fixture);
  fixture->composer_text =
    GTK_WIDGET (koi_composer_get_text_view (koi_conversation_view_get_composer (fixture->view)));
  g_assert_true (gtk_widget_grab_focus (fixture->composer_text));
  fixture->results = KOI_SEARCH_RESULTS (find_type (GTK_WIDGET (fixture->view), KOI_TYPE_SEARCH_RESULTS));
  fixture->entry = find_type (GTK_WIDGET (fixture->view), GTK_TYPE_SEARCH_ENTRY);
  g_assert_nonnull (fixture->results);
  g_assert_nonnull (fixture->entry);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  koi_session_shutdown (fixture->session);
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->bob);
  g_free (fixture->profile);
}

static GtkWidget *
focus_of (KoiWindow *window)
{
  return gtk_root_get_focus (GTK_ROOT (window));
}

/* The focus is in @widget or inside it. */
static gboolean
focus_within (KoiWindow *window,
              GtkWidget *widget)
{
  return focus_of (window) != NULL && gtk_widget_is_ancestor (focus_of (window), widget);
}

/* @key (Down, Up) moves the focus onto result @i. */
static void
key_to_result (KoiWindow        *window,
               KoiSearchResults *results,
               const char       *key,
               guint             i)
{
  koi_test_ui_press_keys (key);
  KOI_TEST_UI_WAIT_FOR (focus_of (window) == koi_search_results_get_row (results, i), 5);
}

/* @key (Up) moves the focus back into the search @entry. */
static void
key_to_entry (KoiWindow  *window,
              GtkWidget  *entry,
              const char *key)
{
  koi_test_ui_press_keys (key);
  KOI_TEST_UI_WAIT_FOR (focus_within (window, entry), 5);
}

/* A screenshot of @window as it is now, saved as @name. */
static void
save_shot (KoiWindow  *window,
           const char *name)
{
  g_autoptr (GdkTexture) shot = koi_test_ui_render (GTK_WIDGET (window));
  g_autofree char *path = koi_test_ui_save_png (shot, name);

  g_test_message ("screenshot: %s", path);
}

/* @keys (Ctrl+F, Ctrl+K) put the focus into @entry; @word is typed key by
 * key, and @results have searched for it. */
static void
search_for (KoiWindow        *window,
            GtkWidget        *entry,
            KoiSearchResults *results,
            const char       *keys,
            const char       *word)
{
  koi_test_ui_press_keys (keys);
  KOI_TEST_UI_WAIT_FOR (focus_within (window, entry), 5);
  type_word (word);
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_search_results_get_query (results), word) == 0 &&
                        !koi_search_results_get_busy (results), 5);
}

/* Ctrl+F in the chat list, a word typed key by key, Enter: Bob's chat
 * opens with the message that has the word in view, standing out. */
static void
test_all_chats_enter (Fixture       *fixture,
                      gconstpointer  data)
{
  KoiWindow *window = fixture->window;
  KoiConversationView *view = koi_window_get_conversation_view (window);
  KoiSearchResults *results = KOI_SEARCH_RESULTS (koi_window_get_search_results (window));
  GtkWidget *entry = koi_window_get_search_entry (window);
  GtkWidget *row;
  KoiChat *open;

  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (koi_window_get_chat_list_view (window))));
  search_for (window, entry, results, "ctrl+f", "zepp");
  g_assert_cmpuint (koi_search_results_get_n_results (results), ==, 1);
  row = koi_search_results_get_row (results, 0);
  /* Drawn where the user looks: inside the sidebar's visible part. */
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  KOI_TEST_UI_WAIT_FOR (widget_in_viewport (row), 5);
  g_assert_nonnull (koi_test_ui_find_label (row, "Bob"));
  /* A prefix marks the whole word, in its own case. */
  g_assert_true (row_marks (row, "Zeppelin"));

  koi_test_ui_press_keys ("Return");
  KOI_TEST_UI_WAIT_FOR ((open = koi_conversation_view_get_chat (view)) != NULL, 5);
  g_assert_cmpstr (koi_chat_get_peer_address (open), ==, "bob@example.org");
  KOI_TEST_UI_WAIT_FOR (message_in_view (view, zeppelin_id), 10);
  KOI_TEST_UI_WAIT_FOR (koi_conversation_view_get_highlighted (view) == zeppelin_id, 5);
  /* Not the newest message: the view went up to it. */
  g_assert_false (koi_conversation_view_newest_in_view (view));
  /* The search is done with: closed, and its entry does not keep the
   * focus; the found message has it. */
  g_assert_false (gtk_widget_is_ancestor (focus_of (window), entry));
  g_assert_true (gtk_widget_is_ancestor (focus_of (window), GTK_WIDGET (koi_conversation_view_get_list_view (view))));
  save_shot (window, "search-opened.png");

  /* Ctrl+K searches every chat even from inside one. A word that names a
   * chat and is in messages: the chat above, the messages below, both in
   * view. */
  search_for (window, entry, results, "ctrl+k", "bob");
  KOI_TEST_UI_WAIT_FOR (n_listed (window) == 1, 5);
  g_assert_cmpuint (koi_search_results_get_n_results (results), >, 10);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  row = koi_search_results_get_row (results, 0);
  KOI_TEST_UI_WAIT_FOR (widget_in_viewport (row), 5);
  g_assert_true (row_marks (row, "Bob"));
  {
    GtkWidget *chat_row = koi_test_ui_find_label (GTK_WIDGET (koi_window_get_chat_list_view (window)), "Bob");

    g_assert_nonnull (chat_row);
    KOI_TEST_UI_WAIT_FOR (widget_in_viewport (chat_row), 5);
  }
  save_shot (window, "search-chats-and-messages.png");
}

/* A word in two chats: both results, each naming its chat; a click on
 * Carol's opens her chat at it. A word in no message: "Nothing Found".
 * Escape: the focus goes back where it was. */
static void
test_all_chats_click_empty_escape (Fixture       *fixture,
                                   gconstpointer  data)
{
  KoiWindow *window = fixture->window;
  KoiConversationView *view = koi_window_get_conversation_view (window);
  KoiSearchResults *results = KOI_SEARCH_RESULTS (koi_window_get_search_results (window));
  GtkWidget *entry = koi_window_get_search_entry (window);
  GtkWidget *list = GTK_WIDGET (koi_window_get_chat_list_view (window));
  GtkWidget *before, *row, *carol_row = NULL, *nothing;

  g_assert_true (gtk_widget_grab_focus (list));
  before = focus_of (window);
  search_for (window, entry, results, "ctrl+f", "harbor");
  g_assert_cmpuint (koi_search_results_get_n_results (results), ==, 2);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  save_shot (window, "search-results.png");
  for (guint i = 0; i < 2; i++)
    {
      row = koi_search_results_get_row (results, i);
      g_assert_true (row_marks (row, "harbor"));
      if (koi_test_ui_find_label (row, "Carol") != NULL)
        carol_row = row;
    }
  g_assert_nonnull (carol_row);
  KOI_TEST_UI_WAIT_FOR (widget_in_viewport (carol_row), 5);
  koi_test_ui_click (carol_row);
  KOI_TEST_UI_WAIT_FOR (koi_conversation_view_get_chat (view) != NULL &&
            g_strcmp0 (koi_chat_get_peer_address (koi_conversation_view_get_chat (view)), "carol@example.org") == 0, 5);
  KOI_TEST_UI_WAIT_FOR (message_in_view (view, carol_harbor_id), 10);
  KOI_TEST_UI_WAIT_FOR (koi_conversation_view_get_highlighted (view) == carol_harbor_id, 5);

  /* Nothing found, from the chat list again. */
  g_assert_true (gtk_widget_grab_focus (list));
  before = focus_of (window);
  search_for (window, entry, results, "ctrl+f", "quokka");
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  nothing = koi_test_ui_find_label (GTK_WIDGET (window), "Nothing Found");
  g_assert_nonnull (nothing);
  KOI_TEST_UI_WAIT_FOR (gtk_widget_is_drawable (nothing), 5);
  g_assert_false (gtk_widget_is_drawable (GTK_WIDGET (results)));

  /* The chat list had it; its rows came back with the cleared search. */
  koi_test_ui_press_keys ("Escape");
  KOI_TEST_UI_WAIT_FOR (focus_of (window) == before || focus_within (window, list), 5);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  KOI_TEST_UI_WAIT_FOR (n_listed (window) == 3, 5);
}

/* Ctrl+F inside Bob's chat searches Bob's chat only; Enter goes to the
 * message; nothing found says so; Escape gives the composer its focus
 * back. */
static void
test_in_chat (Fixture       *fixture,
              gconstpointer  data)
{
  KoiWindow *window = fixture->window;
  KoiConversationView *view = fixture->view;
  GtkWidget *composer_text = fixture->composer_text;
  KoiSearchResults *results = fixture->results;
  GtkWidget *entry = fixture->entry;
  GtkWidget *row, *nothing;

  search_for (window, entry, results, "ctrl+f", "harbor");
  /* Carol's harbor is not in this chat. */
  g_assert_cmpuint (koi_search_results_get_n_results (results), ==, 1);
  row = koi_search_results_get_row (results, 0);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  KOI_TEST_UI_WAIT_FOR (widget_in_viewport (row), 5);
  g_assert_true (row_marks (row, "harbor"));

  koi_test_ui_press_keys ("Return");
  KOI_TEST_UI_WAIT_FOR (message_in_view (view, bob_harbor_id), 10);
  KOI_TEST_UI_WAIT_FOR (koi_conversation_view_get_highlighted (view) == bob_harbor_id, 5);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (results)));

  /* Nothing found, then Escape: back to the composer. */
  g_assert_true (gtk_widget_grab_focus (composer_text));
  search_for (window, entry, results, "ctrl+f", "quokka");
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  nothing = koi_test_ui_find_label (GTK_WIDGET (results), "No Messages Found");
  g_assert_nonnull (nothing);
  KOI_TEST_UI_WAIT_FOR (gtk_widget_is_drawable (nothing), 5);
  save_shot (window, "search-in-chat-nothing.png");
  koi_test_ui_press_keys ("Escape");
  KOI_TEST_UI_WAIT_FOR (focus_of (window) == composer_text, 5);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (results)));
}

/* The chat list's row for @name is drawn marked as selected. */
static gboolean
row_selected (KoiWindow  *window,
              const char *name)
{
  GtkWidget *label = koi_test_ui_find_label (GTK_WIDGET (koi_window_get_chat_list_view (window)), name);
  GtkWidget *list = GTK_WIDGET (koi_window_get_chat_list_view (window));

  for (GtkWidget *w = label; w != NULL && w != list; w = gtk_widget_get_parent (w))
    if (gtk_widget_get_parent (w) == list)
      return (gtk_widget_get_state_flags (w) & GTK_STATE_FLAG_SELECTED) != 0;
  return FALSE;
}

/* The first AdwAvatar inside a header bar under @root, or NULL. */
static GtkWidget *
header_avatar (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (ADW_IS_AVATAR (child) && gtk_widget_get_ancestor (child, ADW_TYPE_HEADER_BAR) != NULL)
        return child;
      if ((found = header_avatar (child)) != NULL)
        return found;
    }
  return NULL;
}

/* The open chat's row stays marked after a search that hid it (after
 * unfolding: test_unfold_keeps_marked). */
static void
test_open_chat_stays_marked (Fixture       *fixture,
                             gconstpointer  data)
{
  KoiWindow *window = fixture->window;
  KoiConversationView *view = fixture->view;
  GtkWidget *entry = koi_window_get_search_entry (window);

  open_bobs_chat (fixture);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  KOI_TEST_UI_WAIT_FOR (row_selected (window, "Bob"), 5);
  /* The account's avatar in the header is no button that does nothing:
   * it is the account switcher's menu button (issue 14), which opens the
   * list of accounts. */
  {
    GtkWidget *avatar = header_avatar (GTK_WIDGET (window));
    GtkWidget *button;

    g_assert_nonnull (avatar);
    g_assert_false (gtk_widget_get_focusable (avatar));
    button = gtk_widget_get_ancestor (avatar, GTK_TYPE_MENU_BUTTON);
    g_assert_nonnull (button);
    g_assert_true (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)) != NULL ||
                   gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (button)) != NULL);
  }

  /* A search for another chat hides Bob's row; Escape brings it back,
   * still marked. */
  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (koi_window_get_chat_list_view (window))));
  koi_test_ui_press_keys ("ctrl+f");
  KOI_TEST_UI_WAIT_FOR (focus_within (window, entry), 5);
  type_word ("dave");
  KOI_TEST_UI_WAIT_FOR (n_listed (window) == 1, 5);
  koi_test_ui_press_keys ("Escape");
  KOI_TEST_UI_WAIT_FOR (n_listed (window) == 3, 5);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  KOI_TEST_UI_WAIT_FOR (row_selected (window, "Bob"), 5);
  g_assert_true (koi_conversation_view_get_chat (view) == fixture->bob);

}

/* The counter beside the entry ("2 of 3"). */
static const char *
find_count (GtkWidget *entry)
{
  for (GtkWidget *c = gtk_widget_get_next_sibling (entry); c != NULL; c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_LABEL (c))
      return gtk_label_get_label (GTK_LABEL (c));
  return NULL;
}

/* The find bar's button whose accessible name is @name, or NULL. */
static GtkWidget *
find_button (GtkWidget  *entry,
             const char *name)
{
  for (GtkWidget *c = gtk_widget_get_next_sibling (entry); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      g_autofree char *differs = NULL;

      if (!GTK_IS_BUTTON (c))
        continue;
      differs = gtk_test_accessible_check_property (GTK_ACCESSIBLE (c), GTK_ACCESSIBLE_PROPERTY_LABEL, name);
      if (differs == NULL)
        return c;
    }
  return NULL;
}

/* The chat's match @k (0 = oldest kite) is in view and marked, the counter
 * says which it is, and the focus is still in the entry for the next
 * step. */
static void
assert_at_kite (KoiConversationView *view,
                GtkWidget           *entry,
                guint                k)
{
  KoiWindow *window = KOI_WINDOW (gtk_widget_get_root (GTK_WIDGET (view)));
  g_autofree char *count = g_strdup_printf ("%u of 3", 3 - k);

  KOI_TEST_UI_WAIT_FOR (message_in_view (view, kite_id[k]), 10);
  KOI_TEST_UI_WAIT_FOR (koi_conversation_view_get_highlighted (view) == kite_id[k], 5);
  g_assert_cmpstr (find_count (entry), ==, count);
  g_assert_true (gtk_widget_is_ancestor (focus_of (window), entry));
}

/* Ctrl+F in a chat, then stepping through its matches in place: Enter and
 * Ctrl+G go to the next older, Shift+Enter and Ctrl+Shift+G to the next
 * newer, the arrow buttons too; each step scrolls the conversation there
 * and marks the message; the ends wrap. */
static void
test_in_chat_steps (Fixture       *fixture,
                    gconstpointer  data)
{
  KoiWindow *window = fixture->window;
  KoiConversationView *view = fixture->view;
  GtkWidget *composer_text = fixture->composer_text;
  KoiSearchResults *results = fixture->results;
  GtkWidget *entry = fixture->entry;
  GtkWidget *older, *newer;

  older = find_button (entry, "Older match");
  newer = find_button (entry, "Newer match");
  g_assert_nonnull (older);
  g_assert_nonnull (newer);

  search_for (window, entry, results, "ctrl+f", "kite");
  g_assert_cmpuint (koi_search_results_get_n_results (results), ==, 3);
  g_assert_cmpstr (find_count (entry), ==, "3 matches");

  /* The newest match first, and the list gives way to the conversation. */
  koi_test_ui_press_keys ("Return");
  assert_at_kite (view, entry, 2);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (results)));
  koi_test_ui_press_keys ("Return");
  assert_at_kite (view, entry, 1);
  koi_test_ui_press_keys ("ctrl+g");
  assert_at_kite (view, entry, 0);
  /* Past the oldest: round to the newest. */
  koi_test_ui_press_keys ("ctrl+g");
  assert_at_kite (view, entry, 2);
  koi_test_ui_press_keys ("shift+Return");
  assert_at_kite (view, entry, 0);
  koi_test_ui_press_keys ("ctrl+shift+g");
  assert_at_kite (view, entry, 1);
  koi_test_ui_click (older);
  assert_at_kite (view, entry, 0);
  koi_test_ui_click (newer);
  assert_at_kite (view, entry, 1);
  save_shot (window, "search-in-chat-step.png");

  /* The mark lasts while stepping, and goes with the search. */
  koi_test_ui_press_keys ("Escape");
  KOI_TEST_UI_WAIT_FOR (focus_of (window) == composer_text, 5);
  g_assert_cmpint (koi_conversation_view_get_highlighted (view), ==, 0);
}

/* The arrow keys, as in GNOME's apps: Down in the search entry goes to the
 * first result, Up from it back to the entry; Down and Enter on a result
 * open its chat at the message. With chats found by name, Down goes to
 * the first chat, on from the last chat to the messages. */
static void
test_arrow_keys (Fixture       *fixture,
                 gconstpointer  data)
{
  KoiWindow *window = fixture->window;
  KoiConversationView *view = koi_window_get_conversation_view (window);
  KoiSearchResults *results = KOI_SEARCH_RESULTS (koi_window_get_search_results (window));
  GtkWidget *entry = koi_window_get_search_entry (window);
  GtkWidget *list = GTK_WIDGET (koi_window_get_chat_list_view (window));
  guint carol;

  g_assert_true (gtk_widget_grab_focus (list));
  search_for (window, entry, results, "ctrl+f", "harbor");
  KOI_TEST_UI_WAIT_FOR (n_listed (window) == 0, 5);
  g_assert_cmpuint (koi_search_results_get_n_results (results), ==, 2);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));

  key_to_result (window, results, "Down", 0);
  key_to_entry (window, entry, "Up");
  /* The words are still there to type on. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "harbor");

  /* Carol's (the second row, or the first): Down to it, Enter. */
  carol = koi_test_ui_find_label (koi_search_results_get_row (results, 0), "Carol") != NULL ? 0 : 1;
  g_assert_nonnull (koi_test_ui_find_label (koi_search_results_get_row (results, carol), "Carol"));
  key_to_result (window, results, "Down", 0);
  key_to_result (window, results, "Down", 1);
  if (carol == 0)
    key_to_result (window, results, "Up", 0);
  koi_test_ui_press_keys ("Return");
  KOI_TEST_UI_WAIT_FOR (koi_conversation_view_get_chat (view) != NULL &&
                        g_strcmp0 (koi_chat_get_peer_address (koi_conversation_view_get_chat (view)), "carol@example.org") == 0, 5);
  KOI_TEST_UI_WAIT_FOR (message_in_view (view, carol_harbor_id), 10);
  KOI_TEST_UI_WAIT_FOR (koi_conversation_view_get_highlighted (view) == carol_harbor_id, 5);

  /* A word that names a chat: Down to the chat, on to the messages, Up
   * back to the entry; Up from the chat too. */
  search_for (window, entry, results, "ctrl+k", "bob");
  KOI_TEST_UI_WAIT_FOR (n_listed (window) == 1, 5);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  koi_test_ui_press_keys ("Down");
  KOI_TEST_UI_WAIT_FOR (focus_within (window, list) &&
                        koi_test_ui_find_label (focus_of (window), "Bob") != NULL, 5);
  key_to_entry (window, entry, "Up");
  koi_test_ui_press_keys ("Down");
  KOI_TEST_UI_WAIT_FOR (focus_within (window, list), 5);
  key_to_result (window, results, "Down", 0);
  key_to_entry (window, entry, "Up");
  /* Only the focus moved: Carol's chat is still the open one. */
  g_assert_cmpstr (koi_chat_get_peer_address (koi_conversation_view_get_chat (view)), ==, "carol@example.org");
  koi_test_ui_press_keys ("Escape");
}

/* The same inside a chat: Down from the find entry into the list of
 * matches, Up back; Enter on a match goes to it. */
static void
test_in_chat_arrow_keys (Fixture       *fixture,
                         gconstpointer  data)
{
  KoiWindow *window = fixture->window;
  KoiConversationView *view = fixture->view;
  KoiSearchResults *results = fixture->results;
  GtkWidget *entry = fixture->entry;

  search_for (window, entry, results, "ctrl+f", "kite");
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  key_to_result (window, results, "Down", 0);
  key_to_entry (window, entry, "Up");
  koi_test_ui_press_keys ("Down");
  key_to_result (window, results, "Down", 1);
  koi_test_ui_press_keys ("Return");
  KOI_TEST_UI_WAIT_FOR (message_in_view (view, kite_id[1]), 10);
  KOI_TEST_UI_WAIT_FOR (koi_conversation_view_get_highlighted (view) == kite_id[1], 5);
}

/* Resizes the window's X window as a user dragging its edge would (Xvfb
 * runs no window manager, so nothing else would). */
static void
resize_window (KoiWindow *window,
               int        width)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  g_autofree char *xid = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (surface));
  g_autofree char *w = g_strdup_printf ("%d", width);

  koi_test_ui_xdotool ("windowsize", xid, w, "640", NULL);
  /* The X window holds the client-side decoration's edges (and, where
   * GTK draws them, shadows) too. */
  KOI_TEST_UI_WAIT_FOR (ABS (gtk_widget_get_width (GTK_WIDGET (window)) - width) <= 80, 10);
}

/* Folded (narrow), back at the list (which unselects, so a tap opens the
 * chat again), then wide again: the open chat's row is marked again. */
static void
test_unfold_keeps_marked (Fixture       *fixture,
                          gconstpointer  data)
{
  KoiWindow *window = fixture->window;
  KoiConversationView *view = koi_window_get_conversation_view (window);
  GtkWidget *list = GTK_WIDGET (koi_window_get_chat_list_view (window));
  GtkWidget *row;

  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  KOI_TEST_UI_WAIT_FOR ((row = koi_test_ui_find_label (list, "Bob")) != NULL && gtk_widget_is_drawable (row), 10);
  koi_test_ui_click (row);
  KOI_TEST_UI_WAIT_FOR (koi_conversation_view_get_chat (view) != NULL, 10);
  KOI_TEST_UI_WAIT_FOR (row_selected (window, "Bob"), 5);

  resize_window (window, 480);
  /* Folded: the conversation alone. */
  KOI_TEST_UI_WAIT_FOR (gtk_widget_is_drawable (GTK_WIDGET (view)) && !gtk_widget_is_drawable (list), 10);
  koi_test_ui_press_keys ("alt+Left");
  KOI_TEST_UI_WAIT_FOR (gtk_widget_is_drawable (list) && !gtk_widget_is_drawable (GTK_WIDGET (view)), 10);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  KOI_TEST_UI_WAIT_FOR (!row_selected (window, "Bob"), 5);

  resize_window (window, 900);
  KOI_TEST_UI_WAIT_FOR (gtk_widget_is_drawable (list) && gtk_widget_is_drawable (GTK_WIDGET (view)), 10);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  KOI_TEST_UI_WAIT_FOR (row_selected (window, "Bob"), 5);
  g_assert_cmpstr (koi_chat_get_peer_address (koi_conversation_view_get_chat (view)), ==, "bob@example.org");
  g_object_unref (koi_test_ui_shoot (GTK_WIDGET (window), "unfolded-marked.png", 8));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *keyring_path = koi_test_ui_use_file_keyring ();
  int status;

  /* GTK's test accessibility backend: the find bar's buttons are found by
   * the names screen readers get. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  koi_test_ui_init (&argc, &argv);
  koi_model_init ();

  g_test_add ("/ui/search/all-chats-enter", Fixture, NULL, fixture_set_up, test_all_chats_enter,
              fixture_tear_down);
  g_test_add ("/ui/search/all-chats-click-empty-escape", Fixture, NULL, fixture_set_up,
              test_all_chats_click_empty_escape, fixture_tear_down);
  g_test_add ("/ui/search/in-chat", Fixture, NULL, fixture_set_up_in_chat, test_in_chat, fixture_tear_down);
  g_test_add ("/ui/search/open-chat-stays-marked", Fixture, NULL, fixture_set_up,
              test_open_chat_stays_marked, fixture_tear_down);
  g_test_add ("/ui/search/in-chat-steps", Fixture, NULL, fixture_set_up_in_chat, test_in_chat_steps,
              fixture_tear_down);
  g_test_add ("/ui/search/arrow-keys", Fixture, NULL, fixture_set_up, test_arrow_keys,
              fixture_tear_down);
  g_test_add ("/ui/search/in-chat-arrow-keys", Fixture, NULL, fixture_set_up_in_chat,
              test_in_chat_arrow_keys,
              fixture_tear_down);
  g_test_add ("/ui/search/unfold-keeps-marked", Fixture, NULL, fixture_set_up, test_unfold_keeps_marked,
              fixture_tear_down);

  status = g_test_run ();
  koi_test_ui_remove_file_keyring (keyring_path);
  return status;
}
