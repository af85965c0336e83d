/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Koi logs structured, which g_test_expect_message() does not see: tests
 * that check log lines install a GLogWriterFunc and read each record's
 * domain and message with this. Either is NULL where the record has none. */
void koi_test_log_fields (const GLogField  *fields,
                          gsize             n_fields,
                          const char      **domain,
                          const char      **message);

/* Installs a log writer that keeps each message logged in @domain (and
 * hands every other record to GLib's default writer). Returns the array
 * the messages go to, owned by the writer: a test empties it as it checks. */
GPtrArray *koi_test_log_collect (const char *domain);

G_END_DECLS
