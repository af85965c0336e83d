/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-account-config.h"
#include "koi-store.h"

G_BEGIN_DECLS

/*
 * A profile for the engine's tests against scripted servers: a store in a
 * new temporary folder with one account (servers on 127.0.0.1), and the
 * connection settings a syncer needs; libsecret's file backend for tests
 * that touch the Secret Service.
 */

/* Opens the store in a new folder (*@out_dir) and adds the account of
 * @address (display name "Me"). */
KoiStore         *koi_test_profile_open      (const char  *address,
                                              char       **out_dir,
                                              gint64      *out_account_id);
/* The account's settings: IMAP and SMTP at these ports with each server's
 * test CA; a port of 0 stands for a server the test never uses. */
KoiAccountConfig *koi_test_profile_account   (gint64       account_id,
                                              const char  *address,
                                              guint16      imap_port,
                                              const char  *imap_ca,
                                              guint16      smtp_port,
                                              const char  *smtp_ca);
/* Removes @dir and everything below it. */
void              koi_test_profile_remove    (const char  *dir);

/* Points libsecret at a file in a new folder, never the user's keyring;
 * call before any thread starts. Returns the folder. */
char             *koi_test_keyring_use_file  (void);
void              koi_test_keyring_remove    (char        *dir);

G_END_DECLS
