/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-net-error.h"
#include "koi-server-config.h"

G_BEGIN_DECLS

/* Connects to the SMTP server, negotiates TLS and logs in, then hangs up
 * without sending anything: proves the account settings before they are
 * saved. Blocking; KOI_SMTP_ERROR on failure (AUTH_FAILED, TLS_CERTIFICATE,
 * CONNECT_FAILED, ...) with the server's words. */
gboolean koi_smtp_verify (const KoiServerConfig  *config,
                          GCancellable           *cancellable,
                          GError                **error);

G_END_DECLS
