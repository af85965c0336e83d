/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-apply"

#include "config.h"

#include <string.h>

#include "koi-apply-group.h"
#include "koi-store-group.h"

gint64
koi_apply_group_route (KoiStore           *store,
                       gint64              account_id,
                       const KoiCoiParsed *parsed,
                       gboolean           *out_created,
                       GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 chat_id;

  *out_created = FALSE;
  if (parsed->group_id == NULL)
    return 0;

  chat_id = koi_store_chat_find_by_group (store, account_id, parsed->group_id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return 0;
    }
  if (chat_id != 0)
    return chat_id;

  /* Created for a reply from an email program too: when the group's own
   * mail comes later it lands in the same chat, in either order. The name
   * and members come from group mail, ordered by Date like every change. */
  chat_id = koi_store_chat_ensure_group (store, account_id, parsed->group_id, NULL, error);
  *out_created = chat_id != 0;
  return chat_id;
}

static gboolean
same_address (const char *a,
              const char *b)
{
  return a != NULL && b != NULL && g_ascii_strcasecmp (a, b) == 0;
}

/* The group's name as this mail shows it: Delta Chat's header, else (COI
 * seed) the Subject of a mail a group client wrote. */
static const char *
shown_name (const KoiCoiParsed *parsed)
{
  if (parsed->group_name != NULL)
    return parsed->group_name;
  if (parsed->group_id_explicit && parsed->subject != NULL && *parsed->subject != '\0')
    return parsed->subject;
  return NULL;
}

static gboolean
seen_members (KoiStore           *store,
              gint64              chat_id,
              GPtrArray          *addresses,
              const char         *sender,
              gint64              at_ms,
              gboolean           *changed,
              GError            **error)
{
  for (guint i = 0; i < addresses->len; i++)
    {
      gboolean one_changed = FALSE;

      /* Group clients never list the sender in To or Cc; a sender who
       * does vouches for nobody but themself, which is not how anyone
       * joins (an outsider writing into the group with their own
       * address in To stays outside, shown marked). */
      if (same_address (g_ptr_array_index (addresses, i), sender))
        continue;

      if (!koi_store_group_member_set (store, chat_id, g_ptr_array_index (addresses, i), TRUE,
                                       at_ms, FALSE, &one_changed, error))
        return FALSE;
      *changed |= one_changed;
    }
  return TRUE;
}

gboolean
koi_apply_group_effects (KoiStore           *store,
                         const char         *own_address,
                         gint64              chat_id,
                         gboolean            created,
                         gint64              message_ref,
                         const KoiCoiParsed *parsed,
                         KoiApplyChanges    *changes,
                         GError            **error)
{
  KoiStoreGroupInfo info = KOI_STORE_GROUP_INFO_NONE;
  const char *info_arg = NULL;
  const char *sender = parsed->from_address;
  gboolean founding = g_strcmp0 (parsed->chat_content, "group-created") == 0;
  gboolean changed = FALSE;
  gint64 at_ms = parsed->date_ms;

  /* Only what a group client wrote says who is in the group: a reply from
   * an email program that drops people is a reply, not a removal. */
  if (parsed->group_id_explicit)
    {
      /* To and Cc vouch for members. The sender vouches for themself only
       * where a member writes: Koi's founding message, a change (only a
       * member changes a group; the member just added learns the others
       * from it), and Delta Chat's mail, which never lists its sender (its
       * group's creator is known no other way). So a Koi or email user
       * cannot join a group by writing to it. The rule looks at nothing but
       * the mail itself: the order mail arrives in cannot change it. */
      if (!seen_members (store, chat_id, parsed->to, sender, at_ms, &changed, error) ||
          !seen_members (store, chat_id, parsed->cc, sender, at_ms, &changed, error))
        return FALSE;
      if ((founding || parsed->is_delta_chat || parsed->type == KOI_COI_TYPE_GROUP_CHANGE) &&
          sender != NULL)
        {
          gboolean one_changed = FALSE;

          if (!koi_store_group_member_set (store, chat_id, sender, TRUE, at_ms, FALSE,
                                           &one_changed, error))
            return FALSE;
          changed |= one_changed;
        }
    }

  /* Explicit changes are applied whoever sent them, so the result does not
   * depend on whether the sender's own addition arrived first; a message
   * from a non-member is marked when shown (koi-store-group.h). */
  if (parsed->type == KOI_COI_TYPE_GROUP_CHANGE)
    {
      gboolean one_changed = FALSE;

      if (parsed->group_member_added != NULL)
        {
          if (!koi_store_group_member_set (store, chat_id, parsed->group_member_added, TRUE, at_ms,
                                           TRUE, &one_changed, error))
            return FALSE;
          info = KOI_STORE_GROUP_INFO_ADDED;
          info_arg = parsed->group_member_added;
        }
      else if (parsed->group_member_removed != NULL)
        {
          if (!koi_store_group_member_set (store, chat_id, parsed->group_member_removed, FALSE, at_ms,
                                           TRUE, &one_changed, error))
            return FALSE;
          info = same_address (parsed->group_member_removed, sender) ? KOI_STORE_GROUP_INFO_LEFT
                                                                     : KOI_STORE_GROUP_INFO_REMOVED;
          info_arg = parsed->group_member_removed;
        }
      else if (parsed->group_name_changed && parsed->group_name != NULL)
        {
          if (!koi_store_group_name_set (store, chat_id, parsed->group_name, at_ms, TRUE,
                                         &one_changed, error))
            return FALSE;
          info = KOI_STORE_GROUP_INFO_RENAMED;
          info_arg = parsed->group_name;
        }
      changed |= one_changed;
    }

  if (info != KOI_STORE_GROUP_INFO_RENAMED && parsed->group_id_explicit)
    {
      gboolean one_changed = FALSE;

      if (!koi_store_group_name_set (store, chat_id, shown_name (parsed), at_ms, FALSE,
                                     &one_changed, error))
        return FALSE;
      changed |= one_changed;
    }

  /* A group known only from an email program's reply still needs a title:
   * its Subject without "Re:", dated 0 so any name a group client wrote
   * outweighs it, whatever the order. */
  if (!parsed->group_id_explicit && parsed->subject != NULL)
    {
      const char *subject = parsed->subject;
      gboolean one_changed = FALSE;

      while (g_ascii_strncasecmp (subject, "Re:", 3) == 0 || g_ascii_strncasecmp (subject, "Fw:", 3) == 0 ||
             g_ascii_strncasecmp (subject, "Aw:", 3) == 0 || g_ascii_strncasecmp (subject, "Fwd:", 4) == 0)
        {
          subject = strchr (subject, ':') + 1;
          while (*subject == ' ')
            subject++;
        }
      if (*subject != '\0' &&
          !koi_store_group_name_set (store, chat_id, subject, 0, FALSE, &one_changed, error))
        return FALSE;
      changed |= one_changed;
    }

  if (founding && info == KOI_STORE_GROUP_INFO_NONE)
    {
      info = KOI_STORE_GROUP_INFO_CREATED;
      info_arg = shown_name (parsed);
    }

  if (info != KOI_STORE_GROUP_INFO_NONE &&
      !koi_store_message_set_group_info (store, message_ref, info, info_arg, error))
    return FALSE;

  if (changed)
    koi_apply_note_chat (changes, chat_id);
  return TRUE;
}
