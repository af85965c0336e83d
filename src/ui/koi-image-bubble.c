/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-image-bubble"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-compat.h"
#include "koi-file-bubble.h"
#include "koi-image-bubble.h"
#include "koi-image-file.h"
#include "koi-image-viewer.h"

struct _KoiImageBubble
{
  GtkWidget      parent_instance;

  GtkWidget     *button;
  GtkPicture    *picture;
  GtkWidget     *file_bubble;

  KoiAttachment *attachment;
  GCancellable  *cancellable;
  /* A thumbnail is being made, or could not be (then the file bubble
   * stays). */
  gboolean       loading;
  gboolean       failed;
};

G_DEFINE_FINAL_TYPE (KoiImageBubble, koi_image_bubble, GTK_TYPE_WIDGET)

static void
thumbnail_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GError *error = NULL;
  GdkTexture *texture = koi_image_file_thumbnail (task_data, &error);

  if (texture == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, texture, g_object_unref);
}

/* Fits the thumbnail in the bubble's box, keeping its shape. */
static void
show_texture (KoiImageBubble *self,
              GdkTexture     *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  double scale = MIN (1.0, (double) KOI_IMAGE_BUBBLE_SIDE / MAX (width, height));

  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  gtk_widget_set_size_request (GTK_WIDGET (self->picture),
                               MAX (1, (int) (width * scale)), MAX (1, (int) (height * scale)));
  gtk_widget_set_visible (self->button, TRUE);
  gtk_widget_set_visible (self->file_bubble, FALSE);
}

static void
thumbnail_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) texture = g_task_propagate_pointer (G_TASK (result), &error);
  KoiImageBubble *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = KOI_IMAGE_BUBBLE (source);
  self->loading = FALSE;
  if (texture == NULL)
    {
      /* The file is here and can still be opened as a file. */
      g_debug ("No thumbnail for %s: %s", koi_attachment_get_path (self->attachment), error->message);
      self->failed = TRUE;
      return;
    }
  show_texture (self, texture);
}

static void
update (KoiImageBubble *self)
{
  g_autoptr (GTask) task = NULL;

  if (koi_attachment_get_state (self->attachment) != KOI_ATTACHMENT_DONE ||
      koi_attachment_get_path (self->attachment) == NULL)
    {
      gtk_widget_set_visible (self->button, FALSE);
      gtk_widget_set_visible (self->file_bubble, TRUE);
      return;
    }
  if (self->loading || self->failed || gtk_picture_get_paintable (self->picture) != NULL)
    return;

  self->loading = TRUE;
  task = g_task_new (self, self->cancellable, thumbnail_done, NULL);
  g_task_set_source_tag (task, update);
  g_task_set_task_data (task, g_strdup (koi_attachment_get_path (self->attachment)), g_free);
  g_task_run_in_thread (task, thumbnail_thread);
}

static void
on_clicked (KoiImageBubble *self)
{
  GtkWidget *viewer;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (koi_attachment_get_path (self->attachment) == NULL)
    return;
  viewer = koi_image_viewer_new (self->attachment);
  koi_compat_present_dialog (viewer, GTK_WIDGET (root));
}

GtkWidget *
koi_image_bubble_new (KoiAttachment *attachment)
{
  KoiImageBubble *self;

  g_return_val_if_fail (KOI_IS_ATTACHMENT (attachment), NULL);

  self = g_object_new (KOI_TYPE_IMAGE_BUBBLE, NULL);
  self->attachment = g_object_ref (attachment);
  self->file_bubble = koi_file_bubble_new (attachment);
  gtk_widget_set_parent (self->file_bubble, GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  koi_attachment_get_name (attachment), -1);
  gtk_widget_set_tooltip_text (self->button, koi_attachment_get_name (attachment));
  g_signal_connect_object (attachment, "notify", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  update (self);
  return GTK_WIDGET (self);
}

KoiAttachment *
koi_image_bubble_get_attachment (KoiImageBubble *self)
{
  g_return_val_if_fail (KOI_IS_IMAGE_BUBBLE (self), NULL);

  return self->attachment;
}

GdkPaintable *
koi_image_bubble_get_paintable (KoiImageBubble *self)
{
  g_return_val_if_fail (KOI_IS_IMAGE_BUBBLE (self), NULL);

  return gtk_picture_get_paintable (self->picture);
}

GtkWidget *
koi_image_bubble_get_button (KoiImageBubble *self)
{
  g_return_val_if_fail (KOI_IS_IMAGE_BUBBLE (self), NULL);

  return self->button;
}

static void
koi_image_bubble_dispose (GObject *object)
{
  KoiImageBubble *self = KOI_IMAGE_BUBBLE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  self->button = NULL;
  self->file_bubble = NULL;
  g_clear_object (&self->attachment);

  G_OBJECT_CLASS (koi_image_bubble_parent_class)->dispose (object);
}

static void
koi_image_bubble_class_init (KoiImageBubbleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_image_bubble_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "koi-image-bubble");
}

/* Built in code: two children, one shown at a time, and nothing in it a
 * translator or designer would change. */
static void
koi_image_bubble_init (KoiImageBubble *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  self->cancellable = g_cancellable_new ();
  self->picture = GTK_PICTURE (gtk_picture_new ());
  gtk_picture_set_can_shrink (self->picture, TRUE);
  gtk_picture_set_content_fit (self->picture, GTK_CONTENT_FIT_CONTAIN);
  self->button = gtk_button_new ();
  gtk_button_set_child (GTK_BUTTON (self->button), GTK_WIDGET (self->picture));
  gtk_widget_set_halign (self->button, GTK_ALIGN_START);
  gtk_widget_add_css_class (self->button, "flat");
  gtk_widget_add_css_class (self->button, "koi-image-button");
  gtk_widget_set_visible (self->button, FALSE);
  g_signal_connect_object (self->button, "clicked", G_CALLBACK (on_clicked), self, G_CONNECT_SWAPPED);
  gtk_widget_set_parent (self->button, GTK_WIDGET (self));
}
