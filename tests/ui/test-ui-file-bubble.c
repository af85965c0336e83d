/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * File bubbles in a message row: one per attachment with its name, size
 * and a button that says what it will do; "Download" asks the
 * conversation for it, and the same bubble turns into "Open" when the
 * download is done.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "koi-file-bubble.h"
#include "koi-media-bubble.h"
#include "koi-message-row.h"
#include "koi-test-ui.h"

static void
on_download (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  *(gint64 *) user_data = g_variant_get_int64 (parameter);
}

static GPtrArray *
rows (int first_state)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_store_attachment_free);
  KoiStoreAttachment *image = g_new0 (KoiStoreAttachment, 1);
  KoiStoreAttachment *pdf = g_new0 (KoiStoreAttachment, 1);
  KoiStoreAttachment *broken = g_new0 (KoiStoreAttachment, 1);

  image->id = 1;
  image->message_ref = 42;
  image->filename = g_strdup ("holiday-photo-with-a-rather-long-name.png");
  image->mime_type = g_strdup ("image/png");
  image->size = 24100000;
  image->state = first_state;
  if (first_state == KOI_STORE_ATTACHMENT_DONE)
    image->path = g_strdup ("/tmp/koi-test-does-not-exist/ab/abcd");
  pdf->id = 2;
  pdf->message_ref = 42;
  pdf->filename = g_strdup ("Grüße.pdf");
  pdf->mime_type = g_strdup ("application/pdf");
  pdf->size = 120000;
  pdf->state = KOI_STORE_ATTACHMENT_DOWNLOADING;
  broken->id = 3;
  broken->message_ref = 42;
  broken->filename = g_strdup ("photo.png");
  broken->mime_type = g_strdup ("image/png");
  broken->size = 52;
  broken->state = KOI_STORE_ATTACHMENT_FAILED;
  broken->error = g_strdup ("The attachment says it is an image (image/png) but its content is not one");
  g_ptr_array_add (list, image);
  g_ptr_array_add (list, pdf);
  g_ptr_array_add (list, broken);
  return list;
}

static KoiFileBubble *
bubble_at (GtkWidget *root,
           guint      index)
{
  guint seen = 0;

  for (GtkWidget *w = root; w != NULL; )
    {
      if (KOI_IS_FILE_BUBBLE (w) && seen++ == index)
        return KOI_FILE_BUBBLE (w);
      /* depth-first walk */
      if (gtk_widget_get_first_child (w) != NULL)
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w != NULL && w != root && gtk_widget_get_next_sibling (w) == NULL)
            w = gtk_widget_get_parent (w);
          w = (w == NULL || w == root) ? NULL : gtk_widget_get_next_sibling (w);
        }
    }
  return NULL;
}

static void
test_file_bubbles (void)
{
  g_autoptr (GPtrArray) pending = rows (KOI_STORE_ATTACHMENT_PENDING);
  g_autoptr (GPtrArray) done = rows (KOI_STORE_ATTACHMENT_DONE);
  KoiStoreMessage stored = {
    .id = 42, .account_id = 1, .chat_id = 7, .message_id = (char *) "chat$f@example.org",
    .direction = KOI_STORE_DIRECTION_INCOMING, .state = KOI_STORE_STATE_RECEIVED,
    .kind = KOI_STORE_KIND_CHAT, .from_address = (char *) "alice@example.org",
    .text = (char *) "The photos from Sunday", .sort_ms = g_get_real_time () / 1000,
    .has_attachments = TRUE, .attachments = pending,
  };
  g_autoptr (KoiMessage) message = koi_message_new_from_store (&stored);
  g_autoptr (GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr (GSimpleAction) download = g_simple_action_new ("download", G_VARIANT_TYPE_INT64);
  g_autoptr (GSimpleAction) cancel = g_simple_action_new ("cancel-transfer", G_VARIANT_TYPE_INT64);
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *png = NULL;
  GtkWidget *window = gtk_window_new ();
  GtkWidget *row = koi_message_row_new ();
  KoiFileBubble *first;
  KoiAttachment *first_attachment;
  gint64 asked = 0;
  gint64 stopped = 0;

  g_signal_connect (download, "activate", G_CALLBACK (on_download), &asked);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (download));
  g_signal_connect (cancel, "activate", G_CALLBACK (on_download), &stopped);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (cancel));
  gtk_widget_insert_action_group (window, "conversation", G_ACTION_GROUP (group));
  gtk_window_set_default_size (GTK_WINDOW (window), 480, -1);
  gtk_window_set_child (GTK_WINDOW (window), row);
  koi_message_row_set_item (KOI_MESSAGE_ROW (row), message);
  gtk_window_present (GTK_WINDOW (window));
  koi_test_ui_wait_for_drawn (row);

  g_assert_nonnull (bubble_at (row, 2));
  g_assert_null (bubble_at (row, 3));
  first = bubble_at (row, 0);
  first_attachment = koi_file_bubble_get_attachment (first);
  g_assert_cmpstr (koi_file_bubble_get_button_label (first), ==, "Download 24.1\u00a0MB");
  g_assert_cmpstr (koi_file_bubble_get_button_label (bubble_at (row, 1)), ==, "Downloading…");
  g_assert_cmpstr (koi_file_bubble_get_button_label (bubble_at (row, 2)), ==, "Try Again");
  g_assert_cmpstr (koi_file_bubble_get_detail_text (bubble_at (row, 2)), ==, "52 bytes — could not be downloaded");
  g_assert_nonnull (koi_test_ui_find_label (row, "Grüße.pdf"));

  texture = koi_test_ui_render (window);
  png = koi_test_ui_save_png (texture, "file-bubbles.png");
  g_test_message ("screenshot: %s", png);
  g_assert_cmpuint (koi_test_ui_count_colors (texture, NULL, 8), >=, 8);

  /* "Download" asks the conversation for the message's files. */
  g_signal_emit_by_name (gtk_widget_get_last_child (GTK_WIDGET (first)), "clicked");
  g_assert_cmpint (asked, ==, 42);

  /* On its way: bytes so far of the total on a progress bar, and Stop
   * in place of the button, which asks the conversation to stop it. */
  koi_attachment_set_progress (first_attachment, 3000000, 32000000);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (koi_file_bubble_get_progress_bar (first))));
  g_assert_cmpfloat_with_epsilon (gtk_progress_bar_get_fraction (koi_file_bubble_get_progress_bar (first)),
                                  3.0 / 32.0, 0.001);
  g_assert_cmpstr (koi_file_bubble_get_detail_text (first), ==, "3.0\u00a0MB of 32.0\u00a0MB");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (koi_file_bubble_get_cancel_button (first))));
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_last_child (GTK_WIDGET (first))));
  g_clear_object (&texture);
  koi_test_ui_iterate_ms (200);
  texture = koi_test_ui_render (window);
  g_free (png);
  png = koi_test_ui_save_png (texture, "file-bubble-progress.png");
  g_test_message ("screenshot: %s", png);
  asked = 0;
  g_signal_emit_by_name (koi_file_bubble_get_cancel_button (first), "clicked");
  g_assert_cmpint (stopped, ==, 42);
  koi_attachment_set_progress (first_attachment, -1, 32000000);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (koi_file_bubble_get_progress_bar (first))));
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_last_child (GTK_WIDGET (first))));
  g_assert_cmpstr (koi_file_bubble_get_button_label (first), ==, "Download 24.1\u00a0MB");

  /* The download finished: the same bubble now opens the file. */
  stored.attachments = done;
  koi_message_update_from_store (message, &stored);
  g_assert_true (bubble_at (row, 0) == first);
  g_assert_true (koi_file_bubble_get_attachment (first) == first_attachment);
  g_assert_cmpstr (koi_file_bubble_get_button_label (first), ==, "Open");

  /* A message without files shows none. */
  stored.attachments = NULL;
  stored.has_attachments = FALSE;
  koi_message_update_from_store (message, &stored);
  g_assert_null (bubble_at (row, 0));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* One second of a 440 Hz tone as 16-bit mono WAV at 8 kHz. */
static char *
write_wav (const char *dir)
{
  const guint32 rate = 8000, samples = 8000;
  g_autoptr (GByteArray) wav = g_byte_array_new ();
  char *path = g_build_filename (dir, "voice.wav", NULL);
  guint32 u32;
  guint16 u16;

#define PUT(bytes, len) g_byte_array_append (wav, (const guint8 *) (bytes), (len))
  PUT ("RIFF", 4); u32 = GUINT32_TO_LE (36 + samples * 2); PUT (&u32, 4);
  PUT ("WAVEfmt ", 8); u32 = GUINT32_TO_LE (16); PUT (&u32, 4);
  u16 = GUINT16_TO_LE (1); PUT (&u16, 2);              /* PCM */
  u16 = GUINT16_TO_LE (1); PUT (&u16, 2);              /* mono */
  u32 = GUINT32_TO_LE (rate); PUT (&u32, 4);
  u32 = GUINT32_TO_LE (rate * 2); PUT (&u32, 4);
  u16 = GUINT16_TO_LE (2); PUT (&u16, 2);
  u16 = GUINT16_TO_LE (16); PUT (&u16, 2);
  PUT ("data", 4); u32 = GUINT32_TO_LE (samples * 2); PUT (&u32, 4);
  for (guint32 i = 0; i < samples; i++)
    {
      /* A triangle wave is close enough to a tone and needs no libm. */
      gint32 phase = (gint32) ((i * 440 * 4 / rate) % 4);
      gint16 v = (gint16) GINT16_TO_LE ((phase == 0 || phase == 3 ? 1 : -1) * 8000);

      PUT (&v, 2);
    }
#undef PUT
  g_assert_true (g_file_set_contents (path, (const char *) wav->data, wav->len, NULL));
  return path;
}

/* A voice message (audio) plays in its bubble: once the file is here the
 * bubble has GTK's media controls, and Tab reaches them. Not yet here, it
 * is a file with Download and no player. */
static void
test_audio (void)
{
  g_autofree char *dir = g_dir_make_tmp ("koi-audio-XXXXXX", NULL);
  g_autofree char *wav = write_wav (dir);
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_store_attachment_free);
  KoiStoreAttachment *voice = g_new0 (KoiStoreAttachment, 1);
  KoiStoreMessage stored = {
    .id = 43, .account_id = 1, .chat_id = 7, .message_id = (char *) "chat$v@example.org",
    .direction = KOI_STORE_DIRECTION_INCOMING, .state = KOI_STORE_STATE_RECEIVED,
    .kind = KOI_STORE_KIND_CHAT, .from_address = (char *) "alice@example.org",
    .text = (char *) "", .sort_ms = g_get_real_time () / 1000,
    .has_attachments = TRUE, .attachments = list,
  };
  g_autoptr (KoiMessage) message = NULL;
  GtkWidget *window = gtk_window_new ();
  GtkWidget *row = koi_message_row_new ();
  GtkWidget *entry = gtk_entry_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  KoiMediaBubble *bubble = NULL;
  GtkWidget *player;
  gboolean reached = FALSE;

  voice->id = 5;
  voice->message_ref = 43;
  voice->filename = g_strdup ("voice-message.wav");
  voice->mime_type = g_strdup ("audio/x-wav");
  voice->kind = KOI_STORE_ATTACHMENT_VOICE;
  voice->size = 16044;
  voice->state = KOI_STORE_ATTACHMENT_PENDING;
  g_ptr_array_add (list, voice);
  message = koi_message_new_from_store (&stored);

  gtk_box_append (GTK_BOX (box), entry);
  gtk_box_append (GTK_BOX (box), row);
  gtk_window_set_default_size (GTK_WINDOW (window), 480, -1);
  gtk_window_set_child (GTK_WINDOW (window), box);
  koi_message_row_set_item (KOI_MESSAGE_ROW (row), message);
  gtk_window_present (GTK_WINDOW (window));
  koi_test_ui_wait_for_drawn (row);

  for (GtkWidget *w = gtk_widget_get_first_child (row); w != NULL && bubble == NULL; )
    {
      if (KOI_IS_MEDIA_BUBBLE (w))
        bubble = KOI_MEDIA_BUBBLE (w);
      else if (gtk_widget_get_first_child (w) != NULL)
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w != row && gtk_widget_get_next_sibling (w) == NULL)
            w = gtk_widget_get_parent (w);
          w = w == row ? NULL : gtk_widget_get_next_sibling (w);
        }
    }
  g_assert_nonnull (bubble);
  g_assert_null (koi_media_bubble_get_player (bubble));
  g_assert_cmpstr (koi_file_bubble_get_button_label (bubble_at (GTK_WIDGET (bubble), 0)), ==,
                   "Download 16.0\u00a0kB");

  /* Downloaded: the controls appear in the same bubble. */
  voice->state = KOI_STORE_ATTACHMENT_DONE;
  voice->path = g_strdup (wav);
  koi_message_update_from_store (message, &stored);
  player = koi_media_bubble_get_player (bubble);
  g_assert_nonnull (player);
  g_assert_true (GTK_IS_MEDIA_CONTROLS (player));
  g_assert_true (gtk_media_controls_get_media_stream (GTK_MEDIA_CONTROLS (player)) ==
                 koi_media_bubble_get_stream (bubble));
  koi_test_ui_wait_for_drawn (player);
  g_assert_true (gtk_widget_get_mapped (player));
  g_assert_cmpint (gtk_widget_get_width (player), >, 100);

  /* Tab from the entry above walks into the controls (their play
   * button), as a keyboard user would get there. */
  gtk_widget_grab_focus (entry);
  for (guint i = 0; i < 12 && !reached; i++)
    {
      GtkWidget *focus;

      g_assert_true (gtk_widget_child_focus (GTK_WIDGET (window), GTK_DIR_TAB_FORWARD));
      focus = gtk_root_get_focus (GTK_ROOT (window));
      reached = focus != NULL && gtk_widget_is_ancestor (focus, player);
    }
  g_assert_true (reached);
  /* GTK's media backend (GStreamer) opened the file and knows its length,
   * which the controls show; nothing plays until the user asks. */
  KOI_TEST_UI_WAIT_FOR (gtk_media_stream_is_prepared (koi_media_bubble_get_stream (bubble)) ||
                        gtk_media_stream_get_error (koi_media_bubble_get_stream (bubble)) != NULL, 10);
  g_test_message ("stream prepared: %d, error: %s",
                  gtk_media_stream_is_prepared (koi_media_bubble_get_stream (bubble)),
                  gtk_media_stream_get_error (koi_media_bubble_get_stream (bubble))
                  ? gtk_media_stream_get_error (koi_media_bubble_get_stream (bubble))->message : "none");
  g_assert_no_error (gtk_media_stream_get_error (koi_media_bubble_get_stream (bubble)));
  g_assert_cmpint (gtk_media_stream_get_duration (koi_media_bubble_get_stream (bubble)), >, 0);
  g_assert_false (gtk_media_stream_get_playing (koi_media_bubble_get_stream (bubble)));
  koi_test_ui_shoot (window, "chat-voice.png", 8);

  gtk_window_destroy (GTK_WINDOW (window));
  g_unlink (wav);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  koi_test_ui_init (&argc, &argv);

  g_test_add_func ("/ui/file-bubble/states", test_file_bubbles);
  g_test_add_func ("/ui/file-bubble/audio", test_audio);

  return g_test_run ();
}
