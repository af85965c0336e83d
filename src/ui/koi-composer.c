/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-composer"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-attachment-chip.h"
#include "koi-compat.h"
#include "koi-compat-files.h"
#include "koi-composer.h"
#include "koi-pending-file.h"

struct _KoiComposer
{
  GtkWidget    parent_instance;

  GtkTextView *text_view;
  GtkWidget   *send_button;
  GtkWidget   *mode_bar;
  GtkImage    *mode_icon;
  GtkLabel    *mode_title;
  GtkLabel    *mode_detail;
  GtkWidget   *files_bar;
  GtkWidget   *chips_box;
  GtkWidget   *original_check;
  GtkWidget   *attach_button;

  KoiComposerMode mode;

  /* Files to send with the next message (KoiPendingFile), in order; the
   * largest file the server takes; the reads of files still being added. */
  GListStore   *files;
  guint64       size_limit;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (KoiComposer, koi_composer, GTK_TYPE_WIDGET)

enum {
  SIGNAL_SEND,
  SIGNAL_CANCEL,
  SIGNAL_EDIT_LAST,
  SIGNAL_SEND_FILES,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void rebuild_chips (KoiComposer *self);

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

  if (g_list_model_get_n_items (G_LIST_MODEL (self->files)) > 0 && self->mode != KOI_COMPOSER_EDITING)
    return TRUE;
  text = koi_composer_dup_text (self);
  return *text != '\0';
}

static void
update_send_enabled (KoiComposer *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.send",
                                 koi_composer_can_send (self));
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

  if (!koi_composer_can_send (self))
    return;
  text = koi_composer_dup_text (self);

  /* Clear first: a handler may put the text back if it cannot take it. */
  koi_composer_set_text (self, NULL);
  if (g_list_model_get_n_items (G_LIST_MODEL (self->files)) > 0 && self->mode != KOI_COMPOSER_EDITING)
    {
      g_autoptr (GListStore) files = g_steal_pointer (&self->files);
      gboolean original = gtk_check_button_get_active (GTK_CHECK_BUTTON (self->original_check));

      /* Files still being read join the next message. */
      self->files = g_list_store_new (KOI_TYPE_PENDING_FILE);
      rebuild_chips (self);
      g_signal_emit (self, signals[SIGNAL_SEND_FILES], 0, text, files, original);
    }
  else
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
  update_send_enabled (self);
}

/* ------------------------------------------------------------------ */
/* Files waiting to be sent */

GListModel *
koi_composer_get_files (KoiComposer *self)
{
  g_return_val_if_fail (KOI_IS_COMPOSER (self), NULL);

  return G_LIST_MODEL (self->files);
}

void
koi_composer_set_size_limit (KoiComposer *self,
                             guint64      bytes)
{
  g_return_if_fail (KOI_IS_COMPOSER (self));

  self->size_limit = bytes > 0 ? bytes : KOI_COMPOSER_DEFAULT_SIZE_LIMIT;
}

static void
rebuild_chips (KoiComposer *self)
{
  GListModel *files = G_LIST_MODEL (self->files);
  guint n = g_list_model_get_n_items (files);
  gboolean images = FALSE;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->chips_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->chips_box), child);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiPendingFile) file = g_list_model_get_item (files, i);
      GtkWidget *chip = koi_attachment_chip_new (file);

      images |= koi_pending_file_is_image (file);
      g_signal_connect_object (chip, "remove", G_CALLBACK (koi_composer_remove_file),
                               self, G_CONNECT_SWAPPED);
      gtk_box_append (GTK_BOX (self->chips_box), chip);
    }
  gtk_widget_set_visible (self->files_bar, n > 0);
  gtk_widget_set_visible (self->original_check, images);
  if (!images)
    gtk_check_button_set_active (GTK_CHECK_BUTTON (self->original_check), FALSE);
  update_send_enabled (self);
}

void
koi_composer_clear_files (KoiComposer *self)
{
  guint n;

  g_return_if_fail (KOI_IS_COMPOSER (self));

  /* Files still being read were meant for these too. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  n = g_list_model_get_n_items (G_LIST_MODEL (self->files));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiPendingFile) file = g_list_model_get_item (G_LIST_MODEL (self->files), i);

      koi_pending_file_discard (file);
    }
  g_list_store_remove_all (self->files);
  rebuild_chips (self);
}

/* The chip's "remove": the file goes, and the focus back to the entry
 * (the chip's button it was on is gone). */
void
koi_composer_remove_file (KoiComposer       *self,
                          KoiAttachmentChip *chip)
{
  KoiPendingFile *file = koi_attachment_chip_get_file (chip);
  guint position;

  if (g_list_store_find (self->files, file, &position))
    {
      koi_pending_file_discard (file);
      g_list_store_remove (self->files, position);
    }
  rebuild_chips (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

static void
show_refusal (KoiComposer *self,
              const char  *heading,
              const char  *body)
{
  GtkWidget *alert = koi_compat_alert_new (heading, body);

  koi_compat_alert_add_response (alert, "close", _("_Close"), ADW_RESPONSE_DEFAULT);
  koi_compat_alert_set_responses (alert, "close", "close");
  gtk_widget_set_name (alert, "koi-attach-refused");
  koi_compat_alert_present (alert, GTK_WIDGET (self));
}

static void
file_loaded (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (KoiComposer) self = user_data;
  KoiPendingFile *file = KOI_PENDING_FILE (source);
  g_autoptr (GError) error = NULL;

  if (!koi_pending_file_load_finish (file, result, &error))
    {
      g_autofree char *body = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* TRANSLATORS: %s is the file's name, then why it cannot be read */
      body = g_strdup_printf (_("“%s” cannot be read: %s"), koi_pending_file_get_name (file), error->message);
      show_refusal (self, _("File Not Attached"), body);
      return;
    }

  /* Said now, not after the upload failed: the server would refuse it
   * whole, and the user can still share it some other way. */
  if (koi_pending_file_get_size (file) > self->size_limit)
    {
      g_autofree char *size = g_format_size (koi_pending_file_get_size (file));
      g_autofree char *limit = g_format_size (self->size_limit);
      g_autofree char *body = NULL;

      /* TRANSLATORS: "holiday.mov" is 30.0 MB; the mail server takes files up to 25.0 MB. */
      body = g_strdup_printf (_("“%s” is %s; the mail server takes files up to %s. "
                                "Send a smaller file, or share it another way."),
                              koi_pending_file_get_name (file), size, limit);
      koi_pending_file_discard (file);
      show_refusal (self, _("File Too Large"), body);
      return;
    }

  g_list_store_append (self->files, file);
  rebuild_chips (self);
}

void
koi_composer_add_file (KoiComposer *self,
                       GFile       *file,
                       gboolean     temporary)
{
  g_autoptr (KoiPendingFile) pending = NULL;

  g_return_if_fail (KOI_IS_COMPOSER (self));
  g_return_if_fail (G_IS_FILE (file));

  pending = koi_pending_file_new (file, temporary);
  koi_pending_file_load_async (pending, self->cancellable, file_loaded, g_object_ref (self));
}

void
koi_composer_add_files (KoiComposer *self,
                        GListModel  *files)
{
  guint n;

  g_return_if_fail (KOI_IS_COMPOSER (self));
  g_return_if_fail (G_IS_LIST_MODEL (files));

  n = g_list_model_get_n_items (files);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GFile) file = g_list_model_get_item (files, i);

      koi_composer_add_file (self, file, FALSE);
    }
}

static void
files_chosen (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (KoiComposer) self = user_data;
  g_autoptr (GListModel) files = NULL;
  g_autoptr (GError) error = NULL;

  files = koi_compat_open_files_finish (result, &error);
  if (files == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("No file chooser: %s", error->message);
      return;
    }
  koi_composer_add_files (self, files);
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

static void
attach_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  KoiComposer *self = KOI_COMPOSER (widget);

  koi_compat_open_files (widget, _("Attach Files"), self->cancellable, files_chosen,
                         g_object_ref (self));
}

/* Pasting: files copied in a file manager, or an image (a screenshot, an
 * image copied in a browser) saved as a PNG to send; text as usual. */
static void
paste_files_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (KoiComposer) self = user_data;
  g_autoptr (GError) error = NULL;
  const GValue *value;

  value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (source), result, &error);
  if (value == NULL)
    {
      g_debug ("Pasting files: %s", error->message);
      return;
    }
  for (GSList *l = g_value_get_boxed (value); l != NULL; l = l->next)
    koi_composer_add_file (self, l->data, FALSE);
}

static void
save_png_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GdkTexture *texture = task_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("koi-paste-XXXXXX", &error);
  g_autofree char *path = NULL;
  /* TRANSLATORS: the name of an image pasted into a message, before ".png" */
  g_autofree char *name = g_strconcat (_("Pasted Image"), ".png", NULL);

  if (dir == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  path = g_build_filename (dir, name, NULL);
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write %s"), path);
      return;
    }
  g_task_return_pointer (task, g_file_new_for_path (path), g_object_unref);
}

static void
paste_png_saved (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  KoiComposer *self = KOI_COMPOSER (source);
  g_autoptr (GFile) file = NULL;
  g_autoptr (GError) error = NULL;

  file = g_task_propagate_pointer (G_TASK (result), &error);
  if (file == NULL)
    {
      show_refusal (self, _("File Not Attached"), error->message);
      return;
    }
  koi_composer_add_file (self, file, TRUE);
}

static void
paste_texture_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (KoiComposer) self = user_data;
  g_autoptr (GdkTexture) texture = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GTask) task = NULL;

  texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, &error);
  if (texture == NULL)
    {
      g_debug ("Pasting an image: %s", error->message);
      return;
    }
  /* Encoding a large screenshot takes long enough to drop frames. */
  task = g_task_new (self, self->cancellable, paste_png_saved, NULL);
  g_task_set_task_data (task, g_steal_pointer (&texture), g_object_unref);
  g_task_run_in_thread (task, save_png_thread);
}

gboolean
koi_composer_paste (KoiComposer  *self,
                    GdkClipboard *clipboard)
{
  GdkContentFormats *formats;

  g_return_val_if_fail (KOI_IS_COMPOSER (self), FALSE);

  formats = gdk_clipboard_get_formats (clipboard);
  if (self->mode == KOI_COMPOSER_EDITING)
    return FALSE;
  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    {
      gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT,
                                      self->cancellable, paste_files_done, g_object_ref (self));
      return TRUE;
    }
  /* Text wins where there is any: a copied web page carries images too. */
  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE) &&
      !gdk_content_formats_contain_gtype (formats, G_TYPE_STRING))
    {
      gdk_clipboard_read_texture_async (clipboard, self->cancellable, paste_texture_done,
                                        g_object_ref (self));
      return TRUE;
    }
  return FALSE;
}

static void
on_paste_clipboard (KoiComposer *self,
                    GtkTextView *text_view)
{
  if (koi_composer_paste (self, gtk_widget_get_clipboard (GTK_WIDGET (text_view))))
    g_signal_stop_emission_by_name (text_view, "paste-clipboard");
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
  KoiComposer *self = KOI_COMPOSER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->files != NULL)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->files));

      /* Pasted images nobody sent. */
      for (guint i = 0; i < n; i++)
        {
          g_autoptr (KoiPendingFile) file = g_list_model_get_item (G_LIST_MODEL (self->files), i);

          koi_pending_file_discard (file);
        }
      g_clear_object (&self->files);
    }
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
   * KoiComposer::send-files:
   * @text: the trimmed text, the first file's caption (may be empty)
   * @files: the KoiPendingFile to send, in order (a GListModel)
   * @original: TRUE to send images as they are
   */
  signals[SIGNAL_SEND_FILES] =
    g_signal_new ("send-files", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_LIST_MODEL, G_TYPE_BOOLEAN);

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
  gtk_widget_class_bind_template_child (widget_class, KoiComposer, mode_icon);
  gtk_widget_class_bind_template_child (widget_class, KoiComposer, mode_title);
  gtk_widget_class_bind_template_child (widget_class, KoiComposer, mode_detail);
  gtk_widget_class_install_action (widget_class, "composer.cancel", NULL, cancel_action);
  gtk_widget_class_bind_template_child (widget_class, KoiComposer, text_view);
  gtk_widget_class_bind_template_child (widget_class, KoiComposer, send_button);
  gtk_widget_class_bind_template_child (widget_class, KoiComposer, files_bar);
  gtk_widget_class_bind_template_child (widget_class, KoiComposer, chips_box);
  gtk_widget_class_bind_template_child (widget_class, KoiComposer, original_check);
  gtk_widget_class_bind_template_child (widget_class, KoiComposer, attach_button);
  gtk_widget_class_install_action (widget_class, "composer.attach", NULL, attach_action);

  gtk_widget_class_install_action (widget_class, "composer.send", NULL, send_action);
  gtk_widget_class_set_css_name (widget_class, "koi-composer");
}

static void
koi_composer_init (KoiComposer *self)
{
  GtkEventController *keys;

  self->files = g_list_store_new (KOI_TYPE_PENDING_FILE);
  self->size_limit = KOI_COMPOSER_DEFAULT_SIZE_LIMIT;
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_object (self->text_view, "paste-clipboard", G_CALLBACK (on_paste_clipboard),
                           self, G_CONNECT_SWAPPED);

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (on_key_pressed),
                           self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), keys);

  g_signal_connect_object (gtk_text_view_get_buffer (self->text_view), "changed",
                           G_CALLBACK (on_buffer_changed), self, G_CONNECT_SWAPPED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.send", FALSE);
}
