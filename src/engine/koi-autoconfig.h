/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-server-config.h"

G_BEGIN_DECLS

#define KOI_AUTOCONFIG_ERROR (koi_autoconfig_error_quark ())

typedef enum {
  KOI_AUTOCONFIG_ERROR_INVALID_ADDRESS, /* not user@domain */
  KOI_AUTOCONFIG_ERROR_INVALID_CONFIG,  /* a config-v1.1.xml Koi cannot read */
  KOI_AUTOCONFIG_ERROR_NO_SERVER,       /* a config without a usable IMAP or SMTP server */
} KoiAutoconfigError;

GQuark koi_autoconfig_error_quark (void);

/* Where the servers were found, in the order they are tried. */
typedef enum {
  KOI_AUTOCONFIG_SOURCE_NONE,
  KOI_AUTOCONFIG_SOURCE_PROVIDER,   /* https://autoconfig.<domain>/mail/config-v1.1.xml */
  KOI_AUTOCONFIG_SOURCE_WELL_KNOWN, /* https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml */
  KOI_AUTOCONFIG_SOURCE_ISP,        /* the ISP database shipped with Koi (koi-isp-db.h) */
  KOI_AUTOCONFIG_SOURCE_SRV,        /* RFC 6186 DNS SRV records */
  KOI_AUTOCONFIG_SOURCE_GUESS,      /* imap./mail./<domain> on the usual ports */
} KoiAutoconfigSource;

const char *koi_autoconfig_source_to_string (KoiAutoconfigSource source);

/* What autoconfiguration found. When `verified` is FALSE nothing answered
 * as a mail server; imap and smtp then hold the most likely settings (from
 * a config file, else the first guess) to prefill a manual form, and
 * imap_error / smtp_error say why the most likely one failed (NULL when it
 * was never tried). Logins are set, passwords never. */
typedef struct {
  KoiAutoconfigSource  source;
  gboolean             verified;
  KoiServerConfig     *imap;
  KoiServerConfig     *smtp;
  GError              *imap_error;
  GError              *smtp_error;
} KoiAutoconfigResult;

void koi_autoconfig_result_free (KoiAutoconfigResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiAutoconfigResult, koi_autoconfig_result_free)

/* Parses Thunderbird's config-v1.1.xml for `address`: the IMAP and SMTP
 * servers in the file's order of preference, placeholders
 * (%EMAILADDRESS%, %EMAILLOCALPART%, %EMAILDOMAIN%) replaced, servers
 * without encryption or with only OAuth2 left out. Both arrays hold
 * KoiServerConfig. KOI_AUTOCONFIG_ERROR_INVALID_CONFIG for a file that is
 * not such XML, _NO_SERVER when no usable IMAP or no SMTP server is left. */
gboolean koi_autoconfig_parse_xml (const char  *xml,
                                   gssize       length,
                                   const char  *address,
                                   GPtrArray  **out_imap,
                                   GPtrArray  **out_smtp,
                                   GError     **error);

/* Test hooks. Koi itself runs with the defaults: HTTPS on 443 with the
 * system's CAs, the system resolver, the standard mail ports. */
typedef struct _KoiAutoconfigOptions KoiAutoconfigOptions;

KoiAutoconfigOptions *koi_autoconfig_options_new          (void);
void                  koi_autoconfig_options_free         (KoiAutoconfigOptions *options);
/* An extra CA (PEM) trusted for the config download and the probes. */
void                  koi_autoconfig_options_set_ca_file  (KoiAutoconfigOptions *options,
                                                           const char           *ca_file);
/* A folder of config-v1.1.xml files used as the ISP database instead of
 * the shipped one. */
void                  koi_autoconfig_options_set_isp_dir  (KoiAutoconfigOptions *options,
                                                           const char           *dir);
/* The HTTPS port the config files are fetched from instead of 443. */
void                  koi_autoconfig_options_set_https_port (KoiAutoconfigOptions *options,
                                                             guint16               port);
/* Resolves `host` to `address` for the config download only. */
void                  koi_autoconfig_options_map_host     (KoiAutoconfigOptions *options,
                                                           const char           *host,
                                                           const char           *address);
/* Guessed and SRV-found servers on `port` are tried on `actual` instead. */
void                  koi_autoconfig_options_map_port     (KoiAutoconfigOptions *options,
                                                           guint16               port,
                                                           guint16               actual);
/* The resolver asked for SRV records (a stub in tests). */
void                  koi_autoconfig_options_set_resolver (KoiAutoconfigOptions *options,
                                                           GResolver            *resolver);
/* How long one download or one probe may take. */
void                  koi_autoconfig_options_set_timeout  (KoiAutoconfigOptions *options,
                                                           guint                 timeout_ms);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiAutoconfigOptions, koi_autoconfig_options_free)

/* Finds the IMAP and SMTP servers of `address`: the provider's config
 * files over HTTPS, then the ISP database shipped with Koi, then SRV records, then guesses; every candidate of a
 * source is probed at once (koi_net_probe: verified TLS, protocol greeting)
 * and the first verified IMAP and SMTP in the source's order are chosen.
 * A source that yields no verified pair hands over to the next. Returns a
 * result unless cancelled or the address is not one (then NULL + error).
 * Blocking: worker thread or CLI. `options` may be NULL. */
KoiAutoconfigResult *koi_autoconfig_run_sync   (const char                  *address,
                                                const KoiAutoconfigOptions  *options,
                                                GCancellable                *cancellable,
                                                GError                     **error);

/* The same on a worker thread, for the UI. `options` is copied. */
void                 koi_autoconfig_run_async  (const char                  *address,
                                                const KoiAutoconfigOptions  *options,
                                                GCancellable                *cancellable,
                                                GAsyncReadyCallback          callback,
                                                gpointer                     user_data);
KoiAutoconfigResult *koi_autoconfig_run_finish (GAsyncResult                *result,
                                                GError                     **error);

G_END_DECLS
