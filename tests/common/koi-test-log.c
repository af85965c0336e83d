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
