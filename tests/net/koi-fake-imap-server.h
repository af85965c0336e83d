/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A scripted IMAP server for tests that need what a real server will not
 * do on request: drop the line mid-literal, send garbage, go silent, say
 * BYE, split a response over many TCP writes.
 *
 * It listens on 127.0.0.1 on an ephemeral port and serves one connection
 * at a time on its own thread (the client under test blocks the test's
 * thread). It greets and answers CAPABILITY, LOGIN, AUTHENTICATE and LOGOUT
 * itself, so curl's CONNECT_ONLY login and Koi's post-login CAPABILITY
 * succeed; every other line (Koi's K1, K2... commands, IDLE's DONE, literal
 * data) goes to the test's script. In TLS mode it makes a throw-away CA and
 * a server certificate for 127.0.0.1 with openssl at start; the client
 * verifies against koi_fake_imap_server_get_ca_file(). Everything the
 * clients send is recorded, so a test can prove what never reached it. */
typedef struct _KoiFakeImapServer KoiFakeImapServer;
typedef struct _KoiFakeImapConn   KoiFakeImapConn;

typedef enum
{
  KOI_FAKE_IMAP_TLS,   /* TLS from the first byte (imaps) */
  KOI_FAKE_IMAP_PLAIN, /* plain text, and no STARTTLS offered */
} KoiFakeImapMode;

/* Runs on the server's thread for each line the client sends that the
 * server does not answer itself. tag is the line's first word, line the
 * whole line without CRLF. Return FALSE to end the connection (after
 * koi_fake_imap_conn_drop(), or to close it cleanly). */
typedef gboolean (*KoiFakeImapScript) (KoiFakeImapConn *conn,
                                       const char      *tag,
                                       const char      *line,
                                       gpointer         user_data);

KoiFakeImapServer *koi_fake_imap_server_new              (KoiFakeImapMode    mode,
                                                          KoiFakeImapScript  script,
                                                          gpointer           user_data,
                                                          GError           **error);
void               koi_fake_imap_server_free             (KoiFakeImapServer *self);

guint16            koi_fake_imap_server_get_port         (KoiFakeImapServer *self);
/* NULL in plain mode. */
const char        *koi_fake_imap_server_get_ca_file      (KoiFakeImapServer *self);
/* Everything every connection has sent so far, in order. */
GBytes            *koi_fake_imap_server_dup_received     (KoiFakeImapServer *self);
/* Announced after the built-in ones from the next CAPABILITY or login on,
 * e.g. "COI METADATA" for a COI server. */
void               koi_fake_imap_server_set_extra_capabilities (KoiFakeImapServer *self,
                                                                const char        *extra);
/* Connections accepted so far. */
guint              koi_fake_imap_server_get_n_connections (KoiFakeImapServer *self);

/* For the script, on the server's thread. Writes go out at once, each as
 * its own TLS record / TCP segment. They return FALSE once the client has
 * gone (a script may ignore that: the next read ends the connection). */
gboolean           koi_fake_imap_conn_write              (KoiFakeImapConn   *conn,
                                                          const void        *data,
                                                          gsize              len);
gboolean           koi_fake_imap_conn_printf             (KoiFakeImapConn   *conn,
                                                          const char        *format,
                                                          ...) G_GNUC_PRINTF (2, 3);
void               koi_fake_imap_conn_pause              (KoiFakeImapConn   *conn,
                                                          guint              ms);
/* Cuts the TCP connection at once, without a TLS close_notify: what a
 * crashed server or a broken network looks like. */
void               koi_fake_imap_conn_drop               (KoiFakeImapConn   *conn);
/* 0 for the first connection the server accepted, 1 for the next... */
guint              koi_fake_imap_conn_get_index          (KoiFakeImapConn   *conn);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiFakeImapServer, koi_fake_imap_server_free)

G_END_DECLS
