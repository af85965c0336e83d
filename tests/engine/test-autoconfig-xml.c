/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-autoconfig-xml"

#include "config.h"

#include "koi-autoconfig.h"
#include "koi-isp-db.h"

/* What a provider really serves (shape of Thunderbird's ISP database
 * entries): two IMAP servers, a POP3 one to skip, SMTP on two ports. */
static const char *full_config =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
  "<clientConfig version=\"1.1\">\n"
  "  <emailProvider id=\"example.org\">\n"
  "    <domain>example.org</domain>\n"
  "    <displayName>Example Mail</displayName>\n"
  "    <incomingServer type=\"pop3\">\n"
  "      <hostname>pop.example.org</hostname><port>995</port><socketType>SSL</socketType>\n"
  "      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>\n"
  "    </incomingServer>\n"
  "    <incomingServer type=\"imap\">\n"
  "      <hostname> imap.%EMAILDOMAIN% </hostname>\n"
  "      <port>993</port>\n"
  "      <socketType>SSL</socketType>\n"
  "      <username>%EMAILLOCALPART%</username>\n"
  "      <authentication>OAuth2</authentication>\n"
  "      <authentication>password-cleartext</authentication>\n"
  "    </incomingServer>\n"
  "    <incomingServer type=\"imap\">\n"
  "      <hostname>imap.example.org</hostname><port>143</port><socketType>STARTTLS</socketType>\n"
  "      <username>%EMAILADDRESS%</username>\n"
  "    </incomingServer>\n"
  "    <outgoingServer type=\"smtp\">\n"
  "      <hostname>smtp.example.org</hostname><port>465</port><socketType>SSL</socketType>\n"
  "      <username>%EMAILADDRESS%</username><authentication>password-encrypted</authentication>\n"
  "    </outgoingServer>\n"
  "    <outgoingServer type=\"smtp\">\n"
  "      <hostname>smtp.example.org</hostname><port>587</port><socketType>STARTTLS</socketType>\n"
  "      <username>%EMAILADDRESS%</username>\n"
  "    </outgoingServer>\n"
  "    <documentation url=\"https://example.org/help\"><descr lang=\"en\">Help</descr></documentation>\n"
  "  </emailProvider>\n"
  "</clientConfig>\n";

static void
assert_server (GPtrArray   *servers,
               guint        i,
               const char  *host,
               guint16      port,
               KoiSecurity  security,
               const char  *login)
{
  const KoiServerConfig *config;

  g_assert_cmpuint (i, <, servers->len);
  config = servers->pdata[i];
  g_assert_cmpstr (config->host, ==, host);
  g_assert_cmpuint (config->port, ==, port);
  g_assert_cmpint (config->security, ==, security);
  g_assert_cmpstr (config->login, ==, login);
  g_assert_null (config->password);
}

static void
test_full (void)
{
  g_autoptr(GPtrArray) imap = NULL;
  g_autoptr(GPtrArray) smtp = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (koi_autoconfig_parse_xml (full_config, -1, "Jo.Doe@example.org",
                                           &imap, &smtp, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (imap->len, ==, 2);
  assert_server (imap, 0, "imap.example.org", 993, KOI_SECURITY_TLS, "Jo.Doe");
  assert_server (imap, 1, "imap.example.org", 143, KOI_SECURITY_STARTTLS, "Jo.Doe@example.org");
  g_assert_cmpuint (smtp->len, ==, 2);
  assert_server (smtp, 0, "smtp.example.org", 465, KOI_SECURITY_TLS, "Jo.Doe@example.org");
  assert_server (smtp, 1, "smtp.example.org", 587, KOI_SECURITY_STARTTLS, "Jo.Doe@example.org");
}

/* Each of these must be refused with the given code: Koi then falls back
 * to the next source instead of trying something half-read. */
static const struct {
  const char *name;
  const char *xml;
  int         code;
} bad[] = {
  { "truncated", "<clientConfig><emailProvider><incomingServer type=\"imap\"><hostname>x",
    KOI_AUTOCONFIG_ERROR_INVALID_CONFIG },
  { "not-xml", "<html><body>Not found</body></html>", KOI_AUTOCONFIG_ERROR_INVALID_CONFIG },
  { "garbage", "\x01\x02 this is no XML \xff", KOI_AUTOCONFIG_ERROR_INVALID_CONFIG },
  { "empty", "", KOI_AUTOCONFIG_ERROR_INVALID_CONFIG },
  { "plain-only",
    "<clientConfig><emailProvider>"
    "<incomingServer type=\"imap\"><hostname>imap.example.org</hostname><port>143</port>"
    "<socketType>plain</socketType></incomingServer>"
    "<outgoingServer type=\"smtp\"><hostname>smtp.example.org</hostname><port>587</port>"
    "<socketType>STARTTLS</socketType></outgoingServer>"
    "</emailProvider></clientConfig>", KOI_AUTOCONFIG_ERROR_NO_SERVER },
  { "oauth-only",
    "<clientConfig><emailProvider>"
    "<incomingServer type=\"imap\"><hostname>imap.example.org</hostname><port>993</port>"
    "<socketType>SSL</socketType><authentication>OAuth2</authentication></incomingServer>"
    "<outgoingServer type=\"smtp\"><hostname>smtp.example.org</hostname><port>587</port>"
    "<socketType>STARTTLS</socketType></outgoingServer>"
    "</emailProvider></clientConfig>", KOI_AUTOCONFIG_ERROR_NO_SERVER },
  { "bad-port",
    "<clientConfig><emailProvider>"
    "<incomingServer type=\"imap\"><hostname>imap.example.org</hostname><port>99999</port>"
    "<socketType>SSL</socketType></incomingServer>"
    "<outgoingServer type=\"smtp\"><hostname>smtp.example.org</hostname><port>587</port>"
    "<socketType>STARTTLS</socketType></outgoingServer>"
    "</emailProvider></clientConfig>", KOI_AUTOCONFIG_ERROR_NO_SERVER },
  { "no-smtp",
    "<clientConfig><emailProvider>"
    "<incomingServer type=\"imap\"><hostname>imap.example.org</hostname><port>993</port>"
    "<socketType>SSL</socketType></incomingServer>"
    "</emailProvider></clientConfig>", KOI_AUTOCONFIG_ERROR_NO_SERVER },
  { "host-with-path",
    "<clientConfig><emailProvider>"
    "<incomingServer type=\"imap\"><hostname>evil.example/x</hostname><port>993</port>"
    "<socketType>SSL</socketType></incomingServer>"
    "<outgoingServer type=\"smtp\"><hostname>smtp.example.org</hostname><port>587</port>"
    "<socketType>STARTTLS</socketType></outgoingServer>"
    "</emailProvider></clientConfig>", KOI_AUTOCONFIG_ERROR_NO_SERVER },
};

static void
test_bad (gconstpointer data)
{
  guint i = GPOINTER_TO_UINT (data);
  g_autoptr(GPtrArray) imap = NULL;
  g_autoptr(GPtrArray) smtp = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (koi_autoconfig_parse_xml (bad[i].xml, -1, "jo@example.org",
                                            &imap, &smtp, &error));
  g_assert_error (error, KOI_AUTOCONFIG_ERROR, bad[i].code);
  g_assert_null (imap);
  g_assert_null (smtp);
}

/* Every prefix of a valid file is either refused or parsed: never a crash
 * or a half-filled server. */
static void
test_every_prefix (void)
{
  gsize len = strlen (full_config);

  for (gsize n = 0; n < len; n++)
    {
      g_autoptr(GPtrArray) imap = NULL;
      g_autoptr(GPtrArray) smtp = NULL;
      g_autoptr(GError) error = NULL;

      if (koi_autoconfig_parse_xml (full_config, n, "jo@example.org", &imap, &smtp, &error))
        g_assert_true (imap->len > 0 && smtp->len > 0);
      else
        g_assert_error (error, KOI_AUTOCONFIG_ERROR, KOI_AUTOCONFIG_ERROR_INVALID_CONFIG);
    }
}

/* The shipped ISP database answers for Gmail from inside the binary: no
 * download, no DNS. */
static void
test_isp_gmail (void)
{
  g_autoptr(GBytes) file = koi_isp_db_lookup ("gmail.com", NULL);
  g_autoptr(GBytes) alias = koi_isp_db_lookup ("GoogleMail.com", NULL);
  g_autoptr(GPtrArray) imap = NULL;
  g_autoptr(GPtrArray) smtp = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (file);
  g_assert_true (alias != NULL && g_bytes_equal (file, alias));
  g_assert_true (koi_autoconfig_parse_xml (g_bytes_get_data (file, NULL), g_bytes_get_size (file),
                                           "jo.doe@gmail.com", &imap, &smtp, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (imap->len, ==, 1);
  assert_server (imap, 0, "imap.gmail.com", 993, KOI_SECURITY_TLS, "jo.doe@gmail.com");
  g_assert_cmpuint (smtp->len, ==, 2);
  assert_server (smtp, 0, "smtp.gmail.com", 465, KOI_SECURITY_TLS, "jo.doe@gmail.com");
  assert_server (smtp, 1, "smtp.gmail.com", 587, KOI_SECURITY_STARTTLS, "jo.doe@gmail.com");
}

/* Every provider the database promises is there, and every file gives at
 * least one IMAP and one SMTP server that Koi accepts (encrypted, with a
 * password). A domain it does not list, or a subdomain of one, is not. */
static void
test_isp_all (void)
{
  const char *promised[] = {
    "gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "gmx.de", "gmx.net", "web.de",
    "posteo.de", "mailbox.org", "fastmail.com", "icloud.com", "t-online.de",
  };
  g_auto(GStrv) domains = koi_isp_db_domains ();
  g_autoptr(GBytes) unknown = koi_isp_db_lookup ("example.org", NULL);
  g_autoptr(GBytes) subdomain = koi_isp_db_lookup ("mail.gmail.com", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (promised); i++)
    g_assert_true (g_strv_contains ((const char * const *) domains, promised[i]));

  for (guint i = 0; domains[i] != NULL; i++)
    {
      g_autofree char *address = g_strconcat ("someone@", domains[i], NULL);
      g_autoptr(GBytes) file = koi_isp_db_lookup (domains[i], NULL);
      g_autoptr(GPtrArray) imap = NULL;
      g_autoptr(GPtrArray) smtp = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", domains[i]);
      g_assert_nonnull (file);
      g_assert_true (koi_autoconfig_parse_xml (g_bytes_get_data (file, NULL), g_bytes_get_size (file),
                                               address, &imap, &smtp, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (imap->len, >=, 1);
      g_assert_cmpuint (smtp->len, >=, 1);
      for (guint j = 0; j < imap->len; j++)
        g_assert_cmpuint (((KoiServerConfig *) imap->pdata[j])->port, ==, 993);
    }

  g_assert_null (unknown);
  g_assert_null (subdomain);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/autoconfig/xml/full", test_full);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = g_strdup_printf ("/autoconfig/xml/refused/%s", bad[i].name);

      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_bad);
    }
  g_test_add_func ("/autoconfig/xml/every-prefix", test_every_prefix);
  g_test_add_func ("/autoconfig/isp/gmail", test_isp_gmail);
  g_test_add_func ("/autoconfig/isp/all", test_isp_all);
  return g_test_run ();
}
