/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KOI_COI_ERROR (koi_coi_error_quark ())
GQuark koi_coi_error_quark (void);

/**
 * KoiCoiError:
 * @KOI_COI_ERROR_INVALID: the caller asked for a message that cannot be
 *   built (empty text, a bad address, a header value with a line break).
 * @KOI_COI_ERROR_MALFORMED: incoming bytes are not a message Koi can read
 *   at all (empty, no header block, binary garbage).
 *
 * Codes of %KOI_COI_ERROR. Values are never renumbered: the engine may keep
 * them in its outbox.
 */
typedef enum
{
  KOI_COI_ERROR_INVALID = 1,
  KOI_COI_ERROR_MALFORMED = 2,
} KoiCoiError;

G_END_DECLS
