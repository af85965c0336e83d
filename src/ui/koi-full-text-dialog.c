/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-full-text"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "koi-full-text-dialog.h"

/* A paragraph longer than this goes into the view in pieces of this
 * size, each on a line of its own: GtkTextView lays out a whole paragraph
 * at once, and one megabyte on one line took 10 s here; in pieces only
 * those near the view are laid out before it is drawn. Copy keeps the
 * exact text (the pieces are where the line wraps anyway). */
#define PIECE_BYTES 2048

struct _KoiFullTextDialog
{
  KoiDialogBase  parent_instance;

  GtkTextView   *view;
  char          *text;
};

G_DEFINE_FINAL_TYPE (KoiFullTextDialog, koi_full_text_dialog, KOI_TYPE_DIALOG_BASE)

/* @text with a line break after every PIECE_BYTES of a longer line, at a
 * character boundary. */
static char *
split_long_lines (const char *text)
{
  GString *split = g_string_sized_new (strlen (text) + strlen (text) / PIECE_BYTES + 1);
  gsize run = 0;

  for (const char *p = text; *p != '\0'; p++)
    {
      /* Only before the first byte of a character. */
      if (run >= PIECE_BYTES && (*p & 0xc0) != 0x80 && *p != '\n')
        {
          g_string_append_c (split, '\n');
          run = 0;
        }
      g_string_append_c (split, *p);
      run = *p == '\n' ? 0 : run + 1;
    }
  return g_string_free (split, FALSE);
}

GtkWidget *
koi_full_text_dialog_new (const char *text)
{
  KoiFullTextDialog *self = g_object_new (KOI_TYPE_FULL_TEXT_DIALOG, NULL);
  g_autofree char *split = NULL;

  self->text = g_strdup (text != NULL ? text : "");
  split = split_long_lines (self->text);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->view), split, -1);
  return GTK_WIDGET (self);
}

const char *
koi_full_text_dialog_get_text (KoiFullTextDialog *self)
{
  g_return_val_if_fail (KOI_IS_FULL_TEXT_DIALOG (self), NULL);

  return self->text;
}

static void
copy_clicked (KoiFullTextDialog *self)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->text);
}

GtkTextView *
koi_full_text_dialog_get_view (KoiFullTextDialog *self)
{
  g_return_val_if_fail (KOI_IS_FULL_TEXT_DIALOG (self), NULL);

  return self->view;
}

static void
koi_full_text_dialog_finalize (GObject *object)
{
  KoiFullTextDialog *self = KOI_FULL_TEXT_DIALOG (object);

  g_free (self->text);

  G_OBJECT_CLASS (koi_full_text_dialog_parent_class)->finalize (object);
}

static void
koi_full_text_dialog_class_init (KoiFullTextDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = koi_full_text_dialog_finalize;
  koi_compat_dialog_class_init (GTK_WIDGET_CLASS (klass));
}

static void
koi_full_text_dialog_init (KoiFullTextDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *view = gtk_text_view_new ();
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *copy = gtk_button_new_with_mnemonic (_("_Copy"));

  /* The whole text exactly as it came, whatever the view split. */
  gtk_widget_set_tooltip_text (copy, _("Copy the whole message"));
  g_signal_connect_swapped (copy, "clicked", G_CALLBACK (copy_clicked), self);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), copy);
  gtk_box_append (GTK_BOX (box), header);

  self->view = GTK_TEXT_VIEW (view);
  /* Read only, but selectable and copyable; a line without spaces still
   * wraps (between characters). */
  gtk_text_view_set_editable (self->view, FALSE);
  gtk_text_view_set_cursor_visible (self->view, FALSE);
  gtk_text_view_set_wrap_mode (self->view, GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_left_margin (self->view, 12);
  gtk_text_view_set_right_margin (self->view, 12);
  gtk_text_view_set_top_margin (self->view, 12);
  gtk_text_view_set_bottom_margin (self->view, 12);
  gtk_widget_add_css_class (view, "koi-full-text");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), scrolled);

  gtk_widget_set_name (GTK_WIDGET (self), "koi-full-text");
  koi_compat_dialog_set_content (self, _("Full Message"), box, 560, 600);
}
