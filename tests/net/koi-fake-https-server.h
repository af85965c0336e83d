/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A tiny HTTPS server on 127.0.0.1 for the autoconfig tests: answers GET
 * for the paths it was given (200 with the body), 404 for the rest. Its
 * certificate comes from a throw-away CA (ca_file) and names koi.localhost,
 * autoconfig.koi.localhost and 127.0.0.1. Connections are served on threads,
 * so a client may block the main thread. */
typedef struct _KoiFakeHttpsServer KoiFakeHttpsServer;

KoiFakeHttpsServer *koi_fake_https_server_new      (GError            **error);
guint16             koi_fake_https_server_port     (KoiFakeHttpsServer *self);
const char         *koi_fake_https_server_ca_file  (KoiFakeHttpsServer *self);
void                koi_fake_https_server_serve    (KoiFakeHttpsServer *self,
                                                    const char         *path,
                                                    const char         *body);
/* How many requests asked for `path` (query ignored). */
guint               koi_fake_https_server_hits     (KoiFakeHttpsServer *self,
                                                    const char         *path);
void                koi_fake_https_server_free     (KoiFakeHttpsServer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiFakeHttpsServer, koi_fake_https_server_free)

G_END_DECLS
