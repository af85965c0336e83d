/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-cli"

#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "koi-account-config.h"
#include "koi-account-setup.h"
#include "koi-chat-client-detect.h"
#include "koi-cli-account.h"
#include "koi-cli-contacts.h"
#include "koi-cli-attachments.h"
#include "koi-cli-json.h"
#include "koi-store-attachment.h"
#include "koi-coi.h"
#include "koi-engine-error.h"
#include "koi-engine.h"
#include "koi-autoconfig.h"
#include "koi-cert-trust.h"
#include "koi-imap-client.h"
#include "koi-model.h"
#include "koi-pgp-setup.h"
#include "koi-profile.h"
#include "koi-smtp.h"
#include "koi-store.h"
#include "koi-profile-lock.h"
#include "koi-store-group.h"
#include "koi-store-keyxfer.h"
#include "koi-syncer.h"
#include "koi-syncer-group.h"

/* Exit codes, documented in --help and README.md. */
enum {
  EXIT_OK = 0,
  EXIT_FAILURE_OTHER = 1,
  EXIT_BAD_ARGUMENTS = 2,
  EXIT_AUTH_FAILED = 3,
  EXIT_UNREACHABLE = 4,
  EXIT_UNTRUSTED_CERTIFICATE = 5,
  EXIT_REFUSED = 6,
  EXIT_NO_ACCOUNT = 7,
};

static const char usage[] =
  "Usage:\n"
  "  koi-cli [--profile DIR] account add --email ADDR [--imap HOST:PORT --smtp HOST:PORT]\n"
  "          [--imap-security tls|starttls] [--smtp-security tls|starttls]\n"
  "          [--login NAME] [--name DISPLAY-NAME] [--ca-file PEM]\n"
  "          [--trust-fingerprint SHA256]... --password-stdin\n"
  "  koi-cli [--profile DIR] [--account ADDR] account trust --fingerprint SHA256...\n"
  "  koi-cli [--profile DIR] account remove ADDR\n"
  "  koi-cli [--profile DIR] [--account ADDR] account coi [enable]\n"
  "  koi-cli [--profile DIR] send [--reply-to MSG] ADDR|CHAT TEXT\n"
  "  koi-cli [--profile DIR] send [--reply-to MSG] --file PATH [--caption TEXT] ADDR|CHAT\n"
  "  koi-cli [--profile DIR] download MSG\n"
  "  koi-cli [--profile DIR] edit MSG TEXT\n"
  "  koi-cli [--profile DIR] delete MSG [--everyone]\n"
  "  koi-cli [--profile DIR] react MSG EMOJI\n"
  "  koi-cli [--profile DIR] group create NAME ADDR...\n"
  "  koi-cli [--profile DIR] group add|remove CHAT ADDR\n"
  "  koi-cli [--profile DIR] group rename CHAT NAME\n"
  "  koi-cli [--profile DIR] group leave CHAT\n"
  "  koi-cli [--profile DIR] group members CHAT\n"
  "  koi-cli [--profile DIR] sync\n"
  "  koi-cli [--profile DIR] watch [--since CURSOR]\n"
  "  koi-cli [--profile DIR] chats\n"
  "  koi-cli [--profile DIR] messages CHAT\n"
  "  koi-cli [--profile DIR] read CHAT\n"
  "  koi-cli [--profile DIR] search WORDS\n"
  "  koi-cli [--profile DIR] source MSG\n"
  "  koi-cli [--profile DIR] set move-chat-mail on|off\n"
  "  koi-cli [--profile DIR] set read-receipts on|off\n"
  "  koi-cli [--profile DIR] set auto-download-max BYTES\n"
  "  koi-cli [--profile DIR] contacts\n"
  "  koi-cli [--profile DIR] contact show|block|unblock ADDR\n"
  "  koi-cli [--profile DIR] contact edit ADDR [--name NAME] [--status TEXT]\n"
  "          [--birthday DATE] [--anniversary DATE] [--language TAG]\n"
  "          [--notify on|off] [--groups A,B]\n"
  "  koi-cli [--profile DIR] contact import FILE.vcf\n"
  "  koi-cli [--profile DIR] contact export [ADDR]\n"
  "  koi-cli [--profile DIR] keys\n"
  "  koi-cli [--profile DIR] keys export-setup\n"
  "  koi-cli [--profile DIR] keys import-setup [MSG] --code-stdin\n"
  "  koi-cli [--profile DIR] profile set [--name NAME] [--status TEXT] [--avatar FILE]\n"
  "  koi-cli [--profile DIR] request accept|block|delete CHAT\n"
  "\n"
  "Koi without a window: chat over email from scripts, bots and benchmarks.\n"
  "\n"
  "Commands:\n"
  "  account add  verifies the IMAP and SMTP logins, then saves the account in the\n"
  "               profile and its password (read from the first line of standard\n"
  "               input) in the Secret Service. Security defaults: port 993/465 TLS,\n"
  "               143/587 STARTTLS. --ca-file trusts an extra CA (a test server).\n"
  "               Without --imap and --smtp the servers are found from the address\n"
  "               (the provider's autoconfig file, DNS SRV records, usual names).\n"
  "               A server whose certificate does not verify is refused, and its\n"
  "               SHA-256 fingerprint printed; --trust-fingerprint SHA256 trusts\n"
  "               exactly that certificate for this account (pinned, nothing else\n"
  "               is accepted there from then on).\n"
  "  account trust  trusts the certificate the account's IMAP or SMTP server shows\n"
  "               now, if it has the given SHA-256 fingerprint: after a certificate\n"
  "               changed and koi-cli refused it, naming the old and the new one.\n"
  "  account remove  removes the account ADDR from the profile, as the window's\n"
  "               Remove Account does: its chats, files, key and keyring entries\n"
  "               go; the mail on the server stays. Close Koi's window first.\n"
  "  account coi  whether the server is a COI server (it can file chat mail into\n"
  "               its own chat folder) and whether that is on, as JSON: \"coi\" is\n"
  "               none, offered, declined or enabled. enable turns it on (saved\n"
  "               with the account): the server files chat mail from then on, and\n"
  "               Koi uses its folders and moves nothing itself.\n"
  "  --account ADDR  picks the account where the profile has several (default:\n"
  "               the first one added).\n"
  "  send         queues a chat message to ADDR (or to the chat with the id CHAT, a\n"
  "               group too), sends it and exits once the server\n"
  "               accepted it, printing its Message-ID; otherwise prints the reason\n"
  "               and exits non-zero (a temporary failure leaves it queued for the\n"
  "               next sync, watch or send). --reply-to MSG answers that message\n"
  "               with a quote. --file sends the file at PATH (with --caption's\n"
  "               text); it is copied into the profile and streamed from there.\n"
  "  download     fetches MSG's attachments that are not here yet (files, and\n"
  "               images over the auto-download size) and prints each one as JSON\n"
  "               with its \"path\" and \"sha256\"; exits non-zero if one failed.\n"
  "  edit         replaces the text of your message MSG (its id from \"messages\",\n"
  "               or its Message-ID) for everyone; every version is kept.\n"
  "  delete       removes MSG from this device; --everyone: your message for\n"
  "               everyone (the text leaves every store and search index).\n"
  "  react        sets your reaction on MSG (\"\" takes it back).\n"
  "  group        create prints the new group's chat id, then as send does; add,\n"
  "               remove, rename and\n"
  "               leave send the change to every member (as send does) and print\n"
  "               its Message-ID; members prints one JSON object per member, the\n"
  "               removed ones too (\"removed\": true).\n"
  "  sync         fetches everything new, sends what is queued, exits.\n"
  "  watch        stays connected (IMAP IDLE) and prints one JSON object per line per\n"
  "               event: \"message\", \"state\" (an outgoing message changed state),\n"
  "               \"updated\" (edited, deleted, a reaction), \"read\" (a read receipt\n"
  "               came; \"read_by\" lists every reader), \"chat\" (its\n"
  "               unread count or preview changed), \"contact\" (a card changed),\n"
  "               \"connection\",\n"
  "               \"synced\", \"error\". Stops on SIGINT/SIGTERM. Every \"message\"\n"
  "               carries a \"cursor\": --since CURSOR first prints every message\n"
  "               stored after it, so a restarted bot misses nothing. One watch\n"
  "               (or Koi window) per profile folder: a second one is refused.\n"
  "  chats        the chats, newest activity first, one JSON object per line;\n"
  "               a stranger's chat has \"request\": \"request\" (or \"dismissed\").\n"
  "  request      answers a contact request: accept lets the chat in (the sender\n"
  "               becomes a contact on every device), block blocks the sender,\n"
  "               delete hides the chat until the sender writes again.\n"
  "  messages     a chat's messages (CHAT: its id or the peer's address), oldest\n"
  "               first, one JSON object per line, with \"edited\" (and the earlier\n"
  "               versions in \"history\"), \"deleted\", \"reactions\", \"reply_to\"\n"
  "               and, on an outgoing one, \"read_by\".\n"
  "  read         marks the chat read, here and on the server (other devices and\n"
  "               webmail show it read too), and sends the read receipts its\n"
  "               messages asked for (unless read-receipts is off).\n"
  "  search       messages whose text matches WORDS, one JSON object per line.\n"
  "  source       prints MSG as the server holds it (the raw mail), e.g. one Koi\n"
  "               shows as unreadable or too large.\n"
  "  set          move-chat-mail: whether chat mail found in INBOX is moved to\n"
  "               COI/Chats (default off). Ordinary email is never moved. Another\n"
  "               chat app on the account (e.g. Delta Chat) fetches chat mail from\n"
  "               INBOX and misses what is moved: once Koi has seen one, it leaves\n"
  "               chat mail in INBOX whatever this says, and set tells so.\n"
  "               read-receipts: whether sent messages ask for read receipts and\n"
  "               read messages get one (default on).\n"
  "               auto-download-max: images up to this many bytes are fetched with\n"
  "               the sync (default 10000000; 0: none); other files on download.\n"
  "  contacts     the address book (contacts with a card), one JSON object per line;\n"
  "               run sync first to see what other devices changed.\n"
  "  contact      show: one contact with its vCard. edit, block, unblock, import:\n"
  "               write a new version of the card into COI/Contacts, where the\n"
  "               user's other devices pick it up (the older version is removed).\n"
  "               export: the vCards, all of them or ADDR's. show and contacts\n"
  "               give the contact's OpenPGP key: \"fingerprint\" (in groups of\n"
  "               four), \"key_source\" (autocrypt, gossip, vcard) and \"key_time_ms\".\n"
  "  keys         every peer key Koi knows, one JSON object per line: address,\n"
  "               fingerprint, source, key_time_ms, last_seen_ms, prefer_encrypt.\n"
  "               export-setup puts an Autocrypt Setup Message with this device's\n"
  "               key into INBOX and prints its setup code (once: it is kept\n"
  "               nowhere). import-setup reads the code from stdin and takes the\n"
  "               key over from MSG (default: the newest setup message the code\n"
  "               opens); a wrong code changes nothing. Sync afterwards to read\n"
  "               older mail.\n"
  "  profile set  the user's own card (name, status, avatar scaled to 256 px JPEG).\n"
  "\n"
  "Options:\n"
  "  --profile DIR  everything of one installation except passwords (default:\n"
  "                 $XDG_DATA_HOME/koi). Two profiles run side by side.\n"
  "  --version      prints the version.\n"
  "\n"
  "Exit codes: 0 done, 1 other failure, 2 bad arguments, 3 login refused (wrong\n"
  "password), 4 server unreachable or message not sent yet (still queued),\n"
  "5 untrusted certificate, 6 recipient refused the message, 7 no account.\n";

static int
bad_arguments (const char *format,
               ...) G_GNUC_PRINTF (1, 2);

static int
bad_arguments (const char *format,
               ...)
{
  va_list args;

  va_start (args, format);
  fputs ("koi-cli: ", stderr);
  vfprintf (stderr, format, args);
  fputs ("\nTry “koi-cli --help”.\n", stderr);
  va_end (args);

  return EXIT_BAD_ARGUMENTS;
}

/* The exit code a script can act on, and the message a person can. */
static int
report_error (const GError *error)
{
  fprintf (stderr, "koi-cli: %s\n", error->message);

  if (g_error_matches (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_AUTH_FAILED) ||
      g_error_matches (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_AUTH_FAILED))
    return EXIT_AUTH_FAILED;
  if (koi_cert_error_is_changed (error))
    {
      fputs ("koi-cli: to trust the new certificate: koi-cli account trust --fingerprint NEW-SHA256\n",
             stderr);
      return EXIT_UNTRUSTED_CERTIFICATE;
    }
  if (koi_cert_error_is_untrusted (error))
    {
      fputs ("koi-cli: if this is your server's certificate, add --trust-fingerprint "
             "with its SHA-256 fingerprint to trust it for this account\n", stderr);
      return EXIT_UNTRUSTED_CERTIFICATE;
    }
  if (error->domain == KOI_IMAP_ERROR || error->domain == KOI_SMTP_ERROR)
    return EXIT_UNREACHABLE;
  if (g_error_matches (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_NO_ACCOUNT) ||
      g_error_matches (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_NO_PASSWORD))
    return EXIT_NO_ACCOUNT;
  if (g_error_matches (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID))
    return EXIT_BAD_ARGUMENTS;

  return EXIT_FAILURE_OTHER;
}

/* --------------------------------------------------------------------- */
/* account add */

static gboolean
parse_host_port (const char  *text,
                 char       **out_host,
                 guint16     *out_port)
{
  const char *colon = text ? strrchr (text, ':') : NULL;
  guint64 port;

  if (colon == NULL || colon == text ||
      !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
    return FALSE;

  *out_host = g_strndup (text, colon - text);
  *out_port = (guint16) port;
  return TRUE;
}

static KoiSecurity
default_security (guint16 port)
{
  return port == 143 || port == 587 || port == 25 ? KOI_SECURITY_STARTTLS : KOI_SECURITY_TLS;
}

/* The first line of standard input, without its line break. */
static char *
read_password_line (void)
{
  GString *line = g_string_new (NULL);
  int c;

  while ((c = getchar ()) != EOF && c != '\n')
    g_string_append_c (line, (char) c);
  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);

  return g_string_free (line, FALSE);
}

/* account add with only an address: autoconfig finds the servers, then the
 * login is checked as with given ones. */
static int
account_add_autoconfig (const char *profile_dir,
                        const char *email,
                        const char *name,
                        const char *login,
                        const char *ca_file,
                        const char * const *fingerprints,
                        gboolean    password_stdin)
{
  g_autoptr (KoiAutoconfigOptions) options = koi_autoconfig_options_new ();
  g_autoptr (KoiAutoconfigResult) found = NULL;
  g_autoptr (KoiAccountSettings) settings = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *password = NULL;
  const char *https_port = g_getenv ("KOI_TEST_AUTOCONFIG_HTTPS_PORT");
  gint64 id;

  if (ca_file != NULL && !g_file_test (ca_file, G_FILE_TEST_IS_REGULAR))
    return bad_arguments ("--ca-file %s does not exist", ca_file);
  if (!password_stdin)
    return bad_arguments ("give the password on standard input with --password-stdin");
  password = read_password_line ();
  if (*password == '\0')
    return bad_arguments ("no password on standard input");

  koi_autoconfig_options_set_ca_file (options, ca_file);
  /* Tests serve the config file from a loopback port (never 443). */
  if (https_port != NULL)
    koi_autoconfig_options_set_https_port (options, (guint16) g_ascii_strtoull (https_port, NULL, 10));

  found = koi_autoconfig_run_sync (email, options, NULL, &error);
  if (found == NULL)
    return report_error (error);
  if (!found->verified &&
      !(fingerprints != NULL && found->imap != NULL && found->smtp != NULL &&
        (koi_cert_error_is_untrusted (found->imap_error) ||
         koi_cert_error_is_untrusted (found->smtp_error))))
    {
      const GError *why = found->imap_error != NULL ? found->imap_error : found->smtp_error;

      fprintf (stderr, "koi-cli: could not find the mail servers of %s%s%s; "
               "give them with --imap HOST:PORT and --smtp HOST:PORT\n", email,
               why != NULL ? ": " : "", why != NULL ? why->message : "");
      if (koi_cert_error_is_untrusted (why))
        {
          fputs ("koi-cli: if this is your server's certificate, add --trust-fingerprint "
                 "with its SHA-256 fingerprint to trust it for this account\n", stderr);
          return EXIT_UNTRUSTED_CERTIFICATE;
        }
      return EXIT_UNREACHABLE;
    }
  fprintf (stderr, "koi-cli: found (%s) IMAP %s:%u %s, SMTP %s:%u %s\n",
           koi_autoconfig_source_to_string (found->source),
           found->imap->host, found->imap->port, koi_security_to_string (found->imap->security),
           found->smtp->host, found->smtp->port, koi_security_to_string (found->smtp->security));

  settings = g_new0 (KoiAccountSettings, 1);
  settings->address = g_strdup (email);
  settings->display_name = g_strdup (name);
  settings->imap = g_steal_pointer (&found->imap);
  settings->smtp = g_steal_pointer (&found->smtp);
  for (KoiServerConfig **c = (KoiServerConfig *[]) { settings->imap, settings->smtp, NULL }; *c; c++)
    {
      if (login != NULL)
        {
          g_free ((*c)->login);
          (*c)->login = g_strdup (login);
        }
      (*c)->password = g_strdup (password);
    }

  id = koi_cert_trust_setup_sync (profile_dir, settings, fingerprints, NULL, &error);
  if (id == 0)
    return report_error (error);

  fprintf (stderr, "koi-cli: account %s added\n", email);
  return EXIT_OK;
}

static int
command_account_add (const char  *profile_dir,
                     int          argc,
                     char       **argv)
{
  g_autofree char *email = NULL, *imap = NULL, *smtp = NULL, *imap_security = NULL;
  g_autofree char *smtp_security = NULL, *login = NULL, *ca_file = NULL, *name = NULL;
  g_autofree char *imap_host = NULL, *smtp_host = NULL, *password = NULL;
  g_auto (GStrv) fingerprints = NULL;
  gboolean password_stdin = FALSE;
  guint16 imap_port = 0, smtp_port = 0;
  KoiSecurity imap_sec, smtp_sec;
  g_autoptr (KoiAccountSettings) settings = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) context = NULL;
  GOptionEntry entries[] = {
    { "email", 0, 0, G_OPTION_ARG_STRING, &email, "The account's address", "ADDR" },
    { "imap", 0, 0, G_OPTION_ARG_STRING, &imap, "IMAP server", "HOST:PORT" },
    { "smtp", 0, 0, G_OPTION_ARG_STRING, &smtp, "SMTP server", "HOST:PORT" },
    { "imap-security", 0, 0, G_OPTION_ARG_STRING, &imap_security, "tls or starttls", "MODE" },
    { "smtp-security", 0, 0, G_OPTION_ARG_STRING, &smtp_security, "tls or starttls", "MODE" },
    { "login", 0, 0, G_OPTION_ARG_STRING, &login, "Login name (default: the address)", "NAME" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "Your display name", "NAME" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "Extra CA to trust (PEM)", "PEM" },
    { "trust-fingerprint", 0, 0, G_OPTION_ARG_STRING_ARRAY, &fingerprints,
      "Trust the server certificate with this SHA-256 fingerprint", "SHA256" },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin,
      "Read the password from standard input", NULL },
    { NULL }
  };
  gint64 id;

  context = g_option_context_new ("- add an account");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_help_enabled (context, FALSE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return bad_arguments ("%s", error->message);
  if (argc > 1)
    return bad_arguments ("unexpected argument “%s”", argv[1]);

  if (email == NULL || !koi_address_is_valid (email))
    return bad_arguments ("--email needs an email address");
  if (imap == NULL && smtp == NULL)
    return account_add_autoconfig (profile_dir, email, name, login, ca_file,
                                   (const char * const *) fingerprints, password_stdin);
  if (!parse_host_port (imap, &imap_host, &imap_port))
    return bad_arguments ("--imap needs HOST:PORT, e.g. imap.example.org:993");
  if (!parse_host_port (smtp, &smtp_host, &smtp_port))
    return bad_arguments ("--smtp needs HOST:PORT, e.g. smtp.example.org:465");
  imap_sec = default_security (imap_port);
  smtp_sec = default_security (smtp_port);
  if (imap_security != NULL && !koi_security_from_string (imap_security, &imap_sec))
    return bad_arguments ("--imap-security is tls or starttls");
  if (smtp_security != NULL && !koi_security_from_string (smtp_security, &smtp_sec))
    return bad_arguments ("--smtp-security is tls or starttls");
  if (ca_file != NULL && !g_file_test (ca_file, G_FILE_TEST_IS_REGULAR))
    return bad_arguments ("--ca-file %s does not exist", ca_file);
  /* A password on the command line would be visible to every user. */
  if (!password_stdin)
    return bad_arguments ("give the password on standard input with --password-stdin");

  password = read_password_line ();
  if (*password == '\0')
    return bad_arguments ("no password on standard input");

  settings = g_new0 (KoiAccountSettings, 1);
  settings->address = g_strdup (email);
  settings->display_name = g_strdup (name);
  settings->imap = koi_server_config_new (imap_host, imap_port, imap_sec,
                                          login ? login : email, password, ca_file);
  settings->smtp = koi_server_config_new (smtp_host, smtp_port, smtp_sec,
                                          login ? login : email, password, ca_file);

  id = koi_cert_trust_setup_sync (profile_dir, settings, (const char * const *) fingerprints,
                                  NULL, &error);
  if (id == 0)
    return report_error (error);

  fprintf (stderr, "koi-cli: account %s added\n", email);
  return EXIT_OK;
}

/* --------------------------------------------------------------------- */
/* Shared set-up */

/* --account ADDR: which of the profile's accounts the command is for. */
static char *chosen_account;

/* The id of the account --account names, 0 (the first) without it. */
static gboolean
resolve_account (KoiStore  *store,
                 gint64    *out_id,
                 GError   **error)
{
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GString) known = NULL;

  *out_id = 0;
  if (chosen_account == NULL)
    return TRUE;

  accounts = koi_store_account_list (store, error);
  if (accounts == NULL)
    return FALSE;
  known = g_string_new (NULL);
  for (guint i = 0; i < accounts->len; i++)
    {
      const KoiStoreAccount *account = g_ptr_array_index (accounts, i);

      if (g_ascii_strcasecmp (account->address, chosen_account) == 0)
        {
          *out_id = account->id;
          return TRUE;
        }
      g_string_append_printf (known, "%s%s", i > 0 ? ", " : "", account->address);
    }

  g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_NO_ACCOUNT,
               "The profile has no account %s (it has: %s)", chosen_account,
               known->len > 0 ? known->str : "none");
  return FALSE;
}

typedef struct {
  KoiStore         *store;
  KoiAccountConfig *account;
} Profile;

static void
profile_clear (Profile *profile)
{
  g_clear_pointer (&profile->account, koi_account_config_free);
  g_clear_pointer (&profile->store, koi_store_close);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Profile, profile_clear)

static gboolean
profile_open (Profile     *profile,
              const char  *profile_dir,
              gboolean     need_account,
              GError     **error)
{
  g_autofree char *path = koi_profile_store_path (profile_dir);

  if (!koi_profile_ensure (profile_dir, error))
    return FALSE;

  profile->store = koi_store_open (path, error);
  if (profile->store == NULL)
    return FALSE;

  if (need_account)
    {
      gint64 id;

      if (!resolve_account (profile->store, &id, error))
        return FALSE;
      profile->account = koi_account_config_load_sync (profile->store, id, NULL, error);
      if (profile->account == NULL)
        return FALSE;
    }

  return TRUE;
}

static char *
chat_peer (KoiStore *store,
           gint64    chat_id)
{
  g_autoptr (KoiStoreChat) chat = koi_store_chat_get (store, chat_id, NULL);

  return chat != NULL ? g_strdup (chat->peer_address) : NULL;
}

/* --------------------------------------------------------------------- */
/* send */

/* Sends @id (and whatever an earlier run left queued) and prints its
 * Message-ID once the server took it. */
static int
send_and_report (Profile   *profile,
                 KoiSyncer *syncer,
                 gint64     id)
{
  g_autoptr (KoiStoreMessage) message = NULL;
  g_autoptr (GError) error = NULL;

  if (!koi_syncer_send_queued (syncer, TRUE, NULL, &error))
    {
      gboolean final = g_error_matches (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_TOO_LARGE) ||
                       g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      int code = report_error (error);

      /* Too large or the file gone: it failed, no later send helps. */
      if (!final)
        fputs ("koi-cli: the message stays queued and is sent on the next send, sync or watch\n",
               stderr);
      return code;
    }

  message = koi_store_message_get (profile->store, id, &error);
  if (message == NULL)
    return report_error (error);

  switch (message->state)
    {
    case KOI_STORE_STATE_SENT:
      printf ("%s\n", message->message_id);
      return EXIT_OK;

    case KOI_STORE_STATE_FAILED:
      fprintf (stderr, "koi-cli: not sent: %s\n",
               message->failure_reason ? message->failure_reason : "refused");
      return EXIT_REFUSED;

    default:
      fprintf (stderr, "koi-cli: not sent yet (%s); it stays queued\n",
               message->failure_reason ? message->failure_reason : "server busy");
      return EXIT_UNREACHABLE;
    }
}

static gint64 find_message (Profile    *profile,
                            const char *message);

static int
command_send (const char *profile_dir,
              const char *address_or_chat,
              const char *text,
              const char *reply_to)
{
  g_auto (Profile) profile = { 0, };
  g_autoptr (KoiSyncer) syncer = NULL;
  g_autoptr (GError) error = NULL;
  guint64 chat_id = 0;
  gint64 reply_to_ref = 0;
  gint64 id;

  if (!profile_open (&profile, profile_dir, TRUE, &error))
    return report_error (error);

  syncer = koi_syncer_new (profile.store, profile.account, NULL, NULL);
  /* A number is a chat id (see "chats"), a group's too; anything else an
   * address. */
  if (!g_ascii_string_to_unsigned (address_or_chat, 10, 1, G_MAXINT64, &chat_id, NULL))
    chat_id = (guint64) koi_syncer_create_chat (syncer, address_or_chat, &error);
  if (chat_id == 0)
    return report_error (error);
  if (reply_to != NULL && (reply_to_ref = find_message (&profile, reply_to)) == 0)
    return EXIT_BAD_ARGUMENTS;
  id = koi_syncer_queue_reply (syncer, (gint64) chat_id, text, reply_to_ref, &error);
  if (id == 0)
    return report_error (error);

  return send_and_report (&profile, syncer, id);
}

static int
command_send_file (const char *profile_dir,
                   const char *address_or_chat,
                   const char *path,
                   const char *caption,
                   const char *reply_to)
{
  g_auto (Profile) profile = { 0, };
  g_autoptr (KoiSyncer) syncer = NULL;
  g_autoptr (GError) error = NULL;
  guint64 chat_id = 0;
  gint64 reply_to_ref = 0;
  gint64 id;

  if (!profile_open (&profile, profile_dir, TRUE, &error))
    return report_error (error);
  if (reply_to != NULL && (reply_to_ref = find_message (&profile, reply_to)) == 0)
    return EXIT_BAD_ARGUMENTS;

  syncer = koi_syncer_new (profile.store, profile.account, NULL, NULL);
  if (!g_ascii_string_to_unsigned (address_or_chat, 10, 1, G_MAXINT64, &chat_id, NULL))
    chat_id = (guint64) koi_syncer_create_chat (syncer, address_or_chat, &error);
  if (chat_id == 0)
    return report_error (error);
  id = koi_syncer_queue_file (syncer, (gint64) chat_id, path, caption, reply_to_ref, &error);
  if (id == 0)
    return report_error (error);

  return send_and_report (&profile, syncer, id);
}

static int
command_download (const char *profile_dir,
                  const char *message)
{
  g_auto (Profile) profile = { 0, };
  g_autoptr (KoiSyncer) syncer = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autofree char *dir = NULL;
  gint64 target;
  int code = EXIT_OK;

  if (!profile_open (&profile, profile_dir, TRUE, &error))
    return report_error (error);
  target = find_message (&profile, message);
  if (target == 0)
    return EXIT_BAD_ARGUMENTS;

  syncer = koi_syncer_new (profile.store, profile.account, NULL, NULL);
  if (koi_syncer_request_download (syncer, target, &error) < 0 ||
      !koi_syncer_connect (syncer, NULL, &error) ||
      !koi_syncer_download_attachments (syncer, NULL, &error))
    return report_error (error);
  koi_syncer_disconnect (syncer);

  list = koi_store_attachment_list (profile.store, target, &error);
  if (list == NULL)
    return report_error (error);
  if (list->len == 0)
    {
      fprintf (stderr, "koi-cli: message %s has no attachments\n", message);
      return EXIT_BAD_ARGUMENTS;
    }
  dir = g_path_get_dirname (koi_store_get_path (profile.store));
  for (guint i = 0; i < list->len; i++)
    {
      const KoiStoreAttachment *attachment = list->pdata[i];
      g_autoptr (JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, "attachment");
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, attachment->id);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, attachment->filename);
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, koi_cli_attachment_state_name (attachment->state));
      json_builder_set_member_name (builder, "size");
      json_builder_add_int_value (builder, attachment->size);
      if (attachment->state == KOI_STORE_ATTACHMENT_DONE)
        {
          g_autofree char *path = g_build_filename (dir, "attachments", attachment->local_path, NULL);

          json_builder_set_member_name (builder, "sha256");
          json_builder_add_string_value (builder, attachment->sha256);
          json_builder_set_member_name (builder, "path");
          json_builder_add_string_value (builder, path);
        }
      else
        {
          json_builder_set_member_name (builder, "error");
          json_builder_add_string_value (builder, attachment->error != NULL ? attachment->error
                                         : "not downloaded");
          code = EXIT_REFUSED;
        }
      koi_cli_print_object (builder);
    }
  return code;
}

/* MSG as the user wrote it: a message's id (see "messages") or its
 * Message-ID. 0 after telling the user there is no such message. */
static gint64
find_message (Profile    *profile,
              const char *message)
{
  guint64 id = 0;

  if (!g_ascii_string_to_unsigned (message, 10, 1, G_MAXINT64, &id, NULL))
    id = (guint64) koi_store_message_find (profile->store, profile->account->id, message, NULL);
  if (id == 0)
    fprintf (stderr, "koi-cli: no message “%s” (see “koi-cli messages CHAT”)\n", message);
  return (gint64) id;
}

typedef enum {
  REQUEST_EDIT,
  REQUEST_DELETE_FOR_ME,
  REQUEST_DELETE_FOR_EVERYONE,
  REQUEST_REACT,
} RequestKind;

/* edit, delete, react: applied to this profile's store at once, then
 * sent like a message (the peer and the account's other devices). */
static int
command_request (const char  *profile_dir,
                 const char  *message,
                 RequestKind  kind,
                 const char  *text)
{
  g_auto (Profile) profile = { 0, };
  g_autoptr (KoiSyncer) syncer = NULL;
  g_autoptr (GError) error = NULL;
  gint64 target;
  gint64 id = 0;

  if (!profile_open (&profile, profile_dir, TRUE, &error))
    return report_error (error);
  target = find_message (&profile, message);
  if (target == 0)
    return EXIT_BAD_ARGUMENTS;

  syncer = koi_syncer_new (profile.store, profile.account, NULL, NULL);
  switch (kind)
    {
    case REQUEST_EDIT:
      id = koi_syncer_queue_edit (syncer, target, text, &error);
      break;
    case REQUEST_DELETE_FOR_EVERYONE:
      id = koi_syncer_queue_delete (syncer, target, &error);
      break;
    case REQUEST_REACT:
      id = koi_syncer_queue_reaction (syncer, target, text, &error);
      break;
    case REQUEST_DELETE_FOR_ME:
    default:
      return koi_syncer_delete_local (syncer, target, &error) ? EXIT_OK : report_error (error);
    }
  if (id == 0)
    return report_error (error);

  return send_and_report (&profile, syncer, id);
}

/* --------------------------------------------------------------------- */
/* group */

static int
command_group_members (Profile *profile,
                       gint64   chat_id)
{
  g_autoptr (GPtrArray) members = NULL;
  g_autoptr (GError) error = NULL;

  members = koi_store_group_list_members (profile->store, chat_id, TRUE, &error);
  if (members == NULL)
    return report_error (error);
  for (guint i = 0; i < members->len; i++)
    {
      const KoiStoreGroupMember *member = g_ptr_array_index (members, i);
      g_autoptr (JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "address");
      json_builder_add_string_value (builder, member->address);
      json_builder_set_member_name (builder, "removed");
      json_builder_add_boolean_value (builder, member->removed);
      koi_cli_print_object (builder);
    }
  return EXIT_OK;
}

static int
command_group (const char  *profile_dir,
               int          argc,
               char       **argv)
{
  g_auto (Profile) profile = { 0, };
  g_autoptr (KoiSyncer) syncer = NULL;
  g_autoptr (GError) error = NULL;
  const char *verb = argv[0];
  guint64 chat_id = 0;
  gint64 id = 0;

  if (!profile_open (&profile, profile_dir, TRUE, &error))
    return report_error (error);
  syncer = koi_syncer_new (profile.store, profile.account, NULL, NULL);

  if (g_str_equal (verb, "create") && argc >= 3)
    {
      gint64 new_chat = 0;
      int code;

      id = koi_syncer_create_group (syncer, argv[1], (const char * const *) argv + 2, &new_chat, &error);
      if (id == 0)
        return report_error (error);
      /* The chat id first, then (once sent) the Message-ID. */
      printf ("%" G_GINT64_FORMAT "\n", new_chat);
      fflush (stdout);
      code = send_and_report (&profile, syncer, id);
      return code;
    }

  if (argc < 2 || !g_ascii_string_to_unsigned (argv[1], 10, 1, G_MAXINT64, &chat_id, NULL))
    return bad_arguments ("group %s takes a chat id (see “koi-cli chats”)", verb);

  if (g_str_equal (verb, "members") && argc == 2)
    return command_group_members (&profile, (gint64) chat_id);
  if (g_str_equal (verb, "add") && argc == 3)
    id = koi_syncer_group_add_member (syncer, (gint64) chat_id, argv[2], &error);
  else if (g_str_equal (verb, "remove") && argc == 3)
    id = koi_syncer_group_remove_member (syncer, (gint64) chat_id, argv[2], &error);
  else if (g_str_equal (verb, "rename") && argc == 3)
    id = koi_syncer_group_rename (syncer, (gint64) chat_id, argv[2], &error);
  else if (g_str_equal (verb, "leave") && argc == 2)
    id = koi_syncer_group_leave (syncer, (gint64) chat_id, &error);
  else
    return bad_arguments ("unknown group command or wrong number of arguments: “%s”", verb);

  if (id == 0)
    return report_error (error);
  return send_and_report (&profile, syncer, id);
}

/* --------------------------------------------------------------------- */
/* sync */

typedef struct {
  KoiStore *store;
  guint     received;
  guint     sent;
  guint     failed;
} SyncCounts;

static void
count_added (gint64   chat_id,
             gint64   message_ref,
             gpointer user_data)
{
  SyncCounts *counts = user_data;
  g_autoptr (KoiStoreMessage) message = koi_store_message_get (counts->store, message_ref, NULL);

  if (message != NULL && message->direction == KOI_STORE_DIRECTION_INCOMING)
    counts->received++;
}

static void
count_updated (gint64   chat_id,
               gint64   message_ref,
               gpointer user_data)
{
  SyncCounts *counts = user_data;
  g_autoptr (KoiStoreMessage) message = koi_store_message_get (counts->store, message_ref, NULL);

  if (message == NULL || message->direction != KOI_STORE_DIRECTION_OUTGOING)
    return;
  if (message->state == KOI_STORE_STATE_SENT)
    counts->sent++;
  else if (message->state == KOI_STORE_STATE_FAILED)
    counts->failed++;
}

static int
command_sync (const char *profile_dir)
{
  g_auto (Profile) profile = { 0, };
  g_autoptr (KoiSyncer) syncer = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) send_error = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  static const KoiSyncerEvents events = {
    .message_added = count_added,
    .message_updated = count_updated,
  };
  SyncCounts counts = { 0, };
  guint64 traffic[4];
  gboolean compressed;
  int code = EXIT_OK;

  if (!profile_open (&profile, profile_dir, TRUE, &error))
    return report_error (error);

  counts.store = profile.store;
  syncer = koi_syncer_new (profile.store, profile.account, &events, &counts);
  if (!koi_syncer_connect (syncer, NULL, &error) ||
      !koi_syncer_sync (syncer, TRUE, NULL, &error) ||
      !koi_syncer_download_attachments (syncer, NULL, &error))
    code = report_error (error);

  /* Sending does not depend on IMAP: try even when fetching failed. */
  if (!koi_syncer_send_queued (syncer, TRUE, NULL, &send_error) && code == EXIT_OK)
    code = report_error (send_error);

  /* Before LOGOUT forgets them: the IMAP bytes on the wire and plain. */
  compressed = koi_syncer_get_imap_traffic (syncer, &traffic[0], &traffic[1], &traffic[2],
                                            &traffic[3]);
  koi_syncer_disconnect (syncer);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, "synced");
  json_builder_set_member_name (builder, "received");
  json_builder_add_int_value (builder, counts.received);
  json_builder_set_member_name (builder, "sent");
  json_builder_add_int_value (builder, counts.sent);
  json_builder_set_member_name (builder, "failed");
  json_builder_add_int_value (builder, counts.failed);
  json_builder_set_member_name (builder, "imap_compressed");
  json_builder_add_boolean_value (builder, compressed);
  for (guint i = 0; i < G_N_ELEMENTS (traffic); i++)
    {
      static const char *const names[] = {
        "imap_wire_in", "imap_plain_in", "imap_wire_out", "imap_plain_out",
      };

      json_builder_set_member_name (builder, names[i]);
      json_builder_add_int_value (builder, (gint64) traffic[i]);
    }
  koi_cli_print_object (builder);

  return code;
}

/* --------------------------------------------------------------------- */
/* read receipts */

/* "read_by": who sent a read receipt for an outgoing message. */
static void
add_read_by (JsonBuilder           *builder,
             KoiStore              *store,
             const KoiStoreMessage *message)
{
  g_autoptr (GPtrArray) readers = NULL;

  if (message->direction != KOI_STORE_DIRECTION_OUTGOING)
    return;
  readers = message->read_count > 0 ? koi_store_receipt_readers (store, message->id, NULL) : NULL;

  json_builder_set_member_name (builder, "read_by");
  json_builder_begin_array (builder);
  for (guint i = 0; readers != NULL && i < readers->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (readers, i));
  json_builder_end_array (builder);
}

/* --------------------------------------------------------------------- */
/* watch */

typedef struct {
  GMainLoop  *loop;
  KoiStore   *store;
  int         code;
  gint64      replayed_up_to;   /* messages up to this id were printed by --since */
  GHashTable *states;           /* message id -> last printed state + 1 */
  GHashTable *reads;            /* message id -> readers printed */
} Watch;

/* Prints a stored message as a "message" event; its id is the cursor a
 * later `watch --since` resumes from. */
static void
print_message_event (KoiStore              *store,
                     const KoiStoreMessage *message)
{
  g_autofree char *peer = chat_peer (store, message->chat_id);
  g_autoptr (JsonBuilder) builder = koi_cli_message_object ("message", message, peer);

  json_builder_set_member_name (builder, "cursor");
  json_builder_add_int_value (builder, message->id);
  koi_cli_print_object (builder);
}

static void
watch_message_added (KoiEngine *engine,
                     gint64     chat_id,
                     gint64     message_id,
                     Watch     *watch)
{
  g_autoptr (KoiStoreMessage) message = koi_store_message_get (watch->store, message_id, NULL);

  /* Replayed already by --since (it was stored before the engine ran). */
  if (message == NULL || message->id <= watch->replayed_up_to)
    return;
  print_message_event (watch->store, message);
}

static void
watch_message_updated (KoiEngine *engine,
                       gint64     chat_id,
                       gint64     message_id,
                       Watch     *watch)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (KoiStoreMessage) message = koi_store_message_get (watch->store, message_id, NULL);
  gboolean state_change;

  if (message == NULL)
    return;

  /* A new reader of an outgoing message: "read" with everyone who read it. */
  if (message->direction == KOI_STORE_DIRECTION_OUTGOING && message->read_count > 0 &&
      GPOINTER_TO_UINT (g_hash_table_lookup (watch->reads, &message->id)) != message->read_count)
    {
      g_hash_table_insert (watch->reads, g_memdup2 (&message->id, sizeof message->id),
                           GUINT_TO_POINTER (message->read_count));
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, "read");
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, message_id);
      json_builder_set_member_name (builder, "chat_id");
      json_builder_add_int_value (builder, message->chat_id);
      json_builder_set_member_name (builder, "message_id");
      json_builder_add_string_value (builder, message->message_id);
      add_read_by (builder, watch->store, message);
      koi_cli_print_object (builder);
      return;
    }

  /* An outgoing message's delivery: "state"; anything else (an edit, a
   * deletion, a reaction, a receipt): "updated" with the current text. */
  state_change = message->direction == KOI_STORE_DIRECTION_OUTGOING &&
                 g_hash_table_lookup (watch->states, &message->id) != GINT_TO_POINTER (message->state + 1);
  if (state_change)
    g_hash_table_insert (watch->states, g_memdup2 (&message->id, sizeof message->id),
                         GINT_TO_POINTER (message->state + 1));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, state_change ? "state" : "updated");
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, message_id);
  json_builder_set_member_name (builder, "chat_id");
  json_builder_add_int_value (builder, message->chat_id);
  json_builder_set_member_name (builder, "message_id");
  json_builder_add_string_value (builder, message->message_id);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, koi_cli_state_name (message->state));
  if (message->failure_reason != NULL && message->state != KOI_STORE_STATE_SENT)
    {
      json_builder_set_member_name (builder, "failure_reason");
      json_builder_add_string_value (builder, message->failure_reason);
    }
  if (!state_change)
    {
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, message->text);
      json_builder_set_member_name (builder, "deleted");
      json_builder_add_boolean_value (builder, message->deleted);
      json_builder_set_member_name (builder, "edited_at_ms");
      json_builder_add_int_value (builder, message->edited_at_ms);
    }
  koi_cli_print_object (builder);
}

static void
watch_chat_updated (KoiEngine *engine,
                    gint64     chat_id,
                    Watch     *watch)
{
  g_autoptr (JsonBuilder) builder = NULL;
  g_autoptr (KoiStoreChat) chat = koi_store_chat_get (watch->store, chat_id, NULL);

  if (chat == NULL)
    return;
  builder = koi_cli_chat_object (chat);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, "chat");
  koi_cli_print_object (builder);
}

static void
watch_contact_updated (KoiEngine *engine,
                       gint64     contact_id,
                       Watch     *watch)
{
  g_autoptr (KoiStoreContact) contact = koi_store_contact_get (watch->store, contact_id, NULL);
  g_autoptr (JsonBuilder) builder = NULL;

  if (contact == NULL)
    return;
  builder = koi_cli_contact_object (contact, "contact");
  koi_cli_print_object (builder);
}

static void
watch_connection_changed (KoiEngine  *engine,
                          GParamSpec *pspec,
                          Watch      *watch)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, "connection");
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder,
                                 koi_connection_state_to_string (koi_engine_get_connection_state (engine)));
  koi_cli_print_object (builder);

  if (koi_engine_get_connection_state (engine) == KOI_CONNECTION_FAILED)
    g_main_loop_quit (watch->loop);
}

static void
watch_synced (KoiEngine *engine,
              Watch     *watch)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, "synced");
  koi_cli_print_object (builder);
}

static void
watch_error (KoiEngine    *engine,
             const GError *error,
             Watch        *watch)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, "error");
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, error->message);
  koi_cli_print_object (builder);

  watch->code = report_error (error);
}

static gboolean
watch_quit (gpointer user_data)
{
  Watch *watch = user_data;

  g_main_loop_quit (watch->loop);
  return G_SOURCE_CONTINUE;
}

/* `watch --since CURSOR`: what was stored after the cursor, before the
 * engine starts, so a bot that was stopped misses nothing. */
static gboolean
replay_since (Watch    *watch,
              gint64    account_id,
              gint64    cursor,
              GError  **error)
{
  for (;;)
    {
      g_autoptr (GPtrArray) messages = NULL;

      messages = koi_store_message_list_after (watch->store, account_id, cursor, 500, error);
      if (messages == NULL)
        return FALSE;
      if (messages->len == 0)
        return TRUE;

      for (guint i = 0; i < messages->len; i++)
        {
          const KoiStoreMessage *message = g_ptr_array_index (messages, i);

          print_message_event (watch->store, message);
          cursor = message->id;
        }
      watch->replayed_up_to = cursor;
    }
}

static int
command_watch (const char *profile_dir,
               gint64      since)
{
  g_auto (Profile) profile = { 0, };
  g_autoptr (KoiEngine) engine = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GError) error = NULL;
  g_autofree char *store_path = koi_profile_store_path (profile_dir);
  g_autoptr (GHashTable) states = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr (GHashTable) reads = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  Watch watch = { loop, NULL, EXIT_OK, 0, states, reads };
  g_autoptr (KoiProfileLock) lock = NULL;
  guint sigint, sigterm;

  /* watch runs an engine as the window does: one of them per profile. */
  if (!koi_profile_ensure (profile_dir, &error))
    return report_error (error);
  lock = koi_profile_lock_acquire (profile_dir, &error);
  if (lock == NULL)
    return report_error (error);
  if (!profile_open (&profile, profile_dir, TRUE, &error))
    return report_error (error);
  watch.store = profile.store;

  if (since >= 0 && !replay_since (&watch, profile.account->id, since, &error))
    return report_error (error);

  engine = koi_engine_new_from_config (store_path, profile.account);
  g_signal_connect (engine, "message-added", G_CALLBACK (watch_message_added), &watch);
  g_signal_connect (engine, "message-updated", G_CALLBACK (watch_message_updated), &watch);
  g_signal_connect (engine, "chat-updated", G_CALLBACK (watch_chat_updated), &watch);
  g_signal_connect (engine, "contact-updated", G_CALLBACK (watch_contact_updated), &watch);
  g_signal_connect (engine, "notify::connection-state", G_CALLBACK (watch_connection_changed), &watch);
  g_signal_connect (engine, "sync-finished", G_CALLBACK (watch_synced), &watch);
  g_signal_connect (engine, "error", G_CALLBACK (watch_error), &watch);

  sigint = g_unix_signal_add (SIGINT, watch_quit, &watch);
  sigterm = g_unix_signal_add (SIGTERM, watch_quit, &watch);

  koi_engine_start (engine);
  g_main_loop_run (loop);
  koi_engine_stop_and_wait (engine);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  return watch.code;
}

/* --------------------------------------------------------------------- */
/* chats, messages, search */

static int
command_chats (const char *profile_dir)
{
  g_auto (Profile) profile = { 0, };
  g_autoptr (GPtrArray) chats = NULL;
  g_autoptr (GError) error = NULL;

  if (!profile_open (&profile, profile_dir, TRUE, &error))
    return report_error (error);

  chats = koi_store_chat_list (profile.store, profile.account->id, &error);
  if (chats == NULL)
    return report_error (error);

  for (guint i = 0; i < chats->len; i++)
    {
      g_autoptr (JsonBuilder) builder = koi_cli_chat_object (g_ptr_array_index (chats, i));

      koi_cli_print_object (builder);
    }

  return EXIT_OK;
}

/* CHAT as the user wrote it: a chat id or a peer's address. 0 after
 * telling the user there is no such chat. */
static gint64
find_chat (Profile    *profile,
           const char *chat)
{
  guint64 chat_id = 0;

  if (!g_ascii_string_to_unsigned (chat, 10, 1, G_MAXINT64, &chat_id, NULL))
    chat_id = (guint64) koi_store_chat_find_by_peer (profile->store, profile->account->id, chat, NULL);
  if (chat_id == 0)
    fprintf (stderr, "koi-cli: no chat “%s” (see “koi-cli chats”)\n", chat);
  return (gint64) chat_id;
}

/* read: marks the chat read here and sets \Seen on the server, so the
 * user's other devices and webmail show it read too. */
static int
command_read (const char *profile_dir,
              const char *chat)
{
  g_auto (Profile) profile = { 0, };
  g_autoptr (KoiSyncer) syncer = NULL;
  g_autoptr (GError) error = NULL;
  gint64 chat_id;

  if (!profile_open (&profile, profile_dir, TRUE, &error))
    return report_error (error);
  chat_id = find_chat (&profile, chat);
  if (chat_id == 0)
    return EXIT_BAD_ARGUMENTS;

  syncer = koi_syncer_new (profile.store, profile.account, NULL, NULL);
  if (!koi_syncer_mark_read (syncer, chat_id, &error))
    return report_error (error);
  /* Read here by the user at the terminal: the messages were shown, so
   * the receipts they asked for go out now. */
  if (!koi_syncer_connect (syncer, NULL, &error) || !koi_syncer_push_seen (syncer, NULL, &error) ||
      !koi_syncer_send_receipts (syncer, NULL, &error) ||
      !koi_syncer_send_queued (syncer, FALSE, NULL, &error))
    {
      int code = report_error (error);

      fputs ("koi-cli: read here; the server learns it on the next sync or watch\n", stderr);
      return code;
    }
  koi_syncer_disconnect (syncer);
  return EXIT_OK;
}

/* A group message's info line ("info": added, removed, left, renamed,
 * created, or key-changed in any chat; "info_arg") and "not_member" (its
 * sender was no member). */
static gboolean
add_group_info (JsonBuilder  *builder,
                KoiStore     *store,
                gint64        message_ref,
                GError      **error)
{
  static const char * const names[] = { NULL, "created", "added", "removed", "left", "renamed",
                                        "key-changed" };
  g_autofree char *arg = NULL;
  KoiStoreGroupInfo info;
  gboolean not_member;

  if (!koi_store_message_get_group_info (store, message_ref, &info, &arg, &not_member, error))
    return FALSE;
  if (info > 0 && info < G_N_ELEMENTS (names))
    {
      json_builder_set_member_name (builder, "info");
      json_builder_add_string_value (builder, names[info]);
      json_builder_set_member_name (builder, "info_arg");
      json_builder_add_string_value (builder, arg);
    }
  json_builder_set_member_name (builder, "not_member");
  json_builder_add_boolean_value (builder, not_member);
  return TRUE;
}

/* The mail as the server holds it: what "Show Source" shows for an
 * unreadable or too-complex message. */
static int
command_source (const char *profile_dir,
                const char *message)
{
  g_auto (Profile) profile = { 0, };
  g_autoptr (KoiSyncer) syncer = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) source = NULL;
  gint64 ref;
  gsize size = 0;
  const char *data;

  if (!profile_open (&profile, profile_dir, TRUE, &error))
    return report_error (error);
  ref = find_message (&profile, message);
  if (ref == 0)
    return EXIT_BAD_ARGUMENTS;

  syncer = koi_syncer_new (profile.store, profile.account, NULL, NULL);
  if (!koi_syncer_connect (syncer, NULL, &error) ||
      (source = koi_syncer_fetch_source (syncer, ref, NULL, &error)) == NULL)
    return report_error (error);
  koi_syncer_disconnect (syncer);

  data = g_bytes_get_data (source, &size);
  fwrite (data, 1, size, stdout);
  return EXIT_OK;
}

/* The Autocrypt Setup Message (koi-syncer-keyxfer.c). The code goes to
 * stdout only: it is for the user's eyes and is kept nowhere. */
static int
command_export_setup (const char *profile_dir)
{
  g_auto (Profile) profile = { 0, };
  g_autoptr (KoiSyncer) syncer = NULL;
  g_autoptr (GError) error = NULL;
  char *code = NULL;

  if (!profile_open (&profile, profile_dir, TRUE, &error))
    return report_error (error);
  syncer = koi_syncer_new (profile.store, profile.account, NULL, NULL);
  if (!koi_syncer_connect (syncer, NULL, &error) ||
      (code = koi_syncer_send_setup_message (syncer, NULL, &error)) == NULL)
    return report_error (error);
  koi_syncer_disconnect (syncer);
  printf ("%s\n", code);
  fflush (stdout);
  koi_pgp_setup_code_free (code);
  return EXIT_OK;
}

static int
command_import_setup (const char *profile_dir,
                      const char *message)
{
  g_auto (Profile) profile = { 0, };
  g_autoptr (KoiSyncer) syncer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *fingerprint = NULL;
  char typed[256] = { 0, };
  char *code = NULL;
  gint64 ref;

  if (!profile_open (&profile, profile_dir, TRUE, &error))
    return report_error (error);
  /* Without MSG: the newest own setup message the code opens (0 below). */
  if (message != NULL)
    ref = find_message (&profile, message);
  else
    ref = koi_store_setup_message_latest (profile.store, profile.account->id,
                                          profile.account->address, NULL);
  if (ref == 0)
    {
      fputs ("koi-cli: no setup message (run sync first, or send one with "
             "\"keys export-setup\" on the device that has the key)\n", stderr);
      return EXIT_BAD_ARGUMENTS;
    }
  if (fgets (typed, sizeof typed, stdin) != NULL)
    code = koi_pgp_setup_code_normalize (typed);
  explicit_bzero (typed, sizeof typed);
  if (code == NULL)
    return bad_arguments ("a setup code is 36 digits (9 blocks of 4), on stdin");

  syncer = koi_syncer_new (profile.store, profile.account, NULL, NULL);
  if (koi_syncer_connect (syncer, NULL, &error))
    fingerprint = koi_syncer_import_setup_message (syncer, message != NULL ? ref : 0, code, NULL,
                                                   &error);
  koi_pgp_setup_code_free (code);
  koi_syncer_disconnect (syncer);
  if (fingerprint == NULL)
    {
      if (g_error_matches (error, KOI_PGP_ERROR, KOI_PGP_ERROR_WRONG_PASSPHRASE))
        {
          fputs ("koi-cli: the setup code is wrong; nothing was changed\n", stderr);
          return EXIT_FAILURE_OTHER;
        }
      return report_error (error);
    }
  {
    g_autoptr (JsonBuilder) builder = json_builder_new ();
    g_autofree char *display = koi_pgp_fingerprint_display (fingerprint);

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "fingerprint");
    json_builder_add_string_value (builder, display);
    koi_cli_print_object (builder);
  }
  return EXIT_OK;
}

static int
command_messages (const char *profile_dir,
                  const char *chat)
{
  g_auto (Profile) profile = { 0, };
  g_autoptr (GError) error = NULL;
  g_autofree char *peer = NULL;
  gboolean is_group = FALSE;
  guint64 chat_id = 0;
  guint count;

  if (!profile_open (&profile, profile_dir, TRUE, &error))
    return report_error (error);

  if (!g_ascii_string_to_unsigned (chat, 10, 1, G_MAXINT64, &chat_id, NULL))
    {
      chat_id = koi_store_chat_find_by_peer (profile.store, profile.account->id, chat, &error);
      if (error != NULL)
        return report_error (error);
    }
  if (chat_id != 0)
    {
      g_autoptr (KoiStoreChat) found = koi_store_chat_get (profile.store, chat_id, NULL);

      if (found != NULL)
        {
          is_group = found->kind == KOI_STORE_CHAT_GROUP;
          /* A group has no peer: its name stands in. */
          peer = g_strdup (is_group ? (found->name ? found->name : found->group_id)
                                    : found->peer_address);
        }
    }
  if (chat_id == 0 || peer == NULL)
    {
      fprintf (stderr, "koi-cli: no chat “%s” (see “koi-cli chats”)\n", chat);
      return EXIT_BAD_ARGUMENTS;
    }

  count = koi_store_message_count (profile.store, chat_id, &error);
  if (error != NULL)
    return report_error (error);

  /* In pages, so a long chat streams out in constant memory. */
  for (guint offset = 0; offset < count; offset += 500)
    {
      g_autoptr (GPtrArray) page = koi_store_message_page (profile.store, chat_id, offset, 500, &error);

      if (page == NULL)
        return report_error (error);

      for (guint i = 0; i < page->len; i++)
        {
          const KoiStoreMessage *message = g_ptr_array_index (page, i);
          g_autoptr (JsonBuilder) builder = koi_cli_message_object (NULL, message, peer);

          koi_cli_add_message_details (builder, profile.store, message);
          koi_cli_add_attachments (builder, profile.store, message);
          add_read_by (builder, profile.store, message);
          /* A key change is an info line in a 1:1 chat too. */
          if ((is_group || message->group_info != 0) &&
              !add_group_info (builder, profile.store, message->id, &error))
            return report_error (error);
          koi_cli_print_object (builder);
        }
    }

  return EXIT_OK;
}

static int
command_search (const char *profile_dir,
                const char *words)
{
  g_auto (Profile) profile = { 0, };
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;

  if (!profile_open (&profile, profile_dir, TRUE, &error))
    return report_error (error);

  found = koi_store_message_search (profile.store, profile.account->id, words, 100, &error);
  if (found == NULL)
    return report_error (error);

  for (guint i = 0; i < found->len; i++)
    {
      const KoiStoreMessage *message = g_ptr_array_index (found, i);
      g_autofree char *peer = chat_peer (profile.store, message->chat_id);
      g_autoptr (JsonBuilder) builder = koi_cli_message_object (NULL, message, peer);

      koi_cli_print_object (builder);
    }

  return EXIT_OK;
}

static int
command_set (const char *profile_dir,
             const char *key,
             const char *value)
{
  g_auto (Profile) profile = { 0, };
  g_autoptr (GError) error = NULL;
  gboolean on;

  if (g_str_equal (key, "auto-download-max"))
    {
      guint64 bytes = 0;

      /* Images up to this size come by themselves; 0 = none. */
      if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT64, &bytes, NULL))
        return bad_arguments ("auto-download-max is a size in bytes (0: never)");
      if (!profile_open (&profile, profile_dir, TRUE, &error))
        return report_error (error);
      if (!koi_store_setting_set (profile.store, profile.account->id, "attachment_auto_download_max",
                                  value, &error))
        return report_error (error);
      return EXIT_OK;
    }
  if (!g_str_equal (key, "move-chat-mail") && !g_str_equal (key, "read-receipts"))
    return bad_arguments ("unknown setting “%s”", key);
  if (g_str_equal (value, "on"))
    on = TRUE;
  else if (g_str_equal (value, "off"))
    on = FALSE;
  else
    return bad_arguments ("%s is on or off", key);

  if (!profile_open (&profile, profile_dir, TRUE, &error))
    return report_error (error);
  if (g_str_equal (key, "read-receipts"))
    {
      g_autoptr (KoiSyncer) syncer = koi_syncer_new (profile.store, profile.account, NULL, NULL);

      if (!koi_syncer_save_read_receipts (syncer, on, &error))
        return report_error (error);
      return EXIT_OK;
    }
  {
    g_autoptr (KoiSyncer) syncer = koi_syncer_new (profile.store, profile.account, NULL, NULL);

    if (!koi_syncer_save_move_chat_mail (syncer, on, &error))
      return report_error (error);
  }

  /* Stored all the same: it applies should the other app's mark ever be
   * cleared. But the user must know it does nothing now. */
  if (on)
    {
      g_autofree char *seen_in = NULL;
      gint64 seen_at = 0;
      KoiChatClient other = koi_chat_client_load (profile.store, profile.account->id, &seen_in,
                                                  &seen_at);

      if (other != KOI_CHAT_CLIENT_NONE)
        {
          g_autoptr (GDateTime) when = g_date_time_new_from_unix_local (seen_at);
          g_autofree char *date = when != NULL ? g_date_time_format (when, "%F %R") : NULL;

          g_printerr ("koi-cli: chat mail stays in INBOX: another chat app (%s) uses this "
                      "account (seen in <%s> on %s); moving would take mail away from it\n",
                      other == KOI_CHAT_CLIENT_DELTA_CHAT ? "Delta Chat" : "unknown",
                      seen_in != NULL ? seen_in : "?", date != NULL ? date : "?");
        }
    }

  return EXIT_OK;
}

static int
command_contacts (const char  *profile_dir,
                  const char  *command,
                  char       **args,
                  int          n_args)
{
  g_auto (Profile) profile = { 0, };
  g_autoptr (GError) error = NULL;

  if (!profile_open (&profile, profile_dir, TRUE, &error))
    return report_error (error);
  if (koi_cli_contacts_command (profile.store, profile.account, command, args, n_args, &error))
    return EXIT_OK;
  if (error->domain == G_OPTION_ERROR)
    return bad_arguments ("%s", error->message);
  return report_error (error);
}

/* --------------------------------------------------------------------- */
/* account trust */

static int
command_account_trust (const char  *profile_dir,
                       int          argc,
                       char       **argv)
{
  g_auto (GStrv) fingerprints = NULL;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GPtrArray) trusted = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (Profile) profile = { 0, };
  GOptionEntry entries[] = {
    { "fingerprint", 0, 0, G_OPTION_ARG_STRING_ARRAY, &fingerprints,
      "SHA-256 fingerprint of the certificate to trust", "SHA256" },
    { NULL }
  };

  context = g_option_context_new ("- trust a server certificate");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_help_enabled (context, FALSE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return bad_arguments ("%s", error->message);
  if (argc > 1)
    return bad_arguments ("unexpected argument “%s”", argv[1]);
  if (fingerprints == NULL)
    return bad_arguments ("--fingerprint needs the SHA-256 fingerprint of the certificate");

  /* The password is not needed: nothing logs in. */
  if (!profile_open (&profile, profile_dir, FALSE, &error))
    return report_error (error);
  {
    gint64 id;

    if (!resolve_account (profile.store, &id, &error))
      return report_error (error);
    if (id == 0)
      {
        g_autoptr (GPtrArray) accounts = koi_store_account_list (profile.store, &error);

        if (accounts == NULL)
          return report_error (error);
        if (accounts->len == 0)
          {
            g_set_error_literal (&error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_NO_ACCOUNT,
                                 "The profile has no account yet: add one with koi-cli account add");
            return report_error (error);
          }
        id = ((KoiStoreAccount *) g_ptr_array_index (accounts, 0))->id;
      }
    if (!koi_cert_trust_account_sync (profile.store, id, (const char * const *) fingerprints,
                                      &trusted, NULL, &error))
      return report_error (error);
  }

  for (guint i = 0; i < trusted->len; i++)
    {
      const KoiCertInfo *info = g_ptr_array_index (trusted, i);

      fprintf (stderr, "koi-cli: trusting %s:%u with SHA-256 %s\n", info->host, info->port, info->sha256);
    }
  return EXIT_OK;
}

/* --------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  g_autofree char *profile_dir = NULL;
  int i = 1;

  setlocale (LC_ALL, "");
  koi_model_init ();

  while (i < argc && g_str_has_prefix (argv[i], "--"))
    {
      if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h"))
        {
          fputs (usage, stdout);
          return EXIT_OK;
        }
      else if (g_str_equal (argv[i], "--version"))
        {
          printf ("koi-cli %s\n", PACKAGE_VERSION);
          return EXIT_OK;
        }
      else if (g_str_equal (argv[i], "--profile") && i + 1 < argc)
        {
          g_free (profile_dir);
          profile_dir = g_strdup (argv[i + 1]);
          i += 2;
        }
      else if (g_str_equal (argv[i], "--account") && i + 1 < argc)
        {
          g_free (chosen_account);
          chosen_account = g_strdup (argv[i + 1]);
          i += 2;
        }
      else if (g_str_has_prefix (argv[i], "--account="))
        {
          g_free (chosen_account);
          chosen_account = g_strdup (argv[i] + strlen ("--account="));
          i++;
        }
      else if (g_str_has_prefix (argv[i], "--profile="))
        {
          g_free (profile_dir);
          profile_dir = g_strdup (argv[i] + strlen ("--profile="));
          i++;
        }
      else
        return bad_arguments ("unknown option “%s”", argv[i]);
    }

  if (profile_dir == NULL)
    profile_dir = koi_profile_default_dir ();

  if (i >= argc)
    return bad_arguments ("no command given");

  if (g_str_equal (argv[i], "account") && i + 1 < argc && g_str_equal (argv[i + 1], "add"))
    return command_account_add (profile_dir, argc - i - 1, argv + i + 1);
  if (g_str_equal (argv[i], "account") && i + 1 < argc && g_str_equal (argv[i + 1], "trust"))
    return command_account_trust (profile_dir, argc - i - 1, argv + i + 1);
  if (g_str_equal (argv[i], "account") && argc - i == 3 && g_str_equal (argv[i + 1], "remove"))
    {
      g_autoptr (GError) error = NULL;

      if (!koi_cli_account_remove (profile_dir, argv[i + 2], &error))
        return report_error (error);
      fprintf (stderr, "koi-cli: removed %s from this profile (its mail stays on the server)\n",
               argv[i + 2]);
      return EXIT_OK;
    }
  if (g_str_equal (argv[i], "account") && i + 1 < argc && g_str_equal (argv[i + 1], "coi") &&
      (argc - i == 2 || (argc - i == 3 && g_str_equal (argv[i + 2], "enable"))))
    {
      g_auto (Profile) profile = { 0, };
      g_autoptr (GError) error = NULL;

      if (!profile_open (&profile, profile_dir, TRUE, &error) ||
          !koi_cli_account_coi (profile.store, profile.account, argc - i == 3, &error))
        return report_error (error);
      return EXIT_OK;
    }
  if (g_str_equal (argv[i], "send") && argc - i == 3)
    return command_send (profile_dir, argv[i + 1], argv[i + 2], NULL);
  if (g_str_equal (argv[i], "send") && argc - i == 5 && g_str_equal (argv[i + 1], "--reply-to"))
    return command_send (profile_dir, argv[i + 3], argv[i + 4], argv[i + 2]);
  if (g_str_equal (argv[i], "send") && argc - i == 4 && g_str_equal (argv[i + 1], "--file"))
    return command_send_file (profile_dir, argv[i + 3], argv[i + 2], NULL, NULL);
  if (g_str_equal (argv[i], "send") && argc - i == 6 && g_str_equal (argv[i + 1], "--reply-to") &&
      g_str_equal (argv[i + 3], "--file"))
    return command_send_file (profile_dir, argv[i + 5], argv[i + 4], NULL, argv[i + 2]);
  if (g_str_equal (argv[i], "send") && argc - i == 6 && g_str_equal (argv[i + 1], "--file") &&
      g_str_equal (argv[i + 3], "--caption"))
    return command_send_file (profile_dir, argv[i + 5], argv[i + 2], argv[i + 4], NULL);
  if (g_str_equal (argv[i], "download") && argc - i == 2)
    return command_download (profile_dir, argv[i + 1]);
  if (g_str_equal (argv[i], "edit") && argc - i == 3)
    return command_request (profile_dir, argv[i + 1], REQUEST_EDIT, argv[i + 2]);
  if (g_str_equal (argv[i], "delete") && argc - i == 2)
    return command_request (profile_dir, argv[i + 1], REQUEST_DELETE_FOR_ME, NULL);
  if (g_str_equal (argv[i], "delete") && argc - i == 3 &&
      (g_str_equal (argv[i + 1], "--everyone") || g_str_equal (argv[i + 2], "--everyone")))
    return command_request (profile_dir,
                            argv[i + (g_str_equal (argv[i + 1], "--everyone") ? 2 : 1)],
                            REQUEST_DELETE_FOR_EVERYONE, NULL);
  if (g_str_equal (argv[i], "react") && argc - i == 3)
    return command_request (profile_dir, argv[i + 1], REQUEST_REACT, argv[i + 2]);
  if (g_str_equal (argv[i], "group") && argc - i >= 2)
    return command_group (profile_dir, argc - i - 1, argv + i + 1);
  if (g_str_equal (argv[i], "sync") && argc - i == 1)
    return command_sync (profile_dir);
  if (g_str_equal (argv[i], "watch") && argc - i == 1)
    return command_watch (profile_dir, -1);
  if (g_str_equal (argv[i], "watch") && argc - i == 3 && g_str_equal (argv[i + 1], "--since"))
    {
      guint64 cursor;

      if (!g_ascii_string_to_unsigned (argv[i + 2], 10, 0, G_MAXINT64, &cursor, NULL))
        return bad_arguments ("--since takes the cursor of an earlier event (a number)");
      return command_watch (profile_dir, (gint64) cursor);
    }
  if (g_str_equal (argv[i], "chats") && argc - i == 1)
    return command_chats (profile_dir);
  if (g_str_equal (argv[i], "messages") && argc - i == 2)
    return command_messages (profile_dir, argv[i + 1]);
  if (g_str_equal (argv[i], "read") && argc - i == 2)
    return command_read (profile_dir, argv[i + 1]);
  if (g_str_equal (argv[i], "search") && argc - i == 2)
    return command_search (profile_dir, argv[i + 1]);
  if (g_str_equal (argv[i], "source") && argc - i == 2)
    return command_source (profile_dir, argv[i + 1]);
  if (g_str_equal (argv[i], "keys") && argc - i == 2 && g_str_equal (argv[i + 1], "export-setup"))
    return command_export_setup (profile_dir);
  if (g_str_equal (argv[i], "keys") && argc - i >= 3 && argc - i <= 4 &&
      g_str_equal (argv[i + 1], "import-setup") && g_str_equal (argv[argc - 1], "--code-stdin"))
    return command_import_setup (profile_dir, argc - i == 4 ? argv[i + 2] : NULL);
  if (g_str_equal (argv[i], "contacts") || g_str_equal (argv[i], "contact") ||
      g_str_equal (argv[i], "keys") ||
      g_str_equal (argv[i], "profile") || g_str_equal (argv[i], "request"))
    return command_contacts (profile_dir, argv[i], argv + i + 1, argc - i - 1);
  if (g_str_equal (argv[i], "set") && argc - i == 3)
    return command_set (profile_dir, argv[i + 1], argv[i + 2]);

  return bad_arguments ("unknown command or wrong number of arguments: “%s”", argv[i]);
}
