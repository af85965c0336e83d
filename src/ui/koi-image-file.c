/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-image-file"

#include "config.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "koi-image-file.h"

gboolean
koi_image_file_is_image (const char *mime_type)
{
  /* Animated GIFs would lose their animation in a picture, and SVG is a
   * document that may load more: both stay file bubbles. */
  static const char * const types[] = {
    "image/jpeg", "image/png", "image/webp", "image/bmp", "image/tiff", NULL
  };

  return mime_type != NULL && g_strv_contains (types, mime_type);
}

/* Loads upright and at most @max_side on its longest side. Scaling in
 * the loader keeps a 50-megapixel photo from being decoded at full size
 * first (JPEG decodes at 1/2, 1/4 or 1/8 directly). */
static GdkPixbuf *
load_pixbuf (const char  *path,
             int          max_side,
             GError     **error)
{
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  int width = 0, height = 0;

  if (gdk_pixbuf_get_file_info (path, &width, &height) == NULL)
    {
      g_set_error (error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_UNKNOWN_TYPE,
                   _("not an image this system can read"));
      return NULL;
    }
  if (max_side > 0 && (width > max_side || height > max_side))
    pixbuf = gdk_pixbuf_new_from_file_at_scale (path, max_side, max_side, TRUE, error);
  else
    pixbuf = gdk_pixbuf_new_from_file (path, error);
  if (pixbuf == NULL)
    return NULL;
  /* The camera's orientation is an EXIF tag the loader keeps as an option. */
  return gdk_pixbuf_apply_embedded_orientation (pixbuf);
}

/* A memory texture: made in the worker, drawn by the main thread (GTK 4.8
 * has no gdk_texture_new_for_pixbuf replacement, and 4.20 deprecates it). */
static GdkTexture *
texture_from_pixbuf (GdkPixbuf *pixbuf)
{
  g_autoptr (GBytes) bytes = NULL;
  gboolean alpha = gdk_pixbuf_get_has_alpha (pixbuf);

  if (gdk_pixbuf_get_n_channels (pixbuf) != (alpha ? 4 : 3) ||
      gdk_pixbuf_get_bits_per_sample (pixbuf) != 8)
    return NULL;
  bytes = gdk_pixbuf_read_pixel_bytes (pixbuf);
  return gdk_memory_texture_new (gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf),
                                 alpha ? GDK_MEMORY_R8G8B8A8 : GDK_MEMORY_R8G8B8,
                                 bytes, gdk_pixbuf_get_rowstride (pixbuf));
}

GdkTexture *
koi_image_file_load (const char  *path,
                     int          max_side,
                     GError     **error)
{
  g_autoptr (GdkPixbuf) pixbuf = load_pixbuf (path, max_side, error);
  GdkTexture *texture;

  if (pixbuf == NULL)
    return NULL;
  texture = texture_from_pixbuf (pixbuf);
  if (texture == NULL)
    g_set_error (error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_UNKNOWN_TYPE,
                 _("an unusual pixel format"));
  return texture;
}

/* Writes next to @final and renames: a reader never sees half a file. */
static gboolean
save_atomically (GdkPixbuf   *pixbuf,
                 const char  *final,
                 const char  *type,
                 GError     **error)
{
  g_autofree char *partial = g_strconcat (final, ".part", NULL);
  gboolean ok;

  if (g_strcmp0 (type, "jpeg") == 0)
    ok = gdk_pixbuf_save (pixbuf, partial, type, error, "quality", "85", NULL);
  else
    ok = gdk_pixbuf_save (pixbuf, partial, type, error, NULL);
  if (ok && g_rename (partial, final) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s", g_strerror (saved));
      ok = FALSE;
    }
  if (!ok)
    g_unlink (partial);
  return ok;
}

GdkTexture *
koi_image_file_thumbnail (const char  *path,
                          GError     **error)
{
  g_autofree char *cache = g_strconcat (path, ".thumb.png", NULL);
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  g_autoptr (GError) local_error = NULL;

  /* Attachments are content-addressed and never change: a cached
   * thumbnail is always the right one. */
  pixbuf = gdk_pixbuf_new_from_file (cache, NULL);
  if (pixbuf == NULL)
    {
      pixbuf = load_pixbuf (path, KOI_IMAGE_THUMB_SIDE, error);
      if (pixbuf == NULL)
        return NULL;
      /* Without the cache it is only slower next time. */
      if (!save_atomically (pixbuf, cache, "png", &local_error))
        g_debug ("Thumbnail not cached at %s: %s", cache, local_error->message);
    }
  return texture_from_pixbuf (pixbuf);
}

char *
koi_image_file_prepare_to_send (const char  *path,
                                const char  *name,
                                const char  *dir,
                                GError     **error)
{
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  g_autofree char *base = NULL;
  g_autofree char *out_name = NULL;
  g_autofree char *out = NULL;
  GdkPixbufFormat *format;
  g_autofree char *format_name = NULL;
  const char *dot;
  gboolean jpeg;

  format = gdk_pixbuf_get_file_info (path, NULL, NULL);
  if (format == NULL)
    return NULL;
  pixbuf = load_pixbuf (path, KOI_IMAGE_SEND_SIDE, error);
  if (pixbuf == NULL)
    return NULL;

  /* A photo stays a JPEG (small); screenshots and drawings become PNG,
   * which keeps their sharp edges and transparency. */
  format_name = gdk_pixbuf_format_get_name (format);
  jpeg = g_strcmp0 (format_name, "jpeg") == 0 &&
         !gdk_pixbuf_get_has_alpha (pixbuf);
  dot = strrchr (name, '.');
  base = dot != NULL && dot != name ? g_strndup (name, dot - name) : g_strdup (name);
  out_name = g_strconcat (base, jpeg ? ".jpg" : ".png", NULL);
  out = g_build_filename (dir, out_name, NULL);
  if (!save_atomically (pixbuf, out, jpeg ? "jpeg" : "png", error))
    return NULL;
  return g_steal_pointer (&out);
}
