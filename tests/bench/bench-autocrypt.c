/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What Autocrypt costs the apply step: N mails from one peer applied to a
 * fresh store, once plain and once each carrying the peer's key in an
 * Autocrypt header (Delta Chat and Koi put it on every mail), parse
 * included. Prints the time per mail of both and the difference; no
 * target (the catch-up benchmark holds the end-to-end figure).
 */
#include "config.h"

#include <glib/gstdio.h>

#include "koi-apply.h"
#include "koi-coi.h"
#include "koi-coi-gmime.h"
#include "koi-test-keys.h"

#define N_MAILS 2000

static GPtrArray *
make_mails (GBytes *key)
{
  GPtrArray *mails = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  const char *to[] = { "alice@example.org", NULL };

  for (guint i = 0; i < N_MAILS; i++)
    {
      g_autofree char *text = g_strdup_printf ("Message %u of a long chat", i);
      KoiCoiOutgoing out = {
        .from_address = "bob@example.org",
        .from_name = "Bob",
        .to = to,
        .text = text,
        .date_ms = G_GINT64_CONSTANT (1700000000000) + i * 1000,
        .autocrypt_keydata = key,
      };
      g_autoptr (GError) error = NULL;
      g_autoptr (GMimeMessage) message = koi_coi_build_chat_message (&out, &error);

      g_assert_no_error (error);
      g_ptr_array_add (mails, koi_coi_message_to_bytes (message));
    }
  return mails;
}

/* ms per mail to parse and apply @mails, in batches of 100 as a sync does. */
static double
apply_all (GPtrArray *mails)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("koi-bench-autocrypt-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "koi.db", NULL);
  KoiStoreAccount account = { .address = (char *) "alice@example.org" };
  KoiStore *store = koi_store_open (path, &error);
  gint64 account_id, start;
  double per_mail;

  g_assert_no_error (error);
  account_id = koi_store_account_upsert (store, &account, &error);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < mails->len; i += 100)
    {
      KoiApplyChanges changes;

      koi_apply_changes_init (&changes);
      g_assert_true (koi_store_begin (store, &error));
      for (guint j = i; j < MIN (i + 100, mails->len); j++)
        {
          g_autoptr (KoiCoiParsed) parsed = koi_coi_parse (g_ptr_array_index (mails, j), &error);

          g_assert_no_error (error);
          g_assert_cmpint (koi_apply_mail (store, account_id, "alice@example.org", parsed, FALSE,
                                           &changes, &error), >, 0);
        }
      g_assert_true (koi_store_commit (store, &error));
      koi_apply_changes_clear (&changes);
    }
  per_mail = (g_get_monotonic_time () - start) / 1000.0 / mails->len;

  koi_store_close (store);
  {
    g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (listing)) != NULL)
      {
        g_autofree char *file = g_build_filename (dir, name, NULL);

        g_unlink (file);
      }
  }
  g_rmdir (dir);
  return per_mail;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GBytes) key = NULL;
  g_autoptr (GPtrArray) plain = NULL;
  g_autoptr (GPtrArray) with_key = NULL;
  double plain_ms, key_ms;

  g_mime_init ();
  key = koi_test_make_key ("bob@example.org", TRUE, NULL);
  plain = make_mails (NULL);
  with_key = make_mails (key);

  /* Once each to warm the caches, then the figures. */
  apply_all (plain);
  apply_all (with_key);
  plain_ms = apply_all (plain);
  key_ms = apply_all (with_key);

  g_print ("bench-autocrypt: %u mails from one peer, parse + apply\n", N_MAILS);
  g_print ("  plain                 %.3f ms/mail\n", plain_ms);
  g_print ("  with Autocrypt header %.3f ms/mail (+%.3f ms, %+.0f %%)\n", key_ms, key_ms - plain_ms,
           (key_ms - plain_ms) / plain_ms * 100.0);
  g_mime_shutdown ();
  return 0;
}
