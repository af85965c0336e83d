/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-edit-history"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-edit-history-dialog.h"
#include "koi-message-extras.h"
#include "koi-ui-format.h"
#include "koi-word-diff.h"

struct _KoiEditHistoryDialog
{
  KoiDialogBase   parent_instance;

  KoiStoreReader *reader;
  gint64          message_id;
  GCancellable   *cancellable;
  GtkWidget      *stack;
  GtkListBox     *list;
  GtkLabel       *status;
  GPtrArray      *markups;   /* char*, newest first */
};

G_DEFINE_FINAL_TYPE (KoiEditHistoryDialog, koi_edit_history_dialog, KOI_TYPE_DIALOG_BASE)

static char *
format_when (gint64     ms,
             GDateTime *now)
{
  g_autofree char *day = koi_ui_format_day (ms, now);
  g_autofree char *clock = koi_ui_format_clock (ms);

  /* TRANSLATORS: when a version of an edited message was written: a day
   * ("Today", "Monday", "3 March 2026") and a time */
  return g_strdup_printf (_("%s, %s"), day, clock);
}

static GtkWidget *
version_row (const char *markup,
             const char *when,
             const char *tag)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *time = gtk_label_new (when);
  GtkWidget *text = gtk_label_new (NULL);
  GtkWidget *row = gtk_list_box_row_new ();

  gtk_widget_add_css_class (time, "caption");
  gtk_widget_add_css_class (time, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (time), 0);
  gtk_widget_set_hexpand (time, TRUE);
  gtk_box_append (GTK_BOX (top), time);
  if (tag != NULL)
    {
      GtkWidget *label = gtk_label_new (tag);

      gtk_widget_add_css_class (label, "caption-heading");
      gtk_box_append (GTK_BOX (top), label);
    }
  gtk_box_append (GTK_BOX (box), top);

  gtk_label_set_markup (GTK_LABEL (text), markup);
  gtk_label_set_xalign (GTK_LABEL (text), 0);
  gtk_label_set_wrap (GTK_LABEL (text), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (text), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (text), TRUE);
  gtk_box_append (GTK_BOX (box), text);

  gtk_widget_set_margin_top (box, 10);
  gtk_widget_set_margin_bottom (box, 10);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  /* Screen readers read the time and the text; the marks are visual. */
  return row;
}

static void
history_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (KoiEditHistoryDialog) self = user_data;
  g_autoptr (GPtrArray) versions = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) now = NULL;

  versions = koi_message_history_load_finish (KOI_STORE_READER (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (versions == NULL || versions->len == 0)
    {
      gtk_label_set_label (self->status, versions == NULL ? error->message
                                                          : _("This message has no earlier versions."));
      return;
    }

  now = g_date_time_new_now_local ();
  for (guint i = 0; i < versions->len; i++)
    {
      KoiMessageVersion *version = g_ptr_array_index (versions, i);
      KoiMessageVersion *older = i + 1 < versions->len ? g_ptr_array_index (versions, i + 1) : NULL;
      g_autofree char *markup = koi_word_diff_markup (older != NULL ? older->text : NULL, version->text);
      g_autofree char *when = format_when (version->written_at_ms, now);
      const char *tag = i == 0 ? _("Current") : older == NULL ? _("Original") : NULL;

      gtk_list_box_append (self->list, version_row (markup, when, tag));
      g_ptr_array_add (self->markups, g_steal_pointer (&markup));
    }
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "list");
}

GtkWidget *
koi_edit_history_dialog_new (KoiStoreReader *reader,
                             gint64          message_id)
{
  KoiEditHistoryDialog *self;

  g_return_val_if_fail (KOI_IS_STORE_READER (reader), NULL);

  self = g_object_new (KOI_TYPE_EDIT_HISTORY_DIALOG, NULL);
  self->reader = g_object_ref (reader);
  self->message_id = message_id;
  koi_message_history_load_async (reader, message_id, self->cancellable, history_loaded,
                                  g_object_ref (self));
  return GTK_WIDGET (self);
}

guint
koi_edit_history_dialog_get_n_versions (KoiEditHistoryDialog *self)
{
  g_return_val_if_fail (KOI_IS_EDIT_HISTORY_DIALOG (self), 0);

  return self->markups->len;
}

const char *
koi_edit_history_dialog_get_markup (KoiEditHistoryDialog *self,
                                    guint                 index)
{
  g_return_val_if_fail (KOI_IS_EDIT_HISTORY_DIALOG (self), NULL);
  g_return_val_if_fail (index < self->markups->len, NULL);

  return g_ptr_array_index (self->markups, index);
}

static void
koi_edit_history_dialog_dispose (GObject *object)
{
  KoiEditHistoryDialog *self = KOI_EDIT_HISTORY_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->reader);

  G_OBJECT_CLASS (koi_edit_history_dialog_parent_class)->dispose (object);
}

static void
koi_edit_history_dialog_finalize (GObject *object)
{
  KoiEditHistoryDialog *self = KOI_EDIT_HISTORY_DIALOG (object);

  g_ptr_array_unref (self->markups);

  G_OBJECT_CLASS (koi_edit_history_dialog_parent_class)->finalize (object);
}

static void
koi_edit_history_dialog_class_init (KoiEditHistoryDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = koi_edit_history_dialog_dispose;
  object_class->finalize = koi_edit_history_dialog_finalize;
  koi_compat_dialog_class_init (GTK_WIDGET_CLASS (klass));
}

static void
koi_edit_history_dialog_init (KoiEditHistoryDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *status = gtk_label_new (_("Loading…"));

  self->cancellable = g_cancellable_new ();
  self->markups = g_ptr_array_new_with_free_func (g_free);

  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  gtk_widget_set_valign (GTK_WIDGET (self->list), GTK_ALIGN_START);
  gtk_widget_set_margin_top (GTK_WIDGET (self->list), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->list), 12);
  gtk_widget_set_margin_start (GTK_WIDGET (self->list), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->list), 12);
  adw_clamp_set_child (ADW_CLAMP (clamp), GTK_WIDGET (self->list));
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);

  self->status = GTK_LABEL (status);
  gtk_label_set_wrap (self->status, TRUE);
  gtk_widget_add_css_class (status, "dim-label");

  self->stack = gtk_stack_new ();
  gtk_widget_set_vexpand (self->stack, TRUE);
  gtk_stack_add_named (GTK_STACK (self->stack), status, "status");
  gtk_stack_add_named (GTK_STACK (self->stack), scrolled, "list");
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "status");
  gtk_box_append (GTK_BOX (box), self->stack);

  gtk_widget_set_name (GTK_WIDGET (self), "koi-edit-history");
  koi_compat_dialog_set_content (self, _("Edit History"), box, 420, 480);
}
