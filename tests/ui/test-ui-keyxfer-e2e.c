/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "koi-compat.h"
#include "koi-conversation-view.h"
#include "koi-key-transfer.h"
#include "koi-model.h"
#include "koi-preferences-window.h"
#include "koi-session.h"
#include "koi-test-cli.h"
#include "koi-test-ui.h"
#include "koi-window.h"

/*
 * Moving Alice's key between her devices in the window (issue 13), with
 * koi-cli's devices and Bob on the private Dovecot + Postfix:
 *
 *  - import: the window is Alice's new device. Her encrypted history with
 *    Bob shows as unreadable; once her first device (koi-cli) sent the
 *    setup message, a banner over the chat list says so and Preferences
 *    offer "Enter Setup Code…"; a click on the banner's "Import Key…" asks
 *    for the code; a wrong code is refused with nothing changed; the right
 *    one, typed on the keyboard, makes the history read.
 *  - transfer: the window is the device with the key. Preferences'
 *    "Transfer Key to Another Device…" shows the setup code once; with it,
 *    a new device (koi-cli) takes the key over.
 */

#define WAIT_S 60
#define UNREADABLE "Encrypted message that this device cannot read"

static char *keyring_path;

static gboolean
chat_shows (KoiWindow  *window,
            const char *text)
{
  KoiConversationView *view = koi_window_get_conversation_view (window);
  GListModel *messages = koi_conversation_view_get_messages (view);
  guint n = messages != NULL ? g_list_model_get_n_items (messages) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiMessage) message = g_list_model_get_item (messages, i);

      if (g_strcmp0 (koi_message_get_text (message), text) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The alert shown now, over the window (modern: dialogs stack in the
 * window) or over the preferences window (legacy: a transient window). */
static GtkWidget *
shown_alert (KoiWindow  *window,
             GtkWidget  *preferences,
             const char *heading)
{
  GtkWidget *alert = koi_compat_alert_find (GTK_WINDOW (window));

  if (alert == NULL && GTK_IS_WINDOW (preferences))
    alert = koi_compat_alert_find (GTK_WINDOW (preferences));
  if (alert != NULL && g_strcmp0 (koi_compat_alert_get_heading (alert), heading) != 0)
    return NULL;
  return alert;
}

static KoiWindow *
open_window (KoiSession *session)
{
  KoiWindow *window = koi_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  koi_window_set_session (window, session);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static gboolean
found_setup;

static void
find_setup_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  found_setup = koi_engine_find_setup_finish (KOI_ENGINE (source), result, NULL) != 0;
  *(gboolean *) user_data = TRUE;
}

/* Whether the window's engine has the setup message by now. */
static gboolean
engine_has_setup (KoiSession *session)
{
  g_autoptr (KoiAccount) account = g_list_model_get_item (koi_session_get_accounts (session), 0);
  gboolean done = FALSE;

  if (koi_account_get_engine (account) == NULL)
    return FALSE;
  koi_engine_find_setup_async (koi_account_get_engine (account), NULL, find_setup_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  return found_setup;
}

/* Alice's first device (koi-cli) and Bob go encrypted: Bob's answer is
 * encrypted to Alice's key. */
static void
encrypted_history (KoiTestCli *cli)
{
  g_autofree char *dir = NULL;

  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PATH", keyring_path, TRUE);
  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PASSWORD", "test-keyring", TRUE);
  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  g_free (koi_test_cli_send (cli, "alice", "bob@example.org", "Hello Bob, plain."));
  g_free (koi_test_cli_run_ok (cli, "bob", "sync", NULL));
  g_free (koi_test_cli_send (cli, "bob", "alice@example.org", "Secret for Alice."));
  g_free (koi_test_cli_run_ok (cli, "alice", "sync", NULL));
}

/* The window's "Another device sent this account's encryption key" banner
 * is up, with its button. */
static gboolean
key_banner_shown (KoiWindow *window)
{
  GtkWidget *banner = koi_window_get_key_banner (window);
  g_autofree char *title = NULL;
  g_autofree char *button = NULL;
  gboolean revealed = FALSE;

  g_object_get (banner, "revealed", &revealed, "title", &title, "button-label", &button, NULL);
  return revealed && button != NULL && *button != '\0' &&
         g_strcmp0 (title, "Another device sent this account’s encryption key") == 0;
}

static gboolean
key_banner_hidden (KoiWindow *window)
{
  gboolean revealed = TRUE;

  g_object_get (koi_window_get_key_banner (window), "revealed", &revealed, NULL);
  return !revealed;
}

static GtkWidget *
find_button (GtkWidget *root)
{
  if (GTK_IS_BUTTON (root) && gtk_widget_get_mapped (root))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
type_code (GtkWidget  *alert,
           const char *code)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (alert), "koi-entry");

  g_assert_nonnull (entry);
  gtk_editable_set_text (entry, code);
}

static void
test_import (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiSession) session = NULL;
  g_autoptr (GSettings) settings = g_settings_new ("io.github.koichat.Koi");
  g_autofree char *laptop = NULL;
  g_autofree char *out = NULL;
  g_autofree char *code = NULL;
  g_autofree char *wrong = NULL;
  GtkWidget *preferences;
  GtkWidget *row;
  GtkWidget *enter;
  GtkWidget *alert = NULL;
  KoiWindow *window;

  encrypted_history (cli);
  koi_test_cli_add_account (cli, "alice-laptop", "alice@example.org", "alice-secret");
  laptop = koi_test_cli_profile (cli, "alice-laptop");

  session = koi_session_new (laptop);
  koi_session_load_async (session, NULL, NULL, NULL);
  window = open_window (session);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_open_chat (window, "bob@example.org"), WAIT_S);
  KOI_TEST_UI_WAIT_FOR (chat_shows (window, UNREADABLE), WAIT_S);
  g_assert_true (chat_shows (window, "Hello Bob, plain."));

  /* Without a setup message there is nothing to enter. */
  preferences = koi_preferences_window_new (settings, koi_session_get_accounts (session));
  koi_compat_present_dialog (preferences, GTK_WIDGET (window));
  koi_test_ui_wait_for_drawn (preferences);
  row = koi_preferences_window_get_key_row (KOI_PREFERENCES_WINDOW (preferences), 0);
  g_assert_nonnull (row);
  enter = koi_key_transfer_row_get_enter_code (row);
  koi_test_ui_iterate_ms (500);
  g_assert_false (gtk_widget_get_visible (enter));
  koi_compat_dialog_close (preferences);
  g_assert_true (key_banner_hidden (window));

  /* The first device sends the key; the window's engine picks it up. */
  out = koi_test_cli_run_ok (cli, "alice", "keys", "export-setup", NULL);
  code = g_strstrip (g_strdup (out));
  KOI_TEST_UI_WAIT_FOR (engine_has_setup (session), WAIT_S);
  /* It is no message in any chat. */
  g_assert_false (chat_shows (window, "Autocrypt Setup Message"));

  preferences = koi_preferences_window_new (settings, koi_session_get_accounts (session));
  koi_compat_present_dialog (preferences, GTK_WIDGET (window));
  koi_test_ui_wait_for_drawn (preferences);
  row = koi_preferences_window_get_key_row (KOI_PREFERENCES_WINDOW (preferences), 0);
  enter = koi_key_transfer_row_get_enter_code (row);
  KOI_TEST_UI_WAIT_FOR (gtk_widget_get_visible (enter), WAIT_S);
  koi_test_ui_wait_for_drawn (enter);
  g_object_unref (koi_test_ui_shoot (gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP),
                                     "key-transfer-enter-code.png", 16));

  koi_compat_dialog_close (preferences);

  /* The main window points to it, where the user looks. */
  KOI_TEST_UI_WAIT_FOR (key_banner_shown (window), WAIT_S);
  koi_test_ui_iterate_ms (500);
  g_object_unref (koi_test_ui_shoot (GTK_WIDGET (window), "key-transfer-banner.png", 16));

  /* A click on "Import Key…" asks for the code; a wrong one is refused,
   * nothing changed, and the banner stays for the next try. */
  koi_test_ui_focus_window (GTK_WINDOW (window));
  koi_test_ui_click (find_button (koi_window_get_key_banner (window)));
  KOI_TEST_UI_WAIT_FOR ((alert = shown_alert (window, NULL, "Enter Setup Code")) != NULL, WAIT_S);
  wrong = g_strdup (code);
  wrong[0] = wrong[0] == '9' ? '0' : wrong[0] + 1;
  type_code (alert, wrong);
  koi_compat_alert_respond (alert, "import");
  KOI_TEST_UI_WAIT_FOR ((alert = shown_alert (window, NULL, "Wrong Setup Code")) != NULL, WAIT_S);
  g_assert_nonnull (strstr (koi_compat_alert_get_body (alert), "Nothing was changed"));
  koi_compat_alert_respond (alert, "close");
  koi_test_ui_iterate_ms (300);
  g_assert_true (chat_shows (window, UNREADABLE));
  KOI_TEST_UI_WAIT_FOR (key_banner_shown (window), WAIT_S);

  /* The right code, typed on the keyboard with spaces as someone types it
   * off another screen, and Return. */
  koi_test_ui_focus_window (GTK_WINDOW (window));
  koi_test_ui_click (find_button (koi_window_get_key_banner (window)));
  KOI_TEST_UI_WAIT_FOR ((alert = shown_alert (window, NULL, "Enter Setup Code")) != NULL, WAIT_S);
  {
    GtkWidget *entry = g_object_get_data (G_OBJECT (alert), "koi-entry");

    koi_test_ui_wait_for_drawn (entry);
    if (GTK_IS_WINDOW (alert))
      koi_test_ui_focus_window (GTK_WINDOW (alert));
    koi_test_ui_click (entry);
    g_strdelimit (code, "-", ' ');
    koi_test_ui_xdotool ("type", "--delay", "5", code, NULL);
    KOI_TEST_UI_WAIT_FOR (strlen (gtk_editable_get_text (GTK_EDITABLE (entry))) == strlen (code),
                          WAIT_S);
    koi_test_ui_press_keys ("Return");
  }
  KOI_TEST_UI_WAIT_FOR (key_banner_hidden (window), WAIT_S);

  /* Preferences have nothing left to enter. */
  preferences = koi_preferences_window_new (settings, koi_session_get_accounts (session));
  koi_compat_present_dialog (preferences, GTK_WIDGET (window));
  koi_test_ui_wait_for_drawn (preferences);
  row = koi_preferences_window_get_key_row (KOI_PREFERENCES_WINDOW (preferences), 0);
  KOI_TEST_UI_WAIT_FOR (!gtk_widget_get_visible (koi_key_transfer_row_get_enter_code (row)), WAIT_S);
  koi_compat_dialog_close (preferences);

  /* The history reads, in place. */
  KOI_TEST_UI_WAIT_FOR (chat_shows (window, "Secret for Alice."), WAIT_S);
  g_assert_false (chat_shows (window, UNREADABLE));

  gtk_window_destroy (GTK_WINDOW (window));
  koi_session_shutdown (session);
}

static GtkWidget *
find_named (GtkWidget  *root,
            const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_transfer (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiSession) session = NULL;
  g_autoptr (GSettings) settings = g_settings_new ("io.github.koichat.Koi");
  g_autofree char *alice = NULL;
  g_autofree char *laptop = NULL;
  g_autofree char *input = NULL;
  g_autofree char *out = NULL;
  g_autofree char *shown = NULL;
  GString *code;
  GtkWidget *preferences;
  GtkWidget *row;
  GtkWidget *alert = NULL;
  GtkWidget *label;
  KoiWindow *window;

  encrypted_history (cli);
  alice = koi_test_cli_profile (cli, "alice");
  session = koi_session_new (alice);
  koi_session_load_async (session, NULL, NULL, NULL);
  window = open_window (session);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_open_chat (window, "bob@example.org"), WAIT_S);
  KOI_TEST_UI_WAIT_FOR (chat_shows (window, "Secret for Alice."), WAIT_S);

  preferences = koi_preferences_window_new (settings, koi_session_get_accounts (session));
  koi_compat_present_dialog (preferences, GTK_WIDGET (window));
  koi_test_ui_wait_for_drawn (preferences);
  row = koi_preferences_window_get_key_row (KOI_PREFERENCES_WINDOW (preferences), 0);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "alice@example.org");
  /* This device has the key: nothing to enter here. */
  koi_test_ui_iterate_ms (500);
  g_assert_false (gtk_widget_get_visible (koi_key_transfer_row_get_enter_code (row)));

  gtk_widget_activate (koi_key_transfer_row_get_transfer (row));
  KOI_TEST_UI_WAIT_FOR ((alert = shown_alert (window, preferences, "Transfer the Key?")) != NULL,
                        WAIT_S);
  koi_compat_alert_respond (alert, "transfer");
  KOI_TEST_UI_WAIT_FOR ((alert = shown_alert (window, preferences, "Setup Code")) != NULL, WAIT_S);
  label = find_named (alert, "setup-code");
  g_assert_nonnull (label);
  koi_test_ui_wait_for_drawn (label);
  shown = g_strdup (gtk_label_get_text (GTK_LABEL (label)));
  g_object_unref (koi_test_ui_shoot (alert, "key-transfer-setup-code.png", 8));
  /* Three lines of three blocks of four digits. */
  g_assert_true (g_regex_match_simple ("^([0-9]{4} [0-9]{4} [0-9]{4}\n){2}[0-9]{4} [0-9]{4} [0-9]{4}$",
                                       shown, 0, 0));
  g_object_ref (label);
  koi_compat_alert_respond (alert, "done");
  /* Gone from the widget once closed. */
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, "");
  g_object_unref (label);
  koi_compat_dialog_close (preferences);

  /* The new device takes the key over with what the window showed. */
  code = g_string_new (NULL);
  for (const char *p = shown; *p != '\0'; p++)
    if (g_ascii_isdigit (*p))
      g_string_append_c (code, *p);
  g_assert_cmpuint (code->len, ==, 36);
  koi_test_cli_add_account (cli, "alice-laptop", "alice@example.org", "alice-secret");
  g_free (koi_test_cli_run_ok (cli, "alice-laptop", "sync", NULL));
  laptop = koi_test_cli_profile (cli, "alice-laptop");
  input = g_strdup_printf ("%s\n", code->str);
  g_string_free (code, TRUE);
  g_assert_cmpint (koi_test_cli_run (cli, input, &out, NULL, "--profile", laptop,
                                     "keys", "import-setup", "--code-stdin", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "fingerprint"));
  g_free (koi_test_cli_run_ok (cli, "alice-laptop", "sync", NULL));
  {
    g_autoptr (GPtrArray) history = koi_test_cli_messages (cli, "alice-laptop", "bob@example.org");
    gboolean found = FALSE;

    for (guint i = 0; i < history->len; i++)
      found |= g_strcmp0 (json_object_get_string_member (g_ptr_array_index (history, i), "text"),
                          "Secret for Alice.") == 0;
    g_assert_true (found);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  koi_session_shutdown (session);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  keyring_path = koi_test_ui_use_file_keyring ();
  koi_test_ui_init (&argc, &argv);
  koi_model_init ();

  g_test_add_func ("/ui/keyxfer-e2e/import", test_import);
  g_test_add_func ("/ui/keyxfer-e2e/transfer", test_transfer);

  status = g_test_run ();

  koi_test_ui_remove_file_keyring (keyring_path);
  g_free (keyring_path);
  return status;
}
