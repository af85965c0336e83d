/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-encfile-download"

#include "config.h"

#include <string.h>

#include "koi-file-bubble.h"
#include "koi-test-ui.h"
#include "koi-test-ui-pair.h"

/*
 * Download of a file that came in encrypted mail (issue 13), in Bob's
 * window: Alice (koi-cli) knows Bob's key and sends him a PDF, encrypted
 * on the server. With nothing downloading by itself, the bubble offers
 * "Download"; a click on it (real input through the X server) makes the
 * same bubble offer "Open", and the file on disk has the PDF's SHA-256.
 */

#define WAIT_S 60

static KoiFileBubble *
find_bubble (GtkWidget *root)
{
  return (KoiFileBubble *) koi_test_ui_find_mapped (root, KOI_TYPE_FILE_BUBBLE);
}

static const char *
button_label (KoiFileBubble *bubble)
{
  return bubble != NULL ? koi_file_bubble_get_button_label (bubble) : "";
}

/* The bubble's button: the mapped GtkButton that says @label. */
static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) && gtk_widget_get_mapped (child) &&
          gtk_button_get_label (GTK_BUTTON (child)) != NULL &&
          g_str_has_prefix (gtk_button_get_label (GTK_BUTTON (child)), label))
        return child;
      found = find_button (child, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Alice's koi-cli has Bob's message (and with it his key). */
static gboolean
alice_has_message (KoiTestCli *cli)
{
  g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, "alice", "bob@example.org");

  return messages->len > 0;
}

static void
test_download (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_ui_pair_cli_new ();
  g_autofree char *alice = NULL, *bob = NULL, *pdf = NULL, *sha = NULL;
  g_autofree char *contents = NULL, *on_disk = NULL, *out = NULL;
  g_autofree guint8 *data = NULL;
  const gsize size = 300 * 1000;
  gsize len = 0;
  KoiTestUiSide side = { 0 };
  KoiWindow *window;
  KoiFileBubble *bubble = NULL;
  KoiAttachment *attachment;
  GtkWidget *button = NULL;

  alice = koi_test_cli_profile (cli, "alice");
  bob = koi_test_cli_profile (cli, "bob");

  /* Bob writes first (with his key, and so Alice's chat is no contact
   * request); Alice learns his key. */
  g_free (koi_test_cli_send (cli, "bob", "alice@example.org", "Send me the minutes?"));
  g_free (koi_test_cli_run_ok (cli, "alice", "sync", NULL));
  g_assert_true (alice_has_message (cli));

  data = g_malloc (size);
  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (i * 7 + i / 251);
  memcpy (data, "%PDF-1.4\n", 9);
  pdf = g_build_filename (cli->tmp, "minutes.pdf", NULL);
  g_assert_true (g_file_set_contents (pdf, (const char *) data, size, NULL));
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, size);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", alice, "send", "--file", pdf,
                                     "--caption", "Here they are", "bob@example.org", NULL), ==, 0);
  /* Encrypted on the server: Alice's own copy says so. */
  g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", alice, "messages",
                                     "bob@example.org", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\"encrypted\":true"));

  koi_test_ui_side_open (&side, cli, "bob", KOI_TEST_UI_BOB, 900, 640);
  /* Nothing downloads by itself: the file waits for the click. Set before
   * the main loop runs again: the load's callback starts the engines with
   * it. */
  koi_session_set_auto_download_max (side.session, 0);
  window = side.window;

  KOI_TEST_UI_WAIT_FOR (koi_test_ui_open_chat (window, "alice@example.org"), WAIT_S);
  KOI_TEST_UI_WAIT_FOR ((bubble = find_bubble (GTK_WIDGET (koi_window_get_conversation_view (window)))) != NULL,
                        WAIT_S);
  KOI_TEST_UI_WAIT_FOR (g_str_has_prefix (button_label (bubble), "Download"), WAIT_S);
  attachment = koi_file_bubble_get_attachment (bubble);
  g_assert_cmpstr (koi_attachment_get_name (attachment), ==, "minutes.pdf");
  g_assert_null (koi_attachment_get_path (attachment));

  /* The user clicks "Download 300 kB". */
  KOI_TEST_UI_WAIT_FOR ((button = find_button (GTK_WIDGET (bubble), "Download")) != NULL, WAIT_S);
  koi_test_ui_focus_window (GTK_WINDOW (window));
  koi_test_ui_click (button);
  KOI_TEST_UI_WAIT_FOR (koi_attachment_get_state (attachment) == KOI_ATTACHMENT_DONE, WAIT_S);
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (button_label (bubble), "Open") == 0, WAIT_S);
  g_assert_true (g_file_get_contents (koi_attachment_get_path (attachment), &contents, &len, NULL));
  on_disk = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  g_assert_cmpstr (on_disk, ==, sha);
  g_assert_true (g_str_has_prefix (koi_attachment_get_path (attachment), bob));
  g_object_unref (koi_test_ui_shoot (GTK_WIDGET (window), "encrypted-file-downloaded.png", 16));

  koi_test_ui_side_close (&side);
}

int
main (int   argc,
      char *argv[])
{
  koi_test_ui_pair_init (&argc, &argv);

  g_test_add_func ("/ui/encfile-download/download", test_download);

  return koi_test_ui_pair_run ();
}
