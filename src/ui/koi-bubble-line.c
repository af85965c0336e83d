/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-bubble-line"

#include "config.h"

#include "koi-bubble-line.h"

/* Between the avatar, the Retry button and the bubble (px). */
#define SPACING 6

struct _KoiBubbleLine
{
  GtkWidget parent_instance;
};

G_DEFINE_FINAL_TYPE (KoiBubbleLine, koi_bubble_line, GTK_TYPE_WIDGET)

GtkWidget *
koi_bubble_line_new (void)
{
  return g_object_new (KOI_TYPE_BUBBLE_LINE, NULL);
}

/* The visible children's widths for a line @width wide (-1: natural):
 * each its minimum, then what is left shared out towards their natural
 * widths, as GtkBox does. Returns how many children it filled in. */
static guint
child_widths (GtkWidget        *widget,
              int               width,
              GtkRequestedSize *sizes,
              guint             n_sizes)
{
  guint n = 0;
  int sum_minimum = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL && n < n_sizes;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_widget_should_layout (child))
        continue;
      gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1,
                          &sizes[n].minimum_size, &sizes[n].natural_size, NULL, NULL);
      sizes[n].data = child;
      sum_minimum += sizes[n].minimum_size;
      n++;
    }
  if (n == 0)
    return 0;
  if (width < 0)
    {
      for (guint i = 0; i < n; i++)
        sizes[i].minimum_size = sizes[i].natural_size;
      return n;
    }
  gtk_distribute_natural_allocation (MAX (0, width - (int) (n - 1) * SPACING - sum_minimum), n, sizes);
  return n;
}

/* A message row's line has three children; a few more cost nothing. */
#define MAX_CHILDREN 8

static void
koi_bubble_line_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  GtkRequestedSize sizes[MAX_CHILDREN];
  guint n;

  *minimum = *natural = 0;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* The widths do not depend on the height: no child here is
       * width-for-height. */
      n = 0;
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        {
          int child_minimum, child_natural;

          if (!gtk_widget_should_layout (child))
            continue;
          gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &child_minimum, &child_natural,
                              NULL, NULL);
          *minimum += child_minimum;
          *natural += child_natural;
          n++;
        }
      if (n > 0)
        {
          *minimum += (int) (n - 1) * SPACING;
          *natural += (int) (n - 1) * SPACING;
        }
      return;
    }

  /* The height at a width: each child's height at the one width it gets. */
  n = child_widths (widget, for_size, sizes, MAX_CHILDREN);
  for (guint i = 0; i < n; i++)
    {
      int child_minimum, child_natural;

      gtk_widget_measure (sizes[i].data, GTK_ORIENTATION_VERTICAL, sizes[i].minimum_size,
                          &child_minimum, &child_natural, NULL, NULL);
      *minimum = MAX (*minimum, child_minimum);
      *natural = MAX (*natural, child_natural);
    }
}

static void
koi_bubble_line_size_allocate (GtkWidget *widget,
                               int        width,
                               int        height,
                               int        baseline)
{
  GtkRequestedSize sizes[MAX_CHILDREN];
  guint n = child_widths (widget, width, sizes, MAX_CHILDREN);
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  int x = 0;

  for (guint i = 0; i < n; i++)
    {
      int child_width = sizes[i].minimum_size;
      GtkAllocation allocation = {
        .x = rtl ? width - x - child_width : x, .y = 0,
        .width = child_width, .height = height,
      };

      /* The child's own valign places it within the line's height. */
      gtk_widget_size_allocate (sizes[i].data, &allocation, -1);
      x += child_width + SPACING;
    }
}

static GtkSizeRequestMode
koi_bubble_line_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
koi_bubble_line_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (koi_bubble_line_parent_class)->dispose (object);
}

static void
koi_bubble_line_class_init (KoiBubbleLineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_bubble_line_dispose;
  widget_class->measure = koi_bubble_line_measure;
  widget_class->size_allocate = koi_bubble_line_size_allocate;
  widget_class->get_request_mode = koi_bubble_line_get_request_mode;
  gtk_widget_class_set_css_name (widget_class, "box");
}

static void
koi_bubble_line_init (KoiBubbleLine *self)
{
}
