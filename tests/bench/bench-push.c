/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-bench-push"

#include "config.h"

#include <curl/curl.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bench-util.h"
#include "koi-coi.h"
#include "koi-coi-gmime.h"
#include "koi-imap-client.h"
#include "koi-smtp.h"
#include "koi-syncer.h"
#include "koi-test-cli.h"

/*
 * Push latency benchmark (meson benchmark, not a test).
 *
 * Koi: alice submits a chat message to bob over SMTP (in this process);
 * bob's `koi-cli watch` stores it and prints received_at_ms. Latency =
 * received_at_ms − the wall clock right before the submit.
 *
 * Floor: what the server itself allows. Carol holds a bare IMAP IDLE on
 * her INBOX; a plain message is submitted to her the same way; floor =
 * time from right before the submit until IDLE returns with the EXISTS.
 * Dovecot holds IDLE notices back for 500 ms, so the floor is ~530 ms.
 *
 * Breakdown: dave's mail is read by Koi's own KoiSyncer in this process,
 * doing what the engine's worker does after a push (koi_syncer_idle, then
 * koi_syncer_sync (full = FALSE)). Per message it gives the IDLE notice,
 * the stored row's received_at_ms and the end of the sync, so Koi's own
 * share is measured on the same delivery, free of the server's jitter.
 *
 * All three run in the same process against the same server, interleaved
 * (the order rotates per round), so load and clock drift hit them alike.
 */

#define ROUNDS           20
#define ROUND_GAP_US     G_USEC_PER_SEC
#define DELIVERY_TIMEOUT 20   /* s */
#define TARGET_MS        30.0

#define ALICE "alice@example.org"
#define BOB   "bob@example.org"
#define CAROL "carol@example.org"
#define DAVE  "dave@example.org"

/* Bob's watch, so a failure can stop it: it would otherwise keep the
 * benchmark's output open and IDLE on forever. */
static KoiTestWatch *bob_watch;

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

  g_printerr ("bench-push: %s\n", text);
  if (bob_watch != NULL)
    g_subprocess_force_exit (bob_watch->process);
  exit (1);
}

/* KoiTestCli with two more users. koi_test_cli_new() only knows alice
 * and bob; the floor needs a mailbox no Koi code touches (carol), the
 * breakdown one that only the in-process syncer reads (dave). */
static KoiTestCli *
cli_new (void)
{
  static const char * const users[] = {
    ALICE ":alice-secret", BOB ":bob-secret", CAROL ":carol-secret", DAVE ":dave-secret", NULL
  };
  g_autoptr (GError) error = NULL;
  g_autofree char *keyring = NULL;
  KoiTestCli *self = g_new0 (KoiTestCli, 1);
  const char *build_root = g_getenv ("KOI_BUILD_ROOT");

  if (build_root == NULL)
    die ("KOI_BUILD_ROOT is not set: run this through `meson test --benchmark`");

  self->server = koi_test_mailserver_start (users, &error);
  if (self->server == NULL)
    die ("Could not start the mail server: %s", error->message);

  self->tmp = g_dir_make_tmp ("koi-bench-push-XXXXXX", &error);
  g_assert_no_error (error);
  self->cli = g_build_filename (build_root, "src", "cli", "koi-cli", NULL);

  keyring = g_build_filename (self->tmp, "keyring", NULL);
  self->env = g_get_environ ();
  self->env = g_environ_setenv (self->env, "SECRET_BACKEND", "file", TRUE);
  self->env = g_environ_setenv (self->env, "SECRET_FILE_TEST_PATH", keyring, TRUE);
  self->env = g_environ_setenv (self->env, "SECRET_FILE_TEST_PASSWORD", "bench-keyring", TRUE);
  self->env = g_environ_setenv (self->env, "XDG_DATA_HOME", self->tmp, TRUE);

  return self;
}

/* ------------------------------------------------------------------ */
/* Listener: waits for one message per round on its own thread, either as
 * a bare IMAP IDLE (the floor) or as Koi's own syncer (the breakdown). */

typedef enum {
  LISTENER_ARM = 1,
  LISTENER_QUIT,
} ListenerRequest;

typedef struct {
  gboolean  ready;        /* a "ready" reply, before IDLE starts */
  gint64    noticed_us;   /* real time IDLE returned with the change */
  gint64    stored_ms;    /* syncer only: received_at_ms of the new row */
  gint64    synced_us;    /* syncer only: real time koi_syncer_sync returned */
  char     *error;
} ListenerReply;

typedef struct {
  const char    *who;
  KoiImapClient *imap;     /* bare IDLE, or NULL */
  KoiSyncer     *syncer;   /* Koi's syncer, or NULL */
  KoiStore      *store;
  gint64         stored_ms;
  GAsyncQueue   *requests;
  GAsyncQueue   *replies;
  GThread       *thread;
} Listener;

static void
listener_reply_free (ListenerReply *reply)
{
  g_free (reply->error);
  g_free (reply);
}

static ListenerReply *
listener_reply_new_error (const char *who,
                          const GError *error)
{
  ListenerReply *reply = g_new0 (ListenerReply, 1);

  reply->error = g_strdup_printf ("%s: %s", who, error->message);
  return reply;
}

/* Waits in IDLE for the next change: the mailbox was quiet when armed, so
 * the first change is the new mail. */
static ListenerReply *
listener_wait (Listener *self)
{
  gint64 deadline = g_get_monotonic_time () + DELIVERY_TIMEOUT * G_USEC_PER_SEC;
  ListenerReply *reply;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (GError) error = NULL;
      gboolean changed = FALSE;

      if (self->imap != NULL)
        {
          KoiImapIdleResult result = { 0, };

          if (!koi_imap_client_idle (self->imap, DELIVERY_TIMEOUT * 1000, NULL, &result, NULL, &error))
            return listener_reply_new_error (self->who, error);
          changed = result.server_changed;
        }
      else if (!koi_syncer_idle (self->syncer, DELIVERY_TIMEOUT * 1000, NULL, &changed, NULL, NULL, &error))
        return listener_reply_new_error (self->who, error);

      if (!changed)
        continue;

      reply = g_new0 (ListenerReply, 1);
      reply->noticed_us = g_get_real_time ();
      if (self->syncer != NULL)
        {
          /* Exactly what the engine does after a push. */
          self->stored_ms = 0;
          if (!koi_syncer_sync (self->syncer, FALSE, NULL, &error))
            {
              listener_reply_free (reply);
              return listener_reply_new_error (self->who, error);
            }
          reply->synced_us = g_get_real_time ();
          reply->stored_ms = self->stored_ms;
          if (reply->stored_ms == 0)
            continue;   /* a change without new mail: wait on */
        }
      return reply;
    }

  reply = g_new0 (ListenerReply, 1);
  reply->error = g_strdup_printf ("%s: no new mail within %d s", self->who, DELIVERY_TIMEOUT);
  return reply;
}

static gpointer
listener_thread (gpointer data)
{
  Listener *self = data;

  for (;;)
    {
      ListenerRequest request = GPOINTER_TO_INT (g_async_queue_pop (self->requests));
      g_autoptr (GError) error = NULL;
      ListenerReply *ready;

      if (request == LISTENER_QUIT)
        break;

      /* Catch up with anything the server said since the last round (the
       * syncer's own MOVE, for one), so IDLE waits for the next message. */
      if (self->imap != NULL)
        {
          if (!koi_imap_client_noop (self->imap, NULL, &error))
            {
              g_async_queue_push (self->replies, listener_reply_new_error (self->who, error));
              continue;
            }
          koi_imap_client_take_changed (self->imap);
        }
      else if (!koi_syncer_sync (self->syncer, FALSE, NULL, &error))
        {
          g_async_queue_push (self->replies, listener_reply_new_error (self->who, error));
          continue;
        }

      ready = g_new0 (ListenerReply, 1);
      ready->ready = TRUE;
      g_async_queue_push (self->replies, ready);

      g_async_queue_push (self->replies, listener_wait (self));
    }

  return NULL;
}

static void
listener_start_thread (Listener *self)
{
  self->requests = g_async_queue_new ();
  self->replies = g_async_queue_new ();
  self->thread = g_thread_new (self->who, listener_thread, self);
}

static void
listener_start_idle (Listener              *self,
                     const char            *who,
                     const KoiServerConfig *config)
{
  g_autoptr (GError) error = NULL;

  self->who = who;
  self->imap = koi_imap_client_new (config);
  if (!koi_imap_client_connect (self->imap, NULL, &error) ||
      !koi_imap_client_select (self->imap, "INBOX", TRUE, NULL, NULL, &error))
    die ("IMAP connection for %s failed: %s", who, error->message);
  listener_start_thread (self);
}

static void
syncer_message_added (gint64   chat_id,
                      gint64   message_ref,
                      gpointer user_data)
{
  Listener *self = user_data;

  /* Called right after the batch is committed: the moment it is stored. */
  if (self->stored_ms == 0)
    self->stored_ms = g_get_real_time () / 1000;
}

/* Koi's syncer for @address with its own store in @dir: the engine's
 * worker loop, minus the thread hop that reports to the UI. */
static void
listener_start_syncer (Listener         *self,
                       KoiTestMailserver *server,
                       const char       *dir,
                       const char       *address,
                       const char       *password)
{
  static const KoiSyncerEvents events = { .message_added = syncer_message_added };
  g_autofree char *path = g_build_filename (dir, "syncer.db", NULL);
  g_autoptr (KoiAccountConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  KoiStoreAccount account = {
    .address = (char *) address,
    .imap_host = server->host, .imap_port = server->imaps_port,
    .imap_security = (char *) "tls",
    .smtp_host = server->host, .smtp_port = server->submission_port,
    .smtp_security = (char *) "starttls",
    .ca_file = server->ca_file,
  };

  self->who = address;
  self->store = koi_store_open (path, &error);
  if (self->store == NULL)
    die ("Could not open %s: %s", path, error->message);
  account.id = koi_store_account_upsert (self->store, &account, &error);
  if (account.id == 0)
    die ("Could not store the account: %s", error->message);

  config = koi_account_config_new_from_store (&account, password);
  self->syncer = koi_syncer_new (self->store, config, &events, self);
  if (!koi_syncer_connect (self->syncer, NULL, &error) ||
      !koi_syncer_sync (self->syncer, TRUE, NULL, &error))
    die ("The syncer for %s could not connect: %s", address, error->message);
  listener_start_thread (self);
}

static void
listener_stop (Listener *self)
{
  g_async_queue_push (self->requests, GINT_TO_POINTER (LISTENER_QUIT));
  g_thread_join (self->thread);
  if (self->imap != NULL)
    {
      koi_imap_client_logout (self->imap, NULL);
      koi_imap_client_free (self->imap);
    }
  g_clear_pointer (&self->syncer, koi_syncer_free);
  g_clear_pointer (&self->store, koi_store_close);
  g_async_queue_unref (self->requests);
  g_async_queue_unref (self->replies);
}

static ListenerReply *
listener_pop (Listener *self)
{
  ListenerReply *reply = g_async_queue_timeout_pop (self->replies,
                                                    (guint64) (DELIVERY_TIMEOUT + 5) * G_USEC_PER_SEC);

  if (reply == NULL)
    die ("The listener for %s did not answer", self->who);
  if (reply->error != NULL)
    die ("%s", reply->error);
  return reply;
}

/* Returns once the listener is about to enter IDLE. */
static void
listener_arm (Listener *self)
{
  ListenerReply *reply;

  g_async_queue_push (self->requests, GINT_TO_POINTER (LISTENER_ARM));
  reply = listener_pop (self);
  g_assert_true (reply->ready);
  listener_reply_free (reply);
  /* "IDLE" and its "+" are one local round trip (well under 1 ms); leave
   * ample time so the submit never races the IDLE start. */
  g_usleep (100 * 1000);
}

/* ------------------------------------------------------------------ */

static void
submit (const KoiServerConfig *smtp,
        const char            *from,
        const char            *to,
        GBytes                *raw)
{
  const char *recipients[] = { to, NULL };
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GError) error = NULL;
  const KoiSmtpRecipientResult *result;

  if (!koi_smtp_send (smtp, from, recipients, raw, &results, NULL, &error))
    die ("Submitting to %s failed: %s", to, error->message);

  result = g_ptr_array_index (results, 0);
  if (!result->accepted)
    die ("The server refused %s: %d %s", to, result->code, result->reply);
}

static GBytes *
build_chat (const char  *recipient,
            guint        round,
            char       **out_message_id)
{
  const char *to[] = { recipient, NULL };
  g_autofree char *text = g_strdup_printf ("Push round %u: are you there?", round);
  KoiCoiOutgoing outgoing = {
    .from_address = ALICE,
    .from_name = "Alice",
    .to = to,
    .text = text,
  };
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GError) error = NULL;

  message = koi_coi_build_chat_message (&outgoing, &error);
  if (message == NULL)
    die ("Could not build a chat message: %s", error->message);

  *out_message_id = g_strdup (g_mime_message_get_message_id (message));
  return koi_coi_message_to_bytes (message);
}

/* An ordinary mail for carol: the server's path is the same for any mail. */
static GBytes *
build_plain (guint round)
{
  g_autofree char *id = koi_coi_generate_message_id ("example.org");
  g_autofree char *date = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *text = NULL;

  date = g_date_time_format (now, "%a, %d %b %Y %H:%M:%S +0000");
  text = g_strdup_printf ("From: Alice <" ALICE ">\r\n"
                          "To: <" CAROL ">\r\n"
                          "Subject: Floor round %u\r\n"
                          "Date: %s\r\n"
                          "Message-ID: <%s>\r\n"
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: text/plain; charset=us-ascii\r\n"
                          "\r\n"
                          "Round %u of the push floor measurement.\r\n",
                          round, date, id, round);
  return g_bytes_new_take (g_steal_pointer (&text), strlen (text));
}

static double
measure_koi (KoiTestWatch          *watch,
             guint                 *from,
             const KoiServerConfig *smtp,
             guint                  round)
{
  g_autofree char *message_id = NULL;
  g_autoptr (GBytes) raw = build_chat (BOB, round, &message_id);
  JsonObject *event;
  gint64 t0_us;

  t0_us = g_get_real_time ();
  submit (smtp, ALICE, BOB, raw);

  event = koi_test_watch_wait (watch, from, "message", "message_id", message_id, DELIVERY_TIMEOUT);
  if (event == NULL)
    die ("Bob's watch did not report %s within %d s", message_id, DELIVERY_TIMEOUT);

  return json_object_get_int_member (event, "received_at_ms") - t0_us / 1000.0;
}

static double
measure_floor (Listener              *floor,
               const KoiServerConfig *smtp,
               guint                  round)
{
  g_autoptr (GBytes) raw = build_plain (round);
  ListenerReply *reply;
  gint64 t0_us;
  double latency;

  listener_arm (floor);
  t0_us = g_get_real_time ();
  submit (smtp, ALICE, CAROL, raw);

  reply = listener_pop (floor);
  latency = (reply->noticed_us - t0_us) / 1000.0;
  listener_reply_free (reply);
  return latency;
}

typedef struct {
  double notice_ms;   /* submit → IDLE returned in Koi's syncer */
  double stored_ms;   /* submit → received_at_ms */
  double synced_ms;   /* submit → koi_syncer_sync returned (MOVE included) */
} Breakdown;

static Breakdown
measure_syncer (Listener              *syncer,
                const KoiServerConfig *smtp,
                guint                  round)
{
  g_autofree char *message_id = NULL;
  g_autoptr (GBytes) raw = build_chat (DAVE, round, &message_id);
  ListenerReply *reply;
  Breakdown breakdown;
  gint64 t0_us;

  listener_arm (syncer);
  t0_us = g_get_real_time ();
  submit (smtp, ALICE, DAVE, raw);

  reply = listener_pop (syncer);
  breakdown.notice_ms = (reply->noticed_us - t0_us) / 1000.0;
  breakdown.stored_ms = reply->stored_ms - t0_us / 1000.0;
  breakdown.synced_ms = (reply->synced_us - t0_us) / 1000.0;
  listener_reply_free (reply);
  return breakdown;
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

int
main (int   argc,
      char *argv[])
{
  g_autoptr (KoiTestCli) cli = NULL;
  g_autoptr (KoiServerConfig) smtp = NULL;
  g_autoptr (KoiServerConfig) carol_imap = NULL;
  KoiBenchStats koi_stats, floor_stats, stats;
  double koi_ms[ROUNDS], floor_ms[ROUNDS];
  double notice_ms[ROUNDS], stored_ms[ROUNDS], added_ms[ROUNDS], sync_ms[ROUNDS];
  Listener floor = { 0, };
  Listener syncer = { 0, };
  guint from = 0;

  setlocale (LC_ALL, "");
  g_mime_init ();
  curl_global_init (CURL_GLOBAL_DEFAULT);

  cli = cli_new ();
  koi_test_cli_add_account (cli, "alice", ALICE, "alice-secret");
  koi_test_cli_add_account (cli, "bob", BOB, "bob-secret");
  /* Returns once bob's engine has synced and sits in IDLE. */
  bob_watch = koi_test_watch_start (cli, "bob");

  smtp = koi_server_config_new (cli->server->host, cli->server->submission_port,
                                KOI_SECURITY_STARTTLS, ALICE, "alice-secret", cli->server->ca_file);
  carol_imap = koi_server_config_new (cli->server->host, cli->server->imaps_port,
                                      KOI_SECURITY_TLS, CAROL, "carol-secret", cli->server->ca_file);
  listener_start_idle (&floor, CAROL, carol_imap);
  listener_start_syncer (&syncer, cli->server, cli->tmp, DAVE, "dave-secret");

  g_print ("push: %u rounds, each measurement 1 s after the last\n"
           "  koi   = submit → stored by bob's `koi-cli watch` (its received_at_ms)\n"
           "  floor = submit → a bare IMAP IDLE on carol's INBOX returns with the EXISTS\n"
           "  dave  = Koi's syncer in this process (same code as the engine's worker):\n"
           "          submit → IDLE notice → stored (received_at_ms) → sync done (incl. MOVE)\n",
           ROUNDS);

  for (guint round = 0; round < ROUNDS; round++)
    {
      Breakdown breakdown = { 0, };

      /* Rotate the order so no measurement always follows the same one. */
      for (guint step = 0; step < 3; step++)
        {
          switch ((round + step) % 3)
            {
            case 0:
              koi_ms[round] = measure_koi (bob_watch, &from, smtp, round);
              break;
            case 1:
              floor_ms[round] = measure_floor (&floor, smtp, round);
              break;
            default:
              breakdown = measure_syncer (&syncer, smtp, round);
              break;
            }
          g_usleep (ROUND_GAP_US);
        }

      notice_ms[round] = breakdown.notice_ms;
      stored_ms[round] = breakdown.stored_ms;
      added_ms[round] = breakdown.stored_ms - breakdown.notice_ms;
      sync_ms[round] = breakdown.synced_ms - breakdown.notice_ms;
      g_print ("round %2u: koi %6.1f ms  floor %6.1f ms  |  dave: notice %6.1f ms  stored %6.1f ms"
               "  (+%4.1f)  sync done +%5.1f ms\n",
               round + 1, koi_ms[round], floor_ms[round], notice_ms[round], stored_ms[round],
               added_ms[round], sync_ms[round]);
    }

  listener_stop (&floor);
  listener_stop (&syncer);

  print_stats ("push koi   ", koi_ms, &koi_stats);
  print_stats ("push floor ", floor_ms, &floor_stats);
  print_stats ("syncer notice         ", notice_ms, &stats);
  print_stats ("syncer stored         ", stored_ms, &stats);
  /* Per message, so the server's own jitter cancels out: what Koi does
   * between IDLE's notice and the row in the store (DONE, SELECT,
   * UID SEARCH, header FETCH, body FETCH, parse, insert). */
  print_stats ("syncer notice → stored", added_ms, &stats);
  print_stats ("syncer notice → synced", sync_ms, &stats);
  g_print ("koi - floor (p50): %.1f ms (target: within %.0f ms: %s)\n",
           koi_stats.p50 - floor_stats.p50, TARGET_MS,
           koi_stats.p50 - floor_stats.p50 <= TARGET_MS ? "met" : "MISSED");

  g_clear_pointer (&bob_watch, koi_test_watch_stop);
  g_clear_pointer (&cli, koi_test_cli_free);
  curl_global_cleanup ();
  return 0;
}
