/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-syncer"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "koi-attachment-file.h"
#include "koi-coi-gmime.h"
#include "koi-coi-attachment.h"
#include "koi-syncer-private.h"

/*
 * Files inside encrypted mail. The server sees one encrypted part, so
 * BODYSTRUCTURE and BODY.PEEK[section] cannot reach them: the mail is
 * decrypted (from memory up to the partial fetch, else fetched whole into
 * a file and decrypted into another, koi-syncer-crypto.c), and its file
 * parts are decoded from the decrypted entity straight into the
 * content-addressed folder. Their rows say "pgp.N" as section (N: the
 * part's place in the decrypted entity, numbered as IMAP numbers parts).
 * A part over the auto-download size is not kept: it waits for
 * "Download", which fetches the whole mail again, decrypts it and takes
 * that part (koi_syncer_download_encrypted).
 */

#define SECTION_PREFIX "pgp."

void
koi_syncer_file_free (KoiSyncerFile *file)
{
  g_free (file->section);
  g_free (file->raw_name);
  g_free (file->mime_type);
  g_free (file->encoding);
  g_free (file->sha256);
  g_free (file->relative);
  g_free (file->error);
  g_free (file);
}

gboolean
koi_syncer_is_encrypted_section (const char *section)
{
  return section != NULL && g_str_has_prefix (section, SECTION_PREFIX);
}

static const char *
encoding_name (GMimePart *part)
{
  const char *name = g_mime_content_encoding_to_string (g_mime_part_get_content_encoding (part));

  return name != NULL ? name : "7bit";
}

/* Decodes @part's body into the attachment folder, through a temporary
 * file of its encoded bytes (koi_attachment_file_store reads a file). */
static gboolean
store_part (KoiSyncer  *self,
            GMimePart  *part,
            const char *mime_type,
            char      **out_sha256,
            char      **out_relative,
            guint64    *out_size,
            GError    **error)
{
  g_autofree char *tmp_dir = koi_syncer_attachment_tmp_dir (self);
  g_autofree char *path = g_build_filename (tmp_dir, "part-XXXXXX", NULL);
  g_autoptr (GMimeStream) out = NULL;
  GMimeDataWrapper *wrapper = g_mime_part_get_content (part);
  GMimeStream *content = wrapper != NULL ? g_mime_data_wrapper_get_stream (wrapper) : NULL;
  int fd;
  gboolean stored;

  if (content == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "The part holds no data");
      return FALSE;
    }
  fd = g_mkstemp_full (path, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not create a file in %s", tmp_dir);
      return FALSE;
    }
  g_unlink (path);
  out = g_mime_stream_fs_new (dup (fd));
  g_mime_stream_reset (content);
  if (g_mime_stream_write_to_stream (content, out) < 0 || g_mime_stream_flush (out) != 0)
    {
      close (fd);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not write the part");
      return FALSE;
    }
  lseek (fd, 0, SEEK_SET);
  stored = koi_syncer_attachment_store_file (self, fd, encoding_name (part), mime_type,
                                             out_sha256, out_relative, out_size, error);
  close (fd);
  return stored;
}

static gint64
encoded_size (GMimePart *part)
{
  GMimeDataWrapper *wrapper = g_mime_part_get_content (part);
  GMimeStream *content = wrapper != NULL ? g_mime_data_wrapper_get_stream (wrapper) : NULL;
  gint64 length = content != NULL ? g_mime_stream_length (content) : 0;

  return MAX (length, 0);
}

typedef struct {
  KoiSyncer   *self;
  GPtrArray   *files;        /* found; NULL when looking for one part */
  gint64       store_max;    /* store parts up to this size */
  const char  *only;         /* with files NULL: the section to store */
  gboolean     take;         /* remove the file parts from the entity */
  KoiSyncerFile *found;
} Walk;

static gboolean walk_part (Walk *walk, GMimeObject *object, const char *section,
                           gboolean top);

/* Whether @part (at @section) is a file; if so noted (and stored). */
static gboolean
visit_leaf (Walk        *walk,
            GMimePart   *part,
            const char  *section,
            gboolean     lone)
{
  GMimeContentType *type = g_mime_object_get_content_type (GMIME_OBJECT (part));
  g_autofree char *media = g_ascii_strdown (g_mime_content_type_get_media_type (type), -1);
  g_autofree char *subtype = g_ascii_strdown (g_mime_content_type_get_media_subtype (type), -1);
  g_autofree char *disposition = NULL;
  g_autofree char *full_section = g_strconcat (SECTION_PREFIX, section, NULL);
  const char *name = g_mime_part_get_filename (part);
  KoiSyncerFile *file;

  if (g_mime_object_get_disposition (GMIME_OBJECT (part)) != NULL)
    disposition = g_ascii_strdown (g_mime_object_get_disposition (GMIME_OBJECT (part)), -1);
  if (!koi_coi_part_is_attachment (media, subtype, disposition, name != NULL))
    return FALSE;
  /* A lone top-level part of a text type is the mail's text. */
  if (lone && g_str_equal (media, "text") && g_strcmp0 (disposition, "attachment") != 0)
    return FALSE;
  if (walk->files == NULL && g_strcmp0 (walk->only, full_section) != 0)
    return TRUE;

  file = g_new0 (KoiSyncerFile, 1);
  file->section = g_steal_pointer (&full_section);
  file->raw_name = g_strdup (name);
  file->mime_type = g_strdup_printf ("%s/%s", media, subtype);
  file->encoding = g_ascii_strdown (encoding_name (part), -1);
  file->size = encoded_size (part);
  /* The whole mail is here already (it had to be, to decrypt it): a file
   * over the auto-download size is decoded now too, content-addressed as
   * any file, and its row waits for Download, which then needs no second
   * fetch of the mail (for a 25 MB file, 34 MB less per file). */
  file->kept = walk->files != NULL && file->size > walk->store_max;
    {
      g_autoptr (GError) error = NULL;
      guint64 size = 0;

      if (store_part (walk->self, part, file->mime_type, &file->sha256, &file->relative, &size,
                      &error))
        file->stored_size = (gint64) size;
      else
        {
          g_message ("A file in an encrypted mail failed: %s", error->message);
          file->error = g_strdup (error->message);
        }
    }
  if (walk->files != NULL)
    g_ptr_array_add (walk->files, file);
  else
    walk->found = file;
  return TRUE;
}

static gboolean
walk_part (Walk        *walk,
           GMimeObject *object,
           const char  *section,
           gboolean     top)
{
  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);
      int number = 0;

      for (int i = 0; i < g_mime_multipart_get_count (multipart); i++)
        {
          /* Numbered as the entity came, whatever is taken out. */
          g_autofree char *child_section = section == NULL
            ? g_strdup_printf ("%d", ++number) : g_strdup_printf ("%s.%d", section, ++number);
          GMimeObject *child = g_mime_multipart_get_part (multipart, i);

          /* A file part taken out leaves the text for the parser alone. */
          if (walk_part (walk, child, child_section, FALSE) && walk->take &&
              !GMIME_IS_MULTIPART (child))
            {
              g_mime_multipart_remove_at (multipart, i);
              i--;
            }
        }
      return FALSE;
    }
  if (GMIME_IS_PART (object))
    {
      gboolean file = visit_leaf (walk, GMIME_PART (object), section != NULL ? section : "1", top);

      /* The mail is only this file: it cannot be taken out, so it is
       * emptied instead. */
      if (file && top && walk->take)
        {
          g_autoptr (GMimeStream) empty = g_mime_stream_mem_new ();
          g_autoptr (GMimeDataWrapper) wrapper =
            g_mime_data_wrapper_new_with_stream (empty, GMIME_CONTENT_ENCODING_7BIT);

          g_mime_part_set_content (GMIME_PART (object), wrapper);
        }
      return file;
    }
  return FALSE;
}

void
koi_syncer_collect_files (KoiSyncer   *self,
                          GMimeObject *inner,
                          gboolean     take,
                          gint64       store_max,
                          GPtrArray   *files)
{
  Walk walk = { self, files, store_max, NULL, take, NULL };

  walk_part (&walk, inner, NULL, TRUE);
}

gboolean
koi_syncer_note_files (KoiSyncer   *self,
                       gint64       message_ref,
                       GPtrArray   *files,
                       const char  *chat_content,
                       gboolean     voice,
                       GError     **error)
{
  for (guint i = 0; files != NULL && i < files->len; i++)
    {
      KoiSyncerFile *file = files->pdata[i];
      g_autofree char *name = koi_coi_attachment_safe_name (file->raw_name, file->mime_type);
      KoiStoreAttachment row = { 0, };

      row.message_ref = message_ref;
      row.section = file->section;
      row.filename = name;
      row.mime_type = file->mime_type;
      row.encoding = file->encoding;
      row.kind = koi_coi_attachment_kind (file->mime_type, chat_content, voice);
      if (file->sha256 != NULL && file->kept)
        {
          /* Shown as waiting: the user did not ask for it yet. */
          row.state = KOI_STORE_ATTACHMENT_PENDING;
          row.size = file->size;
          row.sha256 = file->sha256;
          row.local_path = file->relative;
        }
      else if (file->sha256 != NULL)
        {
          row.state = KOI_STORE_ATTACHMENT_DONE;
          row.size = file->stored_size;
          row.sha256 = file->sha256;
          row.local_path = file->relative;
        }
      else
        {
          row.size = file->size;
          row.state = file->error != NULL ? KOI_STORE_ATTACHMENT_FAILED : KOI_STORE_ATTACHMENT_PENDING;
          row.error = file->error;
        }
      if (koi_store_attachment_add (self->store, &row, error) == 0)
        return FALSE;
    }
  return TRUE;
}

typedef struct {
  char   *path;
  GBytes *bytes;
} WholeMail;

static gboolean
collect_whole_cb (const KoiImapFetchItem  *item,
                  gpointer                 user_data,
                  GError                 **error)
{
  WholeMail *whole = user_data;

  if (item->body_value != NULL && item->body_value->path != NULL)
    {
      g_free (whole->path);
      whole->path = g_steal_pointer (&item->body_value->path);
    }
  else if (item->body != NULL)
    {
      g_clear_pointer (&whole->bytes, g_bytes_unref);
      whole->bytes = g_bytes_ref (item->body);
    }
  return TRUE;
}

/* The whole mail at @uid as a stream: a file (unlinked, the stream holds
 * it) when the IMAP parser spilled it, else memory. NULL with @error set
 * when the connection failed, NULL without when the mail is gone. */
static GMimeStream *
fetch_whole (KoiSyncer     *self,
             guint32        uid,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autofree char *set = g_strdup_printf ("%u", uid);
  WholeMail whole = { NULL, NULL };
  gboolean ok;
  GMimeStream *stream = NULL;

  koi_imap_client_set_body_to_file (self->imap, TRUE);
  ok = koi_imap_client_uid_fetch (self->imap, set, "(UID BODY.PEEK[])", collect_whole_cb, &whole,
                                  cancellable, error);
  koi_imap_client_set_body_to_file (self->imap, FALSE);
  if (whole.path != NULL)
    {
      int fd = g_open (whole.path, O_RDONLY | O_CLOEXEC, 0);

      g_unlink (whole.path);
      g_free (whole.path);
      if (fd >= 0 && ok)
        stream = g_mime_stream_fs_new (fd);
      else if (fd >= 0)
        close (fd);
    }
  else if (whole.bytes != NULL && ok)
    stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (whole.bytes, NULL),
                                                g_bytes_get_size (whole.bytes));
  g_clear_pointer (&whole.bytes, g_bytes_unref);
  return stream;
}

KoiCoiParsed *
koi_syncer_parse_large_encrypted (KoiSyncer        *self,
                                  guint32           uid,
                                  GBytes           *partial,
                                  gint64            internal_date_ms,
                                  KoiSyncerCrypto  *state,
                                  GPtrArray        *files,
                                  GCancellable     *cancellable,
                                  GError          **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GMimeStream) mail = fetch_whole (self, uid, cancellable, &local_error);

  if (mail == NULL && local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (mail == NULL)
    {
      /* Expunged meanwhile: what came first is what there is. */
      return koi_syncer_parse (self, partial, uid, internal_date_ms, state, error);
    }
  return koi_syncer_parse_files (self, mail, partial, TRUE, uid, internal_date_ms, state, files,
                                 error);
}

gboolean
koi_syncer_use_kept_file (KoiSyncer           *self,
                          KoiStoreAttachment  *attachment,
                          gboolean            *used,
                          GError             **error)
{
  GStatBuf info;

  *used = FALSE;
  if (!koi_syncer_is_encrypted_section (attachment->section) || attachment->sha256 == NULL ||
      attachment->path == NULL)
    return TRUE;
  if (g_stat (attachment->path, &info) != 0)
    {
      g_message ("Attachment %" G_GINT64_FORMAT ": the kept file is gone; fetching the mail again",
                 attachment->id);
      return TRUE;
    }
  *used = TRUE;
  return koi_store_attachment_set_state (self->store, attachment->id, KOI_STORE_ATTACHMENT_DONE,
                                         attachment->sha256, attachment->local_path, info.st_size,
                                         NULL, error);
}

gboolean
koi_syncer_download_encrypted (KoiSyncer           *self,
                               KoiStoreAttachment  *attachment,
                               guint32              uid,
                               GCancellable        *cancellable,
                               GError             **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GMimeStream) mail = fetch_whole (self, uid, cancellable, &local_error);
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GMimeObject) inner = NULL;
  GMimeDecryptResult *result = NULL;
  KoiRnpContext *crypto = koi_syncer_crypto (self);
  GMimeObject *body;
  Walk walk = { self, NULL, G_MAXINT64, attachment->section, FALSE, NULL };
  const char *failure = NULL;

  if (mail == NULL && local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (mail != NULL)
    {
      g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (mail);

      message = g_mime_parser_construct_message (parser, NULL);
    }
  body = message != NULL ? g_mime_message_get_mime_part (message) : NULL;
  if (mail == NULL)
    failure = "The mail is not on the server any more";
  else if (crypto == NULL || body == NULL || !GMIME_IS_MULTIPART_ENCRYPTED (body))
    failure = "The mail cannot be decrypted here";
  else if ((inner = koi_syncer_decrypt_to_file (self, crypto, GMIME_MULTIPART_ENCRYPTED (body),
                                                &result, &local_error)) == NULL)
    failure = local_error->message;
  else
    {
      walk_part (&walk, inner, NULL, TRUE);
      if (walk.found == NULL)
        failure = "The encrypted mail has no such file";
      else if (walk.found->error != NULL)
        failure = walk.found->error;
    }

  g_clear_object (&result);
  if (failure != NULL)
    {
      gboolean ok;

      g_message ("Attachment %" G_GINT64_FORMAT " failed: %s", attachment->id, failure);
      ok = koi_store_attachment_set_state (self->store, attachment->id, KOI_STORE_ATTACHMENT_FAILED,
                                           NULL, NULL, 0, failure, error);
      g_clear_pointer (&walk.found, koi_syncer_file_free);
      return ok;
    }
  if (!koi_store_attachment_set_state (self->store, attachment->id, KOI_STORE_ATTACHMENT_DONE,
                                       walk.found->sha256, walk.found->relative,
                                       walk.found->stored_size, NULL, error))
    {
      koi_syncer_file_free (walk.found);
      return FALSE;
    }
  koi_syncer_file_free (walk.found);
  return TRUE;
}
