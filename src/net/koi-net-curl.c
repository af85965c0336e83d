/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-net-curl"

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "koi-net-cert.h"
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
  if (config->pinned_key != NULL)
    {
      /* The user trusted exactly this key for this account, host and port:
       * it replaces the CA chain and the name check (a self-signed
       * certificate has neither), and curl refuses any other key during
       * the handshake, before a login or password is sent. */
      curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 0L);
      curl_easy_setopt (curl, CURLOPT_PINNEDPUBLICKEY, config->pinned_key);
    }
  else
    {
      /* On by default; said again so nobody ever "fixes" a test by turning it off. */
      curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 2L);
      if (config->ca_file != NULL)
        curl_easy_setopt (curl, CURLOPT_CAINFO, config->ca_file);
    }
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
      g_set_error (error, domain, imap ? KOI_IMAP_ERROR_HOST_NOT_FOUND : KOI_SMTP_ERROR_HOST_NOT_FOUND,
                   "Could not find the server %s: %s", config->host, detail);
      return;

    case CURLE_COULDNT_CONNECT:
      g_set_error (error, domain, imap ? KOI_IMAP_ERROR_REFUSED : KOI_SMTP_ERROR_REFUSED,
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

/* ---- CONNECT_ONLY connections -------------------------------------------- */

static const char *
protocol_name (GQuark domain)
{
  return domain == KOI_IMAP_ERROR ? "IMAP" : "SMTP";
}

static int
disconnected_code (GQuark domain)
{
  return domain == KOI_IMAP_ERROR ? KOI_IMAP_ERROR_DISCONNECTED : KOI_SMTP_ERROR_DISCONNECTED;
}

/* A certificate that is refused is named in the error, so the user (or the
 * script calling koi-cli) sees which one it is: one more connection that
 * reads it without logging in. */
static void
set_certificate_error (GError               **error,
                       GQuark                 domain,
                       CURLcode               rc,
                       const char            *errbuf,
                       const KoiServerConfig *config,
                       const char            *url,
                       guint                  timeout_ms,
                       GCancellable          *cancellable)
{
  gboolean imap = domain == KOI_IMAP_ERROR;
  g_autoptr (KoiCertInfo) info = NULL;
  g_autoptr (GError) inspect_error = NULL;
  g_autofree char *where = g_strdup_printf ("%s:%u", config->host, config->port);
  const char *detail = (errbuf != NULL && errbuf[0] != '\0') ? errbuf : curl_easy_strerror (rc);

  info = koi_net_cert_inspect_url (config, domain, url, timeout_ms, cancellable, &inspect_error);
  if (info == NULL && g_error_matches (inspect_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&inspect_error));
      return;
    }

  if (rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH)
    {
      g_set_error (error, domain,
                   imap ? KOI_IMAP_ERROR_TLS_CERTIFICATE_CHANGED : KOI_SMTP_ERROR_TLS_CERTIFICATE_CHANGED,
                   "The certificate of %s has changed: this account trusts SHA-256 %s, "
                   "but the server now shows SHA-256 %s. Koi refuses it; trust the new "
                   "certificate only if you know why it changed",
                   where, config->pinned_cert != NULL ? config->pinned_cert : "(unknown)",
                   info != NULL ? info->sha256 : "(could not be read)");
      return;
    }

  if (info == NULL)
    {
      g_set_error (error, domain, imap ? KOI_IMAP_ERROR_TLS_CERTIFICATE : KOI_SMTP_ERROR_TLS_CERTIFICATE,
                   "The certificate of %s is not trusted (untrusted certificate): %s",
                   where, detail);
      return;
    }

  g_set_error (error, domain, imap ? KOI_IMAP_ERROR_TLS_CERTIFICATE : KOI_SMTP_ERROR_TLS_CERTIFICATE,
               "The certificate of %s is not trusted (untrusted certificate): %s. "
               "It is issued to “%s” by “%s”, valid from %s to %s, "
               "SHA-256 fingerprint %s",
               where, detail, info->subject != NULL ? info->subject : "?",
               info->issuer != NULL ? info->issuer : "?",
               info->not_before != NULL ? info->not_before : "?",
               info->not_after != NULL ? info->not_after : "?", info->sha256);
}

CURL *
koi_net_connect_only (const KoiServerConfig  *config,
                      GQuark                  domain,
                      const char             *url,
                      guint                   timeout_ms,
                      curl_debug_callback     debug_cb,
                      gpointer                debug_data,
                      GString                *server_words,
                      char                   *errbuf,
                      curl_socket_t          *out_sock,
                      GCancellable           *cancellable,
                      GError                **error)
{
  curl_socket_t sock = CURL_SOCKET_BAD;
  CURLcode rc;
  CURL *curl;

  *out_sock = CURL_SOCKET_BAD;

  koi_net_curl_init ();
  curl = curl_easy_init ();
  if (curl == NULL)
    {
      g_set_error (error, domain, 0 /* CONNECT_FAILED in both domains */,
                   "Could not set up a connection (out of memory?)");
      return NULL;
    }

  koi_net_curl_setup (curl, config, timeout_ms, cancellable, errbuf);
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_CONNECT_ONLY, 1L);
  /* Bounds the whole login; later raw recv/send are bounded by our poll. */
  curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long) timeout_ms);
  if (debug_cb != NULL)
    {
      /* VERBOSE only feeds debug_cb (nothing reaches stderr). */
      curl_easy_setopt (curl, CURLOPT_DEBUGFUNCTION, debug_cb);
      curl_easy_setopt (curl, CURLOPT_DEBUGDATA, debug_data);
      curl_easy_setopt (curl, CURLOPT_VERBOSE, 1L);
    }

  rc = curl_easy_perform (curl);

  curl_easy_setopt (curl, CURLOPT_VERBOSE, 0L);
  curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 1L);

  if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH)
    {
      set_certificate_error (error, domain, rc, errbuf, config, url, timeout_ms, cancellable);
      curl_easy_cleanup (curl);
      return NULL;
    }
  if (rc != CURLE_OK)
    {
      koi_net_set_curl_error (error, domain, rc, errbuf,
                              server_words != NULL ? server_words->str : NULL,
                              config, cancellable);
      curl_easy_cleanup (curl);
      return NULL;
    }

  rc = curl_easy_getinfo (curl, CURLINFO_ACTIVESOCKET, &sock);
  if (rc != CURLE_OK || sock == CURL_SOCKET_BAD)
    {
      g_set_error (error, domain, 0 /* CONNECT_FAILED */,
                   "The connection to %s closed right after login", config->host);
      curl_easy_cleanup (curl);
      return NULL;
    }

  /* curl 7.88 cannot set the probe count: with 4 probes 15 s apart a dead
   * peer is noticed about two minutes after the line goes quiet, even in a
   * long IDLE. */
  {
    int count = 4;

    setsockopt (sock, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
  }

  *out_sock = sock;
  return curl;
}

KoiNetWait
koi_net_wait_socket (curl_socket_t   sock,
                     short           events,
                     gint64          deadline,
                     GCancellable   *cancellable,
                     GCancellable   *wake,
                     GQuark          domain,
                     GError        **error)
{
  for (;;)
    {
      struct pollfd fds[3];
      GPollFD cancel_fd, wake_fd;
      gboolean have_cancel, have_wake;
      nfds_t n = 1;
      gint64 now;
      int timeout;
      int ret;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return KOI_NET_WAIT_FAILED;
      if (wake != NULL && g_cancellable_is_cancelled (wake))
        return KOI_NET_WAIT_WOKEN;

      now = g_get_monotonic_time ();
      if (now >= deadline)
        return KOI_NET_WAIT_TIMED_OUT;
      timeout = (int) MIN ((deadline - now + 999) / 1000, G_MAXINT);

      fds[0].fd = sock;
      fds[0].events = events;
      fds[0].revents = 0;
      have_cancel = g_cancellable_make_pollfd (cancellable, &cancel_fd);
      if (have_cancel)
        {
          fds[n].fd = cancel_fd.fd;
          fds[n].events = POLLIN;
          fds[n].revents = 0;
          n++;
        }
      have_wake = g_cancellable_make_pollfd (wake, &wake_fd);
      if (have_wake)
        {
          fds[n].fd = wake_fd.fd;
          fds[n].events = POLLIN;
          fds[n].revents = 0;
          n++;
        }

      ret = poll (fds, n, timeout);

      if (have_cancel)
        g_cancellable_release_fd (cancellable);
      if (have_wake)
        g_cancellable_release_fd (wake);

      if (ret < 0 && errno == EINTR)
        continue;
      if (ret < 0)
        {
          int saved_errno = errno;

          g_set_error (error, domain, disconnected_code (domain),
                       "Waiting for the %s server failed: %s", protocol_name (domain),
                       g_strerror (saved_errno));
          return KOI_NET_WAIT_FAILED;
        }
      /* Any event on the socket, errors and hang-ups included, is for
       * recv/send to report: they say what actually happened. */
      if (fds[0].revents != 0)
        return KOI_NET_WAIT_READY;
      /* Otherwise loop: the checks at the top see the cancellables. */
    }
}

gboolean
koi_net_send_all (CURL           *curl,
                  curl_socket_t   sock,
                  const char     *data,
                  gsize           len,
                  guint           timeout_ms,
                  const char     *host,
                  GCancellable   *cancellable,
                  GQuark          domain,
                  GError        **error)
{
  while (len > 0)
    {
      size_t sent = 0;
      CURLcode rc = curl_easy_send (curl, data, len, &sent);

      if (rc == CURLE_AGAIN)
        {
          gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

          switch (koi_net_wait_socket (sock, POLLOUT, deadline, cancellable, NULL, domain, error))
            {
            case KOI_NET_WAIT_READY:
            case KOI_NET_WAIT_WOKEN:
              continue;
            case KOI_NET_WAIT_TIMED_OUT:
              g_set_error (error, domain,
                           domain == KOI_IMAP_ERROR ? KOI_IMAP_ERROR_TIMEOUT : KOI_SMTP_ERROR_TIMEOUT,
                           "The %s server %s stopped accepting data for %u s",
                           protocol_name (domain), host, timeout_ms / 1000);
              return FALSE;
            case KOI_NET_WAIT_FAILED:
            default:
              return FALSE;
            }
        }
      if (rc != CURLE_OK)
        {
          g_set_error (error, domain, disconnected_code (domain),
                       "The connection to the %s server %s broke while sending: %s",
                       protocol_name (domain), host, curl_easy_strerror (rc));
          return FALSE;
        }

      data += sent;
      len -= sent;
    }

  return TRUE;
}

/* Whether the peer ended the TCP stream (or reset it). curl 8 on OpenSSL 3
 * reports a server that closes the socket without TLS's close_notify as
 * CURLE_RECV_ERROR, where curl 7.88 reported a clean end of stream (0
 * bytes). Either way the user's server closed the connection, and for a
 * server that said BYE first it is the close it announced; so the socket
 * itself decides, the same on every curl. A reply cut short stays an
 * error: the protocol layers see that the reply they wait for never ended. */
static gboolean
peer_closed (curl_socket_t sock)
{
  char byte;
  ssize_t n = recv (sock, &byte, 1, MSG_PEEK | MSG_DONTWAIT);

  return n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE));
}

KoiNetRecv
koi_net_recv (CURL           *curl,
              curl_socket_t   sock,
              char           *buffer,
              gsize           size,
              gsize          *out_n,
              gint64          deadline,
              const char     *host,
              GCancellable   *cancellable,
              GCancellable   *wake,
              GQuark          domain,
              GError        **error)
{
  *out_n = 0;

  for (;;)
    {
      size_t n = 0;
      CURLcode rc = curl_easy_recv (curl, buffer, size, &n);

      if ((rc == CURLE_OK && n == 0) || (rc == CURLE_RECV_ERROR && peer_closed (sock)))
        return KOI_NET_RECV_CLOSED;
      if (rc == CURLE_OK)
        {
          *out_n = n;
          return KOI_NET_RECV_DATA;
        }
      if (rc != CURLE_AGAIN)
        {
          g_set_error (error, domain, disconnected_code (domain),
                       "The connection to the %s server %s broke: %s",
                       protocol_name (domain), host, curl_easy_strerror (rc));
          return KOI_NET_RECV_FAILED;
        }

      switch (koi_net_wait_socket (sock, POLLIN, deadline, cancellable, wake, domain, error))
        {
        case KOI_NET_WAIT_READY:
          break;
        case KOI_NET_WAIT_WOKEN:
          return KOI_NET_RECV_WOKEN;
        case KOI_NET_WAIT_TIMED_OUT:
          return KOI_NET_RECV_TIMED_OUT;
        case KOI_NET_WAIT_FAILED:
        default:
          return KOI_NET_RECV_FAILED;
        }
    }
}
