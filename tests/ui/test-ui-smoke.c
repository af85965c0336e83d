/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-smoke"

#include "config.h"

#include <string.h>

#include "koi-application.h"
#include "koi-autostart.h"
#include "koi-background.h"
#include "koi-compat.h"
#include "koi-test-ui.h"
#include "koi-window.h"

/* The smallest screen the metainfo promises to fit (display_length). */
#define NARROWEST_WIDTH 360

static KoiApplication *app;

/* The window as the application opens it on start: registered, activated,
 * with the application's resource path for icons, not a bare widget. */
static GtkWindow *
open_main_window (void)
{
  GtkWindow *window;

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_nonnull (window);
  g_assert_true (KOI_IS_WINDOW (window));

  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));

  return window;
}

static void
assert_text_drawn (GtkWindow  *window,
                   GdkTexture *texture,
                   const char *text)
{
  GtkWidget *label = koi_test_ui_find_label (GTK_WIDGET (window), text);
  GdkRectangle area;
  guint colors;

  if (label == NULL)
    g_error ("no label shows “%s”", text);
  g_assert_true (koi_test_ui_widget_area (label, GTK_WIDGET (window), texture, &area));
  g_assert_cmpint (area.width, >, 4);
  g_assert_cmpint (area.height, >, 4);

  /* Glyphs on a background, anti-aliased: many shades. A uniform area
   * means the text was not drawn (missing font, wrong colour, clipped). */
  colors = koi_test_ui_count_colors (texture, &area, 4);
  g_test_message ("“%s” at %d,%d %dx%d: %u+ colours", text,
                  area.x, area.y, area.width, area.height, colors);
  g_assert_cmpuint (colors, >=, 4);
}

static void
test_main_window_renders (void)
{
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GtkIconTheme *theme;
  GtkWidget *icon;
  GtkWindow *window;
  GdkRectangle area;

  window = open_main_window ();

  texture = koi_test_ui_render (GTK_WIDGET (window));
  path = koi_test_ui_save_png (texture, "smoke-main-window.png");
  g_test_message ("screenshot: %s", path);

  g_assert_cmpint (gdk_texture_get_width (texture), >=, gtk_widget_get_width (GTK_WIDGET (window)));
  g_assert_cmpint (gdk_texture_get_height (texture), >=, gtk_widget_get_height (GTK_WIDGET (window)));
  /* A window with a header bar, text and an icon has far more than a
   * handful of colours; a blank or black render has one or two. */
  g_assert_cmpuint (koi_test_ui_count_colors (texture, NULL, 16), >=, 16);

  /* The title in the header bar, and the welcome page. */
  assert_text_drawn (window, texture, gtk_window_get_title (window));
  assert_text_drawn (window, texture, "Welcome to Koi");

  /* The app's symbolic icon comes from the GResource (an uninstalled build
   * has no other copy); a missing one would show GTK's broken-image icon. */
  theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (GTK_WIDGET (window)));
  g_assert_true (gtk_icon_theme_has_icon (theme, "io.github.koichat.Koi-symbolic"));
  icon = koi_test_ui_find_image (GTK_WIDGET (window), "io.github.koichat.Koi-symbolic");
  g_assert_nonnull (icon);
  g_assert_true (koi_test_ui_widget_area (icon, GTK_WIDGET (window), texture, &area));
  g_assert_cmpuint (koi_test_ui_count_colors (texture, &area, 3), >=, 3);

  gtk_window_destroy (window);
}

/* Koi's own icons come from its GResource, so a build run from its build
 * folder (no hicolor copy installed) draws them and not GTK's
 * "image-missing" stand-in. */
static char *
lookup_icon_uri (GtkIconTheme *theme,
                 const char   *name)
{
  g_autoptr (GtkIconPaintable) icon = NULL;
  g_autoptr (GFile) file = NULL;
  char *uri;

  icon = gtk_icon_theme_lookup_icon (theme, name, NULL, 48, 1, GTK_TEXT_DIR_NONE, 0);
  g_assert_cmpstr (gtk_icon_paintable_get_icon_name (icon), ==, name);
  file = gtk_icon_paintable_get_file (icon);
  g_assert_nonnull (file);
  uri = g_file_get_uri (file);
  g_test_message ("%s: %s", name, uri);
  return uri;
}

static void
assert_own_icon (GtkIconTheme *theme,
                 const char   *name)
{
  g_autofree char *uri = lookup_icon_uri (theme, name);

  g_assert_true (g_str_has_prefix (uri, "resource://" RESOURCE_BASE_PATH "/icons/"));
}

static const char *state_icons[] = {
  "document-open-recent-symbolic", "view-refresh-symbolic", "object-select-symbolic",
  "dialog-error-symbolic",
};

static void
test_own_icons (void)
{
  GtkWindow *window = open_main_window ();
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (GTK_WIDGET (window)));
  GtkWidget *about;
  GtkWidget *image;
  GType about_type;

  assert_own_icon (theme, "io.github.koichat.Koi-symbolic");
  assert_own_icon (theme, "koi-read-symbolic");
  assert_own_icon (theme, APP_ID);
  /* The theme's icons a bubble's send state shows (koi-message-row.c):
   * Adwaita 48 dropped emblem-ok-symbolic, which drew as "image-missing"
   * on Debian 13 and would in the GNOME runtime. */
  for (guint i = 0; i < G_N_ELEMENTS (state_icons); i++)
    g_free (lookup_icon_uri (theme, state_icons[i]));

  /* The About dialog is where the full-colour app icon shows. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  about_type = g_type_from_name ("AdwAboutDialog");
  if (about_type == 0)
    about_type = ADW_TYPE_ABOUT_WINDOW;
  KOI_TEST_UI_WAIT_FOR ((about = koi_test_ui_find_shown (about_type)) != NULL, 15);
  /* An AdwDialog (libadwaita >= 1.5) shows its content a moment after it
   * is mapped itself: wait for the icon, not only for the dialog. */
  KOI_TEST_UI_WAIT_FOR ((image = koi_test_ui_find_image (about, APP_ID)) != NULL, 15);
  koi_test_ui_wait_for_drawn (image);

  koi_compat_dialog_close (about);
  gtk_window_destroy (window);
}

static void
test_main_window_fits_narrow_screen (void)
{
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GtkWindow *window;

  window = GTK_WINDOW (koi_window_new (app));
  gtk_window_set_default_size (window, NARROWEST_WIDTH, 640);
  gtk_window_present (window);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));

  /* GTK widens a window to its minimum width: anything wider than the
   * promised 360 px would be cut off on a phone. */
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, NARROWEST_WIDTH);

  texture = koi_test_ui_render (GTK_WIDGET (window));
  path = koi_test_ui_save_png (texture, "smoke-main-window-narrow.png");
  g_test_message ("screenshot: %s", path);
  assert_text_drawn (window, texture, "Welcome to Koi");

  gtk_window_destroy (window);
}

/* The first close asks; "Run in Background" keeps the app (held) with no
 * window; later closes do not ask again; turning it off lets go. */
static void
test_run_in_background (void)
{
  GSettings *settings = koi_application_get_settings (app);
  GtkWindow *window;
  GtkWidget *dialog = NULL;

  g_assert_nonnull (settings);
  g_settings_set_boolean (settings, "background-asked", FALSE);
  g_settings_set_boolean (settings, "run-in-background", FALSE);

  window = GTK_WINDOW (koi_window_new (app));
  gtk_window_present (window);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);

  gtk_window_close (window);
  g_assert_nonnull (window);   /* still open: the question is on screen */
  dialog = koi_compat_alert_find (window);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (koi_compat_alert_get_heading (dialog), ==, "Keep Koi Running?");
  g_assert_false (koi_background_is_running (GTK_APPLICATION (app)));

  koi_compat_alert_respond (dialog, "background");
  g_assert_null (window);
  g_assert_true (g_settings_get_boolean (settings, "background-asked"));
  g_assert_true (g_settings_get_boolean (settings, "run-in-background"));
  g_assert_true (koi_background_is_running (GTK_APPLICATION (app)));

  /* The next window closes without a question; the app stays. */
  window = GTK_WINDOW (koi_window_new (app));
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_present (window);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  gtk_window_close (window);
  g_assert_null (window);
  g_assert_true (koi_background_is_running (GTK_APPLICATION (app)));

  g_settings_set_boolean (settings, "run-in-background", FALSE);
  g_assert_false (koi_background_is_running (GTK_APPLICATION (app)));
}

static gboolean
file_has (const char *path,
          const char *needle)
{
  g_autofree char *contents = NULL;

  return g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, needle) != NULL;
}

/* "Start at Login" writes the session's autostart entry, running this
 * program with --background; turning "Run in Background" off turns it off
 * and removes the entry. */
static void
test_start_at_login (void)
{
  GSettings *settings = koi_application_get_settings (app);
  g_autofree char *path = koi_autostart_path ();
  gint64 deadline;

  g_settings_set_boolean (settings, "run-in-background", TRUE);
  g_settings_set_boolean (settings, "start-at-login", TRUE);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  /* Written in the background: done once the last line is there. */
  while (!file_has (path, "X-GNOME-Autostart-enabled=true") && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (file_has (path, "[Desktop Entry]"));
  g_assert_true (file_has (path, " --background"));
  g_assert_true (file_has (path, "X-GNOME-Autostart-enabled=true"));

  g_settings_set_boolean (settings, "run-in-background", FALSE);
  g_assert_false (g_settings_get_boolean (settings, "start-at-login"));
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (g_file_test (path, G_FILE_TEST_EXISTS) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static gboolean
check_background_start (gpointer user_data)
{
  gboolean *checked = user_data;

  /* What the login started: no window, yet running (held). */
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (app)));
  g_assert_true (koi_background_is_running (GTK_APPLICATION (app)));
  *checked = TRUE;
  g_application_quit (G_APPLICATION (app));
  return G_SOURCE_REMOVE;
}

/* `koi --background`, as the autostart entry runs it. */
static void
test_background_start (void)
{
  char *argv[] = { (char *) "koi", (char *) "--background", NULL };
  gboolean checked = FALSE;

  g_timeout_add (500, check_background_start, &checked);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 2, argv), ==, 0);
  g_assert_true (checked);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GError) error = NULL;
  int ret;

  koi_test_ui_init (&argc, &argv);

  app = koi_application_new ();
  /* Never hand over to (or be taken over by) a Koi the developer is
   * running on the same session bus. */
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/ui/smoke/main-window-renders", test_main_window_renders);
  g_test_add_func ("/ui/smoke/own-icons", test_own_icons);
  g_test_add_func ("/ui/smoke/main-window-fits-narrow-screen", test_main_window_fits_narrow_screen);
  g_test_add_func ("/ui/smoke/run-in-background", test_run_in_background);
  g_test_add_func ("/ui/smoke/start-at-login", test_start_at_login);
  /* Last: it runs the application's main loop until it quits. */
  g_test_add_func ("/ui/smoke/background-start", test_background_start);

  ret = g_test_run ();

  g_clear_object (&app);

  return ret;
}
