/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-attachments-e2e"

#include "config.h"

#include <string.h>

#include "koi-conversation-view.h"
#include "koi-file-bubble.h"
#include "koi-message-row.h"
#include "koi-test-ui.h"
#include "koi-test-ui-pair.h"

/*
 * Bob's window, and Alice sending him a PDF with koi-cli through the
 * private Dovecot + Postfix: the file shows as a bubble that offers
 * "Download"; clicking it fetches the file through Bob's engine, and the
 * same bubble then offers "Open", with the file on disk byte for byte.
 */

#define WAIT_S 45

static KoiFileBubble *
find_bubble (GtkWidget *root)
{
  return (KoiFileBubble *) koi_test_ui_find_mapped (root, KOI_TYPE_FILE_BUBBLE);
}

static void
send_file_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  *(gint64 *) user_data = koi_account_send_text_finish (KOI_ACCOUNT (source), result, &error);
  g_assert_no_error (error);
}

static const char *
button_label (KoiFileBubble *bubble)
{
  return bubble != NULL ? koi_file_bubble_get_button_label (bubble) : "";
}

static void
test_download_in_window (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_ui_pair_cli_new ();
  g_autofree char *alice = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *pdf = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *on_disk = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *png = NULL;
  guint8 data[150000];
  gsize len = 0;
  KoiTestUiSide side = { 0 };
  KoiWindow *window;
  KoiFileBubble *bubble = NULL;
  KoiAttachment *attachment;

  alice = koi_test_cli_profile (cli, "alice");
  bob = koi_test_cli_profile (cli, "bob");

  /* Bob wrote first, so Alice's chat is no contact request. */
  g_free (koi_test_cli_send (cli, "bob", "alice@example.org", "Send me the minutes?"));

  for (gsize i = 0; i < sizeof data; i++)
    data[i] = (guint8) (i * 7 + i / 251);
  memcpy (data, "%PDF-1.4\n", 9);
  pdf = g_build_filename (cli->tmp, "minutes.pdf", NULL);
  g_assert_true (g_file_set_contents (pdf, (const char *) data, sizeof data, NULL));
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, sizeof data);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", alice, "send", "--file", pdf,
                                     "--caption", "Here they are", "bob@example.org", NULL), ==, 0);

  koi_test_ui_side_open (&side, cli, "bob", KOI_TEST_UI_BOB, 900, 640);
  window = side.window;

  KOI_TEST_UI_WAIT_FOR (koi_test_ui_open_chat (window, "alice@example.org"), WAIT_S);
  KOI_TEST_UI_WAIT_FOR ((bubble = find_bubble (GTK_WIDGET (koi_window_get_conversation_view (window)))) != NULL, WAIT_S);
  KOI_TEST_UI_WAIT_FOR (g_str_has_prefix (button_label (bubble), "Download"), WAIT_S);
  attachment = koi_file_bubble_get_attachment (bubble);
  g_assert_cmpstr (koi_attachment_get_name (attachment), ==, "minutes.pdf");

  /* The user clicks "Download 150 kB". */
  g_signal_emit_by_name (gtk_widget_get_last_child (GTK_WIDGET (bubble)), "clicked");
  KOI_TEST_UI_WAIT_FOR (koi_attachment_get_state (attachment) == KOI_ATTACHMENT_DONE, WAIT_S);
  g_assert_cmpstr (button_label (bubble), ==, "Open");
  g_assert_true (g_file_get_contents (koi_attachment_get_path (attachment), &contents, &len, NULL));
  on_disk = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  g_assert_cmpstr (on_disk, ==, sha);
  g_assert_true (g_str_has_prefix (koi_attachment_get_path (attachment), bob));

  /* Bob sends one back from his window's account: it goes out, and
   * Alice's koi-cli receives it with its name. */
  {
    KoiAccount *account = koi_window_get_account (window);
    KoiChat *chat = koi_conversation_view_get_chat (koi_window_get_conversation_view (window));
    g_autofree char *notes = g_build_filename (cli->tmp, "notes.txt", NULL);
    g_autofree char *out = NULL;
    gint64 sent = 0;
    gboolean done = FALSE;

    g_assert_true (g_file_set_contents (notes, "Thanks! My notes.\n", -1, NULL));
    koi_account_send_file_async (account, koi_chat_get_id (chat), notes, NULL, 0, NULL,
                                 send_file_cb, &sent);
    KOI_TEST_UI_WAIT_FOR (sent != 0, WAIT_S);
    for (guint attempt = 0; attempt < 80 && !done; attempt++)
      {
        g_clear_pointer (&out, g_free);
        g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", alice, "sync", NULL), ==, 0);
        g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", alice, "messages",
                                           "bob@example.org", NULL), ==, 0);
        done = strstr (out, "\"notes.txt\"") != NULL;
        if (!done)
          {
            gint64 end = g_get_monotonic_time () + 250 * 1000;

            while (g_get_monotonic_time () < end)
              g_main_context_iteration (NULL, FALSE);
          }
      }
    g_assert_true (done);
  }

  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  texture = koi_test_ui_render (GTK_WIDGET (window));
  png = koi_test_ui_save_png (texture, "chat-file.png");
  g_test_message ("screenshot: %s", png);

  koi_test_ui_side_close (&side);
}

int
main (int   argc,
      char *argv[])
{
  koi_test_ui_pair_init (&argc, &argv);

  g_test_add_func ("/ui/attachments-e2e/download", test_download_in_window);

  return koi_test_ui_pair_run ();
}
