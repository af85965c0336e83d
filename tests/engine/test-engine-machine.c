/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-engine-machine"

/*
 * Failing machines, through koi-cli against a real Dovecot + Postfix: a
 * damaged store file, a store locked by another program, and a full disk
 * (a small tmpfs as the profile folder; needs root to mount, skipped
 * without). What the user must see each time: an error that says what
 * to do, nothing lost, and Koi working again once the cause is gone.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "koi-test-cli.h"

static int
run_in (KoiTestCli *cli,
        const char *dir,
        char      **err,
        const char *command,
        const char *arg1,
        const char *arg2)
{
  return koi_test_cli_run (cli, NULL, NULL, err, "--profile", dir, command, arg1, arg2, NULL);
}

static guint
count_texts (GPtrArray  *messages,
             const char *prefix)
{
  guint n = 0;

  for (guint i = 0; i < messages->len; i++)
    {
      const char *text = json_object_get_string_member_with_default (g_ptr_array_index (messages, i),
                                                                     "text", "");

      n += g_str_has_prefix (text, prefix);
    }
  return n;
}

static GPtrArray *
messages_in (KoiTestCli *cli,
             const char *dir,
             const char *chat)
{
  g_autofree char *out = NULL;

  g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", dir, "messages", chat, NULL),
                   ==, 0);
  return koi_test_cli_parse_lines (out);
}

/* "PRAGMA integrity_check" of @path says "ok". */
static void
assert_store_intact (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/* Damaged store: the next run says so and what to do, keeps the file
 * aside, and once the account is added again, the chat comes back from
 * the server. */
static void
test_damaged_store (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autofree char *dir = NULL;
  g_autofree char *db = NULL;
  g_autofree char *err = NULL;
  g_autofree char *sent_id = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GDir) listing = NULL;
  const char *name;
  guint kept = 0;
  FILE *file;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  dir = koi_test_cli_profile (cli, "alice");
  db = g_build_filename (dir, "koi.db", NULL);
  sent_id = koi_test_cli_send (cli, "alice", "bob@example.org", "before the damage");
  koi_test_mailserver_wait_for_empty_queue (cli->server);
  g_assert_cmpint (run_in (cli, dir, NULL, "sync", NULL, NULL), ==, 0);

  /* The first page (the file header and the schema) overwritten. */
  file = fopen (db, "r+b");
  g_assert_nonnull (file);
  for (guint i = 0; i < 4096; i++)
    fputc ('#', file);
  fclose (file);

  g_assert_cmpint (run_in (cli, dir, &err, "sync", NULL, NULL), !=, 0);
  g_assert_nonnull (strstr (err, "damaged"));
  g_assert_nonnull (strstr (err, "add the account again"));

  listing = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (listing)) != NULL)
    kept += g_str_has_prefix (name, "koi.db.damaged-") && !g_str_has_suffix (name, "-wal") &&
            !g_str_has_suffix (name, "-shm");
  g_assert_cmpuint (kept, ==, 1);

  /* Rebuilt from the server: the message alice sent is there again. */
  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  g_assert_cmpint (run_in (cli, dir, NULL, "sync", NULL, NULL), ==, 0);
  messages = koi_test_cli_messages (cli, "alice", "bob@example.org");
  g_assert_cmpuint (count_texts (messages, "before the damage"), ==, 1);
}

/* Another program holds the store's write lock: the send is refused with
 * an error that says so, nothing goes out half-recorded, and once the
 * lock is gone everything is there and sending works. */
static void
test_locked_store (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autofree char *dir = NULL;
  g_autofree char *db = NULL;
  g_autofree char *err = NULL;
  g_autofree char *first = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  sqlite3 *other = NULL;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  dir = koi_test_cli_profile (cli, "alice");
  db = g_build_filename (dir, "koi.db", NULL);
  first = koi_test_cli_send (cli, "alice", "bob@example.org", "first");

  g_assert_cmpint (sqlite3_open_v2 (db, &other, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), ==, SQLITE_OK);

  g_assert_cmpint (run_in (cli, dir, &err, "send", "bob@example.org", "while locked"), !=, 0);
  g_assert_nonnull (strstr (err, "Another program holds the store"));

  g_assert_cmpint (sqlite3_exec (other, "ROLLBACK", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (other);

  g_free (koi_test_cli_send (cli, "alice", "bob@example.org", "after the lock"));
  koi_test_mailserver_wait_for_empty_queue (cli->server);
  messages = koi_test_cli_messages (cli, "alice", "bob@example.org");
  g_assert_cmpuint (count_texts (messages, "first"), ==, 1);
  g_assert_cmpuint (count_texts (messages, "after the lock"), ==, 1);
  /* Refused before it was queued: not shown as sent, not sent. */
  g_assert_cmpuint (count_texts (messages, "while locked"), ==, 0);
  assert_store_intact (db);
}

static gboolean
run_command (const char * const *argv)
{
  int status = -1;

  return g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH |
                       G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, NULL, NULL, &status, NULL) &&
         g_spawn_check_wait_status (status, NULL);
}

static void
unmount (gpointer mount_point)
{
  const char *umount[] = { "umount", mount_point, NULL };

  run_command (umount);
  g_free (mount_point);
}

/* Fills the file system of @dir but @leave bytes; returns the filler's
 * path. */
static char *
fill_disk (const char *dir,
           gsize       leave)
{
  char *filler = g_build_filename (dir, "filler", NULL);
  FILE *file = fopen (filler, "wb");
  char block[4096];

  g_assert_nonnull (file);
  memset (block, 'x', sizeof block);
  while (fwrite (block, 1, sizeof block, file) == sizeof block && fflush (file) == 0)
    ;
  fclose (file);
  /* What stdio could not fit in a block, byte by byte. */
  file = fopen (filler, "ab");
  while (fputc ('x', file) != EOF && fflush (file) == 0)
    ;
  fclose (file);
  if (leave > 0)
    {
      GStatBuf st;

      g_assert_cmpint (g_stat (filler, &st), ==, 0);
      g_assert_cmpint (truncate (filler, st.st_size > (goffset) leave ? st.st_size - leave : 0), ==, 0);
    }
  return filler;
}

/* Disk full while a batch of mail is stored: a clear error, the store
 * intact, and the next sync after space returns stores all of it. */
static void
test_disk_full (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autofree char *mount_point = g_build_filename (cli->tmp, "small-disk", NULL);
  g_autofree char *dir = g_build_filename (mount_point, "alice", NULL);
  g_autofree char *db = g_build_filename (dir, "koi.db", NULL);
  g_autofree char *bob = NULL;
  g_autofree char *err = NULL;
  g_autofree char *filler = NULL;
  g_autofree char *padding = g_strnfill (4000, 'p');
  g_autoptr (GPtrArray) messages = NULL;
  const char *mount[] = { "mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount_point, NULL };
  g_autofree char *imap = NULL;
  g_autofree char *smtp = NULL;
  guint n = 60;

  g_assert_cmpint (g_mkdir (mount_point, 0700), ==, 0);
  if (!run_command (mount))
    {
      g_test_skip ("cannot mount a tmpfs (needs root)");
      return;
    }
  g_test_queue_destroy (unmount, g_strdup (mount_point));

  imap = g_strdup_printf ("%s:%u", cli->server->host, cli->server->imaps_port);
  smtp = g_strdup_printf ("%s:%u", cli->server->host, cli->server->submission_port);
  g_assert_cmpint (koi_test_cli_run (cli, "alice-secret\n", NULL, NULL, "--profile", dir, "account",
                                     "add", "--email", "alice@example.org", "--imap", imap,
                                     "--imap-security", "tls", "--smtp", smtp, "--smtp-security",
                                     "starttls", "--ca-file", cli->server->ca_file,
                                     "--password-stdin", NULL), ==, 0);
  g_assert_cmpint (run_in (cli, dir, NULL, "sync", NULL, NULL), ==, 0);

  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  bob = koi_test_cli_profile (cli, "bob");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("batch %03u %s", i, padding);

      g_assert_cmpint (run_in (cli, bob, NULL, "send", "alice@example.org", text), ==, 0);
    }
  koi_test_mailserver_wait_for_empty_queue (cli->server);

  /* Full at once: not even SQLite's shared-memory file fits. */
  filler = fill_disk (mount_point, 0);
  g_assert_cmpint (run_in (cli, dir, &err, "sync", NULL, NULL), !=, 0);
  g_test_message ("disk full: %s", err);
  g_assert_nonnull (strstr (err, "The disk is full"));
  g_assert_cmpint (g_unlink (filler), ==, 0);
  g_clear_pointer (&filler, g_free);
  g_clear_pointer (&err, g_free);

  /* Full halfway through the batch: room to open the store and start,
   * not for 60 messages of 4 KB. */
  filler = fill_disk (mount_point, 96 * 1024);
  g_assert_cmpint (run_in (cli, dir, &err, "sync", NULL, NULL), !=, 0);
  g_test_message ("disk full during the batch: %s", err);
  g_assert_nonnull (strstr (err, "The disk is full"));

  /* Space returns: nothing half-written was kept, and the sync goes on. */
  g_assert_cmpint (g_unlink (filler), ==, 0);
  assert_store_intact (db);
  g_assert_cmpint (run_in (cli, dir, NULL, "sync", NULL, NULL), ==, 0);
  messages = messages_in (cli, dir, "bob@example.org");
  g_assert_cmpuint (count_texts (messages, "batch "), ==, n);
  assert_store_intact (db);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/machine/damaged-store", test_damaged_store);
  g_test_add_func ("/engine/machine/locked-store", test_locked_store);
  g_test_add_func ("/engine/machine/disk-full", test_disk_full);

  return g_test_run ();
}
