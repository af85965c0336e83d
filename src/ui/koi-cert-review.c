/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-cert-review"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-cert-dialog.h"
#include "koi-cert-review.h"
#include "koi-compat.h"
#include "koi-engine.h"
#include "koi-net-cert.h"

#define INSPECT_TIMEOUT_MS 15000

/* One certificate to decide on, and where the account uses it. */
typedef struct {
  KoiCertInfo *info;
  char        *trusted_sha256;  /* the one trusted until now, or NULL */
  GPtrArray   *servers;         /* KoiServerConfig* (borrowed from the review's config) */
} Refused;

static void
refused_free (Refused *refused)
{
  koi_cert_info_free (refused->info);
  g_free (refused->trusted_sha256);
  g_ptr_array_unref (refused->servers);
  g_free (refused);
}

typedef struct {
  KoiAccount       *account;
  GtkWidget        *parent;      /* weak */
  KoiAccountConfig *config;
  GPtrArray        *refused;     /* Refused* */
  guint             next;
  guint             pending;     /* trust commands still running */
} Review;

static void
review_free (Review *review)
{
  g_clear_object (&review->account);
  g_clear_weak_pointer (&review->parent);
  g_clear_pointer (&review->config, koi_account_config_free);
  g_clear_pointer (&review->refused, g_ptr_array_unref);
  g_free (review);
}

char *
koi_cert_review_describe (KoiAccount *account)
{
  KoiEngine *engine = koi_account_get_engine (account);
  const KoiAccountConfig *config = engine != NULL ? koi_engine_get_account_config (engine) : NULL;

  if (config == NULL)
    return g_strdup ("");
  if (config->imap->pinned_cert != NULL || config->smtp->pinned_cert != NULL)
    return g_strdup_printf (_("Trusts one certificate: SHA-256 %.23s…"),
                            config->imap->pinned_cert != NULL ? config->imap->pinned_cert
                                                              : config->smtp->pinned_cert);
  return g_strdup (_("Certificates checked against the certificate authorities"));
}

/* On a worker thread: what each server shows, and which are refused. */
static void
inspect_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Review *review = task_data;
  g_autoptr (GPtrArray) refused = g_ptr_array_new_with_free_func ((GDestroyNotify) refused_free);
  GError *first_error = NULL;

  for (guint i = 0; i < 2; i++)
    {
      KoiServerConfig *server = i == 0 ? review->config->imap : review->config->smtp;
      g_autoptr (KoiCertInfo) info = NULL;
      GError *error = NULL;
      gboolean is_refused;

      info = koi_net_cert_inspect (server, i == 0 ? KOI_PROBE_IMAP : KOI_PROBE_SMTP,
                                   INSPECT_TIMEOUT_MS, cancellable, &error);
      if (info == NULL)
        {
          if (first_error == NULL)
            first_error = error;
          else
            g_error_free (error);
          continue;
        }

      is_refused = server->pinned_key != NULL ? g_strcmp0 (server->pinned_key, info->key_pin) != 0
                                              : info->problem != NULL;
      if (!is_refused)
        continue;

      /* The same certificate on both servers (Dovecot and Postfix on one
       * host): one question. */
      if (refused->len > 0)
        {
          Refused *earlier = g_ptr_array_index (refused, 0);

          if (g_strcmp0 (earlier->info->key_pin, info->key_pin) == 0)
            {
              g_ptr_array_add (earlier->servers, server);
              continue;
            }
        }

      {
        Refused *item = g_new0 (Refused, 1);

        item->info = g_steal_pointer (&info);
        item->trusted_sha256 = g_strdup (server->pinned_cert);
        item->servers = g_ptr_array_new ();
        g_ptr_array_add (item->servers, server);
        g_ptr_array_add (refused, item);
      }
    }

  if (refused->len == 0 && first_error != NULL)
    {
      g_task_return_error (task, first_error);
      return;
    }
  g_clear_error (&first_error);
  g_task_return_pointer (task, g_steal_pointer (&refused), (GDestroyNotify) g_ptr_array_unref);
}

static void show_next (Review *review);

static void
finish (Review *review)
{
  KoiEngine *engine = koi_account_get_engine (review->account);

  /* Connect again, now with the pins. */
  if (engine != NULL && !koi_engine_is_running (engine))
    koi_engine_start (engine);
  review_free (review);
}

static void
trust_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Review *review = user_data;
  g_autoptr (GError) error = NULL;

  if (!koi_engine_trust_certificate_finish (KOI_ENGINE (source), result, &error))
    g_warning ("Could not trust the certificate: %s", error->message);
  if (--review->pending == 0)
    show_next (review);
}

static void
on_trusted (KoiCertDialog *dialog,
            Review        *review)
{
  Refused *item = g_ptr_array_index (review->refused, review->next - 1);
  KoiEngine *engine = koi_account_get_engine (review->account);

  g_object_steal_data (G_OBJECT (dialog), "review");
  for (guint i = 0; i < item->servers->len; i++)
    {
      const KoiServerConfig *server = g_ptr_array_index (item->servers, i);

      review->pending++;
      koi_engine_trust_certificate_async (engine, server->host, server->port,
                                          item->info->key_pin, item->info->sha256,
                                          NULL, trust_done, review);
    }
}

/* Cancelled (closed without trusting): the review ends there. */
static void
review_dropped (gpointer data)
{
  review_free (data);
}

static void
on_dialog_closed (gpointer   unused,
                  GtkWidget *dialog)
{
  Review *review = g_object_steal_data (G_OBJECT (dialog), "review");

  /* Closed without trusting: the review ends here. */
  if (review != NULL)
    review_free (review);
}

static void
show_next (Review *review)
{
  Refused *item;
  GtkWidget *dialog;

  if (review->next >= review->refused->len || review->parent == NULL)
    {
      finish (review);
      return;
    }

  item = g_ptr_array_index (review->refused, review->next++);
  dialog = koi_cert_dialog_new (item->info, item->trusted_sha256);
  /* Owned by the dialog until the user trusts (then by the engine's
   * callbacks); dropped with the dialog otherwise. */
  g_object_set_data_full (G_OBJECT (dialog), "review", review, review_dropped);
  g_signal_connect (dialog, "trusted", G_CALLBACK (on_trusted), review);
  koi_compat_dialog_connect_closed (dialog, G_CALLBACK (on_dialog_closed), NULL);
  koi_compat_present_dialog (dialog, review->parent);
}

static void
inspect_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Review *review = user_data;
  g_autoptr (GError) error = NULL;
  GPtrArray *refused;

  refused = g_task_propagate_pointer (G_TASK (result), &error);
  if (review->parent == NULL)
    {
      g_clear_pointer (&refused, g_ptr_array_unref);
      review_free (review);
      return;
    }
  if (refused == NULL || refused->len == 0)
    {
      g_autofree char *body = NULL;
      GtkWidget *alert;

      if (refused == NULL)
        body = g_strdup_printf (_("Koi could not read the certificates: %s"), error->message);
      else
        body = g_strdup (_("The servers of this account show the certificates Koi trusts for it."));
      alert = koi_compat_alert_new (_("Nothing to Review"), body);
      koi_compat_alert_add_response (alert, "close", _("_Close"), ADW_RESPONSE_DEFAULT);
      koi_compat_alert_set_responses (alert, "close", "close");
      koi_compat_alert_present (alert, review->parent);
      g_clear_pointer (&refused, g_ptr_array_unref);
      review_free (review);
      return;
    }

  review->refused = refused;
  show_next (review);
}

void
koi_cert_review_run (KoiAccount *account,
                     GtkWidget  *parent)
{
  KoiEngine *engine;
  g_autoptr (GTask) task = NULL;
  Review *review;

  g_return_if_fail (KOI_IS_ACCOUNT (account));
  g_return_if_fail (GTK_IS_WIDGET (parent));

  engine = koi_account_get_engine (account);
  if (engine == NULL)
    return;

  review = g_new0 (Review, 1);
  review->account = g_object_ref (account);
  g_set_weak_pointer (&review->parent, parent);
  review->config = koi_account_config_copy (koi_engine_get_account_config (engine));

  /* The task does not own the review: inspect_done hands it on. */
  task = g_task_new (NULL, NULL, inspect_done, review);
  g_task_set_source_tag (task, koi_cert_review_run);
  g_task_set_task_data (task, review, NULL);
  g_task_run_in_thread (task, inspect_thread);
}
