/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-coi-text"

#include "config.h"

#include <string.h>

#include "koi-coi.h"
#include "koi-fuzz.h"

/* The text folding: quotes, signatures, Outlook markers, format=flowed and
 * HTML to text, on any text a sender can write. Every function is handed
 * UTF-8 (the parser converts first), so the input is made valid first; the
 * first byte picks the flags (DelSp). What comes out must be valid UTF-8,
 * and the visible text plus what was folded never invents text. */

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
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
run (const guint8 *data,
     size_t        size)
{
  g_autofree char *text = NULL;
  gboolean delsp = FALSE;

  if (size > 0)
    {
      delsp = data[0] & 1;
      data++;
      size--;
    }
  text = g_utf8_make_valid ((const char *) data, size);

  {
    g_autofree char *folded = NULL;
    g_autofree char *visible = koi_coi_extract_visible_text (text, &folded);

    check_utf8 ("extract_visible_text", visible);
    check_utf8 ("extract_visible_text (folded)", folded);
    g_assert (strlen (visible) <= strlen (text));
  }
  {
    g_autofree char *folded = NULL;
    g_autofree char *visible = koi_coi_extract_chat_text (text, delsp, &folded);

    check_utf8 ("extract_chat_text", visible);
    check_utf8 ("extract_chat_text (folded)", folded);
    g_assert (strlen (visible) <= strlen (text));
  }
  {
    g_autofree char *escaped = koi_coi_escape_chat_text (text);
    g_autofree char *unescaped = koi_coi_unescape_chat_text (escaped);

    /* What Koi sends comes back as the user wrote it. */
    if (strchr (text, '\r') == NULL && strcmp (unescaped, text) != 0)
      {
        fprintf (stderr, "koi-fuzz: escaping the chat text does not round-trip\n");
        abort ();
      }
  }
  {
    g_autofree char *unflowed = koi_coi_unflow_text (text, delsp);

    check_utf8 ("unflow_text", unflowed);
  }
  {
    g_autofree char *plain = koi_coi_html_to_text (text);

    check_utf8 ("html_to_text", plain);
  }

}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  koi_fuzz_run_bounded (run, data, size, "folding the text");
  return 0;
}
