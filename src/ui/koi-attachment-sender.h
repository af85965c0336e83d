/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-account.h"

G_BEGIN_DECLS

/*
 * Sends the composer's files to a chat, one message each, in order; the
 * caption goes with the first, and so does the quote of @reply_to (a
 * message id; 0: no reply). Images are first made ready in a worker
 * (koi_image_file_prepare_to_send: upright, at most 1280 px, no EXIF)
 * unless @original; the engine copies each file into the profile when it
 * queues it, so the prepared copies and pasted images are deleted then.
 * Finishes once every file is queued, or with the first error.
 */
void     koi_attachment_sender_send_async  (KoiAccount          *account,
                                            gint64               chat_id,
                                            const char          *caption,
                                            gint64               reply_to,
                                            GListModel          *files,
                                            gboolean             original,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean koi_attachment_sender_send_finish (GAsyncResult        *result,
                                            GError             **error);

G_END_DECLS
