/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * KoiConnectionProblem:
 * Why the engine is not connected, in the few kinds a user can act on
 * differently: check the network or the server name, wait for the server,
 * check the certificate or password, or nothing in particular.
 */
typedef enum {
  KOI_CONNECTION_PROBLEM_NONE,          /* connected, or not tried yet */
  KOI_CONNECTION_PROBLEM_HOST_NOT_FOUND,/* DNS: no network, or a mistyped name */
  KOI_CONNECTION_PROBLEM_REFUSED,       /* the server is down (nothing listens) */
  KOI_CONNECTION_PROBLEM_TLS,           /* no secure connection (handshake, certificate) */
  KOI_CONNECTION_PROBLEM_LOGIN,         /* login or password refused */
  KOI_CONNECTION_PROBLEM_TIMEOUT,       /* the server stopped answering */
  KOI_CONNECTION_PROBLEM_DISCONNECTED,  /* the line broke */
  KOI_CONNECTION_PROBLEM_OTHER,
} KoiConnectionProblem;

/* The kind of a connection error from the net layer (KOI_IMAP_ERROR,
 * KOI_SMTP_ERROR, GIO). */
KoiConnectionProblem koi_connection_problem_from_error (const GError *error);
const char          *koi_connection_problem_to_string  (KoiConnectionProblem problem);

G_END_DECLS
