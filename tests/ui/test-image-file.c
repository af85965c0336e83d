/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "koi-image-file.h"

/*
 * koi-image-file.c without a display: what is sent for an image, and the
 * thumbnail cache. (The EXIF and orientation of a photo are checked end
 * to end in ui-attach-e2e.)
 */

static char *
save (GdkPixbuf  *pixbuf,
      const char *dir,
      const char *name,
      const char *type)
{
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (gdk_pixbuf_save (pixbuf, path, type, NULL, NULL));
  return path;
}

static GdkPixbuf *
filled (int      width,
        int      height,
        gboolean alpha)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, alpha, 8, width, height);

  gdk_pixbuf_fill (pixbuf, 0x80c04060);
  return pixbuf;
}

/* A wide PNG with transparency stays a PNG with it, 1280 px wide. */
static void
test_png_scaled (void)
{
  g_autofree char *dir = g_dir_make_tmp ("koi-image-XXXXXX", NULL);
  g_autofree char *out = g_dir_make_tmp ("koi-image-out-XXXXXX", NULL);
  g_autoptr (GdkPixbuf) pixbuf = filled (3000, 600, TRUE);
  g_autofree char *path = save (pixbuf, dir, "diagram.png", "png");
  g_autoptr (GError) error = NULL;
  g_autofree char *sent = koi_image_file_prepare_to_send (path, "diagram.png", out, &error);
  g_autoptr (GdkPixbuf) back = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (sent);
  g_assert_true (g_str_has_suffix (sent, "/diagram.png"));
  back = gdk_pixbuf_new_from_file (sent, NULL);
  g_assert_cmpint (gdk_pixbuf_get_width (back), ==, 1280);
  g_assert_cmpint (gdk_pixbuf_get_height (back), ==, 256);
  g_assert_true (gdk_pixbuf_get_has_alpha (back));
  g_unlink (sent);
  g_unlink (path);
  g_rmdir (out);
  g_rmdir (dir);
}

/* A small photo is not blown up; a .jpeg name becomes .jpg. */
static void
test_small_not_upscaled (void)
{
  g_autofree char *dir = g_dir_make_tmp ("koi-image-XXXXXX", NULL);
  g_autoptr (GdkPixbuf) pixbuf = filled (200, 100, FALSE);
  g_autofree char *path = save (pixbuf, dir, "small.jpeg", "jpeg");
  g_autofree char *sent = koi_image_file_prepare_to_send (path, "small.jpeg", dir, NULL);
  g_autoptr (GdkPixbuf) back = NULL;

  g_assert_nonnull (sent);
  g_assert_true (g_str_has_suffix (sent, "/small.jpg"));
  back = gdk_pixbuf_new_from_file (sent, NULL);
  g_assert_cmpint (gdk_pixbuf_get_width (back), ==, 200);
  g_assert_cmpint (gdk_pixbuf_get_height (back), ==, 100);
  g_unlink (sent);
  g_unlink (path);
  g_rmdir (dir);
}

/* Not an image, whatever its name: NULL, and it is sent as it is. */
static void
test_not_an_image (void)
{
  g_autofree char *dir = g_dir_make_tmp ("koi-image-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "fake.jpg", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *sent = NULL;

  g_assert_true (g_file_set_contents (path, "<html>not a photo</html>", -1, NULL));
  sent = koi_image_file_prepare_to_send (path, "fake.jpg", dir, &error);
  g_assert_null (sent);
  g_assert_null (koi_image_file_thumbnail (path, &error));
  g_assert_nonnull (error);
  g_unlink (path);
  g_rmdir (dir);
}

/* The thumbnail is at most 480 px and cached beside the file: once made,
 * it is read from there (here: with the original gone). */
static void
test_thumbnail_cached (void)
{
  g_autofree char *dir = g_dir_make_tmp ("koi-image-XXXXXX", NULL);
  g_autoptr (GdkPixbuf) pixbuf = filled (1000, 2000, FALSE);
  g_autofree char *path = save (pixbuf, dir, "0123abcd", "jpeg");
  g_autofree char *cache = g_strconcat (path, ".thumb.png", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) first = koi_image_file_thumbnail (path, &error);
  g_autoptr (GdkTexture) second = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (first), ==, 240);
  g_assert_cmpint (gdk_texture_get_height (first), ==, 480);
  g_assert_true (g_file_test (cache, G_FILE_TEST_IS_REGULAR));
  g_unlink (path);
  second = koi_image_file_thumbnail (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_height (second), ==, 480);
  g_unlink (cache);
  g_rmdir (dir);
}

static void
test_is_image (void)
{
  g_assert_true (koi_image_file_is_image ("image/jpeg"));
  g_assert_true (koi_image_file_is_image ("image/png"));
  /* Animation and documents stay files. */
  g_assert_false (koi_image_file_is_image ("image/gif"));
  g_assert_false (koi_image_file_is_image ("image/svg+xml"));
  g_assert_false (koi_image_file_is_image ("application/pdf"));
  g_assert_false (koi_image_file_is_image (NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/image-file/png-scaled", test_png_scaled);
  g_test_add_func ("/image-file/small-not-upscaled", test_small_not_upscaled);
  g_test_add_func ("/image-file/not-an-image", test_not_an_image);
  g_test_add_func ("/image-file/thumbnail-cached", test_thumbnail_cached);
  g_test_add_func ("/image-file/is-image", test_is_image);
  return g_test_run ();
}
