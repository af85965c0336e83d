/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The figures a benchmark prints for a series of timings. */
typedef struct {
  guint  n;
  double min;
  double p50;   /* median */
  double p95;   /* nearest rank: the value 95 % of the samples do not exceed */
  double max;
} KoiBenchStats;

/* Sorts @samples in place and fills @out. */
void koi_bench_stats_compute (double        *samples,
                              guint          n,
                              KoiBenchStats *out);

/* "p50 532.0 ms  p95 560.0 ms  min 525.0 ms  max 571.0 ms" */
char *koi_bench_stats_format (const KoiBenchStats *stats);

G_END_DECLS
