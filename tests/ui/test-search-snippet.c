/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A search result's text: the words the query matches in bold, as the
 * store's search matches them (case, accents, the last word unfinished),
 * starting near the first match, on one line, safe as markup.
 */
#define G_LOG_DOMAIN "test-search-snippet"

#include "config.h"

#include <string.h>

#include "koi-search-snippet.h"

static void
test_marks (void)
{
  static const struct { const char *text, *query, *markup; } cases[] = {
    { "Meet me at the harbor at six.", "harbor", "Meet me at the <b>harbor</b> at six." },
    /* Case and accents folded; a prefix marks the whole word. */
    { "Grüße aus München", "munch", "Grüße aus <b>München</b>" },
    { "Über alles", "uber", "<b>Über</b> alles" },
    { "The Zeppelin flies", "zepp", "The <b>Zeppelin</b> flies" },
    /* Every word of the query, wherever it is. */
    { "cake and tea, then more cake", "cake tea",
      "<b>cake</b> and <b>tea</b>, then more <b>cake</b>" },
    /* Markup in the text stays text. */
    { "a <b> & c harbor", "harbor", "a &lt;b&gt; &amp; c <b>harbor</b>" },
    /* One line. */
    { "first\nsecond harbor", "harbor", "first second <b>harbor</b>" },
    /* Not a match inside a word. */
    { "seaharbor", "harbor", "seaharbor" },
    /* No query: the text from its start. */
    { "hello", "", "hello" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *markup = koi_search_snippet_markup (cases[i].text, cases[i].query);

      g_assert_cmpstr (markup, ==, cases[i].markup);
    }
}

/* A match far into a long message: the snippet starts shortly before it,
 * so the bold word is on the row's two lines. */
static void
test_far_match (void)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree char *markup = NULL;

  for (guint i = 0; i < 200; i++)
    g_string_append (text, "filler words here ");
  g_string_append (text, "the zeppelin lands");
  markup = koi_search_snippet_markup (text->str, "zeppelin");
  g_assert_true (g_str_has_prefix (markup, "…"));
  g_assert_nonnull (strstr (markup, "<b>zeppelin</b>"));
  g_assert_cmpint (g_utf8_strlen (markup, -1), <, 80);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/search-snippet/marks", test_marks);
  g_test_add_func ("/ui/search-snippet/far-match", test_far_match);
  return g_test_run ();
}
