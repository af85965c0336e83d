/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The image viewer's zoom with real keys (xdotool): the photo fits the
 * window at first; Ctrl+plus draws it larger and lets it scroll, Ctrl+minus
 * smaller again, Ctrl+0 fits it again.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "koi-compat.h"
#include "koi-image-viewer.h"
#include "koi-test-ui.h"

/* A 1600×1200 picture with a gradient, so the rendering is not blank. */
static char *
write_photo (const char *dir)
{
  const int width = 1600, height = 1200;
  g_autofree guchar *pixels = g_malloc ((gsize) width * height * 3);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  char *path = g_build_filename (dir, "photo.png", NULL);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guchar *p = pixels + ((gsize) y * width + x) * 3;

        p[0] = x * 255 / width;
        p[1] = y * 255 / height;
        p[2] = ((x / 100) + (y / 100)) % 2 ? 200 : 40;
      }
  bytes = g_bytes_new_take (g_steal_pointer (&pixels), (gsize) width * height * 3);
  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8, bytes, width * 3);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  return path;
}

/* The width the photo is drawn at: the picture keeps its aspect ratio
 * inside the widget's box (GTK_CONTENT_FIT_CONTAIN). */
static int
drawn_width (KoiImageViewer *viewer)
{
  GtkWidget *picture = koi_image_viewer_get_picture (viewer);
  GdkPaintable *paintable = koi_image_viewer_get_paintable (viewer);
  double w = gtk_widget_get_width (picture);
  double h = gtk_widget_get_height (picture);

  if (paintable == NULL || h <= 0)
    return 0;
  return (int) MIN (w, h * gdk_paintable_get_intrinsic_aspect_ratio (paintable));
}

static void
test_zoom_keys (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("koi-viewer-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr (KoiAttachment) attachment = NULL;
  KoiStoreAttachment row = {
    .id = 1, .message_ref = 1, .filename = (char *) "photo.png", .mime_type = (char *) "image/png",
    .kind = KOI_STORE_ATTACHMENT_IMAGE, .state = KOI_STORE_ATTACHMENT_DONE,
  };
  GtkWidget *window = gtk_window_new ();
  KoiImageViewer *viewer;
  GtkRoot *root;
  int fitted, zoomed;

  g_assert_no_error (error);
  path = write_photo (dir);
  row.path = path;
  row.size = 1;
  attachment = koi_attachment_new_from_store (&row);

  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  gtk_window_present (GTK_WINDOW (window));
  koi_test_ui_wait_for_drawn (window);
  viewer = KOI_IMAGE_VIEWER (koi_image_viewer_new (attachment));
  koi_compat_present_dialog (viewer, window);
  KOI_TEST_UI_WAIT_FOR (koi_image_viewer_get_paintable (viewer) != NULL &&
            drawn_width (viewer) > 0, 10);
  koi_test_ui_iterate_ms (200);
  root = gtk_widget_get_root (GTK_WIDGET (viewer));
  koi_test_ui_focus_window (GTK_WINDOW (root));

  /* Fitted: the whole 4:3 photo inside the viewport, not wider than it. */
  fitted = drawn_width (viewer);
  g_assert_cmpfloat (koi_image_viewer_get_zoom (viewer), ==, 1.0);
  g_assert_cmpint (fitted, <=, gtk_widget_get_width (GTK_WIDGET (root)));

  koi_test_ui_press_keys ("ctrl+plus");
  KOI_TEST_UI_WAIT_FOR (drawn_width (viewer) > fitted, 5);
  koi_test_ui_press_keys ("ctrl+plus");
  KOI_TEST_UI_WAIT_FOR (koi_image_viewer_get_zoom (viewer) > 1.5, 5);
  koi_test_ui_iterate_ms (200);
  zoomed = drawn_width (viewer);
  g_test_message ("picture %d px wide fitted, %d px at zoom %.2f", fitted, zoomed,
                  koi_image_viewer_get_zoom (viewer));
  g_assert_cmpint (zoomed, >=, fitted * 1.5);
  /* Larger than the window now: the scroller moves it. */
  g_assert_cmpint (zoomed, >, gtk_widget_get_width (GTK_WIDGET (root)));
  koi_test_ui_shoot (GTK_WIDGET (root), "image-viewer-zoomed.png", 100);

  koi_test_ui_press_keys ("ctrl+minus");
  KOI_TEST_UI_WAIT_FOR (drawn_width (viewer) < zoomed, 5);
  koi_test_ui_press_keys ("ctrl+0");
  KOI_TEST_UI_WAIT_FOR (koi_image_viewer_get_zoom (viewer) == 1.0 && drawn_width (viewer) == fitted, 5);

  koi_compat_dialog_close (viewer);
  gtk_window_destroy (GTK_WINDOW (window));
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  koi_test_ui_init (&argc, &argv);

  g_test_add_func ("/ui/image-viewer/zoom-keys", test_zoom_keys);

  return g_test_run ();
}
