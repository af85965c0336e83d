/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-test"

#include <string.h>

#include "koi-test-log.h"

void
koi_test_log_fields (const GLogField  *fields,
                     gsize             n_fields,
                     const char      **domain,
                     const char      **message)
{
  *domain = NULL;
  *message = NULL;
  for (gsize i = 0; i < n_fields; i++)
    {
      if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0)
        *domain = fields[i].value;
      else if (strcmp (fields[i].key, "MESSAGE") == 0)
        *message = fields[i].value;
    }
}

static char *collect_domain;
static GPtrArray *collected;

static GLogWriterOutput
collect_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  const char *domain;
  const char *message;

  koi_test_log_fields (fields, n_fields, &domain, &message);
  if (g_strcmp0 (domain, collect_domain) == 0 && message != NULL)
    {
      g_ptr_array_add (collected, g_strdup (message));
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

GPtrArray *
koi_test_log_collect (const char *domain)
{
  g_assert (collected == NULL);
  collect_domain = g_strdup (domain);
  collected = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (collect_writer, NULL, NULL);
  return collected;
}
