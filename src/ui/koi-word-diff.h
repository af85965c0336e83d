/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Pango markup of @text with what changed since @before marked word by
 * word: words that are new in bold and underlined, words that went away
 * struck through and faded, in place. With @before NULL (the original),
 * or texts too long to compare quickly, just @text escaped. */
char *koi_word_diff_markup (const char *before,
                            const char *text);

G_END_DECLS
