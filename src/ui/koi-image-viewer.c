/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-image-viewer"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-compat-files.h"
#include "koi-image-file.h"
#include "koi-image-viewer.h"

/* Enough for a 4K screen; a 50-megapixel photo would take 200 MB. */
#define VIEWER_SIDE 2560
/* Zoom is relative to the fitted size: 1 fits the window; each step
 * (Ctrl+plus, a notch of Ctrl+scroll) is a quarter more. */
#define ZOOM_STEP 1.25
#define ZOOM_MAX  16.0

struct _KoiImageViewer
{
  KoiDialogBase  parent_instance;

  KoiAttachment *attachment;
  GCancellable  *cancellable;
  GtkPicture    *picture;
  GtkWidget     *scroller;
  GtkWidget     *stack;
  double         zoom;        /* 1 = fit */
  double         pinch_start; /* the zoom when a pinch began */
  double         pointer_x;   /* where the pointer is over the scroller; -1: not there */
  double         pointer_y;
  double         scroll_x;    /* where to scroll once the zoomed size is laid out */
  double         scroll_y;
  GdkFrameClock *layout_clock;  /* while scroll_x, scroll_y wait for a layout */
  gulong         layout_handler;
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
  gtk_stack_set_visible_child (GTK_STACK (self->stack), self->scroller);
}

/* The picture's size at zoom 1: the image scaled into the viewport. */
static gboolean
fitted_size (KoiImageViewer *self,
             double         *width,
             double         *height)
{
  GdkPaintable *paintable = gtk_picture_get_paintable (self->picture);
  double view_w = gtk_widget_get_width (self->scroller);
  double view_h = gtk_widget_get_height (self->scroller);
  double image_w, image_h, scale;

  if (paintable == NULL || view_w <= 0 || view_h <= 0)
    return FALSE;
  image_w = gdk_paintable_get_intrinsic_width (paintable);
  image_h = gdk_paintable_get_intrinsic_height (paintable);
  if (image_w <= 0 || image_h <= 0)
    return FALSE;
  scale = MIN (view_w / image_w, view_h / image_h);
  *width = image_w * scale;
  *height = image_h * scale;
  return TRUE;
}

/* Where the image starts inside the picture at @zoom along one axis: the
 * picture is at least the viewport's size and centres the image in it. */
static double
image_offset (double fit,
              double zoom,
              double view)
{
  return (MAX (fit * zoom, view) - fit * zoom) / 2;
}

static void
stop_waiting_for_layout (KoiImageViewer *self)
{
  if (self->layout_clock == NULL)
    return;
  g_clear_signal_handler (&self->layout_handler, self->layout_clock);
  g_clear_object (&self->layout_clock);
}

static void
scroll_after_layout (KoiImageViewer *self)
{
  gtk_adjustment_set_value (gtk_scrolled_window_get_hadjustment (GTK_SCROLLED_WINDOW (self->scroller)), self->scroll_x);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scroller)), self->scroll_y);
  stop_waiting_for_layout (self);
}

/* Zoomed in, the picture asks for its zoomed size and the scroller lets it
 * be moved around; at 1 it fits again. The point of the image under @x, @y
 * (in the viewport; negative: its centre) stays where it is. */
static void
set_zoom (KoiImageViewer *self,
          double          zoom,
          double          x,
          double          y)
{
  GtkAdjustment *h = gtk_scrolled_window_get_hadjustment (GTK_SCROLLED_WINDOW (self->scroller));
  GtkAdjustment *v = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scroller));
  GdkFrameClock *clock = gtk_widget_get_frame_clock (self->scroller);
  double fit_w, fit_h, old = self->zoom;
  double view_w = gtk_widget_get_width (self->scroller);
  double view_h = gtk_widget_get_height (self->scroller);
  double image_x, image_y;

  zoom = CLAMP (zoom, 1.0, ZOOM_MAX);
  g_return_if_fail (h != NULL && v != NULL);
  if (!fitted_size (self, &fit_w, &fit_h) || zoom == old)
    return;
  if (x < 0 || y < 0)
    {
      x = view_w / 2;
      y = view_h / 2;
    }
  /* The point in the image at zoom 1, from where the last zoom asked to
   * scroll if its layout has not come yet. */
  image_x = ((self->layout_clock != NULL ? self->scroll_x : gtk_adjustment_get_value (h))
             + x - image_offset (fit_w, old, view_w)) / old;
  image_y = ((self->layout_clock != NULL ? self->scroll_y : gtk_adjustment_get_value (v))
             + y - image_offset (fit_h, old, view_h)) / old;
  self->zoom = zoom;

  if (zoom == 1.0)
    {
      stop_waiting_for_layout (self);
      gtk_widget_set_size_request (GTK_WIDGET (self->picture), -1, -1);
      gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller),
                                      GTK_POLICY_NEVER, GTK_POLICY_NEVER);
      return;
    }
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller),
                                  GTK_POLICY_AUTOMATIC, GTK_POLICY_AUTOMATIC);
  /* The fitted size is the viewport's in one direction; the picture keeps
   * its centre in the other while it is still smaller. */
  gtk_widget_set_size_request (GTK_WIDGET (self->picture),
                               (int) MAX (fit_w * zoom, view_w), (int) MAX (fit_h * zoom, view_h));
  self->scroll_x = image_offset (fit_w, zoom, view_w) + image_x * zoom - x;
  self->scroll_y = image_offset (fit_h, zoom, view_h) + image_y * zoom - y;
  /* The adjustments learn the new size in the layout phase of the next
   * frame, after the tick callbacks: a value set before it would be
   * clamped to the old size (at zoom 1 to 0, the top-left corner). */
  if (clock == NULL)
    {
      scroll_after_layout (self);
      return;
    }
  if (self->layout_clock == NULL)
    {
      self->layout_clock = g_object_ref (clock);
      self->layout_handler = g_signal_connect_object (clock, "layout", G_CALLBACK (scroll_after_layout),
                                                      self, G_CONNECT_SWAPPED | G_CONNECT_AFTER);
    }
  gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_LAYOUT);
}

static void
zoom_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  KoiImageViewer *self = KOI_IMAGE_VIEWER (widget);

  if (g_str_equal (action_name, "viewer.zoom-in"))
    set_zoom (self, self->zoom * ZOOM_STEP, -1, -1);
  else if (g_str_equal (action_name, "viewer.zoom-out"))
    set_zoom (self, self->zoom / ZOOM_STEP, -1, -1);
  else
    set_zoom (self, 1.0, -1, -1);
}

/* Ctrl+scroll zooms about the pointer; plain scrolling moves. The
 * pointer's place comes from its motion: a scroll event's own position is
 * not there on every backend (X11 gives NaN for wheel clicks). */
static gboolean
on_scroll (KoiImageViewer           *self,
           double                    dx,
           double                    dy,
           GtkEventControllerScroll *controller)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  if (!(state & GDK_CONTROL_MASK) || dy == 0)
    return FALSE;
  /* One step a notch, whatever the notch's size (smooth scrolling sends
   * many small ones: those add up through repeated events). */
  set_zoom (self, dy < 0 ? self->zoom * ZOOM_STEP : self->zoom / ZOOM_STEP, self->pointer_x, self->pointer_y);
  return TRUE;
}

static void
on_pointer_motion (KoiImageViewer *self,
                   double          x,
                   double          y)
{
  self->pointer_x = x;
  self->pointer_y = y;
}

static void
on_pointer_leave (KoiImageViewer *self)
{
  self->pointer_x = self->pointer_y = -1;
}

static void
on_pinch_begin (KoiImageViewer *self)
{
  self->pinch_start = self->zoom;
}

static void
on_pinch (KoiImageViewer *self,
          double          scale,
          GtkGestureZoom *gesture)
{
  double x = -1, y = -1;

  gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y);
  set_zoom (self, self->pinch_start * scale, x, y);
}

double
koi_image_viewer_get_zoom (KoiImageViewer *self)
{
  g_return_val_if_fail (KOI_IS_IMAGE_VIEWER (self), 1.0);

  return self->zoom;
}

GtkWidget *
koi_image_viewer_get_picture (KoiImageViewer *self)
{
  g_return_val_if_fail (KOI_IS_IMAGE_VIEWER (self), NULL);

  return GTK_WIDGET (self->picture);
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
  stop_waiting_for_layout (self);

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
  gtk_widget_class_install_action (widget_class, "viewer.zoom-in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "viewer.zoom-out", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "viewer.zoom-reset", NULL, zoom_action);
  /* As in image viewers and browsers: Ctrl+plus (or equal, the same key
   * unshifted), Ctrl+minus, Ctrl+0 back to fitting the window. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, "viewer.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, "viewer.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, GDK_CONTROL_MASK, "viewer.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, "viewer.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, GDK_CONTROL_MASK, "viewer.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "viewer.zoom-reset", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_0, GDK_CONTROL_MASK, "viewer.zoom-reset", NULL);
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

  /* Fitted, the scroller never scrolls; zoomed in, it moves the picture. */
  self->zoom = 1.0;
  self->pointer_x = self->pointer_y = -1;
  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller), GTK_POLICY_NEVER, GTK_POLICY_NEVER);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), GTK_WIDGET (self->picture));
  {
    GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
    GtkEventController *motion = gtk_event_controller_motion_new ();
    GtkGesture *pinch = gtk_gesture_zoom_new ();

    /* Before the scroller's own handler, which would scroll instead. */
    gtk_event_controller_set_propagation_phase (scroll, GTK_PHASE_CAPTURE);
    g_signal_connect_object (scroll, "scroll", G_CALLBACK (on_scroll), self, G_CONNECT_SWAPPED);
    gtk_widget_add_controller (self->scroller, scroll);
    g_signal_connect_object (motion, "enter", G_CALLBACK (on_pointer_motion), self, G_CONNECT_SWAPPED);
    g_signal_connect_object (motion, "motion", G_CALLBACK (on_pointer_motion), self, G_CONNECT_SWAPPED);
    g_signal_connect_object (motion, "leave", G_CALLBACK (on_pointer_leave), self, G_CONNECT_SWAPPED);
    gtk_widget_add_controller (self->scroller, motion);
    g_signal_connect_object (pinch, "begin", G_CALLBACK (on_pinch_begin), self, G_CONNECT_SWAPPED);
    g_signal_connect_object (pinch, "scale-changed", G_CALLBACK (on_pinch), self, G_CONNECT_SWAPPED);
    gtk_widget_add_controller (self->scroller, GTK_EVENT_CONTROLLER (pinch));
  }

  self->stack = gtk_stack_new ();
  gtk_widget_set_vexpand (self->stack, TRUE);
  gtk_widget_set_hexpand (self->stack, TRUE);
  gtk_stack_add_child (GTK_STACK (self->stack), status);
  gtk_stack_add_child (GTK_STACK (self->stack), self->scroller);
  gtk_stack_set_visible_child (GTK_STACK (self->stack), status);
  gtk_box_append (GTK_BOX (box), self->stack);

  gtk_widget_set_name (GTK_WIDGET (self), "koi-image-viewer");
}
