/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-text-sizer"

#include "config.h"

#include <string.h>

#include "koi-text-sizer.h"

/* Narrower widths remembered: a bubble narrower than its text's natural
 * width (a narrow window) may be asked at a few widths, and each new width
 * lays the text out again. */
#define NARROWER_ANSWERS 8

struct _KoiTextSizer
{
  GtkWidget    parent_instance;

  /* The layout of the text below, at its natural width (limit: the
   * label's max-width-chars), and what it measured. */
  char        *text;
  guint        serial;        /* of the label's PangoContext (its font) */
  PangoLayout *layout;
  int          limit;         /* Pango units; -1: no limit */
  int          natural_width; /* pixels */
  int          natural_height;
  /* Answers for narrower widths: a layout at @laid pixels broke its
   * lines with the widest @widest; at any width from @widest to @laid
   * they break the same way, so the height is @height there too. */
  struct {
    int laid;
    int widest;
    int height;
  }            narrower[NARROWER_ANSWERS];
  guint        next_narrower;
};

G_DEFINE_FINAL_TYPE (KoiTextSizer, koi_text_sizer, GTK_TYPE_WIDGET)

GtkWidget *
koi_text_sizer_new (void)
{
  return g_object_new (KOI_TYPE_TEXT_SIZER, NULL);
}

static GtkLabel *
label_of (KoiTextSizer *self)
{
  GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self));

  return child != NULL && GTK_IS_LABEL (child) ? GTK_LABEL (child) : NULL;
}

/* The width of one character as GtkLabel counts it for width-chars. */
static int
char_width (GtkLabel *label)
{
  PangoFontMetrics *metrics = pango_context_get_metrics (gtk_widget_get_pango_context (GTK_WIDGET (label)),
                                                         NULL, NULL);
  int width = MAX (pango_font_metrics_get_approximate_char_width (metrics),
                   pango_font_metrics_get_approximate_digit_width (metrics));

  pango_font_metrics_unref (metrics);
  return width;
}

static void
ensure_layout (KoiTextSizer *self,
               GtkLabel     *label)
{
  const char *text = gtk_label_get_text (label);
  int chars = gtk_label_get_max_width_chars (label);
  int limit;
  int width, height;

  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (label));

  if (self->layout != NULL && g_strcmp0 (text, self->text) == 0 &&
      pango_context_get_serial (context) == self->serial)
    return;

  g_clear_object (&self->layout);
  g_free (self->text);
  self->text = g_strdup (text);
  self->layout = gtk_widget_create_pango_layout (GTK_WIDGET (label), text);
  pango_layout_set_wrap (self->layout, gtk_label_get_wrap_mode (label));
  limit = chars > 0 ? chars * char_width (label) : -1;
  pango_layout_set_width (self->layout, limit);
  /* Rounded up, as GtkLabel does: a width rounded down would wrap the
   * longest line's last word when the label lays itself out. */
  pango_layout_get_size (self->layout, &width, &height);
  self->serial = pango_context_get_serial (context);
  self->limit = limit;
  self->natural_width = PANGO_PIXELS_CEIL (width);
  self->natural_height = PANGO_PIXELS_CEIL (height);
  memset (self->narrower, 0, sizeof self->narrower);
  self->next_narrower = 0;
}

/* Height of the text at @width pixels. At any width from the natural one
 * up to the limit the lines break as they do at the limit. */
static int
height_for (KoiTextSizer *self,
            int           width)
{
  int height, widest;
  guint slot;

  /* Wider than the limit, the label would break fewer lines; but a
   * bubble never gets more than its natural width, and more height than
   * needed only leaves space, where less would cut lines off. */
  if (width < 0 || width >= self->natural_width)
    return self->natural_height;
  for (guint i = 0; i < NARROWER_ANSWERS; i++)
    if (self->narrower[i].laid > 0 && width >= self->narrower[i].widest &&
        width <= self->narrower[i].laid)
      return self->narrower[i].height;

  pango_layout_set_width (self->layout, width * PANGO_SCALE);
  pango_layout_get_size (self->layout, &widest, &height);
  pango_layout_set_width (self->layout, self->limit);
  slot = self->next_narrower++ % NARROWER_ANSWERS;
  self->narrower[slot].laid = width;
  self->narrower[slot].widest = MIN (width, PANGO_PIXELS_CEIL (widest));
  self->narrower[slot].height = PANGO_PIXELS_CEIL (height);
  return self->narrower[slot].height;
}

static void
koi_text_sizer_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  KoiTextSizer *self = KOI_TEXT_SIZER (widget);
  GtkLabel *label = label_of (self);

  *minimum = *natural = 0;
  if (label == NULL || !gtk_widget_get_visible (GTK_WIDGET (label)))
    return;

  ensure_layout (self, label);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      int floor = gtk_label_get_width_chars (label);

      *natural = self->natural_width;
      /* A long word breaks between characters (word-char), so a bubble
       * may get as narrow as the label's width-chars, or a few characters. */
      *minimum = MIN (*natural, PANGO_PIXELS_CEIL ((floor > 0 ? floor : 4) * char_width (label)));
    }
  else
    *minimum = *natural = height_for (self, for_size);
}

static void
koi_text_sizer_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  GtkLabel *label = label_of (KOI_TEXT_SIZER (widget));

  if (label != NULL && gtk_widget_get_visible (GTK_WIDGET (label)))
    gtk_widget_allocate (GTK_WIDGET (label), width, height, -1, NULL);
}

static GtkSizeRequestMode
koi_text_sizer_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
koi_text_sizer_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (koi_text_sizer_parent_class)->dispose (object);
}

static void
koi_text_sizer_finalize (GObject *object)
{
  KoiTextSizer *self = KOI_TEXT_SIZER (object);

  g_clear_object (&self->layout);
  g_free (self->text);

  G_OBJECT_CLASS (koi_text_sizer_parent_class)->finalize (object);
}

static void
koi_text_sizer_class_init (KoiTextSizerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_text_sizer_dispose;
  object_class->finalize = koi_text_sizer_finalize;
  widget_class->measure = koi_text_sizer_measure;
  widget_class->size_allocate = koi_text_sizer_size_allocate;
  widget_class->get_request_mode = koi_text_sizer_get_request_mode;
  gtk_widget_class_set_css_name (widget_class, "koi-text-sizer");
}

static void
koi_text_sizer_init (KoiTextSizer *self)
{
}
