/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-net-curl"

#include "config.h"

#include <string.h>

#include "koi-net-curl.h"
#include "koi-net-error.h"

void
koi_net_curl_init (void)
{
  static gsize initialised = 0;

  /* curl_global_init is not thread-safe on every build; engines on several
   * threads may race to the first connection. */
  if (g_once_init_enter (&initialised))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&initialised, 1);
    }
}

char *
koi_net_url_host (const char  *host,
                  GQuark       domain,
                  GError     **error)
{
  if (host == NULL || host[0] == '\0' || strpbrk (host, "/?#@[] \t\r\n") != NULL)
    {
      g_set_error (error, domain, 0 /* CONNECT_FAILED in both domains */,
                   "“%s” is not a valid server name", host != NULL ? host : "");
      return NULL;
    }

  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]", host);

  return g_strdup (host);
}

static int
progress_cb (void       *clientp,
             curl_off_t  dltotal,
             curl_off_t  dlnow,
             curl_off_t  ultotal,
             curl_off_t  ulnow)
{
  GCancellable *cancellable = clientp;

  return g_cancellable_is_cancelled (cancellable) ? 1 : 0;
}

void
koi_net_curl_setup (CURL                  *curl,
                    const KoiServerConfig *config,
                    guint                  timeout_ms,
                    GCancellable          *cancellable,
                    char                  *errbuf)
{
  errbuf[0] = '\0';
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  if (config->login != NULL)
    curl_easy_setopt (curl, CURLOPT_USERNAME, config->login);
  if (config->password != NULL)
    curl_easy_setopt (curl, CURLOPT_PASSWORD, config->password);
  if (config->security == KOI_SECURITY_STARTTLS)
    curl_easy_setopt (curl, CURLOPT_USE_SSL, (long) CURLUSESSL_ALL);
  /* On by default; said again so nobody ever "fixes" a test by turning it off. */
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (config->ca_file != NULL)
    curl_easy_setopt (curl, CURLOPT_CAINFO, config->ca_file);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS, (long) timeout_ms);
  curl_easy_setopt (curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt (curl, CURLOPT_TCP_KEEPIDLE, 60L);
  curl_easy_setopt (curl, CURLOPT_TCP_KEEPINTVL, 15L);
  if (cancellable != NULL)
    {
      curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt (curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
      curl_easy_setopt (curl, CURLOPT_XFERINFODATA, cancellable);
    }
}

void
koi_net_set_curl_error (GError               **error,
                        GQuark                 domain,
                        CURLcode               rc,
                        const char            *errbuf,
                        const char            *server_words,
                        const KoiServerConfig *config,
                        GCancellable          *cancellable)
{
  gboolean imap = domain == KOI_IMAP_ERROR;
  const char *detail = (errbuf != NULL && errbuf[0] != '\0') ? errbuf : curl_easy_strerror (rc);
  g_autofree char *said = NULL;
  g_autofree char *where = g_strdup_printf ("%s:%u", config->host, config->port);

  if (server_words != NULL && server_words[0] != '\0')
    said = g_strdup_printf (" (the server said: %s)", server_words);
  else
    said = g_strdup ("");

  switch ((int) rc)
    {
    case CURLE_ABORTED_BY_CALLBACK:
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return;
      break;

    case CURLE_COULDNT_RESOLVE_HOST:
      g_set_error (error, domain, imap ? KOI_IMAP_ERROR_CONNECT_FAILED : KOI_SMTP_ERROR_CONNECT_FAILED,
                   "Could not find the server %s: %s", config->host, detail);
      return;

    case CURLE_COULDNT_CONNECT:
      g_set_error (error, domain, imap ? KOI_IMAP_ERROR_CONNECT_FAILED : KOI_SMTP_ERROR_CONNECT_FAILED,
                   "Could not connect to %s: %s", where, detail);
      return;

    case CURLE_PEER_FAILED_VERIFICATION:
      g_set_error (error, domain, imap ? KOI_IMAP_ERROR_TLS_CERTIFICATE : KOI_SMTP_ERROR_TLS_CERTIFICATE,
                   "The certificate of %s is not trusted (untrusted certificate): %s", where, detail);
      return;

    case CURLE_SSL_CACERT_BADFILE:
      g_set_error (error, domain, imap ? KOI_IMAP_ERROR_TLS_CERTIFICATE : KOI_SMTP_ERROR_TLS_CERTIFICATE,
                   "Could not use the CA file “%s”: %s",
                   config->ca_file != NULL ? config->ca_file : "", detail);
      return;

    case CURLE_USE_SSL_FAILED:
      g_set_error (error, domain, imap ? KOI_IMAP_ERROR_TLS_FAILED : KOI_SMTP_ERROR_TLS_FAILED,
                   "%s does not offer STARTTLS, and Koi never sends a password unencrypted%s",
                   where, said);
      return;

    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
      g_set_error (error, domain, imap ? KOI_IMAP_ERROR_TLS_FAILED : KOI_SMTP_ERROR_TLS_FAILED,
                   "Secure connection to %s failed: %s", where, detail);
      return;

    case CURLE_LOGIN_DENIED:
      g_set_error (error, domain, imap ? KOI_IMAP_ERROR_AUTH_FAILED : KOI_SMTP_ERROR_AUTH_FAILED,
                   "%s refused the login “%s” or its password%s", where,
                   config->login != NULL ? config->login : "", said);
      return;

    case CURLE_OPERATION_TIMEDOUT:
      g_set_error (error, domain, imap ? KOI_IMAP_ERROR_TIMEOUT : KOI_SMTP_ERROR_TIMEOUT,
                   "%s did not answer in time: %s", where, detail);
      return;

    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      g_set_error (error, domain, imap ? KOI_IMAP_ERROR_DISCONNECTED : KOI_SMTP_ERROR_DISCONNECTED,
                   "The connection to %s broke: %s%s", where, detail, said);
      return;

    default:
      break;
    }

  g_set_error (error, domain, imap ? KOI_IMAP_ERROR_CONNECT_FAILED : KOI_SMTP_ERROR_CONNECT_FAILED,
               "Could not talk to %s: %s%s", where, detail, said);
}
