/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-apply"

#include "config.h"

#include <string.h>

#include "koi-apply.h"
#include "koi-apply-autocrypt.h"
#include "koi-apply-group.h"
#include "koi-store-attachment.h"
#include "koi-contact-requests.h"
#include "koi-contacts.h"

void
koi_apply_changes_init (KoiApplyChanges *changes)
{
  changes->added = g_array_new (FALSE, FALSE, sizeof (KoiApplyChange));
  changes->updated = g_array_new (FALSE, FALSE, sizeof (KoiApplyChange));
  changes->chats = g_array_new (FALSE, FALSE, sizeof (gint64));
  changes->contacts = g_array_new (FALSE, FALSE, sizeof (gint64));
  changes->freed_files = g_ptr_array_new_with_free_func (g_free);
  changes->key_setup = FALSE;
}

void
koi_apply_changes_clear (KoiApplyChanges *changes)
{
  g_clear_pointer (&changes->added, g_array_unref);
  g_clear_pointer (&changes->updated, g_array_unref);
  g_clear_pointer (&changes->chats, g_array_unref);
  g_clear_pointer (&changes->contacts, g_array_unref);
  g_clear_pointer (&changes->freed_files, g_ptr_array_unref);
}

void
koi_apply_note_chat (KoiApplyChanges *changes,
                     gint64           chat_id)
{
  if (chat_id <= 0)
    return;

  for (guint i = 0; i < changes->chats->len; i++)
    if (g_array_index (changes->chats, gint64, i) == chat_id)
      return;
  g_array_append_val (changes->chats, chat_id);
}

static void
note_change (GArray *changes,
             gint64  chat_id,
             gint64  message_ref)
{
  KoiApplyChange change = { chat_id, message_ref };

  for (guint i = 0; i < changes->len; i++)
    if (g_array_index (changes, KoiApplyChange, i).message_ref == message_ref)
      return;
  g_array_append_val (changes, change);
}

/* The chat of mail whose sender Koi cannot tell (docs/WIRE.md). */
#define UNKNOWN_SENDER "unknown@invalid"

static gboolean
same_address (const char *a,
              const char *b)
{
  return a != NULL && b != NULL && g_ascii_strcasecmp (a, b) == 0;
}

/* Whether a mail From the user's own address was written by the user.
 * Koi cannot check a signature, so it goes by what only the user's own
 * devices write: a chat client's mail (Koi and Delta Chat put
 * Chat-Version on everything they send, including the copy to self that
 * the other devices learn it from), or a note to self (addressed to the
 * user alone). Anything else From the user, e.g. mail from outside that
 * forges their address into INBOX, is shown as incoming from an
 * unverified sender (docs/WIRE.md, "Who sent it"). What this device sent
 * never comes here: its Message-ID is in the store already. */
gboolean
koi_apply_is_own_mail (const KoiCoiParsed *parsed,
                       const char         *own_address)
{
  gboolean only_self = parsed->to->len + parsed->cc->len > 0;

  if (!same_address (parsed->from_address, own_address))
    return FALSE;
  if (parsed->kind == KOI_COI_KIND_CHAT)
    return TRUE;

  for (guint i = 0; only_self && i < parsed->to->len; i++)
    only_self = same_address (g_ptr_array_index (parsed->to, i), own_address);
  for (guint i = 0; only_self && i < parsed->cc->len; i++)
    only_self = same_address (g_ptr_array_index (parsed->cc, i), own_address);

  return only_self;
}

/* The 1:1 chat a visible mail belongs to, and whether this account sent it. */
static gint64
ensure_chat_for (KoiStore            *store,
                 gint64               account_id,
                 const char          *own_address,
                 const KoiCoiParsed  *parsed,
                 gboolean            *out_outgoing,
                 gboolean            *out_created,
                 GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  const char *peer = NULL;
  const char *peer_name = NULL;

  *out_outgoing = koi_apply_is_own_mail (parsed, own_address);

  if (same_address (parsed->from_address, own_address) && !*out_outgoing)
    peer = UNKNOWN_SENDER;   /* claims to be the user: never in a real chat */
  else if (*out_outgoing)
    {
      for (guint i = 0; peer == NULL && i < parsed->to->len; i++)
        if (!same_address (g_ptr_array_index (parsed->to, i), own_address))
          peer = g_ptr_array_index (parsed->to, i);
      for (guint i = 0; peer == NULL && i < parsed->cc->len; i++)
        if (!same_address (g_ptr_array_index (parsed->cc, i), own_address))
          peer = g_ptr_array_index (parsed->cc, i);
      if (peer == NULL)
        peer = own_address;   /* a note to self */
    }
  else
    {
      peer = parsed->from_address;
      peer_name = parsed->from_name;
    }

  /* No From (or several): still shown, in one place. */
  if (peer == NULL || *peer == '\0')
    peer = UNKNOWN_SENDER;

  /* Whether this mail starts the chat decides whether it is a contact
   * request (koi-contact-requests.c). */
  *out_created = koi_store_chat_find_by_peer (store, account_id, peer, &local_error) == 0;
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return 0;
    }
  return koi_store_chat_ensure_1to1 (store, account_id, peer, peer_name, error);
}

static char *
join_references (GPtrArray *references)
{
  g_autoptr(GString) joined = g_string_new (NULL);

  for (guint i = 0; i < references->len; i++)
    {
      if (i > 0)
        g_string_append_c (joined, ' ');
      g_string_append (joined, g_ptr_array_index (references, i));
    }

  return joined->len > 0 ? g_string_free (g_steal_pointer (&joined), FALSE) : NULL;
}

/* ------------------------------------------------------------------ */
/* Requests */

/* Applies one request to its stored target. Returns FALSE only on a store
 * error; a request that may not be applied (not the author, a receipt for
 * somebody else's message) is dropped, and logged. */
static gboolean
apply_request (KoiStore               *store,
               const KoiStoreRequest  *request,
               const KoiStoreMessage  *target,
               KoiApplyChanges        *changes,
               GError                **error)
{
  gboolean changed = FALSE;

  switch ((KoiCoiType) request->type)
    {
    case KOI_COI_TYPE_EDIT:
    case KOI_COI_TYPE_DELETE:
      if (!same_address (request->from_address, target->from_address))
        {
          g_message ("Ignoring a %s of <%s> from %s, who did not write it",
                     koi_coi_type_to_string (request->type), target->message_id,
                     request->from_address ? request->from_address : "nobody");
          break;
        }
      if (target->deleted)
        break;   /* deleted for everyone: an edit cannot bring it back */

      if (request->type == KOI_COI_TYPE_DELETE)
        {
          g_autoptr(GPtrArray) freed = NULL;

          if (!koi_store_message_mark_deleted (store, target->id, error))
            return FALSE;
          /* Its files go too, once no other message names them. */
          freed = koi_store_attachment_drop_message (store, target->id, error);
          if (freed == NULL)
            return FALSE;
          for (guint i = 0; i < freed->len; i++)
            g_ptr_array_add (changes->freed_files, g_strdup (freed->pdata[i]));
          changed = TRUE;
        }
      else
        {
          g_autoptr(KoiStoreMessage) edit = koi_store_message_get (store, request->request_ref, error);

          if (edit == NULL)
            return FALSE;
          if (!koi_store_message_apply_edit (store, target->id,
                                             request->payload != NULL ? request->payload : "",
                                             request->sent_at_ms, edit->message_id, &changed, error))
            return FALSE;
        }
      break;

    case KOI_COI_TYPE_REACTION:
      if (!koi_store_reaction_set (store, target->id, request->from_address, request->payload,
                                   request->sent_at_ms, &changed, error))
        return FALSE;
      break;

    case KOI_COI_TYPE_READ_RECEIPT:
      /* Only a receipt for what this account sent, from somebody else. */
      if (target->direction != KOI_STORE_DIRECTION_OUTGOING || request->from_address == NULL ||
          same_address (request->from_address, target->from_address))
        break;
      if (!koi_store_receipt_add (store, target->id, request->from_address, request->sent_at_ms, error))
        return FALSE;
      changed = TRUE;
      break;

    case KOI_COI_TYPE_DELIVERY_FAILURE:
      if (target->direction != KOI_STORE_DIRECTION_OUTGOING)
        break;
      if (!koi_store_message_set_state (store, target->id, KOI_STORE_STATE_FAILED,
                                        request->payload != NULL ? request->payload
                                                                 : "The recipient’s server returned the message",
                                        error))
        return FALSE;
      changed = TRUE;
      break;

    case KOI_COI_TYPE_CHAT:
    case KOI_COI_TYPE_EMAIL:
    case KOI_COI_TYPE_CONTACT:
    case KOI_COI_TYPE_GROUP_CHANGE:
    case KOI_COI_TYPE_AUTO_REPLY:
    case KOI_COI_TYPE_MAILING_LIST:
    default:
      break;
    }

  if (!koi_store_request_set_applied (store, request->id, error))
    return FALSE;

  if (changed)
    {
      note_change (changes->updated, target->chat_id, target->id);
      /* The preview or the failed tick in the chat list may show it. */
      koi_apply_note_chat (changes, target->chat_id);
    }
  return TRUE;
}

gboolean
koi_apply_waiting (KoiStore         *store,
                   gint64            account_id,
                   gint64            message_ref,
                   const char       *message_id,
                   KoiApplyChanges  *changes,
                   GError          **error)
{
  g_autoptr(GPtrArray) waiting = NULL;

  waiting = koi_store_request_list_waiting (store, account_id, message_id, error);
  if (waiting == NULL)
    return FALSE;

  for (guint i = 0; i < waiting->len; i++)
    {
      /* Read again for every request: the one before may have changed it. */
      g_autoptr(KoiStoreMessage) target = koi_store_message_get (store, message_ref, error);

      if (target == NULL || !apply_request (store, g_ptr_array_index (waiting, i), target, changes, error))
        return FALSE;
    }

  return TRUE;
}

/* What the request carries for its target. */
static const char *
request_payload (const KoiCoiParsed *parsed)
{
  switch (parsed->type)
    {
    case KOI_COI_TYPE_EDIT:
      return parsed->text;
    case KOI_COI_TYPE_REACTION:
      return parsed->reaction != NULL ? parsed->reaction : "";
    case KOI_COI_TYPE_DELIVERY_FAILURE:
      return parsed->failure_text;
    default:
      return NULL;
    }
}

static gboolean
record_requests (KoiStore           *store,
                 gint64              account_id,
                 gint64              request_ref,
                 const KoiCoiParsed *parsed,
                 KoiApplyChanges    *changes,
                 GError            **error)
{
  for (guint i = 0; i < parsed->target_ids->len; i++)
    {
      const char *target_id = g_ptr_array_index (parsed->target_ids, i);
      KoiStoreRequest request = { 0, };
      gint64 target_ref;
      gint64 request_id = 0;

      request.account_id = account_id;
      request.request_ref = request_ref;
      request.type = parsed->type;
      request.target_message_id = (char *) target_id;
      request.from_address = parsed->from_address;
      request.payload = (char *) request_payload (parsed);
      request.sent_at_ms = parsed->date_ms;

      if (!koi_store_request_add (store, &request, &request_id, error))
        return FALSE;
      if (request_id == 0)
        continue;   /* recorded by an earlier pass */

      target_ref = koi_store_message_find (store, account_id, target_id, error);
      if (target_ref == 0)
        {
          if (error != NULL && *error != NULL)
            return FALSE;
          continue;   /* waits for its target */
        }

      if (!koi_apply_waiting (store, account_id, target_ref, target_id, changes, error))
        return FALSE;
    }

  return TRUE;
}

gboolean
koi_apply_own_request (KoiStore           *store,
                       gint64              account_id,
                       gint64              request_ref,
                       const KoiCoiParsed *parsed,
                       KoiApplyChanges    *changes,
                       GError            **error)
{
  g_return_val_if_fail (koi_coi_type_is_hidden (parsed->type), FALSE);

  return record_requests (store, account_id, request_ref, parsed, changes, error);
}

/* ------------------------------------------------------------------ */

gint64
koi_apply_mail (KoiStore           *store,
                gint64              account_id,
                const char         *own_address,
                const KoiCoiParsed *parsed,
                gboolean            seen,
                KoiApplyChanges    *changes,
                GError            **error)
{
  g_autofree char *references = NULL;
  g_autofree char *unverified_text = NULL;
  KoiStoreMessage row = { 0, };
  gboolean outgoing = koi_apply_is_own_mail (parsed, own_address);
  gboolean hidden = koi_coi_type_is_hidden (parsed->type);
  /* Mail from a blocked sender stays on the server but is never shown, so
   * it never notifies and never gets a read receipt either. */
  gboolean blocked = !outgoing && !hidden &&
                     koi_store_contact_is_blocked (store, account_id, parsed->from_address);
  gboolean inserted = FALSE;
  gboolean group_created = FALSE;
  gboolean chat_created = FALSE;
  gint64 group_chat_id = 0;
  gint64 chat_id = 0;
  gint64 id;

  if (blocked)
    hidden = TRUE;

  if (!hidden)
    {
      g_autoptr(GError) group_error = NULL;

      group_chat_id = koi_apply_group_route (store, account_id, parsed, &group_created, &group_error);
      if (group_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&group_error));
          return 0;
        }
      chat_id = group_chat_id != 0
        ? group_chat_id
        : ensure_chat_for (store, account_id, own_address, parsed, &outgoing, &chat_created, error);
      if (chat_id == 0)
        return 0;
    }

  references = join_references (parsed->references);

  row.account_id = account_id;
  row.chat_id = chat_id;
  row.message_id = parsed->message_id;
  row.direction = outgoing ? KOI_STORE_DIRECTION_OUTGOING : KOI_STORE_DIRECTION_INCOMING;
  row.state = outgoing ? KOI_STORE_STATE_SENT : KOI_STORE_STATE_RECEIVED;
  row.kind = parsed->kind == KOI_COI_KIND_CHAT ? KOI_STORE_KIND_CHAT : KOI_STORE_KIND_EMAIL;
  row.type = parsed->type;
  row.from_address = parsed->from_address;
  row.from_name = parsed->from_name;
  row.in_reply_to = parsed->in_reply_to;
  row.references = references;
  row.sent_at_ms = parsed->date_ms;
  row.received_at_ms = g_get_real_time () / 1000;
  /* A hidden mail is never unread: it is not a message to read. */
  row.seen = seen || outgoing || hidden;
  row.encrypted = parsed->encrypted;
  row.signature = parsed->signature;

  /* Claims to be the user's own and is not: a warning comes first. */
  if (!hidden && !outgoing && same_address (parsed->from_address, own_address))
    unverified_text = koi_coi_warned_text (parsed->text, KOI_COI_WARNING_UNVERIFIED_SELF, NULL);

  /* Blocked mail keeps its text, out of sight: unblocking shows it
   * (koi_store_message_reveal_blocked). */
  if (!hidden || blocked)
    {
      row.subject = parsed->subject;
      row.text = unverified_text != NULL ? unverified_text : parsed->text;
      row.full_text = g_strcmp0 (parsed->full_text, parsed->text) != 0 ? parsed->full_text : NULL;
    }

  id = koi_store_message_insert (store, &row, &inserted, error);
  if (id == 0 || !inserted)
    return id;

  if (blocked)
    return id;

  /* Every new mail may carry its sender's key, a hidden one too. Its time
   * is the store's sort time: the Date, never later than its arrival. */
  if (!outgoing &&
      !koi_apply_autocrypt (store, account_id, own_address, parsed,
                            parsed->date_ms > 0 ? MIN (parsed->date_ms, row.received_at_ms)
                                                : row.received_at_ms,
                            changes, error))
    return 0;
  if (outgoing &&
      !koi_apply_autocrypt_own (store, account_id, own_address, parsed,
                                parsed->date_ms > 0 ? MIN (parsed->date_ms, row.received_at_ms)
                                                    : row.received_at_ms,
                                error))
    return 0;

  if (hidden)
    {
      if (parsed->type == KOI_COI_TYPE_CONTACT &&
          !koi_contacts_apply_card (store, account_id, own_address, parsed, id, changes, error))
        return 0;
      if (!record_requests (store, account_id, id, parsed, changes, error))
        return 0;
      /* No chat shows it: the window points to it by itself. */
      if (parsed->type == KOI_COI_TYPE_KEY_SETUP)
        changes->key_setup = TRUE;
      return id;
    }

  if (group_chat_id != 0 &&
      !koi_apply_group_effects (store, own_address, group_chat_id, group_created, id, parsed,
                                changes, error))
    return 0;

  note_change (changes->added, chat_id, id);
  koi_apply_note_chat (changes, chat_id);

  if (!koi_contact_requests_note_mail (store, account_id, chat_id,
                                       group_chat_id != 0 ? group_created : chat_created,
                                       outgoing, parsed->from_address, error))
    return 0;

  /* A receipt is owed only to the sender's own address (WIRE.md): a
   * request naming anyone else would make Koi tell a third party what
   * the user read. It waits until the user sees the message (in a
   * contact request: until the user accepts it, koi_syncer_answer_request). */
  if (!outgoing && !row.seen && parsed->kind == KOI_COI_KIND_CHAT &&
      parsed->read_receipt_to != NULL && same_address (parsed->read_receipt_to, parsed->from_address) &&
      !koi_store_receipt_request_add (store, account_id, id, error))
    return 0;

  /* Requests that came before their target (another device, another
   * folder, another order) take effect now. */
  if (!koi_apply_waiting (store, account_id, id, parsed->message_id, changes, error))
    return 0;

  return id;
}
