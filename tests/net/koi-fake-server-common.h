/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What the scripted servers (koi-fake-imap-server.c, koi-fake-smtp-server.c)
 * share. */

/* Throw-away certificates for the scripted servers: a CA and a leaf for IP
 * 127.0.0.1 signed by it (made with openssl in a new temp folder), as a
 * real deployment has, so the client's ordinary verification (CA file +
 * host check) runs. `name` names the CA. Returns the server's certificate
 * with its key, the folder and the CA's PEM file; G_IO_ERROR_NOT_SUPPORTED
 * without a GIO TLS backend. */
GTlsCertificate *koi_fake_make_certificate      (const char  *name,
                                                char       **out_dir,
                                                char       **out_ca_file,
                                                GError     **error);
/* The same with other names in the leaf, as openssl's subjectAltName
 * value ("DNS:localhost,IP:127.0.0.1"). */
GTlsCertificate *koi_fake_make_certificate_for  (const char  *name,
                                                const char  *subject_alt_names,
                                                char       **out_dir,
                                                char       **out_ca_file,
                                                GError     **error);
/* Removes a folder made above (flat: files only), NULL is fine. */
void             koi_fake_remove_dir            (const char  *dir);

/* A listener on 127.0.0.1 on an ephemeral port, and its closing. */
GSocketListener *koi_fake_listen_loopback      (guint16     *out_port,
                                                GError     **error);
void             koi_fake_listener_close       (GSocketListener *listener);

G_END_DECLS
