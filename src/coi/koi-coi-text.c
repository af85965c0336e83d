/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-coi-text"

#include "config.h"

#include <string.h>

#include "koi-coi-private.h"
#include "koi-coi-text.h"

/* Plain-text work on message bodies: what part of a mail a person wrote
 * (quotes and signatures folded away), format=flowed, and a plain view of
 * HTML-only mail. All input is UTF-8 with '\n' or "\r\n" line breaks. */

static char *
normalize_newlines (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\r')
        {
          g_string_append_c (out, '\n');
          if (p[1] == '\n')
            p++;
        }
      else
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

static gboolean
is_blank (const char *line)
{
  return line[strspn (line, " \t")] == '\0';
}

static gboolean
is_quote (const char *line)
{
  return line[0] == '>';
}

/* RFC 3676's separator is "-- ". Mail programs that strip trailing
 * blanks turn it into "--", so in email that counts too; in chat, where a
 * bare "--" is something the sender typed, it does not. */
static gboolean
is_signature_separator (const char *line,
                        gboolean    is_chat)
{
  return strcmp (line, "-- ") == 0 || (!is_chat && strcmp (line, "--") == 0);
}

static gboolean
has_prefix_ci (const char *line,
               const char *prefix)
{
  return g_ascii_strncasecmp (line, prefix, strlen (prefix)) == 0;
}

static gboolean
ends_with_colon (const char *line)
{
  gsize len = strlen (line);

  while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
    len--;

  return len > 0 && line[len - 1] == ':';
}

/* The line an email program writes above a quoted reply: "On <date>,
 * <who> wrote:", "Am <date> schrieb <who>:", "Le ... a écrit :", ... */
static gboolean
is_attribution_verb (const char *line)
{
  static const char * const verbs[] = {
    "wrote", "schrieb", "écrit", "escribió", "scrisse", "schreef", "napisał",
    "написал", "skrev", "kirjoitti", "escreveu", "yazdı",
  };
  g_autofree char *lower = NULL;

  if (!ends_with_colon (line))
    return FALSE;

  lower = g_utf8_strdown (line, -1);
  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    if (strstr (lower, verbs[i]) != NULL)
      return TRUE;

  return FALSE;
}

static gboolean
starts_like_attribution (const char *line)
{
  static const char * const openers[] = { "On ", "Am ", "Le ", "El ", "Il ", "Op ", "Em " };

  for (guint i = 0; i < G_N_ELEMENTS (openers); i++)
    if (g_str_has_prefix (line, openers[i]))
      return TRUE;

  return FALSE;
}

/* Is lines[index] the last line of an attribution? Mail programs wrap a
 * long "On ..., Alice <alice@example.org> wrote:" over two lines, so the
 * line above may be its start. Sets @first to the attribution's first line. */
static gboolean
find_attribution (char  **lines,
                  gsize   index,
                  gsize   lower_bound,
                  gsize  *first)
{
  if (!is_attribution_verb (lines[index]) &&
      !(starts_like_attribution (lines[index]) && ends_with_colon (lines[index])))
    return FALSE;

  *first = index;
  if (index > lower_bound &&
      !starts_like_attribution (lines[index]) &&
      starts_like_attribution (lines[index - 1]) &&
      !is_blank (lines[index - 1]) &&
      !ends_with_colon (lines[index - 1]))
    *first = index - 1;

  return TRUE;
}

/* Outlook puts the whole earlier conversation under a marker line. */
static gboolean
is_original_message_marker (char  **lines,
                            gsize   index,
                            gsize   n_lines)
{
  static const char * const titles[] = {
    "original message", "ursprüngliche nachricht", "message d'origine",
    "mensaje original", "messaggio originale", "oorspronkelijk bericht",
    "forwarded message", "weitergeleitete nachricht",
  };
  g_autofree char *stripped = NULL;
  const char *line;
  const char *next = index + 1 < n_lines ? lines[index + 1] : "";
  char first = lines[index][strspn (lines[index], " \t")];
  gsize len;

  /* Every marker starts with a rule or "From:"/"Von:": any other line is
   * turned down before it costs an allocation (a mail of a million
   * short lines asks once per line). */
  if (first != '-' && first != '_' && g_ascii_tolower (first) != 'f' &&
      g_ascii_tolower (first) != 'v')
    return FALSE;

  stripped = g_strstrip (g_utf8_strdown (lines[index], -1));
  line = stripped;
  len = strlen (line);

  if (len >= 6 && g_str_has_prefix (line, "---") && g_str_has_suffix (line, "---"))
    {
      for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
        if (strstr (line, titles[i]) != NULL)
          return TRUE;
    }

  /* Outlook on the web: a rule of underscores, then the old headers. */
  if (len >= 20 && strspn (line, "_") == len &&
      (has_prefix_ci (next, "From:") || has_prefix_ci (next, "Von:") || has_prefix_ci (next, "De:")))
    return TRUE;

  /* New Outlook: the old headers without a rule. */
  if ((has_prefix_ci (line, "from: ") && has_prefix_ci (next, "sent: ")) ||
      (has_prefix_ci (line, "von: ") && has_prefix_ci (next, "gesendet: ")))
    return TRUE;

  return FALSE;
}

static char *
join_lines (char  **lines,
            gsize   from,
            gsize   to)
{
  GString *out = g_string_new (NULL);

  for (gsize i = from; i < to; i++)
    {
      if (i > from)
        g_string_append_c (out, '\n');
      g_string_append (out, lines[i]);
    }

  /* Only whole blank lines go: indentation on the first line is the
   * writer's, trailing blanks are not. */
  while (out->len > 0 && g_ascii_isspace (out->str[out->len - 1]))
    g_string_truncate (out, out->len - 1);
  /* One erase for all leading line breaks: one erase per line would move
   * the rest of the text each time, quadratic on a mail of blank lines. */
  g_string_erase (out, 0, strspn (out->str, "\n"));

  return g_string_free (out, FALSE);
}

/* Cuts @text into its lines in place ('\n' becomes NUL) and returns the
 * NULL-terminated array of line starts, which points into @text: one
 * allocation for the lot instead of one per line, which a mail of a
 * million empty lines pays for dearly. */
static char **
split_lines_in_place (char  *text,
                      gsize *out_n_lines)
{
  GPtrArray *lines = g_ptr_array_new ();
  char *p = text;

  for (;;)
    {
      char *nl = strchr (p, '\n');

      g_ptr_array_add (lines, p);
      if (nl == NULL)
        break;
      *nl = '\0';
      p = nl + 1;
    }
  *out_n_lines = lines->len;
  g_ptr_array_add (lines, NULL);

  return (char **) g_ptr_array_free (lines, FALSE);
}

static char *
extract_visible (const char  *plain_text,
                 gboolean     is_chat,
                 gboolean     fold_leading_quote,
                 char       **out_folded)
{
  g_autofree char *normalized = NULL;
  g_autofree char **lines = NULL;
  g_autofree char *visible = NULL;
  g_autofree char *head = NULL;
  g_autofree char *tail = NULL;
  gsize n_lines;
  gsize start = 0;
  gsize end;

  if (out_folded != NULL)
    *out_folded = NULL;
  if (plain_text == NULL)
    return g_strdup ("");

  normalized = normalize_newlines (plain_text);
  lines = split_lines_in_place (normalized, &n_lines);
  end = n_lines;

  /* Outlook's earlier conversation: everything below the marker. A chat
   * client never writes one, and a chat text may well contain dashes. */
  if (!is_chat)
    {
      for (gsize i = 0; i < end; i++)
        if (is_original_message_marker (lines, i, n_lines))
          {
            end = i;
            break;
          }
    }

  /* The signature, also in chat: Delta Chat puts the sender's status
   * there. Only a separator outside a quote counts. */
  if (!is_chat)
    {
      for (gsize i = 0; i < end; i++)
        if (is_signature_separator (lines[i], FALSE))
          {
            end = i;
            break;
          }
    }
  else
    {
      /* A chat client's footer (Delta Chat's status) is the last thing in
       * the mail, so only the last separator counts. */
      for (gsize i = end; i > 0; i--)
        if (is_signature_separator (lines[i - 1], TRUE))
          {
            end = i - 1;
            break;
          }
    }

  while (end > start && is_blank (lines[end - 1]))
    end--;

  /* A quote at the end (bottom of a top-posted reply), with the
   * attribution line above it. Chat text is kept as the sender meant it. */
  if (!is_chat)
    {
      gsize q = end;

      while (q > start && (is_quote (lines[q - 1]) || is_blank (lines[q - 1])))
        q--;
      while (q < end && is_blank (lines[q]))
        q++;

      if (q < end)
        {
          gsize b = q;
          gsize first;

          while (b > start && is_blank (lines[b - 1]))
            b--;
          if (b > start && find_attribution (lines, b - 1, start, &first))
            q = first;
          end = q;
          while (end > start && is_blank (lines[end - 1]))
            end--;
        }
    }

  /* A quote at the start (bottom-posted replies; Delta Chat's replies
   * start with the quoted message), perhaps under an attribution. */
  {
    gsize s = start;
    gsize first;

    while (s < end && is_blank (lines[s]))
      s++;
    if (s < end && !is_quote (lines[s]) && find_attribution (lines, s, start, &first) &&
        s + 1 < end && is_quote (lines[s + 1]))
      s++;
    else if (s + 1 < end && !is_quote (lines[s]) && find_attribution (lines, s + 1, start, &first) &&
             first == s && s + 2 < end && is_quote (lines[s + 2]))
      s += 2;

    /* A chat client's quote of the message replied to ends with a blank
     * line (Delta Chat's and Koi's both do); "> " lines a user typed do
     * not, and Koi sends those escaped anyway. */
    if (fold_leading_quote && s < end && is_quote (lines[s]) && is_chat)
      {
        gsize q = s;

        while (q < end && is_quote (lines[q]))
          q++;
        if (q >= end || !is_blank (lines[q]))
          fold_leading_quote = FALSE;
      }

    if (fold_leading_quote && s < end && is_quote (lines[s]))
      {
        while (s < end && (is_quote (lines[s]) || is_blank (lines[s])))
          s++;
        /* Only fold a quote that something follows: a message that is
         * all quote is shown as it is. */
        if (s < end)
          start = s;
      }
  }

  visible = join_lines (lines, start, end);
  if (*visible == '\0')
    {
      /* Nothing but quote or signature: show it all rather than nothing. */
      return join_lines (lines, 0, n_lines);
    }

  head = join_lines (lines, 0, start);
  tail = join_lines (lines, end, n_lines);
  if (out_folded != NULL && (*head != '\0' || *tail != '\0'))
    {
      if (*head != '\0' && *tail != '\0')
        *out_folded = g_strconcat (head, "\n\n", tail, NULL);
      else
        *out_folded = g_strdup (*head != '\0' ? head : tail);
    }

  return g_steal_pointer (&visible);
}

/**
 * koi_coi_extract_visible_text:
 * @plain_text: (nullable): the plain text of an email
 * @out_folded: (out) (optional) (nullable): the quote and signature that
 *   were folded away, or %NULL if nothing was
 *
 * What the writer of an email wrote: without the quoted message at its end
 * or start (with the "On ... wrote:" line above it), without Outlook's
 * "-----Original Message-----" part, without the signature below "-- ".
 * If that would leave nothing, the whole text is returned.
 *
 * Returns: (transfer full): the visible text; never %NULL
 */
char *
koi_coi_extract_visible_text (const char  *plain_text,
                              char       **out_folded)
{
  return extract_visible (plain_text, FALSE, TRUE, out_folded);
}

/**
 * koi_coi_extract_chat_text:
 * @plain_text: (nullable): the plain text of a chat message
 * @is_reply: the message replies to another one (In-Reply-To)
 * @out_folded: (out) (optional) (nullable): what was folded away, or %NULL
 *
 * Like koi_coi_extract_visible_text(), but for text a chat client wrote:
 * only the signature (Delta Chat's status footer: the last "-- " line)
 * and, in a reply, a leading quote followed by a blank line (how Delta
 * Chat and Koi quote the message replied to) are folded. Leading "> "
 * lines without that blank line, or in a message that is no reply, are
 * shown whole: the sender typed them.
 *
 * Returns: (transfer full): the visible text; never %NULL
 */
char *
koi_coi_extract_chat_text (const char  *plain_text,
                           gboolean     is_reply,
                           char       **out_folded)
{
  return extract_visible (plain_text, TRUE, is_reply, out_folded);
}

char **
koi_coi_split_lines (const char *text,
                     int         max_lines)
{
  GPtrArray *lines = g_ptr_array_new ();
  const char *line = text;
  const char *end = text + strlen (text);

  while (max_lines <= 0 || (int) lines->len + 1 < max_lines)
    {
      const char *nl = memchr (line, '\n', (gsize) (end - line));

      if (nl == NULL)
        break;
      g_ptr_array_add (lines, g_strndup (line, (gsize) (nl - line)));
      line = nl + 1;
    }
  g_ptr_array_add (lines, g_strdup (line));
  g_ptr_array_add (lines, NULL);

  return (char **) g_ptr_array_free (lines, FALSE);
}

/* Chat text escaping ---------------------------------------------------- */

#define ZWSP "\xe2\x80\x8b"

/* Also a line that already starts with the escape before such a line,
 * so that text the user wrote with it comes back unchanged. */
static gboolean
needs_escape (const char *line,
              gsize       len)
{
  while (len >= 3 && memcmp (line, ZWSP, 3) == 0)
    {
      line += 3;
      len -= 3;
    }

  return (len >= 1 && line[0] == '>') ||
         (len == 2 && memcmp (line, "--", 2) == 0) ||
         (len == 3 && memcmp (line, "-- ", 3) == 0);
}

/**
 * koi_coi_escape_chat_text:
 * @text: the text a user wrote, UTF-8 with '\n' line breaks
 *
 * Every receiver (Delta Chat, Koi, most mail programs) folds a "-- " line
 * and what follows as a signature, and a leading "> " line as a quote, so
 * such lines the user typed would be lost at the other end. Each is sent
 * with a ZERO WIDTH SPACE in front: it looks the same everywhere and no
 * program takes it for a separator or a quote;
 * koi_coi_unescape_chat_text() takes it away again.
 *
 * Returns: (transfer full): the text to send
 */
char *
koi_coi_escape_chat_text (const char *text)
{
  GString *out;
  const char *line = text;

  g_return_val_if_fail (text != NULL, NULL);

  out = g_string_sized_new (strlen (text) + 8);
  while (line != NULL)
    {
      const char *nl = strchr (line, '\n');
      gsize len = nl != NULL ? (gsize) (nl - line) : strlen (line);

      if (needs_escape (line, len))
        g_string_append (out, ZWSP);
      g_string_append_len (out, line, len + (nl != NULL ? 1 : 0));
      line = nl != NULL ? nl + 1 : NULL;
    }

  return g_string_free (out, FALSE);
}

/**
 * koi_coi_unescape_chat_text:
 * @text: received chat text
 *
 * Undoes koi_coi_escape_chat_text(): a ZERO WIDTH SPACE at the start of a
 * line that would otherwise be a separator or a quote goes.
 *
 * Returns: (transfer full): the text to show
 */
char *
koi_coi_unescape_chat_text (const char *text)
{
  GString *out;
  const char *line = text;

  g_return_val_if_fail (text != NULL, NULL);

  out = g_string_sized_new (strlen (text));
  while (line != NULL)
    {
      const char *nl = strchr (line, '\n');
      gsize len = nl != NULL ? (gsize) (nl - line) : strlen (line);
      gsize skip = 0;

      if (len >= 3 && memcmp (line, ZWSP, 3) == 0 && needs_escape (line + 3, len - 3))
        skip = 3;
      g_string_append_len (out, line + skip, len - skip + (nl != NULL ? 1 : 0));
      line = nl != NULL ? nl + 1 : NULL;
    }

  return g_string_free (out, FALSE);
}

/**
 * koi_coi_unflow_text:
 * @text: a text/plain; format=flowed body, decoded to UTF-8
 * @delsp: the part's DelSp=yes parameter
 *
 * Joins the soft line breaks of RFC 3676 back into paragraphs: a line
 * ending in a space continues on the next line of the same quote depth.
 * Space-stuffing is removed; quoted lines are written back with "> ".
 *
 * Returns: (transfer full): the text with hard line breaks only
 */
char *
koi_coi_unflow_text (const char *text,
                     gboolean    delsp)
{
  g_autofree char *normalized = NULL;
  g_autofree char **lines = NULL;
  gsize n_lines;
  GString *out;
  gboolean open = FALSE;
  guint open_depth = 0;

  g_return_val_if_fail (text != NULL, NULL);

  normalized = normalize_newlines (text);
  lines = split_lines_in_place (normalized, &n_lines);
  out = g_string_sized_new (strlen (text));

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      guint depth = 0;
      gsize len;
      gboolean flowed;

      while (line[depth] == '>')
        depth++;
      line += depth;
      if (*line == ' ')
        line++;
      len = strlen (line);

      /* The signature separator ends in a space but never flows. */
      flowed = len > 0 && line[len - 1] == ' ' && strcmp (line, "-- ") != 0;
      if (flowed && delsp)
        len--;

      if (open && depth != open_depth)
        {
          /* A flowed line without its continuation: end it here. */
          g_string_append_c (out, '\n');
          open = FALSE;
        }

      if (!open)
        {
          if (i > 0 && out->len > 0 && out->str[out->len - 1] != '\n')
            g_string_append_c (out, '\n');
          for (guint d = 0; d < depth; d++)
            g_string_append_c (out, '>');
          if (depth > 0 && len > 0)
            g_string_append_c (out, ' ');
        }

      g_string_append_len (out, line, len);
      open = flowed;
      open_depth = depth;
      if (!open && lines[i + 1] != NULL)
        g_string_append_c (out, '\n');
    }

  return g_string_free (out, FALSE);
}

/* HTML to text ---------------------------------------------------------- */

static const struct
{
  const char *name;
  gunichar    ch;
} entities[] = {
  { "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
  { "nbsp", ' ' }, { "shy", 0 }, { "zwnj", 0 }, { "zwj", 0 },
  { "copy", 0x00a9 }, { "reg", 0x00ae }, { "trade", 0x2122 }, { "euro", 0x20ac },
  { "pound", 0x00a3 }, { "yen", 0x00a5 }, { "cent", 0x00a2 }, { "sect", 0x00a7 },
  { "deg", 0x00b0 }, { "middot", 0x00b7 }, { "bull", 0x2022 }, { "hellip", 0x2026 },
  { "ndash", 0x2013 }, { "mdash", 0x2014 }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 },
  { "sbquo", 0x201a }, { "ldquo", 0x201c }, { "rdquo", 0x201d }, { "bdquo", 0x201e },
  { "laquo", 0x00ab }, { "raquo", 0x00bb }, { "times", 0x00d7 }, { "divide", 0x00f7 },
  { "auml", 0x00e4 }, { "ouml", 0x00f6 }, { "uuml", 0x00fc }, { "Auml", 0x00c4 },
  { "Ouml", 0x00d6 }, { "Uuml", 0x00dc }, { "szlig", 0x00df }, { "eacute", 0x00e9 },
  { "egrave", 0x00e8 }, { "ecirc", 0x00ea }, { "aacute", 0x00e1 }, { "agrave", 0x00e0 },
  { "acirc", 0x00e2 }, { "ccedil", 0x00e7 }, { "iacute", 0x00ed }, { "oacute", 0x00f3 },
  { "uacute", 0x00fa }, { "ntilde", 0x00f1 }, { "Eacute", 0x00c9 }, { "oslash", 0x00f8 },
  { "aring", 0x00e5 },
};

/* Decodes the entity at @p (which points at '&'). Returns the number of
 * bytes it used, 0 if it is not an entity (then '&' is literal text). */
static gsize
decode_entity (const char *p,
               GString    *out)
{
  const char *semi;
  gsize len;

  /* Only the next few bytes: searching the whole rest of the text for
   * each '&' is quadratic on a mail full of them. */
  semi = memchr (p, ';', strnlen (p, 13));
  if (semi == NULL || semi - p > 12 || semi - p < 2)
    return 0;
  len = semi - p - 1;

  if (p[1] == '#')
    {
      guint64 value;
      char *end = NULL;

      if (p[2] == 'x' || p[2] == 'X')
        value = g_ascii_strtoull (p + 3, &end, 16);
      else
        value = g_ascii_strtoull (p + 2, &end, 10);
      if (end != semi || end == p + 2 || end == p + 3)
        return 0;
      if (value == 0xa0)
        value = ' ';
      if (value > 0x10ffff || !g_unichar_validate ((gunichar) value) || value == 0)
        value = 0xfffd;
      g_string_append_unichar (out, (gunichar) value);
      return semi - p + 1;
    }

  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    {
      if (strlen (entities[i].name) == len && strncmp (p + 1, entities[i].name, len) == 0)
        {
          if (entities[i].ch != 0)
            g_string_append_unichar (out, entities[i].ch);
          return semi - p + 1;
        }
    }

  return 0;
}

/* Ends the current line so that exactly @n line breaks (at most one
 * empty line) separate it from what comes next. */
static void
break_lines (GString *out,
             guint    n)
{
  guint have = 0;

  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  if (out->len == 0)
    return;

  /* Counting stops at @n: a long run of <br> must not be counted again
   * by every tag after it. */
  for (gsize i = out->len; i > 0 && out->str[i - 1] == '\n' && have < n; i--)
    have++;
  for (; have < n; have++)
    g_string_append_c (out, '\n');
}

static gboolean
tag_is (const char *name,
        const char * const *set)
{
  for (guint i = 0; set[i] != NULL; i++)
    if (strcmp (name, set[i]) == 0)
      return TRUE;
  return FALSE;
}

/**
 * koi_coi_html_to_text:
 * @html: an HTML document or fragment, UTF-8
 *
 * A plain rendering of HTML-only mail: tags stripped, <head>, <script> and
 * <style> dropped, common entities decoded, white space collapsed as a
 * browser would, line breaks kept for <br>, paragraphs, <div>s, list items
 * and table rows. It is for reading, not for layout.
 *
 * Returns: (transfer full): the text; never %NULL
 */
char *
koi_coi_html_to_text (const char *html)
{
  static const char * const skipped[] = { "script", "style", "head", "title", "template", NULL };
  static const char * const paragraphs[] = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "dl",
    "pre", "hr", NULL
  };
  static const char * const lines[] = {
    "div", "tr", "li", "dt", "dd", "section", "article", "header", "footer", "center",
    "address", "tbody", "thead", "form", "nav", "main", "aside", "figure", NULL
  };
  GString *out;
  gboolean pending_space = FALSE;
  guint in_pre = 0;
  guint in_quote = 0;
  const char *p;

  g_return_val_if_fail (html != NULL, NULL);

  out = g_string_sized_new (strlen (html) / 2);

  for (p = html; *p != '\0';)
    {
      if (*p == '<')
        {
          char name[16];
          gsize n = 0;
          gboolean closing = FALSE;
          const char *q = p + 1;
          char quote = 0;

          if (g_str_has_prefix (p, "<!--"))
            {
              const char *stop = strstr (p + 4, "-->");
              p = stop != NULL ? stop + 3 : p + strlen (p);
              continue;
            }

          if (*q == '/')
            {
              closing = TRUE;
              q++;
            }
          while (g_ascii_isalnum (*q) && n < sizeof name - 1)
            name[n++] = g_ascii_tolower (*q++);
          name[n] = '\0';

          if (n == 0 && *q != '!' && *q != '?')
            {
              /* A lone '<' in text ("a < b"). */
              if (pending_space && out->len > 0 && out->str[out->len - 1] != '\n')
                g_string_append_c (out, ' ');
              pending_space = FALSE;
              g_string_append_c (out, '<');
              p++;
              continue;
            }

          /* The end of the tag, skipping '>' inside quoted attributes. */
          for (; *q != '\0'; q++)
            {
              if (quote != 0)
                {
                  if (*q == quote)
                    quote = 0;
                }
              else if (*q == '"' || *q == '\'')
                quote = *q;
              else if (*q == '>')
                break;
            }
          p = *q != '\0' ? q + 1 : q;

          if (!closing && tag_is (name, skipped))
            {
              g_autofree char *end_tag = g_strconcat ("</", name, NULL);
              const char *stop = p;

              /* Case-insensitive search for the end tag. */
              while (*stop != '\0' && g_ascii_strncasecmp (stop, end_tag, strlen (end_tag)) != 0)
                stop++;
              p = stop;
              if (*p != '\0')
                {
                  const char *gt = strchr (p, '>');
                  p = gt != NULL ? gt + 1 : p + strlen (p);
                }
              continue;
            }

          if (strcmp (name, "br") == 0)
            {
              while (out->len > 0 && out->str[out->len - 1] == ' ')
                g_string_truncate (out, out->len - 1);
              g_string_append_c (out, '\n');
              pending_space = FALSE;
            }
          else if (tag_is (name, paragraphs))
            {
              break_lines (out, 2);
              pending_space = FALSE;
              if (strcmp (name, "pre") == 0)
                in_pre = closing ? (in_pre > 0 ? in_pre - 1 : 0) : in_pre + 1;
              /* Quoted replies keep their "> " marks, so the quote folding
               * that works on plain text works on HTML-only mail too. */
              if (strcmp (name, "blockquote") == 0)
                in_quote = closing ? (in_quote > 0 ? in_quote - 1 : 0) : in_quote + 1;
            }
          else if (tag_is (name, lines))
            {
              break_lines (out, 1);
              pending_space = FALSE;
              if (!closing && strcmp (name, "li") == 0)
                g_string_append (out, "• ");
            }
          else if (strcmp (name, "td") == 0 || strcmp (name, "th") == 0)
            pending_space = TRUE;

          continue;
        }

      if (in_pre == 0 && g_ascii_isspace (*p))
        {
          pending_space = TRUE;
          p++;
          continue;
        }

      if (pending_space && out->len > 0 && out->str[out->len - 1] != '\n')
        g_string_append_c (out, ' ');
      pending_space = FALSE;

      if (in_quote > 0 && (out->len == 0 || out->str[out->len - 1] == '\n'))
        {
          for (guint d = 0; d < in_quote; d++)
            g_string_append_c (out, '>');
          g_string_append_c (out, ' ');
        }

      if (*p == '&')
        {
          gsize used = decode_entity (p, out);

          if (used > 0)
            {
              p += used;
              continue;
            }
        }

      g_string_append_c (out, *p == '\r' ? '\n' : *p);
      p++;
    }

  /* Trailing spaces on each line and blank lines at the ends go. */
  {
    g_auto(GStrv) split = koi_coi_split_lines (out->str, -1);
    GString *clean = g_string_sized_new (out->len);

    for (guint i = 0; split[i] != NULL; i++)
      {
        g_strchomp (split[i]);
        if (i > 0)
          g_string_append_c (clean, '\n');
        g_string_append (clean, split[i]);
      }
    g_string_free (out, TRUE);
    out = clean;
  }
  while (out->len > 0 && g_ascii_isspace (out->str[out->len - 1]))
    g_string_truncate (out, out->len - 1);
  /* One erase for all leading line breaks: one erase per line would move
   * the rest of the text each time, quadratic on a mail of blank lines. */
  g_string_erase (out, 0, strspn (out->str, "\n"));

  if (!g_utf8_validate (out->str, out->len, NULL))
    {
      char *valid = g_utf8_make_valid (out->str, out->len);
      g_string_free (out, TRUE);
      return valid;
    }

  return g_string_free (out, FALSE);
}
