/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store-alert"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-compat.h"
#include "koi-store-alert.h"
#include "koi-store-error.h"
#include "koi-window.h"

typedef struct {
  GtkWindow  *window;    /* weak */
  KoiSession *session;
} Context;

static void
context_free (Context *context)
{
  g_clear_weak_pointer (&context->window);
  g_clear_object (&context->session);
  g_free (context);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Context, context_free)

static Context *
context_new (GtkWindow  *window,
             KoiSession *session)
{
  Context *context = g_new0 (Context, 1);

  g_set_weak_pointer (&context->window, window);
  context->session = g_object_ref (session);
  return context;
}

static void
toast (Context    *context,
       const char *message)
{
  if (KOI_IS_WINDOW (context->window))
    koi_window_show_toast (KOI_WINDOW (context->window), message);
}

static void
loaded_again (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (Context) context = user_data;
  g_autoptr (GError) error = NULL;

  if (koi_session_load_finish (KOI_SESSION (source), result, &error) || context->window == NULL)
    return;
  if (!koi_store_alert_handle (context->window, context->session, error))
    {
      g_autofree char *message = g_strdup_printf (_("Cannot read your chats: %s"), error->message);

      toast (context, message);
    }
}

static void
load_again (Context *context)
{
  koi_session_load_async (context->session, NULL, loaded_again,
                          context_new (context->window, context->session));
}

static void
repaired (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr (Context) context = user_data;
  g_autoptr (GError) error = NULL;
  gint n_accounts = koi_session_repair_store_finish (KOI_SESSION (source), result, &error);

  if (n_accounts < 0)
    {
      /* TRANSLATORS: %s is the reason, e.g. "Permission denied" */
      g_autofree char *message = g_strdup_printf (_("Could not repair the message store: %s"),
                                                  error->message);

      g_warning ("Repairing the store: %s", error->message);
      toast (context, message);
      return;
    }
  toast (context, n_accounts > 0 ? _("Downloading your chats from the server again")
                                 : _("Add your account again to download your chats"));
  load_again (context);
}

static void
on_response (GtkWidget  *alert,
             const char *response,
             gpointer    user_data)
{
  Context *context = user_data;

  if (g_strcmp0 (response, "repair") == 0)
    koi_session_repair_store_async (context->session, NULL, repaired,
                                    context_new (context->window, context->session));
  else if (g_strcmp0 (response, "retry") == 0)
    load_again (context);
  else if (g_application_get_default () != NULL)
    g_application_quit (g_application_get_default ());
  else if (context->window != NULL)
    gtk_window_destroy (context->window);
}

gboolean
koi_store_alert_handle (GtkWindow    *window,
                        KoiSession   *session,
                        const GError *error)
{
  const char *heading;
  const char *body;
  const char *action = NULL;
  const char *action_label = NULL;
  GtkWidget *alert;

  g_return_val_if_fail (GTK_IS_WINDOW (window), FALSE);
  g_return_val_if_fail (KOI_IS_SESSION (session), FALSE);

  if (error == NULL || error->domain != KOI_STORE_ERROR)
    return FALSE;

  switch (error->code)
    {
    case KOI_STORE_ERROR_CORRUPT:
      /* Headings stay short: AdwAlertDialog (libadwaita 1.7) warns when
       * its one-line heading is wider than the dialog. */
      heading = _("Message Store Damaged");
      body = _("Koi’s message store is damaged. Your mail is safe on the server. Koi can "
               "move the damaged store aside and download your chats again. Messages not "
               "sent yet stay in the file set aside.");
      action = "repair";
      action_label = _("_Repair");
      break;
    case KOI_STORE_ERROR_TOO_NEW:
      heading = _("Store From a Newer Koi");
      body = _("This store was written by a newer version of Koi. This version cannot "
               "read it and leaves it as it is. Update Koi, or go on using the newer "
               "version.");
      break;
    case KOI_STORE_ERROR_BUSY:
      heading = _("Koi Is Already Running");
      body = _("Another copy of Koi (or koi-cli) is using this message store. Close it, "
               "then try again.");
      action = "retry";
      action_label = _("_Try Again");
      break;
    case KOI_STORE_ERROR_FULL:
      heading = _("The Disk Is Full");
      body = _("Koi cannot write its message store. Free some space, then try again.");
      action = "retry";
      action_label = _("_Try Again");
      break;
    default:
      return FALSE;
    }

  g_message ("The store cannot be used: %s", error->message);
  alert = koi_compat_alert_new (heading, body);
  gtk_widget_set_name (alert, "koi-store-alert");
  koi_compat_alert_add_response (alert, "quit", _("_Quit"), ADW_RESPONSE_DEFAULT);
  if (action != NULL)
    koi_compat_alert_add_response (alert, action, action_label, ADW_RESPONSE_SUGGESTED);
  koi_compat_alert_set_responses (alert, action != NULL ? action : "quit", "quit");
  g_signal_connect_data (alert, "response", G_CALLBACK (on_response), context_new (window, session),
                         (GClosureNotify) (void (*) (void)) context_free, 0);
  koi_compat_alert_present (alert, GTK_WIDGET (window));
  return TRUE;
}
