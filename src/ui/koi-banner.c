/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-banner"

#include "config.h"

#include "koi-banner.h"

struct _KoiBanner
{
  GtkWidget    parent_instance;

  GtkRevealer *revealer;
  GtkLabel    *label;
  GtkButton   *button;
};

G_DEFINE_FINAL_TYPE (KoiBanner, koi_banner, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_REVEALED,
  PROP_BUTTON_LABEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_BUTTON_CLICKED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

GtkWidget *
koi_banner_new (void)
{
  return g_object_new (KOI_TYPE_BANNER, NULL);
}

const char *
koi_banner_get_title (KoiBanner *self)
{
  g_return_val_if_fail (KOI_IS_BANNER (self), NULL);

  return gtk_label_get_label (self->label);
}

void
koi_banner_set_title (KoiBanner  *self,
                      const char *title)
{
  g_return_if_fail (KOI_IS_BANNER (self));

  if (g_strcmp0 (gtk_label_get_label (self->label), title != NULL ? title : "") == 0)
    return;
  gtk_label_set_label (self->label, title != NULL ? title : "");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

gboolean
koi_banner_get_revealed (KoiBanner *self)
{
  g_return_val_if_fail (KOI_IS_BANNER (self), FALSE);

  return gtk_revealer_get_reveal_child (self->revealer);
}

void
koi_banner_set_revealed (KoiBanner *self,
                         gboolean   revealed)
{
  g_return_if_fail (KOI_IS_BANNER (self));

  if (gtk_revealer_get_reveal_child (self->revealer) == !!revealed)
    return;
  gtk_revealer_set_reveal_child (self->revealer, !!revealed);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REVEALED]);
}

const char *
koi_banner_get_button_label (KoiBanner *self)
{
  g_return_val_if_fail (KOI_IS_BANNER (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->button)) ? gtk_button_get_label (self->button) : NULL;
}

/* As AdwBanner: NULL or "" hides the button. */
void
koi_banner_set_button_label (KoiBanner  *self,
                             const char *label)
{
  gboolean shown;

  g_return_if_fail (KOI_IS_BANNER (self));

  shown = label != NULL && *label != '\0';
  if (shown == gtk_widget_get_visible (GTK_WIDGET (self->button)) &&
      (!shown || g_strcmp0 (gtk_button_get_label (self->button), label) == 0))
    return;
  if (shown)
    gtk_button_set_label (self->button, label);
  gtk_widget_set_visible (GTK_WIDGET (self->button), shown);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUTTON_LABEL]);
}

static void
on_button_clicked (KoiBanner *self)
{
  g_signal_emit (self, signals[SIGNAL_BUTTON_CLICKED], 0);
}

static void
koi_banner_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  KoiBanner *self = KOI_BANNER (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, koi_banner_get_title (self));
      break;
    case PROP_REVEALED:
      g_value_set_boolean (value, koi_banner_get_revealed (self));
      break;
    case PROP_BUTTON_LABEL:
      g_value_set_string (value, koi_banner_get_button_label (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_banner_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  KoiBanner *self = KOI_BANNER (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      koi_banner_set_title (self, g_value_get_string (value));
      break;
    case PROP_REVEALED:
      koi_banner_set_revealed (self, g_value_get_boolean (value));
      break;
    case PROP_BUTTON_LABEL:
      koi_banner_set_button_label (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_banner_dispose (GObject *object)
{
  KoiBanner *self = KOI_BANNER (object);

  if (self->revealer != NULL)
    gtk_widget_unparent (GTK_WIDGET (self->revealer));
  self->revealer = NULL;
  self->label = NULL;
  self->button = NULL;
  G_OBJECT_CLASS (koi_banner_parent_class)->dispose (object);
}

static void
koi_banner_class_init (KoiBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = koi_banner_get_property;
  object_class->set_property = koi_banner_set_property;
  object_class->dispose = koi_banner_dispose;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REVEALED] =
    g_param_spec_boolean ("revealed", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUTTON_LABEL] =
    g_param_spec_string ("button-label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* AdwBanner's name for it. */
  signals[SIGNAL_BUTTON_CLICKED] =
    g_signal_new ("button-clicked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "koi-banner");
  /* Read out as AdwBanner is: a status that changes by itself. */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
koi_banner_init (KoiBanner *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  self->revealer = GTK_REVEALER (gtk_revealer_new ());
  gtk_revealer_set_transition_type (self->revealer, GTK_REVEALER_TRANSITION_TYPE_SLIDE_DOWN);
  self->label = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_wrap (self->label, TRUE);
  gtk_label_set_justify (self->label, GTK_JUSTIFY_CENTER);
  gtk_widget_set_hexpand (GTK_WIDGET (self->label), TRUE);
  gtk_widget_add_css_class (box, "koi-banner-box");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->label));
  self->button = GTK_BUTTON (gtk_button_new ());
  /* As AdwBanner's: the label may carry a mnemonic ("_Review…"). */
  gtk_button_set_use_underline (self->button, TRUE);
  gtk_widget_set_valign (GTK_WIDGET (self->button), GTK_ALIGN_CENTER);
  gtk_widget_set_visible (GTK_WIDGET (self->button), FALSE);
  g_signal_connect_swapped (self->button, "clicked", G_CALLBACK (on_button_clicked), self);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->button));
  gtk_revealer_set_child (self->revealer, box);
  gtk_widget_set_parent (GTK_WIDGET (self->revealer), GTK_WIDGET (self));
}
