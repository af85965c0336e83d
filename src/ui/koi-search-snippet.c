/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-search-snippet"

#include "config.h"

#include <string.h>

#include "koi-search-snippet.h"

/* Characters kept before the first match, and in all: a result row shows
 * two lines; the rest would only be ellipsized. */
#define CONTEXT_BEFORE 24
#define SNIPPET_CHARS  240

typedef struct {
  const char *start;
  const char *end;
} Word;

/* Words as the store's tokenizer (unicode61) sees them: runs of letters
 * and digits. */
static GArray *
split_words (const char *text,
             const char *end)
{
  GArray *words = g_array_new (FALSE, FALSE, sizeof (Word));
  const char *p = text;

  while (p < end && *p != '\0')
    {
      Word word;

      while (p < end && *p != '\0' && !g_unichar_isalnum (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      if (p >= end || *p == '\0')
        break;
      word.start = p;
      while (p < end && *p != '\0' && g_unichar_isalnum (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      word.end = p;
      g_array_append_val (words, word);
    }
  return words;
}

static gboolean
word_matches (const Word  *word,
              char       **terms)
{
  g_autofree char *copy = g_strndup (word->start, word->end - word->start);

  for (guint i = 0; terms[i] != NULL; i++)
    /* Folds case and accents on both sides, and takes the term as a
     * prefix: what the user is still typing marks too. */
    if (g_str_match_string (terms[i], copy, TRUE))
      return TRUE;
  return FALSE;
}

static void
append_plain (GString    *markup,
              const char *start,
              const char *end)
{
  for (const char *p = start; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      /* One line: line breaks and tabs become spaces. */
      if (c == '\n' || c == '\r' || c == '\t')
        g_string_append_c (markup, ' ');
      else
        {
          g_autofree char *escaped = g_markup_escape_text (p, g_utf8_next_char (p) - p);

          g_string_append (markup, escaped);
        }
    }
}

char *
koi_search_snippet_markup (const char *text,
                           const char *query)
{
  g_auto (GStrv) terms = NULL;
  g_autoptr (GArray) words = NULL;
  GString *markup = g_string_new (NULL);
  const char *start, *end, *p;
  gssize first = -1;

  if (text == NULL)
    return g_string_free (markup, FALSE);

  terms = g_str_tokenize_and_fold (query != NULL ? query : "", NULL, NULL);
  words = split_words (text, text + strlen (text));
  for (guint i = 0; i < words->len && terms[0] != NULL; i++)
    if (word_matches (&g_array_index (words, Word, i), terms))
      {
        first = i;
        break;
      }

  /* Start a few characters before the first match, at a word. */
  start = text;
  if (first >= 0)
    {
      const char *match = g_array_index (words, Word, first).start;
      glong before = g_utf8_pointer_to_offset (text, match);

      if (before > CONTEXT_BEFORE)
        {
          start = g_utf8_offset_to_pointer (match, -CONTEXT_BEFORE);
          for (guint i = 0; i < (guint) first; i++)
            if (g_array_index (words, Word, i).start >= start)
              {
                start = g_array_index (words, Word, i).start;
                break;
              }
          g_string_append (markup, "…");
        }
    }
  end = start;
  for (glong n = 0; n < SNIPPET_CHARS && *end != '\0'; n++)
    end = g_utf8_next_char (end);

  p = start;
  for (guint i = 0; i < words->len; i++)
    {
      const Word *word = &g_array_index (words, Word, i);

      if (word->end <= start)
        continue;
      if (word->start >= end)
        break;
      if (!word_matches (word, terms))
        continue;
      append_plain (markup, p, word->start);
      g_string_append (markup, "<b>");
      append_plain (markup, word->start, MIN (word->end, end));
      g_string_append (markup, "</b>");
      p = MIN (word->end, end);
    }
  append_plain (markup, p, end);
  if (*end != '\0')
    g_string_append (markup, "…");
  return g_string_free (markup, FALSE);
}
