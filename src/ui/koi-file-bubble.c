/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-file-bubble"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-file-bubble.h"

struct _KoiFileBubble
{
  GtkWidget      parent_instance;

  GtkImage      *icon;
  GtkLabel      *name_label;
  GtkLabel      *detail_label;
  GtkButton     *action_button;
  GtkProgressBar *progress_bar;
  GtkButton     *cancel_button;

  KoiAttachment *attachment;
};

G_DEFINE_FINAL_TYPE (KoiFileBubble, koi_file_bubble, GTK_TYPE_WIDGET)

static void
update (KoiFileBubble *self)
{
  KoiAttachment *attachment = self->attachment;
  g_autofree char *size = g_format_size (koi_attachment_get_size (attachment));
  g_autofree char *content_type = g_content_type_from_mime_type (koi_attachment_get_mime_type (attachment));
  g_autoptr (GIcon) icon = g_content_type_get_symbolic_icon (content_type != NULL ? content_type
                                                              : "application/octet-stream");
  KoiAttachmentState state = koi_attachment_get_state (attachment);
  gint64 done = koi_attachment_get_transferred (attachment);
  gint64 total = koi_attachment_get_transfer_total (attachment);
  gboolean moving = done >= 0;

  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), moving);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), moving);
  gtk_widget_set_visible (GTK_WIDGET (self->action_button), !moving);
  gtk_image_set_from_gicon (self->icon, icon);
  gtk_label_set_label (self->name_label, koi_attachment_get_name (attachment));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->name_label), koi_attachment_get_name (attachment));

  if (moving)
    {
      g_autofree char *so_far = g_format_size (done);
      g_autofree char *of = g_format_size (total);
      g_autofree char *detail = NULL;

      /* TRANSLATORS: progress of a file on its way, e.g. "3.1 MB of 25.0 MB" */
      detail = g_strdup_printf (_("%s of %s"), so_far, of);
      gtk_label_set_label (self->detail_label, detail);
      gtk_progress_bar_set_fraction (self->progress_bar,
                                     total > 0 ? CLAMP ((double) done / (double) total, 0.0, 1.0) : 0.0);
      return;
    }

  switch (state)
    {
    case KOI_ATTACHMENT_DONE:
      gtk_label_set_label (self->detail_label, size);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->detail_label), NULL);
      gtk_button_set_label (self->action_button, _("Open"));
      gtk_widget_set_sensitive (GTK_WIDGET (self->action_button), TRUE);
      break;
    case KOI_ATTACHMENT_DOWNLOADING:
      gtk_label_set_label (self->detail_label, size);
      gtk_button_set_label (self->action_button, _("Downloading…"));
      gtk_widget_set_sensitive (GTK_WIDGET (self->action_button), FALSE);
      break;
    case KOI_ATTACHMENT_FAILED:
      {
        g_autofree char *detail = g_strdup_printf (_("%s — could not be downloaded"), size);

        gtk_label_set_label (self->detail_label, detail);
        /* The reason, in the engine's words, for whoever wants it. */
        gtk_widget_set_tooltip_text (GTK_WIDGET (self->detail_label), koi_attachment_get_error (attachment));
        gtk_button_set_label (self->action_button, _("Try Again"));
        gtk_widget_set_sensitive (GTK_WIDGET (self->action_button), TRUE);
      }
      break;
    case KOI_ATTACHMENT_PENDING:
    default:
      {
        /* TRANSLATORS: the button on a file not yet downloaded; %s is its size, e.g. "24.1 MB" */
        g_autofree char *label = g_strdup_printf (_("Download %s"), size);

        gtk_label_set_label (self->detail_label, size);
        gtk_button_set_label (self->action_button, label);
        gtk_widget_set_sensitive (GTK_WIDGET (self->action_button), TRUE);
      }
      break;
    }
}

static void
launch_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    g_message ("Could not open the file: %s", error->message);
}

static void
on_action_clicked (KoiFileBubble *self)
{
  if (koi_attachment_get_state (self->attachment) == KOI_ATTACHMENT_DONE)
    {
      g_autoptr (GFile) file = g_file_new_for_path (koi_attachment_get_path (self->attachment));
      g_autofree char *uri = g_file_get_uri (file);
      GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));
      g_autoptr (GAppLaunchContext) context = NULL;

      /* Inside a Flatpak GIO goes through the OpenURI portal. */
      if (native != NULL)
        context = G_APP_LAUNCH_CONTEXT (gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (native))));
      g_app_info_launch_default_for_uri_async (uri, context, NULL, launch_cb, NULL);
      return;
    }

  gtk_widget_activate_action (GTK_WIDGET (self), "conversation.download", "x",
                              koi_attachment_get_message_ref (self->attachment));
}

static void
on_cancel_clicked (KoiFileBubble *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "conversation.cancel-transfer", "x",
                              koi_attachment_get_message_ref (self->attachment));
}

GtkWidget *
koi_file_bubble_new (KoiAttachment *attachment)
{
  KoiFileBubble *self;

  g_return_val_if_fail (KOI_IS_ATTACHMENT (attachment), NULL);

  self = g_object_new (KOI_TYPE_FILE_BUBBLE, NULL);
  self->attachment = g_object_ref (attachment);
  g_signal_connect_object (attachment, "notify", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  update (self);
  return GTK_WIDGET (self);
}

KoiAttachment *
koi_file_bubble_get_attachment (KoiFileBubble *self)
{
  g_return_val_if_fail (KOI_IS_FILE_BUBBLE (self), NULL);

  return self->attachment;
}

const char *
koi_file_bubble_get_button_label (KoiFileBubble *self)
{
  g_return_val_if_fail (KOI_IS_FILE_BUBBLE (self), NULL);

  return gtk_button_get_label (self->action_button);
}

GtkProgressBar *
koi_file_bubble_get_progress_bar (KoiFileBubble *self)
{
  g_return_val_if_fail (KOI_IS_FILE_BUBBLE (self), NULL);

  return self->progress_bar;
}

GtkButton *
koi_file_bubble_get_cancel_button (KoiFileBubble *self)
{
  g_return_val_if_fail (KOI_IS_FILE_BUBBLE (self), NULL);

  return self->cancel_button;
}

const char *
koi_file_bubble_get_detail_text (KoiFileBubble *self)
{
  g_return_val_if_fail (KOI_IS_FILE_BUBBLE (self), NULL);

  return gtk_label_get_label (self->detail_label);
}

static void
koi_file_bubble_dispose (GObject *object)
{
  KoiFileBubble *self = KOI_FILE_BUBBLE (object);
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (self), KOI_TYPE_FILE_BUBBLE);
  /* The box without an id is ours to take down too. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->attachment);

  G_OBJECT_CLASS (koi_file_bubble_parent_class)->dispose (object);
}

static void
koi_file_bubble_class_init (KoiFileBubbleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_file_bubble_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/koi-file-bubble.ui");
  gtk_widget_class_bind_template_child (widget_class, KoiFileBubble, icon);
  gtk_widget_class_bind_template_child (widget_class, KoiFileBubble, name_label);
  gtk_widget_class_bind_template_child (widget_class, KoiFileBubble, detail_label);
  gtk_widget_class_bind_template_child (widget_class, KoiFileBubble, action_button);
  gtk_widget_class_bind_template_child (widget_class, KoiFileBubble, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, KoiFileBubble, cancel_button);
  gtk_widget_class_bind_template_callback (widget_class, on_action_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
  gtk_widget_class_set_css_name (widget_class, "koi-file-bubble");
}

static void
koi_file_bubble_init (KoiFileBubble *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* TRANSLATORS: the tooltip of the button that stops a download or upload */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->cancel_button), _("Stop"));
}
