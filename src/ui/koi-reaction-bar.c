/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-reaction-bar"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-message-extras.h"
#include "koi-reaction-bar.h"

struct _KoiReactionBar
{
  GtkWidget  parent_instance;

  gint64     message_id;
  char      *raw;
};

G_DEFINE_FINAL_TYPE (KoiReactionBar, koi_reaction_bar, GTK_TYPE_WIDGET)

GtkWidget *
koi_reaction_bar_new (void)
{
  return g_object_new (KOI_TYPE_REACTION_BAR, NULL);
}

/* "You, Bob and Carol": who reacted, the user first. */
static char *
who_reacted (KoiReactionGroup *group)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  const char *last;
  g_autofree char *rest = NULL;

  if (group->own)
    g_ptr_array_add (names, (gpointer) _("You"));
  for (guint i = 0; i < group->others->len; i++)
    g_ptr_array_add (names, group->others->pdata[i]);
  if (names->len == 1)
    return g_strdup (names->pdata[0]);

  /* The last name joins with "and", the others with commas. */
  last = names->pdata[names->len - 1];
  names->pdata[names->len - 1] = NULL;
  /* TRANSLATORS: between the names of people who reacted */
  rest = g_strjoinv (_(", "), (char **) names->pdata);
  /* TRANSLATORS: who reacted: "You, Bob" and "Carol" */
  return g_strdup_printf (_("%s and %s"), rest, last);
}

static void
on_chip_clicked (GtkButton *chip,
                 gpointer   user_data)
{
  KoiReactionBar *self = KOI_REACTION_BAR (gtk_widget_get_parent (GTK_WIDGET (chip)));
  const char *emoji = g_object_get_data (G_OBJECT (chip), "koi-emoji");
  gboolean own = gtk_widget_has_css_class (GTK_WIDGET (chip), "own");

  gtk_widget_activate_action (GTK_WIDGET (self), "conversation.react", "(xs)",
                              self->message_id, own ? "" : emoji);
}

static GtkWidget *
new_chip (KoiReactionGroup *group)
{
  g_autofree char *label = g_strdup_printf ("%s %u", group->emoji, group->count);
  g_autofree char *who = who_reacted (group);
  g_autofree char *description = NULL;
  GtkWidget *chip = gtk_button_new_with_label (label);

  gtk_widget_add_css_class (chip, "koi-reaction");
  if (group->own)
    gtk_widget_add_css_class (chip, "own");
  gtk_widget_set_tooltip_text (chip, who);
  /* TRANSLATORS: a reaction chip for screen readers: the emoji, how many
   * reacted with it, and who */
  description = g_strdup_printf (ngettext ("%s, %u reaction: %s", "%s, %u reactions: %s", group->count),
                                 group->emoji, group->count, who);
  gtk_accessible_update_property (GTK_ACCESSIBLE (chip), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  description, -1);
  g_object_set_data_full (G_OBJECT (chip), "koi-emoji", g_strdup (group->emoji), g_free);
  g_signal_connect (chip, "clicked", G_CALLBACK (on_chip_clicked), NULL);
  return chip;
}

void
koi_reaction_bar_set_reactions (KoiReactionBar *self,
                                gint64          message_id,
                                const char     *raw)
{
  g_autoptr (GPtrArray) groups = NULL;
  GtkWidget *child;

  g_return_if_fail (KOI_IS_REACTION_BAR (self));

  self->message_id = message_id;
  if (g_strcmp0 (self->raw, raw) == 0)
    return;
  g_free (self->raw);
  self->raw = g_strdup (raw);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  groups = koi_reaction_groups_parse (raw);
  for (guint i = 0; i < groups->len; i++)
    gtk_widget_insert_before (new_chip (g_ptr_array_index (groups, i)), GTK_WIDGET (self), NULL);
}

guint
koi_reaction_bar_get_n_chips (KoiReactionBar *self)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n++;
  return n;
}

GtkWidget *
koi_reaction_bar_get_chip (KoiReactionBar *self,
                           guint           index)
{
  GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self));

  while (child != NULL && index-- > 0)
    child = gtk_widget_get_next_sibling (child);
  return child;
}

static void
koi_reaction_bar_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (koi_reaction_bar_parent_class)->dispose (object);
}

static void
koi_reaction_bar_finalize (GObject *object)
{
  g_free (KOI_REACTION_BAR (object)->raw);

  G_OBJECT_CLASS (koi_reaction_bar_parent_class)->finalize (object);
}

static void
koi_reaction_bar_class_init (KoiReactionBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_reaction_bar_dispose;
  object_class->finalize = koi_reaction_bar_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "koi-reaction-bar");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
koi_reaction_bar_init (KoiReactionBar *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 4);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Reactions"), -1);
}
