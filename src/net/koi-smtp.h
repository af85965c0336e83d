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

/* Sends `message` (RFC 5322, CRLF line endings, 7-bit) from `from` to every
 * recipient in one SMTP transaction: one MAIL FROM, a RCPT TO each
 * (pipelined when the server offers PIPELINING), one upload of the message.
 * Each recipient's result comes from its own RCPT reply, so a retry need
 * only go to those not accepted. Blocks the calling thread; cancellable.
 *
 * Returns FALSE + KOI_SMTP_ERROR (or G_IO_ERROR_CANCELLED) when nobody got
 * the message because the connection, TLS, login or the sender failed, or
 * the line broke before every recipient was answered. Otherwise TRUE and
 * *out_results (of KoiSmtpRecipientResult, in the order of `recipients`):
 * accepted ones carry the reply to the message ("250 ... queued as ...");
 * refused ones their RCPT reply (4xx temporary, 5xx permanent); invalid
 * addresses are permanent without asking the server. When the server took
 * recipients but then refused the message (DATA or its end answered 4xx/
 * 5xx), nobody got it: those recipients carry that reply, temporary or
 * permanent by its code. When the line broke after the recipients' replies
 * they are not accepted and not permanent (if it broke after the final dot
 * the server may have taken it: a retry can then be a duplicate, as with
 * any SMTP client). */
gboolean koi_smtp_send (const KoiServerConfig  *config,
                        const char             *from,
                        const char * const     *recipients,
                        GBytes                 *message,
                        GPtrArray             **out_results,
                        GCancellable           *cancellable,
                        GError                **error);

/* Gives the next up to @size bytes of the message into @buffer; 0 at the
 * end, -1 with @error set on failure (the send then fails, nobody got it). */
typedef gssize (*KoiSmtpReadFunc) (gpointer   user_data,
                                   char      *buffer,
                                   gsize      size,
                                   GError   **error);

/* koi_smtp_send for a message read a block at a time (a file streamed from
 * disk): @size is its exact length, sent as MAIL FROM's SIZE (RFC 1870);
 * a message larger than the server's EHLO SIZE fails with
 * KOI_SMTP_ERROR_TOO_LARGE before anything is sent. */
gboolean koi_smtp_send_from_reader (const KoiServerConfig  *config,
                                    const char             *from,
                                    const char * const     *recipients,
                                    guint64                 size,
                                    KoiSmtpReadFunc         read_func,
                                    gpointer                read_data,
                                    GPtrArray             **out_results,
                                    GCancellable           *cancellable,
                                    GError                **error);

/* Bytes koi_smtp_send has handed to its connections in this process so far
 * (commands and the dot-stuffed message; not curl's own EHLO, STARTTLS and
 * AUTH): what benchmarks count as uploaded. */
guint64  koi_smtp_get_bytes_uploaded (void);

/* The EHLO SIZE (RFC 1870) the server behind @config announced at the last
 * connection in this process: TRUE and *out_limit (0 = it announced none)
 * once any connection (a send, koi_smtp_verify) logged in; FALSE before. */
gboolean koi_smtp_get_size_limit     (const KoiServerConfig  *config,
                                      guint64                *out_limit);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiSmtpRecipientResult, koi_smtp_recipient_result_free)

G_END_DECLS
