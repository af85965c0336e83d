/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-coi-parse"

#include "config.h"

#include <string.h>

#include "koi-coi.h"
#include "koi-coi-gmime.h"
#include "koi-fuzz.h"

/* Any bytes at all, as they arrive in an INBOX: koi_coi_parse() and the
 * typed results it fills (MDN, DSN, bounces, edits, reactions, contact
 * cards, group changes). Besides crashes, leaks and slow inputs, it checks
 * what the rest of Koi relies on: every string is valid UTF-8, the id is
 * never missing or longer than a mail line, and the header-only
 * classification agrees with the full parse on whether it is chat mail. */

static void
check_utf8 (const char *what,
            const char *text)
{
  if (text != NULL && !g_utf8_validate (text, -1, NULL))
    {
      fprintf (stderr, "koi-fuzz: %s is not valid UTF-8\n", what);
      abort ();
    }
}

static void
check_all_utf8 (const char *what,
                GPtrArray  *list)
{
  g_assert (list != NULL);
  for (guint i = 0; i < list->len; i++)
    check_utf8 (what, g_ptr_array_index (list, i));
}

static void
check_parsed (const KoiCoiParsed *parsed)
{
  g_assert (parsed->message_id != NULL && *parsed->message_id != '\0');
  g_assert (strlen (parsed->message_id) <= 998);
  g_assert (parsed->subject != NULL && parsed->text != NULL);
  g_assert (parsed->folded_text != NULL && parsed->full_text != NULL);

  check_utf8 ("message_id", parsed->message_id);
  check_utf8 ("from_address", parsed->from_address);
  check_utf8 ("from_name", parsed->from_name);
  check_utf8 ("subject", parsed->subject);
  check_utf8 ("in_reply_to", parsed->in_reply_to);
  check_utf8 ("text", parsed->text);
  check_utf8 ("folded_text", parsed->folded_text);
  check_utf8 ("full_text", parsed->full_text);
  check_utf8 ("chat_content", parsed->chat_content);
  check_utf8 ("reaction", parsed->reaction);
  check_utf8 ("failure_text", parsed->failure_text);
  check_utf8 ("group_id", parsed->group_id);
  check_utf8 ("group_name", parsed->group_name);
  check_utf8 ("group_member_added", parsed->group_member_added);
  check_utf8 ("group_member_removed", parsed->group_member_removed);
  check_utf8 ("contact_json", parsed->contact_json);
  check_utf8 ("contact_vcard", parsed->contact_vcard);
  check_utf8 ("contact_hcard", parsed->contact_hcard);
  check_all_utf8 ("to", parsed->to);
  check_all_utf8 ("cc", parsed->cc);
  check_all_utf8 ("references", parsed->references);
  check_all_utf8 ("target_ids", parsed->target_ids);
  check_all_utf8 ("failed_recipients", parsed->failed_recipients);

  for (guint i = 0; i < parsed->references->len; i++)
    g_assert (strlen (g_ptr_array_index (parsed->references, i)) <= 998);
  for (guint i = 0; i < parsed->target_ids->len; i++)
    g_assert (strlen (g_ptr_array_index (parsed->target_ids, i)) <= 998);

  koi_coi_type_to_string (parsed->type);
  koi_coi_type_is_hidden (parsed->type);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_mime_init ();
  return 0;
}

static void
run (const guint8 *data,
     size_t        size)
{
  g_autoptr(GBytes) raw = g_bytes_new (data, size);
  g_autoptr(KoiCoiParsed) parsed = NULL;

  parsed = koi_coi_parse (raw, NULL);
  if (parsed == NULL)
    return;

  check_parsed (parsed);

  /* The header pass of a sync classifies from the headers alone; both
   * passes must agree on whether the mail is chat mail, or a chat message
   * would be moved (or left) by one and not the other. */
  if (size < 5 || memcmp (data, "From ", 5) != 0)
    {
      static const char *fallback[] = { "UTF-8", "WINDOWS-1252", NULL };
      g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer ((const char *) data, size);
      g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);
      g_autoptr(GMimeParserOptions) options = g_mime_parser_options_new ();
      g_autoptr(GMimeMessage) message = NULL;

      g_mime_parser_options_set_fallback_charsets (options, fallback);
      g_mime_parser_options_set_rfc2047_compliance_mode (options, GMIME_RFC_COMPLIANCE_LOOSE);
      g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
      message = g_mime_parser_construct_message (parser, options);
      if (message != NULL)
        {
          KoiCoiType by_headers = koi_coi_classify_headers (message);

          if (koi_coi_type_is_chat_mail (by_headers) != koi_coi_type_is_chat_mail (parsed->type))
            {
              fprintf (stderr, "koi-fuzz: headers say %s, the whole mail says %s\n",
                       koi_coi_type_to_string (by_headers),
                       koi_coi_type_to_string (parsed->type));
              abort ();
            }
        }
      g_clear_object (&message);
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  koi_fuzz_run_bounded (run, data, size, "koi_coi_parse");
  return 0;
}
