/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * KoiTestMailserver:
 * @dir: the instance's folder (configuration, mail, queue, logs, CA)
 * @host: the address the servers listen on ("127.0.0.1")
 * @base_port: the first of the four ports
 * @imap_port: IMAP, STARTTLS before LOGIN
 * @imaps_port: IMAP over implicit TLS
 * @submission_port: SMTP submission, STARTTLS and AUTH required
 * @smtps_port: SMTP over implicit TLS, AUTH required
 * @ca_file: absolute path of the PEM certificate of the instance's
 *   throw-away CA; the server certificate is valid for 127.0.0.1, localhost,
 *   koi.localhost and mail.koi.localhost (the last two for autoconfig tests)
 *
 * A private Dovecot + Postfix started by build-aux/koi-mailserver for one
 * test. Its logs are in @dir/logs; set KOI_TEST_KEEP_MAILSERVER=1 to keep
 * @dir after the test.
 */
typedef struct {
  char *dir;
  char *host;
  guint base_port;
  guint imap_port;
  guint imaps_port;
  guint submission_port;
  guint smtps_port;
  char *ca_file;
} KoiTestMailserver;

KoiTestMailserver *koi_test_mailserver_start         (const char * const *users,
                                                      GError            **error);
gboolean           koi_test_mailserver_stop_service  (KoiTestMailserver  *self,
                                                      const char         *only,
                                                      GError            **error);
gboolean           koi_test_mailserver_start_service (KoiTestMailserver  *self,
                                                      const char         *only,
                                                      GError            **error);
gboolean           koi_test_mailserver_inject        (KoiTestMailserver  *self,
                                                      const char         *user,
                                                      const char         *mailbox,
                                                      GBytes             *raw,
                                                      GError            **error);
gboolean           koi_test_mailserver_port_open     (KoiTestMailserver  *self,
                                                      guint               port);
/* Whether Postfix holds no message any more (each was delivered or
 * bounced): after the sender's SMTP transactions ended, the barrier after
 * which nothing more can arrive in a mailbox. */
gboolean           koi_test_mailserver_queue_is_empty (KoiTestMailserver *self);
/* Waits (up to 60 s, then fails the test) until the queue is empty. */
void               koi_test_mailserver_wait_for_empty_queue (KoiTestMailserver *self);
void               koi_test_mailserver_free          (KoiTestMailserver  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiTestMailserver, koi_test_mailserver_free)

G_END_DECLS
