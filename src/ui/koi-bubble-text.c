/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-bubble-text"

#include "koi-bubble-text.h"

char *
koi_bubble_text_cut (const char *text)
{
  const char *end = text;
  guint lines = 0;

  if (text == NULL)
    return NULL;
  while (*end != '\0' && end - text < KOI_BUBBLE_TEXT_MAX_BYTES)
    {
      if (*end == '\n' && ++lines == KOI_BUBBLE_TEXT_MAX_LINES)
        break;
      end++;
    }
  if (*end == '\0')
    return NULL;
  /* Back to the first byte of the character @end is in. */
  while (end > text && (*end & 0xc0) == 0x80)
    end--;
  return g_strdup_printf ("%.*s…", (int) (end - text), text);
}
