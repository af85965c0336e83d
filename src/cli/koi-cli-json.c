/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-cli"

#include "config.h"

#include <stdio.h>

#include "koi-cli-json.h"

const char *
koi_cli_state_name (int state)
{
  switch (state)
    {
    case KOI_STORE_STATE_RECEIVED: return "received";
    case KOI_STORE_STATE_QUEUED: return "queued";
    case KOI_STORE_STATE_SENDING: return "sending";
    case KOI_STORE_STATE_SENT: return "sent";
    case KOI_STORE_STATE_FAILED: return "failed";
    default: return "unknown";
    }
}

/* Ends the builder's object, prints it on one line and flushes, so a
 * script reading the pipe sees every event at once. */
void
koi_cli_print_object (JsonBuilder *builder)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *line = NULL;

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  line = json_generator_to_data (generator, NULL);
  fputs (line, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

JsonBuilder *
koi_cli_message_object (const char            *event,
                        const KoiStoreMessage *message,
                        const char            *chat_peer)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  if (event != NULL)
    add_string (builder, "event", event);
  add_string (builder, "chat", chat_peer);
  add_int (builder, "chat_id", message->chat_id);
  add_int (builder, "id", message->id);
  add_string (builder, "message_id", message->message_id);
  add_string (builder, "kind", message->kind == KOI_STORE_KIND_CHAT ? "chat" : "email");
  add_string (builder, "direction",
              message->direction == KOI_STORE_DIRECTION_OUTGOING ? "outgoing" : "incoming");
  add_string (builder, "state", koi_cli_state_name (message->state));
  add_string (builder, "from", message->from_address);
  add_string (builder, "from_name", message->from_name);
  add_string (builder, "subject", message->subject);
  add_string (builder, "text", message->text);
  add_string (builder, "in_reply_to", message->in_reply_to);
  if (message->full_text != NULL)
    add_string (builder, "full_text", message->full_text);
  add_int (builder, "sent_at_ms", message->sent_at_ms);
  add_int (builder, "received_at_ms", message->received_at_ms);
  if (message->failure_reason != NULL)
    add_string (builder, "failure_reason", message->failure_reason);
  json_builder_set_member_name (builder, "encrypted");
  json_builder_add_boolean_value (builder, message->encrypted);
  {
    static const char * const signatures[] = { "none", "valid", "bad", "unknown" };

    add_string (builder, "signature",
                message->signature >= 0 && message->signature < (int) G_N_ELEMENTS (signatures)
                  ? signatures[message->signature] : "none");
  }

  return builder;
}

JsonBuilder *
koi_cli_chat_object (const KoiStoreChat *chat)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_int (builder, "id", chat->id);
  add_string (builder, "kind", chat->kind == KOI_STORE_CHAT_GROUP ? "group" : "1:1");
  add_string (builder, "peer", chat->peer_address);
  add_string (builder, "name", chat->name);
  if (chat->group_id != NULL)
    add_string (builder, "group_id", chat->group_id);
  add_int (builder, "last_activity_ms", chat->last_activity_ms);
  add_int (builder, "unread", chat->unread_count);
  add_string (builder, "last_text", chat->last_text);
  if (chat->request != KOI_STORE_CHAT_ACCEPTED)
    add_string (builder, "request", chat->request == KOI_STORE_CHAT_REQUEST ? "request" : "dismissed");
  if (chat->email_only)
    {
      json_builder_set_member_name (builder, "email_only");
      json_builder_add_boolean_value (builder, TRUE);
    }

  return builder;
}

void
koi_cli_add_message_details (JsonBuilder           *builder,
                             KoiStore              *store,
                             const KoiStoreMessage *message)
{
  g_autoptr (GPtrArray) edits = NULL;
  g_autoptr (GPtrArray) reactions = NULL;
  const char *quoted = koi_store_message_quoted_id (message);

  json_builder_set_member_name (builder, "edited");
  json_builder_add_boolean_value (builder, message->edited_at_ms > 0);
  if (message->edited_at_ms > 0)
    add_int (builder, "edited_at_ms", message->edited_at_ms);
  json_builder_set_member_name (builder, "deleted");
  json_builder_add_boolean_value (builder, message->deleted);

  /* Every earlier version, oldest first; the current text is "text". */
  edits = koi_store_message_list_edits (store, message->id, NULL);
  if (edits != NULL && edits->len > 0)
    {
      json_builder_set_member_name (builder, "history");
      json_builder_begin_array (builder);
      for (guint i = 0; i < edits->len; i++)
        {
          const KoiStoreEdit *edit = g_ptr_array_index (edits, i);

          json_builder_begin_object (builder);
          add_string (builder, "text", edit->text);
          add_int (builder, "written_at_ms", edit->written_at_ms);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
    }

  /* One entry per emoji, in the order they were first given. */
  reactions = koi_store_reaction_list (store, message->id, NULL);
  json_builder_set_member_name (builder, "reactions");
  json_builder_begin_array (builder);
  for (guint i = 0; reactions != NULL && i < reactions->len; i++)
    {
      const KoiStoreReaction *reaction = g_ptr_array_index (reactions, i);
      gboolean seen_before = FALSE;
      guint count = 0;

      for (guint k = 0; k < i && !seen_before; k++)
        seen_before = g_strcmp0 (((KoiStoreReaction *) g_ptr_array_index (reactions, k))->emoji,
                                 reaction->emoji) == 0;
      if (seen_before)
        continue;

      json_builder_begin_object (builder);
      add_string (builder, "emoji", reaction->emoji);
      json_builder_set_member_name (builder, "from");
      json_builder_begin_array (builder);
      for (guint k = i; k < reactions->len; k++)
        {
          const KoiStoreReaction *other = g_ptr_array_index (reactions, k);

          if (g_strcmp0 (other->emoji, reaction->emoji) != 0)
            continue;
          json_builder_add_string_value (builder, other->reactor_address);
          count++;
        }
      json_builder_end_array (builder);
      add_int (builder, "count", count);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "reply_to");
  if (quoted != NULL)
    json_builder_add_string_value (builder, quoted);
  else
    json_builder_add_null_value (builder);
}
