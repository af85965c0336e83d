/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-conversation-keys"

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "koi-conversation-view.h"
#include "koi-message-cell.h"
#include "koi-message-row.h"
#include "koi-model.h"
#include "koi-test-ui.h"

/*
 * The conversation by keyboard alone, with real key events: xdotool types
 * them through the X server's XTEST extension into the focused window, as
 * a keyboard would (Xvfb; no synthetic GTK events).
 */

static KoiMessage *
make_message (guint i)
{
  g_autofree char *text = g_strdup_printf ("message %u", i);
  gint64 when = g_get_real_time () / 1000 - 3600 * 1000 + i * 60 * 1000;
  KoiStoreMessage stored = {
    .id = i + 1, .chat_id = 1, .message_id = (char *) "x@example.org",
    .direction = i % 2 == 0 ? KOI_STORE_DIRECTION_OUTGOING : KOI_STORE_DIRECTION_INCOMING,
    .state = i % 2 == 0 ? KOI_STORE_STATE_SENT : KOI_STORE_STATE_RECEIVED,
    .kind = KOI_STORE_KIND_CHAT, .from_address = (char *) "bob@example.org",
    .from_name = (char *) "Bob", .text = text, .sent_at_ms = when, .sort_ms = when,
  };

  return koi_message_new_from_store (&stored);
}

/* The message whose row holds the keyboard focus, or NULL. */
static KoiMessage *
focused_message (GtkWindow *window)
{
  for (GtkWidget *w = gtk_window_get_focus (window); w != NULL; w = gtk_widget_get_parent (w))
    {
      if (KOI_IS_MESSAGE_CELL (w))
        return koi_message_cell_get_item (KOI_MESSAGE_CELL (w));
      if (gtk_widget_get_first_child (w) != NULL && KOI_IS_MESSAGE_CELL (gtk_widget_get_first_child (w)))
        return koi_message_cell_get_item (KOI_MESSAGE_CELL (gtk_widget_get_first_child (w)));
    }
  return NULL;
}

static const char *
focused_text (GtkWindow *window)
{
  KoiMessage *message = focused_message (window);

  return message != NULL ? koi_message_get_text (message) : NULL;
}

static gboolean
focus_in (GtkWindow *window,
          GtkWidget *area)
{
  GtkWidget *focus = gtk_window_get_focus (window);

  return focus != NULL && (focus == area || gtk_widget_is_ancestor (focus, area));
}

/* The open context menu of any row, or NULL. */
static GtkWidget *
open_menu (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (KOI_IS_MESSAGE_ROW (child))
        {
          GtkWidget *menu = koi_message_row_get_menu (KOI_MESSAGE_ROW (child));

          if (menu != NULL && gtk_widget_get_visible (menu))
            return menu;
          continue;
        }
      if ((found = open_menu (child)) != NULL)
        return found;
    }
  return NULL;
}

/* Every control a user can operate (focusable, shown, sensitive) outside
 * the message list, which is one stop of its own. */
static void
collect_controls (GtkWidget *root,
                  GtkWidget *list,
                  GPtrArray *out)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (child == list || !gtk_widget_get_mapped (child))
        continue;
      if (gtk_widget_get_focusable (child) && gtk_widget_is_sensitive (child) &&
          gtk_widget_get_can_focus (child) && !GTK_IS_SCROLLBAR (child))
        g_ptr_array_add (out, child);
      collect_controls (child, list, out);
    }
}

static void
test_keyboard_only (void)
{
  g_autoptr (GListStore) store = g_list_store_new (KOI_TYPE_MESSAGE);
  g_autoptr (GPtrArray) controls = g_ptr_array_new ();
  g_autoptr (GHashTable) reached = g_hash_table_new (NULL, NULL);
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  KoiConversationView *view = KOI_CONVERSATION_VIEW (koi_conversation_view_new ());
  GtkWidget *list = GTK_WIDGET (koi_conversation_view_get_list_view (view));
  GtkWidget *composer = GTK_WIDGET (koi_conversation_view_get_composer (view));
  gboolean list_reached = FALSE;
  guint n = 12;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiMessage) message = make_message (i);

      g_list_store_append (store, message);
    }
  gtk_window_set_default_size (window, 480, 500);
  gtk_window_set_child (window, GTK_WIDGET (view));
  koi_conversation_view_set_messages (view, G_LIST_MODEL (store));
  gtk_window_present (window);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  koi_test_ui_iterate_ms (300);
  if (!koi_conversation_view_newest_in_view (view))
    {
      GtkAdjustment *adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (list));

      g_test_message ("newest not in view: value %.0f upper %.0f page %.0f, following %d",
                      gtk_adjustment_get_value (adj), gtk_adjustment_get_upper (adj),
                      gtk_adjustment_get_page_size (adj), koi_conversation_view_get_at_bottom (view));
    }
  g_assert_true (koi_conversation_view_newest_in_view (view));
  gtk_widget_grab_focus (GTK_WIDGET (view));
  g_assert_true (focus_in (window, composer));

  /* Shift+Tab from the composer: into the list, at the newest message. */
  koi_test_ui_press_keys ("shift+Tab");
  g_assert_true (focus_in (window, list));
  g_assert_cmpstr (focused_text (window), ==, "message 11");

  /* Arrow keys walk the messages. */
  koi_test_ui_press_keys ("Up");
  g_assert_cmpstr (focused_text (window), ==, "message 10");
  koi_test_ui_press_keys ("Up");
  g_assert_cmpstr (focused_text (window), ==, "message 9");
  koi_test_ui_press_keys ("Down");
  g_assert_cmpstr (focused_text (window), ==, "message 10");

  /* The Menu key opens the focused message's actions; Escape closes them
   * and leaves the focus on the message. */
  g_assert_null (open_menu (list));
  koi_test_ui_press_keys ("Menu");
  g_assert_nonnull (open_menu (list));
  koi_test_ui_press_keys ("Escape");
  g_assert_null (open_menu (list));
  g_assert_cmpstr (focused_text (window), ==, "message 10");

  /* Enter and Shift+F10 do the same. */
  koi_test_ui_press_keys ("Return");
  g_assert_nonnull (open_menu (list));
  koi_test_ui_press_keys ("Escape");
  g_assert_null (open_menu (list));
  koi_test_ui_press_keys ("shift+F10");
  g_assert_nonnull (open_menu (list));
  koi_test_ui_press_keys ("Escape");
  g_assert_null (open_menu (list));

  /* Escape in the list: back to the composer. */
  koi_test_ui_press_keys ("Escape");
  g_assert_true (focus_in (window, composer));

  /* The focus chain: Tab from the composer goes round every control and
   * the list, and back to the composer. A control Tab cannot reach fails
   * here by name. */
  collect_controls (GTK_WIDGET (view), list, controls);
  for (guint i = 0; i < 2 * (controls->len + 2) && !(i > 0 && focus_in (window, composer) && list_reached); i++)
    {
      GtkWidget *focus;

      koi_test_ui_press_keys ("Tab");
      focus = gtk_window_get_focus (window);
      if (focus_in (window, list))
        list_reached = TRUE;
      for (GtkWidget *w = focus; w != NULL; w = gtk_widget_get_parent (w))
        g_hash_table_add (reached, w);
    }
  g_assert_true (list_reached);
  for (guint i = 0; i < controls->len; i++)
    {
      GtkWidget *control = g_ptr_array_index (controls, i);

      if (!g_hash_table_contains (reached, control))
        g_error ("Tab never reaches %s (%s)", G_OBJECT_TYPE_NAME (control),
                 gtk_widget_get_name (control));
    }

  gtk_window_destroy (window);
}

/* The GtkLabel with links inside the focused message's bubble, or NULL. */
static gboolean
focus_on_link_text (GtkWindow *window)
{
  GtkWidget *focus = gtk_window_get_focus (window);

  return focus != NULL && GTK_IS_LABEL (focus) && gtk_widget_get_ancestor (focus, KOI_TYPE_MESSAGE_ROW) != NULL &&
         strstr (gtk_label_get_label (GTK_LABEL (focus)), "<a ") != NULL;
}

/* Tab from a message reaches what is inside its bubble (here the text's
 * link), then leaves for the composer; Shift+Tab from the link comes back
 * to the message. */
static void
test_tab_into_bubble (void)
{
  g_autoptr (GListStore) store = g_list_store_new (KOI_TYPE_MESSAGE);
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  KoiConversationView *view = KOI_CONVERSATION_VIEW (koi_conversation_view_new ());
  GtkWidget *list = GTK_WIDGET (koi_conversation_view_get_list_view (view));
  GtkWidget *composer = GTK_WIDGET (koi_conversation_view_get_composer (view));

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (KoiMessage) message = make_message (i);

      g_list_store_append (store, message);
    }
  {
    gint64 when = g_get_real_time () / 1000;
    KoiStoreMessage stored = {
      .id = 10, .chat_id = 1, .message_id = (char *) "link@example.org",
      .direction = KOI_STORE_DIRECTION_INCOMING, .state = KOI_STORE_STATE_RECEIVED,
      .kind = KOI_STORE_KIND_CHAT, .from_address = (char *) "bob@example.org",
      .from_name = (char *) "Bob", .text = (char *) "the plan is at https://example.org/plan",
      .sent_at_ms = when, .sort_ms = when,
    };
    g_autoptr (KoiMessage) message = koi_message_new_from_store (&stored);

    g_list_store_append (store, message);
  }
  gtk_window_set_default_size (window, 480, 500);
  gtk_window_set_child (window, GTK_WIDGET (view));
  koi_conversation_view_set_messages (view, G_LIST_MODEL (store));
  gtk_window_present (window);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  koi_test_ui_iterate_ms (300);
  gtk_widget_grab_focus (GTK_WIDGET (view));
  g_assert_true (focus_in (window, composer));

  koi_test_ui_press_keys ("shift+Tab");
  g_assert_cmpstr (focused_text (window), ==, "the plan is at https://example.org/plan");
  g_assert_false (focus_on_link_text (window));

  koi_test_ui_press_keys ("Tab");
  g_assert_true (focus_in (window, list));
  g_assert_true (focus_on_link_text (window));
  g_assert_cmpstr (focused_text (window), ==, "the plan is at https://example.org/plan");

  koi_test_ui_press_keys ("shift+Tab");
  g_assert_false (focus_on_link_text (window));
  g_assert_cmpstr (focused_text (window), ==, "the plan is at https://example.org/plan");

  koi_test_ui_press_keys ("Tab");
  g_assert_true (focus_on_link_text (window));
  koi_test_ui_press_keys ("Tab");
  g_assert_true (focus_in (window, composer));

  gtk_window_destroy (window);
}

/* Buttons that show only an icon and have no accessible name. */
static guint
count_unnamed_icon_buttons (GtkWidget *root)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_BUTTON (child) && GTK_IS_IMAGE (gtk_button_get_child (GTK_BUTTON (child))) &&
          !gtk_test_accessible_has_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL))
        {
          g_test_message ("no accessible name: %s %s", G_OBJECT_TYPE_NAME (child),
                          gtk_widget_get_tooltip_text (child));
          n++;
        }
      n += count_unnamed_icon_buttons (child);
    }
  return n;
}

/* Rows say who, when, what and the state to a screen reader; the view's
 * icon-only buttons have names. */
static void
test_accessible_labels (void)
{
  g_autoptr (GListStore) store = g_list_store_new (KOI_TYPE_MESSAGE);
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  KoiConversationView *view = KOI_CONVERSATION_VIEW (koi_conversation_view_new ());
  guint labelled = 0;

  for (guint i = 0; i < 4; i++)
    {
      g_autoptr (KoiMessage) message = make_message (i);

      g_list_store_append (store, message);
    }
  gtk_window_set_default_size (window, 480, 500);
  gtk_window_set_child (window, GTK_WIDGET (view));
  koi_conversation_view_set_messages (view, G_LIST_MODEL (store));
  gtk_window_present (window);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  koi_test_ui_iterate_ms (200);

  for (GtkWidget *item = gtk_widget_get_first_child (GTK_WIDGET (koi_conversation_view_get_list_view (view)));
       item != NULL; item = gtk_widget_get_next_sibling (item))
    {
      GtkWidget *cell = gtk_widget_get_first_child (item);
      KoiMessage *message;
      g_autofree char *label = NULL;
      g_autofree char *checked = NULL;

      if (cell == NULL || !KOI_IS_MESSAGE_CELL (cell) ||
          (message = koi_message_cell_get_item (KOI_MESSAGE_CELL (cell))) == NULL)
        continue;
      label = koi_message_cell_dup_accessible_label (KOI_MESSAGE_CELL (cell));
      g_test_message ("row: %s", label);
      g_assert_nonnull (label);
      g_assert_true (strstr (label, koi_message_get_text (message)) != NULL);
      g_assert_true (strstr (label, koi_message_get_direction (message) == KOI_MESSAGE_OUTGOING
                                    ? "You" : "Bob") != NULL);
      if (koi_message_get_direction (message) == KOI_MESSAGE_OUTGOING)
        g_assert_true (g_str_has_suffix (label, ", sent"));
      /* What the accessibility tree holds for the cell, which takes the
       * keyboard focus in the list. */
      checked = gtk_test_accessible_check_property (GTK_ACCESSIBLE (cell), GTK_ACCESSIBLE_PROPERTY_LABEL, label);
      g_assert_null (checked);
      labelled++;
    }
  g_assert_cmpuint (labelled, ==, 4);

  g_assert_cmpuint (count_unnamed_icon_buttons (GTK_WIDGET (view)), ==, 0);
  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  /* GTK's test accessibility backend: it keeps what widgets tell screen
   * readers, for gtk_test_accessible_check_property(), without a bus. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  koi_test_ui_init (&argc, &argv);
  koi_model_init ();

  g_test_add_func ("/ui/conversation-keys/keyboard-only", test_keyboard_only);
  g_test_add_func ("/ui/conversation-keys/tab-into-bubble", test_tab_into_bubble);
  g_test_add_func ("/ui/conversation-keys/accessible-labels", test_accessible_labels);

  return g_test_run ();
}
