/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-imap-hostile"

#include "config.h"

#include <string.h>
#include <zlib.h>

#include "koi-fake-imap-server.h"
#include "koi-imap-client.h"

/* KoiImapClient against a scripted server doing what a real one does only
 * on a bad day: dropping the line mid-literal, answering garbage, going
 * silent, saying BYE, or (for the security case) offering no STARTTLS.
 * Each test checks what a user would see: the error's code and words,
 * that nothing half-read reaches the caller, and that the client neither
 * hangs nor crashes. Bounds on time are generous: a loaded 2-core machine
 * must not make them flaky. */

#define LOGIN    "alice@example.org"
#define PASSWORD "hostile-secret-pw"

/* A body long enough that half of it is clearly not all of it. */
#define BODY \
  "From: <bob@example.org>\r\nTo: <alice@example.org>\r\nSubject: Chat: hi\r\n" \
  "Message-ID: <chat$hostile1@example.org>\r\nChat-Version: 1.0\r\n\r\n" \
  "The whole message, every byte of it, ends with this line.\r\n"

typedef struct
{
  char idle_tag[32]; /* touched on the server's thread only */
} ScriptState;

static KoiFakeImapServer *
start_server (KoiFakeImapMode    mode,
              KoiFakeImapScript  script,
              gpointer           user_data)
{
  g_autoptr(GError) error = NULL;
  KoiFakeImapServer *server = koi_fake_imap_server_new (mode, script, user_data, &error);

  /* Not starting is a failure, not a skip: the cases would test nothing. */
  if (server == NULL)
    g_test_fail_printf ("cannot start the fake IMAP server: %s", error->message);
  return server;
}

static KoiImapClient *
client_for (KoiFakeImapServer *server,
            KoiSecurity        security)
{
  g_autoptr(KoiServerConfig) config = NULL;

  config = koi_server_config_new ("127.0.0.1", koi_fake_imap_server_get_port (server), security,
                                  LOGIN, PASSWORD, koi_fake_imap_server_get_ca_file (server));
  return koi_imap_client_new (config);
}

static KoiImapClient *
connect_to (KoiFakeImapServer *server)
{
  g_autoptr(KoiImapClient) client = client_for (server, KOI_SECURITY_TLS);
  g_autoptr(GError) error = NULL;

  g_assert_true (koi_imap_client_connect (client, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_imap_client_has_capability (client, "IDLE"));
  return g_steal_pointer (&client);
}

static gboolean
received_contains (KoiFakeImapServer *server,
                   const char        *needle)
{
  g_autoptr(GBytes) received = koi_fake_imap_server_dup_received (server);
  gsize size;
  const char *data = g_bytes_get_data (received, &size);

  return data != NULL && g_strstr_len (data, size, needle) != NULL;
}

static gboolean
ok_to_everything (KoiFakeImapConn *conn,
                  const char      *tag)
{
  return koi_fake_imap_conn_printf (conn, "%s OK Done\r\n", tag) || TRUE;
}

static gdouble
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (gdouble) G_USEC_PER_SEC;
}

/* ---- 1. the line drops in the middle of a FETCH literal ------------------ */

typedef struct
{
  guint  calls;
  GBytes *body;
} FetchSeen;

static gboolean
collect_fetch (const KoiImapFetchItem  *item,
               gpointer                 user_data,
               GError                 **error)
{
  FetchSeen *seen = user_data;

  seen->calls++;
  g_clear_pointer (&seen->body, g_bytes_unref);
  if (item->body != NULL)
    seen->body = g_bytes_ref (item->body);
  return TRUE;
}

static gboolean
script_drop_mid_literal (KoiFakeImapConn *conn,
                         const char      *tag,
                         const char      *line,
                         gpointer         user_data)
{
  gsize half = strlen (BODY) / 2;

  if (strstr (line, "UID FETCH") == NULL)
    return ok_to_everything (conn, tag);

  koi_fake_imap_conn_printf (conn, "* 1 FETCH (UID 7 FLAGS (\\Seen) BODY[] {%" G_GSIZE_FORMAT "}\r\n",
                             strlen (BODY));
  if (koi_fake_imap_conn_get_index (conn) == 0)
    {
      /* Half the literal, a moment for it to arrive, then the line dies. */
      koi_fake_imap_conn_write (conn, BODY, half);
      koi_fake_imap_conn_pause (conn, 100);
      koi_fake_imap_conn_drop (conn);
      return FALSE;
    }

  koi_fake_imap_conn_write (conn, BODY, strlen (BODY));
  koi_fake_imap_conn_printf (conn, ")\r\n%s OK Fetch completed\r\n", tag);
  return TRUE;
}

static void
test_fetch_drop_mid_literal (void)
{
  g_autoptr(KoiFakeImapServer) server = start_server (KOI_FAKE_IMAP_TLS, script_drop_mid_literal, NULL);
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  FetchSeen seen = { 0, NULL };
  gint64 start;

  if (server == NULL)
    return;
  client = connect_to (server);
  /* The login really went through the fake server, so the recorder works. */
  g_assert_true (received_contains (server, "LOGIN"));

  start = g_get_monotonic_time ();
  g_assert_false (koi_imap_client_uid_fetch (client, "7", "(UID FLAGS BODY.PEEK[])",
                                             collect_fetch, &seen, NULL, &error));
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  g_assert_cmpfloat (seconds_since (start), <, 20.0);
  /* Half a message never reaches the caller, so nothing half is stored. */
  g_assert_cmpuint (seen.calls, ==, 0);
  g_assert_false (koi_imap_client_is_connected (client));
  g_clear_error (&error);

  /* Every further command says so, without touching the dead line. */
  g_assert_false (koi_imap_client_noop (client, NULL, &error));
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_DISCONNECTED);
  g_clear_error (&error);

  /* The same client reconnects and now gets the whole message. */
  g_assert_true (koi_imap_client_connect (client, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (koi_fake_imap_server_get_n_connections (server), ==, 2);
  g_assert_true (koi_imap_client_uid_fetch (client, "7", "(UID FLAGS BODY.PEEK[])",
                                            collect_fetch, &seen, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seen.calls, ==, 1);
  g_assert_nonnull (seen.body);
  g_assert_cmpmem (g_bytes_get_data (seen.body, NULL), g_bytes_get_size (seen.body),
                   BODY, strlen (BODY));
  g_clear_pointer (&seen.body, g_bytes_unref);
}

/* ---- 2. garbage instead of IMAP ------------------------------------------ */

static gboolean
script_http (KoiFakeImapConn *conn,
             const char      *tag,
             const char      *line,
             gpointer         user_data)
{
  if (strcmp (line + strlen (tag), " NOOP") != 0)
    return ok_to_everything (conn, tag);

  /* What a web server on the IMAP port, or a captive portal, answers. */
  koi_fake_imap_conn_printf (conn,
                             "HTTP/1.1 400 Bad Request\r\n"
                             "Server: nginx\r\n"
                             "Content-Type: text/html\r\n"
                             "\r\n"
                             "<html><body>400 Bad Request</body></html>\r\n");
  return TRUE;
}

static const char binary_garbage[] = "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\xff\xfe\x80 \r\n";

static gboolean
script_binary (KoiFakeImapConn *conn,
               const char      *tag,
               const char      *line,
               gpointer         user_data)
{
  if (strcmp (line + strlen (tag), " NOOP") != 0)
    return ok_to_everything (conn, tag);

  /* A TLS record where text was due, NUL and invalid UTF-8 included. */
  koi_fake_imap_conn_write (conn, binary_garbage, sizeof binary_garbage - 1);
  return TRUE;
}

static void
check_garbage (KoiFakeImapScript  script,
               const char        *quoted)
{
  g_autoptr(KoiFakeImapServer) server = start_server (KOI_FAKE_IMAP_TLS, script, NULL);
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  if (server == NULL)
    return;
  client = connect_to (server);

  start = g_get_monotonic_time ();
  g_assert_false (koi_imap_client_noop (client, NULL, &error));
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL);
  g_test_message ("error: %s", error->message);
  /* The user (or whoever reads the bug report) sees what actually came. */
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  if (quoted != NULL)
    g_assert_nonnull (strstr (error->message, quoted));
  /* A quote, not the whole page. */
  g_assert_cmpuint (strlen (error->message), <, 1000);
  g_assert_cmpfloat (seconds_since (start), <, 20.0);
  g_assert_false (koi_imap_client_is_connected (client));
  g_clear_error (&error);

  g_assert_false (koi_imap_client_noop (client, NULL, &error));
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_DISCONNECTED);
}

static void
test_garbage_http (void)
{
  check_garbage (script_http, "HTTP/1.1 400");
}

static void
test_garbage_binary (void)
{
  check_garbage (script_binary, NULL);
}

/* ---- 3. a literal no mail can have -------------------------------------- */

static gboolean
script_huge_literal (KoiFakeImapConn *conn,
                     const char      *tag,
                     const char      *line,
                     gpointer         user_data)
{
  if (strstr (line, "UID FETCH") == NULL)
    return ok_to_everything (conn, tag);

  koi_fake_imap_conn_printf (conn, "* 1 FETCH (UID 1 BODY[] {99999999999}\r\n");
  /* Then bytes keep coming, as if the server meant it. */
  for (guint i = 0; i < 16; i++)
    if (!koi_fake_imap_conn_write (conn, BODY, strlen (BODY)))
      break;
  return TRUE;
}

static void
test_fetch_huge_literal (void)
{
  g_autoptr(KoiFakeImapServer) server = start_server (KOI_FAKE_IMAP_TLS, script_huge_literal, NULL);
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  FetchSeen seen = { 0, NULL };
  gint64 start;

  if (server == NULL)
    return;
  client = connect_to (server);

  start = g_get_monotonic_time ();
  g_assert_false (koi_imap_client_uid_fetch (client, "1", "(UID BODY.PEEK[])",
                                             collect_fetch, &seen, NULL, &error));
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL);
  g_test_message ("error: %s", error->message);
  g_assert_nonnull (strstr (error->message, "99999999999"));
  /* Refused on the announcement, not after reading (or allocating) 93 GiB. */
  g_assert_cmpfloat (seconds_since (start), <, 10.0);
  g_assert_cmpuint (seen.calls, ==, 0);
  g_assert_false (koi_imap_client_is_connected (client));
}

/* ---- 4. the server goes silent -------------------------------------------- */

static gboolean
script_silent (KoiFakeImapConn *conn,
               const char      *tag,
               const char      *line,
               gpointer         user_data)
{
  if (strcmp (line + strlen (tag), " NOOP") != 0)
    return ok_to_everything (conn, tag);

  /* Say nothing; keep reading until the client gives up and closes. */
  return TRUE;
}

static void
test_timeout_silent (void)
{
  g_autoptr(KoiFakeImapServer) server = start_server (KOI_FAKE_IMAP_TLS, script_silent, NULL);
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  gdouble elapsed;
  gint64 start;

  if (server == NULL)
    return;
  client = connect_to (server);
  koi_imap_client_set_timeout (client, 1000);

  start = g_get_monotonic_time ();
  g_assert_false (koi_imap_client_noop (client, NULL, &error));
  elapsed = seconds_since (start);
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_TIMEOUT);
  g_test_message ("timed out after %.2f s: %s", elapsed, error->message);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  /* It waited for the server, and not much longer than it was told to. */
  g_assert_cmpfloat (elapsed, >=, 0.9);
  g_assert_cmpfloat (elapsed, <, 15.0);
  g_assert_false (koi_imap_client_is_connected (client));
}

/* ---- 5. BYE in the middle of a session ---------------------------------- */

#define BYE_WORDS "Server shutting down for maintenance, back at 04:00"

static gboolean
script_bye_close (KoiFakeImapConn *conn,
                  const char      *tag,
                  const char      *line,
                  gpointer         user_data)
{
  if (strcmp (line + strlen (tag), " NOOP") != 0)
    return ok_to_everything (conn, tag);

  koi_fake_imap_conn_printf (conn, "* BYE " BYE_WORDS "\r\n");
  /* A clean TLS close, as Dovecot does. */
  return FALSE;
}

static gboolean
script_bye_drop (KoiFakeImapConn *conn,
                 const char      *tag,
                 const char      *line,
                 gpointer         user_data)
{
  if (strcmp (line + strlen (tag), " NOOP") != 0)
    return ok_to_everything (conn, tag);

  koi_fake_imap_conn_printf (conn, "* BYE " BYE_WORDS "\r\n");
  koi_fake_imap_conn_pause (conn, 50);
  /* A server that exits without closing TLS properly. */
  koi_fake_imap_conn_drop (conn);
  return FALSE;
}

static void
check_bye (KoiFakeImapScript script)
{
  g_autoptr(KoiFakeImapServer) server = start_server (KOI_FAKE_IMAP_TLS, script, NULL);
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  if (server == NULL)
    return;
  client = connect_to (server);

  start = g_get_monotonic_time ();
  g_assert_false (koi_imap_client_noop (client, NULL, &error));
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_DISCONNECTED);
  g_test_message ("error: %s", error->message);
  /* The server's own reason is what the user reads. */
  g_assert_nonnull (strstr (error->message, BYE_WORDS));
  g_assert_cmpfloat (seconds_since (start), <, 20.0);
  g_assert_false (koi_imap_client_is_connected (client));
}

static void
test_bye_close (void)
{
  check_bye (script_bye_close);
}

static void
test_bye_drop (void)
{
  check_bye (script_bye_drop);
}

/* ---- 6. STARTTLS required, but the server does not offer it ------------- */

static gboolean
script_never (KoiFakeImapConn *conn,
              const char      *tag,
              const char      *line,
              gpointer         user_data)
{
  /* Anything past curl's CAPABILITY is already a leak; answer so that a
   * broken client would go on and show it. */
  return ok_to_everything (conn, tag);
}

static void
test_starttls_not_offered (void)
{
  g_autoptr(KoiFakeImapServer) server = start_server (KOI_FAKE_IMAP_PLAIN, script_never, NULL);
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  if (server == NULL)
    return;
  client = client_for (server, KOI_SECURITY_STARTTLS);

  start = g_get_monotonic_time ();
  g_assert_false (koi_imap_client_connect (client, NULL, &error));
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_TLS_FAILED);
  g_test_message ("error: %s", error->message);
  g_assert_nonnull (strstr (error->message, "STARTTLS"));
  g_assert_null (strstr (error->message, PASSWORD));
  g_assert_cmpfloat (seconds_since (start), <, 20.0);
  g_assert_false (koi_imap_client_is_connected (client));

  /* The client did talk to this server (so the checks below mean
   * something), and never sent it the login or the password. */
  g_assert_cmpuint (koi_fake_imap_server_get_n_connections (server), ==, 1);
  g_assert_true (received_contains (server, "CAPABILITY"));
  g_assert_false (received_contains (server, "LOGIN"));
  g_assert_false (received_contains (server, "AUTHENTICATE"));
  g_assert_false (received_contains (server, PASSWORD));
  g_assert_false (received_contains (server, LOGIN));
}

/* ---- 7. COMPRESS=DEFLATE (RFC 4978) ---------------------------------------- */

typedef enum
{
  COMPRESS_REFUSED,  /* NO: the client goes on uncompressed */
  COMPRESS_CORRUPT,  /* OK, then bytes that are no deflate stream */
  COMPRESS_BOMB,     /* OK, then a few KiB that inflate to 256 MiB without a line end */
} CompressCase;

static gboolean
script_compress (KoiFakeImapConn *conn,
                 const char      *tag,
                 const char      *line,
                 gpointer         user_data)
{
  CompressCase what = GPOINTER_TO_INT (user_data);

  if (strstr (line, "COMPRESS DEFLATE") == NULL)
    return ok_to_everything (conn, tag);

  if (what == COMPRESS_REFUSED)
    return koi_fake_imap_conn_printf (conn, "%s NO [COMPRESSIONACTIVE] Not now\r\n", tag) || TRUE;

  koi_fake_imap_conn_printf (conn, "%s OK DEFLATE active\r\n", tag);
  /* Apart from the OK: it is not the case of data glued to the answer. */
  koi_fake_imap_conn_pause (conn, 200);

  if (what == COMPRESS_CORRUPT)
    {
      static const guint8 garbage[] = { 0x07, 0xff, 0xff, 0xff, 0x00, 0x13 };

      koi_fake_imap_conn_write (conn, garbage, sizeof garbage);
    }
  else
    {
      /* Raw deflate of 1 MiB of "a": a literal, then matches at distance 1,
       * so the same bytes go on being valid however often they repeat. */
      g_autofree guint8 *plain = g_malloc (1024 * 1024);
      guint8 chunk[16 * 1024];
      z_stream z = { 0 };

      memset (plain, 'a', 1024 * 1024);
      g_assert_cmpint (deflateInit2 (&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), ==, Z_OK);
      z.next_in = plain;
      z.avail_in = 1024 * 1024;
      z.next_out = chunk;
      z.avail_out = sizeof chunk;
      g_assert_cmpint (deflate (&z, Z_SYNC_FLUSH), ==, Z_OK);
      g_assert_cmpuint (z.avail_in, ==, 0);
      for (guint i = 0; i < 256; i++)
        if (!koi_fake_imap_conn_write (conn, chunk, sizeof chunk - z.avail_out))
          break;
      deflateEnd (&z);
    }
  return TRUE;
}

static KoiImapClient *
connect_compress (KoiFakeImapServer *server)
{
  koi_fake_imap_server_set_extra_capabilities (server, "COMPRESS=DEFLATE");
  return connect_to (server);
}

static void
test_compress_refused (void)
{
  g_autoptr(KoiFakeImapServer) server = start_server (KOI_FAKE_IMAP_TLS, script_compress,
                                                      GINT_TO_POINTER (COMPRESS_REFUSED));
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  KoiImapTraffic traffic;

  if (server == NULL)
    return;
  client = connect_compress (server);

  /* Asked, refused, and the line works on uncompressed. */
  g_assert_true (received_contains (server, "COMPRESS DEFLATE"));
  g_assert_false (koi_imap_client_is_compressed (client));
  g_assert_true (koi_imap_client_noop (client, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (received_contains (server, "NOOP\r\n"));
  koi_imap_client_get_traffic (client, &traffic);
  g_assert_cmpuint (traffic.wire_in, ==, traffic.plain_in);
  g_assert_cmpuint (traffic.wire_out, ==, traffic.plain_out);
}

static void
check_compress_broken (CompressCase what)
{
  g_autoptr(KoiFakeImapServer) server = start_server (KOI_FAKE_IMAP_TLS, script_compress,
                                                      GINT_TO_POINTER (what));
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  KoiImapTraffic traffic;
  gint64 start;

  if (server == NULL)
    return;
  client = connect_compress (server);
  g_assert_true (koi_imap_client_is_compressed (client));

  start = g_get_monotonic_time ();
  g_assert_false (koi_imap_client_noop (client, NULL, &error));
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL);
  g_test_message ("error: %s", error->message);
  g_assert_false (koi_imap_client_is_connected (client));
  g_assert_cmpfloat (seconds_since (start), <, 20.0);

  /* The NOOP went out compressed: the plain word never crossed the line. */
  g_assert_false (received_contains (server, "NOOP"));
  if (what == COMPRESS_CORRUPT)
    g_assert_nonnull (strstr (error->message, "corrupt compressed data"));
  else
    {
      /* The parser's line limit (64 MiB) ended it, long before 256 MiB. */
      koi_imap_client_get_traffic (client, &traffic);
      g_test_message ("bomb: %" G_GUINT64_FORMAT " bytes on the wire, %" G_GUINT64_FORMAT
                      " inflated", traffic.wire_in, traffic.plain_in);
      g_assert_cmpuint (traffic.plain_in, <=, 65 * 1024 * 1024);
      g_assert_cmpuint (traffic.plain_in, >, 100 * traffic.wire_in);
    }
}

static void
test_compress_corrupt (void)
{
  check_compress_broken (COMPRESS_CORRUPT);
}

static void
test_compress_bomb (void)
{
  check_compress_broken (COMPRESS_BOMB);
}

/* ---- 8. IDLE -------------------------------------------------------------- */

static gboolean
script_idle_split (KoiFakeImapConn *conn,
                   const char      *tag,
                   const char      *line,
                   gpointer         user_data)
{
  ScriptState *state = user_data;

  if (strcmp (line, "DONE") == 0)
    return koi_fake_imap_conn_printf (conn, "%s OK Idle completed\r\n", state->idle_tag) || TRUE;
  if (strcmp (line + strlen (tag), " IDLE") != 0)
    return ok_to_everything (conn, tag);

  g_strlcpy (state->idle_tag, tag, sizeof state->idle_tag);
  koi_fake_imap_conn_printf (conn, "+ idling\r\n");
  /* One notice in three TCP writes with pauses: the client must wait for
   * the end of the line, not act on (or choke on) its pieces. */
  koi_fake_imap_conn_pause (conn, 100);
  koi_fake_imap_conn_printf (conn, "* 3 EX");
  koi_fake_imap_conn_pause (conn, 200);
  koi_fake_imap_conn_printf (conn, "IST");
  koi_fake_imap_conn_pause (conn, 200);
  koi_fake_imap_conn_printf (conn, "S\r\n");
  return TRUE;
}

static void
test_idle_split_exists (void)
{
  ScriptState state = { { 0, } };
  g_autoptr(KoiFakeImapServer) server = start_server (KOI_FAKE_IMAP_TLS, script_idle_split, &state);
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  KoiImapIdleResult result = { 0, };
  gint64 start;

  if (server == NULL)
    return;
  client = connect_to (server);

  start = g_get_monotonic_time ();
  g_assert_true (koi_imap_client_idle (client, 60000, NULL, &result, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (result.server_changed);
  g_assert_false (result.timed_out);
  g_assert_false (result.woken);
  g_assert_cmpuint (result.exists, ==, 3);
  g_assert_cmpfloat (seconds_since (start), <, 20.0);
  /* IDLE ended properly (DONE answered), so the line is still good. */
  g_assert_true (koi_imap_client_is_connected (client));
  g_assert_true (koi_imap_client_noop (client, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (received_contains (server, "DONE"));
}

static gboolean
script_idle_drop (KoiFakeImapConn *conn,
                  const char      *tag,
                  const char      *line,
                  gpointer         user_data)
{
  if (strcmp (line + strlen (tag), " IDLE") != 0)
    return ok_to_everything (conn, tag);

  koi_fake_imap_conn_printf (conn, "+ idling\r\n");
  koi_fake_imap_conn_pause (conn, 300);
  koi_fake_imap_conn_drop (conn);
  return FALSE;
}

static void
test_idle_drop (void)
{
  g_autoptr(KoiFakeImapServer) server = start_server (KOI_FAKE_IMAP_TLS, script_idle_drop, NULL);
  g_autoptr(KoiImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  KoiImapIdleResult result = { 0, };
  gdouble elapsed;
  gint64 start;

  if (server == NULL)
    return;
  client = connect_to (server);

  /* A long IDLE and a long read timeout: only noticing the closed line
   * can end this call quickly. */
  start = g_get_monotonic_time ();
  g_assert_false (koi_imap_client_idle (client, 120000, NULL, &result, NULL, &error));
  elapsed = seconds_since (start);
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_DISCONNECTED);
  g_test_message ("IDLE ended after %.2f s: %s", elapsed, error->message);
  g_assert_cmpfloat (elapsed, <, 20.0);
  g_assert_false (koi_imap_client_is_connected (client));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/imap-hostile/fetch/drop-mid-literal", test_fetch_drop_mid_literal);
  g_test_add_func ("/net/imap-hostile/starttls/not-offered", test_starttls_not_offered);
  g_test_add_func ("/net/imap-hostile/garbage/http", test_garbage_http);
  g_test_add_func ("/net/imap-hostile/garbage/binary", test_garbage_binary);
  g_test_add_func ("/net/imap-hostile/timeout/silent", test_timeout_silent);
  g_test_add_func ("/net/imap-hostile/fetch/huge-literal", test_fetch_huge_literal);
  g_test_add_func ("/net/imap-hostile/bye/clean-close", test_bye_close);
  g_test_add_func ("/net/imap-hostile/bye/dropped", test_bye_drop);
  g_test_add_func ("/net/imap-hostile/compress/refused", test_compress_refused);
  g_test_add_func ("/net/imap-hostile/compress/corrupt", test_compress_corrupt);
  g_test_add_func ("/net/imap-hostile/compress/bomb", test_compress_bomb);
  g_test_add_func ("/net/imap-hostile/idle/split-exists", test_idle_split_exists);
  g_test_add_func ("/net/imap-hostile/idle/dropped", test_idle_drop);

  return g_test_run ();
}
