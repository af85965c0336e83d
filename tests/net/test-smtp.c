/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-smtp"

#include "config.h"

#include <string.h>

#include "koi-smtp.h"
#include "koi-smtp-verify.h"
#include "koi-test-mailserver.h"

/* koi_smtp_send and koi_smtp_verify against a private Postfix (with Dovecot
 * behind it) started for this test binary: what a user sees when sending
 * to several people at once, and when the account's settings are wrong.
 * Deliveries are counted in the recipients' Maildirs, so a second copy
 * would show. */

static const char *users[] = {
  "alice@example.org:alice-secret",
  "bob@example.org:bob-secret",
  "carol@example.org:carol-secret",
  NULL,
};

static KoiTestMailserver *server;
static char *start_failure;   /* why the server did not start */

/* A server that does not start is a failure, not a skip: a skipped
 * integration suite looks green while testing nothing. */
#define REQUIRE_SERVER() G_STMT_START {                                       \
    if (server == NULL) { g_test_fail_printf ("%s", start_failure); return; } \
  } G_STMT_END

static KoiServerConfig *
smtp_config (KoiSecurity  security,
             const char  *password,
             gboolean     with_ca)
{
  return koi_server_config_new (server->host,
                                security == KOI_SECURITY_TLS ? server->smtps_port
                                                             : server->submission_port,
                                security, "alice@example.org", password,
                                with_ca ? server->ca_file : NULL);
}

/* About 4 KB, 7-bit, CRLF, with a line that starts with a dot. */
static GBytes *
make_message (const char *message_id)
{
  GString *msg = g_string_new (NULL);

  g_string_append_printf (msg,
                          "From: <alice@example.org>\r\nTo: <bob@example.org>\r\n"
                          "Subject: Chat: test\r\nMessage-ID: <%s>\r\n"
                          "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nChat-Version: 1.0\r\n"
                          "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                          ".a line that starts with a dot\r\n", message_id);
  while (msg->len < 4000)
    g_string_append (msg, "The quick brown fox jumps over the lazy dog, again and again.\r\n");
  return g_string_free_to_bytes (msg);
}

/* Copies of the message `message_id` in `user`'s Maildir (new and cur). */
static guint
count_copies (const char *user,
              const char *message_id)
{
  g_autofree char *header = g_strdup_printf ("Message-ID: <%s>", message_id);
  const char *subdirs[] = { "new", "cur" };
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *path = g_build_filename (server->dir, "mail", "example.org", user,
                                                "Maildir", subdirs[i], NULL);
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *file = g_build_filename (path, name, NULL);
          g_autofree char *contents = NULL;

          if (g_file_get_contents (file, &contents, NULL, NULL) && strstr (contents, header) != NULL)
            n++;
        }
    }
  return n;
}

/* Waits until Postfix holds nothing (each message it took was delivered or
 * bounced): then a second copy would be in a mailbox already. A barrier,
 * not a pause long enough on a fast machine. */
static void
assert_one_copy_each (const char * const *users_,
                      const char         *message_id)
{
  koi_test_mailserver_wait_for_empty_queue (server);

  for (guint i = 0; users_[i] != NULL; i++)
    {
      g_test_message ("%s: %u copies", users_[i], count_copies (users_[i], message_id));
      g_assert_cmpuint (count_copies (users_[i], message_id), ==, 1);
    }
}

static void
test_three_recipients_one_refused (void)
{
  g_autoptr(KoiServerConfig) config = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GBytes) message = make_message ("chat$three@example.org");
  g_autoptr(GError) error = NULL;
  const char *to[] = { "bob@example.org", "carol@example.org", "nobody@example.org", NULL };
  const char *delivered[] = { "bob", "carol", NULL };
  guint64 before = koi_smtp_get_bytes_uploaded ();
  guint64 uploaded;
  KoiSmtpRecipientResult *r;

  REQUIRE_SERVER ();

  config = smtp_config (KOI_SECURITY_STARTTLS, "alice-secret", TRUE);
  g_assert_true (koi_smtp_send (config, "alice@example.org", to, message, &results, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 3);

  for (guint i = 0; i < 2; i++)
    {
      r = results->pdata[i];
      g_assert_cmpstr (r->address, ==, to[i]);
      g_assert_true (r->accepted);
      g_assert_cmpint (r->code, ==, 250);
      /* Postfix's receipt for the one message both were given. */
      g_assert_nonnull (strstr (r->reply, "queued as"));
    }
  g_assert_cmpstr (((KoiSmtpRecipientResult *) results->pdata[0])->reply, ==,
                   ((KoiSmtpRecipientResult *) results->pdata[1])->reply);

  r = results->pdata[2];
  g_test_message ("refused: %d %s", r->code, r->reply);
  g_assert_false (r->accepted);
  g_assert_true (r->permanent);
  g_assert_cmpint (r->code, ==, 550);
  /* The server's own words for this recipient. */
  g_assert_nonnull (strstr (r->reply, "nobody@example.org"));
  g_assert_nonnull (strstr (r->reply, "User unknown"));

  /* One upload for three recipients: the message once, plus commands. */
  uploaded = koi_smtp_get_bytes_uploaded () - before;
  g_test_message ("uploaded %" G_GUINT64_FORMAT " bytes for a %" G_GSIZE_FORMAT "-byte message",
                  uploaded, g_bytes_get_size (message));
  g_assert_cmpuint (uploaded, >, g_bytes_get_size (message));
  g_assert_cmpuint (uploaded, <, g_bytes_get_size (message) + 300);

  assert_one_copy_each (delivered, "chat$three@example.org");
}

static void
test_starttls_and_tls (void)
{
  KoiSecurity kinds[] = { KOI_SECURITY_STARTTLS, KOI_SECURITY_TLS };

  REQUIRE_SERVER ();

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(KoiServerConfig) config = smtp_config (kinds[i], "alice-secret", TRUE);
      g_autofree char *id = g_strdup_printf ("chat$port%u@example.org", i);
      g_autoptr(GBytes) message = make_message (id);
      g_autoptr(GPtrArray) results = NULL;
      g_autoptr(GError) error = NULL;
      const char *to[] = { "bob@example.org", NULL };
      const char *delivered[] = { "bob", NULL };

      g_assert_true (koi_smtp_verify (config, NULL, &error));
      g_assert_no_error (error);

      g_assert_true (koi_smtp_send (config, "alice@example.org", to, message, &results, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (results->len, ==, 1);
      g_assert_true (((KoiSmtpRecipientResult *) results->pdata[0])->accepted);

      assert_one_copy_each (delivered, id);
    }
}

static void
test_wrong_password (void)
{
  KoiSecurity kinds[] = { KOI_SECURITY_STARTTLS, KOI_SECURITY_TLS };

  REQUIRE_SERVER ();

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(KoiServerConfig) config = smtp_config (kinds[i], "not-her-password", TRUE);
      g_autoptr(GBytes) message = make_message ("chat$nopw@example.org");
      g_autoptr(GPtrArray) results = NULL;
      g_autoptr(GError) error = NULL;
      const char *to[] = { "bob@example.org", NULL };

      g_assert_false (koi_smtp_send (config, "alice@example.org", to, message, &results, NULL, &error));
      g_assert_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_AUTH_FAILED);
      g_test_message ("%s", error->message);
      g_assert_null (results);
      /* Says whose login, quotes the server, never shows the password. */
      g_assert_nonnull (strstr (error->message, "alice@example.org"));
      g_assert_nonnull (strstr (error->message, "535"));
      g_assert_null (strstr (error->message, "not-her-password"));
      g_clear_error (&error);

      g_assert_false (koi_smtp_verify (config, NULL, &error));
      g_assert_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_AUTH_FAILED);
    }

  g_assert_cmpuint (count_copies ("bob", "chat$nopw@example.org"), ==, 0);
}

static void
test_untrusted_certificate (void)
{
  KoiSecurity kinds[] = { KOI_SECURITY_STARTTLS, KOI_SECURITY_TLS };

  REQUIRE_SERVER ();

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      /* The system's CAs only: the test CA is not among them. */
      g_autoptr(KoiServerConfig) config = smtp_config (kinds[i], "alice-secret", FALSE);
      g_autoptr(GBytes) message = make_message ("chat$noca@example.org");
      g_autoptr(GPtrArray) results = NULL;
      g_autoptr(GError) error = NULL;
      const char *to[] = { "bob@example.org", NULL };

      g_assert_false (koi_smtp_send (config, "alice@example.org", to, message, &results, NULL, &error));
      g_assert_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_TLS_CERTIFICATE);
      g_assert_null (results);
    }
}

static void
test_server_down (void)
{
  g_autoptr(KoiServerConfig) config = NULL;
  g_autoptr(GBytes) message = make_message ("chat$down@example.org");
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  const char *to[] = { "bob@example.org", NULL };

  REQUIRE_SERVER ();

  g_assert_true (koi_test_mailserver_stop_service (server, "smtp", &error));
  g_assert_no_error (error);

  config = smtp_config (KOI_SECURITY_STARTTLS, "alice-secret", TRUE);
  g_assert_false (koi_smtp_send (config, "alice@example.org", to, message, &results, NULL, &error));
  g_assert_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_REFUSED);
  g_test_message ("%s", error->message);
  g_assert_null (results);
  g_clear_error (&error);

  /* Back up: the same settings work again. */
  g_assert_true (koi_test_mailserver_start_service (server, "smtp", &error));
  g_assert_no_error (error);
  g_assert_true (koi_smtp_send (config, "alice@example.org", to, message, &results, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (((KoiSmtpRecipientResult *) results->pdata[0])->accepted);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  server = koi_test_mailserver_start (users, &error);
  if (server == NULL)
    start_failure = g_strdup_printf ("the private mail server did not start: %s", error->message);

  g_test_add_func ("/net/smtp/three-recipients-one-refused", test_three_recipients_one_refused);
  g_test_add_func ("/net/smtp/starttls-and-tls", test_starttls_and_tls);
  g_test_add_func ("/net/smtp/wrong-password", test_wrong_password);
  g_test_add_func ("/net/smtp/untrusted-certificate", test_untrusted_certificate);
  g_test_add_func ("/net/smtp/server-down", test_server_down);

  ret = g_test_run ();
  g_clear_pointer (&server, koi_test_mailserver_free);
  g_free (start_failure);
  return ret;
}
