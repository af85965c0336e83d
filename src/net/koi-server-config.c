/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-server-config"

#include "config.h"

#include <string.h>

#include "koi-server-config.h"

KoiServerConfig *
koi_server_config_new (const char  *host,
                       guint16      port,
                       KoiSecurity  security,
                       const char  *login,
                       const char  *password,
                       const char  *ca_file)
{
  KoiServerConfig *config = g_new0 (KoiServerConfig, 1);

  config->host = g_strdup (host);
  config->port = port;
  config->security = security;
  config->login = g_strdup (login);
  config->password = g_strdup (password);
  config->ca_file = g_strdup (ca_file);

  return config;
}

KoiServerConfig *
koi_server_config_copy (const KoiServerConfig *config)
{
  KoiServerConfig *copy;

  g_return_val_if_fail (config != NULL, NULL);

  copy = koi_server_config_new (config->host, config->port, config->security,
                                config->login, config->password, config->ca_file);
  koi_server_config_set_pin (copy, config->pinned_key, config->pinned_cert);
  return copy;
}

void
koi_server_config_set_pin (KoiServerConfig *config,
                           const char      *pinned_key,
                           const char      *pinned_cert)
{
  g_return_if_fail (config != NULL);

  /* A fingerprint without its key would pin nothing. */
  if (pinned_key == NULL || *pinned_key == '\0')
    pinned_key = pinned_cert = NULL;
  g_free (config->pinned_key);
  config->pinned_key = g_strdup (pinned_key);
  g_free (config->pinned_cert);
  config->pinned_cert = g_strdup (pinned_cert);
}

void
koi_server_config_free (KoiServerConfig *config)
{
  if (config == NULL)
    return;

  g_free (config->host);
  g_free (config->login);
  /* Wipe the secret before the memory goes back to the allocator, so it
   * does not linger in a later core dump or a reused block. */
  if (config->password != NULL)
    {
      memset (config->password, 0, strlen (config->password));
      g_free (config->password);
    }
  g_free (config->ca_file);
  g_free (config->pinned_key);
  g_free (config->pinned_cert);
  g_free (config);
}

gboolean
koi_security_from_string (const char  *str,
                          KoiSecurity *out_security)
{
  KoiSecurity security;

  if (str == NULL)
    return FALSE;

  if (g_ascii_strcasecmp (str, "tls") == 0)
    security = KOI_SECURITY_TLS;
  else if (g_ascii_strcasecmp (str, "starttls") == 0)
    security = KOI_SECURITY_STARTTLS;
  else
    return FALSE;

  if (out_security != NULL)
    *out_security = security;

  return TRUE;
}

const char *
koi_security_to_string (KoiSecurity security)
{
  switch (security)
    {
    case KOI_SECURITY_TLS:
      return "tls";
    case KOI_SECURITY_STARTTLS:
      return "starttls";
    default:
      return "unknown";
    }
}
