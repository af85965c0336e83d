/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-server-config.h"

G_BEGIN_DECLS

typedef struct {
  char            *address;
  char            *display_name;   /* may be NULL */
  KoiServerConfig *imap;           /* password set in both */
  KoiServerConfig *smtp;
} KoiAccountSettings;

void                koi_account_settings_free (KoiAccountSettings *settings);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiAccountSettings, koi_account_settings_free)

/* Verifies the IMAP and SMTP logins (each connects, authenticates and logs
 * out), then stores the password with libsecret and the account in the
 * profile's store. Errors are KOI_IMAP_ERROR / KOI_SMTP_ERROR codes with a
 * message a user understands (wrong password, untrusted certificate, server
 * unreachable). Blocking: call from a worker thread or the CLI. */
gint64  koi_account_setup_sync   (const char                *profile_dir,
                                  const KoiAccountSettings  *settings,
                                  GCancellable              *cancellable,
                                  GError                   **error);

/* The same on a worker thread, for the UI. */
void    koi_account_setup_async  (const char                *profile_dir,
                                  const KoiAccountSettings  *settings,
                                  GCancellable              *cancellable,
                                  GAsyncReadyCallback        callback,
                                  gpointer                   user_data);
gint64  koi_account_setup_finish (GAsyncResult              *result,
                                  GError                   **error);

G_END_DECLS
