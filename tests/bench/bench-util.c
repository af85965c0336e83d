/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-bench"

#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "bench-util.h"

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

void
koi_bench_stats_compute (double        *samples,
                         guint          n,
                         KoiBenchStats *out)
{
  guint rank;

  g_return_if_fail (n > 0);

  qsort (samples, n, sizeof *samples, compare_double);
  out->n = n;
  out->min = samples[0];
  out->max = samples[n - 1];
  out->p50 = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  /* Nearest rank rather than interpolation: with 20 samples p95 is the
   * 19th value, a time that really happened. */
  rank = (guint) ceil (0.95 * n);
  out->p95 = samples[MAX (rank, 1u) - 1];
}

char *
koi_bench_stats_format (const KoiBenchStats *stats)
{
  return g_strdup_printf ("p50 %.1f ms  p95 %.1f ms  min %.1f ms  max %.1f ms  (n=%u)",
                          stats->p50, stats->p95, stats->min, stats->max, stats->n);
}
