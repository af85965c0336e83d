/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-cert-trust"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "koi-test-cli.h"

/* Trusting one certificate per account, against the real Dovecot and
 * Postfix with a certificate from a CA Koi is not told about: what a
 * self-signed server looks like to a client. Everything through koi-cli,
 * as a user or script would. */

#define EXIT_UNTRUSTED_CERTIFICATE 5

/* The server certificate's SHA-256 as `openssl x509 -fingerprint -sha256`
 * prints it, computed here from the file the server uses, not by Koi. */
static char *
server_fingerprint (KoiTestCli *cli)
{
  g_autofree char *path = g_build_filename (cli->server->dir, "tls", "server.pem", NULL);
  g_autofree char *pem = NULL;
  g_autoptr (GString) b64 = g_string_new (NULL);
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *der = NULL;
  g_autoptr (GString) hex = g_string_new (NULL);
  guint8 digest[32];
  gsize digest_len = sizeof digest, der_len = 0;
  const char *begin, *end;

  g_assert_true (g_file_get_contents (path, &pem, NULL, NULL));
  begin = strstr (pem, "-----BEGIN CERTIFICATE-----");
  g_assert_nonnull (begin);
  begin += strlen ("-----BEGIN CERTIFICATE-----");
  end = strstr (begin, "-----END CERTIFICATE-----");
  g_assert_nonnull (end);
  for (const char *c = begin; c < end; c++)
    if (!g_ascii_isspace (*c))
      g_string_append_c (b64, *c);
  der = g_base64_decode (b64->str, &der_len);
  g_checksum_update (checksum, der, der_len);
  g_checksum_get_digest (checksum, digest, &digest_len);
  for (gsize i = 0; i < digest_len; i++)
    g_string_append_printf (hex, "%s%02X", i > 0 ? ":" : "", digest[i]);
  return g_strdup (hex->str);
}

/* Gives the server a new key and certificate and restarts it, as an
 * administrator renewing a self-signed certificate would. */
static void
replace_certificate (KoiTestCli *cli,
                     const char *only)
{
  g_autofree char *pem = g_build_filename (cli->server->dir, "tls", "server.pem", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (koi_test_mailserver_stop_service (cli->server, only, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_unlink (pem), ==, 0);
  g_assert_true (koi_test_mailserver_start_service (cli->server, only, &error));
  g_assert_no_error (error);
}

/* Restarts one service, which then reads the certificate file again. */
static void
restart (KoiTestCli *cli,
         const char *only)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (koi_test_mailserver_stop_service (cli->server, only, &error));
  g_assert_no_error (error);
  g_assert_true (koi_test_mailserver_start_service (cli->server, only, &error));
  g_assert_no_error (error);
}

static int
add_account (KoiTestCli  *cli,
             const char  *profile,
             const char  *address,
             const char  *password,
             const char  *fingerprint,
             char       **err)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autofree char *imap = g_strdup_printf ("%s:%u", cli->server->host, cli->server->imaps_port);
  g_autofree char *smtp = g_strdup_printf ("%s:%u", cli->server->host, cli->server->submission_port);
  g_autofree char *input = g_strdup_printf ("%s\n", password);

  /* IMAP over TLS, SMTP with STARTTLS: both ways a certificate arrives. */
  if (fingerprint == NULL)
    return koi_test_cli_run (cli, input, NULL, err, "--profile", dir, "account", "add",
                             "--email", address, "--imap", imap, "--imap-security", "tls",
                             "--smtp", smtp, "--smtp-security", "starttls",
                             "--password-stdin", NULL);
  return koi_test_cli_run (cli, input, NULL, err, "--profile", dir, "account", "add",
                           "--email", address, "--imap", imap, "--imap-security", "tls",
                           "--smtp", smtp, "--smtp-security", "starttls",
                           "--trust-fingerprint", fingerprint, "--password-stdin", NULL);
}

static gboolean
chat_has_text (KoiTestCli *cli,
               const char *profile,
               const char *peer,
               const char *text)
{
  g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, profile, peer);

  for (guint i = 0; i < messages->len; i++)
    if (g_strcmp0 (json_object_get_string_member_with_default (messages->pdata[i], "text", NULL), text) == 0)
      return TRUE;
  return FALSE;
}

static void
test_trust_and_change (void)
{
  const char *users[] = { "alice@example.org:alice-secret", "bob@example.org:bob-secret", NULL };
  KoiTestCli *cli = koi_test_cli_new_with_users (users);
  g_autofree char *alice = koi_test_cli_profile (cli, "alice");
  g_autofree char *old_fp = server_fingerprint (cli);
  g_autofree char *new_fp = NULL;
  g_autofree char *err = NULL;
  g_autofree char *wrong = g_strdup (old_fp);
  g_autofree char *id = NULL;

  /* Unverified: refused, and the user is shown which certificate it is. */
  g_assert_cmpint (add_account (cli, "alice", "alice@example.org", "alice-secret", NULL, &err),
                   ==, EXIT_UNTRUSTED_CERTIFICATE);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, old_fp));
  g_assert_nonnull (strstr (err, "CN = localhost"));
  g_assert_nonnull (strstr (err, "unable to get local issuer certificate"));
  g_assert_nonnull (strstr (err, "--trust-fingerprint"));
  g_assert_false (g_file_test (alice, G_FILE_TEST_EXISTS) &&
                  koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", alice, "sync", NULL) == 0);
  g_clear_pointer (&err, g_free);

  /* A fingerprint that is not the server's trusts nothing. */
  wrong[strlen (wrong) - 1] = wrong[strlen (wrong) - 1] == '0' ? '1' : '0';
  g_assert_cmpint (add_account (cli, "alice", "alice@example.org", "alice-secret", wrong, &err),
                   ==, EXIT_UNTRUSTED_CERTIFICATE);
  g_assert_nonnull (strstr (err, "None of the fingerprints given"));
  g_assert_nonnull (strstr (err, old_fp));
  g_clear_pointer (&err, g_free);

  /* Trusted by its fingerprint: sending (SMTP) and receiving (IMAP) work,
   * in lower case without colons too, as people copy it. */
  g_assert_cmpint (add_account (cli, "alice", "alice@example.org", "alice-secret", old_fp, NULL), ==, 0);
  {
    g_autofree char *plain = g_ascii_strdown (old_fp, -1);
    g_auto (GStrv) pairs = g_strsplit (plain, ":", -1);
    g_autofree char *joined = g_strjoinv ("", pairs);

    g_assert_cmpint (add_account (cli, "bob", "bob@example.org", "bob-secret", joined, NULL), ==, 0);
  }
  id = koi_test_cli_send (cli, "alice", "bob@example.org", "over a pinned certificate");
  g_assert_nonnull (id);
  koi_test_mailserver_wait_for_empty_queue (cli->server);
  {
    g_autofree char *bob = koi_test_cli_profile (cli, "bob");

    g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "sync", NULL), ==, 0);
  }
  g_assert_true (chat_has_text (cli, "bob", "alice@example.org", "over a pinned certificate"));

  /* A new certificate on the SMTP server only: sending is refused, naming
   * the trusted certificate and the new one, while receiving still works
   * (each server has its own pin). */
  replace_certificate (cli, "smtp");
  new_fp = server_fingerprint (cli);
  g_assert_cmpstr (new_fp, !=, old_fp);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", alice, "send",
                                     "bob@example.org", "must wait", NULL), !=, 0);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "has changed"));
  g_assert_nonnull (strstr (err, g_strdup_printf (":%u", cli->server->submission_port)));
  g_assert_nonnull (strstr (err, old_fp));
  g_assert_nonnull (strstr (err, new_fp));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", alice, "sync", NULL),
                   ==, EXIT_UNTRUSTED_CERTIFICATE);
  g_assert_nonnull (strstr (err, g_strdup_printf (":%u", cli->server->submission_port)));
  g_assert_null (strstr (err, g_strdup_printf (":%u", cli->server->imaps_port)));
  g_clear_pointer (&err, g_free);

  /* Then on the IMAP server too: receiving is refused the same way. */
  restart (cli, "imap");
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", alice, "sync", NULL),
                   ==, EXIT_UNTRUSTED_CERTIFICATE);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, g_strdup_printf (":%u has changed", cli->server->imaps_port)));
  g_assert_nonnull (strstr (err, old_fp));
  g_assert_nonnull (strstr (err, new_fp));
  g_assert_nonnull (strstr (err, "account trust"));
  g_clear_pointer (&err, g_free);

  /* Trusting the old one again changes nothing; the new one, reviewed,
   * works for both servers, and what waited is sent. */
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", alice, "account", "trust",
                                     "--fingerprint", old_fp, NULL), !=, 0);
  g_assert_nonnull (strstr (err, new_fp));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", alice, "account", "trust",
                                     "--fingerprint", new_fp, NULL), ==, 0);
  g_assert_nonnull (strstr (err, g_strdup_printf ("%u", cli->server->imaps_port)));
  g_assert_nonnull (strstr (err, g_strdup_printf ("%u", cli->server->submission_port)));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", alice, "sync", NULL), ==, 0);
  koi_test_mailserver_wait_for_empty_queue (cli->server);
  {
    g_autofree char *bob = koi_test_cli_profile (cli, "bob");

    /* Bob trusted the old certificate: he is refused now too. */
    g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "sync", NULL),
                     ==, EXIT_UNTRUSTED_CERTIFICATE);
    g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "account", "trust",
                                       "--fingerprint", new_fp, NULL), ==, 0);
    g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "sync", NULL), ==, 0);
  }
  g_assert_true (chat_has_text (cli, "bob", "alice@example.org", "must wait"));

  koi_test_cli_free (cli);
}

/* --account picks one of several accounts in one profile. */
static void
test_choose_account (void)
{
  const char *users[] = { "alice@example.org:alice-secret", "carol@example.org:carol-secret",
                          "bob@example.org:bob-secret", NULL };
  KoiTestCli *cli = koi_test_cli_new_with_users (users);
  g_autofree char *shared = koi_test_cli_profile (cli, "shared");
  g_autofree char *bob = koi_test_cli_profile (cli, "bob");
  g_autofree char *fp = server_fingerprint (cli);
  g_autofree char *err = NULL;

  g_assert_cmpint (add_account (cli, "shared", "alice@example.org", "alice-secret", fp, NULL), ==, 0);
  g_assert_cmpint (add_account (cli, "shared", "carol@example.org", "carol-secret", fp, NULL), ==, 0);
  g_assert_cmpint (add_account (cli, "bob", "bob@example.org", "bob-secret", fp, NULL), ==, 0);

  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", shared, "--account",
                                     "Carol@example.org", "send", "bob@example.org", "from carol", NULL), ==, 0);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", shared,
                                     "send", "bob@example.org", "from the first account", NULL), ==, 0);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", shared, "--account",
                                     "dave@example.org", "sync", NULL), !=, 0);
  g_assert_nonnull (strstr (err, "alice@example.org, carol@example.org"));

  koi_test_mailserver_wait_for_empty_queue (cli->server);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "sync", NULL), ==, 0);
  g_assert_true (chat_has_text (cli, "bob", "carol@example.org", "from carol"));
  g_assert_true (chat_has_text (cli, "bob", "alice@example.org", "from the first account"));
  g_assert_false (chat_has_text (cli, "bob", "alice@example.org", "from carol"));

  koi_test_cli_free (cli);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cert-trust/trust-and-change", test_trust_and_change);
  g_test_add_func ("/cert-trust/choose-account", test_choose_account);

  return g_test_run ();
}
