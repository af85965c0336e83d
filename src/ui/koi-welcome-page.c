/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-welcome-page"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-autoconfig.h"
#include "koi-cert-dialog.h"
#include "koi-cert-trust.h"
#include "koi-compat.h"
#include "koi-compat-files.h"
#include "koi-net-error.h"
#include "koi-ui-errors.h"
#include "koi-ui-format.h"
#include "koi-welcome-page.h"

/* Positions in the security combo rows. */
enum { SECURITY_TLS, SECURITY_STARTTLS };

struct _KoiWelcomePage
{
  GtkWidget        parent_instance;

  GtkWidget       *form;
  AdwEntryRow     *address_row;
  AdwEntryRow     *password_row;
  AdwEntryRow     *name_row;
  AdwEntryRow     *imap_host_row;
  GtkSpinButton   *imap_port;
  AdwComboRow     *imap_security_row;
  AdwEntryRow     *smtp_host_row;
  GtkSpinButton   *smtp_port;
  AdwComboRow     *smtp_security_row;
  AdwActionRow    *ca_row;
  GtkWidget       *ca_clear_button;
  GtkLabel        *error_label;
  GtkScrolledWindow *scrolled;
  GtkWidget       *add_button;
  AdwBin          *spinner_bin;
  GtkWidget       *busy_focus;   /* weak: where the focus was before busy */
  GtkLabel        *status_label;
  GtkWidget       *manual_button;
  GtkWidget       *imap_group;
  GtkWidget       *smtp_group;
  GtkWidget       *ca_group;

  KoiSession      *session;
  GCancellable    *cancellable;
  GCancellable    *choosing;      /* while the file chooser is open */
  char            *ca_file;
  /* TRUE once the user typed a server name: then the address no longer
   * fills them in. */
  gboolean         hosts_edited;
  gboolean         filling;
  /* The server groups are shown: "Add Account" uses them as they are
   * instead of looking the servers up from the address. */
  gboolean         manual;
  KoiAutoconfigOptions *autoconfig_options; /* tests only */
  GtkWidget       *cert_dialog;   /* weak: the certificate page while shown */
};

G_DEFINE_FINAL_TYPE (KoiWelcomePage, koi_welcome_page, GTK_TYPE_WIDGET)

enum {
  SIGNAL_ACCOUNT_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

GtkWidget *
koi_welcome_page_new (void)
{
  return g_object_new (KOI_TYPE_WELCOME_PAGE, NULL);
}

void
koi_welcome_page_set_session (KoiWelcomePage *self,
                              KoiSession     *session)
{
  g_return_if_fail (KOI_IS_WELCOME_PAGE (self));

  g_set_object (&self->session, session);
}

/* The error sits right above "Add Account", at the end of a long form
 * that may be scrolled anywhere (Enter in a field submits too): once the
 * label has its place, scroll just far enough to show it. */
static gboolean
reveal_error_cb (GtkWidget     *widget,
                 GdkFrameClock *frame_clock,
                 gpointer       user_data)
{
  KoiWelcomePage *self = KOI_WELCOME_PAGE (widget);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scrolled);
  graphene_rect_t bounds, button;
  double page = gtk_adjustment_get_page_size (adjustment);
  double bottom;
  double value = gtk_adjustment_get_value (adjustment);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return G_SOURCE_REMOVE;
  /* Not laid out yet: try again at the next frame. */
  if (!gtk_widget_compute_bounds (GTK_WIDGET (self->error_label), GTK_WIDGET (self->scrolled), &bounds) ||
      bounds.size.height <= 0)
    return G_SOURCE_CONTINUE;

  /* Show the button below it too: trying again is the next step. */
  if (gtk_widget_compute_bounds (self->add_button, GTK_WIDGET (self->scrolled), &button) &&
      button.origin.y + button.size.height > bounds.origin.y + bounds.size.height)
    bottom = button.origin.y + button.size.height;
  else
    bottom = bounds.origin.y + bounds.size.height;

  if (bottom > page)
    gtk_adjustment_set_value (adjustment, value + MIN (bottom - page + 12, bounds.origin.y));
  else if (bounds.origin.y < 0)
    gtk_adjustment_set_value (adjustment, value + bounds.origin.y - 12);

  return G_SOURCE_REMOVE;
}

static void
show_error (KoiWelcomePage *self,
            const char     *message)
{
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);

  if (message != NULL)
    gtk_widget_add_tick_callback (GTK_WIDGET (self), reveal_error_cb, NULL, NULL);
}

const char *
koi_welcome_page_get_error (KoiWelcomePage *self)
{
  g_return_val_if_fail (KOI_IS_WELCOME_PAGE (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
    ? gtk_label_get_label (self->error_label) : "";
}

static void
set_busy (KoiWelcomePage *self,
          gboolean        busy)
{
  if (!busy)
    gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner_bin), busy);
  koi_compat_spinner_set_spinning (adw_bin_get_child (self->spinner_bin), busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "welcome.add-account", !busy);
  gtk_widget_set_sensitive (self->form, TRUE);

  /* An entry that turns insensitive while it has the focus never sees it
   * go (GTK warns): the focus leaves first, and comes back after. */
  if (busy)
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

      if (focus != NULL &&
          (gtk_widget_is_ancestor (focus, GTK_WIDGET (self->address_row)) ||
           gtk_widget_is_ancestor (focus, GTK_WIDGET (self->password_row))))
        {
          g_set_weak_pointer (&self->busy_focus, gtk_widget_is_ancestor (focus, GTK_WIDGET (self->address_row))
                                                 ? GTK_WIDGET (self->address_row)
                                                 : GTK_WIDGET (self->password_row));
          gtk_root_set_focus (root, NULL);
        }
    }

  gtk_widget_set_sensitive (GTK_WIDGET (self->address_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row), !busy);

  if (!busy && self->busy_focus != NULL)
    {
      if (gtk_widget_get_mapped (self->busy_focus))
        gtk_widget_grab_focus (self->busy_focus);
      g_clear_weak_pointer (&self->busy_focus);
    }
}

static char *
dup_trimmed (gpointer editable)
{
  g_autofree char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (editable)));

  return g_strdup (g_strstrip (text));
}

/* Most providers name their servers imap.<domain> and smtp.<domain>; a
 * guess the user can overwrite beats two empty fields. */
static void
on_address_changed (KoiWelcomePage *self,
                    GtkEditable    *editable)
{
  g_autofree char *address = dup_trimmed (editable);
  const char *at = strrchr (address, '@');
  g_autofree char *imap = NULL;
  g_autofree char *smtp = NULL;

  show_error (self, NULL);

  if (self->hosts_edited || at == NULL || at[1] == '\0')
    return;

  imap = g_strconcat ("imap.", at + 1, NULL);
  smtp = g_strconcat ("smtp.", at + 1, NULL);

  self->filling = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->imap_host_row), imap);
  gtk_editable_set_text (GTK_EDITABLE (self->smtp_host_row), smtp);
  self->filling = FALSE;
}

static void
show_manual (KoiWelcomePage *self)
{
  self->manual = TRUE;
  gtk_widget_set_visible (self->imap_group, TRUE);
  gtk_widget_set_visible (self->smtp_group, TRUE);
  gtk_widget_set_visible (self->ca_group, TRUE);
  gtk_widget_set_visible (self->manual_button, FALSE);
}

gboolean
koi_welcome_page_get_manual (KoiWelcomePage *self)
{
  g_return_val_if_fail (KOI_IS_WELCOME_PAGE (self), FALSE);

  return self->manual;
}

static void
on_manual_clicked (KoiWelcomePage *self,
                   GtkButton      *button)
{
  show_manual (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->imap_host_row));
}

static void
on_host_edited (KoiWelcomePage *self,
                GtkEditable    *editable)
{
  if (self->filling)
    return;
  self->hosts_edited = TRUE;
  /* A server typed in (also by a script or a test) is meant to be used. */
  show_manual (self);
}

/* What autoconfig found goes into the server fields, for the user to see
 * and, when it could not be verified, to correct. */
static void
fill_server (KoiWelcomePage        *self,
             const KoiServerConfig *config,
             AdwEntryRow           *host_row,
             GtkSpinButton         *port,
             AdwComboRow           *security_row)
{
  if (config == NULL)
    return;
  self->filling = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (host_row), config->host);
  adw_combo_row_set_selected (security_row, config->security == KOI_SECURITY_STARTTLS
                                              ? SECURITY_STARTTLS : SECURITY_TLS);
  gtk_spin_button_set_value (port, config->port);
  self->filling = FALSE;
}

/* The standard ports follow the security choice unless the user set an
 * unusual port by hand. */
static void
on_security_changed (KoiWelcomePage *self,
                     GParamSpec     *pspec,
                     AdwComboRow    *row)
{
  gboolean starttls = adw_combo_row_get_selected (row) == SECURITY_STARTTLS;
  GtkSpinButton *port;
  int value;

  if (row == self->imap_security_row)
    {
      port = self->imap_port;
      value = gtk_spin_button_get_value_as_int (port);
      if (value == 993 || value == 143)
        gtk_spin_button_set_value (port, starttls ? 143 : 993);
    }
  else
    {
      port = self->smtp_port;
      value = gtk_spin_button_get_value_as_int (port);
      if (value == 465 || value == 587)
        gtk_spin_button_set_value (port, starttls ? 587 : 465);
    }
}

static void
set_ca_file (KoiWelcomePage *self,
             const char     *path)
{
  g_free (self->ca_file);
  self->ca_file = g_strdup (path);

  if (path != NULL)
    {
      g_autofree char *name = g_path_get_basename (path);

      adw_action_row_set_subtitle (self->ca_row, name);
    }
  else
    adw_action_row_set_subtitle (self->ca_row, _("None (the system’s trusted authorities)"));

  gtk_widget_set_visible (self->ca_clear_button, path != NULL);
}

static void
on_ca_chosen (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (KoiWelcomePage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = koi_compat_open_file_finish (result, &error);
  g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

  g_clear_object (&self->choosing);
  if (path != NULL)
    set_ca_file (self, path);
}

static void
on_ca_choose (KoiWelcomePage *self,
              GtkButton      *button)
{
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->choosing != NULL)
    return;

  gtk_file_filter_set_name (filter, _("Certificates (PEM)"));
  gtk_file_filter_add_pattern (filter, "*.pem");
  gtk_file_filter_add_pattern (filter, "*.crt");
  gtk_file_filter_add_mime_type (filter, "application/x-x509-ca-cert");

  self->choosing = g_cancellable_new ();
  koi_compat_open_file (GTK_WIDGET (self), _("Choose a CA Certificate"), filter,
                        self->choosing, on_ca_chosen, g_object_ref (self));
}

static void
on_ca_clear (KoiWelcomePage *self,
             GtkButton      *button)
{
  set_ca_file (self, NULL);
}

KoiAccountSettings *
koi_welcome_page_build_settings (KoiWelcomePage  *self,
                                 GError         **error)
{
  g_autoptr (KoiAccountSettings) settings = NULL;
  g_autofree char *address = NULL;
  g_autofree char *name = NULL;
  g_autofree char *imap_host = NULL;
  g_autofree char *smtp_host = NULL;
  const char *password;

  g_return_val_if_fail (KOI_IS_WELCOME_PAGE (self), NULL);

  address = dup_trimmed (self->address_row);
  name = dup_trimmed (self->name_row);
  imap_host = dup_trimmed (self->imap_host_row);
  smtp_host = dup_trimmed (self->smtp_host_row);
  /* Passwords may begin or end with spaces: taken as typed. */
  password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  if (!koi_ui_address_is_valid (address))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an email address. An address looks like name@example.org."),
                   address);
      return NULL;
    }
  if (*password == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Enter the password of your email account."));
      return NULL;
    }
  if (*imap_host == '\0' || *smtp_host == '\0' || strpbrk (imap_host, " /:@")
      || strpbrk (smtp_host, " /:@"))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Enter the names of the incoming and outgoing mail servers, "
                             "such as imap.example.org."));
      return NULL;
    }

  settings = g_new0 (KoiAccountSettings, 1);
  settings->address = g_strdup (address);
  settings->display_name = *name != '\0' ? g_strdup (name) : NULL;
  settings->imap = koi_server_config_new (imap_host,
                                          gtk_spin_button_get_value_as_int (self->imap_port),
                                          adw_combo_row_get_selected (self->imap_security_row) == SECURITY_STARTTLS
                                            ? KOI_SECURITY_STARTTLS : KOI_SECURITY_TLS,
                                          address, password, self->ca_file);
  settings->smtp = koi_server_config_new (smtp_host,
                                          gtk_spin_button_get_value_as_int (self->smtp_port),
                                          adw_combo_row_get_selected (self->smtp_security_row) == SECURITY_STARTTLS
                                            ? KOI_SECURITY_STARTTLS : KOI_SECURITY_TLS,
                                          address, password, self->ca_file);

  return g_steal_pointer (&settings);
}

typedef struct {
  KoiWelcomePage     *self;
  KoiAccountSettings *settings;
} AddData;

static void
add_data_free (AddData *data)
{
  g_clear_object (&data->self);
  g_clear_pointer (&data->settings, koi_account_settings_free);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AddData, add_data_free)

static void add_account (KoiWelcomePage     *self,
                         KoiAccountSettings *settings);

/* ---- The certificate page ----------------------------------------------- */

typedef struct {
  KoiWelcomePage     *self;
  KoiAccountSettings *settings;
  GError             *failure;
} CertData;

static void
cert_data_free (CertData *data)
{
  g_clear_object (&data->self);
  g_clear_pointer (&data->settings, koi_account_settings_free);
  g_clear_error (&data->failure);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CertData, cert_data_free)

static void
inspect_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  CertData *data = task_data;
  GError *error = NULL;
  KoiCertInfo *info;

  info = koi_cert_trust_inspect_failed (data->settings, data->failure, cancellable, &error);
  if (info == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, info, (GDestroyNotify) koi_cert_info_free);
}

static void
on_cert_trusted (KoiWelcomePage *self,
                 KoiCertDialog  *dialog)
{
  KoiAccountSettings *settings = g_object_get_data (G_OBJECT (dialog), "settings");

  if (settings == NULL)
    return;

  /* Nothing is saved yet: the pin goes with the settings, and the login is
   * checked again, now against exactly this certificate. */
  koi_cert_trust_pin_settings (settings, koi_cert_dialog_get_info (dialog));
  g_object_steal_data (G_OBJECT (dialog), "settings");
  show_error (self, NULL);
  set_busy (self, TRUE);
  gtk_label_set_label (self->status_label, _("Checking the password…"));
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), TRUE);
  add_account (self, settings);
}

static void
on_cert_dialog_closed (KoiWelcomePage *self,
                       GtkWidget      *dialog)
{
  if (self->cert_dialog == dialog)
    g_clear_weak_pointer (&self->cert_dialog);
}

/* The trusted fingerprint of the account's other server on the same host,
 * or NULL: Dovecot and Postfix usually share one certificate, and the user
 * who trusted it for one need not be asked again for the other. */
static const char *
already_trusted (const KoiAccountSettings *settings,
                 const KoiCertInfo        *info)
{
  for (KoiServerConfig **c = (KoiServerConfig *[]) { settings->imap, settings->smtp, NULL }; *c; c++)
    if ((*c)->pinned_cert != NULL && g_ascii_strcasecmp ((*c)->host, info->host) == 0 &&
        g_strcmp0 ((*c)->pinned_key, info->key_pin) == 0)
      return (*c)->pinned_cert;
  return NULL;
}

static void
inspect_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CertData *data = g_task_get_task_data (G_TASK (result));
  KoiWelcomePage *self = data->self;
  g_autoptr (KoiCertInfo) info = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *message = NULL;
  const KoiServerConfig *server;
  GtkWidget *dialog;

  info = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  set_busy (self, FALSE);
  message = koi_ui_describe_account_error (data->failure, data->settings->address,
                                           data->settings->imap, data->settings->smtp);
  show_error (self, message);
  if (info == NULL)
    return;

  if (already_trusted (data->settings, info) != NULL && !koi_cert_error_is_changed (data->failure))
    {
      show_error (self, NULL);
      set_busy (self, TRUE);
      koi_cert_trust_pin_settings (data->settings, info);
      add_account (self, g_steal_pointer (&data->settings));
      return;
    }

  server = data->failure->domain == KOI_SMTP_ERROR ? data->settings->smtp : data->settings->imap;
  dialog = koi_cert_dialog_new (info, koi_cert_error_is_changed (data->failure)
                                        ? server->pinned_cert : NULL);
  g_object_set_data_full (G_OBJECT (dialog), "settings", g_steal_pointer (&data->settings),
                          (GDestroyNotify) koi_account_settings_free);
  g_signal_connect_object (dialog, "trusted", G_CALLBACK (on_cert_trusted), self, G_CONNECT_SWAPPED);
  g_set_weak_pointer (&self->cert_dialog, dialog);
  koi_compat_dialog_connect_closed (dialog, G_CALLBACK (on_cert_dialog_closed), self);
  koi_compat_present_dialog (dialog, GTK_WIDGET (self));
}

/* Reads the refused certificate off the main thread, then shows it. */
static void
review_certificate (KoiWelcomePage     *self,
                    KoiAccountSettings *settings,
                    const GError       *failure)
{
  g_autoptr (GTask) task = NULL;
  CertData *data = g_new0 (CertData, 1);

  data->self = g_object_ref (self);
  data->settings = settings;
  data->failure = g_error_copy (failure);
  gtk_label_set_label (self->status_label, _("Reading the server’s certificate…"));
  task = g_task_new (NULL, self->cancellable, inspect_done, NULL);
  g_task_set_source_tag (task, review_certificate);
  g_task_set_task_data (task, data, (GDestroyNotify) cert_data_free);
  g_task_run_in_thread (task, inspect_thread);
}

GtkWidget *
koi_welcome_page_get_cert_dialog (KoiWelcomePage *self)
{
  g_return_val_if_fail (KOI_IS_WELCOME_PAGE (self), NULL);

  return self->cert_dialog;
}

/* ---- Adding ---------------------------------------------------------- */

static void
add_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr (AddData) data = user_data;
  KoiWelcomePage *self = data->self;
  g_autoptr (KoiAccount) account = NULL;
  g_autoptr (GError) error = NULL;

  account = koi_session_add_account_finish (KOI_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (account == NULL && koi_cert_error_is_untrusted (error))
    {
      review_certificate (self, g_steal_pointer (&data->settings), error);
      return;
    }

  set_busy (self, FALSE);

  if (account == NULL)
    {
      g_autofree char *message =
        koi_ui_describe_account_error (error, data->settings->address,
                                       data->settings->imap, data->settings->smtp);

      show_error (self, message);
      return;
    }

  /* The password now lives in the keyring only. */
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  g_signal_emit (self, signals[SIGNAL_ACCOUNT_ADDED], 0, account);
}



static void
autoconfig_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (KoiWelcomePage) self = user_data;
  g_autoptr (KoiAutoconfigResult) found = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiAccountSettings) settings = NULL;
  g_autofree char *address = NULL;
  const char *domain;

  found = koi_autoconfig_run_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  address = dup_trimmed (self->address_row);
  domain = strrchr (address, '@') != NULL ? strrchr (address, '@') + 1 : address;

  if (found == NULL || !found->verified)
    {
      g_autofree char *message = NULL;
      const GError *why = found != NULL ? (found->imap_error != NULL ? found->imap_error
                                                                     : found->smtp_error)
                                        : NULL;

      set_busy (self, FALSE);
      if (found != NULL)
        {
          fill_server (self, found->imap, self->imap_host_row, self->imap_port, self->imap_security_row);
          fill_server (self, found->smtp, self->smtp_host_row, self->smtp_port, self->smtp_security_row);
        }
      show_manual (self);
      if (koi_cert_error_is_untrusted (why) && found->imap != NULL && found->smtp != NULL)
        {
          /* The servers answer, but with a certificate nobody vouches
           * for: try them, and the certificate page follows. */
          settings = koi_welcome_page_build_settings (self, &error);
          if (settings != NULL)
            {
              g_free (settings->imap->login);
              settings->imap->login = g_strdup (found->imap->login);
              g_free (settings->smtp->login);
              settings->smtp->login = g_strdup (found->smtp->login);
              set_busy (self, TRUE);
              gtk_label_set_label (self->status_label, _("Checking the password…"));
              add_account (self, g_steal_pointer (&settings));
              return;
            }
          message = koi_ui_describe_account_error (why, address, found->imap, found->smtp);
        }
      else
        message = g_strdup_printf (_("Koi could not find the mail servers of %s. "
                                     "Enter them below; your provider’s help pages name them."),
                                   domain);
      show_error (self, message);
      return;
    }

  fill_server (self, found->imap, self->imap_host_row, self->imap_port, self->imap_security_row);
  fill_server (self, found->smtp, self->smtp_host_row, self->smtp_port, self->smtp_security_row);
  /* The login found may differ from the address (%EMAILLOCALPART%). */
  settings = koi_welcome_page_build_settings (self, &error);
  if (settings == NULL)
    {
      set_busy (self, FALSE);
      show_error (self, error->message);
      return;
    }
  g_free (settings->imap->login);
  settings->imap->login = g_strdup (found->imap->login);
  g_free (settings->smtp->login);
  settings->smtp->login = g_strdup (found->smtp->login);
  /* NULL (the system's CAs) but in tests, whose throw-away CA verified
   * the probes. */
  g_free (settings->imap->ca_file);
  settings->imap->ca_file = g_strdup (found->imap->ca_file);
  g_free (settings->smtp->ca_file);
  settings->smtp->ca_file = g_strdup (found->smtp->ca_file);
  gtk_label_set_label (self->status_label, _("Checking the password…"));
  add_account (self, g_steal_pointer (&settings));
}

void
koi_welcome_page_set_autoconfig_options (KoiWelcomePage       *self,
                                         KoiAutoconfigOptions *options)
{
  g_return_if_fail (KOI_IS_WELCOME_PAGE (self));

  g_clear_pointer (&self->autoconfig_options, koi_autoconfig_options_free);
  self->autoconfig_options = options;
}

static void
add_account (KoiWelcomePage     *self,
             KoiAccountSettings *settings)
{
  AddData *data = g_new0 (AddData, 1);

  data->self = g_object_ref (self);
  data->settings = settings;
  koi_session_add_account_async (self->session, settings, self->cancellable, add_done, data);
}

void
koi_welcome_page_submit (KoiWelcomePage *self)
{
  g_autoptr (GError) error = NULL;
  KoiAccountSettings *settings;

  g_return_if_fail (KOI_IS_WELCOME_PAGE (self));

  settings = koi_welcome_page_build_settings (self, &error);
  if (settings == NULL)
    {
      show_error (self, error->message);
      return;
    }

  if (self->session == NULL)
    {
      koi_account_settings_free (settings);
      show_error (self, _("Koi could not open its profile folder, so it cannot add an account."));
      return;
    }

  show_error (self, NULL);
  set_busy (self, TRUE);

  if (!self->manual)
    {
      /* Email and password only: find the servers first (off the main
       * thread), then check the login with them. */
      gtk_label_set_label (self->status_label, _("Looking up the mail servers…"));
      gtk_widget_set_visible (GTK_WIDGET (self->status_label), TRUE);
      /* build-aux/demo (and koi-cli's tests) serve the autoconfig file from
       * a loopback port with a throw-away CA: the same two variables as
       * koi-cli reads. Verification stays on; only where it looks moves. */
      if (self->autoconfig_options == NULL && g_getenv ("KOI_TEST_AUTOCONFIG_HTTPS_PORT") != NULL)
        {
          self->autoconfig_options = koi_autoconfig_options_new ();
          koi_autoconfig_options_set_https_port (self->autoconfig_options,
                                                 (guint16) g_ascii_strtoull (g_getenv ("KOI_TEST_AUTOCONFIG_HTTPS_PORT"),
                                                                             NULL, 10));
          koi_autoconfig_options_set_ca_file (self->autoconfig_options,
                                              g_getenv ("KOI_TEST_AUTOCONFIG_CA_FILE"));
        }
      koi_autoconfig_run_async (settings->address, self->autoconfig_options, self->cancellable,
                                autoconfig_done, g_object_ref (self));
      koi_account_settings_free (settings);
      return;
    }

  add_account (self, settings);
}

static void
add_account_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  koi_welcome_page_submit (KOI_WELCOME_PAGE (widget));
}

static void
koi_welcome_page_dispose (GObject *object)
{
  KoiWelcomePage *self = KOI_WELCOME_PAGE (object);

  g_clear_weak_pointer (&self->busy_focus);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->choosing);
  gtk_widget_dispose_template (GTK_WIDGET (object), KOI_TYPE_WELCOME_PAGE);
  /* GTK 4.8 unparents only the template children that have an id. */
  koi_widget_unparent_children (GTK_WIDGET (object));
  g_clear_object (&self->session);
  g_clear_pointer (&self->ca_file, g_free);
  g_clear_weak_pointer (&self->cert_dialog);
  g_clear_pointer (&self->autoconfig_options, koi_autoconfig_options_free);

  G_OBJECT_CLASS (koi_welcome_page_parent_class)->dispose (object);
}

static void
koi_welcome_page_class_init (KoiWelcomePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_welcome_page_dispose;

  /**
   * KoiWelcomePage::account-added:
   * @account: the new, verified account
   */
  signals[SIGNAL_ACCOUNT_ADDED] =
    g_signal_new ("account-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KOI_TYPE_ACCOUNT);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/koi-welcome-page.ui");
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, form);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, address_row);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, password_row);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, name_row);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, imap_host_row);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, imap_port);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, imap_security_row);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, smtp_host_row);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, smtp_port);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, smtp_security_row);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, ca_row);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, ca_clear_button);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, error_label);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, scrolled);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, add_button);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, spinner_bin);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, status_label);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, manual_button);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, imap_group);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, smtp_group);
  gtk_widget_class_bind_template_child (widget_class, KoiWelcomePage, ca_group);
  gtk_widget_class_bind_template_callback (widget_class, on_manual_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_address_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_host_edited);
  gtk_widget_class_bind_template_callback (widget_class, on_security_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_ca_choose);
  gtk_widget_class_bind_template_callback (widget_class, on_ca_clear);

  gtk_widget_class_install_action (widget_class, "welcome.add-account", NULL, add_account_action);
}

static void
koi_welcome_page_init (KoiWelcomePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  adw_bin_set_child (self->spinner_bin, koi_compat_spinner_new ());

  self->cancellable = g_cancellable_new ();
}
