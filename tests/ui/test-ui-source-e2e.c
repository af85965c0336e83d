/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "koi-chat-row.h"
#include "koi-compat.h"
#include "koi-conversation-view.h"
#include "koi-message-cell.h"
#include "koi-message-row.h"
#include "koi-model.h"
#include "koi-session.h"
#include "koi-source-dialog.h"
#include "koi-store-alert.h"
#include "koi-test-cli.h"
#include "koi-test-ui.h"
#include "koi-window.h"

/*
 * Show Source in Bob's window, with koi-cli's Alice and the private
 * Dovecot + Postfix: the newest message reached by keyboard, its menu
 * opened with the Menu key and "Show Source" chosen by its mnemonic; the
 * dialog shows the mail as the server holds it, with its Message-ID.
 *
 * And Bob's window started on a store whose first page was overwritten:
 * it says the store is damaged and offers Repair and Quit; Repair (Enter)
 * sets the file aside and the chat comes back from the server into the
 * chat list.
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

static gboolean
chat_shows_prefix (KoiWindow  *window,
                   const char *prefix)
{
  KoiConversationView *view = koi_window_get_conversation_view (window);
  GListModel *messages = koi_conversation_view_get_messages (view);
  guint n = messages != NULL ? g_list_model_get_n_items (messages) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiMessage) message = g_list_model_get_item (messages, i);

      if (g_str_has_prefix (koi_message_get_text (message), prefix))
        return TRUE;
    }
  return FALSE;
}

/* The message whose row holds the keyboard focus, or NULL. */
static const char *
focused_text (GtkWindow *window)
{
  for (GtkWidget *w = gtk_window_get_focus (window); w != NULL; w = gtk_widget_get_parent (w))
    {
      GtkWidget *child = gtk_widget_get_first_child (w);
      KoiMessage *message = NULL;

      if (KOI_IS_MESSAGE_CELL (w))
        message = koi_message_cell_get_item (KOI_MESSAGE_CELL (w));
      else if (child != NULL && KOI_IS_MESSAGE_CELL (child))
        message = koi_message_cell_get_item (KOI_MESSAGE_CELL (child));
      if (message != NULL)
        return koi_message_get_text (message);
    }
  return NULL;
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

static void
settle_ms (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

static KoiSourceDialog *
shown_dialog (void)
{
  GtkWidget *found = koi_test_ui_find_shown (KOI_TYPE_SOURCE_DIALOG);

  return found != NULL ? KOI_SOURCE_DIALOG (found) : NULL;
}

/* The header line, whatever case the name has (gmime writes Message-Id). */
static gboolean
has_header (const char *text,
            const char *name,
            const char *value)
{
  g_autofree char *lower = g_ascii_strdown (text, -1);
  g_autofree char *line = g_ascii_strdown (g_strdup_printf ("\n%s: %s", name, value), -1);

  return strstr (lower, line) != NULL;
}

/* Deletes every mail file of @user's INBOX in the server's Maildir: to
 * IMAP clients, expunged by another program. */
static void
remove_maildir_files (const char *server_dir,
                      const char *user,
                      const char *sub)
{
  g_autofree char *folder = g_build_filename (server_dir, "mail", "example.org", user, "Maildir", sub, NULL);
  g_autoptr (GDir) listing = g_dir_open (folder, 0, NULL);
  const char *name;

  g_assert_nonnull (listing);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);

      g_assert_cmpint (g_unlink (path), ==, 0);
    }
}

static gint64
newest_message_id (KoiConversationView *view)
{
  GListModel *messages = koi_conversation_view_get_messages (view);
  guint n = g_list_model_get_n_items (messages);
  g_autoptr (KoiMessage) message = NULL;

  g_assert_cmpuint (n, >, 0);
  message = g_list_model_get_item (messages, n - 1);
  return koi_message_get_id (message);
}

static void
clipboard_read_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);

  g_assert_no_error (error);
  *(char **) user_data = text != NULL ? text : g_strdup ("");
}

static void
test_show_source (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiSession) session = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *sent_id = NULL;
  g_autofree char *bracketed = NULL;
  g_autofree char *text = NULL;
  g_autofree char *png = NULL;
  g_autoptr (GdkTexture) shot = NULL;
  KoiSourceDialog *dialog = NULL;
  KoiConversationView *view;
  gint64 message_id;
  GtkWidget *root;
  KoiWindow *window;

  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PATH", keyring_path, TRUE);
  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PASSWORD", "test-keyring", TRUE);
  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  bob = koi_test_cli_profile (cli, "bob");

  /* Bob wrote first, so Alice's chat is no contact request. */
  g_free (koi_test_cli_send (cli, "bob", "alice@example.org", "What did the server get?"));
  sent_id = koi_test_cli_send (cli, "alice", "bob@example.org", "This one, byte for byte");
  g_assert_nonnull (sent_id);
  bracketed = g_str_has_prefix (sent_id, "<") ? g_strdup (sent_id) : g_strdup_printf ("<%s>", sent_id);

  session = koi_session_new (bob);
  koi_session_load_async (session, NULL, NULL, NULL);
  window = koi_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  koi_window_set_session (window, session);
  gtk_window_present (GTK_WINDOW (window));

  WAIT_FOR (koi_test_ui_open_chat (window, "alice@example.org"), WAIT_S);
  WAIT_FOR (chat_shows (window, "This one, byte for byte"), WAIT_S);
  view = koi_window_get_conversation_view (window);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  koi_test_ui_focus_window (GTK_WINDOW (window));

  /* By keyboard: from the composer into the list (the newest message),
   * its menu, then "Show _Source" by its underlined letter. */
  gtk_widget_grab_focus (GTK_WIDGET (koi_conversation_view_get_composer (view)));
  koi_test_ui_press_keys ("shift+Tab");
  WAIT_FOR (g_strcmp0 (focused_text (GTK_WINDOW (window)), "This one, byte for byte") == 0, 10);
  koi_test_ui_press_keys ("Menu");
  WAIT_FOR (open_menu (GTK_WIDGET (view)) != NULL, 10);
  koi_test_ui_press_keys ("s");

  WAIT_FOR ((dialog = shown_dialog ()) != NULL, 10);
  WAIT_FOR (g_str_equal (koi_source_dialog_get_state (dialog), "text") ||
            g_str_equal (koi_source_dialog_get_state (dialog), "error"), WAIT_S);
  g_assert_null (koi_source_dialog_get_error (dialog));
  text = koi_source_dialog_get_text (dialog);
  g_test_message ("source starts: %.200s", text);
  g_assert_true (has_header (text, "message-id", bracketed));
  g_assert_nonnull (strstr (text, "This one, byte for byte"));

  root = GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (dialog)));
  koi_test_ui_wait_for_drawn (root);
  WAIT_FOR (koi_test_ui_find_label (GTK_WIDGET (dialog), "Message Source") != NULL, 10);
  settle_ms (600);   /* an AdwDialog fades in */
  shot = koi_test_ui_render (root);
  png = koi_test_ui_save_png (shot, "message-source.png");
  g_test_message ("screenshot: %s", png);

  /* Copy puts the whole mail on the clipboard, as the server has it. */
  {
    GtkWidget *copy = gtk_widget_get_ancestor (koi_test_ui_find_label (GTK_WIDGET (dialog), "Copy"),
                                               GTK_TYPE_BUTTON);
    GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (dialog));
    g_autofree char *copied = NULL;

    g_assert_nonnull (copy);
    /* A button's activation clicks it after its pressed look. */
    g_assert_true (gtk_widget_activate (copy));
    WAIT_FOR (gdk_clipboard_is_local (clipboard), 10);
    gdk_clipboard_read_text_async (clipboard, NULL, clipboard_read_cb, &copied);
    WAIT_FOR (copied != NULL, 10);
    g_assert_true (has_header (copied, "message-id", bracketed));
    g_assert_nonnull (strstr (copied, "This one, byte for byte"));
  }

  /* Escape closes it, back to the chat. */
  koi_test_ui_press_keys ("Escape");
  WAIT_FOR (shown_dialog () == NULL, 10);

  /* Another program expunged it (its file gone from Bob's Maildir): the
   * dialog says the server no longer has it, and offers no retry. */
  remove_maildir_files (cli->server->dir, "bob", "cur");
  remove_maildir_files (cli->server->dir, "bob", "new");
  message_id = newest_message_id (view);
  gtk_widget_activate_action (GTK_WIDGET (view), "conversation.show-source", "x", message_id);
  WAIT_FOR ((dialog = shown_dialog ()) != NULL &&
            g_str_equal (koi_source_dialog_get_state (dialog), "error"), WAIT_S);
  g_assert_nonnull (strstr (koi_source_dialog_get_error (dialog), "The Server No Longer Has This Message"));
  g_assert_null (koi_test_ui_find_label (GTK_WIDGET (dialog), "Try Again"));
  koi_compat_dialog_close (dialog);
  WAIT_FOR (shown_dialog () == NULL, 10);

  /* The server is down: it says so, and Try Again is there. */
  g_assert_true (koi_test_mailserver_stop_service (cli->server, "imap", NULL));
  gtk_widget_activate_action (GTK_WIDGET (view), "conversation.show-source", "x", message_id);
  WAIT_FOR ((dialog = shown_dialog ()) != NULL &&
            g_str_equal (koi_source_dialog_get_state (dialog), "error"), WAIT_S);
  g_assert_nonnull (strstr (koi_source_dialog_get_error (dialog), "Cannot Reach the Mail Server"));
  koi_test_ui_wait_for_drawn (GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (dialog))));
  /* An AdwDialog over the window (modern set) maps a frame after it is
   * presented. */
  WAIT_FOR (koi_test_ui_find_label (GTK_WIDGET (dialog), "Try Again") != NULL, 10);
  koi_compat_dialog_close (dialog);
  WAIT_FOR (shown_dialog () == NULL, 10);

  gtk_window_destroy (GTK_WINDOW (window));
  koi_session_shutdown (session);
}

/* A mapped chat row whose preview shows @text: drawn in the chat list. */
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

typedef struct {
  KoiWindow  *window;
  KoiSession *session;
  gboolean    done;
  gboolean    handled;
} Load;

/* What KoiApplication does when the session's load fails. */
static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Load *load = user_data;
  g_autoptr (GError) error = NULL;

  if (!koi_session_load_finish (KOI_SESSION (source), result, &error))
    {
      g_test_message ("load failed: %s", error->message);
      load->handled = koi_store_alert_handle (GTK_WINDOW (load->window), load->session, error);
    }
  load->done = TRUE;
}

static guint
count_damaged (const char *dir)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  guint kept = 0;

  while ((name = g_dir_read_name (listing)) != NULL)
    kept += g_str_has_prefix (name, "koi.db.damaged-") && !g_str_has_suffix (name, "-wal") &&
            !g_str_has_suffix (name, "-shm");
  return kept;
}

static void
test_damaged_store (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiSession) session = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *db = NULL;
  g_autofree char *png = NULL;
  g_autoptr (GdkTexture) shot = NULL;
  GtkWidget *alert = NULL;
  GtkWidget *root;
  KoiWindow *window;
  Load load = { 0, };
  FILE *file;

  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PATH", keyring_path, TRUE);
  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PASSWORD", "test-keyring", TRUE);
  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  bob = koi_test_cli_profile (cli, "bob");
  db = g_build_filename (bob, "koi.db", NULL);
  g_free (koi_test_cli_send (cli, "bob", "alice@example.org", "before the damage"));

  /* The first page (the file header and the schema) overwritten. */
  file = fopen (db, "r+b");
  g_assert_nonnull (file);
  for (guint i = 0; i < 4096; i++)
    fputc ('#', file);
  fclose (file);

  session = koi_session_new (bob);
  window = koi_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  koi_window_set_session (window, session);
  gtk_window_present (GTK_WINDOW (window));
  load.window = window;
  load.session = session;
  koi_session_load_async (session, NULL, loaded_cb, &load);

  WAIT_FOR (load.done, WAIT_S);
  g_assert_true (load.handled);
  WAIT_FOR ((alert = koi_compat_alert_find (GTK_WINDOW (window))) != NULL, 10);
  g_assert_cmpstr (koi_compat_alert_get_heading (alert), ==, "Message Store Damaged");
  g_assert_nonnull (strstr (koi_compat_alert_get_body (alert), "Koi’s message store is damaged. "
                                                                "Your mail is safe on the server"));
  root = GTK_WIDGET (gtk_widget_get_root (alert));
  koi_test_ui_wait_for_drawn (root);
  WAIT_FOR (koi_test_ui_find_label (alert, "Repair") != NULL, 10);
  WAIT_FOR (koi_test_ui_find_label (alert, "Quit") != NULL, 10);
  /* Nothing moved before the user chose. */
  g_assert_cmpuint (count_damaged (bob), ==, 0);

  settle_ms (600);   /* an AdwDialog fades in */
  shot = koi_test_ui_render (root);
  png = koi_test_ui_save_png (shot, "store-damaged.png");
  g_test_message ("screenshot: %s", png);

  /* Enter: Repair, the suggested answer. */
  koi_test_ui_focus_window (GTK_WINDOW (root));
  koi_test_ui_press_keys ("Return");
  WAIT_FOR (koi_compat_alert_find (GTK_WINDOW (window)) == NULL, 10);

  /* The chat is back from the server, drawn in the chat list; the
   * damaged file is kept aside. */
  WAIT_FOR (row_drawn (GTK_WIDGET (window), "before the damage"), WAIT_S);
  g_assert_cmpuint (count_damaged (bob), ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
  koi_session_shutdown (session);
}

/* A second Koi on the profile folder (here `koi-cli watch` holds it):
 * the window says Koi is already running, with Try Again and Quit; once
 * the other one stops, Try Again loads the chats. */
static void
test_second_koi (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiSession) session = NULL;
  g_autofree char *bob = NULL;
  KoiTestWatch *watch;
  GtkWidget *alert = NULL;
  GtkWidget *root;
  KoiWindow *window;
  Load load = { 0, };

  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PATH", keyring_path, TRUE);
  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PASSWORD", "test-keyring", TRUE);
  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  bob = koi_test_cli_profile (cli, "bob");
  g_free (koi_test_cli_send (cli, "bob", "alice@example.org", "while another Koi ran"));
  watch = koi_test_watch_start (cli, "bob");

  session = koi_session_new (bob);
  koi_session_set_exclusive (session, TRUE);   /* as KoiApplication does */
  window = koi_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  koi_window_set_session (window, session);
  gtk_window_present (GTK_WINDOW (window));
  load.window = window;
  load.session = session;
  koi_session_load_async (session, NULL, loaded_cb, &load);

  WAIT_FOR (load.done, WAIT_S);
  g_assert_true (load.handled);
  WAIT_FOR ((alert = koi_compat_alert_find (GTK_WINDOW (window))) != NULL, 10);
  g_assert_cmpstr (koi_compat_alert_get_heading (alert), ==, "Koi Is Already Running");
  root = GTK_WIDGET (gtk_widget_get_root (alert));
  koi_test_ui_wait_for_drawn (root);
  WAIT_FOR (koi_test_ui_find_label (alert, "Try Again") != NULL, 10);
  WAIT_FOR (koi_test_ui_find_label (alert, "Quit") != NULL, 10);
  settle_ms (600);   /* an AdwDialog fades in */

  /* The other one stops; Enter is Try Again: the chats load. */
  koi_test_watch_stop (watch);
  koi_test_ui_focus_window (GTK_WINDOW (root));
  koi_test_ui_press_keys ("Return");
  WAIT_FOR (koi_compat_alert_find (GTK_WINDOW (window)) == NULL, 10);
  WAIT_FOR (row_drawn (GTK_WIDGET (window), "while another Koi ran"), WAIT_S);

  /* Now the window holds it: a watch is refused. */
  {
    g_autofree char *err = NULL;

    g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", bob, "watch", NULL), !=, 0);
    g_assert_nonnull (strstr (err, "is already using the profile folder"));
  }

  gtk_window_destroy (GTK_WINDOW (window));
  koi_session_shutdown (session);
}

/* A store from a newer Koi: the window says so and offers only Quit;
 * the file is left exactly as it was. */
static void
test_newer_store (void)
{
  g_autofree char *dir = g_dir_make_tmp ("koi-newer-store-XXXXXX", NULL);
  g_autofree char *db_path = g_build_filename (dir, "koi.db", NULL);
  g_autoptr (KoiSession) session = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *png = NULL;
  g_autoptr (GdkTexture) shot = NULL;
  gsize before_len = 0, after_len = 0;
  GtkWidget *alert = NULL;
  GtkWidget *root;
  KoiWindow *window;
  Load load = { 0, };
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE future_things (x TEXT); PRAGMA user_version = 99;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_true (g_file_get_contents (db_path, &before, &before_len, NULL));

  session = koi_session_new (dir);
  window = koi_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  koi_window_set_session (window, session);
  gtk_window_present (GTK_WINDOW (window));
  load.window = window;
  load.session = session;
  koi_session_load_async (session, NULL, loaded_cb, &load);

  WAIT_FOR (load.done, WAIT_S);
  g_assert_true (load.handled);
  WAIT_FOR ((alert = koi_compat_alert_find (GTK_WINDOW (window))) != NULL, 10);
  g_assert_cmpstr (koi_compat_alert_get_heading (alert), ==, "Store From a Newer Koi");
  root = GTK_WIDGET (gtk_widget_get_root (alert));
  koi_test_ui_wait_for_drawn (root);
  WAIT_FOR (koi_test_ui_find_label (alert, "Quit") != NULL, 10);
  g_assert_null (koi_test_ui_find_label (alert, "Repair"));
  g_assert_null (koi_test_ui_find_label (alert, "Try Again"));
  settle_ms (600);   /* an AdwDialog fades in */
  shot = koi_test_ui_render (root);
  png = koi_test_ui_save_png (shot, "store-newer.png");
  g_test_message ("screenshot: %s", png);

  g_assert_true (g_file_get_contents (db_path, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);

  gtk_window_destroy (GTK_WINDOW (window));
  koi_session_shutdown (session);
  {
    g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (listing)) != NULL)
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);

        g_unlink (path);
      }
    g_rmdir (dir);
  }
}

static gboolean
run_command (const char * const *argv)
{
  int status = -1;

  return g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH |
                       G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, NULL, NULL, &status, NULL) &&
         g_spawn_check_wait_status (status, NULL);
}

static void
unmount (gpointer mount_point)
{
  run_command ((const char * const[]) { "umount", mount_point, NULL });
  g_free (mount_point);
}

/* Fills the file system of @dir to the last byte; returns the filler. */
static char *
fill_disk (const char *dir)
{
  char *filler = g_build_filename (dir, "filler", NULL);
  FILE *file = fopen (filler, "wb");
  char block[4096];

  g_assert_nonnull (file);
  memset (block, 'x', sizeof block);
  while (fwrite (block, 1, sizeof block, file) == sizeof block && fflush (file) == 0)
    ;
  fclose (file);
  file = fopen (filler, "ab");
  while (fputc ('x', file) != EOF && fflush (file) == 0)
    ;
  fclose (file);
  return filler;
}

static const char *
connection_text (KoiWindow *window)
{
  const char *text = koi_window_get_connection_text (window);

  return text != NULL ? text : "";
}

/* The disk fills while Bob's window is online and Alice writes: the
 * window says so (banner, or the header's subtitle on the legacy set),
 * and once there is room again the engine's retry stores the messages
 * and the note goes away. */
static void
test_disk_full (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiSession) session = NULL;
  g_autofree char *mount_point = g_build_filename (cli->tmp, "small-disk", NULL);
  g_autofree char *bob = g_build_filename (mount_point, "bob", NULL);
  g_autofree char *imap = NULL;
  g_autofree char *smtp = NULL;
  g_autofree char *filler = NULL;
  g_autofree char *padding = g_strnfill (4000, 'p');
  g_autoptr (GdkTexture) shot = NULL;
  const char *full = "Disk full: new messages cannot be saved. Free some space; Koi retries.";
  KoiWindow *window;
  KoiAccount *account;

  g_assert_cmpint (g_mkdir (mount_point, 0700), ==, 0);
  if (!run_command ((const char * const[]) { "mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs",
                                             mount_point, NULL }))
    {
      g_test_skip ("cannot mount a tmpfs (needs root)");
      return;
    }
  g_test_queue_destroy (unmount, g_strdup (mount_point));

  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PATH", keyring_path, TRUE);
  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PASSWORD", "test-keyring", TRUE);
  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  imap = g_strdup_printf ("%s:%u", cli->server->host, cli->server->imaps_port);
  smtp = g_strdup_printf ("%s:%u", cli->server->host, cli->server->submission_port);
  g_assert_cmpint (koi_test_cli_run (cli, "bob-secret\n", NULL, NULL, "--profile", bob, "account",
                                     "add", "--email", "bob@example.org", "--imap", imap,
                                     "--imap-security", "tls", "--smtp", smtp, "--smtp-security",
                                     "starttls", "--ca-file", cli->server->ca_file,
                                     "--password-stdin", NULL), ==, 0);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "send",
                                     "alice@example.org", "Hello Alice", NULL), ==, 0);

  session = koi_session_new (bob);
  koi_session_load_async (session, NULL, NULL, NULL);
  window = koi_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  koi_window_set_session (window, session);
  gtk_window_present (GTK_WINDOW (window));
  WAIT_FOR ((account = koi_window_get_account (window)) != NULL &&
            koi_account_get_connection_state (account) == KOI_CONNECTION_ONLINE, WAIT_S);

  /* No room left; Alice writes 40 messages of 4 KB. */
  filler = fill_disk (mount_point);
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *text = g_strdup_printf ("batch %02u %s", i, padding);

      g_free (koi_test_cli_send (cli, "alice", "bob@example.org", text));
    }
  WAIT_FOR (koi_account_get_disk_full (account), WAIT_S);
  WAIT_FOR (g_str_equal (connection_text (window), full), 10);
  shot = koi_test_ui_shoot (GTK_WIDGET (window), "disk-full.png", 8);
  /* The modern set's banner is drawn whole, not only asked for. */
  if (koi_window_get_connection_banner (window) != NULL)
    {
      GtkWidget *banner = koi_window_get_connection_banner (window);
      graphene_rect_t bounds;

      g_assert_true (gtk_widget_get_visible (banner));
      g_assert_true (gtk_widget_compute_bounds (banner, GTK_WIDGET (window), &bounds));
      g_assert_cmpfloat (bounds.size.height, >=, gtk_widget_get_height (koi_test_ui_find_label (banner, full)));
    }
  /* Said once, in plain words: no toast repeats SQLite's message. */
  g_assert_nonnull (koi_account_get_last_error (account));
  g_assert_null (koi_test_ui_find_label (GTK_WIDGET (window), koi_account_get_last_error (account)));

  /* Room again: Try Again (or the engine's own retry) stores them all,
   * and the note goes. */
  g_assert_cmpint (g_unlink (filler), ==, 0);
  if (koi_window_get_connection_banner (window) != NULL)
    {
      GtkWidget *again = koi_test_ui_find_label (koi_window_get_connection_banner (window), "Try Again");

      g_assert_nonnull (again);
      koi_test_ui_click (again);
    }
  WAIT_FOR (!koi_account_get_disk_full (account), WAIT_S);
  g_assert_cmpstr (connection_text (window), !=, full);
  WAIT_FOR (koi_test_ui_open_chat (window, "alice@example.org"), WAIT_S);
  WAIT_FOR (chat_shows_prefix (window, "batch 39 "), WAIT_S);

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
  g_timeout_add (20, tick_cb, NULL);

  g_test_add_func ("/ui/source-e2e/show-source", test_show_source);
  g_test_add_func ("/ui/source-e2e/damaged-store", test_damaged_store);
  g_test_add_func ("/ui/source-e2e/disk-full", test_disk_full);
  g_test_add_func ("/ui/source-e2e/newer-store", test_newer_store);
  g_test_add_func ("/ui/source-e2e/second-koi", test_second_koi);

  status = g_test_run ();

  koi_test_ui_remove_file_keyring (keyring_path);
  g_free (keyring_path);
  return status;
}
