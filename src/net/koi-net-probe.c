/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-net-probe"

#include "config.h"

#include <string.h>

#include "koi-net-curl.h"
#include "koi-net-error.h"
#include "koi-net-probe.h"

gboolean
koi_net_probe (const KoiServerConfig  *config,
               KoiProbeProtocol        protocol,
               guint                   timeout_ms,
               GCancellable           *cancellable,
               GError                **error)
{
  GQuark domain = protocol == KOI_PROBE_IMAP ? KOI_IMAP_ERROR : KOI_SMTP_ERROR;
  g_autoptr(KoiServerConfig) anonymous = NULL;
  g_autofree char *host = NULL;
  g_autofree char *url = NULL;
  char errbuf[CURL_ERROR_SIZE];
  curl_socket_t sock;
  const char *scheme;
  CURL *curl;

  g_return_val_if_fail (config != NULL, FALSE);

  host = koi_net_url_host (config->host, domain, error);
  if (host == NULL)
    return FALSE;

  if (protocol == KOI_PROBE_IMAP)
    scheme = config->security == KOI_SECURITY_TLS ? "imaps" : "imap";
  else
    scheme = config->security == KOI_SECURITY_TLS ? "smtps" : "smtp";
  /* For SMTP the path is the EHLO name: never the machine's host name. */
  url = g_strdup_printf ("%s://%s:%u/%s", scheme, host, config->port,
                         protocol == KOI_PROBE_SMTP ? "koi.localhost" : "");

  /* Without a user curl stops after the greeting, CAPABILITY/EHLO and
   * STARTTLS: exactly what tells a mail server from anything else. */
  anonymous = koi_server_config_new (config->host, config->port, config->security,
                                     NULL, NULL, config->ca_file);
  curl = koi_net_connect_only (anonymous, domain, url, timeout_ms, NULL, NULL, NULL,
                               errbuf, &sock, cancellable, error);
  if (curl == NULL)
    return FALSE;

  /* A polite goodbye; whether it arrives does not change the answer. */
  {
    const char *bye = protocol == KOI_PROBE_IMAP ? "K1 LOGOUT\r\n" : "QUIT\r\n";
    size_t sent = 0;

    curl_easy_send (curl, bye, strlen (bye), &sent);
  }
  curl_easy_cleanup (curl);
  return TRUE;
}
