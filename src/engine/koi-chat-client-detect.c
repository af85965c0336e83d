/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-chat-client-detect"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "koi-chat-client-detect.h"
#include "koi-coi.h"

/* Delta Chat's Message-IDs: "Mr.<random>.<random>@<domain>" (1:1) and
 * "Gr.<group id>.<random>@<domain>" (groups) in older cores; newer ones
 * write "<UUID>@localhost" (seen from deltachat-rpc-server 2.62, e.g.
 * "022de778-f93f-4826-863b-e68ec152ffd8@localhost"). */
static gboolean
is_delta_chat_id (const char *message_id)
{
  static const char uuid_shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx@localhost";

  if (g_str_has_prefix (message_id, "Mr.") || g_str_has_prefix (message_id, "Gr."))
    return TRUE;

  if (strlen (message_id) != sizeof uuid_shape - 1)
    return FALSE;
  for (gsize i = 0; uuid_shape[i] != '\0'; i++)
    {
      if (uuid_shape[i] == 'x')
        {
          if (!g_ascii_isxdigit (message_id[i]))
            return FALSE;
        }
      else if (g_ascii_tolower (message_id[i]) != uuid_shape[i])
        return FALSE;
    }

  return TRUE;
}

KoiChatClient
koi_chat_client_detect (const char *own_address,
                        const char *from_address,
                        const char *message_id,
                        gboolean    has_chat_version)
{
  /* Chat-Version and not only a chat$ id in References: a reply the user
   * wrote in Thunderbird to a chat message is chat mail to Koi but was not
   * written by a chat app. */
  if (!has_chat_version || own_address == NULL || from_address == NULL)
    return KOI_CHAT_CLIENT_NONE;
  if (g_ascii_strcasecmp (own_address, from_address) != 0)
    return KOI_CHAT_CLIENT_NONE;   /* a peer's app, not one on this account */
  /* Without a Message-ID nothing can be told; Koi itself always writes one. */
  if (message_id == NULL || *message_id == '\0')
    return KOI_CHAT_CLIENT_NONE;
  /* Koi on another device, or another COI client: they keep to COI/Chats. */
  if (koi_coi_is_chat_id (message_id))
    return KOI_CHAT_CLIENT_NONE;

  return is_delta_chat_id (message_id) ? KOI_CHAT_CLIENT_DELTA_CHAT : KOI_CHAT_CLIENT_OTHER;
}

gboolean
koi_chat_client_has_chat_version (GBytes *mail)
{
  static const char field[] = "chat-version:";
  gsize size = 0;
  const char *data = mail != NULL ? g_bytes_get_data (mail, &size) : NULL;
  gsize line = 0;

  while (line < size)
    {
      const char *end = memchr (data + line, '\n', size - line);
      gsize length = end != NULL ? (gsize) (end - (data + line)) : size - line;

      if (length == 0 || (length == 1 && data[line] == '\r'))
        return FALSE;   /* end of the header section */
      if (length >= sizeof field - 1 &&
          g_ascii_strncasecmp (data + line, field, sizeof field - 1) == 0)
        return TRUE;

      line += length + 1;
    }

  return FALSE;
}

char *
koi_chat_client_from_address (GMimeMessage *message)
{
  InternetAddressList *from = g_mime_message_get_from (message);

  for (int i = 0; from != NULL && i < internet_address_list_length (from); i++)
    {
      InternetAddress *address = internet_address_list_get_address (from, i);

      if (INTERNET_ADDRESS_IS_MAILBOX (address))
        return g_strdup (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address)));
    }

  return NULL;
}

const char *
koi_chat_client_to_string (KoiChatClient client)
{
  switch (client)
    {
    case KOI_CHAT_CLIENT_DELTA_CHAT:
      return "delta-chat";
    case KOI_CHAT_CLIENT_OTHER:
      return "other";
    case KOI_CHAT_CLIENT_NONE:
    default:
      return NULL;
    }
}

KoiChatClient
koi_chat_client_from_string (const char *name)
{
  if (g_strcmp0 (name, "delta-chat") == 0)
    return KOI_CHAT_CLIENT_DELTA_CHAT;
  if (name != NULL && *name != '\0')
    return KOI_CHAT_CLIENT_OTHER;   /* a later Koi's name: still another app */
  return KOI_CHAT_CLIENT_NONE;
}

KoiChatClient
koi_chat_client_load (KoiStore  *store,
                      gint64     account_id,
                      char     **out_message_id,
                      gint64    *out_seen_at)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *value = NULL;
  JsonObject *object;

  value = koi_store_setting_get (store, account_id, KOI_CHAT_CLIENT_SETTING, &error);
  if (value == NULL)
    {
      if (error != NULL)
        g_message ("Cannot read %s: %s", KOI_CHAT_CLIENT_SETTING, error->message);
      return KOI_CHAT_CLIENT_NONE;
    }

  /* Anything stored there means another app was seen, even if a later
   * version wrote it in a form this one cannot read: stay on the safe side. */
  if (!json_parser_load_from_data (parser, value, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return KOI_CHAT_CLIENT_OTHER;

  object = json_node_get_object (json_parser_get_root (parser));
  if (out_message_id != NULL)
    *out_message_id = g_strdup (json_object_get_string_member_with_default (object, "message_id", NULL));
  if (out_seen_at != NULL)
    *out_seen_at = json_object_get_int_member_with_default (object, "seen_at", 0);

  return koi_chat_client_from_string (json_object_get_string_member_with_default (object, "client",
                                                                                   "other"));
}

gboolean
koi_chat_client_record (KoiStore       *store,
                        gint64          account_id,
                        KoiChatClient   client,
                        const char     *message_id,
                        GError        **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *value = NULL;

  g_return_val_if_fail (client != KOI_CHAT_CLIENT_NONE, FALSE);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "client");
  json_builder_add_string_value (builder, koi_chat_client_to_string (client));
  json_builder_set_member_name (builder, "message_id");
  json_builder_add_string_value (builder, message_id);
  json_builder_set_member_name (builder, "seen_at");
  json_builder_add_int_value (builder, g_get_real_time () / G_USEC_PER_SEC);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  value = json_generator_to_data (generator, NULL);

  return koi_store_setting_set (store, account_id, KOI_CHAT_CLIENT_SETTING, value, error);
}

gboolean
koi_chat_client_note (KoiStore                *store,
                      const KoiAccountConfig  *account,
                      KoiChatClient           *state,
                      const char              *from_address,
                      const char              *message_id,
                      gboolean                 has_chat_version,
                      GError                 **error)
{
  KoiChatClient client;

  if (*state != KOI_CHAT_CLIENT_NONE)
    return TRUE;
  client = koi_chat_client_detect (account->address, from_address, message_id, has_chat_version);
  if (client == KOI_CHAT_CLIENT_NONE)
    return TRUE;

  g_message ("Another chat app (%s) uses %s (seen in <%s>): chat mail stays in INBOX",
             koi_chat_client_to_string (client), account->address, message_id);
  *state = client;
  return koi_chat_client_record (store, account->id, client, message_id, error);
}
