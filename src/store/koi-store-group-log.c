/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store"

#include "config.h"

#include <string.h>

#include "koi-store-group-log.h"
#include "koi-store-private.h"

/* A group's state while facts are applied: the members by address (ASCII
 * lower case, as addresses compare) and the name. */
typedef struct {
  char     *address;
  gboolean  removed;
  gboolean  explicit_change;
  gint64    changed_at_ms;
  gint64    added_at;
  gboolean  dirty;
} Member;

typedef struct {
  GHashTable *members;
  char       *name;
  gboolean    name_explicit;
  gint64      name_at_ms;
  gboolean    name_dirty;
  gboolean    changed;
} Group;

static void
member_free (Member *member)
{
  g_free (member->address);
  g_free (member);
}

static void
group_init (Group *group)
{
  memset (group, 0, sizeof *group);
  group->members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) member_free);
}

static void
group_clear (Group *group)
{
  g_clear_pointer (&group->members, g_hash_table_unref);
  g_clear_pointer (&group->name, g_free);
}

static Member *
group_lookup (Group      *group,
              const char *address)
{
  g_autofree char *key = g_ascii_strdown (address, -1);

  return g_hash_table_lookup (group->members, key);
}

/* Whether a mail from @sender counts: see koi-store-group-log.h. */
static gboolean
group_counts (Group      *group,
              const char *sender)
{
  Member *member;

  if (sender == NULL || g_hash_table_size (group->members) == 0)
    return TRUE;
  member = group_lookup (group, sender);
  return member != NULL && !member->removed;
}

static void
group_set_member (Group      *group,
                  const char *address,
                  gboolean    member,
                  gint64      at_ms,
                  gboolean    explicit_change)
{
  Member *row = group_lookup (group, address);

  if (!koi_store_group_member_wins (row != NULL, row != NULL && row->removed,
                                    row != NULL && row->explicit_change,
                                    row != NULL ? row->changed_at_ms : 0,
                                    member, at_ms, explicit_change))
    return;

  if (row == NULL)
    {
      row = g_new0 (Member, 1);
      row->address = g_strdup (address);
      row->removed = TRUE;   /* so that "changed" below sees the addition */
      row->added_at = at_ms;
      g_hash_table_insert (group->members, g_ascii_strdown (address, -1), row);
    }
  else if (member && row->removed)
    row->added_at = at_ms;

  if (row->removed == member)
    group->changed = TRUE;
  row->removed = !member;
  row->changed_at_ms = at_ms;
  row->explicit_change = explicit_change;
  row->dirty = TRUE;
}

static void
group_set_name (Group      *group,
                const char *name,
                gint64      at_ms,
                gboolean    explicit_change)
{
  if (name == NULL || *name == '\0' ||
      !koi_store_group_name_wins (group->name, group->name_explicit, group->name_at_ms, name,
                                  at_ms, explicit_change))
    return;

  if (g_strcmp0 (group->name, name) != 0)
    group->changed = TRUE;
  g_free (group->name);
  group->name = g_strdup (name);
  group->name_explicit = explicit_change;
  group->name_at_ms = at_ms;
  group->name_dirty = TRUE;
}

static void
group_apply_fact (Group                 *group,
                  KoiStoreGroupFactKind  kind,
                  const char            *value,
                  gint64                 at_ms)
{
  switch (kind)
    {
    case KOI_STORE_GROUP_FACT_MEMBER_SEEN:
      group_set_member (group, value, TRUE, at_ms, FALSE);
      break;
    case KOI_STORE_GROUP_FACT_ADDED:
      group_set_member (group, value, TRUE, at_ms, TRUE);
      break;
    case KOI_STORE_GROUP_FACT_REMOVED:
      group_set_member (group, value, FALSE, at_ms, TRUE);
      break;
    case KOI_STORE_GROUP_FACT_NAME_SEEN:
      group_set_name (group, value, at_ms, FALSE);
      break;
    case KOI_STORE_GROUP_FACT_RENAMED:
      group_set_name (group, value, at_ms, TRUE);
      break;
    default:
      break;   /* a kind from a newer Koi: nothing this one knows to do */
    }
}

static gboolean
group_load (KoiStore  *self,
            gint64     chat_id,
            Group     *group,
            GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = koi_store_prepare (self,
                            "SELECT k.address, m.removed, m.explicit, m.changed_at_ms, m.added_at"
                            " FROM chat_members m JOIN contacts k ON k.id = m.contact_id"
                            " WHERE m.chat_id = ?1",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Member *row = g_new0 (Member, 1);

      row->address = koi_store_column_dup (stmt, 0);
      row->removed = sqlite3_column_int (stmt, 1) != 0;
      row->explicit_change = sqlite3_column_int (stmt, 2) != 0;
      row->changed_at_ms = sqlite3_column_int64 (stmt, 3);
      row->added_at = sqlite3_column_int64 (stmt, 4);
      g_hash_table_insert (group->members, g_ascii_strdown (row->address, -1), row);
    }
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not read the group’s members");
      return FALSE;
    }
  g_clear_pointer (&stmt, koi_store_stmt_release);

  stmt = koi_store_prepare (self,
                            "SELECT name, name_explicit, name_changed_at_ms FROM chats WHERE id = ?1",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND,
                     "There is no chat with id %" G_GINT64_FORMAT, chat_id);
      else
        koi_store_set_error (self, error, rc, "Could not read the group’s name");
      return FALSE;
    }
  group->name = koi_store_column_dup (stmt, 0);
  group->name_explicit = sqlite3_column_int (stmt, 1) != 0;
  group->name_at_ms = sqlite3_column_int64 (stmt, 2);
  return TRUE;
}

/* Writes the members and name that changed; @replayed: the whole group
 * was rebuilt, so every stored member row is replaced. */
static gboolean
group_save (KoiStore  *self,
            gint64     account_id,
            gint64     chat_id,
            Group     *group,
            gboolean   replayed,
            GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  GHashTableIter iter;
  Member *row;

  if (replayed)
    {
      stmt = koi_store_prepare (self, "DELETE FROM chat_members WHERE chat_id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, chat_id);
      if (!koi_store_step_done (self, stmt, "Could not replay the group’s members", error))
        return FALSE;
      g_clear_pointer (&stmt, koi_store_stmt_release);
    }

  g_hash_table_iter_init (&iter, group->members);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &row))
    {
      gint64 contact_id;

      if (!row->dirty && !replayed)
        continue;
      contact_id = koi_store_contact_ensure (self, account_id, row->address, NULL, error);
      if (contact_id == 0)
        return FALSE;
      stmt = koi_store_prepare (self,
                                "INSERT INTO chat_members (chat_id, contact_id, added_at, removed,"
                                " changed_at_ms, explicit) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                                " ON CONFLICT (chat_id, contact_id) DO UPDATE SET"
                                "  added_at = excluded.added_at, removed = excluded.removed,"
                                "  changed_at_ms = excluded.changed_at_ms, explicit = excluded.explicit",
                                error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, chat_id);
      sqlite3_bind_int64 (stmt, 2, contact_id);
      sqlite3_bind_int64 (stmt, 3, row->added_at);
      sqlite3_bind_int (stmt, 4, row->removed ? 1 : 0);
      sqlite3_bind_int64 (stmt, 5, row->changed_at_ms);
      sqlite3_bind_int (stmt, 6, row->explicit_change ? 1 : 0);
      if (!koi_store_step_done (self, stmt, "Could not save a group member", error))
        return FALSE;
      g_clear_pointer (&stmt, koi_store_stmt_release);
    }

  if (!group->name_dirty && !replayed)
    return TRUE;
  stmt = koi_store_prepare (self,
                            "UPDATE chats SET name = ?2, name_changed_at_ms = ?3, name_explicit = ?4"
                            " WHERE id = ?1",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  koi_store_bind_text (stmt, 2, group->name);
  sqlite3_bind_int64 (stmt, 3, group->name_at_ms);
  sqlite3_bind_int (stmt, 4, group->name_explicit ? 1 : 0);
  return koi_store_step_done (self, stmt, "Could not rename the group", error);
}

/* Gives @message_ref the info line @info (@arg) unless it has it already;
 * *@out_set: it changed. */
static gboolean
set_info (KoiStore           *self,
          gint64              message_ref,
          KoiStoreGroupInfo   info,
          const char         *arg,
          gboolean           *out_set,
          GError            **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  *out_set = FALSE;
  stmt = koi_store_prepare (self,
                            "UPDATE messages SET group_info = ?2, group_info_arg = ?3"
                            " WHERE id = ?1 AND (group_info <> ?2 OR group_info_arg IS NOT ?3)",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_ref);
  sqlite3_bind_int (stmt, 2, info);
  koi_store_bind_text (stmt, 3, info != KOI_STORE_GROUP_INFO_NONE ? arg : NULL);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, "Could not save the group info of a message");
      return FALSE;
    }
  *out_set = sqlite3_changes (self->db) > 0;
  return TRUE;
}

/* Whether @a and @b have the same members (removed ones aside). */
static gboolean
same_members (Group *a,
              Group *b)
{
  GHashTableIter iter;
  const char *key;
  Member *row;
  gint present_a = 0;

  g_hash_table_iter_init (&iter, a->members);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &row))
    {
      Member *other = g_hash_table_lookup (b->members, key);

      if (row->removed)
        continue;
      present_a++;
      if (other == NULL || other->removed)
        return FALSE;
    }
  g_hash_table_iter_init (&iter, b->members);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &row))
    if (!row->removed)
      present_a--;
  return present_a == 0;
}

/* A replay keeps the group every SNAPSHOT_EVERY mails, so that a late
 * mail replays from the last snapshot before its Date instead of from the
 * group's first mail: its cost is the mails after it (plus at most this
 * many), not the group's whole history. */
#define SNAPSHOT_EVERY 64
#define SNAPSHOT_TYPE  "(msbxa(sbbxx))"

static GVariant *
group_to_variant (Group *group)
{
  GVariantBuilder members;
  GHashTableIter iter;
  Member *row;

  g_variant_builder_init (&members, G_VARIANT_TYPE ("a(sbbxx)"));
  g_hash_table_iter_init (&iter, group->members);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &row))
    g_variant_builder_add (&members, "(sbbxx)", row->address, row->removed,
                           row->explicit_change, row->changed_at_ms, row->added_at);
  return g_variant_ref_sink (g_variant_new (SNAPSHOT_TYPE, group->name, group->name_explicit,
                                            group->name_at_ms, &members));
}

static void
group_from_variant (Group    *group,
                    GVariant *state)
{
  g_autoptr(GVariantIter) members = NULL;
  const char *address;
  gboolean removed, explicit_change;
  gint64 changed_at_ms, added_at;

  g_variant_get (state, "(msbxa(sbbxx))", &group->name, &group->name_explicit,
                 &group->name_at_ms, &members);
  while (g_variant_iter_next (members, "(&sbbxx)", &address, &removed, &explicit_change,
                              &changed_at_ms, &added_at))
    {
      Member *row = g_new0 (Member, 1);

      row->address = g_strdup (address);
      row->removed = removed;
      row->explicit_change = explicit_change;
      row->changed_at_ms = changed_at_ms;
      row->added_at = added_at;
      g_hash_table_insert (group->members, g_ascii_strdown (address, -1), row);
    }
}

static gboolean
snapshot_save (KoiStore    *self,
               gint64       chat_id,
               gint64       at_ms,
               const char  *tie,
               Group       *group,
               GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GVariant) state = group_to_variant (group);

  stmt = koi_store_prepare (self,
                            "INSERT OR REPLACE INTO group_snapshots (chat_id, mail_at_ms, tie, state)"
                            " VALUES (?1, ?2, ?3, ?4)",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, at_ms);
  koi_store_bind_text (stmt, 3, tie ? tie : "");
  sqlite3_bind_blob (stmt, 4, g_variant_get_data (state), g_variant_get_size (state),
                     SQLITE_TRANSIENT);
  return koi_store_step_done (self, stmt, "Could not save the group’s log", error);
}

/* Forgets the snapshots at (@at_ms, @tie), the place of a mail whose
 * facts changed: one there sat between two mails that are now three. */
static gboolean
snapshots_drop_at (KoiStore    *self,
                   gint64       chat_id,
                   gint64       at_ms,
                   const char  *tie,
                   GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = koi_store_prepare (self,
                            "DELETE FROM group_snapshots WHERE chat_id = ?1"
                            " AND mail_at_ms = ?2 AND tie = ?3",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, at_ms);
  koi_store_bind_text (stmt, 3, tie ? tie : "");
  return koi_store_step_done (self, stmt, "Could not save the group’s log", error);
}

static int
place_cmp (gint64      a_at,
           const char *a_tie,
           gint64      b_at,
           const char *b_tie)
{
  if (a_at != b_at)
    return a_at < b_at ? -1 : 1;
  return strcmp (a_tie ? a_tie : "", b_tie ? b_tie : "");
}

/* Loads the snapshot at (@at_ms, @tie) into the empty @group; *@out_found:
 * there is one. */
static gboolean
snapshot_load_at (KoiStore    *self,
                  gint64       chat_id,
                  gint64       at_ms,
                  const char  *tie,
                  Group       *group,
                  gboolean    *out_found,
                  GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  *out_found = FALSE;
  stmt = koi_store_prepare (self,
                            "SELECT state FROM group_snapshots WHERE chat_id = ?1"
                            " AND mail_at_ms = ?2 AND tie = ?3",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, at_ms);
  koi_store_bind_text (stmt, 3, tie ? tie : "");
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (sqlite3_column_blob (stmt, 0),
                                             sqlite3_column_bytes (stmt, 0));
      g_autoptr(GVariant) state = g_variant_ref_sink (
        g_variant_new_from_bytes (G_VARIANT_TYPE (SNAPSHOT_TYPE), bytes, FALSE));

      group_from_variant (group, state);
      *out_found = TRUE;
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    return TRUE;
  koi_store_set_error (self, error, rc, "Could not read the group’s log");
  return FALSE;
}

/* Whether the mails after a place are judged and applied alike from @a
 * and from @b: the same members, removed or not, with the same kind of
 * change, the same times where they decide (an explicit change's), and
 * the same name. What they may still differ in decides nothing: the time
 * a member was added, and when a member only seen in To/Cc was first seen
 * (koi_store_group_member_wins: seen only introduces unknown addresses). */
static gboolean
same_judgement (Group *a,
                Group *b)
{
  GHashTableIter iter;
  const char *key;
  Member *row;

  if (g_hash_table_size (a->members) != g_hash_table_size (b->members) ||
      g_strcmp0 (a->name, b->name) != 0 || a->name_explicit != b->name_explicit ||
      a->name_at_ms != b->name_at_ms)
    return FALSE;
  g_hash_table_iter_init (&iter, a->members);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &row))
    {
      Member *other = g_hash_table_lookup (b->members, key);

      if (other == NULL || other->removed != row->removed ||
          other->explicit_change != row->explicit_change ||
          (row->explicit_change && other->changed_at_ms != row->changed_at_ms))
        return FALSE;
    }
  return TRUE;
}

/* Whether @a and @b (judged alike) agree in every time too. */
static gboolean
same_times (Group *a,
            Group *b)
{
  GHashTableIter iter;
  const char *key;
  Member *row;

  g_hash_table_iter_init (&iter, a->members);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &row))
    {
      Member *other = g_hash_table_lookup (b->members, key);

      if (other == NULL || other->added_at != row->added_at ||
          other->changed_at_ms != row->changed_at_ms)
        return FALSE;
    }
  return TRUE;
}

/* After a replay met the old log's state @old_k at a place with @new_k,
 * judged alike (same_judgement), @later (the stored group) differs from what a full replay would give
 * only where @new_k differs from @old_k in what decides nothing; this
 * carries those times over. A member's added time is rewritten only when
 * a removed member comes back, which, after the place, happens in both
 * logs alike: where @later still has the old log's time, nothing rewrote
 * it. A member only seen stays so until an explicit change, whose time
 * both logs then share. */
static void
group_carry_times (Group *later,
                   Group *old_k,
                   Group *new_k)
{
  GHashTableIter iter;
  const char *key;
  Member *row;

  g_hash_table_iter_init (&iter, new_k->members);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &row))
    {
      Member *old = g_hash_table_lookup (old_k->members, key);
      Member *target = g_hash_table_lookup (later->members, key);

      if (old == NULL || target == NULL)
        continue;
      if (old->added_at != row->added_at && target->added_at == old->added_at)
        {
          target->added_at = row->added_at;
          target->dirty = TRUE;
        }
      if (!target->explicit_change && target->changed_at_ms != row->changed_at_ms)
        {
          target->changed_at_ms = row->changed_at_ms;
          target->dirty = TRUE;
        }
    }
}

/* Loads into the empty @group the last snapshot of @chat_id before
 * (@before_at, @before_tie); *@out_found: there is one, and *@out_at_ms /
 * *@out_tie its place. */
static gboolean
snapshot_load_last (KoiStore    *self,
                    gint64       chat_id,
                    gint64       before_at,
                    const char  *before_tie,
                    Group       *group,
                    gboolean    *out_found,
                    gint64      *out_at_ms,
                    char       **out_tie,
                    GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  *out_found = FALSE;
  stmt = koi_store_prepare (self,
                            "SELECT mail_at_ms, tie, state FROM group_snapshots WHERE chat_id = ?1"
                            " AND (mail_at_ms, tie) < (?2, ?3)"
                            " ORDER BY mail_at_ms DESC, tie DESC LIMIT 1",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, before_at);
  koi_store_bind_text (stmt, 3, before_tie ? before_tie : "");
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (sqlite3_column_blob (stmt, 2),
                                             sqlite3_column_bytes (stmt, 2));
      g_autoptr(GVariant) state = g_variant_ref_sink (
        g_variant_new_from_bytes (G_VARIANT_TYPE (SNAPSHOT_TYPE), bytes, FALSE));

      group_from_variant (group, state);
      *out_found = TRUE;
      *out_at_ms = sqlite3_column_int64 (stmt, 0);
      *out_tie = koi_store_column_dup (stmt, 1);
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    return TRUE;
  koi_store_set_error (self, error, rc, "Could not read the group’s log");
  return FALSE;
}

/* Rebuilds the group from its log, in Date order: from its last snapshot
 * (those after a late mail are dropped first), keeping new ones. */
static gboolean
group_replay (KoiStore    *self,
              gint64       chat_id,
              gint64       current_ref,
              gint64       lo_at,
              const char  *lo_tie,
              gint64       hi_at,
              const char  *hi_tie,
              Group       *group,
              Group       *old_k,
              gboolean    *out_met,
              gint64      *out_met_at,
              char       **out_met_tie,
              GArray      *out_updated,
              GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) infos = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) info_args = g_ptr_array_new_with_free_func (g_free);
  gboolean have_mail = FALSE;
  gint64 mail_ref = 0;
  gint64 mail_at = 0;
  g_autofree char *mail_tie = NULL;
  gboolean counted = FALSE;
  gboolean from_snapshot = FALSE;
  gint64 snapshot_at = 0;
  g_autofree char *snapshot_tie = NULL;
  guint since_snapshot = 0;
  int rc;

  *out_met = FALSE;
  if (!snapshot_load_last (self, chat_id, lo_at, lo_tie, group, &from_snapshot, &snapshot_at,
                           &snapshot_tie, error))
    return FALSE;
  if (from_snapshot)
    stmt = koi_store_prepare (self,
                              "SELECT COALESCE (message_ref, 0), tie, mail_at_ms, sender, kind, value,"
                              " info, info_arg, at_ms FROM group_events WHERE chat_id = ?1"
                              " AND (mail_at_ms, tie) > (?2, ?3)"
                              " ORDER BY mail_at_ms, tie, id",
                              error);
  else
    stmt = koi_store_prepare (self,
                              "SELECT COALESCE (message_ref, 0), tie, mail_at_ms, sender, kind, value,"
                              " info, info_arg, at_ms FROM group_events WHERE chat_id = ?1"
                              " ORDER BY mail_at_ms, tie, id",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  if (from_snapshot)
    {
      sqlite3_bind_int64 (stmt, 2, snapshot_at);
      koi_store_bind_text (stmt, 3, snapshot_tie);
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 ref = sqlite3_column_int64 (stmt, 0);
      const char *tie = (const char *) sqlite3_column_text (stmt, 1);
      gint64 at_ms = sqlite3_column_int64 (stmt, 2);

      /* A snapshot goes between two places in the order, never between
       * two mails of one place (Date and Message-ID). Past the mails that
       * changed, one from before is the old log's state there: when it
       * judges alike, the rest of the log gives what it gave before, and
       * the replay stops. */
      if (have_mail && (at_ms != mail_at || g_strcmp0 (tie, mail_tie) != 0))
        {
          gboolean found = FALSE;

          since_snapshot++;
          if (place_cmp (mail_at, mail_tie, hi_at, hi_tie) > 0)
            {
              group_clear (old_k);
              group_init (old_k);
              if (!snapshot_load_at (self, chat_id, mail_at, mail_tie, old_k, &found, error))
                return FALSE;
              if (found && same_judgement (group, old_k))
                {
                  /* It stays, with the times this replay got there. */
                  if (!same_times (group, old_k) &&
                      !snapshot_save (self, chat_id, mail_at, mail_tie, group, error))
                    return FALSE;
                  *out_met = TRUE;
                  *out_met_at = mail_at;
                  *out_met_tie = g_strdup (mail_tie);
                  break;
                }
            }
          if (found || since_snapshot >= SNAPSHOT_EVERY)
            {
              if (!snapshot_save (self, chat_id, mail_at, mail_tie, group, error))
                return FALSE;
              since_snapshot = 0;
            }
        }

      /* A mail's facts come together and are judged once, by the group
       * as the mails before it left it. */
      if (!have_mail || ref != mail_ref || at_ms != mail_at || g_strcmp0 (tie, mail_tie) != 0)
        {
          KoiStoreGroupInfo info = sqlite3_column_int (stmt, 6);

          have_mail = TRUE;
          mail_ref = ref;
          mail_at = at_ms;
          g_free (mail_tie);
          mail_tie = g_strdup (tie);
          counted = group_counts (group, (const char *) sqlite3_column_text (stmt, 3));
          if (ref != 0 && info != KOI_STORE_GROUP_INFO_NONE)
            {
              gint64 shown = counted ? info : KOI_STORE_GROUP_INFO_NONE;

              g_array_append_val (infos, ref);
              g_array_append_val (infos, shown);
              g_ptr_array_add (info_args, koi_store_column_dup (stmt, 7));
            }
        }
      if (counted)
        group_apply_fact (group, sqlite3_column_int (stmt, 4),
                          (const char *) sqlite3_column_text (stmt, 5),
                          sqlite3_column_int64 (stmt, 8));
    }
  if (rc != SQLITE_DONE && !*out_met)
    {
      koi_store_set_error (self, error, rc, "Could not read the group’s log");
      return FALSE;
    }

  for (guint i = 0; i < info_args->len; i++)
    {
      gint64 ref = g_array_index (infos, gint64, 2 * i);
      KoiStoreGroupInfo info = g_array_index (infos, gint64, 2 * i + 1);
      gboolean set = FALSE;

      if (!set_info (self, ref, info, g_ptr_array_index (info_args, i), &set, error))
        return FALSE;
      if (set && ref != current_ref && out_updated != NULL)
        g_array_append_val (out_updated, ref);
    }
  return TRUE;
}

/* Forgets the snapshots after (@at_ms, @tie). */
static gboolean
snapshots_drop_after (KoiStore    *self,
                      gint64       chat_id,
                      gint64       at_ms,
                      const char  *tie,
                      GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = koi_store_prepare (self,
                            "DELETE FROM group_snapshots WHERE chat_id = ?1"
                            " AND (mail_at_ms, tie) > (?2, ?3)",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, at_ms);
  koi_store_bind_text (stmt, 3, tie ? tie : "");
  return koi_store_step_done (self, stmt, "Could not save the group’s log", error);
}

/* Whether @mail comes after every mail already in the log of @chat_id by
 * (Date, Message-ID); *@out_known: it is in the log already, at
 * (*@out_known_at, *@out_known_tie). */
static gboolean
mail_is_last (KoiStore                *self,
              gint64                   chat_id,
              const KoiStoreGroupMail *mail,
              gboolean                *out_last,
              gboolean                *out_known,
              gint64                  *out_known_at,
              char                   **out_known_tie,
              GError                 **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  *out_last = TRUE;
  *out_known = FALSE;
  if (mail->message_ref != 0)
    {
      stmt = koi_store_prepare (self,
                                "SELECT mail_at_ms, tie FROM group_events WHERE message_ref = ?1"
                                " ORDER BY mail_at_ms, tie LIMIT 1",
                                error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, mail->message_ref);
      rc = sqlite3_step (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        {
          koi_store_set_error (self, error, rc, "Could not read the group’s log");
          return FALSE;
        }
      *out_known = rc == SQLITE_ROW;
      if (*out_known)
        {
          *out_known_at = sqlite3_column_int64 (stmt, 0);
          *out_known_tie = koi_store_column_dup (stmt, 1);
        }
      g_clear_pointer (&stmt, koi_store_stmt_release);
    }

  stmt = koi_store_prepare (self,
                            "SELECT mail_at_ms, tie FROM group_events WHERE chat_id = ?1"
                            " ORDER BY mail_at_ms DESC, tie DESC LIMIT 1",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      gint64 last_at = sqlite3_column_int64 (stmt, 0);
      const char *last_tie = (const char *) sqlite3_column_text (stmt, 1);

      *out_last = mail->at_ms > last_at ||
                  (mail->at_ms == last_at && strcmp (mail->tie ? mail->tie : "", last_tie) > 0);
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    return TRUE;
  koi_store_set_error (self, error, rc, "Could not read the group’s log");
  return FALSE;
}

static gboolean
log_mail (KoiStore                *self,
          gint64                   chat_id,
          const KoiStoreGroupMail *mail,
          GError                 **error)
{
  for (guint i = 0; i < mail->n_facts; i++)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;

      if (mail->facts[i].value == NULL || *mail->facts[i].value == '\0')
        continue;
      stmt = koi_store_prepare (self,
                                "INSERT INTO group_events (chat_id, message_ref, mail_at_ms, at_ms, tie,"
                                " sender, kind, value, info, info_arg)"
                                " VALUES (?1, ?2, ?3, ?10, ?4, ?5, ?6, ?7, ?8, ?9)",
                                error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, chat_id);
      koi_store_bind_id (stmt, 2, mail->message_ref);
      sqlite3_bind_int64 (stmt, 3, mail->at_ms);
      koi_store_bind_text (stmt, 4, mail->tie ? mail->tie : "");
      koi_store_bind_text (stmt, 5, mail->sender);
      sqlite3_bind_int (stmt, 6, mail->facts[i].kind);
      koi_store_bind_text (stmt, 7, mail->facts[i].value);
      sqlite3_bind_int (stmt, 8, mail->info);
      koi_store_bind_text (stmt, 9, mail->info_arg);
      sqlite3_bind_int64 (stmt, 10, mail->facts_undated ? 0 : mail->at_ms);
      if (!koi_store_step_done (self, stmt, "Could not save the group’s log", error))
        return FALSE;
    }
  return TRUE;
}

gboolean
koi_store_group_log_apply (KoiStore                *self,
                           gint64                   chat_id,
                           const KoiStoreGroupMail *mail,
                           gboolean                *out_changed,
                           GArray                  *out_updated,
                           GError                 **error)
{
  g_autoptr(KoiStoreChat) chat = NULL;
  KoiStoreAtomic atomic;
  Group group;
  gboolean last = TRUE;
  gboolean known = FALSE;
  gint64 known_at = 0;
  g_autofree char *known_tie = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (mail != NULL, FALSE);

  if (out_changed != NULL)
    *out_changed = FALSE;

  group_init (&group);
  if (!koi_store_atomic_begin (self, &atomic, error))
    {
      group_clear (&group);
      return FALSE;
    }

  chat = koi_store_chat_get (self, chat_id, error);
  if (chat == NULL || !mail_is_last (self, chat_id, mail, &last, &known, &known_at, &known_tie,
                                       error))
    goto out;

  if (known)
    {
      g_autoptr(sqlite3_stmt) stmt = koi_store_prepare (self,
                                                        "DELETE FROM group_events WHERE message_ref = ?1",
                                                        error);

      if (stmt == NULL)
        goto out;
      sqlite3_bind_int64 (stmt, 1, mail->message_ref);
      if (!koi_store_step_done (self, stmt, "Could not save the group’s log", error))
        goto out;
      if (!snapshots_drop_at (self, chat_id, known_at, known_tie, error))
        goto out;
      last = FALSE;
    }

  if (!log_mail (self, chat_id, mail, error))
    goto out;

  if (last)
    {
      /* In Date order (the usual case): on top of the stored group, which
       * is what a replay up to here would give. */
      gboolean counted;
      gboolean set = FALSE;

      if (!group_load (self, chat_id, &group, error))
        goto out;
      group.changed = FALSE;
      counted = group_counts (&group, mail->sender);
      for (guint i = 0; counted && i < mail->n_facts; i++)
        if (mail->facts[i].value != NULL && *mail->facts[i].value != '\0')
          group_apply_fact (&group, mail->facts[i].kind, mail->facts[i].value,
                            mail->facts_undated ? 0 : mail->at_ms);
      if (mail->message_ref != 0 &&
          !set_info (self, mail->message_ref,
                     counted ? mail->info : KOI_STORE_GROUP_INFO_NONE, mail->info_arg, &set, error))
        goto out;
      if (!group_save (self, chat->account_id, chat_id, &group, FALSE, error))
        goto out;
      if (out_changed != NULL)
        *out_changed = group.changed;
    }
  else
    {
      Group before;
      Group old_k;
      gboolean replayed;
      gboolean met = FALSE;
      gint64 met_at = 0;
      g_autofree char *met_tie = NULL;
      /* The places whose mails changed: this one, and where it was. */
      gboolean known_first = known && place_cmp (known_at, known_tie, mail->at_ms, mail->tie) < 0;
      gboolean known_last = known && place_cmp (known_at, known_tie, mail->at_ms, mail->tie) > 0;

      /* Out of order: replay from the last snapshot before it, and
       * compare with what was stored. */
      group_init (&before);
      group_init (&old_k);
      replayed = snapshots_drop_at (self, chat_id, mail->at_ms, mail->tie, error) &&
                 group_load (self, chat_id, &before, error) &&
                 group_replay (self, chat_id, mail->message_ref,
                               known_first ? known_at : mail->at_ms,
                               known_first ? known_tie : mail->tie,
                               known_last ? known_at : mail->at_ms,
                               known_last ? known_tie : mail->tie,
                               &group, &old_k, &met, &met_at, &met_tie, out_updated, error);
      if (replayed && met)
        {
          /* The rest of the log judges as before: the stored group stands,
           * but for the times that decide nothing. Those times differ in
           * the later snapshots too (a mail that comes first and shows
           * everyone moves each member's first sight): rather than rewrite
           * every one, they go, and the next late mail after them replays
           * to the end and keeps new ones. */
          group_carry_times (&before, &old_k, &group);
          replayed = group_save (self, chat->account_id, chat_id, &before, FALSE, error) &&
                     (same_times (&group, &old_k) ||
                      snapshots_drop_after (self, chat_id, met_at, met_tie, error));
        }
      else if (replayed)
        {
          replayed = group_save (self, chat->account_id, chat_id, &group, TRUE, error);
          if (replayed && out_changed != NULL)
            *out_changed = !same_members (&before, &group) ||
                           g_strcmp0 (before.name, group.name) != 0;
        }
      group_clear (&before);
      group_clear (&old_k);
      if (!replayed)
        goto out;
    }
  ok = TRUE;

out:
  group_clear (&group);
  return koi_store_atomic_end (self, &atomic, ok, error);
}
