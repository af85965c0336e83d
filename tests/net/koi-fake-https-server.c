/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-fake-https-server"

#include "config.h"

#include <string.h>

#include "koi-fake-https-server.h"
#include "koi-fake-server-common.h"

struct _KoiFakeHttpsServer {
  GSocketService  *service;
  GTlsCertificate *certificate;
  char            *dir;
  char            *ca_file;
  guint16          port;
  GMutex           lock;
  GHashTable      *bodies; /* path → body */
  GHashTable      *hits;   /* path → count */
  GMainContext    *context;
  GMainLoop       *loop;
  GThread         *thread;
};

static gboolean
on_run (GThreadedSocketService *service,
        GSocketConnection      *connection,
        GObject                *source,
        gpointer                user_data)
{
  KoiFakeHttpsServer *self = user_data;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GString) reply = g_string_new (NULL);
  g_autofree char *request = NULL;
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  char **words;
  char *line;

  tls = g_tls_server_connection_new (G_IO_STREAM (connection), self->certificate, NULL);
  if (tls == NULL || !g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, NULL))
    return TRUE; /* e.g. a client that refused the certificate */

  in = g_data_input_stream_new (g_io_stream_get_input_stream (tls));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);
  request = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  if (request == NULL)
    return TRUE;
  while ((line = g_data_input_stream_read_line (in, NULL, NULL, NULL)) != NULL)
    {
      gboolean end = line[0] == '\0' || strcmp (line, "\r") == 0;

      g_free (line);
      if (end)
        break;
    }

  words = g_strsplit (request, " ", 3);
  if (g_strv_length (words) >= 2)
    path = g_strndup (words[1], strcspn (words[1], "?"));
  g_strfreev (words);

  g_mutex_lock (&self->lock);
  if (path != NULL)
    {
      g_hash_table_insert (self->hits, g_strdup (path),
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (self->hits, path)) + 1));
      body = g_strdup (g_hash_table_lookup (self->bodies, path));
    }
  g_mutex_unlock (&self->lock);

  if (body != NULL)
    g_string_printf (reply, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", strlen (body), body);
  else
    g_string_assign (reply, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

  g_output_stream_write_all (g_io_stream_get_output_stream (tls), reply->str, reply->len,
                             NULL, NULL, NULL);
  g_io_stream_close (tls, NULL, NULL);
  return TRUE;
}

/* GSocketService accepts in the main context that started it: its own
 * thread's, so a test may block its main thread in a synchronous client. */
static gpointer
serve_thread (gpointer data)
{
  KoiFakeHttpsServer *self = data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

KoiFakeHttpsServer *
koi_fake_https_server_new (GError **error)
{
  KoiFakeHttpsServer *self = g_new0 (KoiFakeHttpsServer, 1);
  g_autoptr(GSocketListener) listener = NULL;

  g_mutex_init (&self->lock);
  self->bodies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->hits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->certificate = koi_fake_make_certificate_for ("Koi autoconfig test",
                                                     "DNS:koi.localhost,DNS:autoconfig.koi.localhost,IP:127.0.0.1",
                                                     &self->dir, &self->ca_file, error);
  if (self->certificate == NULL)
    {
      koi_fake_https_server_free (self);
      return NULL;
    }

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  g_main_context_push_thread_default (self->context);
  self->service = g_threaded_socket_service_new (4);
  {
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
    g_autoptr(GSocketAddress) effective = NULL;

    if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                        G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                        NULL, &effective, error))
      {
        g_main_context_pop_thread_default (self->context);
        koi_fake_https_server_free (self);
        return NULL;
      }
    self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  }
  g_signal_connect (self->service, "run", G_CALLBACK (on_run), self);
  g_socket_service_start (self->service);
  g_main_context_pop_thread_default (self->context);
  self->thread = g_thread_new ("koi-fake-https", serve_thread, self);
  return self;
}

guint16
koi_fake_https_server_port (KoiFakeHttpsServer *self)
{
  return self->port;
}

const char *
koi_fake_https_server_ca_file (KoiFakeHttpsServer *self)
{
  return self->ca_file;
}

void
koi_fake_https_server_serve (KoiFakeHttpsServer *self,
                             const char         *path,
                             const char         *body)
{
  g_mutex_lock (&self->lock);
  g_hash_table_insert (self->bodies, g_strdup (path), g_strdup (body));
  g_mutex_unlock (&self->lock);
}

guint
koi_fake_https_server_hits (KoiFakeHttpsServer *self,
                            const char         *path)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->hits, path));
  g_mutex_unlock (&self->lock);
  return n;
}

void
koi_fake_https_server_free (KoiFakeHttpsServer *self)
{
  if (self == NULL)
    return;
  if (self->thread != NULL)
    {
      g_main_loop_quit (self->loop);
      g_thread_join (g_steal_pointer (&self->thread));
    }
  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_clear_object (&self->service);
    }
  g_clear_object (&self->certificate);
  koi_fake_remove_dir (self->dir);
  g_free (self->dir);
  g_free (self->ca_file);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_hash_table_unref (self->bodies);
  g_hash_table_unref (self->hits);
  g_mutex_clear (&self->lock);
  g_free (self);
}
