/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-coi-builder"

#include "config.h"

#include <string.h>

#include "koi-coi-error.h"
#include "koi-coi-gmime.h"
#include "koi-coi-group.h"

#define GROUP_ID_CHARS 16

char *
koi_coi_generate_group_id (void)
{
  /* The random part of a fresh chat$ id: 22 characters of base64url from
   * the kernel's CSPRNG. */
  g_autofree char *id = koi_coi_generate_message_id ("koi.invalid");

  return g_strndup (id + strlen ("chat$"), GROUP_ID_CHARS);
}

static gboolean
group_id_is_valid (const char *group_id)
{
  gsize len;

  if (group_id == NULL)
    return FALSE;
  len = strlen (group_id);
  if (len < 12 || len > 64)
    return FALSE;
  for (const char *p = group_id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static gboolean
name_is_valid (const char *name)
{
  return name != NULL && *name != '\0' && g_utf8_validate (name, -1, NULL) &&
         strpbrk (name, "\r\n") == NULL;
}

/**
 * koi_coi_build_group_message:
 * @out: the message
 * @error: return location for a #KOI_COI_ERROR
 *
 * Builds a group message: Subject = the group's name (seed), the members
 * in To, Message-ID `chat$group.GROUPID.UNIQUE@domain` (COI draft), and
 * Delta Chat's `Chat-Group-ID`, `Chat-Group-Name` and the header of the
 * change beside them.
 *
 * Returns: (transfer full): the message, or %NULL
 */
GMimeMessage *
koi_coi_build_group_message (const KoiCoiGroupOutgoing  *out,
                             GError                    **error)
{
  g_autoptr(GMimeMessage) message = NULL;
  g_autofree char *message_id = NULL;
  KoiCoiOutgoing base;
  GMimeObject *object;

  g_return_val_if_fail (out != NULL, NULL);

  if (!group_id_is_valid (out->group_id))
    {
      g_set_error_literal (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                           "The group id must be 12 to 64 characters of A-Z, a-z, 0-9, - and _");
      return NULL;
    }
  if (!name_is_valid (out->name) ||
      (out->action == KOI_COI_GROUP_RENAMED && !name_is_valid (out->old_name)))
    {
      g_set_error_literal (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                           "A group name must be one line of text");
      return NULL;
    }
  if ((out->action == KOI_COI_GROUP_ADDED || out->action == KOI_COI_GROUP_REMOVED) &&
      (out->address == NULL || strchr (out->address, '@') == NULL ||
       strpbrk (out->address, " \t\r\n<>,") != NULL))
    {
      g_set_error_literal (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                           "The added or removed member needs an email address");
      return NULL;
    }

  base = out->base;
  if (base.message_id == NULL && base.from_address != NULL && strchr (base.from_address, '@') != NULL)
    {
      /* "chat$UNIQUE@domain" becomes "chat$group.GROUPID.UNIQUE@domain". */
      g_autofree char *unique = koi_coi_generate_message_id (strchr (base.from_address, '@') + 1);

      message_id = g_strdup_printf ("chat$group.%s.%s", out->group_id, unique + strlen ("chat$"));
      base.message_id = message_id;
    }

  message = koi_coi_build_chat_message (&base, error);
  if (message == NULL)
    return NULL;
  object = GMIME_OBJECT (message);

  g_mime_message_set_subject (message, out->name, "utf-8");
  g_mime_object_set_header (object, "Chat-Group-ID", out->group_id, NULL);
  g_mime_object_set_header (object, "Chat-Group-Name", out->name, "utf-8");

  switch (out->action)
    {
    case KOI_COI_GROUP_CREATED:
      g_mime_object_set_header (object, "Chat-Content", "group-created", NULL);
      break;
    case KOI_COI_GROUP_ADDED:
      g_mime_object_set_header (object, "Chat-Group-Member-Added", out->address, NULL);
      break;
    case KOI_COI_GROUP_REMOVED:
      g_mime_object_set_header (object, "Chat-Group-Member-Removed", out->address, NULL);
      break;
    case KOI_COI_GROUP_LEFT:
      g_mime_object_set_header (object, "Chat-Content", "groupleft", NULL);
      g_mime_object_set_header (object, "Chat-Group-Member-Removed", base.from_address, NULL);
      break;
    case KOI_COI_GROUP_RENAMED:
      g_mime_object_set_header (object, "Chat-Group-Name-Changed", out->old_name, "utf-8");
      break;
    case KOI_COI_GROUP_TEXT:
    default:
      break;
    }

  return g_steal_pointer (&message);
}
