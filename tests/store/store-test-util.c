/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "store-test-util.h"

void
store_test_dir_init (StoreTestDir *dir)
{
  g_autoptr(GError) error = NULL;

  dir->dir = g_dir_make_tmp ("koi-store-test-XXXXXX", &error);
  g_assert_no_error (error);
  dir->path = g_build_filename (dir->dir, "koi.db", NULL);
}

void
store_test_dir_clear (StoreTestDir *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir->dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *file = g_build_filename (dir->dir, name, NULL);
      g_unlink (file);
    }
  g_rmdir (dir->dir);
  g_clear_pointer (&dir->dir, g_free);
  g_clear_pointer (&dir->path, g_free);
}

KoiStore *
store_test_open (const char *path)
{
  g_autoptr(GError) error = NULL;
  KoiStore *store = koi_store_open (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

gint64
store_test_account (KoiStore   *store,
                    const char *address)
{
  g_autoptr(GError) error = NULL;
  KoiStoreAccount account = {
    .address = (char *) address,
    .display_name = (char *) "Test",
    .imap_host = (char *) "127.0.0.1",
    .imap_port = 10143,
    .imap_security = (char *) "starttls",
    .smtp_host = (char *) "127.0.0.1",
    .smtp_port = 10587,
    .smtp_security = (char *) "starttls",
  };
  gint64 id = koi_store_account_upsert (store, &account, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

gint64
store_test_incoming (KoiStore   *store,
                     gint64      account_id,
                     gint64      chat_id,
                     const char *message_id,
                     const char *text,
                     gint64      sort_ms)
{
  g_autoptr(GError) error = NULL;
  KoiStoreMessage message = {
    .account_id = account_id,
    .chat_id = chat_id,
    .message_id = (char *) message_id,
    .direction = KOI_STORE_DIRECTION_INCOMING,
    .state = KOI_STORE_STATE_RECEIVED,
    .kind = KOI_STORE_KIND_CHAT,
    .from_address = (char *) "bob@example.org",
    .from_name = (char *) "Bob",
    .text = (char *) text,
    .sent_at_ms = sort_ms,
    .received_at_ms = sort_ms,
    .sort_ms = sort_ms,
  };
  gboolean inserted = FALSE;
  gint64 id = koi_store_message_insert (store, &message, &inserted, &error);

  g_assert_no_error (error);
  g_assert_true (inserted);
  g_assert_cmpint (id, >, 0);
  return id;
}
