/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-ui-errors"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-net-error.h"
#include "koi-ui-errors.h"

enum { KIND_OTHER, KIND_AUTH, KIND_CERT, KIND_CERT_CHANGED, KIND_TLS, KIND_REACH, KIND_TIMEOUT, KIND_REFUSED };

static int
classify (const GError *error)
{
  if (error->domain == KOI_IMAP_ERROR)
    {
      switch ((KoiImapError) error->code)
        {
        case KOI_IMAP_ERROR_AUTH_FAILED: return KIND_AUTH;
        case KOI_IMAP_ERROR_TLS_CERTIFICATE: return KIND_CERT;
        case KOI_IMAP_ERROR_TLS_CERTIFICATE_CHANGED: return KIND_CERT_CHANGED;
        case KOI_IMAP_ERROR_TLS_FAILED: return KIND_TLS;
        case KOI_IMAP_ERROR_CONNECT_FAILED:
        case KOI_IMAP_ERROR_HOST_NOT_FOUND:
        case KOI_IMAP_ERROR_REFUSED:
        case KOI_IMAP_ERROR_DISCONNECTED: return KIND_REACH;
        case KOI_IMAP_ERROR_TIMEOUT: return KIND_TIMEOUT;
        case KOI_IMAP_ERROR_NO:
        case KOI_IMAP_ERROR_BAD:
        case KOI_IMAP_ERROR_PROTOCOL:
        case KOI_IMAP_ERROR_UNSUPPORTED:
        case KOI_IMAP_ERROR_INVALID_ARGUMENT:
        default: return KIND_OTHER;
        }
    }

  if (error->domain == KOI_SMTP_ERROR)
    {
      switch ((KoiSmtpError) error->code)
        {
        case KOI_SMTP_ERROR_AUTH_FAILED: return KIND_AUTH;
        case KOI_SMTP_ERROR_TLS_CERTIFICATE: return KIND_CERT;
        case KOI_SMTP_ERROR_TLS_CERTIFICATE_CHANGED: return KIND_CERT_CHANGED;
        case KOI_SMTP_ERROR_TLS_FAILED: return KIND_TLS;
        case KOI_SMTP_ERROR_CONNECT_FAILED:
        case KOI_SMTP_ERROR_HOST_NOT_FOUND:
        case KOI_SMTP_ERROR_REFUSED:
        case KOI_SMTP_ERROR_DISCONNECTED: return KIND_REACH;
        case KOI_SMTP_ERROR_TIMEOUT: return KIND_TIMEOUT;
        case KOI_SMTP_ERROR_PERMANENT: return KIND_REFUSED;
        case KOI_SMTP_ERROR_TEMPORARY:
        case KOI_SMTP_ERROR_INVALID_ARGUMENT:
        default: return KIND_OTHER;
        }
    }

  return KIND_OTHER;
}

char *
koi_ui_describe_account_error (const GError          *error,
                               const char            *address,
                               const KoiServerConfig *imap,
                               const KoiServerConfig *smtp)
{
  const KoiServerConfig *server = NULL;
  g_autofree char *where = NULL;
  g_autofree char *what = NULL;

  g_return_val_if_fail (error != NULL, NULL);

  server = error->domain == KOI_SMTP_ERROR ? smtp : imap;
  if (server != NULL && server->host != NULL)
    where = g_strdup_printf ("%s:%u", server->host, server->port);
  else
    where = g_strdup (_("the mail server"));

  if (address == NULL || *address == '\0')
    address = server != NULL && server->login != NULL ? server->login : _("this account");

  switch (classify (error))
    {
    case KIND_AUTH:
      what = g_strdup_printf (_("The password for %s was not accepted. Check it and try again."),
                              address);
      break;
    case KIND_CERT:
      what = g_strdup_printf (_("The server’s certificate is not trusted (%s). If this is your own "
                                "server, review the certificate and trust it for this account, or "
                                "choose its CA certificate file; otherwise the connection may not "
                                "be safe."), where);
      break;
    case KIND_CERT_CHANGED:
      what = g_strdup_printf (_("The certificate of %s is not the one you trusted for this account. "
                                "Koi refuses it: someone may be listening in. Trust the new one only "
                                "if you know why it changed."), where);
      break;
    case KIND_TLS:
      what = g_strdup_printf (_("Cannot make a secure connection to %s. Check the security setting "
                                "(TLS or STARTTLS) and the port."), where);
      break;
    case KIND_REACH:
      what = g_strdup_printf (_("Cannot reach %s. Check the server name, the port and your "
                                "network connection."), where);
      break;
    case KIND_TIMEOUT:
      what = g_strdup_printf (_("%s stopped answering. Try again later."), where);
      break;
    case KIND_REFUSED:
      what = g_strdup_printf (_("%s refused to send mail for %s."), where, address);
      break;
    default:
      return g_strdup (error->message);
    }

  /* The server's own words help whoever runs the server. */
  if (error->message != NULL && *error->message != '\0')
    return g_strdup_printf ("%s\n%s", what, error->message);

  return g_steal_pointer (&what);
}
