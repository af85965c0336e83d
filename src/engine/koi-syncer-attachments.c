/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-syncer"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "koi-coi.h"
#include "koi-attachment-file.h"
#include "koi-coi-attachment.h"
#include "koi-coi-gmime.h"
#include "koi-engine-error.h"
#include "koi-imap-bodystructure.h"
#include "koi-store-attachment.h"
#include "koi-syncer-private.h"

/* Attachments: their rows come from the mail's BODYSTRUCTURE when the mail
 * is stored; their bytes are fetched by section (BODY.PEEK[n]) afterwards,
 * at once for images up to the user's limit, else when asked. A fetched
 * section arrives in a file (the IMAP parser spills large literals) and is
 * decoded from there into the content-addressed folder
 * (koi-attachment-file.c). */

void
koi_syncer_set_auto_download_max (KoiSyncer *self,
                                  gint64     bytes)
{
  self->auto_download_max = bytes;
}

gint64
koi_syncer_auto_download_max (KoiSyncer *self)
{
  g_autofree char *value = NULL;

  /* The window's preference, when it runs the engine. */
  if (self->auto_download_max >= 0)
    return self->auto_download_max;
  value = koi_store_setting_get (self->store, self->account->id, "attachment_auto_download_max", NULL);
  gint64 max = value != NULL ? g_ascii_strtoll (value, NULL, 10) : -1;

  return max >= 0 ? max : KOI_ATTACHMENT_AUTO_DOWNLOAD_MAX;
}

char *
koi_syncer_attachment_dir (KoiSyncer *self)
{
  return koi_store_get_attachment_dir (self->store);
}

char *
koi_syncer_attachment_tmp_dir (KoiSyncer *self)
{
  g_autofree char *dir = koi_syncer_attachment_dir (self);
  char *tmp = g_build_filename (dir, "tmp", NULL);

  g_mkdir_with_parents (tmp, 0700);
  return tmp;
}

/* ---- structure ---------------------------------------------------------- */

/* The value of the top header @name (unfolded only as far as its first
 * line), or NULL. */
static const char *
top_header (GBytes     *mail,
            const char *name,
            gsize      *out_len)
{
  gsize len;
  const char *data = g_bytes_get_data (mail, &len);
  const char *end = data + len;
  const char *p = data;
  gsize name_len = strlen (name);

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      gsize line = (nl != NULL ? nl : end) - p;

      if (line == 0 || (line == 1 && *p == '\r'))
        break;
      if (line > name_len && g_ascii_strncasecmp (p, name, name_len) == 0 && p[name_len] == ':')
        {
          const char *v = p + name_len + 1;

          while (v < p + line && (*v == ' ' || *v == '\t'))
            v++;
          *out_len = p + line - v;
          return v;
        }
      if (nl == NULL)
        break;
      p = nl + 1;
    }
  return NULL;
}

gboolean
koi_syncer_header_says_multipart (GBytes *mail)
{
  gsize len = 0;
  const char *value = top_header (mail, "Content-Type", &len);

  return value != NULL && len >= 10 && g_ascii_strncasecmp (value, "multipart/", 10) == 0;
}

gboolean
koi_syncer_header_says_encrypted (GBytes *mail)
{
  gsize len = 0;
  const char *value = top_header (mail, "Content-Type", &len);

  return value != NULL && len >= 19 && g_ascii_strncasecmp (value, "multipart/encrypted", 19) == 0;
}

gboolean
koi_syncer_header_says_voice (GBytes *mail)
{
  gsize len;
  const char *data = g_bytes_get_data (mail, &len);
  const char *end = data + len;
  const char *p = data;

  /* Only the top header block. */
  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      gsize line = (nl != NULL ? nl : end) - p;

      if (line == 0 || (line == 1 && *p == '\r'))
        break;
      if (line >= 20 && g_ascii_strncasecmp (p, "Chat-Voice-Message:", 19) == 0)
        {
          const char *v = p + 19;

          while (v < p + line && (*v == ' ' || *v == '\t'))
            v++;
          if (v < p + line && *v == '1')
            return TRUE;
        }
      if (nl == NULL)
        break;
      p = nl + 1;
    }
  return FALSE;
}

gboolean
koi_syncer_note_attachments (KoiSyncer        *self,
                             gint64            message_ref,
                             KoiImapBodyPart  *structure,
                             const char       *chat_content,
                             GPtrArray        *preview_sections,
                             gboolean          voice,
                             GError          **error)
{
  g_autoptr(GPtrArray) leaves = NULL;

  if (structure == NULL)
    return TRUE;

  leaves = koi_imap_body_part_leaves (structure);
  for (guint i = 0; i < leaves->len; i++)
    {
      KoiImapBodyPart *part = leaves->pdata[i];
      g_autofree char *raw_name = koi_coi_attachment_name_from_params (part->disposition_params,
                                                                       part->params);
      g_autofree char *mime_type = g_strdup_printf ("%s/%s", part->type, part->subtype);
      g_autofree char *name = NULL;
      KoiStoreAttachment row = { 0, };

      if (!koi_coi_part_is_attachment (part->type, part->subtype, part->disposition, raw_name != NULL))
        continue;
      /* A COI preview belongs to the file after it: not a second file. */
      if (preview_sections != NULL &&
          g_ptr_array_find_with_equal_func (preview_sections, part->section, g_str_equal, NULL))
        continue;
      /* A lone top-level part of a text type is the mail's text. */
      if (g_str_equal (part->section, "1") && structure->children->len == 0 &&
          g_str_equal (part->type, "text") && g_strcmp0 (part->disposition, "attachment") != 0)
        continue;
      if (g_str_equal (part->type, "message") && g_str_equal (part->subtype, "rfc822") && raw_name == NULL)
        raw_name = g_strdup ("message.eml");

      name = koi_coi_attachment_safe_name (raw_name, mime_type);
      row.message_ref = message_ref;
      row.section = part->section;
      row.filename = name;
      row.mime_type = mime_type;
      row.size = (gint64) MIN (part->size, (guint64) G_MAXINT64);
      row.encoding = part->encoding;
      row.kind = koi_coi_attachment_kind (mime_type, chat_content, voice);
      row.state = KOI_STORE_ATTACHMENT_PENDING;
      if (koi_store_attachment_add (self->store, &row, error) == 0)
        return FALSE;
    }
  return TRUE;
}

/* Whether the mail needs its attachments fetched apart: it has any. */
gboolean
koi_syncer_structure_has_attachments (KoiImapBodyPart *structure)
{
  g_autoptr(GPtrArray) leaves = NULL;

  if (structure == NULL)
    return FALSE;
  leaves = koi_imap_body_part_leaves (structure);
  for (guint i = 0; i < leaves->len; i++)
    {
      KoiImapBodyPart *part = leaves->pdata[i];

      if (koi_coi_part_is_attachment (part->type, part->subtype, part->disposition,
                                      koi_imap_body_part_param (part->disposition_params, "filename") != NULL ||
                                      koi_imap_body_part_param (part->params, "name") != NULL) &&
          !(structure->children->len == 0 && g_str_equal (part->type, "text")))
        return TRUE;
    }
  return FALSE;
}

/* ---- the text of a large mail ------------------------------------------ */

typedef struct {
  GBytes *header;
  GBytes *section;
} SectionFetch;

static gboolean
collect_section_cb (const KoiImapFetchItem  *item,
                    gpointer                 user_data,
                    GError                 **error)
{
  SectionFetch *fetch = user_data;

  if (item->header != NULL && fetch->header == NULL)
    fetch->header = g_bytes_ref (item->header);
  if (item->section_bytes != NULL)
    {
      g_clear_pointer (&fetch->section, g_bytes_unref);
      fetch->section = g_bytes_ref (item->section_bytes);
    }
  return TRUE;
}

static GBytes *
fetch_one (KoiSyncer     *self,
           guint32        uid,
           const char    *items,
           gboolean       header,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autofree char *set = g_strdup_printf ("%u", uid);
  SectionFetch fetch = { NULL, NULL };

  if (!koi_imap_client_uid_fetch (self->imap, set, items, collect_section_cb, &fetch,
                                  cancellable, error))
    {
      g_clear_pointer (&fetch.header, g_bytes_unref);
      g_clear_pointer (&fetch.section, g_bytes_unref);
      return NULL;
    }
  if (header)
    {
      g_clear_pointer (&fetch.section, g_bytes_unref);
      return fetch.header != NULL ? fetch.header : g_bytes_new (NULL, 0);
    }
  g_clear_pointer (&fetch.header, g_bytes_unref);
  return fetch.section != NULL ? fetch.section : g_bytes_new (NULL, 0);
}

GBytes *
koi_syncer_fetch_text_mail (KoiSyncer        *self,
                            guint32           uid,
                            KoiImapBodyPart  *structure,
                            GCancellable     *cancellable,
                            GError          **error)
{
  g_autoptr(GByteArray) mail = g_byte_array_new ();
  g_autoptr(GBytes) header = NULL;
  g_autoptr(GPtrArray) leaves = koi_imap_body_part_leaves (structure);
  const char *boundary = koi_imap_body_part_param (structure->params, "boundary");

  header = fetch_one (self, uid, "(UID BODY.PEEK[HEADER])", TRUE, cancellable, error);
  if (header == NULL)
    return NULL;
  g_byte_array_append (mail, g_bytes_get_data (header, NULL), g_bytes_get_size (header));

  if (structure->children->len == 0 || boundary == NULL)
    {
      /* One part: it is the text, or the mail is only a file. */
      if (!koi_syncer_structure_has_attachments (structure))
        {
          g_autoptr(GBytes) text = fetch_one (self, uid, "(UID BODY.PEEK[1])", FALSE, cancellable, error);

          if (text == NULL)
            return NULL;
          g_byte_array_append (mail, g_bytes_get_data (text, NULL), g_bytes_get_size (text));
        }
      return g_byte_array_free_to_bytes (g_steal_pointer (&mail));
    }

  /* The mail again with only its text parts, under its own boundary: the
   * parser reads it as it reads any mail, and no file is fetched here. */
  for (guint i = 0; i < leaves->len; i++)
    {
      KoiImapBodyPart *part = leaves->pdata[i];
      g_autofree char *mime_items = NULL;
      g_autofree char *body_items = NULL;
      g_autoptr(GBytes) mime = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autofree char *line = NULL;
      g_autofree char *name = koi_coi_attachment_name_from_params (part->disposition_params,
                                                                   part->params);

      if (koi_coi_part_is_attachment (part->type, part->subtype, part->disposition, name != NULL))
        continue;
      mime_items = g_strdup_printf ("(UID BODY.PEEK[%s.MIME])", part->section);
      body_items = g_strdup_printf ("(UID BODY.PEEK[%s])", part->section);
      mime = fetch_one (self, uid, mime_items, FALSE, cancellable, error);
      if (mime == NULL)
        return NULL;
      body = fetch_one (self, uid, body_items, FALSE, cancellable, error);
      if (body == NULL)
        return NULL;
      line = g_strdup_printf ("\r\n--%s\r\n", boundary);
      g_byte_array_append (mail, (const guint8 *) line, strlen (line));
      g_byte_array_append (mail, g_bytes_get_data (mime, NULL), g_bytes_get_size (mime));
      g_byte_array_append (mail, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
    }
  {
    g_autofree char *end = g_strdup_printf ("\r\n--%s--\r\n", boundary);

    g_byte_array_append (mail, (const guint8 *) end, strlen (end));
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&mail));
}

gboolean
koi_syncer_attachment_store_file (KoiSyncer   *self,
                                  int          in_fd,
                                  const char  *encoding,
                                  const char  *mime_type,
                                  char       **out_sha256,
                                  char       **out_relative,
                                  guint64     *out_size,
                                  GError     **error)
{
  g_autofree char *dir = koi_syncer_attachment_dir (self);

  return koi_attachment_file_store (dir, in_fd, encoding, mime_type, out_sha256, out_relative,
                                    out_size, error);
}

/* ---- downloading -------------------------------------------------------- */

/* One piece of a download: 1 MiB of the encoded part, so a 25 MB file
 * (34 MB as base64) comes in 34 round trips, and a cancel waits for at
 * most one piece. */
#define DOWNLOAD_PIECE (1024 * 1024)

typedef struct {
  char     *path;    /* the spilled literal, now ours */
  GBytes   *bytes;   /* or the section in memory */
  gboolean  seen;    /* the server answered with the section at all */
} Download;

static void
emit_updated (KoiSyncer          *self,
              KoiStoreAttachment *attachment)
{
  g_autoptr(KoiStoreMessage) message = koi_store_message_get (self->store, attachment->message_ref, NULL);

  if (message != NULL)
    koi_syncer_emit_message_updated (self, message->chat_id, message->id);
}

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         len,
           GError      **error)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Could not write the download: %s", g_strerror (saved));
          return FALSE;
        }
      data += n;
      len -= n;
    }
  return TRUE;
}

/* A temp file in the attachment folder's tmp/, already unlinked. */
static int
open_temp (KoiSyncer  *self,
           GError    **error)
{
  g_autofree char *tmp_dir = koi_syncer_attachment_tmp_dir (self);
  g_autofree char *path = g_build_filename (tmp_dir, "download-XXXXXX", NULL);
  int fd = g_mkstemp_full (path, O_RDWR | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not create a file in %s: %s", tmp_dir, g_strerror (saved));
      return -1;
    }
  g_unlink (path);
  return fd;
}

/* Appends one fetched piece to @fd; *out_len is its length. */
static gboolean
append_download (KoiSyncer  *self,
                 int         fd,
                 Download   *download,
                 gsize      *out_len,
                 GError    **error)
{
  gboolean ok = TRUE;

  *out_len = 0;
  if (download->path != NULL)
    {
      int in = g_open (download->path, O_RDONLY | O_CLOEXEC, 0);
      guint8 buffer[64 * 1024];

      g_unlink (download->path);
      g_clear_pointer (&download->path, g_free);
      if (in < 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The downloaded piece is gone");
          return FALSE;
        }
      for (;;)
        {
          gssize n = read (in, buffer, sizeof buffer);

          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            break;
          if (!(ok = write_all (fd, buffer, n, error)))
            break;
          *out_len += n;
        }
      close (in);
    }
  else if (download->bytes != NULL)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (download->bytes, &len);

      ok = write_all (fd, data, len, error);
      *out_len = len;
      g_clear_pointer (&download->bytes, g_bytes_unref);
    }
  return ok;
}

static gboolean
collect_download_cb (const KoiImapFetchItem  *item,
                     gpointer                 user_data,
                     GError                 **error)
{
  Download *download = user_data;

  if (item->section_value != NULL || item->section_bytes != NULL)
    download->seen = TRUE;
  if (item->section_value != NULL && item->section_value->path != NULL)
    {
      g_free (download->path);
      download->path = g_steal_pointer (&item->section_value->path);
    }
  else if (item->section_bytes != NULL)
    {
      g_clear_pointer (&download->bytes, g_bytes_unref);
      download->bytes = g_bytes_ref (item->section_bytes);
    }
  return TRUE;
}

/* Fetches one attachment where the store says its mail is. FALSE with
 * error only when the connection failed; a mail gone from the server or a
 * damaged part marks the row failed and returns TRUE. */
static gboolean
download_one (KoiSyncer           *self,
              KoiStoreAttachment  *attachment,
              GCancellable        *cancellable,
              GError             **error)
{
  g_autoptr(GPtrArray) locations = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *relative = NULL;
  g_autofree char *items = NULL;
  g_autofree char *set = NULL;
  KoiStoreLocation *where = NULL;
  KoiTransfer transfer;
  guint64 size = 0;
  int fd = -1;
  gboolean stored;
  gboolean kept = FALSE;

  if (!koi_syncer_use_kept_file (self, attachment, &kept, error))
    return FALSE;
  if (kept)
    {
      emit_updated (self, attachment);
      return TRUE;
    }
  locations = koi_store_location_list (self->store, attachment->message_ref, error);
  if (locations == NULL)
    return FALSE;
  for (guint i = 0; i < locations->len; i++)
    {
      KoiStoreLocation *location = locations->pdata[i];

      if (where == NULL || g_strcmp0 (location->folder, koi_imap_client_get_selected (self->imap)) == 0)
        where = location;
    }
  if (where == NULL)
    {
      return koi_store_attachment_set_state (self->store, attachment->id, KOI_STORE_ATTACHMENT_FAILED,
                                             NULL, NULL, 0, "The mail is not on the server any more",
                                             error);
    }

  if (g_strcmp0 (koi_imap_client_get_selected (self->imap), where->folder) != 0)
    {
      KoiImapMailboxStatus status = { 0, };

      if (!koi_imap_client_select (self->imap, where->folder, FALSE, &status, cancellable, error))
        return FALSE;
      if (status.uidvalidity != where->uidvalidity)
        return TRUE;   /* the next sync of the folder finds it again */
    }

  /* Inside an encrypted mail: the whole mail, decrypted again. */
  if (koi_syncer_is_encrypted_section (attachment->section))
    {
      if (!koi_syncer_download_encrypted (self, attachment, where->uid, cancellable, error))
        return FALSE;
      emit_updated (self, attachment);
      return TRUE;
    }

  /* In pieces (BODY.PEEK[n]<offset.length>, RFC 3501 6.4.5) appended to
   * a temp file that has no name (a crash or a cancel leaves nothing
   * behind): between two pieces the window learns how far it got and the
   * user can stop it without cutting the connection. A piece over the
   * spill threshold arrives in a file of the parser's. */
  fd = open_temp (self, &local_error);
  if (fd < 0)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  set = g_strdup_printf ("%u", where->uid);
  koi_transfer_init (&transfer, self, attachment->message_ref, attachment->id,
                     attachment->size > 0 ? (guint64) attachment->size : 0);
  for (guint64 offset = 0;;)
    {
      Download download = { NULL, NULL, FALSE };
      gsize got = 0;

      if (koi_transfer_cancelled (&transfer))
        {
          close (fd);
          koi_transfer_end (&transfer);
          g_debug ("Download of attachment %" G_GINT64_FORMAT " stopped by the user", attachment->id);
          /* Asked for: back to "Download". Fetched by itself (an image):
           * failed, or the next pass would fetch it again. */
          if (!koi_store_attachment_set_state (self->store, attachment->id,
                                               attachment->state == KOI_STORE_ATTACHMENT_DOWNLOADING
                                               ? KOI_STORE_ATTACHMENT_PENDING : KOI_STORE_ATTACHMENT_FAILED,
                                               NULL, NULL, 0, "Download stopped", error))
            return FALSE;
          emit_updated (self, attachment);
          return TRUE;
        }

      g_free (items);
      items = g_strdup_printf ("(UID BODY.PEEK[%s]<%" G_GUINT64_FORMAT ".%u>)",
                               attachment->section, offset, DOWNLOAD_PIECE);
      if (!koi_imap_client_uid_fetch (self->imap, set, items, collect_download_cb, &download,
                                      cancellable, &local_error))
        {
          if (download.path != NULL)
            g_unlink (download.path);
          g_free (download.path);
          g_clear_pointer (&download.bytes, g_bytes_unref);
          close (fd);
          koi_transfer_end (&transfer);
          /* The server refused this one part: the line is still good. */
          if (g_error_matches (local_error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_NO) ||
              g_error_matches (local_error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_BAD))
            return koi_store_attachment_set_state (self->store, attachment->id, KOI_STORE_ATTACHMENT_FAILED,
                                                   NULL, NULL, 0, local_error->message, error);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (offset == 0 && !download.seen)
        {
          close (fd);
          koi_transfer_end (&transfer);
          return koi_store_attachment_set_state (self->store, attachment->id, KOI_STORE_ATTACHMENT_FAILED,
                                                 NULL, NULL, 0, "The server did not send the attachment",
                                                 error);
        }
      if (!append_download (self, fd, &download, &got, &local_error))
        {
          close (fd);
          koi_transfer_end (&transfer);
          return koi_store_attachment_set_state (self->store, attachment->id, KOI_STORE_ATTACHMENT_FAILED,
                                                 NULL, NULL, 0, local_error->message, error);
        }
      offset += got;
      koi_transfer_advance (&transfer, got);
      if (got < DOWNLOAD_PIECE)
        break;
    }
  koi_transfer_end (&transfer);
  lseek (fd, 0, SEEK_SET);

  stored = koi_syncer_attachment_store_file (self, fd, attachment->encoding, attachment->mime_type,
                                             &sha256, &relative, &size, &local_error);
  close (fd);
  if (!stored)
    {
      g_message ("Attachment %" G_GINT64_FORMAT " failed: %s", attachment->id, local_error->message);
      if (!koi_store_attachment_set_state (self->store, attachment->id, KOI_STORE_ATTACHMENT_FAILED,
                                           NULL, NULL, 0, local_error->message, error))
        return FALSE;
    }
  else if (!koi_store_attachment_set_state (self->store, attachment->id, KOI_STORE_ATTACHMENT_DONE,
                                            sha256, relative, (gint64) size, NULL, error))
    return FALSE;

  emit_updated (self, attachment);
  return TRUE;
}

static GPtrArray *
wanted_downloads (KoiSyncer  *self,
                  GError    **error)
{
  GPtrArray *wanted = koi_store_attachment_list_wanted (self->store, self->account->id, error);
  g_autoptr(GPtrArray) automatic = NULL;

  if (wanted == NULL)
    return NULL;
  automatic = koi_store_attachment_list_auto (self->store, self->account->id,
                                              koi_syncer_auto_download_max (self), error);
  if (automatic == NULL)
    {
      g_ptr_array_unref (wanted);
      return NULL;
    }
  for (guint i = 0; i < automatic->len; i++)
    g_ptr_array_add (wanted, g_steal_pointer (&automatic->pdata[i]));
  return wanted;
}

gboolean
koi_syncer_download_attachments (KoiSyncer     *self,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  g_autoptr(GPtrArray) wanted = NULL;

  if (self->imap == NULL)
    return TRUE;
  wanted = wanted_downloads (self, error);
  if (wanted == NULL)
    return FALSE;

  for (guint i = 0; i < wanted->len; i++)
    {
      KoiStoreAttachment *attachment = wanted->pdata[i];

      if (attachment == NULL)
        continue;
      if (!download_one (self, attachment, cancellable, error))
        return FALSE;
    }
  return TRUE;
}

gint
koi_syncer_request_download (KoiSyncer  *self,
                             gint64      message_ref,
                             GError    **error)
{
  g_autoptr(GPtrArray) list = koi_store_attachment_list (self->store, message_ref, error);
  gint wanted = 0;

  if (list == NULL)
    return -1;
  for (guint i = 0; i < list->len; i++)
    {
      KoiStoreAttachment *attachment = list->pdata[i];

      if (attachment->account_id != self->account->id ||
          attachment->state == KOI_STORE_ATTACHMENT_DONE)
        continue;
      if (!koi_store_attachment_set_state (self->store, attachment->id, KOI_STORE_ATTACHMENT_DOWNLOADING,
                                           NULL, NULL, 0, NULL, error))
        return -1;
      wanted++;
    }
  return wanted;
}
