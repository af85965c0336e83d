/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-word-diff"

#include "config.h"

#include "koi-word-diff.h"

/* The comparison is a longest common subsequence over words, quadratic in
 * time and memory: beyond this many cells (two texts of ~700 words) the
 * history shows the versions without marks rather than stall the window. */
#define MAX_CELLS (500 * 1000)

/* Words and the spaces between them, each a token, so the result keeps
 * the text's own spacing and line breaks. */
static GPtrArray *
tokenize (const char *text)
{
  GPtrArray *tokens = g_ptr_array_new_with_free_func (g_free);
  const char *start = text;

  while (*start != '\0')
    {
      gboolean space = g_unichar_isspace (g_utf8_get_char (start));
      const char *end = g_utf8_next_char (start);

      while (*end != '\0' && g_unichar_isspace (g_utf8_get_char (end)) == space)
        end = g_utf8_next_char (end);
      g_ptr_array_add (tokens, g_strndup (start, end - start));
      start = end;
    }
  return tokens;
}

static gboolean
is_space (const char *token)
{
  return g_unichar_isspace (g_utf8_get_char (token));
}

static void
append_marked (GString    *out,
               const char *token,
               const char *open,
               const char *close)
{
  g_autofree char *escaped = g_markup_escape_text (token, -1);

  /* Spaces stay unmarked: an underlined gap reads as noise. */
  if (is_space (token))
    g_string_append (out, escaped);
  else
    g_string_append_printf (out, "%s%s%s", open, escaped, close);
}

char *
koi_word_diff_markup (const char *before,
                      const char *text)
{
  g_autoptr (GPtrArray) a = NULL;
  g_autoptr (GPtrArray) b = NULL;
  g_autofree guint *lcs = NULL;
  GString *out;
  guint n, m, i, j;

  if (text == NULL)
    text = "";
  if (before == NULL || !g_utf8_validate (before, -1, NULL) || !g_utf8_validate (text, -1, NULL))
    return g_markup_escape_text (text, -1);

  a = tokenize (before);
  b = tokenize (text);
  n = a->len;
  m = b->len;
  if ((guint64) (n + 1) * (m + 1) > MAX_CELLS)
    return g_markup_escape_text (text, -1);

  /* lcs[i][j]: the common length of a[i..] and b[j..]. */
  lcs = g_new0 (guint, (gsize) (n + 1) * (m + 1));
#define LCS(i, j) lcs[(gsize) (i) * (m + 1) + (j)]
  for (i = n; i-- > 0;)
    for (j = m; j-- > 0;)
      LCS (i, j) = g_str_equal (a->pdata[i], b->pdata[j])
        ? LCS (i + 1, j + 1) + 1 : MAX (LCS (i + 1, j), LCS (i, j + 1));

  out = g_string_new (NULL);
  i = j = 0;
  while (i < n || j < m)
    {
      if (i < n && j < m && g_str_equal (a->pdata[i], b->pdata[j]))
        {
          g_autofree char *escaped = g_markup_escape_text (b->pdata[j], -1);

          g_string_append (out, escaped);
          i++;
          j++;
        }
      else if (j < m && (i == n || LCS (i, j + 1) > LCS (i + 1, j)))
        append_marked (out, b->pdata[j++], "<b><u>", "</u></b>");
      else
        {
          /* On a tie the old word goes first: "~~one?~~ **two?**" reads
           * as a correction, left to right. */
          /* A removed space would only double the one beside it. */
          if (!is_space (a->pdata[i]))
            {
              append_marked (out, a->pdata[i], "<s><span alpha=\"55%\">", "</span></s>");
              /* "noon? one?", not "noon?one?", when a word replaced it. */
              if (j < m && !is_space (b->pdata[j]))
                g_string_append_c (out, ' ');
            }
          i++;
        }
    }
#undef LCS

  return g_string_free (out, FALSE);
}
