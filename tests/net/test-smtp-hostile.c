/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-smtp-hostile"

#include "config.h"

#include <string.h>

#include "koi-fake-smtp-server.h"
#include "koi-smtp.h"

/* koi_smtp_send against a scripted server doing what Postfix does only on
 * a bad day or never on request: replies split over many writes, long
 * multi-line replies, 452 to one recipient, the message refused after the
 * recipients were taken, the line dropped, garbage, silence. Each test
 * checks what the engine and so the user would see: which recipient is
 * marked sent, which is retried, which failed for good and with which of
 * the server's words; and that the message went out once or not at all. */

#define FROM "alice@example.org"

#define MESSAGE \
  "From: <alice@example.org>\r\nTo: <a@example.org>\r\nSubject: Chat: hi\r\n" \
  "Message-ID: <chat$hostile@example.org>\r\nChat-Version: 1.0\r\n\r\n" \
  "The whole message, every byte of it, ends with this line.\r\n"

/* A reply the script writes: pieces split by '|' go out as separate
 * writes 30 ms apart; "<drop>" as a piece cuts the line there; "" says
 * nothing at all. */
#define DROP "<drop>"

typedef struct
{
  const char *mail;
  const char *rcpt[4];      /* the n-th RCPT's reply; NULL: rcpt_default */
  const char *rcpt_default;
  const char *data;         /* a 354 makes the server read the message */
  const char *end;          /* the reply to the final dot */

  /* Written on the server's thread, read after koi_smtp_send returned. */
  guint       n_rcpt;
  gsize       unread_at_mail;
  GBytes     *message;
} Scenario;

static void
scenario_init (Scenario *s)
{
  memset (s, 0, sizeof *s);
  s->mail = "250 2.1.0 Ok\r\n";
  s->rcpt_default = "250 2.1.5 Ok\r\n";
  s->data = "354 End data with <CR><LF>.<CR><LF>\r\n";
  s->end = "250 2.0.0 Ok: queued as Q1\r\n";
}

static void
scenario_clear (Scenario *s)
{
  g_clear_pointer (&s->message, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Scenario, scenario_clear)

/* FALSE if the line was dropped. */
static gboolean
write_reply (KoiFakeSmtpConn *conn,
             const char      *reply)
{
  g_auto(GStrv) pieces = g_strsplit (reply, "|", -1);

  for (guint i = 0; pieces[i] != NULL; i++)
    {
      if (strcmp (pieces[i], DROP) == 0)
        {
          koi_fake_smtp_conn_drop (conn);
          return FALSE;
        }
      if (i > 0)
        koi_fake_smtp_conn_pause (conn, 30);
      if (pieces[i][0] != '\0')
        koi_fake_smtp_conn_printf (conn, "%s", pieces[i]);
    }
  return TRUE;
}

static gboolean
scenario_script (KoiFakeSmtpConn *conn,
                 const char      *line,
                 gpointer         user_data)
{
  Scenario *s = user_data;

  if (g_ascii_strncasecmp (line, "MAIL FROM:", 10) == 0)
    {
      s->unread_at_mail = koi_fake_smtp_conn_get_unread (conn);
      return write_reply (conn, s->mail);
    }
  if (g_ascii_strncasecmp (line, "RCPT TO:", 8) == 0)
    {
      const char *reply = s->n_rcpt < G_N_ELEMENTS (s->rcpt) ? s->rcpt[s->n_rcpt] : NULL;

      s->n_rcpt++;
      return write_reply (conn, reply != NULL ? reply : s->rcpt_default);
    }
  if (g_ascii_strcasecmp (line, "DATA") == 0)
    {
      if (!write_reply (conn, s->data))
        return FALSE;
      if (!g_str_has_prefix (s->data, "354"))
        return TRUE;
      s->message = koi_fake_smtp_conn_read_data (conn);
      if (s->message == NULL)
        return FALSE;
      return write_reply (conn, s->end);
    }

  return koi_fake_smtp_conn_printf (conn, "502 5.5.2 Error: command not recognized\r\n");
}

static KoiFakeSmtpServer *
start_server (gboolean  pipelining,
              Scenario *s)
{
  g_autoptr(GError) error = NULL;
  KoiFakeSmtpServer *server = koi_fake_smtp_server_new (pipelining, scenario_script, s, &error);

  if (server == NULL)
    g_test_fail_printf ("cannot start the fake SMTP server: %s", error->message);
  return server;
}

static gboolean
send_to (KoiFakeSmtpServer   *server,
         const char * const  *to,
         const char          *message,
         GCancellable        *cancellable,
         GPtrArray          **out_results,
         GError             **error)
{
  g_autoptr(KoiServerConfig) config = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new_static (message, strlen (message));

  config = koi_server_config_new ("127.0.0.1", koi_fake_smtp_server_get_port (server),
                                  KOI_SECURITY_TLS, FROM, "hostile-secret-pw",
                                  koi_fake_smtp_server_get_ca_file (server));
  return koi_smtp_send (config, FROM, to, bytes, out_results, cancellable, error);
}

static guint
count (const char *haystack,
       const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static KoiSmtpRecipientResult *
result_at (GPtrArray *results,
           guint      i)
{
  return g_ptr_array_index (results, i);
}

static void
test_split_and_multiline (void)
{
  g_autoptr(KoiFakeSmtpServer) server = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *received = NULL;
  const char *to[] = { "a@example.org", "b@example.org", NULL };
  guint64 uploaded_before = koi_smtp_get_bytes_uploaded ();
  g_auto(Scenario) s = { 0, };

  scenario_init (&s);
  s.mail = "2|5|0 2.1.0 O|k\r|\n";
  s.rcpt[0] = "250-2.1.5 first line\r\n|250-2.1.5 second line\r\n|250 2.1.5 third line\r\n";
  s.rcpt[1] = "550-5.1.1 <b@example.org>: Recipient address rejected:\r\n|"
              "550 5.1.1 User unknown in virtual mailbox table\r\n";
  s.end = "25|0 2.0.0 Ok: queued as |Q1\r\n";
  server = start_server (TRUE, &s);
  if (server == NULL)
    return;

  g_assert_true (send_to (server, to, MESSAGE, NULL, &results, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 2);

  g_assert_cmpstr (result_at (results, 0)->address, ==, "a@example.org");
  g_assert_true (result_at (results, 0)->accepted);
  g_assert_cmpint (result_at (results, 0)->code, ==, 250);
  /* The accepted recipient carries the server's receipt for the message. */
  g_assert_cmpstr (result_at (results, 0)->reply, ==, "2.0.0 Ok: queued as Q1");

  g_assert_false (result_at (results, 1)->accepted);
  g_assert_true (result_at (results, 1)->permanent);
  g_assert_cmpint (result_at (results, 1)->code, ==, 550);
  /* Both lines of the server's words, joined. */
  g_assert_cmpstr (result_at (results, 1)->reply, ==,
                   "5.1.1 <b@example.org>: Recipient address rejected: "
                   "5.1.1 User unknown in virtual mailbox table");

  /* PIPELINING offered: the RCPTs were on the wire before MAIL's answer. */
  g_assert_cmpuint (s.unread_at_mail, >, 0);
  g_assert_nonnull (s.message);
  g_assert_cmpmem (g_bytes_get_data (s.message, NULL), g_bytes_get_size (s.message),
                   MESSAGE, strlen (MESSAGE));

  received = koi_fake_smtp_server_dup_received (server);
  g_assert_cmpuint (count (received, "\r\nDATA\r\n"), ==, 1);
  g_assert_cmpuint (count (received, "Subject: Chat: hi"), ==, 1);
  g_assert_cmpuint (count (received, "\r\nQUIT\r\n"), ==, 1);
  /* The counter the benchmark reads is what Koi itself put on the line. */
  g_assert_cmpuint (koi_smtp_get_bytes_uploaded () - uploaded_before, ==,
                    strlen (strstr (received, "MAIL FROM:")));
}

static void
test_rcpt_temporary (void)
{
  g_autoptr(KoiFakeSmtpServer) server = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  const char *to[] = { "a@example.org", "b@example.org", "c@example.org", NULL };
  g_auto(Scenario) s = { 0, };

  scenario_init (&s);
  s.rcpt[1] = "452 4.5.3 Error: too many recipients\r\n";
  server = start_server (TRUE, &s);
  if (server == NULL)
    return;

  g_assert_true (send_to (server, to, MESSAGE, NULL, &results, &error));
  g_assert_no_error (error);
  g_assert_true (result_at (results, 0)->accepted);
  /* Tried again later, not given up on. */
  g_assert_false (result_at (results, 1)->accepted);
  g_assert_false (result_at (results, 1)->permanent);
  g_assert_cmpint (result_at (results, 1)->code, ==, 452);
  g_assert_cmpstr (result_at (results, 1)->reply, ==, "4.5.3 Error: too many recipients");
  g_assert_true (result_at (results, 2)->accepted);
  g_assert_nonnull (s.message);
  g_assert_cmpuint (s.n_rcpt, ==, 3);
}

static void
test_no_pipelining (void)
{
  g_autoptr(KoiFakeSmtpServer) server = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *received = NULL;
  const char *to[] = { "a@example.org", "b@example.org", NULL };
  g_auto(Scenario) s = { 0, };

  scenario_init (&s);
  s.rcpt[0] = "550 5.1.1 User unknown\r\n";
  server = start_server (FALSE, &s);
  if (server == NULL)
    return;

  g_assert_true (send_to (server, to, MESSAGE, NULL, &results, &error));
  g_assert_no_error (error);
  /* Without PIPELINING one command waits for the answer to the last. */
  g_assert_cmpuint (s.unread_at_mail, ==, 0);
  g_assert_false (result_at (results, 0)->accepted);
  g_assert_cmpint (result_at (results, 0)->code, ==, 550);
  g_assert_true (result_at (results, 1)->accepted);
  received = koi_fake_smtp_server_dup_received (server);
  g_assert_cmpuint (count (received, "Subject: Chat: hi"), ==, 1);
}

static void
test_data_refused (void)
{
  g_autoptr(KoiFakeSmtpServer) server = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *received = NULL;
  const char *to[] = { "a@example.org", "b@example.org", "c@example.org", NULL };
  g_auto(Scenario) s = { 0, };

  scenario_init (&s);
  s.rcpt[2] = "550 5.1.1 User unknown\r\n";
  s.data = "554 5.3.4 Message too big for system\r\n";
  server = start_server (TRUE, &s);
  if (server == NULL)
    return;

  g_assert_true (send_to (server, to, MESSAGE, NULL, &results, &error));
  g_assert_no_error (error);
  /* Taken as recipients, but nobody got the message: failed for good. */
  for (guint i = 0; i < 2; i++)
    {
      g_assert_false (result_at (results, i)->accepted);
      g_assert_true (result_at (results, i)->permanent);
      g_assert_cmpint (result_at (results, i)->code, ==, 554);
      g_assert_cmpstr (result_at (results, i)->reply, ==, "5.3.4 Message too big for system");
    }
  g_assert_cmpint (result_at (results, 2)->code, ==, 550);

  received = koi_fake_smtp_server_dup_received (server);
  g_assert_cmpuint (count (received, "Subject: Chat: hi"), ==, 0);
  g_assert_cmpuint (count (received, "\r\nQUIT\r\n"), ==, 1);
}

static void
test_end_refused_temporary (void)
{
  g_autoptr(KoiFakeSmtpServer) server = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  const char *to[] = { "a@example.org", "b@example.org", NULL };
  g_auto(Scenario) s = { 0, };

  scenario_init (&s);
  s.end = "451 4.3.0 Error: queue file write error\r\n";
  server = start_server (TRUE, &s);
  if (server == NULL)
    return;

  g_assert_true (send_to (server, to, MESSAGE, NULL, &results, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_false (result_at (results, i)->accepted);
      g_assert_false (result_at (results, i)->permanent);
      g_assert_cmpint (result_at (results, i)->code, ==, 451);
    }
}

static void
test_drop_after_rcpt (void)
{
  g_autoptr(KoiFakeSmtpServer) server = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  const char *to[] = { "a@example.org", "b@example.org", NULL };
  g_auto(Scenario) s = { 0, };

  scenario_init (&s);
  s.rcpt[1] = "550 5.1.1 User unknown\r\n";
  s.data = DROP;
  server = start_server (TRUE, &s);
  if (server == NULL)
    return;

  g_assert_true (send_to (server, to, MESSAGE, NULL, &results, &error));
  g_assert_no_error (error);
  /* Not sent, to be tried again: the reason says the line broke. */
  g_assert_false (result_at (results, 0)->accepted);
  g_assert_false (result_at (results, 0)->permanent);
  g_test_message ("%s", result_at (results, 0)->reply);
  g_assert_nonnull (strstr (result_at (results, 0)->reply, "127.0.0.1"));
  /* The refusal that came before the drop still counts. */
  g_assert_true (result_at (results, 1)->permanent);
  g_assert_cmpint (result_at (results, 1)->code, ==, 550);
  g_assert_null (s.message);
}

static void
test_drop_mid_reply (void)
{
  g_autoptr(KoiFakeSmtpServer) server = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  const char *to[] = { "a@example.org", "b@example.org", NULL };
  g_auto(Scenario) s = { 0, };

  scenario_init (&s);
  s.rcpt[1] = "250-2.1.5 half a re|" DROP;
  server = start_server (TRUE, &s);
  if (server == NULL)
    return;

  /* Not every recipient answered and no DATA went out: nobody got it. */
  g_assert_false (send_to (server, to, MESSAGE, NULL, &results, &error));
  g_assert_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_DISCONNECTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "closed the connection"));
  g_assert_null (results);
  g_assert_null (s.message);
}

static void
test_all_refused (void)
{
  g_autoptr(KoiFakeSmtpServer) server = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *received = NULL;
  const char *to[] = { "a@example.org", "not an address", "b@example.org", NULL };
  g_auto(Scenario) s = { 0, };

  scenario_init (&s);
  s.rcpt[1] = "550 5.1.1 User unknown\r\n";
  s.rcpt_default = "450 4.2.0 Greylisted, try again\r\n";
  server = start_server (TRUE, &s);
  if (server == NULL)
    return;

  g_assert_true (send_to (server, to, MESSAGE, NULL, &results, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 3);
  g_assert_cmpint (result_at (results, 0)->code, ==, 450);
  g_assert_false (result_at (results, 0)->permanent);
  /* Never asked the server about it. */
  g_assert_true (result_at (results, 1)->permanent);
  g_assert_cmpint (result_at (results, 1)->code, ==, 0);
  g_assert_cmpint (result_at (results, 2)->code, ==, 550);
  g_assert_cmpuint (s.n_rcpt, ==, 2);

  received = koi_fake_smtp_server_dup_received (server);
  g_assert_cmpuint (count (received, "DATA"), ==, 0);
  g_assert_cmpuint (count (received, "\r\nQUIT\r\n"), ==, 1);
}

static void
test_sender_refused (void)
{
  g_autoptr(KoiFakeSmtpServer) server = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *received = NULL;
  const char *to[] = { "a@example.org", NULL };
  g_auto(Scenario) s = { 0, };

  scenario_init (&s);
  s.mail = "553 5.7.1 <alice@example.org>: Sender address rejected: not owned by user\r\n";
  s.rcpt_default = "503 5.5.1 Error: need MAIL command\r\n";
  server = start_server (TRUE, &s);
  if (server == NULL)
    return;

  g_assert_false (send_to (server, to, MESSAGE, NULL, &results, &error));
  g_assert_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_PERMANENT);
  g_assert_nonnull (strstr (error->message, "not owned by user"));
  g_assert_null (results);
  received = koi_fake_smtp_server_dup_received (server);
  g_assert_cmpuint (count (received, "DATA"), ==, 0);
}

static void
test_garbage (void)
{
  g_autofree char *xs = g_strnfill (5000, 'x');
  g_autofree char *long_line = g_strdup_printf ("250 %s\r\n", xs);
  const char *replies[] = { "HTTP/1.1 400 Bad Request\r\n", long_line };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_autoptr(KoiFakeSmtpServer) server = NULL;
      g_autoptr(GPtrArray) results = NULL;
      g_autoptr(GError) error = NULL;
      const char *to[] = { "a@example.org", NULL };
      g_auto(Scenario) s = { 0, };

      scenario_init (&s);
      s.mail = replies[i];
      server = start_server (TRUE, &s);
      if (server == NULL)
        return;

      g_assert_false (send_to (server, to, MESSAGE, NULL, &results, &error));
      g_assert_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_DISCONNECTED);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "not SMTP"));
      g_assert_null (s.message);
    }
}

static void
test_dot_stuffing (void)
{
  g_autoptr(KoiFakeSmtpServer) server = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  const char *to[] = { "a@example.org", NULL };
  const char *message = ".starts with a dot\r\n\r\n.\r\nmiddle\r\n..two\r\nno CRLF at the end";
  const char *wire = "..starts with a dot\r\n\r\n..\r\nmiddle\r\n...two\r\nno CRLF at the end\r\n";
  g_auto(Scenario) s = { 0, };

  scenario_init (&s);
  server = start_server (TRUE, &s);
  if (server == NULL)
    return;

  g_assert_true (send_to (server, to, message, NULL, &results, &error));
  g_assert_no_error (error);
  g_assert_true (result_at (results, 0)->accepted);
  /* A lone "." line inside the message did not end it early. */
  g_assert_nonnull (s.message);
  g_assert_cmpmem (g_bytes_get_data (s.message, NULL), g_bytes_get_size (s.message),
                   wire, strlen (wire));
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static gpointer
cancel_thread (gpointer data)
{
  g_usleep (300 * 1000);
  cancel_later (data);
  return NULL;
}

static void
test_cancel_silent_server (void)
{
  g_autoptr(KoiFakeSmtpServer) server = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  const char *to[] = { "a@example.org", NULL };
  GThread *thread;
  gint64 start;
  g_auto(Scenario) s = { 0, };

  scenario_init (&s);
  s.rcpt[0] = "";
  server = start_server (TRUE, &s);
  if (server == NULL)
    return;

  start = g_get_monotonic_time ();
  thread = g_thread_new ("cancel", cancel_thread, cancellable);
  g_assert_false (send_to (server, to, MESSAGE, cancellable, &results, &error));
  g_thread_join (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Stopped at once, not after the 60 s reply timeout. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_null (s.message);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/smtp-hostile/split-and-multiline", test_split_and_multiline);
  g_test_add_func ("/net/smtp-hostile/rcpt-temporary", test_rcpt_temporary);
  g_test_add_func ("/net/smtp-hostile/no-pipelining", test_no_pipelining);
  g_test_add_func ("/net/smtp-hostile/data-refused", test_data_refused);
  g_test_add_func ("/net/smtp-hostile/end-refused-temporary", test_end_refused_temporary);
  g_test_add_func ("/net/smtp-hostile/drop-after-rcpt", test_drop_after_rcpt);
  g_test_add_func ("/net/smtp-hostile/drop-mid-reply", test_drop_mid_reply);
  g_test_add_func ("/net/smtp-hostile/all-refused", test_all_refused);
  g_test_add_func ("/net/smtp-hostile/sender-refused", test_sender_refused);
  g_test_add_func ("/net/smtp-hostile/garbage", test_garbage);
  g_test_add_func ("/net/smtp-hostile/dot-stuffing", test_dot_stuffing);
  g_test_add_func ("/net/smtp-hostile/cancel-silent-server", test_cancel_silent_server);

  return g_test_run ();
}
