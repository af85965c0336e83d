/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-message-cell"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-bubble-text.h"
#include "koi-message-cell.h"
#include "koi-ui-format.h"

/* What a bubble adds around its text lines, in pixels, for estimates: the
 * row's top padding, the bubble's padding and border, the time line. */
#define CHROME_HEIGHT 38
/* Row padding and bubble padding beside the text. */
#define CHROME_WIDTH 48
/* The text label's max-width-chars (koi-message-row.ui). */
#define TEXT_MAX_CHARS 60
/* Heights remembered per list, at most. */
#define MAX_HEIGHTS 20000

typedef struct {
  int width;
  int minimum;
  int natural;
} Height;

struct _KoiMessageCell
{
  GtkWidget      parent_instance;

  KoiMessageRow *row;
  GHashTable    *heights;   /* store id (gint64*) → Height*; shared */

  KoiMessage    *item;
  KoiMessage    *previous;
  gboolean       show_avatar;
  gboolean       unread_marker;
  gboolean       live;
  gboolean       offline;
  gboolean       row_shown;  /* the row shows an item (was last pushed live) */
  gboolean       labelled;   /* an accessible label is set on cell and item */
};

G_DEFINE_FINAL_TYPE (KoiMessageCell, koi_message_cell, GTK_TYPE_WIDGET)

GtkWidget *
koi_message_cell_new (GHashTable *heights)
{
  KoiMessageCell *self = g_object_new (KOI_TYPE_MESSAGE_CELL, NULL);

  self->heights = g_hash_table_ref (heights);
  return GTK_WIDGET (self);
}

KoiMessageRow *
koi_message_cell_get_row (KoiMessageCell *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE_CELL (self), NULL);

  return self->row;
}

KoiMessage *
koi_message_cell_get_item (KoiMessageCell *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE_CELL (self), NULL);

  return self->item;
}

gboolean
koi_message_cell_get_live (KoiMessageCell *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE_CELL (self), FALSE);

  return self->live;
}

static void
push_to_row (KoiMessageCell *self)
{
  /* A row is a template of some twenty widgets: made the first time the
   * cell goes live, so cells that stay far from the viewport cost little. */
  if (self->row == NULL)
    {
      if (!self->live)
        return;
      self->row = KOI_MESSAGE_ROW (koi_message_row_new ());
      gtk_widget_set_parent (GTK_WIDGET (self->row), GTK_WIDGET (self));
    }
  /* A jump rebinds the ~200 items the list keeps, nearly all of them not
   * live: a hidden row has nothing to forget. A row leaving keeps its
   * widgets as they were (hidden); the next message redraws all of it. */
  if (!self->live && !self->row_shown)
    return;
  if (!self->live)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->row), FALSE);
      koi_message_row_forget_item (self->row);
      self->row_shown = FALSE;
      return;
    }
  koi_message_row_set_show_avatar (self->row, self->show_avatar);
  koi_message_row_set_offline (self->row, self->offline);
  koi_message_row_set_previous (self->row, self->previous);
  koi_message_row_set_item (self->row, self->item);
  koi_message_row_set_unread_marker (self->row, self->unread_marker);
  gtk_widget_set_visible (GTK_WIDGET (self->row), TRUE);
  self->row_shown = TRUE;
}

static const char *
state_words (KoiMessage *item)
{
  if (koi_message_get_direction (item) != KOI_MESSAGE_OUTGOING)
    return NULL;
  switch (koi_message_get_state (item))
    {
    case KOI_MESSAGE_QUEUED:
      return _("waiting to send");
    case KOI_MESSAGE_SENDING:
      return _("sending");
    case KOI_MESSAGE_SENT:
      return koi_message_get_read (item) ? _("read") : _("sent");
    case KOI_MESSAGE_FAILED:
      return _("not sent");
    case KOI_MESSAGE_RECEIVED:
    default:
      return NULL;
    }
}

char *
koi_message_cell_dup_accessible_label (KoiMessageCell *self)
{
  KoiMessage *item = self->item;
  const char *who, *text, *state, *crypto = NULL;
  g_autofree char *clock = NULL;
  g_autofree char *label = NULL;
  g_autofree char *cut = NULL;

  g_return_val_if_fail (KOI_IS_MESSAGE_CELL (self), NULL);

  if (item == NULL || !koi_message_get_loaded (item))
    return NULL;
  if (koi_message_get_direction (item) == KOI_MESSAGE_OUTGOING)
    who = _("You");
  else
    who = koi_message_get_from_name (item) != NULL && *koi_message_get_from_name (item) != '\0'
      ? koi_message_get_from_name (item) : koi_message_get_from_address (item);
  clock = koi_ui_format_clock (koi_message_get_timestamp (item));
  text = koi_message_get_deleted (item) ? _("Message deleted")
    : koi_message_get_text (item) != NULL ? koi_message_get_text (item) : "";
  /* What the bubble shows, not a megabyte read out. */
  cut = koi_bubble_text_cut (text);
  if (cut != NULL)
    text = cut;
  state = state_words (item);
  if (state != NULL)
    /* TRANSLATORS: what a screen reader says for a message: who, time,
     * text, state, e.g. "You, 10:42, Are you coming?, read" */
    label = g_strdup_printf (_("%s, %s, %s, %s"), who ? who : "", clock, text, state);
  else
    /* TRANSLATORS: what a screen reader says for a message: who, time, text */
    label = g_strdup_printf (_("%s, %s, %s"), who ? who : "", clock, text);

  /* What the padlock (or its warning) beside the time says to the eye. */
  if (koi_message_get_signature (item) == KOI_MESSAGE_SIGNATURE_BAD)
    crypto = _("signature not valid");
  else if (koi_message_get_encrypted (item))
    crypto = _("encrypted");
  if (crypto == NULL)
    return g_steal_pointer (&label);
  /* TRANSLATORS: a message's screen reader text (above) and how it came:
   * "encrypted" or "signature not valid" */
  return g_strdup_printf (_("%s, %s"), label, crypto);
}

/* The label goes on the cell and on the list's item widget around it,
 * which is what holds the keyboard focus in the list. Only live cells
 * have one: they are the ones drawn, and what a screen reader or the
 * keyboard reaches (the view makes a cell live before it focuses it).
 * Making it for every item a jump rebinds cost GTK 4.18 a share of the
 * scroll call; a cell that is not live only drops an earlier label. */
static void
update_label (KoiMessageCell *self)
{
  g_autofree char *label = NULL;
  GtkWidget *parent = gtk_widget_get_parent (GTK_WIDGET (self));

  if (!self->live)
    {
      if (!self->labelled)
        return;
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL);
      if (parent != NULL)
        gtk_accessible_reset_property (GTK_ACCESSIBLE (parent), GTK_ACCESSIBLE_PROPERTY_LABEL);
      self->labelled = FALSE;
      return;
    }
  label = koi_message_cell_dup_accessible_label (self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label != NULL ? label : "", -1);
  if (parent != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (parent), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    label != NULL ? label : "", -1);
  self->labelled = TRUE;
}

/* A page arrived for the message this cell waits with: its text, and so
 * its estimated height, is known now. A live row follows by itself; its
 * label follows the state and text too. One handler for every property
 * (they change rarely): four detailed ones cost a jump's ~200 binds four
 * closures each. */
static void
on_item_notify (KoiMessageCell *self,
                GParamSpec     *pspec,
                KoiMessage     *item)
{
  gboolean loaded = g_str_equal (pspec->name, "loaded");

  if (!loaded && !g_str_equal (pspec->name, "state") && !g_str_equal (pspec->name, "read") &&
      !g_str_equal (pspec->name, "text"))
    return;
  if (!self->live && loaded)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  update_label (self);
}

void
koi_message_cell_set_offline (KoiMessageCell *self,
                              gboolean        offline)
{
  g_return_if_fail (KOI_IS_MESSAGE_CELL (self));

  self->offline = !!offline;
  if (self->row != NULL)
    koi_message_row_set_offline (self->row, self->offline);
}

void
koi_message_cell_bind (KoiMessageCell *self,
                       KoiMessage     *item,
                       KoiMessage     *previous,
                       gboolean        show_avatar,
                       gboolean        unread_marker)
{
  g_return_if_fail (KOI_IS_MESSAGE_CELL (self));

  /* Bound again to the message it shows (newer GTK rebinds items in
   * place): it stays live, so its height does not fall back to an
   * estimate and jump the list. */
  if (item != NULL && item == self->item && previous == self->previous &&
      show_avatar == self->show_avatar && unread_marker == self->unread_marker)
    return;

  if (self->item != NULL)
    g_signal_handlers_disconnect_by_func (self->item, on_item_notify, self);
  g_set_object (&self->item, item);
  g_set_object (&self->previous, previous);
  if (item != NULL)
    g_signal_connect_object (item, "notify", G_CALLBACK (on_item_notify), self, G_CONNECT_SWAPPED);
  self->show_avatar = show_avatar;
  self->unread_marker = unread_marker;
  /* A recycled cell usually comes from the far edge of what the list
   * keeps (some 200 items around its anchor, on GTK 4.8 and 4.18 alike):
   * not live until the view finds it near the viewport. */
  self->live = FALSE;
  push_to_row (self);
  update_label (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
koi_message_cell_set_live (KoiMessageCell *self,
                           gboolean        live)
{
  g_return_if_fail (KOI_IS_MESSAGE_CELL (self));

  if (self->live == !!live || (live && self->item == NULL))
    return;
  self->live = !!live;
  push_to_row (self);
  update_label (self);
}

/* Lines of @text when wrapped at @chars_per_line characters. */
static int
estimate_lines (const char *text,
                int         chars_per_line)
{
  int lines = 0;
  int run = 0;

  if (text == NULL || *text == '\0')
    return 1;
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (*p == '\n')
        {
          lines += 1 + run / chars_per_line;
          run = 0;
        }
      else
        run++;
    }
  return lines + 1 + run / chars_per_line;
}

static void
font_size (KoiMessageCell *self,
           int            *char_width,
           int            *line_height)
{
  static int cw, lh;

  /* One font for all bubbles: asked once. */
  if (cw == 0)
    {
      PangoFontMetrics *metrics = pango_context_get_metrics (gtk_widget_get_pango_context (GTK_WIDGET (self)),
                                                             NULL, NULL);

      cw = MAX (1, PANGO_PIXELS (pango_font_metrics_get_approximate_char_width (metrics)));
      lh = MAX (1, PANGO_PIXELS (pango_font_metrics_get_height (metrics)));
      if (lh <= 1)
        lh = PANGO_PIXELS (pango_font_metrics_get_ascent (metrics) + pango_font_metrics_get_descent (metrics));
      pango_font_metrics_unref (metrics);
    }
  *char_width = cw;
  *line_height = MAX (lh, 1);
}

static int
estimate_height (KoiMessageCell *self,
                 int             width)
{
  int cw, lh, chars;
  KoiMessage *item = self->item;
  g_autofree char *cut = NULL;

  if (item == NULL || !koi_message_get_loaded (item))
    return CHROME_HEIGHT;
  font_size (self, &cw, &lh);
  chars = width > 0 ? (width - CHROME_WIDTH) / cw : TEXT_MAX_CHARS;
  chars = CLAMP (chars, 8, TEXT_MAX_CHARS);
  /* The bubble draws at most the cut text (koi-bubble-text.h). */
  cut = koi_bubble_text_cut (koi_message_get_text (item));
  return CHROME_HEIGHT + lh * estimate_lines (cut != NULL ? cut : koi_message_get_text (item), chars);
}

static void
koi_message_cell_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  KoiMessageCell *self = KOI_MESSAGE_CELL (widget);
  gint64 id;
  Height *known;

  if (self->live)
    {
      gtk_widget_measure (GTK_WIDGET (self->row), orientation, for_size, minimum, natural, NULL, NULL);
      /* Heights at the width the list gives: what this message will claim
       * while its cell is not live. */
      if (orientation == GTK_ORIENTATION_VERTICAL && for_size > 0 && self->item != NULL &&
          koi_message_get_loaded (self->item))
        {
          Height *height = g_new (Height, 1);

          id = koi_message_get_id (self->item);
          *height = (Height) { for_size, *minimum, *natural };
          /* Bounded: a long scroll through a huge chat starts afresh
           * rather than keep every height (estimates cover the rest). */
          if (g_hash_table_size (self->heights) >= MAX_HEIGHTS)
            g_hash_table_remove_all (self->heights);
          g_hash_table_insert (self->heights, g_memdup2 (&id, sizeof id), height);
        }
      return;
    }

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* The list is as wide as its viewport; live rows say how narrow it
       * may get. */
      *minimum = *natural = 0;
      return;
    }

  id = self->item != NULL ? koi_message_get_id (self->item) : 0;
  known = self->item != NULL && koi_message_get_loaded (self->item)
    ? g_hash_table_lookup (self->heights, &id) : NULL;
  if (known != NULL && known->width == for_size)
    {
      *minimum = known->minimum;
      *natural = known->natural;
      return;
    }
  *minimum = *natural = estimate_height (self, for_size);
}

static void
koi_message_cell_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  KoiMessageCell *self = KOI_MESSAGE_CELL (widget);

  if (self->live)
    gtk_widget_allocate (GTK_WIDGET (self->row), width, height, baseline, NULL);
}

static GtkSizeRequestMode
koi_message_cell_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
koi_message_cell_dispose (GObject *object)
{
  KoiMessageCell *self = KOI_MESSAGE_CELL (object);

  if (self->item != NULL)
    g_signal_handlers_disconnect_by_func (self->item, on_item_notify, self);
  g_clear_object (&self->item);
  g_clear_object (&self->previous);
  if (self->row != NULL)
    gtk_widget_unparent (GTK_WIDGET (self->row));
  self->row = NULL;

  G_OBJECT_CLASS (koi_message_cell_parent_class)->dispose (object);
}

static void
koi_message_cell_finalize (GObject *object)
{
  KoiMessageCell *self = KOI_MESSAGE_CELL (object);

  g_clear_pointer (&self->heights, g_hash_table_unref);

  G_OBJECT_CLASS (koi_message_cell_parent_class)->finalize (object);
}

static void
koi_message_cell_class_init (KoiMessageCellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_message_cell_dispose;
  object_class->finalize = koi_message_cell_finalize;
  widget_class->measure = koi_message_cell_measure;
  widget_class->size_allocate = koi_message_cell_size_allocate;
  widget_class->get_request_mode = koi_message_cell_get_request_mode;
  gtk_widget_class_set_css_name (widget_class, "koi-message-cell");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
koi_message_cell_init (KoiMessageCell *self)
{
  /* The keyboard's stop for this message in the list (GTK 4.8's list item
   * takes the focus only for selectable items, else gives it to a child);
   * the conversation view handles its keys. */
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
}
