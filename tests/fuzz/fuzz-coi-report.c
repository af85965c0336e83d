/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-coi-report"

#include "config.h"

#include <string.h>

#include "koi-coi.h"
#include "koi-coi-gmime.h"
#include "koi-coi-private.h"
#include "koi-fuzz.h"

/* The report readers directly: the input is the body of the
 * message/disposition-notification part (fuzz-mdn) or of the
 * message/delivery-status part (fuzz-dsn) of an otherwise fixed report,
 * so every mutation lands in the fields the reader parses instead of in
 * MIME around it (which fuzz-coi-parse covers). fuzz-dsn puts the same
 * bytes in the human part too and also runs the bounce reader. What comes
 * out must be valid UTF-8, every target a usable id of at most 998 bytes,
 * and the lists bounded. */

#if defined(KOI_FUZZ_MDN)
# define REPORT_TYPE "disposition-notification"
# define PART_TYPE   "message/disposition-notification"
#elif defined(KOI_FUZZ_DSN)
# define REPORT_TYPE "delivery-status"
# define PART_TYPE   "message/delivery-status"
#else
# error "build with -DKOI_FUZZ_MDN or -DKOI_FUZZ_DSN"
#endif

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_mime_init ();
  return 0;
}

static void
check_utf8 (const char *what,
            const char *text)
{
  if (text != NULL && !g_utf8_validate (text, -1, NULL))
    {
      fprintf (stderr, "koi-fuzz: %s gave invalid UTF-8\n", what);
      abort ();
    }
}

static void
check_list (const char *what,
            GPtrArray  *list,
            guint       max)
{
  if (list->len > max)
    {
      fprintf (stderr, "koi-fuzz: %s holds %u entries (at most %u)\n", what, list->len, max);
      abort ();
    }
  for (guint i = 0; i < list->len; i++)
    {
      const char *item = g_ptr_array_index (list, i);

      check_utf8 (what, item);
      if (strlen (item) > KOI_COI_MAX_ID_LEN)
        {
          fprintf (stderr, "koi-fuzz: %s holds an entry of %zu bytes\n", what, strlen (item));
          abort ();
        }
    }
}

static void
run (const guint8 *data,
     size_t        size)
{
  g_autoptr(GString) mail = g_string_new (
    "From: MAILER-DAEMON@example.net\r\n"
    "To: alice@example.org\r\n"
    "Subject: report\r\n"
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    "Message-ID: <report@example.net>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=" REPORT_TYPE "; boundary=\"=-fuzz-=\"\r\n"
    "\r\n"
    "--=-fuzz-=\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n");
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(KoiCoiParsed) parsed = g_new0 (KoiCoiParsed, 1);

#ifdef KOI_FUZZ_DSN
  g_string_append_len (mail, (const char *) data, size);
#else
  g_string_append (mail, "This is a receipt.");
#endif
  g_string_append (mail, "\r\n--=-fuzz-=\r\nContent-Type: " PART_TYPE "\r\n\r\n");
  g_string_append_len (mail, (const char *) data, size);
  g_string_append (mail, "\r\n--=-fuzz-=--\r\n");

  stream = g_mime_stream_mem_new_with_buffer (mail->str, mail->len);
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  if (message == NULL)
    return;

  parsed->target_ids = g_ptr_array_new_with_free_func (g_free);
  parsed->failed_recipients = g_ptr_array_new_with_free_func (g_free);
  /* koi_coi_parse_message() fills the whole text before the readers run,
   * never NULL; the bounce reader reads it. */
  parsed->full_text = g_utf8_make_valid ((const char *) data, size);

#ifdef KOI_FUZZ_MDN
  koi_coi_read_mdn (message, parsed);
#else
  koi_coi_read_dsn (message, parsed);
  check_utf8 ("read_dsn (failure text)", parsed->failure_text);
  if (parsed->failure_text != NULL && strlen (parsed->failure_text) > KOI_COI_MAX_FAILURE_TEXT + 8)
    {
      fprintf (stderr, "koi-fuzz: a failure text of %zu bytes\n", strlen (parsed->failure_text));
      abort ();
    }
  check_list ("read_dsn (failed recipients)", parsed->failed_recipients, KOI_COI_MAX_RECIPIENTS);
  g_clear_pointer (&parsed->failure_text, g_free);
  koi_coi_read_bounce (message, parsed);
  check_utf8 ("read_bounce (failure text)", parsed->failure_text);
  check_list ("read_bounce (failed recipients)", parsed->failed_recipients, KOI_COI_MAX_RECIPIENTS);
#endif
  check_list ("targets", parsed->target_ids, KOI_COI_MAX_TARGETS);
  for (guint i = 0; i < parsed->target_ids->len; i++)
    if (!koi_coi_target_is_usable (g_ptr_array_index (parsed->target_ids, i)))
      {
        fprintf (stderr, "koi-fuzz: an unusable target id\n");
        abort ();
      }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  koi_fuzz_run_bounded (run, data, size, "reading the report");
  return 0;
}
