/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-message"

#include "config.h"

#include <gio/gio.h>

#include "koi-attachment.h"
#include "koi-message.h"
#include "koi-message-extras.h"

struct _KoiMessage
{
  GObject              parent_instance;

  gint64               id;
  gint64               chat_id;
  char                *message_id;
  char                *text;
  char                *full_text;
  char                *subject;
  char                *from_address;
  char                *from_name;
  char                *failure_reason;
  gint64               timestamp;
  KoiMessageDirection  direction;
  KoiMessageState      state;
  KoiMessageKind       kind;
  gboolean             loaded;
  gboolean             edited;
  gboolean             deleted;
  guint                read_count;
  char                *read_by;
  /* Groups: fixed once the message is stored, so no notify. */
  int                  group_info;
  char                *group_info_arg;
  gboolean             not_member;
  GListStore          *attachments; /* KoiAttachment, never NULL */

  /* The store's forms (KoiStoreMessage); koi-message-extras.h reads them. */
  char                *reactions;
  char                *quote;

  gboolean             encrypted;
  KoiMessageSignature  signature;
};

G_DEFINE_FINAL_TYPE (KoiMessage, koi_message, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (KoiMessageDirection, koi_message_direction,
  G_DEFINE_ENUM_VALUE (KOI_MESSAGE_INCOMING, "incoming"),
  G_DEFINE_ENUM_VALUE (KOI_MESSAGE_OUTGOING, "outgoing"))

G_DEFINE_ENUM_TYPE (KoiMessageState, koi_message_state,
  G_DEFINE_ENUM_VALUE (KOI_MESSAGE_RECEIVED, "received"),
  G_DEFINE_ENUM_VALUE (KOI_MESSAGE_QUEUED, "queued"),
  G_DEFINE_ENUM_VALUE (KOI_MESSAGE_SENDING, "sending"),
  G_DEFINE_ENUM_VALUE (KOI_MESSAGE_SENT, "sent"),
  G_DEFINE_ENUM_VALUE (KOI_MESSAGE_FAILED, "failed"))

G_STATIC_ASSERT ((int) KOI_MESSAGE_SIGNATURE_VALID == KOI_STORE_SIGNATURE_VALID);
G_STATIC_ASSERT ((int) KOI_MESSAGE_SIGNATURE_UNKNOWN == KOI_STORE_SIGNATURE_UNKNOWN);

G_DEFINE_ENUM_TYPE (KoiMessageSignature, koi_message_signature,
  G_DEFINE_ENUM_VALUE (KOI_MESSAGE_SIGNATURE_NONE, "none"),
  G_DEFINE_ENUM_VALUE (KOI_MESSAGE_SIGNATURE_VALID, "valid"),
  G_DEFINE_ENUM_VALUE (KOI_MESSAGE_SIGNATURE_BAD, "bad"),
  G_DEFINE_ENUM_VALUE (KOI_MESSAGE_SIGNATURE_UNKNOWN, "unknown"))

G_DEFINE_ENUM_TYPE (KoiMessageKind, koi_message_kind,
  G_DEFINE_ENUM_VALUE (KOI_MESSAGE_CHAT, "chat"),
  G_DEFINE_ENUM_VALUE (KOI_MESSAGE_EMAIL, "email"))

enum {
  PROP_0,
  PROP_ID,
  PROP_CHAT_ID,
  PROP_MESSAGE_ID,
  PROP_TEXT,
  PROP_FULL_TEXT,
  PROP_SUBJECT,
  PROP_FROM_ADDRESS,
  PROP_FROM_NAME,
  PROP_DIRECTION,
  PROP_STATE,
  PROP_KIND,
  PROP_TIMESTAMP,
  PROP_FAILURE_REASON,
  PROP_LOADED,
  PROP_EDITED,
  PROP_DELETED,
  PROP_READ,
  PROP_READ_COUNT,
  PROP_READ_BY,
  PROP_REACTIONS,
  PROP_QUOTE,
  PROP_ENCRYPTED,
  PROP_SIGNATURE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_string (KoiMessage  *self,
            char       **field,
            const char  *value,
            guint        prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
set_string_take (KoiMessage  *self,
                 char       **field,
                 char        *value,
                 guint        prop_id)
{
  set_string (self, field, value, prop_id);
  g_free (value);
}

static void
set_int64 (KoiMessage *self,
           gint64     *field,
           gint64      value,
           guint       prop_id)
{
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

/* Store values outside the known ranges (a newer Koi wrote them) fall back
 * to the neutral value rather than becoming invalid enum values. */
static KoiMessageState
state_from_store (int state)
{
  if (state < KOI_MESSAGE_RECEIVED || state > KOI_MESSAGE_FAILED)
    return KOI_MESSAGE_RECEIVED;
  return state;
}

KoiMessage *
koi_message_new_placeholder (void)
{
  return g_object_new (KOI_TYPE_MESSAGE, NULL);
}

KoiMessage *
koi_message_new_from_store (const KoiStoreMessage *message)
{
  KoiMessage *self = koi_message_new_placeholder ();

  koi_message_update_from_store (self, message);
  return self;
}

/* The same files (a download moved on) are updated in place, so a bubble
 * bound to one keeps it; anything else replaces the list. */
static void
update_attachments (KoiMessage *self,
                    GPtrArray  *rows)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->attachments));
  guint n_rows = rows != NULL ? rows->len : 0;
  gboolean same = n == n_rows;
  g_autoptr (GPtrArray) fresh = NULL;

  for (guint i = 0; same && i < n; i++)
    {
      g_autoptr (KoiAttachment) item = g_list_model_get_item (G_LIST_MODEL (self->attachments), i);
      const KoiStoreAttachment *row = rows->pdata[i];

      same = koi_attachment_get_id (item) == row->id;
    }
  if (same)
    {
      for (guint i = 0; i < n; i++)
        {
          g_autoptr (KoiAttachment) item = g_list_model_get_item (G_LIST_MODEL (self->attachments), i);

          koi_attachment_update_from_store (item, rows->pdata[i]);
        }
      return;
    }

  fresh = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n_rows; i++)
    g_ptr_array_add (fresh, koi_attachment_new_from_store (rows->pdata[i]));
  g_list_store_splice (self->attachments, 0, n, fresh->pdata, fresh->len);
}

void
koi_message_update_from_store (KoiMessage            *self,
                               const KoiStoreMessage *message)
{
  KoiMessageDirection direction;
  KoiMessageKind kind;

  g_return_if_fail (KOI_IS_MESSAGE (self));
  g_return_if_fail (message != NULL);

  direction = message->direction == KOI_STORE_DIRECTION_OUTGOING
    ? KOI_MESSAGE_OUTGOING : KOI_MESSAGE_INCOMING;
  kind = message->kind == KOI_STORE_KIND_EMAIL ? KOI_MESSAGE_EMAIL : KOI_MESSAGE_CHAT;

  g_object_freeze_notify (G_OBJECT (self));

  set_int64 (self, &self->id, message->id, PROP_ID);
  set_int64 (self, &self->chat_id, message->chat_id, PROP_CHAT_ID);
  set_string (self, &self->message_id, message->message_id, PROP_MESSAGE_ID);
  set_string (self, &self->text, message->text, PROP_TEXT);
  set_string (self, &self->full_text, message->full_text, PROP_FULL_TEXT);
  set_string (self, &self->subject, message->subject, PROP_SUBJECT);
  set_string (self, &self->from_address, message->from_address, PROP_FROM_ADDRESS);
  set_string (self, &self->from_name, message->from_name, PROP_FROM_NAME);
  set_string (self, &self->failure_reason, message->failure_reason, PROP_FAILURE_REASON);
  set_int64 (self, &self->timestamp, message->sort_ms, PROP_TIMESTAMP);

  if (self->direction != direction)
    {
      self->direction = direction;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRECTION]);
    }
  if (self->kind != kind)
    {
      self->kind = kind;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
    }
  koi_message_set_state (self, state_from_store (message->state));
  if (self->edited != (message->edited_at_ms > 0))
    {
      self->edited = message->edited_at_ms > 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EDITED]);
    }
  if (self->deleted != message->deleted)
    {
      self->deleted = message->deleted;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DELETED]);
    }

  set_string (self, &self->read_by, message->read_by, PROP_READ_BY);
  set_string (self, &self->reactions, message->reactions, PROP_REACTIONS);
  if (message->quote == NULL && koi_store_message_quoted_id (message) != NULL)
    {
      /* The original is not stored (yet): the quote in the text is all
       * there is, and there is nothing to jump to. */
      g_autofree char *line = koi_quote_first_line (message->full_text);

      set_string_take (self, &self->quote, g_strdup_printf ("0\0370\0370\037\037%s", line), PROP_QUOTE);
    }
  else
    set_string (self, &self->quote, message->quote, PROP_QUOTE);
  if (self->read_count != message->read_count)
    {
      gboolean was_read = self->read_count > 0;

      self->read_count = message->read_count;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READ_COUNT]);
      if (was_read != (self->read_count > 0))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READ]);
    }
  self->group_info = message->group_info;
  g_free (self->group_info_arg);
  self->group_info_arg = g_strdup (message->group_info_arg);
  self->not_member = message->not_member;
  update_attachments (self, message->attachments);
  if (self->encrypted != message->encrypted)
    {
      self->encrypted = message->encrypted;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENCRYPTED]);
    }
  if ((int) self->signature != message->signature)
    {
      /* The same numbers as KoiStoreSignature. */
      self->signature = (KoiMessageSignature) message->signature;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNATURE]);
    }

  /* Last, so a row that waits for "loaded" sees every field already set. */
  if (!self->loaded)
    {
      self->loaded = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

const char *
koi_message_get_reactions (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), NULL);

  return self->reactions;
}

gboolean
koi_message_get_encrypted (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), FALSE);
  return self->encrypted;
}

KoiMessageSignature
koi_message_get_signature (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), KOI_MESSAGE_SIGNATURE_NONE);
  return self->signature;
}

const char *
koi_message_get_quote (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), NULL);

  return self->quote;
}

int
koi_message_get_group_info (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), 0);

  return self->group_info;
}

const char *
koi_message_get_group_info_arg (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), NULL);

  return self->group_info_arg;
}

gboolean
koi_message_get_not_member (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), FALSE);

  return self->not_member;
}

void
koi_message_set_state (KoiMessage      *self,
                       KoiMessageState  state)
{
  g_return_if_fail (KOI_IS_MESSAGE (self));

  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

void
koi_message_set_failure_reason (KoiMessage *self,
                                const char *failure_reason)
{
  g_return_if_fail (KOI_IS_MESSAGE (self));

  set_string (self, &self->failure_reason, failure_reason, PROP_FAILURE_REASON);
}

gint64
koi_message_get_id (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), 0);
  return self->id;
}

gint64
koi_message_get_chat_id (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), 0);
  return self->chat_id;
}

const char *
koi_message_get_message_id (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), NULL);
  return self->message_id;
}

gboolean
koi_message_get_edited (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), FALSE);
  return self->edited;
}

gboolean
koi_message_get_read (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), FALSE);
  return self->read_count > 0;
}

GListModel *
koi_message_get_attachments (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), NULL);
  return G_LIST_MODEL (self->attachments);
}

const char *
koi_message_get_read_by (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), NULL);
  return self->read_by;
}

guint
koi_message_get_read_count (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), 0);
  return self->read_count;
}

gboolean
koi_message_get_deleted (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), FALSE);
  return self->deleted;
}

const char *
koi_message_get_text (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), NULL);
  return self->text;
}

const char *
koi_message_get_full_text (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), NULL);
  return self->full_text;
}

const char *
koi_message_get_subject (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), NULL);
  return self->subject;
}

const char *
koi_message_get_from_address (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), NULL);
  return self->from_address;
}

const char *
koi_message_get_from_name (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), NULL);
  return self->from_name;
}

KoiMessageDirection
koi_message_get_direction (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), KOI_MESSAGE_INCOMING);
  return self->direction;
}

KoiMessageState
koi_message_get_state (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), KOI_MESSAGE_RECEIVED);
  return self->state;
}

KoiMessageKind
koi_message_get_kind (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), KOI_MESSAGE_CHAT);
  return self->kind;
}

gint64
koi_message_get_timestamp (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), 0);
  return self->timestamp;
}

const char *
koi_message_get_failure_reason (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), NULL);
  return self->failure_reason;
}

gboolean
koi_message_get_loaded (KoiMessage *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE (self), FALSE);
  return self->loaded;
}

static void
koi_message_finalize (GObject *object)
{
  KoiMessage *self = KOI_MESSAGE (object);

  g_clear_pointer (&self->message_id, g_free);
  g_clear_pointer (&self->text, g_free);
  g_clear_pointer (&self->full_text, g_free);
  g_clear_pointer (&self->subject, g_free);
  g_clear_pointer (&self->from_address, g_free);
  g_clear_pointer (&self->from_name, g_free);
  g_clear_pointer (&self->failure_reason, g_free);
  g_clear_pointer (&self->read_by, g_free);
  g_clear_pointer (&self->group_info_arg, g_free);
  g_clear_pointer (&self->reactions, g_free);
  g_clear_pointer (&self->quote, g_free);

  g_clear_object (&self->attachments);

  G_OBJECT_CLASS (koi_message_parent_class)->finalize (object);
}

static void
koi_message_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  KoiMessage *self = KOI_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case PROP_CHAT_ID:
      g_value_set_int64 (value, self->chat_id);
      break;
    case PROP_MESSAGE_ID:
      g_value_set_string (value, self->message_id);
      break;
    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    case PROP_FULL_TEXT:
      g_value_set_string (value, self->full_text);
      break;
    case PROP_SUBJECT:
      g_value_set_string (value, self->subject);
      break;
    case PROP_FROM_ADDRESS:
      g_value_set_string (value, self->from_address);
      break;
    case PROP_FROM_NAME:
      g_value_set_string (value, self->from_name);
      break;
    case PROP_DIRECTION:
      g_value_set_enum (value, self->direction);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_TIMESTAMP:
      g_value_set_int64 (value, self->timestamp);
      break;
    case PROP_FAILURE_REASON:
      g_value_set_string (value, self->failure_reason);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    case PROP_EDITED:
      g_value_set_boolean (value, self->edited);
      break;
    case PROP_DELETED:
      g_value_set_boolean (value, self->deleted);
      break;
    case PROP_READ:
      g_value_set_boolean (value, self->read_count > 0);
      break;
    case PROP_READ_COUNT:
      g_value_set_uint (value, self->read_count);
      break;
    case PROP_READ_BY:
      g_value_set_string (value, self->read_by);
      break;
    case PROP_REACTIONS:
      g_value_set_string (value, self->reactions);
      break;
    case PROP_QUOTE:
      g_value_set_string (value, self->quote);
      break;
    case PROP_ENCRYPTED:
      g_value_set_boolean (value, self->encrypted);
      break;
    case PROP_SIGNATURE:
      g_value_set_enum (value, self->signature);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_message_class_init (KoiMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = koi_message_finalize;
  object_class->get_property = koi_message_get_property;

  /* The store's row id; 0 for a placeholder. */
  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_CHAT_ID] = g_param_spec_int64 ("chat-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  /* The Message-ID header without <>. */
  properties[PROP_MESSAGE_ID] = g_param_spec_string ("message-id", NULL, NULL, NULL, flags);
  /* What the bubble shows: quotes and signature folded away. */
  properties[PROP_TEXT] = g_param_spec_string ("text", NULL, NULL, NULL, flags);
  /* The whole body for "Show Full Message"; NULL when it equals text. */
  properties[PROP_FULL_TEXT] = g_param_spec_string ("full-text", NULL, NULL, NULL, flags);
  properties[PROP_SUBJECT] = g_param_spec_string ("subject", NULL, NULL, NULL, flags);
  properties[PROP_FROM_ADDRESS] = g_param_spec_string ("from-address", NULL, NULL, NULL, flags);
  properties[PROP_FROM_NAME] = g_param_spec_string ("from-name", NULL, NULL, NULL, flags);
  properties[PROP_DIRECTION] = g_param_spec_enum ("direction", NULL, NULL, KOI_TYPE_MESSAGE_DIRECTION,
                                                  KOI_MESSAGE_INCOMING, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, KOI_TYPE_MESSAGE_STATE,
                                              KOI_MESSAGE_RECEIVED, flags);
  /* Chat message, or ordinary email (shown with its subject). */
  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, KOI_TYPE_MESSAGE_KIND,
                                             KOI_MESSAGE_CHAT, flags);
  /* The conversation's sort time, ms since the epoch. */
  properties[PROP_TIMESTAMP] = g_param_spec_int64 ("timestamp", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
  /* Why sending failed, in the server's own words where there are any. */
  properties[PROP_FAILURE_REASON] = g_param_spec_string ("failure-reason", NULL, NULL, NULL, flags);
  /* FALSE while this is a placeholder whose page is still being read. */
  properties[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE, flags);
  /* Its author changed the text after sending (the store keeps the earlier
   * versions). */
  properties[PROP_EDITED] = g_param_spec_boolean ("edited", NULL, NULL, FALSE, flags);
  /* Deleted for everyone by its author: the text is gone. */
  properties[PROP_DELETED] = g_param_spec_boolean ("deleted", NULL, NULL, FALSE, flags);
  /* An outgoing message someone sent a read receipt for: two ticks. */
  properties[PROP_READ] = g_param_spec_boolean ("read", NULL, NULL, FALSE, flags);
  /* How many people sent one (a group's members each count once). */
  properties[PROP_READ_COUNT] = g_param_spec_uint ("read-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /* Who sent one: addresses, space-separated; NULL when nobody did. */
  properties[PROP_READ_BY] = g_param_spec_string ("read-by", NULL, NULL, NULL, flags);
  /* The current reactions in the store's form; NULL when there are none
   * (koi_reaction_groups_parse() reads them). */
  properties[PROP_REACTIONS] = g_param_spec_string ("reactions", NULL, NULL, NULL, flags);
  /* The quoted message of a reply with a quote in the store's form; NULL
   * when it quotes nothing (koi_quote_parse() reads it). */
  properties[PROP_QUOTE] = g_param_spec_string ("quote", NULL, NULL, NULL, flags);
  /* It came end-to-end encrypted (a padlock). */
  properties[PROP_ENCRYPTED] = g_param_spec_boolean ("encrypted", NULL, NULL, FALSE, flags);
  /* Its OpenPGP signature as checked when it was decrypted. */
  properties[PROP_SIGNATURE] = g_param_spec_enum ("signature", NULL, NULL, KOI_TYPE_MESSAGE_SIGNATURE,
                                                  KOI_MESSAGE_SIGNATURE_NONE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
koi_message_init (KoiMessage *self)
{
  self->state = KOI_MESSAGE_RECEIVED;
  self->attachments = g_list_store_new (KOI_TYPE_ATTACHMENT);
}
