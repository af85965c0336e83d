/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-coi-offer"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-coi-offer.h"
#include "koi-compat.h"

static void
on_response (GtkWidget  *alert,
             const char *response,
             KoiAccount *account)
{
  /* Closing the question is an answer too: it is asked once. */
  koi_account_answer_coi_offer (account, g_strcmp0 (response, "enable") == 0);
}

void
koi_coi_offer_ask (KoiAccount *account,
                   GtkWidget  *parent)
{
  GtkRoot *root = gtk_widget_get_root (parent);
  g_autofree char *body = NULL;
  GtkWidget *alert;

  g_return_if_fail (KOI_IS_ACCOUNT (account));

  if (!koi_account_get_coi_offered (account) ||
      (GTK_IS_WINDOW (root) && koi_compat_alert_find (GTK_WINDOW (root)) != NULL))
    return;

  /* TRANSLATORS: %s is the account's email address */
  body = g_strdup_printf (_("The mail server of %s can put chat messages into its own chat folder "
                            "as they arrive, so the inbox keeps only ordinary email, in every mail "
                            "program. Koi then reads chats from there."),
                          koi_account_get_address (account));
  alert = koi_compat_alert_new (_("Let the Server Sort Chats?"), body);
  koi_compat_alert_add_response (alert, "keep", _("_Keep in Inbox"), ADW_RESPONSE_DEFAULT);
  koi_compat_alert_add_response (alert, "enable", _("_Let the Server Sort"), ADW_RESPONSE_SUGGESTED);
  koi_compat_alert_set_responses (alert, "enable", "keep");
  g_signal_connect_object (alert, "response", G_CALLBACK (on_response), account, 0);
  koi_compat_alert_present (alert, parent);
}
