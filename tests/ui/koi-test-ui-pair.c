/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-test-ui-pair"

#include "config.h"

#include "koi-model.h"
#include "koi-test-ui.h"
#include "koi-test-ui-pair.h"

/* The keyring file of this process; koi-cli children get it too. */
static char *keyring_path;

void
koi_test_ui_pair_init (int    *argc,
                       char ***argv)
{
  keyring_path = koi_test_ui_use_file_keyring ();
  koi_test_ui_init (argc, argv);
  koi_model_init ();
  koi_test_ui_tick_add ();
}

int
koi_test_ui_pair_run (void)
{
  int status = g_test_run ();

  koi_test_ui_remove_file_keyring (keyring_path);
  g_clear_pointer (&keyring_path, g_free);
  return status;
}

void
koi_test_ui_pair_use_keyring (KoiTestCli *cli)
{
  g_assert_nonnull (keyring_path);
  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PATH", keyring_path, TRUE);
  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PASSWORD", "test-keyring", TRUE);
}

KoiTestCli *
koi_test_ui_pair_cli_new (void)
{
  KoiTestCli *cli = koi_test_cli_new ();

  koi_test_ui_pair_use_keyring (cli);
  koi_test_cli_add_account (cli, "alice", KOI_TEST_UI_ALICE, "alice-secret");
  koi_test_cli_add_account (cli, "bob", KOI_TEST_UI_BOB, "bob-secret");
  return cli;
}

void
koi_test_ui_side_open (KoiTestUiSide *side,
                       KoiTestCli    *cli,
                       const char    *profile,
                       const char    *address,
                       int            width,
                       int            height)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);

  side->address = address;
  side->session = koi_session_new (dir);
  koi_session_load_async (side->session, NULL, NULL, NULL);

  side->window = koi_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (side->window), width, height);
  koi_window_set_session (side->window, side->session);
  gtk_window_present (GTK_WINDOW (side->window));
}

void
koi_test_ui_side_close (KoiTestUiSide *side)
{
  gtk_window_destroy (GTK_WINDOW (side->window));
  side->window = NULL;
  koi_session_shutdown (side->session);
  g_clear_object (&side->session);
}

KoiConversationView *
koi_test_ui_side_open_chat (KoiTestUiSide *side,
                            const char    *peer,
                            guint          seconds)
{
  KoiConversationView *view = koi_window_get_conversation_view (side->window);
  KoiComposer *composer = koi_conversation_view_get_composer (view);

  KOI_TEST_UI_WAIT_FOR (koi_test_ui_open_chat (side->window, peer), seconds);
  KOI_TEST_UI_WAIT_FOR (koi_conversation_view_get_chat (view) != NULL &&
                        gtk_widget_get_mapped (GTK_WIDGET (composer)), seconds);
  return view;
}
