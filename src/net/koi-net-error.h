/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KOI_IMAP_ERROR (koi_imap_error_quark ())
#define KOI_SMTP_ERROR (koi_smtp_error_quark ())

GQuark koi_imap_error_quark (void);
GQuark koi_smtp_error_quark (void);

G_END_DECLS
