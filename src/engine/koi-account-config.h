/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-server-config.h"
#include "koi-store.h"

G_BEGIN_DECLS

/* Everything needed to connect one account: the store's row plus the
 * password from the Secret Service, in the net layer's terms. */
typedef struct {
  gint64           id;
  char            *address;
  char            *display_name;
  KoiServerConfig *imap;
  KoiServerConfig *smtp;
  /* End-to-end encryption (own key in the profile, its passphrase in the
   * Secret Service). Set for accounts whose password came from the Secret
   * Service; a config made by hand (tests, a one-off CLI call) stays plain
   * unless it sets this, so nothing touches a keyring it did not ask for. */
  gboolean         encryption;
} KoiAccountConfig;

void              koi_account_config_free        (KoiAccountConfig       *config);
KoiAccountConfig *koi_account_config_copy        (const KoiAccountConfig *config);

/* "host:port" of the IMAP server: the key of the password entry. */
char             *koi_account_config_secret_server (const char           *imap_host,
                                                  guint16               imap_port);
/* The keyring item of a sending password that differs from the account's
 * one (the server attribute "smtp:HOST:PORT"); without it, SMTP logs in
 * with the IMAP password. */
char             *koi_account_config_smtp_secret_server (const char     *smtp_host,
                                                         guint16         smtp_port);

/* Builds the config from a store row and a password (which may be NULL). */
KoiAccountConfig *koi_account_config_new_from_store (const KoiStoreAccount *account,
                                                   const char            *password);

/* Loads the account (by id; 0 = the first one) from @store and its
 * password from the Secret Service. Blocking: worker thread or CLI.
 * KOI_ENGINE_ERROR_NO_ACCOUNT / _NO_PASSWORD with a message that says what
 * to do. */
KoiAccountConfig *koi_account_config_load_sync   (KoiStore               *store,
                                                  gint64                  account_id,
                                                  GCancellable           *cancellable,
                                                  GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiAccountConfig, koi_account_config_free)

G_END_DECLS
