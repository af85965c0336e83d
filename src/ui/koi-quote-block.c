/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-quote-block"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-message-extras.h"
#include "koi-quote-block.h"

struct _KoiQuoteBlock
{
  GtkWidget  parent_instance;

  GtkWidget *button;
  GtkLabel  *sender;
  GtkLabel  *text;
  char      *raw;
  gint64     quoted_id;
};

G_DEFINE_FINAL_TYPE (KoiQuoteBlock, koi_quote_block, GTK_TYPE_WIDGET)

GtkWidget *
koi_quote_block_new (void)
{
  return g_object_new (KOI_TYPE_QUOTE_BLOCK, NULL);
}

void
koi_quote_block_set_quote (KoiQuoteBlock *self,
                           const char    *raw)
{
  g_autoptr (KoiQuote) quote = NULL;
  const char *sender;
  g_autofree char *description = NULL;

  g_return_if_fail (KOI_IS_QUOTE_BLOCK (self));

  if (g_strcmp0 (self->raw, raw) == 0)
    return;
  g_free (self->raw);
  self->raw = g_strdup (raw);

  quote = koi_quote_parse (raw);
  self->quoted_id = quote != NULL ? quote->id : 0;
  sender = quote == NULL || quote->id == 0 ? NULL : quote->outgoing ? _("You") : quote->sender;

  gtk_widget_set_visible (GTK_WIDGET (self->sender), sender != NULL);
  gtk_label_set_label (self->sender, sender != NULL ? sender : "");
  if (quote != NULL && quote->deleted)
    {
      gtk_label_set_label (self->text, _("Message deleted"));
      gtk_widget_add_css_class (GTK_WIDGET (self->text), "dim-label");
    }
  else
    {
      gtk_label_set_label (self->text, quote != NULL ? quote->text : "");
      gtk_widget_remove_css_class (GTK_WIDGET (self->text), "dim-label");
    }

  /* Nothing to go to when the original is not stored. */
  gtk_widget_set_sensitive (self->button, self->quoted_id > 0);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->button),
                                          g_variant_new_int64 (self->quoted_id));
  gtk_widget_set_tooltip_text (self->button, self->quoted_id > 0 ? _("Show the quoted message") : NULL);
  /* TRANSLATORS: a quote in a reply, for screen readers: who wrote the
   * quoted message and its first line */
  description = g_strdup_printf (_("Quote: %s: %s"), sender != NULL ? sender : "",
                                 gtk_label_get_label (self->text));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  description, -1);
}

const char *
koi_quote_block_get_sender (KoiQuoteBlock *self)
{
  g_return_val_if_fail (KOI_IS_QUOTE_BLOCK (self), NULL);

  return gtk_label_get_label (self->sender);
}

const char *
koi_quote_block_get_text (KoiQuoteBlock *self)
{
  g_return_val_if_fail (KOI_IS_QUOTE_BLOCK (self), NULL);

  return gtk_label_get_label (self->text);
}

gint64
koi_quote_block_get_quoted_id (KoiQuoteBlock *self)
{
  g_return_val_if_fail (KOI_IS_QUOTE_BLOCK (self), 0);

  return self->quoted_id;
}

static void
koi_quote_block_dispose (GObject *object)
{
  KoiQuoteBlock *self = KOI_QUOTE_BLOCK (object);

  g_clear_pointer (&self->button, gtk_widget_unparent);

  G_OBJECT_CLASS (koi_quote_block_parent_class)->dispose (object);
}

static void
koi_quote_block_finalize (GObject *object)
{
  g_free (KOI_QUOTE_BLOCK (object)->raw);

  G_OBJECT_CLASS (koi_quote_block_parent_class)->finalize (object);
}

static void
koi_quote_block_class_init (KoiQuoteBlockClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_quote_block_dispose;
  object_class->finalize = koi_quote_block_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "koi-quote");
}

static void
koi_quote_block_init (KoiQuoteBlock *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  self->sender = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->sender, 0);
  gtk_label_set_ellipsize (self->sender, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->sender), "caption-heading");
  self->text = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->text, 0);
  gtk_label_set_ellipsize (self->text, PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (self->text, TRUE);
  gtk_label_set_max_width_chars (self->text, 40);
  gtk_widget_add_css_class (GTK_WIDGET (self->text), "caption");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->sender));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->text));

  self->button = gtk_button_new ();
  gtk_button_set_child (GTK_BUTTON (self->button), box);
  gtk_widget_add_css_class (self->button, "flat");
  gtk_widget_add_css_class (self->button, "koi-quote-button");
  /* The target first: an action of type "x" with no target is a warning. */
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->button), g_variant_new_int64 (0));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->button), "conversation.show-message");
  gtk_widget_set_parent (self->button, GTK_WIDGET (self));
}
