/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-smtp"

#include "config.h"

#include "koi-smtp-session.h"
#include "koi-smtp-verify.h"

#define VERIFY_TIMEOUT_MS 30000

gboolean
koi_smtp_verify (const KoiServerConfig  *config,
                 GCancellable           *cancellable,
                 GError                **error)
{
  g_autoptr(KoiSmtpSession) session = NULL;

  g_return_val_if_fail (config != NULL, FALSE);

  /* The session stops after greeting, EHLO, STARTTLS and AUTH: exactly the
   * part that proves the settings. The EHLO name is never the machine's. */
  session = koi_smtp_session_open (config, "koi.localhost", VERIFY_TIMEOUT_MS, cancellable, error);
  if (session == NULL)
    return FALSE;

  koi_smtp_session_quit (session, cancellable);
  return TRUE;
}
