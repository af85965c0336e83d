/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-store.h"

G_BEGIN_DECLS

/* Decodes @in_fd (read from its position to the end; @encoding base64,
 * quoted-printable, uuencode, or anything else copied as is) into @dir as
 * XX/<sha256> (*out_relative), through a temporary file in @dir/tmp.
 * base64 with bytes that are not base64, or cut in the middle of a
 * quantum, fails (KOI_ENGINE_ERROR_INVALID) with the reason; so does a
 * @mime_type image/... whose bytes are not an image. Nothing is left
 * behind on failure. */
gboolean koi_attachment_file_store (const char  *dir,
                                    int          in_fd,
                                    const char  *encoding,
                                    const char  *mime_type,
                                    char       **out_sha256,
                                    char       **out_relative,
                                    guint64     *out_size,
                                    GError     **error);

/* Removes the files at @relative_paths (in @dir) that no attachment row of
 * @store names any more, each with its cached thumbnail
 * (XX/<sha256>.thumb.png, made by the window). Call after the rows went
 * and the change is committed. */
void     koi_attachment_file_remove_unused (KoiStore    *store,
                                            GPtrArray   *relative_paths);

G_END_DECLS
