/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "koi-account-config.h"
#include "koi-compat.h"
#include "koi-fake-imap-server.h"
#include "koi-model.h"
#include "koi-profile.h"
#include "koi-secret.h"
#include "koi-session.h"
#include "koi-store.h"
#include "koi-test-ui.h"
#include "koi-window.h"

/*
 * A COI server in the window. No COI server is packaged for Debian, so the
 * scripted fake IMAP server plays one: it announces COI and METADATA,
 * answers GETMETADATA with filing off, and records SETMETADATA. The
 * window asks once (an alert over the chats); a click on "Let the Server
 * Sort" reaches the server as SETMETADATA enabled "yes", the answer is
 * kept with the account, and the next start asks nothing. The mail server
 * is fake, everything else is real: the window, the session, the engine,
 * libsecret's file backend.
 */

#define ADDRESS "me@koi.test"
#define COI_CONFIG "/private/vendor/vendor.dovecot/coi/config"
#define WAIT_S 30

typedef struct
{
  GMutex   lock;
  gboolean enabled;
  guint    n_getmetadata;
  char     idle_tag[32];
} CoiServer;

static gboolean
coi_script (KoiFakeImapConn *conn,
            const char      *tag,
            const char      *line,
            gpointer         user_data)
{
  CoiServer *self = user_data;
  const char *verb = line + strlen (tag);

  while (*verb == ' ')
    verb++;
  if (g_ascii_strncasecmp (verb, "IDLE", 4) == 0)
    {
      g_strlcpy (self->idle_tag, tag, sizeof self->idle_tag);
      return koi_fake_imap_conn_printf (conn, "+ idling\r\n") || TRUE;
    }
  if (strcmp (line, "DONE") == 0)
    return koi_fake_imap_conn_printf (conn, "%s OK Idle done\r\n", self->idle_tag) || TRUE;
  if (g_ascii_strncasecmp (verb, "LIST", 4) == 0)
    return koi_fake_imap_conn_printf (conn, "* LIST (\\Noselect) \"/\" \"\"\r\n%s OK List done\r\n",
                                      tag) || TRUE;
  if (g_ascii_strncasecmp (verb, "SELECT", 6) == 0 || g_ascii_strncasecmp (verb, "EXAMINE", 7) == 0)
    return koi_fake_imap_conn_printf (conn, "* 0 EXISTS\r\n* OK [UIDVALIDITY 7] UIDs valid\r\n"
                                      "* OK [UIDNEXT 1] Next\r\n%s OK [READ-WRITE] Selected\r\n",
                                      tag) || TRUE;
  if (g_ascii_strncasecmp (verb, "UID SEARCH", 10) == 0)
    return koi_fake_imap_conn_printf (conn, "* SEARCH\r\n%s OK Search done\r\n", tag) || TRUE;
  if (g_ascii_strncasecmp (verb, "GETMETADATA", 11) == 0)
    {
      gboolean enabled;

      g_mutex_lock (&self->lock);
      self->n_getmetadata++;
      enabled = self->enabled;
      g_mutex_unlock (&self->lock);
      return koi_fake_imap_conn_printf (conn, "* METADATA \"\" (" COI_CONFIG "/enabled %s "
                                        COI_CONFIG "/mailbox-root \"COI\")\r\n"
                                        "%s OK Getmetadata done\r\n",
                                        enabled ? "\"yes\"" : "NIL", tag) || TRUE;
    }
  if (g_ascii_strncasecmp (verb, "SETMETADATA", 11) == 0)
    {
      g_mutex_lock (&self->lock);
      if (strstr (verb, COI_CONFIG "/enabled \"yes\"") != NULL)
        self->enabled = TRUE;
      g_mutex_unlock (&self->lock);
      return koi_fake_imap_conn_printf (conn, "%s OK Setmetadata done\r\n", tag) || TRUE;
    }
  /* CREATE, NOTIFY, ENABLE, NOOP ...: fine. */
  return koi_fake_imap_conn_printf (conn, "%s OK Done\r\n", tag) || TRUE;
}

static gboolean
server_enabled (CoiServer *server)
{
  gboolean enabled;

  g_mutex_lock (&server->lock);
  enabled = server->enabled;
  g_mutex_unlock (&server->lock);
  return enabled;
}

static guint
server_asked (CoiServer *server)
{
  guint n;

  g_mutex_lock (&server->lock);
  n = server->n_getmetadata;
  g_mutex_unlock (&server->lock);
  return n;
}

/* A profile with one account on the fake server (its CA trusted), its
 * password in the file keyring: what the welcome form would have saved. */
static char *
make_profile (KoiFakeImapServer *imap)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("koi-test-coi-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *secret_server = NULL;
  g_autoptr (KoiStore) store = NULL;
  KoiStoreAccount row = {
    .address = (char *) ADDRESS, .display_name = (char *) "Me",
    .imap_host = (char *) "127.0.0.1", .imap_port = koi_fake_imap_server_get_port (imap),
    .imap_security = (char *) "tls",
    /* Nothing is sent: nobody listens there. */
    .smtp_host = (char *) "127.0.0.1", .smtp_port = 9, .smtp_security = (char *) "tls",
    .ca_file = (char *) koi_fake_imap_server_get_ca_file (imap),
  };

  g_assert_no_error (error);
  g_assert_true (koi_profile_ensure (dir, &error));
  g_assert_no_error (error);
  path = koi_profile_store_path (dir);
  store = koi_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (koi_store_account_upsert (store, &row, &error), >, 0);
  g_assert_no_error (error);
  secret_server = koi_account_config_secret_server (row.imap_host, row.imap_port);
  g_assert_true (koi_secret_store_sync (ADDRESS, secret_server, "fake-pw", NULL, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&dir);
}

static char *
stored_choice (const char *profile)
{
  g_autofree char *path = koi_profile_store_path (profile);
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiStore) store = koi_store_open (path, &error);
  g_autoptr (GPtrArray) accounts = NULL;

  g_assert_no_error (error);
  accounts = koi_store_account_list (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 1);
  return koi_store_setting_get (store, ((KoiStoreAccount *) accounts->pdata[0])->id, "coi_filing", NULL);
}

/* What the account says, in the test's log: on a failure, why. */
static void
log_account (KoiAccount *account)
{
  g_test_message ("%s: %s%s%s", koi_account_get_address (account),
                  koi_connection_state_to_string (koi_account_get_connection_state (account)),
                  koi_account_get_last_error (account) != NULL ? ": " : "",
                  koi_account_get_last_error (account) != NULL ? koi_account_get_last_error (account) : "");
}

static void
on_accounts_changed (GListModel *accounts,
                     guint       position,
                     guint       removed,
                     guint       added)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr (KoiAccount) account = g_list_model_get_item (accounts, i);

      g_signal_connect (account, "notify::connection-state", G_CALLBACK (log_account), NULL);
      g_signal_connect (account, "notify::last-error", G_CALLBACK (log_account), NULL);
    }
}

static KoiWindow *
open_window (KoiSession **out_session,
             const char  *profile)
{
  KoiSession *session = koi_session_new (profile);
  KoiWindow *window;

  g_signal_connect (koi_session_get_accounts (session), "items-changed",
                    G_CALLBACK (on_accounts_changed), NULL);
  koi_session_load_async (session, NULL, NULL, NULL);
  window = koi_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  koi_window_set_session (window, session);
  gtk_window_present (GTK_WINDOW (window));
  *out_session = session;
  return window;
}

static void
test_offer (void)
{
  CoiServer coi = { 0, };
  g_autoptr (KoiFakeImapServer) imap = NULL;
  g_autoptr (KoiSession) session = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *profile = NULL;
  g_autofree char *choice = NULL;
  g_autofree char *png = NULL;
  g_autoptr (GdkTexture) shot = NULL;
  GtkWidget *alert = NULL, *sort = NULL, *label = NULL;
  KoiWindow *window;
  guint asked;

  g_mutex_init (&coi.lock);
  imap = koi_fake_imap_server_new (KOI_FAKE_IMAP_TLS, coi_script, &coi, &error);
  g_assert_no_error (error);
  koi_fake_imap_server_set_extra_capabilities (imap, "METADATA NOTIFY COI");
  profile = make_profile (imap);

  /* The first connect reads the configuration: filing is off, so the
   * window asks. */
  window = open_window (&session, profile);
  KOI_TEST_UI_WAIT_FOR ((alert = koi_compat_alert_find (GTK_WINDOW (window))) != NULL, WAIT_S);
  g_assert_cmpstr (koi_compat_alert_get_heading (alert), ==, "Let the Server Sort Chats?");
  g_assert_nonnull (strstr (koi_compat_alert_get_body (alert), ADDRESS));
  g_assert_false (server_enabled (&coi));
  KOI_TEST_UI_WAIT_FOR ((label = koi_test_ui_find_label (alert, "Let the Server Sort")) != NULL &&
                        (sort = gtk_widget_get_ancestor (label, GTK_TYPE_BUTTON)) != NULL, 10);
  koi_test_ui_wait_for_drawn (sort);
  shot = koi_test_ui_render (GTK_IS_WINDOW (alert) ? alert : GTK_WIDGET (window));
  png = koi_test_ui_save_png (shot, "coi-server-offer.png");
  g_test_message ("screenshot: %s", png);
  koi_test_ui_focus_window (GTK_IS_WINDOW (alert) ? GTK_WINDOW (alert) : GTK_WINDOW (window));
  koi_test_ui_click (sort);

  /* The server is told at once, and the answer is kept with the account. */
  KOI_TEST_UI_WAIT_FOR (server_enabled (&coi), WAIT_S);
  KOI_TEST_UI_WAIT_FOR (koi_compat_alert_find (GTK_WINDOW (window)) == NULL, 10);
  choice = stored_choice (profile);
  g_assert_cmpstr (choice, ==, "yes");

  gtk_window_destroy (GTK_WINDOW (window));
  koi_session_shutdown (session);
  g_clear_object (&session);

  /* Next start: the server files already; nothing is asked. */
  asked = server_asked (&coi);
  window = open_window (&session, profile);
  KOI_TEST_UI_WAIT_FOR (server_asked (&coi) > asked &&
                        koi_window_get_account (window) != NULL &&
                        koi_account_get_connection_state (koi_window_get_account (window)) ==
                        KOI_CONNECTION_ONLINE, WAIT_S);
  koi_test_ui_iterate_ms (300);
  g_assert_null (koi_compat_alert_find (GTK_WINDOW (window)));

  gtk_window_destroy (GTK_WINDOW (window));
  koi_session_shutdown (session);
  g_clear_object (&session);
  {
    g_autofree char *secret_server = koi_account_config_secret_server ("127.0.0.1",
                                                                       koi_fake_imap_server_get_port (imap));

    koi_secret_clear_sync (ADDRESS, secret_server, NULL, NULL);
  }
  g_mutex_clear (&coi.lock);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *keyring_path = koi_test_ui_use_file_keyring ();
  int status;

  koi_test_ui_init (&argc, &argv);
  koi_model_init ();

  g_test_add_func ("/ui/coi-offer/ask-once-and-enable", test_offer);
  status = g_test_run ();

  koi_test_ui_remove_file_keyring (keyring_path);
  return status;
}
