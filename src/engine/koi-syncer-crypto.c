/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-syncer"

#include <fcntl.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "koi-coi.h"
#include "koi-coi-gmime.h"
#include "koi-coi-protected.h"
#include "koi-coi-protected-gmime.h"
#include "koi-own-key.h"
#include "koi-peer-keys.h"
#include "koi-pgp-mime.h"
#include "koi-store-crypto.h"
#include "koi-syncer-private.h"

/*
 * Incoming crypto, in one place before the COI parser: every path that
 * turns raw mail into a KoiCoiParsed (sync, reparse, groups, contacts,
 * requests) calls koi_syncer_parse(). Plain mail goes straight to
 * koi_coi_parse(), untouched. PGP/MIME mail is decrypted with the
 * account's own key and turned back into one ordinary mail: the outer
 * headers, overridden by the protected headers inside (RFC 9788: the real
 * Subject, From, To, Chat-* of Delta Chat's "[...]" mail), around the
 * decrypted body. The parser then types it like any other mail, so edits,
 * reactions, groups and receipts work encrypted with no second code path.
 *
 * Each syncer (sync thread, command thread) holds its own KoiRnpContext:
 * librnp is not thread-safe, and the context carries this account's key,
 * which gmime's protocol registry could not give (koi-rnp-context.h).
 */

/* Whether the store knows a key for the account's own address (its own
 * mail from another device carried one): then that device holds the
 * account's key, and a key made here would split the account in two
 * (peers switch to the newest key and the other device stops reading
 * their answers). The key must come from there instead (docs/ARCHITECTURE.md). */
static gboolean
own_key_elsewhere (KoiSyncer *self)
{
  g_autoptr (GBytes) keydata = koi_peer_keys_lookup (self->store, self->account->id,
                                                      self->account->address);

  return keydata != NULL;
}

static KoiRnpContext *
open_crypto (KoiSyncer *self,
             gboolean   create)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  /* A key taken over from a setup message since: open that one. */
  if (self->crypto_tried && self->crypto_generation != koi_own_key_generation ())
    {
      g_clear_object (&self->crypto);
      self->crypto_tried = FALSE;
    }
  if (self->crypto != NULL || self->crypto_tried || !self->account->encryption)
    return self->crypto;
  path = koi_own_key_path (koi_store_get_path (self->store), self->account->id);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      if (!create)
        return NULL;
      if (own_key_elsewhere (self))
        {
          self->crypto_tried = TRUE;
          self->crypto_generation = koi_own_key_generation ();
          g_message ("Encryption is off for %s: another device holds the account's key",
                     self->account->address);
          return NULL;
        }
    }
  self->crypto_tried = TRUE;
  self->crypto_generation = koi_own_key_generation ();
  self->crypto = koi_own_key_open (koi_store_get_path (self->store), self->account->id,
                                   self->account->address, NULL, &error);
  if (self->crypto == NULL)
    /* No Secret Service, or a key file whose passphrase is gone: the
     * account works as before, plain only. Not a programming error. */
    g_message ("Encryption is off for %s: %s", self->account->address, error->message);
  return self->crypto;
}

/* The own key, made now if the account has none yet (sending, the end
 * of a sync). */
KoiRnpContext *
koi_syncer_crypto (KoiSyncer *self)
{
  return open_crypto (self, TRUE);
}

/* The own key if this device has one; never makes it (reading mail). */
KoiRnpContext *
koi_syncer_existing_crypto (KoiSyncer *self)
{
  return open_crypto (self, FALSE);
}

const char *
koi_syncer_crypto_generation (KoiSyncer *self)
{
  KoiRnpContext *crypto = koi_syncer_existing_crypto (self);

  return crypto != NULL ? koi_rnp_context_get_own_fingerprint (crypto) : NULL;
}

/* A cheap look at the header before gmime parses anything: most mail is
 * plain, and plain mail must cost what it cost before. */
static gboolean
looks_encrypted (GBytes *raw)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (raw, &length);
  gsize header = koi_coi_guard_header_length ((const guint8 *) data, length);
  g_autofree char *lower = g_ascii_strdown (data, MIN (header, length));

  return strstr (lower, "multipart/encrypted") != NULL;
}

static GMimeMessage *
parse_message (GBytes *raw)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (raw, &length);
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer (data, length);
  g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (stream);

  return g_mime_parser_construct_message (parser, NULL);
}

static GBytes *
message_bytes (GMimeMessage *message)
{
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new ();
  GByteArray *array;

  g_mime_object_write_to_stream (GMIME_OBJECT (message), NULL, stream);
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  return g_bytes_new (array->data, array->len);
}

/* What an encrypted mail this device cannot read becomes: a bubble from
 * its sender in its chat, at its arrival time (Delta Chat backdates the
 * outer Date on purpose), with an "unreadable" Message-ID so the reparse
 * after a key change (koi-syncer-reparse.c) reads it again. */
static KoiCoiParsed *
placeholder (GBytes  *raw,
             guint32  uid,
             gint64   internal_date_ms)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  KoiCoiParsed *parsed = koi_coi_parse (raw, NULL);
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (raw, &length);

  if (parsed == NULL)
    return koi_coi_parsed_new_unreadable (raw, uid, "encrypted, and its headers are broken");

  g_checksum_update (checksum, data, length);
  g_free (parsed->message_id);
  parsed->message_id = g_strdup_printf ("koi-unreadable.%s@koi.invalid",
                                        g_checksum_get_string (checksum));
  parsed->message_id_synthetic = TRUE;
  if (koi_coi_type_is_hidden (parsed->type) || parsed->type == KOI_COI_TYPE_GROUP_CHANGE)
    parsed->type = parsed->kind == KOI_COI_KIND_CHAT ? KOI_COI_TYPE_CHAT : KOI_COI_TYPE_EMAIL;
  g_ptr_array_set_size (parsed->target_ids, 0);
  g_free (parsed->subject);
  parsed->subject = g_strdup ("");
  g_free (parsed->text);
  parsed->text = g_strdup (_("Encrypted message that this device cannot read"));
  g_free (parsed->full_text);
  parsed->full_text = g_strdup (parsed->text);
  g_free (parsed->folded_text);
  parsed->folded_text = g_strdup ("");
  if (internal_date_ms != 0)
    parsed->date_ms = internal_date_ms;
  return parsed;
}

G_STATIC_ASSERT ((int) KOI_PGP_SIGNATURE_VALID == KOI_STORE_SIGNATURE_VALID);
G_STATIC_ASSERT ((int) KOI_PGP_SIGNATURE_BAD == KOI_STORE_SIGNATURE_BAD);
G_STATIC_ASSERT ((int) KOI_PGP_SIGNATURE_UNKNOWN_KEY == KOI_STORE_SIGNATURE_UNKNOWN);

/**
 * koi_syncer_parse:
 * @raw: the mail as the server holds it
 * @uid: its UID (for the text of an unreadable mail)
 * @internal_date_ms: its IMAP INTERNALDATE, 0 if unknown
 * @state: (out caller-allocates): what the crypto found
 *
 * koi_coi_parse() with decryption before it (see the top of this file).
 * Mail this device cannot decrypt is a placeholder, never an error, so
 * the folder's last UID still moves past it.
 */
KoiCoiParsed *
koi_syncer_parse (KoiSyncer        *self,
                  GBytes           *raw,
                  guint32           uid,
                  gint64            internal_date_ms,
                  KoiSyncerCrypto  *state,
                  GError          **error)
{
  return koi_syncer_parse_files (self, NULL, raw, FALSE, uid, internal_date_ms, state, NULL,
                                 error);
}

/* The decrypted entity in a file of its own (unlinked at once: it lives
 * as long as gmime's parts point into it), for a mail too large to hold
 * twice in memory. */
GMimeObject *
koi_syncer_decrypt_to_file (KoiSyncer                *self,
                            KoiRnpContext            *crypto,
                            GMimeMultipartEncrypted  *encrypted,
                            GMimeDecryptResult      **result,
                            GError                  **error)
{
  g_autofree char *dir = koi_syncer_attachment_tmp_dir (self);
  g_autofree char *path = g_build_filename (dir, "decrypted-XXXXXX", NULL);
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  GMimeObject *inner;
  int fd = g_mkstemp_full (path, O_RDWR | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      g_set_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_FAILED, "Could not create a file in %s", dir);
      return NULL;
    }
  g_unlink (path);
  stream = g_mime_stream_fs_new (fd);
  if (!koi_pgp_mime_decrypt_to_stream (crypto, encrypted, stream, result, error))
    return NULL;
  g_mime_stream_reset (stream);
  parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  /* Persistent (gmime's default): the parts are windows on the file. */
  g_mime_parser_set_persist_stream (parser, TRUE);
  inner = g_mime_parser_construct_part (parser, NULL);
  if (inner == NULL)
    g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_DAMAGED,
                         "The decrypted data is not a MIME part");
  return inner;
}

/* The sender's key from @env's copy, or from the store. */
static GBytes *
env_sender_key (KoiSyncer               *self,
                const KoiSyncerParseEnv *env,
                const char              *sender)
{
  GBytes *keydata;

  if (env->sender_keys == NULL)
    return koi_syncer_sender_key (self, sender);
  keydata = g_hash_table_lookup (env->sender_keys, sender);
  return keydata != NULL ? g_bytes_ref (keydata) : NULL;
}

/* What every decrypted mail's result gets. */
static KoiCoiParsed *
finish_parsed (KoiCoiParsed          *parsed,
               const KoiSyncerCrypto *state,
               gint64                 internal_date_ms)
{
  /* Delta Chat backdates the outer Date; the inner one is the real one,
   * and without any the arrival time is. */
  if (parsed != NULL && parsed->date_ms == 0)
    parsed->date_ms = internal_date_ms;
  /* The apply step stores both with the message and believes the mail's
   * Autocrypt-Gossip only when it was encrypted and validly signed. */
  if (parsed != NULL)
    {
      parsed->encrypted = TRUE;
      parsed->signature = (int) state->signature;
    }
  return parsed;
}

/* Decrypts @encrypted into memory and reads it the short way: the
 * protected headers spliced in as text (koi-coi-protected.c) and the
 * result parsed once, through koi_coi_parse_full() and so through the
 * hostile-mail guard, with the files taken from that same parse. Returns
 * NULL with *@inner set when the decrypted entity is not plain enough for
 * that: the caller then goes the long way with it (gmime's header lists,
 * serialise, parse), as every mail did before. NULL with @error set and
 * no *@inner when the decryption failed or its result is no MIME part.
 */
static KoiCoiParsed *
parse_decrypted (KoiSyncer                *self,
                 const KoiSyncerParseEnv  *env,
                 GBytes                   *raw,
                 GMimeMessage             *outer,
                 KoiRnpContext            *crypto,
                 GMimeMultipartEncrypted  *encrypted,
                 GMimeObject             **inner,
                 GMimeDecryptResult      **result,
                 GPtrArray                *files,
                 GError                  **error)
{
  g_autoptr (GMimeStream) plaintext = g_mime_stream_mem_new ();
  g_autoptr (GMimeMessage) merged_message = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  g_autoptr (GBytes) merged = NULL;
  g_autofree char *outer_from = NULL;
  GByteArray *array;
  KoiCoiParsed *parsed;

  *inner = NULL;
  if (!koi_pgp_mime_decrypt_to_stream (crypto, encrypted, plaintext, result, error))
    return NULL;
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (plaintext));
  outer_from = koi_coi_first_mailbox (g_mime_message_get_from (outer));
  merged = koi_coi_protected_merge (raw, array->data, array->len, outer_from);
  if (merged != NULL)
    {
      parsed = koi_coi_parse_full (merged, files != NULL ? &merged_message : NULL, error);
      if (parsed != NULL && (files == NULL || merged_message != NULL))
        {
          if (files != NULL)
            koi_syncer_collect_files (self, g_mime_message_get_mime_part (merged_message), FALSE,
                                      env->store_max, files);
          return parsed;
        }
      g_clear_pointer (&parsed, koi_coi_parsed_free);
      g_clear_error (error);
    }

  /* The long way, with the entity as koi_pgp_mime_decrypt() reads it. */
  g_mime_stream_reset (plaintext);
  parser = g_mime_parser_new_with_stream (plaintext);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  *inner = g_mime_parser_construct_part (parser, NULL);
  if (*inner == NULL)
    {
      g_clear_object (result);
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_DAMAGED,
                           "The decrypted data is not a MIME part");
    }
  return NULL;
}

/* koi_syncer_parse_files() with what it needs from the syncer in @env:
 * with @env->sender_keys set, @self is used only for the attachment
 * folder's path, so this may run on the decrypt thread. */
static KoiCoiParsed *
parse_in (KoiSyncer               *self,
          const KoiSyncerParseEnv *env,
          GMimeStream             *mail,
          GBytes                  *raw,
          gboolean                 spill,
          guint32                  uid,
          gint64                   internal_date_ms,
          KoiSyncerCrypto         *state,
          GPtrArray               *files,
          GError                 **error)
{
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GMimeObject) inner = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) decrypted = NULL;
  g_autofree char *sender = NULL;
  g_autofree char *sender_fingerprint = NULL;
  GMimeDecryptResult *result = NULL;
  KoiRnpContext *crypto;
  GMimeObject *body;
  KoiCoiParsed *parsed;

  *state = (KoiSyncerCrypto) { FALSE, FALSE, KOI_PGP_SIGNATURE_NONE };

  if (mail != NULL)
    {
      g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (mail);

      message = g_mime_parser_construct_message (parser, NULL);
      if (message == NULL)
        return koi_coi_parse (raw, error);
    }
  else if (!looks_encrypted (raw) || (message = parse_message (raw)) == NULL)
    return koi_coi_parse (raw, error);
  body = g_mime_message_get_mime_part (message);
  if (body == NULL || !koi_pgp_mime_is_encrypted (body))
    return koi_coi_parse (raw, error);
  crypto = env->crypto;
  if (crypto == NULL)
    {
      state->undecryptable = TRUE;
      return placeholder (raw, uid, internal_date_ms);
    }

  /* The sender's known key checks the signature. Without one, the key
   * in this mail's own Autocrypt header does: applying the mail makes it
   * the sender's key anyway (Autocrypt's trust on first use), so the
   * first encrypted mail of a new peer is not marked worse than the next.
   * Without either, a signature is "unknown key", never "valid". */
  sender = koi_coi_first_mailbox (g_mime_message_get_from (message));
  if (sender != NULL)
    {
      g_autoptr (GBytes) keydata = env_sender_key (self, env, sender);

      if (keydata == NULL)
        {
          g_autoptr (KoiCoiAutocrypt) header = koi_coi_autocrypt_read_sender (message, sender);

          if (header != NULL)
            keydata = g_bytes_ref (header->keydata);
        }
      if (keydata != NULL)
        sender_fingerprint = koi_rnp_context_add_public_key (crypto, keydata, NULL);
    }

  if (spill)
    inner = koi_syncer_decrypt_to_file (self, crypto, GMIME_MULTIPART_ENCRYPTED (body), &result, &local_error);
  else
    {
      parsed = parse_decrypted (self, env, raw, message, crypto, GMIME_MULTIPART_ENCRYPTED (body),
                                &inner, &result, files, &local_error);
      if (parsed != NULL)
        {
          state->encrypted = TRUE;
          state->signature = koi_pgp_mime_signature_state (result, sender_fingerprint);
          g_clear_object (&result);
          return finish_parsed (parsed, state, internal_date_ms);
        }
    }
  if (inner == NULL)
    {
      g_message ("UID %u: %s", uid, local_error->message);
      if (g_error_matches (local_error, KOI_PGP_ERROR, KOI_PGP_ERROR_DAMAGED))
        return koi_coi_parsed_new_unreadable (raw, uid, local_error->message);
      state->undecryptable = TRUE;
      return placeholder (raw, uid, internal_date_ms);
    }

  state->encrypted = TRUE;
  state->signature = koi_pgp_mime_signature_state (result, sender_fingerprint);
  g_clear_object (&result);

  /* The files inside, stored from the decrypted entity; from a file,
   * taken out of it too, so the bytes parsed below are the text only. */
  if (files != NULL)
    koi_syncer_collect_files (self, inner, spill, env->store_max, files);

  koi_coi_protected_apply_gmime (message, inner);
  g_mime_message_set_mime_part (message, inner);
  decrypted = message_bytes (message);
  parsed = koi_coi_parse (decrypted, error);
  return finish_parsed (parsed, state, internal_date_ms);
}

KoiCoiParsed *
koi_syncer_parse_files (KoiSyncer        *self,
                        GMimeStream      *mail,
                        GBytes           *raw,
                        gboolean          spill,
                        guint32           uid,
                        gint64            internal_date_ms,
                        KoiSyncerCrypto  *state,
                        GPtrArray        *files,
                        GError          **error)
{
  /* The key is opened only for mail that needs it: plain mail must not
   * make the account's key or ask the Secret Service. */
  KoiSyncerParseEnv env = { NULL, NULL, -1 };

  if (mail == NULL && !looks_encrypted (raw))
    return koi_coi_parse (raw, error);
  env.crypto = koi_syncer_existing_crypto (self);
  if (files != NULL)
    env.store_max = koi_syncer_store_max (self);
  return parse_in (self, &env, mail, raw, spill, uid, internal_date_ms, state, files, error);
}

/* One mail with @env prepared by the syncer's thread (koi-syncer-decrypt.c). */
KoiCoiParsed *
koi_syncer_parse_with (KoiSyncer               *self,
                       const KoiSyncerParseEnv *env,
                       GBytes                  *raw,
                       guint32                  uid,
                       gint64                   internal_date_ms,
                       KoiSyncerCrypto         *state,
                       GPtrArray               *files,
                       GError                 **error)
{
  return parse_in (self, env, NULL, raw, FALSE, uid, internal_date_ms, state, files, error);
}

/**
 * koi_syncer_record_crypto:
 *
 * Keeps what the crypto found with the message (the padlock, and whether
 * the signature was the sender's) in the store's schema 11 columns. A new
 * row has them already (koi_apply_mail writes KoiCoiParsed's); this also
 * covers a row that existed before, e.g. a placeholder read again.
 */
gboolean
koi_syncer_record_crypto (KoiSyncer              *self,
                          gint64                  message_ref,
                          const KoiSyncerCrypto  *state,
                          GError                **error)
{
  if (!state->encrypted || message_ref <= 0)
    return TRUE;
  return koi_store_message_set_crypto (self->store, message_ref, TRUE,
                                       (KoiStoreSignature) state->signature, error);
}
