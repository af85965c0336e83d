/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-password-prompt"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "koi-compat.h"
#include "koi-password-prompt.h"
#include "koi-ui-errors.h"

typedef struct
{
  KoiSession *session;
  KoiAccount *account;
  GtkWidget  *parent;   /* weak: the window may close meanwhile */
  gboolean    sending;  /* only the sending server's password */
} Prompt;

static void
prompt_free (Prompt *prompt)
{
  g_clear_object (&prompt->session);
  g_clear_object (&prompt->account);
  g_clear_weak_pointer (&prompt->parent);
  g_free (prompt);
}

static void show_prompt (Prompt     *prompt,
                         const char *body);

/* Asked again, with why the password did not work: the user may have
 * mistyped. */
static void
ask_again (Prompt       *prompt,
           const GError *error)
{
  const KoiAccountConfig *config = koi_account_get_servers (prompt->account);
  g_autofree char *why = koi_ui_describe_account_error (error, koi_account_get_address (prompt->account),
                                                        config != NULL ? config->imap : NULL,
                                                        config != NULL ? config->smtp : NULL);

  show_prompt (prompt, why);
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Prompt *prompt = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiAccount) account = NULL;

  account = koi_session_add_account_finish (KOI_SESSION (source), result, &error);
  if (account == NULL && prompt->parent != NULL)
    {
      ask_again (prompt, error);
      return;
    }
  prompt_free (prompt);
}

static void
smtp_saved_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Prompt *prompt = user_data;
  g_autoptr (GError) error = NULL;

  if (!koi_session_set_smtp_password_finish (KOI_SESSION (source), result, &error) &&
      prompt->parent != NULL)
    {
      ask_again (prompt, error);
      return;
    }
  prompt_free (prompt);
}

/* The account's servers as the engine knows them, with @password. */
static KoiAccountSettings *
settings_with (KoiAccount *account,
               const char *password)
{
  /* Without an engine (no password in the keyring) the stored servers. */
  const KoiAccountConfig *config = koi_account_get_servers (account);
  KoiAccountSettings *settings;

  if (config == NULL || config->imap == NULL || config->smtp == NULL)
    return NULL;
  settings = g_new0 (KoiAccountSettings, 1);
  settings->address = g_strdup (config->address);
  settings->display_name = g_strdup (config->display_name);
  settings->imap = koi_server_config_copy (config->imap);
  settings->smtp = koi_server_config_copy (config->smtp);
  /* One password for both servers, as the welcome form asks for it. */
  if (settings->imap->password != NULL)
    explicit_bzero (settings->imap->password, strlen (settings->imap->password));
  g_free (settings->imap->password);
  settings->imap->password = g_strdup (password);
  if (settings->smtp->password != NULL)
    explicit_bzero (settings->smtp->password, strlen (settings->smtp->password));
  g_free (settings->smtp->password);
  settings->smtp->password = g_strdup (password);
  return settings;
}

static void
on_response (GtkWidget  *alert,
             const char *response,
             Prompt     *prompt)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (alert), "koi-entry");
  g_autoptr (KoiAccountSettings) settings = NULL;

  if (g_strcmp0 (response, "log-in") != 0 || entry == NULL)
    {
      prompt_free (prompt);
      return;
    }
  if (prompt->sending)
    {
      /* Checked with the sending server, kept for it alone: the
       * receiving one still takes the saved password. */
      koi_session_set_smtp_password_async (prompt->session, prompt->account,
                                           gtk_editable_get_text (entry), NULL, smtp_saved_cb, prompt);
      gtk_editable_set_text (entry, "");
      return;
    }
  settings = settings_with (prompt->account, gtk_editable_get_text (entry));
  gtk_editable_set_text (entry, "");
  if (settings == NULL)
    {
      prompt_free (prompt);
      return;
    }
  /* Checked with both servers on a worker thread, saved in the keyring,
   * and the engine restarted with it (koi-session.c). */
  koi_session_add_account_async (prompt->session, settings, NULL, saved_cb, prompt);
}

static void
on_password_changed (GtkEditable *entry,
                     GtkWidget   *alert)
{
  koi_compat_alert_set_response_enabled (alert, "log-in", *gtk_editable_get_text (entry) != '\0');
}

static void
show_prompt (Prompt     *prompt,
             const char *body)
{
  GtkWidget *alert = koi_compat_alert_new (_("Enter Password"), body);
  /* A hidden GtkEntry, not GtkPasswordEntry: GTK 4.8's watches the
   * keyboard's Caps Lock state and was seen to get that signal after it
   * was freed, once the alert closed. */
  GtkWidget *entry = gtk_entry_new ();

  gtk_entry_set_visibility (GTK_ENTRY (entry), FALSE);
  gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_PASSWORD);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Password"), -1);
  koi_compat_alert_set_extra_child (alert, entry);
  g_object_set_data (G_OBJECT (alert), "koi-entry", entry);
  koi_compat_alert_add_response (alert, "cancel", _("_Cancel"), ADW_RESPONSE_DEFAULT);
  koi_compat_alert_add_response (alert, "log-in", _("_Log In"), ADW_RESPONSE_SUGGESTED);
  koi_compat_alert_set_responses (alert, "log-in", "cancel");
  g_signal_connect (entry, "changed", G_CALLBACK (on_password_changed), alert);
  on_password_changed (GTK_EDITABLE (entry), alert);
  g_signal_connect (alert, "response", G_CALLBACK (on_response), prompt);
  koi_compat_alert_present (alert, prompt->parent);
  gtk_widget_grab_focus (entry);
}

void
koi_password_prompt_run (KoiSession *session,
                         KoiAccount *account,
                         GtkWidget  *parent)
{
  Prompt *prompt;
  g_autofree char *body = NULL;

  g_return_if_fail (KOI_IS_SESSION (session));
  g_return_if_fail (KOI_IS_ACCOUNT (account));
  g_return_if_fail (GTK_IS_WIDGET (parent));

  prompt = g_new0 (Prompt, 1);
  prompt->session = g_object_ref (session);
  prompt->account = g_object_ref (account);
  g_set_weak_pointer (&prompt->parent, parent);
  prompt->sending = koi_account_get_stopped (account) == KOI_ACCOUNT_STOPPED_NONE
                    && koi_account_get_connection_state (account) != KOI_CONNECTION_FAILED
                    && koi_account_get_sending_refused (account);
  if (prompt->sending)
    {
      const KoiAccountConfig *config = koi_account_get_servers (account);

      /* TRANSLATORS: the first %s is the sending (SMTP) server's name,
       * the second the account's email address */
      body = g_strdup_printf (_("The sending server %s did not accept the saved password for %s. "
                                "Enter the password for sending; receiving keeps its own."),
                              config != NULL ? config->smtp->host : "",
                              koi_account_get_address (account));
    }
  else if (koi_account_get_stopped (account) == KOI_ACCOUNT_STOPPED_NO_PASSWORD)
    /* TRANSLATORS: %s is the account's email address */
    body = g_strdup_printf (_("The keyring has no password for %s. Enter it to connect; "
                              "Koi saves it in the keyring again."),
                            koi_account_get_address (account));
  else
    /* TRANSLATORS: %s is the account's email address */
    body = g_strdup_printf (_("The mail server did not accept the saved password for %s. "
                              "Enter its current password."),
                            koi_account_get_address (account));
  show_prompt (prompt, body);
}
