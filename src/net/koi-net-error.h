/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KOI_IMAP_ERROR (koi_imap_error_quark ())
#define KOI_SMTP_ERROR (koi_smtp_error_quark ())

/* Cancellation is never one of these: it is always G_IO_ERROR_CANCELLED. */
typedef enum
{
  KOI_IMAP_ERROR_CONNECT_FAILED,   /* no TCP connection, DNS, or curl refused the setup */
  KOI_IMAP_ERROR_TLS_FAILED,       /* TLS handshake failed, or STARTTLS not offered */
  KOI_IMAP_ERROR_TLS_CERTIFICATE,  /* the server's certificate is not trusted */
  KOI_IMAP_ERROR_AUTH_FAILED,      /* wrong login or password */
  KOI_IMAP_ERROR_DISCONNECTED,     /* the line closed or broke; reconnect */
  KOI_IMAP_ERROR_TIMEOUT,          /* the server stopped answering */
  KOI_IMAP_ERROR_NO,               /* the server said NO; the message has its words */
  KOI_IMAP_ERROR_BAD,              /* the server said BAD; the message has its words */
  KOI_IMAP_ERROR_PROTOCOL,         /* the server sent something that is not IMAP */
  KOI_IMAP_ERROR_UNSUPPORTED,      /* the server lacks a needed capability (e.g. IDLE) */
  KOI_IMAP_ERROR_INVALID_ARGUMENT, /* the caller passed something that cannot be sent */
  KOI_IMAP_ERROR_TLS_CERTIFICATE_CHANGED, /* not the certificate the account trusts */
  /* Two kinds of CONNECT_FAILED the user can tell apart (no network or a
   * mistyped name; a server that is down): the connection banner says
   * which. Treat them as CONNECT_FAILED otherwise. */
  KOI_IMAP_ERROR_HOST_NOT_FOUND,   /* DNS found no such server */
  KOI_IMAP_ERROR_REFUSED,          /* nothing listens on the port */
} KoiImapError;

typedef enum
{
  KOI_SMTP_ERROR_CONNECT_FAILED,
  KOI_SMTP_ERROR_TLS_FAILED,
  KOI_SMTP_ERROR_TLS_CERTIFICATE,
  KOI_SMTP_ERROR_AUTH_FAILED,
  KOI_SMTP_ERROR_TEMPORARY,        /* 4xx before any recipient: try again later */
  KOI_SMTP_ERROR_PERMANENT,        /* 5xx before any recipient (e.g. sender refused) */
  KOI_SMTP_ERROR_TIMEOUT,
  KOI_SMTP_ERROR_DISCONNECTED,
  KOI_SMTP_ERROR_INVALID_ARGUMENT,
  KOI_SMTP_ERROR_TOO_LARGE,        /* larger than the server's EHLO SIZE: never sent */
  KOI_SMTP_ERROR_TLS_CERTIFICATE_CHANGED,
  KOI_SMTP_ERROR_HOST_NOT_FOUND,   /* as the IMAP ones */
  KOI_SMTP_ERROR_REFUSED,
} KoiSmtpError;

GQuark koi_imap_error_quark (void);
GQuark koi_smtp_error_quark (void);

G_END_DECLS
