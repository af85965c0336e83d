/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-net-error.h"
#include "koi-server-config.h"

G_BEGIN_DECLS

/* One authenticated SMTP connection, private to src/net: curl does TCP,
 * TLS, EHLO, STARTTLS and AUTH (CONNECT_ONLY), then Koi speaks the
 * transaction itself (koi-smtp.c) so that every reply is its own. Blocking;
 * one thread at a time. Errors are KOI_SMTP_ERROR or G_IO_ERROR_CANCELLED;
 * after any error the line is closed and every call fails. */
typedef struct _KoiSmtpSession KoiSmtpSession;

/* The longest reply line read (RFC 5321 allows 512 bytes; some servers
 * are wordier); a longer one is an error, not a reason to grow a buffer. */
#define KOI_SMTP_MAX_LINE        2048
/* More lines than this in one reply is not SMTP. */
#define KOI_SMTP_MAX_REPLY_LINES 100

/* timeout_ms bounds the connect and the login. */
KoiSmtpSession *koi_smtp_session_open            (const KoiServerConfig  *config,
                                                  const char             *helo,
                                                  guint                   timeout_ms,
                                                  GCancellable           *cancellable,
                                                  GError                **error);
void            koi_smtp_session_free            (KoiSmtpSession         *self);

/* From the last EHLO reply curl read (after STARTTLS), e.g. "PIPELINING". */
gboolean        koi_smtp_session_has_capability  (KoiSmtpSession         *self,
                                                  const char             *keyword);
/* The largest message the server takes (EHLO SIZE, RFC 1870); 0 = it did
 * not say. */
guint64         koi_smtp_session_get_size_limit  (KoiSmtpSession         *self);
gboolean        koi_smtp_session_send            (KoiSmtpSession         *self,
                                                  const char             *data,
                                                  gsize                   len,
                                                  GCancellable           *cancellable,
                                                  GError                **error);
/* Reads one whole reply, multi-line ones joined with spaces in *out_text
 * (without the codes; at most ~500 characters kept). */
gboolean        koi_smtp_session_read_reply      (KoiSmtpSession         *self,
                                                  guint                   timeout_ms,
                                                  int                    *out_code,
                                                  char                  **out_text,
                                                  GCancellable           *cancellable,
                                                  GError                **error);
/* QUIT and its reply, briefly and best effort: the server should know we
 * are done, but nothing the caller learnt depends on it. */
void            koi_smtp_session_quit            (KoiSmtpSession         *self,
                                                  GCancellable           *cancellable);
/* Bytes handed to curl_easy_send so far (not curl's own EHLO/AUTH). */
guint64         koi_smtp_session_get_bytes_sent  (KoiSmtpSession         *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiSmtpSession, koi_smtp_session_free)

G_END_DECLS
