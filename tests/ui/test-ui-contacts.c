/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-contacts"

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "koi-chat-row.h"
#include "koi-contacts-window.h"
#include "koi-conversation-view.h"
#include "koi-message-row.h"
#include "koi-model.h"
#include "koi-new-chat-dialog.h"
#include "koi-preferences-window.h"
#include "koi-pgp-key.h"
#include "koi-profile-dialog.h"
#include "koi-rnp-context.h"
#include "koi-session.h"
#include "koi-test-cli.h"
#include "koi-test-own-key.h"
#include "koi-test-ui.h"
#include "koi-window.h"

/*
 * Contacts in Alice's window, through the private Dovecot + Postfix, with
 * real key presses (XTEST through xdotool): New Chat with Bob writes his
 * card; Ctrl+Shift+C opens Contacts; typing filters it; Bob's card gets a
 * new name typed in and Enter, and the chat list and header follow (and
 * Alice's second device has it); Block, a message from Bob that does not
 * show, Bob in Preferences' Blocked Contacts, Unblock, and his message
 * shows. The own profile with an avatar from a file. Screenshots.
 */

#define ALICE "alice@example.org"
#define BOB   "bob@example.org"
#define WAIT_S 45

static char *keyring_path;

static const char *
chat_row_title (KoiWindow  *window,
                const char *peer)
{
  KoiChatRow *row = koi_test_ui_find_chat_row (window, peer);

  return row != NULL ? koi_chat_row_get_title_text (row) : NULL;
}

static gboolean
bubble_shown (KoiWindow  *window,
              const char *text)
{
  return koi_test_ui_find_label (GTK_WIDGET (koi_window_get_conversation_view (window)), text) != NULL;
}

static gboolean
strv_is (GStrv               strv,
         const char * const *expected)
{
  gboolean same = g_strv_equal ((const char * const *) strv, expected);
  g_autofree char *joined = g_strjoinv ("|", strv);

  if (!same)
    g_debug ("shown: %s", joined);

  g_strfreev (strv);
  return same;
}

static gboolean
has_blocked (KoiPreferencesWindow *preferences,
             const char           *address)
{
  g_auto (GStrv) blocked = koi_preferences_window_get_blocked (preferences);

  return g_strv_contains ((const char * const *) blocked, address);
}

/* Bob's card on Alice's second device, after a sync: its name. */
static char *
name_on_second_device (KoiTestCli *cli)
{
  g_autofree char *synced = koi_test_cli_run_ok (cli, "alice-2", "sync", NULL);
  g_autofree char *out = koi_test_cli_run_ok (cli, "alice-2", "contact", "show", BOB, NULL);
  g_autoptr (GPtrArray) lines = koi_test_cli_parse_lines (out);

  if (lines->len != 1)
    return NULL;
  return g_strdup (json_object_get_string_member_with_default (g_ptr_array_index (lines, 0), "name", NULL));
}

/* What Space or Enter on the focused button does. GtkButton does
 * nothing unless it is on screen (realized), so wait for that: a dialog
 * may still be opening. */
static void
press (GtkWidget *button)
{
  g_assert_nonnull (button);
  KOI_TEST_UI_WAIT_FOR (gtk_widget_get_mapped (button) && gtk_widget_is_sensitive (button), 10);
  g_assert_true (gtk_widget_activate (button));
}

static void
on_count (gpointer  instance,
          guint    *count)
{
  (*count)++;
}

static void
test_contacts_window (void)
{
  static const char * const users[] = { ALICE ":alice-secret", BOB ":bob-secret", NULL };
  /* Added by New Chat before any mail from him: his card has his address only. */
  static const char * const only_bob[] = { BOB, NULL };
  static const char * const renamed[] = { "Bobby Tables", NULL };
  static const char * const none[] = { NULL };
  const char *hidden_text = "Sent while you blocked me";
  g_autoptr (KoiTestCli) cli = koi_test_cli_new_with_users (users);
  g_autoptr (KoiSession) session = NULL;
  g_autoptr (GSettings) settings = g_settings_new ("io.github.koichat.Koi");
  AdwStyleManager *style = adw_style_manager_get_default ();
  KoiContactsWindow *contacts;
  KoiContactDetails *details;
  KoiPreferencesWindow *preferences;
  KoiProfileDialog *profile;
  KoiNewChatDialog *dialog;
  KoiWindow *window;
  guint saves = 0, loads = 0;

  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PATH", keyring_path, TRUE);
  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PASSWORD", "test-keyring", TRUE);
  koi_test_cli_add_account (cli, "alice", ALICE, "alice-secret");
  koi_test_cli_add_account (cli, "alice-2", ALICE, "alice-secret");
  koi_test_cli_add_account (cli, "bob", BOB, "bob-secret");

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  {
    g_autofree char *dir = koi_test_cli_profile (cli, "alice");

    session = koi_session_new (dir);
  }
  koi_session_load_async (session, NULL, NULL, NULL);
  window = koi_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  koi_window_set_session (window, session);
  gtk_window_present (GTK_WINDOW (window));
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_window_online (window), WAIT_S);

  /* New Chat with Bob: the chat partner becomes a contact (a card). */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-chat", NULL));
  KOI_TEST_UI_WAIT_FOR ((dialog = KOI_NEW_CHAT_DIALOG (koi_test_ui_find_shown (KOI_TYPE_NEW_CHAT_DIALOG))) != NULL, 10);
  koi_new_chat_dialog_set_address (dialog, BOB);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "new-chat.start", NULL));
  KOI_TEST_UI_WAIT_FOR (chat_row_title (window, BOB) != NULL, WAIT_S);
  g_free (koi_test_cli_run_ok (cli, "bob", "send", ALICE, "Hi Alice, this is Bob", NULL));
  KOI_TEST_UI_WAIT_FOR (bubble_shown (window, "Hi Alice, this is Bob"), WAIT_S);

  /* Cards written on Alice's other device come to this one. */
  g_free (koi_test_cli_run_ok (cli, "alice-2", "contact", "edit", "carol@example.org", "--name", "Carol Danvers", NULL));
  g_free (koi_test_cli_run_ok (cli, "alice-2", "contact", "edit", "dave@example.org", "--name", "Dave Lister", NULL));

  /* Ctrl+Shift+C, pressed: the Contacts window, Bob listed. */
  koi_test_ui_focus_window (GTK_WINDOW (window));
  koi_test_ui_xdotool ("key", "--clearmodifiers", "ctrl+shift+c", NULL);
  KOI_TEST_UI_WAIT_FOR ((contacts = KOI_CONTACTS_WINDOW (koi_test_ui_find_toplevel (KOI_TYPE_CONTACTS_WINDOW))) != NULL, 10);
  g_signal_connect (contacts, "loaded", G_CALLBACK (on_count), &loads);
  KOI_TEST_UI_WAIT_FOR (koi_contacts_window_get_row (contacts, BOB) != NULL, WAIT_S);
  KOI_TEST_UI_WAIT_FOR (koi_contacts_window_get_row (contacts, "carol@example.org") != NULL &&
            koi_contacts_window_get_row (contacts, "dave@example.org") != NULL, WAIT_S);
  {
    static const char * const all[] = { BOB, "Carol Danvers", "Dave Lister", NULL };

    KOI_TEST_UI_WAIT_FOR (strv_is (koi_contacts_window_get_titles (contacts), all), 5);
  }
  g_object_unref (koi_test_ui_shoot (GTK_WIDGET (contacts), "contacts.png", 16));
  koi_test_ui_focus_window (GTK_WINDOW (contacts));
  /* Typing searches: a name that is nobody's empties the list. */
  gtk_widget_grab_focus (koi_contacts_window_get_search_entry (contacts));
  koi_test_ui_xdotool ("type", "--delay", "30", "zzz", NULL);
  KOI_TEST_UI_WAIT_FOR (strv_is (koi_contacts_window_get_titles (contacts), none), 5);
  koi_test_ui_xdotool ("key", "--clearmodifiers", "ctrl+a", "BackSpace", NULL);
  koi_test_ui_xdotool ("type", "--delay", "30", "bo", NULL);
  KOI_TEST_UI_WAIT_FOR (strv_is (koi_contacts_window_get_titles (contacts), only_bob), 5);

  /* Bob's card: a new name typed in, Enter saves it. */
  press (koi_contacts_window_get_row (contacts, BOB));
  details = koi_contacts_window_get_details (contacts);
  g_signal_connect (details, "saved", G_CALLBACK (on_count), &saves);
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_contacts_window_get_page_name (contacts), "card") == 0 &&
            g_strcmp0 (koi_contact_details_get_title (details), BOB) == 0, 10);
  /* Bob's mail brought his key (Autocrypt): the card shows its
   * fingerprint, the one Bob's own Koi made, in groups of four. */
  {
    g_autofree char *bob_fp = koi_test_own_key_fingerprint (cli, "bob");
    g_autofree char *expected = koi_pgp_fingerprint_display (bob_fp);

    KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_contact_details_get_fingerprint (details), expected) == 0, 10);
  }
  gtk_widget_grab_focus (koi_contact_details_get_name_row (details));
  koi_test_ui_xdotool ("key", "--clearmodifiers", "ctrl+a", "BackSpace", NULL);
  koi_test_ui_xdotool ("type", "--delay", "30", "Bobby Tables", NULL);
  koi_test_ui_xdotool ("key", "--clearmodifiers", "Return", NULL);
  KOI_TEST_UI_WAIT_FOR (saves == 1, WAIT_S);
  g_assert_null (koi_contact_details_get_error (details));
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_contact_details_get_title (details), "Bobby Tables") == 0, 10);
  g_object_unref (koi_test_ui_shoot (GTK_WIDGET (contacts), "contact-card.png", 16));
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  g_object_unref (koi_test_ui_shoot (GTK_WIDGET (contacts), "contact-card-dark.png", 16));
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);

  /* The chat list, the header and the address book follow the card. */
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (chat_row_title (window, BOB), "Bobby Tables") == 0, 10);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_find_label (GTK_WIDGET (window), "Bobby Tables") != NULL, 10);
  KOI_TEST_UI_WAIT_FOR (strv_is (koi_contacts_window_get_titles (contacts), renamed) ||
            g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (koi_contacts_window_get_search_entry (contacts))),
                       "bo") == 0, 10);
  /* ... and Alice's other device has it. */
  {
    g_autofree char *name = name_on_second_device (cli);

    g_assert_cmpstr (name, ==, "Bobby Tables");
  }

  /* Block: Bob's next message does not show. */
  press (koi_contact_details_get_block_button (details));
  {
    /* It asks first. */
    GtkWidget *alert = NULL;

    KOI_TEST_UI_WAIT_FOR ((alert = koi_compat_alert_find (GTK_WINDOW (contacts))) != NULL, 10);
    g_assert_cmpstr (koi_compat_alert_get_heading (alert), ==, "Block Bobby Tables?");
    koi_compat_alert_respond (alert, "block");
  }
  KOI_TEST_UI_WAIT_FOR (saves == 2 && koi_contact_details_get_blocked (details), WAIT_S);
  gtk_window_destroy (GTK_WINDOW (contacts));
  g_free (koi_test_cli_run_ok (cli, "bob", "send", ALICE, hidden_text, NULL));
  g_free (koi_test_cli_run_ok (cli, "alice-2", "sync", NULL));
  {
    /* Alice's window has had every chance to fetch it. */
    gint64 until = g_get_monotonic_time () + 4 * G_USEC_PER_SEC;

    while (g_get_monotonic_time () < until)
      g_main_context_iteration (NULL, TRUE);
  }
  g_assert_false (bubble_shown (window, hidden_text));

  /* Preferences: Bob under Blocked Contacts; Unblock; his message shows. */
  preferences = KOI_PREFERENCES_WINDOW (koi_preferences_window_new (settings, koi_session_get_accounts (session)));
  koi_compat_present_dialog (preferences, GTK_WIDGET (window));
  KOI_TEST_UI_WAIT_FOR (has_blocked (preferences, BOB), 10);
  press (koi_preferences_window_get_unblock_button (preferences, BOB));
  KOI_TEST_UI_WAIT_FOR (!has_blocked (preferences, BOB), WAIT_S);
  koi_compat_dialog_close (preferences);
  KOI_TEST_UI_WAIT_FOR (bubble_shown (window, hidden_text), WAIT_S);

  /* The chat header's button (also a click on its title) opens Bob's card. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.group-details", NULL));
  KOI_TEST_UI_WAIT_FOR ((contacts = KOI_CONTACTS_WINDOW (koi_test_ui_find_toplevel (KOI_TYPE_CONTACTS_WINDOW))) != NULL &&
            g_strcmp0 (koi_contacts_window_get_page_name (contacts), "card") == 0 &&
            g_strcmp0 (koi_contact_details_get_title (koi_contacts_window_get_details (contacts)),
                       "Bobby Tables") == 0 &&
            !koi_contact_details_get_blocked (koi_contacts_window_get_details (contacts)), 10);
  gtk_window_destroy (GTK_WINDOW (contacts));

  /* The own profile: name, status and an avatar from a file. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.profile", NULL));
  KOI_TEST_UI_WAIT_FOR ((profile = KOI_PROFILE_DIALOG (koi_test_ui_find_shown (KOI_TYPE_PROFILE_DIALOG))) != NULL &&
            koi_profile_dialog_get_loaded (profile), 10);
  g_assert_cmpstr (g_type_name (g_type_parent (G_OBJECT_TYPE (profile))), ==,
                   KOI_WIDGET_SET_MODERN ? "AdwDialog" : "AdwWindow");
  {
    g_autoptr (GdkPixbuf) picture = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 400, 400);
    g_autofree char *path = g_build_filename (cli->tmp, "alice.png", NULL);
    g_autoptr (GFile) file = g_file_new_for_path (path);
    g_autoptr (GError) error = NULL;
    guint saved = 0;

    gdk_pixbuf_fill (picture, 0xe0a030ff);
    g_assert_true (gdk_pixbuf_save (picture, path, "png", &error, NULL));
    g_signal_connect (profile, "saved", G_CALLBACK (on_count), &saved);
    koi_profile_dialog_set_name (profile, "Alice Liddell");
    koi_profile_dialog_set_status (profile, "Down the rabbit hole");
    koi_profile_dialog_set_avatar_file (profile, file);
    KOI_TEST_UI_WAIT_FOR (koi_profile_dialog_has_avatar (profile), 10);
    {
      /* The rows' titles slide up when text is set: let that end. */
      gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC / 2;

      while (g_get_monotonic_time () < until)
        g_main_context_iteration (NULL, TRUE);
    }
    g_object_unref (koi_test_ui_shoot (GTK_WIDGET (profile), "profile.png", 16));
    koi_profile_dialog_save (profile);
    KOI_TEST_UI_WAIT_FOR (saved == 1, WAIT_S);
    /* Saved, it closes. */
    KOI_TEST_UI_WAIT_FOR (koi_test_ui_find_shown (KOI_TYPE_PROFILE_DIALOG) == NULL, 10);
  }
  /* Opened again, it shows what was saved, picture included. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.profile", NULL));
  KOI_TEST_UI_WAIT_FOR ((profile = KOI_PROFILE_DIALOG (koi_test_ui_find_shown (KOI_TYPE_PROFILE_DIALOG))) != NULL &&
            koi_profile_dialog_get_loaded (profile), 10);
  g_assert_true (koi_profile_dialog_has_avatar (profile));
  g_assert_cmpstr (koi_profile_dialog_get_name (profile), ==, "Alice Liddell");
  g_assert_cmpstr (koi_profile_dialog_get_status (profile), ==, "Down the rabbit hole");
  koi_compat_dialog_close (profile);

  gtk_window_destroy (GTK_WINDOW (window));
  koi_session_shutdown (session);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  keyring_path = koi_test_ui_use_file_keyring ();
  koi_test_ui_init (&argc, &argv);
  koi_model_init ();
  koi_test_ui_tick_add ();

  g_test_add_func ("/ui/contacts/card-block-profile", test_contacts_window);

  status = g_test_run ();
  koi_test_ui_remove_file_keyring (keyring_path);
  g_free (keyring_path);
  return status;
}
