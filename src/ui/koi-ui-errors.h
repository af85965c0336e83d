/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "koi-server-config.h"

G_BEGIN_DECLS

/* Words for a failed account set-up or a failed connection, for people who
 * do not know what IMAP is: what went wrong, with which server, and what to
 * do. The server's own words (the error's message) follow when they add
 * something. */
char *koi_ui_describe_account_error (const GError          *error,
                                     const char            *address,
                                     const KoiServerConfig *imap,
                                     const KoiServerConfig *smtp);

G_END_DECLS
