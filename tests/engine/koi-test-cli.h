/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "koi-test-mailserver.h"

G_BEGIN_DECLS

/*
 * Drives the real koi-cli binary for end-to-end tests: each profile is a
 * folder under a per-test temp dir, passwords go to libsecret's file
 * backend inside that dir, and the mail server is a private Dovecot +
 * Postfix.
 */
typedef struct {
  KoiTestMailserver *server;
  char              *tmp;
  char              *cli;
  char             **env;
} KoiTestCli;

typedef struct {
  GSubprocess      *process;
  GDataInputStream *lines;
  GPtrArray        *events;   /* JsonObject*, in order of arrival */
  GCancellable     *cancellable;
  gboolean          eof;
} KoiTestWatch;

KoiTestCli   *koi_test_cli_new            (void);
/* With the server's users as "ADDRESS:PASSWORD" (NULL-terminated). */
KoiTestCli   *koi_test_cli_new_with_users (const char * const *users);
void          koi_test_cli_free           (KoiTestCli   *self);

/* Runs koi-cli with @argv (NULL-terminated, without the program) and
 * @input on stdin; returns the exit status, stdout in *out (may be NULL). */
int           koi_test_cli_run            (KoiTestCli   *self,
                                           const char   *input,
                                           char        **out,
                                           char        **err,
                                           ...) G_GNUC_NULL_TERMINATED;
/* Runs koi-cli on @profile with up to five arguments (NULL-terminated);
 * asserts exit 0 and returns stdout. */
char         *koi_test_cli_run_ok         (KoiTestCli   *self,
                                           const char   *profile,
                                           ...) G_GNUC_NULL_TERMINATED;
/* account add for @profile (a name under the temp dir) with the server's
 * IMAPS and submission ports and the test CA; asserts success. */
void          koi_test_cli_add_account    (KoiTestCli   *self,
                                           const char   *profile,
                                           const char   *address,
                                           const char   *password);
char         *koi_test_cli_profile        (KoiTestCli   *self,
                                           const char   *profile);
/* For an engine in the test's own process: the keyring koi-cli keeps the
 * passwords in (libsecret's file backend), set in this process's
 * environment. */
void          koi_test_cli_use_keyring_here (KoiTestCli *self);
/* send; asserts exit 0 and returns the Message-ID it printed. */
char         *koi_test_cli_send           (KoiTestCli   *self,
                                           const char   *profile,
                                           const char   *to,
                                           const char   *text);
/* The JSON objects of `messages CHAT` (asserts exit 0). */
GPtrArray    *koi_test_cli_messages       (KoiTestCli   *self,
                                           const char   *profile,
                                           const char   *chat);
GPtrArray    *koi_test_cli_parse_lines    (const char   *output);
/* Delivery is asynchronous: syncs @profile until its chat with @peer holds
 * at least @count messages (or 20 s pass) and returns that chat. */
GPtrArray    *koi_test_cli_sync_until     (KoiTestCli   *self,
                                           const char   *profile,
                                           const char   *peer,
                                           guint         count);
/* `send --file PATH [--caption CAPTION] TO` from @profile; asserts exit 0
 * and returns the Message-ID it printed. */
char         *koi_test_cli_send_file      (KoiTestCli   *self,
                                           const char   *profile,
                                           const char   *to,
                                           const char   *path,
                                           const char   *caption);
/* The message (a JSON object of `messages`) with @message_id, or NULL. */
JsonObject   *koi_test_messages_find      (GPtrArray    *messages,
                                           const char   *message_id);
/* The message's first attachment; fails the test if it has none. */
JsonObject   *koi_test_message_first_attachment (JsonObject *message);
/* Bytes the mail server's IMAP sent to @user's sessions that logged out
 * since @offset of its log (Dovecot's "out=N"); moves @offset to the
 * log's end. -1 when the log cannot be read. */
gint64        koi_test_cli_imap_bytes_out (KoiTestCli   *self,
                                           const char   *user,
                                           gsize        *offset);

KoiTestWatch *koi_test_watch_start        (KoiTestCli   *self,
                                           const char   *profile);
/* `watch --since CURSOR` (@cursor < 0: plain watch). */
KoiTestWatch *koi_test_watch_start_since  (KoiTestCli   *self,
                                           const char   *profile,
                                           gint64        cursor);
/* Iterates the main context until an event with "event" == @event and, if
 * @key is given, @key == @value arrives after index *@from (updated), or
 * @timeout_s pass (then NULL). */
JsonObject   *koi_test_watch_wait         (KoiTestWatch *watch,
                                           guint        *from,
                                           const char   *event,
                                           const char   *key,
                                           const char   *value,
                                           guint         timeout_s);
guint         koi_test_watch_count        (KoiTestWatch *watch,
                                           const char   *event,
                                           const char   *key,
                                           const char   *value);
void          koi_test_watch_stop         (KoiTestWatch *watch);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiTestCli, koi_test_cli_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiTestWatch, koi_test_watch_stop)

G_END_DECLS
