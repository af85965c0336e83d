/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-window"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-compat.h"
#include "koi-window-private.h"

/* The account switcher's "Add Account…" and "Remove Account…". */

/* The welcome form is the setup flow (autoconfig, the certificate page):
 * "Add Account…" shows it again with a way back to the chats. */
static void
add_account_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  KoiWindow *self = KOI_WINDOW (widget);

  if (self->session == NULL || !koi_session_get_loaded (self->session))
    return;
  self->adding_account = TRUE;
  gtk_widget_set_visible (self->welcome_cancel, TRUE);
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_stack_set_visible_child_name (self->main_stack, "welcome");
  gtk_widget_child_focus (GTK_WIDGET (self->welcome_page), GTK_DIR_TAB_FORWARD);
}

static void
cancel_add_account_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  KoiWindow *self = KOI_WINDOW (widget);

  if (!self->adding_account || self->account == NULL)
    return;
  self->adding_account = FALSE;
  gtk_widget_set_visible (self->welcome_cancel, FALSE);
  /* No hidden entry of the form may keep the focus. */
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_stack_set_visible_child_name (self->main_stack, "chats");
  gtk_widget_grab_focus (GTK_WIDGET (self->chat_list_view));
}

static void
removed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (KoiWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!koi_session_remove_account_finish (KOI_SESSION (source), result, &error))
    {
      g_autofree char *message = NULL;

      g_warning ("Removing the account failed: %s", error->message);
      /* TRANSLATORS: toast; %s is the reason in plain words */
      message = g_strdup_printf (_("The account could not be removed: %s"), error->message);
      koi_window_show_toast (self, message);
    }
}

static void
on_remove_response (GtkWidget  *alert,
                    const char *response,
                    KoiWindow  *self)
{
  KoiAccount *account = g_object_get_data (G_OBJECT (alert), "koi-account");

  if (g_strcmp0 (response, "remove") != 0 || account == NULL || self->session == NULL)
    return;
  koi_session_remove_account_async (self->session, account, NULL, removed_cb, g_object_ref (self));
}

static void
remove_account_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  KoiWindow *self = KOI_WINDOW (widget);
  g_autofree char *body = NULL;
  GtkWidget *alert;

  if (self->account == NULL || koi_compat_alert_find (GTK_WINDOW (self)) != NULL)
    return;

  /* TRANSLATORS: %s is the account's email address */
  body = g_strdup_printf (_("The chats, messages and files of %s are deleted from this computer, "
                            "and its password and encryption key are removed from the keyring. "
                            "The mail on the server stays as it is."),
                          koi_account_get_address (self->account));
  alert = koi_compat_alert_new (_("Remove Account?"), body);
  koi_compat_alert_add_response (alert, "cancel", _("_Cancel"), ADW_RESPONSE_DEFAULT);
  koi_compat_alert_add_response (alert, "remove", _("_Remove"), ADW_RESPONSE_DESTRUCTIVE);
  koi_compat_alert_set_responses (alert, "cancel", "cancel");
  g_object_set_data_full (G_OBJECT (alert), "koi-account", g_object_ref (self->account),
                          g_object_unref);
  g_signal_connect_object (alert, "response", G_CALLBACK (on_remove_response), self, 0);
  koi_compat_alert_present (alert, GTK_WIDGET (self));
}

void
koi_window_class_install_account_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.add-account", NULL, add_account_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-add-account", NULL,
                                   cancel_add_account_action);
  gtk_widget_class_install_action (widget_class, "win.remove-account", NULL, remove_account_action);
}
