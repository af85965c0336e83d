/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-bench-contacts"

#include "config.h"

#include <curl/curl.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bench-util.h"
#include "koi-coi.h"
#include "koi-coi-gmime.h"
#include "koi-engine.h"
#include "koi-imap-client.h"
#include "koi-syncer.h"
#include "koi-test-mailserver.h"

/*
 * A contact edited on one device, shown on another (meson benchmark, not
 * a test).
 *
 * Bob has two devices on one account. Device B is a real KoiEngine in this
 * process with its own store, started and waiting in IDLE, as the app runs
 * it; "shown on B" = B's "contact-updated" signal with the new name, on
 * this (main) thread. Device A is Koi's own KoiSyncer, connected, with
 * another store: t0 is right before koi_syncer_edit_contact() (the user
 * pressed Save), which stores the new version, and
 * koi_syncer_push_contacts(), which APPENDs it to COI/Contacts and
 * expunges the old one, what A's worker does when woken. B learns of it
 * only through NOTIFY on its INBOX IDLE.
 * Floor: a bare IMAP IDLE on a connection with COI/Contacts selected sees
 * the EXISTS of the same APPEND. Dovecot holds notices back 500 ms: every
 * measurement waits a gap after the last one.
 */

#define ROUNDS           15
#define ROUND_GAP_US     G_USEC_PER_SEC
#define DELIVERY_TIMEOUT 20   /* s */
#define TARGET_MS        50.0

#define ALICE "alice@example.org"
#define BOB   "bob@example.org"

/* Stopped by die() too, so a failed run leaves no Dovecot or Postfix. */
static KoiTestMailserver *server;
/* The two devices' stores; removed by die() too. */
static char *tmp;

static void remove_flat_dir (const char *path);


static void die (const char *format, ...) G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN;

static void
die (const char *format,
     ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("bench-multidevice: %s\n", text);
  /* The engine's worker may still be in IDLE: the process ends under it,
   * the servers must not outlive it. */
  g_clear_pointer (&server, koi_test_mailserver_free);
  if (tmp != NULL)
    remove_flat_dir (tmp);
  exit (1);
}

static KoiServerConfig *
imap_config (void)
{
  return koi_server_config_new (server->host, server->imaps_port, KOI_SECURITY_TLS,
                                BOB, "bob-secret", server->ca_file);
}

static KoiImapClient *
imap_connect (const char *who)
{
  g_autoptr (KoiServerConfig) config = imap_config ();
  g_autoptr (GError) error = NULL;
  KoiImapClient *imap = koi_imap_client_new (config);

  if (!koi_imap_client_connect (imap, NULL, &error))
    die ("The IMAP connection for %s failed: %s", who, error->message);
  return imap;
}

/* The temp dir holds only the two stores (and their -wal/-shm files). */
static void
remove_flat_dir (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_unlink (child);
    }
  g_rmdir (path);
}

/* ------------------------------------------------------------------ */
/* Floor: a bare IMAP IDLE on its own thread, waiting for one EXISTS per
 * measurement. */

typedef struct {
  gboolean  ready;        /* "about to IDLE", before the wait */
  gint64    noticed_us;   /* real time IDLE returned with the change */
  char     *error;
} FloorReply;

typedef struct {
  const char    *who;
  KoiImapClient *imap;
  GAsyncQueue   *requests;   /* GINT_TO_POINTER (1) = arm, 2 = quit */
  GAsyncQueue   *replies;    /* FloorReply */
  GThread       *thread;
} Floor;

enum { FLOOR_ARM = 1, FLOOR_QUIT };

static void
floor_reply_free (FloorReply *reply)
{
  g_free (reply->error);
  g_free (reply);
}

static FloorReply *
floor_reply_new_error (const Floor  *self,
                       const GError *error)
{
  FloorReply *reply = g_new0 (FloorReply, 1);

  reply->error = g_strdup_printf ("%s: %s", self->who, error->message);
  return reply;
}

static FloorReply *
floor_wait (Floor *self)
{
  gint64 deadline = g_get_monotonic_time () + DELIVERY_TIMEOUT * G_USEC_PER_SEC;
  FloorReply *reply;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (GError) error = NULL;
      KoiImapIdleResult result = { 0, };

      if (!koi_imap_client_idle (self->imap, DELIVERY_TIMEOUT * 1000, NULL, &result, NULL, &error))
        return floor_reply_new_error (self, error);
      if (!result.server_changed)
        continue;

      reply = g_new0 (FloorReply, 1);
      reply->noticed_us = g_get_real_time ();
      return reply;
    }

  reply = g_new0 (FloorReply, 1);
  reply->error = g_strdup_printf ("%s: no EXISTS within %d s", self->who, DELIVERY_TIMEOUT);
  return reply;
}

static gpointer
floor_thread (gpointer data)
{
  Floor *self = data;

  while (GPOINTER_TO_INT (g_async_queue_pop (self->requests)) == FLOOR_ARM)
    {
      g_autoptr (GError) error = NULL;
      FloorReply *ready;

      /* Take in whatever the server said since the last measurement, so
       * IDLE waits for the next message. */
      if (!koi_imap_client_noop (self->imap, NULL, &error))
        {
          g_async_queue_push (self->replies, floor_reply_new_error (self, error));
          continue;
        }
      koi_imap_client_take_changed (self->imap);

      ready = g_new0 (FloorReply, 1);
      ready->ready = TRUE;
      g_async_queue_push (self->replies, ready);
      g_async_queue_push (self->replies, floor_wait (self));
    }

  return NULL;
}

static void
floor_start (Floor      *self,
             const char *who,
             const char *mailbox)
{
  g_autoptr (GError) error = NULL;

  self->who = who;
  self->imap = imap_connect (who);
  if (!koi_imap_client_select (self->imap, mailbox, TRUE, NULL, NULL, &error))
    die ("%s: SELECT %s failed: %s", who, mailbox, error->message);
  self->requests = g_async_queue_new ();
  self->replies = g_async_queue_new ();
  self->thread = g_thread_new (who, floor_thread, self);
}

static void
floor_stop (Floor *self)
{
  g_async_queue_push (self->requests, GINT_TO_POINTER (FLOOR_QUIT));
  g_thread_join (self->thread);
  koi_imap_client_logout (self->imap, NULL);
  koi_imap_client_free (self->imap);
  g_async_queue_unref (self->requests);
  g_async_queue_unref (self->replies);
}

static FloorReply *
floor_pop (Floor *self)
{
  FloorReply *reply = g_async_queue_timeout_pop (self->replies,
                                                 (guint64) (DELIVERY_TIMEOUT + 5) * G_USEC_PER_SEC);

  if (reply == NULL)
    die ("%s did not answer", self->who);
  if (reply->error != NULL)
    die ("%s", reply->error);
  return reply;
}

/* Returns once the floor is about to enter IDLE. */
static void
floor_arm (Floor *self)
{
  FloorReply *reply;

  g_async_queue_push (self->requests, GINT_TO_POINTER (FLOOR_ARM));
  reply = floor_pop (self);
  g_assert_true (reply->ready);
  floor_reply_free (reply);
  /* "IDLE" and its "+" are one local round trip: leave ample time so the
   * delivery never races the IDLE start. */
  g_usleep (100 * 1000);
}

/* ------------------------------------------------------------------ */
/* Device B: the real engine, its signals on this thread. */

typedef struct {
  KoiEngine *engine;
  KoiStore  *reader;        /* this thread's own connection to B's store */
  char      *waiting_for;   /* the name the next measurement waits for */
  gint64     shown_us;      /* real time its "message-added" arrived */
  gboolean   shown;
  gboolean   synced;
  gboolean   stopped;
} DeviceB;

static void
on_contact_updated (KoiEngine *engine,
                    gint64     contact_id,
                    gpointer   user_data)
{
  DeviceB *self = user_data;
  gint64 now_us = g_get_real_time ();
  g_autoptr (KoiStoreContact) contact = NULL;
  g_autoptr (GError) error = NULL;

  if (self->waiting_for == NULL || self->shown)
    return;

  /* The time first: the store lookup is the benchmark's, not the app's. */
  contact = koi_store_contact_get (self->reader, contact_id, &error);
  if (contact == NULL)
    die ("Device B announced contact %" G_GINT64_FORMAT " but its store does not have it: %s",
         contact_id, error != NULL ? error->message : "gone");
  if (g_strcmp0 (contact->display_name, self->waiting_for) == 0)
    {
      self->shown_us = now_us;
      self->shown = TRUE;
    }
}

static void
on_sync_finished (KoiEngine *engine,
                  gpointer   user_data)
{
  ((DeviceB *) user_data)->synced = TRUE;
}

static void
on_error (KoiEngine    *engine,
          const GError *error,
          gpointer      user_data)
{
  die ("Device B reported an error: %s", error->message);
}

static void
on_stopped (KoiEngine *engine,
            gpointer   user_data)
{
  ((DeviceB *) user_data)->stopped = TRUE;
}

static gint64
account_add (const char *store_path)
{
  g_autoptr (GError) error = NULL;
  KoiStore *store = koi_store_open (store_path, &error);
  KoiStoreAccount account = {
    .address = (char *) BOB,
    .display_name = (char *) "Bob",
    .imap_host = server->host, .imap_port = server->imaps_port,
    .imap_security = (char *) "tls",
    .smtp_host = server->host, .smtp_port = server->submission_port,
    .smtp_security = (char *) "starttls",
    .ca_file = server->ca_file,
  };
  gint64 id;

  if (store == NULL)
    die ("Could not open %s: %s", store_path, error->message);
  id = koi_store_account_upsert (store, &account, &error);
  if (id == 0)
    die ("Could not store the account: %s", error->message);
  koi_store_close (store);
  return id;
}

static KoiAccountConfig *
account_config (const char *store_path,
                gint64      id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiStoreAccount) account = NULL;
  KoiStore *store = koi_store_open (store_path, &error);
  KoiAccountConfig *config;

  if (store == NULL)
    die ("Could not open %s: %s", store_path, error->message);
  account = koi_store_account_get (store, id, &error);
  if (account == NULL)
    die ("Could not read the account back: %s", error->message);
  config = koi_account_config_new_from_store (account, "bob-secret");
  koi_store_close (store);
  return config;
}

static gboolean
tick_done (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

/* Iterates this thread's main context until *@flag or @timeout_s pass. */
static gboolean
iterate_until (const gboolean *flag,
               guint           timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  while (!*flag && g_get_monotonic_time () < deadline)
    {
      /* Wakes at least every 50 ms to look at the deadline. */
      GSource *tick = g_timeout_source_new (50);

      g_source_set_callback (tick, tick_done, NULL, NULL);
      g_source_attach (tick, NULL);
      g_main_context_iteration (NULL, TRUE);
      g_source_destroy (tick);
      g_source_unref (tick);
    }

  return *flag;
}

/* Lets B's events of the last measurement through while time passes. */
static void
iterate_for (gint64 us)
{
  gint64 deadline = g_get_monotonic_time () + us;

  while (g_get_monotonic_time () < deadline)
    {
      GSource *tick = g_timeout_source_new (MAX (1, (deadline - g_get_monotonic_time ()) / 1000));

      g_source_set_callback (tick, tick_done, NULL, NULL);
      g_source_attach (tick, NULL);
      g_main_context_iteration (NULL, TRUE);
      g_source_destroy (tick);
      g_source_unref (tick);
    }
}

static void
device_b_start (DeviceB    *self,
                const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "device-b.db", NULL);
  g_autoptr (KoiAccountConfig) config = NULL;
  g_autoptr (GError) error = NULL;

  config = account_config (path, account_add (path));
  self->engine = koi_engine_new_from_config (path, config);
  g_signal_connect (self->engine, "contact-updated", G_CALLBACK (on_contact_updated), self);
  g_signal_connect (self->engine, "sync-finished", G_CALLBACK (on_sync_finished), self);
  g_signal_connect (self->engine, "error", G_CALLBACK (on_error), self);
  g_signal_connect (self->engine, "stopped", G_CALLBACK (on_stopped), self);
  koi_engine_start (self->engine);

  if (!iterate_until (&self->synced, DELIVERY_TIMEOUT))
    die ("Device B did not finish its first sync within %d s", DELIVERY_TIMEOUT);
  self->reader = koi_store_open (path, &error);
  if (self->reader == NULL)
    die ("Could not open device B's store: %s", error->message);
  /* "sync-finished" is posted right before the worker enters IDLE. */
  g_usleep (200 * 1000);
}

/* Waits for B's "message-added" of @message_id; returns the real time. */
static gint64
device_b_wait (DeviceB    *self,
               const char *what)
{
  if (!iterate_until (&self->shown, DELIVERY_TIMEOUT))
    die ("Device B did not show the %s contact %s within %d s", what, self->waiting_for,
         DELIVERY_TIMEOUT);
  return self->shown_us;
}

static void
device_b_expect (DeviceB    *self,
                 const char *message_id)
{
  g_free (self->waiting_for);
  self->waiting_for = g_strdup (message_id);
  self->shown_us = 0;
  self->shown = FALSE;
}

static void
device_b_stop (DeviceB *self)
{
  koi_engine_stop (self->engine);
  if (!iterate_until (&self->stopped, 10))
    g_printerr ("bench-contacts: device B's engine did not stop within 10 s\n");
  g_clear_object (&self->engine);
  g_clear_pointer (&self->reader, koi_store_close);
  g_clear_pointer (&self->waiting_for, g_free);
}

/* ------------------------------------------------------------------ */
/* Device A: Koi's syncer, connected, with its own store. */

typedef struct {
  KoiStore      *store;
  KoiSyncer     *syncer;
  char          *contacts_folder;
} DeviceA;

static void
device_a_start (DeviceA    *self,
                const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "device-a.db", NULL);
  g_autoptr (KoiAccountConfig) config = NULL;
  g_autoptr (GError) error = NULL;

  config = account_config (path, account_add (path));
  self->store = koi_store_open (path, &error);
  if (self->store == NULL)
    die ("Could not open device A's store: %s", error->message);
  self->syncer = koi_syncer_new (self->store, config, &(KoiSyncerEvents) { 0, }, NULL);
  if (!koi_syncer_connect (self->syncer, NULL, &error) || !koi_syncer_sync_contacts (self->syncer, NULL, &error))
    die ("Device A could not connect: %s", error->message);
  self->contacts_folder = g_strdup (koi_syncer_get_contacts_folder (self->syncer));
}

static void
device_a_stop (DeviceA *self)
{
  g_clear_pointer (&self->syncer, koi_syncer_free);
  g_clear_pointer (&self->store, koi_store_close);
  g_clear_pointer (&self->contacts_folder, g_free);
}

/* ------------------------------------------------------------------ */

typedef struct {
  double koi_ms;
  double floor_ms;
} Pair;

/* A renames alice; B shows the new name. */
static Pair
measure_edit (DeviceA *a,
              DeviceB *b,
              Floor   *floor,
              guint    round)
{
  g_autofree char *name = g_strdup_printf ("Alice, round %u", round + 1);
  g_autoptr (KoiContactEdit) edit = koi_contact_edit_new ();
  g_autoptr (GError) error = NULL;
  FloorReply *reply;
  gint64 t0_us, shown_us;
  Pair pair;

  edit->name = g_strdup (name);
  device_b_expect (b, name);
  floor_arm (floor);
  t0_us = g_get_real_time ();
  if (koi_syncer_edit_contact (a->syncer, ALICE, edit, &error) == 0 ||
      !koi_syncer_push_contacts (a->syncer, NULL, &error))
    die ("Device A could not edit the contact: %s", error->message);

  shown_us = device_b_wait (b, "edited");
  reply = floor_pop (floor);
  pair.koi_ms = (shown_us - t0_us) / 1000.0;
  pair.floor_ms = (reply->noticed_us - t0_us) / 1000.0;
  floor_reply_free (reply);
  return pair;
}

static void
print_stats (const char    *label,
             double        *samples,
             KoiBenchStats *stats)
{
  g_autofree char *text = NULL;

  koi_bench_stats_compute (samples, ROUNDS, stats);
  text = koi_bench_stats_format (stats);
  g_print ("%s %s\n", label, text);
}

static void
print_pair (const char *name,
            double     *koi_ms,
            double     *floor_ms)
{
  g_autofree char *koi_label = g_strdup_printf ("%-6s B shown ", name);
  g_autofree char *floor_label = g_strdup_printf ("%-6s floor   ", name);
  g_autofree char *paired_label = g_strdup_printf ("%-6s B − floor, same delivery", name);
  KoiBenchStats koi_stats, floor_stats, paired_stats;
  double paired_ms[ROUNDS];
  double diff;

  /* Per delivery, before the sorting below: the server's jitter (its
   * 500 ms wait lands in one of two modes) hits both alike and cancels. */
  for (guint i = 0; i < ROUNDS; i++)
    paired_ms[i] = koi_ms[i] - floor_ms[i];

  print_stats (koi_label, koi_ms, &koi_stats);
  print_stats (floor_label, floor_ms, &floor_stats);
  print_stats (paired_label, paired_ms, &paired_stats);
  diff = koi_stats.p50 - floor_stats.p50;
  g_print ("%-6s p50 %.1f ms vs floor %.1f ms: %+.1f ms (target: within %.0f ms: %s)\n",
           name, koi_stats.p50, floor_stats.p50, diff, TARGET_MS,
           diff <= TARGET_MS ? "met" : "MISSED");
}

int
main (int   argc,
      char *argv[])
{
  static const char * const users[] = { ALICE ":alice-secret", BOB ":bob-secret", NULL };
  g_autoptr (GError) error = NULL;
  double edit_ms[ROUNDS], edit_floor_ms[ROUNDS];
  DeviceA a = { 0, };
  DeviceB b = { 0, };
  Floor contacts_floor = { 0, };

  setlocale (LC_ALL, "");
  g_mime_init ();
  curl_global_init (CURL_GLOBAL_DEFAULT);

  server = koi_test_mailserver_start (users, &error);
  if (server == NULL)
    die ("Could not start the mail server: %s", error->message);
  tmp = g_dir_make_tmp ("koi-bench-contacts-XXXXXX", &error);
  if (tmp == NULL)
    die ("Could not make a temp dir: %s", error->message);

  /* B first: its connect creates the contacts folder the others use. */
  device_b_start (&b, tmp);
  device_a_start (&a, tmp);
  floor_start (&contacts_floor, "the contacts folder floor", a.contacts_folder);
  /* Let Dovecot's notices about the set-up's SELECTs pass first. */
  iterate_for (2 * ROUND_GAP_US);

  g_print ("contacts: one user (bob), two devices; %u rounds, each measurement %.1f s after the last\n"
           "  edit = device A renames a contact: store, APPEND to %s, expunge the old version;\n"
           "         t0 right before the edit; B shown = device B's engine emits \"contact-updated\"\n"
           "         with the new name (NOTIFY on its INBOX IDLE)\n"
           "         floor = a bare IMAP IDLE with %s selected sees the EXISTS of the APPEND\n",
           ROUNDS, ROUND_GAP_US / (double) G_USEC_PER_SEC, a.contacts_folder, a.contacts_folder);

  for (guint round = 0; round < ROUNDS; round++)
    {
      Pair edit = measure_edit (&a, &b, &contacts_floor, round);

      iterate_for (ROUND_GAP_US);
      edit_ms[round] = edit.koi_ms;
      edit_floor_ms[round] = edit.floor_ms;
      g_print ("round %2u: edit  B %6.1f ms  floor %6.1f ms  (%+6.1f)\n",
               round + 1, edit.koi_ms, edit.floor_ms, edit.koi_ms - edit.floor_ms);
    }

  floor_stop (&contacts_floor);
  device_a_stop (&a);
  device_b_stop (&b);

  print_pair ("edit", edit_ms, edit_floor_ms);

  g_clear_pointer (&server, koi_test_mailserver_free);
  remove_flat_dir (tmp);
  g_clear_pointer (&tmp, g_free);
  curl_global_cleanup ();
  return 0;
}
