/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-fake-imap-server"

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "koi-fake-imap-server.h"
#include "koi-fake-server-common.h"

/* What curl and Koi need to get past login, and what the IDLE and MOVE
 * tests use. No AUTH= mechanism: curl then logs in with LOGIN. Never
 * STARTTLS: in plain mode that is the point. */
#define CAPABILITIES "IMAP4rev1 IDLE LITERAL+ UIDPLUS MOVE"

struct _KoiFakeImapServer
{
  KoiFakeImapMode    mode;
  KoiFakeImapScript  script;
  gpointer           user_data;
  GSocketListener   *listener;
  guint16            port;
  char              *dir;       /* certificates, TLS mode only */
  char              *ca_file;
  GTlsCertificate   *certificate;
  GCancellable      *cancellable;
  GThread           *thread;
  GMutex             lock;
  GByteArray        *received;  /* under lock */
  guint              n_connections; /* under lock */
  char              *extra_capabilities; /* under lock; NULL for none */
};

struct _KoiFakeImapConn
{
  KoiFakeImapServer *server;
  GSocketConnection *socket_conn;
  GIOStream         *stream;    /* the TLS connection, or socket_conn */
  GDataInputStream  *input;
  guint              index;
  gboolean           dropped;
};

/* ---- writing, for the scripts -------------------------------------------- */

gboolean
koi_fake_imap_conn_write (KoiFakeImapConn *conn,
                          const void      *data,
                          gsize            len)
{
  GOutputStream *out;

  if (conn->dropped)
    return FALSE;
  out = g_io_stream_get_output_stream (conn->stream);
  return g_output_stream_write_all (out, data, len, NULL, conn->server->cancellable, NULL);
}

gboolean
koi_fake_imap_conn_printf (KoiFakeImapConn *conn,
                           const char      *format,
                           ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);

  return koi_fake_imap_conn_write (conn, text, strlen (text));
}

void
koi_fake_imap_conn_pause (KoiFakeImapConn *conn,
                          guint            ms)
{
  g_usleep ((gulong) ms * 1000);
}

void
koi_fake_imap_conn_drop (KoiFakeImapConn *conn)
{
  GSocket *socket = g_socket_connection_get_socket (conn->socket_conn);

  /* Shut the socket itself, under the TLS layer: no close_notify. */
  g_socket_shutdown (socket, TRUE, TRUE, NULL);
  g_socket_close (socket, NULL);
  conn->dropped = TRUE;
}

guint
koi_fake_imap_conn_get_index (KoiFakeImapConn *conn)
{
  return conn->index;
}

/* ---- the built-in answers ------------------------------------------------ */

static void
record (KoiFakeImapServer *self,
        const char        *line,
        gsize              len)
{
  g_mutex_lock (&self->lock);
  g_byte_array_append (self->received, (const guint8 *) line, len);
  g_byte_array_append (self->received, (const guint8 *) "\r\n", 2);
  g_mutex_unlock (&self->lock);
}

static char *
capabilities (KoiFakeImapServer *self)
{
  char *caps;

  g_mutex_lock (&self->lock);
  caps = self->extra_capabilities != NULL
    ? g_strconcat (CAPABILITIES " ", self->extra_capabilities, NULL)
    : g_strdup (CAPABILITIES);
  g_mutex_unlock (&self->lock);
  return caps;
}

void
koi_fake_imap_server_set_extra_capabilities (KoiFakeImapServer *self,
                                             const char        *extra)
{
  g_mutex_lock (&self->lock);
  g_free (self->extra_capabilities);
  self->extra_capabilities = g_strdup (extra);
  g_mutex_unlock (&self->lock);
}

/* Returns TRUE if the line was answered here. */
static gboolean
answer_builtin (KoiFakeImapConn *conn,
                const char      *tag,
                const char      *verb,
                gboolean        *out_close)
{
  *out_close = FALSE;

  g_autofree char *caps = capabilities (conn->server);

  if (g_ascii_strcasecmp (verb, "CAPABILITY") == 0)
    {
      koi_fake_imap_conn_printf (conn, "* CAPABILITY %s\r\n%s OK Capability done\r\n", caps, tag);
      return TRUE;
    }
  /* Only curl logs in (tags A001...); Koi's own tags go to the script. */
  if (tag[0] == 'A' && g_ascii_strcasecmp (verb, "LOGIN") == 0)
    {
      koi_fake_imap_conn_printf (conn, "%s OK [CAPABILITY %s] Logged in\r\n", tag, caps);
      return TRUE;
    }
  if (tag[0] == 'A' && g_ascii_strcasecmp (verb, "AUTHENTICATE") == 0)
    {
      g_autofree char *response = NULL;

      /* SASL-IR puts the response on the line; otherwise it comes next. */
      if (!koi_fake_imap_conn_printf (conn, "+ \r\n"))
        return TRUE;
      response = g_data_input_stream_read_line (conn->input, NULL, conn->server->cancellable, NULL);
      if (response == NULL)
        {
          *out_close = TRUE;
          return TRUE;
        }
      record (conn->server, response, strlen (response));
      koi_fake_imap_conn_printf (conn, "%s OK [CAPABILITY %s] Logged in\r\n", tag, caps);
      return TRUE;
    }
  if (g_ascii_strcasecmp (verb, "LOGOUT") == 0)
    {
      koi_fake_imap_conn_printf (conn, "* BYE Logging out\r\n%s OK Logout done\r\n", tag);
      *out_close = TRUE;
      return TRUE;
    }

  return FALSE;
}

/* ---- one connection ------------------------------------------------------ */

static void
serve (KoiFakeImapServer *self,
       GSocketConnection *socket_conn,
       guint              index)
{
  KoiFakeImapConn conn = { self, socket_conn, NULL, NULL, index, FALSE };
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GDataInputStream) input = NULL;
  g_autoptr(GError) error = NULL;

  /* Small writes must leave at once: the tests split lines on purpose. */
  g_socket_set_option (g_socket_connection_get_socket (socket_conn), IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  if (self->mode == KOI_FAKE_IMAP_TLS)
    {
      tls = g_tls_server_connection_new (G_IO_STREAM (socket_conn), self->certificate, &error);
      if (tls == NULL ||
          !g_tls_connection_handshake (G_TLS_CONNECTION (tls), self->cancellable, &error))
        {
          g_debug ("TLS handshake with the client failed: %s", error->message);
          return;
        }
      conn.stream = tls;
    }
  else
    conn.stream = G_IO_STREAM (socket_conn);

  input = g_data_input_stream_new (g_io_stream_get_input_stream (conn.stream));
  g_data_input_stream_set_newline_type (input, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  conn.input = input;

  if (!koi_fake_imap_conn_printf (&conn, "* OK Koi fake IMAP server ready\r\n"))
    return;

  while (!conn.dropped)
    {
      g_autofree char *line = NULL;
      g_auto(GStrv) words = NULL;
      gsize len = 0;
      gboolean close = FALSE;

      line = g_data_input_stream_read_line (input, &len, self->cancellable, NULL);
      if (line == NULL)
        break;
      record (self, line, len);

      words = g_strsplit (line, " ", 3);
      if (words[0] != NULL && words[1] != NULL &&
          answer_builtin (&conn, words[0], words[1], &close))
        {
          if (close)
            break;
          continue;
        }

      if (self->script == NULL ||
          !self->script (&conn, words[0] != NULL ? words[0] : "", line, self->user_data))
        break;
    }

  if (!conn.dropped)
    g_io_stream_close (conn.stream, NULL, NULL);
}

static gpointer
server_thread (gpointer data)
{
  KoiFakeImapServer *self = data;

  for (;;)
    {
      g_autoptr(GSocketConnection) socket_conn = NULL;
      guint index;

      socket_conn = g_socket_listener_accept (self->listener, NULL, self->cancellable, NULL);
      if (socket_conn == NULL)
        break;

      g_mutex_lock (&self->lock);
      index = self->n_connections++;
      g_mutex_unlock (&self->lock);

      serve (self, socket_conn, index);
    }

  return NULL;
}

/* ---- the server ---------------------------------------------------------- */

KoiFakeImapServer *
koi_fake_imap_server_new (KoiFakeImapMode    mode,
                          KoiFakeImapScript  script,
                          gpointer           user_data,
                          GError           **error)
{
  g_autoptr(KoiFakeImapServer) self = NULL;

  self = g_new0 (KoiFakeImapServer, 1);
  self->mode = mode;
  self->script = script;
  self->user_data = user_data;
  self->cancellable = g_cancellable_new ();
  self->received = g_byte_array_new ();
  g_mutex_init (&self->lock);

  if (mode == KOI_FAKE_IMAP_TLS)
    {
      self->certificate = koi_fake_make_certificate ("Koi fake IMAP server CA", &self->dir,
                                                     &self->ca_file, error);
      if (self->certificate == NULL)
        return NULL;
    }

  self->listener = koi_fake_listen_loopback (&self->port, error);
  if (self->listener == NULL)
    return NULL;

  self->thread = g_thread_new ("koi-fake-imap", server_thread, self);
  return g_steal_pointer (&self);
}

void
koi_fake_imap_server_free (KoiFakeImapServer *self)
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
  g_free (self->extra_capabilities);
  g_byte_array_unref (self->received);
  g_mutex_clear (&self->lock);
  g_object_unref (self->cancellable);
  g_free (self);
}

guint16
koi_fake_imap_server_get_port (KoiFakeImapServer *self)
{
  return self->port;
}

const char *
koi_fake_imap_server_get_ca_file (KoiFakeImapServer *self)
{
  return self->ca_file;
}

GBytes *
koi_fake_imap_server_dup_received (KoiFakeImapServer *self)
{
  GBytes *bytes;

  g_mutex_lock (&self->lock);
  bytes = g_bytes_new (self->received->data, self->received->len);
  g_mutex_unlock (&self->lock);
  return bytes;
}

guint
koi_fake_imap_server_get_n_connections (KoiFakeImapServer *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = self->n_connections;
  g_mutex_unlock (&self->lock);
  return n;
}
