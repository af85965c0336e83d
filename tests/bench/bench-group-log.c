/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "koi-store.h"
#include "koi-store-group-log.h"

/*
 * Group log benchmark (meson benchmark, not a test): what judging group
 * mail by its sender's membership costs (koi-store-group-log.h). A group
 * of 8 members gets 2,000 messages, each listing the 7 others in To, in
 * batches of 100 per transaction:
 * - in Date order (the usual case: applied on top of the stored members);
 * - with one mail in 100 arriving late (each replays the group);
 * - 500 mails in reverse Date order (every mail replays the group: the
 *   worst case, quadratic, so fewer mails).
 * Prints one figure per line.
 */

#define N_MAILS   2000
#define N_MEMBERS 8
#define N_REVERSE 500
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

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("koi-bench-group-log-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(KoiStore) store = NULL;
  KoiStoreAccount account = { .address = (char *) "member0@example.org" };
  guint order[N_MAILS];
  gint64 account_id;
  double ms;

  check (error);
  path = g_build_filename (dir, "koi.db", NULL);
  store = koi_store_open (path, &error);
  check (error);
  account_id = koi_store_account_upsert (store, &account, &error);
  check (error);

  for (guint i = 0; i < N_MAILS; i++)
    order[i] = i;
  ms = run (store, account_id, "BenchInOrder0001", order, N_MAILS);
  g_print ("group log, %d mails in Date order: %.0f ms (%.3f ms per mail)\n", N_MAILS, ms,
           ms / N_MAILS);

  /* One mail in 100 comes 50 mails late. */
  for (guint i = 0; i < N_MAILS; i++)
    order[i] = i;
  for (guint i = 0; i + 50 < N_MAILS; i += 100)
    {
      guint late = order[i];

      memmove (&order[i], &order[i + 1], 50 * sizeof order[0]);
      order[i + 50] = late;
    }
  ms = run (store, account_id, "BenchLateMail001", order, N_MAILS);
  g_print ("group log, %d mails, 1 in 100 late: %.0f ms (%.3f ms per mail)\n", N_MAILS, ms,
           ms / N_MAILS);

  for (guint i = 0; i < N_REVERSE; i++)
    order[i] = N_REVERSE - 1 - i;
  ms = run (store, account_id, "BenchReversed001", order, N_REVERSE);
  g_print ("group log, %d mails in reverse Date order (each replays): %.0f ms (%.3f ms per mail)\n",
           N_REVERSE, ms, ms / N_REVERSE);

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
