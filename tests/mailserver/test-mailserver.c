/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-mailserver"

#include "config.h"

#include <curl/curl.h>

#include "koi-test-mailserver.h"

/* The private mail server every integration test stands on: mail really
 * flows from SMTP to IMAP, TLS is really verified, passwords are really
 * checked, nothing leaves, and stopping really stops. Spoken to with plain
 * libcurl so this test does not depend on Koi's own network code. */

#define ALICE "alice@example.org"
#define ALICE_PASSWORD "alice-Secret-1"
#define BOB "bob@example.org"
#define BOB_PASSWORD "bob-Secret-2"

/* Delivery is asynchronous (Postfix queue, then LMTP): poll this long. */
#define DELIVERY_TIMEOUT_US (10 * G_USEC_PER_SEC)

static const char * const users[] = {
  ALICE ":" ALICE_PASSWORD,
  BOB ":" BOB_PASSWORD,
  NULL,
};

/* One instance for the tests that only talk to it; tests that stop or
 * compare instances start their own. */
static KoiTestMailserver *shared;

static KoiTestMailserver *
shared_server (void)
{
  g_autoptr(GError) error = NULL;

  if (shared == NULL)
    {
      shared = koi_test_mailserver_start (users, &error);
      g_assert_no_error (error);
      g_assert_nonnull (shared);
    }
  return shared;
}

typedef enum {
  TLS_STARTTLS,
  TLS_IMPLICIT,
} TlsMode;

typedef struct {
  const char *ca_file;   /* NULL: the system's CAs only */
  const char *user;      /* NULL: no AUTH */
  const char *password;
} Login;

typedef struct {
  const char *data;
  gsize len;
  gsize pos;
} Payload;

static size_t
read_payload (char   *buffer,
              size_t  size,
              size_t  nitems,
              void   *user_data)
{
  Payload *payload = user_data;
  size_t n = MIN (size * nitems, payload->len - payload->pos);

  memcpy (buffer, payload->data + payload->pos, n);
  payload->pos += n;
  return n;
}

static size_t
append_to_string (char   *data,
                  size_t  size,
                  size_t  nmemb,
                  void   *user_data)
{
  g_string_append_len (user_data, data, size * nmemb);
  return size * nmemb;
}

static char *
make_url (const char *scheme,
          const char *host,
          guint       port,
          const char *path)
{
  return g_strdup_printf ("%s://%s:%u/%s", scheme, host, port, path);
}

static void
apply_login (CURL        *curl,
             const Login *login)
{
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 30L);
  if (login->ca_file != NULL)
    curl_easy_setopt (curl, CURLOPT_CAINFO, login->ca_file);
  if (login->user != NULL)
    {
      curl_easy_setopt (curl, CURLOPT_USERNAME, login->user);
      curl_easy_setopt (curl, CURLOPT_PASSWORD, login->password);
    }
}

/* Submits TEXT (LF line ends; sent with CRLF) from FROM to RCPT. */
static CURLcode
smtp_send (const char  *host,
           guint        port,
           TlsMode      tls,
           const Login *login,
           const char  *from,
           const char  *rcpt,
           const char  *text)
{
  g_autoptr(GString) wire = g_string_new (NULL);
  g_autofree char *url = NULL;
  struct curl_slist *rcpts = NULL;
  Payload payload;
  CURL *curl;
  CURLcode rc;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\n')
        g_string_append_c (wire, '\r');
      g_string_append_c (wire, *p);
    }
  payload = (Payload) { wire->str, wire->len, 0 };

  /* The EHLO name goes in the path; curl would send the host name otherwise. */
  url = make_url (tls == TLS_IMPLICIT ? "smtps" : "smtp", host, port, "koi.test");
  curl = curl_easy_init ();
  g_assert_nonnull (curl);
  curl_easy_setopt (curl, CURLOPT_URL, url);
  if (tls == TLS_STARTTLS)
    curl_easy_setopt (curl, CURLOPT_USE_SSL, (long) CURLUSESSL_ALL);
  apply_login (curl, login);
  curl_easy_setopt (curl, CURLOPT_MAIL_FROM, from);
  rcpts = curl_slist_append (rcpts, rcpt);
  curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, rcpts);
  curl_easy_setopt (curl, CURLOPT_READFUNCTION, read_payload);
  curl_easy_setopt (curl, CURLOPT_READDATA, &payload);
  curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
  rc = curl_easy_perform (curl);
  curl_slist_free_all (rcpts);
  curl_easy_cleanup (curl);
  return rc;
}

/* Runs one IMAP command (or, with COMMAND NULL, a plain fetch of PATH) and
 * returns curl's result; the server's untagged output lands in OUT. */
static CURLcode
imap_request (const char  *host,
              guint        port,
              TlsMode      tls,
              const Login *login,
              const char  *path,
              const char  *command,
              GString     *out)
{
  g_autofree char *url = make_url (tls == TLS_IMPLICIT ? "imaps" : "imap", host, port, path);
  CURL *curl;
  CURLcode rc;

  curl = curl_easy_init ();
  g_assert_nonnull (curl);
  curl_easy_setopt (curl, CURLOPT_URL, url);
  if (tls == TLS_STARTTLS)
    curl_easy_setopt (curl, CURLOPT_USE_SSL, (long) CURLUSESSL_ALL);
  apply_login (curl, login);
  if (command != NULL)
    curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, command);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, append_to_string);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, out);
  rc = curl_easy_perform (curl);
  curl_easy_cleanup (curl);
  return rc;
}

/* The UIDs of the "* SEARCH 3 7" line of a response. */
static GArray *
search_uids (const char *response)
{
  GArray *uids = g_array_new (FALSE, FALSE, sizeof (guint));
  g_auto(GStrv) lines = g_strsplit (response, "\r\n", -1);
  gboolean seen = FALSE;

  for (guint l = 0; lines[l] != NULL; l++)
    {
      g_auto(GStrv) words = NULL;

      if (!g_str_has_prefix (lines[l], "* SEARCH"))
        continue;
      seen = TRUE;
      words = g_strsplit (lines[l] + strlen ("* SEARCH"), " ", -1);
      for (guint i = 0; words[i] != NULL; i++)
        {
          guint64 uid;
          guint value;

          if (*words[i] == '\0')
            continue;
          g_assert_true (g_ascii_string_to_unsigned (words[i], 10, 1, G_MAXUINT32, &uid, NULL));
          value = (guint) uid;
          g_array_append_val (uids, value);
        }
    }
  g_assert_true (seen);
  return uids;
}

/* The highest UID in a SEARCH response, 0 for none. */
static guint
last_search_uid (const char *response)
{
  g_autoptr(GArray) uids = search_uids (response);
  guint last = 0;

  for (guint i = 0; i < uids->len; i++)
    last = MAX (last, g_array_index (uids, guint, i));
  return last;
}

/* Polls MAILBOX over IMAPS until a message whose subject holds TOKEN is
 * there; returns its raw text, or NULL after the delivery timeout. */
static char *
wait_for_message (KoiTestMailserver *ms,
                  const char        *user,
                  const char        *password,
                  const char        *mailbox,
                  const char        *token)
{
  Login login = { ms->ca_file, user, password };
  g_autofree char *search = g_strdup_printf ("UID SEARCH SUBJECT \"%s\"", token);
  gint64 deadline = g_get_monotonic_time () + DELIVERY_TIMEOUT_US;

  do
    {
      g_autoptr(GString) out = g_string_new (NULL);
      guint uid;

      g_assert_cmpint (imap_request (ms->host, ms->imaps_port, TLS_IMPLICIT, &login,
                                     mailbox, search, out), ==, CURLE_OK);
      uid = last_search_uid (out->str);
      if (uid != 0)
        {
          g_autoptr(GString) body = g_string_new (NULL);
          g_autofree char *path = g_strdup_printf ("%s/;UID=%u", mailbox, uid);

          g_assert_cmpint (imap_request (ms->host, ms->imaps_port, TLS_IMPLICIT, &login,
                                         path, NULL, body), ==, CURLE_OK);
          return g_string_free (g_steal_pointer (&body), FALSE);
        }
      g_usleep (G_USEC_PER_SEC / 5);
    }
  while (g_get_monotonic_time () < deadline);

  return NULL;
}

/* How many messages in MAILBOX have TOKEN in their subject, right now. */
static guint
count_matching (KoiTestMailserver *ms,
                const char        *user,
                const char        *password,
                const char        *mailbox,
                const char        *token)
{
  Login login = { ms->ca_file, user, password };
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *search = g_strdup_printf ("UID SEARCH SUBJECT \"%s\"", token);
  g_autoptr(GArray) uids = NULL;

  g_assert_cmpint (imap_request (ms->host, ms->imaps_port, TLS_IMPLICIT, &login,
                                 mailbox, search, out), ==, CURLE_OK);
  uids = search_uids (out->str);
  return uids->len;
}

static gboolean
port_open (const char *host,
           guint       port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  g_socket_client_set_timeout (client, 5);
  connection = g_socket_client_connect_to_host (client, host, port, NULL, NULL);
  return connection != NULL;
}

static guint
count_messages (KoiTestMailserver *ms,
                const char        *user,
                const char        *password,
                const char        *mailbox)
{
  Login login = { ms->ca_file, user, password };
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GArray) uids = NULL;

  g_assert_cmpint (imap_request (ms->host, ms->imaps_port, TLS_IMPLICIT, &login,
                                 mailbox, "UID SEARCH ALL", out), ==, CURLE_OK);
  uids = search_uids (out->str);
  return uids->len;
}

static char *
make_message (const char *from,
              const char *to,
              const char *subject,
              const char *body)
{
  return g_strdup_printf ("From: <%s>\n"
                          "To: <%s>\n"
                          "Subject: %s\n"
                          "Message-ID: <chat$%s@example.org>\n"
                          "MIME-Version: 1.0\n"
                          "Content-Type: text/plain; charset=UTF-8\n"
                          "\n"
                          "%s\n",
                          from, to, subject, subject, body);
}

static char *
unique_token (const char *what)
{
  return g_strdup_printf ("%s-%08x%08x", what, g_random_int (), g_random_int ());
}

/* Alice submits over submission (STARTTLS) and over SMTPS; Bob reads both
 * over IMAPS and over IMAP with STARTTLS: all four ports carry mail. */
static void
test_roundtrip (void)
{
  KoiTestMailserver *ms = shared_server ();
  Login alice = { ms->ca_file, ALICE, ALICE_PASSWORD };
  Login bob = { ms->ca_file, BOB, BOB_PASSWORD };
  g_autofree char *token1 = unique_token ("starttls");
  g_autofree char *token2 = unique_token ("smtps");
  g_autofree char *msg1 = make_message (ALICE, BOB, token1, "Hello Bob, over submission.");
  g_autofree char *msg2 = make_message (ALICE, BOB, token2, "Hello again, over SMTPS.");
  g_autofree char *got1 = NULL;
  g_autofree char *got2 = NULL;
  g_autoptr(GString) over_starttls = g_string_new (NULL);
  g_autofree char *subject_line = NULL;

  g_assert_cmpstr (ms->host, ==, "127.0.0.1");
  g_assert_true (g_path_is_absolute (ms->ca_file));

  g_assert_cmpint (smtp_send (ms->host, ms->submission_port, TLS_STARTTLS, &alice,
                              ALICE, BOB, msg1), ==, CURLE_OK);
  g_assert_cmpint (smtp_send (ms->host, ms->smtps_port, TLS_IMPLICIT, &alice,
                              ALICE, BOB, msg2), ==, CURLE_OK);

  got1 = wait_for_message (ms, BOB, BOB_PASSWORD, "INBOX", token1);
  g_assert_nonnull (got1);
  subject_line = g_strdup_printf ("Subject: %s\r\n", token1);
  g_assert_nonnull (strstr (got1, subject_line));
  g_assert_nonnull (strstr (got1, "\r\n\r\nHello Bob, over submission.\r\n"));

  got2 = wait_for_message (ms, BOB, BOB_PASSWORD, "INBOX", token2);
  g_assert_nonnull (got2);
  g_assert_nonnull (strstr (got2, "Hello again, over SMTPS."));

  /* The same mail through the STARTTLS port, and not in Alice's box. */
  g_assert_cmpint (imap_request (ms->host, ms->imap_port, TLS_STARTTLS, &bob, "INBOX",
                                 "UID SEARCH SUBJECT \"starttls\"", over_starttls), ==, CURLE_OK);
  g_assert_cmpuint (last_search_uid (over_starttls->str), >, 0);
  g_assert_cmpuint (count_messages (ms, ALICE, ALICE_PASSWORD, "INBOX"), ==, 0);
}

static void
test_wrong_password (void)
{
  KoiTestMailserver *ms = shared_server ();
  Login wrong = { ms->ca_file, BOB, "not-bobs-password" };
  Login unknown = { ms->ca_file, "carol@example.org", BOB_PASSWORD };
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *msg = make_message (BOB, ALICE, "wrong-password", "never sent");

  g_assert_cmpint (imap_request (ms->host, ms->imaps_port, TLS_IMPLICIT, &wrong, "INBOX",
                                 "NOOP", out), ==, CURLE_LOGIN_DENIED);
  g_assert_cmpint (imap_request (ms->host, ms->imap_port, TLS_STARTTLS, &wrong, "INBOX",
                                 "NOOP", out), ==, CURLE_LOGIN_DENIED);
  g_assert_cmpint (imap_request (ms->host, ms->imaps_port, TLS_IMPLICIT, &unknown, "INBOX",
                                 "NOOP", out), ==, CURLE_LOGIN_DENIED);
  g_assert_cmpint (smtp_send (ms->host, ms->submission_port, TLS_STARTTLS, &wrong,
                              BOB, ALICE, msg), ==, CURLE_LOGIN_DENIED);
  g_assert_cmpint (smtp_send (ms->host, ms->smtps_port, TLS_IMPLICIT, &wrong,
                              BOB, ALICE, msg), ==, CURLE_LOGIN_DENIED);
  g_assert_cmpuint (count_messages (ms, ALICE, ALICE_PASSWORD, "INBOX"), ==, 0);
}

/* Without the test CA the certificate must fail verification on every
 * port; with it, both names in the certificate verify. */
static void
test_tls_verified (void)
{
  KoiTestMailserver *ms = shared_server ();
  Login no_ca = { NULL, BOB, BOB_PASSWORD };
  Login with_ca = { ms->ca_file, BOB, BOB_PASSWORD };
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *msg = make_message (BOB, ALICE, "unverified", "never sent");

  g_assert_cmpint (imap_request (ms->host, ms->imaps_port, TLS_IMPLICIT, &no_ca, "INBOX",
                                 "NOOP", out), ==, CURLE_PEER_FAILED_VERIFICATION);
  g_assert_cmpint (imap_request (ms->host, ms->imap_port, TLS_STARTTLS, &no_ca, "INBOX",
                                 "NOOP", out), ==, CURLE_PEER_FAILED_VERIFICATION);
  g_assert_cmpint (smtp_send (ms->host, ms->submission_port, TLS_STARTTLS, &no_ca,
                              BOB, ALICE, msg), ==, CURLE_PEER_FAILED_VERIFICATION);
  g_assert_cmpint (smtp_send (ms->host, ms->smtps_port, TLS_IMPLICIT, &no_ca,
                              BOB, ALICE, msg), ==, CURLE_PEER_FAILED_VERIFICATION);

  g_assert_cmpint (imap_request ("localhost", ms->imaps_port, TLS_IMPLICIT, &with_ca, "INBOX",
                                 "NOOP", out), ==, CURLE_OK);
  g_assert_cmpint (imap_request ("127.0.0.1", ms->imaps_port, TLS_IMPLICIT, &with_ca, "INBOX",
                                 "NOOP", out), ==, CURLE_OK);
}

/* Nothing leaves the machine, and nobody sends without logging in. */
static void
test_no_relay (void)
{
  KoiTestMailserver *ms = shared_server ();
  Login alice = { ms->ca_file, ALICE, ALICE_PASSWORD };
  Login anonymous = { ms->ca_file, NULL, NULL };
  g_autofree char *outside = make_message (ALICE, "someone@elsewhere.invalid", "outside", "stays here");
  g_autofree char *anon = make_message ("mallory@elsewhere.invalid", BOB, "anonymous", "no login");
  g_autofree char *token = unique_token ("after-refusals");
  g_autofree char *control = make_message (ALICE, BOB, token, "control");
  g_autofree char *got = NULL;

  /* Even a logged-in user cannot send outside: refused at RCPT. */
  g_assert_cmpint (smtp_send (ms->host, ms->submission_port, TLS_STARTTLS, &alice,
                              ALICE, "someone@elsewhere.invalid", outside), ==, CURLE_SEND_ERROR);
  g_assert_cmpint (smtp_send (ms->host, ms->smtps_port, TLS_IMPLICIT, &alice,
                              ALICE, "someone@elsewhere.invalid", outside), ==, CURLE_SEND_ERROR);
  /* Unknown local users are refused too, not accepted and lost. */
  g_assert_cmpint (smtp_send (ms->host, ms->submission_port, TLS_STARTTLS, &alice,
                              ALICE, "nobody@example.org", outside), ==, CURLE_SEND_ERROR);
  /* Without AUTH: neither outside nor even to a local user. */
  g_assert_cmpint (smtp_send (ms->host, ms->submission_port, TLS_STARTTLS, &anonymous,
                              "mallory@elsewhere.invalid", "someone@elsewhere.invalid", anon),
                   ==, CURLE_SEND_ERROR);
  g_assert_cmpint (smtp_send (ms->host, ms->submission_port, TLS_STARTTLS, &anonymous,
                              "mallory@elsewhere.invalid", BOB, anon), ==, CURLE_SEND_ERROR);
  g_assert_cmpint (smtp_send (ms->host, ms->smtps_port, TLS_IMPLICIT, &anonymous,
                              "mallory@elsewhere.invalid", BOB, anon), ==, CURLE_SEND_ERROR);

  /* A message sent after the refusals arrives, and none of the refused
   * ones (nor a bounce of them) did. */
  g_assert_cmpint (smtp_send (ms->host, ms->submission_port, TLS_STARTTLS, &alice,
                              ALICE, BOB, control), ==, CURLE_OK);
  got = wait_for_message (ms, BOB, BOB_PASSWORD, "INBOX", token);
  g_assert_nonnull (got);
  g_assert_cmpuint (count_matching (ms, BOB, BOB_PASSWORD, "INBOX", "anonymous"), ==, 0);
  g_assert_cmpuint (count_messages (ms, ALICE, ALICE_PASSWORD, "INBOX"), ==, 0);
}

/* With IMAP down, submission still takes mail; it arrives once IMAP is back. */
static void
test_queue_while_imap_down (void)
{
  KoiTestMailserver *ms = shared_server ();
  Login alice = { ms->ca_file, ALICE, ALICE_PASSWORD };
  g_autoptr(GError) error = NULL;
  g_autofree char *token = unique_token ("queued");
  g_autofree char *msg = make_message (ALICE, BOB, token, "waited in the queue");
  g_autofree char *got = NULL;

  koi_test_mailserver_stop_service (ms, "imap", &error);
  g_assert_no_error (error);
  g_assert_false (koi_test_mailserver_port_open (ms, ms->imap_port));
  g_assert_false (koi_test_mailserver_port_open (ms, ms->imaps_port));
  g_assert_true (koi_test_mailserver_port_open (ms, ms->submission_port));

  g_assert_cmpint (smtp_send (ms->host, ms->submission_port, TLS_STARTTLS, &alice,
                              ALICE, BOB, msg), ==, CURLE_OK);

  koi_test_mailserver_start_service (ms, "imap", &error);
  g_assert_no_error (error);
  got = wait_for_message (ms, BOB, BOB_PASSWORD, "INBOX", token);
  g_assert_nonnull (got);
  g_assert_nonnull (strstr (got, "waited in the queue"));

  /* And the other way round: SMTP down, IMAP still serves. */
  koi_test_mailserver_stop_service (ms, "smtp", &error);
  g_assert_no_error (error);
  g_assert_false (koi_test_mailserver_port_open (ms, ms->submission_port));
  g_assert_false (koi_test_mailserver_port_open (ms, ms->smtps_port));
  g_assert_cmpuint (count_messages (ms, BOB, BOB_PASSWORD, "INBOX"), >, 0);
  koi_test_mailserver_start_service (ms, "smtp", &error);
  g_assert_no_error (error);
  g_assert_true (koi_test_mailserver_port_open (ms, ms->submission_port));
}

static void
test_inject (void)
{
  KoiTestMailserver *ms = shared_server ();
  g_autoptr(GError) error = NULL;
  g_autofree char *token = unique_token ("injected");
  g_autofree char *text = make_message (ALICE, BOB, token, "straight into the mailbox");
  g_autoptr(GBytes) raw = g_bytes_new (text, strlen (text));
  g_autofree char *got = NULL;

  koi_test_mailserver_inject (ms, BOB, "COI/Chats", raw, &error);
  g_assert_no_error (error);
  got = wait_for_message (ms, BOB, BOB_PASSWORD, "COI/Chats", token);
  g_assert_nonnull (got);
  g_assert_nonnull (strstr (got, "straight into the mailbox"));

  /* With IMAP down too: the message is there once it is back. */
  {
    g_autofree char *token2 = unique_token ("injected-offline");
    g_autofree char *text2 = make_message (ALICE, BOB, token2, "stored while IMAP was down");
    g_autoptr(GBytes) raw2 = g_bytes_new (text2, strlen (text2));
    g_autofree char *got2 = NULL;

    koi_test_mailserver_stop_service (ms, "imap", &error);
    g_assert_no_error (error);
    koi_test_mailserver_inject (ms, BOB, NULL, raw2, &error);
    g_assert_no_error (error);
    koi_test_mailserver_start_service (ms, "imap", &error);
    g_assert_no_error (error);
    got2 = wait_for_message (ms, BOB, BOB_PASSWORD, "INBOX", token2);
    g_assert_nonnull (got2);
    g_assert_nonnull (strstr (got2, "stored while IMAP was down"));
  }

  koi_test_mailserver_inject (ms, "carol@example.org", NULL, raw, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "not a user"));
}

/* A restart on the same folder keeps users and mail; stopping closes every
 * port; freeing removes the folder. */
static void
test_restart_and_stop (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiTestMailserver) ms = koi_test_mailserver_start (users, &error);
  g_autofree char *token = unique_token ("persistent");
  g_autofree char *msg = NULL;
  g_autofree char *got = NULL;
  g_autofree char *dir = NULL;
  Login alice;
  guint ports[4];

  g_assert_no_error (error);
  alice = (Login) { ms->ca_file, ALICE, ALICE_PASSWORD };
  ports[0] = ms->imap_port;
  ports[1] = ms->imaps_port;
  ports[2] = ms->submission_port;
  ports[3] = ms->smtps_port;
  g_assert_cmpuint (ms->imap_port, ==, ms->base_port);
  g_assert_cmpuint (ms->smtps_port, ==, ms->base_port + 3);

  msg = make_message (ALICE, BOB, token, "still here after a restart");
  g_assert_cmpint (smtp_send (ms->host, ms->submission_port, TLS_STARTTLS, &alice,
                              ALICE, BOB, msg), ==, CURLE_OK);
  got = wait_for_message (ms, BOB, BOB_PASSWORD, "INBOX", token);
  g_assert_nonnull (got);
  g_clear_pointer (&got, g_free);

  koi_test_mailserver_stop_service (ms, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (ports); i++)
    g_assert_false (koi_test_mailserver_port_open (ms, ports[i]));

  koi_test_mailserver_start_service (ms, NULL, &error);
  g_assert_no_error (error);
  got = wait_for_message (ms, BOB, BOB_PASSWORD, "INBOX", token);
  g_assert_nonnull (got);
  g_assert_nonnull (strstr (got, "still here after a restart"));

  dir = g_strdup (ms->dir);
  g_clear_pointer (&ms, koi_test_mailserver_free);
  for (guint i = 0; i < G_N_ELEMENTS (ports); i++)
    g_assert_false (port_open ("127.0.0.1", ports[i]));
  if (g_getenv ("KOI_TEST_KEEP_MAILSERVER") == NULL)
    g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

/* Two instances side by side: separate ports, mail, users and CAs. */
static void
test_side_by_side (void)
{
  const char * const other_users[] = { ALICE ":other-password", BOB ":" BOB_PASSWORD, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiTestMailserver) a = koi_test_mailserver_start (users, &error);
  g_autoptr(KoiTestMailserver) b = NULL;
  g_autofree char *token_a = unique_token ("only-in-a");
  g_autofree char *token_b = unique_token ("only-in-b");
  g_autofree char *msg_a = make_message (ALICE, BOB, token_a, "to instance a");
  g_autofree char *msg_b = make_message (ALICE, BOB, token_b, "to instance b");
  g_autofree char *got_a = NULL;
  g_autofree char *got_b = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  Login alice_a, alice_b, a_ca_on_b, old_password_on_b;

  g_assert_no_error (error);
  b = koi_test_mailserver_start (other_users, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (a->dir, !=, b->dir);
  g_assert_cmpuint (a->base_port, !=, b->base_port);
  g_assert_cmpstr (a->ca_file, !=, b->ca_file);

  alice_a = (Login) { a->ca_file, ALICE, ALICE_PASSWORD };
  alice_b = (Login) { b->ca_file, ALICE, "other-password" };
  a_ca_on_b = (Login) { a->ca_file, BOB, BOB_PASSWORD };
  old_password_on_b = (Login) { b->ca_file, ALICE, ALICE_PASSWORD };

  g_assert_cmpint (smtp_send (a->host, a->submission_port, TLS_STARTTLS, &alice_a,
                              ALICE, BOB, msg_a), ==, CURLE_OK);
  g_assert_cmpint (smtp_send (b->host, b->submission_port, TLS_STARTTLS, &alice_b,
                              ALICE, BOB, msg_b), ==, CURLE_OK);
  got_a = wait_for_message (a, BOB, BOB_PASSWORD, "INBOX", token_a);
  got_b = wait_for_message (b, BOB, BOB_PASSWORD, "INBOX", token_b);
  g_assert_nonnull (got_a);
  g_assert_nonnull (got_b);
  g_assert_cmpuint (count_messages (a, BOB, BOB_PASSWORD, "INBOX"), ==, 1);
  g_assert_cmpuint (count_messages (b, BOB, BOB_PASSWORD, "INBOX"), ==, 1);

  /* Each has its own CA and its own passwords. */
  g_assert_cmpint (imap_request (b->host, b->imaps_port, TLS_IMPLICIT, &a_ca_on_b, "INBOX",
                                 "NOOP", out), ==, CURLE_PEER_FAILED_VERIFICATION);
  g_assert_cmpint (imap_request (b->host, b->imaps_port, TLS_IMPLICIT, &old_password_on_b,
                                 "INBOX", "NOOP", out), ==, CURLE_LOGIN_DENIED);

  /* Stopping one leaves the other running. */
  koi_test_mailserver_stop_service (a, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (koi_test_mailserver_port_open (a, a->imaps_port));
  g_assert_true (koi_test_mailserver_port_open (b, b->imaps_port));
  g_assert_true (koi_test_mailserver_port_open (b, b->submission_port));
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);
  curl_global_init (CURL_GLOBAL_DEFAULT);

  g_test_add_func ("/mailserver/roundtrip", test_roundtrip);
  g_test_add_func ("/mailserver/wrong-password", test_wrong_password);
  g_test_add_func ("/mailserver/tls-verified", test_tls_verified);
  g_test_add_func ("/mailserver/no-relay", test_no_relay);
  g_test_add_func ("/mailserver/queue-while-imap-down", test_queue_while_imap_down);
  g_test_add_func ("/mailserver/inject", test_inject);
  g_test_add_func ("/mailserver/restart-and-stop", test_restart_and_stop);
  g_test_add_func ("/mailserver/side-by-side", test_side_by_side);

  result = g_test_run ();

  g_clear_pointer (&shared, koi_test_mailserver_free);
  curl_global_cleanup ();
  return result;
}
