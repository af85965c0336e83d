/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-cert-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-cert-dialog.h"

struct _KoiCertDialog
{
  KoiDialogBase  parent_instance;

  GtkLabel      *heading_label;
  GtkLabel      *explanation_label;
  AdwActionRow  *server_row;
  AdwActionRow  *problem_row;
  AdwActionRow  *subject_row;
  AdwActionRow  *issuer_row;
  AdwActionRow  *from_row;
  AdwActionRow  *until_row;
  GtkLabel      *fingerprint_label;
  GtkWidget     *old_box;
  GtkLabel      *old_fingerprint_label;

  KoiCertInfo   *info;
};

G_DEFINE_FINAL_TYPE (KoiCertDialog, koi_cert_dialog, KOI_TYPE_DIALOG_BASE)

enum {
  SIGNAL_TRUSTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_row (AdwActionRow *row,
         const char   *value)
{
  gboolean known = value != NULL && *value != '\0';

  adw_action_row_set_subtitle (row, known ? value : _("Not stated"));
}

/* Four groups of 8 pairs a line: comparable at a glance with what the
 * administrator reads out, never cut in the middle of a pair. */
static char *
format_fingerprint (const char *sha256)
{
  GString *out = g_string_new (NULL);
  guint pairs = 0;

  for (const char *c = sha256; c != NULL && *c != '\0'; c++)
    {
      if (*c == ':')
        {
          pairs++;
          g_string_append (out, pairs % 8 == 0 ? "\n" : ":");
          continue;
        }
      g_string_append_c (out, *c);
    }
  return g_string_free (out, FALSE);
}

GtkWidget *
koi_cert_dialog_new (const KoiCertInfo *info,
                     const char        *trusted_sha256)
{
  KoiCertDialog *self;
  g_autofree char *server = NULL;
  g_autofree char *fingerprint = NULL;

  g_return_val_if_fail (info != NULL, NULL);

  self = g_object_new (KOI_TYPE_CERT_DIALOG, NULL);
  self->info = koi_cert_info_copy (info);

  server = g_strdup_printf ("%s:%u", info->host, info->port);
  if (trusted_sha256 != NULL)
    {
      g_autofree char *old = format_fingerprint (trusted_sha256);

      gtk_label_set_label (self->heading_label, _("The Certificate Has Changed"));
      gtk_label_set_label (self->explanation_label,
                           _("This server now shows a different certificate from the one you "
                             "trusted for this account. That happens when its administrator "
                             "renews it, but also when someone intercepts the connection. "
                             "Compare the new fingerprint with the one your administrator "
                             "gives you before trusting it."));
      gtk_label_set_label (self->old_fingerprint_label, old);
      gtk_widget_set_visible (self->old_box, TRUE);
    }
  else
    {
      gtk_label_set_label (self->heading_label, _("The Certificate Is Not Trusted"));
      gtk_label_set_label (self->explanation_label,
                           _("No authority Koi knows vouches for this server’s certificate. "
                             "If it is your own or your organisation’s server, compare the "
                             "fingerprint with the one its administrator gives you. Once "
                             "trusted, Koi accepts exactly this certificate for this account, "
                             "and refuses any other."));
    }

  set_row (self->server_row, server);
  /* For a changed certificate what matters is that it is another one,
   * not whether an authority vouches for it. */
  set_row (self->problem_row, trusted_sha256 != NULL ? _("Not the certificate trusted for this account")
                                                     : info->problem);
  set_row (self->subject_row, info->subject);
  set_row (self->issuer_row, info->issuer);
  set_row (self->from_row, info->not_before);
  set_row (self->until_row, info->not_after);
  fingerprint = format_fingerprint (info->sha256);
  gtk_label_set_label (self->fingerprint_label, fingerprint);

  return GTK_WIDGET (self);
}

const KoiCertInfo *
koi_cert_dialog_get_info (KoiCertDialog *self)
{
  g_return_val_if_fail (KOI_IS_CERT_DIALOG (self), NULL);

  return self->info;
}

void
koi_cert_dialog_trust (KoiCertDialog *self)
{
  g_return_if_fail (KOI_IS_CERT_DIALOG (self));

  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_TRUSTED], 0);
  koi_compat_dialog_close (self);
  g_object_unref (self);
}

static void
trust_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  koi_cert_dialog_trust (KOI_CERT_DIALOG (widget));
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  koi_compat_dialog_close (widget);
}

static void
koi_cert_dialog_dispose (GObject *object)
{
  KoiCertDialog *self = KOI_CERT_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (object), KOI_TYPE_CERT_DIALOG);
  g_clear_pointer (&self->info, koi_cert_info_free);

  G_OBJECT_CLASS (koi_cert_dialog_parent_class)->dispose (object);
}

static void
koi_cert_dialog_class_init (KoiCertDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_cert_dialog_dispose;

  /**
   * KoiCertDialog::trusted:
   *
   * The user chose to trust the certificate (koi_cert_dialog_get_info()).
   */
  signals[SIGNAL_TRUSTED] =
    g_signal_new ("trusted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/koi-cert-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, KoiCertDialog, heading_label);
  gtk_widget_class_bind_template_child (widget_class, KoiCertDialog, explanation_label);
  gtk_widget_class_bind_template_child (widget_class, KoiCertDialog, server_row);
  gtk_widget_class_bind_template_child (widget_class, KoiCertDialog, problem_row);
  gtk_widget_class_bind_template_child (widget_class, KoiCertDialog, subject_row);
  gtk_widget_class_bind_template_child (widget_class, KoiCertDialog, issuer_row);
  gtk_widget_class_bind_template_child (widget_class, KoiCertDialog, from_row);
  gtk_widget_class_bind_template_child (widget_class, KoiCertDialog, until_row);
  gtk_widget_class_bind_template_child (widget_class, KoiCertDialog, fingerprint_label);
  gtk_widget_class_bind_template_child (widget_class, KoiCertDialog, old_box);
  gtk_widget_class_bind_template_child (widget_class, KoiCertDialog, old_fingerprint_label);

  gtk_widget_class_install_action (widget_class, "cert.trust", NULL, trust_action);
  gtk_widget_class_install_action (widget_class, "cert.cancel", NULL, cancel_action);
  koi_compat_dialog_class_init (widget_class);
}

static void
koi_cert_dialog_init (KoiCertDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
