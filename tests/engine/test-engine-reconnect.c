/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-engine-reconnect"

#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#include "koi-account-config.h"
#include "koi-engine.h"
#include "koi-model.h"
#include "koi-profile.h"
#include "koi-session.h"
#include "koi-store.h"
#include "koi-test-cli.h"

/*
 * "Reconnect Now" against a line that went quiet, on the real Dovecot +
 * Postfix: Alice's engine sits in IDLE when the server process serving
 * her connection stops answering (SIGSTOP: the kernel still takes the
 * bytes, nothing comes back, as after a suspend or a network change).
 * Bob writes to her. A sync pass (koi_engine_sync_soon) only asks the
 * quiet line again and would wait out its 60 s timeout: she sees nothing.
 * Reconnect Now gives the line up and logs in anew: Bob's message is
 * there within seconds. And without a click: the keepalive (a short IDLE
 * whose end the server must answer in time) finds the quiet line itself.
 */

#define ALICE "alice@example.org"
#define BOB   "bob@example.org"

typedef struct {
  guint added;
} Seen;

static void
on_message_added (KoiEngine *engine,
                  gint64     chat_id,
                  gint64     message_id,
                  Seen      *seen)
{
  seen->added++;
}

/* Iterates the main context until @done says so or @seconds pass. */
static gboolean
wait_until (gboolean (*done) (gpointer),
            gpointer  data,
            double    seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!done (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
  return TRUE;
}

static gboolean
is_online (gpointer engine)
{
  return koi_engine_get_connection_state (engine) == KOI_CONNECTION_ONLINE;
}

static gboolean
got_message (gpointer seen)
{
  return ((Seen *) seen)->added > 0;
}

/* The `imap` processes the instance's Dovecot runs now (one a logged-in
 * connection). */
static GArray *
imap_processes (KoiTestCli *cli)
{
  g_autofree char *pid_file = g_build_filename (cli->server->dir, "run", "dovecot", "master.pid", NULL);
  g_autofree char *master_text = NULL;
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (int));
  const char *name;
  int master;

  g_assert_true (g_file_get_contents (pid_file, &master_text, NULL, NULL));
  master = atoi (master_text);
  g_assert_cmpint (master, >, 0);
  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *stat_path = g_build_filename ("/proc", name, "stat", NULL);
      g_autofree char *stat = NULL;
      const char *end;
      int ppid = 0;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (stat_path, &stat, NULL, NULL))
        continue;
      /* "PID (COMM) STATE PPID ...": COMM may hold spaces, so from the
       * last parenthesis. */
      end = strrchr (stat, ')');
      if (end == NULL || !g_str_has_prefix (strchr (stat, '('), "(imap)") ||
          sscanf (end + 1, " %*c %d", &ppid) != 1 || ppid != master)
        continue;
      g_array_append_val (pids, (int) { atoi (name) });
    }
  return pids;
}

static gboolean
contains (GArray *pids,
          int     pid)
{
  for (guint i = 0; i < pids->len; i++)
    if (g_array_index (pids, int, i) == pid)
      return TRUE;
  return FALSE;
}

typedef struct {
  KoiTestCli *cli;
  KoiEngine  *engine;
  Seen        seen;
  GArray     *before;    /* Dovecot's imap processes before hers */
  int         stopped;   /* the SIGSTOPped imap process */
} Fixture;

/* Alice and Bob on the server; this process reads the file keyring
 * koi-cli saved their passwords in. */
static void
fixture_prepare (Fixture *fixture)
{
  fixture->cli = koi_test_cli_new ();
  koi_test_cli_add_account (fixture->cli, "alice", ALICE, "alice-secret");
  koi_test_cli_add_account (fixture->cli, "bob", BOB, "bob-secret");
  koi_test_cli_use_keyring_here (fixture->cli);
  fixture->before = imap_processes (fixture->cli);
}

/* Alice's engine is in IDLE: the Dovecot process serving her goes quiet
 * (SIGSTOP) and Bob writes to her. */
static void
fixture_stop_line (Fixture *fixture)
{
  g_autoptr (GArray) after = NULL;
  g_autofree char *sent = NULL;

  /* In IDLE by now (ONLINE comes after the first pass). */
  g_usleep (300 * 1000);
  after = imap_processes (fixture->cli);
  for (guint i = 0; i < after->len; i++)
    if (!contains (fixture->before, g_array_index (after, int, i)))
      {
        g_assert_cmpint (fixture->stopped, ==, 0);   /* hers is the only new one */
        fixture->stopped = g_array_index (after, int, i);
      }
  g_assert_cmpint (fixture->stopped, >, 0);
  g_assert_cmpint (kill (fixture->stopped, SIGSTOP), ==, 0);

  sent = koi_test_cli_send (fixture->cli, "bob", ALICE, "Are you there?");
  koi_test_mailserver_wait_for_empty_queue (fixture->cli->server);
}

/* Alice's engine in this process, as the window runs it (with @keepalive_ms
 * / @answer_ms, 0 = off), online; then her line goes quiet. */
static void
fixture_start (Fixture *fixture,
               guint    keepalive_ms,
               guint    answer_ms)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiAccountConfig) config = NULL;
  g_autofree char *alice = NULL;
  g_autofree char *store_path = NULL;

  fixture_prepare (fixture);
  alice = koi_test_cli_profile (fixture->cli, "alice");
  store_path = koi_profile_store_path (alice);
  {
    KoiStore *store = koi_store_open (store_path, &error);

    g_assert_no_error (error);
    config = koi_account_config_load_sync (store, 0, NULL, &error);
    g_assert_no_error (error);
    koi_store_close (store);
  }

  fixture->engine = koi_engine_new_from_config (store_path, config);
  koi_engine_set_keepalive (fixture->engine, keepalive_ms, answer_ms);
  g_signal_connect (fixture->engine, "message-added", G_CALLBACK (on_message_added), &fixture->seen);
  koi_engine_start (fixture->engine);
  g_assert_true (wait_until (is_online, fixture->engine, 30));
  fixture_stop_line (fixture);
}

static void
fixture_stop (Fixture *fixture)
{
  /* The stopped process finds its client gone and ends. */
  kill (fixture->stopped, SIGCONT);
  koi_engine_stop_and_wait (fixture->engine);
  g_signal_handlers_disconnect_by_data (fixture->engine, &fixture->seen);
  g_clear_object (&fixture->engine);
  g_clear_pointer (&fixture->before, g_array_unref);
  g_clear_pointer (&fixture->cli, koi_test_cli_free);
}

static void
test_reconnect_now_quiet_line (void)
{
  Fixture fixture = { 0, };
  gint64 asked;

  /* No keepalive here: it would find the dead line by itself. */
  fixture_start (&fixture, 0, 0);

  /* A pass on the same line: the question goes out, no answer comes. */
  koi_engine_sync_soon (fixture.engine);
  g_assert_false (wait_until (got_message, &fixture.seen, 5));
  g_assert_cmpuint (fixture.seen.added, ==, 0);

  /* Reconnect Now: a new login, a new pass, Bob's message. */
  asked = g_get_monotonic_time ();
  koi_engine_reconnect_now (fixture.engine);
  g_assert_true (wait_until (got_message, &fixture.seen, 10));
  g_test_message ("Bob's message %.2f s after Reconnect Now (the quiet line's timeout is 60 s)",
                  (g_get_monotonic_time () - asked) / (double) G_USEC_PER_SEC);
  g_assert_true (wait_until (is_online, fixture.engine, 10));
  g_assert_cmpuint (fixture.seen.added, ==, 1);

  fixture_stop (&fixture);
}

/* Nobody clicks anything: the keepalive ends the quiet IDLE, the server
 * does not answer DONE in time, and the engine logs in anew by itself.
 * Scaled down (2 s IDLE, 2 s answer, against 45 s and 15 s in use);
 * without it the engine sat on the dead line until its 9-minute IDLE
 * ended, and then another 60 s. */
static void
test_keepalive_finds_dead_line (void)
{
  Fixture fixture = { 0, };
  gint64 start;

  fixture_start (&fixture, 2000, 2000);
  start = g_get_monotonic_time ();
  g_assert_true (wait_until (got_message, &fixture.seen, 15));
  g_test_message ("Bob's message %.2f s after the line went quiet (keepalive 2 s + 2 s)",
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  g_assert_true (wait_until (is_online, fixture.engine, 10));
  g_assert_cmpuint (fixture.seen.added, ==, 1);

  fixture_stop (&fixture);
}

/* ------------------------------------------------------------------ */

/* A network monitor the test drives: the machine's network cannot be
 * changed from a test, and GLib's monitor has no other way in. */
typedef struct { GObject parent_instance; } FakeMonitor;
typedef struct { GObjectClass parent_class; } FakeMonitorClass;

static void fake_monitor_iface_init (GNetworkMonitorInterface *iface) { }
static gboolean
fake_monitor_init_sync (GInitable     *initable,
                        GCancellable  *cancellable,
                        GError       **error)
{
  return TRUE;
}
static void fake_monitor_initable_init (GInitableIface *iface) { iface->init = fake_monitor_init_sync; }

GType fake_monitor_get_type (void);
G_DEFINE_TYPE_WITH_CODE (FakeMonitor, fake_monitor, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, fake_monitor_initable_init)
                         G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR, fake_monitor_iface_init))

enum { FAKE_PROP_0, FAKE_PROP_AVAILABLE, FAKE_PROP_METERED, FAKE_PROP_CONNECTIVITY };

static void
fake_monitor_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  switch (prop_id)
    {
    case FAKE_PROP_AVAILABLE: g_value_set_boolean (value, TRUE); break;
    case FAKE_PROP_METERED: g_value_set_boolean (value, FALSE); break;
    case FAKE_PROP_CONNECTIVITY: g_value_set_enum (value, G_NETWORK_CONNECTIVITY_FULL); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fake_monitor_class_init (FakeMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = fake_monitor_get_property;
  g_object_class_override_property (object_class, FAKE_PROP_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, FAKE_PROP_METERED, "network-metered");
  g_object_class_override_property (object_class, FAKE_PROP_CONNECTIVITY, "connectivity");
}

static void fake_monitor_init (FakeMonitor *self) { }

static void
on_account_message_added (KoiAccount *account,
                          gint64      chat_id,
                          gint64      message_id,
                          Seen       *seen)
{
  seen->added++;
}

static gboolean
account_online (gpointer session)
{
  GListModel *accounts = koi_session_get_accounts (session);
  g_autoptr (KoiAccount) account = g_list_model_get_n_items (accounts) > 0
                                   ? g_list_model_get_item (accounts, 0) : NULL;

  return account != NULL && koi_account_get_connection_state (account) == KOI_CONNECTION_ONLINE;
}

/* The window's session for Alice, with @monitor as its network monitor,
 * online; then her line goes quiet. */
static KoiSession *
fixture_start_session (Fixture         *fixture,
                       GNetworkMonitor *monitor,
                       KoiAccount     **account_out)
{
  g_autofree char *alice = NULL;
  KoiSession *session;
  KoiAccount *account;

  fixture_prepare (fixture);
  alice = koi_test_cli_profile (fixture->cli, "alice");
  session = koi_session_new (alice);
  koi_session_set_network_monitor (session, monitor);
  koi_session_load_async (session, NULL, NULL, NULL);
  g_assert_true (wait_until (account_online, session, 30));
  account = g_list_model_get_item (koi_session_get_accounts (session), 0);
  g_signal_connect (account, "message-added", G_CALLBACK (on_account_message_added), &fixture->seen);
  fixture->engine = g_object_ref (koi_account_get_engine (account));
  fixture_stop_line (fixture);

  /* Nothing comes over the quiet line meanwhile. */
  g_assert_false (wait_until (got_message, &fixture->seen, 2));
  *account_out = account;
  return session;
}

/* Bob's message arrives within 10 s of @event (the keepalive would take
 * 45 s + 15 s), once, and the account is online again. */
static void
assert_reconnected (Fixture    *fixture,
                    KoiSession *session,
                    const char *event)
{
  gint64 start = g_get_monotonic_time ();

  g_assert_true (wait_until (got_message, &fixture->seen, 10));
  g_test_message ("Bob's message %.2f s after %s (keepalive: 45 s + 15 s)",
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC, event);
  g_assert_true (wait_until (account_online, session, 10));
  g_assert_cmpuint (fixture->seen.added, ==, 1);
}

static void
fixture_stop_session (Fixture    *fixture,
                      KoiSession *session,
                      KoiAccount *account)
{
  g_signal_handlers_disconnect_by_data (account, &fixture->seen);
  g_object_unref (account);
  kill (fixture->stopped, SIGCONT);
  koi_engine_stop_and_wait (fixture->engine);
  koi_session_shutdown (session);
  g_object_unref (session);
  g_clear_object (&fixture->engine);
  g_clear_pointer (&fixture->before, g_array_unref);
  g_clear_pointer (&fixture->cli, koi_test_cli_free);
}

/* The window's session, its network changing (back from a train tunnel,
 * another Wi-Fi) while Alice's line is quiet: the engine logs in anew at
 * once, and Bob's message is there without a click and long before the
 * keepalive would find the dead line. */
static void
test_network_changed (void)
{
  Fixture fixture = { 0, };
  g_autoptr (GObject) monitor = g_object_new (fake_monitor_get_type (), NULL);
  KoiAccount *account;
  KoiSession *session = fixture_start_session (&fixture, G_NETWORK_MONITOR (monitor), &account);

  g_signal_emit_by_name (monitor, "network-changed", TRUE);
  assert_reconnected (&fixture, session, "the network changed");
  fixture_stop_session (&fixture, session, account);
}

/* A message bus of this test's own, standing in for the system bus: a
 * real dbus-daemon with the session configuration. Returns its address. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static char *
start_private_bus (GSubprocess **daemon)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  char *address;

  /* Its stderr not on the test's: a failed test would otherwise leave the
   * runner waiting for the daemon to close it. And it ends with the test. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  *daemon = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", "--session", "--nofork",
                                         "--nopidfile", "--print-address=1", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (*daemon));
  address = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (address);
  return address;
}

static void
emit_prepare_for_sleep (GDBusConnection *logind,
                        gboolean         going)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (g_dbus_connection_emit_signal (logind, NULL, "/org/freedesktop/login1",
                                                "org.freedesktop.login1.Manager", "PrepareForSleep",
                                                g_variant_new ("(b)", going), &error));
  g_assert_no_error (error);
  g_assert_true (g_dbus_connection_flush_sync (logind, NULL, &error));
}

/* The laptop sleeps with Alice's window open and wakes: logind says
 * PrepareForSleep(true) before and (false) after, and every line from
 * before is dead. Going to sleep changes nothing; waking makes the engine
 * log in anew at once, and Bob's message is there. logind is stood in for
 * on a private bus (the test cannot suspend the machine); what Koi
 * listens to is the same signal from the same name. */
static void
test_woke_from_suspend (void)
{
  Fixture fixture = { 0, };
  g_autoptr (GObject) monitor = g_object_new (fake_monitor_get_type (), NULL);
  g_autoptr (GSubprocess) daemon = NULL;
  g_autoptr (GDBusConnection) logind = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *address = start_private_bus (&daemon);
  KoiAccount *account;
  KoiSession *session;
  guint32 owned;

  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);
  logind = g_dbus_connection_new_for_address_sync (address,
                                                   G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                   NULL, NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (logind, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.login1", 4 /* do not queue */),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &owned);
  g_assert_cmpuint (owned, ==, 1);   /* the primary owner */

  session = fixture_start_session (&fixture, G_NETWORK_MONITOR (monitor), &account);

  emit_prepare_for_sleep (logind, TRUE);
  g_assert_false (wait_until (got_message, &fixture.seen, 2));

  emit_prepare_for_sleep (logind, FALSE);
  assert_reconnected (&fixture, session, "the machine woke");

  fixture_stop_session (&fixture, session, account);
  g_subprocess_send_signal (daemon, SIGTERM);
  g_assert_true (g_subprocess_wait (daemon, NULL, NULL));
  g_unsetenv ("DBUS_SYSTEM_BUS_ADDRESS");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  koi_model_init ();

  g_test_add_func ("/engine/reconnect/now-quiet-line", test_reconnect_now_quiet_line);
  g_test_add_func ("/engine/reconnect/keepalive-dead-line", test_keepalive_finds_dead_line);
  g_test_add_func ("/engine/reconnect/network-changed", test_network_changed);
  g_test_add_func ("/engine/reconnect/woke-from-suspend", test_woke_from_suspend);

  return g_test_run ();
}
