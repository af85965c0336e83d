/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-net-error.h"
#include "koi-server-config.h"

G_BEGIN_DECLS

typedef struct
{
  char     *address;
  gboolean  accepted;
  int       code;      /* the server's reply code (250, 550, ...), 0 if none came */
  char     *reply;     /* the server's words, or why nothing was sent */
  gboolean  permanent; /* 5xx or an address that can never work: do not retry */
} KoiSmtpRecipientResult;

void koi_smtp_recipient_result_free (KoiSmtpRecipientResult *result);

/* Sends `message` (RFC 5322, CRLF line endings, 7-bit) from `from` to each
 * recipient, one SMTP transaction per recipient on one connection, so every
 * recipient gets an exact result and a retry need only go to those not
 * accepted. Blocks the calling thread; cancellable.
 *
 * Returns FALSE + KOI_SMTP_ERROR (or G_IO_ERROR_CANCELLED) when nobody got
 * the message because the connection, TLS, login or the sender failed.
 * Otherwise TRUE and *out_results (of KoiSmtpRecipientResult, in the order
 * of `recipients`); recipients not reached after a mid-way failure are
 * listed as not accepted and not permanent. */
gboolean koi_smtp_send (const KoiServerConfig  *config,
                        const char             *from,
                        const char * const     *recipients,
                        GBytes                 *message,
                        GPtrArray             **out_results,
                        GCancellable           *cancellable,
                        GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiSmtpRecipientResult, koi_smtp_recipient_result_free)

G_END_DECLS
