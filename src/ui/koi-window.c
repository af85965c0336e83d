/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-window"

#include "config.h"

#include "koi-window.h"

struct _KoiWindow
{
  AdwApplicationWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (KoiWindow, koi_window, ADW_TYPE_APPLICATION_WINDOW)

KoiWindow *
koi_window_new (KoiApplication *application)
{
  return g_object_new (KOI_TYPE_WINDOW, "application", application, NULL);
}

static void
koi_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), KOI_TYPE_WINDOW);

  G_OBJECT_CLASS (koi_window_parent_class)->dispose (object);
}

static void
koi_window_class_init (KoiWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/koi-window.ui");
}

static void
koi_window_init (KoiWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
