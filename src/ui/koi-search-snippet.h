/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The part of @text a search result shows, as Pango markup: from a little
 * before the first word that @query matches, on one line, with every
 * matching word in bold. A word matches when a word of the query starts it,
 * ignoring case and accents, as the store's full-text search does ("uber"
 * marks "Über"). Text the query does not match comes back from its start,
 * unmarked. Pure: no GTK. */
char *koi_search_snippet_markup (const char *text,
                                 const char *query);

G_END_DECLS
