/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "koi-test-cli.h"

G_BEGIN_DECLS

/*
 * What the catch-up benchmarks share (bench-catchup, bench-catchup-pgp):
 * chat texts, mail written as a delivery agent stores it, delivered in one
 * batch, and koi-cli run as a child and measured.
 */

/* A chat text of 200-600 bytes (message @n); one in a hundred has the rare
 * word "zeppelin" for the search figures. */
char   *koi_bench_mail_text   (GRand       *rand,
                               guint        n);
/* @raw as NNNNN.eml in @folder, with LF line endings. */
void    koi_bench_mail_write  (const char  *folder,
                               guint        n,
                               GBytes      *raw);
/* Delivers every file of @folder into @user's INBOX at once
 * (build-aux/koi-mailserver inject --maildir-batch). */
void    koi_bench_mail_inject (KoiTestCli  *cli,
                               const char  *user,
                               const char  *folder);

typedef struct {
  double  wall_s;
  double  user_s;
  double  sys_s;
  double  max_rss_mb;
  int     status;
  char   *output;   /* koi-cli's stdout */
} KoiBenchChild;

/* `koi-cli --profile PROFILE COMMAND`, behind @wrapper (perf, strace ...)
 * when not NULL; wall time, CPU times and peak RSS of the child. Fails the
 * benchmark when koi-cli fails. */
KoiBenchChild koi_bench_run_cli       (KoiTestCli  *cli,
                                       const char  *profile,
                                       const char  *command,
                                       const char  *wrapper);
/* "received" of koi-cli sync's "synced" event, or -1. */
gint64        koi_bench_json_received (const char  *output);

G_END_DECLS
