/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A scripted SMTP server (implicit TLS) for what Postfix will not do on
 * request: split a reply over many writes, answer in long multi-line
 * replies, say 452 to one RCPT, refuse the message after the recipients,
 * drop the line, send garbage, go silent.
 *
 * It listens on 127.0.0.1 on an ephemeral port and serves one connection
 * at a time on its own thread. It greets and answers EHLO (offering
 * PIPELINING when asked to), AUTH, RSET and QUIT itself, so curl's
 * CONNECT_ONLY login succeeds; every other line (MAIL, RCPT, DATA, and
 * whatever else the client sends) goes to the test's script. Its CA is
 * made with openssl at start (koi-fake-server-common.h). Everything the client sends
 * after TLS is recorded, so a test can prove what never reached it. */
typedef struct _KoiFakeSmtpServer KoiFakeSmtpServer;
typedef struct _KoiFakeSmtpConn   KoiFakeSmtpConn;

/* Runs on the server's thread for each line the server does not answer
 * itself (without CRLF). Return FALSE to end the connection (after
 * koi_fake_smtp_conn_drop(), or to close it cleanly). */
typedef gboolean (*KoiFakeSmtpScript) (KoiFakeSmtpConn *conn,
                                       const char      *line,
                                       gpointer         user_data);

KoiFakeSmtpServer *koi_fake_smtp_server_new          (gboolean           pipelining,
                                                      KoiFakeSmtpScript  script,
                                                      gpointer           user_data,
                                                      GError           **error);
void               koi_fake_smtp_server_free         (KoiFakeSmtpServer *self);

guint16            koi_fake_smtp_server_get_port     (KoiFakeSmtpServer *self);
const char        *koi_fake_smtp_server_get_ca_file  (KoiFakeSmtpServer *self);
/* Every line every connection has sent so far, CRLF-terminated, in order
 * (message data included, as it came: dot-stuffed). */
char              *koi_fake_smtp_server_dup_received (KoiFakeSmtpServer *self);

/* For the script, on the server's thread. Writes go out at once, each as
 * its own TLS record / TCP segment. They return FALSE once the client has
 * gone. */
gboolean           koi_fake_smtp_conn_printf         (KoiFakeSmtpConn   *conn,
                                                      const char        *format,
                                                      ...) G_GNUC_PRINTF (2, 3);
void               koi_fake_smtp_conn_pause          (KoiFakeSmtpConn   *conn,
                                                      guint              ms);
/* Cuts the TCP connection at once, without a TLS close_notify. */
void               koi_fake_smtp_conn_drop           (KoiFakeSmtpConn   *conn);
/* Bytes the client has sent that the server has not read yet: more than 0
 * while handling MAIL FROM means the client pipelined. */
gsize              koi_fake_smtp_conn_get_unread     (KoiFakeSmtpConn   *conn);
/* After the script has answered DATA with 354: reads the message up to
 * and without the line ".", as sent (dot-stuffed, CRLF). NULL if the
 * client went away first. */
GBytes            *koi_fake_smtp_conn_read_data      (KoiFakeSmtpConn   *conn);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiFakeSmtpServer, koi_fake_smtp_server_free)

G_END_DECLS
