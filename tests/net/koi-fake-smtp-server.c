/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-fake-smtp-server"

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "koi-fake-smtp-server.h"
#include "koi-fake-server-common.h"

struct _KoiFakeSmtpServer
{
  gboolean           pipelining;
  KoiFakeSmtpScript  script;
  gpointer           user_data;
  GSocketListener   *listener;
  guint16            port;
  char              *dir;
  char              *ca_file;
  GTlsCertificate   *certificate;
  GCancellable      *cancellable;
  GThread           *thread;
  GMutex             lock;
  GString           *received; /* under lock */
};

struct _KoiFakeSmtpConn
{
  KoiFakeSmtpServer *server;
  GSocketConnection *socket_conn;
  GIOStream         *stream;
  GDataInputStream  *input;
  gboolean           dropped;
};

static void
record (KoiFakeSmtpServer *self,
        const char        *line)
{
  g_mutex_lock (&self->lock);
  g_string_append (self->received, line);
  g_string_append (self->received, "\r\n");
  g_mutex_unlock (&self->lock);
}

static char *
read_line (KoiFakeSmtpConn *conn)
{
  char *line = g_data_input_stream_read_line (conn->input, NULL, conn->server->cancellable, NULL);

  if (line != NULL)
    record (conn->server, line);
  return line;
}

/* ---- for the scripts ----------------------------------------------------- */

gboolean
koi_fake_smtp_conn_printf (KoiFakeSmtpConn *conn,
                           const char      *format,
                           ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  if (conn->dropped)
    return FALSE;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);

  return g_output_stream_write_all (g_io_stream_get_output_stream (conn->stream), text,
                                    strlen (text), NULL, conn->server->cancellable, NULL);
}

void
koi_fake_smtp_conn_pause (KoiFakeSmtpConn *conn,
                          guint            ms)
{
  g_usleep ((gulong) ms * 1000);
}

void
koi_fake_smtp_conn_drop (KoiFakeSmtpConn *conn)
{
  GSocket *socket = g_socket_connection_get_socket (conn->socket_conn);

  g_socket_shutdown (socket, TRUE, TRUE, NULL);
  g_socket_close (socket, NULL);
  conn->dropped = TRUE;
}

gsize
koi_fake_smtp_conn_get_unread (KoiFakeSmtpConn *conn)
{
  return g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (conn->input));
}

GBytes *
koi_fake_smtp_conn_read_data (KoiFakeSmtpConn *conn)
{
  g_autoptr(GString) data = g_string_new (NULL);

  for (;;)
    {
      g_autofree char *line = read_line (conn);

      if (line == NULL)
        return NULL;
      if (strcmp (line, ".") == 0)
        return g_string_free_to_bytes (g_steal_pointer (&data));
      g_string_append (data, line);
      g_string_append (data, "\r\n");
    }
}

/* ---- one connection ------------------------------------------------------ */

/* Returns TRUE if the line was answered here. */
static gboolean
answer_builtin (KoiFakeSmtpConn *conn,
                const char      *line,
                gboolean        *out_close)
{
  *out_close = FALSE;

  if (g_ascii_strncasecmp (line, "EHLO ", 5) == 0)
    {
      koi_fake_smtp_conn_printf (conn, "250-fake.test\r\n%s250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n",
                                 conn->server->pipelining ? "250-PIPELINING\r\n" : "");
      return TRUE;
    }
  if (g_ascii_strncasecmp (line, "AUTH ", 5) == 0)
    {
      /* "AUTH PLAIN" alone: the credentials come on the next line. */
      if (strchr (line + 5, ' ') == NULL)
        {
          g_autofree char *response = NULL;

          koi_fake_smtp_conn_printf (conn, "334 \r\n");
          response = read_line (conn);
          if (response == NULL)
            {
              *out_close = TRUE;
              return TRUE;
            }
        }
      koi_fake_smtp_conn_printf (conn, "235 2.7.0 Authentication successful\r\n");
      return TRUE;
    }
  if (g_ascii_strcasecmp (line, "RSET") == 0)
    {
      koi_fake_smtp_conn_printf (conn, "250 2.0.0 Ok\r\n");
      return TRUE;
    }
  if (g_ascii_strcasecmp (line, "QUIT") == 0)
    {
      koi_fake_smtp_conn_printf (conn, "221 2.0.0 Bye\r\n");
      *out_close = TRUE;
      return TRUE;
    }

  return FALSE;
}

static void
serve (KoiFakeSmtpServer *self,
       GSocketConnection *socket_conn)
{
  KoiFakeSmtpConn conn = { self, socket_conn, NULL, NULL, FALSE };
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GDataInputStream) input = NULL;
  g_autoptr(GError) error = NULL;

  /* Small writes must leave at once: the tests split replies on purpose. */
  g_socket_set_option (g_socket_connection_get_socket (socket_conn), IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  tls = g_tls_server_connection_new (G_IO_STREAM (socket_conn), self->certificate, &error);
  if (tls == NULL || !g_tls_connection_handshake (G_TLS_CONNECTION (tls), self->cancellable, &error))
    {
      g_debug ("TLS handshake with the client failed: %s", error->message);
      return;
    }
  conn.stream = tls;

  input = g_data_input_stream_new (g_io_stream_get_input_stream (conn.stream));
  g_data_input_stream_set_newline_type (input, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  conn.input = input;

  if (!koi_fake_smtp_conn_printf (&conn, "220 fake.test ESMTP Koi fake SMTP server\r\n"))
    return;

  while (!conn.dropped)
    {
      g_autofree char *line = read_line (&conn);
      gboolean close = FALSE;

      if (line == NULL)
        break;
      if (answer_builtin (&conn, line, &close))
        {
          if (close)
            break;
          continue;
        }
      if (self->script == NULL || !self->script (&conn, line, self->user_data))
        break;
    }

  if (!conn.dropped)
    g_io_stream_close (conn.stream, NULL, NULL);
}

static gpointer
server_thread (gpointer data)
{
  KoiFakeSmtpServer *self = data;

  for (;;)
    {
      g_autoptr(GSocketConnection) socket_conn =
        g_socket_listener_accept (self->listener, NULL, self->cancellable, NULL);

      if (socket_conn == NULL)
        break;
      serve (self, socket_conn);
    }

  return NULL;
}

/* ---- the server ---------------------------------------------------------- */

KoiFakeSmtpServer *
koi_fake_smtp_server_new (gboolean            pipelining,
                          KoiFakeSmtpScript   script,
                          gpointer            user_data,
                          GError            **error)
{
  g_autoptr(KoiFakeSmtpServer) self = g_new0 (KoiFakeSmtpServer, 1);

  self->pipelining = pipelining;
  self->script = script;
  self->user_data = user_data;
  self->cancellable = g_cancellable_new ();
  self->received = g_string_new (NULL);
  g_mutex_init (&self->lock);

  self->certificate = koi_fake_make_certificate ("Koi fake SMTP server CA", &self->dir,
                                                 &self->ca_file, error);
  if (self->certificate == NULL)
    return NULL;

  self->listener = koi_fake_listen_loopback (&self->port, error);
  if (self->listener == NULL)
    return NULL;

  self->thread = g_thread_new ("koi-fake-smtp", server_thread, self);
  return g_steal_pointer (&self);
}

void
koi_fake_smtp_server_free (KoiFakeSmtpServer *self)
{
  if (self == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  if (self->thread != NULL)
    g_thread_join (self->thread);
  koi_fake_listener_close (self->listener);
  g_clear_object (&self->certificate);
  koi_fake_remove_dir (self->dir);
  g_free (self->dir);
  g_free (self->ca_file);
  g_string_free (self->received, TRUE);
  g_mutex_clear (&self->lock);
  g_object_unref (self->cancellable);
  g_free (self);
}

guint16
koi_fake_smtp_server_get_port (KoiFakeSmtpServer *self)
{
  return self->port;
}

const char *
koi_fake_smtp_server_get_ca_file (KoiFakeSmtpServer *self)
{
  return self->ca_file;
}

char *
koi_fake_smtp_server_dup_received (KoiFakeSmtpServer *self)
{
  char *copy;

  g_mutex_lock (&self->lock);
  copy = g_strdup (self->received->str);
  g_mutex_unlock (&self->lock);
  return copy;
}
