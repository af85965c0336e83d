/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-composer"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-compat.h"
#include "koi-composer.h"

struct _KoiComposer
{
  GtkWidget    parent_instance;

  GtkWidget   *placeholder;   /* "Write a message…" while the text is empty */

  GtkTextView *text_view;
  GtkWidget   *send_button;
  GtkWidget   *mode_bar;
  GtkImage    *mode_icon;
  GtkLabel    *mode_title;
  GtkLabel    *mode_detail;

  KoiComposerMode mode;
};

G_DEFINE_FINAL_TYPE (KoiComposer, koi_composer, GTK_TYPE_WIDGET)

enum {
  SIGNAL_SEND,
  SIGNAL_CANCEL,
  SIGNAL_EDIT_LAST,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

GtkWidget *
koi_composer_new (void)
{
  return g_object_new (KOI_TYPE_COMPOSER, NULL);
}

static char *
dup_buffer_text (KoiComposer *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* Leading and trailing blank lines and spaces are never meant to be sent;
 * inner line breaks are. */
char *
koi_composer_dup_text (KoiComposer *self)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (KOI_IS_COMPOSER (self), NULL);

  text = dup_buffer_text (self);
  return g_strdup (g_strstrip (text));
}

gboolean
koi_composer_can_send (KoiComposer *self)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (KOI_IS_COMPOSER (self), FALSE);

  text = koi_composer_dup_text (self);
  return *text != '\0';
}

void
koi_composer_set_text (KoiComposer *self,
                       const char  *text)
{
  g_return_if_fail (KOI_IS_COMPOSER (self));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view),
                            text != NULL ? text : "", -1);
}

GtkTextView *
koi_composer_get_text_view (KoiComposer *self)
{
  g_return_val_if_fail (KOI_IS_COMPOSER (self), NULL);

  return self->text_view;
}

GtkWidget *
koi_composer_get_send_button (KoiComposer *self)
{
  g_return_val_if_fail (KOI_IS_COMPOSER (self), NULL);

  return self->send_button;
}

void
koi_composer_send (KoiComposer *self)
{
  g_autofree char *text = NULL;

  g_return_if_fail (KOI_IS_COMPOSER (self));

  text = koi_composer_dup_text (self);
  if (*text == '\0')
    return;

  /* Clear first: a handler may put the text back if it cannot take it. */
  koi_composer_set_text (self, NULL);
  g_signal_emit (self, signals[SIGNAL_SEND], 0, text);
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

void
koi_composer_set_mode (KoiComposer     *self,
                       KoiComposerMode  mode,
                       const char      *detail)
{
  g_return_if_fail (KOI_IS_COMPOSER (self));

  self->mode = mode;
  gtk_widget_set_visible (self->mode_bar, mode != KOI_COMPOSER_NEW);
  gtk_label_set_label (self->mode_title,
                       mode == KOI_COMPOSER_EDITING ? _("Editing") : _("Reply"));
  gtk_image_set_from_icon_name (self->mode_icon,
                                mode == KOI_COMPOSER_EDITING ? "document-edit-symbolic"
                                                             : "mail-reply-sender-symbolic");
  gtk_label_set_label (self->mode_detail, detail != NULL ? detail : "");
  gtk_widget_set_visible (GTK_WIDGET (self->mode_detail), detail != NULL && *detail != '\0');
}

KoiComposerMode
koi_composer_get_mode (KoiComposer *self)
{
  g_return_val_if_fail (KOI_IS_COMPOSER (self), KOI_COMPOSER_NEW);

  return self->mode;
}

static void
cancel_mode (KoiComposer *self)
{
  gboolean editing = self->mode == KOI_COMPOSER_EDITING;

  if (self->mode == KOI_COMPOSER_NEW)
    return;
  koi_composer_set_mode (self, KOI_COMPOSER_NEW, NULL);
  /* The edited text was never the user's new message. */
  if (editing)
    koi_composer_set_text (self, NULL);
  g_signal_emit (self, signals[SIGNAL_CANCEL], 0);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  cancel_mode (KOI_COMPOSER (widget));
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  koi_composer_send (KOI_COMPOSER (widget));
}

static void
on_buffer_changed (KoiComposer   *self,
                   GtkTextBuffer *buffer)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.send",
                                 koi_composer_can_send (self));
  gtk_widget_set_visible (self->placeholder, gtk_text_buffer_get_char_count (buffer) == 0);
}

/* Runs in the capture phase, before GtkTextView inserts the line break. */
static gboolean
on_key_pressed (KoiComposer           *self,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                GtkEventControllerKey *controller)
{
  if (keyval == GDK_KEY_Escape && self->mode != KOI_COMPOSER_NEW)
    {
      cancel_mode (self);
      return GDK_EVENT_STOP;
    }
  /* Up in an empty entry edits the last own message, as in most chat apps. */
  if ((keyval == GDK_KEY_Up || keyval == GDK_KEY_KP_Up) && (state & GDK_MODIFIER_MASK) == 0 &&
      self->mode == KOI_COMPOSER_NEW)
    {
      g_autofree char *text = dup_buffer_text (self);

      if (*text == '\0')
        {
          g_signal_emit (self, signals[SIGNAL_EDIT_LAST], 0);
          return GDK_EVENT_STOP;
        }
    }

  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return GDK_EVENT_PROPAGATE;

  /* Shift+Enter, and Enter with any other modifier, stay a new line. */
  if ((state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return GDK_EVENT_PROPAGATE;

  koi_composer_send (self);
  return GDK_EVENT_STOP;
}

static gboolean
koi_composer_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (KOI_COMPOSER (widget)->text_view));
}

static void
koi_composer_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), KOI_TYPE_COMPOSER);
  /* GTK 4.8 unparents only the template children that have an id. */
  koi_widget_unparent_children (GTK_WIDGET (object));

  G_OBJECT_CLASS (koi_composer_parent_class)->dispose (object);
}

static void
koi_composer_class_init (KoiComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_composer_dispose;
  widget_class->grab_focus = koi_composer_grab_focus;

  /**
   * KoiComposer::send:
   * @text: the trimmed, non-empty text to send
   */
  signals[SIGNAL_SEND] =
    g_signal_new ("send", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * KoiComposer::cancel:
   *
   * The user left editing or replying (Cancel, or Escape).
   */
  signals[SIGNAL_CANCEL] =
    g_signal_new ("cancel", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * KoiComposer::edit-last:
   *
   * Up was pressed in the empty entry.
   */
  signals[SIGNAL_EDIT_LAST] =
    g_signal_new ("edit-last", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/koi-composer.ui");
  gtk_widget_class_bind_template_child (widget_class, KoiComposer, mode_bar);
  gtk_widget_class_bind_template_child (widget_class, KoiComposer, placeholder);
  gtk_widget_class_bind_template_child (widget_class, KoiComposer, mode_icon);
  gtk_widget_class_bind_template_child (widget_class, KoiComposer, mode_title);
  gtk_widget_class_bind_template_child (widget_class, KoiComposer, mode_detail);
  gtk_widget_class_install_action (widget_class, "composer.cancel", NULL, cancel_action);
  gtk_widget_class_bind_template_child (widget_class, KoiComposer, text_view);
  gtk_widget_class_bind_template_child (widget_class, KoiComposer, send_button);

  gtk_widget_class_install_action (widget_class, "composer.send", NULL, send_action);
  gtk_widget_class_set_css_name (widget_class, "koi-composer");
}

static void
koi_composer_init (KoiComposer *self)
{
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (on_key_pressed),
                           self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), keys);

  g_signal_connect_object (gtk_text_view_get_buffer (self->text_view), "changed",
                           G_CALLBACK (on_buffer_changed), self, G_CONNECT_SWAPPED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.send", FALSE);
}
