/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-coi-contact"

#include "config.h"

#include <string.h>

#include "koi-coi.h"
#include "koi-coi-gmime.h"

/* Contact cards: the vCard reader/writer, contact.json, the seed's
 * message, and what Koi keeps of broken cards. */

static GBytes *
read_eml (const char *name)
{
  g_autofree char *path = g_build_filename (g_getenv ("KOI_SOURCE_ROOT"), "tests", "coi", "eml",
                                            name, NULL);
  g_autoptr (GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

static char *
message_bytes (GMimeMessage *message)
{
  g_autoptr (GMimeFormatOptions) options = g_mime_format_options_new ();

  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  return g_mime_object_to_string (GMIME_OBJECT (message), options);
}

/* ------------------------------------------------------------------ */
/* vCard */

static void
test_vcard_fields (void)
{
  const char *text =
    "BEGIN:VCARD\r\n"
    "VERSION:4.0\r\n"
    "FN:Bob\r\n"
    " by Example\r\n"
    "item1.EMAIL;TYPE=work:bob@work.example\r\n"
    "EMAIL;PREF=1;TYPE=\"home,x\":bob@example.org\r\n"
    "NOTE:a\\, b\\; c\\\\d\\ne\r\n"
    "X-UNKNOWN;X-P=\"a:b;c\";X-Q=^^^'^n:v\r\n"
    "END:VCARD\r\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiVCard) card = koi_vcard_parse (text, &error);
  g_autofree char *fn = NULL;
  g_autofree char *note = NULL;
  KoiVCardProperty *email;
  KoiVCardProperty *unknown;

  g_assert_no_error (error);
  fn = koi_vcard_get_text (card, "fn");
  g_assert_cmpstr (fn, ==, "Bobby Example");   /* one space of the fold is eaten */
  email = koi_vcard_get (card, "EMAIL");
  g_assert_cmpstr (email->value, ==, "bob@example.org");   /* PREF=1 wins */
  g_assert_cmpstr (koi_vcard_property_get_param (email, "type"), ==, "home,x");
  email = g_ptr_array_index (card->properties, 2);
  g_assert_cmpstr (email->group, ==, "item1");
  note = koi_vcard_get_text (card, "NOTE");
  g_assert_cmpstr (note, ==, "a, b; c\\d\ne");
  unknown = koi_vcard_get (card, "X-UNKNOWN");
  g_assert_cmpstr (koi_vcard_property_get_param (unknown, "X-P"), ==, "a:b;c");
  g_assert_cmpstr (koi_vcard_property_get_param (unknown, "X-Q"), ==, "^\"\n");
  g_assert_cmpstr (unknown->value, ==, "v");
}

static void
test_vcard_write_roundtrip (void)
{
  g_autoptr (KoiVCard) card = koi_vcard_new ();
  g_autoptr (KoiVCard) again = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text2 = NULL;
  g_autofree char *long_name = NULL;
  g_autofree char *read_back = NULL;
  g_auto (GStrv) lines = NULL;
  KoiVCardProperty *property;
  GString *name = g_string_new (NULL);

  /* Two-byte characters so a fold at 75 octets would land inside one. */
  for (guint i = 0; i < 60; i++)
    g_string_append (name, i % 3 == 0 ? "ä" : "b");
  long_name = g_string_free (name, FALSE);

  koi_vcard_add_raw (card, "VERSION", "4.0");
  koi_vcard_set_text (card, "FN", long_name);
  koi_vcard_set_text (card, "NOTE", "line one\nline, two; \\ three");
  property = koi_vcard_add_raw (card, "X-KEEP", "raw\\,value");
  koi_vcard_property_set_param (property, "X-LABEL", "with \"quote\" and: colon");
  property = koi_vcard_add_raw (card, "EMAIL", "a@example.org");
  koi_vcard_property_set_param (property, "TYPE", "work,home");

  text = koi_vcard_to_string (card);
  lines = g_strsplit (text, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_assert_cmpuint (strlen (lines[i]), <=, 75);
      g_assert_true (g_utf8_validate (lines[i], -1, NULL));
    }
  g_assert_true (g_str_has_prefix (text, "BEGIN:VCARD\r\nVERSION:4.0\r\n"));
  g_assert_true (g_str_has_suffix (text, "END:VCARD\r\n"));
  g_assert_nonnull (strstr (text, "TYPE=work,home:"));
  g_assert_nonnull (strstr (text, "X-LABEL=\"with ^'quote^' and: colon\""));

  again = koi_vcard_parse (text, NULL);
  g_assert_nonnull (again);
  read_back = koi_vcard_get_text (again, "FN");
  g_assert_cmpstr (read_back, ==, long_name);
  g_clear_pointer (&read_back, g_free);
  read_back = koi_vcard_get_text (again, "NOTE");
  g_assert_cmpstr (read_back, ==, "line one\nline, two; \\ three");
  g_assert_cmpstr (koi_vcard_property_get_param (koi_vcard_get (again, "X-KEEP"), "X-LABEL"), ==,
                   "with \"quote\" and: colon");
  text2 = koi_vcard_to_string (again);
  g_assert_cmpstr (text2, ==, text);
}

static void
test_vcard_many (void)
{
  const char *text =
    "BEGIN:VCARD\nVERSION:3.0\nFN:One\nEMAIL;INTERNET;WORK:one@example.org\nEND:VCARD\n"
    "junk line\n"
    "BEGIN:VCARD\nVERSION:4.0\nFN:Two\nEMAIL:two@example.org\nEND:VCARD\n"
    "BEGIN:VCARD\nFN:Three (cut off)\n";
  g_autoptr (GPtrArray) cards = koi_vcard_parse_all (text, NULL);
  KoiVCardProperty *email;

  g_assert_cmpuint (cards->len, ==, 3);
  email = koi_vcard_get (g_ptr_array_index (cards, 0), "EMAIL");
  /* vCard 2.1 bare types become TYPE. */
  g_assert_cmpstr (koi_vcard_property_get_param (email, "TYPE"), ==, "INTERNET");
  g_assert_cmpstr (koi_vcard_get (g_ptr_array_index (cards, 2), "FN")->value, ==, "Three (cut off)");
}

static void
test_vcard_split (void)
{
  g_auto (GStrv) parts = koi_vcard_split ("Example;Bob\\; Jr;;Dr.\\,;", ';');

  g_assert_cmpuint (g_strv_length (parts), ==, 5);
  g_assert_cmpstr (parts[0], ==, "Example");
  g_assert_cmpstr (parts[1], ==, "Bob; Jr");
  g_assert_cmpstr (parts[2], ==, "");
  g_assert_cmpstr (parts[3], ==, "Dr.,");
  g_assert_cmpstr (parts[4], ==, "");
}

static void
test_data_uri (void)
{
  static const struct {
    const char *uri;
    const char *mime;   /* NULL: not decoded */
    const char *data;
  } cases[] = {
    { "data:image/jpeg;base64,aGVsbG8=", "image/jpeg", "hello" },
    { "data:image/png;base64,aGVs bG8=", "image/png", "hello" },
    { "data:,hello%20there", NULL, "hello there" },
    { "data:image/jpeg;base64,aGVsbG8", NULL, NULL },      /* bad length */
    { "data:image/jpeg;base64,aGV*bG8=", NULL, NULL },     /* bad character */
    { "http://example.org/photo.jpg", NULL, NULL },
    { "data:image/jpeg;base64", NULL, NULL },              /* no comma */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *mime = NULL;
      g_autoptr (GBytes) bytes = koi_vcard_data_uri_decode (cases[i].uri, &mime);

      if (cases[i].data == NULL)
        {
          g_assert_null (bytes);
          continue;
        }
      g_assert_nonnull (bytes);
      g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                       cases[i].data, strlen (cases[i].data));
      g_assert_cmpstr (mime, ==, cases[i].mime);
    }

  {
    g_autoptr (GBytes) in = g_bytes_new_static ("\xff\xd8\xff\x00x", 5);
    g_autofree char *uri = koi_vcard_data_uri_encode (in, "image/jpeg");
    g_autoptr (GBytes) out = koi_vcard_data_uri_decode (uri, NULL);

    g_assert_true (g_bytes_equal (in, out));
  }
}

/* ------------------------------------------------------------------ */
/* The seed's card */

static KoiCoiParsed *
parse_seed (void)
{
  g_autoptr (GBytes) raw = read_eml ("coi-seed-contact.eml");
  g_autoptr (GError) error = NULL;
  KoiCoiParsed *parsed = koi_coi_parse (raw, &error);

  g_assert_no_error (error);
  return parsed;
}

static void
test_seed_golden (void)
{
  g_autoptr (KoiCoiParsed) parsed = parse_seed ();
  g_autoptr (KoiContactCard) card = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *status = NULL;
  g_autofree char *birthday = NULL;
  g_autofree char *anniversary = NULL;
  g_autofree char *language = NULL;
  g_autofree char *mime = NULL;
  g_autoptr (GBytes) photo = NULL;
  g_auto (GStrv) groups = NULL;
  g_auto (GStrv) emails = NULL;

  g_assert_cmpint (parsed->type, ==, KOI_COI_TYPE_CONTACT);
  g_assert_true (koi_coi_type_is_hidden (parsed->type));
  g_assert_nonnull (parsed->contact_json);
  g_assert_nonnull (parsed->contact_vcard);
  g_assert_nonnull (strstr (parsed->contact_headers, "1-dGhpcyBpcyBhIHRva2Vu"));

  card = koi_contact_card_parse (parsed->contact_json, parsed->contact_vcard,
                                 parsed->contact_hcard, parsed->contact_headers, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (koi_contact_card_get_address (card), ==, "bob@example.org");
  emails = koi_contact_card_get_emails (card);
  g_assert_cmpuint (g_strv_length (emails), ==, 2);
  g_assert_cmpstr (emails[1], ==, "bob@work.example");
  name = koi_contact_card_get_name (card);
  g_assert_cmpstr (name, ==, "Bob Example");
  status = koi_contact_card_get_status (card);
  g_assert_cmpstr (status, ==, "idling around...");
  groups = koi_contact_card_get_groups (card);
  g_assert_cmpuint (g_strv_length (groups), ==, 2);
  g_assert_cmpstr (groups[0], ==, "friends");
  g_assert_false (koi_contact_card_get_notify (card));
  g_assert_false (koi_contact_card_get_is_me (card));
  g_assert_false (koi_contact_card_get_blocked (card));
  birthday = koi_contact_card_get_birthday (card);
  g_assert_cmpstr (birthday, ==, "--0203");
  anniversary = koi_contact_card_get_anniversary (card);
  g_assert_cmpstr (anniversary, ==, "20090808T1430-0500");
  language = koi_contact_card_get_language (card);
  g_assert_cmpstr (language, ==, "de");
  photo = koi_contact_card_get_photo (card, &mime);
  g_assert_nonnull (photo);
  g_assert_cmpstr (mime, ==, "image/jpeg");
  g_assert_cmpint (((const guchar *) g_bytes_get_data (photo, NULL))[0], ==, 0xff);
  g_assert_cmpint (((const guchar *) g_bytes_get_data (photo, NULL))[1], ==, 0xd8);
}

/* Koi's own output parses back to the same message, byte for byte. */
static void
test_build_roundtrip (void)
{
  g_autoptr (KoiContactCard) card = koi_contact_card_new ("Carol@Example.org");
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GMimeMessage) message2 = NULL;
  g_autoptr (KoiCoiParsed) parsed = NULL;
  g_autoptr (KoiContactCard) card2 = NULL;
  g_autofree char *bytes = NULL;
  g_autofree char *bytes2 = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GError) error = NULL;
  const char *groups[] = { "family", "ü-group", NULL };

  koi_contact_card_set_name (card, "Carol Ünïcode, Jr.");
  koi_contact_card_set_status (card, "on holiday; back Monday");
  koi_contact_card_set_groups (card, groups);
  koi_contact_card_set_notify (card, FALSE);
  koi_contact_card_set_birthday (card, "--1231");
  koi_contact_card_set_blocked (card, TRUE);

  message = koi_contact_card_build (card, "me@example.org", "coi$contact.1@example.org",
                                    1700000000000);
  bytes = message_bytes (message);
  g_assert_nonnull (strstr (bytes, "Subject: Chat: Contact\r\n"));
  g_assert_nonnull (strstr (bytes, "Chat-Version: 1.0\r\n"));
  g_assert_nonnull (strstr (bytes, "COI-Blocked: yes\r\n"));
  g_assert_nonnull (strstr (bytes, "Chat-Content: contact\r\n"));
  g_assert_nonnull (strstr (bytes, "filename=contact.vcf"));
  g_assert_nonnull (strstr (bytes, "This message contains a contact, do not delete."));
  /* 7-bit on the wire. */
  for (const char *p = bytes; *p != '\0'; p++)
    g_assert_cmpint ((guchar) *p, <, 0x80);

  raw = g_bytes_new (bytes, strlen (bytes));
  parsed = koi_coi_parse (raw, &error);
  g_assert_no_error (error);
  g_assert_cmpint (parsed->type, ==, KOI_COI_TYPE_CONTACT);
  card2 = koi_contact_card_parse (parsed->contact_json, parsed->contact_vcard, NULL,
                                  parsed->contact_headers, &error);
  g_assert_no_error (error);
  g_assert_true (koi_contact_card_get_blocked (card2));
  g_assert_cmpstr (koi_contact_card_get_address (card2), ==, "carol@example.org");

  message2 = koi_contact_card_build (card2, "me@example.org", "coi$contact.1@example.org",
                                     1700000000000);
  bytes2 = message_bytes (message2);
  g_assert_cmpstr (bytes2, ==, bytes);
}

/* An edit keeps the server's tokens, unknown JSON members and unknown
 * vCard properties. */
static void
test_edit_keeps_unknown (void)
{
  g_autoptr (KoiCoiParsed) parsed = parse_seed ();
  g_autoptr (KoiContactCard) card = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (KoiCoiParsed) parsed2 = NULL;
  g_autoptr (KoiContactCard) card2 = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autofree char *bytes = NULL;
  g_autofree char *name = NULL;
  g_autofree char *json = NULL;
  g_autofree char *vcard = NULL;

  card = koi_contact_card_parse (parsed->contact_json, parsed->contact_vcard, NULL,
                                 parsed->contact_headers, NULL);
  koi_contact_card_set_name (card, "Robert Example");
  koi_contact_card_set_status (card, "busy");
  koi_contact_card_set_notify (card, TRUE);

  message = koi_contact_card_build (card, "alice@example.com", "coi$contact.2@example.com",
                                    1700000000000);
  bytes = message_bytes (message);
  /* The token's raw bytes, folding included. */
  g_assert_nonnull (strstr (bytes, "COI-Token: 1-dGhpcyBpcyBhIHRva2Vu\r\n Zm9sZGVk\r\n"));
  g_assert_nonnull (strstr (bytes, "COI-TokenIn: 2-aW4=\r\n"));

  raw = g_bytes_new (bytes, strlen (bytes));
  parsed2 = koi_coi_parse (raw, NULL);
  card2 = koi_contact_card_parse (parsed2->contact_json, parsed2->contact_vcard, NULL,
                                  parsed2->contact_headers, NULL);
  name = koi_contact_card_get_name (card2);
  g_assert_cmpstr (name, ==, "Robert Example");
  g_assert_true (koi_contact_card_get_notify (card2));
  json = koi_contact_card_to_json (card2);
  g_assert_nonnull (strstr (json, "\"x-future\""));
  g_assert_nonnull (strstr (json, "\"nested\""));
  g_assert_nonnull (strstr (json, "\"last_time_contact_sent\""));
  g_assert_nonnull (strstr (json, "\"is_visible\""));
  g_assert_nonnull (strstr (json, "\"sound\" : \"bell.ogg\""));
  vcard = koi_contact_card_to_vcard (card2);
  g_assert_nonnull (strstr (vcard, "X-KOI-UNKNOWN;X-PARAM=\"a:b\":keep me\r\n"));
  g_assert_nonnull (strstr (vcard, "GENDER:M\r\n"));
  g_assert_nonnull (strstr (vcard, "NOTE:Met at the café\\, Berlin\\; likes \\\\backslashes\\\\\\nsecond line\r\n"));
}

static void
test_hcard (void)
{
  g_autoptr (GBytes) raw = read_eml ("coi-hcard-contact.eml");
  g_autoptr (KoiCoiParsed) parsed = koi_coi_parse (raw, NULL);
  g_autoptr (KoiContactCard) card = NULL;
  g_autofree char *name = NULL;
  g_autofree char *status = NULL;

  g_assert_cmpint (parsed->type, ==, KOI_COI_TYPE_CONTACT);
  card = koi_contact_card_parse (parsed->contact_json, parsed->contact_vcard, parsed->contact_hcard,
                                 parsed->contact_headers, NULL);
  g_assert_nonnull (card);
  g_assert_cmpstr (koi_contact_card_get_address (card), ==, "john.doe@example.com");
  name = koi_contact_card_get_name (card);
  g_assert_cmpstr (name, ==, "John Doe");
  status = koi_contact_card_get_status (card);
  g_assert_cmpstr (status, ==, "working from home...");
}

/* Broken cards: whatever parses is kept, the rest is not invented. */
static void
test_malformed (void)
{
  static const struct {
    const char *what;
    const char *json;
    const char *vcard;
    const char *address;   /* NULL: no card */
    const char *name;
    const char *status;
  } cases[] = {
    { "bad json", "{\"status\": \"x\",", "BEGIN:VCARD\nEMAIL:a@example.org\nFN:A\nEND:VCARD\n",
      "a@example.org", "A", NULL },
    { "json not an object", "[1,2]", "BEGIN:VCARD\nEMAIL:a@example.org\nEND:VCARD\n",
      "a@example.org", NULL, NULL },
    { "no vcard", "{\"status\": \"x\"}", NULL, NULL, NULL, NULL },
    { "vcard without BEGIN", "{}", "FN:A\nEMAIL:a@example.org\n", NULL, NULL, NULL },
    { "vcard without END", NULL, "BEGIN:VCARD\nFN:A\nEMAIL:a@example.org\nPHOTO:data:image/jpeg;base64,AAA",
      "a@example.org", "A", NULL },
    { "email without @", "{}", "BEGIN:VCARD\nEMAIL:nobody\nEND:VCARD\n", NULL, NULL, NULL },
    { "lines without colon", "{\"status\": 5}", "BEGIN:VCARD\ngarbage\n;;;\nEMAIL:b@example.org\nEND:VCARD\n",
      "b@example.org", NULL, NULL },
    { "not utf-8", "{\"status\": \"ok\"}", "BEGIN:VCARD\nFN:M\xfcller\nEMAIL:c@example.org\nEND:VCARD\n",
      "c@example.org", "M\xef\xbf\xbdller", "ok" },
    { "mailto", NULL, "BEGIN:VCARD\nEMAIL:mailto:D@Example.org\nEND:VCARD\n", "d@example.org", NULL, NULL },
    { "everything missing", NULL, NULL, NULL, NULL, NULL },
    { "empty", "", "", NULL, NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KoiContactCard) card = koi_contact_card_parse (cases[i].json, cases[i].vcard, NULL,
                                                                NULL, &error);
      g_autofree char *name = NULL;
      g_autofree char *status = NULL;

      g_test_message ("%s", cases[i].what);
      if (cases[i].address == NULL)
        {
          g_assert_null (card);
          g_assert_error (error, KOI_COI_ERROR, KOI_COI_ERROR_MALFORMED);
          continue;
        }
      g_assert_no_error (error);
      g_assert_cmpstr (koi_contact_card_get_address (card), ==, cases[i].address);
      name = koi_contact_card_get_name (card);
      g_assert_cmpstr (name, ==, cases[i].name);
      status = koi_contact_card_get_status (card);
      g_assert_cmpstr (status, ==, cases[i].status);
    }
}

/* A 10 MB photo: the parser keeps what fits, the card still names its
 * contact, and it takes no time to find that out. */
static void
test_huge_photo (void)
{
  GString *eml = g_string_new (NULL);
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (KoiCoiParsed) parsed = NULL;
  g_autoptr (KoiContactCard) card = NULL;
  g_autoptr (GBytes) photo = NULL;
  gint64 start;

  g_string_append (eml, "From: a@example.org\r\nTo: a@example.org\r\nSubject: Chat: Contact\r\n"
                        "Chat-Version: 1.0\r\nMessage-ID: <big@example.org>\r\n"
                        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                        "Content-Type: text/vcard\r\n\r\nBEGIN:VCARD\r\nVERSION:4.0\r\n"
                        "EMAIL:big@example.org\r\nPHOTO:data:image/jpeg;base64,");
  for (guint i = 0; i < 10 * 1024 * 1024 / 64; i++)
    g_string_append (eml, "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB");
  g_string_append (eml, "\r\nEND:VCARD\r\n--b--\r\n");
  raw = g_bytes_new_take (eml->str, eml->len);
  g_string_free (eml, FALSE);

  start = g_get_monotonic_time ();
  parsed = koi_coi_parse (raw, NULL);
  g_assert_nonnull (parsed);
  g_assert_cmpint (parsed->type, ==, KOI_COI_TYPE_CONTACT);
  card = koi_contact_card_parse (parsed->contact_json, parsed->contact_vcard, NULL, NULL, NULL);
  g_assert_nonnull (card);
  g_assert_cmpstr (koi_contact_card_get_address (card), ==, "big@example.org");
  /* Cut at the parser's limit, so not a whole picture; never half a one. */
  photo = koi_contact_card_get_photo (card, NULL);
  if (photo != NULL)
    g_assert_cmpuint (g_bytes_get_size (photo), <=, 1024 * 1024);
  g_test_message ("10 MB card parsed in %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - start) / 1000);
}

/* Dates as typed in the card editor, and as the editor shows them. */
static void
test_vcard_dates (void)
{
  static const struct { const char *typed; const char *value; } typed[] = {
    { "1990-04-12", "19900412" },
    { " 19900412 ", "19900412" },
    { "04-12", "--0412" },
    { "--04-12", "--0412" },
    { "--0412", "--0412" },
    { "0412", "--0412" },
    { "02-29", "--0229" },          /* a birthday without a year may be 29 February */
    { "2024-02-29", "20240229" },
    { "", "" },                      /* clears it */
    { "2023-02-29", NULL },         /* no such day */
    { "1990-04-31", NULL },
    { "13-01", NULL },
    { "00-10", NULL },
    { "0000-04-12", NULL },
    { "12 April", NULL },
    { "1990-4-12", NULL },
    { "1990-04-12T10:00", NULL },
  };
  static const struct { const char *value; const char *shown; } shown[] = {
    { "19900412", "1990-04-12" },
    { "1990-04-12", "1990-04-12" },  /* the extended form, as other apps write it */
    { "--0412", "04-12" },
    { "--04-12", "04-12" },
    { "19900412T101500Z", "19900412T101500Z" },  /* not ours to rewrite */
    { "circa 1800", "circa 1800" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (typed); i++)
    {
      g_autofree char *value = koi_vcard_date_from_input (typed[i].typed);

      g_test_message ("typed “%s”", typed[i].typed);
      g_assert_cmpstr (value, ==, typed[i].value);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (shown); i++)
    {
      g_autofree char *text = koi_vcard_date_to_input (shown[i].value);

      g_assert_cmpstr (text, ==, shown[i].shown);
    }
}

/* The fields the window edits: anniversary and language land in the
 * vCard and come back after a round trip through the card's bytes. */
static void
test_card_more_fields (void)
{
  g_autoptr (KoiContactCard) card = koi_contact_card_new ("bob@example.org");
  g_autoptr (KoiContactCard) again = NULL;
  g_autofree char *vcf = NULL;
  g_autofree char *json = NULL;
  g_autofree char *anniversary = NULL;
  g_autofree char *language = NULL;
  g_autofree char *birthday = NULL;

  koi_contact_card_set_birthday (card, "--0412");
  koi_contact_card_set_anniversary (card, "20100612");
  koi_contact_card_set_language (card, "de-CH");
  vcf = koi_contact_card_to_vcard (card);
  json = koi_contact_card_to_json (card);
  g_assert_nonnull (strstr (vcf, "\r\nANNIVERSARY:20100612\r\n"));
  g_assert_nonnull (strstr (vcf, "\r\nLANG:de-CH\r\n"));
  again = koi_contact_card_parse (json, vcf, NULL, NULL, NULL);
  birthday = koi_contact_card_get_birthday (again);
  anniversary = koi_contact_card_get_anniversary (again);
  language = koi_contact_card_get_language (again);
  g_assert_cmpstr (birthday, ==, "--0412");
  g_assert_cmpstr (anniversary, ==, "20100612");
  g_assert_cmpstr (language, ==, "de-CH");

  /* "" removes them. */
  koi_contact_card_set_anniversary (again, "");
  koi_contact_card_set_language (again, "");
  g_clear_pointer (&vcf, g_free);
  vcf = koi_contact_card_to_vcard (again);
  g_assert_null (strstr (vcf, "ANNIVERSARY"));
  g_assert_null (strstr (vcf, "LANG"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/vcard/fields", test_vcard_fields);
  g_test_add_func ("/vcard/write-roundtrip", test_vcard_write_roundtrip);
  g_test_add_func ("/vcard/many", test_vcard_many);
  g_test_add_func ("/vcard/split", test_vcard_split);
  g_test_add_func ("/vcard/data-uri", test_data_uri);
  g_test_add_func ("/vcard/dates", test_vcard_dates);
  g_test_add_func ("/contact/more-fields", test_card_more_fields);
  g_test_add_func ("/contact/seed-golden", test_seed_golden);
  g_test_add_func ("/contact/build-roundtrip", test_build_roundtrip);
  g_test_add_func ("/contact/edit-keeps-unknown", test_edit_keeps_unknown);
  g_test_add_func ("/contact/hcard", test_hcard);
  g_test_add_func ("/contact/malformed", test_malformed);
  g_test_add_func ("/contact/huge-photo", test_huge_photo);

  return g_test_run ();
}
