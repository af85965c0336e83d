/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A large file sent from Alice's window through the private Dovecot +
 * Postfix: while it goes up, her file bubble shows a progress bar that
 * only moves forward and "X of Y" under the name, with Y the file's size
 * and X growing; a Stop button stands in for the action button. Once the
 * server has it, the bar is gone, the size stands alone and the message
 * says "Sent". Every frame drawn during the send is looked at, so a bar
 * that never showed (or showed nonsense) fails the test.
 */
#define G_LOG_DOMAIN "test-ui-upload-progress"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "koi-compat-files.h"
#include "koi-composer.h"
#include "koi-conversation-view.h"
#include "koi-file-bubble.h"
#include "koi-message-row.h"
#include "koi-test-files.h"
#include "koi-test-ui.h"
#include "koi-test-ui-pair.h"

#define WAIT_S 60
/* 12 MB: about 16 MB of base64 on the wire, several tenths of a second
 * over loopback even on a quiet machine (progress comes ten times a second
 * at most). */
#define FILE_SIZE (12 * 1000 * 1000)

typedef struct {
  GtkWidget *view;
  GPtrArray *details;     /* "X of Y" of each frame that drew the bar */
  GArray    *fractions;   /* the bar's fraction on those frames */
  guint      stop_shown;  /* frames where Stop stood in for the button */
} Frames;

static gboolean
on_frame (GtkWidget     *widget,
          GdkFrameClock *clock,
          gpointer       user_data)
{
  Frames *frames = user_data;
  KoiFileBubble *bubble = (KoiFileBubble *) koi_test_ui_find_mapped (frames->view, KOI_TYPE_FILE_BUBBLE);
  GtkProgressBar *bar;

  if (bubble == NULL)
    return G_SOURCE_CONTINUE;
  bar = koi_file_bubble_get_progress_bar (bubble);
  if (!gtk_widget_get_mapped (GTK_WIDGET (bar)))
    return G_SOURCE_CONTINUE;
  g_ptr_array_add (frames->details, g_strdup (koi_file_bubble_get_detail_text (bubble)));
  g_array_append_val (frames->fractions, (double) { gtk_progress_bar_get_fraction (bar) });
  if (gtk_widget_get_mapped (GTK_WIDGET (koi_file_bubble_get_cancel_button (bubble))))
    frames->stop_shown++;
  return G_SOURCE_CONTINUE;
}

static gboolean
sent (KoiFileBubble *bubble)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (bubble), KOI_TYPE_MESSAGE_ROW);

  return row != NULL && koi_message_row_get_item (KOI_MESSAGE_ROW (row)) != NULL &&
         koi_message_get_state (koi_message_row_get_item (KOI_MESSAGE_ROW (row))) == KOI_MESSAGE_SENT;
}

static void
test_upload_progress (void)
{
  g_autoptr (KoiTestCli) cli = NULL;
  g_autoptr (GListStore) files = g_list_store_new (G_TYPE_FILE);
  g_autoptr (GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *total = g_format_size (FILE_SIZE);
  g_autofree char *of_total = g_strdup_printf (" of %s", total);
  Frames frames = { 0, };
  KoiTestUiSide side = { 0 };
  KoiWindow *window;
  KoiConversationView *view;
  KoiComposer *composer;
  KoiFileBubble *bubble = NULL;
  guint tick;

  cli = koi_test_ui_pair_cli_new ();
  /* Each wrote first once: neither chat is a contact request. */
  g_free (koi_test_cli_send (cli, "bob", "alice@example.org", "Send me the recording?"));
  g_free (koi_test_cli_send (cli, "alice", "bob@example.org", "Coming up!"));
  path = koi_test_write_random_file (cli->tmp, "recording.bin", NULL, FILE_SIZE, &sha);

  koi_test_ui_side_open (&side, cli, "alice", KOI_TEST_UI_ALICE, 900, 700);
  window = side.window;
  view = koi_test_ui_side_open_chat (&side, KOI_TEST_UI_BOB, WAIT_S);
  composer = koi_conversation_view_get_composer (view);
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_window_online (window), WAIT_S);
  koi_test_ui_focus_window (GTK_WINDOW (window));

  /* Attached through the paperclip's chooser (answered by the compat
   * layer's test hook), sent with Enter. */
  file = g_file_new_for_path (path);
  g_list_store_append (files, file);
  koi_compat_files_set_test_reply (G_LIST_MODEL (files));
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.attach", NULL);
  KOI_TEST_UI_WAIT_FOR (g_list_model_get_n_items (koi_composer_get_files (composer)) == 1, 10);
  koi_compat_files_set_test_reply (NULL);

  frames.view = GTK_WIDGET (view);
  frames.details = g_ptr_array_new_with_free_func (g_free);
  frames.fractions = g_array_new (FALSE, FALSE, sizeof (double));
  tick = gtk_widget_add_tick_callback (GTK_WIDGET (view), on_frame, &frames, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (koi_composer_get_text_view (composer)));
  koi_test_ui_press_keys ("Return");

  KOI_TEST_UI_WAIT_FOR ((bubble = (KoiFileBubble *) koi_test_ui_find_mapped (GTK_WIDGET (view), KOI_TYPE_FILE_BUBBLE)) != NULL
                        && sent (bubble), WAIT_S);
  koi_test_ui_iterate_ms (300);
  gtk_widget_remove_tick_callback (GTK_WIDGET (view), tick);

  /* On its way: the bar was drawn, with "X of 12.0 MB" under the name. */
  g_test_message ("%u frames drew the bar, from \"%s\" to \"%s\"", frames.details->len,
                  frames.details->len > 0 ? (char *) frames.details->pdata[0] : "",
                  frames.details->len > 0 ? (char *) frames.details->pdata[frames.details->len - 1] : "");
  g_assert_cmpuint (frames.details->len, >, 0);
  g_assert_cmpuint (frames.stop_shown, ==, frames.details->len);
  for (guint i = 0; i < frames.details->len; i++)
    {
      const char *detail = frames.details->pdata[i];

      g_assert_true (g_str_has_suffix (detail, of_total));
      g_assert_cmpfloat (g_array_index (frames.fractions, double, i), >=, 0.0);
      g_assert_cmpfloat (g_array_index (frames.fractions, double, i), <=, 1.0);
      /* Forward only. */
      if (i > 0)
        g_assert_cmpfloat (g_array_index (frames.fractions, double, i), >=,
                           g_array_index (frames.fractions, double, i - 1));
    }
  /* Somewhere in between was seen, not only the start or the end. */
  {
    gboolean midway = FALSE;

    for (guint i = 0; i < frames.fractions->len; i++)
      if (g_array_index (frames.fractions, double, i) > 0.0 && g_array_index (frames.fractions, double, i) < 1.0)
        midway = TRUE;
    g_assert_true (midway);
  }

  /* Sent: no bar, no Stop, the size alone. */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (koi_file_bubble_get_progress_bar (bubble))));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (koi_file_bubble_get_cancel_button (bubble))));
  g_assert_cmpstr (koi_file_bubble_get_detail_text (bubble), ==, total);
  /* Postfix delivered it (its queue empties). */
  koi_test_mailserver_wait_for_empty_queue (cli->server);

  g_ptr_array_unref (frames.details);
  g_array_unref (frames.fractions);
  koi_test_ui_side_close (&side);
}

int
main (int   argc,
      char *argv[])
{
  koi_test_ui_pair_init (&argc, &argv);

  g_test_add_func ("/ui/upload-progress/large-file", test_upload_progress);

  return koi_test_ui_pair_run ();
}
