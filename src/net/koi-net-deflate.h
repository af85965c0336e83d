/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The two raw-deflate streams of one IMAP COMPRESS=DEFLATE session
 * (RFC 4978): what Koi sends is deflated and sync-flushed per write, what
 * the server sends is inflated before the parser sees it.
 *
 * Inflating is pull-based and bounded: koi_net_deflate_push() takes at most
 * one read's worth of compressed bytes, koi_net_deflate_pull() turns them
 * into at most `size` plain bytes at a time, and push refuses more input
 * until everything pending has been pulled. A hostile server's "zip bomb"
 * therefore never costs more memory than one read buffer and one output
 * buffer; the IMAP parser's own line and literal limits decide what is
 * kept of the plain bytes. */

typedef struct _KoiNetDeflate KoiNetDeflate;

KoiNetDeflate *koi_net_deflate_new        (void);
void           koi_net_deflate_free       (KoiNetDeflate  *self);

/* Appends `data` deflated to `out`, ending with a sync flush so the peer
 * can read all of it at once. FALSE + KOI_IMAP_ERROR_PROTOCOL only if zlib
 * itself fails. */
gboolean       koi_net_deflate_compress   (KoiNetDeflate  *self,
                                           const void     *data,
                                           gsize           len,
                                           GByteArray     *out,
                                           GError        **error);

/* TRUE while a pull may still give bytes without new input. */
gboolean       koi_net_deflate_has_pending (KoiNetDeflate *self);

/* Hands compressed bytes from the wire in (copied). Must only be called
 * when has_pending() is FALSE. */
void           koi_net_deflate_push       (KoiNetDeflate  *self,
                                           const void     *data,
                                           gsize           len);

/* Inflates into `buffer`: returns the number of plain bytes (0 when more
 * input is needed), or -1 + KOI_IMAP_ERROR_PROTOCOL for corrupt data or
 * data after the end of the stream (a server may finish its stream when it
 * closes the connection, after LOGOUT). */
gssize         koi_net_deflate_pull       (KoiNetDeflate  *self,
                                           void           *buffer,
                                           gsize           size,
                                           GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiNetDeflate, koi_net_deflate_free)

G_END_DECLS
