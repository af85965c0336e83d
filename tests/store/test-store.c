/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sqlite3.h>
#include <glib/gstdio.h>

#include "store-test-util.h"
#include "koi-store-attachment.h"

/* Each test gets a fresh folder and an open store with one account. */
typedef struct {
  StoreTestDir  dir;
  KoiStore     *store;
  gint64        account_id;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  store_test_dir_init (&fixture->dir);
  fixture->store = store_test_open (fixture->dir.path);
  fixture->account_id = store_test_account (fixture->store, "alice@example.org");
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->store, koi_store_close);
  store_test_dir_clear (&fixture->dir);
}

static gint64
chat_with (Fixture    *fixture,
           const char *peer)
{
  g_autoptr(GError) error = NULL;
  gint64 id = koi_store_chat_ensure_1to1 (fixture->store, fixture->account_id, peer, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

/* ------------------------------------------------------------------ */
/* Opening and migrating */

static char *
raw_query_text (const char *path,
                const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *result = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    result = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return result;
}

static void
test_open_fresh (void)
{
  StoreTestDir dir;
  g_autoptr(KoiStore) store = NULL;
  g_autofree char *mode = NULL;

  store_test_dir_init (&dir);
  store = store_test_open (dir.path);

  g_assert_cmpint (koi_store_get_schema_version (store), ==, KOI_STORE_SCHEMA_VERSION);
  g_assert_cmpstr (koi_store_get_path (store), ==, dir.path);
  g_assert_true (g_file_test (dir.path, G_FILE_TEST_IS_REGULAR));

  /* WAL is a property of the file, so a plain reader sees it too. */
  mode = raw_query_text (dir.path, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");

  g_clear_pointer (&store, koi_store_close);
  store_test_dir_clear (&dir);
}

static void
test_open_errors (void)
{
  StoreTestDir dir;
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = NULL;
  g_autofree char *garbage = NULL;
  g_autofree char *contents = NULL;
  KoiStore *store;

  store_test_dir_init (&dir);

  missing = g_build_filename (dir.dir, "no-such-folder", "koi.db", NULL);
  store = koi_store_open (missing, &error);
  g_assert_null (store);
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_OPEN);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  /* A file that is not a database is reported, never overwritten: it is
   * kept under a new name that the error tells, and the next open starts
   * an empty store. */
  garbage = g_build_filename (dir.dir, "notes.txt", NULL);
  g_assert_true (g_file_set_contents (garbage, "my important notes, not a database\n"
                                      "................................................\n"
                                      "................................................\n", -1, NULL));
  store = koi_store_open (garbage, &error);
  g_assert_null (store);
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "add the account again"));
  {
    const char *kept = strstr (error->message, "kept as “");
    g_autofree char *kept_path = NULL;

    g_assert_nonnull (kept);
    kept += strlen ("kept as “");
    kept_path = g_strndup (kept, strstr (kept, "”") - kept);
    g_assert_true (g_str_has_prefix (kept_path, garbage));
    g_assert_true (g_file_get_contents (kept_path, &contents, NULL, NULL));
    g_assert_true (g_str_has_prefix (contents, "my important notes"));
    g_assert_cmpint (g_unlink (kept_path), ==, 0);
  }
  g_clear_error (&error);
  store = koi_store_open (garbage, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_clear_pointer (&store, koi_store_close);

  store_test_dir_clear (&dir);
}

static void
test_reopen_keeps_data (void)
{
  StoreTestDir dir;
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiStoreAccount) account = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(KoiStoreMessage) message = NULL;
  KoiStoreAccount changed = { .address = (char *) "ALICE@example.org", .display_name = (char *) "Alice A.",
                              .imap_host = (char *) "imap.example.org", .imap_port = 993 };
  KoiStore *store;
  gint64 account_id, chat_id, message_ref;

  store_test_dir_init (&dir);
  store = store_test_open (dir.path);
  account_id = store_test_account (store, "alice@example.org");
  chat_id = koi_store_chat_ensure_1to1 (store, account_id, "bob@example.org", "Bob", &error);
  g_assert_no_error (error);
  message_ref = store_test_incoming (store, account_id, chat_id, "chat$1@example.org", "kept across restarts", 1000);
  g_assert_true (koi_store_setting_set (store, account_id, "coi-root", "COI", &error));
  g_assert_no_error (error);
  koi_store_close (store);

  store = store_test_open (dir.path);
  g_assert_cmpint (koi_store_get_schema_version (store), ==, KOI_STORE_SCHEMA_VERSION);

  /* The same address (in any case) is the same account: upsert updates. */
  g_assert_cmpint (koi_store_account_upsert (store, &changed, &error), ==, account_id);
  g_assert_no_error (error);
  accounts = koi_store_account_list (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 1);
  account = koi_store_account_get (store, account_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (account->display_name, ==, "Alice A.");
  g_assert_cmpstr (account->imap_host, ==, "imap.example.org");
  g_assert_cmpuint (account->imap_port, ==, 993);

  g_assert_cmpint (koi_store_chat_find_by_peer (store, account_id, "Bob@Example.org", &error), ==, chat_id);
  message = koi_store_message_get (store, message_ref, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (message->text, ==, "kept across restarts");
  g_assert_cmpstr (message->message_id, ==, "chat$1@example.org");
  {
    g_autofree char *root = koi_store_setting_get (store, account_id, "coi-root", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (root, ==, "COI");
  }
  g_assert_null (koi_store_account_get (store, 4242, &error));
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Removing the account removes what belongs to it. */
  g_assert_true (koi_store_account_delete (store, account_id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (koi_store_message_find (store, account_id, "chat$1@example.org", &error), ==, 0);
  g_assert_no_error (error);

  koi_store_close (store);
  store_test_dir_clear (&dir);
}

static void
test_too_new_is_refused (void)
{
  StoreTestDir dir;
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *tables = NULL;
  sqlite3 *db = NULL;
  KoiStore *store;

  store_test_dir_init (&dir);

  /* What a future Koi might leave behind. */
  g_assert_cmpint (sqlite3_open (dir.path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE TABLE future_things (x TEXT);"
                                 "INSERT INTO future_things VALUES ('precious');"
                                 "PRAGMA user_version = 99;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = koi_store_open (dir.path, &error);
  g_assert_null (store);
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_TOO_NEW);
  g_assert_nonnull (strstr (error->message, "99"));

  version = raw_query_text (dir.path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, "99");
  kept = raw_query_text (dir.path, "SELECT x FROM future_things");
  g_assert_cmpstr (kept, ==, "precious");
  tables = raw_query_text (dir.path, "SELECT count(*) FROM sqlite_master WHERE name = 'messages'");
  g_assert_cmpstr (tables, ==, "0");

  store_test_dir_clear (&dir);
}

/* A draft is kept per chat, "" clears it, and only a real change reports
 * changed (the engine tells the window only then). */
static void
test_chat_draft (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 chat_id = chat_with (fixture, "bob@example.org");
  gint64 other_id = chat_with (fixture, "carol@example.org");
  gboolean changed = FALSE;

#define DRAFT(id) ({ g_autoptr(KoiStoreChat) c = koi_store_chat_get (fixture->store, (id), &error); \
                     g_assert_no_error (error); g_strdup (c->draft); })
  {
    g_autofree char *none = DRAFT (chat_id);
    g_assert_null (none);
  }

  g_assert_true (koi_store_chat_set_draft (fixture->store, chat_id, "half a thought", &changed, &error));
  g_assert_no_error (error);
  g_assert_true (changed);
  g_assert_true (koi_store_chat_set_draft (fixture->store, chat_id, "half a thought", &changed, &error));
  g_assert_false (changed);
  {
    g_autofree char *kept = DRAFT (chat_id);
    g_autofree char *other = DRAFT (other_id);
    g_assert_cmpstr (kept, ==, "half a thought");
    g_assert_null (other);
  }

  g_assert_true (koi_store_chat_set_draft (fixture->store, chat_id, "", &changed, &error));
  g_assert_true (changed);
  {
    g_autofree char *cleared = DRAFT (chat_id);
    g_assert_null (cleared);
  }
  g_assert_true (koi_store_chat_set_draft (fixture->store, chat_id, NULL, &changed, &error));
  g_assert_false (changed);
#undef DRAFT
}

/* One SQL dump per old schema version, each with the same few rows (see
 * fixtures/README). A new migration adds the dump of the version before
 * it here; every dump must open, migrate and still show its rows. */
static const struct {
  int         version;
  const char *file;
} old_schemas[] = {
  { 1, "schema-v1.sql" },
  { 2, "schema-v2.sql" },
  { 3, "schema-v3.sql" },
  { 4, "schema-v4.sql" },
  { 5, "schema-v5.sql" },
  { 6, "schema-v6.sql" },
  { 7, "schema-v7.sql" },
  { 8, "schema-v8.sql" },
  { 9, "schema-v9.sql" },
  { 10, "schema-v10.sql" },
};

/* A trusted certificate is kept with its account and server, survives a
 * reopen, is replaced by a newer trust and forgotten with NULL. */
static void
test_account_pins (void)
{
  StoreTestDir dir;
  g_autoptr(GError) error = NULL;
  KoiStore *store;
  gint64 account_id;

  store_test_dir_init (&dir);
  store = store_test_open (dir.path);
  account_id = store_test_account (store, "alice@example.org");
  g_assert_true (koi_store_account_set_pin (store, account_id, "imap", "sha256//AAAA", "AA:BB", &error));
  g_assert_no_error (error);
  g_assert_true (koi_store_account_set_pin (store, account_id, "smtp", "sha256//CCCC", "CC:DD", &error));
  g_assert_no_error (error);
  g_assert_false (koi_store_account_set_pin (store, account_id + 100, "imap", "sha256//AAAA", "AA", &error));
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  koi_store_close (store);

  store = store_test_open (dir.path);
  {
    g_autoptr(KoiStoreAccount) account = koi_store_account_get (store, account_id, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (account->imap_pin_key, ==, "sha256//AAAA");
    g_assert_cmpstr (account->imap_pin_cert, ==, "AA:BB");
    g_assert_cmpstr (account->smtp_pin_key, ==, "sha256//CCCC");
    g_assert_cmpstr (account->smtp_pin_cert, ==, "CC:DD");
  }
  g_assert_true (koi_store_account_set_pin (store, account_id, "imap", NULL, "ignored", &error));
  {
    g_autoptr(KoiStoreAccount) account = koi_store_account_get (store, account_id, &error);

    g_assert_null (account->imap_pin_key);
    g_assert_null (account->imap_pin_cert);
    g_assert_cmpstr (account->smtp_pin_key, ==, "sha256//CCCC");
  }
  koi_store_close (store);
  store_test_dir_clear (&dir);
}

static void
test_migrate_fixtures (void)
{
  const char *source_root = g_getenv ("KOI_SOURCE_ROOT");

  if (source_root == NULL)
    {
      /* Missing fixtures would make this pass while testing nothing. */
      g_test_fail_printf ("KOI_SOURCE_ROOT is not set: cannot find the schema fixtures");
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (old_schemas); i++)
    {
      StoreTestDir dir;
      g_autoptr(GError) error = NULL;
      g_autofree char *file = g_build_filename (source_root, "tests", "store", "fixtures", old_schemas[i].file, NULL);
      g_autofree char *dump = NULL;
      g_autoptr(KoiStore) store = NULL;
      g_autoptr(GPtrArray) accounts = NULL;
      g_autoptr(GPtrArray) chats = NULL;
      g_autoptr(GPtrArray) found = NULL;
      g_autoptr(GPtrArray) due = NULL;
      KoiStoreAccount *account;
      KoiStoreChat *chat;
      sqlite3 *db = NULL;
      char *message = NULL;

      g_test_message ("migrating %s", file);
      g_assert_true (g_file_get_contents (file, &dump, NULL, &error));
      g_assert_no_error (error);

      store_test_dir_init (&dir);
      g_assert_cmpint (sqlite3_open (dir.path, &db), ==, SQLITE_OK);
      if (sqlite3_exec (db, dump, NULL, NULL, &message) != SQLITE_OK)
        g_error ("loading %s: %s", file, message);
      sqlite3_close (db);

      {
        g_autofree char *version = raw_query_text (dir.path, "PRAGMA user_version");
        g_autofree char *expected = g_strdup_printf ("%d", old_schemas[i].version);
        g_assert_cmpstr (version, ==, expected);
      }

      store = store_test_open (dir.path);
      g_assert_cmpint (koi_store_get_schema_version (store), ==, KOI_STORE_SCHEMA_VERSION);

      accounts = koi_store_account_list (store, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (accounts->len, ==, 1);
      account = g_ptr_array_index (accounts, 0);
      g_assert_cmpstr (account->address, ==, "alice@example.org");
      /* An old account trusts no certificate of its own: CA checks as before. */
      g_assert_null (account->imap_pin_key);
      g_assert_null (account->smtp_pin_key);

      chats = koi_store_chat_list (store, account->id, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (chats->len, ==, 1);
      chat = g_ptr_array_index (chats, 0);
      g_assert_cmpstr (chat->peer_address, ==, "bob@example.org");
      g_assert_cmpuint (chat->unread_count, ==, 1);
      g_assert_cmpstr (chat->last_text, ==, "Grüße aus der alten Version");
      g_assert_cmpuint (koi_store_message_count (store, chat->id, &error), ==, 2);
      {
        /* Mail stored before Autocrypt came plain: no padlock on it. */
        g_autoptr(GPtrArray) page = koi_store_message_page (store, chat->id, 0, 10, &error);

        g_assert_no_error (error);
        for (guint j = 0; j < page->len; j++)
          {
            KoiStoreMessage *old = g_ptr_array_index (page, j);

            g_assert_false (old->encrypted);
            g_assert_cmpint (old->signature, ==, KOI_STORE_SIGNATURE_NONE);
          }
      }

      found = koi_store_message_search (store, account->id, "gruße", 10, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (found->len, ==, 1);

      due = koi_store_outbox_due (store, account->id, G_MAXINT64, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (due->len, ==, 1);

      g_clear_pointer (&store, koi_store_close);
      store_test_dir_clear (&dir);
    }
}

/* ------------------------------------------------------------------ */
/* Messages and chats */

static void
test_insert_dedupe (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 chat_id = chat_with (fixture, "bob@example.org");
  gint64 first = store_test_incoming (fixture->store, fixture->account_id, chat_id,
                                      "chat$abc@example.org", "hello", 1000);
  KoiStoreMessage again = {
    .account_id = fixture->account_id,
    .chat_id = chat_id,
    .message_id = (char *) " <chat$abc@example.org> ",
    .text = (char *) "hello (fetched again from another folder)",
    .sort_ms = 5000,
  };
  KoiStoreMessage no_id = { .account_id = fixture->account_id, .chat_id = chat_id, .message_id = (char *) "<>" };
  gboolean inserted = TRUE;
  g_autoptr(KoiStoreMessage) stored = NULL;
  g_autoptr(KoiStoreChat) chat = NULL;

  g_assert_cmpint (koi_store_message_insert (fixture->store, &again, &inserted, &error), ==, first);
  g_assert_no_error (error);
  g_assert_false (inserted);

  g_assert_cmpuint (koi_store_message_count (fixture->store, chat_id, &error), ==, 1);
  stored = koi_store_message_get (fixture->store, first, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored->text, ==, "hello");

  /* The duplicate neither counts as unread nor moves the chat. */
  chat = koi_store_chat_get (fixture->store, chat_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chat->unread_count, ==, 1);
  g_assert_cmpint (chat->last_activity_ms, ==, 1000);

  g_assert_cmpint (koi_store_message_find (fixture->store, fixture->account_id, "<chat$abc@example.org>", &error), ==, first);
  g_assert_cmpint (koi_store_message_find (fixture->store, fixture->account_id, "chat$other@example.org", &error), ==, 0);
  g_assert_no_error (error);

  g_assert_cmpint (koi_store_message_insert (fixture->store, &no_id, &inserted, &error), ==, 0);
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* A message into a chat that does not exist leaves nothing behind. */
  again.message_id = (char *) "chat$orphan@example.org";
  again.chat_id = 9999;
  g_assert_cmpint (koi_store_message_insert (fixture->store, &again, &inserted, &error), ==, 0);
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_cmpint (koi_store_message_find (fixture->store, fixture->account_id, "chat$orphan@example.org", &error), ==, 0);
  g_assert_no_error (error);
}

static void
test_chat_order (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chats = NULL;
  gint64 bob = chat_with (fixture, "bob@example.org");
  gint64 carol = chat_with (fixture, "carol@example.org");
  KoiStoreChat *top;

  g_assert_cmpint (chat_with (fixture, "BOB@example.org"), ==, bob);

  store_test_incoming (fixture->store, fixture->account_id, bob, "m1@x", "from bob", 1000);
  store_test_incoming (fixture->store, fixture->account_id, carol, "m2@x", "from carol", 2000);

  chats = koi_store_chat_list (fixture->store, fixture->account_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chats->len, ==, 2);
  g_assert_cmpint (((KoiStoreChat *) g_ptr_array_index (chats, 0))->id, ==, carol);
  g_assert_cmpint (((KoiStoreChat *) g_ptr_array_index (chats, 1))->id, ==, bob);
  g_clear_pointer (&chats, g_ptr_array_unref);

  /* Bob writes again: his chat goes to the top with the new preview. */
  store_test_incoming (fixture->store, fixture->account_id, bob, "m3@x", "bob again", 3000);
  /* An old message of Carol's, fetched late, must not move her chat up. */
  store_test_incoming (fixture->store, fixture->account_id, carol, "m0@x", "ancient", 500);

  chats = koi_store_chat_list (fixture->store, fixture->account_id, &error);
  g_assert_no_error (error);
  top = g_ptr_array_index (chats, 0);
  g_assert_cmpint (top->id, ==, bob);
  g_assert_cmpstr (top->last_text, ==, "bob again");
  g_assert_cmpstr (top->last_from, ==, "Bob");
  g_assert_cmpint (top->last_direction, ==, KOI_STORE_DIRECTION_INCOMING);
  g_assert_cmpint (top->last_activity_ms, ==, 3000);
  g_assert_cmpint (((KoiStoreChat *) g_ptr_array_index (chats, 1))->id, ==, carol);
  g_assert_cmpstr (((KoiStoreChat *) g_ptr_array_index (chats, 1))->last_text, ==, "from carol");
}

static void
test_unread_count (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 chat_id = chat_with (fixture, "bob@example.org");
  gint64 first;
  KoiStoreMessage seen_elsewhere = {
    .account_id = fixture->account_id, .chat_id = chat_id, .message_id = (char *) "seen@x",
    .direction = KOI_STORE_DIRECTION_INCOMING, .text = (char *) "read on the phone", .sort_ms = 4000,
    .seen = TRUE,
  };
  KoiStoreMessage mine = {
    .account_id = fixture->account_id, .chat_id = chat_id, .message_id = (char *) "mine@x",
    .direction = KOI_STORE_DIRECTION_OUTGOING, .state = KOI_STORE_STATE_SENT,
    .text = (char *) "my answer", .sort_ms = 5000,
  };
  g_autoptr(GPtrArray) page = NULL;

#define UNREAD() ({ g_autoptr(KoiStoreChat) c = koi_store_chat_get (fixture->store, chat_id, &error); \
                    g_assert_no_error (error); c->unread_count; })

  first = store_test_incoming (fixture->store, fixture->account_id, chat_id, "a@x", "one", 1000);
  store_test_incoming (fixture->store, fixture->account_id, chat_id, "b@x", "two", 2000);
  store_test_incoming (fixture->store, fixture->account_id, chat_id, "c@x", "three", 3000);
  g_assert_cmpuint (UNREAD (), ==, 3);

  g_assert_cmpint (koi_store_message_insert (fixture->store, &seen_elsewhere, NULL, &error), >, 0);
  g_assert_cmpint (koi_store_message_insert (fixture->store, &mine, NULL, &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (UNREAD (), ==, 3);

  /* \Seen from another device, twice: counts once. */
  g_assert_true (koi_store_message_set_seen (fixture->store, first, TRUE, &error));
  g_assert_true (koi_store_message_set_seen (fixture->store, first, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (UNREAD (), ==, 2);
  g_assert_true (koi_store_message_set_seen (fixture->store, first, FALSE, &error));
  g_assert_cmpuint (UNREAD (), ==, 3);

  g_assert_true (koi_store_chat_mark_read (fixture->store, chat_id, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (UNREAD (), ==, 0);

  page = koi_store_message_page (fixture->store, chat_id, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 5);
  for (guint i = 0; i < page->len; i++)
    g_assert_true (((KoiStoreMessage *) g_ptr_array_index (page, i))->seen);

  g_assert_false (koi_store_chat_mark_read (fixture->store, 4242, &error));
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (koi_store_message_set_seen (fixture->store, 4242, TRUE, &error));
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
#undef UNREAD
}

static void
test_paging (Fixture       *fixture,
             gconstpointer  data)
{
  const guint n = 10000;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autofree guint *order = g_new (guint, n);
  gint64 chat_id = chat_with (fixture, "bob@example.org");
  static const struct { guint offset, limit, expected; } pages[] = {
    { 0, 50, 50 }, { 5000, 100, 100 }, { 9950, 100, 50 }, { 10000, 10, 0 },
  };

  /* Inserted in random order: the page order must come from sort_ms. */
  for (guint i = 0; i < n; i++)
    order[i] = i;
  for (guint i = n - 1; i > 0; i--)
    {
      guint j = g_rand_int_range (rand, 0, i + 1);
      guint t = order[i];
      order[i] = order[j];
      order[j] = t;
    }

  g_assert_true (koi_store_begin (fixture->store, &error));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("chat$%u@example.org", order[i]);
      g_autofree char *text = g_strdup_printf ("message number %u", order[i]);

      store_test_incoming (fixture->store, fixture->account_id, chat_id, id, text,
                           1700000000000 + (gint64) order[i] * 1000);
    }
  g_assert_true (koi_store_commit (fixture->store, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (koi_store_message_count (fixture->store, chat_id, &error), ==, n);

  for (guint p = 0; p < G_N_ELEMENTS (pages); p++)
    {
      g_autoptr(GPtrArray) page = koi_store_message_page (fixture->store, chat_id,
                                                          pages[p].offset, pages[p].limit, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (page->len, ==, pages[p].expected);
      for (guint i = 0; i < page->len; i++)
        {
          KoiStoreMessage *message = g_ptr_array_index (page, i);
          g_autofree char *expected = g_strdup_printf ("message number %u", pages[p].offset + i);

          g_assert_cmpstr (message->text, ==, expected);
          g_assert_cmpint (message->sort_ms, ==, 1700000000000 + (gint64) (pages[p].offset + i) * 1000);
        }
    }
}

static void
test_sort_time_clamped (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 chat_id = chat_with (fixture, "bob@example.org");
  KoiStoreMessage future = {
    .account_id = fixture->account_id, .chat_id = chat_id, .message_id = (char *) "future@x",
    .text = (char *) "my clock is a day fast", .sent_at_ms = 1000 + 86400000, .received_at_ms = 1000,
  };
  KoiStoreMessage normal = {
    .account_id = fixture->account_id, .chat_id = chat_id, .message_id = (char *) "normal@x",
    .text = (char *) "arrived later", .sent_at_ms = 1500, .received_at_ms = 2000,
  };
  g_autoptr(GPtrArray) page = NULL;

  g_assert_cmpint (koi_store_message_insert (fixture->store, &future, NULL, &error), >, 0);
  g_assert_cmpint (koi_store_message_insert (fixture->store, &normal, NULL, &error), >, 0);
  g_assert_no_error (error);

  page = koi_store_message_page (fixture->store, chat_id, 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 2);
  g_assert_cmpstr (((KoiStoreMessage *) g_ptr_array_index (page, 0))->text, ==, "my clock is a day fast");
  g_assert_cmpint (((KoiStoreMessage *) g_ptr_array_index (page, 0))->sort_ms, ==, 1000);
  g_assert_cmpint (((KoiStoreMessage *) g_ptr_array_index (page, 1))->sort_ms, ==, 1500);
}

static guint
search_count (Fixture    *fixture,
              const char *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = koi_store_message_search (fixture->store, fixture->account_id, query, 50, &error);

  g_assert_no_error (error);
  g_assert_nonnull (found);
  return found->len;
}

static void
test_search (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = NULL;
  gint64 chat_id = chat_with (fixture, "bob@example.org");
  gint64 other_account = store_test_account (fixture->store, "other@example.org");
  gint64 other_chat = koi_store_chat_ensure_1to1 (fixture->store, other_account, "bob@example.org", NULL, &error);
  gint64 edited, deleted;
  static const char * const hostile[] = {
    "\"", "\"\"", "foo\"bar", "AND", "OR", "NOT", "a OR", "NEAR(", "NEAR(a b)", "text:cake",
    "*", "**", "cake*", "-cake", "^cake", "(", ")", "{text}: x", "'", "cake's", "\\", "+",
    "", "   ", "\xe2\x80\x8b", "a\"b\"c", "col:\"x\"", "%", "_",
  };

  store_test_incoming (fixture->store, fixture->account_id, chat_id, "1@x", "Shall we bake a cake tomorrow?", 1000);
  store_test_incoming (fixture->store, fixture->account_id, chat_id, "2@x", "Grüße aus München, über alles", 2000);
  store_test_incoming (fixture->store, fixture->account_id, chat_id, "3@x", "Café crème at the corner", 3000);
  store_test_incoming (fixture->store, fixture->account_id, chat_id, "4@x", "it's cake o'clock AND more", 4000);
  store_test_incoming (fixture->store, other_account, other_chat, "5@x", "cake in another account", 5000);
  edited = store_test_incoming (fixture->store, fixture->account_id, chat_id, "6@x", "typo: pancaek", 6000);
  deleted = store_test_incoming (fixture->store, fixture->account_id, chat_id, "7@x", "secret cake recipe", 7000);

  found = koi_store_message_search (fixture->store, fixture->account_id, "cake", 50, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 3);
  /* Newest first. */
  g_assert_cmpstr (((KoiStoreMessage *) g_ptr_array_index (found, 0))->text, ==, "secret cake recipe");
  g_assert_cmpstr (((KoiStoreMessage *) g_ptr_array_index (found, 2))->text, ==, "Shall we bake a cake tomorrow?");

  /* Accents and case do not matter, in either direction. */
  g_assert_cmpuint (search_count (fixture, "uber"), ==, 1);
  g_assert_cmpuint (search_count (fixture, "ÜBER"), ==, 1);
  g_assert_cmpuint (search_count (fixture, "gruße munchen"), ==, 1);
  g_assert_cmpuint (search_count (fixture, "cafe creme"), ==, 1);
  g_assert_cmpuint (search_count (fixture, "Crème"), ==, 1);

  /* All words must occur; the last one may be unfinished. */
  g_assert_cmpuint (search_count (fixture, "cake tomorrow"), ==, 1);
  g_assert_cmpuint (search_count (fixture, "cake munchen"), ==, 0);
  g_assert_cmpuint (search_count (fixture, "tomo"), ==, 1);
  g_assert_cmpuint (search_count (fixture, "tomo "), ==, 0);

  /* Query syntax typed by a user is text, never an FTS5 expression. */
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autoptr(GPtrArray) result = koi_store_message_search (fixture->store, fixture->account_id,
                                                              hostile[i], 50, &error);
      g_assert_no_error (error);
      g_assert_nonnull (result);
    }
  g_assert_cmpuint (search_count (fixture, "\"cake\""), ==, 3);
  g_assert_cmpuint (search_count (fixture, "cake AND"), ==, 1);     /* the word "and" */
  g_assert_cmpuint (search_count (fixture, "cake OR Café"), ==, 0); /* "or" is a word too */
  g_assert_cmpuint (search_count (fixture, "NEAR(cake"), ==, 0);
  g_assert_cmpuint (search_count (fixture, "*cake*"), ==, 3);
  g_assert_cmpuint (search_count (fixture, "text:cake"), ==, 0);
  g_assert_cmpuint (search_count (fixture, "\"\""), ==, 0);

  /* Edits and deletes reach the index. */
  g_assert_true (koi_store_message_apply_edit (fixture->store, edited, "typo: pancake", 6500, "edit1@x", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (search_count (fixture, "pancaek"), ==, 0);
  g_assert_cmpuint (search_count (fixture, "pancake"), ==, 1);
  g_assert_true (koi_store_message_mark_deleted (fixture->store, deleted, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (search_count (fixture, "recipe"), ==, 0);
  g_assert_cmpuint (search_count (fixture, "cake"), ==, 2);

  /* One chat's search (Ctrl+F in an open chat): Carol's cake only. */
  {
    gint64 carol = chat_with (fixture, "carol@example.org");
    g_autoptr(GPtrArray) in_bob = NULL;
    g_autoptr(GPtrArray) in_carol = NULL;

    store_test_incoming (fixture->store, fixture->account_id, carol, "8@x", "cake at Carol's", 8000);
    g_assert_cmpuint (search_count (fixture, "cake"), ==, 3);
    in_carol = koi_store_message_search_chat (fixture->store, fixture->account_id, carol, "cake", 50, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (in_carol->len, ==, 1);
    g_assert_cmpstr (((KoiStoreMessage *) g_ptr_array_index (in_carol, 0))->text, ==, "cake at Carol's");
    in_bob = koi_store_message_search_chat (fixture->store, fixture->account_id, chat_id, "cake", 1, &error);
    g_assert_no_error (error);
    /* The newest of Bob's, within the limit, though Carol's is newer. */
    g_assert_cmpuint (in_bob->len, ==, 1);
    g_assert_cmpstr (((KoiStoreMessage *) g_ptr_array_index (in_bob, 0))->text, ==, "it's cake o'clock AND more");
  }
}

static void
test_edits_and_delete (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autoptr(KoiStoreMessage) message = NULL;
  gint64 chat_id = chat_with (fixture, "bob@example.org");
  gint64 id = store_test_incoming (fixture->store, fixture->account_id, chat_id, "orig@x", "first", 1000);
  gboolean applied = FALSE;
  KoiStoreEdit *edit;

  g_assert_true (koi_store_message_apply_edit (fixture->store, id, "second", 2000, "<e1@x>", &applied, &error));
  g_assert_true (applied);
  g_assert_true (koi_store_message_apply_edit (fixture->store, id, "third", 3000, "e2@x", &applied, &error));
  g_assert_true (applied);
  /* The first edit again (a re-fetch): ignored. */
  g_assert_true (koi_store_message_apply_edit (fixture->store, id, "second", 2000, "e1@x", &applied, &error));
  g_assert_false (applied);
  /* An edit older than what is shown (arrived late): history only. */
  g_assert_true (koi_store_message_apply_edit (fixture->store, id, "one and a half", 1500, "e0@x", &applied, &error));
  g_assert_false (applied);
  g_assert_no_error (error);

  message = koi_store_message_get (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (message->text, ==, "third");
  g_assert_cmpint (message->edited_at_ms, ==, 3000);

  history = koi_store_message_list_edits (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 3);
  edit = g_ptr_array_index (history, 0);
  g_assert_cmpstr (edit->text, ==, "first");
  g_assert_cmpint (edit->written_at_ms, ==, 1000);
  g_assert_cmpstr (edit->replaced_by, ==, "e1@x");
  g_assert_cmpstr (((KoiStoreEdit *) g_ptr_array_index (history, 1))->text, ==, "one and a half");
  g_assert_cmpstr (((KoiStoreEdit *) g_ptr_array_index (history, 2))->text, ==, "second");
  g_clear_pointer (&history, g_ptr_array_unref);
  g_clear_pointer (&message, koi_store_message_free);

  g_assert_true (koi_store_message_mark_deleted (fixture->store, id, &error));
  g_assert_no_error (error);
  message = koi_store_message_get (fixture->store, id, &error);
  g_assert_true (message->deleted);
  g_assert_null (message->text);
  history = koi_store_message_list_edits (fixture->store, id, &error);
  g_assert_cmpuint (history->len, ==, 0);

  /* A late edit cannot bring deleted words back; a re-fetch cannot either. */
  g_assert_true (koi_store_message_apply_edit (fixture->store, id, "resurrected", 9000, "e9@x", &applied, &error));
  g_assert_false (applied);
  g_clear_pointer (&message, koi_store_message_free);
  message = koi_store_message_get (fixture->store, id, &error);
  g_assert_null (message->text);
  {
    KoiStoreMessage refetch = { .account_id = fixture->account_id, .chat_id = chat_id,
                                .message_id = (char *) "orig@x", .text = (char *) "first" };
    gboolean inserted = TRUE;

    g_assert_cmpint (koi_store_message_insert (fixture->store, &refetch, &inserted, &error), ==, id);
    g_assert_false (inserted);
  }
  g_assert_no_error (error);

  g_assert_false (koi_store_message_mark_deleted (fixture->store, 4242, &error));
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND);
}

static void
test_thread_and_receipts (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 bob = chat_with (fixture, "bob@example.org");
  gint64 group = koi_store_chat_ensure_group (fixture->store, fixture->account_id, "abcdefghijkl", "Friends", &error);
  gint64 root;
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(KoiStoreChat) chat = NULL;
  const char * const unknown[] = { "nope@x", NULL };
  const char * const thread[] = { "nope@x", "<root@x>", "bob1@x", NULL };

  g_assert_no_error (error);
  g_assert_cmpint (koi_store_chat_ensure_group (fixture->store, fixture->account_id, "abcdefghijkl", NULL, &error), ==, group);
  g_assert_cmpint (koi_store_chat_find_by_group (fixture->store, fixture->account_id, "abcdefghijkl", &error), ==, group);
  chat = koi_store_chat_get (fixture->store, group, &error);
  g_assert_no_error (error);
  g_assert_cmpint (chat->kind, ==, KOI_STORE_CHAT_GROUP);
  g_assert_cmpstr (chat->name, ==, "Friends");
  g_assert_cmpint (chat->last_direction, ==, -1);

  root = store_test_incoming (fixture->store, fixture->account_id, group, "root@x", "welcome", 1000);
  store_test_incoming (fixture->store, fixture->account_id, bob, "bob1@x", "hi", 2000);
  g_assert_cmpint (koi_store_message_find_chat_for_thread (fixture->store, fixture->account_id, unknown, &error), ==, 0);
  g_assert_cmpint (koi_store_message_find_chat_for_thread (fixture->store, fixture->account_id, thread, &error), ==, group);
  g_assert_no_error (error);

  g_assert_true (koi_store_chat_add_member (fixture->store, group, "bob@example.org", &error));
  g_assert_true (koi_store_chat_add_member (fixture->store, group, "carol@example.org", &error));
  g_assert_true (koi_store_chat_add_member (fixture->store, group, "Carol@example.org", &error));
  g_assert_true (koi_store_chat_remove_member (fixture->store, group, "bob@EXAMPLE.org", &error));
  g_assert_no_error (error);
  members = koi_store_chat_list_members (fixture->store, group, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (members->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (members, 0), ==, "carol@example.org");

  g_assert_true (koi_store_receipt_add (fixture->store, root, "bob@example.org", 5000, &error));
  g_assert_true (koi_store_receipt_add (fixture->store, root, "bob@example.org", 4000, &error));
  g_assert_true (koi_store_receipt_add (fixture->store, root, "carol@example.org", 6000, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (koi_store_receipt_count (fixture->store, root, &error), ==, 2);
}


/* ------------------------------------------------------------------ */
/* Attachments */

static void
test_attachments (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(KoiStoreAttachment) got = NULL;
  g_autoptr(KoiStoreMessage) message = NULL;
  gint64 chat_id = chat_with (fixture, "bob@example.org");
  gint64 message_ref = store_test_incoming (fixture->store, fixture->account_id, chat_id,
                                            "chat$photo@example.org", "", 1000);
  KoiStoreAttachment image = {
    .message_ref = message_ref, .section = (char *) "2", .filename = (char *) "cat.png",
    .mime_type = (char *) "image/png", .size = 4000, .encoding = (char *) "base64",
    .kind = KOI_STORE_ATTACHMENT_IMAGE,
  };
  KoiStoreAttachment pdf = {
    .message_ref = message_ref, .section = (char *) "3", .filename = (char *) "paper.pdf",
    .mime_type = (char *) "application/pdf", .size = 3000,
  };
  KoiStoreAttachment big = {
    .message_ref = message_ref, .section = (char *) "4", .filename = (char *) "big.png",
    .mime_type = (char *) "image/png", .size = 30000000,
  };
  gint64 image_id = koi_store_attachment_add (fixture->store, &image, &error);
  gint64 pdf_id;

  g_assert_no_error (error);
  g_assert_cmpint (image_id, >, 0);
  /* The same part again (a second fetch) is the same row. */
  g_assert_cmpint (koi_store_attachment_add (fixture->store, &image, &error), ==, image_id);
  pdf_id = koi_store_attachment_add (fixture->store, &pdf, &error);
  g_assert_cmpint (pdf_id, >, image_id);
  g_assert_cmpint (koi_store_attachment_add (fixture->store, &big, &error), >, pdf_id);
  g_assert_no_error (error);

  message = koi_store_message_get (fixture->store, message_ref, &error);
  g_assert_no_error (error);
  g_assert_true (message->has_attachments);

  list = koi_store_attachment_list (fixture->store, message_ref, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (((KoiStoreAttachment *) list->pdata[0])->filename, ==, "cat.png");
  g_assert_cmpint (((KoiStoreAttachment *) list->pdata[0])->account_id, ==, fixture->account_id);

  /* Only the small image downloads by itself. */
  due = koi_store_attachment_list_auto (fixture->store, fixture->account_id, 10000000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 1);
  g_assert_cmpint (((KoiStoreAttachment *) due->pdata[0])->id, ==, image_id);

  g_assert_true (koi_store_attachment_set_state (fixture->store, image_id, KOI_STORE_ATTACHMENT_DOWNLOADING,
                                                 NULL, NULL, 0, NULL, &error));
  g_assert_true (koi_store_attachment_reset_downloading (fixture->store, fixture->account_id, &error));
  g_assert_true (koi_store_attachment_set_state (fixture->store, image_id, KOI_STORE_ATTACHMENT_DONE,
                                                 "abc123", "ab/abc123", 3999, NULL, &error));
  g_assert_true (koi_store_attachment_set_state (fixture->store, pdf_id, KOI_STORE_ATTACHMENT_FAILED,
                                                 NULL, NULL, 0, "The part is damaged", &error));
  g_assert_no_error (error);

  got = koi_store_attachment_get (fixture->store, image_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (got->state, ==, KOI_STORE_ATTACHMENT_DONE);
  g_assert_cmpint (got->size, ==, 3999);
  g_assert_cmpstr (got->local_path, ==, "ab/abc123");
  g_assert_true (koi_store_attachment_hash_in_use (fixture->store, "abc123", &error));
  g_assert_false (koi_store_attachment_hash_in_use (fixture->store, "def456", &error));
  g_clear_pointer (&got, koi_store_attachment_free);
  got = koi_store_attachment_get (fixture->store, pdf_id, &error);
  g_assert_cmpint (got->state, ==, KOI_STORE_ATTACHMENT_FAILED);
  g_assert_cmpstr (got->error, ==, "The part is damaged");

  g_clear_pointer (&due, g_ptr_array_unref);
  due = koi_store_attachment_list_auto (fixture->store, fixture->account_id, 10000000, &error);
  g_assert_cmpuint (due->len, ==, 0);

  /* A stranger's image waits until the user lets the chat in. */
  {
    gint64 stranger = chat_with (fixture, "stranger@example.org");
    gint64 ref = store_test_incoming (fixture->store, fixture->account_id, stranger,
                                      "chat$stranger@example.org", "", 2000);
    KoiStoreAttachment photo = {
      .message_ref = ref, .section = (char *) "2", .filename = (char *) "x.png",
      .mime_type = (char *) "image/png", .size = 100,
    };

    g_assert_cmpint (koi_store_attachment_add (fixture->store, &photo, &error), >, 0);
    g_assert_true (koi_store_chat_set_request (fixture->store, stranger, KOI_STORE_CHAT_REQUEST, &error));
    g_clear_pointer (&due, g_ptr_array_unref);
    due = koi_store_attachment_list_auto (fixture->store, fixture->account_id, 10000000, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (due->len, ==, 0);
    g_assert_true (koi_store_chat_set_request (fixture->store, stranger, KOI_STORE_CHAT_ACCEPTED, &error));
    g_clear_pointer (&due, g_ptr_array_unref);
    due = koi_store_attachment_list_auto (fixture->store, fixture->account_id, 10000000, &error);
    g_assert_cmpuint (due->len, ==, 1);
  }
}

/* The outbox keeps a file by reference: the head and tail around it and
 * the attachment row, never the file's bytes. */
static void
test_outbox_with_file (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) head = g_bytes_new_static ("HEAD\r\n", 6);
  g_autoptr(GBytes) tail = g_bytes_new_static ("TAIL\r\n", 6);
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(GPtrArray) list = NULL;
  const char * const recipients[] = { "bob@example.org", NULL };
  KoiStoreMessage message = {
    .account_id = fixture->account_id, .chat_id = chat_with (fixture, "bob@example.org"),
    .message_id = (char *) "chat$file@example.org", .from_address = (char *) "alice@example.org",
    .text = (char *) "", .sort_ms = 10000,
  };
  KoiStoreAttachment file = {
    .section = (char *) "2", .filename = (char *) "big.bin", .mime_type = (char *) "application/octet-stream",
    .size = 25000000, .encoding = (char *) "base64", .state = KOI_STORE_ATTACHMENT_DONE,
    .sha256 = (char *) "ff00", .local_path = (char *) "ff/ff00",
  };
  gint64 ref = koi_store_outbox_enqueue_with_file (fixture->store, &message, head, tail, &file,
                                                   recipients, &error);
  KoiStoreOutboxItem *item;

  g_assert_no_error (error);
  g_assert_cmpint (ref, >, 0);
  due = koi_store_outbox_due (fixture->store, fixture->account_id, G_MAXINT64, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 1);
  item = due->pdata[0];
  g_assert_true (g_bytes_equal (item->raw, head));
  g_assert_nonnull (item->tail);
  g_assert_true (g_bytes_equal (item->tail, tail));
  list = koi_store_attachment_list (fixture->store, ref, &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpint (item->attachment_ref, ==, ((KoiStoreAttachment *) list->pdata[0])->id);
  g_assert_cmpstr (((KoiStoreAttachment *) list->pdata[0])->local_path, ==, "ff/ff00");
}

/* ------------------------------------------------------------------ */
/* Outbox */

static gint64
enqueue (KoiStore           *store,
         gint64              account_id,
         gint64              chat_id,
         const char         *message_id,
         const char         *raw,
         const char * const *recipients)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (raw, strlen (raw));
  KoiStoreMessage message = {
    .account_id = account_id, .chat_id = chat_id, .message_id = (char *) message_id,
    .from_address = (char *) "alice@example.org", .text = (char *) "see you", .sort_ms = 10000,
  };
  gint64 id = koi_store_outbox_enqueue (store, &message, bytes, recipients, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static const char raw_mail[] =
  "From: alice@example.org\r\nTo: bob@example.org\r\nMessage-ID: <chat$out@example.org>\r\n"
  "Chat-Version: 1.0\r\n\r\nsee you\r\n";

static void
test_outbox_flow (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(KoiStoreMessage) message = NULL;
  const char * const recipients[] = { "bob@example.org", "carol@example.org", "Bob@Example.org", NULL };
  gint64 chat_id = chat_with (fixture, "bob@example.org");
  gint64 message_ref = enqueue (fixture->store, fixture->account_id, chat_id, "chat$out@example.org", raw_mail, recipients);
  gint64 now = g_get_real_time () / 1000;
  KoiStoreOutboxItem *item;
  gsize size;

  message = koi_store_message_get (fixture->store, message_ref, &error);
  g_assert_no_error (error);
  g_assert_cmpint (message->state, ==, KOI_STORE_STATE_QUEUED);
  g_assert_cmpint (message->direction, ==, KOI_STORE_DIRECTION_OUTGOING);
  g_clear_pointer (&message, koi_store_message_free);

  g_assert_cmpint (koi_store_outbox_next_due_ms (fixture->store, fixture->account_id, &error), >, 0);
  g_assert_cmpint (koi_store_outbox_next_due_ms (fixture->store, fixture->account_id, &error), <=, now);

  due = koi_store_outbox_due (fixture->store, fixture->account_id, now + 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 1);
  item = g_ptr_array_index (due, 0);
  g_assert_cmpint (item->message_ref, ==, message_ref);
  g_assert_cmpstr (item->message_id, ==, "chat$out@example.org");
  g_assert_cmpstr (item->from_address, ==, "alice@example.org");
  g_assert_cmpuint (item->attempts, ==, 0);
  g_assert_cmpmem (g_bytes_get_data (item->raw, &size), size, raw_mail, strlen (raw_mail));
  /* Bob named twice (To and Cc, any case) is sent to once. */
  g_assert_cmpuint (item->pending_recipients->len, ==, 2);

  /* Not finished while someone is pending. */
  g_assert_true (koi_store_outbox_recipient_done (fixture->store, item->outbox_id, "bob@example.org", TRUE, "250 2.1.5 Ok", &error));
  g_assert_no_error (error);
  g_assert_false (koi_store_outbox_finish (fixture->store, item->outbox_id, &error));
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_pointer (&due, g_ptr_array_unref);

  /* A retry now would only go to Carol. */
  due = koi_store_outbox_due (fixture->store, fixture->account_id, now + 1000, &error);
  item = g_ptr_array_index (due, 0);
  g_assert_cmpuint (item->pending_recipients->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (item->pending_recipients, 0), ==, "carol@example.org");

  g_assert_true (koi_store_outbox_recipient_done (fixture->store, item->outbox_id, "carol@example.org", TRUE, "250 2.1.5 Ok", &error));
  g_assert_true (koi_store_outbox_finish (fixture->store, item->outbox_id, &error));
  g_assert_no_error (error);

  message = koi_store_message_get (fixture->store, message_ref, &error);
  g_assert_cmpint (message->state, ==, KOI_STORE_STATE_SENT);
  g_assert_null (message->failure_reason);
  g_clear_pointer (&due, g_ptr_array_unref);
  due = koi_store_outbox_due (fixture->store, fixture->account_id, G_MAXINT64, &error);
  g_assert_cmpuint (due->len, ==, 0);
  g_assert_cmpint (koi_store_outbox_next_due_ms (fixture->store, fixture->account_id, &error), ==, 0);
  g_assert_no_error (error);

  /* The same Message-ID cannot be queued twice. */
  {
    g_autoptr(GBytes) bytes = g_bytes_new_static (raw_mail, strlen (raw_mail));
    KoiStoreMessage again = { .account_id = fixture->account_id, .chat_id = chat_id,
                              .message_id = (char *) "chat$out@example.org" };
    const char * const none[] = { NULL };

    g_assert_cmpint (koi_store_outbox_enqueue (fixture->store, &again, bytes, recipients, &error), ==, 0);
    g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_EXISTS);
    g_clear_error (&error);
    again.message_id = (char *) "chat$nobody@example.org";
    g_assert_cmpint (koi_store_outbox_enqueue (fixture->store, &again, bytes, none, &error), ==, 0);
    g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_cmpint (koi_store_message_find (fixture->store, fixture->account_id, "chat$nobody@example.org", &error), ==, 0);
  }
}

static void
test_outbox_survives_reopen (void)
{
  StoreTestDir dir;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) due = NULL;
  const char * const recipients[] = { "bob@example.org", NULL };
  KoiStoreOutboxItem *item;
  KoiStore *store;
  gint64 account_id, chat_id, message_ref, outbox_id;
  gint64 now = g_get_real_time () / 1000;
  gsize size;

  store_test_dir_init (&dir);
  store = store_test_open (dir.path);
  account_id = store_test_account (store, "alice@example.org");
  chat_id = koi_store_chat_ensure_1to1 (store, account_id, "bob@example.org", NULL, &error);
  message_ref = enqueue (store, account_id, chat_id, "chat$out@example.org", raw_mail, recipients);
  koi_store_close (store);

  /* As after a crash or a quit before the network came back. */
  store = store_test_open (dir.path);
  due = koi_store_outbox_due (store, account_id, now + 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 1);
  item = g_ptr_array_index (due, 0);
  g_assert_cmpint (item->message_ref, ==, message_ref);
  g_assert_cmpmem (g_bytes_get_data (item->raw, &size), size, raw_mail, strlen (raw_mail));
  outbox_id = item->outbox_id;
  g_clear_pointer (&due, g_ptr_array_unref);

  /* A temporary failure: not due again until the chosen time. */
  g_assert_true (koi_store_outbox_reschedule (store, outbox_id, now + 60000, "Connection refused", &error));
  g_assert_no_error (error);
  due = koi_store_outbox_due (store, account_id, now + 1000, &error);
  g_assert_cmpuint (due->len, ==, 0);
  g_clear_pointer (&due, g_ptr_array_unref);
  g_assert_cmpint (koi_store_outbox_next_due_ms (store, account_id, &error), ==, now + 60000);
  koi_store_close (store);

  store = store_test_open (dir.path);
  due = koi_store_outbox_due (store, account_id, now + 60000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 1);
  g_assert_cmpuint (((KoiStoreOutboxItem *) g_ptr_array_index (due, 0))->attempts, ==, 1);
  g_assert_false (koi_store_outbox_reschedule (store, 4242, 0, NULL, &error));
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND);
  koi_store_close (store);

  store_test_dir_clear (&dir);
}

static void
test_outbox_refused_recipient (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(KoiStoreMessage) message = NULL;
  const char * const recipients[] = { "bob@example.org", "nobody@example.org", NULL };
  const char *refusal = "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown";
  gint64 chat_id = chat_with (fixture, "bob@example.org");
  gint64 message_ref = enqueue (fixture->store, fixture->account_id, chat_id, "chat$r@example.org", raw_mail, recipients);
  gint64 now = g_get_real_time () / 1000;
  gint64 outbox_id;

  due = koi_store_outbox_due (fixture->store, fixture->account_id, now + 1000, &error);
  g_assert_no_error (error);
  outbox_id = ((KoiStoreOutboxItem *) g_ptr_array_index (due, 0))->outbox_id;
  g_clear_pointer (&due, g_ptr_array_unref);

  g_assert_true (koi_store_outbox_recipient_done (fixture->store, outbox_id, "bob@example.org", TRUE, "250 Ok", &error));
  g_assert_true (koi_store_outbox_recipient_done (fixture->store, outbox_id, "nobody@example.org", FALSE, refusal, &error));
  g_assert_no_error (error);
  g_assert_false (koi_store_outbox_recipient_done (fixture->store, outbox_id, "stranger@example.org", TRUE, NULL, &error));
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (koi_store_outbox_finish (fixture->store, outbox_id, &error));
  g_assert_no_error (error);
  message = koi_store_message_get (fixture->store, message_ref, &error);
  g_assert_cmpint (message->state, ==, KOI_STORE_STATE_FAILED);
  g_assert_nonnull (strstr (message->failure_reason, "nobody@example.org"));
  g_assert_nonnull (strstr (message->failure_reason, refusal));
  g_assert_null (strstr (message->failure_reason, "bob@example.org"));
  g_clear_pointer (&message, koi_store_message_free);

  /* Nothing is due; a user's retry goes to the refused recipient only. */
  due = koi_store_outbox_due (fixture->store, fixture->account_id, G_MAXINT64, &error);
  g_assert_cmpuint (due->len, ==, 0);
  g_clear_pointer (&due, g_ptr_array_unref);
  g_assert_true (koi_store_outbox_retry (fixture->store, message_ref, now, &error));
  g_assert_no_error (error);
  due = koi_store_outbox_due (fixture->store, fixture->account_id, now, &error);
  g_assert_cmpuint (due->len, ==, 1);
  g_assert_cmpuint (((KoiStoreOutboxItem *) g_ptr_array_index (due, 0))->pending_recipients->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (((KoiStoreOutboxItem *) g_ptr_array_index (due, 0))->pending_recipients, 0),
                   ==, "nobody@example.org");
  message = koi_store_message_get (fixture->store, message_ref, &error);
  g_assert_cmpint (message->state, ==, KOI_STORE_STATE_QUEUED);
  g_clear_pointer (&message, koi_store_message_free);

  /* Giving up after too many attempts keeps the last reason. */
  g_assert_true (koi_store_outbox_fail (fixture->store, outbox_id, "421 4.7.0 Try again later (gave up after 8 attempts)", &error));
  g_assert_no_error (error);
  message = koi_store_message_get (fixture->store, message_ref, &error);
  g_assert_cmpint (message->state, ==, KOI_STORE_STATE_FAILED);
  g_assert_nonnull (strstr (message->failure_reason, "gave up after 8 attempts"));

  g_assert_false (koi_store_outbox_retry (fixture->store, 4242, now, &error));
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND);
}

/* ------------------------------------------------------------------ */
/* Folders */

static void
test_folder_state (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) locations = NULL;
  gint64 chat_id = chat_with (fixture, "bob@example.org");
  gint64 message_ref = store_test_incoming (fixture->store, fixture->account_id, chat_id, "m@x", "hi", 1000);
  guint32 uidvalidity = 1, last_uid = 1;

  g_assert_false (koi_store_folder_get (fixture->store, fixture->account_id, "COI/Chats", &uidvalidity, &last_uid, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (uidvalidity, ==, 0);
  g_assert_cmpuint (last_uid, ==, 0);

  g_assert_true (koi_store_folder_set (fixture->store, fixture->account_id, "COI/Chats", 1700000000, 41, &error));
  g_assert_true (koi_store_folder_set (fixture->store, fixture->account_id, "COI/Chats", 1700000000, G_MAXUINT32, &error));
  g_assert_true (koi_store_folder_get (fixture->store, fixture->account_id, "COI/Chats", &uidvalidity, &last_uid, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (uidvalidity, ==, 1700000000);
  g_assert_cmpuint (last_uid, ==, G_MAXUINT32);

  g_assert_true (koi_store_location_add (fixture->store, message_ref, fixture->account_id, "COI/Chats", 1700000000, 42, &error));
  g_assert_true (koi_store_location_add (fixture->store, message_ref, fixture->account_id, "INBOX", 7, 3, &error));
  g_assert_no_error (error);
  g_assert_cmpint (koi_store_location_find_message (fixture->store, fixture->account_id, "COI/Chats", 1700000000, 42, &error), ==, message_ref);
  locations = koi_store_location_list (fixture->store, message_ref, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (locations->len, ==, 2);
  g_assert_cmpstr (((KoiStoreLocation *) g_ptr_array_index (locations, 0))->folder, ==, "COI/Chats");
  g_clear_pointer (&locations, g_ptr_array_unref);

  /* UIDVALIDITY changed: the folder's UIDs are forgotten, the message is not. */
  g_assert_true (koi_store_folder_reset (fixture->store, fixture->account_id, "COI/Chats", 1800000000, &error));
  g_assert_no_error (error);
  g_assert_true (koi_store_folder_get (fixture->store, fixture->account_id, "COI/Chats", &uidvalidity, &last_uid, &error));
  g_assert_cmpuint (uidvalidity, ==, 1800000000);
  g_assert_cmpuint (last_uid, ==, 0);
  g_assert_cmpint (koi_store_location_find_message (fixture->store, fixture->account_id, "COI/Chats", 1700000000, 42, &error), ==, 0);
  locations = koi_store_location_list (fixture->store, message_ref, &error);
  g_assert_cmpuint (locations->len, ==, 1);
  g_assert_cmpstr (((KoiStoreLocation *) g_ptr_array_index (locations, 0))->folder, ==, "INBOX");
  g_assert_cmpint (koi_store_message_find (fixture->store, fixture->account_id, "m@x", &error), ==, message_ref);

  g_assert_true (koi_store_location_remove (fixture->store, fixture->account_id, "INBOX", 7, 3, &error));
  g_assert_true (koi_store_location_remove (fixture->store, fixture->account_id, "INBOX", 7, 3, &error));
  g_assert_no_error (error);
  g_assert_cmpint (koi_store_location_find_message (fixture->store, fixture->account_id, "INBOX", 7, 3, &error), ==, 0);
}

static void
test_transaction_rollback (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 chat_id = chat_with (fixture, "bob@example.org");

  /* A batch that is abandoned leaves nothing, not even a moved chat. */
  g_assert_true (koi_store_begin (fixture->store, &error));
  store_test_incoming (fixture->store, fixture->account_id, chat_id, "x1@x", "one", 1000);
  store_test_incoming (fixture->store, fixture->account_id, chat_id, "x2@x", "two", 2000);
  koi_store_rollback (fixture->store);

  g_assert_cmpuint (koi_store_message_count (fixture->store, chat_id, &error), ==, 0);
  {
    g_autoptr(KoiStoreChat) chat = koi_store_chat_get (fixture->store, chat_id, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (chat->unread_count, ==, 0);
    g_assert_cmpint (chat->last_activity_ms, ==, 0);
  }

  /* A failing call inside a batch undoes only itself. */
  g_assert_true (koi_store_begin (fixture->store, &error));
  store_test_incoming (fixture->store, fixture->account_id, chat_id, "y1@x", "kept", 1000);
  {
    KoiStoreMessage bad = { .account_id = fixture->account_id, .chat_id = 9999, .message_id = (char *) "y2@x" };
    g_assert_cmpint (koi_store_message_insert (fixture->store, &bad, NULL, &error), ==, 0);
    g_assert_nonnull (error);
    g_clear_error (&error);
  }
  g_assert_true (koi_store_commit (fixture->store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (koi_store_message_count (fixture->store, chat_id, &error), ==, 1);
}

static void
test_contacts (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiStoreContact) found = NULL;
  g_autoptr(GPtrArray) contacts = NULL;
  KoiStoreContact card = {
    .account_id = fixture->account_id, .address = (char *) "Bob@example.org",
    .vcard = (char *) "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Bob\r\nEND:VCARD\r\n",
    .contact_json = (char *) "{\"coi-version\":1,\"content\":\"contact\"}", .blocked = TRUE,
  };
  gint64 id = koi_store_contact_ensure (fixture->store, fixture->account_id, "bob@example.org", "Bob", &error);

  g_assert_no_error (error);
  g_assert_cmpint (koi_store_contact_upsert (fixture->store, &card, &error), ==, id);
  g_assert_no_error (error);
  found = koi_store_contact_find (fixture->store, fixture->account_id, "BOB@example.org", &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->display_name, ==, "Bob");
  g_assert_true (found->blocked);
  g_assert_nonnull (strstr (found->vcard, "FN:Bob"));
  g_assert_null (koi_store_contact_find (fixture->store, fixture->account_id, "nobody@x", &error));
  g_assert_no_error (error);
  contacts = koi_store_contact_list (fixture->store, fixture->account_id, &error);
  g_assert_cmpuint (contacts->len, ==, 1);
  g_assert_cmpint (koi_store_contact_ensure (fixture->store, fixture->account_id, "", NULL, &error), ==, 0);
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID);
}

/* Messages of a batch enter the search index when the batch commits, and
 * only those that are really stored. */
static void
test_search_batches (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 chat_id = chat_with (fixture, "bob@example.org");

  g_assert_true (koi_store_begin (fixture->store, &error));
  store_test_incoming (fixture->store, fixture->account_id, chat_id, "b1@x", "lighthouse keeper", 1000);
  store_test_incoming (fixture->store, fixture->account_id, chat_id, "b2@x", "lighthouse again", 2000);
  {
    /* A failing call in the middle of the batch is undone alone. */
    KoiStoreMessage bad = { .account_id = fixture->account_id, .chat_id = 9999,
                            .message_id = (char *) "b3@x", .text = (char *) "lighthouse ghost" };
    g_assert_cmpint (koi_store_message_insert (fixture->store, &bad, NULL, &error), ==, 0);
    g_clear_error (&error);
  }
  store_test_incoming (fixture->store, fixture->account_id, chat_id, "b4@x", "a lighthouse at last", 3000);
  g_assert_true (koi_store_commit (fixture->store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (search_count (fixture, "lighthouse"), ==, 3);
  g_assert_cmpuint (search_count (fixture, "ghost"), ==, 0);

  /* An abandoned batch leaves nothing in the index either. */
  g_assert_true (koi_store_begin (fixture->store, &error));
  store_test_incoming (fixture->store, fixture->account_id, chat_id, "c1@x", "phantom words", 4000);
  koi_store_rollback (fixture->store);
  g_assert_cmpuint (search_count (fixture, "phantom"), ==, 0);

  /* Outside a batch a message is searchable at once. */
  store_test_incoming (fixture->store, fixture->account_id, chat_id, "d1@x", "standalone harbour", 5000);
  g_assert_cmpuint (search_count (fixture, "harbour"), ==, 1);

  /* And the index agrees with the table, row for row (FTS5 compares them
   * and fails with SQLITE_CORRUPT_VTAB otherwise). */
  {
    sqlite3 *db = NULL;
    char *message = NULL;

    g_assert_cmpint (sqlite3_open (koi_store_get_path (fixture->store), &db), ==, SQLITE_OK);
    sqlite3_busy_timeout (db, 5000);
    if (sqlite3_exec (db, "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)",
                      NULL, NULL, &message) != SQLITE_OK)
      g_error ("full-text index out of step with the messages: %s", message);
    sqlite3_close (db);
  }
}

/* The ends of a chat's thread follow the conversation order, not the order
 * messages were stored in. */
static void
test_thread_ends (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;
  gint64 chat_id = chat_with (fixture, "bob@example.org");

  g_assert_true (koi_store_chat_thread_ends (fixture->store, chat_id, &first, &last, &error));
  g_assert_no_error (error);
  g_assert_null (first);
  g_assert_null (last);

  store_test_incoming (fixture->store, fixture->account_id, chat_id, "middle@x", "two", 2000);
  store_test_incoming (fixture->store, fixture->account_id, chat_id, "newest@x", "three", 3000);
  store_test_incoming (fixture->store, fixture->account_id, chat_id, "oldest@x", "one", 1000);

  g_assert_true (koi_store_chat_thread_ends (fixture->store, chat_id, &first, &last, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (first, ==, "oldest@x");
  g_assert_cmpstr (last, ==, "newest@x");
}

/* Receipts owed: only for what was shown, never to a blocked sender, and
 * once; the due list names each server copy. */
static void
test_receipt_requests (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) shown = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) due = NULL;
  KoiStoreContact blocked = {
    .account_id = fixture->account_id, .address = (char *) "mallory@example.org", .blocked = TRUE,
  };
  gint64 bob_chat = chat_with (fixture, "bob@example.org");
  gint64 mallory_chat = chat_with (fixture, "mallory@example.org");
  gint64 from_bob = store_test_incoming (fixture->store, fixture->account_id, bob_chat,
                                         "chat$bob1@example.org", "hi", 1000);
  gint64 unseen = store_test_incoming (fixture->store, fixture->account_id, bob_chat,
                                       "chat$bob2@example.org", "still there?", 2000);
  KoiStoreMessage mallory_row = {
    .account_id = fixture->account_id, .chat_id = mallory_chat, .message_id = (char *) "chat$m1@example.org",
    .direction = KOI_STORE_DIRECTION_INCOMING, .state = KOI_STORE_STATE_RECEIVED,
    .from_address = (char *) "mallory@example.org", .text = (char *) "click this", .sort_ms = 3000,
  };
  gint64 from_mallory = koi_store_message_insert (fixture->store, &mallory_row, NULL, &error);

  g_assert_cmpint (koi_store_contact_upsert (fixture->store, &blocked, &error), >, 0);
  g_assert_no_error (error);
  for (gint64 *ref = (gint64[]) { from_bob, unseen, from_mallory, 0 }; *ref != 0; ref++)
    {
      g_assert_true (koi_store_receipt_request_add (fixture->store, fixture->account_id, *ref, &error));
      g_assert_no_error (error);
    }
  g_assert_true (koi_store_location_add (fixture->store, from_bob, fixture->account_id, "INBOX", 7, 41, &error));
  g_assert_no_error (error);

  /* Nothing is due before the user saw anything. */
  due = koi_store_receipt_requests_due (fixture->store, fixture->account_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 0);
  g_clear_pointer (&due, g_ptr_array_unref);

  /* Bob's first and Mallory's were shown: only Bob's becomes due. */
  g_array_append_val (shown, from_bob);
  g_array_append_val (shown, from_mallory);
  g_assert_cmpuint (koi_store_receipt_requests_shown (fixture->store, shown, &error), ==, 1);
  g_assert_no_error (error);
  due = koi_store_receipt_requests_due (fixture->store, fixture->account_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 1);
  {
    const KoiStoreReceiptDue *item = g_ptr_array_index (due, 0);

    g_assert_cmpint (item->message_ref, ==, from_bob);
    g_assert_cmpstr (item->message_id, ==, "chat$bob1@example.org");
    g_assert_cmpstr (item->folder, ==, "INBOX");
    g_assert_cmpuint (item->uid, ==, 41);
  }
  g_clear_pointer (&due, g_ptr_array_unref);

  /* Done: never due again, even if shown again. */
  g_assert_true (koi_store_receipt_request_done (fixture->store, from_bob, &error));
  g_assert_cmpuint (koi_store_receipt_requests_shown (fixture->store, shown, &error), ==, 0);
  due = koi_store_receipt_requests_due (fixture->store, fixture->account_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/store/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  g_test_add_func ("/store/open/fresh", test_open_fresh);
  g_test_add_func ("/store/open/errors", test_open_errors);
  g_test_add_func ("/store/open/reopen-keeps-data", test_reopen_keeps_data);
  g_test_add_func ("/store/migrate/too-new-is-refused", test_too_new_is_refused);
  g_test_add_func ("/store/migrate/fixtures", test_migrate_fixtures);
  g_test_add_func ("/store/account/pins", test_account_pins);
  ADD ("message/insert-dedupe", test_insert_dedupe);
  ADD ("message/sort-time-clamped", test_sort_time_clamped);
  ADD ("message/paging-10000", test_paging);
  ADD ("message/edits-and-delete", test_edits_and_delete);
  ADD ("message/search", test_search);
  ADD ("message/search-batches", test_search_batches);
  ADD ("chat/order", test_chat_order);
  ADD ("chat/thread-ends", test_thread_ends);
  ADD ("chat/unread-count", test_unread_count);
  ADD ("chat/draft", test_chat_draft);
  ADD ("chat/thread-members-receipts", test_thread_and_receipts);
  ADD ("outbox/flow", test_outbox_flow);
  ADD ("outbox/with-file", test_outbox_with_file);
  ADD ("attachments", test_attachments);
  g_test_add_func ("/store/outbox/survives-reopen", test_outbox_survives_reopen);
  ADD ("outbox/refused-recipient", test_outbox_refused_recipient);
  ADD ("folder/state-and-reset", test_folder_state);
  ADD ("transaction/rollback", test_transaction_rollback);
  ADD ("contacts", test_contacts);
  ADD ("receipts/requests", test_receipt_requests);
#undef ADD

  return g_test_run ();
}
