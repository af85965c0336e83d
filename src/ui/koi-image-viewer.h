/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-attachment.h"
#include "koi-compat.h"

G_BEGIN_DECLS

#define KOI_TYPE_IMAGE_VIEWER (koi_image_viewer_get_type ())
G_DECLARE_FINAL_TYPE (KoiImageViewer, koi_image_viewer, KOI, IMAGE_VIEWER, KoiDialogBase)

/*
 * An image of a message, fit to the dialog (decoded in a worker, at most
 * 2560 px on its longest side), with Save As… in the header. Escape
 * closes it. An AdwDialog on the modern widget set, a window on the legacy
 * one (koi_compat_present_dialog()).
 */
GtkWidget  *koi_image_viewer_new         (KoiAttachment  *attachment);
/* For tests: the picture shown, NULL until the image is decoded. */
GdkPaintable *koi_image_viewer_get_paintable (KoiImageViewer *self);
/* 1 while the image fits the window; Ctrl+plus, Ctrl+scroll and a pinch
 * zoom in (up to 16), Ctrl+minus out, Ctrl+0 back to fit. For tests. */
double      koi_image_viewer_get_zoom     (KoiImageViewer *self);
GtkWidget  *koi_image_viewer_get_picture  (KoiImageViewer *self);

G_END_DECLS
