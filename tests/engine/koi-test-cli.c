/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-test-cli"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "koi-test-cli.h"

KoiTestCli *
koi_test_cli_new (void)
{
  static const char * const users[] = {
    "alice@example.org:alice-secret", "bob@example.org:bob-secret", NULL
  };

  return koi_test_cli_new_with_users (users);
}

KoiTestCli *
koi_test_cli_new_with_users (const char * const *users)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *keyring = NULL;
  KoiTestCli *self = g_new0 (KoiTestCli, 1);
  const char *build_root = g_getenv ("KOI_BUILD_ROOT");

  g_assert_nonnull (build_root);
  self->server = koi_test_mailserver_start (users, &error);
  g_assert_no_error (error);

  self->tmp = g_dir_make_tmp ("koi-test-cli-XXXXXX", &error);
  g_assert_no_error (error);
  self->cli = g_build_filename (build_root, "src", "cli", "koi-cli", NULL);

  keyring = g_build_filename (self->tmp, "keyring", NULL);
  self->env = g_get_environ ();
  self->env = g_environ_setenv (self->env, "SECRET_BACKEND", "file", TRUE);
  self->env = g_environ_setenv (self->env, "SECRET_FILE_TEST_PATH", keyring, TRUE);
  self->env = g_environ_setenv (self->env, "SECRET_FILE_TEST_PASSWORD", "test-keyring", TRUE);
  self->env = g_environ_setenv (self->env, "XDG_DATA_HOME", self->tmp, TRUE);

  return self;
}

static void
remove_tree (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileEnumerator) children = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL &&
         g_file_enumerator_iterate (children, &info, NULL, NULL, NULL) && info != NULL)
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
koi_test_cli_free (KoiTestCli *self)
{
  g_clear_pointer (&self->server, koi_test_mailserver_free);
  if (self->tmp != NULL && g_getenv ("KOI_TEST_KEEP_MAILSERVER") == NULL)
    remove_tree (self->tmp);
  g_free (self->tmp);
  g_free (self->cli);
  g_strfreev (self->env);
  g_free (self);
}

char *
koi_test_cli_profile (KoiTestCli *self,
                      const char *profile)
{
  return g_build_filename (self->tmp, profile, NULL);
}

static GSubprocessLauncher *
launcher_new (KoiTestCli     *self,
              GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_environ (launcher, self->env);
  return launcher;
}

int
koi_test_cli_run (KoiTestCli  *self,
                  const char  *input,
                  char       **out,
                  char       **err,
                  ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, self->cli);
  va_start (args, err);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = launcher_new (self, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                 G_SUBPROCESS_FLAGS_STDERR_PIPE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, &stdout_text, &stderr_text, &error);
  g_assert_no_error (error);

  if (stderr_text != NULL && *stderr_text != '\0')
    g_test_message ("koi-cli %s: %s", (char *) argv->pdata[3], stderr_text);

  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);

  return g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
}

char *
koi_test_cli_run_ok (KoiTestCli *self,
                     const char *profile,
                     ...)
{
  g_autofree char *dir = koi_test_cli_profile (self, profile);
  const char *args[6] = { NULL, };
  char *out = NULL;
  va_list ap;
  guint n = 0;

  va_start (ap, profile);
  for (const char *arg = va_arg (ap, const char *); arg != NULL && n < 5; arg = va_arg (ap, const char *))
    args[n++] = arg;
  va_end (ap);
  g_assert_cmpint (koi_test_cli_run (self, NULL, &out, NULL, "--profile", dir, args[0], args[1],
                                     args[2], args[3], args[4], NULL), ==, 0);
  return out;
}

void
koi_test_cli_add_account (KoiTestCli *self,
                          const char *profile,
                          const char *address,
                          const char *password)
{
  g_autofree char *dir = koi_test_cli_profile (self, profile);
  g_autofree char *imap = g_strdup_printf ("%s:%u", self->server->host, self->server->imaps_port);
  g_autofree char *smtp = g_strdup_printf ("%s:%u", self->server->host, self->server->submission_port);
  g_autofree char *input = g_strdup_printf ("%s\n", password);
  int status;

  status = koi_test_cli_run (self, input, NULL, NULL,
                             "--profile", dir, "account", "add", "--email", address,
                             "--imap", imap, "--imap-security", "tls",
                             "--smtp", smtp, "--smtp-security", "starttls",
                             "--ca-file", self->server->ca_file, "--password-stdin", NULL);
  g_assert_cmpint (status, ==, 0);
}

char *
koi_test_cli_send (KoiTestCli *self,
                   const char *profile,
                   const char *to,
                   const char *text)
{
  g_autofree char *dir = koi_test_cli_profile (self, profile);
  g_autofree char *out = NULL;
  int status;

  status = koi_test_cli_run (self, NULL, &out, NULL, "--profile", dir, "send", to, text, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (out, "chat$"));

  return g_strstrip (g_steal_pointer (&out));
}

GPtrArray *
koi_test_cli_parse_lines (const char *output)
{
  g_auto (GStrv) lines = g_strsplit (output ? output : "", "\n", -1);
  GPtrArray *objects = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autoptr (GError) error = NULL;

      if (*lines[i] == '\0')
        continue;
      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
      g_ptr_array_add (objects, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
    }

  return objects;
}

GPtrArray *
koi_test_cli_messages (KoiTestCli *self,
                       const char *profile,
                       const char *chat)
{
  g_autofree char *dir = koi_test_cli_profile (self, profile);
  g_autofree char *out = NULL;

  g_assert_cmpint (koi_test_cli_run (self, NULL, &out, NULL, "--profile", dir, "messages", chat, NULL),
                   ==, 0);
  return koi_test_cli_parse_lines (out);
}

void
koi_test_cli_use_keyring_here (KoiTestCli *self)
{
  for (guint i = 0; self->env[i] != NULL; i++)
    if (g_str_has_prefix (self->env[i], "SECRET_") || g_str_has_prefix (self->env[i], "XDG_DATA_HOME="))
      {
        g_auto (GStrv) pair = g_strsplit (self->env[i], "=", 2);

        g_setenv (pair[0], pair[1], TRUE);
      }
}

GPtrArray *
koi_test_cli_sync_until (KoiTestCli *self,
                         const char *profile,
                         const char *peer,
                         guint       count)
{
  g_autofree char *dir = koi_test_cli_profile (self, profile);
  GPtrArray *messages = NULL;

  for (guint attempt = 0; attempt < 80; attempt++)
    {
      g_clear_pointer (&messages, g_ptr_array_unref);
      g_assert_cmpint (koi_test_cli_run (self, NULL, NULL, NULL, "--profile", dir, "sync", NULL), ==, 0);
      messages = koi_test_cli_messages (self, profile, peer);
      if (messages->len >= count)
        break;
      g_usleep (250 * 1000);
    }
  return messages;
}

char *
koi_test_cli_send_file (KoiTestCli *self,
                        const char *profile,
                        const char *to,
                        const char *path,
                        const char *caption)
{
  g_autofree char *dir = koi_test_cli_profile (self, profile);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  if (caption != NULL)
    status = koi_test_cli_run (self, NULL, &out, &err, "--profile", dir, "send", "--file", path,
                               "--caption", caption, to, NULL);
  else
    status = koi_test_cli_run (self, NULL, &out, &err, "--profile", dir, "send", "--file", path,
                               to, NULL);
  if (status != 0)
    g_printerr ("%s", err);
  g_assert_cmpint (status, ==, 0);
  return g_strstrip (g_steal_pointer (&out));
}

JsonObject *
koi_test_messages_find (GPtrArray  *messages,
                        const char *message_id)
{
  for (guint i = 0; i < messages->len; i++)
    if (g_strcmp0 (json_object_get_string_member_with_default (messages->pdata[i], "message_id", NULL),
                   message_id) == 0)
      return messages->pdata[i];
  return NULL;
}

JsonObject *
koi_test_message_first_attachment (JsonObject *message)
{
  JsonArray *list;

  g_assert_true (json_object_has_member (message, "attachments"));
  list = json_object_get_array_member (message, "attachments");
  g_assert_cmpuint (json_array_get_length (list), >=, 1);
  return json_array_get_object_element (list, 0);
}

/* --------------------------------------------------------------------- */
/* watch */

static void read_next_line (KoiTestWatch *watch);

static void
line_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  KoiTestWatch *watch = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, &error);
  if (line == NULL)
    {
      watch->eof = TRUE;
      return;
    }

  if (json_parser_load_from_data (parser, line, -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    g_ptr_array_add (watch->events, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
  else
    g_test_message ("watch printed a line that is not JSON: %s", line);

  read_next_line (watch);
}

static void
read_next_line (KoiTestWatch *watch)
{
  g_data_input_stream_read_line_async (watch->lines, G_PRIORITY_DEFAULT, watch->cancellable,
                                       line_read_cb, watch);
}

KoiTestWatch *
koi_test_watch_start (KoiTestCli *self,
                      const char *profile)
{
  return koi_test_watch_start_since (self, profile, -1);
}

KoiTestWatch *
koi_test_watch_start_since (KoiTestCli *self,
                            const char *profile,
                            gint64      cursor)
{
  g_autofree char *dir = koi_test_cli_profile (self, profile);
  g_autofree char *since = cursor >= 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, cursor) : NULL;
  g_autoptr (GSubprocessLauncher) launcher = launcher_new (self, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GError) error = NULL;
  KoiTestWatch *watch = g_new0 (KoiTestWatch, 1);
  guint from = 0;

  watch->process = g_subprocess_launcher_spawn (launcher, &error, self->cli, "--profile", dir,
                                                "watch", since != NULL ? "--since" : NULL, since, NULL);
  g_assert_no_error (error);
  watch->lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (watch->process));
  watch->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  watch->cancellable = g_cancellable_new ();
  read_next_line (watch);

  /* Ready once the first sync is done and IDLE runs. */
  g_assert_nonnull (koi_test_watch_wait (watch, &from, "connection", "state", "online", 30));
  return watch;
}

static gboolean
event_matches (JsonObject *object,
               const char *event,
               const char *key,
               const char *value)
{
  if (g_strcmp0 (json_object_get_string_member_with_default (object, "event", ""), event) != 0)
    return FALSE;

  return key == NULL ||
         g_strcmp0 (json_object_get_string_member_with_default (object, key, ""), value) == 0;
}

JsonObject *
koi_test_watch_wait (KoiTestWatch *watch,
                     guint        *from,
                     const char   *event,
                     const char   *key,
                     const char   *value,
                     guint         timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  for (;;)
    {
      for (; *from < watch->events->len; (*from)++)
        if (event_matches (g_ptr_array_index (watch->events, *from), event, key, value))
          return g_ptr_array_index (watch->events, (*from)++);

      if (watch->eof || g_get_monotonic_time () > deadline)
        return NULL;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

guint
koi_test_watch_count (KoiTestWatch *watch,
                      const char   *event,
                      const char   *key,
                      const char   *value)
{
  guint count = 0;

  for (guint i = 0; i < watch->events->len; i++)
    if (event_matches (g_ptr_array_index (watch->events, i), event, key, value))
      count++;

  return count;
}

void
koi_test_watch_stop (KoiTestWatch *watch)
{
  g_subprocess_send_signal (watch->process, SIGTERM);
  g_subprocess_wait (watch->process, NULL, NULL);
  /* watch ends cleanly on SIGTERM. */
  g_assert_true (g_subprocess_get_if_exited (watch->process));
  g_cancellable_cancel (watch->cancellable);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&watch->lines);
  g_clear_object (&watch->process);
  g_clear_object (&watch->cancellable);
  g_ptr_array_unref (watch->events);
  g_free (watch);
}

gint64
koi_test_cli_imap_bytes_out (KoiTestCli *cli,
                             const char *user,
                             gsize      *offset)
{
  g_autofree char *path = g_build_filename (cli->server->dir, "logs", "dovecot.log", NULL);
  g_autofree char *log = NULL;
  g_autofree char *who = g_strdup_printf ("imap(%s)", user);
  g_auto (GStrv) lines = NULL;
  gsize length = 0;
  gint64 total = 0;

  if (!g_file_get_contents (path, &log, &length, NULL) || length < *offset)
    return -1;
  lines = g_strsplit (log + *offset, "\n", -1);
  *offset = length;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *out = strstr (lines[i], " out=");

      if (out != NULL && strstr (lines[i], who) != NULL)
        total += g_ascii_strtoll (out + 5, NULL, 10);
    }
  return total;
}
