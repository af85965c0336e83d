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

G_END_DECLS
