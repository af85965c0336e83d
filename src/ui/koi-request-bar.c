/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-request-bar.h"

struct _KoiRequestBar {
  GtkWidget  parent_instance;

  GtkLabel  *explanation;
  GtkWidget *accept_button;
  GtkWidget *block_button;
  GtkWidget *delete_button;
};

G_DEFINE_FINAL_TYPE (KoiRequestBar, koi_request_bar, GTK_TYPE_WIDGET)

enum {
  SIGNAL_ANSWER,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

GtkWidget *
koi_request_bar_new (void)
{
  return g_object_new (KOI_TYPE_REQUEST_BAR, NULL);
}

void
koi_request_bar_set_chat (KoiRequestBar *self,
                          KoiChat       *chat)
{
  g_autofree char *text = NULL;
  const char *peer;

  g_return_if_fail (KOI_IS_REQUEST_BAR (self));

  if (chat == NULL)
    return;

  peer = koi_chat_get_peer_address (chat);
  if (peer != NULL)
    /* TRANSLATORS: %s is the stranger's email address */
    text = g_strdup_printf (_("%s is not in your contacts. Accept to answer; until then they do not learn that you read their messages."),
                            peer);
  else
    text = g_strdup (_("Someone who is not in your contacts added you to this group. Accept to answer; until then nobody learns that you read its messages."));
  gtk_label_set_label (self->explanation, text);
  gtk_widget_set_visible (self->block_button, peer != NULL);
}

static void
on_button_clicked (GtkButton     *button,
                   KoiRequestBar *self)
{
  KoiRequestAnswer answer = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "koi-answer"));

  g_signal_emit (self, signals[SIGNAL_ANSWER], 0, (int) answer);
}

static GtkWidget *
add_button (KoiRequestBar    *self,
            GtkWidget        *box,
            const char       *label,
            KoiRequestAnswer  answer,
            const char       *style)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_hexpand (button, TRUE);
  if (style != NULL)
    gtk_widget_add_css_class (button, style);
  g_object_set_data (G_OBJECT (button), "koi-answer", GINT_TO_POINTER (answer));
  g_signal_connect (button, "clicked", G_CALLBACK (on_button_clicked), self);
  gtk_box_append (GTK_BOX (box), button);
  return button;
}

static void
koi_request_bar_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (koi_request_bar_parent_class)->dispose (object);
}

/* Focus lands on Accept, the answer most requests get. */
static gboolean
koi_request_bar_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (KOI_REQUEST_BAR (widget)->accept_button);
}

static void
koi_request_bar_class_init (KoiRequestBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_request_bar_dispose;
  widget_class->grab_focus = koi_request_bar_grab_focus;

  signals[SIGNAL_ANSWER] = g_signal_new ("answer", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "koi-request-bar");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
koi_request_bar_init (KoiRequestBar *self)
{
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self))), 12);

  self->explanation = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->explanation, TRUE);
  gtk_label_set_justify (self->explanation, GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (self->explanation), "dim-label");
  gtk_widget_set_parent (GTK_WIDGET (self->explanation), GTK_WIDGET (self));

  gtk_widget_set_halign (buttons, GTK_ALIGN_CENTER);
  gtk_box_set_homogeneous (GTK_BOX (buttons), TRUE);
  gtk_widget_set_parent (buttons, GTK_WIDGET (self));
  /* TRANSLATORS: answers to a contact request */
  self->delete_button = add_button (self, buttons, _("_Delete"), KOI_REQUEST_DELETE, NULL);
  self->block_button = add_button (self, buttons, _("_Block"), KOI_REQUEST_BLOCK, "destructive-action");
  self->accept_button = add_button (self, buttons, _("_Accept"), KOI_REQUEST_ACCEPT, "suggested-action");
}
