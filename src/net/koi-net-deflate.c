/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-net-deflate"

#include "config.h"

#include <zlib.h>

#include "koi-net-deflate.h"
#include "koi-net-error.h"

/* RFC 4978: raw deflate (no zlib or gzip header), the full 32 KiB window. */
#define RAW_WINDOW_BITS (-15)

struct _KoiNetDeflate
{
  z_stream    out;
  z_stream    in;
  GByteArray *input;       /* compressed bytes not yet inflated; in.next_in points into it */
  gboolean    output_full; /* the last pull filled its buffer: zlib may hold more */
  gboolean    failed;      /* an inflate error is final: the stream has no resync point */
  gboolean    ended;       /* the peer finished its stream: it is closing the connection */
};

KoiNetDeflate *
koi_net_deflate_new (void)
{
  KoiNetDeflate *self = g_new0 (KoiNetDeflate, 1);

  /* Only fails for lack of memory or a broken zlib: neither is the
   * server's doing, and GLib aborts on lack of memory anyway. */
  if (deflateInit2 (&self->out, Z_DEFAULT_COMPRESSION, Z_DEFLATED, RAW_WINDOW_BITS, 8,
                    Z_DEFAULT_STRATEGY) != Z_OK ||
      inflateInit2 (&self->in, RAW_WINDOW_BITS) != Z_OK)
    g_error ("zlib could not set up a deflate stream");
  self->input = g_byte_array_new ();

  return self;
}

void
koi_net_deflate_free (KoiNetDeflate *self)
{
  if (self == NULL)
    return;

  deflateEnd (&self->out);
  inflateEnd (&self->in);
  g_byte_array_unref (self->input);
  g_free (self);
}

gboolean
koi_net_deflate_compress (KoiNetDeflate  *self,
                          const void     *data,
                          gsize           len,
                          GByteArray     *out,
                          GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (len <= G_MAXUINT, FALSE);

  self->out.next_in = (Bytef *) data;
  self->out.avail_in = (uInt) len;

  /* Z_SYNC_FLUSH after every write: the server must see a whole command
   * now, not when the compressor's block happens to fill. Loop until
   * zlib leaves room unused, which means it has written everything. */
  for (;;)
    {
      gsize old_len = out->len;
      gsize room = MAX (deflateBound (&self->out, self->out.avail_in), 64);
      int rc;

      g_byte_array_set_size (out, old_len + room);
      self->out.next_out = out->data + old_len;
      self->out.avail_out = (uInt) room;
      rc = deflate (&self->out, Z_SYNC_FLUSH);
      g_byte_array_set_size (out, old_len + room - self->out.avail_out);

      if (rc != Z_OK && rc != Z_BUF_ERROR)
        {
          g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL,
                       "Could not compress what to send (zlib: %s)",
                       self->out.msg != NULL ? self->out.msg : "error");
          return FALSE;
        }
      if (self->out.avail_out > 0 && self->out.avail_in == 0)
        break;
    }

  return TRUE;
}

gboolean
koi_net_deflate_has_pending (KoiNetDeflate *self)
{
  return self->in.avail_in > 0 || self->output_full;
}

void
koi_net_deflate_push (KoiNetDeflate *self,
                      const void    *data,
                      gsize          len)
{
  g_return_if_fail (self != NULL);
  /* The bound on memory: one read's worth of input at a time. */
  g_return_if_fail (!koi_net_deflate_has_pending (self));
  g_return_if_fail (len <= G_MAXUINT);

  g_byte_array_set_size (self->input, 0);
  g_byte_array_append (self->input, data, (guint) len);
  self->in.next_in = self->input->data;
  self->in.avail_in = (uInt) len;
}

gssize
koi_net_deflate_pull (KoiNetDeflate  *self,
                      void           *buffer,
                      gsize           size,
                      GError        **error)
{
  gsize produced;
  int rc;

  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (size > 0 && size <= G_MAXUINT, -1);

  if (self->failed)
    {
      g_set_error_literal (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL,
                           "The compressed stream from the server is already broken");
      return -1;
    }
  if (self->ended)
    {
      if (self->in.avail_in == 0)
        return 0;
      self->failed = TRUE;
      g_set_error_literal (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL,
                           "The server sent data after the end of its compressed stream");
      return -1;
    }

  self->in.next_out = buffer;
  self->in.avail_out = (uInt) size;
  rc = inflate (&self->in, Z_SYNC_FLUSH);
  produced = size - self->in.avail_out;
  self->output_full = self->in.avail_out == 0;
  if (self->in.avail_in == 0)
    g_byte_array_set_size (self->input, 0);

  switch (rc)
    {
    case Z_OK:
    case Z_BUF_ERROR: /* no progress possible: needs more input */
      return (gssize) produced;

    case Z_STREAM_END:
      /* Dovecot finishes the stream after its LOGOUT answer, just before
       * it closes: what came with the end is good; the close is read as
       * a close. Bytes after the end are an error (next pull). */
      self->ended = TRUE;
      self->output_full = FALSE;
      return (gssize) produced;

    default:
      self->failed = TRUE;
      g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL,
                   "The server sent corrupt compressed data (zlib: %s)",
                   self->in.msg != NULL ? self->in.msg : zError (rc));
      return -1;
    }
}
