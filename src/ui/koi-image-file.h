/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * Image files for the window: thumbnails and images made ready to send.
 * Every function here blocks (it reads and decodes the file): call them
 * from a worker thread (GTask), never on the main thread.
 */

/* The longest side of an image sent at its usual size. */
#define KOI_IMAGE_SEND_SIDE 1280
/* The longest side of a thumbnail in a bubble (kept on disk). */
#define KOI_IMAGE_THUMB_SIDE 480

/* Whether the window can show files of @mime_type as pictures. */
gboolean    koi_image_file_is_image        (const char  *mime_type);

/* The image at @path, turned as its EXIF orientation says and scaled
 * down (never up) so its longest side is at most @max_side (0: as is). */
GdkTexture *koi_image_file_load            (const char  *path,
                                            int          max_side,
                                            GError     **error);

/* A thumbnail of the image at @path, cached beside it as
 * "PATH.thumb.png" (made once; later calls read the cache). */
GdkTexture *koi_image_file_thumbnail       (const char  *path,
                                            GError     **error);

/*
 * The file to send for the image at @path: re-encoded (JPEG stays JPEG,
 * everything else becomes PNG) into @dir under @name, turned upright and
 * scaled to at most KOI_IMAGE_SEND_SIDE, which drops its EXIF data (the
 * place a photo was taken among it). Returns the new file's path, or NULL
 * when @path is no image GdkPixbuf can read (send it as it is then).
 */
char       *koi_image_file_prepare_to_send (const char  *path,
                                            const char  *name,
                                            const char  *dir,
                                            GError     **error);

G_END_DECLS
