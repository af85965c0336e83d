/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-source-dialog"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "koi-compat-files.h"
#include "koi-engine-error.h"
#include "koi-source-dialog.h"

/* Raw bytes taken per idle callback: GtkTextBuffer inserts about this
 * much in a few milliseconds, so the window keeps drawing and taking
 * input while a large mail goes in. */
#define CHUNK_BYTES (128 * 1024)

struct _KoiSourceDialog
{
  KoiDialogBase  parent_instance;

  KoiAccount    *account;
  gint64         message_id;
  GCancellable  *cancellable;
  GBytes        *source;
  gsize          shown_end;   /* raw bytes that go into the view */
  gsize          position;    /* raw bytes in the view so far */
  guint          fill_id;
  char          *error;

  GtkWidget     *stack;
  GtkWidget     *status;      /* AdwStatusPage for loading and errors */
  GtkWidget     *retry;
  GtkWidget     *note;
  GtkTextView   *view;
  GtkWidget     *copy;
  GtkWidget     *save;
};

G_DEFINE_FINAL_TYPE (KoiSourceDialog, koi_source_dialog, KOI_TYPE_DIALOG_BASE)

static void
append_valid (GString    *out,
              const char *data,
              gsize       len)
{
  g_autofree char *valid = g_utf8_make_valid (data, len);

  g_string_append (out, valid);
}

/* The next piece of the mail as text: whole lines, bytes that are not
 * UTF-8 replaced (the saved file keeps them), overlong lines cut. */
static gboolean
fill_step (gpointer user_data)
{
  KoiSourceDialog *self = user_data;
  const char *data = g_bytes_get_data (self->source, NULL);
  gsize start = self->position;
  g_autoptr (GString) out = g_string_new (NULL);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->view);
  GtkTextIter end;

  while (self->position < self->shown_end && self->position - start < CHUNK_BYTES)
    {
      const char *line = data + self->position;
      gsize left = self->shown_end - self->position;
      const char *eol = memchr (line, '\n', left);
      gsize len = eol != NULL ? (gsize) (eol - line) + 1 : left;

      if (len > KOI_SOURCE_DIALOG_LINE_MAX)
        {
          append_valid (out, line, KOI_SOURCE_DIALOG_LINE_MAX);
          /* TRANSLATORS: after the start of a very long line in a
           * message's source; %s is a size such as "3.2 MB" */
          g_autofree char *size = g_format_size (len - KOI_SOURCE_DIALOG_LINE_MAX);
          g_string_append_printf (out, _(" [… %s more on this line; Save As… keeps all of it]"), size);
          g_string_append_c (out, '\n');
        }
      else
        append_valid (out, line, len);
      self->position += len;
    }

  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_insert (buffer, &end, out->str, (int) out->len);

  if (self->position < self->shown_end)
    return G_SOURCE_CONTINUE;

  self->fill_id = 0;
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "text");
  return G_SOURCE_REMOVE;
}

static void
show_error (KoiSourceDialog *self,
            const char      *title,
            const char      *description,
            gboolean         can_retry)
{
  g_free (self->error);
  self->error = g_strdup_printf ("%s %s", title, description);
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->status),
                                 can_retry ? "network-offline-symbolic" : "dialog-warning-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (self->status), title);
  adw_status_page_set_description (ADW_STATUS_PAGE (self->status), description);
  gtk_widget_set_visible (self->retry, can_retry);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "status");
}

static void show_source (KoiSourceDialog *self,
                         GBytes          *bytes);

static void
source_fetched (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (KoiSourceDialog) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = koi_account_fetch_source_finish (KOI_ACCOUNT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (bytes == NULL)
    {
      g_autofree char *detail = NULL;

      g_message ("Show Source of message %" G_GINT64_FORMAT ": %s", self->message_id, error->message);
      if (g_error_matches (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID))
        {
          show_error (self, _("The Server No Longer Has This Message"),
                      _("It was deleted or moved on the server, by another device or mail "
                        "program. Look for it there (for example in the Trash); the chat "
                        "keeps what Koi showed of it."),
                      FALSE);
          return;
        }
      /* TRANSLATORS: %s is the reason the server gave or the network error */
      detail = g_strdup_printf (_("Check that this computer is online, then try again. (%s)"),
                                error->message);
      show_error (self, _("Cannot Reach the Mail Server"), detail, TRUE);
      return;
    }

  show_source (self, bytes);
}

static void
show_source (KoiSourceDialog *self,
             GBytes          *bytes)
{
  gsize size;

  self->source = g_bytes_ref (bytes);
  size = g_bytes_get_size (self->source);
  self->shown_end = MIN (size, (gsize) KOI_SOURCE_DIALOG_SHOWN_MAX);
  if (size > self->shown_end)
    {
      g_autofree char *whole = g_format_size (size);
      g_autofree char *shown = g_format_size (self->shown_end);
      /* TRANSLATORS: the source of a very large message; both are sizes
       * such as "25.1 MB" */
      g_autofree char *note = g_strdup_printf (_("This message is %s: the first %s are shown. "
                                                 "Save As… saves all of it."), whole, shown);

      gtk_label_set_label (GTK_LABEL (self->note), note);
      gtk_widget_set_visible (self->note, TRUE);
    }
  gtk_widget_set_sensitive (self->copy, TRUE);
  gtk_widget_set_sensitive (self->save, TRUE);
  /* The first piece at once (a small mail needs no more), the rest when
   * the window has drawn and handled input in between. */
  if (fill_step (self) == G_SOURCE_CONTINUE)
    self->fill_id = g_idle_add_full (G_PRIORITY_LOW, fill_step, self, NULL);
}

static void
fetch (KoiSourceDialog *self)
{
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->status), NULL);
  adw_status_page_set_title (ADW_STATUS_PAGE (self->status), _("Fetching the Message…"));
  adw_status_page_set_description (ADW_STATUS_PAGE (self->status),
                                   _("Koi asks the server for the message as it holds it."));
  gtk_widget_set_visible (self->retry, FALSE);
  g_clear_pointer (&self->error, g_free);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "status");
  koi_account_fetch_source_async (self->account, self->message_id, self->cancellable,
                                  source_fetched, g_object_ref (self));
}

static void
on_retry (KoiSourceDialog *self)
{
  fetch (self);
}

static void
on_copy (KoiSourceDialog *self)
{
  g_autofree char *text = NULL;
  gsize size;
  const char *data;

  if (self->source == NULL)
    return;
  /* As text (a string value, which GTK offers as text/plain too), so a
   * paste into Koi's own entries works as well as into other programs;
   * bytes that are not UTF-8 become U+FFFD here, Save As… keeps them. */
  data = g_bytes_get_data (self->source, &size);
  text = g_utf8_make_valid (data, (gssize) size);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
}

static void
saved (GObject      *source,
       GAsyncResult *result,
       gpointer      user_data)
{
  g_autoptr (KoiSourceDialog) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      /* TRANSLATORS: %s is the reason, e.g. "No space left on device" */
      g_autofree char *text = g_strdup_printf (_("Could not save the message: %s"), error->message);

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      gtk_label_set_label (GTK_LABEL (self->note), text);
      gtk_widget_set_visible (self->note, TRUE);
    }
}

static void
save_chosen (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (KoiSourceDialog) self = user_data;
  g_autoptr (GFile) file = koi_compat_save_file_finish (result, NULL);

  if (file == NULL || self->source == NULL)
    return;
  /* The bytes exactly as the server holds them, written off the main
   * thread. */
  g_file_replace_contents_bytes_async (file, self->source, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       self->cancellable, saved, g_object_ref (self));
}

static void
on_save (KoiSourceDialog *self)
{
  /* TRANSLATORS: the file name suggested when saving a message's source;
   * keep the .eml ending */
  koi_compat_save_file (GTK_WIDGET (self), _("Save Message Source"), _("message.eml"),
                        self->cancellable, save_chosen, g_object_ref (self));
}

GtkWidget *
koi_source_dialog_new (KoiAccount *account,
                       gint64      message_id)
{
  KoiSourceDialog *self;

  g_return_val_if_fail (KOI_IS_ACCOUNT (account), NULL);

  self = g_object_new (KOI_TYPE_SOURCE_DIALOG, NULL);
  self->account = g_object_ref (account);
  self->message_id = message_id;
  fetch (self);
  return GTK_WIDGET (self);
}

GtkWidget *
koi_source_dialog_new_for_bytes (GBytes *source)
{
  KoiSourceDialog *self;

  g_return_val_if_fail (source != NULL, NULL);

  self = g_object_new (KOI_TYPE_SOURCE_DIALOG, NULL);
  show_source (self, source);
  return GTK_WIDGET (self);
}

const char *
koi_source_dialog_get_state (KoiSourceDialog *self)
{
  g_return_val_if_fail (KOI_IS_SOURCE_DIALOG (self), NULL);

  if (self->error != NULL)
    return "error";
  if (self->source != NULL && self->fill_id == 0)
    return "text";
  return "loading";
}

char *
koi_source_dialog_get_text (KoiSourceDialog *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (KOI_IS_SOURCE_DIALOG (self), NULL);

  buffer = gtk_text_view_get_buffer (self->view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

const char *
koi_source_dialog_get_error (KoiSourceDialog *self)
{
  g_return_val_if_fail (KOI_IS_SOURCE_DIALOG (self), NULL);

  return self->error;
}

static void
koi_source_dialog_dispose (GObject *object)
{
  KoiSourceDialog *self = KOI_SOURCE_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->fill_id, g_source_remove);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->account);
  g_clear_pointer (&self->source, g_bytes_unref);

  G_OBJECT_CLASS (koi_source_dialog_parent_class)->dispose (object);
}

static void
koi_source_dialog_finalize (GObject *object)
{
  KoiSourceDialog *self = KOI_SOURCE_DIALOG (object);

  g_free (self->error);

  G_OBJECT_CLASS (koi_source_dialog_parent_class)->finalize (object);
}

static void
koi_source_dialog_class_init (KoiSourceDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = koi_source_dialog_dispose;
  object_class->finalize = koi_source_dialog_finalize;
  koi_compat_dialog_class_init (GTK_WIDGET_CLASS (klass));
}

static void
koi_source_dialog_init (KoiSourceDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  self->cancellable = g_cancellable_new ();

  /* Both buttons wait for the mail. */
  self->copy = gtk_button_new_with_mnemonic (_("_Copy"));
  gtk_widget_set_tooltip_text (self->copy, _("Copy the whole source"));
  gtk_widget_set_sensitive (self->copy, FALSE);
  g_signal_connect_object (self->copy, "clicked", G_CALLBACK (on_copy), self, G_CONNECT_SWAPPED);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), self->copy);
  self->save = gtk_button_new_with_mnemonic (_("_Save As…"));
  gtk_widget_set_sensitive (self->save, FALSE);
  g_signal_connect_object (self->save, "clicked", G_CALLBACK (on_save), self, G_CONNECT_SWAPPED);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->save);
  gtk_box_append (GTK_BOX (box), header);

  self->note = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->note), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->note), 0);
  gtk_widget_add_css_class (self->note, "dim-label");
  gtk_widget_set_margin_start (self->note, 12);
  gtk_widget_set_margin_end (self->note, 12);
  gtk_widget_set_margin_top (self->note, 6);
  gtk_widget_set_margin_bottom (self->note, 6);
  gtk_widget_set_visible (self->note, FALSE);
  gtk_box_append (GTK_BOX (box), self->note);

  /* Selectable, not editable; the caret lets the keyboard select too. */
  self->view = GTK_TEXT_VIEW (gtk_text_view_new ());
  gtk_text_view_set_editable (self->view, FALSE);
  gtk_text_view_set_monospace (self->view, TRUE);
  gtk_text_view_set_wrap_mode (self->view, GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_left_margin (self->view, 12);
  gtk_text_view_set_right_margin (self->view, 12);
  gtk_text_view_set_top_margin (self->view, 12);
  gtk_text_view_set_bottom_margin (self->view, 12);
  gtk_widget_set_name (GTK_WIDGET (self->view), "koi-source-text");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->view));
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);

  self->status = adw_status_page_new ();
  self->retry = gtk_button_new_with_mnemonic (_("_Try Again"));
  gtk_widget_set_halign (self->retry, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->retry, "pill");
  g_signal_connect_object (self->retry, "clicked", G_CALLBACK (on_retry), self, G_CONNECT_SWAPPED);
  adw_status_page_set_child (ADW_STATUS_PAGE (self->status), self->retry);

  self->stack = gtk_stack_new ();
  gtk_widget_set_vexpand (self->stack, TRUE);
  gtk_stack_add_named (GTK_STACK (self->stack), self->status, "status");
  gtk_stack_add_named (GTK_STACK (self->stack), scrolled, "text");
  gtk_box_append (GTK_BOX (box), self->stack);

  gtk_widget_set_name (GTK_WIDGET (self), "koi-source-dialog");
  koi_compat_dialog_set_content (self, _("Message Source"), box, 720, 560);
}
