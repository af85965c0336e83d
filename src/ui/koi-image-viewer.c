/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-image-viewer"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-compat-files.h"
#include "koi-image-file.h"
#include "koi-image-viewer.h"

/* Enough for a 4K screen; a 50-megapixel photo would take 200 MB. */
#define VIEWER_SIDE 2560

struct _KoiImageViewer
{
  KoiDialogBase  parent_instance;

  KoiAttachment *attachment;
  GCancellable  *cancellable;
  GtkPicture    *picture;
  GtkWidget     *stack;
  GtkLabel      *status;
};

G_DEFINE_FINAL_TYPE (KoiImageViewer, koi_image_viewer, KOI_TYPE_DIALOG_BASE)

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  GdkTexture *texture = koi_image_file_load (task_data, VIEWER_SIDE, &error);

  if (texture == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, texture, g_object_unref);
}

static void
loaded (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) texture = g_task_propagate_pointer (G_TASK (result), &error);
  KoiImageViewer *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = KOI_IMAGE_VIEWER (source);
  if (texture == NULL)
    {
      /* TRANSLATORS: the viewer could not decode the image; %s says why */
      g_autofree char *text = g_strdup_printf (_("This image cannot be shown: %s"), error->message);

      gtk_label_set_label (self->status, text);
      return;
    }
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  gtk_stack_set_visible_child (GTK_STACK (self->stack), GTK_WIDGET (self->picture));
}

static void
copy_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  if (!g_file_copy_finish (G_FILE (source), result, &error))
    g_message ("Could not save the image: %s", error->message);
}

static void
save_chosen (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (KoiImageViewer) self = user_data;
  g_autoptr (GFile) target = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (GError) error = NULL;

  target = koi_compat_save_file_finish (result, &error);
  if (target == NULL)
    return;
  file = g_file_new_for_path (koi_attachment_get_path (self->attachment));
  /* The chooser asked already whether to replace an existing file. */
  g_file_copy_async (file, target, G_FILE_COPY_OVERWRITE, G_PRIORITY_DEFAULT, NULL,
                     NULL, NULL, copy_done, NULL);
}

static void
save_as_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  KoiImageViewer *self = KOI_IMAGE_VIEWER (widget);

  koi_compat_save_file (widget, _("Save Image"), koi_attachment_get_name (self->attachment),
                        self->cancellable, save_chosen, g_object_ref (self));
}

GtkWidget *
koi_image_viewer_new (KoiAttachment *attachment)
{
  KoiImageViewer *self;
  g_autoptr (GTask) task = NULL;

  g_return_val_if_fail (KOI_IS_ATTACHMENT (attachment), NULL);
  g_return_val_if_fail (koi_attachment_get_path (attachment) != NULL, NULL);

  self = g_object_new (KOI_TYPE_IMAGE_VIEWER, NULL);
  self->attachment = g_object_ref (attachment);
  koi_compat_dialog_set_content (self, koi_attachment_get_name (attachment),
                                 gtk_widget_get_parent (self->stack), 800, 600);

  task = g_task_new (self, self->cancellable, loaded, NULL);
  g_task_set_task_data (task, g_strdup (koi_attachment_get_path (attachment)), g_free);
  g_task_run_in_thread (task, load_thread);
  return GTK_WIDGET (self);
}

GdkPaintable *
koi_image_viewer_get_paintable (KoiImageViewer *self)
{
  g_return_val_if_fail (KOI_IS_IMAGE_VIEWER (self), NULL);

  return gtk_picture_get_paintable (self->picture);
}

static void
koi_image_viewer_dispose (GObject *object)
{
  KoiImageViewer *self = KOI_IMAGE_VIEWER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->attachment);

  G_OBJECT_CLASS (koi_image_viewer_parent_class)->dispose (object);
}

static void
koi_image_viewer_class_init (KoiImageViewerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_image_viewer_dispose;
  koi_compat_dialog_class_init (widget_class);
  gtk_widget_class_install_action (widget_class, "viewer.save-as", NULL, save_as_action);
}

static void
koi_image_viewer_init (KoiImageViewer *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *save = gtk_button_new_with_mnemonic (_("_Save As…"));
  GtkWidget *status = gtk_label_new (_("Loading…"));

  self->cancellable = g_cancellable_new ();

  gtk_actionable_set_action_name (GTK_ACTIONABLE (save), "viewer.save-as");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), save);
  gtk_box_append (GTK_BOX (box), header);

  self->status = GTK_LABEL (status);
  gtk_label_set_wrap (self->status, TRUE);
  gtk_widget_add_css_class (status, "dim-label");
  self->picture = GTK_PICTURE (gtk_picture_new ());
  gtk_picture_set_can_shrink (self->picture, TRUE);
  gtk_picture_set_content_fit (self->picture, GTK_CONTENT_FIT_CONTAIN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->picture),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Image"), -1);

  self->stack = gtk_stack_new ();
  gtk_widget_set_vexpand (self->stack, TRUE);
  gtk_widget_set_hexpand (self->stack, TRUE);
  gtk_stack_add_child (GTK_STACK (self->stack), status);
  gtk_stack_add_child (GTK_STACK (self->stack), GTK_WIDGET (self->picture));
  gtk_stack_set_visible_child (GTK_STACK (self->stack), status);
  gtk_box_append (GTK_BOX (box), self->stack);

  gtk_widget_set_name (GTK_WIDGET (self), "koi-image-viewer");
}
