/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

G_BEGIN_DECLS

/* What every fuzz target shares: a bound on the CPU time one input may
 * take. libFuzzer's -timeout only catches inputs that hang; a parser that
 * is quadratic takes a few milliseconds too long per kilobyte, which no
 * whole-second timeout sees. The bound is generous (ASan and the coverage
 * instrumentation make code several times slower than a release build,
 * and the machine is shared), so only super-linear time trips it: 50 ms
 * plus KOI_FUZZ_MS_PER_MB (default 4000, forty times bench-hostile's
 * target: coi-text runs five passes over its input) for each megabyte. Thread CPU time, not wall time, so a busy
 * machine does not count against the input. */

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

static inline double
koi_fuzz_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Runs @run on the input and aborts if it takes more CPU time than the
 * bound twice in a row: a one-off spike (a page fault storm in ASan's
 * shadow memory, the kernel's accounting on a busy machine) is not the
 * input's fault, a slow input is slow every time. */
static inline void
koi_fuzz_run_bounded (void      (*run) (const guint8 *data, size_t size),
                      const guint8 *data,
                      size_t        size,
                      const char   *what)
{
  static double ms_per_mb = 0;
  double bound;
  double spent = 0;

  if (ms_per_mb == 0)
    {
      const char *env = g_getenv ("KOI_FUZZ_MS_PER_MB");

      ms_per_mb = env != NULL ? g_ascii_strtod (env, NULL) : 4000;
      if (ms_per_mb <= 0)
        ms_per_mb = 4000;
    }
  bound = 50 + ms_per_mb * (double) size / (1024.0 * 1024.0);

  for (int attempt = 0; attempt < 2; attempt++)
    {
      double start = koi_fuzz_cpu_ms ();

      run (data, size);
      spent = koi_fuzz_cpu_ms () - start;
      if (spent <= bound)
        return;
    }

  fprintf (stderr, "koi-fuzz: %s took %.1f ms of CPU for %zu bytes (bound %.1f ms), twice: "
           "super-linear time\n", what, spent, size, bound);
  abort ();
}

G_END_DECLS
