/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "koi-coi-builder.h"
#include "koi-test-cli.h"

G_BEGIN_DECLS

/*
 * What the catch-up benchmarks share (bench-catchup, bench-catchup-pgp,
 * bench-compress, bench-qresync): their start, returning users, chat texts
 * and whole chats, mail written as a delivery agent stores it, delivered
 * in one batch, and koi-cli run as a child and measured.
 */

/* Sets the locale and starts gmime and libcurl; returns the number of
 * messages to deliver: KOI_BENCH_MESSAGES when set (for a quick try), else
 * @default_n. Fails the benchmark when that is below @minimum (1 at the
 * least). */
guint   koi_bench_mail_start  (guint        default_n,
                               guint        minimum);
/* @profile as a returning user: chat mail moved out of INBOX (so the
 * moves are part of the catch-up) and a first, empty sync done, which
 * creates COI/Chats and the folder state. What follows is then a catch-up,
 * not an account setup. */
void    koi_bench_mail_returning_user (KoiTestCli *cli,
                                       const char *profile);
/* A new, empty folder @name in the benchmark's temp dir, for a batch. */
char   *koi_bench_mail_batch_dir (KoiTestCli *cli,
                                  const char *name);

/* How the messages of a generated chat answer each other. */
typedef enum {
  KOI_BENCH_CHAT_FLAT,      /* none answers another */
  KOI_BENCH_CHAT_REPLIES,   /* two in three answer the one before */
  KOI_BENCH_CHAT_THREADS,   /* as REPLIES; References name the thread's first too */
} KoiBenchChatShape;

/* A chat of @n_messages from Alice to @to_address, built with Koi's own
 * COI builder and written into @folder (koi_bench_mail_write), one every
 * 30 s up to now, oldest first; the texts are koi_bench_mail_text's from a
 * generator seeded with @seed. Returns the bytes written. */
gsize   koi_bench_mail_chat   (const char        *folder,
                               const char        *to_address,
                               guint              n_messages,
                               guint32            seed,
                               KoiBenchChatShape  shape);

/* A chat text of 200-600 bytes (message @n); one in a hundred has the rare
 * word "zeppelin" for the search figures. */
char   *koi_bench_mail_text   (GRand       *rand,
                               guint        n);
/* Message @n of a chat, built with Koi's own COI builder; fails the
 * benchmark when it cannot be built. */
GMimeMessage *koi_bench_mail_build (const KoiCoiOutgoing *outgoing,
                                    guint                 n);
/* @raw as NNNNN.eml in @folder, with LF line endings. */
void    koi_bench_mail_write  (const char  *folder,
                               guint        n,
                               GBytes      *raw);
/* Delivers every file of @folder into @user's INBOX at once
 * (build-aux/koi-mailserver inject --maildir-batch). */
void    koi_bench_mail_inject (KoiTestCli  *cli,
                               const char  *user,
                               const char  *folder);

/* The transport floors (bench-catchup, bench-compress) fetch as the
 * syncer's two passes do (src/engine/koi-syncer.c), so they ask the server
 * for exactly the same bytes. */
#define KOI_BENCH_FLOOR_CHUNK        250
#define KOI_BENCH_FLOOR_HEADER_ITEMS \
  "(UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID CHAT-VERSION REFERENCES DATE)])"
#define KOI_BENCH_FLOOR_BODY_ITEMS   "(UID FLAGS BODY.PEEK[])"

/* The UID set of @uids[@start] to @uids[@start + @n - 1], one by one. */
char   *koi_bench_mail_uid_set (GArray *uids,
                                guint   start,
                                guint   n);

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
