/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-preferences-window"

#include "config.h"

#include "koi-preferences-window.h"

struct _KoiPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  AdwComboRow          *color_scheme_row;
  GtkSwitch            *move_switch;

  GSettings            *settings;
};

G_DEFINE_FINAL_TYPE (KoiPreferencesWindow, koi_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The combo's positions follow the schema's enum values (default, light,
 * dark), so the mapping is the enum's number. */
static gboolean
scheme_to_position (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  const char *nick = g_variant_get_string (variant, NULL);
  guint position = 0;

  if (g_strcmp0 (nick, "light") == 0)
    position = 1;
  else if (g_strcmp0 (nick, "dark") == 0)
    position = 2;

  g_value_set_uint (value, position);
  return TRUE;
}

static GVariant *
position_to_scheme (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  static const char * const nicks[] = { "default", "light", "dark" };
  guint position = g_value_get_uint (value);

  if (position >= G_N_ELEMENTS (nicks))
    position = 0;

  return g_variant_new_string (nicks[position]);
}

GtkWidget *
koi_preferences_window_new (GtkWindow *parent,
                            GSettings *settings)
{
  KoiPreferencesWindow *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (KOI_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       NULL);
  self->settings = g_object_ref (settings);

  g_settings_bind_with_mapping (settings, "color-scheme", self->color_scheme_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                scheme_to_position, position_to_scheme, NULL, NULL);
  g_settings_bind (settings, "move-chats-to-folder", self->move_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);

  return GTK_WIDGET (self);
}

static void
koi_preferences_window_dispose (GObject *object)
{
  KoiPreferencesWindow *self = KOI_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (object), KOI_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (koi_preferences_window_parent_class)->dispose (object);
}

static void
koi_preferences_window_class_init (KoiPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/koi-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, color_scheme_row);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, move_switch);
}

static void
koi_preferences_window_init (KoiPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
