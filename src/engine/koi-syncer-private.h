/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-apply.h"
#include "koi-chat-client-detect.h"
#include "koi-imap-bodystructure.h"
#include "koi-imap-client.h"
#include "koi-apply.h"
#include "koi-message-identity.h"
#include "koi-rnp-context.h"
#include "koi-store-attachment.h"
#include "koi-syncer.h"

G_BEGIN_DECLS

/* The syncer's state, shared by the files that make up KoiSyncer:
 * koi-syncer.c (connect, fetch, send) and koi-syncer-flags.c (read state
 * both ways). */
struct _KoiSyncer
{
  KoiStore         *store;
  KoiAccountConfig *account;
  KoiSyncerEvents   events;
  gpointer          user_data;

  KoiImapClient    *imap;
  char             *chats_folder;   /* wire name, with the server's separator */
  char             *contacts_folder; /* the same for the contact cards */
  gboolean          move_chat_mail;
  gboolean          notify;         /* NOTIFY SET covers the chat folder */
  char              delimiter;      /* the server's hierarchy separator, '\0' if flat */
  gboolean          coi_server;     /* announces COI and its configuration is readable */
  gboolean          server_files;   /* COI filing is on: the server moves chat mail */
  gboolean          coi_offered;    /* a COI server, and the user was not asked yet */
  KoiChatClient     other_client;   /* seen on the account: never move then */
  int               read_receipts;  /* -1: the account's store setting */
  gint64            auto_download_max; /* -1: the account's store setting */

  /* A send whose outcome the store did not take (see send_one). */
  KoiRnpContext       *crypto;        /* own key; NULL until first use */
  gboolean             crypto_tried;  /* opened (or failed) once */
  guint                crypto_generation; /* koi_own_key_generation() then */
  gboolean             encrypt;       /* the user's "encrypt when possible" */
  /* While a chunk is synced (koi-syncer-decrypt.c): the peers' keys and
   * the auto-download size read once for its mail, not once per mail. */
  gboolean             batch_active;
  GHashTable          *batch_keys;    /* lower-case address → GBytes */
  gint64               batch_store_max; /* -1 until read */
  struct _KoiSyncerDecrypt *decrypt;  /* the second thread, NULL until used */
  struct _SendOutcome *unrecorded;
  gint64               unrecorded_retry_ms;
  guint                idle_answer_ms;   /* 0: the client's read timeout */
};

void koi_syncer_emit_message_added   (KoiSyncer *self,
                                      gint64     chat_id,
                                      gint64     message_ref);
void koi_syncer_emit_message_updated (KoiSyncer *self,
                                      gint64     chat_id,
                                      gint64     message_ref);
void koi_syncer_emit_chat_updated    (KoiSyncer *self,
                                      gint64     chat_id);
void koi_syncer_emit_contact_updated (KoiSyncer *self,
                                      gint64     contact_id);
/* Every event for a committed batch. */
void koi_syncer_emit_changes         (KoiSyncer             *self,
                                      const KoiApplyChanges *changes);

/* After login: reads a COI server's configuration (koi-syncer-coi.c),
 * turns filing on if the user chose it, and names the chat and contact
 * folders (the server's root when it files, else COI). */
gboolean koi_syncer_coi_connect      (KoiSyncer     *self,
                                      KoiImapClient *imap,
                                      char           delimiter,
                                      GCancellable  *cancellable,
                                      GError       **error);
/* Whether chat mail found in INBOX is moved by Koi: the user's choice,
 * unless a COI server files it. */
gboolean koi_syncer_moves_chat_mail  (KoiSyncer     *self);

/* Fetches what is new in @folder and applies it. */
gboolean koi_syncer_sync_folder      (KoiSyncer     *self,
                                      const char    *folder,
                                      gboolean       is_inbox,
                                      gboolean       full,
                                      GCancellable  *cancellable,
                                      GError       **error);

/* Brings \Seen set elsewhere into the store for one selected folder. */
gboolean koi_syncer_pull_flags       (KoiSyncer     *self,
                                      const char    *folder,
                                      guint32        uidvalidity,
                                      guint64        highest_modseq,
                                      guint32        last_uid,
                                      GCancellable  *cancellable,
                                      GError       **error);

/* A KoiImapFetchFunc adding the UID of every \Seen message to the
 * GArray (guint32) @user_data. */
gboolean koi_syncer_collect_seen     (const KoiImapFetchItem  *item,
                                      gpointer                 user_data,
                                      GError                 **error);
/* Marks @seen_uids of @folder read here and records @highest_modseq (0:
 * leaves it) as the folder's last look. */
gboolean koi_syncer_apply_seen       (KoiSyncer     *self,
                                      const char    *folder,
                                      guint32        uidvalidity,
                                      GArray        *seen_uids,
                                      guint64        highest_modseq,
                                      GError       **error);

/* koi-syncer-vanished.c: mail expunged elsewhere leaves its chat. */
char    *koi_syncer_known_uid_set    (KoiSyncer     *self,
                                      const char    *folder,
                                      guint32        uidvalidity,
                                      GError       **error);
/* @ranges (KoiImapUidRange) vanished from @folder (QRESYNC). */
gboolean koi_syncer_forget_vanished  (KoiSyncer     *self,
                                      const char    *folder,
                                      guint32        uidvalidity,
                                      GArray        *ranges,
                                      GError       **error);
/* Without QRESYNC: asks which known UIDs of the selected @folder are
 * still there (one UID SEARCH) and forgets the others. */
gboolean koi_syncer_sweep_expunged   (KoiSyncer     *self,
                                      const char    *folder,
                                      guint32        uidvalidity,
                                      GCancellable  *cancellable,
                                      GError       **error);

/* The user saw @marked (gint64* message refs): receipts they asked for
 * become due (koi-syncer-receipts.c). */
gboolean koi_syncer_receipts_shown   (KoiSyncer     *self,
                                      GPtrArray     *marked,
                                      GError       **error);

/* Whether the copy to self of an interrupted send is on the server
 * (koi-syncer-recover.c). */
gboolean koi_syncer_find_own_copy    (KoiSyncer     *self,
                                      const char    *message_id,
                                      gboolean      *out_found,
                                      GCancellable  *cancellable,
                                      GError       **error);

/* After a parser upgrade, reads unreadable mail again
 * (koi-syncer-reparse.c). */
gboolean koi_syncer_reparse_unreadable (KoiSyncer     *self,
                                        GCancellable  *cancellable,
                                        GError       **error);

/* Attachments (koi-syncer-attachments.c). */
#define KOI_ATTACHMENT_AUTO_DOWNLOAD_MAX (10 * 1000 * 1000)
/* A mail larger than this is not fetched whole: its text parts are, and
 * its files by section. */
#define KOI_ATTACHMENT_WHOLE_MAIL_MAX (1024 * 1024)
/* Literals above this go to a file as they arrive. */
#define KOI_ATTACHMENT_SPILL_THRESHOLD (256 * 1024)


gint64   koi_syncer_auto_download_max (KoiSyncer *self);
gboolean koi_syncer_header_says_voice  (GBytes    *mail);
gboolean koi_syncer_header_says_encrypted (GBytes *mail);
gboolean koi_syncer_header_says_multipart (GBytes *mail);
char    *koi_syncer_attachment_dir     (KoiSyncer *self);
char    *koi_syncer_attachment_tmp_dir (KoiSyncer *self);
/* Adds the rows for the files in @structure (inside the batch). */
gboolean koi_syncer_note_attachments   (KoiSyncer        *self,
                                        gint64            message_ref,
                                        KoiImapBodyPart  *structure,
                                        const char       *chat_content,
                                        GPtrArray        *preview_sections,
                                        gboolean          voice,
                                        GError          **error);
gboolean koi_syncer_structure_has_attachments (KoiImapBodyPart *structure);
/* The mail's header and text parts only, as one mail to parse. */
GBytes  *koi_syncer_fetch_text_mail    (KoiSyncer        *self,
                                        guint32           uid,
                                        KoiImapBodyPart  *structure,
                                        GCancellable     *cancellable,
                                        GError          **error);
/* Decodes @in_fd (@encoding) into the attachment folder, content-addressed. */
gboolean koi_syncer_attachment_store_file (KoiSyncer   *self,
                                        int           in_fd,
                                        const char   *encoding,
                                        const char   *mime_type,
                                        char        **out_sha256,
                                        char        **out_relative,
                                        guint64      *out_size,
                                        GError      **error);

/* koi_syncer_queue_reply with an optional file (a DONE attachment row in
 * the attachment folder, without message_ref). */
gint64   koi_syncer_queue_message      (KoiSyncer                *self,
                                        gint64                    chat_id,
                                        const char               *text,
                                        gint64                    reply_to_ref,
                                        const KoiStoreAttachment *file,
                                        GError                  **error);
/* Sends an outbox item, its file streamed from disk when it has one. */
gboolean koi_syncer_smtp_send_item     (KoiSyncer                *self,
                                        const KoiStoreOutboxItem *item,
                                        const char * const       *recipients,
                                        GPtrArray               **out_results,
                                        GCancellable             *cancellable,
                                        GError                  **error);

/* koi-syncer-transfer.c: a file going up or down, told to the window
 * (events.transfer_progress, throttled) and stoppable by the user
 * (events.transfer_cancelled). */
typedef struct {
  KoiSyncer *syncer;
  gint64     message_ref;
  gint64     attachment_id;
  guint64    done;
  guint64    total;
  guint64    moving_total;  /* 0, or the bytes that move when they are not the file's */
  gint64     last_us;
} KoiTransfer;

void     koi_transfer_init       (KoiTransfer *transfer,
                                  KoiSyncer   *syncer,
                                  gint64       message_ref,
                                  gint64       attachment_id,
                                  guint64      total);
/* What moves is @moving_total bytes, not the file's size (its ciphertext
 * going up): advances count those, and the window is told the share of
 * the file's size, so "X of Y" ends at the size its bubble shows. */
void     koi_transfer_set_moving_total (KoiTransfer *transfer,
                                        guint64      moving_total);
void     koi_transfer_advance    (KoiTransfer *transfer,
                                  guint64      bytes);
void     koi_transfer_end        (KoiTransfer *transfer);
/* The user asked to stop this message's transfer (asks once: the request
 * is used up). */
gboolean koi_transfer_cancelled  (KoiTransfer *transfer);

/* koi-syncer-crypto.c: the one path from raw mail to KoiCoiParsed.
 * Decrypts PGP/MIME first (see there); @state says what the crypto found. */
typedef struct {
  gboolean encrypted;      /* arrived as PGP/MIME and was decrypted */
  gboolean undecryptable;  /* PGP/MIME this device cannot read (placeholder) */
  int      signature;      /* KoiPgpSignature */
} KoiSyncerCrypto;

KoiRnpContext *koi_syncer_crypto (KoiSyncer *self);
KoiCoiParsed *koi_syncer_parse          (KoiSyncer        *self,
                                         GBytes           *raw,
                                         guint32           uid,
                                         gint64           internal_date_ms,
                                         KoiSyncerCrypto  *state,
                                         GError          **error);
/* What reading one encrypted mail needs from the syncer, taken on the
 * syncer's thread, so that the decrypt thread (koi-syncer-decrypt.c)
 * never touches the store: only the syncer's thread may. */
typedef struct {
  KoiRnpContext *crypto;       /* the own key; NULL: "cannot read" */
  GHashTable    *sender_keys;  /* lower-case address → GBytes; NULL: ask the store */
  gint64         store_max;    /* files inside up to this size are stored */
} KoiSyncerParseEnv;

KoiCoiParsed *koi_syncer_parse_with     (KoiSyncer               *self,
                                         const KoiSyncerParseEnv *env,
                                         GBytes                  *raw,
                                         guint32                  uid,
                                         gint64                   internal_date_ms,
                                         KoiSyncerCrypto         *state,
                                         GPtrArray               *files,
                                         GError                 **error);

/* koi-syncer-decrypt.c: encrypted mail of a chunk decrypted on a second
 * thread while the syncer reads the next mail from the server. */
typedef struct _KoiSyncerBatch KoiSyncerBatch;

/* The sender's key for checking a signature: the chunk's copy while one
 * runs, else the store. */
GBytes         *koi_syncer_sender_key    (KoiSyncer       *self,
                                          const char      *address);
gint64          koi_syncer_store_max     (KoiSyncer       *self);
/* The own key if this device has one; never makes it. */
KoiRnpContext  *koi_syncer_existing_crypto (KoiSyncer     *self);
/* A chunk being read: the store is read once for its keys and settings
 * until it is freed, and its encrypted mail may go to the thread. */
KoiSyncerBatch *koi_syncer_batch_new     (KoiSyncer       *self,
                                          guint            n_mails);
/* Queues @raw (kept) as job @index; its @files are filled on the thread.
 * FALSE: the caller reads it itself. */
gboolean        koi_syncer_batch_add     (KoiSyncerBatch  *batch,
                                          guint            index,
                                          GBytes          *raw,
                                          guint32          uid,
                                          gint64           internal_date_ms,
                                          GPtrArray       *files);
/* Waits for every job (helping with those not started yet), then hands
 * out each result in the order added: @parsed NULL means "read it on
 * the syncer's thread". */
typedef void  (*KoiSyncerBatchResult)    (guint            index,
                                          GBytes          *raw,
                                          KoiCoiParsed    *parsed,
                                          const KoiSyncerCrypto *state,
                                          gpointer         user_data);
void            koi_syncer_batch_finish  (KoiSyncerBatch  *batch,
                                          KoiSyncerBatchResult result,
                                          gpointer         user_data);
/* Waits for every job and drops the results (a failed fetch). */
void            koi_syncer_batch_free    (KoiSyncerBatch  *batch);
void            koi_syncer_decrypt_free  (struct _KoiSyncerDecrypt *decrypt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiSyncerBatch, koi_syncer_batch_free)

/* A file part found inside a decrypted mail (koi-syncer-encfiles.c). */
typedef struct {
  char   *section;    /* "pgp.2": its place in the decrypted entity */
  char   *raw_name;   /* as the mail names it; NULL if it does not */
  char   *mime_type;
  char   *encoding;
  gint64  size;       /* encoded, as BODYSTRUCTURE would give it */
  char   *sha256;     /* set when stored already */
  char   *relative;
  gint64  stored_size;
  gboolean kept;      /* stored although over the auto-download size: it
                       * waits for Download, which then fetches nothing */
  char   *error;      /* set when storing it failed */
} KoiSyncerFile;

void          koi_syncer_file_free      (KoiSyncerFile *file);
/* koi_syncer_parse() for the sync: an encrypted mail's file parts land in
 * @files (KoiSyncerFile, all stored: those over the auto-download size
 * are kept for Download, see koi-syncer-encfiles.c). With
 * @spill, the decrypted mail goes to a file in the attachment folder's
 * tmp, never into memory whole. */
KoiCoiParsed *koi_syncer_parse_files    (KoiSyncer        *self,
                                         GMimeStream      *mail,
                                         GBytes           *raw,
                                         gboolean          spill,
                                         guint32           uid,
                                         gint64           internal_date_ms,
                                         KoiSyncerCrypto  *state,
                                         GPtrArray        *files,
                                         GError          **error);
/* An encrypted mail over the partial fetch: fetched whole into a file,
 * decrypted into another one, parsed. NULL with @error only when the
 * connection failed. @partial: its first MiB, for a placeholder. */
KoiCoiParsed *koi_syncer_parse_large_encrypted (KoiSyncer        *self,
                                                guint32           uid,
                                                GBytes           *partial,
                                                gint64           internal_date_ms,
                                                KoiSyncerCrypto  *state,
                                                GPtrArray        *files,
                                                GCancellable     *cancellable,
                                                GError          **error);
/* Adds the file parts of a decrypted @inner to @files, storing those up
 * to the auto-download size; with @take, removes them from @inner. */
void          koi_syncer_collect_files  (KoiSyncer        *self,
                                         GMimeObject      *inner,
                                         gboolean          take,
                                         gint64            store_max,
                                         GPtrArray        *files);
gboolean      koi_syncer_note_files     (KoiSyncer        *self,
                                         gint64            message_ref,
                                         GPtrArray        *files,
                                         const char       *chat_content,
                                         gboolean          voice,
                                         GError          **error);
/* The file part @section ("pgp.N") of the encrypted mail at @uid of the
 * selected folder, fetched whole and decrypted again, into the store. */
gboolean      koi_syncer_download_encrypted (KoiSyncer           *self,
                                             KoiStoreAttachment  *attachment,
                                             guint32              uid,
                                             GCancellable        *cancellable,
                                             GError             **error);
gboolean      koi_syncer_is_encrypted_section (const char *section);
/* A file of an encrypted mail kept at the sync (KoiSyncerFile.kept):
 * marks it done, @used TRUE, with no fetch. FALSE only on a store error. */
gboolean      koi_syncer_use_kept_file  (KoiSyncer           *self,
                                         KoiStoreAttachment  *attachment,
                                         gboolean            *used,
                                         GError             **error);
/* Decrypts into an unlinked file in the attachment folder's tmp and
 * parses the entity from there (its parts are windows on the file). */
GMimeObject  *koi_syncer_decrypt_to_file (KoiSyncer                *self,
                                          KoiRnpContext            *crypto,
                                          GMimeMultipartEncrypted  *encrypted,
                                          GMimeDecryptResult      **result,
                                          GError                  **error);
/* koi-syncer-encrypt.c */
gboolean      koi_syncer_encrypt_file_message (KoiSyncer                *self,
                                               GMimeMessage             *message,
                                               const char * const       *recipients,
                                               const KoiStoreAttachment *file,
                                               GBytes                  **out_head,
                                               GBytes                  **out_tail,
                                               gboolean                 *encrypted,
                                               GError                  **error);
/* Where the armored body of an encrypted file message waits to be sent:
 * attachments/outgoing/<SHA-256 of its Message-ID>.asc (no column names
 * it: the outbox row's head says multipart/encrypted, its Message-ID the
 * file). */
char         *koi_syncer_outgoing_cipher_path (KoiSyncer  *self,
                                               const char *message_id);
/* Removes it once no outbox entry can send it (koi-syncer-outgoing.c). */
void          koi_syncer_release_outgoing_cipher (KoiSyncer  *self,
                                                  const char *message_id);
gboolean      koi_syncer_encrypt_outgoing (KoiSyncer           *self,
                                           GMimeMessage        *message,
                                           const char * const  *recipients,
                                           gboolean            *encrypted,
                                           GError             **error);
/* Records @state on the stored message @message_ref (inside the batch). */
gboolean      koi_syncer_record_crypto  (KoiSyncer              *self,
                                         gint64                  message_ref,
                                         const KoiSyncerCrypto  *state,
                                         GError                **error);
/* The own key's fingerprint (NULL without one): part of the reparse
 * version, so unreadable mail is tried again when the key changes. */
const char   *koi_syncer_crypto_generation (KoiSyncer *self);

/* koi-syncer-autocrypt.c: the own key as every outgoing mail's Autocrypt
 * header carries it (KoiCoiOutgoing.autocrypt_keydata); NULL without a key
 * (encryption off or unavailable): the mail goes without the header. */
GBytes       *koi_syncer_own_autocrypt (KoiSyncer *self);

G_END_DECLS
