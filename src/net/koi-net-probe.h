/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-server-config.h"

G_BEGIN_DECLS

typedef enum
{
  KOI_PROBE_IMAP,
  KOI_PROBE_SMTP,
} KoiProbeProtocol;

/* Whether `config` names a mail server of that kind that Koi could use: TCP,
 * verified TLS (or a STARTTLS the server offers), and the protocol's own
 * greeting. Nothing is logged in: a guessed host never sees the password.
 * Errors are KOI_IMAP_ERROR / KOI_SMTP_ERROR like a real connection's.
 * Blocking: call from a worker thread. */
gboolean koi_net_probe (const KoiServerConfig  *config,
                        KoiProbeProtocol        protocol,
                        guint                   timeout_ms,
                        GCancellable           *cancellable,
                        GError                **error);

G_END_DECLS
