/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-test-ui"

#include "config.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gdk/x11/gdkx.h>

#include "koi-test-ui.h"

#include "koi-account.h"
#include "koi-chat.h"
#include "koi-conversation-view.h"

/* Long enough for a cold start under Xvfb on a loaded CI machine (the first
 * frame takes ~0.3 s), short enough that a window that never shows fails
 * the test instead of hitting meson's timeout without a word. */
#define KOI_TEST_UI_WAIT_SECONDS 15

/**
 * koi_test_ui_init:
 *
 * g_test_init() plus a display. Without a display the test fails with a
 * message that says how to run it: UI tests are meant to run, and a skip
 * would let a broken CI set-up pass silently.
 */
void
koi_test_ui_init (int    *argc,
                  char ***argv)
{
  g_test_init (argc, argv, NULL);

  /* Without a session bus address GDBus would autolaunch one through
   * dbus-launch, which outlives the test. No address means: no bus, and
   * GApplication, libadwaita and GTK all carry on without one. */
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_setenv ("DBUS_SESSION_BUS_ADDRESS", "disabled:", TRUE);

  if (!gtk_init_check ())
    {
      g_printerr ("%s: cannot open a display (DISPLAY=%s, WAYLAND_DISPLAY=%s). "
                  "UI tests need one: run them under Xvfb, for example "
                  "`xvfb-run -a meson test -C BUILDDIR --suite ui`.\n",
                  g_get_prgname (),
                  g_getenv ("DISPLAY") ? g_getenv ("DISPLAY") : "(unset)",
                  g_getenv ("WAYLAND_DISPLAY") ? g_getenv ("WAYLAND_DISPLAY") : "(unset)");
      exit (EXIT_FAILURE);
    }

  adw_init ();

  /* GTK 4.8 warns "GtkText did not receive a focus-out event" (fatal
   * here) when a text's cursor-blink timer fires while its window no
   * longer has X focus. Under Xvfb with no window manager, windows that
   * map while a worker keeps the main loop busy (the engines make their
   * OpenPGP keys at the first sync) get their focus events late, and the
   * timer wins about half the time. No blinking, no timer: what a test
   * checks about focus (gtk_widget_has_focus, the focus chain) stays. */
  g_object_set (gtk_settings_get_default (), "gtk-cursor-blink", FALSE, NULL);

  /* What KoiApplication's resource base path gives the app: its own icons.
   * Tests that build windows without the application need them too. */
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    RESOURCE_BASE_PATH "/icons");

  /* And its stylesheet, which AdwApplication loads from the same path. */
  {
    g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();

    gtk_css_provider_load_from_resource (css, RESOURCE_BASE_PATH "/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }
}

char *
koi_test_ui_use_file_keyring (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("koi-test-keyring-XXXXXX", &error);
  char *path;

  g_assert_no_error (error);
  path = g_build_filename (dir, "keyring", NULL);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", path, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "test-keyring", TRUE);

  return path;
}

void
koi_test_ui_remove_file_keyring (const char *keyring_path)
{
  g_autofree char *dir = g_path_get_dirname (keyring_path);

  g_unlink (keyring_path);
  g_rmdir (dir);
}

static gboolean
wait_timed_out_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       user_data)
{
  gboolean *painted = user_data;

  *painted = TRUE;
}

/* TRUE for a conversation that still hides its list: a chat
 * being opened keeps the list transparent until the newest message is in
 * view (settle_at_end() in koi-conversation-view.c). A frame painted in
 * that time shows an empty conversation, though every row is already laid
 * out, so the checks on widgets pass while the screenshot is blank. */
static gboolean
is_hiding_conversation (GtkWidget *widget)
{
  return KOI_IS_CONVERSATION_VIEW (widget) &&
         gtk_widget_get_opacity (GTK_WIDGET (koi_conversation_view_get_list_view (KOI_CONVERSATION_VIEW (widget)))) < 1.0;
}

/* TRUE when @widget or a widget under it is mapped and @test says so. */
static gboolean
any_mapped (GtkWidget *widget,
            gboolean (*test) (GtkWidget *widget))
{
  if (!gtk_widget_get_mapped (widget))
    return FALSE;
  if (test (widget))
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (any_mapped (child, test))
      return TRUE;
  return FALSE;
}

static gboolean
conversation_hidden (GtkWidget *widget)
{
  return any_mapped (widget, is_hiding_conversation);
}

/**
 * koi_test_ui_wait_for_drawn:
 * @widget: a widget in a presented window
 *
 * Runs the main loop until @widget is mapped and its window has painted a
 * frame since, and no conversation in it still hides its messages while it
 * opens, so what a screenshot shows is what the user would see.
 * Aborts the test with a message if that does not happen in time.
 */
void
koi_test_ui_wait_for_drawn (GtkWidget *widget)
{
  gboolean timed_out = FALSE;
  gboolean painted = FALSE;
  GdkFrameClock *clock;
  gulong handler;
  guint timeout;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  timeout = g_timeout_add_seconds (KOI_TEST_UI_WAIT_SECONDS, wait_timed_out_cb, &timed_out);

  while (!gtk_widget_get_mapped (widget) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("%s was not mapped within %d s", G_OBJECT_TYPE_NAME (widget),
             KOI_TEST_UI_WAIT_SECONDS);

  /* Mapped is not drawn yet: wait for the next frame to be painted, and
   * for one painted after a conversation being opened shows its messages. */
  clock = gtk_widget_get_frame_clock (widget);
  g_assert_nonnull (clock);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &painted);
  gtk_widget_queue_draw (widget);

  while (!timed_out)
    {
      while (!painted && !timed_out)
        g_main_context_iteration (NULL, TRUE);
      if (timed_out || !conversation_hidden (widget))
        break;
      painted = FALSE;
      gtk_widget_queue_draw (widget);
    }

  g_signal_handler_disconnect (clock, handler);
  if (timed_out && conversation_hidden (widget))
    g_error ("a conversation in %s still hid its messages after %d s",
             G_OBJECT_TYPE_NAME (widget), KOI_TEST_UI_WAIT_SECONDS);
  if (timed_out)
    g_error ("%s was mapped but never painted within %d s", G_OBJECT_TYPE_NAME (widget),
             KOI_TEST_UI_WAIT_SECONDS);

  g_source_remove (timeout);
}

/* TRUE for a revealer still sliding its child in or out
 * (AdwBanner is one: a frame in that time shows the banner's lower lines
 * alone, at the top of the window). */
static gboolean
is_moving_revealer (GtkWidget *widget)
{
  return GTK_IS_REVEALER (widget) &&
         gtk_revealer_get_reveal_child (GTK_REVEALER (widget)) !=
         gtk_revealer_get_child_revealed (GTK_REVEALER (widget));
}

static gboolean
revealer_moving (GtkWidget *widget)
{
  return any_mapped (widget, is_moving_revealer);
}

/* Waits until what @widget's window shows stops moving: no revealer half
 * open and no frame painted for 150 ms (a toast sliding in, a banner's
 * transition). A spinner never stops: after 3 s the picture is taken as it
 * is. */
static void
wait_for_still (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gint64 give_up = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  gboolean painted = TRUE;
  gulong handler;

  g_assert_nonnull (clock);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &painted);
  while (g_get_monotonic_time () < give_up && (painted || revealer_moving (widget)))
    {
      gboolean quiet = FALSE;
      guint timeout = g_timeout_add (150, wait_timed_out_cb, &quiet);

      painted = FALSE;
      while (!quiet && !painted)
        g_main_context_iteration (NULL, TRUE);
      if (!quiet)
        g_source_remove (timeout);
      else if (revealer_moving (widget))
        painted = TRUE;   /* not moved in 150 ms, yet not there: look again */
    }
  g_signal_handler_disconnect (clock, handler);
}

/**
 * koi_test_ui_render:
 * @widget: a drawn widget (see koi_test_ui_wait_for_drawn())
 *
 * Renders @widget with its window's own renderer, as the screen shows it.
 *
 * Returns: (transfer full): the widget's pixels, at the window's scale
 */
GdkTexture *
koi_test_ui_render (GtkWidget *widget)
{
  g_autoptr (GdkPaintable) paintable = NULL;
  g_autoptr (GskRenderNode) node = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  int width;
  int height;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), NULL);

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  /* No node at all means the widget drew nothing, not even a background. */
  g_assert_nonnull (node);

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_assert_nonnull (renderer);

  return gsk_renderer_render_texture (renderer, node,
                                      &GRAPHENE_RECT_INIT (0, 0, width, height));
}

/**
 * koi_test_ui_save_png:
 * @texture: pixels to keep
 * @name: a file name such as "main-window.png"
 *
 * Saves @texture under screenshots/ beside the test binary in the build
 * folder, for a human (or a CI artefact upload) to look at.
 *
 * Returns: (transfer full): the path written
 */
char *
koi_test_ui_save_png (GdkTexture *texture,
                      const char *name)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (GDK_IS_TEXTURE (texture), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  dir = g_test_build_filename (G_TEST_BUILT, "screenshots", NULL);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    g_error ("cannot create %s: %s", dir, g_strerror (errno));

  path = g_build_filename (dir, name, NULL);
  if (!gdk_texture_save_to_png (texture, path))
    g_error ("cannot write the screenshot %s", path);

  return g_steal_pointer (&path);
}

/**
 * koi_test_ui_count_colors:
 * @texture: pixels
 * @area: (nullable): the part to look at, in texture pixels; %NULL for all
 * @enough: stop counting at this many (0: count all)
 *
 * Counts distinct colours. A blank or single-colour image has one; text,
 * with its anti-aliasing, has many.
 *
 * Returns: the number of distinct colours, at most @enough
 */
guint
koi_test_ui_count_colors (GdkTexture         *texture,
                          const GdkRectangle *area,
                          guint               enough)
{
  g_autoptr (GHashTable) colors = NULL;
  g_autofree guchar *pixels = NULL;
  GdkRectangle full;
  GdkRectangle part;
  gsize stride;

  g_return_val_if_fail (GDK_IS_TEXTURE (texture), 0);

  full = (GdkRectangle) { 0, 0, gdk_texture_get_width (texture), gdk_texture_get_height (texture) };
  if (area == NULL)
    part = full;
  else if (!gdk_rectangle_intersect (area, &full, &part))
    return 0;

  stride = (gsize) full.width * 4;
  pixels = g_malloc (stride * full.height);
  gdk_texture_download (texture, pixels, stride);

  colors = g_hash_table_new (NULL, NULL);
  for (int y = part.y; y < part.y + part.height; y++)
    for (int x = part.x; x < part.x + part.width; x++)
      {
        guint32 pixel;

        memcpy (&pixel, pixels + y * stride + x * 4, sizeof pixel);
        g_hash_table_add (colors, GUINT_TO_POINTER (pixel));
        if (enough > 0 && g_hash_table_size (colors) >= enough)
          return enough;
      }

  return g_hash_table_size (colors);
}

/**
 * koi_test_ui_widget_area:
 * @widget: a widget drawn inside @root
 * @root: the widget @texture was rendered from
 * @texture: the rendering of @root
 * @area: (out): where @widget is in @texture, in texture pixels
 *
 * Returns: %TRUE if @widget has a place inside @root
 */
gboolean
koi_test_ui_widget_area (GtkWidget    *widget,
                         GtkWidget    *root,
                         GdkTexture   *texture,
                         GdkRectangle *area)
{
  graphene_rect_t bounds;
  double scale_x;
  double scale_y;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), FALSE);
  g_return_val_if_fail (GTK_IS_WIDGET (root), FALSE);
  g_return_val_if_fail (GDK_IS_TEXTURE (texture), FALSE);
  g_return_val_if_fail (area != NULL, FALSE);

  if (!gtk_widget_compute_bounds (widget, root, &bounds))
    return FALSE;

  /* The texture may be at a higher scale than the widget's coordinates. */
  scale_x = (double) gdk_texture_get_width (texture) / MAX (1, gtk_widget_get_width (root));
  scale_y = (double) gdk_texture_get_height (texture) / MAX (1, gtk_widget_get_height (root));

  area->x = (int) (bounds.origin.x * scale_x);
  area->y = (int) (bounds.origin.y * scale_y);
  area->width = MAX (1, (int) (bounds.size.width * scale_x));
  area->height = MAX (1, (int) (bounds.size.height * scale_y));

  return TRUE;
}

typedef gboolean (*KoiTestUiMatch) (GtkWidget  *widget,
                                    const char *wanted);

static GtkWidget *
find_widget (GtkWidget      *root,
             KoiTestUiMatch  match,
             const char     *wanted)
{
  if (gtk_widget_get_mapped (root) && match (root, wanted))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, match, wanted);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
label_has_text (GtkWidget  *widget,
                const char *text)
{
  return GTK_IS_LABEL (widget) &&
         g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

static gboolean
image_has_icon (GtkWidget  *widget,
                const char *icon_name)
{
  return GTK_IS_IMAGE (widget) &&
         gtk_image_get_storage_type (GTK_IMAGE (widget)) == GTK_IMAGE_ICON_NAME &&
         g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (widget)), icon_name) == 0;
}

/**
 * koi_test_ui_find_label:
 * @root: where to look
 * @text: the label's whole text, as shown (without mnemonic underscores)
 *
 * Returns: (transfer none) (nullable): the first mapped label showing @text
 */
GtkWidget *
koi_test_ui_find_label (GtkWidget  *root,
                        const char *text)
{
  g_return_val_if_fail (GTK_IS_WIDGET (root), NULL);

  return find_widget (root, label_has_text, text);
}

/**
 * koi_test_ui_find_image:
 * @root: where to look
 * @icon_name: the icon name the image shows
 *
 * Returns: (transfer none) (nullable): the first mapped image of @icon_name
 */
GtkWidget *
koi_test_ui_find_image (GtkWidget  *root,
                        const char *icon_name)
{
  g_return_val_if_fail (GTK_IS_WIDGET (root), NULL);

  return find_widget (root, image_has_icon, icon_name);
}

double
koi_test_ui_mean_brightness (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  gsize stride = (gsize) width * 4;
  g_autofree guchar *data = g_malloc (stride * height);
  double sum = 0;

  gdk_texture_download (texture, data, stride);
  for (gsize i = 0; i < stride * height; i += 4)
    /* Cairo's ARGB32 in memory: B, G, R, A. */
    sum += 0.114 * data[i] + 0.587 * data[i + 1] + 0.299 * data[i + 2];

  return sum / ((double) width * height);
}

void
koi_test_ui_focus_window (GtkWindow *window)
{
  GdkSurface *surface;
  gint64 deadline = g_get_monotonic_time () + KOI_TEST_UI_WAIT_SECONDS * G_USEC_PER_SEC;

  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  surface = gtk_native_get_surface (GTK_NATIVE (window));
  g_assert_true (GDK_IS_X11_SURFACE (surface));

  XSetInputFocus (gdk_x11_display_get_xdisplay (gdk_surface_get_display (surface)),
                  gdk_x11_surface_get_xid (surface), RevertToParent, CurrentTime);
  while (!gtk_window_is_active (window) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (gtk_window_is_active (window));
}

typedef struct
{
  gboolean  done;
  GBytes   *err;
} XdotoolRun;

static void
xdotool_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  XdotoolRun *run = user_data;

  g_subprocess_communicate_finish (G_SUBPROCESS (source), result, NULL, &run->err, NULL);
  run->done = TRUE;
}

/* Runs xdotool with @args (NULL-terminated, "xdotool" first) and fails the
 * test if it fails. The main loop keeps running meanwhile: GTK must read
 * the events as they come. */
static void
run_xdotool (const char * const *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process = NULL;
  XdotoolRun run = { FALSE, NULL };

  process = g_subprocess_newv (args, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  if (process == NULL)
    g_error ("xdotool (build-aux/install-deps) did not run: %s", error->message);
  g_subprocess_communicate_async (process, NULL, NULL, xdotool_done_cb, &run);
  while (!run.done)
    g_main_context_iteration (NULL, TRUE);
  if (!g_subprocess_get_successful (process))
    g_error ("xdotool failed: %.*s", run.err != NULL ? (int) g_bytes_get_size (run.err) : 0,
             run.err != NULL ? (const char *) g_bytes_get_data (run.err, NULL) : "");
  g_clear_pointer (&run.err, g_bytes_unref);
}

/* Lets GTK read and handle what the X server has for it. */
static void
settle_events (void)
{
  gint64 end = g_get_monotonic_time () + 150 * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

/**
 * koi_test_ui_click:
 * @widget: a mapped widget
 *
 * Clicks the middle of @widget as a user does: the X server's pointer
 * moves there and button 1 goes down and up (xdotool, through XTEST), so
 * the event takes the whole way through GDK, picking and the gestures.
 */
void
koi_test_ui_click (GtkWidget *widget)
{
  GtkNative *native;
  GdkSurface *surface;
  graphene_point_t point;
  double nx = 0, ny = 0;
  g_autofree char *xid = NULL;
  g_autofree char *x = NULL;
  g_autofree char *y = NULL;

  g_assert_true (gtk_widget_get_mapped (widget));
  native = gtk_widget_get_native (widget);
  /* Laid out and placed: a popover just shown is on its first frame. */
  koi_test_ui_wait_for_drawn (GTK_WIDGET (native));
  g_assert_true (gtk_widget_get_mapped (widget));
  surface = gtk_native_get_surface (native);
  g_assert_true (GDK_IS_X11_SURFACE (surface));
  gtk_native_get_surface_transform (native, &nx, &ny);
  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (native),
                                           &GRAPHENE_POINT_INIT (gtk_widget_get_width (widget) / 2.0f,
                                                                 gtk_widget_get_height (widget) / 2.0f),
                                           &point));
  xid = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (surface));
  x = g_strdup_printf ("%d", (int) (point.x + nx));
  y = g_strdup_printf ("%d", (int) (point.y + ny));
  g_test_message ("click %s at %s,%s in window %s (%s)", G_OBJECT_TYPE_NAME (widget), x, y, xid,
                  G_OBJECT_TYPE_NAME (native));
  run_xdotool ((const char * const[]) { "xdotool", "mousemove", "--sync", "--window", xid, x, y,
                                        "click", "1", NULL });
  settle_events ();
}

/**
 * koi_test_ui_press_keys:
 * @keys: key names as xdotool takes them ("Return", "shift+F10")
 *
 * Types keys into the window that has the X input focus (see
 * koi_test_ui_focus_window()), through the X server.
 */
void
koi_test_ui_press_keys (const char *keys)
{
  run_xdotool ((const char * const[]) { "xdotool", "key", "--clearmodifiers", keys, NULL });
  settle_events ();
}

void
koi_test_ui_xdotool (const char *first,
                     ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (args, (char *) "xdotool");
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  run_xdotool ((const char * const *) args->pdata);
  settle_events ();
}

GtkWidget *
koi_test_ui_find_mapped (GtkWidget *root,
                         GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && gtk_widget_get_mapped (root))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = koi_test_ui_find_mapped (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
koi_test_ui_find_shown (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* owned by GTK */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWidget) window = g_list_model_get_item (toplevels, i);
      GtkWidget *found = koi_test_ui_find_mapped (window, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

guint
koi_test_ui_tick_add (void)
{
  return g_timeout_add (20, tick_cb, NULL);
}

void
koi_test_ui_iterate_ms (guint ms)
{
  gboolean done = FALSE;

  /* The timeout wakes the loop at the end and removes itself. */
  g_timeout_add (ms, wait_timed_out_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

GdkTexture *
koi_test_ui_shoot (GtkWidget  *widget,
                   const char *name,
                   guint       min_colors)
{
  GdkTexture *texture;
  g_autofree char *path = NULL;

  koi_test_ui_wait_for_drawn (widget);
  wait_for_still (widget);
  texture = koi_test_ui_render (widget);
  path = koi_test_ui_save_png (texture, name);
  g_test_message ("screenshot: %s", path);
  g_assert_cmpuint (koi_test_ui_count_colors (texture, NULL, min_colors), >=, min_colors);

  return texture;
}

GtkWindow *
koi_test_ui_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* owned by GTK */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

GtkEventController *
koi_test_ui_find_capture_key_controller (GtkWidget *widget)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller)
          && gtk_event_controller_get_propagation_phase (controller) == GTK_PHASE_CAPTURE)
        return controller;
    }
  return NULL;
}

gboolean
koi_test_ui_window_online (KoiWindow *window)
{
  KoiAccount *account;

  if (g_strcmp0 (koi_window_get_page_name (window), "chats") != 0)
    return FALSE;
  account = koi_window_get_account (window);
  return account != NULL && koi_account_get_connection_state (account) == KOI_CONNECTION_ONLINE;
}

static KoiMessageRow *
find_message_row (GtkWidget  *root,
                  const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      KoiMessageRow *found;

      if (KOI_IS_MESSAGE_ROW (child))
        {
          if (gtk_widget_get_mapped (child) && koi_test_ui_find_label (child, text) != NULL)
            return KOI_MESSAGE_ROW (child);
          continue;
        }
      found = find_message_row (child, text);
      if (found != NULL)
        return found;
    }
  return NULL;
}

KoiMessageRow *
koi_test_ui_find_bubble (KoiWindow  *window,
                         const char *text)
{
  return find_message_row (GTK_WIDGET (koi_window_get_conversation_view (window)), text);
}

typedef gboolean (*ChatMatch) (KoiChat       *chat,
                               gconstpointer  wanted);

static KoiChatRow *
find_chat_row (GtkWidget     *root,
               ChatMatch      match,
               gconstpointer  wanted)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      KoiChatRow *found;

      if (KOI_IS_CHAT_ROW (child))
        {
          KoiChat *chat = koi_chat_row_get_item (KOI_CHAT_ROW (child));

          if (gtk_widget_get_mapped (child) && chat != NULL && match (chat, wanted))
            return KOI_CHAT_ROW (child);
          continue;
        }
      found = find_chat_row (child, match, wanted);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
chat_has_peer (KoiChat       *chat,
               gconstpointer  peer)
{
  const char *address = koi_chat_get_peer_address (chat);

  return address != NULL && g_ascii_strcasecmp (address, peer) == 0;
}

static gboolean
chat_has_id (KoiChat       *chat,
             gconstpointer  chat_id)
{
  return koi_chat_get_id (chat) == *(const gint64 *) chat_id;
}

KoiChatRow *
koi_test_ui_find_chat_row (KoiWindow  *window,
                           const char *peer)
{
  return find_chat_row (GTK_WIDGET (koi_window_get_chat_list_view (window)), chat_has_peer, peer);
}

gboolean
koi_test_ui_open_chat (KoiWindow  *window,
                       const char *peer)
{
  GtkListView *list_view = koi_window_get_chat_list_view (window);
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (list_view));
  guint n = model != NULL ? g_list_model_get_n_items (model) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiChat) chat = g_list_model_get_item (model, i);

      if (g_ascii_strcasecmp (koi_chat_get_peer_address (chat), peer) == 0)
        {
          g_signal_emit_by_name (list_view, "activate", i);
          return TRUE;
        }
    }
  return FALSE;
}

KoiChatRow *
koi_test_ui_find_chat_row_by_id (KoiWindow *window,
                                 gint64     chat_id)
{
  return find_chat_row (GTK_WIDGET (koi_window_get_chat_list_view (window)), chat_has_id, &chat_id);
}

gboolean
koi_test_ui_chat_row_shows (KoiChatRow *row,
                            const char *preview)
{
  return row != NULL && g_strcmp0 (koi_chat_row_get_preview_text (row), preview) == 0;
}
