/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-connection-problem"

#include "config.h"

#include <gio/gio.h>

#include "koi-connection-problem.h"
#include "koi-net-error.h"

KoiConnectionProblem
koi_connection_problem_from_error (const GError *error)
{
  if (error == NULL)
    return KOI_CONNECTION_PROBLEM_NONE;

  if (error->domain == KOI_IMAP_ERROR)
    switch ((KoiImapError) error->code)
      {
      case KOI_IMAP_ERROR_HOST_NOT_FOUND: return KOI_CONNECTION_PROBLEM_HOST_NOT_FOUND;
      case KOI_IMAP_ERROR_REFUSED: return KOI_CONNECTION_PROBLEM_REFUSED;
      case KOI_IMAP_ERROR_TLS_FAILED:
      case KOI_IMAP_ERROR_TLS_CERTIFICATE:
      case KOI_IMAP_ERROR_TLS_CERTIFICATE_CHANGED: return KOI_CONNECTION_PROBLEM_TLS;
      case KOI_IMAP_ERROR_AUTH_FAILED: return KOI_CONNECTION_PROBLEM_LOGIN;
      case KOI_IMAP_ERROR_TIMEOUT: return KOI_CONNECTION_PROBLEM_TIMEOUT;
      case KOI_IMAP_ERROR_DISCONNECTED: return KOI_CONNECTION_PROBLEM_DISCONNECTED;
      case KOI_IMAP_ERROR_CONNECT_FAILED:
      case KOI_IMAP_ERROR_NO:
      case KOI_IMAP_ERROR_BAD:
      case KOI_IMAP_ERROR_PROTOCOL:
      case KOI_IMAP_ERROR_UNSUPPORTED:
      case KOI_IMAP_ERROR_INVALID_ARGUMENT:
      default: return KOI_CONNECTION_PROBLEM_OTHER;
      }

  if (error->domain == KOI_SMTP_ERROR)
    switch ((KoiSmtpError) error->code)
      {
      case KOI_SMTP_ERROR_HOST_NOT_FOUND: return KOI_CONNECTION_PROBLEM_HOST_NOT_FOUND;
      case KOI_SMTP_ERROR_REFUSED: return KOI_CONNECTION_PROBLEM_REFUSED;
      case KOI_SMTP_ERROR_TLS_FAILED:
      case KOI_SMTP_ERROR_TLS_CERTIFICATE:
      case KOI_SMTP_ERROR_TLS_CERTIFICATE_CHANGED: return KOI_CONNECTION_PROBLEM_TLS;
      case KOI_SMTP_ERROR_AUTH_FAILED: return KOI_CONNECTION_PROBLEM_LOGIN;
      case KOI_SMTP_ERROR_TIMEOUT: return KOI_CONNECTION_PROBLEM_TIMEOUT;
      case KOI_SMTP_ERROR_DISCONNECTED: return KOI_CONNECTION_PROBLEM_DISCONNECTED;
      default: return KOI_CONNECTION_PROBLEM_OTHER;
      }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return KOI_CONNECTION_PROBLEM_TIMEOUT;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return KOI_CONNECTION_PROBLEM_REFUSED;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND) ||
      g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND))
    return KOI_CONNECTION_PROBLEM_HOST_NOT_FOUND;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
    return KOI_CONNECTION_PROBLEM_DISCONNECTED;
  return KOI_CONNECTION_PROBLEM_OTHER;
}

const char *
koi_connection_problem_to_string (KoiConnectionProblem problem)
{
  switch (problem)
    {
    case KOI_CONNECTION_PROBLEM_NONE: return "none";
    case KOI_CONNECTION_PROBLEM_HOST_NOT_FOUND: return "host-not-found";
    case KOI_CONNECTION_PROBLEM_REFUSED: return "refused";
    case KOI_CONNECTION_PROBLEM_TLS: return "tls";
    case KOI_CONNECTION_PROBLEM_LOGIN: return "login";
    case KOI_CONNECTION_PROBLEM_TIMEOUT: return "timeout";
    case KOI_CONNECTION_PROBLEM_DISCONNECTED: return "disconnected";
    case KOI_CONNECTION_PROBLEM_OTHER:
    default: return "other";
    }
}
