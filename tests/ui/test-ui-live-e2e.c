/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-live-e2e"

#include "config.h"

#include <string.h>

#include "koi-account-config.h"
#include "koi-compat.h"
#include "koi-conversation-view.h"
#include "koi-search-results.h"
#include "koi-secret.h"
#include "koi-test-ui.h"
#include "koi-test-ui-pair.h"

/*
 * Alice's window while others act, through the private Dovecot + Postfix,
 * with real keys and clicks (xdotool): search results that follow what
 * arrives, changes and goes; the chat header that follows a rename by
 * another member; and the banner's "Enter Password…" once the server
 * refuses the saved password or the keyring has none. Each case runs in its own process (a second
 * session in one process does not come online).
 */

#define ALICE KOI_TEST_UI_ALICE
#define BOB   KOI_TEST_UI_BOB
#define WAIT_S 45

typedef struct
{
  KoiTestCli    *cli;
  KoiTestUiSide  alice;
  KoiWindow     *window;   /* alice.window */
} Fixture;

static void
fixture_start (Fixture *fixture)
{
  fixture->cli = koi_test_ui_pair_cli_new ();
}

static void
fixture_open_window (Fixture *fixture)
{
  koi_test_ui_side_open (&fixture->alice, fixture->cli, "alice", ALICE, 900, 640);
  fixture->window = fixture->alice.window;
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_window_get_page_name (fixture->window), "chats") == 0, WAIT_S);
  koi_test_ui_focus_window (GTK_WINDOW (fixture->window));
}

static void
fixture_stop (Fixture *fixture)
{
  koi_test_ui_side_close (&fixture->alice);
  koi_test_ui_iterate_ms (100);
  koi_test_cli_free (fixture->cli);
}

static GtkWidget *
focus_of (KoiWindow *window)
{
  return gtk_root_get_focus (GTK_ROOT (window));
}

/* The text of a search result's snippet (the last label of its box). */
static const char *
snippet_of (GtkWidget *row)
{
  GtkWidget *box = row != NULL ? gtk_widget_get_first_child (row) : NULL;
  GtkWidget *label = NULL;

  for (GtkWidget *c = box != NULL ? gtk_widget_get_first_child (box) : NULL; c != NULL;
       c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_LABEL (c))
      label = c;
  return label != NULL ? gtk_label_get_text (GTK_LABEL (label)) : NULL;
}

/* The first result reads @text and is drawn. */
static gboolean
first_result_reads (KoiSearchResults *results,
                    const char       *text)
{
  GtkWidget *row = koi_search_results_get_row (results, 0);

  return row != NULL && gtk_widget_is_drawable (row) && g_strcmp0 (snippet_of (row), text) == 0;
}

/* ------------------------------------------------------------------ */

/* Alice searches for a word no message has; Bob then writes it, edits
 * that message and deletes it for everyone, while her results stay open:
 * they show it, change with it and lose it, and the focus on its row
 * stays in the search. */
static void
test_search_follows (void)
{
  Fixture fixture = { 0 };
  KoiSearchResults *results;
  GtkWidget *entry, *nothing;
  g_autofree char *sent = NULL;
  g_autofree char *bob_dir = NULL;
  gint64 start;

  fixture_start (&fixture);
  g_free (koi_test_cli_send (fixture.cli, "bob", ALICE, "Hi Alice, Bob here"));
  fixture_open_window (&fixture);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_window_online (fixture.window), WAIT_S);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_find_chat_row (fixture.window, BOB) != NULL, WAIT_S);
  results = KOI_SEARCH_RESULTS (koi_window_get_search_results (fixture.window));
  entry = koi_window_get_search_entry (fixture.window);

  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (koi_window_get_chat_list_view (fixture.window))));
  koi_test_ui_press_keys ("ctrl+f");
  KOI_TEST_UI_WAIT_FOR (focus_of (fixture.window) != NULL && gtk_widget_is_ancestor (focus_of (fixture.window), entry), 5);
  koi_test_ui_xdotool ("type", "--delay", "30", "lighthouse", NULL);
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_search_results_get_query (results), "lighthouse") == 0 &&
                        !koi_search_results_get_busy (results), 5);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (fixture.window));
  nothing = koi_test_ui_find_label (GTK_WIDGET (fixture.window), "Nothing Found");
  g_assert_nonnull (nothing);
  KOI_TEST_UI_WAIT_FOR (gtk_widget_is_drawable (nothing), 5);

  /* It arrives: the result shows up without a keystroke. */
  sent = koi_test_cli_send (fixture.cli, "bob", ALICE, "The lighthouse is lit tonight");
  start = g_get_monotonic_time ();
  KOI_TEST_UI_WAIT_FOR (first_result_reads (results, "The lighthouse is lit tonight"), WAIT_S);
  g_test_message ("result shown %.2f s after Bob's send returned",
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  g_assert_cmpuint (koi_search_results_get_n_results (results), ==, 1);
  g_assert_false (gtk_widget_is_drawable (nothing));
  /* Named by its chat: Bob has no display name here. */
  g_assert_nonnull (koi_test_ui_find_label (koi_search_results_get_row (results, 0), BOB));
  koi_test_ui_wait_for_drawn (GTK_WIDGET (fixture.window));
  g_object_unref (koi_test_ui_shoot (GTK_WIDGET (fixture.window), "search-live.png", 8));

  /* Down: the result has the focus, and keeps it when Bob edits it. */
  koi_test_ui_press_keys ("Down");
  KOI_TEST_UI_WAIT_FOR (focus_of (fixture.window) == koi_search_results_get_row (results, 0), 5);
  bob_dir = koi_test_cli_profile (fixture.cli, "bob");
  g_assert_cmpint (koi_test_cli_run (fixture.cli, NULL, NULL, NULL, "--profile", bob_dir, "edit", sent,
                                     "The lighthouse is dark tonight", NULL), ==, 0);
  start = g_get_monotonic_time ();
  KOI_TEST_UI_WAIT_FOR (first_result_reads (results, "The lighthouse is dark tonight"), WAIT_S);
  g_test_message ("edit shown %.2f s after Bob's edit returned",
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  KOI_TEST_UI_WAIT_FOR (focus_of (fixture.window) == koi_search_results_get_row (results, 0), 5);

  /* Deleted for everyone: gone from the results, "Nothing Found" again,
   * and the focus back in the entry, where typing goes on. */
  g_assert_cmpint (koi_test_cli_run (fixture.cli, NULL, NULL, NULL, "--profile", bob_dir, "delete", sent,
                                     "--everyone", NULL), ==, 0);
  start = g_get_monotonic_time ();
  KOI_TEST_UI_WAIT_FOR (koi_search_results_get_n_results (results) == 0 && gtk_widget_is_drawable (nothing),
                        WAIT_S);
  g_test_message ("result gone %.2f s after Bob's delete returned",
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  KOI_TEST_UI_WAIT_FOR (focus_of (fixture.window) != NULL && gtk_widget_is_ancestor (focus_of (fixture.window), entry), 5);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "lighthouse");

  fixture_stop (&fixture);
}

/* ------------------------------------------------------------------ */

/* A drawn title in the window's header bars reads @title. */
static gboolean
header_reads (GtkWidget  *root,
              const char *title)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (ADW_IS_WINDOW_TITLE (child) && gtk_widget_is_drawable (child) &&
          g_strcmp0 (adw_window_title_get_title (ADW_WINDOW_TITLE (child)), title) == 0)
        return TRUE;
      if (header_reads (child, title))
        return TRUE;
    }
  return FALSE;
}

/* The chat list's row that shows @title, drawn. */
static GtkWidget *
chat_row_titled (KoiWindow  *window,
                 const char *title)
{
  GtkWidget *label = koi_test_ui_find_label (GTK_WIDGET (koi_window_get_chat_list_view (window)), title);

  return label != NULL && gtk_widget_is_drawable (label) ? label : NULL;
}

/* Bob makes a group with Alice; she opens it with a click; he renames it
 * while it is open: her header (and list) follow. */
static void
test_group_rename (void)
{
  Fixture fixture = { 0 };
  g_autofree char *created = NULL;
  g_auto (GStrv) lines = NULL;
  GtkWidget *row;

  fixture_start (&fixture);
  created = koi_test_cli_run_ok (fixture.cli, "bob", "group", "create", "Picnic", ALICE, NULL);
  lines = g_strsplit (created, "\n", -1);
  g_assert_cmpint (g_ascii_strtoll (lines[0], NULL, 10), >, 0);
  fixture_open_window (&fixture);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_window_online (fixture.window), WAIT_S);
  KOI_TEST_UI_WAIT_FOR ((row = chat_row_titled (fixture.window, "Picnic")) != NULL, WAIT_S);
  koi_test_ui_click (row);
  KOI_TEST_UI_WAIT_FOR (koi_conversation_view_get_chat (koi_window_get_conversation_view (fixture.window)) != NULL, 10);
  KOI_TEST_UI_WAIT_FOR (header_reads (GTK_WIDGET (fixture.window), "Picnic"), 10);

  g_free (koi_test_cli_run_ok (fixture.cli, "bob", "group", "rename", lines[0], "Beach Picnic", NULL));
  KOI_TEST_UI_WAIT_FOR (header_reads (GTK_WIDGET (fixture.window), "Beach Picnic"), WAIT_S);
  g_assert_false (header_reads (GTK_WIDGET (fixture.window), "Picnic"));
  KOI_TEST_UI_WAIT_FOR (chat_row_titled (fixture.window, "Beach Picnic") != NULL, 10);

  fixture_stop (&fixture);
}

/* ------------------------------------------------------------------ */

#define PASSWORD_BANNER "Not connected: the mail server did not accept the password."

static gboolean
banner_says (GtkWidget  *banner,
             const char *title)
{
  g_autofree char *shown = NULL;
  gboolean revealed = FALSE;

  g_object_get (banner, "title", &shown, "revealed", &revealed, NULL);
  return title != NULL ? revealed && g_strcmp0 (shown, title) == 0 : !revealed;
}

/* The connection banner over the window shows @title, at full height. */
static void
wait_for_banner (GtkWidget  *banner,
                 const char *title)
{
  KOI_TEST_UI_WAIT_FOR (banner_says (banner, title) && gtk_widget_get_mapped (banner)
                        && gtk_widget_get_height (banner) >= 30, WAIT_S);
}

/* The banner's "Enter Password…" button, after the window is shot to
 * @screenshot with the banner drawn. */
static GtkWidget *
password_button_shot (KoiWindow  *window,
                      GtkWidget  *banner,
                      const char *screenshot)
{
  GtkWidget *button = koi_test_ui_find_label (banner, "Enter Password…");

  g_assert_nonnull (button);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  g_object_unref (koi_test_ui_shoot (GTK_WIDGET (window), screenshot, 8));
  return button;
}

/* Types @password into the focused prompt, as a user would, and sends it. */
static void
type_into_prompt (const char *password)
{
  koi_test_ui_xdotool ("type", "--delay", "30", password, NULL);
  koi_test_ui_press_keys ("Return");
}

/* The keyring holds @password for Alice on @server: what the next start
 * finds. */
static void
assert_kept (const char *server,
             const char *password)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *kept = koi_secret_lookup_sync (ALICE, server, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (kept, ==, password);
}

/* The password prompt over @window, focused for typing. */
static GtkWidget *
wait_for_prompt (KoiWindow *window)
{
  GtkWidget *alert = NULL;

  KOI_TEST_UI_WAIT_FOR ((alert = koi_compat_alert_find (GTK_WINDOW (window))) != NULL &&
                        gtk_widget_get_mapped (alert), 10);
  g_assert_cmpstr (koi_compat_alert_get_heading (alert), ==, "Enter Password");
  /* The legacy set's alert is a window of its own: it gets the X input
   * focus as a window manager would give it. */
  koi_test_ui_focus_window (GTK_WINDOW (gtk_widget_get_root (alert)));
  koi_test_ui_wait_for_drawn (GTK_WIDGET (gtk_widget_get_root (alert)));
  KOI_TEST_UI_WAIT_FOR (GTK_IS_TEXT (gtk_root_get_focus (gtk_widget_get_root (alert))), 5);
  return alert;
}

/* The server no longer takes the password in the keyring (changed on the
 * web, say): the engine stops, the banner says why and offers "Enter
 * Password…"; a wrong one is refused with words, the right one brings the
 * account online and is what the keyring keeps. */
static void
test_wrong_password (void)
{
  Fixture fixture = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *server = NULL;
  g_autofree char *expected = NULL;
  GtkWidget *banner, *button, *alert;

  fixture_start (&fixture);
  server = koi_account_config_secret_server (fixture.cli->server->host, fixture.cli->server->imaps_port);
  g_assert_true (koi_secret_store_sync (ALICE, server, "an-old-password", NULL, &error));
  g_assert_no_error (error);
  fixture_open_window (&fixture);

  banner = koi_window_get_connection_banner (fixture.window);
  g_assert_nonnull (banner);
  wait_for_banner (banner, PASSWORD_BANNER);
  g_assert_cmpint (koi_account_get_connection_state (koi_window_get_account (fixture.window)), ==,
                   KOI_CONNECTION_FAILED);
  button = password_button_shot (fixture.window, banner, "password-refused.png");

  /* Mistyped: refused, asked again with why. */
  koi_test_ui_click (button);
  alert = wait_for_prompt (fixture.window);
  g_object_unref (koi_test_ui_shoot (GTK_WIDGET (gtk_widget_get_root (alert)), "password-prompt.png", 8));
  type_into_prompt ("alice-typo");
  KOI_TEST_UI_WAIT_FOR (koi_compat_alert_find (GTK_WINDOW (fixture.window)) != alert, 10);
  alert = wait_for_prompt (fixture.window);
  expected = g_strdup_printf ("The password for %s was not accepted.", ALICE);
  g_assert_nonnull (strstr (koi_compat_alert_get_body (alert), expected));
  g_assert_cmpint (koi_account_get_connection_state (koi_window_get_account (fixture.window)), ==,
                   KOI_CONNECTION_FAILED);

  type_into_prompt ("alice-secret");
  KOI_TEST_UI_WAIT_FOR (koi_compat_alert_find (GTK_WINDOW (fixture.window)) == NULL, 10);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_window_online (fixture.window), WAIT_S);
  KOI_TEST_UI_WAIT_FOR (banner_says (banner, NULL), 10);
  /* The next start finds the right one. */
  assert_kept (server, "alice-secret");

  fixture_stop (&fixture);
}

#define NO_PASSWORD_BANNER "Not connected: the keyring has no password for this account."

/* The keyring lost Alice's password (reset, new keyring): no engine can
 * start. The banner says so (not "Offline") and offers "Enter Password…";
 * the password typed there brings the account online and is saved in the
 * keyring again. */
static void
test_missing_password (void)
{
  Fixture fixture = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *server = NULL;
  g_autofree char *expected = NULL;
  GtkWidget *banner, *button, *alert;

  fixture_start (&fixture);
  server = koi_account_config_secret_server (fixture.cli->server->host, fixture.cli->server->imaps_port);
  g_assert_true (koi_secret_clear_sync (ALICE, server, NULL, &error));
  g_assert_no_error (error);
  fixture_open_window (&fixture);

  banner = koi_window_get_connection_banner (fixture.window);
  g_assert_nonnull (banner);
  wait_for_banner (banner, NO_PASSWORD_BANNER);
  g_assert_null (koi_account_get_engine (koi_window_get_account (fixture.window)));
  g_assert_cmpstr (koi_window_get_connection_text (fixture.window), ==, "Not connected: no saved password");
  button = password_button_shot (fixture.window, banner, "password-missing.png");

  koi_test_ui_click (button);
  alert = wait_for_prompt (fixture.window);
  expected = g_strdup_printf ("The keyring has no password for %s.", ALICE);
  g_assert_nonnull (strstr (koi_compat_alert_get_body (alert), expected));
  type_into_prompt ("alice-secret");
  KOI_TEST_UI_WAIT_FOR (koi_compat_alert_find (GTK_WINDOW (fixture.window)) == NULL, 10);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_window_online (fixture.window), WAIT_S);
  KOI_TEST_UI_WAIT_FOR (banner_says (banner, NULL), 10);
  g_assert_cmpint (koi_account_get_stopped (koi_window_get_account (fixture.window)), ==,
                   KOI_ACCOUNT_STOPPED_NONE);
  assert_kept (server, "alice-secret");

  fixture_stop (&fixture);
}

typedef struct
{
  gint64  chat_id;
  gint64  message_id;
  GError *error;
} Queued;

static void
chat_created_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Queued *queued = user_data;

  queued->chat_id = koi_account_create_chat_finish (KOI_ACCOUNT (source), result, &queued->error);
}

static void
text_queued_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Queued *queued = user_data;

  queued->message_id = koi_account_send_text_finish (KOI_ACCOUNT (source), result, &queued->error);
}

/* The sending server no longer takes the password Koi sends it (it has
 * one of its own, changed there), while receiving works: the banner says
 * it is the sending server and offers "Enter Password…"; the password
 * typed there is checked with that server and kept for sending only, and
 * the waiting message goes out. */
static void
test_sending_password (void)
{
  Fixture fixture = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *imap_server = NULL;
  g_autofree char *smtp_server = NULL;
  g_autofree char *expected = NULL;
  g_autoptr (GPtrArray) bobs = NULL;
  g_autofree char *bob_dir = NULL;
  KoiAccount *account;
  Queued queued = { 0 };
  GtkWidget *banner, *button, *alert;

  fixture_start (&fixture);
  imap_server = koi_account_config_secret_server (fixture.cli->server->host, fixture.cli->server->imaps_port);
  smtp_server = koi_account_config_smtp_secret_server (fixture.cli->server->host,
                                                       fixture.cli->server->submission_port);
  g_assert_true (koi_secret_store_sync (ALICE, smtp_server, "an-old-password", NULL, &error));
  g_assert_no_error (error);
  fixture_open_window (&fixture);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_window_online (fixture.window), WAIT_S);

  account = koi_window_get_account (fixture.window);
  koi_account_create_chat_async (account, BOB, NULL, chat_created_cb, &queued);
  KOI_TEST_UI_WAIT_FOR (queued.chat_id != 0 || queued.error != NULL, 10);
  g_assert_no_error (queued.error);
  koi_account_send_text_async (account, queued.chat_id, "Lunch at noon?", NULL, text_queued_cb, &queued);
  KOI_TEST_UI_WAIT_FOR (queued.message_id != 0 || queued.error != NULL, 10);
  g_assert_no_error (queued.error);

  banner = koi_window_get_connection_banner (fixture.window);
  expected = g_strdup_printf ("Not sending: the sending server %s did not accept the password.",
                              fixture.cli->server->host);
  wait_for_banner (banner, expected);
  /* Receiving still works: the account is not "Not connected". */
  g_assert_cmpint (koi_account_get_connection_state (account), !=, KOI_CONNECTION_FAILED);
  button = password_button_shot (fixture.window, banner, "password-sending.png");
  /* The banner says it: no toast repeats the server's reply. */
  g_assert_nonnull (koi_account_get_last_error (account));
  g_assert_null (koi_test_ui_find_label (GTK_WIDGET (fixture.window), koi_account_get_last_error (account)));

  koi_test_ui_click (button);
  alert = wait_for_prompt (fixture.window);
  g_free (expected);
  expected = g_strdup_printf ("The sending server %s did not accept the saved password for %s.",
                              fixture.cli->server->host, ALICE);
  g_assert_nonnull (strstr (koi_compat_alert_get_body (alert), expected));
  type_into_prompt ("alice-secret");
  KOI_TEST_UI_WAIT_FOR (koi_compat_alert_find (GTK_WINDOW (fixture.window)) == NULL, 10);
  KOI_TEST_UI_WAIT_FOR (banner_says (banner, NULL), WAIT_S);

  /* The waiting message reaches Bob (his chat with Alice exists once
   * it did). */
  bob_dir = koi_test_cli_profile (fixture.cli, "bob");
  for (guint attempt = 0; attempt < 120 && (bobs == NULL || bobs->len == 0); attempt++)
    {
      g_autofree char *out = NULL;

      g_assert_cmpint (koi_test_cli_run (fixture.cli, NULL, NULL, NULL, "--profile", bob_dir, "sync", NULL), ==, 0);
      if (koi_test_cli_run (fixture.cli, NULL, &out, NULL, "--profile", bob_dir, "messages", ALICE, NULL) == 0)
        {
          g_clear_pointer (&bobs, g_ptr_array_unref);
          bobs = koi_test_cli_parse_lines (out);
        }
      koi_test_ui_iterate_ms (250);
    }
  g_assert_nonnull (bobs);
  g_assert_cmpuint (bobs->len, ==, 1);
  /* Kept for sending only; the receiving password is as it was. */
  assert_kept (smtp_server, "alice-secret");
  assert_kept (imap_server, "alice-secret");

  fixture_stop (&fixture);
}

int
main (int   argc,
      char *argv[])
{
  koi_test_ui_pair_init (&argc, &argv);

  g_test_add_func ("/ui/live-e2e/search-follows", test_search_follows);
  g_test_add_func ("/ui/live-e2e/group-rename", test_group_rename);
  g_test_add_func ("/ui/live-e2e/wrong-password", test_wrong_password);
  g_test_add_func ("/ui/live-e2e/missing-password", test_missing_password);
  g_test_add_func ("/ui/live-e2e/sending-password", test_sending_password);

  return koi_test_ui_pair_run ();
}
