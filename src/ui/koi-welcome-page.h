/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-account-setup.h"
#include "koi-session.h"

G_BEGIN_DECLS

#define KOI_TYPE_WELCOME_PAGE (koi_welcome_page_get_type ())
G_DECLARE_FINAL_TYPE (KoiWelcomePage, koi_welcome_page, KOI, WELCOME_PAGE, GtkWidget)

/*
 * The first-run form: address, password, name, IMAP and SMTP servers,
 * optional CA file. "Add Account" verifies the login through the session
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
/* The error shown under the button, "" when none. */
const char         *koi_welcome_page_get_error      (KoiWelcomePage *self);

G_END_DECLS
