/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-conversation-view.h"
#include "koi-session.h"
#include "koi-test-cli.h"
#include "koi-window.h"

G_BEGIN_DECLS

/*
 * What the end-to-end window tests share: Alice and Bob with accounts on a
 * private Dovecot + Postfix (koi-cli set them up), and a window on one of
 * their profiles in this process, reading the passwords koi-cli saved.
 */

#define KOI_TEST_UI_ALICE "alice@example.org"
#define KOI_TEST_UI_BOB   "bob@example.org"

/* One user's window: its session on the profile koi-cli set up. */
typedef struct
{
  const char *address;
  KoiSession *session;
  KoiWindow  *window;
} KoiTestUiSide;

/* Points libsecret at a keyring file of its own (koi_test_ui_use_file_keyring:
 * call first thing in main(), before any thread starts), then
 * koi_test_ui_init, koi_model_init and a tick that keeps the main loop
 * awake. */
void        koi_test_ui_pair_init         (int               *argc,
                                           char            ***argv);
/* g_test_run, then the keyring file is removed. */
int         koi_test_ui_pair_run          (void);

/* Makes koi-cli save its passwords into the keyring file this process
 * reads, so a session here finds them. */
void        koi_test_ui_pair_use_keyring  (KoiTestCli        *cli);
/* A private mail server whose koi-cli shares this process's keyring, with
 * Alice's ("alice") and Bob's ("bob") accounts added. */
KoiTestCli *koi_test_ui_pair_cli_new      (void);

/* Loads the session of koi-cli's @profile (the user @address) and presents
 * it in a new window of @width × @height. */
void        koi_test_ui_side_open         (KoiTestUiSide     *side,
                                           KoiTestCli        *cli,
                                           const char        *profile,
                                           const char        *address,
                                           int                width,
                                           int                height);
/* Closes the window and shuts its session down. */
void        koi_test_ui_side_close        (KoiTestUiSide     *side);
/* Opens the 1:1 chat with @peer once the chat list holds it, and waits
 * until the conversation shows it with its composer drawn. */
KoiConversationView *koi_test_ui_side_open_chat (KoiTestUiSide *side,
                                                 const char    *peer,
                                                 guint          seconds);

G_END_DECLS
