/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-attachment-chip"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-attachment-chip.h"

struct _KoiAttachmentChip
{
  GtkWidget       parent_instance;

  GtkImage       *icon;
  GtkLabel       *name_label;
  GtkLabel       *size_label;
  GtkButton      *remove_button;

  KoiPendingFile *file;
};

G_DEFINE_FINAL_TYPE (KoiAttachmentChip, koi_attachment_chip, GTK_TYPE_WIDGET)

enum {
  SIGNAL_REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

GtkWidget *
koi_attachment_chip_new (KoiPendingFile *file)
{
  KoiAttachmentChip *self;
  GdkTexture *texture;
  g_autofree char *size = NULL;
  g_autofree char *remove = NULL;

  g_return_val_if_fail (KOI_IS_PENDING_FILE (file), NULL);

  self = g_object_new (KOI_TYPE_ATTACHMENT_CHIP, NULL);
  self->file = g_object_ref (file);
  texture = koi_pending_file_get_thumbnail (file);
  /* GtkImage fits the thumbnail into its 40 px square; a GtkPicture
   * would ask for the thumbnail's own size. */
  if (texture != NULL)
    gtk_image_set_from_paintable (self->icon, GDK_PAINTABLE (texture));
  else
    {
      const char *mime = koi_pending_file_get_mime_type (file);
      g_autofree char *type = g_content_type_from_mime_type (mime != NULL ? mime : "application/octet-stream");
      g_autoptr (GIcon) icon = g_content_type_get_symbolic_icon (type != NULL ? type : "application/octet-stream");

      gtk_image_set_from_gicon (self->icon, icon);
    }
  gtk_label_set_label (self->name_label, koi_pending_file_get_name (file));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->name_label), koi_pending_file_get_name (file));
  size = g_format_size (koi_pending_file_get_size (file));
  gtk_label_set_label (self->size_label, size);
  /* TRANSLATORS: the button on a file attached in the composer; %s is its name */
  remove = g_strdup_printf (_("Remove %s"), koi_pending_file_get_name (file));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->remove_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, remove, -1);
  return GTK_WIDGET (self);
}

KoiPendingFile *
koi_attachment_chip_get_file (KoiAttachmentChip *self)
{
  g_return_val_if_fail (KOI_IS_ATTACHMENT_CHIP (self), NULL);

  return self->file;
}

static void
on_remove_clicked (KoiAttachmentChip *self)
{
  g_signal_emit (self, signals[SIGNAL_REMOVE], 0);
}

static void
koi_attachment_chip_dispose (GObject *object)
{
  KoiAttachmentChip *self = KOI_ATTACHMENT_CHIP (object);
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (self), KOI_TYPE_ATTACHMENT_CHIP);
  /* The boxes without an id are ours to take down too (GTK 4.8). */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->file);

  G_OBJECT_CLASS (koi_attachment_chip_parent_class)->dispose (object);
}

static void
koi_attachment_chip_class_init (KoiAttachmentChipClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_attachment_chip_dispose;

  /**
   * KoiAttachmentChip::remove:
   *
   * The user wants this file not sent.
   */
  signals[SIGNAL_REMOVE] =
    g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/koi-attachment-chip.ui");
  gtk_widget_class_bind_template_child (widget_class, KoiAttachmentChip, icon);
  gtk_widget_class_bind_template_child (widget_class, KoiAttachmentChip, name_label);
  gtk_widget_class_bind_template_child (widget_class, KoiAttachmentChip, size_label);
  gtk_widget_class_bind_template_child (widget_class, KoiAttachmentChip, remove_button);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked);
  gtk_widget_class_set_css_name (widget_class, "koi-attachment-chip");
}

static void
koi_attachment_chip_init (KoiAttachmentChip *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
