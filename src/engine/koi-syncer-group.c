/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-syncer"

#include "config.h"

#include <string.h>

#include "koi-apply-group.h"
#include "koi-coi.h"
#include "koi-coi-attachment.h"
#include "koi-coi-gmime.h"
#include "koi-engine-error.h"
#include "koi-store-attachment.h"
#include "koi-store-group.h"
#include "koi-syncer-group.h"
#include "koi-syncer-private.h"

/* Group names are one line, and short enough for a Subject. */
#define MAX_NAME_CHARS 200

typedef struct {
  KoiCoiGroupAction  action;
  const char        *text;
  const char        *name;       /* created / renamed: the name */
  const char        *address;    /* added / removed */
  GPtrArray         *founders;   /* created: the members, without the user */
  /* text: the message it answers with a quote (Message-ID, its text) */
  const char        *quote_id;
  const char        *quote_text;
  /* text: a file sent with it (@text its caption), or NULL */
  const KoiStoreAttachment *file;
} GroupChange;

static gboolean
is_self (KoiSyncer  *self,
         const char *address)
{
  return address != NULL && g_ascii_strcasecmp (address, self->account->address) == 0;
}

static char *
check_name (const char  *name,
            GError     **error)
{
  g_autofree char *clean = NULL;

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                           "The group needs a name");
      return NULL;
    }
  clean = g_strstrip (g_strdup (name));
  for (char *p = clean; *p != '\0'; p++)
    if (*p == '\r' || *p == '\n' || *p == '\t')
      *p = ' ';
  if (*clean == '\0' || g_utf8_strlen (clean, -1) > MAX_NAME_CHARS)
    {
      g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                   "A group name has 1 to %d characters", MAX_NAME_CHARS);
      return NULL;
    }
  return g_steal_pointer (&clean);
}

static char *
check_address (const char  *address,
               GError     **error)
{
  if (!koi_address_is_valid (address))
    {
      g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                   "“%s” is not an email address", address ? address : "");
      return NULL;
    }
  return g_ascii_strdown (address, -1);
}

static gboolean
has_content (const char *text)
{
  for (const char *p = text; p != NULL && *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      return TRUE;
  return FALSE;
}

static gboolean
contains_address (GPtrArray  *addresses,
                  const char *address)
{
  for (guint i = 0; i < addresses->len; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (addresses, i), address) == 0)
      return TRUE;
  return FALSE;
}

/* Builds the change as a group message, stores it in the outbox for every
 * member (and the user's own address) and applies it here the way it is
 * applied when it arrives. @chat NULL: a new group. */
static gint64
queue_change (KoiSyncer           *self,
              const KoiStoreChat  *chat,
              const char          *group_id,
              const GroupChange   *change,
              gint64              *out_chat_id,
              GError             **error)
{
  g_autoptr (GPtrArray) members = NULL;
  g_autoptr (GPtrArray) to = g_ptr_array_new ();
  g_autoptr (GPtrArray) recipients = g_ptr_array_new ();
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GBytes) tail = NULL;
  g_autoptr (KoiCoiParsed) parsed = NULL;
  KoiSyncerCrypto crypto_state;
  KoiSyncerCrypto sent_crypto = { FALSE, FALSE, 0 };
  g_autofree char *thread_root = NULL;
  g_autofree char *thread_last = NULL;
  g_autofree char *thread_references = NULL;
  const char *references[] = { NULL, NULL, NULL };
  KoiCoiGroupOutgoing out = { 0, };
  g_autoptr (GBytes) own_key = NULL;
  KoiStoreMessage row = { 0, };
  KoiApplyChanges changes;
  gboolean created = FALSE;
  gint64 now_ms = g_get_real_time () / 1000;
  gint64 date_ms = now_ms - now_ms % 1000;
  gint64 chat_id = 0;
  gint64 id = 0;

  if (chat != NULL)
    {
      KoiStoreGroupMemberState own_state;

      if (!koi_store_group_member_state (self->store, chat->id, self->account->address,
                                         &own_state, error))
        return 0;
      if (own_state != KOI_STORE_GROUP_MEMBER_PRESENT)
        {
          g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                               "You are no longer a member of this group");
          return 0;
        }
      members = koi_store_chat_list_members (self->store, chat->id, error);
      if (members == NULL)
        return 0;
      if (change->action != KOI_COI_GROUP_TEXT)
        {
          /* Changes are ordered by their Date in whole seconds: a second
           * change within the same second must still come after the first. */
          gint64 last_ms = koi_store_group_last_change_ms (self->store, chat->id, error);

          if (last_ms < 0)
            return 0;
          if (date_ms <= last_ms)
            date_ms = last_ms - last_ms % 1000 + 1000;
        }
      if (!koi_store_chat_thread_ends (self->store, chat->id, &thread_root, &thread_last, error))
        return 0;
    }
  else
    members = g_ptr_array_ref (change->founders);

  /* A reply with a quote answers the quoted message, in the same thread. */
  if (change->quote_id != NULL && koi_coi_message_id_is_sendable (change->quote_id))
    {
      g_free (thread_last);
      thread_last = g_strdup (change->quote_id);
      if (thread_root == NULL)
        thread_root = g_strdup (thread_last);
    }

  /* Reply-all: every member but the user; an added member too, who is
   * not a member until this message is applied. */
  for (guint i = 0; i < members->len; i++)
    if (!is_self (self, g_ptr_array_index (members, i)))
      g_ptr_array_add (to, g_ptr_array_index (members, i));
  if (change->action == KOI_COI_GROUP_ADDED && !contains_address (to, change->address))
    g_ptr_array_add (to, (gpointer) change->address);
  /* Alone in the group: the message still goes to the user's devices. */
  if (to->len == 0)
    g_ptr_array_add (to, self->account->address);
  g_ptr_array_add (to, NULL);

  out.base.from_address = self->account->address;
  out.base.from_name = self->account->display_name;
  out.base.to = (const char * const *) to->pdata;
  out.base.text = change->text;
  out.base.quote = change->quote_text;
  out.base.date_ms = date_ms;
  references[0] = thread_root;
  references[1] = thread_last;
  out.base.in_reply_to = thread_last;
  out.base.references = thread_root != NULL ? references : NULL;
  out.group_id = group_id;
  out.name = change->name != NULL ? change->name
                                  : (chat->name != NULL ? chat->name : group_id);
  out.old_name = chat != NULL ? chat->name : NULL;
  if (change->action == KOI_COI_GROUP_RENAMED && out.old_name == NULL)
    out.old_name = group_id;
  out.action = change->action;
  out.address = change->address;

  {
    g_autoptr (GError) build_error = NULL;

    /* What the builder refuses is the user's input: "invalid" to callers. */
    own_key = koi_syncer_own_autocrypt (self);
    out.base.autocrypt_keydata = own_key;
    message = koi_coi_build_group_message (&out, &build_error);
    if (message == NULL)
      {
        g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID, build_error->message);
        return 0;
      }
  }
  raw = koi_coi_message_to_bytes (message);
  /* Read back exactly as a member's device will read it. */
  parsed = koi_syncer_parse (self, raw, 0, 0, &crypto_state, error);
  if (parsed == NULL)
    return 0;

  if (thread_root != NULL)
    thread_references = g_strcmp0 (thread_root, thread_last) == 0
      ? g_strdup (thread_root) : g_strjoin (" ", thread_root, thread_last, NULL);

  for (guint i = 0; to->pdata[i] != NULL; i++)
    g_ptr_array_add (recipients, to->pdata[i]);
  if (!contains_address (recipients, self->account->address))
    g_ptr_array_add (recipients, self->account->address);
  g_ptr_array_add (recipients, NULL);

  if (change->file != NULL)
    {
      /* A file: multipart/mixed, the text then the file, whose body is
       * streamed from the attachment folder when sent, as in a 1:1 chat
       * (koi-syncer-send-file.c). The group headers read back above are
       * the same. Encrypted when every member's key is known. */
      g_autoptr (GMimeMultipart) mixed = g_mime_multipart_new_with_subtype ("mixed");
      g_autoptr (GMimePart) part = koi_coi_file_part_new (change->file->filename,
                                                          change->file->mime_type,
                                                          change->file->size);

      g_mime_multipart_add (mixed, g_mime_message_get_mime_part (message));
      g_mime_multipart_add (mixed, GMIME_OBJECT (part));
      g_mime_message_set_mime_part (message, GMIME_OBJECT (mixed));
      g_clear_pointer (&raw, g_bytes_unref);
      if (!koi_syncer_encrypt_file_message (self, message, (const char * const *) recipients->pdata,
                                            change->file, &raw, &tail, &sent_crypto.encrypted,
                                            error))
        return 0;
      if (!sent_crypto.encrypted && !koi_coi_split_file_message (message, &raw, &tail, error))
        return 0;
    }
  /* Encrypted when every member's key is known (koi-syncer-encrypt.c). */
  else
    {
      if (!koi_syncer_encrypt_outgoing (self, message, (const char * const *) recipients->pdata,
                                        &sent_crypto.encrypted, error))
        return 0;
      if (sent_crypto.encrypted)
        {
          g_bytes_unref (raw);
          raw = koi_coi_message_to_bytes (message);
        }
    }

  koi_apply_changes_init (&changes);
  if (!koi_store_begin (self->store, error))
    goto out;

  chat_id = koi_apply_group_route (self->store, self->account->id, parsed, &created, error);
  if (chat_id == 0)
    goto fail;

  row.account_id = self->account->id;
  row.chat_id = chat_id;
  row.message_id = parsed->message_id;
  row.kind = KOI_STORE_KIND_CHAT;
  row.type = parsed->type;
  row.from_address = self->account->address;
  row.from_name = self->account->display_name;
  row.subject = parsed->subject;
  row.text = (char *) change->text;
  /* The quote stays in the whole text, as in a received reply: that is how
   * the reply is known as one (koi_store_message_quoted_id). */
  if (change->quote_id != NULL && g_strcmp0 (parsed->full_text, parsed->text) != 0)
    row.full_text = parsed->full_text;
  row.in_reply_to = thread_last;
  row.references = thread_references;
  row.sent_at_ms = date_ms;
  row.received_at_ms = now_ms;
  row.sort_ms = date_ms;
  row.seen = TRUE;

  if (change->file != NULL)
    id = koi_store_outbox_enqueue_with_file (self->store, &row, raw, tail, change->file,
                                             (const char * const *) recipients->pdata, error);
  else
    id = koi_store_outbox_enqueue (self->store, &row, raw, (const char * const *) recipients->pdata,
                                   error);
  if (id == 0 ||
      !koi_syncer_record_crypto (self, id, &sent_crypto, error) ||
      !koi_apply_group_effects (self->store, self->account->address, chat_id, created, id, parsed,
                                &changes, error) ||
      !koi_store_commit (self->store, error))
    goto fail;

  koi_syncer_emit_message_added (self, chat_id, id);
  koi_syncer_emit_chat_updated (self, chat_id);
  if (out_chat_id != NULL)
    *out_chat_id = chat_id;
  goto out;

fail:
  koi_store_rollback (self->store);
  id = 0;
out:
  koi_apply_changes_clear (&changes);
  return id;
}

/* The group chat @chat_id of this account, or NULL + KOI_ENGINE_ERROR_INVALID. */
static KoiStoreChat *
get_group (KoiSyncer  *self,
           gint64      chat_id,
           GError    **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (KoiStoreChat) chat = koi_store_chat_get (self->store, chat_id, &local_error);

  if (chat == NULL && !g_error_matches (local_error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (chat == NULL || chat->account_id != self->account->id ||
      chat->kind != KOI_STORE_CHAT_GROUP || chat->group_id == NULL)
    {
      g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                   "There is no group chat %" G_GINT64_FORMAT, chat_id);
      return NULL;
    }
  return g_steal_pointer (&chat);
}

gint64
koi_syncer_create_group (KoiSyncer           *self,
                         const char          *name,
                         const char * const  *addresses,
                         gint64              *out_chat_id,
                         GError             **error)
{
  g_autoptr (GPtrArray) founders = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *clean_name = check_name (name, error);
  g_autofree char *group_id = NULL;
  g_autofree char *text = NULL;
  GroupChange change = { KOI_COI_GROUP_CREATED, };

  if (clean_name == NULL)
    return 0;
  for (guint i = 0; addresses != NULL && addresses[i] != NULL; i++)
    {
      g_autofree char *address = check_address (addresses[i], error);

      if (address == NULL)
        return 0;
      if (!is_self (self, address) && !contains_address (founders, address))
        g_ptr_array_add (founders, g_steal_pointer (&address));
    }
  if (founders->len == 0)
    {
      g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                           "A group needs at least one other member");
      return 0;
    }

  group_id = koi_coi_generate_group_id ();
  /* For Delta Chat and email programs: Koi shows its own info line. */
  text = g_strdup_printf ("I created the group “%s”.", clean_name);
  change.text = text;
  change.name = clean_name;
  change.founders = founders;
  return queue_change (self, NULL, group_id, &change, out_chat_id, error);
}

gint64
koi_syncer_group_rename (KoiSyncer   *self,
                         gint64       chat_id,
                         const char  *name,
                         GError     **error)
{
  g_autoptr (KoiStoreChat) chat = get_group (self, chat_id, error);
  g_autofree char *clean_name = NULL;
  g_autofree char *text = NULL;
  GroupChange change = { KOI_COI_GROUP_RENAMED, };

  if (chat == NULL || (clean_name = check_name (name, error)) == NULL)
    return 0;
  text = g_strdup_printf ("I renamed the group to “%s”.", clean_name);
  change.text = text;
  change.name = clean_name;
  return queue_change (self, chat, chat->group_id, &change, NULL, error);
}

static gint64
change_member (KoiSyncer         *self,
               gint64             chat_id,
               const char        *address,
               KoiCoiGroupAction  action,
               GError           **error)
{
  g_autoptr (KoiStoreChat) chat = get_group (self, chat_id, error);
  g_autofree char *clean = NULL;
  g_autofree char *text = NULL;
  KoiStoreGroupMemberState state;
  GroupChange change = { action, };

  if (chat == NULL || (clean = check_address (address, error)) == NULL)
    return 0;
  if (is_self (self, clean))
    {
      g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                           action == KOI_COI_GROUP_ADDED ? "You are in the group already"
                                                         : "To leave the group, use leave");
      return 0;
    }
  if (!koi_store_group_member_state (self->store, chat_id, clean, &state, error))
    return 0;
  if (action == KOI_COI_GROUP_ADDED && state == KOI_STORE_GROUP_MEMBER_PRESENT)
    {
      g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                   "%s is a member already", clean);
      return 0;
    }
  if (action == KOI_COI_GROUP_REMOVED && state != KOI_STORE_GROUP_MEMBER_PRESENT)
    {
      g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                   "%s is not a member", clean);
      return 0;
    }

  text = action == KOI_COI_GROUP_ADDED
    ? g_strdup_printf ("I added %s to the group.", clean)
    : g_strdup_printf ("I removed %s from the group.", clean);
  change.text = text;
  change.address = clean;
  return queue_change (self, chat, chat->group_id, &change, NULL, error);
}

gint64
koi_syncer_group_add_member (KoiSyncer   *self,
                             gint64       chat_id,
                             const char  *address,
                             GError     **error)
{
  return change_member (self, chat_id, address, KOI_COI_GROUP_ADDED, error);
}

gint64
koi_syncer_group_remove_member (KoiSyncer   *self,
                                gint64       chat_id,
                                const char  *address,
                                GError     **error)
{
  return change_member (self, chat_id, address, KOI_COI_GROUP_REMOVED, error);
}

gint64
koi_syncer_group_leave (KoiSyncer  *self,
                        gint64      chat_id,
                        GError    **error)
{
  g_autoptr (KoiStoreChat) chat = get_group (self, chat_id, error);
  GroupChange change = { KOI_COI_GROUP_LEFT, };

  if (chat == NULL)
    return 0;
  change.text = "I left the group.";
  return queue_change (self, chat, chat->group_id, &change, NULL, error);
}

gint64
koi_syncer_queue_group_text (KoiSyncer                *self,
                             gint64                    chat_id,
                             const char               *text,
                             gint64                    reply_to_ref,
                             const KoiStoreAttachment *file,
                             GError                  **error)
{
  g_autoptr (KoiStoreChat) chat = get_group (self, chat_id, error);
  g_autoptr (KoiStoreMessage) quoted = NULL;
  GroupChange change = { KOI_COI_GROUP_TEXT, };

  if (chat == NULL)
    return 0;
  if (!has_content (text))
    {
      g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                           "The message is empty");
      return 0;
    }
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
      change.quote_id = quoted->message_id;
      change.quote_text = quoted->text;
    }
  change.text = text;
  change.file = file;
  return queue_change (self, chat, chat->group_id, &change, NULL, error);
}

GPtrArray *
koi_syncer_group_recipients (KoiSyncer  *self,
                             gint64      chat_id,
                             GError    **error)
{
  g_autoptr (GPtrArray) members = koi_store_chat_list_members (self->store, chat_id, error);
  GPtrArray *to;

  if (members == NULL)
    return NULL;
  to = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < members->len; i++)
    if (!is_self (self, g_ptr_array_index (members, i)))
      g_ptr_array_add (to, g_strdup (g_ptr_array_index (members, i)));
  if (to->len == 0)
    g_ptr_array_add (to, g_strdup (self->account->address));
  return to;
}
