/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-cert-trust"

#include "config.h"

#include "koi-account-config.h"
#include "koi-cert-trust.h"
#include "koi-engine-error.h"
#include "koi-net-error.h"

/* Reading a certificate is a greeting and a handshake: a server that takes
 * longer is not one to trust today. */
#define INSPECT_TIMEOUT_MS 15000

gboolean
koi_cert_error_is_changed (const GError *error)
{
  return g_error_matches (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_TLS_CERTIFICATE_CHANGED) ||
         g_error_matches (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_TLS_CERTIFICATE_CHANGED);
}

gboolean
koi_cert_error_is_untrusted (const GError *error)
{
  return g_error_matches (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_TLS_CERTIFICATE) ||
         g_error_matches (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_TLS_CERTIFICATE) ||
         koi_cert_error_is_changed (error);
}

KoiCertInfo *
koi_cert_trust_inspect_failed (const KoiAccountSettings  *settings,
                               const GError              *failure,
                               GCancellable              *cancellable,
                               GError                   **error)
{
  gboolean imap;

  g_return_val_if_fail (settings != NULL, NULL);

  if (!koi_cert_error_is_untrusted (failure))
    {
      g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                           "No certificate was refused");
      return NULL;
    }

  imap = failure->domain == KOI_IMAP_ERROR;
  return koi_net_cert_inspect (imap ? settings->imap : settings->smtp,
                               imap ? KOI_PROBE_IMAP : KOI_PROBE_SMTP,
                               INSPECT_TIMEOUT_MS, cancellable, error);
}

void
koi_cert_trust_pin_settings (KoiAccountSettings *settings,
                             const KoiCertInfo  *info)
{
  g_return_if_fail (settings != NULL && info != NULL);

  for (KoiServerConfig **c = (KoiServerConfig *[]) { settings->imap, settings->smtp, NULL }; *c; c++)
    if (g_ascii_strcasecmp ((*c)->host, info->host) == 0 && (*c)->port == info->port)
      koi_cert_info_pin (info, *c);
}

static gboolean
matches_any (const KoiCertInfo  *info,
             const char * const *fingerprints)
{
  for (gsize i = 0; fingerprints != NULL && fingerprints[i] != NULL; i++)
    if (koi_cert_info_matches (info, fingerprints[i]))
      return TRUE;
  return FALSE;
}

gint64
koi_cert_trust_setup_sync (const char          *profile_dir,
                           KoiAccountSettings  *settings,
                           const char * const  *fingerprints,
                           GCancellable        *cancellable,
                           GError             **error)
{
  /* IMAP refused, then SMTP refused, then both pinned: three tries at most. */
  for (guint attempt = 0; attempt < 3; attempt++)
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (KoiCertInfo) info = NULL;
      gint64 id;

      id = koi_account_setup_sync (profile_dir, settings, cancellable, &local);
      if (id != 0)
        return id;
      if (fingerprints == NULL || fingerprints[0] == NULL || !koi_cert_error_is_untrusted (local))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return 0;
        }

      info = koi_cert_trust_inspect_failed (settings, local, cancellable, NULL);
      if (info == NULL || !matches_any (info, fingerprints))
        {
          /* The server's own error names what it shows now. */
          g_propagate_error (error, g_steal_pointer (&local));
          g_prefix_error (error, "None of the fingerprints given is the certificate %s:%u shows. ",
                          info != NULL ? info->host : "the server",
                          info != NULL ? info->port : 0);
          return 0;
        }
      g_debug ("Trusting %s for %s:%u", info->sha256, info->host, info->port);
      koi_cert_trust_pin_settings (settings, info);
    }

  g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                       "The servers kept refusing the trusted certificates");
  return 0;
}

gboolean
koi_cert_trust_account_sync (KoiStore            *store,
                             gint64               account_id,
                             const char * const  *fingerprints,
                             GPtrArray          **out_trusted,
                             GCancellable        *cancellable,
                             GError             **error)
{
  g_autoptr (KoiStoreAccount) row = NULL;
  g_autoptr (KoiAccountConfig) config = NULL;
  g_autoptr (GPtrArray) trusted = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_cert_info_free);
  g_autoptr (GString) seen = g_string_new (NULL);

  row = koi_store_account_get (store, account_id, error);
  if (row == NULL)
    return FALSE;
  config = koi_account_config_new_from_store (row, NULL);

  for (guint i = 0; i < 2; i++)
    {
      const KoiServerConfig *server = i == 0 ? config->imap : config->smtp;
      g_autoptr (KoiCertInfo) info = NULL;

      info = koi_net_cert_inspect (server, i == 0 ? KOI_PROBE_IMAP : KOI_PROBE_SMTP,
                                   INSPECT_TIMEOUT_MS, cancellable, error);
      if (info == NULL)
        return FALSE;
      if (!matches_any (info, fingerprints))
        {
          g_string_append_printf (seen, "%s%s:%u shows SHA-256 %s", seen->len > 0 ? ", " : "",
                                  info->host, info->port, info->sha256);
          continue;
        }
      if (!koi_store_account_set_pin (store, account_id, i == 0 ? "imap" : "smtp",
                                      info->key_pin, info->sha256, error))
        return FALSE;
      g_ptr_array_add (trusted, g_steal_pointer (&info));
    }

  if (trusted->len == 0)
    {
      g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                   "Neither server shows that certificate: %s", seen->str);
      return FALSE;
    }

  if (out_trusted != NULL)
    *out_trusted = g_steal_pointer (&trusted);
  return TRUE;
}
