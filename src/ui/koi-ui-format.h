/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Pure helpers that turn model values into the words and markup rows show.
 * They take "now" as an argument so tests can pin the clock. */

char     *koi_ui_format_relative_time (gint64      timestamp_ms,
                                       GDateTime  *now);
char     *koi_ui_format_day           (gint64      timestamp_ms,
                                       GDateTime  *now);
char     *koi_ui_format_clock         (gint64      timestamp_ms);
gboolean  koi_ui_same_day             (gint64      a_ms,
                                       gint64      b_ms);
char     *koi_ui_text_to_markup       (const char *text);
gboolean  koi_ui_address_is_valid     (const char *address);

G_END_DECLS
