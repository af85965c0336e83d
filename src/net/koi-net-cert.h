/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-net-probe.h"
#include "koi-server-config.h"

G_BEGIN_DECLS

/* What a server's certificate says about itself: what a user needs to
 * decide whether to trust it for one account. */
typedef struct
{
  char    *host;
  guint16  port;
  char    *subject;     /* as OpenSSL prints it, e.g. "O=Koi test, CN=localhost" */
  char    *issuer;
  char    *not_before;  /* as curl reports it, e.g. "Nov 30 10:00:00 2026 GMT" */
  char    *not_after;
  char    *sha256;      /* the certificate's SHA-256, "AB:CD:…" (32 pairs) */
  char    *key_pin;     /* "sha256//BASE64" of its SubjectPublicKeyInfo: what is pinned */
  char    *problem;     /* why it does not verify (OpenSSL's words), or NULL */
} KoiCertInfo;

void         koi_cert_info_free        (KoiCertInfo       *info);
KoiCertInfo *koi_cert_info_copy        (const KoiCertInfo *info);

/* Connects without logging in and without trusting anything, and reads the
 * server's certificate (after STARTTLS where `config` says so). No login or
 * password is sent, whatever `config` holds. Blocking: worker thread or
 * CLI. Errors are KOI_IMAP_ERROR / KOI_SMTP_ERROR. */
KoiCertInfo *koi_net_cert_inspect      (const KoiServerConfig *config,
                                        KoiProbeProtocol       protocol,
                                        guint                  timeout_ms,
                                        GCancellable          *cancellable,
                                        GError               **error);
/* The same with the URL already made (scheme decides TLS or STARTTLS). */
KoiCertInfo *koi_net_cert_inspect_url  (const KoiServerConfig *config,
                                        GQuark                 domain,
                                        const char            *url,
                                        guint                  timeout_ms,
                                        GCancellable          *cancellable,
                                        GError               **error);

/* Whether `fingerprint` names this certificate: its SHA-256 in hex (any
 * case, with or without colons or spaces), the SHA-256 of its public key
 * in hex, or the key pin "sha256//BASE64". */
gboolean     koi_cert_info_matches     (const KoiCertInfo *info,
                                        const char        *fingerprint);

/* Pins `info` in `config`: from now on only this key is accepted there. */
void         koi_cert_info_pin         (const KoiCertInfo *info,
                                        KoiServerConfig   *config);

/* From a DER certificate: its SHA-256 fingerprint "AB:CD:…" and the pin of
 * its public key "sha256//BASE64". FALSE when the DER is not a
 * certificate. Pure, for tests and fuzzing. */
gboolean     koi_cert_der_fingerprints (const guint8      *der,
                                        gsize              len,
                                        char             **out_sha256,
                                        char             **out_key_pin);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiCertInfo, koi_cert_info_free)

G_END_DECLS
