/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-window"

#include "config.h"

#include "koi-compat.h"
#include "koi-conversation-view.h"
#include "koi-text-sizer.h"
#include "koi-new-chat-dialog.h"
#include "koi-preferences-window.h"
#include "koi-test-ui.h"
#include "koi-window.h"

static GListModel *
sample_conversation (void)
{
  GListStore *store = g_list_store_new (KOI_TYPE_MESSAGE);
  gint64 now = g_get_real_time () / 1000;
  const struct { int direction; const char *text; gint64 ago_min; } rows[] = {
    { KOI_STORE_DIRECTION_INCOMING, "Hi Alice! Are we still on for Friday?", 30 },
    { KOI_STORE_DIRECTION_INCOMING, "The plan is at https://example.org/plan", 29 },
    { KOI_STORE_DIRECTION_INCOMING, "A longer one, so the bubble wraps: we meet at the station at "
      "half past seven, take the eight o'clock train, and walk from there; bring boots.\n"
      "And a second paragraph with a long link https://example.org/a/rather/long/path/that/must/break/somewhere", 20 },
    { KOI_STORE_DIRECTION_OUTGOING, "Yes! See you at eight.", 3 },
    { KOI_STORE_DIRECTION_OUTGOING, "I will bring the cake.", 2 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *mid = g_strdup_printf ("chat$%u@example.org", i);
      KoiStoreMessage row = {
        .id = i + 1, .account_id = 1, .chat_id = 1, .message_id = mid,
        .direction = rows[i].direction,
        .state = rows[i].direction == KOI_STORE_DIRECTION_OUTGOING ? KOI_STORE_STATE_SENT
                                                                  : KOI_STORE_STATE_RECEIVED,
        .kind = KOI_STORE_KIND_CHAT,
        .from_address = (char *) (rows[i].direction == KOI_STORE_DIRECTION_OUTGOING
                                  ? "alice@example.org" : "bob@example.org"),
        .from_name = (char *) (rows[i].direction == KOI_STORE_DIRECTION_OUTGOING ? "Alice" : "Bob"),
        .text = (char *) rows[i].text,
        .sort_ms = now - rows[i].ago_min * 60 * 1000,
        .sent_at_ms = now - rows[i].ago_min * 60 * 1000,
      };
      g_autoptr (KoiMessage) message = koi_message_new_from_store (&row);

      g_list_store_append (store, message);
    }

  return G_LIST_MODEL (store);
}


/* Every message text is drawn whole: each label inside a KoiTextSizer got
 * at least the height it needs at the width it got (the sizer measures
 * with its own layout; a mismatch would cut lines off). */
static guint
assert_texts_whole (GtkWidget *root)
{
  guint checked = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child) && KOI_IS_TEXT_SIZER (root) && gtk_widget_get_mapped (child))
        {
          int needed, natural, natural_width;

          gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, gtk_widget_get_width (child),
                              &needed, &natural, NULL, NULL);
          gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &natural_width, NULL, NULL);
          g_test_message ("text at %d px (natural %d): %d px high, needs %d",
                          gtk_widget_get_width (child), natural_width, gtk_widget_get_height (child), needed);
          g_assert_cmpint (gtk_widget_get_height (child), >=, needed);
          checked++;
        }
      checked += assert_texts_whole (child);
    }
  return checked;
}

/* Asserts the message area of a conversation shot (above the composer,
 * left of the scrollbar) has text and bubbles drawn in it. */
static void
assert_messages_drawn (GdkTexture *shot)
{
  GdkRectangle area = { 0, 0, gdk_texture_get_width (shot) - 24,
                        gdk_texture_get_height (shot) * 3 / 4 };

  g_assert_cmpuint (koi_test_ui_count_colors (shot, &area, 12), >=, 12);
}

static void
test_light_dark_narrow (void)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autoptr (GdkTexture) light = NULL;
  g_autoptr (GdkTexture) dark = NULL;
  g_autoptr (GdkTexture) narrow = NULL;
  g_autoptr (GdkTexture) chat_light = NULL;
  g_autoptr (GdkTexture) chat_dark = NULL;
  g_autoptr (GListModel) messages = sample_conversation ();
  GtkWidget *window;
  GtkWindow *chat_window;
  KoiConversationView *view;

  /* The main window without an account: the welcome form. */
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  window = GTK_WIDGET (koi_window_new (NULL));
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_cmpstr (koi_window_get_page_name (KOI_WINDOW (window)), ==, "welcome");
  light = koi_test_ui_shoot (window, "window-light.png", 12);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  dark = koi_test_ui_shoot (window, "window-dark.png", 12);
  g_test_message ("brightness light %.0f, dark %.0f", koi_test_ui_mean_brightness (light), koi_test_ui_mean_brightness (dark));
  /* Dark follows from the theme's named colours alone. */
  g_assert_cmpfloat (koi_test_ui_mean_brightness (dark) + 60, <, koi_test_ui_mean_brightness (light));
  gtk_window_destroy (GTK_WINDOW (window));

  /* The narrowest phone width fits, with a phone's (and GNOME's) title
   * buttons: Close alone. GTK's own default adds Minimize and Maximize,
   * and with them the chat list's header needs 367 px (libadwaita 1.7
   * warns once the window has settled at 360). */
  {
    g_autofree char *layout = NULL;

    g_object_get (gtk_settings_get_default (), "gtk-decoration-layout", &layout, NULL);
    g_object_set (gtk_settings_get_default (), "gtk-decoration-layout", "appmenu:close", NULL);
    adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
    window = GTK_WIDGET (koi_window_new (NULL));
    gtk_window_set_default_size (GTK_WINDOW (window), 360, 640);
    gtk_window_present (GTK_WINDOW (window));
    narrow = koi_test_ui_shoot (window, "window-360.png", 12);
    g_assert_cmpint (gtk_widget_get_width (window), <=, 360);
    gtk_window_destroy (GTK_WINDOW (window));
    g_object_set (gtk_settings_get_default (), "gtk-decoration-layout", layout, NULL);
  }

  /* Bubbles in both styles: own messages in the accent colour. */
  /* The last one was refused: the bubble says why and offers Delete. */
  {
    g_autoptr (KoiMessage) last = g_list_model_get_item (messages, g_list_model_get_n_items (messages) - 1);

    koi_message_set_failure_reason (last, "bob@example.org: 550 5.1.1 No such user");
    koi_message_set_state (last, KOI_MESSAGE_FAILED);
  }
  chat_window = GTK_WINDOW (gtk_window_new ());
  view = KOI_CONVERSATION_VIEW (koi_conversation_view_new ());
  gtk_window_set_default_size (chat_window, 480, 480);
  gtk_window_set_child (chat_window, GTK_WIDGET (view));
  koi_conversation_view_set_messages (view, messages);
  gtk_window_present (chat_window);
  chat_light = koi_test_ui_shoot (GTK_WIDGET (chat_window), "conversation-light.png", 12);
  /* The shot shows the bubbles, not a list still hidden while it opens
   * (that one is the background alone above the composer). */
  assert_messages_drawn (chat_light);
  /* The first frame drawn shows the newest message, and all of it. */
  g_assert_true (koi_conversation_view_newest_in_view (view));
  g_assert_cmpuint (assert_texts_whole (GTK_WIDGET (chat_window)), >=, 5);
  g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (chat_window), "I will bring the cake."));
  /* Not a group: the peer's name is not repeated above their bubbles. */
  g_assert_null (koi_test_ui_find_label (GTK_WIDGET (chat_window), "Bob"));
  g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (chat_window),
                                            "Server refused: bob@example.org: 550 5.1.1 No such user"));
  /* The empty composer says what it is for; the send button shows a
   * paper plane (ours: Debian 12's mail-send icon is an outbox tray). */
  g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (chat_window), "Write a message…"));
  {
    GtkWidget *send = NULL;

    for (GtkWidget *w = GTK_WIDGET (koi_composer_get_text_view (koi_conversation_view_get_composer (view)));
         w != NULL && send == NULL; w = gtk_widget_get_parent (w))
      if (GTK_IS_BOX (w))
        for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
          if (GTK_IS_BUTTON (c) && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (c)), "koi-send-symbolic") == 0)
            send = c;
    g_assert_nonnull (send);
    g_assert_true (gtk_icon_theme_has_icon (gtk_icon_theme_get_for_display (gtk_widget_get_display (send)),
                                            "koi-send-symbolic"));
  }
  g_assert_null (koi_test_ui_find_label (GTK_WIDGET (chat_window), "No Messages Yet"));

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  chat_dark = koi_test_ui_shoot (GTK_WIDGET (chat_window), "conversation-dark.png", 12);
  assert_messages_drawn (chat_dark);
  g_assert_cmpfloat (koi_test_ui_mean_brightness (chat_dark) + 60, <, koi_test_ui_mean_brightness (chat_light));
  gtk_window_destroy (chat_window);

  /* A chat without messages: an empty state, not a blank. */
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  {
    g_autoptr (GListStore) none = g_list_store_new (KOI_TYPE_MESSAGE);
    g_autoptr (GdkTexture) empty = NULL;

    chat_window = GTK_WINDOW (gtk_window_new ());
    view = KOI_CONVERSATION_VIEW (koi_conversation_view_new ());
    gtk_window_set_default_size (chat_window, 480, 480);
    gtk_window_set_child (chat_window, GTK_WIDGET (view));
    koi_conversation_view_set_messages (view, G_LIST_MODEL (none));
    gtk_window_present (chat_window);
    empty = koi_test_ui_shoot (GTK_WIDGET (chat_window), "conversation-empty.png", 12);
    g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (chat_window), "No Messages Yet"));
    g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (chat_window), "Write a message…"));
    gtk_window_destroy (chat_window);
  }

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
}

/* GLib >= 2.76 can mark deprecated types (G_TYPE_FLAG_DEPRECATED, spelled
 * out: the build allows GLib 2.74 API only), but GTK 4.18 and libadwaita
 * 1.7 set it on none of theirs (checked: AdwLeaflet, AdwPreferencesWindow,
 * GtkFileChooserDialog all read 0). So the widgets GTK and libadwaita
 * deprecate or replace, up to the Flatpak runtime's GTK 4.20 and libadwaita 1.8, are
 * named here; the flag still counts should a library start setting it. */
#define TYPE_FLAG_DEPRECATED (1 << 7)

static const char * const deprecated_types[] = {
  /* libadwaita 1.4-1.6 */
  "AdwLeaflet", "AdwFlap", "AdwSqueezer", "AdwViewSwitcherTitle",
  "AdwPreferencesWindow", "AdwAboutWindow", "AdwMessageDialog",
  /* GTK 4.10 */
  "GtkDialog", "GtkMessageDialog", "GtkFileChooserDialog", "GtkFileChooserWidget",
  "GtkInfoBar", "GtkStatusbar", "GtkTreeView", "GtkIconView", "GtkComboBox",
  "GtkAssistant", "GtkLockButton", "GtkVolumeButton",
  /* replaced by AdwSpinner (libadwaita 1.6) */
  "GtkSpinner",
  NULL
};

static gboolean
type_is_deprecated (GType type)
{
  if (glib_check_version (2, 76, 0) == NULL && g_type_test_flags (type, TYPE_FLAG_DEPRECATED))
    return TRUE;
  return g_strv_contains (deprecated_types, g_type_name (type));
}

static void
collect_widgets (GtkWidget *widget,
                 GPtrArray *split_views,
                 GString   *deprecated)
{
  if (ADW_IS_LEAFLET (widget) || g_strcmp0 (G_OBJECT_TYPE_NAME (widget), "AdwNavigationSplitView") == 0)
    g_ptr_array_add (split_views, widget);
  /* The widget's type and every type it derives from: a Koi class built on
   * a deprecated one (KoiFoo : AdwPreferencesWindow) counts too. */
  for (GType type = G_OBJECT_TYPE (widget); type != 0; type = g_type_parent (type))
    if (type_is_deprecated (type) && strstr (deprecated->str, g_type_name (type)) == NULL)
      g_string_append_printf (deprecated, " %s", g_type_name (type));

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_widgets (child, split_views, deprecated);
}

/* The build picks the widget set by libadwaita's version
 * (src/ui/meson.build): the current widgets where the runtime has them, so
 * what Flatpak users run is what this lane tests. On the modern set no
 * widget in the window may be of a deprecated type. */
/* The preference row with @title, shown or not (the widget sets lay
 * their pages out differently). */
static GtkWidget *
find_row_titled (GtkWidget  *root,
                 const char *title)
{
  if (ADW_IS_PREFERENCES_ROW (root) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_row_titled (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_widget_set (void)
{
  g_autoptr (GPtrArray) split_views = g_ptr_array_new ();
  g_autoptr (GString) deprecated = g_string_new ("");
  GtkWidget *window;
  GtkWidget *split;
  GtkWidget *new_chat;
  GtkWidget *preferences;
  g_autoptr (GPtrArray) seen_again = g_ptr_array_new ();
  g_autoptr (GSettings) settings = g_settings_new ("io.github.koichat.Koi");
  gboolean modern = KOI_WIDGET_SET_MODERN;

  window = GTK_WIDGET (koi_window_new (NULL));
  gtk_window_set_default_size (GTK_WINDOW (window), 960, 640);
  gtk_window_present (GTK_WINDOW (window));
  koi_test_ui_wait_for_drawn (window);

  /* Every page of the window, shown or not, is in its widget tree; the
   * new-chat dialog and the preferences are shown over it (an AdwDialog is
   * inside the window's tree) and looked at too. */
  new_chat = koi_new_chat_dialog_new (NULL);
  koi_compat_present_dialog (new_chat, window);
  koi_test_ui_wait_for_drawn (new_chat);
  collect_widgets (window, split_views, deprecated);
  if (GTK_IS_WINDOW (new_chat))
    collect_widgets (new_chat, split_views, deprecated);
  g_assert_cmpstr (g_type_name (g_type_parent (G_OBJECT_TYPE (new_chat))), ==,
                   modern ? "AdwDialog" : "AdwWindow");
  koi_compat_dialog_close (new_chat);

  /* So are the preferences. */
  preferences = koi_preferences_window_new (settings, NULL);
  koi_compat_present_dialog (preferences, window);
  koi_test_ui_wait_for_drawn (preferences);
  collect_widgets (window, seen_again, deprecated);
  if (GTK_IS_WINDOW (preferences))
    collect_widgets (preferences, seen_again, deprecated);
  g_assert_cmpstr (g_type_name (g_type_parent (G_OBJECT_TYPE (preferences))), ==,
                   modern ? "AdwPreferencesDialog" : "AdwPreferencesWindow");
  /* "Download Images Automatically up to" shows the setting and sets it,
   * in both widget sets. */
  {
    GtkWidget *combo = find_row_titled (preferences, "Download Images _Automatically up to");

    g_assert_nonnull (combo);
    g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (combo)), ==, 2);   /* 10 MB */
    adw_combo_row_set_selected (ADW_COMBO_ROW (combo), 3);
    g_assert_cmpuint (g_settings_get_uint (settings, "auto-download-images-mb"), ==, 50);
    g_settings_set_uint (settings, "auto-download-images-mb", 0);
    g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (combo)), ==, 0);
    g_settings_reset (settings, "auto-download-images-mb");
  }

  /* "Sound" (issue 11) on both widget sets, its switch following the
   * setting both ways. */
  {
    GtkWidget *sound = GTK_WIDGET (gtk_widget_get_template_child (preferences, KOI_TYPE_PREFERENCES_WINDOW,
                                                                  "sound_switch"));
    GtkWidget *row = sound != NULL ? gtk_widget_get_ancestor (sound, ADW_TYPE_ACTION_ROW) : NULL;

    g_assert_nonnull (row);
    g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "_Sound");
    g_assert_true (GTK_IS_SWITCH (sound));
    g_assert_true (g_settings_get_boolean (settings, "notification-sound"));
    g_assert_true (gtk_switch_get_active (GTK_SWITCH (sound)));
    g_settings_set_boolean (settings, "notification-sound", FALSE);
    g_assert_false (gtk_switch_get_active (GTK_SWITCH (sound)));
    gtk_switch_set_active (GTK_SWITCH (sound), TRUE);
    g_assert_true (g_settings_get_boolean (settings, "notification-sound"));
  }
  koi_compat_dialog_close (preferences);
  g_test_message ("libadwaita %u.%u.%u, GTK %u.%u.%u; deprecated widget types in the window:%s",
                  adw_get_major_version (), adw_get_minor_version (), adw_get_micro_version (),
                  gtk_get_major_version (), gtk_get_minor_version (), gtk_get_micro_version (),
                  deprecated->len > 0 ? deprecated->str : " none");
  g_assert_cmpuint (split_views->len, ==, 1);
  split = g_ptr_array_index (split_views, 0);
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (split), ==,
                   modern ? "AdwNavigationSplitView" : "AdwLeaflet");
  if (modern)
    g_assert_cmpstr (deprecated->str, ==, "");

  /* Wide: both panes side by side. */
  g_assert_false (koi_compat_split_get_collapsed (split));
  g_assert_true (koi_compat_split_get_content_shown (split));
  gtk_window_destroy (GTK_WINDOW (window));

  /* Phone width: the breakpoint collapses the split view to one pane (the
   * legacy leaflet folds only once its page is on screen). */
  if (modern)
    {
      g_ptr_array_set_size (split_views, 0);
      window = GTK_WIDGET (koi_window_new (NULL));
      gtk_window_set_default_size (GTK_WINDOW (window), 360, 640);
      gtk_window_present (GTK_WINDOW (window));
      koi_test_ui_wait_for_drawn (window);
      collect_widgets (window, split_views, deprecated);
      g_assert_cmpuint (split_views->len, ==, 1);
      split = g_ptr_array_index (split_views, 0);
      g_assert_true (koi_compat_split_get_collapsed (split));
      /* Collapsed, the list comes first. */
      g_assert_false (koi_compat_split_get_content_shown (split));
      gtk_window_destroy (GTK_WINDOW (window));
    }
}

int
main (int   argc,
      char *argv[])
{
  koi_test_ui_init (&argc, &argv);

  g_test_add_func ("/ui/window/light-dark-narrow", test_light_dark_narrow);
  g_test_add_func ("/ui/window/widget-set", test_widget_set);

  return g_test_run ();
}
