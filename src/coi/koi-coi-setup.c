/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-coi"

#include <string.h>

#include "koi-coi-builder.h"
#include "koi-coi-error.h"
#include "koi-coi-gmime.h"
#include "koi-coi-private.h"
#include "koi-coi-setup.h"

/* What a mail program shows. The same words on every device and in every
 * language: the mail is written once and read anywhere. */
#define SETUP_DESCRIPTION \
  "This is the Autocrypt Setup Message: it moves your end-to-end encryption\n" \
  "key to another device of yours.\n" \
  "\n" \
  "To use it, open it in Koi (or another Autocrypt client) on the new\n" \
  "device and enter the setup code that the sending device showed you.\n" \
  "The key inside is encrypted with that code; without the code the\n" \
  "message is useless to anyone else.\n"

/* Upper bound for the attachment's text: a key with a few subkeys is a
 * few KiB; anything far larger is not a setup message of ours to read. */
#define SETUP_MAX_BYTES (1024 * 1024)

static char *
domain_of (const char *address)
{
  const char *at = strrchr (address, '@');

  return g_strdup (at != NULL && at[1] != '\0' ? at + 1 : "localhost");
}

GMimeMessage *
koi_coi_build_setup_message (const char  *address,
                             const char  *armoured,
                             GError     **error)
{
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GMimeMultipart) mixed = NULL;
  g_autoptr (GMimeTextPart) text = NULL;
  g_autoptr (GMimeTextPart) setup = NULL;
  g_autoptr (GDateTime) date = g_date_time_new_now_utc ();
  g_autofree char *domain = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *page = NULL;

  g_return_val_if_fail (address != NULL && armoured != NULL, NULL);

  if (strpbrk (address, "\r\n <>") != NULL || strchr (address, '@') == NULL)
    {
      g_set_error_literal (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                           "The account's address is not a plain address");
      return NULL;
    }
  if (strstr (armoured, "-----BEGIN PGP MESSAGE-----") == NULL)
    {
      g_set_error_literal (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                           "The setup block is not an armoured OpenPGP message");
      return NULL;
    }

  domain = domain_of (address);
  message_id = koi_coi_generate_message_id (domain);
  message = g_mime_message_new (FALSE);
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, NULL, address);
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO, NULL, address);
  g_mime_message_set_date (message, date);
  g_mime_message_set_subject (message, KOI_COI_SETUP_SUBJECT, "utf-8");
  g_mime_message_set_message_id (message, message_id);
  g_mime_object_set_header (GMIME_OBJECT (message), "Autocrypt-Setup-Message", "v1", NULL);

  mixed = g_mime_multipart_new_with_subtype ("mixed");
  text = g_mime_text_part_new_with_subtype ("plain");
  g_mime_text_part_set_text (text, SETUP_DESCRIPTION);
  g_mime_text_part_set_charset (text, "us-ascii");
  g_mime_part_set_content_encoding (GMIME_PART (text), GMIME_CONTENT_ENCODING_7BIT);
  g_mime_multipart_add (mixed, GMIME_OBJECT (text));

  page = g_strdup_printf ("<!DOCTYPE html>\n"
                          "<html>\n<head><meta charset=\"utf-8\">"
                          "<title>" KOI_COI_SETUP_SUBJECT "</title></head>\n"
                          "<body>\n<h1>" KOI_COI_SETUP_SUBJECT "</h1>\n"
                          "<p>Open this message in Koi or another Autocrypt client and enter "
                          "the setup code to move your encryption key.</p>\n"
                          "<pre>\n%s</pre>\n</body>\n</html>\n", armoured);
  setup = g_mime_text_part_new ();
  {
    g_autoptr (GMimeContentType) type = g_mime_content_type_new ("application", "autocrypt-setup");

    g_mime_object_set_content_type (GMIME_OBJECT (setup), type);
  }
  g_mime_text_part_set_text (setup, page);
  g_mime_text_part_set_charset (setup, "utf-8");
  g_mime_part_set_content_encoding (GMIME_PART (setup), GMIME_CONTENT_ENCODING_7BIT);
  g_mime_object_set_disposition (GMIME_OBJECT (setup), GMIME_DISPOSITION_ATTACHMENT);
  g_mime_part_set_filename (GMIME_PART (setup), "autocrypt-setup-message.html");
  g_mime_multipart_add (mixed, GMIME_OBJECT (setup));

  g_mime_message_set_mime_part (message, GMIME_OBJECT (mixed));
  return g_steal_pointer (&message);
}

gboolean
koi_coi_is_setup_message (GMimeMessage *message)
{
  const char *value = g_mime_object_get_header (GMIME_OBJECT (message), "Autocrypt-Setup-Message");
  g_autofree char *copy = value != NULL ? g_strstrip (g_strdup (value)) : NULL;

  return copy != NULL && g_ascii_strcasecmp (copy, "v1") == 0;
}

static GMimePart *
find_setup_part (GMimeObject *object,
                 int          depth)
{
  if (depth > 8)
    return NULL;
  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);

      for (int i = 0; i < g_mime_multipart_get_count (multipart); i++)
        {
          GMimePart *found = find_setup_part (g_mime_multipart_get_part (multipart, i), depth + 1);

          if (found != NULL)
            return found;
        }
      return NULL;
    }
  if (GMIME_IS_PART (object) &&
      g_mime_content_type_is_type (g_mime_object_get_content_type (object),
                                   "application", "autocrypt-setup"))
    return GMIME_PART (object);
  return NULL;
}

char *
koi_coi_setup_message_armour (GMimeMessage *message)
{
  GMimeObject *body = g_mime_message_get_mime_part (message);
  GMimePart *part = body != NULL ? find_setup_part (body, 0) : NULL;

  if (part == NULL)
    return NULL;
  return koi_coi_part_text (part, SETUP_MAX_BYTES);
}
