/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The window's keyboard shortcuts: each key is bound to the right action,
 * and each action does what the user pressed the key for.
 */
#define G_LOG_DOMAIN "test-ui-shortcuts"

#include "config.h"

#include "koi-chat.h"
#include "koi-conversation-view.h"
#include "koi-model.h"
#include "koi-new-chat-dialog.h"
#include "koi-session.h"
#include "koi-store.h"
#include "koi-test-ui.h"
#include "koi-window.h"

/* Three chats, newest first: carol, bob, dave. */
static char *
make_profile (void)
{
  static const struct { const char *peer; gint64 minutes_ago; } chats[] = {
    { "bob@example.org", 20 }, { "carol@example.org", 5 }, { "dave@example.org", 60 },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiStore) store = NULL;
  g_autofree char *path = NULL;
  char *dir = g_dir_make_tmp ("koi-ui-shortcuts-XXXXXX", &error);
  KoiStoreAccount account = {
    .address = (char *) "alice@example.org", .imap_host = (char *) "127.0.0.1",
    .imap_port = 1, .imap_security = (char *) "tls", .smtp_host = (char *) "127.0.0.1",
    .smtp_port = 1, .smtp_security = (char *) "tls",
  };
  gint64 account_id;

  g_assert_no_error (error);
  path = g_build_filename (dir, "koi.db", NULL);
  store = koi_store_open (path, &error);
  g_assert_no_error (error);
  account_id = koi_store_account_upsert (store, &account, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (chats); i++)
    {
      gint64 when = g_get_real_time () / 1000 - chats[i].minutes_ago * 60 * 1000;
      g_autofree char *id = g_strdup_printf ("chat$%u@example.org", i);
      KoiStoreMessage message = {
        .account_id = account_id, .message_id = id, .direction = KOI_STORE_DIRECTION_INCOMING,
        .state = KOI_STORE_STATE_RECEIVED, .kind = KOI_STORE_KIND_CHAT,
        .from_address = (char *) chats[i].peer, .text = (char *) "hello",
        .sent_at_ms = when, .received_at_ms = when, .seen = TRUE,
      };

      message.chat_id = koi_store_chat_ensure_1to1 (store, account_id, chats[i].peer, NULL, &error);
      g_assert_no_error (error);
      koi_store_message_insert (store, &message, NULL, &error);
      g_assert_no_error (error);
    }

  return dir;
}

/* "<Alt>Down" → "win.next-chat", for every key binding of the window. */
static GHashTable *
window_bindings (GtkWidget *window)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (window);
  GHashTable *bindings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;

      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr (GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);

          if (GTK_IS_NAMED_ACTION (action))
            g_hash_table_insert (bindings,
                                 gtk_shortcut_trigger_to_string (gtk_shortcut_get_trigger (shortcut)),
                                 g_strdup (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action))));
        }
    }

  return bindings;
}

static guint
selected_position (KoiWindow *window)
{
  GtkSelectionModel *model = gtk_list_view_get_model (koi_window_get_chat_list_view (window));

  return gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (model));
}

static const char *
selected_peer (KoiWindow *window)
{
  GtkSelectionModel *model = gtk_list_view_get_model (koi_window_get_chat_list_view (window));
  KoiChat *chat = gtk_single_selection_get_selected_item (GTK_SINGLE_SELECTION (model));

  return chat != NULL ? koi_chat_get_peer_address (chat) : NULL;
}

static guint
n_listed (KoiWindow *window)
{
  return g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (koi_window_get_chat_list_view (window))));
}

static GtkWidget *
find_search_entry (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_SEARCH_ENTRY (child))
        return child;
      if ((found = find_search_entry (child)) != NULL)
        return found;
    }

  return NULL;
}

static GtkWidget *
find_search_bar (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_SEARCH_BAR (child))
        return child;
      if ((found = find_search_bar (child)) != NULL)
        return found;
    }

  return NULL;
}

static gboolean
new_chat_dialog_open (void)
{
  return koi_test_ui_find_shown (KOI_TYPE_NEW_CHAT_DIALOG) != NULL;
}

static void
test_shortcuts (void)
{
  g_autofree char *profile = make_profile ();
  g_autoptr (KoiSession) session = koi_session_new (profile);
  g_autoptr (GHashTable) bindings = NULL;
  KoiWindow *window;
  GtkWidget *search_bar, *search_entry;

  koi_session_load_async (session, NULL, NULL, NULL);
  window = koi_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  koi_window_set_session (window, session);
  gtk_window_present (GTK_WINDOW (window));
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_window_get_page_name (window), "chats") == 0, 20);
  KOI_TEST_UI_WAIT_FOR (n_listed (window) == 3, 20);

  /* The keys, as the shortcuts window lists them. */
  bindings = window_bindings (GTK_WIDGET (window));
  g_assert_cmpstr (g_hash_table_lookup (bindings, "<Control>n"), ==, "win.new-chat");
  g_assert_cmpstr (g_hash_table_lookup (bindings, "<Control>k"), ==, "win.find");
  g_assert_cmpstr (g_hash_table_lookup (bindings, "<Control>f"), ==, "win.find");
  g_assert_cmpstr (g_hash_table_lookup (bindings, "<Alt>Up"), ==, "win.previous-chat");
  g_assert_cmpstr (g_hash_table_lookup (bindings, "<Alt>Down"), ==, "win.next-chat");

  /* Alt+Down / Alt+Up walk the list in its order: carol, bob, dave. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.next-chat", NULL);
  KOI_TEST_UI_WAIT_FOR (selected_position (window) != GTK_INVALID_LIST_POSITION, 5);
  g_assert_cmpstr (selected_peer (window), ==, "carol@example.org");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.next-chat", NULL);
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (selected_peer (window), "bob@example.org") == 0, 5);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.next-chat", NULL);
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (selected_peer (window), "dave@example.org") == 0, 5);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.previous-chat", NULL);
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (selected_peer (window), "bob@example.org") == 0, 5);
  /* The open conversation follows. */
  g_assert_cmpstr (koi_chat_get_peer_address (koi_conversation_view_get_chat (koi_window_get_conversation_view (window))),
                   ==, "bob@example.org");

  /* Ctrl+F: the search bar opens, and typing filters the list. */
  /* The entry inside the chat list's search bar: the window holds other
   * search entries (newer libadwaita builds one into every AdwComboRow's
   * popover, and the welcome page, present though hidden, has combo
   * rows). */
  search_bar = find_search_bar (GTK_WIDGET (window));
  g_assert_nonnull (search_bar);
  search_entry = find_search_entry (search_bar);
  g_assert_nonnull (search_bar);
  g_assert_nonnull (search_entry);
  g_assert_false (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (search_bar)));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.find", NULL);
  KOI_TEST_UI_WAIT_FOR (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (search_bar)), 5);
  gtk_editable_set_text (GTK_EDITABLE (search_entry), "dave");
  KOI_TEST_UI_WAIT_FOR (n_listed (window) == 1, 5);
  gtk_editable_set_text (GTK_EDITABLE (search_entry), "");
  KOI_TEST_UI_WAIT_FOR (n_listed (window) == 3, 5);

  /* Ctrl+N: the new-chat dialog. */
  g_assert_false (new_chat_dialog_open ());
  gtk_widget_activate_action (GTK_WIDGET (window), "win.new-chat", NULL);
  KOI_TEST_UI_WAIT_FOR (new_chat_dialog_open (), 5);

  gtk_window_destroy (GTK_WINDOW (window));
  koi_session_shutdown (session);
}

/* Is the keyboard focus on a row of the chat list? */
static gboolean
focus_in_chat_list (KoiWindow *window)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));
  GtkWidget *list = GTK_WIDGET (koi_window_get_chat_list_view (window));

  return focus != NULL && (focus == list || gtk_widget_is_ancestor (focus, list));
}

/* Tab from a chat leaves the chat list on the modern widget set (the list's
 * tab-behavior "item", GTK >= 4.12): a keyboard user gets past a hundred
 * chats with one press, the arrows move between chats. GTK 4.8's list has
 * no such property: Tab steps from chat to chat there. */
static void
test_tab_leaves_chat_list (void)
{
  g_autofree char *profile = make_profile ();
  g_autoptr (KoiSession) session = koi_session_new (profile);
  KoiWindow *window;
  GtkWidget *list;

  koi_session_load_async (session, NULL, NULL, NULL);
  window = koi_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  koi_window_set_session (window, session);
  gtk_window_present (GTK_WINDOW (window));
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_window_get_page_name (window), "chats") == 0, 20);
  KOI_TEST_UI_WAIT_FOR (n_listed (window) == 3, 20);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));

  list = GTK_WIDGET (koi_window_get_chat_list_view (window));
  g_assert_true (gtk_widget_grab_focus (list));
  g_assert_true (focus_in_chat_list (window));

  /* What the Tab key does: GtkWindow moves the focus forward. */
  gtk_widget_child_focus (GTK_WIDGET (window), GTK_DIR_TAB_FORWARD);
  if (KOI_WIDGET_SET_MODERN)
    g_assert_false (focus_in_chat_list (window));
  else
    g_assert_true (focus_in_chat_list (window));

  gtk_window_destroy (GTK_WINDOW (window));
  koi_session_shutdown (session);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *keyring_path = koi_test_ui_use_file_keyring ();
  int status;

  koi_test_ui_init (&argc, &argv);
  koi_model_init ();

  g_test_add_func ("/ui/shortcuts/keys-and-actions", test_shortcuts);
  g_test_add_func ("/ui/shortcuts/tab-leaves-chat-list", test_tab_leaves_chat_list);

  status = g_test_run ();
  koi_test_ui_remove_file_keyring (keyring_path);
  return status;
}
