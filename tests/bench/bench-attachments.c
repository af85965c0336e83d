/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-attachments: how much memory the engine needs to send and to
 * receive a 25 MB attachment, against the same with a 10 kB one, through
 * the private Dovecot + Postfix. Each step is one koi-cli process (the
 * engine without a window); its peak RSS comes from wait4(). The growth is
 * the big run's peak minus the small run's: what the file itself costs.
 * Target (issue 12): less than 8 MB either way.
 *
 * Then the same encrypted (issue 13), once Alice knows Bob's key: sending
 * encrypts from the file into a ciphertext file and streams that; the
 * receiving sync fetches the 25 MB mail whole into a file and decrypts it
 * into another; "Download" takes the file the sync kept (before: it fetched
 * and decrypted the mail again). Growth against the sync that received the
 * 10 kB encrypted file; and the bytes Dovecot sent to Bob in each step
 * (its "Logged out … out=N" lines), which tell a second fetch from none.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "koi-test-cli.h"

#define TARGET_KB (8 * 1024)

typedef struct {
  long    max_rss_kb;
  double  seconds;
  char   *out;
} Run;

/* Runs koi-cli with @args; asserts exit 0. */
static Run
run_measured (KoiTestCli *cli,
              ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  struct rusage usage = { 0, };
  Run run = { 0, };
  GPid pid;
  int out_fd;
  int status = 0;
  gint64 start;
  g_autoptr (GString) out = g_string_new (NULL);
  char buffer[4096];
  gssize n;
  va_list args;

  g_ptr_array_add (argv, cli->cli);
  va_start (args, cli);
  for (const char *arg = va_arg (args, const char *); arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  start = g_get_monotonic_time ();
  g_spawn_async_with_pipes (NULL, (char **) argv->pdata, cli->env, G_SPAWN_DO_NOT_REAP_CHILD,
                            NULL, NULL, &pid, NULL, &out_fd, NULL, &error);
  g_assert_no_error (error);
  while ((n = read (out_fd, buffer, sizeof buffer)) > 0)
    g_string_append_len (out, buffer, n);
  close (out_fd);
  g_assert_cmpint (wait4 (pid, &status, 0, &usage), ==, pid);
  g_spawn_close_pid (pid);
  run.seconds = (g_get_monotonic_time () - start) / 1e6;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_error ("koi-cli %s failed (status %d)", (char *) argv->pdata[3], status);
  run.max_rss_kb = usage.ru_maxrss;
  run.out = g_string_free (g_steal_pointer (&out), FALSE);
  return run;
}

static char *
write_file (KoiTestCli *cli,
            const char *name,
            gsize       size)
{
  g_autofree char *path = g_build_filename (cli->tmp, name, NULL);
  g_autofree guint8 *data = g_malloc (size);
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < size; i++)
    data[i] = g_rand_int (rand) & 0xff;
  g_file_set_contents (path, (const char *) data, size, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static JsonObject *
find_with_file (GPtrArray  *messages,
                const char *name)
{
  for (guint i = 0; i < messages->len; i++)
    {
      JsonObject *message = messages->pdata[i];
      JsonArray *list;

      if (!json_object_has_member (message, "attachments"))
        continue;
      list = json_object_get_array_member (message, "attachments");
      if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (list, 0), "name"), name) == 0)
        return message;
    }
  return NULL;
}

/* Syncs Bob until the file @name is there; the last sync's figures. */
static Run
sync_until_file (KoiTestCli  *cli,
                 const char  *bob,
                 const char  *name,
                 char       **out_id)
{
  Run sync = { 0, };

  for (guint attempt = 0; attempt < 80; attempt++)
    {
      g_autoptr (GPtrArray) messages = NULL;
      JsonObject *message;

      g_free (sync.out);
      sync = run_measured (cli, "--profile", bob, "sync", NULL);
      messages = koi_test_cli_messages (cli, "bob", "alice@example.org");
      message = find_with_file (messages, name);
      if (message != NULL)
        {
          /* Encrypted, or the figures would measure the plain path. */
          g_assert_true (json_object_get_boolean_member_with_default (message, "encrypted", FALSE));
          *out_id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (message, "id"));
          return sync;
        }
      g_usleep (250 * 1000);
    }
  g_assert_not_reached ();
}

static char *
message_with_file (KoiTestCli *cli,
                   const char *profile,
                   const char *name)
{
  g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, profile, "alice@example.org");

  for (guint i = 0; i < messages->len; i++)
    {
      JsonObject *message = messages->pdata[i];
      JsonArray *list;

      if (!json_object_has_member (message, "attachments"))
        continue;
      list = json_object_get_array_member (message, "attachments");
      if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (list, 0), "name"), name) == 0)
        return g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (message, "id"));
    }
  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (KoiTestCli) cli = NULL;
  g_autofree char *alice = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *small = NULL;
  g_autofree char *big = NULL;
  g_autofree char *small_id = NULL;
  g_autofree char *big_id = NULL;
  Run send_small, send_big, get_small, get_big;
  long send_growth, get_growth;

  g_test_init (&argc, &argv, NULL);

  cli = koi_test_cli_new ();
  if (cli == NULL)
    {
      printf ("bench-attachments: no private mail server here (needs root); skipped\n");
      return 0;
    }
  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  alice = koi_test_cli_profile (cli, "alice");
  bob = koi_test_cli_profile (cli, "bob");
  small = write_file (cli, "small.bin", 10 * 1000);
  big = write_file (cli, "big.bin", 25 * 1000 * 1000);

  send_small = run_measured (cli, "--profile", alice, "send", "--file", small, "bob@example.org", NULL);
  send_big = run_measured (cli, "--profile", alice, "send", "--file", big, "bob@example.org", NULL);

  for (guint attempt = 0; attempt < 80 && big_id == NULL; attempt++)
    {
      Run sync = run_measured (cli, "--profile", bob, "sync", NULL);

      g_free (sync.out);
      g_clear_pointer (&small_id, g_free);
      small_id = message_with_file (cli, "bob", "small.bin");
      big_id = message_with_file (cli, "bob", "big.bin");
      if (big_id == NULL)
        g_usleep (250 * 1000);
    }
  g_assert_nonnull (small_id);
  g_assert_nonnull (big_id);

  get_small = run_measured (cli, "--profile", bob, "download", small_id, NULL);
  get_big = run_measured (cli, "--profile", bob, "download", big_id, NULL);
  g_assert_nonnull (strstr (get_big.out, "\"done\""));

  send_growth = send_big.max_rss_kb - send_small.max_rss_kb;
  get_growth = get_big.max_rss_kb - get_small.max_rss_kb;

  printf ("bench-attachments: peak RSS of koi-cli (the engine without a window), 25 MB file vs 10 kB file\n");
  printf ("  send     10 kB: %6.1f MB  %.2f s   25 MB: %6.1f MB  %.2f s   growth %+.1f MB (target < 8 MB) %s\n",
          send_small.max_rss_kb / 1024.0, send_small.seconds, send_big.max_rss_kb / 1024.0,
          send_big.seconds, send_growth / 1024.0, send_growth < TARGET_KB ? "ok" : "MISSED");
  printf ("  receive  10 kB: %6.1f MB  %.2f s   25 MB: %6.1f MB  %.2f s   growth %+.1f MB (target < 8 MB) %s\n",
          get_small.max_rss_kb / 1024.0, get_small.seconds, get_big.max_rss_kb / 1024.0,
          get_big.seconds, get_growth / 1024.0, get_growth < TARGET_KB ? "ok" : "MISSED");

  g_free (send_small.out);
  g_free (send_big.out);
  g_free (get_small.out);
  g_free (get_big.out);

  /* Encrypted: Bob writes, Alice learns his key. */
  {
    g_autofree char *esmall = write_file (cli, "esmall.bin", 10 * 1000);
    g_autofree char *ebig = write_file (cli, "ebig.bin", 25 * 1000 * 1000);
    g_autofree char *esmall_id = NULL;
    g_autofree char *ebig_id = NULL;
    Run esend_small, esend_big, esync_small, esync_big, eget_big, sync;
    gsize log_offset = 0;
    gint64 sync_bytes, get_bytes;

    g_free (koi_test_cli_send (cli, "bob", "alice@example.org", "My key"));
    for (guint attempt = 0; attempt < 20; attempt++)
      {
        g_autoptr (GPtrArray) messages = NULL;

        sync = run_measured (cli, "--profile", alice, "sync", NULL);
        g_free (sync.out);
        messages = koi_test_cli_messages (cli, "alice", "bob@example.org");
        if (messages->len > 0)
          break;
        g_usleep (250 * 1000);
      }

    esend_small = run_measured (cli, "--profile", alice, "send", "--file", esmall, "bob@example.org", NULL);
    esync_small = sync_until_file (cli, bob, "esmall.bin", &esmall_id);
    esend_big = run_measured (cli, "--profile", alice, "send", "--file", ebig, "bob@example.org", NULL);
    koi_test_cli_imap_bytes_out (cli, "bob@example.org", &log_offset);
    esync_big = sync_until_file (cli, bob, "ebig.bin", &ebig_id);
    sync_bytes = koi_test_cli_imap_bytes_out (cli, "bob@example.org", &log_offset);
    eget_big = run_measured (cli, "--profile", bob, "download", ebig_id, NULL);
    get_bytes = koi_test_cli_imap_bytes_out (cli, "bob@example.org", &log_offset);
    g_assert_nonnull (strstr (eget_big.out, "\"done\""));

    send_growth = esend_big.max_rss_kb - esend_small.max_rss_kb;
    get_growth = esync_big.max_rss_kb - esync_small.max_rss_kb;
    printf ("bench-attachments: the same encrypted (PGP/MIME), 25 MB file vs 10 kB file\n");
    printf ("  send     10 kB: %6.1f MB  %.2f s   25 MB: %6.1f MB  %.2f s   growth %+.1f MB (target < 8 MB) %s\n",
            esend_small.max_rss_kb / 1024.0, esend_small.seconds, esend_big.max_rss_kb / 1024.0,
            esend_big.seconds, send_growth / 1024.0, send_growth < TARGET_KB ? "ok" : "MISSED");
    printf ("  sync     10 kB: %6.1f MB  %.2f s   25 MB: %6.1f MB  %.2f s   growth %+.1f MB (target < 8 MB) %s\n",
            esync_small.max_rss_kb / 1024.0, esync_small.seconds, esync_big.max_rss_kb / 1024.0,
            esync_big.seconds, get_growth / 1024.0, get_growth < TARGET_KB ? "ok" : "MISSED");
    get_growth = eget_big.max_rss_kb - esync_small.max_rss_kb;
    printf ("  download 25 MB: %6.1f MB  %.2f s   growth %+.1f MB over the small sync (target < 8 MB) %s\n",
            eget_big.max_rss_kb / 1024.0, eget_big.seconds, get_growth / 1024.0,
            get_growth < TARGET_KB ? "ok" : "MISSED");
    printf ("  IMAP bytes to Bob: sync of the 25 MB mail %.1f MB, Download %.1f MB\n",
            sync_bytes / 1e6, get_bytes / 1e6);
    g_free (esend_small.out);
    g_free (esend_big.out);
    g_free (esync_small.out);
    g_free (esync_big.out);
    g_free (eget_big.out);
  }
  return 0;
}
