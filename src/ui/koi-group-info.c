/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-group-info"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-group-info.h"
#include "koi-store-group.h"

char *
koi_group_info_format (int         info,
                       const char *arg,
                       const char *sender,
                       gboolean    by_me)
{
  if (arg == NULL)
    arg = "";
  if (sender == NULL)
    sender = "";

  switch ((KoiStoreGroupInfo) info)
    {
    case KOI_STORE_GROUP_INFO_CREATED:
      /* TRANSLATORS: info line in a group chat; %s is the group's name */
      return by_me ? g_strdup_printf (_("You created the group “%s”"), arg)
      /* TRANSLATORS: info line in a group chat; the first %s is a person, the second the group's name */
                   : g_strdup_printf (_("%s created the group “%s”"), sender, arg);
    case KOI_STORE_GROUP_INFO_ADDED:
      /* TRANSLATORS: info line in a group chat; %s is the added person */
      return by_me ? g_strdup_printf (_("You added %s"), arg)
      /* TRANSLATORS: info line in a group chat: "Bob added Carol" */
                   : g_strdup_printf (_("%s added %s"), sender, arg);
    case KOI_STORE_GROUP_INFO_REMOVED:
      /* TRANSLATORS: info line in a group chat; %s is the removed person */
      return by_me ? g_strdup_printf (_("You removed %s"), arg)
      /* TRANSLATORS: info line in a group chat: "Bob removed Carol" */
                   : g_strdup_printf (_("%s removed %s"), sender, arg);
    case KOI_STORE_GROUP_INFO_LEFT:
      return by_me ? g_strdup (_("You left the group"))
      /* TRANSLATORS: info line in a group chat; %s is the person who left */
                   : g_strdup_printf (_("%s left the group"), sender);
    case KOI_STORE_GROUP_INFO_RENAMED:
      /* TRANSLATORS: info line in a group chat; %s is the new name */
      return by_me ? g_strdup_printf (_("You renamed the group to “%s”"), arg)
      /* TRANSLATORS: info line in a group chat; the first %s is a person, the second the new name */
                   : g_strdup_printf (_("%s renamed the group to “%s”"), sender, arg);
    case KOI_STORE_GROUP_INFO_KEY_CHANGED:
      /* TRANSLATORS: info line in a chat; %s is the person whose OpenPGP
       * key changed (new device, reinstall - or someone in between) */
      return g_strdup_printf (_("The encryption key of %s changed. Compare fingerprints on the contact card."),
                              *sender != '\0' ? sender : arg);
    case KOI_STORE_GROUP_INFO_NONE:
    default:
      return NULL;
    }
}
