/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-syncer"

#include "config.h"

#include <string.h>

#include "koi-apply.h"
#include "koi-coi.h"
#include "koi-coi-gmime.h"
#include "koi-engine-error.h"
#include "koi-syncer-group.h"
#include "koi-attachment-file.h"
#include "koi-store-attachment.h"
#include "koi-syncer-private.h"

/* The user's requests on a message (edit, delete for everyone, reaction,
 * delete for me), part of KoiSyncer. A request is a mail like any other:
 * stored as a hidden row with its outbox entry, applied to this store at
 * once through koi_apply_own_request() (the rules every device uses), and
 * sent to the peer and to the account's own address, from which the
 * user's other devices learn it. */

static gboolean
same_address (const char *a,
              const char *b)
{
  return a != NULL && b != NULL && g_ascii_strcasecmp (a, b) == 0;
}

/* The visible message @message_ref of this account with its 1:1 chat, or
 * NULL + KOI_ENGINE_ERROR_INVALID. */
static KoiStoreMessage *
get_target (KoiSyncer     *self,
            gint64         message_ref,
            KoiStoreChat **out_chat,
            GError       **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (KoiStoreMessage) message = koi_store_message_get (self->store, message_ref, &local_error);
  g_autoptr (KoiStoreChat) chat = NULL;

  if (message == NULL)
    {
      if (g_error_matches (local_error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND))
        g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                     "There is no message %" G_GINT64_FORMAT, message_ref);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (message->account_id != self->account->id || message->chat_id <= 0 ||
      koi_coi_type_is_hidden (message->type))
    {
      g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                   "There is no message %" G_GINT64_FORMAT " in this account’s chats", message_ref);
      return NULL;
    }

  if (out_chat != NULL)
    {
      chat = koi_store_chat_get (self->store, message->chat_id, error);
      if (chat == NULL)
        return NULL;
      if (chat->kind == KOI_STORE_CHAT_GROUP ? chat->group_id == NULL
                                             : !koi_address_is_valid (chat->peer_address))
        {
          g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                               "Koi cannot send to this chat yet");
          return NULL;
        }
      *out_chat = g_steal_pointer (&chat);
    }

  return g_steal_pointer (&message);
}

static gint64
queue_request (KoiSyncer   *self,
               gint64       message_ref,
               KoiCoiType   type,
               const char  *text,
               GError     **error)
{
  g_autoptr (KoiStoreChat) chat = NULL;
  g_autoptr (KoiStoreMessage) target = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (KoiCoiParsed) parsed = NULL;
  KoiSyncerCrypto crypto_state;
  KoiSyncerCrypto sent_crypto = { FALSE, FALSE, 0 };
  g_autoptr (GBytes) raw = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *thread_root = NULL;
  g_autofree char *thread_last = NULL;
  g_autoptr (GPtrArray) to = g_ptr_array_new ();
  g_autoptr (GPtrArray) recipients = g_ptr_array_new ();
  g_autoptr (GPtrArray) members = NULL;
  const char *references[] = { NULL, NULL };
  KoiCoiOutgoing outgoing = { 0, };
  g_autoptr (GBytes) own_key = NULL;
  KoiStoreMessage row = { 0, };
  KoiApplyChanges changes;
  gint64 now_ms = g_get_real_time () / 1000;
  gint64 date_ms = now_ms - now_ms % 1000;
  gint64 id;
  gboolean ok;

  target = get_target (self, message_ref, &chat, error);
  if (target == NULL)
    return 0;
  if (target->deleted)
    {
      g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                           "The message was deleted");
      return 0;
    }
  if ((type == KOI_COI_TYPE_EDIT || type == KOI_COI_TYPE_DELETE) &&
      !same_address (target->from_address, self->account->address))
    {
      g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                           "Only the author of a message can edit or delete it for everyone");
      return 0;
    }

  /* Date has whole seconds and the newest Date wins on every device: a
   * second edit within the same second as the version it replaces is
   * dated one second later, so no device can order the two differently. */
  if (type == KOI_COI_TYPE_EDIT)
    {
      gint64 current = target->edited_at_ms > 0 ? target->edited_at_ms : target->sent_at_ms;

      if (date_ms <= current)
        date_ms = current - current % 1000 + 1000;
    }

  /* The same for reactions: the newest of a person's reactions on a
   * message wins, so two changes within a second (👍, then ❤️) must not
   * carry the same Date, or devices that fetch them in another order would
   * keep different ones. Counted over the chat, as a person clicks
   * through its messages. */
  if (type == KOI_COI_TYPE_REACTION)
    {
      gint64 previous = 0;

      if (!koi_store_reaction_last_in_chat (self->store, chat->id, self->account->address,
                                            &previous, error))
        return 0;
      if (date_ms <= previous)
        date_ms = previous - previous % 1000 + 1000;
    }

  if (!koi_store_chat_thread_ends (self->store, chat->id, &thread_root, &thread_last, error))
    return 0;
  references[0] = thread_root;

  /* A group's request goes to every member, as the group's messages do. */
  if (chat->kind == KOI_STORE_CHAT_GROUP)
    {
      members = koi_syncer_group_recipients (self, chat->id, error);
      if (members == NULL)
        return 0;
      for (guint i = 0; i < members->len; i++)
        g_ptr_array_add (to, g_ptr_array_index (members, i));
    }
  else
    g_ptr_array_add (to, chat->peer_address);
  g_ptr_array_add (to, NULL);
  outgoing.from_address = self->account->address;
  outgoing.from_name = self->account->display_name;
  outgoing.to = (const char * const *) to->pdata;
  outgoing.text = text;
  outgoing.date_ms = date_ms;
  outgoing.type = type;
  outgoing.target_id = target->message_id;
  outgoing.references = thread_root != NULL ? references : NULL;
  /* A mail program shows the edit as a correction of the quoted text. */
  if (type == KOI_COI_TYPE_EDIT)
    outgoing.quote = target->text;

  own_key = koi_syncer_own_autocrypt (self);
  outgoing.autocrypt_keydata = own_key;
  message = koi_coi_build_chat_message (&outgoing, error);
  if (message == NULL)
    return 0;
  raw = koi_coi_message_to_bytes (message);
  message_id = g_strdup (g_mime_message_get_message_id (message));

  /* Read back as any device reads it: the request this store applies is
   * exactly the one the others will. */
  parsed = koi_syncer_parse (self, raw, 0, 0, &crypto_state, error);
  if (parsed == NULL)
    return 0;
  g_return_val_if_fail (parsed->type == type || (type == KOI_COI_TYPE_EDIT && parsed->type == KOI_COI_TYPE_DELETE), 0);

  row.account_id = self->account->id;
  row.chat_id = 0;
  row.message_id = message_id;
  row.direction = KOI_STORE_DIRECTION_OUTGOING;
  row.state = KOI_STORE_STATE_QUEUED;
  row.kind = KOI_STORE_KIND_CHAT;
  row.type = parsed->type;
  row.from_address = self->account->address;
  row.from_name = self->account->display_name;
  row.in_reply_to = target->message_id;
  row.sent_at_ms = date_ms;
  row.received_at_ms = now_ms;
  row.sort_ms = date_ms;
  row.seen = TRUE;

  {
    gboolean has_self = FALSE;

    for (guint i = 0; to->pdata[i] != NULL; i++)
      {
        g_ptr_array_add (recipients, to->pdata[i]);
        has_self |= same_address (to->pdata[i], self->account->address);
      }
    if (!has_self)
      g_ptr_array_add (recipients, self->account->address);
    g_ptr_array_add (recipients, NULL);
  }

  /* Encrypted when every member's key is known (koi-syncer-encrypt.c). */
  if (!koi_syncer_encrypt_outgoing (self, message, (const char * const *) recipients->pdata,
                                    &sent_crypto.encrypted, error))
    return 0;
  if (sent_crypto.encrypted)
    {
      g_bytes_unref (raw);
      raw = koi_coi_message_to_bytes (message);
    }

  if (!koi_store_begin (self->store, error))
    return 0;
  koi_apply_changes_init (&changes);
  id = koi_store_outbox_enqueue (self->store, &row, raw, (const char * const *) recipients->pdata, error);
  ok = id != 0 &&
       koi_syncer_record_crypto (self, id, &sent_crypto, error) &&
       koi_apply_own_request (self->store, self->account->id, id, parsed, &changes, error) &&
       koi_store_commit (self->store, error);
  if (!ok)
    {
      koi_store_rollback (self->store);
      koi_apply_changes_clear (&changes);
      return 0;
    }

  koi_syncer_emit_changes (self, &changes);
  koi_apply_changes_clear (&changes);
  return id;
}

gint64
koi_syncer_queue_edit (KoiSyncer   *self,
                       gint64       message_ref,
                       const char  *text,
                       GError     **error)
{
  g_autofree char *stripped = NULL;

  /* An empty edit reads as a delete on the wire: ask for that instead. */
  stripped = g_strstrip (g_strdup (text != NULL ? text : ""));
  if (*stripped == '\0')
    {
      g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                           "The new text is empty");
      return 0;
    }

  return queue_request (self, message_ref, KOI_COI_TYPE_EDIT, text, error);
}

gint64
koi_syncer_queue_delete (KoiSyncer   *self,
                         gint64       message_ref,
                         GError     **error)
{
  g_autoptr (KoiStoreMessage) target = koi_store_message_get (self->store, message_ref, NULL);
  gint64 id = queue_request (self, message_ref, KOI_COI_TYPE_DELETE, NULL, error);

  /* Deleted for everyone: its own ciphertext is not sent again either. */
  if (id != 0 && target != NULL)
    koi_syncer_release_outgoing_cipher (self, target->message_id);
  return id;
}

gint64
koi_syncer_queue_reaction (KoiSyncer   *self,
                           gint64       message_ref,
                           const char  *emoji,
                           GError     **error)
{
  g_autofree char *reaction = g_strstrip (g_strdup (emoji != NULL ? emoji : ""));

  return queue_request (self, message_ref, KOI_COI_TYPE_REACTION, reaction, error);
}

gboolean
koi_syncer_delete_local (KoiSyncer   *self,
                         gint64       message_ref,
                         GError     **error)
{
  g_autoptr (KoiStoreMessage) target = get_target (self, message_ref, NULL, error);
  g_autoptr (GPtrArray) freed = NULL;

  if (target == NULL)
    return FALSE;
  if (!koi_store_message_hide (self->store, message_ref, error))
    return FALSE;
  /* Deleted here: its files go once no other message names them. */
  freed = koi_store_attachment_drop_message (self->store, message_ref, error);
  if (freed == NULL)
    return FALSE;
  koi_attachment_file_remove_unused (self->store, freed);
  /* A failed encrypted file message: nothing can retry it now. */
  koi_syncer_release_outgoing_cipher (self, target->message_id);

  koi_syncer_emit_message_updated (self, target->chat_id, message_ref);
  koi_syncer_emit_chat_updated (self, target->chat_id);
  return TRUE;
}
