/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "koi-coi.h"
#include "koi-coi-gmime.h"

/* The Autocrypt Setup Message as mail: what Koi writes, and how it types
 * what it reads (its own, Delta Chat's, and a fake one). */

#define ARMOUR \
  "-----BEGIN PGP MESSAGE-----\n" \
  "Passphrase-Format: numeric9x4\n" \
  "Passphrase-Begin: 12\n" \
  "\n" \
  "wy4ECQMIXaQ3bwbo1ydg6Tx3HNoK5HvVY2Ayzk3y3ACdw0NVZ39fx6ZFHKMwEusM\n" \
  "=xd5V\n" \
  "-----END PGP MESSAGE-----\n"

static GBytes *
built (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GMimeMessage) message = koi_coi_build_setup_message ("alice@example.org", ARMOUR,
                                                                  &error);

  g_assert_no_error (error);
  return koi_coi_message_to_bytes (message);
}

static GMimeMessage *
parse (GBytes *raw)
{
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (raw, NULL),
                                                                      g_bytes_get_size (raw));
  g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (stream);

  return g_mime_parser_construct_message (parser, NULL);
}

static void
test_written (void)
{
  g_autoptr (GBytes) raw = built ();
  g_autofree char *text = g_strndup (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  g_autoptr (GMimeMessage) message = parse (raw);
  g_autofree char *armour = koi_coi_setup_message_armour (message);
  InternetAddressList *to = g_mime_message_get_to (message);

  g_assert_nonnull (strstr (text, "\r\nAutocrypt-Setup-Message: v1\r\n"));
  g_assert_nonnull (strstr (text, "Subject: Autocrypt Setup Message\r\n"));
  g_assert_nonnull (strstr (text, "Content-Type: application/autocrypt-setup"));
  g_assert_nonnull (strstr (text, "multipart/mixed"));
  g_assert_cmpstr (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (
                     internet_address_list_get_address (to, 0))), ==, "alice@example.org");
  g_assert_true (koi_coi_is_setup_message (message));
  g_assert_nonnull (armour);
  g_assert_nonnull (strstr (armour, "-----BEGIN PGP MESSAGE-----"));
  g_assert_nonnull (strstr (armour, "Passphrase-Begin: 12"));
  g_assert_nonnull (strstr (armour, "wy4ECQMIXaQ3bwbo1ydg6Tx3HNoK5HvVY2Ayzk3y3ACdw0NVZ39fx6ZFHKMwEusM"));
  g_assert_nonnull (strstr (armour, "-----END PGP MESSAGE-----"));
}

static void
test_typed_hidden (void)
{
  g_autoptr (GBytes) raw = built ();
  g_autoptr (GError) error = NULL;
  KoiCoiParsed *parsed = koi_coi_parse (raw, &error);

  g_assert_no_error (error);
  g_assert_cmpint (parsed->type, ==, KOI_COI_TYPE_KEY_SETUP);
  g_assert_true (koi_coi_type_is_hidden (parsed->type));
  /* It stays in INBOX, where Delta Chat looks for it too. */
  g_assert_false (koi_coi_type_is_chat_mail (parsed->type));
  g_assert_cmpstr (koi_coi_type_to_string (parsed->type), ==, "key-setup");
  g_assert_cmpstr (parsed->from_address, ==, "alice@example.org");
  koi_coi_parsed_free (parsed);
}

/* The header pass sees only KOI_COI_CLASSIFY_HEADER_FIELDS: it must give
 * the same type. */
static void
test_header_pass (void)
{
  g_autoptr (GBytes) raw = built ();
  g_autofree char *text = g_strndup (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  g_auto (GStrv) wanted = g_strsplit (KOI_COI_CLASSIFY_HEADER_FIELDS, " ", -1);
  g_auto (GStrv) lines = g_strsplit (text, "\r\n", -1);
  g_autoptr (GString) headers = g_string_new (NULL);
  g_autoptr (GBytes) header_bytes = NULL;
  g_autoptr (GMimeMessage) message = NULL;

  for (guint i = 0; lines[i] != NULL && *lines[i] != '\0'; i++)
    for (guint j = 0; wanted[j] != NULL; j++)
      if (g_ascii_strncasecmp (lines[i], wanted[j], strlen (wanted[j])) == 0 &&
          lines[i][strlen (wanted[j])] == ':')
        g_string_append_printf (headers, "%s\r\n", lines[i]);
  g_string_append (headers, "\r\n");
  header_bytes = g_bytes_new (headers->str, headers->len);
  message = parse (header_bytes);
  g_assert_cmpint (koi_coi_classify_headers (message), ==, KOI_COI_TYPE_KEY_SETUP);
}

/* Delta Chat's form: Chat-Version, the block inside an HTML attachment. */
static void
test_delta_chat_form (void)
{
  const char *mail =
    "From: <alice@example.org>\r\n"
    "To: <alice@example.org>\r\n"
    "Subject: Autocrypt Setup Message\r\n"
    "Date: Tue, 24 Nov 2020 09:34:48 +0000\r\n"
    "Message-ID: <abc@example.org>\r\n"
    "Chat-Version: 1.0\r\n"
    "Autocrypt-Setup-Message: v1\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b\"\r\n"
    "\r\n"
    "--b\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "This is the Autocrypt Setup Message used to transfer your end-to-end setup.\r\n"
    "--b\r\n"
    "Content-Type: application/autocrypt-setup\r\n"
    "Content-Disposition: attachment; filename=\"autocrypt-setup-message.html\"\r\n"
    "\r\n"
    "<!DOCTYPE html><html><body><pre>\r\n"
    "-----BEGIN PGP MESSAGE-----\r\n"
    "Passphrase-Format: numeric9x4\r\n"
    "Passphrase-Begin: 17\r\n"
    "\r\n"
    "wy4ECQMI\r\n"
    "-----END PGP MESSAGE-----\r\n"
    "</pre></body></html>\r\n"
    "--b--\r\n";
  g_autoptr (GBytes) raw = g_bytes_new_static (mail, strlen (mail));
  KoiCoiParsed *parsed = koi_coi_parse (raw, NULL);
  g_autoptr (GMimeMessage) message = parse (raw);
  g_autofree char *armour = koi_coi_setup_message_armour (message);

  g_assert_cmpint (parsed->type, ==, KOI_COI_TYPE_KEY_SETUP);
  g_assert_nonnull (strstr (armour, "Passphrase-Begin: 17"));
  koi_coi_parsed_free (parsed);
}

/* The header alone hides no ordinary mail. */
static void
test_header_without_key (void)
{
  const char *mail =
    "From: <mallory@example.net>\r\n"
    "To: <alice@example.org>\r\n"
    "Subject: Hello\r\n"
    "Message-ID: <x@example.net>\r\n"
    "Autocrypt-Setup-Message: v1\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b\"\r\n"
    "\r\n"
    "--b\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Just a mail.\r\n"
    "--b--\r\n";
  g_autoptr (GBytes) raw = g_bytes_new_static (mail, strlen (mail));
  KoiCoiParsed *parsed = koi_coi_parse (raw, NULL);

  g_assert_cmpint (parsed->type, ==, KOI_COI_TYPE_EMAIL);
  g_assert_cmpstr (parsed->text, ==, "Just a mail.");
  koi_coi_parsed_free (parsed);
}

static void
test_refuses_bad_input (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GMimeMessage) message = koi_coi_build_setup_message ("alice@example.org\r\nBcc: x@y",
                                                                  ARMOUR, &error);

  g_assert_null (message);
  g_assert_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID);
  g_clear_error (&error);
  message = koi_coi_build_setup_message ("alice@example.org", "not armoured", &error);
  g_assert_null (message);
  g_assert_error (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();
  g_test_add_func ("/coi-setup/written", test_written);
  g_test_add_func ("/coi-setup/typed-hidden", test_typed_hidden);
  g_test_add_func ("/coi-setup/header-pass", test_header_pass);
  g_test_add_func ("/coi-setup/delta-chat-form", test_delta_chat_form);
  g_test_add_func ("/coi-setup/header-without-key", test_header_without_key);
  g_test_add_func ("/coi-setup/refuses-bad-input", test_refuses_bad_input);
  return g_test_run ();
}
