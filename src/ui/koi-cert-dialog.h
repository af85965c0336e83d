/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-compat.h"
#include "koi-net-cert.h"

G_BEGIN_DECLS

#define KOI_TYPE_CERT_DIALOG (koi_cert_dialog_get_type ())
G_DECLARE_FINAL_TYPE (KoiCertDialog, koi_cert_dialog, KOI, CERT_DIALOG, KoiDialogBase)

/*
 * The certificate page: what a server's certificate says (subject,
 * issuer, validity, SHA-256 fingerprint) and why it is refused, with an
 * explicit "Trust This Certificate". Signal "trusted" when the user chose
 * it (then it closes); cancelling closes it without a signal. For a
 * changed certificate, @trusted_sha256 is the one the account trusted
 * until now (NULL for a first trust). Show it with
 * koi_compat_present_dialog().
 */
GtkWidget         *koi_cert_dialog_new        (const KoiCertInfo *info,
                                               const char        *trusted_sha256);
const KoiCertInfo *koi_cert_dialog_get_info   (KoiCertDialog     *self);
/* Trusts, as the button does. */
void               koi_cert_dialog_trust      (KoiCertDialog     *self);

G_END_DECLS
