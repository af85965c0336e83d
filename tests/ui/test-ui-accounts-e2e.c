/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "koi-account-config.h"
#include "koi-account-switcher.h"
#include "koi-application.h"
#include "koi-chat-row.h"
#include "koi-compat.h"
#include "koi-model.h"
#include "koi-own-key.h"
#include "koi-profile.h"
#include "koi-rnp-context.h"
#include "koi-secret.h"
#include "koi-session.h"
#include "koi-test-cli.h"
#include "koi-test-ui.h"
#include "koi-window.h"

/*
 * Two accounts in one window, with the private Dovecot + Postfix: a profile
 * holds alice@ and bob@ (both engines run), carol@ writes from her own
 * koi-cli profile. The window shows Alice; the account button's popover
 * lists both; Carol's mail to Bob raises Bob's count in the popover (drawn)
 * and puts a dot on the button; a real click on Bob's row shows his chat
 * row. Remove Account asks first; then Bob's chats are gone, his password
 * and his key's passphrase are no longer in the keyring, his key file is
 * gone, and the server still
 * has his mail. And the chosen account is the one shown at the next start
 * (two runs of KoiApplication on the profile). Removing the last account
 * too (by a click in the alert) leaves the welcome page.
 */

#define WAIT_S 45

#define WAIT_FOR(cond, seconds)                                               \
  G_STMT_START {                                                              \
    gint64 wait_end_ = g_get_monotonic_time () + (gint64) (seconds) * G_USEC_PER_SEC; \
    while (!(cond) && g_get_monotonic_time () < wait_end_)                    \
      g_main_context_iteration (NULL, TRUE);                                  \
    g_assert_true (cond);                                                     \
  } G_STMT_END

static char *keyring_path;

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
settle_ms (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

/* A chat row on screen (mapped, in the viewport) whose preview has @text. */
static gboolean
row_drawn (GtkWidget  *root,
           const char *text)
{
  const char *preview;

  if (KOI_IS_CHAT_ROW (root) && gtk_widget_get_mapped (root) &&
      (preview = koi_chat_row_get_preview_text (KOI_CHAT_ROW (root))) != NULL &&
      strstr (preview, text) != NULL)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (row_drawn (child, text))
      return TRUE;
  return FALSE;
}

static KoiAccountSwitcher *
find_switcher (GtkWidget *root)
{
  if (KOI_IS_ACCOUNT_SWITCHER (root))
    return KOI_ACCOUNT_SWITCHER (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      KoiAccountSwitcher *found = find_switcher (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The popover's row @position shows @address (drawn). */
static gboolean
row_shows (KoiAccountSwitcher *switcher,
           guint               position,
           const char         *address)
{
  GtkWidget *row = koi_account_switcher_get_row (switcher, position);
  GtkWidget *label = row != NULL ? koi_test_ui_find_label (row, address) : NULL;

  return label != NULL && gtk_widget_get_mapped (label);
}

/* The unread count drawn in row @position, 0 when none is shown. */
static guint
drawn_count (KoiAccountSwitcher *switcher,
             guint               position)
{
  GtkWidget *count = koi_account_switcher_get_count (switcher, position);

  if (count == NULL || !gtk_widget_get_mapped (count))
    return 0;
  return (guint) g_ascii_strtoull (gtk_label_get_text (GTK_LABEL (count)), NULL, 10);
}

static guint
count_mail_files (const char *server_dir,
                  const char *user)
{
  guint n = 0;

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *folder = g_build_filename (server_dir, "mail", "example.org", user, "Maildir",
                                                  i == 0 ? "cur" : "new", NULL);
      g_autoptr (GDir) listing = g_dir_open (folder, 0, NULL);

      while (listing != NULL && g_dir_read_name (listing) != NULL)
        n++;
    }
  return n;
}

static gint64
account_id_of (KoiSession *session,
               const char *address)
{
  GListModel *accounts = koi_session_get_accounts (session);

  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr (KoiAccount) account = g_list_model_get_item (accounts, i);

      if (g_str_equal (koi_account_get_address (account), address))
        return koi_account_get_id (account);
    }
  return 0;
}

static void
test_two_accounts (void)
{
  static const char * const users[] = {
    "alice@example.org:alice-secret", "bob@example.org:bob-secret",
    "carol@example.org:carol-secret", NULL
  };
  g_autoptr (KoiTestCli) cli = koi_test_cli_new_with_users (users);
  g_autoptr (KoiSession) session = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *multi = NULL;
  g_autofree char *store_path = NULL;
  g_autofree char *bob_key = NULL;
  g_autofree char *bob_fingerprint = NULL;
  g_autofree char *server = NULL;
  g_autofree char *password = NULL;
  g_autofree char *png = NULL;
  g_autoptr (GdkTexture) shot = NULL;
  KoiAccountSwitcher *switcher;
  GtkWidget *popover, *alert = NULL;
  KoiWindow *window;
  gint64 bob_id;

  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PATH", keyring_path, TRUE);
  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PASSWORD", "test-keyring", TRUE);
  koi_test_cli_add_account (cli, "multi", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "multi", "bob@example.org", "bob-secret");
  multi = koi_test_cli_profile (cli, "multi");
  koi_test_cli_add_account (cli, "carol", "carol@example.org", "carol-secret");
  g_free (koi_test_cli_send (cli, "carol", "alice@example.org", "hello alice"));
  /* Bob wrote once from this profile: his key file is made then. */
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", multi, "--account",
                                     "bob@example.org", "send", "carol@example.org", "from bob",
                                     NULL), ==, 0);

  session = koi_session_new (multi);
  koi_session_load_async (session, NULL, NULL, NULL);
  window = koi_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  koi_window_set_session (window, session);
  gtk_window_present (GTK_WINDOW (window));

  /* The first account is shown; Carol's chat arrived there. */
  WAIT_FOR (koi_window_get_account (window) != NULL, WAIT_S);
  g_assert_cmpstr (koi_account_get_address (koi_window_get_account (window)), ==, "alice@example.org");
  WAIT_FOR (row_drawn (GTK_WIDGET (window), "hello alice"), WAIT_S);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  koi_test_ui_focus_window (GTK_WINDOW (window));

  /* The account button opens the list of both accounts. */
  switcher = find_switcher (GTK_WIDGET (window));
  g_assert_nonnull (switcher);
  popover = koi_account_switcher_get_popover (switcher);
  koi_test_ui_click (koi_account_switcher_get_button (switcher));
  WAIT_FOR (gtk_widget_get_mapped (popover), 10);
  WAIT_FOR (row_shows (switcher, 0, "alice@example.org") && row_shows (switcher, 1, "bob@example.org"), 10);
  g_assert_cmpuint (drawn_count (switcher, 1), ==, 0);
  g_assert_false (gtk_widget_get_visible (koi_account_switcher_get_dot (switcher)));

  /* Mail for the account in the background: its count, and the dot. */
  g_free (koi_test_cli_send (cli, "carol", "bob@example.org", "hello bob"));
  WAIT_FOR (drawn_count (switcher, 1) == 1, WAIT_S);
  g_assert_true (gtk_widget_get_mapped (koi_account_switcher_get_dot (switcher)));
  /* Alice's own count: Carol's first message, not opened yet. */
  g_assert_cmpuint (drawn_count (switcher, 0), ==, 1);
  settle_ms (300);
  koi_test_ui_wait_for_drawn (popover);
  shot = koi_test_ui_render (popover);
  png = koi_test_ui_save_png (shot, "account-switcher.png");
  g_test_message ("screenshot: %s", png);

  /* A click on Bob's row shows his chats. */
  koi_test_ui_click (koi_account_switcher_get_row (switcher, 1));
  WAIT_FOR (g_strcmp0 (koi_account_get_address (koi_window_get_account (window)), "bob@example.org") == 0, 10);
  WAIT_FOR (!gtk_widget_get_mapped (popover), 10);
  WAIT_FOR (row_drawn (GTK_WIDGET (window), "hello bob"), WAIT_S);
  g_assert_false (row_drawn (GTK_WIDGET (window), "hello alice"));

  /* His password and key are in the keyring and the profile now. */
  bob_id = account_id_of (session, "bob@example.org");
  g_assert_cmpint (bob_id, >, 0);
  store_path = koi_profile_store_path (multi);
  bob_key = koi_own_key_path (store_path, bob_id);
  server = koi_account_config_secret_server (cli->server->host, cli->server->imaps_port);
  password = koi_secret_lookup_sync ("bob@example.org", server, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, "bob-secret");
  g_clear_pointer (&password, g_free);
  g_assert_cmpuint (count_mail_files (cli->server->dir, "bob"), >, 0);
  WAIT_FOR (g_file_test (bob_key, G_FILE_TEST_EXISTS), WAIT_S);
  {
    g_autofree char *contents = NULL;
    gsize length = 0;
    g_autoptr (GBytes) file = NULL;
    g_autofree char *passphrase = NULL;

    g_assert_true (g_file_get_contents (bob_key, &contents, &length, NULL));
    file = g_bytes_new_take (g_steal_pointer (&contents), length);
    bob_fingerprint = koi_pgp_own_key_file_fingerprint (file, &error);
    g_assert_no_error (error);
    passphrase = koi_secret_key_passphrase_lookup_sync ("bob@example.org", bob_fingerprint, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (passphrase);
  }

  /* Remove asks first; Cancel keeps everything. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.remove-account", NULL));
  WAIT_FOR ((alert = koi_compat_alert_find (GTK_WINDOW (window))) != NULL, 10);
  g_assert_cmpstr (koi_compat_alert_get_heading (alert), ==, "Remove Account?");
  g_assert_nonnull (strstr (koi_compat_alert_get_body (alert), "bob@example.org"));
  koi_compat_alert_respond (alert, "cancel");
  WAIT_FOR (koi_compat_alert_find (GTK_WINDOW (window)) == NULL, 10);
  settle_ms (300);
  g_assert_cmpuint (g_list_model_get_n_items (koi_session_get_accounts (session)), ==, 2);

  /* Remove: the window goes back to Alice, Bob's chat is gone. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.remove-account", NULL));
  WAIT_FOR ((alert = koi_compat_alert_find (GTK_WINDOW (window))) != NULL, 10);
  koi_compat_alert_respond (alert, "remove");
  WAIT_FOR (g_list_model_get_n_items (koi_session_get_accounts (session)) == 1, WAIT_S);
  WAIT_FOR (g_strcmp0 (koi_account_get_address (koi_window_get_account (window)), "alice@example.org") == 0, 10);
  WAIT_FOR (row_drawn (GTK_WIDGET (window), "hello alice"), WAIT_S);
  g_assert_false (row_drawn (GTK_WIDGET (window), "hello bob"));

  /* Nothing of Bob's is left on this computer; the server keeps his mail. */
  password = koi_secret_lookup_sync ("bob@example.org", server, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (password);
  g_assert_false (g_file_test (bob_key, G_FILE_TEST_EXISTS));
  password = koi_secret_key_passphrase_lookup_sync ("bob@example.org", bob_fingerprint, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (password);
  g_assert_cmpuint (count_mail_files (cli->server->dir, "bob"), >, 0);
  {
    g_autofree char *out = NULL;
    int status = koi_test_cli_run (cli, NULL, &out, NULL, "--profile", multi, "--account",
                                   "bob@example.org", "chats", NULL);

    g_test_message ("koi-cli for the removed account: %d %s", status, out);
    g_assert_cmpint (status, !=, 0);
  }
  /* Alice's password stays. */
  {
    g_autofree char *alice = koi_secret_lookup_sync ("alice@example.org", server, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (alice, ==, "alice-secret");
  }

  /* "Add Account…" is the setup form, with Cancel back to the chats. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.add-account", NULL));
  WAIT_FOR (g_strcmp0 (koi_window_get_page_name (window), "welcome") == 0, 10);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  {
    GtkWidget *cancel = gtk_widget_get_ancestor (koi_test_ui_find_label (GTK_WIDGET (window), "Cancel"),
                                                 GTK_TYPE_BUTTON);

    g_assert_nonnull (cancel);
    koi_test_ui_click (cancel);
  }
  WAIT_FOR (g_strcmp0 (koi_window_get_page_name (window), "chats") == 0, 10);
  WAIT_FOR (row_drawn (GTK_WIDGET (window), "hello alice"), 10);

  /* The last account, chosen by a click on the alert's button: the window
   * is back at the welcome page, with no way "back" to chats that are
   * gone, and Alice's password is gone too. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.remove-account", NULL));
  WAIT_FOR ((alert = koi_compat_alert_find (GTK_WINDOW (window))) != NULL, 10);
  g_assert_nonnull (strstr (koi_compat_alert_get_body (alert), "alice@example.org"));
  {
    GtkWidget *label = NULL, *remove = NULL;

    /* Only a mapped label is found: the alert may still be coming up. */
    WAIT_FOR ((label = koi_test_ui_find_label (alert, "Remove")) != NULL &&
              (remove = gtk_widget_get_ancestor (label, GTK_TYPE_BUTTON)) != NULL, 10);
    koi_test_ui_wait_for_drawn (remove);
    koi_test_ui_click (remove);
  }
  WAIT_FOR (g_list_model_get_n_items (koi_session_get_accounts (session)) == 0, WAIT_S);
  WAIT_FOR (g_strcmp0 (koi_window_get_page_name (window), "welcome") == 0, 10);
  g_assert_null (koi_window_get_account (window));
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  {
    GtkWidget *cancel = koi_test_ui_find_label (GTK_WIDGET (window), "Cancel");

    g_assert_true (cancel == NULL || !gtk_widget_get_mapped (cancel));
  }
  {
    g_autofree char *alice = koi_secret_lookup_sync ("alice@example.org", server, NULL, &error);

    g_assert_no_error (error);
    g_assert_null (alice);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  koi_session_shutdown (session);
}

/* The account the user chose comes back at the next start: two runs of
 * the application on one profile. */
typedef struct {
  KoiApplication *app;
  const char     *expect;   /* the account the window must show first */
  const char     *choose;   /* then chosen by a click, or NULL */
  gboolean        done;
} Run;

static KoiWindow *
app_window (KoiApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  return KOI_IS_WINDOW (window) ? KOI_WINDOW (window) : NULL;
}

static gboolean
run_steps (gpointer user_data)
{
  Run *run = user_data;
  KoiWindow *window = NULL;
  KoiSession *session;

  WAIT_FOR ((window = app_window (run->app)) != NULL, WAIT_S);
  session = koi_application_get_session (run->app);
  WAIT_FOR (koi_session_get_loaded (session) &&
            g_list_model_get_n_items (koi_session_get_accounts (session)) == 2 &&
            koi_window_get_account (window) != NULL, WAIT_S);
  g_assert_cmpstr (koi_account_get_address (koi_window_get_account (window)), ==, run->expect);

  if (run->choose != NULL)
    {
      KoiAccountSwitcher *switcher = find_switcher (GTK_WIDGET (window));
      GtkWidget *popover = koi_account_switcher_get_popover (switcher);

      koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
      koi_test_ui_focus_window (GTK_WINDOW (window));
      koi_test_ui_click (koi_account_switcher_get_button (switcher));
      WAIT_FOR (gtk_widget_get_mapped (popover) && row_shows (switcher, 1, run->choose), 10);
      koi_test_ui_click (koi_account_switcher_get_row (switcher, 1));
      WAIT_FOR (g_strcmp0 (koi_account_get_address (koi_window_get_account (window)), run->choose) == 0, 10);
    }
  run->done = TRUE;
  g_application_quit (G_APPLICATION (run->app));
  return G_SOURCE_REMOVE;
}

static void
run_app (const char *profile,
         const char *expect,
         const char *choose)
{
  char *argv[] = { (char *) "koi", (char *) "--profile", (char *) profile, NULL };
  Run run = { .expect = expect, .choose = choose };

  run.app = koi_application_new ();
  /* Never hand over to a Koi the developer runs on the same bus. */
  g_application_set_flags (G_APPLICATION (run.app), G_APPLICATION_NON_UNIQUE);
  g_idle_add (run_steps, &run);
  g_assert_cmpint (g_application_run (G_APPLICATION (run.app), 3, argv), ==, 0);
  g_assert_true (run.done);
  g_clear_object (&run.app);
}

static void
test_remembered (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autofree char *multi = NULL;

  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PATH", keyring_path, TRUE);
  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PASSWORD", "test-keyring", TRUE);
  koi_test_cli_add_account (cli, "multi", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "multi", "bob@example.org", "bob-secret");
  multi = koi_test_cli_profile (cli, "multi");

  run_app (multi, "alice@example.org", "bob@example.org");
  run_app (multi, "bob@example.org", NULL);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  keyring_path = koi_test_ui_use_file_keyring ();

  koi_test_ui_init (&argc, &argv);
  koi_model_init ();
  g_timeout_add (20, tick_cb, NULL);

  g_test_add_func ("/ui/accounts-e2e/two-accounts", test_two_accounts);
  g_test_add_func ("/ui/accounts-e2e/remembered", test_remembered);

  status = g_test_run ();

  koi_test_ui_remove_file_keyring (keyring_path);
  g_free (keyring_path);
  return status;
}
