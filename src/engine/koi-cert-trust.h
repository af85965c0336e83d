/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-account-setup.h"
#include "koi-net-cert.h"
#include "koi-store.h"

G_BEGIN_DECLS

/* Whether `error` is a refused server certificate: one that does not
 * verify, or not the one the account trusts. */
gboolean koi_cert_error_is_untrusted (const GError *error);
gboolean koi_cert_error_is_changed   (const GError *error);

/* The certificate of the server that `error` (from connecting with
 * `settings`) is about, read without logging in; NULL + error otherwise.
 * Blocking. */
KoiCertInfo *koi_cert_trust_inspect_failed (const KoiAccountSettings *settings,
                                            const GError             *failure,
                                            GCancellable             *cancellable,
                                            GError                  **error);

/* Pins `info` in whichever of settings' servers it was read from (same
 * host and port). */
void     koi_cert_trust_pin_settings (KoiAccountSettings *settings,
                                      const KoiCertInfo  *info);

/* koi_account_setup_sync, but where a server's certificate is refused and
 * it is one of `fingerprints` (see koi_cert_info_matches), it is pinned in
 * `settings` and the setup tried again. A refused certificate that is none
 * of them stays an error naming its fingerprint. Blocking. */
gint64   koi_cert_trust_setup_sync   (const char               *profile_dir,
                                      KoiAccountSettings       *settings,
                                      const char * const       *fingerprints,
                                      GCancellable             *cancellable,
                                      GError                  **error);

/* For a saved account: reads the certificates its IMAP and SMTP servers
 * show now (no login) and trusts each that is one of `fingerprints`, in
 * the store. Errors when neither server shows such a certificate.
 * `out_trusted` (may be NULL) gets the pinned certificates. Blocking. */
gboolean koi_cert_trust_account_sync (KoiStore                 *store,
                                      gint64                    account_id,
                                      const char * const       *fingerprints,
                                      GPtrArray               **out_trusted,
                                      GCancellable             *cancellable,
                                      GError                  **error);

G_END_DECLS
