/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "koi-attachment.h"

G_BEGIN_DECLS

/*
 * Audio or video of a message (a Delta Chat voice message among them),
 * played in place with GTK's own media widgets: the file bubble (name,
 * size, Download, progress) and, once the file is here, GtkMediaControls
 * for sound or a GtkVideo with its controls. GTK plays through its media
 * backend (GStreamer: libgtk-4-media-gstreamer and the plugins for the
 * format); without one the controls say the file cannot be played.
 */
#define KOI_TYPE_MEDIA_BUBBLE (koi_media_bubble_get_type ())
G_DECLARE_FINAL_TYPE (KoiMediaBubble, koi_media_bubble, KOI, MEDIA_BUBBLE, GtkWidget)

/* Whether a file of @mime_type plays in a media bubble. */
gboolean       koi_media_bubble_plays           (const char     *mime_type);
GtkWidget     *koi_media_bubble_new             (KoiAttachment  *attachment);
/* For tests: the controls or the video once the file is here, else NULL. */
GtkWidget     *koi_media_bubble_get_player      (KoiMediaBubble *self);
GtkMediaStream *koi_media_bubble_get_stream     (KoiMediaBubble *self);

G_END_DECLS
