/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-bench-push"

#include "config.h"

#include <curl/curl.h>
#include <string.h>

#include "bench-util.h"
#include "koi-coi.h"
#include "koi-coi-gmime.h"
#include "koi-imap-client.h"
#include "koi-smtp.h"
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
 * Both run in the same process against the same server, interleaved (the
 * order alternates per round), so load and clock drift hit both alike.
 */

#define ROUNDS           20
#define ROUND_GAP_US     G_USEC_PER_SEC
#define DELIVERY_TIMEOUT 20   /* s */
#define TARGET_MS        30.0

#define ALICE "alice@example.org"
#define BOB   "bob@example.org"
#define CAROL "carol@example.org"

/* KoiTestCli with a third user. koi_test_cli_new() only knows alice and
 * bob; the floor needs a mailbox no Koi engine touches. */
static KoiTestCli *
cli_new_with_carol (void)
{
  static const char * const users[] = {
    ALICE ":alice-secret", BOB ":bob-secret", CAROL ":carol-secret", NULL
  };
  g_autoptr (GError) error = NULL;
  g_autofree char *keyring = NULL;
  KoiTestCli *self = g_new0 (KoiTestCli, 1);
  const char *build_root = g_getenv ("KOI_BUILD_ROOT");

  if (build_root == NULL)
    g_error ("KOI_BUILD_ROOT is not set: run this through `meson test --benchmark`");

  self->server = koi_test_mailserver_start (users, &error);
  if (self->server == NULL)
    g_error ("Could not start the mail server: %s", error->message);

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
/* Idler: a bare IMAP IDLE on its own thread, armed once per round */

typedef enum {
  IDLER_ARM = 1,
  IDLER_QUIT,
} IdlerRequest;

typedef struct {
  gboolean  ready;       /* a "ready" reply, before IDLE starts */
  gint64    noticed_us;  /* real time IDLE returned with the new EXISTS */
  char     *error;
} IdlerReply;

typedef struct {
  const char    *who;
  KoiImapClient *imap;
  GAsyncQueue   *requests;
  GAsyncQueue   *replies;
  GThread       *thread;
} Idler;

static void
idler_reply_free (IdlerReply *reply)
{
  g_free (reply->error);
  g_free (reply);
}

static IdlerReply *
idler_reply_new_error (const GError *error)
{
  IdlerReply *reply = g_new0 (IdlerReply, 1);

  reply->error = g_strdup (error->message);
  return reply;
}

/* Waits in IDLE for the next change. The mailbox was quiet when armed,
 * so the first change is the new mail. Its EXISTS is not checked against
 * the count: on bob's INBOX the engine moves the message out at once, and
 * the EXPUNGE may reach this session together with the EXISTS. */
static IdlerReply *
idler_wait_for_mail (Idler *idler)
{
  gint64 deadline = g_get_monotonic_time () + DELIVERY_TIMEOUT * G_USEC_PER_SEC;
  IdlerReply *reply;

  while (g_get_monotonic_time () < deadline)
    {
      KoiImapIdleResult result = { 0, };
      g_autoptr (GError) error = NULL;

      if (!koi_imap_client_idle (idler->imap, DELIVERY_TIMEOUT * 1000, NULL, &result, NULL, &error))
        return idler_reply_new_error (error);

      if (result.server_changed)
        {
          reply = g_new0 (IdlerReply, 1);
          reply->noticed_us = g_get_real_time ();
          return reply;
        }
    }

  reply = g_new0 (IdlerReply, 1);
  reply->error = g_strdup_printf ("no EXISTS for %s within %d s", idler->who, DELIVERY_TIMEOUT);
  return reply;
}

static gpointer
idler_thread (gpointer data)
{
  Idler *idler = data;

  for (;;)
    {
      IdlerRequest request = GPOINTER_TO_INT (g_async_queue_pop (idler->requests));
      g_autoptr (GError) error = NULL;
      IdlerReply *ready;

      if (request == IDLER_QUIT)
        break;

      /* Catch up with anything the server said since the last round, so
       * IDLE waits for the next message and not an old notice. */
      if (!koi_imap_client_noop (idler->imap, NULL, &error))
        {
          g_async_queue_push (idler->replies, idler_reply_new_error (error));
          continue;
        }
      koi_imap_client_take_changed (idler->imap);

      ready = g_new0 (IdlerReply, 1);
      ready->ready = TRUE;
      g_async_queue_push (idler->replies, ready);

      g_async_queue_push (idler->replies, idler_wait_for_mail (idler));
    }

  return NULL;
}

/* Read-only (EXAMINE): the observer on bob's INBOX must not change what
 * bob's engine sees. */
static void
idler_start (Idler                 *idler,
             const char            *who,
             const KoiServerConfig *config)
{
  g_autoptr (GError) error = NULL;

  idler->who = who;
  idler->imap = koi_imap_client_new (config);
  if (!koi_imap_client_connect (idler->imap, NULL, &error) ||
      !koi_imap_client_select (idler->imap, "INBOX", TRUE, NULL, NULL, &error))
    g_error ("IMAP connection for %s failed: %s", who, error->message);
  idler->requests = g_async_queue_new ();
  idler->replies = g_async_queue_new ();
  idler->thread = g_thread_new ("idler", idler_thread, idler);
}

static void
idler_stop (Idler *idler)
{
  g_async_queue_push (idler->requests, GINT_TO_POINTER (IDLER_QUIT));
  g_thread_join (idler->thread);
  koi_imap_client_logout (idler->imap, NULL);
  koi_imap_client_free (idler->imap);
  g_async_queue_unref (idler->requests);
  g_async_queue_unref (idler->replies);
}

static IdlerReply *
idler_pop (Idler *idler)
{
  IdlerReply *reply = g_async_queue_timeout_pop (idler->replies,
                                                 (guint64) (DELIVERY_TIMEOUT + 5) * G_USEC_PER_SEC);

  if (reply == NULL)
    g_error ("The IDLE thread for %s did not answer", idler->who);
  if (reply->error != NULL)
    g_error ("IDLE for %s failed: %s", idler->who, reply->error);
  return reply;
}

/* Returns once the idler is about to enter IDLE. */
static void
idler_arm (Idler *idler)
{
  IdlerReply *reply;

  g_async_queue_push (idler->requests, GINT_TO_POINTER (IDLER_ARM));
  reply = idler_pop (idler);
  g_assert_true (reply->ready);
  idler_reply_free (reply);
  /* "IDLE" and its "+" are one local round trip (well under 1 ms); leave
   * ample time so the submit never races the IDLE start. */
  g_usleep (100 * 1000);
}

/* Real time at which the armed idler saw the new message. */
static gint64
idler_noticed (Idler *idler)
{
  IdlerReply *reply = idler_pop (idler);
  gint64 noticed_us = reply->noticed_us;

  idler_reply_free (reply);
  return noticed_us;
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
    g_error ("Submitting to %s failed: %s", to, error->message);

  result = g_ptr_array_index (results, 0);
  if (!result->accepted)
    g_error ("The server refused %s: %d %s", to, result->code, result->reply);
}

static GBytes *
build_chat (guint   round,
            char  **out_message_id)
{
  const char *to[] = { BOB, NULL };
  g_autofree char *text = g_strdup_printf ("Push round %u: are you there, Bob?", round);
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
    g_error ("Could not build a chat message: %s", error->message);

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

typedef struct {
  double koi_ms;        /* submit → stored by bob's engine */
  double observer_ms;   /* submit → bare IDLE on bob's INBOX noticed it */
} KoiSample;

static KoiSample
measure_koi (KoiTestWatch          *watch,
             guint                 *from,
             Idler                 *observer,
             const KoiServerConfig *smtp,
             guint                  round)
{
  g_autofree char *message_id = NULL;
  g_autoptr (GBytes) raw = build_chat (round, &message_id);
  JsonObject *event;
  KoiSample sample;
  gint64 t0_us;

  idler_arm (observer);

  t0_us = g_get_real_time ();
  submit (smtp, ALICE, BOB, raw);

  event = koi_test_watch_wait (watch, from, "message", "message_id", message_id, DELIVERY_TIMEOUT);
  if (event == NULL)
    g_error ("Bob's watch did not report %s within %d s", message_id, DELIVERY_TIMEOUT);

  sample.koi_ms = json_object_get_int_member (event, "received_at_ms") - t0_us / 1000.0;
  sample.observer_ms = (idler_noticed (observer) - t0_us) / 1000.0;
  return sample;
}

static double
measure_floor (Idler                 *floor,
               const KoiServerConfig *smtp,
               guint                  round)
{
  g_autoptr (GBytes) raw = build_plain (round);
  gint64 t0_us;

  idler_arm (floor);
  t0_us = g_get_real_time ();
  submit (smtp, ALICE, CAROL, raw);

  return (idler_noticed (floor) - t0_us) / 1000.0;
}

static void
print_stats (const char *label,
             double     *samples,
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
  g_autoptr (KoiTestWatch) watch = NULL;
  g_autoptr (KoiServerConfig) smtp = NULL;
  g_autoptr (KoiServerConfig) carol_imap = NULL;
  g_autoptr (KoiServerConfig) bob_imap = NULL;
  KoiBenchStats koi_stats, floor_stats, observer_stats, added_stats;
  double koi_ms[ROUNDS], floor_ms[ROUNDS], observer_ms[ROUNDS], added_ms[ROUNDS];
  Idler floor = { 0, };
  Idler observer = { 0, };
  guint from = 0;

  g_mime_init ();
  curl_global_init (CURL_GLOBAL_DEFAULT);

  cli = cli_new_with_carol ();
  koi_test_cli_add_account (cli, "alice", ALICE, "alice-secret");
  koi_test_cli_add_account (cli, "bob", BOB, "bob-secret");
  /* Returns once bob's engine has synced and sits in IDLE. */
  watch = koi_test_watch_start (cli, "bob");

  smtp = koi_server_config_new (cli->server->host, cli->server->submission_port,
                                KOI_SECURITY_STARTTLS, ALICE, "alice-secret", cli->server->ca_file);
  carol_imap = koi_server_config_new (cli->server->host, cli->server->imaps_port,
                                      KOI_SECURITY_TLS, CAROL, "carol-secret", cli->server->ca_file);
  bob_imap = koi_server_config_new (cli->server->host, cli->server->imaps_port,
                                    KOI_SECURITY_TLS, BOB, "bob-secret", cli->server->ca_file);
  idler_start (&floor, CAROL, carol_imap);
  idler_start (&observer, BOB " (observer)", bob_imap);

  g_print ("push: %u rounds, 1 s apart\n"
           "  koi      = submit → stored by bob's `koi-cli watch` (received_at_ms)\n"
           "  floor    = submit → a bare IMAP IDLE on carol's INBOX sees EXISTS (own message)\n"
           "  observer = submit → a bare IMAP IDLE on bob's INBOX sees the same message as koi\n",
           ROUNDS);

  for (guint round = 0; round < ROUNDS; round++)
    {
      KoiSample sample;

      /* Alternate the order so neither side always runs right after the
       * other's delivery. */
      if (round % 2 == 0)
        {
          sample = measure_koi (watch, &from, &observer, smtp, round);
          g_usleep (ROUND_GAP_US);
          floor_ms[round] = measure_floor (&floor, smtp, round);
        }
      else
        {
          floor_ms[round] = measure_floor (&floor, smtp, round);
          g_usleep (ROUND_GAP_US);
          sample = measure_koi (watch, &from, &observer, smtp, round);
        }
      koi_ms[round] = sample.koi_ms;
      observer_ms[round] = sample.observer_ms;
      added_ms[round] = sample.koi_ms - sample.observer_ms;
      g_print ("round %2u: koi %6.1f ms  floor %6.1f ms  observer %6.1f ms  koi - observer %5.1f ms\n",
               round + 1, koi_ms[round], floor_ms[round], observer_ms[round], added_ms[round]);
      g_usleep (ROUND_GAP_US);
    }

  idler_stop (&floor);
  idler_stop (&observer);

  print_stats ("push koi     ", koi_ms, &koi_stats);
  print_stats ("push floor   ", floor_ms, &floor_stats);
  print_stats ("push observer", observer_ms, &observer_stats);
  /* Paired per message: the server's own jitter (two modes ~45 ms apart
   * on this machine) cancels out, what is left is Koi's work after the
   * notice: DONE, SELECT, UID SEARCH, header and body FETCH, parse, store. */
  print_stats ("koi - observer, per message:", added_ms, &added_stats);
  g_print ("koi - floor (p50): %.1f ms (target: within %.0f ms: %s)\n",
           koi_stats.p50 - floor_stats.p50, TARGET_MS,
           koi_stats.p50 - floor_stats.p50 <= TARGET_MS ? "met" : "MISSED");

  g_clear_pointer (&watch, koi_test_watch_stop);
  g_clear_pointer (&cli, koi_test_cli_free);
  curl_global_cleanup ();
  return 0;
}
