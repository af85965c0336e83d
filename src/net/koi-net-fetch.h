/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Downloads a small document over HTTPS only (redirects too), with the
 * certificate verified against the system's CAs plus `ca_file` (may be
 * NULL). `resolve` (may be NULL) holds curl "host:port:address" entries,
 * for tests. Errors are G_IO_ERROR: NOT_FOUND for an HTTP error status or
 * no such host, TIMED_OUT, MESSAGE_TOO_LARGE past `max_size`, FAILED
 * otherwise (a refused certificate among them). Blocking: worker thread. */
GBytes *koi_net_fetch_https (const char          *url,
                             const char          *ca_file,
                             const char * const  *resolve,
                             gsize                max_size,
                             guint                timeout_ms,
                             GCancellable        *cancellable,
                             GError             **error);

G_END_DECLS
