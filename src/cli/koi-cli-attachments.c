/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-cli"

#include "config.h"

#include "koi-cli-attachments.h"
#include "koi-store-attachment.h"

const char *
koi_cli_attachment_state_name (int state)
{
  switch (state)
    {
    case KOI_STORE_ATTACHMENT_PENDING:
      return "pending";
    case KOI_STORE_ATTACHMENT_DOWNLOADING:
      return "downloading";
    case KOI_STORE_ATTACHMENT_DONE:
      return "done";
    case KOI_STORE_ATTACHMENT_FAILED:
      return "failed";
    default:
      return "unknown";
    }
}

static const char *
kind_name (int kind)
{
  static const char * const names[] = { "file", "image", "audio", "video", "voice", "sticker", "gif" };

  return kind >= 0 && kind < (int) G_N_ELEMENTS (names) ? names[kind] : "file";
}

void
koi_cli_add_attachments (JsonBuilder           *builder,
                         KoiStore              *store,
                         const KoiStoreMessage *message)
{
  g_autoptr (GPtrArray) list = NULL;
  g_autofree char *profile = NULL;

  if (!message->has_attachments)
    return;
  list = koi_store_attachment_list (store, message->id, NULL);
  if (list == NULL || list->len == 0)
    return;
  profile = g_path_get_dirname (koi_store_get_path (store));

  json_builder_set_member_name (builder, "attachments");
  json_builder_begin_array (builder);
  for (guint i = 0; i < list->len; i++)
    {
      const KoiStoreAttachment *attachment = list->pdata[i];

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, attachment->id);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, attachment->filename);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, attachment->mime_type);
      json_builder_set_member_name (builder, "size");
      json_builder_add_int_value (builder, attachment->size);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, kind_name (attachment->kind));
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, koi_cli_attachment_state_name (attachment->state));
      if (attachment->sha256 != NULL)
        {
          g_autofree char *path = g_build_filename (profile, "attachments", attachment->local_path, NULL);

          json_builder_set_member_name (builder, "sha256");
          json_builder_add_string_value (builder, attachment->sha256);
          json_builder_set_member_name (builder, "path");
          json_builder_add_string_value (builder, path);
        }
      if (attachment->error != NULL)
        {
          json_builder_set_member_name (builder, "error");
          json_builder_add_string_value (builder, attachment->error);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}
