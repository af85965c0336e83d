/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-background"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "koi-background.h"
#include "koi-compat.h"

typedef struct {
  GtkApplication *application;   /* weak: owns this state */
  GSettings      *settings;
  gboolean        held;
} Background;

static void
background_free (Background *background)
{
  if (background->settings != NULL)
    g_signal_handlers_disconnect_by_data (background->settings, background);
  g_clear_object (&background->settings);
  g_free (background);
}

static Background *
background_of (GtkApplication *application)
{
  return g_object_get_data (G_OBJECT (application), "koi-background");
}

/* Inside a Flatpak the desktop may end an app without windows unless the
 * Background portal allowed it. The answer only matters to the desktop:
 * without the portal (outside a sandbox) holding the application is all
 * it takes. */
static void
request_portal (Background *background)
{
  GDBusConnection *bus;
  GVariantBuilder options;

  if (!g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    return;
  bus = g_application_get_dbus_connection (G_APPLICATION (background->application));
  if (bus == NULL)
    return;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Receive messages while the window is closed")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (FALSE));
  g_dbus_connection_call (bus, "org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
                          "org.freedesktop.portal.Background", "RequestBackground",
                          g_variant_new ("(sa{sv})", "", &options), NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
}

static void
set_running (Background *background,
             gboolean    run)
{
  if (run == background->held)
    return;

  background->held = run;
  if (run)
    {
      g_application_hold (G_APPLICATION (background->application));
      request_portal (background);
    }
  else
    g_application_release (G_APPLICATION (background->application));
}

static void
on_ask_response (GtkWidget  *dialog,
                 const char *response,
                 GtkWindow  *window)
{
  Background *background = background_of (gtk_window_get_application (window));
  gboolean run = g_strcmp0 (response, "background") == 0;

  if (background != NULL)
    {
      g_settings_set_boolean (background->settings, "background-asked", TRUE);
      g_settings_set_boolean (background->settings, "run-in-background", run);
      set_running (background, run);
    }
  /* A separate dialog goes after this signal; it must not point at a
   * window that is gone by then. */
  if (GTK_IS_WINDOW (dialog))
    gtk_window_set_transient_for (GTK_WINDOW (dialog), NULL);
  gtk_window_destroy (window);
}

static void
ask (GtkWindow *window)
{
  GtkWidget *dialog;

  /* Asked once: closing again while it shows answers nothing new. */
  if (koi_compat_alert_find (window) != NULL)
    return;

  dialog = koi_compat_alert_new (_("Keep Koi Running?"),
                                 _("Koi can keep receiving messages and show notifications after "
                                   "its window is closed. Choose Quit in the main menu to stop it."));
  koi_compat_alert_add_response (dialog, "quit", _("_Quit"), ADW_RESPONSE_DEFAULT);
  koi_compat_alert_add_response (dialog, "background", _("_Run in Background"),
                                 ADW_RESPONSE_SUGGESTED);
  koi_compat_alert_set_responses (dialog, "background", "quit");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_ask_response), window, 0);
  koi_compat_alert_present (dialog, GTK_WIDGET (window));
}

static gboolean
on_close_request (GtkWindow *window,
                  gpointer   user_data)
{
  GtkApplication *application = gtk_window_get_application (window);
  Background *background = application != NULL ? background_of (application) : NULL;
  guint n_main = 0;

  if (background == NULL || background->settings == NULL)
    return FALSE;

  /* Only the last main window decides; a dialog closing decides nothing. */
  for (GList *l = gtk_application_get_windows (application); l != NULL; l = l->next)
    if (gtk_window_get_transient_for (l->data) == NULL)
      n_main++;
  if (n_main > 1)
    return FALSE;

  if (!g_settings_get_boolean (background->settings, "background-asked"))
    {
      ask (window);
      return TRUE;   /* stays open until answered */
    }

  set_running (background, g_settings_get_boolean (background->settings, "run-in-background"));
  return FALSE;
}

static void
on_window_added (GtkApplication *application,
                 GtkWindow      *window)
{
  if (gtk_window_get_transient_for (window) != NULL)
    return;
  g_signal_connect (window, "close-request", G_CALLBACK (on_close_request), NULL);
}

/* Turned off in Preferences while no window is open: nothing keeps the
 * app then, as the user asked. */
static void
on_setting_changed (Background *background)
{
  if (!g_settings_get_boolean (background->settings, "run-in-background"))
    {
      set_running (background, FALSE);
      /* Starting at login only to quit at once would be pointless. */
      g_settings_set_boolean (background->settings, "start-at-login", FALSE);
    }
}

void
koi_background_init (GtkApplication *application,
                     GSettings      *settings)
{
  Background *background = g_new0 (Background, 1);

  g_return_if_fail (GTK_IS_APPLICATION (application));

  background->application = application;
  if (settings != NULL)
    {
      background->settings = g_object_ref (settings);
      g_signal_connect_swapped (settings, "changed::run-in-background", G_CALLBACK (on_setting_changed),
                                background);
    }
  g_object_set_data_full (G_OBJECT (application), "koi-background", background,
                          (GDestroyNotify) background_free);
  g_signal_connect (application, "window-added", G_CALLBACK (on_window_added), NULL);
}

void
koi_background_run (GtkApplication *application)
{
  Background *background = background_of (application);

  g_return_if_fail (background != NULL);
  set_running (background, TRUE);
}

gboolean
koi_background_is_running (GtkApplication *application)
{
  Background *background = background_of (application);

  return background != NULL && background->held;
}
