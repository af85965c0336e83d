/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-ui-format"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-ui-format.h"

static GDateTime *
local_from_ms (gint64 timestamp_ms)
{
  return g_date_time_new_from_unix_local (timestamp_ms / G_TIME_SPAN_MILLISECOND);
}

/* Whole calendar days between two local times, so "Yesterday" means the
 * day before, not "24 hours ago". */
static int
days_between (GDateTime *earlier,
              GDateTime *later)
{
  g_autoptr (GDate) a = g_date_new_dmy (g_date_time_get_day_of_month (earlier),
                                        g_date_time_get_month (earlier),
                                        g_date_time_get_year (earlier));
  g_autoptr (GDate) b = g_date_new_dmy (g_date_time_get_day_of_month (later),
                                        g_date_time_get_month (later),
                                        g_date_time_get_year (later));

  return g_date_days_between (a, b);
}

char *
koi_ui_format_clock (gint64 timestamp_ms)
{
  g_autoptr (GDateTime) when = local_from_ms (timestamp_ms);

  /* TRANSLATORS: time of a message, see g_date_time_format() */
  return g_date_time_format (when, _("%H:%M"));
}

/* %e pads a one-digit day (GLib with U+2007 FIGURE SPACE, strftime with a
 * space: "Tuesday,  3 March"): dates are formatted through here, so no
 * label shows a double or leading space, whatever a translation's format
 * does. */
static char *
format_date (GDateTime  *when,
             const char *format)
{
  g_autofree char *text = g_date_time_format (when, format);
  GString *out = g_string_new (NULL);
  gboolean space = FALSE;

  for (const char *p = text != NULL ? text : ""; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == ' ' || c == 0x2007)
        {
          space = TRUE;
          continue;
        }
      if (space && out->len > 0)
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

/* The short time a chat list row shows: "now", "5 min", "14:05",
 * "Yesterday", "Mon", "28 Nov", "28 Nov 2024". */
char *
koi_ui_format_relative_time (gint64     timestamp_ms,
                             GDateTime *now)
{
  g_autoptr (GDateTime) when = NULL;
  GTimeSpan diff;
  int days;

  if (timestamp_ms <= 0)
    return g_strdup ("");

  when = local_from_ms (timestamp_ms);
  diff = g_date_time_difference (now, when);

  /* A clock a little behind the sender's still reads as "now". */
  if (diff < G_TIME_SPAN_MINUTE)
    return g_strdup (C_("time", "now"));
  if (diff < G_TIME_SPAN_HOUR)
    return g_strdup_printf (C_("time", "%d min"), (int) (diff / G_TIME_SPAN_MINUTE));

  days = days_between (when, now);
  if (days <= 0)
    return koi_ui_format_clock (timestamp_ms);
  if (days == 1)
    return g_strdup (C_("time", "Yesterday"));
  if (days < 7)
    /* TRANSLATORS: abbreviated weekday of a recent message */
    return format_date (when, C_("time", "%a"));
  if (g_date_time_get_year (when) == g_date_time_get_year (now))
    /* TRANSLATORS: day and month of an older message */
    return format_date (when, C_("time", "%e %b"));
  /* TRANSLATORS: day, month and year of a message from another year */
  return format_date (when, C_("time", "%e %b %Y"));
}

/* The day separator above the first message of a day. */
char *
koi_ui_format_day (gint64     timestamp_ms,
                   GDateTime *now)
{
  g_autoptr (GDateTime) when = local_from_ms (timestamp_ms);
  int days = days_between (when, now);

  if (days == 0)
    return g_strdup (C_("day", "Today"));
  if (days == 1)
    return g_strdup (C_("day", "Yesterday"));
  if (days > 1 && days < 7)
    /* TRANSLATORS: full weekday name of a day separator */
    return format_date (when, C_("day", "%A"));
  if (g_date_time_get_year (when) == g_date_time_get_year (now))
    /* TRANSLATORS: day separator for a day earlier this year */
    return format_date (when, C_("day", "%A, %e %B"));
  /* TRANSLATORS: day separator for a day in another year */
  return format_date (when, C_("day", "%A, %e %B %Y"));
}

gboolean
koi_ui_same_day (gint64 a_ms,
                 gint64 b_ms)
{
  g_autoptr (GDateTime) a = local_from_ms (a_ms);
  g_autoptr (GDateTime) b = local_from_ms (b_ms);

  return days_between (a, b) == 0;
}

/* URLs with a scheme or "www.", and bare email addresses. Deliberately
 * simple: a false negative leaves plain text, which is harmless. */
#define LINK_PATTERN \
  "(?:(?:https?|ftp)://|www\\.|mailto:)[^\\s<>\"]+" \
  "|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+"

static GRegex *
link_regex (void)
{
  static gsize regex = 0;

  if (g_once_init_enter (&regex))
    {
      GRegex *r = g_regex_new (LINK_PATTERN, G_REGEX_OPTIMIZE, 0, NULL);

      g_assert (r != NULL);
      g_once_init_leave (&regex, (gsize) r);
    }

  return (GRegex *) regex;
}

static void
append_escaped (GString    *out,
                const char *text,
                gssize      len)
{
  g_autofree char *escaped = g_markup_escape_text (text, len);

  g_string_append (out, escaped);
}

/* Escaped Pango markup of @text with every link wrapped in <a href>. The
 * text is never interpreted as markup: a message that says "<b>" shows
 * "<b>". Trailing punctuation stays outside a link ("see x.org." links
 * x.org). */
char *
koi_ui_text_to_markup (const char *text)
{
  g_autoptr (GMatchInfo) match = NULL;
  GString *out;
  gsize done = 0;

  if (text == NULL)
    return g_strdup ("");

  out = g_string_sized_new (strlen (text) + 16);
  g_regex_match (link_regex (), text, 0, &match);

  while (g_match_info_matches (match))
    {
      int start, end;
      g_autofree char *link = NULL;
      g_autofree char *href = NULL;
      gsize len;

      g_match_info_fetch_pos (match, 0, &start, &end);
      len = end - start;
      while (len > 0 && strchr (".,;:!?)]}'", text[start + len - 1]) != NULL)
        len--;

      link = g_strndup (text + start, len);
      if (strchr (link, '@') != NULL && strstr (link, "://") == NULL
          && !g_str_has_prefix (link, "mailto:"))
        href = g_strconcat ("mailto:", link, NULL);
      else if (g_str_has_prefix (link, "www."))
        href = g_strconcat ("https://", link, NULL);
      else
        href = g_strdup (link);

      append_escaped (out, text + done, start - done);
      g_string_append (out, "<a href=\"");
      append_escaped (out, href, -1);
      g_string_append (out, "\">");
      append_escaped (out, link, -1);
      g_string_append (out, "</a>");
      done = start + len;

      g_match_info_next (match, NULL);
    }

  append_escaped (out, text + done, -1);

  return g_string_free (out, FALSE);
}

static gboolean
is_local_char (gunichar c)
{
  return c > 0x7f || g_ascii_isalnum (c) || strchr ("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

static gboolean
is_domain_char (gunichar c)
{
  return c > 0x7f || g_ascii_isalnum (c) || c == '-';
}

/* An address a user typed for a new chat: local@domain, no spaces, no
 * display name, no brackets. "localhost"-style domains are allowed because
 * test and intranet servers use them. */
gboolean
koi_ui_address_is_valid (const char *address)
{
  const char *at;
  const char *p;
  gboolean label_empty = TRUE;

  if (address == NULL || !g_utf8_validate (address, -1, NULL))
    return FALSE;

  at = strchr (address, '@');
  if (at == NULL || at == address || strchr (at + 1, '@') != NULL || at[1] == '\0')
    return FALSE;

  if (address[0] == '.' || at[-1] == '.')
    return FALSE;

  for (p = address; p < at; p = g_utf8_next_char (p))
    if (!is_local_char (g_utf8_get_char (p)))
      return FALSE;

  for (p = at + 1; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '.')
        {
          if (label_empty)
            return FALSE;
          label_empty = TRUE;
        }
      else if (is_domain_char (c))
        label_empty = FALSE;
      else
        return FALSE;
    }

  return !label_empty;
}
