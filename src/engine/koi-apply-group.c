/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-apply"

#include "config.h"

#include <string.h>

#include "koi-apply-group.h"
#include "koi-store-group.h"
#include "koi-store-group-log.h"

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

/* To and Cc vouch for members, except the sender's own address: group
 * clients never list the sender, so a sender who does vouches for nobody
 * but themself, which is not how anyone joins. */
static void
seen_members (GArray             *facts,
              GPtrArray          *addresses,
              const char         *sender)
{
  for (guint i = 0; i < addresses->len; i++)
    {
      KoiStoreGroupFact fact = { KOI_STORE_GROUP_FACT_MEMBER_SEEN, g_ptr_array_index (addresses, i) };

      if (!same_address (fact.value, sender))
        g_array_append_val (facts, fact);
    }
}

static void
add_fact (GArray                *facts,
          KoiStoreGroupFactKind  kind,
          const char            *value)
{
  KoiStoreGroupFact fact = { kind, value };

  if (value != NULL && *value != '\0')
    g_array_append_val (facts, fact);
}

/* The Subject of an email program's reply, without "Re:" and the like. */
static const char *
reply_subject (const char *subject)
{
  while (g_ascii_strncasecmp (subject, "Re:", 3) == 0 || g_ascii_strncasecmp (subject, "Fw:", 3) == 0 ||
         g_ascii_strncasecmp (subject, "Aw:", 3) == 0 || g_ascii_strncasecmp (subject, "Fwd:", 4) == 0)
    {
      subject = strchr (subject, ':') + 1;
      while (*subject == ' ')
        subject++;
    }
  return subject;
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
  g_autoptr(GArray) facts = g_array_new (FALSE, FALSE, sizeof (KoiStoreGroupFact));
  g_autoptr(GArray) updated = g_array_new (FALSE, FALSE, sizeof (gint64));
  KoiStoreGroupMail mail = { 0, };
  const char *sender = parsed->from_address;
  gboolean founding = g_strcmp0 (parsed->chat_content, "group-created") == 0;
  gboolean renamed = FALSE;
  gboolean changed = FALSE;

  mail.message_ref = message_ref;
  mail.tie = parsed->message_id;
  mail.at_ms = parsed->date_ms;
  mail.sender = sender;

  /* Only what a group client wrote says who is in the group: a reply from
   * an email program that drops people is a reply, not a removal. */
  if (parsed->group_id_explicit)
    {
      seen_members (facts, parsed->to, sender);
      seen_members (facts, parsed->cc, sender);
      /* The sender vouches for themself where a member writes: Koi's
       * founding message, a change, and Delta Chat's mail (which never
       * lists its sender). It counts only where the group log lets the
       * mail count at all: from a member, or as the group's first mail,
       * whose sender founded the group or added this user
       * (koi-store-group-log.h). */
      if (founding || parsed->is_delta_chat || parsed->type == KOI_COI_TYPE_GROUP_CHANGE)
        add_fact (facts, KOI_STORE_GROUP_FACT_MEMBER_SEEN, sender);
    }

  if (parsed->type == KOI_COI_TYPE_GROUP_CHANGE)
    {
      if (parsed->group_member_added != NULL)
        {
          add_fact (facts, KOI_STORE_GROUP_FACT_ADDED, parsed->group_member_added);
          mail.info = KOI_STORE_GROUP_INFO_ADDED;
          mail.info_arg = parsed->group_member_added;
        }
      else if (parsed->group_member_removed != NULL)
        {
          add_fact (facts, KOI_STORE_GROUP_FACT_REMOVED, parsed->group_member_removed);
          mail.info = same_address (parsed->group_member_removed, sender) ? KOI_STORE_GROUP_INFO_LEFT
                                                                          : KOI_STORE_GROUP_INFO_REMOVED;
          mail.info_arg = parsed->group_member_removed;
        }
      else if (parsed->group_name_changed && parsed->group_name != NULL)
        {
          add_fact (facts, KOI_STORE_GROUP_FACT_RENAMED, parsed->group_name);
          mail.info = KOI_STORE_GROUP_INFO_RENAMED;
          mail.info_arg = parsed->group_name;
          renamed = TRUE;
        }
    }

  if (!renamed && parsed->group_id_explicit)
    add_fact (facts, KOI_STORE_GROUP_FACT_NAME_SEEN, shown_name (parsed));

  /* A group known only from an email program's reply still needs a title:
   * its Subject without "Re:", dated 0 so any name a group client wrote
   * outweighs it, whatever the order. It changes nothing else, so it needs
   * no member to send it. The mail keeps its Date for the log's order, so
   * a reply arriving in order does not replay the group. */
  if (!parsed->group_id_explicit)
    {
      if (parsed->subject == NULL)
        return TRUE;
      add_fact (facts, KOI_STORE_GROUP_FACT_NAME_SEEN, reply_subject (parsed->subject));
      mail.facts_undated = TRUE;
      mail.sender = NULL;
    }

  if (founding && mail.info == KOI_STORE_GROUP_INFO_NONE)
    {
      mail.info = KOI_STORE_GROUP_INFO_CREATED;
      mail.info_arg = shown_name (parsed);
    }

  mail.facts = (const KoiStoreGroupFact *) facts->data;
  mail.n_facts = facts->len;
  if (!koi_store_group_log_apply (store, chat_id, &mail, &changed, updated, error))
    return FALSE;

  /* A mail that came out of order can decide whether earlier-arrived
   * changes count: their info lines appear or go. */
  for (guint i = 0; i < updated->len; i++)
    {
      KoiApplyChange change = { chat_id, g_array_index (updated, gint64, i) };

      g_array_append_val (changes->updated, change);
    }
  if (changed || updated->len > 0)
    koi_apply_note_chat (changes, chat_id);
  return TRUE;
}
