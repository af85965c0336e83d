/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Plain text is deliberately not offered: a password never crosses the
 * network unencrypted. */
typedef enum
{
  KOI_SECURITY_TLS,      /* TLS from the first byte (imaps 993, smtps 465) */
  KOI_SECURITY_STARTTLS, /* plain connect, then STARTTLS is required (143, 587) */
} KoiSecurity;

typedef struct
{
  char        *host;
  guint16      port;
  KoiSecurity  security;
  char        *login;
  char        *password; /* only in memory; never logged, never on a command line */
  char        *ca_file;  /* extra CA (PEM) for a self-signed/test server; NULL = system */
  /* A certificate the user trusted for this account, host and port: when
   * set, exactly the public key pinned_key ("sha256//BASE64" of its
   * SubjectPublicKeyInfo) is accepted and nothing else, CA or not.
   * pinned_cert is that certificate's SHA-256 fingerprint, for messages. */
  char        *pinned_key;
  char        *pinned_cert;
} KoiServerConfig;

KoiServerConfig *koi_server_config_new      (const char        *host,
                                             guint16            port,
                                             KoiSecurity        security,
                                             const char        *login,
                                             const char        *password,
                                             const char        *ca_file);
KoiServerConfig *koi_server_config_copy     (const KoiServerConfig *config);
/* Pins one certificate (both NULL: back to CA verification). */
void             koi_server_config_set_pin  (KoiServerConfig   *config,
                                             const char        *pinned_key,
                                             const char        *pinned_cert);
void             koi_server_config_free     (KoiServerConfig   *config);

gboolean         koi_security_from_string   (const char        *str,
                                             KoiSecurity       *out_security);
const char      *koi_security_to_string     (KoiSecurity        security);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiServerConfig, koi_server_config_free)

G_END_DECLS
