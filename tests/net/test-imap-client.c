/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-imap-client"

#include "config.h"

#include <string.h>
#include <unistd.h>

#include "koi-imap-client.h"

/* Integration tests against a private Dovecot + Postfix started by
 * build-aux/koi-mailserver ($KOI_MAILSERVER) for this test binary alone. */

typedef struct
{
  char    *dir;
  char    *host;
  guint16  imap_port;
  guint16  imaps_port;
  guint16  submission_port;
  guint16  smtps_port;
  char    *ca_file;
} MailServer;

static MailServer server;
static gboolean server_ok;
static char *start_failure;   /* why the server did not start */

static gboolean
run_mailserver (const char * const *argv,
                const char         *input,
                int                *out_status,
                GError            **error)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                            G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  if (proc == NULL)
    return FALSE;
  if (!g_subprocess_communicate_utf8 (proc, input, NULL, &out, &err, error))
    return FALSE;
  *out_status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
  if (*out_status != 0)
    g_test_message ("koi-mailserver: %s%s", out != NULL ? out : "", err != NULL ? err : "");
  return TRUE;
}

static void
start_server (void)
{
  const char *script = g_getenv ("KOI_MAILSERVER");
  g_autoptr(GError) error = NULL;
  g_autofree char *env_path = NULL;
  g_autofree char *env = NULL;
  g_auto(GStrv) lines = NULL;
  guint base = 20000 + (getpid () % 2000) * 10;

  if (script == NULL || !g_file_test (script, G_FILE_TEST_IS_EXECUTABLE))
    {
      start_failure = g_strdup ("no build-aux/koi-mailserver ($KOI_MAILSERVER)");
      return;
    }

  server.dir = g_dir_make_tmp ("koi-test-net-XXXXXX", &error);
  g_assert_no_error (error);

  for (guint attempt = 0; attempt < 5; attempt++, base += 7)
    {
      g_autofree char *port = g_strdup_printf ("%u", base);
      const char *argv[] = { script, "start", "--dir", server.dir, "--base-port", port,
                             "--users-from-stdin", NULL };
      int status = -1;

      if (!run_mailserver (argv, "alice@example.org:alice-secret\nbob@example.org:bob-secret\n",
                           &status, &error))
        g_error ("could not run koi-mailserver: %s", error->message);
      if (status == 0)
        break;
      if (status != 3)
        {
          start_failure = g_strdup_printf ("koi-mailserver failed to start (exit %d)", status);
          return;
        }
    }

  env_path = g_build_filename (server.dir, "env", NULL);
  if (!g_file_get_contents (env_path, &env, NULL, &error))
    g_error ("koi-mailserver wrote no env file: %s", error->message);

  lines = g_strsplit (env, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *eq = strchr (lines[i], '=');

      if (eq == NULL)
        continue;
      *eq = '\0';
      if (strcmp (lines[i], "KOI_MS_HOST") == 0)
        server.host = g_strdup (eq + 1);
      else if (strcmp (lines[i], "KOI_MS_IMAP_PORT") == 0)
        server.imap_port = atoi (eq + 1);
      else if (strcmp (lines[i], "KOI_MS_IMAPS_PORT") == 0)
        server.imaps_port = atoi (eq + 1);
      else if (strcmp (lines[i], "KOI_MS_SUBMISSION_PORT") == 0)
        server.submission_port = atoi (eq + 1);
      else if (strcmp (lines[i], "KOI_MS_SMTPS_PORT") == 0)
        server.smtps_port = atoi (eq + 1);
      else if (strcmp (lines[i], "KOI_MS_CA_FILE") == 0)
        server.ca_file = g_strdup (eq + 1);
    }

  g_assert_nonnull (server.host);
  g_assert_nonnull (server.ca_file);
  server_ok = TRUE;

  /* A failed assertion aborts this process before stop_server() runs:
   * a watcher stops the daemons once we are gone, whatever the cause. */
  {
    g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
    g_autoptr(GSubprocess) watcher = NULL;

    watcher = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                &error, "sh", "-c",
                                "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; "
                                "if [ -d \"$3\" ]; then \"$2\" stop --dir \"$3\"; rm -rf \"$3\"; fi",
                                "koi-test-watcher", pid, script, server.dir, NULL);
    g_assert_no_error (error);
  }
}

static void
stop_server (void)
{
  const char *script = g_getenv ("KOI_MAILSERVER");
  const char *argv[] = { script, "stop", "--dir", server.dir, NULL };
  g_autoptr(GError) error = NULL;
  int status = -1;

  if (server.dir == NULL)
    return;
  if (server_ok && !run_mailserver (argv, NULL, &status, &error))
    g_warning ("could not stop koi-mailserver: %s", error->message);
  if (g_getenv ("KOI_TEST_KEEP") == NULL)
    {
      g_autoptr(GSubprocess) rm = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, NULL,
                                                    "rm", "-rf", server.dir, NULL);

      if (rm != NULL)
        g_subprocess_wait (rm, NULL, NULL);
    }
}

/* A server that does not start is a failure, not a skip: a skipped
 * integration suite looks green while testing nothing. */
#define REQUIRE_SERVER() G_STMT_START {                                \
    if (!server_ok) { g_test_fail_printf ("%s", start_failure); return; } \
  } G_STMT_END

static KoiServerConfig *
imap_config (const char  *login,
             const char  *password,
             KoiSecurity  security,
             gboolean     with_ca)
{
  return koi_server_config_new (server.host,
                                security == KOI_SECURITY_TLS ? server.imaps_port : server.imap_port,
                                security, login, password, with_ca ? server.ca_file : NULL);
}

static KoiImapClient *
connect_as (const char *login,
            const char *password)
{
  g_autoptr(KoiServerConfig) config = imap_config (login, password, KOI_SECURITY_TLS, TRUE);
  g_autoptr(KoiImapClient) client = koi_imap_client_new (config);
  g_autoptr(GError) error = NULL;

  g_assert_true (koi_imap_client_connect (client, NULL, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&client);
}

static GBytes *
make_message (const char *from,
              const char *to,
              const char *message_id,
              gsize       body_size)
{
  GString *msg = g_string_new (NULL);

  g_string_append_printf (msg,
                          "From: <%s>\r\nTo: <%s>\r\nSubject: Chat: test\r\n"
                          "Message-ID: <%s>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
                          "Chat-Version: 1.0\r\nMIME-Version: 1.0\r\n"
                          "Content-Type: text/plain; charset=utf-8\r\n\r\n",
                          from, to, message_id);
  /* 7-bit lines, including ones that need dot-stuffing and IMAP-looking text. */
  g_string_append (msg, ".starts with a dot\r\n) ( {5} \"\r\n");
  while (msg->len < body_size)
    g_string_append_printf (msg, "line %" G_GSIZE_FORMAT " of a long body\r\n", msg->len);

  return g_string_free_to_bytes (msg);
}

/* ---- connecting ---------------------------------------------------------- */

static void
test_connect_tls_and_starttls (void)
{
  KoiSecurity kinds[] = { KOI_SECURITY_TLS, KOI_SECURITY_STARTTLS };

  REQUIRE_SERVER ();

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(KoiServerConfig) config = imap_config ("alice@example.org", "alice-secret", kinds[i], TRUE);
      g_autoptr(KoiImapClient) client = koi_imap_client_new (config);
      g_autoptr(GError) error = NULL;

      g_assert_true (koi_imap_client_connect (client, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (koi_imap_client_is_connected (client));
      /* Post-login capabilities, asked again after login. */
      g_assert_true (koi_imap_client_has_capability (client, "IDLE"));
      g_assert_true (koi_imap_client_has_capability (client, "uidplus"));
      g_assert_true (koi_imap_client_noop (client, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (koi_imap_client_logout (client, &error));
      g_assert_false (koi_imap_client_is_connected (client));
    }
}

static void
test_connect_wrong_password (void)
{
  g_autoptr(KoiServerConfig) config = NULL;
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;

  REQUIRE_SERVER ();

  config = imap_config ("alice@example.org", "wrong-password", KOI_SECURITY_STARTTLS, TRUE);
  client = koi_imap_client_new (config);
  g_assert_false (koi_imap_client_connect (client, NULL, &error));
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_AUTH_FAILED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "alice@example.org"));
  /* Never the password in a message a user or a log may see. */
  g_assert_null (strstr (error->message, "wrong-password"));
  g_assert_false (koi_imap_client_is_connected (client));
}

static void
test_connect_untrusted_certificate (void)
{
  g_autoptr(KoiServerConfig) config = NULL;
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;

  REQUIRE_SERVER ();

  config = imap_config ("alice@example.org", "alice-secret", KOI_SECURITY_TLS, FALSE);
  client = koi_imap_client_new (config);
  g_assert_false (koi_imap_client_connect (client, NULL, &error));
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_TLS_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, "untrusted certificate"));
}

static void
test_connect_refused_port (void)
{
  g_autoptr(KoiServerConfig) config = NULL;
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;

  REQUIRE_SERVER ();

  /* base + 9 is outside the four ports the server uses. */
  config = koi_server_config_new (server.host, server.imap_port + 9, KOI_SECURITY_TLS,
                                  "alice@example.org", "alice-secret", server.ca_file);
  client = koi_imap_client_new (config);
  g_assert_false (koi_imap_client_connect (client, NULL, &error));
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_REFUSED);
}

/* A server name DNS does not know (".invalid" never resolves, RFC 6761)
 * is told apart from a closed port: the window says "check the internet
 * connection" for one, "the server may be down" for the other. */
static void
test_connect_unknown_host (void)
{
  g_autoptr(KoiServerConfig) config = NULL;
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;

  REQUIRE_SERVER ();

  config = koi_server_config_new ("no-such-server.koi.invalid", 993, KOI_SECURITY_TLS,
                                  "alice@example.org", "alice-secret", server.ca_file);
  client = koi_imap_client_new (config);
  g_assert_false (koi_imap_client_connect (client, NULL, &error));
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_HOST_NOT_FOUND);
}

static void
test_cancelled (void)
{
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  REQUIRE_SERVER ();

  client = connect_as ("alice@example.org", "alice-secret");
  g_cancellable_cancel (cancellable);
  g_assert_false (koi_imap_client_noop (client, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* ---- mailboxes ----------------------------------------------------------- */

static KoiImapMailbox *
find_mailbox (GPtrArray  *mailboxes,
              const char *name)
{
  for (guint i = 0; i < mailboxes->len; i++)
    {
      KoiImapMailbox *mailbox = mailboxes->pdata[i];

      if (g_strcmp0 (mailbox->name, name) == 0)
        return mailbox;
    }
  return NULL;
}

static void
test_list_create (void)
{
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GPtrArray) mailboxes = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *chats = NULL;
  KoiImapMailbox *inbox;
  KoiImapMailbox *found;

  REQUIRE_SERVER ();

  client = connect_as ("alice@example.org", "alice-secret");
  mailboxes = koi_imap_client_list (client, "", "*", NULL, &error);
  g_assert_no_error (error);
  inbox = find_mailbox (mailboxes, "INBOX");
  g_assert_nonnull (inbox);
  g_assert_cmpint (inbox->delimiter, !=, '\0');

  chats = g_strdup_printf ("COI%cChats", inbox->delimiter);
  g_assert_true (koi_imap_client_create (client, chats, NULL, &error));
  g_assert_no_error (error);
  /* A second device creating it again: success, not an error. */
  g_assert_true (koi_imap_client_create (client, chats, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_imap_client_create (client, "Grüße & 😀", NULL, &error));
  g_assert_no_error (error);

  after = koi_imap_client_list (client, "", "*", NULL, &error);
  g_assert_no_error (error);
  found = find_mailbox (after, chats);
  g_assert_nonnull (found);
  g_assert_cmpint (found->delimiter, ==, inbox->delimiter);
  g_assert_false (found->flags & KOI_IMAP_MAILBOX_NOSELECT);
  /* The non-ASCII name comes back decoded, exactly as created. */
  g_assert_nonnull (find_mailbox (after, "Grüße & 😀"));
  g_assert_true (find_mailbox (after, "COI")->flags & KOI_IMAP_MAILBOX_HAS_CHILDREN);
}

static void
test_select_missing (void)
{
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  KoiImapMailboxStatus status;

  REQUIRE_SERVER ();

  client = connect_as ("alice@example.org", "alice-secret");
  g_assert_false (koi_imap_client_select (client, "No such box", FALSE, &status, NULL, &error));
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_NO);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "Server refused SELECT \"No such box\": "));
  g_assert_nonnull (strstr (error->message, "doesn't exist"));
  g_assert_null (koi_imap_client_get_selected (client));
  /* NO leaves the connection usable. */
  g_clear_error (&error);
  g_assert_true (koi_imap_client_noop (client, NULL, &error));
  g_assert_no_error (error);
}

/* ---- messages ------------------------------------------------------------ */

typedef struct
{
  GPtrArray *items; /* of GBytes bodies, in order */
  GArray    *uids;
  GArray    *flags;
  guint      calls_before_end;
} Fetched;

static gboolean
collect_fetch (const KoiImapFetchItem  *item,
               gpointer                 user_data,
               GError                 **error)
{
  Fetched *f = user_data;

  g_array_append_val (f->uids, item->uid);
  g_array_append_val (f->flags, item->flags);
  g_ptr_array_add (f->items, item->body != NULL ? g_bytes_ref (item->body) : NULL);
  return TRUE;
}

static void
fetched_clear (Fetched *f)
{
  g_clear_pointer (&f->items, g_ptr_array_unref);
  g_clear_pointer (&f->uids, g_array_unref);
  g_clear_pointer (&f->flags, g_array_unref);
}

static void
fetched_init (Fetched *f)
{
  f->items = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  f->uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  f->flags = g_array_new (FALSE, FALSE, sizeof (guint));
}

static void
test_append_select_search_fetch_store_move (void)
{
  const char *box = "Plaudereien ☕";
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) uids = NULL;
  g_autoptr(GArray) left = NULL;
  GBytes *messages[3];
  guint32 appended[3];
  KoiImapMailboxStatus status = { 0, };
  KoiImapMailboxStatus dest = { 0, };
  Fetched f = { 0, };

  REQUIRE_SERVER ();

  client = connect_as ("alice@example.org", "alice-secret");
  g_assert_true (koi_imap_client_create (client, box, NULL, &error));
  g_assert_true (koi_imap_client_create (client, "Moved", NULL, &error));
  g_assert_no_error (error);

  messages[0] = make_message ("alice@example.org", "bob@example.org", "chat$a1@example.org", 0);
  messages[1] = make_message ("alice@example.org", "bob@example.org", "chat$a2@example.org",
                              2 * 1024 * 1024);
  messages[2] = make_message ("alice@example.org", "bob@example.org", "chat$a3@example.org", 300);

  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (koi_imap_client_append (client, box, i == 2 ? "(\\Seen)" : NULL, messages[i],
                                             &appended[i], NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (appended[i], >, 0);
      if (i > 0)
        g_assert_cmpuint (appended[i], >, appended[i - 1]);
    }

  g_assert_true (koi_imap_client_select (client, box, FALSE, &status, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (koi_imap_client_get_selected (client), ==, box);
  g_assert_cmpuint (status.uidvalidity, >, 0);
  g_assert_cmpuint (status.uidnext, ==, appended[2] + 1);
  g_assert_cmpuint (status.exists, ==, 3);
  g_assert_cmpuint (koi_imap_client_get_exists (client), ==, 3);

  uids = koi_imap_client_uid_search (client, "ALL", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uids->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (g_array_index (uids, guint32, i), ==, appended[i]);

  fetched_init (&f);
  g_assert_true (koi_imap_client_uid_fetch (client, "1:*", "(UID FLAGS RFC822.SIZE BODY.PEEK[])",
                                            collect_fetch, &f, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f.items->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpuint (g_array_index (f.uids, guint32, i), ==, appended[i]);
      /* Byte-exact, the 2 MiB one included. */
      g_assert_true (g_bytes_equal (f.items->pdata[i], messages[i]));
    }
  g_assert_false (g_array_index (f.flags, guint, 0) & KOI_IMAP_FLAG_SEEN);
  g_assert_true (g_array_index (f.flags, guint, 2) & KOI_IMAP_FLAG_SEEN);
  fetched_clear (&f);

  /* STORE \Seen, then read it back; PEEK above did not set it. */
  {
    g_autofree char *set = g_strdup_printf ("%u", appended[0]);

    g_assert_true (koi_imap_client_uid_store (client, set, "+FLAGS.SILENT (\\Seen)", NULL, &error));
    g_assert_no_error (error);
    fetched_init (&f);
    g_assert_true (koi_imap_client_uid_fetch (client, set, "(UID FLAGS)", collect_fetch, &f,
                                              NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (f.uids->len, ==, 1);
    g_assert_true (g_array_index (f.flags, guint, 0) & KOI_IMAP_FLAG_SEEN);
    fetched_clear (&f);

    /* MOVE it away: gone here, present there. */
    g_assert_true (koi_imap_client_uid_move (client, set, "Moved", NULL, &error));
    g_assert_no_error (error);
    left = koi_imap_client_uid_search (client, "ALL", NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (left->len, ==, 2);
    g_assert_cmpuint (g_array_index (left, guint32, 0), ==, appended[1]);
    g_assert_cmpuint (koi_imap_client_get_exists (client), ==, 2);
  }

  g_assert_true (koi_imap_client_select (client, "Moved", TRUE, &dest, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dest.exists, ==, 1);
  g_assert_true (dest.read_only);
  fetched_init (&f);
  g_assert_true (koi_imap_client_uid_fetch (client, "1:*", "(UID BODY.PEEK[])", collect_fetch, &f,
                                            NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f.items->len, ==, 1);
  g_assert_true (g_bytes_equal (f.items->pdata[0], messages[0]));
  fetched_clear (&f);

  for (guint i = 0; i < 3; i++)
    g_bytes_unref (messages[i]);
}

/* ---- COMPRESS=DEFLATE ----------------------------------------------------- */

/* Dovecot offers COMPRESS=DEFLATE (koi-mailserver turns it on for 2.3;
 * 2.4 always has it): the client uses it unless KOI_IMAP_NO_COMPRESS=1,
 * and what it sends and reads is the same either way. Only the bytes on
 * the wire differ. */
static void
check_compress (gboolean expect_compressed)
{
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  static guint run;
  g_autofree char *box = g_strdup_printf ("Compress %u", ++run);
  g_autoptr(GBytes) message = NULL;
  KoiImapTraffic traffic;
  Fetched f = { 0, };
  guint32 uid = 0;

  REQUIRE_SERVER ();

  client = connect_as ("bob@example.org", "bob-secret");
  g_assert_true (koi_imap_client_has_capability (client, "COMPRESS=DEFLATE"));
  g_assert_cmpint (koi_imap_client_is_compressed (client), ==, expect_compressed);

  /* Chat mail is text: 512 KiB of it up and down again, byte-exact. */
  message = make_message ("bob@example.org", "alice@example.org", "chat$z1@example.org",
                          512 * 1024);
  g_assert_true (koi_imap_client_create (client, box, NULL, &error));
  g_assert_true (koi_imap_client_append (client, box, NULL, message, &uid, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_imap_client_select (client, box, FALSE, NULL, NULL, &error));
  g_assert_no_error (error);
  fetched_init (&f);
  g_assert_true (koi_imap_client_uid_fetch (client, "1:*", "(UID BODY.PEEK[])", collect_fetch, &f,
                                            NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f.items->len, ==, 1);
  g_assert_true (g_bytes_equal (f.items->pdata[0], message));
  fetched_clear (&f);

  koi_imap_client_get_traffic (client, &traffic);
  g_test_message ("in: %" G_GUINT64_FORMAT " on the wire for %" G_GUINT64_FORMAT
                  "; out: %" G_GUINT64_FORMAT " for %" G_GUINT64_FORMAT,
                  traffic.wire_in, traffic.plain_in, traffic.wire_out, traffic.plain_out);
  g_assert_cmpuint (traffic.plain_in, >, g_bytes_get_size (message));
  g_assert_cmpuint (traffic.plain_out, >, g_bytes_get_size (message));
  if (expect_compressed)
    {
      /* The message's lines are alike: far less than half of it crossed. */
      g_assert_cmpuint (traffic.wire_in * 4, <, traffic.plain_in);
      g_assert_cmpuint (traffic.wire_out * 4, <, traffic.plain_out);
    }
  else
    {
      g_assert_cmpuint (traffic.wire_in, ==, traffic.plain_in);
      g_assert_cmpuint (traffic.wire_out, ==, traffic.plain_out);
    }

  /* The connection stays usable to the end, LOGOUT and BYE included. */
  g_assert_true (koi_imap_client_noop (client, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_imap_client_logout (client, &error));
  g_assert_no_error (error);
}

static void
test_compress (void)
{
  check_compress (g_strcmp0 (g_getenv ("KOI_IMAP_NO_COMPRESS"), "1") != 0);
}

static void
test_compress_switched_off (void)
{
  g_autofree char *old = g_strdup (g_getenv ("KOI_IMAP_NO_COMPRESS"));

  g_setenv ("KOI_IMAP_NO_COMPRESS", "1", TRUE);
  check_compress (FALSE);
  if (old != NULL)
    g_setenv ("KOI_IMAP_NO_COMPRESS", old, TRUE);
  else
    g_unsetenv ("KOI_IMAP_NO_COMPRESS");
}

/* ---- IDLE ---------------------------------------------------------------- */

static gpointer
append_later (gpointer data)
{
  const char *box = data;
  g_autoptr(KoiImapClient) other = NULL;
  g_autoptr(GBytes) message = make_message ("bob@example.org", "alice@example.org",
                                            "chat$idle@example.org", 0);
  g_autoptr(GError) error = NULL;

  g_usleep (300 * 1000);
  other = connect_as ("alice@example.org", "alice-secret");
  g_assert_true (koi_imap_client_append (other, box, NULL, message, NULL, NULL, &error));
  g_assert_no_error (error);
  koi_imap_client_logout (other, NULL);
  return NULL;
}

static void
test_idle_server_change (void)
{
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) wake = g_cancellable_new ();
  KoiImapMailboxStatus status;
  KoiImapIdleResult result = { 0, };
  GThread *thread;
  gint64 start;

  REQUIRE_SERVER ();

  client = connect_as ("alice@example.org", "alice-secret");
  g_assert_true (koi_imap_client_create (client, "Idle", NULL, &error));
  g_assert_true (koi_imap_client_select (client, "Idle", FALSE, &status, NULL, &error));
  g_assert_no_error (error);

  thread = g_thread_new ("append", append_later, (gpointer) "Idle");
  start = g_get_monotonic_time ();
  g_assert_true (koi_imap_client_idle (client, 20000, wake, &result, NULL, &error));
  g_assert_no_error (error);
  g_thread_join (thread);

  g_assert_true (result.server_changed);
  g_assert_false (result.timed_out);
  g_assert_false (result.woken);
  g_assert_cmpuint (result.exists, ==, status.exists + 1);
  /* Dovecot's own 0.5 s delay plus the 0.3 s wait; far below the timeout. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

  /* IDLE ended cleanly: the connection goes on. */
  g_assert_true (koi_imap_client_noop (client, NULL, &error));
  g_assert_no_error (error);
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (300 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_idle_wake_and_timeout (void)
{
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) wake = g_cancellable_new ();
  g_autoptr(GCancellable) quiet = g_cancellable_new ();
  KoiImapMailboxStatus status;
  KoiImapIdleResult result = { 0, };
  GThread *thread;
  gint64 start;

  REQUIRE_SERVER ();

  client = connect_as ("alice@example.org", "alice-secret");
  g_assert_true (koi_imap_client_select (client, "INBOX", FALSE, &status, NULL, &error));
  g_assert_no_error (error);

  thread = g_thread_new ("wake", cancel_later, wake);
  start = g_get_monotonic_time ();
  g_assert_true (koi_imap_client_idle (client, 20000, wake, &result, NULL, &error));
  g_assert_no_error (error);
  g_thread_join (thread);
  g_assert_true (result.woken);
  g_assert_false (result.server_changed);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);

  /* A quiet mailbox: the timeout ends IDLE, not an error. */
  memset (&result, 0, sizeof result);
  start = g_get_monotonic_time ();
  g_assert_true (koi_imap_client_idle (client, 400, quiet, &result, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (result.timed_out);
  g_assert_false (result.woken);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 400 * 1000);

  g_assert_true (koi_imap_client_noop (client, NULL, &error));
  g_assert_no_error (error);
}

static void
test_append_missing_mailbox (void)
{
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GError) error = NULL;
  guint32 uid = 99;

  REQUIRE_SERVER ();

  client = connect_as ("alice@example.org", "alice-secret");
  message = make_message ("alice@example.org", "bob@example.org", "chat$lost@example.org", 100);
  g_assert_false (koi_imap_client_append (client, "Does not exist", NULL, message, &uid, NULL, &error));
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_NO);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "Server refused APPEND \"Does not exist\": "));
  g_assert_cmpuint (uid, ==, 0);
  /* The literal was consumed in step: the next command still works. */
  g_clear_error (&error);
  g_assert_true (koi_imap_client_noop (client, NULL, &error));
  g_assert_no_error (error);
}

static gpointer
stop_imap_later (gpointer data)
{
  const char *argv[] = { g_getenv ("KOI_MAILSERVER"), "stop", "--dir", server.dir, "--only", "imap", NULL };
  int status = -1;

  g_usleep (300 * 1000);
  g_assert_true (run_mailserver (argv, NULL, &status, NULL));
  g_assert_cmpint (status, ==, 0);
  return NULL;
}

static void
test_idle_server_gone (void)
{
  const char *start_argv[] = { g_getenv ("KOI_MAILSERVER"), "start", "--dir", server.dir, "--only", "imap", NULL };
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(KoiImapClient) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) wake = g_cancellable_new ();
  KoiImapMailboxStatus status;
  KoiImapIdleResult result = { 0, };
  GThread *thread;
  gint64 start;
  int exit_status = -1;

  REQUIRE_SERVER ();

  client = connect_as ("alice@example.org", "alice-secret");
  g_assert_true (koi_imap_client_select (client, "INBOX", FALSE, &status, NULL, &error));
  g_assert_no_error (error);

  thread = g_thread_new ("stop", stop_imap_later, NULL);
  start = g_get_monotonic_time ();
  g_assert_false (koi_imap_client_idle (client, 60000, wake, &result, NULL, &error));
  g_thread_join (thread);
  g_test_message ("%s", error->message);
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_DISCONNECTED);
  /* Noticed when it happened, not when IDLE would have timed out. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 15 * G_USEC_PER_SEC);
  g_assert_false (koi_imap_client_is_connected (client));

  /* Later commands say so instead of writing to a dead socket. */
  g_clear_error (&error);
  g_assert_false (koi_imap_client_noop (client, NULL, &error));
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_DISCONNECTED);

  g_assert_true (run_mailserver (start_argv, NULL, &exit_status, NULL));
  g_assert_cmpint (exit_status, ==, 0);
  /* The same client reconnects. */
  g_clear_error (&error);
  g_assert_true (koi_imap_client_connect (client, NULL, &error));
  g_assert_no_error (error);
}

static gboolean
collect_changed (const KoiImapFetchItem  *item,
                 gpointer                 user_data,
                 GError                 **error)
{
  GArray *seen = user_data;

  if (item->has_flags && (item->flags & KOI_IMAP_FLAG_SEEN) != 0)
    g_array_append_val (seen, item->uid);
  return TRUE;
}

static gboolean
ranges_hold (GArray  *ranges,
             guint32  uid)
{
  for (guint i = 0; i < ranges->len; i++)
    if (uid >= g_array_index (ranges, KoiImapUidRange, i).first &&
        uid <= g_array_index (ranges, KoiImapUidRange, i).last)
      return TRUE;
  return FALSE;
}

/* Another session expunges and reads: the first learns both by UID, live
 * during IDLE and again from SELECT (QRESYNC ...) after a reconnect. */
static void
test_qresync (void)
{
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(KoiImapClient) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) uids = NULL;
  g_autoptr(GArray) vanished = NULL;
  g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree char *known = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  KoiImapMailboxStatus status, again;
  KoiImapIdleResult result = { 0, };
  KoiImapQresync qresync = { 0, };

  REQUIRE_SERVER ();

  client = connect_as ("alice@example.org", "alice-secret");
  g_assert_true (koi_imap_client_has_qresync (client));
  g_assert_true (koi_imap_client_create (client, "Qresync", NULL, &error));
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *id = g_strdup_printf ("qresync-%u@example.org", i);
      g_autoptr(GBytes) message = make_message ("bob@example.org", "alice@example.org", id, 0);

      g_assert_true (koi_imap_client_append (client, "Qresync", NULL, message, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_true (koi_imap_client_select (client, "Qresync", FALSE, &status, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (status.highest_modseq, >, 0);
  uids = koi_imap_client_uid_search (client, "ALL", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uids->len, ==, 4);
  known = g_strdup_printf ("%u:%u", g_array_index (uids, guint32, 0), g_array_index (uids, guint32, 3));

  /* Live: an expunge elsewhere ends IDLE and names its UID. */
  other = connect_as ("alice@example.org", "alice-secret");
  g_assert_true (koi_imap_client_select (other, "Qresync", FALSE, NULL, NULL, &error));
  first = g_strdup_printf ("%u", g_array_index (uids, guint32, 0));
  g_assert_true (koi_imap_client_uid_expunge (other, first, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_imap_client_idle (client, 20000, NULL, &result, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (result.server_changed);
  vanished = koi_imap_client_take_vanished (client);
  g_assert_true (ranges_hold (vanished, g_array_index (uids, guint32, 0)));
  g_assert_false (ranges_hold (vanished, g_array_index (uids, guint32, 1)));
  g_clear_pointer (&vanished, g_array_unref);

  /* Offline: another expunge and a \Seen, then a reconnect. */
  third = g_strdup_printf ("%u", g_array_index (uids, guint32, 2));
  koi_imap_client_logout (client, NULL);
  second = g_strdup_printf ("%u", g_array_index (uids, guint32, 1));
  g_assert_true (koi_imap_client_uid_expunge (other, second, NULL, &error));
  g_assert_true (koi_imap_client_uid_store (other, third, "+FLAGS.SILENT (\\Seen)", NULL, &error));
  g_assert_no_error (error);

  g_assert_true (koi_imap_client_connect (client, NULL, &error));
  g_assert_no_error (error);
  qresync.uidvalidity = status.uidvalidity;
  qresync.modseq = status.highest_modseq;
  qresync.known_uids = known;
  g_assert_true (koi_imap_client_select_qresync (client, "Qresync", &qresync, collect_changed, seen,
                                                 &again, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (again.uidvalidity, ==, status.uidvalidity);
  g_assert_cmpuint (again.highest_modseq, >, status.highest_modseq);
  vanished = koi_imap_client_take_vanished (client);
  g_assert_true (ranges_hold (vanished, g_array_index (uids, guint32, 0)));
  g_assert_true (ranges_hold (vanished, g_array_index (uids, guint32, 1)));
  g_assert_false (ranges_hold (vanished, g_array_index (uids, guint32, 2)));
  g_assert_false (ranges_hold (vanished, g_array_index (uids, guint32, 3)));
  g_assert_cmpuint (seen->len, ==, 1);
  g_assert_cmpuint (g_array_index (seen, guint32, 0), ==, g_array_index (uids, guint32, 2));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/imap-client/connect/tls-and-starttls", test_connect_tls_and_starttls);
  g_test_add_func ("/net/imap-client/connect/wrong-password", test_connect_wrong_password);
  g_test_add_func ("/net/imap-client/connect/untrusted-certificate", test_connect_untrusted_certificate);
  g_test_add_func ("/net/imap-client/connect/refused-port", test_connect_refused_port);
  g_test_add_func ("/net/imap-client/connect/unknown-host", test_connect_unknown_host);
  g_test_add_func ("/net/imap-client/cancelled", test_cancelled);
  g_test_add_func ("/net/imap-client/list-create", test_list_create);
  g_test_add_func ("/net/imap-client/select-missing", test_select_missing);
  g_test_add_func ("/net/imap-client/messages", test_append_select_search_fetch_store_move);
  g_test_add_func ("/net/imap-client/compress", test_compress);
  g_test_add_func ("/net/imap-client/compress/switched-off", test_compress_switched_off);
  g_test_add_func ("/net/imap-client/idle/server-change", test_idle_server_change);
  g_test_add_func ("/net/imap-client/idle/wake-and-timeout", test_idle_wake_and_timeout);
  g_test_add_func ("/net/imap-client/idle/server-gone", test_idle_server_gone);
  g_test_add_func ("/net/imap-client/append-missing-mailbox", test_append_missing_mailbox);
  g_test_add_func ("/net/imap-client/qresync", test_qresync);

  start_server ();
  ret = g_test_run ();
  stop_server ();

  return ret;
}
