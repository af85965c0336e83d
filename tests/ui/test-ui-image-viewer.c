/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The image viewer's zoom with real keys (xdotool): the photo fits the
 * window at first; Ctrl+plus draws it larger and lets it scroll, Ctrl+minus
 * smaller again, Ctrl+0 fits it again. Ctrl+scroll with the real pointer
 * zooms about the point under it: that point of the photo stays under the
 * pointer.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <gdk/x11/gdkx.h>

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

/* The photo's pixel drawn at @x, @y of the viewer's scroller, from where
 * GTK laid the picture out (the image centred in it, aspect kept). */
static graphene_point_t
photo_pixel_at (KoiImageViewer *viewer,
                double          x,
                double          y)
{
  GtkWidget *picture = koi_image_viewer_get_picture (viewer);
  GtkWidget *scroller = gtk_widget_get_parent (gtk_widget_get_parent (picture));
  GdkPaintable *paintable = koi_image_viewer_get_paintable (viewer);
  double w = gtk_widget_get_width (picture);
  double h = gtk_widget_get_height (picture);
  double scale = MIN (w / gdk_paintable_get_intrinsic_width (paintable),
                      h / gdk_paintable_get_intrinsic_height (paintable));
  double left = (w - gdk_paintable_get_intrinsic_width (paintable) * scale) / 2;
  double top = (h - gdk_paintable_get_intrinsic_height (paintable) * scale) / 2;
  graphene_point_t origin;

  g_assert_true (GTK_IS_SCROLLED_WINDOW (scroller));
  g_assert_true (gtk_widget_compute_point (picture, scroller, &GRAPHENE_POINT_INIT (0, 0), &origin));
  return GRAPHENE_POINT_INIT ((x - origin.x - left) / scale, (y - origin.y - top) / scale);
}

/* One notch of the wheel with Ctrl held, the pointer at @x, @y of the
 * scroller, through the X server. */
static void
ctrl_scroll_at (KoiImageViewer *viewer,
                double          x,
                double          y,
                const char     *button)
{
  GtkWidget *scroller = gtk_widget_get_parent (gtk_widget_get_parent (koi_image_viewer_get_picture (viewer)));
  GtkNative *native = gtk_widget_get_native (scroller);
  graphene_point_t point;
  double nx = 0, ny = 0;
  g_autofree char *xid = NULL;
  g_autofree char *sx = NULL;
  g_autofree char *sy = NULL;

  gtk_native_get_surface_transform (native, &nx, &ny);
  g_assert_true (gtk_widget_compute_point (scroller, GTK_WIDGET (native), &GRAPHENE_POINT_INIT (x, y), &point));
  xid = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (gtk_native_get_surface (native)));
  sx = g_strdup_printf ("%d", (int) (point.x + nx));
  sy = g_strdup_printf ("%d", (int) (point.y + ny));
  /* One xdotool run: the X server keeps the order, so the motion comes
   * first (no --sync, which waits forever when the pointer is already
   * there). */
  koi_test_ui_xdotool ("mousemove", "--window", xid, sx, sy, "keydown", "ctrl", "click", button,
                       "keyup", "ctrl", NULL);
}

/* The photo in a viewer over a 900×700 window, drawn and focused. */
typedef struct {
  char           *dir;
  char           *path;
  KoiAttachment  *attachment;
  GtkWidget      *window;
  KoiImageViewer *viewer;
  GtkRoot        *root;
} Shown;

static void
show_photo (Shown *shown)
{
  g_autoptr (GError) error = NULL;
  KoiStoreAttachment row = {
    .id = 1, .message_ref = 1, .filename = (char *) "photo.png", .mime_type = (char *) "image/png",
    .kind = KOI_STORE_ATTACHMENT_IMAGE, .state = KOI_STORE_ATTACHMENT_DONE,
  };

  shown->dir = g_dir_make_tmp ("koi-viewer-XXXXXX", &error);
  g_assert_no_error (error);
  shown->path = write_photo (shown->dir);
  row.path = shown->path;
  row.size = 1;
  shown->attachment = koi_attachment_new_from_store (&row);

  shown->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (shown->window), 900, 700);
  gtk_window_present (GTK_WINDOW (shown->window));
  koi_test_ui_wait_for_drawn (shown->window);
  shown->viewer = KOI_IMAGE_VIEWER (koi_image_viewer_new (shown->attachment));
  koi_compat_present_dialog (shown->viewer, shown->window);
  KOI_TEST_UI_WAIT_FOR (koi_image_viewer_get_paintable (shown->viewer) != NULL &&
                        drawn_width (shown->viewer) > 0, 10);
  koi_test_ui_iterate_ms (200);
  shown->root = gtk_widget_get_root (GTK_WIDGET (shown->viewer));
  koi_test_ui_focus_window (GTK_WINDOW (shown->root));
}

static void
close_photo (Shown *shown)
{
  koi_compat_dialog_close (shown->viewer);
  gtk_window_destroy (GTK_WINDOW (shown->window));
  g_clear_object (&shown->attachment);
  g_unlink (shown->path);
  g_rmdir (shown->dir);
  g_free (shown->path);
  g_free (shown->dir);
}

static void
test_zoom_keys (void)
{
  int fitted, zoomed;
  Shown shown = { 0, };
  KoiImageViewer *viewer;
  GtkRoot *root;

  show_photo (&shown);
  viewer = shown.viewer;
  root = shown.root;

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

  close_photo (&shown);
}

static void
test_zoom_pointer (void)
{
  /* Off the centre, towards the bottom right, then towards the top left:
   * a zoom about a corner or the centre moves either point far away. */
  const double points[][2] = { { 0.75, 0.7 }, { 0.75, 0.7 }, { 0.2, 0.3 } };
  GtkWidget *scroller;
  Shown shown = { 0, };
  KoiImageViewer *viewer;

  show_photo (&shown);
  viewer = shown.viewer;
  scroller = gtk_widget_get_parent (gtk_widget_get_parent (koi_image_viewer_get_picture (viewer)));

  for (guint i = 0; i < G_N_ELEMENTS (points); i++)
    {
      double x = gtk_widget_get_width (scroller) * points[i][0];
      double y = gtk_widget_get_height (scroller) * points[i][1];
      double zoom = koi_image_viewer_get_zoom (viewer);
      graphene_point_t before = photo_pixel_at (viewer, x, y);
      graphene_point_t after;

      ctrl_scroll_at (viewer, x, y, "4");
      KOI_TEST_UI_WAIT_FOR (koi_image_viewer_get_zoom (viewer) > zoom, 5);
      /* The size, then the scroll position, each take a frame. */
      koi_test_ui_iterate_ms (300);
      after = photo_pixel_at (viewer, x, y);
      g_test_message ("zoom %.2f -> %.2f at %.0f,%.0f: photo pixel %.1f,%.1f -> %.1f,%.1f", zoom,
                      koi_image_viewer_get_zoom (viewer), x, y, before.x, before.y, after.x, after.y);
      /* Within a few screen pixels (a photo pixel is about half of one at
       * the fitted size). */
      g_assert_cmpfloat (fabs (after.x - before.x), <, 6);
      g_assert_cmpfloat (fabs (after.y - before.y), <, 6);
    }
  g_assert_cmpfloat (koi_image_viewer_get_zoom (viewer), >, 1.9);

  /* Back out: the point stays too, until the photo fits again. */
  {
    double x = gtk_widget_get_width (scroller) * 0.2;
    double y = gtk_widget_get_height (scroller) * 0.3;
    double zoom = koi_image_viewer_get_zoom (viewer);
    graphene_point_t before = photo_pixel_at (viewer, x, y);
    graphene_point_t after;

    ctrl_scroll_at (viewer, x, y, "5");
    KOI_TEST_UI_WAIT_FOR (koi_image_viewer_get_zoom (viewer) < zoom, 5);
    koi_test_ui_iterate_ms (300);
    after = photo_pixel_at (viewer, x, y);
    g_test_message ("zoom %.2f -> %.2f: photo pixel %.1f,%.1f -> %.1f,%.1f", zoom,
                    koi_image_viewer_get_zoom (viewer), before.x, before.y, after.x, after.y);
    g_assert_cmpfloat (fabs (after.x - before.x), <, 6);
    g_assert_cmpfloat (fabs (after.y - before.y), <, 6);
  }

  close_photo (&shown);
}

int
main (int   argc,
      char *argv[])
{
  koi_test_ui_init (&argc, &argv);

  g_test_add_func ("/ui/image-viewer/zoom-keys", test_zoom_keys);
  g_test_add_func ("/ui/image-viewer/zoom-pointer", test_zoom_pointer);

  return g_test_run ();
}
