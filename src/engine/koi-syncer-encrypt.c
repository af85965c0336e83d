/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-syncer"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <glib/gstdio.h>

#include "koi-coi.h"
#include "koi-coi-attachment.h"
#include "koi-coi-autocrypt.h"
#include "koi-coi-gmime.h"
#include "koi-coi-member-fpr.h"
#include "koi-peer-keys.h"
#include "koi-pgp-mime.h"
#include "koi-syncer-private.h"

/*
 * Outgoing crypto: a built mail is encrypted (and signed) as PGP/MIME
 * right before it is queued, when the account encrypts, the user allows
 * it ("encrypt-when-possible", default on) and every recipient's key is
 * known. Otherwise it goes plain, byte for byte as before. The headers a
 * chat client needs are protected (RFC 9788, as Delta Chat writes them):
 * copies of all of them ride inside, on the encrypted part; outside stay
 * the ones the servers and a mail program's threading need, the Subject
 * becomes "[...]" and every Chat-* header but Chat-Version goes.
 */

static gboolean
is_content_header (const char *name)
{
  return g_ascii_strncasecmp (name, "Content-", 8) == 0
         || g_ascii_strcasecmp (name, "MIME-Version") == 0;
}

static gboolean
stays_outside (const char *name)
{
  return g_ascii_strncasecmp (name, "Chat-", 5) != 0
         || g_ascii_strcasecmp (name, "Chat-Version") == 0;
}

/* Copies @message's headers onto @inner and hides what must not show. */
static void
protect_headers (GMimeMessage *message,
                 GMimeObject  *inner)
{
  GMimeHeaderList *outer = g_mime_object_get_header_list (GMIME_OBJECT (message));
  g_autoptr (GPtrArray) hidden = g_ptr_array_new_with_free_func (g_free);
  int count = g_mime_header_list_get_count (outer);

  for (int i = 0; i < count; i++)
    {
      GMimeHeader *header = g_mime_header_list_get_header_at (outer, i);
      const char *name = g_mime_header_get_name (header);

      if (is_content_header (name) || g_ascii_strcasecmp (name, "Autocrypt") == 0)
        continue;
      g_mime_object_append_header (inner, name, g_mime_header_get_value (header), NULL);
      if (!stays_outside (name))
        g_ptr_array_add (hidden, g_strdup (name));
    }
  for (guint i = 0; i < hidden->len; i++)
    while (g_mime_header_list_remove (outer, g_ptr_array_index (hidden, i)))
      ;
  g_mime_content_type_set_parameter (g_mime_object_get_content_type (inner),
                                     "protected-headers", "v1");
  g_mime_message_set_subject (message, "[...]", NULL);
}

/* The fingerprints of every recipient's key, added to @crypto; NULL when
 * one is not known (the mail then goes plain). The own address needs none:
 * the own key is always a recipient. */
static GPtrArray *
recipient_keys (KoiSyncer           *self,
                KoiRnpContext       *crypto,
                const char * const  *recipients,
                GHashTable          *by_address)
{
  g_autoptr (GPtrArray) fingerprints = g_ptr_array_new_with_free_func (g_free);

  for (gsize i = 0; recipients != NULL && recipients[i] != NULL; i++)
    {
      g_autoptr (GBytes) keydata = NULL;
      g_autoptr (GError) error = NULL;
      char *fingerprint;

      if (g_ascii_strcasecmp (recipients[i], self->account->address) == 0)
        continue;
      keydata = koi_peer_keys_lookup (self->store, self->account->id, recipients[i]);
      if (keydata == NULL)
        return NULL;
      fingerprint = koi_rnp_context_add_public_key (crypto, keydata, &error);
      if (fingerprint == NULL)
        {
          g_message ("The key of %s is not usable: %s", recipients[i], error->message);
          return NULL;
        }
      g_ptr_array_add (fingerprints, fingerprint);
      g_hash_table_insert (by_address, g_ascii_strdown (recipients[i], -1), g_strdup (fingerprint));
    }
  g_ptr_array_add (fingerprints, NULL);
  return g_steal_pointer (&fingerprints);
}

/* Delta Chat's Chat-Group-Member-Fpr on a group mail: every To address's
 * fingerprint in To's order (the own address among them), so a receiver
 * pairs each member with the key this mail went to. Written before the
 * headers are protected: it is a Chat-* header and rides inside. */
static void
add_member_fingerprints (KoiSyncer     *self,
                         KoiRnpContext *crypto,
                         GMimeMessage  *message,
                         GHashTable    *by_address)
{
  g_autofree char *value = koi_coi_member_fpr_for_to (message, self->account->address,
                                                      koi_rnp_context_get_own_fingerprint (crypto),
                                                      by_address);

  if (value != NULL)
    g_mime_object_set_header (GMIME_OBJECT (message), KOI_COI_MEMBER_FPR_HEADER, value, NULL);
}

/* Autocrypt-Gossip for every other recipient of a mail that goes to more
 * than one, on the part that gets encrypted: in a group, each member
 * learns the others' keys from it. Delta Chat 2.x takes a new group's
 * members only where it has their keys, so without it a member who has
 * never written to another one is left out of that one's group. */
static void
add_gossip (KoiSyncer           *self,
            GMimeMessage        *message,
            const char * const  *recipients)
{
  g_autoptr (GPtrArray) gossip = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_coi_autocrypt_free);

  for (gsize i = 0; recipients != NULL && recipients[i] != NULL; i++)
    {
      g_autoptr (GBytes) keydata = NULL;

      if (g_ascii_strcasecmp (recipients[i], self->account->address) == 0)
        continue;
      keydata = koi_peer_keys_lookup (self->store, self->account->id, recipients[i]);
      if (keydata != NULL)
        g_ptr_array_add (gossip, koi_coi_autocrypt_new (recipients[i], keydata, FALSE));
    }
  if (gossip->len > 1)
    koi_coi_autocrypt_write_gossip (message, gossip);
}

/**
 * koi_syncer_encrypt_outgoing:
 * @message: a built mail, changed in place when it is encrypted
 * @recipients: every address it goes to (To, Cc, Bcc; the own one may be
 *   among them)
 * @encrypted: (out): whether it was
 *
 * Returns: %FALSE only when encrypting failed for a reason that must not
 *   be hidden by sending plain (a broken own key): the caller reports it
 */
gboolean
koi_syncer_encrypt_outgoing (KoiSyncer           *self,
                             GMimeMessage        *message,
                             const char * const  *recipients,
                             gboolean            *encrypted,
                             GError             **error)
{
  KoiRnpContext *crypto;
  g_autoptr (GPtrArray) fingerprints = NULL;
  g_autoptr (GHashTable) by_address = NULL;
  g_autoptr (GMimeObject) inner = NULL;
  GMimeMultipartEncrypted *wrapped;

  *encrypted = FALSE;
  if (!self->encrypt || (crypto = koi_syncer_crypto (self)) == NULL)
    return TRUE;
  by_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  fingerprints = recipient_keys (self, crypto, recipients, by_address);
  if (fingerprints == NULL)
    return TRUE;

  add_member_fingerprints (self, crypto, message, by_address);

  inner = g_object_ref (g_mime_message_get_mime_part (message));
  protect_headers (message, inner);
  add_gossip (self, message, recipients);
  wrapped = koi_pgp_mime_encrypt (crypto, inner, (const char * const *) fingerprints->pdata,
                                  error);
  if (wrapped == NULL)
    return FALSE;
  g_mime_message_set_mime_part (message, GMIME_OBJECT (wrapped));
  g_object_unref (wrapped);
  *encrypted = TRUE;
  return TRUE;
}

/* The inner entity, the file's body base64-encoded in lines with CRLF
 * between @head and @tail, written into an unlinked temporary file a block
 * at a time (gmime's filters push; librnp then pulls from the file:
 * GMimeStreamCat cannot read through a filter, it seeks its sources). */
static GMimeStream *
plaintext_file (KoiSyncer  *self,
                GBytes     *head,
                int         file_fd,
                GBytes     *tail,
                GError    **error)
{
  g_autofree char *dir = koi_syncer_attachment_tmp_dir (self);
  g_autofree char *path = g_build_filename (dir, "plain-XXXXXX", NULL);
  g_autoptr (GMimeStream) out = NULL;
  g_autoptr (GMimeStream) file = g_mime_stream_fs_new (file_fd);
  GMimeStream *encoded;
  GMimeFilter *filter;
  int fd = g_mkstemp_full (path, O_RDWR | O_CLOEXEC, 0600);
  gboolean ok;

  if (fd < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not create a file in %s", dir);
      return NULL;
    }
  g_unlink (path);
  out = g_mime_stream_fs_new (fd);
  encoded = g_mime_stream_filter_new (out);
  filter = g_mime_filter_basic_new (GMIME_CONTENT_ENCODING_BASE64, TRUE);
  g_mime_stream_filter_add (GMIME_STREAM_FILTER (encoded), filter);
  g_object_unref (filter);
  filter = g_mime_filter_unix2dos_new (FALSE);
  g_mime_stream_filter_add (GMIME_STREAM_FILTER (encoded), filter);
  g_object_unref (filter);

  ok = g_mime_stream_write (out, g_bytes_get_data (head, NULL), g_bytes_get_size (head))
         == (gssize) g_bytes_get_size (head)
       && g_mime_stream_write_to_stream (file, encoded) >= 0
       && g_mime_stream_flush (encoded) == 0
       && g_mime_stream_write (out, g_bytes_get_data (tail, NULL), g_bytes_get_size (tail))
            == (gssize) g_bytes_get_size (tail)
       && g_mime_stream_flush (out) == 0;
  g_object_unref (encoded);
  if (!ok)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not prepare the file to encrypt");
      return NULL;
    }
  g_mime_stream_reset (out);
  return g_steal_pointer (&out);
}

/**
 * koi_syncer_encrypt_file_message:
 * @message: a built mail whose body is multipart/mixed with the file part
 *   (koi_coi_file_part_new); changed in place when it is encrypted
 * @file: the file's attachment row (local_path set)
 * @out_head, @out_tail: (out): the mail around its encrypted body, as
 *   koi_coi_split_file_message gives them, when encrypted
 * @encrypted: (out): whether it was
 *
 * A file message encrypted as a text message is, but streaming: the inner
 * entity (protected headers, caption, the file base64-encoded) goes
 * through a temporary file and is read by librnp a block at a time and the armored ciphertext written
 * to the file koi_syncer_outgoing_cipher_path() names, from which the
 * sender streams it (koi-syncer-send-file.c). Nothing holds the file or
 * the ciphertext whole in memory.
 */
gboolean
koi_syncer_encrypt_file_message (KoiSyncer                *self,
                                 GMimeMessage             *message,
                                 const char * const       *recipients,
                                 const KoiStoreAttachment *file,
                                 GBytes                  **out_head,
                                 GBytes                  **out_tail,
                                 gboolean                 *encrypted,
                                 GError                  **error)
{
  KoiRnpContext *crypto;
  g_autoptr (GPtrArray) fingerprints = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autoptr (GHashTable) by_address = NULL;
  g_autoptr (GMimeObject) inner = NULL;
  g_autoptr (GBytes) inner_head = NULL;
  g_autoptr (GBytes) inner_tail = NULL;
  g_autoptr (GMimeStream) plain = NULL;
  g_autoptr (GMimeStream) cipher_file = NULL;
  g_autoptr (GMimeStream) cipher = NULL;
  GMimeFilter *crlf = NULL;
  g_autoptr (GMimeObject) wrapped = NULL;
  g_autoptr (GMimePart) version = NULL;
  g_autoptr (GMimePart) armored = NULL;
  g_autoptr (GMimeStream) version_text = NULL;
  g_autoptr (GMimeDataWrapper) version_content = NULL;
  g_autofree char *dir = koi_syncer_attachment_dir (self);
  g_autofree char *path = g_build_filename (dir, file->local_path, NULL);
  g_autofree char *cipher_path = NULL;
  int fd;
  int cipher_fd;

  *encrypted = FALSE;
  if (!self->encrypt || (crypto = koi_syncer_crypto (self)) == NULL)
    return TRUE;
  by_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  fingerprints = recipient_keys (self, crypto, recipients, by_address);
  if (fingerprints == NULL)
    return TRUE;
  for (guint i = 0; fingerprints->pdata[i] != NULL; i++)
    g_ptr_array_add (names, fingerprints->pdata[i]);

  add_member_fingerprints (self, crypto, message, by_address);
  inner = g_object_ref (g_mime_message_get_mime_part (message));
  protect_headers (message, inner);
  add_gossip (self, message, recipients);
  if (!koi_coi_split_file_entity (inner, &inner_head, &inner_tail, error))
    return FALSE;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot read %s: %s", file->filename, g_strerror (saved));
      return FALSE;
    }
  plain = plaintext_file (self, inner_head, fd, inner_tail, error);
  if (plain == NULL)
    return FALSE;

  cipher_path = koi_syncer_outgoing_cipher_path (self, g_mime_message_get_message_id (message));
  cipher_fd = g_open (cipher_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (cipher_fd < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not create %s", cipher_path);
      return FALSE;
    }
  /* Armor lines end in CRLF on the wire. */
  cipher_file = g_mime_stream_fs_new (cipher_fd);
  cipher = g_mime_stream_filter_new (cipher_file);
  crlf = g_mime_filter_unix2dos_new (FALSE);
  g_mime_stream_filter_add (GMIME_STREAM_FILTER (cipher), crlf);
  g_object_unref (crlf);
  if (g_mime_crypto_context_encrypt (GMIME_CRYPTO_CONTEXT (crypto), TRUE,
                                     koi_rnp_context_get_own_fingerprint (crypto),
                                     GMIME_ENCRYPT_NONE, names, plain, cipher, error) != 0)
    {
      g_unlink (cipher_path);
      return FALSE;
    }
  g_mime_stream_flush (cipher);

  /* RFC 3156's envelope around it, the armored body left out for the
   * sender to stream from the file. */
  wrapped = GMIME_OBJECT (g_mime_multipart_encrypted_new ());
  g_mime_object_set_content_type_parameter (GMIME_OBJECT (wrapped), "protocol",
                                            "application/pgp-encrypted");
  /* NULL makes a random one; gmime writes none by itself here. */
  g_mime_multipart_set_boundary (GMIME_MULTIPART (wrapped), NULL);
  version = g_mime_part_new_with_type ("application", "pgp-encrypted");
  version_text = g_mime_stream_mem_new_with_buffer ("Version: 1\n", strlen ("Version: 1\n"));
  version_content = g_mime_data_wrapper_new_with_stream (version_text, GMIME_CONTENT_ENCODING_7BIT);
  g_mime_part_set_content (version, version_content);
  g_mime_part_set_content_encoding (version, GMIME_CONTENT_ENCODING_7BIT);
  g_mime_object_set_header (GMIME_OBJECT (version), "Content-Description",
                            "PGP/MIME version identification", NULL);
  armored = koi_coi_armored_part_new ();
  g_mime_multipart_add (GMIME_MULTIPART (wrapped), GMIME_OBJECT (version));
  g_mime_multipart_add (GMIME_MULTIPART (wrapped), GMIME_OBJECT (armored));
  g_mime_message_set_mime_part (message, GMIME_OBJECT (wrapped));
  if (!koi_coi_split_file_message (message, out_head, out_tail, error))
    {
      g_unlink (cipher_path);
      return FALSE;
    }
  *encrypted = TRUE;
  return TRUE;
}
