/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-account-setup.h"
#include "koi-autoconfig.h"
#include "koi-session.h"

G_BEGIN_DECLS

#define KOI_TYPE_WELCOME_PAGE (koi_welcome_page_get_type ())
G_DECLARE_FINAL_TYPE (KoiWelcomePage, koi_welcome_page, KOI, WELCOME_PAGE, GtkWidget)

/*
 * The first-run form: address, password, name; the IMAP and SMTP servers
 * and an optional CA file only when asked for ("Enter Server Settings
 * Manually") or when autoconfig (koi-autoconfig.h) found nothing, then
 * prefilled with its likeliest guess. "Add Account" looks the servers up
 * first unless they are shown, then verifies the login through the session
 * (off the main thread) with a spinner; signal "account-added" (KoiAccount)
 * when it worked, else the error in words under the button.
 */
GtkWidget          *koi_welcome_page_new            (void);
void                koi_welcome_page_set_session    (KoiWelcomePage *self,
                                                     KoiSession     *session);
/* The form as settings; NULL and a message for the user when a field is
 * missing or wrong. */
KoiAccountSettings *koi_welcome_page_build_settings (KoiWelcomePage *self,
                                                     GError        **error);
void                koi_welcome_page_submit         (KoiWelcomePage *self);
/* Whether the server fields are shown and used as typed. */
gboolean            koi_welcome_page_get_manual     (KoiWelcomePage *self);
/* Tests: the CA and ports autoconfig uses (takes ownership). */
void                koi_welcome_page_set_autoconfig_options (KoiWelcomePage       *self,
                                                             KoiAutoconfigOptions *options);
/* The error shown under the button, "" when none. */
const char         *koi_welcome_page_get_error      (KoiWelcomePage *self);
/* The certificate page while it is shown (a refused certificate), or NULL. */
GtkWidget          *koi_welcome_page_get_cert_dialog (KoiWelcomePage *self);

G_END_DECLS
