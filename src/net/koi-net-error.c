/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "koi-net-error.h"

G_DEFINE_QUARK (koi-imap-error-quark, koi_imap_error)
G_DEFINE_QUARK (koi-smtp-error-quark, koi_smtp_error)
