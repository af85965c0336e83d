/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KOI_ENGINE_ERROR (koi_engine_error_quark ())

typedef enum {
  KOI_ENGINE_ERROR_NO_ACCOUNT,    /* the profile has no (such) account */
  KOI_ENGINE_ERROR_NO_PASSWORD,   /* the Secret Service has no password for it */
  KOI_ENGINE_ERROR_INVALID,       /* bad input: an address, an empty text */
  KOI_ENGINE_ERROR_SEND_FAILED,   /* a recipient refused the message for good */
  KOI_ENGINE_ERROR_CANCELLED,     /* the user stopped a transfer */
} KoiEngineError;

GQuark koi_engine_error_quark (void);

G_END_DECLS
