/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-attach-e2e"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "koi-attachment-chip.h"
#include "koi-compat.h"
#include "koi-compat-files.h"
#include "koi-composer.h"
#include "koi-conversation-view.h"
#include "koi-file-bubble.h"
#include "koi-image-bubble.h"
#include "koi-image-viewer.h"
#include "koi-message-row.h"
#include "koi-pending-file.h"
#include "koi-test-ui.h"
#include "koi-test-ui-pair.h"

/*
 * Attaching from Alice's window, through the private Dovecot + Postfix to
 * Bob's window:
 * - a 30 MB file is refused with a message before anything is sent,
 *   naming the server's limit (Postfix set to 20 MB);
 * - the paperclip button (a real click) opens the chooser, answered by
 *   the compat layer's test hook (no portal or chooser window can be
 *   driven headless), and a photo becomes a chip with its thumbnail drawn;
 * - a PDF dropped onto the conversation becomes a second chip;
 * - Enter (a real key press) sends both, the text as the first file's
 *   (the photo's) caption;
 * - Bob's window shows the photo as a picture drawn in the viewport; the
 *   file he got is upright (its EXIF said "turn 90°"), at most 1280 px,
 *   and without the EXIF block (with our marker standing in for GPS data);
 * - activating the picture opens the viewer, and Escape closes it.
 */

#define WAIT_S 60
#define GPS_MARKER "KOI-TEST-GPS-48.137N-11.575E"

static guint
count_mapped (GtkWidget *root,
              GType      type)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type) && gtk_widget_get_mapped (child))
        n++;
      n += count_mapped (child, type);
    }
  return n;
}

/* A 2000×1000 photo whose EXIF says "turn 90° clockwise to show"
 * (orientation 6), with @marker inside the EXIF block where a camera puts
 * the place. Colourful, so a drawn thumbnail has many colours. */
static char *
write_photo (const char *dir)
{
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 2000, 1000);
  g_autofree char *plain = g_build_filename (dir, "plain.jpg", NULL);
  g_autofree char *path = g_build_filename (dir, "holiday.jpg", NULL);
  g_autofree char *jpeg = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  gsize len = 0;
  /* TIFF header (little endian), one IFD entry: Orientation (0x0112),
   * SHORT, 1, value 6; no next IFD. */
  static const guint8 tiff[] = {
    'I', 'I', 42, 0, 8, 0, 0, 0,
    1, 0,
    0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0,
    0, 0, 0, 0,
  };
  guint16 app1_len;

  for (int y = 0; y < 1000; y++)
    for (int x = 0; x < 2000; x++)
      {
        guchar *p = pixels + y * stride + x * 3;

        p[0] = (guchar) (x * 255 / 1999);
        p[1] = (guchar) (y * 255 / 999);
        p[2] = (guchar) ((x + y) % 256);
      }
  g_assert_true (gdk_pixbuf_save (pixbuf, plain, "jpeg", NULL, "quality", "90", NULL));
  g_assert_true (g_file_get_contents (plain, &jpeg, &len, NULL));
  g_assert_cmpuint (len, >, 2);

  /* SOI, then our APP1 "Exif", then the rest of the JPEG. */
  g_byte_array_append (out, (const guint8 *) jpeg, 2);
  app1_len = 2 + 6 + sizeof tiff + strlen (GPS_MARKER);
  g_byte_array_append (out, (const guint8 *) "\xff\xe1", 2);
  g_byte_array_append (out, (const guint8[]) { app1_len >> 8, app1_len & 0xff }, 2);
  g_byte_array_append (out, (const guint8 *) "Exif\0\0", 6);
  g_byte_array_append (out, tiff, sizeof tiff);
  g_byte_array_append (out, (const guint8 *) GPS_MARKER, strlen (GPS_MARKER));
  g_byte_array_append (out, (const guint8 *) jpeg + 2, len - 2);
  g_assert_true (g_file_set_contents (path, (const char *) out->data, out->len, NULL));
  g_unlink (plain);

  /* The photo is what the test says: gdk-pixbuf reads the orientation. */
  {
    g_autoptr (GdkPixbuf) check = gdk_pixbuf_new_from_file (path, NULL);

    g_assert_nonnull (check);
    g_assert_cmpstr (gdk_pixbuf_get_option (check, "orientation"), ==, "6");
  }
  return g_steal_pointer (&path);
}

static GListModel *
files_list (const char *path)
{
  GListStore *store = g_list_store_new (G_TYPE_FILE);
  g_autoptr (GFile) file = g_file_new_for_path (path);

  g_list_store_append (store, file);
  return G_LIST_MODEL (store);
}

static GtkDropTarget *
find_drop_target (GtkWidget *widget)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        return GTK_DROP_TARGET (controller);
    }
  return NULL;
}

static gboolean
alert_shown (KoiWindow *window)
{
  return koi_compat_alert_find (GTK_WINDOW (window)) != NULL;
}

/* Whether the file at @path holds exactly @len bytes of @data. */
static gboolean
file_is (const char *path,
         const char *data,
         gsize       len)
{
  g_autofree char *contents = NULL;
  gsize got = 0;

  return g_file_get_contents (path, &contents, &got, NULL) && got == len &&
         memcmp (contents, data, len) == 0;
}

static guint
chips (KoiComposer *composer)
{
  return count_mapped (GTK_WIDGET (composer), KOI_TYPE_ATTACHMENT_CHIP);
}

static void
test_attach_send_receive (void)
{
  g_autoptr (KoiTestCli) cli = NULL;
  g_autofree char *photo = NULL;
  g_autofree char *big = NULL;
  g_autofree char *pdf = NULL;
  KoiTestUiSide alice_side = { 0 }, bob_side = { 0 };
  KoiWindow *alice;
  KoiWindow *bob;
  KoiConversationView *view;
  KoiComposer *composer;
  KoiImageBubble *image = NULL;

  /* Postfix takes 20 MB here: the window's limit is the server's EHLO
   * SIZE, which the account's setup kept. */
  g_setenv ("KOI_MAILSERVER_MAX_MESSAGE_SIZE", "20000000", TRUE);
  cli = koi_test_ui_pair_cli_new ();
  g_unsetenv ("KOI_MAILSERVER_MAX_MESSAGE_SIZE");
  /* Each wrote first once: neither chat is a contact request. */
  g_free (koi_test_cli_send (cli, "bob", "alice@example.org", "Photos from the trip?"));
  g_free (koi_test_cli_send (cli, "alice", "bob@example.org", "Coming up!"));

  photo = write_photo (cli->tmp);
  pdf = g_build_filename (cli->tmp, "route.pdf", NULL);
  g_assert_true (g_file_set_contents (pdf, "%PDF-1.4\n% the route\n", -1, NULL));
  /* 30 MB, sparse: only its size is read before it is refused. */
  big = g_build_filename (cli->tmp, "holiday.mov", NULL);
  {
    FILE *f = fopen (big, "w");

    g_assert_nonnull (f);
    g_assert_cmpint (ftruncate (fileno (f), 30 * 1000 * 1000), ==, 0);
    fclose (f);
  }

  koi_test_ui_side_open (&alice_side, cli, "alice", KOI_TEST_UI_ALICE, 900, 700);
  alice = alice_side.window;
  view = koi_test_ui_side_open_chat (&alice_side, KOI_TEST_UI_BOB, WAIT_S);
  composer = koi_conversation_view_get_composer (view);
  koi_test_ui_focus_window (GTK_WINDOW (alice));

  /* The 30 MB file: refused at once, with both sizes. */
  {
    g_autoptr (GListModel) files = files_list (big);
    GtkWidget *alert;

    koi_compat_files_set_test_reply (files);
    gtk_widget_activate_action (GTK_WIDGET (composer), "composer.attach", NULL);
    KOI_TEST_UI_WAIT_FOR (alert_shown (alice), 10);
    alert = koi_compat_alert_find (GTK_WINDOW (alice));
    g_assert_cmpstr (koi_compat_alert_get_heading (alert), ==, "File Too Large");
    g_assert_nonnull (strstr (koi_compat_alert_get_body (alert), "holiday.mov"));
    {
      /* g_format_size puts a no-break space before the unit. */
      g_autofree char *size = g_format_size (30 * 1000 * 1000);
      g_autofree char *limit = g_format_size (20 * 1000 * 1000);

      g_assert_nonnull (strstr (koi_compat_alert_get_body (alert), size));
      g_assert_nonnull (strstr (koi_compat_alert_get_body (alert), limit));
    }
    koi_compat_alert_respond (alert, "close");
    KOI_TEST_UI_WAIT_FOR (!alert_shown (alice), 10);
    g_assert_cmpuint (g_list_model_get_n_items (koi_composer_get_files (composer)), ==, 0);
    g_assert_cmpuint (chips (composer), ==, 0);
  }

  /* The photo, through the paperclip: a real click on the button. */
  {
    g_autoptr (GListModel) files = files_list (photo);
    GtkWidget *chip;
    GdkRectangle area;
    g_autoptr (GdkTexture) shot = NULL;

    koi_compat_files_set_test_reply (files);
    koi_test_ui_click (koi_test_ui_find_image (GTK_WIDGET (composer), "mail-attachment-symbolic"));
    KOI_TEST_UI_WAIT_FOR (chips (composer) == 1, 10);
    koi_compat_files_set_test_reply (NULL);

    /* The photo's chip: its thumbnail is drawn. */
    chip = koi_test_ui_find_mapped (GTK_WIDGET (composer), KOI_TYPE_ATTACHMENT_CHIP);
    g_assert_cmpstr (koi_pending_file_get_name (koi_attachment_chip_get_file (KOI_ATTACHMENT_CHIP (chip))),
                     ==, "holiday.jpg");
    g_assert_true (koi_pending_file_is_image (koi_attachment_chip_get_file (KOI_ATTACHMENT_CHIP (chip))));
    g_assert_nonnull (koi_test_ui_find_label (chip, "holiday.jpg"));
    koi_test_ui_wait_for_drawn (GTK_WIDGET (alice));
    shot = koi_test_ui_render (GTK_WIDGET (alice));
    /* The thumbnail is the chip's first child. */
    g_assert_true (koi_test_ui_widget_area (gtk_widget_get_first_child (chip), GTK_WIDGET (alice), shot, &area));
    g_assert_cmpuint (koi_test_ui_count_colors (shot, &area, 40), >=, 40);
  }

  /* The PDF, dropped onto the conversation. */
  {
    GtkDropTarget *target = find_drop_target (GTK_WIDGET (view));
    g_autoptr (GFile) file = g_file_new_for_path (pdf);
    GSList list = { file, NULL };
    GValue value = G_VALUE_INIT;
    gboolean taken = FALSE;

    GdkDragAction action = 0;

    g_assert_nonnull (target);
    /* Dragged over: the conversation is outlined as the place to drop. */
    g_signal_emit_by_name (target, "enter", 100.0, 100.0, &action);
    g_assert_cmpint (action, ==, GDK_ACTION_COPY);
    g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (view), "koi-drop-hover"));
    g_value_init (&value, GDK_TYPE_FILE_LIST);
    g_value_set_boxed (&value, &list);
    g_signal_emit_by_name (target, "drop", &value, 100.0, 100.0, &taken);
    g_value_unset (&value);
    g_assert_true (taken);
    g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (view), "koi-drop-hover"));
    KOI_TEST_UI_WAIT_FOR (chips (composer) == 2, 10);
    koi_test_ui_wait_for_drawn (GTK_WIDGET (alice));
    {
      g_autoptr (GdkTexture) shot = koi_test_ui_render (GTK_WIDGET (alice));

      g_free (koi_test_ui_save_png (shot, "composer-attachments.png"));
    }
  }

  /* A caption, and Enter: two messages go, the photo with the caption. */
  koi_composer_set_text (composer, "Lake view");
  gtk_widget_grab_focus (GTK_WIDGET (koi_composer_get_text_view (composer)));
  koi_test_ui_press_keys ("Return");
  KOI_TEST_UI_WAIT_FOR (chips (composer) == 0, 10);
  g_assert_cmpuint (g_list_model_get_n_items (koi_composer_get_files (composer)), ==, 0);
  /* Alice sees her own photo as a picture too. */
  {
    KoiImageBubble *mine = NULL;

    KOI_TEST_UI_WAIT_FOR ((mine = (KoiImageBubble *) koi_test_ui_find_mapped (GTK_WIDGET (view), KOI_TYPE_IMAGE_BUBBLE)) != NULL &&
              koi_image_bubble_get_paintable (mine) != NULL, WAIT_S);
    g_assert_cmpint (gdk_paintable_get_intrinsic_height (koi_image_bubble_get_paintable (mine)), ==, 480);
  }

  /* Bob's window. */
  koi_test_ui_side_open (&bob_side, cli, "bob", KOI_TEST_UI_BOB, 900, 700);
  bob = bob_side.window;
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_open_chat (bob, "alice@example.org"), WAIT_S);
  view = koi_window_get_conversation_view (bob);
  KOI_TEST_UI_WAIT_FOR ((image = (KoiImageBubble *) koi_test_ui_find_mapped (GTK_WIDGET (view), KOI_TYPE_IMAGE_BUBBLE)) != NULL &&
            koi_image_bubble_get_paintable (image) != NULL, WAIT_S);
  /* The PDF came too, as a file. */
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_find_mapped (GTK_WIDGET (view), KOI_TYPE_FILE_BUBBLE) != NULL, WAIT_S);

  /* What Bob got: upright, 640×1280, without the EXIF block. */
  {
    KoiAttachment *attachment = koi_image_bubble_get_attachment (image);
    g_autoptr (GdkPixbuf) got = gdk_pixbuf_new_from_file (koi_attachment_get_path (attachment), NULL);
    g_autofree char *bytes = NULL;
    gsize len = 0;

    g_assert_cmpstr (koi_attachment_get_name (attachment), ==, "holiday.jpg");
    g_assert_nonnull (got);
    g_assert_cmpint (gdk_pixbuf_get_width (got), ==, 640);
    g_assert_cmpint (gdk_pixbuf_get_height (got), ==, 1280);
    g_assert_null (gdk_pixbuf_get_option (got, "orientation"));
    g_assert_true (g_file_get_contents (koi_attachment_get_path (attachment), &bytes, &len, NULL));
    g_assert_null (g_strstr_len (bytes, len, GPS_MARKER));
    g_assert_null (g_strstr_len (bytes, len, "Exif"));
    /* The thumbnail is cached beside it. */
    {
      g_autofree char *thumb = g_strconcat (koi_attachment_get_path (attachment), ".thumb.png", NULL);

      g_assert_true (g_file_test (thumb, G_FILE_TEST_IS_REGULAR));
    }
    /* The caption went with the photo, the first file. */
    {
      GtkWidget *caption = koi_test_ui_find_label (GTK_WIDGET (view), "Lake view");
      GtkWidget *row = caption;

      g_assert_nonnull (caption);
      while (row != NULL && !KOI_IS_MESSAGE_ROW (row))
        row = gtk_widget_get_parent (row);
      g_assert_nonnull (row);
      g_assert_true (gtk_widget_is_ancestor (GTK_WIDGET (image), row));
    }
  }

  /* The picture is drawn inside the viewport, not blank. */
  {
    g_autoptr (GdkTexture) shot = NULL;
    GtkWidget *button = koi_image_bubble_get_button (image);
    GdkRectangle area;
    g_autofree char *png = NULL;
    graphene_rect_t bounds;

    koi_test_ui_wait_for_drawn (GTK_WIDGET (bob));
    /* Settling at the end may still move it: wait for it to be in view. */
    KOI_TEST_UI_WAIT_FOR (gtk_widget_compute_bounds (button, GTK_WIDGET (view), &bounds) &&
              bounds.origin.y >= 0 &&
              bounds.origin.y + bounds.size.height <= gtk_widget_get_height (GTK_WIDGET (view)), 10);
    koi_test_ui_wait_for_drawn (GTK_WIDGET (bob));
    shot = koi_test_ui_render (GTK_WIDGET (bob));
    g_assert_true (koi_test_ui_widget_area (button, GTK_WIDGET (bob), shot, &area));
    g_assert_cmpint (area.width, >=, 100);
    g_assert_cmpint (area.height, >=, 200);
    g_assert_cmpuint (koi_test_ui_count_colors (shot, &area, 200), >=, 200);
    png = koi_test_ui_save_png (shot, "chat-image.png");
    g_test_message ("screenshot: %s", png);
  }

  /* Activating the picture opens the viewer; Escape closes it. */
  {
    KoiImageViewer *viewer = NULL;

    koi_test_ui_focus_window (GTK_WINDOW (bob));
    koi_test_ui_click (koi_image_bubble_get_button (image));
    KOI_TEST_UI_WAIT_FOR ((viewer = (KoiImageViewer *) koi_test_ui_find_shown (KOI_TYPE_IMAGE_VIEWER)) != NULL &&
              koi_image_viewer_get_paintable (viewer) != NULL, 10);
    g_assert_cmpint (gdk_paintable_get_intrinsic_width (koi_image_viewer_get_paintable (viewer)), ==, 640);

    /* Save As…: the chooser (the test hook) names a file; the image is
     * copied there byte for byte. */
    {
      g_autofree char *target = g_build_filename (cli->tmp, "saved-holiday.jpg", NULL);
      g_autoptr (GListModel) where = files_list (target);
      g_autofree char *original = NULL;
      gsize original_len = 0;

      g_assert_true (g_file_get_contents (koi_attachment_get_path (koi_image_bubble_get_attachment (image)),
                                          &original, &original_len, NULL));
      koi_compat_files_set_test_reply (where);
      koi_test_ui_click (koi_test_ui_find_label (GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (viewer))),
                                                 "Save As…"));
      KOI_TEST_UI_WAIT_FOR (g_file_test (target, G_FILE_TEST_IS_REGULAR), 10);
      koi_compat_files_set_test_reply (NULL);
      /* The copy is asynchronous: wait for all of it. */
      KOI_TEST_UI_WAIT_FOR (file_is (target, original, original_len), 10);
    }
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (viewer));

      koi_test_ui_focus_window (GTK_WINDOW (root));
    }
    koi_test_ui_press_keys ("Escape");
    KOI_TEST_UI_WAIT_FOR (koi_test_ui_find_shown (KOI_TYPE_IMAGE_VIEWER) == NULL, 10);
  }

  koi_test_ui_side_close (&bob_side);
  koi_test_ui_side_close (&alice_side);
}

static gboolean
composer_says (KoiComposer *composer,
               const char  *text)
{
  g_autofree char *typed = koi_composer_dup_text (composer);

  return g_strcmp0 (typed, text) == 0;
}

/* Ctrl+V (real keys) with an image on the clipboard attaches it as a PNG;
 * its chip's remove button takes it away again, and text still pastes as
 * text. No server: the composer alone in a window. */
static void
test_paste (void)
{
  GtkWidget *window = gtk_window_new ();
  KoiComposer *composer = KOI_COMPOSER (koi_composer_new ());
  GdkClipboard *clipboard = gtk_widget_get_clipboard (window);
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 64, 48);
  g_autoptr (GdkTexture) texture = NULL;
  g_autoptr (KoiPendingFile) pending = NULL;
  g_autofree char *path = NULL;
  GtkWidget *chip;

  gdk_pixbuf_fill (pixbuf, 0x3366ccff);
  texture = gdk_texture_new_for_pixbuf (pixbuf);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (composer));
  gtk_window_set_default_size (GTK_WINDOW (window), 500, 200);
  gtk_window_present (GTK_WINDOW (window));
  koi_test_ui_wait_for_drawn (window);
  koi_test_ui_focus_window (GTK_WINDOW (window));
  gtk_widget_grab_focus (GTK_WIDGET (composer));

  gdk_clipboard_set_texture (clipboard, texture);
  koi_test_ui_press_keys ("ctrl+v");
  KOI_TEST_UI_WAIT_FOR (chips (composer) == 1, 10);
  pending = g_list_model_get_item (koi_composer_get_files (composer), 0);
  g_assert_cmpstr (koi_pending_file_get_name (pending), ==, "Pasted Image.png");
  g_assert_cmpstr (koi_pending_file_get_mime_type (pending), ==, "image/png");
  g_assert_true (koi_pending_file_is_image (pending));
  g_assert_true (koi_pending_file_get_temporary (pending));
  path = g_file_get_path (koi_pending_file_get_file (pending));
  {
    g_autoptr (GdkPixbuf) back = gdk_pixbuf_new_from_file (path, NULL);

    g_assert_nonnull (back);
    g_assert_cmpint (gdk_pixbuf_get_width (back), ==, 64);
  }
  /* Files alone can be sent: the Send button is on. */
  g_assert_true (gtk_widget_is_sensitive (koi_composer_get_send_button (composer)));

  /* Remove: the chip goes, the pasted file is deleted, the entry keeps
   * the focus. */
  chip = koi_test_ui_find_mapped (GTK_WIDGET (composer), KOI_TYPE_ATTACHMENT_CHIP);
  koi_test_ui_click (gtk_widget_get_last_child (chip));
  KOI_TEST_UI_WAIT_FOR (chips (composer) == 0, 10);
  KOI_TEST_UI_WAIT_FOR (!g_file_test (path, G_FILE_TEST_EXISTS), 10);
  {
    g_autofree char *folder = g_path_get_dirname (path);

    KOI_TEST_UI_WAIT_FOR (!g_file_test (folder, G_FILE_TEST_EXISTS), 10);
  }
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (koi_composer_get_text_view (composer))));
  g_assert_false (gtk_widget_is_sensitive (koi_composer_get_send_button (composer)));

  /* Text is pasted as text. */
  gdk_clipboard_set_text (clipboard, "see you there");
  koi_test_ui_press_keys ("ctrl+v");
  KOI_TEST_UI_WAIT_FOR (composer_says (composer, "see you there"), 10);
  g_assert_cmpuint (chips (composer), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  koi_test_ui_pair_init (&argc, &argv);

  g_test_add_func ("/ui/attach-e2e/send-image", test_attach_send_receive);
  g_test_add_func ("/ui/attach-e2e/paste", test_paste);

  return koi_test_ui_pair_run ();
}
