/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-chat"

#include "config.h"

#include <string.h>

#include "koi-chat.h"

struct _KoiChat
{
  GObject              parent_instance;

  gint64               id;
  gint64               account_id;
  char                *peer_address;
  char                *name;
  char                *title;
  char                *last_text;
  char                *last_from;   /* groups: the last message's sender */
  gboolean             is_group;
  int                  last_group_info;
  char                *last_group_info_arg;
  gint64               last_activity;
  guint                unread_count;
  gboolean             muted;
  char                *draft;
  KoiChatRequest       request;
  gboolean             email_only;
  gboolean             not_member;
  gboolean             keys_known;
  KoiMessageDirection  last_direction;
  KoiMessageState      last_state;
  gboolean             has_messages;
};

G_DEFINE_FINAL_TYPE (KoiChat, koi_chat, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_ACCOUNT_ID,
  PROP_PEER_ADDRESS,
  PROP_TITLE,
  PROP_LAST_TEXT,
  PROP_LAST_ACTIVITY,
  PROP_UNREAD_COUNT,
  PROP_MUTED,
  PROP_LAST_DIRECTION,
  PROP_LAST_STATE,
  PROP_HAS_MESSAGES,
  PROP_DRAFT,
  PROP_REQUEST,
  PROP_NOT_MEMBER,
  PROP_KEYS_KNOWN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
notify (KoiChat  *self,
        gboolean  changed,
        guint     prop_id)
{
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

KoiChat *
koi_chat_new_from_store (const KoiStoreChat *chat)
{
  KoiChat *self;

  g_return_val_if_fail (chat != NULL, NULL);

  self = g_object_new (KOI_TYPE_CHAT, NULL);
  koi_chat_update_from_store (self, chat);
  return self;
}

void
koi_chat_update_from_store (KoiChat            *self,
                            const KoiStoreChat *chat)
{
  const char *title;
  gboolean has_messages;
  KoiMessageDirection direction;
  KoiMessageState state;

  g_return_if_fail (KOI_IS_CHAT (self));
  g_return_if_fail (chat != NULL);

  /* A group has no peer; an unnamed 1:1 chat shows the address. */
  if (chat->name != NULL && chat->name[0] != '\0')
    title = chat->name;
  else if (chat->peer_address != NULL)
    title = chat->peer_address;
  else
    title = "";

  has_messages = chat->last_direction >= 0;
  direction = chat->last_direction == KOI_STORE_DIRECTION_OUTGOING
    ? KOI_MESSAGE_OUTGOING : KOI_MESSAGE_INCOMING;
  state = chat->last_state >= KOI_MESSAGE_RECEIVED && chat->last_state <= KOI_MESSAGE_FAILED
    ? (KoiMessageState) chat->last_state : KOI_MESSAGE_RECEIVED;

  g_object_freeze_notify (G_OBJECT (self));

  notify (self, self->id != chat->id, PROP_ID);
  self->id = chat->id;
  notify (self, self->account_id != chat->account_id, PROP_ACCOUNT_ID);
  self->account_id = chat->account_id;
  notify (self, set_string (&self->peer_address, chat->peer_address), PROP_PEER_ADDRESS);
  set_string (&self->name, chat->name);
  notify (self, set_string (&self->title, title), PROP_TITLE);
  /* Before last-text: the preview reads both when that notifies. */
  set_string (&self->last_from, chat->last_from);
  self->is_group = chat->kind == KOI_STORE_CHAT_GROUP;
  self->last_group_info = chat->last_group_info;
  set_string (&self->last_group_info_arg, chat->last_group_info_arg);
  notify (self, set_string (&self->last_text, chat->last_text), PROP_LAST_TEXT);
  notify (self, self->last_activity != chat->last_activity_ms, PROP_LAST_ACTIVITY);
  self->last_activity = chat->last_activity_ms;
  notify (self, self->unread_count != chat->unread_count, PROP_UNREAD_COUNT);
  self->unread_count = chat->unread_count;
  notify (self, self->muted != chat->muted, PROP_MUTED);
  self->muted = chat->muted;
  notify (self, self->last_direction != direction, PROP_LAST_DIRECTION);
  self->last_direction = direction;
  notify (self, self->last_state != state, PROP_LAST_STATE);
  self->last_state = state;
  notify (self, self->has_messages != has_messages, PROP_HAS_MESSAGES);
  self->has_messages = has_messages;
  notify (self, set_string (&self->draft, chat->draft), PROP_DRAFT);
  self->email_only = chat->email_only;
  notify (self, self->not_member != chat->not_member, PROP_NOT_MEMBER);
  self->not_member = chat->not_member;
  notify (self, self->keys_known != chat->keys_known, PROP_KEYS_KNOWN);
  self->keys_known = chat->keys_known;
  notify (self, self->request != (KoiChatRequest) chat->request, PROP_REQUEST);
  self->request = (KoiChatRequest) chat->request;

  g_object_thaw_notify (G_OBJECT (self));
}

KoiChatRequest
koi_chat_get_request (KoiChat *self)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), KOI_CHAT_ACCEPTED);
  return self->request;
}

gboolean
koi_chat_get_not_member (KoiChat *self)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), FALSE);
  return self->not_member;
}

gboolean
koi_chat_get_keys_known (KoiChat *self)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), FALSE);
  return self->keys_known;
}

gboolean
koi_chat_get_email_only (KoiChat *self)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), FALSE);
  return self->email_only;
}

const char *
koi_chat_get_draft (KoiChat *self)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), NULL);
  return self->draft;
}

gboolean
koi_chat_get_muted (KoiChat *self)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), FALSE);
  return self->muted;
}

gint64
koi_chat_get_id (KoiChat *self)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), 0);
  return self->id;
}

gint64
koi_chat_get_account_id (KoiChat *self)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), 0);
  return self->account_id;
}

const char *
koi_chat_get_peer_address (KoiChat *self)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), NULL);
  return self->peer_address;
}

const char *
koi_chat_get_title (KoiChat *self)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), NULL);
  return self->title;
}

const char *
koi_chat_get_last_text (KoiChat *self)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), NULL);
  return self->last_text;
}

gint64
koi_chat_get_last_activity (KoiChat *self)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), 0);
  return self->last_activity;
}

guint
koi_chat_get_unread_count (KoiChat *self)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), 0);
  return self->unread_count;
}

KoiMessageDirection
koi_chat_get_last_direction (KoiChat *self)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), KOI_MESSAGE_INCOMING);
  return self->last_direction;
}

KoiMessageState
koi_chat_get_last_state (KoiChat *self)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), KOI_MESSAGE_RECEIVED);
  return self->last_state;
}

gboolean
koi_chat_get_has_messages (KoiChat *self)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), FALSE);
  return self->has_messages;
}

static char *
first_letter_upper (const char *word)
{
  gunichar c = g_utf8_get_char (word);
  char buf[8] = { 0 };

  g_unichar_to_utf8 (g_unichar_toupper (c), buf);
  return g_strdup (buf);
}

gboolean
koi_chat_get_is_group (KoiChat *self)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), FALSE);

  return self->is_group;
}

int
koi_chat_get_last_group_info (KoiChat     *self,
                              const char **out_arg)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), 0);

  if (out_arg != NULL)
    *out_arg = self->last_group_info_arg;
  return self->last_group_info;
}

const char *
koi_chat_get_last_from (KoiChat *self)
{
  g_return_val_if_fail (KOI_IS_CHAT (self), NULL);

  return self->last_from;
}

char *
koi_chat_get_initials (KoiChat *self)
{
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_auto(GStrv) words = NULL;
  const char *title;
  guint n = 0;

  g_return_val_if_fail (KOI_IS_CHAT (self), NULL);

  title = self->title != NULL ? self->title : "";

  /* An address has one "name": its first letter. */
  if (strchr (title, '@') != NULL && strchr (title, ' ') == NULL)
    return title[0] != '\0' ? first_letter_upper (title) : g_strdup ("");

  words = g_strsplit_set (title, " \t", -1);
  for (guint i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] == '\0' || !g_unichar_isalnum (g_utf8_get_char (words[i])))
        continue;
      if (n == 0)
        first = first_letter_upper (words[i]);
      else
        {
          g_clear_pointer (&second, g_free);
          second = first_letter_upper (words[i]);
        }
      n++;
    }

  if (first == NULL)
    return g_strdup ("");
  return g_strconcat (first, second, NULL);
}

guint
koi_chat_get_color_index (KoiChat *self)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (KOI_IS_CHAT (self), 0);

  /* g_str_hash() is djb2, fixed by GLib's documentation: the same address
   * gets the same colour on every machine and every run. */
  key = g_ascii_strdown (self->peer_address != NULL ? self->peer_address
                         : self->title != NULL ? self->title : "", -1);
  return g_str_hash (key) % KOI_CHAT_N_COLORS;
}

static void
koi_chat_finalize (GObject *object)
{
  KoiChat *self = KOI_CHAT (object);

  g_clear_pointer (&self->peer_address, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->last_text, g_free);
  g_clear_pointer (&self->last_from, g_free);
  g_clear_pointer (&self->last_group_info_arg, g_free);
  g_clear_pointer (&self->draft, g_free);

  G_OBJECT_CLASS (koi_chat_parent_class)->finalize (object);
}

static void
koi_chat_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  KoiChat *self = KOI_CHAT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case PROP_ACCOUNT_ID:
      g_value_set_int64 (value, self->account_id);
      break;
    case PROP_PEER_ADDRESS:
      g_value_set_string (value, self->peer_address);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_LAST_TEXT:
      g_value_set_string (value, self->last_text);
      break;
    case PROP_LAST_ACTIVITY:
      g_value_set_int64 (value, self->last_activity);
      break;
    case PROP_UNREAD_COUNT:
      g_value_set_uint (value, self->unread_count);
      break;
    case PROP_MUTED:
      g_value_set_boolean (value, self->muted);
      break;
    case PROP_LAST_DIRECTION:
      g_value_set_enum (value, self->last_direction);
      break;
    case PROP_LAST_STATE:
      g_value_set_enum (value, self->last_state);
      break;
    case PROP_HAS_MESSAGES:
      g_value_set_boolean (value, self->has_messages);
      break;
    case PROP_DRAFT:
      g_value_set_string (value, self->draft);
      break;
    case PROP_REQUEST:
      g_value_set_int (value, self->request);
      break;
    case PROP_NOT_MEMBER:
      g_value_set_boolean (value, self->not_member);
      break;
    case PROP_KEYS_KNOWN:
      g_value_set_boolean (value, self->keys_known);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_chat_class_init (KoiChatClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = koi_chat_finalize;
  object_class->get_property = koi_chat_get_property;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_ACCOUNT_ID] = g_param_spec_int64 ("account-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  /* The other person of a 1:1 chat; NULL for a group. */
  properties[PROP_PEER_ADDRESS] = g_param_spec_string ("peer-address", NULL, NULL, NULL, flags);
  /* The display name, else the address: what the row shows. */
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  /* Preview of the newest message; NULL in a new chat. */
  properties[PROP_LAST_TEXT] = g_param_spec_string ("last-text", NULL, NULL, NULL, flags);
  properties[PROP_LAST_ACTIVITY] = g_param_spec_int64 ("last-activity", NULL, NULL,
                                                       G_MININT64, G_MAXINT64, 0, flags);
  properties[PROP_UNREAD_COUNT] = g_param_spec_uint ("unread-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /* The user muted the chat: no notifications. */
  properties[PROP_MUTED] = g_param_spec_boolean ("muted", NULL, NULL, FALSE, flags);
  properties[PROP_LAST_DIRECTION] = g_param_spec_enum ("last-direction", NULL, NULL,
                                                       KOI_TYPE_MESSAGE_DIRECTION,
                                                       KOI_MESSAGE_INCOMING, flags);
  properties[PROP_LAST_STATE] = g_param_spec_enum ("last-state", NULL, NULL, KOI_TYPE_MESSAGE_STATE,
                                                   KOI_MESSAGE_RECEIVED, flags);
  /* FALSE for a chat without messages yet. */
  properties[PROP_HAS_MESSAGES] = g_param_spec_boolean ("has-messages", NULL, NULL, FALSE, flags);
  /* What the user typed here and did not send; NULL = none. */
  properties[PROP_DRAFT] = g_param_spec_string ("draft", NULL, NULL, NULL, flags);
  /* KoiChatRequest: whether the user let this chat in. */
  /* A group the user left or was removed from: nothing can be sent. */
  properties[PROP_NOT_MEMBER] = g_param_spec_boolean ("not-member", NULL, NULL, FALSE, flags);
  /* Every other member's OpenPGP key is known: with "Encrypt when
   * possible" on, the next message goes end-to-end encrypted. */
  properties[PROP_KEYS_KNOWN] = g_param_spec_boolean ("keys-known", NULL, NULL, FALSE, flags);
  properties[PROP_REQUEST] = g_param_spec_int ("request", NULL, NULL, KOI_CHAT_ACCEPTED,
                                               KOI_CHAT_DISMISSED, KOI_CHAT_ACCEPTED, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
koi_chat_init (KoiChat *self)
{
}
