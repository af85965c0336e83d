/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-account.h"
#include "koi-session.h"

G_BEGIN_DECLS

/*
 * "Enter Password…" for an account whose server refused the saved password
 * (the engine stopped, KOI_CONNECTION_PROBLEM_LOGIN): asks for the current
 * one, checks it with the servers and saves it in the keyring through
 * koi_session_add_account_async() (the same path as adding the account
 * again), which restarts the engine with it. A refused one asks again,
 * saying why. The outcome shows in the account's connection state. The
 * same without a password in the keyring at all (KOI_ACCOUNT_STOPPED_NO_PASSWORD).
 * When only the sending server refused it (koi_account_get_sending_refused())
 * the prompt says so and saves the password for sending only
 * (koi_session_set_smtp_password_async()).
 */
void        koi_password_prompt_run       (KoiSession *session,
                                           KoiAccount *account,
                                           GtkWidget  *parent);

G_END_DECLS
