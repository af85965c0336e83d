/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-test-mailserver"

#include "config.h"

#include "koi-test-mailserver.h"

#include <errno.h>
#include <unistd.h>

#include <glib/gstdio.h>

/* build-aux/koi-mailserver exits with 3 when a port is taken: somebody
 * grabbed it between our probe and its start, so try another base port. */
#define PORT_IN_USE_STATUS 3
#define START_ATTEMPTS 8

/* Base ports come from below Linux's ephemeral range (32768-60999), where
 * outgoing connections of parallel tests would otherwise land on them. */
#define PORT_RANGE_FIRST 20000
#define PORT_RANGE_END 32760

static char *
mailserver_script (void)
{
  const char *env = g_getenv ("KOI_MAILSERVER");
  const char *source_root = g_getenv ("KOI_SOURCE_ROOT");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (source_root != NULL && *source_root != '\0')
    return g_build_filename (source_root, "build-aux", "koi-mailserver", NULL);
  return g_strdup (KOI_MAILSERVER_FALLBACK);
}

/* Runs the script with ARGS; STDIN_DATA (may be NULL) goes to its stdin.
 * Fails with the script's own output in the message. EXIT_STATUS gets the
 * exit status when the script ran. */
static gboolean
run_script (const char * const *args,
            GBytes             *stdin_data,
            int                *exit_status,
            GError            **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autofree char *joined = NULL;
  const char *text;
  gsize len = 0;
  int status;

  if (exit_status != NULL)
    *exit_status = -1;

  g_ptr_array_add (argv, mailserver_script ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               /* Without data, stdin is /dev/null. */
                               (stdin_data != NULL ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0) |
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_MERGE,
                               error);
  if (process == NULL)
    {
      g_prefix_error (error, "Could not run %s: ", (const char *) argv->pdata[0]);
      return FALSE;
    }

  if (!g_subprocess_communicate (process, stdin_data, NULL, &out, NULL, error))
    return FALSE;

  status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
  if (exit_status != NULL)
    *exit_status = status;
  if (status == 0)
    return TRUE;

  text = out != NULL ? g_bytes_get_data (out, &len) : NULL;
  joined = g_strjoinv (" ", (char **) args);
  g_set_error (error, G_IO_ERROR,
               status == PORT_IN_USE_STATUS ? G_IO_ERROR_ADDRESS_IN_USE : G_IO_ERROR_FAILED,
               "koi-mailserver %s failed (exit status %d):\n%.*s",
               joined, status, (int) len, text != NULL ? text : "");
  return FALSE;
}

/* The script's watcher stops the servers once this process is gone, so a
 * test that aborts on a failed assertion leaves no daemons behind. */
static const char *
owner_pid (void)
{
  static char text[32];

  g_snprintf (text, sizeof text, "%ld", (long) getpid ());
  return text;
}

static gboolean
port_bindable (guint port)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  if (socket == NULL)
    return FALSE;
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (loopback, port);
  /* No SO_REUSEADDR: a port with connections lingering in TIME_WAIT is
   * better left alone too. */
  return g_socket_bind (socket, address, FALSE, NULL);
}

static guint
pick_base_port (void)
{
  for (guint tries = 0; tries < 200; tries++)
    {
      guint base = g_random_int_range (PORT_RANGE_FIRST, PORT_RANGE_END - 4);
      gboolean free_ports = TRUE;

      for (guint i = 0; i < 4 && free_ports; i++)
        free_ports = port_bindable (base + i);
      if (free_ports)
        return base;
    }
  return 0;
}

static gboolean
parse_port (GHashTable  *env,
            const char  *key,
            guint       *port,
            GError     **error)
{
  const char *value = g_hash_table_lookup (env, key);
  guint64 number = 0;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 1, 65535, &number, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "koi-mailserver's env file has no valid %s (got “%s”)",
                   key, value != NULL ? value : "nothing");
      return FALSE;
    }
  *port = (guint) number;
  return TRUE;
}

/* DIR/env holds shell-style KEY=value lines written by the script. */
static gboolean
read_env (KoiTestMailserver  *self,
          GError            **error)
{
  g_autofree char *path = g_build_filename (self->dir, "env", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GHashTable) env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = NULL;
  const char *host;
  const char *ca_file;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return FALSE;

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *eq = strchr (lines[i], '=');

      if (eq == NULL)
        continue;
      g_hash_table_insert (env, g_strndup (lines[i], eq - lines[i]), g_strdup (eq + 1));
    }

  if (!parse_port (env, "KOI_MS_IMAP_PORT", &self->imap_port, error) ||
      !parse_port (env, "KOI_MS_IMAPS_PORT", &self->imaps_port, error) ||
      !parse_port (env, "KOI_MS_SUBMISSION_PORT", &self->submission_port, error) ||
      !parse_port (env, "KOI_MS_SMTPS_PORT", &self->smtps_port, error))
    return FALSE;

  host = g_hash_table_lookup (env, "KOI_MS_HOST");
  ca_file = g_hash_table_lookup (env, "KOI_MS_CA_FILE");
  if (host == NULL || ca_file == NULL || !g_file_test (ca_file, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "koi-mailserver's env file %s names no host or no readable CA file", path);
      return FALSE;
    }
  g_free (self->host);
  self->host = g_strdup (host);
  g_free (self->ca_file);
  self->ca_file = g_strdup (ca_file);
  return TRUE;
}

/* Users go to the script on stdin, never on its command line, so no
 * password shows in a process list. */
static GBytes *
users_to_stdin (const char * const *users)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; users != NULL && users[i] != NULL; i++)
    g_string_append_printf (text, "%s\n", users[i]);
  return g_string_free_to_bytes (text);
}

/**
 * koi_test_mailserver_start:
 * @users: %NULL-terminated "addr:password" strings
 * @error: return location for an error
 *
 * Starts a private Dovecot + Postfix on a free base port, in a new folder
 * under the temporary directory, and waits until all four ports answer.
 *
 * Returns: (transfer full): the running instance, or %NULL with @error set
 */
KoiTestMailserver *
koi_test_mailserver_start (const char * const  *users,
                           GError             **error)
{
  g_autoptr(KoiTestMailserver) self = g_new0 (KoiTestMailserver, 1);
  g_autoptr(GError) last_error = NULL;

  g_return_val_if_fail (users != NULL && users[0] != NULL, NULL);

  self->dir = g_dir_make_tmp ("koi-ms-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;
  /* The mail and postfix users must reach the sockets and mailboxes inside;
   * g_dir_make_tmp makes the folder 0700. */
  if (g_chmod (self->dir, 0711) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not open %s to the mail users: %s", self->dir, g_strerror (saved_errno));
      return NULL;
    }

  for (guint attempt = 0; attempt < START_ATTEMPTS; attempt++)
    {
      g_autoptr(GBytes) input = users_to_stdin (users);
      g_autofree char *port_text = NULL;
      int status = -1;

      self->base_port = pick_base_port ();
      if (self->base_port == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                       "Found no four free ports on 127.0.0.1 between %d and %d",
                       PORT_RANGE_FIRST, PORT_RANGE_END);
          return NULL;
        }
      port_text = g_strdup_printf ("%u", self->base_port);

      g_clear_error (&last_error);
      if (run_script ((const char *[]) { "start", "--dir", self->dir, "--base-port", port_text,
                                         "--users-from-stdin", "--owner-pid", owner_pid (), NULL },
                      input, &status, &last_error))
        {
          if (!read_env (self, error))
            return NULL;
          return g_steal_pointer (&self);
        }

      /* Whatever half started must not outlive the attempt. */
      run_script ((const char *[]) { "stop", "--dir", self->dir, NULL }, NULL, NULL, NULL);
      if (status != PORT_IN_USE_STATUS)
        break;
    }

  g_propagate_error (error, g_steal_pointer (&last_error));
  return NULL;
}

static gboolean
check_only (const char  *only,
            GError     **error)
{
  if (only == NULL || g_str_equal (only, "imap") || g_str_equal (only, "smtp"))
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "A mail server service is “imap” or “smtp”, not “%s”", only);
  return FALSE;
}

/**
 * koi_test_mailserver_stop_service:
 * @self: a running instance
 * @only: (nullable): "imap" (Dovecot: IMAP down, mail waits in Postfix's
 *   queue), "smtp" (Postfix), or %NULL for both
 * @error: return location for an error
 *
 * Stops the service and waits until its processes are gone, to simulate
 * a server going away. The data stays.
 */
gboolean
koi_test_mailserver_stop_service (KoiTestMailserver  *self,
                                  const char         *only,
                                  GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!check_only (only, error))
    return FALSE;
  if (only != NULL)
    return run_script ((const char *[]) { "stop", "--dir", self->dir, "--only", only, NULL },
                       NULL, NULL, error);
  return run_script ((const char *[]) { "stop", "--dir", self->dir, NULL }, NULL, NULL, error);
}

/**
 * koi_test_mailserver_start_service:
 * @self: an instance
 * @only: (nullable): "imap", "smtp", or %NULL for both
 * @error: return location for an error
 *
 * Starts the service again on the same ports, with the same users, mail
 * and CA, and waits until it answers.
 */
gboolean
koi_test_mailserver_start_service (KoiTestMailserver  *self,
                                   const char         *only,
                                   GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!check_only (only, error))
    return FALSE;
  if (only != NULL)
    return run_script ((const char *[]) { "start", "--dir", self->dir, "--only", only,
                                          "--owner-pid", owner_pid (), NULL },
                       NULL, NULL, error);
  return run_script ((const char *[]) { "start", "--dir", self->dir,
                                        "--owner-pid", owner_pid (), NULL },
                     NULL, NULL, error);
}

/**
 * koi_test_mailserver_inject:
 * @self: an instance
 * @user: the address of the mailbox owner
 * @mailbox: (nullable): the mailbox, %NULL for INBOX; made if missing
 * @raw: the whole message as it would be on the wire
 * @error: return location for an error
 *
 * Stores one message straight into a mailbox, bypassing SMTP. Works while
 * Dovecot runs (IDLE clients are told) and while it is stopped.
 */
gboolean
koi_test_mailserver_inject (KoiTestMailserver  *self,
                            const char         *user,
                            const char         *mailbox,
                            GBytes             *raw,
                            GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (user != NULL, FALSE);
  g_return_val_if_fail (raw != NULL, FALSE);

  return run_script ((const char *[]) { "inject", "--dir", self->dir, "--user", user,
                                        "--mailbox", mailbox != NULL ? mailbox : "INBOX", NULL },
                     raw, NULL, error);
}

/**
 * koi_test_mailserver_port_open:
 * @self: an instance
 * @port: a TCP port on the instance's host
 *
 * Returns: whether something accepts connections on @port right now
 */
gboolean
koi_test_mailserver_port_open (KoiTestMailserver *self,
                               guint              port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  g_socket_client_set_timeout (client, 5);
  connection = g_socket_client_connect_to_host (client, self->host, port, NULL, NULL);
  return connection != NULL;
}

static guint
count_files (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        n += count_files (child);
      else
        n++;
    }
  return n;
}

/**
 * koi_test_mailserver_queue_is_empty:
 * @self: an instance
 *
 * Returns: whether Postfix's queues (build-aux/koi-mailserver keeps them in
 * @dir/spool) hold no message: everything submitted so far was delivered
 * to Dovecot or bounced
 */
gboolean
koi_test_mailserver_queue_is_empty (KoiTestMailserver *self)
{
  static const char * const queues[] = { "maildrop", "incoming", "active", "deferred", "hold" };

  g_return_val_if_fail (self != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (queues); i++)
    {
      g_autofree char *path = g_build_filename (self->dir, "spool", queues[i], NULL);

      if (count_files (path) > 0)
        return FALSE;
    }
  return TRUE;
}

/**
 * koi_test_mailserver_wait_for_empty_queue:
 * @self: an instance
 *
 * Waits until Postfix has delivered (or bounced) everything it was given,
 * failing the test after 60 s with the logs' folder in the message.
 */
void
koi_test_mailserver_wait_for_empty_queue (KoiTestMailserver *self)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!koi_test_mailserver_queue_is_empty (self))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Postfix still holds mail after 60 s; see %s/logs", self->dir);
      g_usleep (20 * 1000);
    }
}

static void
remove_dir (const char *dir)
{
  g_autofree char *tmp = g_canonicalize_filename (g_get_tmp_dir (), NULL);
  g_autofree char *base = g_path_get_basename (dir);
  g_autoptr(GError) error = NULL;
  int status = 0;

  /* Only ever a folder this fixture made. */
  if (!g_str_has_prefix (dir, tmp) || !g_str_has_prefix (base, "koi-ms-"))
    {
      g_printerr ("koi-test-mailserver: not removing unexpected folder %s\n", dir);
      return;
    }
  if (!g_spawn_sync (NULL, (char *[]) { (char *) "rm", (char *) "-rf", (char *) "--", (char *) dir, NULL },
                     NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    g_printerr ("koi-test-mailserver: could not remove %s: %s\n", dir, error->message);
}

/**
 * koi_test_mailserver_free:
 * @self: (nullable): an instance
 *
 * Stops every process of the instance and deletes its folder, unless
 * KOI_TEST_KEEP_MAILSERVER is set (then the folder stays, for its logs).
 */
void
koi_test_mailserver_free (KoiTestMailserver *self)
{
  g_autoptr(GError) error = NULL;

  if (self == NULL)
    return;

  if (self->dir != NULL)
    {
      if (g_file_test (self->dir, G_FILE_TEST_IS_DIR) &&
          !run_script ((const char *[]) { "stop", "--dir", self->dir, NULL }, NULL, NULL, &error))
        g_printerr ("koi-test-mailserver: %s\n", error->message);

      if (g_getenv ("KOI_TEST_KEEP_MAILSERVER") != NULL)
        g_printerr ("koi-test-mailserver: kept %s\n", self->dir);
      else
        remove_dir (self->dir);
    }

  g_free (self->dir);
  g_free (self->host);
  g_free (self->ca_file);
  g_free (self);
}
