/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "koi-coi-attachment.h"
#include "koi-coi-builder.h"
#include "koi-coi-gmime.h"

/* Names a sender chooses become names that cannot leave the attachment
 * folder, hide a file, or show something other than what they are. */
static void
test_safe_name (void)
{
  static const struct { const char *in; const char *mime; const char *out; } cases[] = {
    { "cat.png", "image/png", "cat.png" },
    { "../../.bashrc", NULL, "bashrc" },
    { "/etc/passwd", NULL, "passwd" },
    { "C:\\Windows\\evil.exe", NULL, "evil.exe" },
    { "invoice\xe2\x80\xaegnp.exe", NULL, "invoicegnp.exe" },          /* RLO */
    { "a\xe2\x81\xa6" "b\xe2\x81\xa9.txt", NULL, "ab.txt" },           /* LRI, PDI */
    { "bell\a\r\nname.txt", NULL, "bellname.txt" },
    { "..", "image/png", "file.png" },
    { "", NULL, "file" },
    { NULL, "image/jpeg", "file.jpg" },
    { "\xff\xfe" "bad.txt", NULL, "\xef\xbf\xbd\xef\xbf\xbd" "bad.txt" },
    { "Grüße.pdf", NULL, "Grüße.pdf" },
    { "what?.txt", NULL, "what_.txt" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *safe = koi_coi_attachment_safe_name (cases[i].in, cases[i].mime);

      g_assert_cmpstr (safe, ==, cases[i].out);
    }

  {
    g_autoptr(GString) longname = g_string_new (NULL);
    g_autofree char *safe = NULL;

    for (guint i = 0; i < 300; i++)
      g_string_append (longname, "ä");
    g_string_append (longname, ".pdf");
    safe = koi_coi_attachment_safe_name (longname->str, NULL);
    g_assert_cmpint (g_utf8_strlen (safe, -1), ==, KOI_COI_ATTACHMENT_NAME_MAX);
    g_assert_true (g_str_has_suffix (safe, ".pdf"));
  }
}

static GPtrArray *
params (const char *first, ...)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_free);
  va_list args;

  va_start (args, first);
  for (const char *p = first; p != NULL; p = va_arg (args, const char *))
    g_ptr_array_add (list, g_strdup (p));
  va_end (args);
  return list;
}

static void
test_name_from_params (void)
{
  g_autoptr(GPtrArray) plain = params ("filename", "report.pdf", NULL);
  g_autoptr(GPtrArray) rfc2231 = params ("filename*", "utf-8''Gr%C3%BC%C3%9Fe.txt", NULL);
  g_autoptr(GPtrArray) continued = params ("filename*0", "long", "filename*1", "name.txt", NULL);
  g_autoptr(GPtrArray) rfc2047 = params ("name", "=?utf-8?q?Gr=C3=BC=C3=9Fe.png?=", NULL);
  g_autoptr(GPtrArray) quoting = params ("filename", "a\"b\\c.txt", NULL);
  g_autofree char *a = koi_coi_attachment_name_from_params (plain, NULL);
  g_autofree char *b = koi_coi_attachment_name_from_params (rfc2231, NULL);
  g_autofree char *c = koi_coi_attachment_name_from_params (continued, NULL);
  g_autofree char *d = koi_coi_attachment_name_from_params (NULL, rfc2047);
  g_autofree char *e = koi_coi_attachment_name_from_params (quoting, NULL);

  g_assert_cmpstr (a, ==, "report.pdf");
  g_assert_cmpstr (b, ==, "Grüße.txt");
  g_assert_cmpstr (c, ==, "longname.txt");
  g_assert_cmpstr (d, ==, "Grüße.png");
  g_assert_cmpstr (e, ==, "a\"b\\c.txt");
  g_assert_null (koi_coi_attachment_name_from_params (NULL, NULL));
}

static void
test_sniff_and_kind (void)
{
  g_assert_cmpstr (koi_coi_sniff_image_type ((const guint8 *) "\x89PNG\r\n\x1a\n....", 12), ==, "image/png");
  g_assert_cmpstr (koi_coi_sniff_image_type ((const guint8 *) "\xff\xd8\xff\xe0", 4), ==, "image/jpeg");
  g_assert_null (koi_coi_sniff_image_type ((const guint8 *) "<html><body>", 12));
  g_assert_null (koi_coi_sniff_image_type ((const guint8 *) "", 0));

  g_assert_cmpint (koi_coi_attachment_kind ("image/png", NULL, FALSE), ==, 1);
  g_assert_cmpint (koi_coi_attachment_kind ("image/gif", NULL, FALSE), ==, 6);
  g_assert_cmpint (koi_coi_attachment_kind ("image/webp", "sticker", FALSE), ==, 5);
  g_assert_cmpint (koi_coi_attachment_kind ("audio/ogg", NULL, TRUE), ==, 4);
  g_assert_cmpint (koi_coi_attachment_kind ("audio/ogg", NULL, FALSE), ==, 2);
  g_assert_cmpint (koi_coi_attachment_kind ("video/mp4", NULL, FALSE), ==, 3);
  g_assert_cmpint (koi_coi_attachment_kind ("application/pdf", NULL, FALSE), ==, 0);

  g_assert_true (koi_coi_part_is_attachment ("image", "png", NULL, FALSE));
  g_assert_true (koi_coi_part_is_attachment ("text", "plain", "attachment", FALSE));
  g_assert_true (koi_coi_part_is_attachment ("text", "csv", NULL, TRUE));
  g_assert_false (koi_coi_part_is_attachment ("text", "plain", NULL, FALSE));
  g_assert_false (koi_coi_part_is_attachment ("text", "plain", "reaction", FALSE));
  g_assert_false (koi_coi_part_is_attachment ("multipart", "mixed", NULL, FALSE));

  g_assert_cmpuint (koi_coi_base64_encoded_size (0), ==, 0);
  g_assert_cmpuint (koi_coi_base64_encoded_size (57), ==, 78);
  g_assert_cmpuint (koi_coi_base64_encoded_size (58), ==, 78 + 6);
}

/* The head and tail around a file part, with the file's base64 between
 * them, are a mail any program reads: multipart/mixed, the caption, and
 * the file with its name (RFC 2231 for a name that is not ASCII). */
static void
test_file_message (void)
{
  g_autoptr(GError) error = NULL;
  const char *to[] = { "bob@example.org", NULL };
  KoiCoiOutgoing out = {
    .from_address = "alice@example.org", .to = to, .text = "Look", .date_ms = 1700000000000,
  };
  g_autoptr(GMimeMessage) message = koi_coi_build_chat_message (&out, &error);
  g_autoptr(GMimeMultipart) mixed = g_mime_multipart_new_with_subtype ("mixed");
  g_autoptr(GMimePart) file = koi_coi_file_part_new ("Grüße.bin", "application/octet-stream", 5);
  g_autoptr(GBytes) head = NULL;
  g_autoptr(GBytes) tail = NULL;
  g_autoptr(GString) whole = g_string_new (NULL);
  g_autofree char *encoded = g_base64_encode ((const guchar *) "hello", 5);
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) parsed = NULL;
  g_autoptr(GMimeStream) content = g_mime_stream_mem_new ();
  GMimeObject *top;
  GMimeObject *second;
  GByteArray *decoded;

  g_assert_no_error (error);
  g_mime_multipart_add (mixed, g_mime_message_get_mime_part (message));
  g_mime_multipart_add (mixed, GMIME_OBJECT (file));
  g_mime_message_set_mime_part (message, GMIME_OBJECT (mixed));
  g_assert_true (koi_coi_split_file_message (message, &head, &tail, &error));

  g_string_append_len (whole, g_bytes_get_data (head, NULL), g_bytes_get_size (head));
  g_string_append_printf (whole, "%s\r\n", encoded);
  g_string_append_len (whole, g_bytes_get_data (tail, NULL), g_bytes_get_size (tail));
  g_assert_null (strstr (whole->str, "koi-file-body"));
  g_assert_nonnull (strstr (whole->str, "filename*="));

  stream = g_mime_stream_mem_new_with_buffer (whole->str, whole->len);
  parser = g_mime_parser_new_with_stream (stream);
  parsed = g_mime_parser_construct_message (parser, NULL);
  top = g_mime_message_get_mime_part (parsed);
  g_assert_true (GMIME_IS_MULTIPART (top));
  g_assert_cmpint (g_mime_multipart_get_count (GMIME_MULTIPART (top)), ==, 2);
  g_assert_true (GMIME_IS_TEXT_PART (g_mime_multipart_get_part (GMIME_MULTIPART (top), 0)));
  second = g_mime_multipart_get_part (GMIME_MULTIPART (top), 1);
  g_assert_cmpstr (g_mime_part_get_filename (GMIME_PART (second)), ==, "Grüße.bin");
  g_assert_cmpstr (g_mime_object_get_disposition (second), ==, "attachment");
  g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (GMIME_PART (second)), content);
  decoded = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (content));
  g_assert_cmpuint (decoded->len, ==, 5);
  g_assert_true (memcmp (decoded->data, "hello", 5) == 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/coi/attachment/safe-name", test_safe_name);
  g_test_add_func ("/coi/attachment/name-from-params", test_name_from_params);
  g_test_add_func ("/coi/attachment/sniff-and-kind", test_sniff_and_kind);
  g_test_add_func ("/coi/attachment/file-message", test_file_message);

  return g_test_run ();
}
