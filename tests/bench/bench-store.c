/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "koi-store.h"

/*
 * Store benchmark (meson benchmark, not a test): what the engine's bulk
 * fetch and the UI's paging and search cost on a 10,000-message chat.
 * Prints one figure per line.
 */

#define N_MESSAGES 10000
#define BATCH      200
#define RUNS       10

static const char * const words[] = {
  "apple", "bread", "castle", "dinner", "engine", "forest", "garden", "harbor",
  "island", "jacket", "kitchen", "ladder", "market", "needle", "orange", "pencil",
  "quartz", "river", "summer", "teapot", "umbrella", "valley", "window", "yellow",
};

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof *values, compare_double);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static void
check (GError *error)
{
  if (error != NULL)
    g_error ("%s", error->message);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("koi-bench-store-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(KoiStore) store = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  KoiStoreAccount account = { .address = (char *) "alice@example.org" };
  static const guint offsets[] = { 0, 5000, 9950 };
  double samples[RUNS];
  gint64 account_id, chat_id, start;
  guint hits = 0;

  check (error);
  path = g_build_filename (dir, "koi.db", NULL);
  store = koi_store_open (path, &error);
  check (error);
  account_id = koi_store_account_upsert (store, &account, &error);
  check (error);
  chat_id = koi_store_chat_ensure_1to1 (store, account_id, "bob@example.org", "Bob", &error);
  check (error);

  /* Bulk receive: one transaction per fetched batch, as the engine does. */
  start = g_get_monotonic_time ();
  for (guint b = 0; b < N_MESSAGES / BATCH; b++)
    {
      koi_store_begin (store, &error);
      check (error);
      for (guint i = 0; i < BATCH; i++)
        {
          guint n = b * BATCH + i;
          g_autofree char *id = g_strdup_printf ("chat$bench%u@example.org", n);
          g_autofree char *text = g_strdup_printf ("Message %u: shall we meet at the %s near the %s after %s?%s",
                                                   n,
                                                   words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))],
                                                   words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))],
                                                   words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))],
                                                   n % 100 == 0 ? " Bring the zeppelin." : "");
          KoiStoreMessage message = {
            .account_id = account_id, .chat_id = chat_id, .message_id = id,
            .direction = n % 3 ? KOI_STORE_DIRECTION_INCOMING : KOI_STORE_DIRECTION_OUTGOING,
            .state = n % 3 ? KOI_STORE_STATE_RECEIVED : KOI_STORE_STATE_SENT,
            .from_address = (char *) (n % 3 ? "bob@example.org" : "alice@example.org"),
            .subject = (char *) "Chat: Message", .text = text,
            .sent_at_ms = 1700000000000 + (gint64) n * 1000,
            .received_at_ms = 1700000000000 + (gint64) n * 1000,
          };

          koi_store_message_insert (store, &message, NULL, &error);
          check (error);
        }
      koi_store_commit (store, &error);
      check (error);
    }
  g_print ("insert, %u per transaction: %.0f messages/s\n", BATCH,
           N_MESSAGES / ((g_get_monotonic_time () - start) / 1e6));

  /* A rare word (1 in 100 messages) and a common one (about 1 in 8),
   * a page of 50 results each, as the search view asks. */
  for (guint q = 0; q < 2; q++)
    {
      const char *query = q == 0 ? "zeppelin" : "harbor";

      for (guint r = 0; r < RUNS; r++)
        {
          g_autoptr(GPtrArray) found = NULL;

          start = g_get_monotonic_time ();
          found = koi_store_message_search (store, account_id, query, 50, &error);
          samples[r] = (g_get_monotonic_time () - start) / 1000.0;
          check (error);
          hits = found->len;
        }
      g_print ("fts query \"%s\" (%u results), median of %u: %.3f ms\n",
               query, hits, RUNS, median (samples, RUNS));
    }

  for (guint o = 0; o < G_N_ELEMENTS (offsets); o++)
    {
      for (guint r = 0; r < RUNS; r++)
        {
          g_autoptr(GPtrArray) page = NULL;

          start = g_get_monotonic_time ();
          page = koi_store_message_page (store, chat_id, offsets[o], 50, &error);
          samples[r] = (g_get_monotonic_time () - start) / 1000.0;
          check (error);
          g_assert (page->len == 50);
        }
      g_print ("message_page offset %u limit 50, median of %u: %.3f ms\n",
               offsets[o], RUNS, median (samples, RUNS));
    }

  /* The same chat shape with what bubbles show besides text: every 4th
   * message has two reactions (one of them the user's), every 10th is a
   * reply quoting the message before it. The page query reads both with
   * each message (the reaction and quote columns). */
  {
    gint64 busy_chat = koi_store_chat_ensure_1to1 (store, account_id, "carol@example.org", "Carol", &error);

    check (error);
    for (guint b = 0; b < N_MESSAGES / BATCH; b++)
      {
        koi_store_begin (store, &error);
        check (error);
        for (guint i = 0; i < BATCH; i++)
          {
            guint n = b * BATCH + i;
            g_autofree char *id = g_strdup_printf ("chat$busy%u@example.org", n);
            g_autofree char *previous = g_strdup_printf ("chat$busy%u@example.org", n - 1);
            g_autofree char *text = g_strdup_printf ("Message %u: see you at the %s", n,
                                                     words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))]);
            g_autofree char *full = g_strdup_printf ("> Message %u: the one before\n\n%s", n - 1, text);
            gboolean reply = n > 0 && n % 10 == 0;
            KoiStoreMessage message = {
              .account_id = account_id, .chat_id = busy_chat, .message_id = id,
              .direction = KOI_STORE_DIRECTION_INCOMING, .state = KOI_STORE_STATE_RECEIVED,
              .from_address = (char *) "carol@example.org",
              .subject = (char *) "Chat: Message", .text = text,
              .full_text = reply ? full : NULL, .in_reply_to = n > 0 ? previous : NULL,
              .sent_at_ms = 1700000000000 + (gint64) n * 1000,
              .received_at_ms = 1700000000000 + (gint64) n * 1000,
            };
            gint64 ref = koi_store_message_insert (store, &message, NULL, &error);

            check (error);
            if (n % 4 == 0)
              {
                koi_store_reaction_set (store, ref, "carol@example.org", "👍", message.sent_at_ms, NULL, &error);
                check (error);
                koi_store_reaction_set (store, ref, "alice@example.org", "❤️", message.sent_at_ms, NULL, &error);
                check (error);
              }
          }
        koi_store_commit (store, &error);
        check (error);
      }

    for (guint o = 0; o < G_N_ELEMENTS (offsets); o++)
      {
        for (guint r = 0; r < RUNS; r++)
          {
            g_autoptr(GPtrArray) page = NULL;

            start = g_get_monotonic_time ();
            page = koi_store_message_page (store, busy_chat, offsets[o], 50, &error);
            samples[r] = (g_get_monotonic_time () - start) / 1000.0;
            check (error);
            g_assert (page->len == 50);
            /* Really read: every page has some of each. */
            g_assert (((KoiStoreMessage *) page->pdata[offsets[o] % 4 == 0 ? 0 : 4 - offsets[o] % 4])->reactions != NULL);
            g_assert (((KoiStoreMessage *) page->pdata[(10 - offsets[o] % 10) % 10 + (offsets[o] == 0 ? 10 : 0)])->quote != NULL);
          }
        g_print ("message_page with reactions (1 in 4) and quotes (1 in 10) offset %u limit 50,"
                 " median of %u: %.3f ms\n", offsets[o], RUNS, median (samples, RUNS));
      }
  }

  g_clear_pointer (&store, koi_store_close);
  {
    const char *suffixes[] = { "", "-wal", "-shm" };

    for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
      {
        g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
        g_unlink (file);
      }
    g_rmdir (dir);
  }
  return 0;
}
