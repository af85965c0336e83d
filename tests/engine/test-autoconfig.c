/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-autoconfig"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "koi-account-setup.h"
#include "koi-autoconfig.h"
#include "koi-fake-https-server.h"
#include "koi-fake-server-common.h"
#include "koi-test-mailserver.h"

/* Autoconfiguration against the real Dovecot + Postfix: config files from a
 * loopback HTTPS server with its own throw-away CA, SRV records from a stub
 * resolver, and the guesses on the mail server's real ports (the standard
 * ones mapped to them, since the test cannot listen on 993). */

/* *.localhost is loopback (curl resolves it itself); koi-mailserver's
 * certificate names koi.localhost and mail.koi.localhost, so of the guesses
 * imap.koi.localhost fails verification and mail.koi.localhost passes. */
#define ADDRESS "alice@koi.localhost"
#define PASSWORD "alice-secret"
#define PROVIDER_PATH "/mail/config-v1.1.xml"
#define WELL_KNOWN_PATH "/.well-known/autoconfig/mail/config-v1.1.xml"

static KoiTestMailserver *server;

/* ---- a resolver that answers SRV questions from a table ----------------- */

#define STUB_TYPE_RESOLVER (stub_resolver_get_type ())
G_DECLARE_FINAL_TYPE (StubResolver, stub_resolver, STUB, RESOLVER, GResolver)

struct _StubResolver {
  GResolver   parent_instance;
  GHashTable *records; /* "_imaps._tcp.koi.localhost" → GList of GSrvTarget */
  guint       asked;
};

G_DEFINE_TYPE (StubResolver, stub_resolver, G_TYPE_RESOLVER)

static void
free_targets (gpointer data)
{
  g_list_free_full (data, (GDestroyNotify) g_srv_target_free);
}

static GList *
stub_lookup_service (GResolver     *resolver,
                     const char    *rrname,
                     GCancellable  *cancellable,
                     GError       **error)
{
  StubResolver *self = STUB_RESOLVER (resolver);
  GList *targets = g_hash_table_lookup (self->records, rrname);
  GList *copy = NULL;

  g_atomic_int_inc (&self->asked);
  if (targets == NULL)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "No SRV for %s", rrname);
      return NULL;
    }
  for (GList *l = targets; l != NULL; l = l->next)
    copy = g_list_append (copy, g_srv_target_copy (l->data));
  return copy;
}

static void
stub_resolver_finalize (GObject *object)
{
  g_hash_table_unref (STUB_RESOLVER (object)->records);
  G_OBJECT_CLASS (stub_resolver_parent_class)->finalize (object);
}

static void
stub_resolver_class_init (StubResolverClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = stub_resolver_finalize;
  G_RESOLVER_CLASS (klass)->lookup_service = stub_lookup_service;
}

static void
stub_resolver_init (StubResolver *self)
{
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, free_targets);
}

static void
stub_add (StubResolver *self,
          const char   *rrname,
          const char   *host,
          guint16       port,
          guint16       priority)
{
  GList *targets = g_hash_table_lookup (self->records, rrname);

  targets = g_list_append (targets, g_srv_target_new (host, port, priority, 0));
  g_hash_table_steal (self->records, rrname);
  g_hash_table_insert (self->records, g_strdup (rrname), targets);
}

/* ---- fixture --------------------------------------------------------------- */

typedef struct {
  KoiFakeHttpsServer   *https;
  KoiAutoconfigOptions *options;
  StubResolver         *resolver;
  char                 *ca_file;  /* both throw-away CAs */
} Fixture;

static char *
config_xml (guint16     imap_port,
            const char *imap_security,
            guint16     smtp_port,
            const char *smtp_security)
{
  return g_strdup_printf ("<?xml version=\"1.0\"?>\n"
                          "<clientConfig version=\"1.1\"><emailProvider id=\"localhost\">"
                          "<domain>localhost</domain>"
                          "<incomingServer type=\"imap\"><hostname>localhost</hostname>"
                          "<port>%u</port><socketType>%s</socketType>"
                          "<username>%%EMAILADDRESS%%</username>"
                          "<authentication>password-cleartext</authentication></incomingServer>"
                          "<outgoingServer type=\"smtp\"><hostname>localhost</hostname>"
                          "<port>%u</port><socketType>%s</socketType>"
                          "<username>%%EMAILADDRESS%%</username>"
                          "<authentication>password-cleartext</authentication></outgoingServer>"
                          "</emailProvider></clientConfig>\n",
                          imap_port, imap_security, smtp_port, smtp_security);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->https = koi_fake_https_server_new (&error);
  g_assert_no_error (error);

  /* One CA file would do for both in real life (the system's); here the
   * HTTPS server and the mail server each have their own throw-away CA. */
  {
    g_autofree char *both = NULL;
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    g_autofree char *path = g_build_filename (server->dir, "autoconfig-cas.pem", NULL);

    g_assert_true (g_file_get_contents (koi_fake_https_server_ca_file (fixture->https), &a, NULL, NULL));
    g_assert_true (g_file_get_contents (server->ca_file, &b, NULL, NULL));
    both = g_strconcat (a, b, NULL);
    g_assert_true (g_file_set_contents (path, both, -1, NULL));

    fixture->options = koi_autoconfig_options_new ();
    koi_autoconfig_options_set_ca_file (fixture->options, path);
    fixture->ca_file = g_steal_pointer (&path);
  }
  koi_autoconfig_options_set_https_port (fixture->options, koi_fake_https_server_port (fixture->https));
  koi_autoconfig_options_map_host (fixture->options, "autoconfig.koi.localhost", "127.0.0.1");
  koi_autoconfig_options_set_timeout (fixture->options, 5000);
  fixture->resolver = g_object_new (STUB_TYPE_RESOLVER, NULL);
  koi_autoconfig_options_set_resolver (fixture->options, G_RESOLVER (fixture->resolver));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  koi_autoconfig_options_free (fixture->options);
  g_free (fixture->ca_file);
  g_clear_object (&fixture->resolver);
  koi_fake_https_server_free (fixture->https);
}

static void
map_standard_ports (Fixture *fixture)
{
  koi_autoconfig_options_map_port (fixture->options, 993, server->imaps_port);
  koi_autoconfig_options_map_port (fixture->options, 143, server->imap_port);
  koi_autoconfig_options_map_port (fixture->options, 465, server->smtps_port);
  koi_autoconfig_options_map_port (fixture->options, 587, server->submission_port);
}

static KoiAutoconfigResult *
run (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  KoiAutoconfigResult *result;

  result = koi_autoconfig_run_sync (ADDRESS, fixture->options, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

/* ---- tests -------------------------------------------------------------- */

/* The whole promise: an address and a password, and the account is set up
 * and its login checked against the real servers. */
static void
test_provider_then_login (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *xml = config_xml (server->imaps_port, "SSL", server->submission_port, "STARTTLS");
  g_autoptr(KoiAutoconfigResult) result = NULL;
  g_autoptr(KoiAccountSettings) settings = g_new0 (KoiAccountSettings, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *profile = NULL;
  gint64 id;

  koi_fake_https_server_serve (fixture->https, PROVIDER_PATH, xml);
  result = run (fixture);

  g_assert_true (result->verified);
  g_assert_cmpint (result->source, ==, KOI_AUTOCONFIG_SOURCE_PROVIDER);
  g_assert_cmpstr (result->imap->host, ==, "localhost");
  g_assert_cmpuint (result->imap->port, ==, server->imaps_port);
  g_assert_cmpint (result->imap->security, ==, KOI_SECURITY_TLS);
  g_assert_cmpstr (result->imap->login, ==, ADDRESS);
  g_assert_null (result->imap->password);
  g_assert_cmpuint (result->smtp->port, ==, server->submission_port);
  g_assert_cmpint (result->smtp->security, ==, KOI_SECURITY_STARTTLS);
  g_assert_cmpuint (koi_fake_https_server_hits (fixture->https, PROVIDER_PATH), ==, 1);
  /* Found at the first place: the later ones are never asked. */
  g_assert_cmpuint (koi_fake_https_server_hits (fixture->https, WELL_KNOWN_PATH), ==, 0);
  g_assert_cmpuint (fixture->resolver->asked, ==, 0);

  profile = g_dir_make_tmp ("koi-autoconfig-profile-XXXXXX", &error);
  g_assert_no_error (error);
  settings->address = g_strdup (ADDRESS);
  settings->imap = g_steal_pointer (&result->imap);
  settings->smtp = g_steal_pointer (&result->smtp);
  settings->imap->password = g_strdup (PASSWORD);
  settings->smtp->password = g_strdup (PASSWORD);
  id = koi_account_setup_sync (profile, settings, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);

  /* The same settings with a wrong password are refused before anything is saved. */
  g_free (settings->imap->password);
  settings->imap->password = g_strdup ("wrong");
  id = koi_account_setup_sync (profile, settings, NULL, &error);
  g_assert_cmpint (id, ==, 0);
  g_assert_nonnull (error);
}

static void
test_well_known (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *xml = config_xml (server->imap_port, "STARTTLS", server->smtps_port, "SSL");
  g_autoptr(KoiAutoconfigResult) result = NULL;

  koi_fake_https_server_serve (fixture->https, WELL_KNOWN_PATH, xml);
  result = run (fixture);

  g_assert_true (result->verified);
  g_assert_cmpint (result->source, ==, KOI_AUTOCONFIG_SOURCE_WELL_KNOWN);
  g_assert_cmpuint (result->imap->port, ==, server->imap_port);
  g_assert_cmpint (result->imap->security, ==, KOI_SECURITY_STARTTLS);
  g_assert_cmpuint (result->smtp->port, ==, server->smtps_port);
  g_assert_cmpint (result->smtp->security, ==, KOI_SECURITY_TLS);
  g_assert_cmpuint (koi_fake_https_server_hits (fixture->https, PROVIDER_PATH), ==, 1);
  g_assert_cmpuint (koi_fake_https_server_hits (fixture->https, WELL_KNOWN_PATH), ==, 1);
}

/* A config whose IMAP entry points at the SMTP port: the probe sees an SMTP
 * greeting, so IMAP comes from the guesses and SMTP from the config. */
static void
test_wrong_port (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *xml = config_xml (server->submission_port, "STARTTLS",
                                     server->submission_port, "STARTTLS");
  g_autoptr(KoiAutoconfigResult) result = NULL;

  koi_fake_https_server_serve (fixture->https, PROVIDER_PATH, xml);
  map_standard_ports (fixture);
  result = run (fixture);

  g_assert_true (result->verified);
  g_assert_cmpint (result->source, ==, KOI_AUTOCONFIG_SOURCE_GUESS);
  g_assert_cmpstr (result->imap->host, ==, "mail.koi.localhost");
  g_assert_cmpuint (result->imap->port, ==, server->imaps_port);
  g_assert_cmpuint (result->smtp->port, ==, server->submission_port);
}

/* Junk instead of XML is skipped like a missing file. */
static void
test_malformed (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(KoiAutoconfigResult) result = NULL;

  koi_fake_https_server_serve (fixture->https, PROVIDER_PATH,
                               "<clientConfig><emailProvider><incomingServer type=\"imap\">");
  koi_fake_https_server_serve (fixture->https, WELL_KNOWN_PATH, "<html>Moved</html>");
  map_standard_ports (fixture);
  result = run (fixture);

  g_assert_true (result->verified);
  g_assert_cmpint (result->source, ==, KOI_AUTOCONFIG_SOURCE_GUESS);
  g_assert_cmpuint (koi_fake_https_server_hits (fixture->https, WELL_KNOWN_PATH), ==, 1);
  /* imap.koi.localhost is tried first but Dovecot's certificate does not
   * name it: the next verified one wins. */
  g_assert_cmpstr (result->imap->host, ==, "mail.koi.localhost");
  g_assert_cmpuint (result->imap->port, ==, server->imaps_port);
  g_assert_cmpint (result->imap->security, ==, KOI_SECURITY_TLS);
  g_assert_cmpstr (result->smtp->host, ==, "mail.koi.localhost");
  g_assert_cmpuint (result->smtp->port, ==, server->smtps_port);
}

/* Neither of the provider's own files: the ISP database (here a folder in
 * place of the shipped one) names the servers, before any SRV lookup. */
static void
test_isp_db (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *xml = config_xml (server->imaps_port, "SSL", server->submission_port, "STARTTLS");
  g_autoptr(GString) isp = g_string_new (xml);
  g_autoptr(KoiAutoconfigResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("koi-isp-XXXXXX", &error);
  g_autofree char *path = NULL;

  g_assert_no_error (error);
  g_string_replace (isp, "<domain>localhost</domain>", "<domain>other.example</domain><domain>KOI.localhost</domain>", 1);
  path = g_build_filename (dir, "koi.localhost.xml", NULL);
  g_assert_true (g_file_set_contents (path, isp->str, -1, NULL));
  koi_autoconfig_options_set_isp_dir (fixture->options, dir);
  stub_add (fixture->resolver, "_imaps._tcp.koi.localhost", "localhost", 1, 0);
  result = run (fixture);

  g_assert_true (result->verified);
  g_assert_cmpint (result->source, ==, KOI_AUTOCONFIG_SOURCE_ISP);
  g_assert_cmpuint (result->imap->port, ==, server->imaps_port);
  g_assert_cmpuint (result->smtp->port, ==, server->submission_port);
  g_assert_cmpuint (koi_fake_https_server_hits (fixture->https, PROVIDER_PATH), ==, 1);
  g_assert_cmpuint (koi_fake_https_server_hits (fixture->https, WELL_KNOWN_PATH), ==, 1);
  g_assert_cmpuint (fixture->resolver->asked, ==, 0);

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_srv (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(KoiAutoconfigResult) result = NULL;

  stub_add (fixture->resolver, "_imaps._tcp.koi.localhost", "localhost", server->imaps_port, 0);
  stub_add (fixture->resolver, "_submissions._tcp.koi.localhost", ".", 0, 0);
  stub_add (fixture->resolver, "_submission._tcp.koi.localhost", "localhost", server->submission_port, 0);
  result = run (fixture);

  g_assert_true (result->verified);
  g_assert_cmpint (result->source, ==, KOI_AUTOCONFIG_SOURCE_SRV);
  g_assert_cmpuint (result->imap->port, ==, server->imaps_port);
  g_assert_cmpuint (result->smtp->port, ==, server->submission_port);
  g_assert_cmpint (result->smtp->security, ==, KOI_SECURITY_STARTTLS);
  g_assert_cmpstr (result->smtp->login, ==, ADDRESS);
}

/* A server that accepts and then never speaks, listed after the real one:
 * the answer comes as soon as the better candidate is verified, not after
 * the silent one's timeout. */
static void
test_silent_candidate (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(KoiAutoconfigResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) silent = NULL;
  guint16 silent_port = 0;
  gint64 start;
  double seconds;

  silent = koi_fake_listen_loopback (&silent_port, &error);
  g_assert_no_error (error);
  koi_autoconfig_options_set_timeout (fixture->options, 30000);
  stub_add (fixture->resolver, "_imaps._tcp.koi.localhost", "localhost", server->imaps_port, 0);
  stub_add (fixture->resolver, "_imaps._tcp.koi.localhost", "127.0.0.1", silent_port, 10);
  stub_add (fixture->resolver, "_submission._tcp.koi.localhost", "localhost", server->submission_port, 0);
  stub_add (fixture->resolver, "_submission._tcp.koi.localhost", "127.0.0.1", silent_port, 10);

  start = g_get_monotonic_time ();
  result = run (fixture);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_test_message ("answer after %.2f s with a 30 s probe timeout", seconds);

  g_assert_true (result->verified);
  g_assert_cmpint (result->source, ==, KOI_AUTOCONFIG_SOURCE_SRV);
  g_assert_cmpuint (result->imap->port, ==, server->imaps_port);
  g_assert_cmpfloat (seconds, <, 15.0);
  g_socket_listener_close (silent);
}

/* Nothing anywhere: not verified, but the manual form gets the most likely
 * settings and the reason the first one failed. */
static void
test_nothing_found (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(KoiAutoconfigResult) result = NULL;

  koi_autoconfig_options_set_timeout (fixture->options, 3000);
  result = run (fixture);

  g_assert_false (result->verified);
  g_assert_cmpint (result->source, ==, KOI_AUTOCONFIG_SOURCE_NONE);
  g_assert_nonnull (result->imap);
  g_assert_cmpstr (result->imap->host, ==, "imap.koi.localhost");
  g_assert_cmpuint (result->imap->port, ==, 993);
  g_assert_cmpstr (result->imap->login, ==, ADDRESS);
  g_assert_nonnull (result->imap_error);
  g_assert_nonnull (result->smtp);
  g_assert_cmpstr (result->smtp->host, ==, "smtp.koi.localhost");
  g_assert_cmpuint (fixture->resolver->asked, ==, 4);
}

static int
run_cli (Fixture     *fixture,
         const char  *input,
         char       **out_err,
         ...)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *port = g_strdup_printf ("%u", koi_fake_https_server_port (fixture->https));
  const char *arg;
  va_list ap;

  g_ptr_array_add (argv, g_build_filename (g_getenv ("KOI_BUILD_ROOT"), "src", "cli", "koi-cli", NULL));
  va_start (ap, out_err);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_setenv (launcher, "KOI_TEST_AUTOCONFIG_HTTPS_PORT", port, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, NULL, out_err, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (process);
}

/* koi-cli account add with an address and a password only, then a sync:
 * the account is online. */
static void
test_cli (Fixture       *fixture,
          gconstpointer  data)
{
  g_autofree char *xml = config_xml (server->imaps_port, "SSL", server->submission_port, "STARTTLS");
  g_autofree char *profile = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  koi_fake_https_server_serve (fixture->https, PROVIDER_PATH, xml);
  profile = g_dir_make_tmp ("koi-autoconfig-cli-XXXXXX", &error);
  g_assert_no_error (error);

  status = run_cli (fixture, PASSWORD "\n", &err, "--profile", profile, "account", "add",
                    "--email", ADDRESS, "--ca-file", fixture->ca_file, "--password-stdin", NULL);
  g_test_message ("%s", err);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (err, "found (provider)"));
  g_clear_pointer (&err, g_free);

  status = run_cli (fixture, NULL, &err, "--profile", profile, "sync", NULL);
  g_test_message ("%s", err);
  g_assert_cmpint (status, ==, 0);
  g_clear_pointer (&err, g_free);

  /* An address whose servers cannot be found says so and what to do. */
  status = run_cli (fixture, PASSWORD "\n", &err, "--profile", profile, "account", "add",
                    "--email", "bob@nowhere.koi.localhost", "--password-stdin", NULL);
  g_assert_cmpint (status, !=, 0);
  g_assert_nonnull (strstr (err, "--imap HOST:PORT"));
}

static void
test_not_an_address (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiAutoconfigResult) result = NULL;

  result = koi_autoconfig_run_sync ("alice", NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, KOI_AUTOCONFIG_ERROR, KOI_AUTOCONFIG_ERROR_INVALID_ADDRESS);
}

int
main (int argc, char **argv)
{
  const char *users[] = { ADDRESS ":" PASSWORD, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *secrets = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  secrets = g_dir_make_tmp ("koi-autoconfig-secrets-XXXXXX", &error);
  g_assert_no_error (error);
  {
    g_autofree char *keyring = g_build_filename (secrets, "keyring", NULL);

    g_setenv ("SECRET_BACKEND", "file", TRUE);
    g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
    g_setenv ("SECRET_FILE_TEST_PASSWORD", "test-keyring", TRUE);
  }

  server = koi_test_mailserver_start (users, &error);
  g_assert_no_error (error);

#define ADD(path, func) \
  g_test_add ("/autoconfig/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("provider-then-login", test_provider_then_login);
  ADD ("well-known", test_well_known);
  ADD ("isp-db", test_isp_db);
  ADD ("wrong-port", test_wrong_port);
  ADD ("malformed", test_malformed);
  ADD ("srv", test_srv);
  ADD ("silent-candidate", test_silent_candidate);
  ADD ("nothing-found", test_nothing_found);
  ADD ("cli", test_cli);
#undef ADD
  g_test_add_func ("/autoconfig/not-an-address", test_not_an_address);

  status = g_test_run ();
  koi_test_mailserver_free (server);
  return status;
}
