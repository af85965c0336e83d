/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-attachment-file"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "koi-attachment-file.h"
#include "koi-coi.h"
#include "koi-coi-gmime.h"
#include "koi-engine-error.h"
#include "koi-store-attachment.h"

/* One file into the attachment folder: decoded from its transfer encoding
 * block by block into a temporary file while its SHA-256 is taken, then
 * renamed to XX/<sha256>. The same content twice is one file, and no name a
 * sender chose ever becomes part of a path. */

#define DECODE_CHUNK (64 * 1024)

/* ---- decoding to a file ------------------------------------------------- */

typedef struct {
  GChecksum *checksum;
  int        fd;
  guint64    written;
  guint8     head[16];
  gsize      head_len;
} Sink;

static gboolean
sink_write (Sink         *sink,
            const guint8 *data,
            gsize         len,
            GError      **error)
{
  if (sink->head_len < sizeof sink->head)
    {
      gsize n = MIN (len, sizeof sink->head - sink->head_len);

      memcpy (sink->head + sink->head_len, data, n);
      sink->head_len += n;
    }
  g_checksum_update (sink->checksum, data, len);
  sink->written += len;
  while (len > 0)
    {
      gssize n = write (sink->fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Could not write the attachment: %s", g_strerror (saved));
          return FALSE;
        }
      data += n;
      len -= n;
    }
  return TRUE;
}

static gboolean
is_base64_char (guchar c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/' || c == '=';
}

/* base64 by hand rather than through a gmime filter: a part with bytes
 * that are not base64, or that ends in the middle of a quantum (a cut-off
 * mail), must fail clearly instead of becoming a quietly wrong file. */
static gboolean
decode_base64 (int        in_fd,
               Sink      *sink,
               GError   **error)
{
  g_autofree guchar *in = g_malloc (DECODE_CHUNK);
  g_autofree guchar *out = g_malloc (DECODE_CHUNK);
  gint state = 0;
  guint save = 0;
  guint64 quantum = 0;
  gboolean padded = FALSE;

  for (;;)
    {
      gssize n = read (in_fd, in, DECODE_CHUNK);
      gsize kept = 0;

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Could not read the download: %s", g_strerror (saved));
          return FALSE;
        }
      if (n == 0)
        break;
      for (gssize i = 0; i < n; i++)
        {
          guchar c = in[i];

          if (c == '\r' || c == '\n' || c == ' ' || c == '\t')
            continue;
          if (!is_base64_char (c) || (padded && c != '='))
            {
              g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                                   "The attachment is damaged: its encoding holds bytes that are not base64");
              return FALSE;
            }
          if (c == '=')
            padded = TRUE;
          in[kept++] = c;
          quantum++;
        }
      if (kept > 0)
        {
          gsize decoded = g_base64_decode_step ((const char *) in, kept, out, &state, &save);

          if (!sink_write (sink, out, decoded, error))
            return FALSE;
        }
    }

  if (quantum % 4 != 0)
    {
      g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                           "The attachment is damaged: it ends in the middle (the mail was cut off)");
      return FALSE;
    }
  return TRUE;
}

/* Quoted-printable, uuencode: gmime's decoders, read through a filter
 * stream one block at a time. Others are copied as they are. */
static gboolean
decode_with_gmime (int          in_fd,
                   const char  *encoding,
                   Sink        *sink,
                   GError     **error)
{
  GMimeContentEncoding content_encoding = g_mime_content_encoding_from_string (encoding != NULL ? encoding : "7bit");
  g_autoptr(GMimeStream) source = g_mime_stream_fs_new (dup (in_fd));
  g_autoptr(GMimeStream) filtered = g_mime_stream_filter_new (source);
  g_autofree guint8 *buffer = g_malloc (DECODE_CHUNK);

  if (content_encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
      content_encoding == GMIME_CONTENT_ENCODING_UUENCODE)
    {
      GMimeFilter *filter = g_mime_filter_basic_new (content_encoding, FALSE);

      g_mime_stream_filter_add (GMIME_STREAM_FILTER (filtered), filter);
      g_object_unref (filter);
    }

  for (;;)
    {
      gssize n = g_mime_stream_read (filtered, (char *) buffer, DECODE_CHUNK);

      if (n < 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not read the download");
          return FALSE;
        }
      if (n == 0 && g_mime_stream_eos (filtered))
        break;
      if (n > 0 && !sink_write (sink, buffer, n, error))
        return FALSE;
      if (n == 0)
        break;
    }
  return TRUE;
}

gboolean
koi_attachment_file_store (const char  *dir,
                           int          in_fd,
                           const char  *encoding,
                           const char  *mime_type,
                           char       **out_sha256,
                           char       **out_relative,
                           guint64     *out_size,
                           GError     **error)
{
  g_autofree char *tmp_dir = g_build_filename (dir, "tmp", NULL);
  g_autofree char *tmp_path = g_build_filename (tmp_dir, "file-XXXXXX", NULL);
  g_autofree char *sub = NULL;
  g_autofree char *final_dir = NULL;
  g_autofree char *final_path = NULL;
  Sink sink = { 0, };
  gboolean ok;
  const char *hex;

  g_mkdir_with_parents (tmp_dir, 0700);
  sink.fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0600);
  if (sink.fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not create a file in %s: %s", tmp_dir, g_strerror (saved));
      return FALSE;
    }
  sink.checksum = g_checksum_new (G_CHECKSUM_SHA256);

  if (encoding != NULL && g_ascii_strcasecmp (encoding, "base64") == 0)
    ok = decode_base64 (in_fd, &sink, error);
  else
    ok = decode_with_gmime (in_fd, encoding, &sink, error);
  if (ok && fsync (sink.fd) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not write the attachment: %s",
                   g_strerror (errno));
      ok = FALSE;
    }
  close (sink.fd);

  /* An image that is not one (HTML dressed as image/png) is never made
   * into a preview or opened as an image. */
  if (ok && mime_type != NULL && g_str_has_prefix (mime_type, "image/") &&
      koi_coi_sniff_image_type (sink.head, sink.head_len) == NULL)
    {
      g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                   "The attachment says it is an image (%s) but its content is not one", mime_type);
      ok = FALSE;
    }

  if (!ok)
    {
      g_unlink (tmp_path);
      g_checksum_free (sink.checksum);
      return FALSE;
    }

  hex = g_checksum_get_string (sink.checksum);
  sub = g_strndup (hex, 2);
  final_dir = g_build_filename (dir, sub, NULL);
  final_path = g_build_filename (final_dir, hex, NULL);
  g_mkdir_with_parents (final_dir, 0700);

  /* The same content is stored already: keep the one file. */
  if (g_file_test (final_path, G_FILE_TEST_EXISTS))
    g_unlink (tmp_path);
  else if (g_rename (tmp_path, final_path) != 0)
    {
      int saved = errno;

      g_unlink (tmp_path);
      g_checksum_free (sink.checksum);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not keep the attachment: %s", g_strerror (saved));
      return FALSE;
    }

  *out_sha256 = g_strdup (hex);
  *out_relative = g_build_filename (sub, hex, NULL);
  *out_size = sink.written;
  g_checksum_free (sink.checksum);
  return TRUE;
}


void
koi_attachment_file_remove_unused (KoiStore  *store,
                                   GPtrArray *relative_paths)
{
  g_autofree char *dir = NULL;

  if (relative_paths == NULL || relative_paths->len == 0)
    return;
  dir = koi_store_get_attachment_dir (store);
  for (guint i = 0; i < relative_paths->len; i++)
    {
      const char *relative = g_ptr_array_index (relative_paths, i);
      g_autofree char *path = NULL;
      g_autofree char *thumb = NULL;

      /* The same content received twice is one file: it stays while a
       * row names it. A failed look keeps it too. */
      if (koi_store_attachment_path_in_use (store, relative, NULL) || strstr (relative, "..") != NULL)
        continue;
      path = g_build_filename (dir, relative, NULL);
      thumb = g_strconcat (path, ".thumb.png", NULL);
      if (g_unlink (path) != 0 && errno != ENOENT)
        g_message ("Cannot remove %s: %s", path, g_strerror (errno));
      g_unlink (thumb);
    }
}
