/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-smtp"

#include "config.h"

#include "koi-net-curl.h"
#include "koi-smtp-verify.h"

#define VERIFY_TIMEOUT_MS 30000

gboolean
koi_smtp_verify (const KoiServerConfig  *config,
                 GCancellable           *cancellable,
                 GError                **error)
{
  g_autofree char *host = NULL;
  g_autofree char *url = NULL;
  char errbuf[CURL_ERROR_SIZE] = "";
  CURL *curl;
  CURLcode rc;

  g_return_val_if_fail (config != NULL, FALSE);

  koi_net_curl_init ();

  host = koi_net_url_host (config->host, KOI_SMTP_ERROR, error);
  if (host == NULL)
    return FALSE;

  /* The path is the EHLO name: never the machine's host name. */
  url = g_strdup_printf ("%s://%s:%u/koi.localhost",
                         config->security == KOI_SECURITY_TLS ? "smtps" : "smtp",
                         host, config->port);

  curl = curl_easy_init ();
  koi_net_curl_setup (curl, config, VERIFY_TIMEOUT_MS, cancellable, errbuf);
  curl_easy_setopt (curl, CURLOPT_URL, url);
  if (config->security == KOI_SECURITY_STARTTLS)
    curl_easy_setopt (curl, CURLOPT_USE_SSL, (long) CURLUSESSL_ALL);
  /* With CONNECT_ONLY curl stops after greeting, EHLO, STARTTLS and AUTH:
   * exactly the part that proves the settings. */
  curl_easy_setopt (curl, CURLOPT_CONNECT_ONLY, 1L);

  rc = curl_easy_perform (curl);
  if (rc != CURLE_OK)
    koi_net_set_curl_error (error, KOI_SMTP_ERROR, rc, errbuf, NULL, config, cancellable);

  curl_easy_cleanup (curl);
  return rc == CURLE_OK;
}
