/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-account.h"

G_BEGIN_DECLS

/*
 * "Review certificates" for a saved account (the account settings): reads
 * the certificates its IMAP and SMTP servers show now (off the main
 * thread, without logging in), shows the certificate page for each one
 * that is refused (not verified and not trusted, or not the one trusted),
 * and trusts it through the engine when the user says so; then the engine
 * connects again. When nothing is refused it says so. Emits nothing; the
 * outcome is visible in the account's connection state.
 */
void        koi_cert_review_run           (KoiAccount *account,
                                           GtkWidget  *parent);

/* One line on how the account's servers are checked, for its row. */
char       *koi_cert_review_describe      (KoiAccount *account);

G_END_DECLS
