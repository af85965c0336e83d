/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "store-test-util.h"
#include "koi-store-group-log.h"

/*
 * A group's long history in many orders of arrival. A late mail replays
 * the group only from the last snapshot before it (koi-store-group-log.c
 * keeps one every 64 mails), so this history is long enough to cross many
 * snapshots, with joins, removals, renames, changes by outsiders and mails
 * that share a Date. Whatever the order, every member list, the name and
 * every info line must come out as in Date order: a user on two devices
 * sees one group.
 */

#define N_MAILS  400
#define N_PEOPLE 12

typedef struct {
  char                    *message_id;
  char                    *sender;
  gint64                   at_ms;
  GPtrArray               *values;
  GArray                  *kinds;
  KoiStoreGroupInfo        info;
  char                    *info_arg;
} Mail;

static void
mail_free (Mail *mail)
{
  g_free (mail->message_id);
  g_free (mail->sender);
  g_ptr_array_unref (mail->values);
  g_array_unref (mail->kinds);
  g_free (mail->info_arg);
  g_free (mail);
}

static char *
person (guint i)
{
  return g_strdup_printf ("person%u@example.org", i);
}

static void
add_fact (Mail                  *mail,
          KoiStoreGroupFactKind  kind,
          char                  *value)
{
  g_array_append_val (mail->kinds, kind);
  g_ptr_array_add (mail->values, value);
}

/* The same history every run (a fixed seed). */
static GPtrArray *
make_history (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (8);
  GPtrArray *mails = g_ptr_array_new_with_free_func ((GDestroyNotify) mail_free);
  gint64 at_ms = 1795000000000;

  for (guint i = 0; i < N_MAILS; i++)
    {
      Mail *mail = g_new0 (Mail, 1);
      guint roll = g_rand_int_range (rand, 0, 100);

      /* Every seventh mail shares its Date with the one before. */
      if (i % 7 != 6)
        at_ms += g_rand_int_range (rand, 1, 5) * 1000;
      mail->message_id = g_strdup_printf ("m%03u.%u@example.org", i,
                                          g_rand_int_range (rand, 0, 1000));
      mail->at_ms = at_ms;
      mail->values = g_ptr_array_new_with_free_func (g_free);
      mail->kinds = g_array_new (FALSE, FALSE, sizeof (KoiStoreGroupFactKind));
      /* Mostly the first six people (the group's core), sometimes anyone,
       * outsiders included. */
      mail->sender = person (i == 0 ? 0 : g_rand_int_range (rand, 0, roll < 80 ? 6 : N_PEOPLE));
      for (guint p = 0; p < (i == 0 ? 5u : 6u); p++)
        if (g_rand_int_range (rand, 0, 4) != 0 || i == 0)
          add_fact (mail, KOI_STORE_GROUP_FACT_MEMBER_SEEN, person (p));

      if (i == 0)
        {
          add_fact (mail, KOI_STORE_GROUP_FACT_RENAMED, g_strdup ("Founded"));
          mail->info = KOI_STORE_GROUP_INFO_CREATED;
          mail->info_arg = g_strdup ("Founded");
        }
      else if (roll < 10)
        {
          char *added = person (g_rand_int_range (rand, 0, N_PEOPLE));

          mail->info = KOI_STORE_GROUP_INFO_ADDED;
          mail->info_arg = g_strdup (added);
          add_fact (mail, KOI_STORE_GROUP_FACT_ADDED, added);
        }
      else if (roll < 18)
        {
          char *removed = person (g_rand_int_range (rand, 0, N_PEOPLE));

          mail->info = KOI_STORE_GROUP_INFO_REMOVED;
          mail->info_arg = g_strdup (removed);
          add_fact (mail, KOI_STORE_GROUP_FACT_REMOVED, removed);
        }
      else if (roll < 24)
        {
          char *name = g_strdup_printf ("Name %u", i);

          mail->info = KOI_STORE_GROUP_INFO_RENAMED;
          mail->info_arg = g_strdup (name);
          add_fact (mail, KOI_STORE_GROUP_FACT_RENAMED, name);
        }
      else
        add_fact (mail, KOI_STORE_GROUP_FACT_NAME_SEEN, g_strdup ("Seen name"));
      g_ptr_array_add (mails, mail);
    }
  return mails;
}

static void
append_rows (GString    *out,
             sqlite3    *db,
             const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      for (int c = 0; c < sqlite3_column_count (stmt); c++)
        g_string_append_printf (out, "%s|", (const char *) sqlite3_column_text (stmt, c));
      g_string_append_c (out, '\n');
    }
  g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
}

/* Applies @mails in @order to a new store, in batches as a sync would,
 * and returns what a user could see of the group: members (with removal
 * and times), name and every message's info line. */
static char *
apply_in_order (GPtrArray   *mails,
                const guint *order)
{
  g_autoptr(GError) error = NULL;
  StoreTestDir dir;
  KoiStore *store;
  gint64 account_id;
  gint64 chat_id;
  GString *out = g_string_new (NULL);
  sqlite3 *db = NULL;

  store_test_dir_init (&dir);
  store = store_test_open (dir.path);
  account_id = store_test_account (store, "person0@example.org");
  chat_id = koi_store_chat_ensure_group (store, account_id, "LongHistory0001", NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < mails->len; i++)
    {
      Mail *mail = g_ptr_array_index (mails, order[i]);
      g_autofree KoiStoreGroupFact *facts = g_new0 (KoiStoreGroupFact, mail->kinds->len);
      KoiStoreGroupMail group_mail = { 0, };

      if (i % 50 == 0)
        {
          koi_store_begin (store, &error);
          g_assert_no_error (error);
        }
      for (guint f = 0; f < mail->kinds->len; f++)
        {
          facts[f].kind = g_array_index (mail->kinds, KoiStoreGroupFactKind, f);
          facts[f].value = g_ptr_array_index (mail->values, f);
        }
      group_mail.message_ref = store_test_incoming (store, account_id, chat_id, mail->message_id,
                                                    "text", mail->at_ms);
      group_mail.tie = mail->message_id;
      group_mail.at_ms = mail->at_ms;
      group_mail.sender = mail->sender;
      group_mail.facts = facts;
      group_mail.n_facts = mail->kinds->len;
      group_mail.info = mail->info;
      group_mail.info_arg = mail->info_arg;
      g_assert_true (koi_store_group_log_apply (store, chat_id, &group_mail, NULL, NULL, &error));
      g_assert_no_error (error);
      if (i % 50 == 49 || i + 1 == mails->len)
        {
          koi_store_commit (store, &error);
          g_assert_no_error (error);
        }
    }

  g_assert_cmpint (sqlite3_open (dir.path, &db), ==, SQLITE_OK);
  append_rows (out, db,
               "SELECT k.address, m.removed, m.explicit, m.changed_at_ms, m.added_at"
               " FROM chat_members m JOIN contacts k ON k.id = m.contact_id ORDER BY k.address");
  append_rows (out, db, "SELECT name, name_explicit, name_changed_at_ms FROM chats WHERE kind = 1");
  append_rows (out, db,
               "SELECT message_id, group_info, group_info_arg FROM messages ORDER BY message_id");
  sqlite3_close (db);
  koi_store_close (store);
  store_test_dir_clear (&dir);
  return g_string_free (out, FALSE);
}

static void
test_long_history_every_order (void)
{
  g_autoptr(GPtrArray) mails = make_history ();
  g_autofree guint *order = g_new (guint, N_MAILS);
  g_autofree char *expected = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (26);

  for (guint i = 0; i < N_MAILS; i++)
    order[i] = i;
  expected = apply_in_order (mails, order);
  /* The history does something: people were removed, and renamed. */
  g_assert_nonnull (strstr (expected, "|1|1|"));
  g_assert_nonnull (strstr (expected, "Name "));

  /* Reversed: every mail comes first. */
  for (guint i = 0; i < N_MAILS; i++)
    order[i] = N_MAILS - 1 - i;
  {
    g_autofree char *got = apply_in_order (mails, order);

    g_assert_cmpstr (got, ==, expected);
  }

  /* One mail in 20 arrives 30 mails late (clock skew between senders). */
  for (guint i = 0; i < N_MAILS; i++)
    order[i] = i;
  for (guint i = 0; i + 30 < N_MAILS; i += 20)
    {
      guint late = order[i];

      memmove (&order[i], &order[i + 1], 30 * sizeof order[0]);
      order[i + 30] = late;
    }
  {
    g_autofree char *got = apply_in_order (mails, order);

    g_assert_cmpstr (got, ==, expected);
  }

  /* Shuffled. */
  for (guint run = 0; run < 3; run++)
    {
      g_autofree char *got = NULL;

      for (guint i = N_MAILS - 1; i > 0; i--)
        {
          guint j = g_rand_int_range (rand, 0, i + 1);
          guint t = order[i];

          order[i] = order[j];
          order[j] = t;
        }
      got = apply_in_order (mails, order);
      g_assert_cmpstr (got, ==, expected);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/group-log/long-history-every-order", test_long_history_every_order);
  return g_test_run ();
}
