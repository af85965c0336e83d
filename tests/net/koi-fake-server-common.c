/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-fake-server-common"

#include "config.h"

#include <glib/gstdio.h>

#include "koi-fake-server-common.h"

static gboolean
run_openssl (const char  *dir,
             GError     **error,
             ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *err = NULL;
  const char *arg;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) "openssl");
  va_start (ap, error);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_cwd (launcher, dir);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
  if (proc == NULL)
    return FALSE;
  if (!g_subprocess_communicate_utf8 (proc, NULL, NULL, NULL, &err, error))
    return FALSE;
  if (!g_subprocess_get_successful (proc))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "openssl %s failed: %s", (const char *) argv->pdata[1], err);
      return FALSE;
    }
  return TRUE;
}

GTlsCertificate *
koi_fake_make_certificate (const char  *name,
                           char       **out_dir,
                           char       **out_ca_file,
                           GError     **error)
{
  return koi_fake_make_certificate_for (name, "IP:127.0.0.1", out_dir, out_ca_file, error);
}

GTlsCertificate *
koi_fake_make_certificate_for (const char  *name,
                               const char  *subject_alt_names,
                               char       **out_dir,
                               char       **out_ca_file,
                               GError     **error)
{
  g_autofree char *extensions = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *ext = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *cert_file = NULL;
  g_autofree char *key_file = NULL;
  GTlsCertificate *certificate;

  *out_dir = NULL;
  *out_ca_file = NULL;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "GIO has no TLS backend (install glib-networking)");
      return NULL;
    }

  dir = g_dir_make_tmp ("koi-fake-server-XXXXXX", error);
  if (dir == NULL)
    return NULL;
  /* The caller removes it, even when this fails half-way. */
  *out_dir = g_strdup (dir);
  subject = g_strdup_printf ("/O=Koi test/CN=%s", name);

  ext = g_build_filename (dir, "server.ext", NULL);
  extensions = g_strdup_printf ("basicConstraints=critical,CA:FALSE\n"
                                "keyUsage=critical,digitalSignature\n"
                                "extendedKeyUsage=serverAuth\n"
                                "subjectAltName=%s\n", subject_alt_names);
  if (!g_file_set_contents (ext, extensions, -1, error))
    return NULL;

  if (!run_openssl (dir, error,
                    "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key",
                    "-out", "ca.pem", "-days", "2", "-sha256",
                    "-subj", subject,
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL) ||
      !run_openssl (dir, error,
                    "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", "server.key", "-out", "server.csr",
                    "-subj", "/O=Koi test/CN=127.0.0.1", NULL) ||
      !run_openssl (dir, error,
                    "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                    "-CAcreateserial", "-days", "2", "-sha256", "-extfile", "server.ext",
                    "-out", "server.pem", NULL))
    return NULL;

  cert_file = g_build_filename (dir, "server.pem", NULL);
  key_file = g_build_filename (dir, "server.key", NULL);
  certificate = g_tls_certificate_new_from_files (cert_file, key_file, error);
  if (certificate == NULL)
    return NULL;
  *out_ca_file = g_build_filename (dir, "ca.pem", NULL);
  return certificate;
}

void
koi_fake_remove_dir (const char *dir)
{
  g_autoptr(GDir) d = NULL;
  const char *name;

  if (dir == NULL)
    return;
  d = g_dir_open (dir, 0, NULL);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

GSocketListener *
koi_fake_listen_loopback (guint16  *out_port,
                          GError  **error)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;

  if (!g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, error))
    return NULL;
  *out_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  return g_steal_pointer (&listener);
}

void
koi_fake_listener_close (GSocketListener *listener)
{
  if (listener == NULL)
    return;
  g_socket_listener_close (listener);
  g_object_unref (listener);
}
