/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-syncer"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "koi-coi-attachment.h"
#include "koi-engine-error.h"
#include "koi-smtp.h"
#include "koi-syncer-private.h"

/* Sending a file: it is copied into the attachment folder when queued
 * (content-addressed, like a received one: the user may move or delete the
 * original before the network comes back), and the outbox keeps the mail's
 * bytes before and after the file's body plus the attachment row. When
 * sent, the body is read from the file 57 bytes to a base64 line, one block
 * at a time, so a 25 MB file costs a block of memory, not 34 MB. */

/* 57 bytes make one base64 line of 76 characters; 1149 lines per block. */
#define LINE_BYTES 57
#define BLOCK_LINES 1149

typedef struct {
  GBytes  *head;
  GBytes  *tail;
  int      fd;
  int      phase;     /* 0 head, 1 file, 2 tail, 3 done */
  gboolean verbatim;  /* the file is an armored ciphertext: sent as it is */
  gsize    offset;    /* in head or tail */
  guint8  *pending;   /* encoded lines not yet handed out */
  gsize    pending_len;
  gsize    pending_off;
  KoiTransfer *transfer;
  gboolean     cancelled;  /* the user stopped it */
} FileReader;

static gssize
copy_bytes (GBytes  *bytes,
            gsize   *offset,
            char    *buffer,
            gsize    size)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  gsize n = MIN (size, len - *offset);

  memcpy (buffer, data + *offset, n);
  *offset += n;
  return n;
}

/* Reads up to BLOCK_LINES lines of the file and encodes them. */
static gboolean
refill (FileReader  *reader,
        GError     **error)
{
  guint8 in[LINE_BYTES * BLOCK_LINES];
  gsize got = 0;
  guint8 *out = reader->pending;

  /* Stopped between two blocks: the server gets no final dot, so it
   * drops what came (RFC 5321 4.1.1.4), and nobody gets a part. */
  if (koi_transfer_cancelled (reader->transfer))
    {
      reader->cancelled = TRUE;
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Sending stopped");
      return FALSE;
    }

  if (reader->verbatim)
    {
      gssize n;

      do
        n = read (reader->fd, out, LINE_BYTES * BLOCK_LINES);
      while (n < 0 && errno == EINTR);
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Could not read the file to send: %s", g_strerror (saved));
          return FALSE;
        }
      koi_transfer_advance (reader->transfer, n);
      reader->pending_len = n;
      reader->pending_off = 0;
      return TRUE;
    }

  while (got < sizeof in)
    {
      gssize n = read (reader->fd, in + got, sizeof in - got);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Could not read the file to send: %s", g_strerror (saved));
          return FALSE;
        }
      if (n == 0)
        break;
      got += n;
    }
  koi_transfer_advance (reader->transfer, got);

  reader->pending_len = 0;
  reader->pending_off = 0;
  for (gsize off = 0; off < got; off += LINE_BYTES)
    {
      gsize n = MIN (LINE_BYTES, got - off);
      gint state = 0;
      gint save = 0;
      gsize w = g_base64_encode_step (in + off, n, FALSE, (char *) out + reader->pending_len, &state, &save);

      w += g_base64_encode_close (FALSE, (char *) out + reader->pending_len + w, &state, &save);
      reader->pending_len += w;
      out[reader->pending_len++] = '\r';
      out[reader->pending_len++] = '\n';
    }
  return TRUE;
}

static gssize
read_file_message (gpointer   user_data,
                   char      *buffer,
                   gsize      size,
                   GError   **error)
{
  FileReader *reader = user_data;

  for (;;)
    {
      switch (reader->phase)
        {
        case 0:
          {
            gssize n = copy_bytes (reader->head, &reader->offset, buffer, size);

            if (n > 0)
              return n;
            reader->phase = 1;
            break;
          }
        case 1:
          if (reader->pending_off == reader->pending_len)
            {
              if (!refill (reader, error))
                return -1;
              if (reader->pending_len == 0)
                {
                  reader->phase = 2;
                  reader->offset = 0;
                  break;
                }
            }
          {
            gsize n = MIN (size, reader->pending_len - reader->pending_off);

            memcpy (buffer, reader->pending + reader->pending_off, n);
            reader->pending_off += n;
            return n;
          }
        case 2:
          {
            gssize n = copy_bytes (reader->tail, &reader->offset, buffer, size);

            if (n > 0)
              return n;
            reader->phase = 3;
            break;
          }
        default:
          return 0;
        }
    }
}

guint64
koi_syncer_get_smtp_size_limit (KoiSyncer *self)
{
  g_autofree char *value = koi_store_setting_get (self->store, self->account->id,
                                                  KOI_SMTP_SIZE_LIMIT_SETTING, NULL);

  return value != NULL ? g_ascii_strtoull (value, NULL, 10) : 0;
}

/* After a connection: a changed EHLO SIZE is kept for the account and told
 * to the window, which refuses larger files before they are queued. */
static void
note_size_limit (KoiSyncer *self)
{
  g_autofree char *value = NULL;
  g_autoptr (GError) error = NULL;
  guint64 limit = 0;

  if (!koi_smtp_get_size_limit (self->account->smtp, &limit) ||
      limit == koi_syncer_get_smtp_size_limit (self))
    return;
  value = g_strdup_printf ("%" G_GUINT64_FORMAT, limit);
  if (!koi_store_setting_set (self->store, self->account->id, KOI_SMTP_SIZE_LIMIT_SETTING, value, &error))
    {
      g_message ("Cannot keep the server's size limit: %s", error->message);
      return;
    }
  if (self->events.smtp_size_limit != NULL)
    self->events.smtp_size_limit (limit, self->user_data);
}

static gboolean
smtp_send_item (KoiSyncer                *self,
                const KoiStoreOutboxItem *item,
                const char * const       *recipients,
                GPtrArray               **out_results,
                GCancellable             *cancellable,
                GError                  **error)
{
  g_autoptr (KoiStoreAttachment) attachment = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  FileReader reader = { 0, };
  KoiTransfer transfer;
  GStatBuf st;
  guint64 size;
  gboolean ok;

  if (item->tail == NULL || item->attachment_ref == 0)
    return koi_smtp_send (self->account->smtp, self->account->address, recipients, item->raw,
                          out_results, cancellable, error);

  attachment = koi_store_attachment_get (self->store, item->attachment_ref, error);
  if (attachment == NULL)
    return FALSE;
  dir = koi_syncer_attachment_dir (self);
  /* Encrypted: the ciphertext made when it was queued goes as it is. */
  reader.verbatim = koi_syncer_header_says_encrypted (item->raw);
  if (reader.verbatim)
    path = koi_syncer_outgoing_cipher_path (self, item->message_id);
  else
    path = g_build_filename (dir, attachment->local_path, NULL);
  reader.fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (reader.fd < 0 || fstat (reader.fd, &st) != 0)
    {
      int saved = errno;

      if (reader.fd >= 0)
        close (reader.fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "The file to send (%s) is gone: %s", attachment->filename, g_strerror (saved));
      return FALSE;
    }

  size = g_bytes_get_size (item->raw) +
         (reader.verbatim ? (guint64) st.st_size : koi_coi_base64_encoded_size (st.st_size)) +
         g_bytes_get_size (item->tail);
  reader.head = item->raw;
  reader.tail = item->tail;
  reader.pending = g_malloc ((LINE_BYTES * BLOCK_LINES / 3 + 2) * 4 + BLOCK_LINES * 2);
  reader.transfer = &transfer;
  /* The window shows the file's own size: encrypted, the ciphertext that
   * goes is larger (armored), and its progress is told as a share. */
  koi_transfer_init (&transfer, self, item->message_ref, attachment->id,
                     reader.verbatim && attachment->size > 0 ? (guint64) attachment->size : (guint64) st.st_size);
  if (reader.verbatim)
    koi_transfer_set_moving_total (&transfer, st.st_size);
  ok = koi_smtp_send_from_reader (self->account->smtp, self->account->address, recipients, size,
                                  read_file_message, &reader, out_results, cancellable, error);
  koi_transfer_end (&transfer);
  g_free (reader.pending);
  close (reader.fd);
  /* Stopped: nobody got it (the read failed before the final dot, which
   * koi_smtp reports as a line broken after the recipients' replies). Not
   * to be tried again by itself: the user may press Retry. */
  if (reader.cancelled)
    {
      if (ok && out_results != NULL)
        g_clear_pointer (out_results, g_ptr_array_unref);
      g_clear_error (error);
      g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_CANCELLED, "Sending stopped");
      return FALSE;
    }
  /* Sent to everybody: the ciphertext is not needed again. */
  if (ok && reader.verbatim && out_results != NULL && *out_results != NULL)
    {
      gboolean all = TRUE;

      for (guint i = 0; i < (*out_results)->len; i++)
        all = all && ((KoiSmtpRecipientResult *) (*out_results)->pdata[i])->accepted;
      if (all)
        g_unlink (path);
    }
  return ok;
}

gboolean
koi_syncer_smtp_send_item (KoiSyncer                *self,
                           const KoiStoreOutboxItem *item,
                           const char * const       *recipients,
                           GPtrArray               **out_results,
                           GCancellable             *cancellable,
                           GError                  **error)
{
  gboolean ok = smtp_send_item (self, item, recipients, out_results, cancellable, error);

  note_size_limit (self);
  return ok;
}

char *
koi_syncer_outgoing_cipher_path (KoiSyncer  *self,
                                 const char *message_id)
{
  g_autofree char *dir = koi_syncer_attachment_dir (self);
  g_autofree char *outgoing = g_build_filename (dir, "outgoing", NULL);
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
                                                        message_id != NULL ? message_id : "", -1);
  g_autofree char *name = g_strconcat (hash, ".asc", NULL);

  g_mkdir_with_parents (outgoing, 0700);
  return g_build_filename (outgoing, name, NULL);
}

gint64
koi_syncer_queue_file (KoiSyncer   *self,
                       gint64       chat_id,
                       const char  *path,
                       const char  *caption,
                       gint64       reply_to_ref,
                       GError     **error)
{
  g_autofree char *base = NULL;
  g_autofree char *name = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *mime_type = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *relative = NULL;
  guint8 head[4096];
  gssize head_len;
  guint64 size = 0;
  KoiStoreAttachment row = { 0, };
  GStatBuf st;
  guint64 size_limit;
  int fd;
  gboolean stored;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot read %s: %s", path, g_strerror (saved));
      return 0;
    }

  /* The type from the name and the first bytes, as a file manager does. */
  head_len = read (fd, head, sizeof head);
  lseek (fd, 0, SEEK_SET);
  base = g_path_get_basename (path);
  name = koi_coi_attachment_safe_name (base, NULL);
  content_type = g_content_type_guess (base, head_len > 0 ? head : NULL, MAX (head_len, 0), NULL);
  mime_type = g_content_type_get_mime_type (content_type);
  if (mime_type == NULL)
    mime_type = g_strdup ("application/octet-stream");

  /* Said before anything is queued or copied: the server would refuse
   * the whole mail. The mail is the file in base64 plus some headers. */
  size_limit = koi_syncer_get_smtp_size_limit (self);
  if (size_limit > 0 && fstat (fd, &st) == 0 &&
      koi_coi_base64_encoded_size (st.st_size) + 4096 > size_limit)
    {
      g_set_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_TOO_LARGE,
                   "%s is %" G_GUINT64_FORMAT " bytes (%" G_GUINT64_FORMAT " as mail); the server takes at most %"
                   G_GUINT64_FORMAT " bytes", name, (guint64) st.st_size,
                   koi_coi_base64_encoded_size (st.st_size) + 4096, size_limit);
      close (fd);
      return 0;
    }

  stored = koi_syncer_attachment_store_file (self, fd, "binary", mime_type, &sha256, &relative,
                                             &size, error);
  close (fd);
  if (!stored)
    return 0;

  row.section = (char *) "2";
  row.filename = name;
  row.mime_type = mime_type;
  row.size = (gint64) size;
  row.encoding = (char *) "base64";
  row.kind = koi_coi_attachment_kind (mime_type, NULL, FALSE);
  row.state = KOI_STORE_ATTACHMENT_DONE;
  row.sha256 = sha256;
  row.local_path = relative;

  /* A mail program shows the caption, or at least the file's name. */
  return koi_syncer_queue_message (self, chat_id,
                                   caption != NULL && *caption != '\0' ? caption : name,
                                   reply_to_ref, &row, error);
}
