/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-syncer"

#include "config.h"

#include <signal.h>

#include <string.h>

#include "koi-apply.h"
#include "koi-chat-client-detect.h"
#include "koi-coi.h"
#include "koi-coi-gmime.h"
#include "koi-engine-error.h"
#include "koi-imap-client.h"
#include "koi-imap-command.h"
#include "koi-message-identity.h"
#include "koi-smtp.h"
#include "koi-attachment-file.h"
#include "koi-store-attachment.h"
#include "koi-syncer.h"
#include "koi-syncer-group.h"
#include "koi-syncer-private.h"
#include "koi-uid-set.h"

/* UIDs handled per round trip pair (headers, then bodies) and per store
 * transaction: big enough that latency per message vanishes, small enough
 * that memory stays flat whatever the mailbox size. */
#define CHUNK_SIZE 250
/* How often INBOX is looked at on a server without IDLE. */
#define NO_IDLE_POLL_MS (30 * 1000)

/* On the first sync of INBOX Koi imports all chat mail but only recent
 * ordinary email: an account with years of mail should not turn into
 * thousands of "chats" with newsletters. */
#define FIRST_SYNC_EMAIL_DAYS 14

/* The header fields the first pass needs: identity, classification and age. */
/* The header fields the first pass needs: identity, age and exactly what
 * the coi layer classifies by, so both passes agree on every mail. */
#define HEADER_ITEMS \
  "(UID FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (" KOI_COI_CLASSIFY_HEADER_FIELDS ")])"
/* A mail up to 1 MiB (KOI_ATTACHMENT_WHOLE_MAIL_MAX) comes whole. Only a
 * multipart or a larger mail then has its BODYSTRUCTURE fetched (one more
 * round trip for those of the chunk): asking for it on every mail made
 * Dovecot parse each one and cost a third of the catch-up's speed. A
 * larger mail is fetched again without its files
 * (koi_syncer_fetch_text_mail). */
#define BODY_ITEMS "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[]<0.1048576>)"
#define STRUCTURE_ITEMS "(UID BODYSTRUCTURE)"


/* What the header pass learnt of one UID. */
typedef struct {
  guint32   uid;
  gboolean  seen;
  char     *message_id;   /* NULL: no usable Message-ID, fetch the body */
  gboolean  is_chat;      /* chat mail that may leave INBOX */
  gint64    date_ms;
  gint64    known_ref;    /* store id if the Message-ID is stored */
  char     *from_address; /* with chat_version: to spot another chat app */
  gboolean  chat_version;
} HeaderInfo;

/* What one SMTP transaction came to, as it must reach the store: the
 * outcome of every recipient the server accepted or refused for good, then
 * either a new attempt for the temporary failures or the end of the item.
 * Recorded step by step, so a write that fails is tried again from there. */
typedef struct _SendOutcome {
  gint64     outbox_id;
  gint64     message_ref;
  GPtrArray *done;             /* RecipientDone* */
  gboolean   pending;          /* a recipient failed temporarily */
  char      *pending_reply;
  gint64     next_attempt_ms;
  guint      n_recorded;       /* steps the store took */
} SendOutcome;

typedef struct {
  char     *address;
  gboolean  accepted;
  char     *reply;
} RecipientDone;

static void
recipient_done_free (gpointer data)
{
  RecipientDone *done = data;

  g_free (done->address);
  g_free (done->reply);
  g_free (done);
}

static void
send_outcome_free (SendOutcome *outcome)
{
  g_ptr_array_unref (outcome->done);
  g_free (outcome->pending_reply);
  g_free (outcome);
}

static void
header_info_clear (gpointer data)
{
  HeaderInfo *info = data;

  g_free (info->message_id);
  g_free (info->from_address);
}

KoiSyncer *
koi_syncer_new (KoiStore               *store,
                const KoiAccountConfig *account,
                const KoiSyncerEvents  *events,
                gpointer                user_data)
{
  KoiSyncer *self = g_new0 (KoiSyncer, 1);
  g_autofree char *move = NULL;

  self->store = store;
  self->account = koi_account_config_copy (account);
  if (events != NULL)
    self->events = *events;
  self->user_data = user_data;
  self->read_receipts = -1;
  self->auto_download_max = -1;
  self->encrypt = TRUE;

  /* Moving chat mail out of INBOX is the user's explicit choice: another
   * chat app on the account would miss what Koi moves. */
  move = koi_store_setting_get (store, account->id, "move_chat_mail", NULL);
  self->move_chat_mail = move != NULL && g_str_equal (move, "1");
  self->other_client = koi_chat_client_load (store, account->id, NULL, NULL);

  return self;
}

void
koi_syncer_free (KoiSyncer *self)
{
  if (self == NULL)
    return;

  koi_syncer_disconnect (self);
  g_clear_pointer (&self->unrecorded, send_outcome_free);
  g_clear_pointer (&self->decrypt, koi_syncer_decrypt_free);
  g_clear_pointer (&self->batch_keys, g_hash_table_unref);
  g_clear_object (&self->crypto);
  g_clear_pointer (&self->account, koi_account_config_free);
  g_free (self->chats_folder);
  g_free (self->contacts_folder);
  g_free (self);
}

void
koi_syncer_set_encrypt (KoiSyncer *self,
                        gboolean   encrypt)
{
  self->encrypt = encrypt;
}

void
koi_syncer_set_move_chat_mail (KoiSyncer *self,
                               gboolean   move)
{
  self->move_chat_mail = move;
}

gboolean
koi_syncer_save_move_chat_mail (KoiSyncer  *self,
                                gboolean    move,
                                GError    **error)
{
  if (!koi_store_setting_set (self->store, self->account->id, "move_chat_mail", move ? "1" : "0", error))
    return FALSE;

  self->move_chat_mail = move;
  return TRUE;
}

gboolean
koi_address_is_valid (const char *address)
{
  const char *at;

  if (address == NULL || *address == '\0')
    return FALSE;

  for (const char *p = address; *p != '\0'; p++)
    if ((guchar) *p <= ' ' || *p == '<' || *p == '>' || *p == ',' || *p == ';' ||
        *p == '"' || *p == '(' || *p == ')' || *p == '\\' || (guchar) *p == 0x7f)
      return FALSE;

  at = strchr (address, '@');
  return at != NULL && at != address && at[1] != '\0' && strchr (at + 1, '@') == NULL &&
         at[1] != '.' && address[strlen (address) - 1] != '.';
}

/* --------------------------------------------------------------------- */
/* Events */

void
koi_syncer_emit_message_added (KoiSyncer *self,
                    gint64     chat_id,
                    gint64     message_ref)
{
  if (self->events.message_added != NULL)
    self->events.message_added (chat_id, message_ref, self->user_data);
}

void
koi_syncer_emit_message_updated (KoiSyncer *self,
                      gint64     chat_id,
                      gint64     message_ref)
{
  if (self->events.message_updated != NULL)
    self->events.message_updated (chat_id, message_ref, self->user_data);
}

void
koi_syncer_emit_chat_updated (KoiSyncer *self,
                   gint64     chat_id)
{
  if (self->events.chat_updated != NULL && chat_id > 0)
    self->events.chat_updated (chat_id, self->user_data);
}

void
koi_syncer_emit_contact_updated (KoiSyncer *self,
                                 gint64     contact_id)
{
  if (self->events.contact_updated != NULL && contact_id > 0)
    self->events.contact_updated (contact_id, self->user_data);
}

/* Tells the main context what a committed batch changed. */
void
koi_syncer_emit_changes (KoiSyncer             *self,
                         const KoiApplyChanges *changes)
{
  for (guint i = 0; i < changes->added->len; i++)
    {
      const KoiApplyChange *change = &g_array_index (changes->added, KoiApplyChange, i);

      koi_syncer_emit_message_added (self, change->chat_id, change->message_ref);
    }
  for (guint i = 0; i < changes->updated->len; i++)
    {
      const KoiApplyChange *change = &g_array_index (changes->updated, KoiApplyChange, i);

      koi_syncer_emit_message_updated (self, change->chat_id, change->message_ref);
    }
  for (guint i = 0; i < changes->chats->len; i++)
    koi_syncer_emit_chat_updated (self, g_array_index (changes->chats, gint64, i));
  for (guint i = 0; i < changes->contacts->len; i++)
    koi_syncer_emit_contact_updated (self, g_array_index (changes->contacts, gint64, i));
  if (changes->key_setup && self->events.key_setup_arrived != NULL)
    self->events.key_setup_arrived (self->user_data);
  /* Committed: the files of messages deleted in the batch may go. */
  koi_attachment_file_remove_unused (self->store, changes->freed_files);
}

/* --------------------------------------------------------------------- */
/* Connection */

gboolean
koi_syncer_connect (KoiSyncer     *self,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr (KoiImapClient) imap = NULL;
  g_autoptr (GPtrArray) root = NULL;
  char delimiter = '/';

  koi_syncer_disconnect (self);

  imap = koi_imap_client_new (self->account->imap);
  if (!koi_imap_client_connect (imap, cancellable, error))
    return FALSE;

  /* LIST "" "" asks only for the hierarchy separator. */
  root = koi_imap_client_list (imap, "", "", cancellable, error);
  if (root == NULL)
    return FALSE;
  if (root->len > 0)
    delimiter = ((KoiImapMailbox *) g_ptr_array_index (root, 0))->delimiter;

  if (!koi_syncer_coi_connect (self, imap, delimiter, cancellable, error))
    return FALSE;

  if (!koi_imap_client_create (imap, self->chats_folder, cancellable, error) ||
      !koi_imap_client_create (imap, self->contacts_folder, cancellable, error))
    return FALSE;

  /* What the user's other devices file into the chat folder ends the IDLE
   * on INBOX at once, so it shows here within the server's own delay. */
  self->notify = FALSE;
  if (koi_imap_client_has_capability (imap, "NOTIFY"))
    {
      const char *watched[] = { self->chats_folder, self->contacts_folder, NULL };
      g_autoptr (GError) local_error = NULL;

      self->notify = koi_imap_client_notify (imap, watched, cancellable, &local_error);
      if (!self->notify)
        {
          if (!koi_imap_client_is_connected (imap) ||
              g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          g_message ("%s: NOTIFY refused (%s); the chat folder is polled", self->account->address,
                     local_error->message);
        }
    }

  {
    g_autofree char *spill = koi_syncer_attachment_tmp_dir (self);

    koi_imap_client_set_spill (imap, spill, KOI_ATTACHMENT_SPILL_THRESHOLD);
  }

  self->imap = g_steal_pointer (&imap);
  if (self->coi_offered && self->events.coi_server_offered != NULL)
    self->events.coi_server_offered (self->user_data);
  return TRUE;
}

const char *
koi_syncer_get_chats_folder (KoiSyncer *self)
{
  return self->chats_folder;
}

gboolean
koi_syncer_has_notify (KoiSyncer *self)
{
  return self->imap != NULL && self->notify;
}

gboolean
koi_syncer_is_connected (KoiSyncer *self)
{
  return self->imap != NULL && koi_imap_client_is_connected (self->imap);
}

void
koi_syncer_disconnect (KoiSyncer *self)
{
  if (self->imap == NULL)
    return;

  if (koi_imap_client_is_connected (self->imap))
    koi_imap_client_logout (self->imap, NULL);
  g_clear_pointer (&self->imap, koi_imap_client_free);
}

void
koi_syncer_drop_connection (KoiSyncer *self)
{
  g_clear_pointer (&self->imap, koi_imap_client_free);
}

static gboolean
require_connection (KoiSyncer  *self,
                    GError    **error)
{
  if (self->imap == NULL)
    {
      g_set_error_literal (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_DISCONNECTED,
                           "Not connected to the IMAP server");
      return FALSE;
    }

  return TRUE;
}

/* --------------------------------------------------------------------- */
/* --------------------------------------------------------------------- */
/* Receiving */

static gboolean
collect_header_cb (const KoiImapFetchItem  *item,
                   gpointer                 user_data,
                   GError                 **error)
{
  GArray *infos = user_data;
  HeaderInfo info = { 0, };
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  g_autoptr (GMimeMessage) message = NULL;

  info.uid = item->uid;
  info.seen = (item->flags & KOI_IMAP_FLAG_SEEN) != 0;

  if (item->header != NULL)
    {
      gsize size;
      const char *data = g_bytes_get_data (item->header, &size);

      /* Megabytes of header fields are read only as far as the body pass
       * reads them (koi-coi-guard.c): gmime takes 0.1 s per MB. */
      size = koi_coi_guard_header_length ((const guint8 *) data, size);
      stream = g_mime_stream_mem_new_with_buffer (data, size);
      parser = g_mime_parser_new_with_stream (stream);
      message = g_mime_parser_construct_message (parser, NULL);
    }

  if (message != NULL)
    {
      const char *id = g_mime_message_get_message_id (message);
      GDateTime *date = g_mime_message_get_date (message);

      if (id != NULL && *id != '\0')
        info.message_id = g_strdup (id);
      info.is_chat = koi_coi_type_is_chat_mail (koi_coi_classify_headers (message));
      info.from_address = koi_chat_client_from_address (message);
      info.chat_version = g_mime_object_get_header (GMIME_OBJECT (message), "Chat-Version") != NULL;
      if (date != NULL)
        info.date_ms = g_date_time_to_unix (date) * 1000;
    }
  if (info.date_ms == 0)
    info.date_ms = item->internal_date_ms;

  g_array_append_val (infos, info);
  return TRUE;
}

typedef struct {
  guint32          uid;
  gboolean         seen;
  KoiCoiParsed    *parsed;
  gboolean         chat_version;
  KoiImapBodyPart *structure;
  gboolean         voice;       /* Delta Chat's Chat-Voice-Message */
  gboolean         cut;         /* larger than the partial fetch: text still to come */
  gboolean         multipart;   /* may hold files: its structure is fetched */
  GBytes          *partial;     /* a cut mail's first MiB, parsed if nothing better comes */
  gboolean         encrypted;   /* PGP/MIME: files come from inside, not by section */
  GPtrArray       *files;       /* KoiSyncerFile, for encrypted mail */
  gint64           internal_date_ms;
  KoiSyncerCrypto  crypto;      /* encrypted? signed? (koi-syncer-crypto.c) */
} FetchedMessage;

typedef struct {
  KoiSyncer      *self;
  GArray         *fetched;
  KoiSyncerBatch *batch;    /* encrypted mail goes to the decrypt thread */
} BodyCollect;

static void
fetched_message_clear (gpointer data)
{
  FetchedMessage *fetched = data;

  g_clear_pointer (&fetched->parsed, koi_coi_parsed_free);
  g_clear_pointer (&fetched->structure, koi_imap_body_part_free);
  g_clear_pointer (&fetched->partial, g_bytes_unref);
  g_clear_pointer (&fetched->files, g_ptr_array_unref);
}

static gboolean
collect_structure_cb (const KoiImapFetchItem  *item,
                      gpointer                 user_data,
                      GError                 **error)
{
  GArray *fetched = user_data;

  if (item->bodystructure == NULL)
    return TRUE;
  for (guint i = 0; i < fetched->len; i++)
    {
      FetchedMessage *message = &g_array_index (fetched, FetchedMessage, i);

      if (message->uid == item->uid && message->structure == NULL)
        message->structure = koi_imap_body_part_parse (item->bodystructure);
    }
  return TRUE;
}

/* Parses what came (the whole mail, or its text parts only). */
static void
parse_fetched (KoiSyncer      *self,
               FetchedMessage *message,
               GBytes         *body)
{
  g_autoptr (GError) local_error = NULL;

  if (message->parsed == NULL)
    message->parsed = koi_syncer_parse_files (self, NULL, body, FALSE, message->uid,
                                              message->internal_date_ms, &message->crypto,
                                              message->files, &local_error);
  if (message->parsed == NULL && local_error == NULL)
    g_set_error_literal (&local_error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID, "Unreadable");
  if (message->parsed == NULL)
    {
      /* Malformed beyond use: stored as an unreadable email with its UID,
       * never skipped, so the folder's last UID only moves past mail that
       * is stored. The mail on the server stays untouched. */
      g_message ("UID %u is unreadable: %s", message->uid, local_error->message);
      message->parsed = koi_coi_parsed_new_unreadable (body, message->uid, local_error->message);
    }
  else if (message->parsed->too_complex)
    {
      /* Shown from a few header fields; the UID says where the whole
       * mail is. */
      g_message ("UID %u is too complex to read whole: %s", message->uid,
                 message->parsed->unreadable_reason);
      g_free (message->parsed->text);
      message->parsed->text = koi_coi_too_complex_text (message->parsed->raw_size,
                                                        message->parsed->unreadable_reason,
                                                        message->uid);
    }
  /* No Date, or one that cannot be read: the server's arrival time, not
   * 1970 (which the first sync's age cut would skip). */
  if (message->parsed->date_ms == 0)
    message->parsed->date_ms = message->internal_date_ms;
  /* Only chat mail can show another chat app: spare the rest the scan. */
  if (message->parsed->kind == KOI_COI_KIND_CHAT)
    message->chat_version = koi_chat_client_has_chat_version (body);
  message->voice = koi_syncer_header_says_voice (body);
}

static gboolean
collect_body_cb (const KoiImapFetchItem  *item,
                 gpointer                 user_data,
                 GError                 **error)
{
  BodyCollect *collect = user_data;
  GArray *fetched = collect->fetched;
  FetchedMessage message = { 0, };

  if (item->body == NULL)
    return TRUE;   /* expunged meanwhile: nothing to store */

  message.uid = item->uid;
  message.seen = (item->flags & KOI_IMAP_FLAG_SEEN) != 0;
  message.internal_date_ms = item->internal_date_ms;
  message.cut = item->size > g_bytes_get_size (item->body);
  message.multipart = koi_syncer_header_says_multipart (item->body);
  message.encrypted = koi_syncer_header_says_encrypted (item->body);
  if (message.encrypted)
    message.files = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_syncer_file_free);
  if (message.cut)
    message.partial = g_bytes_ref (item->body);
  else if (!message.encrypted ||
           !koi_syncer_batch_add (collect->batch, fetched->len, item->body, message.uid,
                                  message.internal_date_ms, message.files))
    parse_fetched (collect->self, &message, item->body);

  g_array_append_val (fetched, message);
  return TRUE;
}

/* A mail the decrypt thread read: the rest of parse_fetched() here. */
static void
take_decrypted_cb (guint                  index,
                   GBytes                *raw,
                   KoiCoiParsed          *parsed,
                   const KoiSyncerCrypto *state,
                   gpointer               user_data)
{
  BodyCollect *collect = user_data;
  FetchedMessage *message = &g_array_index (collect->fetched, FetchedMessage, index);

  g_assert (message->parsed == NULL);
  message->parsed = parsed;
  if (parsed != NULL)
    message->crypto = *state;
  parse_fetched (collect->self, message, raw);
}

/* The last UID the folder may record: @last, unless a wanted mail's body
 * did not come back (the server failed on it, or it was expunged); then
 * just below it, so the next sync asks again. A mail is never passed over
 * without being stored. */
static guint32
last_stored_uid (guint32       last,
                 const GArray *wanted,
                 const GArray *fetched)
{
  for (guint i = 0; i < wanted->len; i++)
    {
      guint32 uid = g_array_index (wanted, guint32, i);
      gboolean found = FALSE;

      if (uid > last)
        continue;
      for (guint j = 0; j < fetched->len && !found; j++)
        found = g_array_index (fetched, FetchedMessage, j).uid == uid;
      if (!found)
        last = uid - 1;
    }

  return last;
}

static gboolean
address_is_self (KoiSyncer  *self,
                 const char *address)
{
  return address != NULL && g_ascii_strcasecmp (address, self->account->address) == 0;
}

typedef struct {
  guint    max_uids;      /* as many as were moved: more is not believed */
  guint32  uidvalidity;   /* of the destination */
  GArray  *source;
  GArray  *destination;
} CopyUid;

/* "* OK [COPYUID uidvalidity source-set destination-set]" (UIDPLUS): where
 * MOVE put each message. */
static gboolean
collect_copyuid_cb (KoiImapClient          *client,
                    const KoiImapResponse  *response,
                    gpointer                user_data,
                    GError                **error)
{
  CopyUid *copy = user_data;

  if (g_strcmp0 (response->code, "COPYUID") != 0 || response->code_args->len != 3 ||
      copy->source != NULL)
    return TRUE;

  if (!koi_imap_value_get_number32 (g_ptr_array_index (response->code_args, 0), &copy->uidvalidity))
    return TRUE;
  /* Sets larger than the move are a broken or hostile server: without
   * them the chat folder's next sync fetches headers instead. */
  copy->source = koi_uid_set_expand (koi_imap_value_get_string (g_ptr_array_index (response->code_args, 1)),
                                     copy->max_uids);
  copy->destination = koi_uid_set_expand (koi_imap_value_get_string (g_ptr_array_index (response->code_args, 2)),
                                          copy->max_uids);
  if (copy->source == NULL || copy->destination == NULL)
    {
      g_debug ("Ignoring a COPYUID that does not match the %u UIDs moved", copy->max_uids);
      g_clear_pointer (&copy->source, g_array_unref);
      g_clear_pointer (&copy->destination, g_array_unref);
    }
  return TRUE;
}

static gboolean
move_to_chats_folder (KoiSyncer     *self,
                      const char    *folder,
                      guint32        uidvalidity,
                      GArray        *uids,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autofree char *set = NULL;
  CopyUid copy = { 0, };
  guint32 chats_uidvalidity = 0, chats_last_uid = 0;
  gboolean ok = TRUE;

  if (uids->len == 0)
    return TRUE;

  copy.max_uids = uids->len;
  set = koi_uid_set_from_array ((const guint32 *) uids->data, uids->len);
  if (koi_imap_client_has_capability (self->imap, "MOVE"))
    {
      g_autoptr (KoiImapCommand) command = koi_imap_command_new ("UID MOVE");

      koi_imap_command_add_atom (command, set);
      koi_imap_client_add_mailbox (self->imap, command, self->chats_folder);
      ok = koi_imap_client_run (self->imap, command, collect_copyuid_cb, &copy, NULL,
                                cancellable, error);
    }
  else
    ok = koi_imap_client_uid_move (self->imap, set, self->chats_folder, cancellable, error);

  if (!ok)
    goto out;

  /* One transaction for the chunk, not one per UID. */
  ok = koi_store_begin (self->store, error);
  if (!ok)
    goto out;

  /* Where the server said the messages went: the next sync of the chat
   * folder knows them without fetching a byte. Only for the folder as Koi
   * knows it (same UIDVALIDITY). */
  if (copy.source != NULL && copy.destination != NULL && copy.source->len == copy.destination->len &&
      koi_store_folder_get (self->store, self->account->id, self->chats_folder,
                            &chats_uidvalidity, &chats_last_uid, NULL) &&
      chats_uidvalidity == copy.uidvalidity)
    for (guint i = 0; ok && i < copy.source->len; i++)
      {
        gint64 ref = koi_store_location_find_message (self->store, self->account->id, folder, uidvalidity,
                                                      g_array_index (copy.source, guint32, i), NULL);

        if (ref != 0)
          ok = koi_store_location_add (self->store, ref, self->account->id, self->chats_folder,
                                       copy.uidvalidity, g_array_index (copy.destination, guint32, i),
                                       error);
      }

  for (guint i = 0; ok && i < uids->len; i++)
    ok = koi_store_location_remove (self->store, self->account->id, folder, uidvalidity,
                                    g_array_index (uids, guint32, i), error);

  if (ok)
    ok = koi_store_commit (self->store, error);
  else
    koi_store_rollback (self->store);

out:
  g_clear_pointer (&copy.source, g_array_unref);
  g_clear_pointer (&copy.destination, g_array_unref);
  return ok;
}

/* One chunk of new UIDs: headers first, bodies only of what is not stored
 * yet, everything written in one transaction. */
static gboolean
sync_chunk (KoiSyncer     *self,
            const char    *folder,
            guint32        uidvalidity,
            gboolean       is_inbox,
            gboolean       first_sync,
            gboolean       headers_first,
            const guint32 *uids,
            guint          n_uids,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autofree char *set = NULL;
  g_autoptr (GArray) unplaced = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GArray) headers = g_array_new (FALSE, TRUE, sizeof (HeaderInfo));
  g_autoptr (GArray) wanted = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GArray) fetched = g_array_new (FALSE, TRUE, sizeof (FetchedMessage));
  g_autoptr (GArray) to_move = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (KoiSyncerBatch) batch = NULL;
  KoiApplyChanges changes;
  gint64 email_horizon_ms = g_get_real_time () / 1000 - (gint64) FIRST_SYNC_EMAIL_DAYS * 24 * 3600 * 1000;

  g_array_set_clear_func (headers, header_info_clear);
  g_array_set_clear_func (fetched, fetched_message_clear);

  /* UIDs this device put there itself (MOVE told it where) need nothing. */
  for (guint i = 0; i < n_uids; i++)
    if (is_inbox ||
        koi_store_location_find_message (self->store, self->account->id, folder, uidvalidity,
                                         uids[i], NULL) == 0)
      g_array_append_val (unplaced, uids[i]);
  if (unplaced->len == 0)
    return koi_store_folder_set (self->store, self->account->id, folder, uidvalidity,
                                 uids[n_uids - 1], error);
  set = koi_uid_set_from_array ((const guint32 *) unplaced->data, unplaced->len);

  if (!headers_first)
    g_array_append_vals (wanted, unplaced->data, unplaced->len);
  else if (!koi_imap_client_uid_fetch (self->imap, set, HEADER_ITEMS, collect_header_cb, headers,
                                       cancellable, error))
    return FALSE;

  for (guint i = 0; i < headers->len; i++)
    {
      HeaderInfo *info = &g_array_index (headers, HeaderInfo, i);

      if (info->message_id != NULL)
        {
          info->known_ref = koi_store_message_find (self->store, self->account->id,
                                                    info->message_id, error);
          if (info->known_ref == 0 && error != NULL && *error != NULL)
            return FALSE;
          if (info->known_ref != 0)
            {
              /* Another mail with a stored id is fetched whole and kept
               * apart, never filed as a copy of the stored one. */
              g_autoptr (KoiStoreMessage) stored = koi_store_message_get (self->store,
                                                                          info->known_ref, error);

              if (stored == NULL)
                return FALSE;
              if (!koi_message_identity_same (stored, info->from_address, info->date_ms))
                info->known_ref = 0;
            }
        }

      if (!koi_chat_client_note (self->store, self->account, &self->other_client,
                                 info->from_address, info->message_id, info->chat_version, error))
        return FALSE;
      if (is_inbox && info->is_chat && koi_syncer_moves_chat_mail (self))
        g_array_append_val (to_move, info->uid);

      if (info->known_ref != 0)
        continue;
      if (is_inbox && first_sync && !info->is_chat && info->date_ms < email_horizon_ms)
        continue;

      g_array_append_val (wanted, info->uid);
    }

  /* Until the chunk is applied, keys and settings are read once. */
  batch = koi_syncer_batch_new (self, wanted->len);
  if (wanted->len > 0)
    {
      g_autofree char *wanted_set = koi_uid_set_from_array ((const guint32 *) wanted->data, wanted->len);
      BodyCollect collect = { self, fetched, batch };

      if (!koi_imap_client_uid_fetch (self->imap, wanted_set, BODY_ITEMS, collect_body_cb, &collect,
                                      cancellable, error))
        return FALSE;
      koi_syncer_batch_finish (batch, take_decrypted_cb, &collect);
    }

  /* The structure of what may hold files, in one round trip. */
  {
    g_autoptr (GArray) structured = g_array_new (FALSE, FALSE, sizeof (guint32));

    for (guint i = 0; i < fetched->len; i++)
      {
        FetchedMessage *message = &g_array_index (fetched, FetchedMessage, i);

        /* An encrypted mail's structure is one encrypted part. */
        if ((message->multipart || message->cut) && !message->encrypted)
          g_array_append_val (structured, message->uid);
      }
    if (structured->len > 0)
      {
        g_autofree char *structured_set = koi_uid_set_from_array ((const guint32 *) structured->data,
                                                                  structured->len);

        if (!koi_imap_client_uid_fetch (self->imap, structured_set, STRUCTURE_ITEMS,
                                        collect_structure_cb, fetched, cancellable, error))
          return FALSE;
      }
  }

  /* A mail larger than the partial fetch: its text parts now, its files
   * later by section, so it never sits in memory whole. */
  for (guint i = 0; i < fetched->len; i++)
    {
      FetchedMessage *message = &g_array_index (fetched, FetchedMessage, i);
      g_autoptr (GBytes) text = NULL;

      if (!message->cut)
        continue;
      if (message->encrypted)
        {
          /* Whole, through files (koi-syncer-encfiles.c). */
          g_autoptr (GError) local_error = NULL;

          message->parsed = koi_syncer_parse_large_encrypted (self, message->uid, message->partial,
                                                              message->internal_date_ms,
                                                              &message->crypto, message->files,
                                                              cancellable, &local_error);
          if (message->parsed == NULL && local_error != NULL &&
              local_error->domain != KOI_COI_ERROR)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          parse_fetched (self, message, message->partial);
          continue;
        }
      if (message->structure == NULL)
        {
          /* No structure came: the first MiB is what can be shown. */
          parse_fetched (self, message, message->partial);
          continue;
        }
      text = koi_syncer_fetch_text_mail (self, message->uid, message->structure, cancellable, error);
      if (text == NULL)
        return FALSE;
      parse_fetched (self, message, text);
    }
  /* Applying the chunk may change the keys. */
  g_clear_pointer (&batch, koi_syncer_batch_free);

  if (!koi_store_begin (self->store, error))
    return FALSE;

  for (guint i = 0; i < headers->len; i++)
    {
      const HeaderInfo *info = &g_array_index (headers, HeaderInfo, i);

      if (info->known_ref != 0 &&
          !koi_store_location_add (self->store, info->known_ref, self->account->id, folder,
                                   uidvalidity, info->uid, error))
        goto failed;
    }

  koi_apply_changes_init (&changes);
  for (guint i = 0; i < fetched->len; i++)
    {
      const FetchedMessage *message = &g_array_index (fetched, FetchedMessage, i);
      gint64 id;

      if (!koi_chat_client_note (self->store, self->account, &self->other_client,
                                 message->parsed->from_address, message->parsed->message_id,
                                 message->chat_version, error))
        {
          koi_apply_changes_clear (&changes);
          goto failed;
        }
      if (!koi_message_identity_check (self->store, self->account->id, message->parsed, error))
        {
          koi_apply_changes_clear (&changes);
          goto failed;
        }
      id = koi_apply_mail (self->store, self->account->id, self->account->address,
                           message->parsed, message->seen, &changes, error);
      if (id != 0 && !koi_syncer_record_crypto (self, id, &message->crypto, error))
        id = 0;
      if (id != 0 && !koi_coi_type_is_hidden (message->parsed->type) &&
          !(message->encrypted
            ? koi_syncer_note_files (self, id, message->files, message->parsed->chat_content,
                                     message->voice, error)
            : koi_syncer_note_attachments (self, id, message->structure,
                                           message->parsed->chat_content,
                                           message->parsed->preview_sections, message->voice,
                                           error)))
        id = 0;
      if (id == 0 ||
          !koi_store_location_add (self->store, id, self->account->id, folder, uidvalidity,
                                   message->uid, error))
        {
          koi_apply_changes_clear (&changes);
          goto failed;
        }

      /* Without a header pass, the body says what is chat mail. */
      if (!headers_first && is_inbox && koi_syncer_moves_chat_mail (self) &&
          koi_coi_type_is_chat_mail (message->parsed->type))
        g_array_append_val (to_move, message->uid);
    }

  if (!koi_store_commit (self->store, error))
    {
      koi_apply_changes_clear (&changes);
      goto failed;
    }

  koi_syncer_emit_changes (self, &changes);
  koi_apply_changes_clear (&changes);

  /* Moved only after the messages are safely stored: a crash in between
   * leaves them in INBOX, where the next sync finds them known and moves
   * them then. */
  if (self->other_client != KOI_CHAT_CLIENT_NONE)
    g_array_set_size (to_move, 0);
  if (!move_to_chats_folder (self, folder, uidvalidity, to_move, cancellable, error))
    return FALSE;

  return koi_store_folder_set (self->store, self->account->id, folder, uidvalidity,
                               last_stored_uid (uids[n_uids - 1], wanted, fetched), error);

failed:
  koi_store_rollback (self->store);
  return FALSE;
}

/* Read state set elsewhere: on every pass when the server tells what
 * changed (CONDSTORE), else only on a full sync, since it means fetching
 * every flag of the folder. */
static gboolean
pull_flags (KoiSyncer                  *self,
            const char                 *folder,
            const KoiImapMailboxStatus *status,
            gboolean                    full,
            GCancellable               *cancellable,
            GError                    **error)
{
  guint32 uidvalidity = 0, last_uid = 0;

  if (status->highest_modseq == 0 && !full)
    return TRUE;
  if (!koi_store_folder_get (self->store, self->account->id, folder, &uidvalidity, &last_uid, error))
    return error == NULL || *error == NULL;

  return koi_syncer_pull_flags (self, folder, status->uidvalidity, status->highest_modseq,
                                last_uid, cancellable, error);
}

/* SELECT, with what the store knew of the folder when the server offers
 * QRESYNC: the answer then says what was expunged (VANISHED) and whose
 * flags changed (into @seen_uids) since, and *@qresynced is set. */
static gboolean
select_folder (KoiSyncer             *self,
               const char            *folder,
               gboolean               known,
               guint32                uidvalidity,
               GArray                *seen_uids,
               KoiImapMailboxStatus  *status,
               gboolean              *qresynced,
               GCancellable          *cancellable,
               GError               **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *known_uids = NULL;
  KoiImapQresync qresync = { 0, };
  guint64 modseq;

  *qresynced = FALSE;
  if (!known || !koi_imap_client_has_qresync (self->imap))
    return koi_imap_client_select (self->imap, folder, FALSE, status, cancellable, error);

  modseq = koi_store_folder_get_modseq (self->store, self->account->id, folder, &local_error);
  if (local_error == NULL && modseq != 0)
    known_uids = koi_syncer_known_uid_set (self, folder, uidvalidity, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  /* Never looked at its flags yet: nothing to resynchronise from. */
  if (modseq == 0)
    return koi_imap_client_select (self->imap, folder, FALSE, status, cancellable, error);

  qresync.uidvalidity = uidvalidity;
  qresync.modseq = modseq;
  qresync.known_uids = known_uids;
  if (!koi_imap_client_select_qresync (self->imap, folder, &qresync, koi_syncer_collect_seen,
                                       seen_uids, status, cancellable, error))
    return FALSE;
  *qresynced = TRUE;
  return TRUE;
}

gboolean
koi_syncer_sync_folder (KoiSyncer     *self,
             const char    *folder,
             gboolean       is_inbox,
             gboolean       full,
             GCancellable  *cancellable,
             GError       **error)
{
  KoiImapMailboxStatus status = { 0, };
  g_autoptr (GArray) uids = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *criteria = NULL;
  g_autoptr (GArray) seen_uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint32 uidvalidity = 0;
  guint32 last_uid = 0;
  gboolean known;
  gboolean qresynced = FALSE;
  guint first = 0;

  known = koi_store_folder_get (self->store, self->account->id, folder, &uidvalidity,
                                &last_uid, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (!select_folder (self, folder, known, uidvalidity, seen_uids, &status, &qresynced,
                      cancellable, error))
    return FALSE;

  if (known && uidvalidity != status.uidvalidity)
    {
      /* The server renumbered the folder: forget its UIDs and look at every
       * message again; Message-IDs keep anything from being duplicated. */
      g_message ("%s: UIDVALIDITY changed (%u -> %u), resyncing", folder, uidvalidity,
                 status.uidvalidity);
      if (!koi_store_folder_reset (self->store, self->account->id, folder, status.uidvalidity, error))
        return FALSE;
      last_uid = 0;
    }

  if (!known || uidvalidity != status.uidvalidity)
    if (!koi_store_folder_set (self->store, self->account->id, folder, status.uidvalidity,
                               last_uid, error))
      return FALSE;

  /* Expunged and read elsewhere since the last look: told by the server
   * (QRESYNC), or else found out on a full sync. */
  if (known && uidvalidity == status.uidvalidity)
    {
      if (qresynced)
        {
          g_autoptr (GArray) vanished = koi_imap_client_take_vanished (self->imap);

          if (!koi_syncer_forget_vanished (self, folder, uidvalidity, vanished, error) ||
              !koi_syncer_apply_seen (self, folder, uidvalidity, seen_uids, status.highest_modseq, error))
            return FALSE;
        }
      else if (full && !koi_syncer_sweep_expunged (self, folder, uidvalidity, cancellable, error))
        return FALSE;
    }

  if (status.exists == 0)
    return pull_flags (self, folder, &status, full, cancellable, error);
  if (status.uidnext != 0 && status.uidnext <= last_uid + 1)
    return pull_flags (self, folder, &status, full, cancellable, error);

  criteria = g_strdup_printf ("UID %u:*", last_uid + 1);
  uids = koi_imap_client_uid_search (self->imap, criteria, cancellable, error);
  if (uids == NULL)
    return FALSE;

  /* "N:*" always matches the highest UID, even when it is below N. */
  while (first < uids->len && g_array_index (uids, guint32, first) <= last_uid)
    first++;

  for (guint i = first; i < uids->len; i += CHUNK_SIZE)
    {
      guint n = MIN (CHUNK_SIZE, uids->len - i);

      /* The header pass pays off where much is already known or unwanted:
       * the chat folder (what this device moved there itself) and a
       * folder's first sync (years of ordinary email). In INBOX after that,
       * nearly everything new is wanted: fetch the bodies at once. */
      if (!sync_chunk (self, folder, status.uidvalidity, is_inbox, !known,
                       !known || uidvalidity != status.uidvalidity || !is_inbox,
                       &g_array_index (uids, guint32, i), n, cancellable, error))
        return FALSE;
    }

  return pull_flags (self, folder, &status, full, cancellable, error);
}

gboolean
koi_syncer_sync_chats (KoiSyncer     *self,
                       GCancellable  *cancellable,
                       GError       **error)
{
  if (!require_connection (self, error))
    return FALSE;

  /* NOTIFY says "another folder changed", not which: both are small. */
  return koi_syncer_sync_folder (self, self->chats_folder, FALSE, TRUE, cancellable, error) &&
         koi_syncer_sync_contacts (self, cancellable, error);
}

gboolean
koi_syncer_sync (KoiSyncer     *self,
                 gboolean       full,
                 GCancellable  *cancellable,
                 GError       **error)
{
  if (!require_connection (self, error))
    return FALSE;

  /* First, so that the folder syncs below select what they read. */
  if (!koi_syncer_reparse_unreadable (self, cancellable, error))
    return FALSE;

  if (full && (!koi_syncer_sync_folder (self, self->chats_folder, FALSE, TRUE, cancellable, error) ||
               !koi_syncer_sync_contacts (self, cancellable, error)))
    return FALSE;

  /* Something vanished from INBOX (QRESYNC, seen during IDLE): it may be
   * another device filing chat mail into the chat folder. Look there
   * first, so such a message is found there and stays in its chat. */
  if (!full && koi_imap_client_has_qresync (self->imap))
    {
      g_autoptr (GArray) vanished = koi_imap_client_take_vanished (self->imap);

      if (vanished->len > 0 &&
          g_strcmp0 (koi_imap_client_get_selected (self->imap), "INBOX") == 0 &&
          !koi_syncer_sync_folder (self, self->chats_folder, FALSE, FALSE, cancellable, error))
        return FALSE;
    }

  if (!koi_syncer_sync_folder (self, "INBOX", TRUE, full, cancellable, error))
    return FALSE;

  /* The account's key is made at its first start, but only after the
   * mail is in: the own mail there tells whether another device holds
   * the account's key already (koi-syncer-crypto.c). */
  koi_syncer_crypto (self);
  return TRUE;
}

/* A server without IDLE cannot tell Koi about new mail: sleep (woken by
 * a send or by stopping) and then let the caller sync INBOX as if the
 * server had said something changed. Failing here instead would make the
 * engine reconnect once a second. */
static gboolean
poll_instead_of_idle (KoiSyncer     *self,
                      guint          timeout_ms,
                      GCancellable  *wake,
                      gboolean      *out_changed,
                      gboolean      *out_chats_changed,
                      GCancellable  *cancellable,
                      GError       **error)
{
  GPollFD fds[2];
  guint n = 0;
  gboolean polled;

  if (timeout_ms == 0 || timeout_ms > NO_IDLE_POLL_MS)
    timeout_ms = NO_IDLE_POLL_MS;
  if (cancellable != NULL && g_cancellable_make_pollfd (cancellable, &fds[n]))
    n++;
  if (wake != NULL && g_cancellable_make_pollfd (wake, &fds[n]))
    n++;
  g_poll (fds, n, (int) timeout_ms);
  if (wake != NULL)
    g_cancellable_release_fd (wake);
  if (cancellable != NULL)
    g_cancellable_release_fd (cancellable);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  polled = wake == NULL || !g_cancellable_is_cancelled (wake);
  if (out_changed != NULL)
    *out_changed = polled;
  if (out_chats_changed != NULL)
    *out_chats_changed = FALSE;
  return TRUE;
}

void
koi_syncer_set_idle_answer_timeout (KoiSyncer *self,
                                    guint      timeout_ms)
{
  self->idle_answer_ms = timeout_ms;
}

gboolean
koi_syncer_idle (KoiSyncer     *self,
                 guint          timeout_ms,
                 GCancellable  *wake,
                 gboolean      *out_changed,
                 gboolean      *out_chats_changed,
                 GCancellable  *cancellable,
                 GError       **error)
{
  KoiImapIdleResult result = { 0, };

  if (!require_connection (self, error))
    return FALSE;

  if (g_strcmp0 (koi_imap_client_get_selected (self->imap), "INBOX") != 0 &&
      !koi_imap_client_select (self->imap, "INBOX", FALSE, NULL, cancellable, error))
    return FALSE;

  if (!koi_imap_client_has_capability (self->imap, "IDLE"))
    return poll_instead_of_idle (self, timeout_ms, wake, out_changed, out_chats_changed,
                                 cancellable, error);

  /* Only the IDLE's own waits: a large FETCH may well take longer. */
  koi_imap_client_set_timeout (self->imap, self->idle_answer_ms);
  if (!koi_imap_client_idle (self->imap, timeout_ms, wake, &result, cancellable, error))
    {
      if (self->imap != NULL)
        koi_imap_client_set_timeout (self->imap, 0);
      return FALSE;
    }
  koi_imap_client_set_timeout (self->imap, 0);

  if (out_changed != NULL)
    *out_changed = result.server_changed;
  if (out_chats_changed != NULL)
    *out_chats_changed = result.other_changed;
  return TRUE;
}

/* --------------------------------------------------------------------- */
/* Sending */

static gboolean
text_has_content (const char *text)
{
  if (text == NULL)
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      return TRUE;

  return FALSE;
}

gint64
koi_syncer_create_chat (KoiSyncer   *self,
                        const char  *address,
                        GError     **error)
{
  g_autofree char *peer = NULL;
  gint64 chat_id;

  if (!koi_address_is_valid (address))
    {
      g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                   "“%s” is not an email address", address ? address : "");
      return 0;
    }

  peer = g_ascii_strdown (address, -1);
  chat_id = koi_store_chat_ensure_1to1 (self->store, self->account->id, peer, NULL, error);
  /* The user starting a chat with someone is letting them in. */
  if (chat_id != 0 && !koi_store_chat_set_request (self->store, chat_id, KOI_STORE_CHAT_ACCEPTED, error))
    return 0;
  if (chat_id != 0)
    koi_syncer_emit_chat_updated (self, chat_id);
  return chat_id;
}

/* The chat @chat_id of this account, or NULL + KOI_ENGINE_ERROR_INVALID. */
static KoiStoreChat *
get_own_chat (KoiSyncer  *self,
              gint64      chat_id,
              GError    **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (KoiStoreChat) chat = koi_store_chat_get (self->store, chat_id, &local_error);

  if (chat == NULL && g_error_matches (local_error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND))
    {
      g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                   "There is no chat %" G_GINT64_FORMAT, chat_id);
      return NULL;
    }
  if (chat == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (chat->account_id != self->account->id)
    {
      g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                   "The chat %" G_GINT64_FORMAT " belongs to another account", chat_id);
      return NULL;
    }

  return g_steal_pointer (&chat);
}

gboolean
koi_syncer_mark_read (KoiSyncer  *self,
                      gint64      chat_id,
                      GError    **error)
{
  return koi_syncer_mark_read_full (self, chat_id, TRUE, error);
}

gboolean
koi_syncer_mark_read_full (KoiSyncer  *self,
                           gint64      chat_id,
                           gboolean    shown,
                           GError    **error)
{
  g_autoptr (KoiStoreChat) chat = get_own_chat (self, chat_id, error);
  g_autoptr (GPtrArray) marked = NULL;

  if (chat == NULL)
    return FALSE;

  marked = koi_store_chat_mark_read_pending (self->store, chat_id, error);
  if (marked == NULL)
    return FALSE;
  /* Marked read here means shown here: the window marks a chat read only
   * while it is open in the active window (koi-syncer-receipts.c). */
  if (shown && chat->request == KOI_STORE_CHAT_ACCEPTED && !koi_syncer_receipts_shown (self, marked, error))
    return FALSE;

  if (marked->len > 0 || chat->unread_count > 0)
    koi_syncer_emit_chat_updated (self, chat_id);
  return TRUE;
}

gboolean
koi_syncer_answer_request (KoiSyncer         *self,
                           gint64             chat_id,
                           KoiRequestAnswer   answer,
                           GError           **error)
{
  g_autoptr (KoiStoreChat) chat = get_own_chat (self, chat_id, error);
  g_autoptr (KoiContactEdit) edit = koi_contact_edit_new ();
  gboolean one_to_one;

  if (chat == NULL)
    return FALSE;
  one_to_one = chat->kind == KOI_STORE_CHAT_1TO1 && chat->peer_address != NULL;

  switch (answer)
    {
    case KOI_REQUEST_ACCEPT:
      /* The card is what tells the other devices (koi_store_contact_set_card
       * accepts the peer's chat); a group has no card to write. */
      if (one_to_one && koi_syncer_edit_contact (self, chat->peer_address, edit, error) == 0)
        return FALSE;
      if (!koi_store_chat_set_request (self->store, chat_id, KOI_STORE_CHAT_ACCEPTED, error))
        return FALSE;
      /* What the user read while deciding may now be told, as the bar
       * said; the worker sends the receipts with its next pass. */
      if (koi_syncer_read_receipts_enabled (self))
        {
          g_autoptr (GError) local_error = NULL;

          koi_store_receipt_requests_read_in_chat (self->store, chat_id, &local_error);
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
        }
      break;
    case KOI_REQUEST_BLOCK:
      edit->blocked = 1;
      if (one_to_one && koi_syncer_edit_contact (self, chat->peer_address, edit, error) == 0)
        return FALSE;
      if (!koi_store_chat_set_request (self->store, chat_id, KOI_STORE_CHAT_DISMISSED, error))
        return FALSE;
      break;
    case KOI_REQUEST_DELETE:
      if (!koi_store_chat_set_request (self->store, chat_id, KOI_STORE_CHAT_DISMISSED, error))
        return FALSE;
      break;
    default:
      g_return_val_if_reached (FALSE);
    }

  koi_syncer_emit_chat_updated (self, chat_id);
  return TRUE;
}

gboolean
koi_syncer_set_draft (KoiSyncer   *self,
                      gint64       chat_id,
                      const char  *text,
                      GError     **error)
{
  g_autoptr (KoiStoreChat) chat = get_own_chat (self, chat_id, error);
  gboolean changed = FALSE;

  if (chat == NULL)
    return FALSE;
  if (!koi_store_chat_set_draft (self->store, chat_id, text, &changed, error))
    return FALSE;
  /* The chat list shows "Draft: …" for it. */
  if (changed)
    koi_syncer_emit_chat_updated (self, chat_id);
  return TRUE;
}

gint64
koi_syncer_queue_text (KoiSyncer   *self,
                       gint64       chat_id,
                       const char  *text,
                       GError     **error)
{
  return koi_syncer_queue_reply (self, chat_id, text, 0, error);
}

gint64
koi_syncer_queue_reply (KoiSyncer   *self,
                        gint64       chat_id,
                        const char  *text,
                        gint64       reply_to_ref,
                        GError     **error)
{
  return koi_syncer_queue_message (self, chat_id, text, reply_to_ref, NULL, error);
}

gint64
koi_syncer_queue_message (KoiSyncer                *self,
                          gint64                    chat_id,
                          const char               *text,
                          gint64                    reply_to_ref,
                          const KoiStoreAttachment *file,
                          GError                  **error)
{
  g_autoptr (GBytes) tail = NULL;
  g_autoptr (KoiStoreMessage) quoted = NULL;
  g_autofree char *full_text = NULL;
  g_autoptr (KoiStoreChat) chat = NULL;
  const char *peer = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autofree char *message_id = NULL;
  const char *to[] = { NULL, NULL };
  const char *recipients[] = { NULL, NULL, NULL };
  const char *references[] = { NULL, NULL, NULL };
  g_autofree char *thread_root = NULL;
  g_autofree char *thread_last = NULL;
  g_autofree char *thread_references = NULL;
  KoiCoiOutgoing outgoing = { 0, };
  g_autoptr (GBytes) own_key = NULL;
  KoiStoreMessage row = { 0, };
  KoiSyncerCrypto crypto_state = { FALSE, FALSE, 0 };
  g_autofree char *subject = NULL;
  gint64 now_ms = g_get_real_time () / 1000;
  /* The Date header has whole seconds; the row keeps the same time, so this
   * device orders the message exactly as every other device will. */
  gint64 date_ms = now_ms - now_ms % 1000;
  gint64 id;

  chat = get_own_chat (self, chat_id, error);
  if (chat == NULL)
    return 0;
  /* Writing to a stranger lets the chat in here at once; the self-copy
   * tells the user's other devices. */
  if (chat->request != KOI_STORE_CHAT_ACCEPTED &&
      !koi_store_chat_set_request (self->store, chat_id, KOI_STORE_CHAT_ACCEPTED, error))
    return 0;
  if (chat->kind == KOI_STORE_CHAT_GROUP)
    return koi_syncer_queue_group_text (self, chat_id, text, reply_to_ref, file, error);
  if (chat->kind != KOI_STORE_CHAT_1TO1 || !koi_address_is_valid (chat->peer_address))
    {
      g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                           "Koi cannot send to this chat yet");
      return 0;
    }
  peer = chat->peer_address;

  if (!text_has_content (text))
    {
      g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                           "The message is empty");
      return 0;
    }

  to[0] = peer;
  outgoing.from_address = self->account->address;
  outgoing.from_name = self->account->display_name;
  outgoing.to = to;
  outgoing.text = text;
  outgoing.date_ms = date_ms;
  outgoing.request_read_receipt = koi_syncer_read_receipts_enabled (self);

  /* A reply to the chat's newest message, in the thread the chat started:
   * mail programs show the conversation as one thread. */
  if (!koi_store_chat_thread_ends (self->store, chat_id, &thread_root, &thread_last, error))
    return 0;
  /* An id a hostile mail brought ("<", spaces, 2,000 characters) would
   * make every later message in the chat fail to build: leave it out. */
  if (!koi_coi_message_id_is_sendable (thread_root))
    g_clear_pointer (&thread_root, g_free);
  if (!koi_coi_message_id_is_sendable (thread_last))
    g_clear_pointer (&thread_last, g_free);
  if (thread_root == NULL && thread_last != NULL)
    thread_root = g_strdup (thread_last);

  /* A reply with a quote answers the quoted message instead; its text is
   * quoted for mail programs (chat clients show it from their store). */
  if (reply_to_ref != 0)
    {
      quoted = koi_store_message_get (self->store, reply_to_ref, error);
      if (quoted == NULL)
        return 0;
      if (quoted->chat_id != chat_id || quoted->deleted)
        {
          g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                               "The quoted message is not in this chat any more");
          return 0;
        }
      if (koi_coi_message_id_is_sendable (quoted->message_id))
        {
          g_free (thread_last);
          thread_last = g_strdup (quoted->message_id);
          if (thread_root == NULL)
            thread_root = g_strdup (thread_last);
        }
      outgoing.quote = quoted->text;
    }

  references[0] = thread_root;
  references[1] = thread_last;
  outgoing.in_reply_to = thread_last;
  outgoing.references = thread_root != NULL ? references : NULL;
  if (thread_root != NULL)
    thread_references = g_strcmp0 (thread_root, thread_last) == 0
      ? g_strdup (thread_root) : g_strjoin (" ", thread_root, thread_last, NULL);

  own_key = koi_syncer_own_autocrypt (self);
  outgoing.autocrypt_keydata = own_key;
  message = koi_coi_build_chat_message (&outgoing, error);
  if (message == NULL)
    return 0;
  message_id = g_strdup (g_mime_message_get_message_id (message));
  if (file != NULL)
    {
      /* multipart/mixed: the text, then the file, whose body is streamed
       * from the attachment folder when sent (koi-syncer-send-file.c). */
      g_autoptr (GMimeMultipart) mixed = g_mime_multipart_new_with_subtype ("mixed");
      g_autoptr (GMimePart) part = koi_coi_file_part_new (file->filename, file->mime_type, file->size);

      g_mime_multipart_add (mixed, g_mime_message_get_mime_part (message));
      g_mime_multipart_add (mixed, GMIME_OBJECT (part));
      g_mime_message_set_mime_part (message, GMIME_OBJECT (mixed));
    }

  row.account_id = self->account->id;
  row.chat_id = chat_id;
  row.message_id = message_id;
  row.direction = KOI_STORE_DIRECTION_OUTGOING;
  row.state = KOI_STORE_STATE_QUEUED;
  row.kind = KOI_STORE_KIND_CHAT;
  row.from_address = self->account->address;
  row.from_name = self->account->display_name;
  subject = g_strdup (g_mime_message_get_subject (message));
  row.subject = subject;
  row.text = (char *) text;
  /* The quote stays in the whole text, as it does for a received reply:
   * that is how the reply is known as one (koi_store_message_quoted_id). */
  if (quoted != NULL)
    {
      GMimeObject *part = g_mime_message_get_mime_part (message);

      if (GMIME_IS_TEXT_PART (part))
        full_text = g_mime_text_part_get_text (GMIME_TEXT_PART (part));
      row.full_text = full_text;
    }
  row.in_reply_to = thread_last;
  row.references = thread_references;
  row.sent_at_ms = date_ms;
  row.received_at_ms = now_ms;
  row.sort_ms = date_ms;
  row.seen = TRUE;

  /* The peer first, then the copy to self that the account's other devices
   * (and a new device's first sync) learn the message from. */
  recipients[0] = peer;
  if (!address_is_self (self, peer))
    recipients[1] = self->account->address;

  /* Encrypted when every key is known (koi-syncer-encrypt.c); the row
   * above keeps the real subject and text either way. */
  if (file == NULL)
    {
      if (!koi_syncer_encrypt_outgoing (self, message, recipients, &crypto_state.encrypted,
                                        error))
        return 0;
      raw = koi_coi_message_to_bytes (message);
    }
  else
    {
      /* A file message too, streaming from the file (koi-syncer-encrypt.c). */
      if (!koi_syncer_encrypt_file_message (self, message, recipients, file, &raw, &tail,
                                            &crypto_state.encrypted, error))
        return 0;
      if (!crypto_state.encrypted && !koi_coi_split_file_message (message, &raw, &tail, error))
        return 0;
    }

  if (file != NULL)
    id = koi_store_outbox_enqueue_with_file (self->store, &row, raw, tail, file, recipients, error);
  else
    id = koi_store_outbox_enqueue (self->store, &row, raw, recipients, error);
  if (id == 0 || !koi_syncer_record_crypto (self, id, &crypto_state, error))
    return 0;

  koi_syncer_emit_message_added (self, chat_id, id);
  koi_syncer_emit_chat_updated (self, chat_id);
  return id;
}

/* 2 s, 4 s, 8 s ... up to 5 minutes between attempts. */
static gint64
retry_delay_ms (guint attempts)
{
  gint64 delay = (gint64) 2000 << MIN (attempts, 10u);

  return MIN (delay, 5 * 60 * 1000);
}

/* The message's state (and maybe the chat's tick) changed. */
static void
report_state (KoiSyncer *self,
              gint64     message_ref)
{
  g_autoptr (KoiStoreMessage) message = koi_store_message_get (self->store, message_ref, NULL);

  /* A receipt Koi sends is in no chat: nothing on screen changes. */
  if (message == NULL || message->chat_id == 0)
    return;
  koi_syncer_emit_message_updated (self, message->chat_id, message_ref);
  koi_syncer_emit_chat_updated (self, message->chat_id);
}

/* Writes what is left of @outcome to the store; FALSE at the first write
 * that fails (the next call goes on from there). */
static gboolean
record_outcome (KoiSyncer    *self,
                SendOutcome  *outcome,
                GError      **error)
{
  guint n_done = outcome->done->len;

  for (; outcome->n_recorded < n_done; outcome->n_recorded++)
    {
      const RecipientDone *done = g_ptr_array_index (outcome->done, outcome->n_recorded);

      if (!koi_store_outbox_recipient_done (self->store, outcome->outbox_id, done->address,
                                            done->accepted, done->reply, error))
        return FALSE;
    }

  if (outcome->n_recorded == n_done)
    {
      if (outcome->pending
          ? !koi_store_outbox_reschedule (self->store, outcome->outbox_id,
                                          outcome->next_attempt_ms, outcome->pending_reply, error)
          : !koi_store_outbox_finish (self->store, outcome->outbox_id, error))
        return FALSE;
      outcome->n_recorded++;
    }

  if (outcome->pending && outcome->n_recorded == n_done + 1)
    {
      if (!koi_store_message_set_state (self->store, outcome->message_ref, KOI_STORE_STATE_QUEUED,
                                        outcome->pending_reply, error))
        return FALSE;
      outcome->n_recorded++;
    }

  report_state (self, outcome->message_ref);
  return TRUE;
}

/* KOI_TEST_KILL_DURING_SEND=before|after stops the process with SIGKILL
 * just before or just after the SMTP transaction, as a crash or kill -9
 * would, for tests/engine/test-engine-crash.c. */
static void
kill_for_test (const char *moment)
{
  if (G_UNLIKELY (g_strcmp0 (g_getenv ("KOI_TEST_KILL_DURING_SEND"), moment) == 0))
    raise (SIGKILL);
}

/* A send that a crash interrupted leaves the message SENDING (in this
 * process it always moves on to SENT, QUEUED or FAILED). Before anything
 * is sent again, the copy to self tells whether the server took it
 * (koi-syncer-recover.c): then it is SENT, never sent twice; else FAILED,
 * and Retry sends it. Only when the copy to self was part of the
 * interrupted attempt does it say anything about the others: else the
 * message is FAILED too. *@out_handled is TRUE when the item is done
 * with; FALSE (and @error) when the server could not be asked, and the
 * item waits. */
static gboolean
recover_interrupted (KoiSyncer                *self,
                     const KoiStoreOutboxItem *item,
                     gboolean                 *out_handled,
                     GCancellable             *cancellable,
                     GError                  **error)
{
  g_autoptr (KoiStoreMessage) message = NULL;
  gboolean self_pending = FALSE;
  gboolean found = FALSE;

  *out_handled = FALSE;
  message = koi_store_message_get (self->store, item->message_ref, error);
  if (message == NULL)
    return FALSE;
  if (message->state != KOI_STORE_STATE_SENDING)
    return TRUE;

  for (guint i = 0; i < item->pending_recipients->len; i++)
    self_pending |= address_is_self (self, g_ptr_array_index (item->pending_recipients, i));
  if (self_pending &&
      !koi_syncer_find_own_copy (self, item->message_id, &found, cancellable, error))
    {
      g_prefix_error (error, "Could not check whether an interrupted send went out: ");
      return FALSE;
    }

  *out_handled = TRUE;
  if (found)
    {
      g_message ("%s: an interrupted send reached the server; not sending it again",
                 item->message_id);
      for (guint i = 0; i < item->pending_recipients->len; i++)
        if (!koi_store_outbox_recipient_done (self->store, item->outbox_id,
                                              g_ptr_array_index (item->pending_recipients, i),
                                              TRUE, "found on the server after an interrupted send",
                                              error))
          return FALSE;
      if (!koi_store_outbox_finish (self->store, item->outbox_id, error))
        return FALSE;
    }
  else
    {
      g_message ("%s: an interrupted send did not reach the server; failed", item->message_id);
      if (!koi_store_outbox_fail (self->store, item->outbox_id,
                                  "Koi was stopped while sending this message, and it is not "
                                  "on the server: retry to send it",
                                  error))
        return FALSE;
    }

  report_state (self, item->message_ref);
  return TRUE;
}

/* Sends one outbox item. FALSE (and the caller stops) when the SMTP server
 * could not be used, or when the store did not take the outcome: then the
 * outcome is kept in memory and nothing is sent until it is recorded, or
 * a recipient who accepted would get the message again from the next
 * attempt, which the store still believes is pending. */
static gboolean
send_one (KoiSyncer                *self,
          const KoiStoreOutboxItem *item,
          GCancellable             *cancellable,
          GError                  **error)
{
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GPtrArray) recipients = g_ptr_array_new ();
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GError) store_error = NULL;
  SendOutcome *outcome;
  gint64 now_ms = g_get_real_time () / 1000;
  gboolean recovered = FALSE;

  if (!recover_interrupted (self, item, &recovered, cancellable, error))
    return FALSE;
  if (recovered)
    return TRUE;

  for (guint i = 0; i < item->pending_recipients->len; i++)
    g_ptr_array_add (recipients, g_ptr_array_index (item->pending_recipients, i));
  g_ptr_array_add (recipients, NULL);

  /* A store that takes nothing now will not take the outcome later:
   * better not to send at all. */
  if (!koi_store_message_set_state (self->store, item->message_ref, KOI_STORE_STATE_SENDING,
                                    NULL, error))
    return FALSE;
  report_state (self, item->message_ref);
  kill_for_test ("before");

  if (!koi_syncer_smtp_send_item (self, item, (const char * const *) recipients->pdata, &results,
                                  cancellable, &local_error))
    {
      /* Too large for the server, or the file is gone: no retry helps. */
      if (g_error_matches (local_error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_TOO_LARGE) ||
          g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
          g_error_matches (local_error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_CANCELLED))
        {
          if (!koi_store_outbox_fail (self->store, item->outbox_id, local_error->message, &store_error))
            g_message ("Could not record a failed send: %s", store_error->message);
          if (item->tail != NULL)
            koi_syncer_release_outgoing_cipher (self, item->message_id);
          report_state (self, item->message_ref);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      /* Nobody got it: it stays queued and is tried again later. Should the
       * store fail here too, nothing was sent, so nothing can go twice. */
      if (!koi_store_outbox_reschedule (self->store, item->outbox_id,
                                        now_ms + retry_delay_ms (item->attempts),
                                        local_error->message, &store_error) ||
          !koi_store_message_set_state (self->store, item->message_ref, KOI_STORE_STATE_QUEUED,
                                        local_error->message, &store_error))
        g_message ("Could not record a failed send: %s", store_error->message);
      report_state (self, item->message_ref);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  /* The failing-machine tests stop the process here, the worst moment:
   * the server has the message and the store does not know
   * (tests/engine/test-engine-crash.c). */
  kill_for_test ("after");

  outcome = g_new0 (SendOutcome, 1);
  outcome->outbox_id = item->outbox_id;
  outcome->message_ref = item->message_ref;
  outcome->done = g_ptr_array_new_with_free_func (recipient_done_free);
  outcome->next_attempt_ms = now_ms + retry_delay_ms (item->attempts);

  for (guint i = 0; i < results->len; i++)
    {
      const KoiSmtpRecipientResult *result = g_ptr_array_index (results, i);

      if (result->accepted || result->permanent)
        {
          RecipientDone *done = g_new0 (RecipientDone, 1);

          done->address = g_strdup (result->address);
          done->accepted = result->accepted;
          done->reply = g_strdup (result->reply);
          g_ptr_array_add (outcome->done, done);
        }
      else if (!outcome->pending)
        {
          outcome->pending = TRUE;
          outcome->pending_reply = g_strdup (result->reply);
        }
    }

  if (!record_outcome (self, outcome, error))
    {
      g_prefix_error (error, "The message was sent, but Koi could not record it: ");
      g_clear_pointer (&self->unrecorded, send_outcome_free);
      self->unrecorded = outcome;
      self->unrecorded_retry_ms = now_ms + retry_delay_ms (0);
      return FALSE;
    }

  send_outcome_free (outcome);
  /* Refused for good and deleted meanwhile: nothing will send it again. */
  if (item->tail != NULL)
    koi_syncer_release_outgoing_cipher (self, item->message_id);
  report_state (self, item->message_ref);
  return TRUE;
}

gboolean
koi_syncer_retry (KoiSyncer  *self,
                  gint64      message_ref,
                  GError    **error)
{
  if (!koi_store_outbox_retry (self->store, message_ref, g_get_real_time () / 1000, error))
    return FALSE;

  report_state (self, message_ref);
  return TRUE;
}

gboolean
koi_syncer_send_queued (KoiSyncer     *self,
                        gboolean       force,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr (GPtrArray) items = NULL;
  gint64 now_ms = g_get_real_time () / 1000;

  /* The last send's outcome first: until the store has it, the store
   * still lists its accepted recipients as pending. */
  if (self->unrecorded != NULL)
    {
      if (!record_outcome (self, self->unrecorded, error))
        {
          g_prefix_error (error, "A message was sent, but Koi could not record it: ");
          self->unrecorded_retry_ms = now_ms + retry_delay_ms (0);
          return FALSE;
        }
      g_clear_pointer (&self->unrecorded, send_outcome_free);
    }

  items = koi_store_outbox_due (self->store, self->account->id, force ? G_MAXINT64 : now_ms, error);
  if (items == NULL)
    return FALSE;

  for (guint i = 0; i < items->len; i++)
    {
      const KoiStoreOutboxItem *item = g_ptr_array_index (items, i);

      /* A server that cannot be reached now will not be reachable for the
       * next item either, and a store that did not take one outcome will
       * not take the next: stop, everything stays queued. */
      if (!send_one (self, item, cancellable, error))
        return FALSE;
    }

  return TRUE;
}

gint64
koi_syncer_next_send_ms (KoiSyncer *self)
{
  gint64 next = koi_store_outbox_next_due_ms (self->store, self->account->id, NULL);

  /* While an outcome waits for the store, the item looks due at once:
   * try again after a pause, not in a tight loop. */
  if (self->unrecorded != NULL)
    next = next == 0 ? self->unrecorded_retry_ms : MAX (next, self->unrecorded_retry_ms);
  return next;
}
