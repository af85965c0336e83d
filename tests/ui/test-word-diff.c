/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-word-diff"

#include "config.h"

#include "koi-word-diff.h"

/* The marks in Edit History: what a reader sees changed, word by word. */
static void
test_word_diff (void)
{
  static const struct {
    const char *before;
    const char *text;
    const char *markup;
  } cases[] = {
    /* The original: nothing to compare, only escaped. */
    { NULL, "a < b & c", "a &lt; b &amp; c" },
    { "same words", "same words", "same words" },
    /* A replaced word: the old one struck through first, then the new. */
    { "Lunch at noon?", "Lunch at one?",
      "Lunch at <s><span alpha=\"55%\">noon?</span></s> <b><u>one?</u></b>" },
    /* Added and removed words; spaces never marked, never doubled. */
    { "see you", "see you soon", "see you <b><u>soon</u></b>" },
    { "see you very soon", "see you soon", "see you <s><span alpha=\"55%\">very</span></s> soon" },
    /* Line breaks stay as they were. */
    { "one\ntwo", "one\n2", "one\n<s><span alpha=\"55%\">two</span></s> <b><u>2</u></b>" },
    /* Words are compared whole, in any script. */
    { "Grüße aus Köln", "Grüße aus Bonn",
      "Grüße aus <s><span alpha=\"55%\">Köln</span></s> <b><u>Bonn</u></b>" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *markup = koi_word_diff_markup (cases[i].before, cases[i].text);

      g_assert_cmpstr (markup, ==, cases[i].markup);
    }
}

/* Texts too long to compare in a blink show unmarked, not late. */
static void
test_word_diff_long (void)
{
  g_autoptr (GString) a = g_string_new (NULL);
  g_autoptr (GString) b = g_string_new (NULL);
  g_autofree char *markup = NULL;

  for (guint i = 0; i < 2000; i++)
    {
      g_string_append_printf (a, "w%u ", i);
      g_string_append_printf (b, "w%u ", i + 1);
    }
  markup = koi_word_diff_markup (a->str, b->str);
  g_assert_cmpstr (markup, ==, b->str);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/word-diff/cases", test_word_diff);
  g_test_add_func ("/ui/word-diff/long", test_word_diff_long);

  return g_test_run ();
}
