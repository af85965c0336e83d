/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-bench-mail"

#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "bench-mail.h"
#include "koi-coi.h"
#include "koi-coi-gmime.h"

#define ALICE "alice@example.org"

guint
koi_bench_mail_start (guint default_n,
                      guint minimum)
{
  const char *override = g_getenv ("KOI_BENCH_MESSAGES");
  guint n_messages = default_n;

  setlocale (LC_ALL, "");
  g_mime_init ();
  curl_global_init (CURL_GLOBAL_DEFAULT);
  if (override != NULL)
    n_messages = (guint) g_ascii_strtoull (override, NULL, 10);
  if (minimum <= 1 && n_messages == 0)
    g_error ("KOI_BENCH_MESSAGES must be a positive number");
  if (n_messages < minimum)
    g_error ("KOI_BENCH_MESSAGES must be at least %u", minimum);
  return n_messages;
}

void
koi_bench_mail_returning_user (KoiTestCli *cli,
                               const char *profile)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);

  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", dir, "set",
                                     "move-chat-mail", "on", NULL), ==, 0);
  g_free (koi_bench_run_cli (cli, profile, "sync", NULL).output);
}

char *
koi_bench_mail_batch_dir (KoiTestCli *cli,
                          const char *name)
{
  char *folder = g_build_filename (cli->tmp, name, NULL);

  if (g_mkdir (folder, 0700) != 0)
    g_error ("Could not create %s: %s", folder, g_strerror (errno));
  return folder;
}

char *
koi_bench_mail_uid_set (GArray *uids,
                        guint   start,
                        guint   n)
{
  /* The UIDs are contiguous after a batch delivery and a MOVE, but do not
   * count on it: list them. */
  GString *set = g_string_new (NULL);

  for (guint i = start; i < start + n; i++)
    g_string_append_printf (set, "%s%u", set->len ? "," : "", g_array_index (uids, guint32, i));
  return g_string_free (set, FALSE);
}

gsize
koi_bench_mail_chat (const char        *folder,
                     const char        *to_address,
                     guint              n_messages,
                     guint32            seed,
                     KoiBenchChatShape  shape)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  const char *to[] = { to_address, NULL };
  g_autofree char *thread_root = NULL;
  g_autofree char *previous = NULL;
  gint64 now_ms = g_get_real_time () / 1000;
  gsize bytes = 0;

  for (guint n = 0; n < n_messages; n++)
    {
      g_autofree char *text = koi_bench_mail_text (rand, n);
      const char *threaded[] = { thread_root, previous, NULL };
      const char *answered[] = { previous, NULL };
      /* Two in three messages answer the one before: threads as in a chat.
       * A flat chat draws no number for it (its texts stay as they were). */
      gboolean reply = shape != KOI_BENCH_CHAT_FLAT && previous != NULL &&
                       g_rand_int_range (rand, 0, 3) != 0;
      KoiCoiOutgoing outgoing = {
        .from_address = ALICE,
        .from_name = "Alice",
        .to = to,
        .text = text,
        .in_reply_to = reply ? previous : NULL,
        .references = !reply ? NULL : shape == KOI_BENCH_CHAT_THREADS ? threaded : answered,
        /* Spread over the last days, one every 30 s, oldest first. */
        .date_ms = now_ms - (gint64) (n_messages - n) * 30 * 1000,
      };
      g_autoptr (GMimeMessage) message = koi_bench_mail_build (&outgoing, n);
      g_autoptr (GBytes) raw = koi_coi_message_to_bytes (message);

      bytes += g_bytes_get_size (raw);
      koi_bench_mail_write (folder, n, raw);

      if (!reply)
        {
          g_free (thread_root);
          thread_root = g_strdup (g_mime_message_get_message_id (message));
        }
      g_free (previous);
      previous = g_strdup (g_mime_message_get_message_id (message));
    }
  return bytes;
}

static const char * const words[] = {
  "apple", "bread", "castle", "dinner", "engine", "forest", "garden", "harbor",
  "island", "jacket", "kitchen", "ladder", "market", "needle", "orange", "pencil",
  "quartz", "river", "summer", "teapot", "umbrella", "valley", "window", "yellow",
  "tomorrow", "station", "train", "coffee", "meeting", "weekend", "picture", "letter",
  "Grüße", "café", "naïve", "Straße",
};

static const char * const openers[] = {
  "Hi Bob,", "Hey!", "Quick question:", "By the way,", "So,", "Good morning!",
  "Sorry for the late answer.", "Guess what:",
};

/* A chat text of 200-600 bytes made of sentences: long enough to be a real
 * paragraph, mixed with some non-ASCII so part of the mail is
 * quoted-printable, as real chat traffic is. */
char *
koi_bench_mail_text (GRand *rand,
                     guint  n)
{
  GString *text = g_string_new (openers[g_rand_int_range (rand, 0, G_N_ELEMENTS (openers))]);
  guint target = g_rand_int_range (rand, 200, 601);

  while (text->len < target)
    {
      const char *a = words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))];
      const char *b = words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))];
      const char *c = words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))];

      switch (g_rand_int_range (rand, 0, 4))
        {
        case 0:
          g_string_append_printf (text, " Shall we meet at the %s near the %s after %s?", a, b, c);
          break;
        case 1:
          g_string_append_printf (text, " I left the %s and the %s at the %s, so bring yours.", a, b, c);
          break;
        case 2:
          g_string_append_printf (text, " The %s was closed again; the %s people said %s.", a, b, c);
          break;
        default:
          g_string_append_printf (text, " Message %u, about the %s.", n, a);
          break;
        }
    }

  /* One message in a hundred has a rare word, for the search figures. */
  if (n % 100 == 0)
    g_string_append (text, " Bring the zeppelin.");

  return g_string_free (text, FALSE);
}

GMimeMessage *
koi_bench_mail_build (const KoiCoiOutgoing *outgoing,
                      guint                 n)
{
  g_autoptr (GError) error = NULL;
  GMimeMessage *message = koi_coi_build_chat_message (outgoing, &error);

  if (message == NULL)
    g_error ("Could not build message %u: %s", n, error->message);
  return message;
}

/* The mail as a delivery agent would store it: LF line endings. */
void
koi_bench_mail_write (const char *folder,
                      guint       n,
                      GBytes     *raw)
{
  g_autofree char *name = g_strdup_printf ("%05u.eml", n);
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autoptr (GError) error = NULL;
  gsize size;
  const char *data = g_bytes_get_data (raw, &size);
  g_autofree char *lf = g_malloc (size + 1);
  gsize len = 0;

  for (gsize i = 0; i < size; i++)
    if (!(data[i] == '\r' && i + 1 < size && data[i + 1] == '\n'))
      lf[len++] = data[i];

  if (!g_file_set_contents (path, lf, len, &error))
    g_error ("Could not write %s: %s", path, error->message);
}

void
koi_bench_mail_inject (KoiTestCli *cli,
                       const char *user,
                       const char *folder)
{
  const char *script = g_getenv ("KOI_MAILSERVER");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  const char *argv[] = { script, "inject", "--dir", cli->server->dir, "--user", user,
                         "--maildir-batch", folder, NULL };

  if (script == NULL)
    g_error ("KOI_MAILSERVER is not set: run this through `meson test --benchmark`");

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                     &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    g_error ("koi-mailserver inject failed: %s\n%s", error->message, err ? err : "");

  g_print ("%s", out);
}


static char *
read_file_or_empty (const char *path)
{
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

/* Runs koi-cli and measures it with wait4(), which gives the child's own
 * peak RSS and CPU times (GSubprocess would reap the child itself). Output
 * goes to files so a chatty child can never block on a full pipe. */
KoiBenchChild
koi_bench_run_cli (KoiTestCli  *cli,
                   const char  *profile,
                   const char  *command,
                   const char  *wrapper)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autofree char *out_path = g_build_filename (cli->tmp, "cli-stdout", NULL);
  g_autofree char *err_path = g_build_filename (cli->tmp, "cli-stderr", NULL);
  g_autofree char *err_text = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) prefix = NULL;
  struct rusage usage = { 0, };
  KoiBenchChild run = { 0, };
  GPid pid;
  int out_fd, err_fd;
  gint64 start;

  /* An analysis tool in front of koi-cli (perf, strace, valgrind). */
  if (wrapper != NULL && !g_shell_parse_argv (wrapper, NULL, &prefix, &error))
    g_error ("KOI_BENCH_WRAP: %s", error->message);
  for (guint i = 0; prefix != NULL && prefix[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (prefix[i]));
  g_ptr_array_add (argv, g_strdup (cli->cli));
  g_ptr_array_add (argv, g_strdup ("--profile"));
  g_ptr_array_add (argv, g_strdup (dir));
  g_ptr_array_add (argv, g_strdup (command));
  g_ptr_array_add (argv, NULL);

  out_fd = open (out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  err_fd = open (err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out_fd < 0 || err_fd < 0)
    g_error ("Could not create %s: %s", out_path, g_strerror (errno));

  start = g_get_monotonic_time ();
  if (!g_spawn_async_with_fds (NULL, (char **) argv->pdata, cli->env,
                               G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH,
                               NULL, NULL, &pid, -1, out_fd, err_fd, &error))
    g_error ("Could not start koi-cli: %s", error->message);

  while (wait4 (pid, &run.status, 0, &usage) < 0)
    if (errno != EINTR)
      g_error ("wait4: %s", g_strerror (errno));

  run.wall_s = (g_get_monotonic_time () - start) / 1e6;
  close (out_fd);
  close (err_fd);

  run.user_s = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6;
  run.sys_s = usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  run.max_rss_mb = usage.ru_maxrss / 1024.0;   /* kB on Linux */
  run.output = read_file_or_empty (out_path);

  err_text = read_file_or_empty (err_path);
  if (!WIFEXITED (run.status) || WEXITSTATUS (run.status) != 0)
    g_error ("koi-cli %s failed (status %d): %s", command, run.status, err_text);
  if (*err_text != '\0')
    g_print ("koi-cli %s said on stderr (first 500 bytes): %.500s\n", command, err_text);

  return run;
}

gint64
koi_bench_json_received (const char *output)
{
  g_autoptr (GPtrArray) lines = koi_test_cli_parse_lines (output);

  for (guint i = 0; i < lines->len; i++)
    {
      JsonObject *object = g_ptr_array_index (lines, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (object, "event", ""), "synced") == 0)
        return json_object_get_int_member_with_default (object, "received", -1);
    }

  return -1;
}