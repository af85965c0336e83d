/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "koi-store.h"
#include "koi-store-group-log.h"

/*
 * Group log benchmark (meson benchmark, not a test): what judging group
 * mail by its sender's membership costs (koi-store-group-log.h). A group
 * of 8 members gets its messages, each listing the 7 others in To, in
 * batches of 100 per transaction:
 * - 2,000 and 10,000 in Date order (the usual case: applied on top of the
 *   stored members);
 * - 2,000 and 10,000 with one mail in 100 arriving 50 mails late (each
 *   replays the group from the last snapshot before it);
 * - 500 and 2,000 in reverse Date order (every mail comes first, so each
 *   replays the whole group: the worst case).
 * Prints one figure per line.
 */

#define N_MEMBERS 8
#define BATCH     100

static void
check (GError *error)
{
  if (error != NULL)
    g_error ("%s", error->message);
}

static char *
address (guint i)
{
  return g_strdup_printf ("member%u@example.org", i);
}

/* Applies the mails in @order to a new group in @store; returns ms. */
static double
run (KoiStore    *store,
     gint64       account_id,
     const char  *group_id,
     const guint *order,
     guint        n_mails)
{
  g_autoptr(GError) error = NULL;
  gint64 chat_id = koi_store_chat_ensure_group (store, account_id, group_id, NULL, &error);
  gint64 start;

  check (error);
  start = g_get_monotonic_time ();
  for (guint b = 0; b < n_mails / BATCH; b++)
    {
      koi_store_begin (store, &error);
      check (error);
      for (guint i = 0; i < BATCH; i++)
        {
          guint n = order[b * BATCH + i];
          guint sender = n % N_MEMBERS;
          g_autofree char *from = address (sender);
          g_autofree char *tie = g_strdup_printf ("chat$group.%s.%u@example.org", group_id, n);
          g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
          KoiStoreGroupFact facts[N_MEMBERS];
          KoiStoreGroupMail mail = { 0, };
          guint n_facts = 0;

          for (guint m = 0; m < N_MEMBERS; m++)
            if (m != sender)
              {
                char *to = address (m);

                g_ptr_array_add (values, to);
                facts[n_facts].kind = KOI_STORE_GROUP_FACT_MEMBER_SEEN;
                facts[n_facts].value = to;
                n_facts++;
              }
          facts[n_facts].kind = KOI_STORE_GROUP_FACT_NAME_SEEN;
          facts[n_facts].value = "Bench group";
          n_facts++;

          mail.tie = tie;
          mail.at_ms = 1700000000000 + (gint64) n * 1000;
          mail.sender = from;
          mail.facts = facts;
          mail.n_facts = n_facts;
          koi_store_group_log_apply (store, chat_id, &mail, NULL, NULL, &error);
          check (error);
        }
      koi_store_commit (store, &error);
      check (error);
    }
  return (g_get_monotonic_time () - start) / 1000.0;
}

static void
in_order (guint *order,
          guint  n_mails)
{
  for (guint i = 0; i < n_mails; i++)
    order[i] = i;
}

/* One mail in 100 comes 50 mails late. */
static void
one_in_100_late (guint *order,
                 guint  n_mails)
{
  in_order (order, n_mails);
  for (guint i = 0; i + 50 < n_mails; i += 100)
    {
      guint late = order[i];

      memmove (&order[i], &order[i + 1], 50 * sizeof order[0]);
      order[i + 50] = late;
    }
}

static void
reversed (guint *order,
          guint  n_mails)
{
  for (guint i = 0; i < n_mails; i++)
    order[i] = n_mails - 1 - i;
}

int
main (int   argc,
      char *argv[])
{
  static const struct {
    const char *group_id;
    void      (*make_order) (guint *order, guint n_mails);
    guint       n_mails;
    const char *what;
  } cases[] = {
    { "BenchInOrder0001", in_order, 2000, "in Date order" },
    { "BenchLateMail001", one_in_100_late, 2000, "1 in 100 late" },
    { "BenchReversed001", reversed, 500, "in reverse Date order (each replays)" },
    { "BenchInOrder0002", in_order, 10000, "in Date order" },
    { "BenchLateMail002", one_in_100_late, 10000, "1 in 100 late" },
    { "BenchReversed002", reversed, 2000, "in reverse Date order (each replays)" },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("koi-bench-group-log-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(KoiStore) store = NULL;
  KoiStoreAccount account = { .address = (char *) "member0@example.org" };
  gint64 account_id;

  check (error);
  path = g_build_filename (dir, "koi.db", NULL);
  store = koi_store_open (path, &error);
  check (error);
  account_id = koi_store_account_upsert (store, &account, &error);
  check (error);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree guint *order = g_new (guint, cases[c].n_mails);
      double ms;

      cases[c].make_order (order, cases[c].n_mails);
      ms = run (store, account_id, cases[c].group_id, order, cases[c].n_mails);
      g_print ("group log, %u mails %s: %.0f ms (%.3f ms per mail)\n", cases[c].n_mails,
               cases[c].what, ms, ms / cases[c].n_mails);
    }

  g_clear_pointer (&store, koi_store_close);
  g_unlink (path);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
  }
  g_rmdir (dir);
  return 0;
}
