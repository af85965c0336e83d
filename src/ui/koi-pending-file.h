/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * A file the user attached in the composer and has not sent yet: its
 * name, size and type read from disk, and a thumbnail when it is an image
 * (both in a worker: koi_pending_file_load_async).
 */
#define KOI_TYPE_PENDING_FILE (koi_pending_file_get_type ())
G_DECLARE_FINAL_TYPE (KoiPendingFile, koi_pending_file, KOI, PENDING_FILE, GObject)

/* @temporary: Koi made the file (a pasted image); it is deleted once sent
 * or removed. */
KoiPendingFile *koi_pending_file_new             (GFile               *file,
                                                  gboolean             temporary);
void            koi_pending_file_load_async      (KoiPendingFile      *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean        koi_pending_file_load_finish     (KoiPendingFile      *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

GFile          *koi_pending_file_get_file        (KoiPendingFile      *self);
const char     *koi_pending_file_get_name        (KoiPendingFile      *self);
guint64         koi_pending_file_get_size        (KoiPendingFile      *self);
const char     *koi_pending_file_get_mime_type   (KoiPendingFile      *self);
gboolean        koi_pending_file_is_image        (KoiPendingFile      *self);
gboolean        koi_pending_file_get_temporary   (KoiPendingFile      *self);
/* A small picture of an image, or NULL. */
GdkTexture     *koi_pending_file_get_thumbnail   (KoiPendingFile      *self);
/* Deletes a temporary file and its folder, if that is empty then (in a
 * worker); does nothing to the user's files. */
void            koi_pending_file_discard         (KoiPendingFile      *self);

G_END_DECLS
