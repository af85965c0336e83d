/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-coi"

#include "config.h"

#include <string.h>

#include "koi-vcard-date.h"

/* Exactly @n ASCII digits at @s, as a number; -1 otherwise. */
static int
digits (const char *s,
        guint       n)
{
  int value = 0;

  for (guint i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit (s[i]))
        return -1;
      value = value * 10 + (s[i] - '0');
    }
  return value;
}

/* Reads the forms both sides use; year 0 when there is none. A year is
 * kept only from 1 to 9999 (ISO 8601 basic without expansion). */
static gboolean
parse (const char *text,
       int        *year,
       int        *month,
       int        *day)
{
  gsize len = strlen (text);

  *year = 0;
  if (g_str_has_prefix (text, "--"))
    {
      text += 2;
      len -= 2;
    }
  else if (len == 10 && text[4] == '-' && text[7] == '-')
    {
      *year = digits (text, 4);
      text += 5;
      len -= 5;
    }
  else if (len == 8)
    {
      *year = digits (text, 4);
      text += 4;
      len -= 4;
    }
  if (*year < 0)
    return FALSE;

  if (len == 5 && text[2] == '-')
    {
      *month = digits (text, 2);
      *day = digits (text + 3, 2);
    }
  else if (len == 4)
    {
      *month = digits (text, 2);
      *day = digits (text + 2, 2);
    }
  else
    return FALSE;

  if (*month < 1 || *month > 12 || *day < 1)
    return FALSE;
  /* Without a year, 29 February is a real birthday. */
  return *day <= g_date_get_days_in_month (*month, *year > 0 ? *year : 2000);
}

char *
koi_vcard_date_from_input (const char *text)
{
  g_autofree char *copy = g_strstrip (g_strdup (text != NULL ? text : ""));
  int year, month, day;

  if (*copy == '\0')
    return g_strdup ("");
  /* "1990-04-12" typed with a year of 0000 is no date. */
  if (!parse (copy, &year, &month, &day))
    return NULL;
  if (year == 0 && !g_str_has_prefix (copy, "--") && strlen (copy) != 5 && strlen (copy) != 4)
    return NULL;
  if (year > 0)
    return g_strdup_printf ("%04d%02d%02d", year, month, day);
  return g_strdup_printf ("--%02d%02d", month, day);
}

char *
koi_vcard_date_to_input (const char *value)
{
  int year, month, day;

  if (value == NULL)
    return g_strdup ("");
  if (!parse (value, &year, &month, &day))
    return g_strdup (value);
  if (year > 0)
    return g_strdup_printf ("%04d-%02d-%02d", year, month, day);
  return g_strdup_printf ("%02d-%02d", month, day);
}
