/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-attachment.h"

G_BEGIN_DECLS

/*
 * An image of a message: its thumbnail (made in a worker and cached beside
 * the file, koi_image_file_thumbnail()) once the file is here; activating
 * it opens the viewer. Until then, or when the file is no image after all,
 * the file bubble with its Download button stands in.
 */
#define KOI_TYPE_IMAGE_BUBBLE (koi_image_bubble_get_type ())
G_DECLARE_FINAL_TYPE (KoiImageBubble, koi_image_bubble, KOI, IMAGE_BUBBLE, GtkWidget)

/* The largest box a thumbnail is shown in, in pixels. */
#define KOI_IMAGE_BUBBLE_SIDE 240

GtkWidget     *koi_image_bubble_new            (KoiAttachment  *attachment);
KoiAttachment *koi_image_bubble_get_attachment (KoiImageBubble *self);
/* For tests: the thumbnail shown, or NULL. */
GdkPaintable  *koi_image_bubble_get_paintable  (KoiImageBubble *self);
/* The thumbnail's button (activating it opens the viewer). */
GtkWidget     *koi_image_bubble_get_button     (KoiImageBubble *self);

G_END_DECLS
