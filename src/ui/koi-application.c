/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-application"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-application.h"
#include "koi-model.h"
#include "koi-window.h"

struct _KoiApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (KoiApplication, koi_application, ADW_TYPE_APPLICATION)

KoiApplication *
koi_application_new (void)
{
  return g_object_new (KOI_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", RESOURCE_BASE_PATH,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

static void
koi_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (koi_window_new (KOI_APPLICATION (app)));

  gtk_window_present (window);
}

static void
koi_application_quit_action (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
koi_application_about_action (GSimpleAction *action,
                              GVariant      *parameter,
                              gpointer       user_data)
{
  static const char *developers[] = { "The Koi developers", NULL };
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  adw_show_about_window (window,
                         "application-name", _("Koi"),
                         "application-icon", APP_ID,
                         "developer-name", _("The Koi developers"),
                         "version", PACKAGE_VERSION,
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "comments", _("Chat with anyone who has an email address"),
                         NULL);
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = koi_application_quit_action },
  { .name = "about", .activate = koi_application_about_action },
};

static void
koi_application_startup (GApplication *app)
{
  G_APPLICATION_CLASS (koi_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit",
                                         (const char *[]) { "<Control>q", NULL });
}

static void
koi_application_class_init (KoiApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = koi_application_activate;
  app_class->startup = koi_application_startup;
}

static void
koi_application_init (KoiApplication *self)
{
  koi_model_init ();
}
