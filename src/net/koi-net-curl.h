/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <curl/curl.h>
#include <gio/gio.h>

#include "koi-server-config.h"

G_BEGIN_DECLS

/* libcurl glue shared by the IMAP client and SMTP: private to src/net. */

void     koi_net_curl_init          (void);
/* "host" or "[v6]" for a URL; NULL + error if the host cannot be in a URL. */
char    *koi_net_url_host           (const char          *host,
                                     GQuark               domain,
                                     GError             **error);
/* Options every Koi connection gets: verified TLS, the CA, timeouts,
 * keepalive, no signals, cancellation through the progress callback. */
void     koi_net_curl_setup         (CURL                *curl,
                                     const KoiServerConfig *config,
                                     guint                timeout_ms,
                                     GCancellable        *cancellable,
                                     char                *errbuf);
/* Turns a failed curl_easy_perform into a GError in `domain` (KOI_IMAP_ERROR
 * or KOI_SMTP_ERROR), with the server's last words when there are any. */
void     koi_net_set_curl_error     (GError             **error,
                                     GQuark               domain,
                                     CURLcode             rc,
                                     const char          *errbuf,
                                     const char          *server_words,
                                     const KoiServerConfig *config,
                                     GCancellable        *cancellable);

/* ---- CONNECT_ONLY connections (IMAP client, SMTP session) ---------------- */

/* curl does TCP, TLS (verified), the greeting, STARTTLS and the login, then
 * hands the authenticated line over: the caller speaks the protocol itself
 * with koi_net_send_all() and koi_net_recv(). debug_cb (may be NULL) sees
 * what curl reads and writes during the login; whatever it leaves in
 * server_words (may be NULL) is quoted in the error of a failed login.
 * Returns the handle and its socket, or NULL + error in `domain`. */
CURL    *koi_net_connect_only       (const KoiServerConfig *config,
                                     GQuark               domain,
                                     const char          *url,
                                     guint                timeout_ms,
                                     curl_debug_callback  debug_cb,
                                     gpointer             debug_data,
                                     GString             *server_words,
                                     char                *errbuf,
                                     curl_socket_t       *out_sock,
                                     GCancellable        *cancellable,
                                     GError             **error);

typedef enum
{
  KOI_NET_WAIT_READY,
  KOI_NET_WAIT_WOKEN,     /* `wake` was cancelled */
  KOI_NET_WAIT_TIMED_OUT,
  KOI_NET_WAIT_FAILED,    /* error set: cancelled, or poll itself failed */
} KoiNetWait;

/* Polls `sock` for `events` together with the cancellables' fds until
 * `deadline` (monotonic µs). */
KoiNetWait koi_net_wait_socket      (curl_socket_t        sock,
                                     short                events,
                                     gint64               deadline,
                                     GCancellable        *cancellable,
                                     GCancellable        *wake,
                                     GQuark               domain,
                                     GError             **error);

/* Hands all of `data` to curl_easy_send, waiting while the socket is full;
 * a peer that takes nothing for timeout_ms is an error (TIMEOUT), as is a
 * broken line (DISCONNECTED) and cancellation. */
gboolean koi_net_send_all           (CURL                *curl,
                                     curl_socket_t        sock,
                                     const char          *data,
                                     gsize                len,
                                     guint                timeout_ms,
                                     const char          *host,
                                     GCancellable        *cancellable,
                                     GQuark               domain,
                                     GError             **error);

typedef enum
{
  KOI_NET_RECV_DATA,      /* *out_n > 0 bytes in buffer */
  KOI_NET_RECV_CLOSED,    /* the server closed the line */
  KOI_NET_RECV_WOKEN,
  KOI_NET_RECV_TIMED_OUT, /* nothing came before `deadline` */
  KOI_NET_RECV_FAILED,    /* error set: broken line, cancelled */
} KoiNetRecv;

/* Reads what is there, or waits for it. Drains curl before polling: TLS
 * may already hold decrypted bytes that never make the socket readable
 * again. The caller words a close or a timeout, which it may expect. */
KoiNetRecv koi_net_recv             (CURL                *curl,
                                     curl_socket_t        sock,
                                     char                *buffer,
                                     gsize                size,
                                     gsize               *out_n,
                                     gint64               deadline,
                                     const char          *host,
                                     GCancellable        *cancellable,
                                     GCancellable        *wake,
                                     GQuark               domain,
                                     GError             **error);

G_END_DECLS
