/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KOI_STORE_ERROR (koi_store_error_quark ())
GQuark koi_store_error_quark (void);

/**
 * KoiStoreError:
 * @KOI_STORE_ERROR_FAILED: SQLite reported an error not covered below; the
 *   message carries SQLite's own words
 * @KOI_STORE_ERROR_OPEN: the database file could not be opened or created
 * @KOI_STORE_ERROR_TOO_NEW: the file was written by a newer Koi (its schema
 *   version is higher than this build knows); it is left untouched
 * @KOI_STORE_ERROR_MIGRATION: upgrading the schema failed; the file is left at
 *   the last version that applied completely
 * @KOI_STORE_ERROR_BUSY: another connection held the database longer than
 *   the busy timeout
 * @KOI_STORE_ERROR_CORRUPT: the file is not a database or is damaged
 * @KOI_STORE_ERROR_FULL: the disk is full
 * @KOI_STORE_ERROR_CONSTRAINT: a row broke a uniqueness or reference rule
 * @KOI_STORE_ERROR_NOT_FOUND: the row asked for does not exist
 * @KOI_STORE_ERROR_INVALID: the caller passed something the store refuses
 *   (an empty recipient list, an unknown state value, ...)
 * @KOI_STORE_ERROR_EXISTS: the row to create exists already (for example an
 *   outgoing message whose Message-ID is already stored)
 */
typedef enum {
  KOI_STORE_ERROR_FAILED,
  KOI_STORE_ERROR_OPEN,
  KOI_STORE_ERROR_TOO_NEW,
  KOI_STORE_ERROR_MIGRATION,
  KOI_STORE_ERROR_BUSY,
  KOI_STORE_ERROR_CORRUPT,
  KOI_STORE_ERROR_FULL,
  KOI_STORE_ERROR_CONSTRAINT,
  KOI_STORE_ERROR_NOT_FOUND,
  KOI_STORE_ERROR_INVALID,
  KOI_STORE_ERROR_EXISTS,
} KoiStoreError;

G_END_DECLS
