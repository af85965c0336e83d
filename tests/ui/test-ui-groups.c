/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-groups"

#include "config.h"

#include <string.h>

#include "koi-chat-row.h"
#include "koi-compat.h"
#include "koi-composer.h"
#include "koi-conversation-view.h"
#include "koi-group-details.h"
#include "koi-message-row.h"
#include "koi-model.h"
#include "koi-new-group-dialog.h"
#include "koi-session.h"
#include "koi-test-cli.h"
#include "koi-test-ui.h"
#include "koi-window.h"

/*
 * Groups in Alice's window, through the private Dovecot + Postfix, with
 * Bob and Carol on koi-cli: New Group (name, members typed), a message
 * into it, Bob's answer with his name on the bubble and "Bob: …" in the
 * chat list, the details page (members), removing Carol, and the info
 * line the removal leaves. Screenshots light and dark.
 */

#define ALICE "alice@example.org"
#define BOB   "bob@example.org"
#define CAROL "carol@example.org"
#define WAIT_S 45

static char *keyring_path;

static void
type_and_send (KoiWindow  *window,
               const char *text)
{
  KoiComposer *composer = koi_conversation_view_get_composer (koi_window_get_conversation_view (window));
  GtkTextView *view = koi_composer_get_text_view (composer);

  gtk_text_buffer_insert_at_cursor (gtk_text_view_get_buffer (view), text, -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL));
}

/* @profile's chat id of its only group, as text, after syncing. */
static char *
synced_group (KoiTestCli *cli,
              const char *profile)
{
  for (guint attempt = 0; attempt < 80; attempt++)
    {
      g_autofree char *synced = koi_test_cli_run_ok (cli, profile, "sync", NULL);
      g_autofree char *out = koi_test_cli_run_ok (cli, profile, "chats", NULL);
      g_autoptr (GPtrArray) chats = koi_test_cli_parse_lines (out);

      for (guint i = 0; i < chats->len; i++)
        if (g_strcmp0 (json_object_get_string_member_with_default (g_ptr_array_index (chats, i),
                                                                   "kind", ""), "group") == 0)
          return g_strdup_printf ("%" G_GINT64_FORMAT,
                                  json_object_get_int_member (g_ptr_array_index (chats, i), "id"));
      g_usleep (250 * 1000);
    }
  return NULL;
}

static void
on_loaded (KoiGroupDetails *details,
           guint           *count)
{
  (*count)++;
}

static void
test_group_window (void)
{
  static const char * const users[] = {
    ALICE ":alice-secret", BOB ":bob-secret", CAROL ":carol-secret", NULL
  };
  const char *hello = "Hello group, Alice here";
  const char *answer = "Bob answers the group";
  g_autoptr (KoiTestCli) cli = koi_test_cli_new_with_users (users);
  g_autoptr (GdkTexture) light = NULL;
  g_autoptr (GdkTexture) dark = NULL;
  g_autoptr (GdkTexture) details_shot = NULL;
  g_autofree char *bob_chat = NULL;
  g_autofree char *bob_preview = g_strdup_printf ("%s: %s", BOB, answer);
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autoptr (KoiSession) session = NULL;
  KoiNewGroupDialog *dialog;
  KoiGroupDetails *details;
  KoiWindow *window;
  KoiChat *chat;
  KoiMessageRow *row;
  guint loads = 0;
  gint64 chat_id;

  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PATH", keyring_path, TRUE);
  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PASSWORD", "test-keyring", TRUE);
  koi_test_cli_add_account (cli, "alice", ALICE, "alice-secret");
  koi_test_cli_add_account (cli, "bob", BOB, "bob-secret");
  koi_test_cli_add_account (cli, "carol", CAROL, "carol-secret");

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

  /* New Group: a name, two typed addresses (one typed wrong first). */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-group", NULL));
  KOI_TEST_UI_WAIT_FOR ((dialog = (KoiNewGroupDialog *) koi_test_ui_find_toplevel (KOI_TYPE_NEW_GROUP_DIALOG)) != NULL, 10);
  koi_new_group_dialog_set_name (dialog, "Trip");
  g_assert_false (koi_new_group_dialog_add_address (dialog, "bob at example"));
  g_assert_nonnull (koi_new_group_dialog_get_error (dialog));
  g_assert_true (koi_new_group_dialog_add_address (dialog, BOB));
  g_assert_true (koi_new_group_dialog_add_address (dialog, CAROL));
  g_assert_null (koi_new_group_dialog_get_error (dialog));
  koi_new_group_dialog_create (dialog);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_find_toplevel (KOI_TYPE_NEW_GROUP_DIALOG) == NULL, 10);

  /* The new group is open, titled by its name. */
  KOI_TEST_UI_WAIT_FOR ((chat = koi_conversation_view_get_chat (koi_window_get_conversation_view (window))) != NULL &&
            koi_chat_get_is_group (chat), 10);
  g_assert_cmpstr (koi_chat_get_title (chat), ==, "Trip");
  chat_id = koi_chat_get_id (chat);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_find_label (GTK_WIDGET (koi_window_get_conversation_view (window)),
                                    "You created the group “Trip”") != NULL, 10);

  type_and_send (window, hello);
  KOI_TEST_UI_WAIT_FOR ((row = koi_test_ui_find_bubble (window, hello)) != NULL &&
            koi_message_get_state (koi_message_row_get_item (row)) == KOI_MESSAGE_SENT, WAIT_S);

  /* Bob has the group too, and answers into it. */
  bob_chat = synced_group (cli, "bob");
  g_assert_nonnull (bob_chat);
  g_free (koi_test_cli_run_ok (cli, "bob", "send", bob_chat, answer, NULL));
  KOI_TEST_UI_WAIT_FOR ((row = koi_test_ui_find_bubble (window, answer)) != NULL, WAIT_S);
  /* His name (here his address) on the bubble; "Bob: …" in the list. */
  g_assert_cmpstr (koi_message_row_get_sender_text (row), ==, BOB);
  g_assert_cmpstr (koi_message_row_get_avatar_text (row), ==, BOB);
  /* Alice's own bubble has none. */
  g_assert_null (koi_message_row_get_avatar_text (koi_test_ui_find_bubble (window, hello)));
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_chat_row_shows (koi_test_ui_find_chat_row_by_id (window, chat_id), bob_preview), WAIT_S);

  light = koi_test_ui_shoot (GTK_WIDGET (window), "group-light.png", 16);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  dark = koi_test_ui_shoot (GTK_WIDGET (window), "group-dark.png", 16);
  g_assert_cmpfloat (koi_test_ui_mean_brightness (dark) + 60, <, koi_test_ui_mean_brightness (light));
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);

  /* The details page: three members; remove Carol. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.group-details", NULL));
  KOI_TEST_UI_WAIT_FOR ((details = (KoiGroupDetails *) koi_test_ui_find_toplevel (KOI_TYPE_GROUP_DETAILS)) != NULL, 10);
  g_signal_connect (details, "loaded", G_CALLBACK (on_loaded), &loads);
  {
    g_auto (GStrv) members = NULL;

    KOI_TEST_UI_WAIT_FOR ((members = koi_group_details_get_members (details)) != NULL && g_strv_length (members) == 3,
              10);
    g_assert_cmpstr (members[0], ==, ALICE);
    g_assert_cmpstr (members[1], ==, BOB);
    g_assert_cmpstr (members[2], ==, CAROL);
  }
  details_shot = koi_test_ui_shoot (GTK_WIDGET (details), "group-details.png", 16);
  {
    guint before = loads;

    koi_group_details_remove_member (details, CAROL);
    /* Read again once the engine stored the removal. */
    KOI_TEST_UI_WAIT_FOR (loads > before, 10);
  }
  {
    g_auto (GStrv) members = koi_group_details_get_members (details);

    g_assert_cmpuint (g_strv_length (members), ==, 2);
    g_assert_false (g_strv_contains ((const char * const *) members, CAROL));
  }
  gtk_window_destroy (GTK_WINDOW (details));

  /* The removal is an info line in the conversation. */
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_find_label (GTK_WIDGET (koi_window_get_conversation_view (window)),
                                    "You removed " CAROL) != NULL, 10);
  /* ... and the chat list's preview. */
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_chat_row_shows (koi_test_ui_find_chat_row_by_id (window, chat_id), "You removed " CAROL), 10);

  /* Alice leaves from the details page, confirming the question: where
   * she typed, a line now says why she cannot write any more. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.group-details", NULL));
  KOI_TEST_UI_WAIT_FOR ((details = (KoiGroupDetails *) koi_test_ui_find_toplevel (KOI_TYPE_GROUP_DETAILS)) != NULL, 10);
  {
    GtkWidget *leave = NULL;
    GtkWidget *alert = NULL;
    KoiConversationView *view = koi_window_get_conversation_view (window);

    KOI_TEST_UI_WAIT_FOR ((leave = koi_test_ui_find_label (GTK_WIDGET (details), "Leave Group")) != NULL, 10);
    g_assert_true (gtk_widget_activate (gtk_widget_get_ancestor (leave, GTK_TYPE_BUTTON)));
    KOI_TEST_UI_WAIT_FOR ((alert = koi_compat_alert_find (GTK_WINDOW (details))) != NULL, 10);
    koi_compat_alert_respond (alert, "leave");
    gtk_window_destroy (GTK_WINDOW (details));

    KOI_TEST_UI_WAIT_FOR (!gtk_widget_get_visible (GTK_WIDGET (koi_conversation_view_get_composer (view))), 10);
    g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (view),
                                              "You are no longer a member of this group, so you cannot write in it."));
  }

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

  g_test_add_func ("/ui/groups/create-send-details", test_group_window);

  status = g_test_run ();
  koi_test_ui_remove_file_keyring (keyring_path);
  g_free (keyring_path);
  return status;
}
