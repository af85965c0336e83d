/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-media-bubble"

#include "config.h"

#include "koi-file-bubble.h"
#include "koi-media-bubble.h"

struct _KoiMediaBubble
{
  GtkWidget       parent_instance;

  KoiAttachment  *attachment;
  GtkWidget      *file_bubble;
  GtkWidget      *player;      /* GtkMediaControls or GtkVideo, once here */
  GtkMediaStream *stream;
};

G_DEFINE_FINAL_TYPE (KoiMediaBubble, koi_media_bubble, GTK_TYPE_WIDGET)

/* A video in a bubble: the width of an image bubble's thumbnail box. */
#define VIDEO_WIDTH  320
#define VIDEO_HEIGHT 180

gboolean
koi_media_bubble_plays (const char *mime_type)
{
  return mime_type != NULL &&
         (g_str_has_prefix (mime_type, "audio/") || g_str_has_prefix (mime_type, "video/"));
}

/* The player appears once the file is here: the stream opens the file
 * (GStreamer reads it in its own threads; nothing plays until asked). */
static void
update (KoiMediaBubble *self)
{
  const char *path = koi_attachment_get_path (self->attachment);
  gboolean video = g_str_has_prefix (koi_attachment_get_mime_type (self->attachment), "video/");

  if (self->player != NULL || koi_attachment_get_state (self->attachment) != KOI_ATTACHMENT_DONE ||
      path == NULL)
    return;

  self->stream = gtk_media_file_new_for_filename (path);
  if (video)
    {
      self->player = gtk_video_new ();
      gtk_video_set_media_stream (GTK_VIDEO (self->player), self->stream);
      gtk_widget_set_size_request (self->player, VIDEO_WIDTH, VIDEO_HEIGHT);
    }
  else
    self->player = gtk_media_controls_new (self->stream);
  gtk_widget_set_hexpand (self->player, TRUE);
  gtk_widget_insert_after (self->player, GTK_WIDGET (self), self->file_bubble);
}

GtkWidget *
koi_media_bubble_new (KoiAttachment *attachment)
{
  KoiMediaBubble *self;

  g_return_val_if_fail (KOI_IS_ATTACHMENT (attachment), NULL);

  self = g_object_new (KOI_TYPE_MEDIA_BUBBLE, NULL);
  self->attachment = g_object_ref (attachment);
  self->file_bubble = koi_file_bubble_new (attachment);
  gtk_widget_set_parent (self->file_bubble, GTK_WIDGET (self));
  g_signal_connect_object (attachment, "notify::state", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (attachment, "notify::path", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  update (self);
  return GTK_WIDGET (self);
}

GtkWidget *
koi_media_bubble_get_player (KoiMediaBubble *self)
{
  g_return_val_if_fail (KOI_IS_MEDIA_BUBBLE (self), NULL);

  return self->player;
}

GtkMediaStream *
koi_media_bubble_get_stream (KoiMediaBubble *self)
{
  g_return_val_if_fail (KOI_IS_MEDIA_BUBBLE (self), NULL);

  return self->stream;
}

static void
koi_media_bubble_dispose (GObject *object)
{
  KoiMediaBubble *self = KOI_MEDIA_BUBBLE (object);
  GtkWidget *child;

  /* A sound still playing stops with its bubble. */
  if (self->stream != NULL)
    gtk_media_stream_pause (self->stream);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  self->player = NULL;
  self->file_bubble = NULL;
  g_clear_object (&self->stream);
  g_clear_object (&self->attachment);

  G_OBJECT_CLASS (koi_media_bubble_parent_class)->dispose (object);
}

static void
koi_media_bubble_class_init (KoiMediaBubbleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_media_bubble_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "koi-media-bubble");
}

static void
koi_media_bubble_init (KoiMediaBubble *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 4);
}
