/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-welcome-e2e"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "koi-account-config.h"
#include "koi-autoconfig.h"
#include "koi-cert-dialog.h"
#include "koi-fake-https-server.h"
#include "koi-model.h"
#include "koi-preferences-window.h"
#include "koi-profile.h"
#include "koi-secret.h"
#include "koi-session.h"
#include "koi-store.h"
#include "koi-test-mailserver.h"
#include "koi-test-ui.h"
#include "koi-window.h"

/*
 * A first start: an empty profile, a window that shows the welcome form,
 * and a user who fills it in against the private Dovecot + Postfix. The
 * test reaches the form only through its widgets (the rows a user types
 * into, the "Choose…" button and its file chooser, the clear button, "Add
 * Account") and checks what the user sees (spinner, the error under the
 * button, the chat list and header afterwards) and what must hold behind
 * it: a refused account leaves nothing in the store or the keyring, and
 * an accepted one keeps its password in the keyring only.
 */

#define BOB          "bob@example.org"
#define BOB_PASSWORD "bob-secret"
#define WRONG        "not-bobs-password"
/* koi-mailserver's certificate names (mail.)koi.localhost too; curl sends
 * *.localhost to loopback itself. */
#define ALICE          "alice@koi.localhost"
#define ALICE_PASSWORD "alice-secret"

/* Dovecot delays a failed login by ~2 s on purpose; a first sync and a TLS
 * handshake take a second or two. Generous for a loaded CI machine,
 * bounded so a hang fails here and not at meson's timeout. */
#define WAIT_S 45

/* ------------------------------------------------------------------ */
/* Finding the form's widgets by what the user reads on them */

typedef gboolean (*Match) (GtkWidget  *widget,
                           const char *wanted);

static GtkWidget *
find_widget (GtkWidget  *root,
             Match       match,
             const char *wanted)
{
  if (match (root, wanted))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, match, wanted);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_group_titled (GtkWidget  *widget,
                 const char *title)
{
  return ADW_IS_PREFERENCES_GROUP (widget)
    && g_strcmp0 (adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (widget)), title) == 0;
}

static gboolean
is_row_titled (GtkWidget  *widget,
               const char *title)
{
  return ADW_IS_PREFERENCES_ROW (widget)
    && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static gboolean
is_button_labelled (GtkWidget  *widget,
                    const char *label)
{
  return GTK_IS_BUTTON (widget)
    && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static gboolean
is_button_with_icon (GtkWidget  *widget,
                     const char *icon_name)
{
  return GTK_IS_BUTTON (widget)
    && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), icon_name) == 0;
}

static gboolean
is_spin_button (GtkWidget  *widget,
                const char *unused)
{
  return GTK_IS_SPIN_BUTTON (widget);
}

static gboolean
is_label_reading (GtkWidget  *widget,
                  const char *text)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

/* The chooser's path bar (the row of folder buttons above the files) shows
 * @folder_name: it has finished walking up the chosen file's folders, and
 * the user sees where the file is. */
static gboolean
path_bar_shows (GtkWidget  *widget,
                const char *folder_name)
{
  return g_str_equal (G_OBJECT_TYPE_NAME (widget), "GtkPathBar")
    && find_widget (widget, is_label_reading, folder_name) != NULL;
}

static gboolean
is_spinner (GtkWidget  *widget,
            const char *unused)
{
  return GTK_IS_SPINNER (widget) || g_str_equal (G_OBJECT_TYPE_NAME (widget), "AdwSpinner");
}

/* The row titled @title in the group titled @group (the IMAP and SMTP
 * groups both have "Server", "Port" and "Security"). */
static GtkWidget *
form_row (KoiWelcomePage *page,
          const char     *group,
          const char     *title)
{
  GtkWidget *box = find_widget (GTK_WIDGET (page), is_group_titled, group);
  GtkWidget *row;

  g_assert_nonnull (box);
  row = find_widget (box, is_row_titled, title);
  if (row == NULL)
    g_error ("no row “%s” in the group “%s” of the welcome form", title, group);
  return row;
}

static void
type_into (KoiWelcomePage *page,
           const char     *group,
           const char     *title,
           const char     *text)
{
  GtkWidget *row = form_row (page, group, title);

  g_assert_true (GTK_IS_EDITABLE (row));
  g_assert_true (gtk_widget_is_sensitive (row));
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

/* Security first: choosing it moves a standard port along. */
static void
set_server (KoiWelcomePage *page,
            const char     *group,
            const char     *host,
            guint           port,
            const char     *security)
{
  GtkWidget *security_row = form_row (page, group, "Security");
  GListModel *choices = adw_combo_row_get_model (ADW_COMBO_ROW (security_row));
  GtkWidget *spin = find_widget (form_row (page, group, "Port"), is_spin_button, NULL);
  guint i;

  type_into (page, group, "Server", host);

  for (i = 0; i < g_list_model_get_n_items (choices); i++)
    if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (choices), i), security) == 0)
      break;
  g_assert_cmpuint (i, <, g_list_model_get_n_items (choices));
  adw_combo_row_set_selected (ADW_COMBO_ROW (security_row), i);

  g_assert_nonnull (spin);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), port);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (spin)), ==, (int) port);
}

static const char *
ca_subtitle (KoiWelcomePage *page)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (form_row (page, "Certificate", "CA Certificate")));
}

static GtkFileChooser *
find_file_chooser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return GTK_FILE_CHOOSER (window);
    }
  return NULL;
}

static gboolean
chooser_has_file (GtkFileChooser *chooser,
                  GFile          *file)
{
  g_autoptr (GFile) chosen = gtk_file_chooser_get_file (chooser);

  return chosen != NULL && g_file_equal (chosen, file);
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

/* The page has no call to set the CA file without its dialog, so the test
 * goes the user's way: "Choose…", pick the file in the chooser, accept. */
static void
choose_ca_file (KoiWelcomePage *page,
                const char     *path)
{
  GtkWidget *row = form_row (page, "Certificate", "CA Certificate");
  GtkWidget *choose = find_widget (row, is_button_labelled, "_Choose…");
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *folder = g_path_get_basename (dir);
  g_autoptr (GError) error = NULL;
  GtkFileChooser *chooser = NULL;

  g_assert_nonnull (choose);
  gtk_widget_activate (choose);
  KOI_TEST_UI_WAIT_FOR ((chooser = find_file_chooser ()) != NULL, 10);
  g_assert_cmpint (gtk_file_chooser_get_action (chooser), ==, GTK_FILE_CHOOSER_ACTION_OPEN);

  g_assert_true (gtk_file_chooser_set_file (chooser, file, &error));
  g_assert_no_error (error);
  /* The chooser selects the file once it has read the folder, and shows
   * the folder in its path bar once it has walked up to it. Accepting
   * before the path bar is done is faster than a user can click, and on
   * GTK 4.18 a chooser closed during that walk crashes in a later main-loop
   * turn (GtkPathBar's cancelled query callback removes buttons from the
   * freed bar: "gtk_box_remove: assertion 'GTK_IS_BOX (box)' failed"). */
  KOI_TEST_UI_WAIT_FOR (chooser_has_file (chooser, file), 10);
  KOI_TEST_UI_WAIT_FOR (find_widget (GTK_WIDGET (chooser), path_bar_shows, folder) != NULL, 10);
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);

  KOI_TEST_UI_WAIT_FOR (find_file_chooser () == NULL, 10);
  /* The row names the file; the clear button appears. */
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (ca_subtitle (page), name) == 0, 10);
  g_assert_nonnull (koi_test_ui_find_image (row, "edit-clear-symbolic"));
}

G_GNUC_END_IGNORE_DEPRECATIONS

static void
clear_ca_file (KoiWelcomePage *page)
{
  GtkWidget *row = form_row (page, "Certificate", "CA Certificate");
  GtkWidget *clear = find_widget (row, is_button_with_icon, "edit-clear-symbolic");

  g_assert_nonnull (clear);
  g_assert_true (gtk_widget_get_visible (clear));
  gtk_widget_activate (clear);
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (ca_subtitle (page), "None (the system’s trusted authorities)") == 0, 5);
  g_assert_false (gtk_widget_get_visible (clear));
}

/* ------------------------------------------------------------------ */

typedef struct
{
  KoiTestMailserver *server;
  char              *profile;
  KoiSession        *session;
  KoiWindow         *window;
  KoiWelcomePage    *page;
  char              *secret_server;
} Fixture;

static KoiWelcomePage *
page_of (Fixture *f)
{
  return koi_window_get_welcome_page (f->window);
}

static GtkWidget *
add_button (Fixture *f)
{
  GtkWidget *button = find_widget (GTK_WIDGET (f->page), is_button_labelled, "_Add Account");

  g_assert_nonnull (button);
  return button;
}

static gboolean
page_busy (Fixture *f)
{
  GtkWidget *spinner = find_widget (GTK_WIDGET (f->page), is_spinner, NULL);

  g_assert_nonnull (spinner);
  /* An AdwSpinner spins whenever it is on screen. */
  return gtk_widget_get_mapped (spinner)
    && (!GTK_IS_SPINNER (spinner) || gtk_spinner_get_spinning (GTK_SPINNER (spinner)));
}

/* Clicks "Add Account" and checks the page shows it is working on it:
 * spinner, button and login fields locked so a second click cannot start
 * a second set-up. */
static void
press_add_account (Fixture *f)
{
  GtkWidget *button = add_button (f);

  g_assert_true (gtk_widget_is_sensitive (button));
  g_assert_false (page_busy (f));
  gtk_widget_activate (button);

  /* A button activated like this shows itself pressed for a moment before
   * it clicks; the page turns busy in the same main-loop turn as the click,
   * long before a TLS handshake and a login can come back. */
  KOI_TEST_UI_WAIT_FOR (page_busy (f), 5);
  g_assert_false (gtk_widget_is_sensitive (button));
  g_assert_false (gtk_widget_is_sensitive (form_row (f->page, "Account", "Password")));
  g_assert_cmpstr (koi_welcome_page_get_error (f->page), ==, "");
}

/* Waits for the set-up to end in an error and returns the text under the
 * button (it must be on screen, not only in the label). */
static const char *
wait_for_error (Fixture *f)
{
  const char *error;

  KOI_TEST_UI_WAIT_FOR (!page_busy (f), WAIT_S);
  error = koi_welcome_page_get_error (f->page);
  g_test_message ("the page says: %s", error);
  g_assert_cmpstr (error, !=, "");
  g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (f->page), error));
  /* Ready for another try. */
  g_assert_true (gtk_widget_is_sensitive (add_button (f)));
  g_assert_true (gtk_widget_is_sensitive (form_row (f->page, "Account", "Password")));
  return error;
}

/* The store has no account and the keyring no password for Bob. */
static void
assert_nothing_saved (Fixture *f)
{
  g_autofree char *db = koi_profile_store_path (f->profile);
  g_autofree char *password = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (koi_window_get_page_name (f->window), ==, "welcome");

  /* No koi.db at all also means nothing was saved; open only what exists,
   * so the check does not create one. */
  if (g_file_test (db, G_FILE_TEST_EXISTS))
    {
      g_autoptr (KoiStore) store = koi_store_open (db, &error);
      g_autoptr (GPtrArray) accounts = NULL;

      g_assert_no_error (error);
      accounts = koi_store_account_list (store, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (accounts->len, ==, 0);
    }
  g_assert_cmpuint (g_list_model_get_n_items (koi_session_get_accounts (f->session)), ==, 0);

  password = koi_secret_lookup_sync (BOB, f->secret_server, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (password);
}

static gboolean
bytes_contain (const char *haystack,
               gsize       length,
               const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; n <= length && i <= length - n; i++)
    if (memcmp (haystack + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

/* Whether any file under @dir holds @needle's bytes. */
static gboolean
folder_contains (const char *dir,
                 const char *needle)
{
  g_autoptr (GDir) folder = NULL;
  g_autoptr (GError) error = NULL;
  const char *name;

  folder = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);

  while ((name = g_dir_read_name (folder)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (folder_contains (path, needle))
            return TRUE;
          continue;
        }

      g_assert_true (g_file_get_contents (path, &contents, &length, &error));
      g_assert_no_error (error);
      g_test_message ("searched %s (%" G_GSIZE_FORMAT " bytes)", path, length);
      if (bytes_contain (contents, length, needle))
        {
          g_test_message ("%s holds the password", path);
          return TRUE;
        }
    }
  return FALSE;
}

static void
remove_tree (const char *dir)
{
  g_autoptr (GDir) folder = g_dir_open (dir, 0, NULL);
  const char *name;

  if (folder == NULL)
    return;
  while ((name = g_dir_read_name (folder)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        remove_tree (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

static gboolean
is_scrolled_window (GtkWidget  *widget,
                    const char *unused)
{
  return GTK_IS_SCROLLED_WINDOW (widget);
}

/* Whether @label lies inside the visible part of @scrolled. */
static gboolean
label_in_view (GtkWidget *label,
               GtkWidget *scrolled)
{
  graphene_rect_t bounds;

  if (!gtk_widget_compute_bounds (label, scrolled, &bounds))
    return FALSE;
  return bounds.origin.y >= 0
    && bounds.origin.y + bounds.size.height <= gtk_widget_get_height (scrolled);
}

/* The error must come into view by itself: at the app's default size it
 * lies under the visible part of the long form. */
static void
scroll_to_error (Fixture    *f,
                 const char *shown)
{
  GtkWidget *scrolled = find_widget (GTK_WIDGET (f->page), is_scrolled_window, NULL);
  GtkWidget *label = koi_test_ui_find_label (GTK_WIDGET (f->page), shown);

  g_assert_nonnull (scrolled);
  g_assert_nonnull (label);
  koi_test_ui_wait_for_drawn (label);
  KOI_TEST_UI_WAIT_FOR (label_in_view (label, scrolled), 5);
}

static gboolean
bob_online (Fixture *f)
{
  KoiAccount *account = koi_window_get_account (f->window);

  return account != NULL
    && koi_account_get_connection_state (account) == KOI_CONNECTION_ONLINE
    /* The header is quiet (the address) once all is well. */
    && g_strcmp0 (koi_window_get_connection_text (f->window), BOB) == 0;
}

static void
test_welcome_e2e (void)
{
  const char *users[] = { BOB ":" BOB_PASSWORD, NULL };
  g_autoptr (KoiTestMailserver) server = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) shot = NULL;
  g_autofree char *path = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *password = NULL;
  g_autofree char *db = NULL;
  GdkRectangle area;
  GtkWidget *label;
  const char *shown;
  Fixture fx = { 0 }, *f = &fx;

  server = koi_test_mailserver_start (users, &error);
  g_assert_no_error (error);
  f->server = server;
  f->secret_server = koi_account_config_secret_server (server->host, server->imaps_port);
  f->profile = g_dir_make_tmp ("koi-welcome-profile-XXXXXX", &error);
  g_assert_no_error (error);

  /* 1. An empty profile: the window asks for an account. */
  f->session = koi_session_new (f->profile);
  koi_session_load_async (f->session, NULL, NULL, NULL);
  f->window = koi_window_new (NULL);
  /* The window keeps the size the app opens with (koi-window.ui). */
  koi_window_set_session (f->window, f->session);
  gtk_window_present (GTK_WINDOW (f->window));
  KOI_TEST_UI_WAIT_FOR (koi_session_get_loaded (f->session), WAIT_S);
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_window_get_page_name (f->window), "welcome") == 0, 10);
  f->page = page_of (f);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (f->page));
  g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (f->page), "Welcome to Koi"));
  g_assert_cmpstr (koi_welcome_page_get_error (f->page), ==, "");

  /* 2. The form, as a user fills it in, with a wrong password. Typing the
   * address guesses the servers; the user overwrites them. */
  type_into (f->page, "Account", "Email Address", BOB);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (form_row (f->page, "Incoming Mail (IMAP)", "Server"))),
                   ==, "imap.example.org");
  type_into (f->page, "Account", "Password", WRONG);
  set_server (f->page, "Incoming Mail (IMAP)", server->host, server->imaps_port, "TLS");
  set_server (f->page, "Outgoing Mail (SMTP)", server->host, server->submission_port, "STARTTLS");
  choose_ca_file (f->page, server->ca_file);

  press_add_account (f);
  shown = wait_for_error (f);
  expected = g_strdup_printf ("The password for %s was not accepted. Check it and try again.", BOB);
  g_assert_true (g_str_has_prefix (shown, expected));
  g_clear_pointer (&expected, g_free);
  /* Followed by Dovecot's own words, for whoever runs the server. */
  g_assert_nonnull (strstr (shown, "Authentication failed"));
  /* The form keeps what was typed, to fix and try again. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (form_row (f->page, "Account", "Password"))), ==, WRONG);
  assert_nothing_saved (f);

  /* 5. The error state on screen, as the user sees it after scrolling
   * to it if the window is too short for the whole form. */
  scroll_to_error (f, shown);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (f->window));
  shot = koi_test_ui_render (GTK_WIDGET (f->window));
  path = koi_test_ui_save_png (shot, "welcome-error.png");
  g_test_message ("screenshot: %s", path);
  g_assert_cmpuint (koi_test_ui_count_colors (shot, NULL, 16), >=, 16);
  /* The error itself is drawn: its place in the picture has text in it. */
  label = koi_test_ui_find_label (GTK_WIDGET (f->page), shown);
  g_assert_nonnull (label);
  g_assert_true (koi_test_ui_widget_area (label, GTK_WIDGET (f->window), shot, &area));
  g_assert_cmpint (area.y, >=, 0);
  g_assert_cmpint (area.y + area.height, <=, gdk_texture_get_height (shot));
  g_assert_cmpuint (koi_test_ui_count_colors (shot, &area, 8), >=, 8);

  /* 3. The right password, but no CA: the server's certificate is not
   * trusted, and the page says so (not "wrong password"). */
  clear_ca_file (f->page);
  type_into (f->page, "Account", "Password", BOB_PASSWORD);
  /* Editing the form does not hide an error by itself, only the address
   * does; a new try clears it. */
  press_add_account (f);
  shown = wait_for_error (f);
  expected = g_strdup_printf ("The server’s certificate is not trusted (%s:%u).",
                              server->host, server->imaps_port);
  g_assert_true (g_str_has_prefix (shown, expected));
  g_clear_pointer (&expected, g_free);
  /* The certificate page offers to trust it; this user has a CA instead
   * and cancels. Nothing is trusted. */
  KOI_TEST_UI_WAIT_FOR (koi_welcome_page_get_cert_dialog (f->page) != NULL, 10);
  {
    GtkWidget *dialog = koi_welcome_page_get_cert_dialog (f->page);
    GtkWidget *cancel = find_widget (dialog, is_button_labelled, "_Cancel");

    g_assert_nonnull (cancel);
    /* An AdwDialog opens its sheet a few frames after it is mapped: wait
     * until the button itself is on screen, as a user's click does. */
    koi_test_ui_wait_for_drawn (cancel);
    gtk_widget_activate (cancel);
    KOI_TEST_UI_WAIT_FOR (koi_welcome_page_get_cert_dialog (f->page) == NULL, 10);
  }
  assert_nothing_saved (f);

  /* 4. The right password and the CA: the chats page, empty, online. */
  choose_ca_file (f->page, server->ca_file);
  press_add_account (f);
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_window_get_page_name (f->window), "chats") == 0, WAIT_S);
  g_assert_cmpstr (koi_welcome_page_get_error (f->page), ==, "");
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_find_label (GTK_WIDGET (f->window), "No Chats Yet") != NULL, 10);
  /* The header names the account (title), and the window title too. */
  g_assert_cmpstr (koi_account_get_address (koi_window_get_account (f->window)), ==, BOB);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_find_label (GTK_WIDGET (f->window), BOB) != NULL, 10);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Koi — " BOB);
  KOI_TEST_UI_WAIT_FOR (bob_online (f), WAIT_S);
  /* The form forgot the password: it lives in the keyring now. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (form_row (f->page, "Account", "Password"))), ==, "");

  password = koi_secret_lookup_sync (BOB, f->secret_server, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, BOB_PASSWORD);

  /* The store has the account, with the servers and the CA as chosen. */
  db = koi_profile_store_path (f->profile);
  {
    g_autoptr (KoiStore) store = koi_store_open (db, &error);
    g_autoptr (GPtrArray) accounts = NULL;
    KoiStoreAccount *account;

    g_assert_no_error (error);
    accounts = koi_store_account_list (store, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (accounts->len, ==, 1);
    account = accounts->pdata[0];
    g_assert_cmpstr (account->address, ==, BOB);
    g_assert_cmpstr (account->imap_host, ==, server->host);
    g_assert_cmpuint (account->imap_port, ==, server->imaps_port);
    g_assert_cmpstr (account->smtp_host, ==, server->host);
    g_assert_cmpuint (account->smtp_port, ==, server->submission_port);
    g_assert_cmpstr (account->ca_file, ==, server->ca_file);
  }

  /* Not in any file of the profile (koi.db, its WAL, anything else). */
  g_assert_false (folder_contains (f->profile, BOB_PASSWORD));
  g_assert_false (folder_contains (f->profile, WRONG));

  gtk_window_destroy (GTK_WINDOW (f->window));
  koi_session_shutdown (f->session);
  g_clear_object (&f->session);
  koi_test_ui_iterate_ms (100);

  g_assert_true (koi_secret_clear_sync (BOB, f->secret_server, NULL, &error));
  g_assert_no_error (error);
  remove_tree (f->profile);
  g_free (f->profile);
  g_free (f->secret_server);
}

static gboolean
manual_shown (Fixture *f)
{
  return gtk_widget_get_mapped (form_row (f->page, "Incoming Mail (IMAP)", "Server"));
}

static KoiAutoconfigOptions *
autoconfig_options (KoiFakeHttpsServer *https,
                    const char         *ca_file,
                    guint               timeout_ms)
{
  KoiAutoconfigOptions *options = koi_autoconfig_options_new ();

  koi_autoconfig_options_set_ca_file (options, ca_file);
  koi_autoconfig_options_set_https_port (options, koi_fake_https_server_port (https));
  koi_autoconfig_options_set_timeout (options, timeout_ms);
  return options;
}

/*
 * Email and password only. First nothing can be found: the server fields
 * appear, prefilled with the likeliest guess, and the error says what to
 * do. Then the provider serves its config file: Add Account finds the
 * servers, checks the password and the chats page opens.
 */
static void
test_welcome_autoconfig (void)
{
  const char *users[] = { ALICE ":" ALICE_PASSWORD, NULL };
  g_autoptr (KoiTestMailserver) server = NULL;
  g_autoptr (KoiFakeHttpsServer) https = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) shot = NULL;
  g_autofree char *both_cas = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  const char *shown;
  Fixture fx = { 0 }, *f = &fx;

  server = koi_test_mailserver_start (users, &error);
  g_assert_no_error (error);
  https = koi_fake_https_server_new (&error);
  g_assert_no_error (error);
  {
    g_autofree char *a = NULL, *b = NULL, *both = NULL;

    g_assert_true (g_file_get_contents (koi_fake_https_server_ca_file (https), &a, NULL, NULL));
    g_assert_true (g_file_get_contents (server->ca_file, &b, NULL, NULL));
    both = g_strconcat (a, b, NULL);
    both_cas = g_build_filename (server->dir, "autoconfig-cas.pem", NULL);
    g_assert_true (g_file_set_contents (both_cas, both, -1, NULL));
  }
  f->server = server;
  f->secret_server = koi_account_config_secret_server ("localhost", server->imaps_port);
  f->profile = g_dir_make_tmp ("koi-welcome-auto-XXXXXX", &error);
  g_assert_no_error (error);

  f->session = koi_session_new (f->profile);
  koi_session_load_async (f->session, NULL, NULL, NULL);
  f->window = koi_window_new (NULL);
  koi_window_set_session (f->window, f->session);
  gtk_window_present (GTK_WINDOW (f->window));
  KOI_TEST_UI_WAIT_FOR (koi_session_get_loaded (f->session), WAIT_S);
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_window_get_page_name (f->window), "welcome") == 0, 10);
  f->page = page_of (f);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (f->page));

  /* Only address and password are asked for. */
  g_assert_false (manual_shown (f));
  g_assert_nonnull (find_widget (GTK_WIDGET (f->page), is_button_labelled,
                                 "_Enter Server Settings Manually"));
  shot = koi_test_ui_render (GTK_WIDGET (f->window));
  path = koi_test_ui_save_png (shot, "welcome-autoconfig.png");
  g_test_message ("screenshot: %s", path);
  g_clear_object (&shot);
  g_clear_pointer (&path, g_free);

  type_into (f->page, "Account", "Email Address", ALICE);
  type_into (f->page, "Account", "Password", ALICE_PASSWORD);

  /* 1. Nothing served, no SRV, nothing on the usual ports. */
  koi_welcome_page_set_autoconfig_options (f->page, autoconfig_options (https, both_cas, 3000));
  press_add_account (f);
  shown = wait_for_error (f);
  g_assert_true (g_str_has_prefix (shown, "Koi could not find the mail servers of koi.localhost."));
  KOI_TEST_UI_WAIT_FOR (manual_shown (f), 5);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (form_row (f->page, "Incoming Mail (IMAP)", "Server"))),
                   ==, "imap.koi.localhost");
  assert_nothing_saved (f);

  /* 2. The provider's file: found, checked, added. The form is in manual
   * mode now, so start over as a new user would: a new window. */
  xml = g_strdup_printf ("<clientConfig version=\"1.1\"><emailProvider id=\"koi.localhost\">"
                         "<incomingServer type=\"imap\"><hostname>localhost</hostname>"
                         "<port>%u</port><socketType>SSL</socketType>"
                         "<username>%%EMAILADDRESS%%</username></incomingServer>"
                         "<outgoingServer type=\"smtp\"><hostname>localhost</hostname>"
                         "<port>%u</port><socketType>STARTTLS</socketType>"
                         "<username>%%EMAILADDRESS%%</username></outgoingServer>"
                         "</emailProvider></clientConfig>",
                         server->imaps_port, server->submission_port);
  koi_fake_https_server_serve (https, "/mail/config-v1.1.xml", xml);
  gtk_window_destroy (GTK_WINDOW (f->window));
  f->window = koi_window_new (NULL);
  koi_window_set_session (f->window, f->session);
  gtk_window_present (GTK_WINDOW (f->window));
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_window_get_page_name (f->window), "welcome") == 0, 10);
  f->page = page_of (f);
  g_assert_false (manual_shown (f));
  type_into (f->page, "Account", "Email Address", ALICE);
  type_into (f->page, "Account", "Password", ALICE_PASSWORD);
  koi_welcome_page_set_autoconfig_options (f->page, autoconfig_options (https, both_cas, 5000));
  press_add_account (f);
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_window_get_page_name (f->window), "chats") == 0, WAIT_S);
  g_assert_cmpstr (koi_account_get_address (koi_window_get_account (f->window)), ==, ALICE);
  g_assert_cmpuint (koi_fake_https_server_hits (https, "/mail/config-v1.1.xml"), ==, 2);
  g_assert_false (folder_contains (f->profile, ALICE_PASSWORD));

  gtk_window_destroy (GTK_WINDOW (f->window));
  koi_session_shutdown (f->session);
  g_clear_object (&f->session);
  koi_test_ui_iterate_ms (100);
  g_assert_true (koi_secret_clear_sync (ALICE, f->secret_server, NULL, &error));
  g_assert_no_error (error);
  remove_tree (f->profile);
  g_free (f->profile);
  g_free (f->secret_server);
}

/* The SHA-256 of the server's certificate as openssl prints it, from the
 * file the server uses: what the administrator tells the user. */
static char *
server_fingerprint (KoiTestMailserver *server)
{
  g_autofree char *path = g_build_filename (server->dir, "tls", "server.pem", NULL);
  g_autofree char *pem = NULL;
  g_autoptr (GString) b64 = g_string_new (NULL);
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *der = NULL;
  GString *hex = g_string_new (NULL);
  guint8 digest[32];
  gsize digest_len = sizeof digest, der_len = 0;
  const char *begin, *end;

  g_assert_true (g_file_get_contents (path, &pem, NULL, NULL));
  begin = strstr (pem, "-----BEGIN CERTIFICATE-----") + strlen ("-----BEGIN CERTIFICATE-----");
  end = strstr (begin, "-----END CERTIFICATE-----");
  for (const char *c = begin; c < end; c++)
    if (!g_ascii_isspace (*c))
      g_string_append_c (b64, *c);
  der = g_base64_decode (b64->str, &der_len);
  g_checksum_update (checksum, der, der_len);
  g_checksum_get_digest (checksum, digest, &digest_len);
  for (gsize i = 0; i < digest_len; i++)
    g_string_append_printf (hex, "%s%02X", i > 0 ? ":" : "", digest[i]);
  return g_string_free (hex, FALSE);
}

static gboolean
is_row_with_subtitle (GtkWidget  *widget,
                      const char *subtitle)
{
  return ADW_IS_ACTION_ROW (widget)
    && g_strcmp0 (adw_action_row_get_subtitle (ADW_ACTION_ROW (widget)), subtitle) == 0;
}

/* A self-signed server (no CA given): the certificate page shows what the
 * certificate is and why it is refused; the user clicks "Trust This
 * Certificate" and is online, with that certificate pinned for both
 * servers of the account and no CA file. */
static void
test_welcome_trust_certificate (void)
{
  const char *users[] = { BOB ":" BOB_PASSWORD, NULL };
  g_autoptr (KoiTestMailserver) server = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) shot = NULL;
  g_autofree char *path = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *where = NULL;
  g_autofree char *db = NULL;
  GtkWidget *dialog, *trust, *label;
  Fixture fx = { 0 }, *f = &fx;

  server = koi_test_mailserver_start (users, &error);
  g_assert_no_error (error);
  f->server = server;
  f->secret_server = koi_account_config_secret_server (server->host, server->imaps_port);
  f->profile = g_dir_make_tmp ("koi-welcome-profile-XXXXXX", &error);
  g_assert_no_error (error);
  fingerprint = server_fingerprint (server);

  f->session = koi_session_new (f->profile);
  koi_session_load_async (f->session, NULL, NULL, NULL);
  f->window = koi_window_new (NULL);
  koi_window_set_session (f->window, f->session);
  gtk_window_present (GTK_WINDOW (f->window));
  KOI_TEST_UI_WAIT_FOR (koi_session_get_loaded (f->session), WAIT_S);
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_window_get_page_name (f->window), "welcome") == 0, 10);
  f->page = page_of (f);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (f->page));

  type_into (f->page, "Account", "Email Address", BOB);
  type_into (f->page, "Account", "Password", BOB_PASSWORD);
  set_server (f->page, "Incoming Mail (IMAP)", server->host, server->imaps_port, "TLS");
  set_server (f->page, "Outgoing Mail (SMTP)", server->host, server->submission_port, "STARTTLS");
  press_add_account (f);

  /* The certificate page, with what a user compares. */
  KOI_TEST_UI_WAIT_FOR (koi_welcome_page_get_cert_dialog (f->page) != NULL, WAIT_S);
  dialog = koi_welcome_page_get_cert_dialog (f->page);
  trust = find_widget (dialog, is_button_labelled, "_Trust This Certificate");
  g_assert_nonnull (trust);
  /* The sheet of an AdwDialog opens a few frames after the dialog maps. */
  koi_test_ui_wait_for_drawn (trust);
  g_assert_nonnull (koi_test_ui_find_label (dialog, "The Certificate Is Not Trusted"));
  where = g_strdup_printf ("%s:%u", server->host, server->imaps_port);
  g_assert_nonnull (find_widget (dialog, is_row_with_subtitle, where));
  g_assert_nonnull (find_widget (dialog, is_row_with_subtitle, "unable to get local issuer certificate"));
  g_assert_nonnull (find_widget (dialog, is_row_with_subtitle, "O = Koi test, CN = localhost"));
  {
    const KoiCertInfo *info = koi_cert_dialog_get_info (KOI_CERT_DIALOG (dialog));
    g_autoptr (GString) shown = NULL;

    g_assert_cmpstr (info->sha256, ==, fingerprint);
    g_assert_nonnull (find_widget (dialog, is_row_with_subtitle, info->not_after));
    /* The fingerprint on screen, in lines of 8 pairs. */
    shown = g_string_new (fingerprint);
    for (gsize i = 0, pairs = 0; i < shown->len; i++)
      if (shown->str[i] == ':' && ++pairs % 8 == 0)
        shown->str[i] = '\n';
    label = koi_test_ui_find_label (dialog, shown->str);
    g_assert_nonnull (label);
  }
  /* Nothing saved while the user decides. */
  assert_nothing_saved (f);

  koi_test_ui_wait_for_drawn (GTK_WIDGET (f->window));
  shot = koi_test_ui_render (GTK_IS_WINDOW (dialog) ? dialog : GTK_WIDGET (f->window));
  path = koi_test_ui_save_png (shot, "certificate-trust.png");
  g_test_message ("screenshot: %s", path);
  g_assert_cmpuint (koi_test_ui_count_colors (shot, NULL, 16), >=, 16);

  /* The click. */
  g_assert_true (gtk_widget_is_sensitive (trust));
  gtk_widget_activate (trust);

  /* Dovecot and Postfix share the certificate: trusted once, for both. */
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_window_get_page_name (f->window), "chats") == 0, WAIT_S);
  g_assert_null (koi_welcome_page_get_cert_dialog (f->page));
  KOI_TEST_UI_WAIT_FOR (bob_online (f), WAIT_S);

  db = koi_profile_store_path (f->profile);
  {
    g_autoptr (KoiStore) store = koi_store_open (db, &error);
    g_autoptr (GPtrArray) accounts = NULL;
    KoiStoreAccount *account;

    g_assert_no_error (error);
    accounts = koi_store_account_list (store, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (accounts->len, ==, 1);
    account = accounts->pdata[0];
    g_assert_null (account->ca_file);
    g_assert_cmpstr (account->imap_pin_cert, ==, fingerprint);
    g_assert_cmpstr (account->smtp_pin_cert, ==, fingerprint);
    g_assert_true (g_str_has_prefix (account->imap_pin_key, "sha256//"));
  }

  /* The administrator replaces the certificate: the account refuses it,
   * and the window says so. */
  {
    g_autofree char *pem = g_build_filename (server->dir, "tls", "server.pem", NULL);
    g_autofree char *new_fingerprint = NULL;
    g_autoptr (GSettings) settings = g_settings_new ("io.github.koichat.Koi");
    KoiAccount *account = koi_window_get_account (f->window);
    GtkWidget *preferences, *review, *changed, *banner;
    g_autofree char *button_label = NULL;
    gboolean revealed = FALSE;

    g_assert_true (koi_test_mailserver_stop_service (server, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (g_unlink (pem), ==, 0);
    g_assert_true (koi_test_mailserver_start_service (server, NULL, &error));
    g_assert_no_error (error);
    new_fingerprint = server_fingerprint (server);
    g_assert_cmpstr (new_fingerprint, !=, fingerprint);

    KOI_TEST_UI_WAIT_FOR (koi_account_get_connection_state (account) == KOI_CONNECTION_FAILED, 120);
    g_test_message ("the account says: %s", koi_account_get_last_error (account));
    g_assert_nonnull (strstr (koi_account_get_last_error (account), fingerprint));
    g_assert_nonnull (strstr (koi_account_get_last_error (account), new_fingerprint));

    /* The header and the banner point to the review: the banner's
     * "Review…" opens the same page as Preferences → Server Certificates,
     * with the new certificate against the one trusted until now. */
    g_assert_cmpstr (koi_window_get_connection_text (f->window), ==,
                     "Not connected: review the server certificate");
    banner = koi_window_get_connection_banner (f->window);
    g_object_get (banner, "revealed", &revealed, "button-label", &button_label, NULL);
    g_assert_true (revealed);
    g_assert_cmpstr (button_label, ==, "_Review…");
    preferences = koi_preferences_window_new (settings, koi_session_get_accounts (f->session));
    koi_compat_present_dialog (preferences, GTK_WIDGET (f->window));
    koi_test_ui_wait_for_drawn (preferences);
    g_assert_nonnull (find_widget (preferences, is_button_labelled, "_Review…"));
    koi_compat_dialog_close (preferences);
    review = find_widget (banner, is_button_labelled, "_Review…");
    g_assert_nonnull (review);
    koi_test_ui_wait_for_drawn (review);
    gtk_widget_activate (review);
    KOI_TEST_UI_WAIT_FOR ((changed = koi_test_ui_find_shown (KOI_TYPE_CERT_DIALOG)) != NULL, WAIT_S);
    trust = find_widget (changed, is_button_labelled, "_Trust This Certificate");
    g_assert_nonnull (trust);
    koi_test_ui_wait_for_drawn (trust);
    g_assert_nonnull (koi_test_ui_find_label (changed, "The Certificate Has Changed"));
    g_assert_cmpstr (koi_cert_dialog_get_info (KOI_CERT_DIALOG (changed))->sha256, ==, new_fingerprint);
    g_clear_object (&shot);
    shot = koi_test_ui_render (GTK_IS_WINDOW (changed) ? changed : GTK_WIDGET (f->window));
    g_free (path);
    path = koi_test_ui_save_png (shot, "certificate-changed.png");
    g_test_message ("screenshot: %s", path);

    gtk_widget_activate (trust);
    /* Trusted for both servers, and the account connects again: the
     * banner and its button go. */
    KOI_TEST_UI_WAIT_FOR (bob_online (f), WAIT_S);
    g_clear_pointer (&button_label, g_free);
    g_object_get (banner, "revealed", &revealed, "button-label", &button_label, NULL);
    g_assert_false (revealed);
    g_assert_true (button_label == NULL || *button_label == '\0');
    {
      g_autoptr (KoiStore) store = koi_store_open (db, &error);
      g_autoptr (GPtrArray) accounts = koi_store_account_list (store, &error);
      KoiStoreAccount *row = accounts->pdata[0];

      g_assert_cmpstr (row->imap_pin_cert, ==, new_fingerprint);
      g_assert_cmpstr (row->smtp_pin_cert, ==, new_fingerprint);
    }
  }

  gtk_window_destroy (GTK_WINDOW (f->window));
  koi_session_shutdown (f->session);
  g_clear_object (&f->session);
  koi_test_ui_iterate_ms (100);

  g_assert_true (koi_secret_clear_sync (BOB, f->secret_server, NULL, &error));
  g_assert_no_error (error);
  remove_tree (f->profile);
  g_free (f->profile);
  g_free (f->secret_server);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *keyring_path = NULL;
  int status;

  /* Passwords go to libsecret's file backend in a temp folder, never the
   * real keyring. */
  keyring_path = koi_test_ui_use_file_keyring ();

  koi_test_ui_init (&argc, &argv);
  koi_model_init ();
  koi_test_ui_tick_add ();

  g_test_add_func ("/ui/welcome-e2e/add-account", test_welcome_e2e);
  g_test_add_func ("/ui/welcome-e2e/autoconfig", test_welcome_autoconfig);
  g_test_add_func ("/ui/welcome-e2e/trust-certificate", test_welcome_trust_certificate);

  status = g_test_run ();

  koi_test_ui_remove_file_keyring (keyring_path);
  return status;
}
