/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-contact-fields"

#include "config.h"

#include "koi-compat.h"
#include "koi-contacts-window.h"
#include "koi-model.h"
#include "koi-session.h"
#include "koi-test-cli.h"
#include "koi-test-ui.h"
#include "koi-window.h"

/*
 * The card's further fields in Alice's window, through the private
 * Dovecot + Postfix: a .vcf with two cards (and one without an address)
 * imported, both drawn as rows; a file that is no vCard refused with a
 * message; a birthday without a year and two groups typed into Bob's card
 * with real keys (xdotool) and Enter, which Alice's second device then
 * has; a date that does not exist refused; Block asks first and Cancel
 * leaves Bob unblocked; a status from the other device shows; Export
 * writes his card as a .vcf.
 */

#define ALICE "alice@example.org"
#define BOB   "bob@example.org"
#define CAROL "carol@example.org"
#define WAIT_S 45

#define WAIT_FOR(cond, seconds)                                               \
  G_STMT_START {                                                              \
    gint64 wait_end_ = g_get_monotonic_time () + (gint64) (seconds) * G_USEC_PER_SEC; \
    while (!(cond) && g_get_monotonic_time () < wait_end_)                    \
      g_main_context_iteration (NULL, TRUE);                                  \
    if (!(cond))                                                              \
      g_error ("timed out waiting for %s", #cond);                            \
  } G_STMT_END

static char *keyring_path;

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
spin (gint64 ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
online (KoiWindow *window)
{
  KoiAccount *account;

  if (g_strcmp0 (koi_window_get_page_name (window), "chats") != 0)
    return FALSE;
  account = koi_window_get_account (window);
  return account != NULL && koi_account_get_connection_state (account) == KOI_CONNECTION_ONLINE;
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* Real key presses to the window with the X input focus. */
static void
xdotool (const char *first,
         ...) G_GNUC_NULL_TERMINATED;

static void
xdotool (const char *first,
         ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process = NULL;
  gboolean done = FALSE;
  va_list ap;

  g_ptr_array_add (argv, (char *) "xdotool");
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_subprocess_wait_async (process, NULL, on_exited, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_subprocess_get_successful (process));
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

static char *
run_cli (KoiTestCli *cli,
         const char *profile,
         ...) G_GNUC_NULL_TERMINATED;

static char *
run_cli (KoiTestCli *cli,
         const char *profile,
         ...)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  const char *args[6] = { NULL, };
  char *out = NULL;
  va_list ap;
  guint n = 0;

  va_start (ap, profile);
  for (const char *arg = va_arg (ap, const char *); arg != NULL && n < 5; arg = va_arg (ap, const char *))
    args[n++] = arg;
  va_end (ap);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", dir, args[0], args[1],
                                     args[2], args[3], args[4], NULL), ==, 0);
  return out;
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

static void
shoot (GtkWidget  *widget,
       const char *name)
{
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *path = NULL;

  koi_test_ui_wait_for_drawn (widget);
  texture = koi_test_ui_render (widget);
  path = koi_test_ui_save_png (texture, name);
  g_test_message ("screenshot: %s", path);
  g_assert_cmpuint (koi_test_ui_count_colors (texture, NULL, 16), >=, 16);
}

static void
press (GtkWidget *button)
{
  g_assert_nonnull (button);
  WAIT_FOR (gtk_widget_get_mapped (button) && gtk_widget_is_sensitive (button), 10);
  g_assert_true (gtk_widget_activate (button));
}

static void
on_count (gpointer  instance,
          guint    *count)
{
  (*count)++;
}

static void
on_exported (KoiContactDetails *details,
             GFile             *file,
             guint             *count)
{
  g_assert_true (G_IS_FILE (file));
  (*count)++;
}

typedef struct
{
  guint  count;
  guint  written;
  char  *error;
} Imported;

static void
on_imported (KoiContactsWindow *contacts,
             guint              written,
             const char        *error,
             Imported          *imported)
{
  imported->count++;
  imported->written = written;
  g_free (imported->error);
  imported->error = g_strdup (error);
}

/* Types @text into @row with real keys, replacing what it held. */
static void
type_into (GtkWidget  *row,
           const char *text)
{
  gtk_widget_grab_focus (row);
  xdotool ("key", "--clearmodifiers", "ctrl+a", "BackSpace", NULL);
  if (*text != '\0')
    xdotool ("type", "--delay", "30", text, NULL);
}

static const char *
row_text (KoiContactDetails *details,
          const char        *field)
{
  return gtk_editable_get_text (GTK_EDITABLE (koi_contact_details_get_row (details, field)));
}

static JsonObject *
card_on_second_device (KoiTestCli *cli,
                       GPtrArray **keep)
{
  g_autofree char *synced = run_cli (cli, "alice-2", "sync", NULL);
  g_autofree char *out = run_cli (cli, "alice-2", "contact", "show", BOB, NULL);

  *keep = koi_test_cli_parse_lines (out);
  g_assert_cmpuint ((*keep)->len, ==, 1);
  return g_ptr_array_index (*keep, 0);
}

static void
test_contact_fields (void)
{
  static const char * const users[] = { ALICE ":alice-secret", BOB ":bob-secret", NULL };
  static const char * const imported_titles[] = { "Bob Builder", "Carol Danvers", NULL };
  static const char vcf[] =
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Bob Builder\r\nEMAIL:bob@example.org\r\n"
    "TEL:+49 30 1234567\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Carol Danvers\r\nEMAIL;TYPE=INTERNET:carol@example.org\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:No Address\r\nTEL:+1 555 0100\r\nEND:VCARD\r\n";
  g_autoptr (KoiTestCli) cli = koi_test_cli_new_with_users (users);
  g_autoptr (KoiSession) session = NULL;
  g_autoptr (GPtrArray) lines = NULL;
  AdwStyleManager *style = adw_style_manager_get_default ();
  Imported imported = { 0, };
  KoiContactsWindow *contacts;
  KoiContactDetails *details;
  KoiWindow *window;
  GtkWidget *alert;
  JsonObject *card;
  guint saves = 0;

  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PATH", keyring_path, TRUE);
  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PASSWORD", "test-keyring", TRUE);
  koi_test_cli_add_account (cli, "alice", ALICE, "alice-secret");
  koi_test_cli_add_account (cli, "alice-2", ALICE, "alice-secret");

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
  WAIT_FOR (online (window), WAIT_S);

  koi_test_ui_focus_window (GTK_WINDOW (window));
  xdotool ("key", "--clearmodifiers", "ctrl+shift+c", NULL);
  WAIT_FOR ((contacts = KOI_CONTACTS_WINDOW (find_toplevel (KOI_TYPE_CONTACTS_WINDOW))) != NULL, 10);
  g_signal_connect (contacts, "imported", G_CALLBACK (on_imported), &imported);

  /* A file that is no vCard: refused, with a message, nothing added. */
  {
    g_autofree char *path = g_build_filename (cli->tmp, "notes.vcf", NULL);
    g_autoptr (GFile) file = g_file_new_for_path (path);

    g_assert_true (g_file_set_contents (path, "Bob: call on Tuesday\n", -1, NULL));
    koi_contacts_window_import_file (contacts, file);
    WAIT_FOR (imported.count == 1, WAIT_S);
    g_assert_cmpuint (imported.written, ==, 0);
    g_assert_cmpstr (imported.error, ==, "“notes.vcf” is not a contacts file: choose a vCard file (.vcf)");
    WAIT_FOR ((alert = koi_compat_alert_find (GTK_WINDOW (contacts))) != NULL, 10);
    g_assert_cmpstr (koi_compat_alert_get_heading (alert), ==, "Could Not Import Contacts");
    g_assert_cmpstr (koi_compat_alert_get_body (alert), ==, imported.error);
    koi_compat_alert_respond (alert, "close");
    WAIT_FOR (koi_compat_alert_find (GTK_WINDOW (contacts)) == NULL, 10);
  }

  /* Two cards with an address (vCard 4.0 and 3.0) and one without. */
  {
    g_autofree char *path = g_build_filename (cli->tmp, "friends.vcf", NULL);
    g_autoptr (GFile) file = g_file_new_for_path (path);

    g_assert_true (g_file_set_contents (path, vcf, -1, NULL));
    koi_contacts_window_import_file (contacts, file);
    WAIT_FOR (imported.count == 2, WAIT_S);
    g_assert_null (imported.error);
    g_assert_cmpuint (imported.written, ==, 2);
  }
  WAIT_FOR (koi_contacts_window_get_row (contacts, BOB) != NULL &&
            koi_contacts_window_get_row (contacts, CAROL) != NULL &&
            strv_is (koi_contacts_window_get_titles (contacts), imported_titles), WAIT_S);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (contacts));
  g_assert_true (gtk_widget_get_mapped (koi_contacts_window_get_row (contacts, BOB)));
  g_assert_true (gtk_widget_get_mapped (koi_contacts_window_get_row (contacts, CAROL)));
  g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (contacts), "Bob Builder"));
  g_assert_nonnull (koi_test_ui_find_label (GTK_WIDGET (contacts), "Carol Danvers"));
  shoot (GTK_WIDGET (contacts), "contacts-imported.png");

  /* Bob's card: a birthday without a year and two groups, typed. */
  press (koi_contacts_window_get_row (contacts, BOB));
  details = koi_contacts_window_get_details (contacts);
  g_signal_connect (details, "saved", G_CALLBACK (on_count), &saves);
  WAIT_FOR (g_strcmp0 (koi_contact_details_get_title (details), "Bob Builder") == 0, 10);
  koi_test_ui_focus_window (GTK_WINDOW (contacts));
  type_into (koi_contact_details_get_row (details, "birthday"), "04-12");
  type_into (koi_contact_details_get_row (details, "groups"), "Family, Climbing");
  type_into (koi_contact_details_get_row (details, "language"), "de");
  xdotool ("key", "--clearmodifiers", "Return", NULL);
  WAIT_FOR (saves == 1, WAIT_S);
  g_assert_null (koi_contact_details_get_error (details));
  /* Read back from the stored card. */
  WAIT_FOR (g_strcmp0 (row_text (details, "groups"), "Family, Climbing") == 0 &&
            g_strcmp0 (row_text (details, "birthday"), "04-12") == 0, 10);
  g_assert_cmpstr (row_text (details, "language"), ==, "de");
  spin (500);
  shoot (GTK_WIDGET (contacts), "contact-card-fields.png");

  /* Alice's other device has them. */
  card = card_on_second_device (cli, &lines);
  g_assert_cmpstr (json_object_get_string_member (card, "name"), ==, "Bob Builder");
  g_assert_cmpstr (json_object_get_string_member (card, "birthday"), ==, "--0412");
  g_assert_cmpstr (json_object_get_string_member (card, "language"), ==, "de");
  {
    JsonArray *groups = json_object_get_array_member (card, "groups");

    g_assert_cmpuint (json_array_get_length (groups), ==, 2);
    g_assert_cmpstr (json_array_get_string_element (groups, 0), ==, "Family");
    g_assert_cmpstr (json_array_get_string_element (groups, 1), ==, "Climbing");
  }
  g_clear_pointer (&lines, g_ptr_array_unref);

  /* A status set on the other device shows on the card (read-only: no
   * row edits it), and what was typed here stays. */
  g_assert_null (koi_contact_details_get_status (details));
  g_free (run_cli (cli, "alice-2", "contact", "edit", BOB, "--status", "On the wall", NULL));
  WAIT_FOR (g_strcmp0 (koi_contact_details_get_status (details), "On the wall") == 0, WAIT_S);
  g_assert_cmpstr (row_text (details, "birthday"), ==, "04-12");
  g_assert_cmpstr (row_text (details, "groups"), ==, "Family, Climbing");

  /* A day that does not exist is refused, and nothing is written. */
  type_into (koi_contact_details_get_row (details, "anniversary"), "2010-02-30");
  xdotool ("key", "--clearmodifiers", "Return", NULL);
  WAIT_FOR (koi_contact_details_get_error (details) != NULL, 10);
  g_assert_cmpstr (koi_contact_details_get_error (details), ==,
                   "“2010-02-30” is not a date: write it as 1990-04-12, or 04-12 without the year");
  spin (300);
  g_assert_cmpuint (saves, ==, 1);
  type_into (koi_contact_details_get_row (details, "anniversary"), "2010-06-12");
  xdotool ("key", "--clearmodifiers", "Return", NULL);
  WAIT_FOR (saves == 2, WAIT_S);
  g_assert_null (koi_contact_details_get_error (details));

  /* Block asks first; Cancel leaves Bob unblocked. */
  press (koi_contact_details_get_block_button (details));
  WAIT_FOR ((alert = koi_compat_alert_find (GTK_WINDOW (contacts))) != NULL, 10);
  g_assert_cmpstr (koi_compat_alert_get_heading (alert), ==, "Block Bob Builder?");
  g_assert_cmpstr (koi_compat_alert_get_body (alert), ==,
                   "You will not see their messages; they are not told.");
  /* Escape, pressed, is Cancel (the alert is a window of its own on the
   * legacy set, part of the Contacts window on the modern one). */
  WAIT_FOR (gtk_widget_get_mapped (alert), 10);
  spin (300);
  koi_test_ui_focus_window (GTK_WINDOW (gtk_widget_get_root (alert)));
  xdotool ("key", "--clearmodifiers", "Escape", NULL);
  WAIT_FOR (koi_compat_alert_find (GTK_WINDOW (contacts)) == NULL, 10);
  /* Escape went to the alert, not to the window behind it. */
  g_assert_cmpstr (koi_contacts_window_get_page_name (contacts), ==, "card");
  spin (1000);
  g_assert_cmpuint (saves, ==, 2);
  g_assert_false (koi_contact_details_get_blocked (details));
  card = card_on_second_device (cli, &lines);
  g_assert_false (json_object_get_boolean_member (card, "blocked"));
  g_assert_cmpstr (json_object_get_string_member (card, "anniversary"), ==, "20100612");
  g_clear_pointer (&lines, g_ptr_array_unref);

  /* Export: the stored card as a .vcf another app can read. */
  {
    g_autofree char *path = g_build_filename (cli->tmp, "bob.vcf", NULL);
    g_autoptr (GFile) file = g_file_new_for_path (path);
    g_autofree char *text = NULL;
    guint exported = 0;

    g_signal_connect (details, "exported", G_CALLBACK (on_exported), &exported);
    koi_contact_details_export_to_file (details, file);
    WAIT_FOR (exported == 1, 10);
    g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    g_assert_true (g_str_has_prefix (text, "BEGIN:VCARD\r\n"));
    g_assert_nonnull (strstr (text, "\r\nFN:Bob Builder\r\n"));
    g_assert_nonnull (strstr (text, "\r\nEMAIL:bob@example.org\r\n"));
    g_assert_nonnull (strstr (text, "\r\nBDAY:--0412\r\n"));
    g_assert_nonnull (strstr (text, "\r\nANNIVERSARY:20100612\r\n"));
    g_assert_true (g_str_has_suffix (text, "END:VCARD\r\n"));
  }

  gtk_window_destroy (GTK_WINDOW (contacts));
  gtk_window_destroy (GTK_WINDOW (window));
  koi_session_shutdown (session);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  g_free (imported.error);
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

  g_test_add_func ("/ui/contact-fields/import-edit-block-export", test_contact_fields);

  status = g_test_run ();
  koi_test_ui_remove_file_keyring (keyring_path);
  g_free (keyring_path);
  return status;
}
