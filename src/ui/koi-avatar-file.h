/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The avatar a card carries: small enough for every card, big enough for
 * a HiDPI avatar (issue 10); koi-cli's "profile set --avatar" makes the
 * same. */
#define KOI_AVATAR_FILE_PX 256

/* Reads an image file chosen by the user and makes it a JPEG of at most
 * KOI_AVATAR_FILE_PX square (transparency flattened onto white), on a
 * worker thread. */
void    koi_avatar_file_load_async  (GFile               *file,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
GBytes *koi_avatar_file_load_finish (GAsyncResult        *result,
                                     GError             **error);

G_END_DECLS
