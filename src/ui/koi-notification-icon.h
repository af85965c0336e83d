/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-store-reader.h"

G_BEGIN_DECLS

/*
 * A notification's icon: the photo on the sender's contact card, read and
 * parsed on the store reader's thread.
 *
 * How it travels depends on who shows it. GLib's freedesktop backend
 * (org.freedesktop.Notifications) passes only a file or themed icon (the
 * "image-path" hint), so outside a sandbox the photo is written once to
 * the user's cache folder, named by its SHA-256, and sent as a GFileIcon.
 * The portal (in a Flatpak, or Koi's own portal path) cannot read the
 * app's files but accepts a serialized GBytesIcon: @as_bytes gives that.
 */
void     koi_notification_icon_async  (KoiStoreReader       *reader,
                                       gint64                account_id,
                                       const char           *address,
                                       gboolean              as_bytes,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
/* Transfer full: the icon, or NULL without error when the contact has no
 * photo. */
GIcon   *koi_notification_icon_finish (KoiStoreReader       *reader,
                                       GAsyncResult         *result,
                                       GError              **error);

/* The folder the file icons are written to. */
char    *koi_notification_icon_dir    (void);

G_END_DECLS
