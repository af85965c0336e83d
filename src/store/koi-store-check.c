/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "koi-store.h"
#include "koi-store-error.h"

/* As long as the store waits for a lock elsewhere: another Koi holds it
 * for a batch at most, far less than this. */
#define CHECK_BUSY_TIMEOUT_MS 5000

static void
set_check_error (sqlite3     *db,
                 int          rc,
                 const char  *path,
                 GError     **error)
{
  int code;

  switch (rc & 0xff)
    {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = KOI_STORE_ERROR_BUSY;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = KOI_STORE_ERROR_CORRUPT;
      break;
    case SQLITE_FULL:
      code = KOI_STORE_ERROR_FULL;
      break;
    case SQLITE_IOERR:
      code = db != NULL && sqlite3_system_errno (db) == ENOSPC ? KOI_STORE_ERROR_FULL
                                                               : KOI_STORE_ERROR_FAILED;
      break;
    default:
      code = KOI_STORE_ERROR_OPEN;
      break;
    }
  g_set_error (error, KOI_STORE_ERROR, code, "The store “%s” cannot be used: %s (SQLite error %d)",
               path, db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc), rc);
}

/**
 * koi_store_check:
 * @path: the store file
 * @error: return location for an error
 *
 * Whether koi_store_open() can use @path, decided without changing it:
 * the header and schema can be read, the schema is not newer than this
 * build, and no other program holds the write lock. Cheap (no page
 * beyond the schema is read), so it runs at every start; damage deeper in
 * the file shows when that part is read.
 *
 * Returns: %TRUE if the file is usable or missing; else %FALSE with
 *   KOI_STORE_ERROR_CORRUPT, _TOO_NEW, _BUSY or _FULL
 */
gboolean
koi_store_check (const char  *path,
                 GError     **error)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int version = 0;
  int rc;

  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;

  /* Read-write without CREATE: a read-only WAL connection fails where
   * there is no -shm yet; nothing is written below. */
  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_busy_timeout (db, CHECK_BUSY_TIMEOUT_MS);
      rc = sqlite3_prepare_v2 (db, "SELECT count(*) FROM sqlite_master", -1, &stmt, NULL);
      if (rc == SQLITE_OK)
        rc = sqlite3_step (stmt) == SQLITE_ROW ? SQLITE_OK : sqlite3_errcode (db);
      sqlite3_finalize (stmt);
    }
  if (rc == SQLITE_OK)
    {
      rc = sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL);
      if (rc == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
        version = sqlite3_column_int (stmt, 0);
      sqlite3_finalize (stmt);
    }
  /* The write lock, taken and given back at once: another Koi (or
   * koi-cli) in the middle of a long write holds it. */
  if (rc == SQLITE_OK && version <= KOI_STORE_SCHEMA_VERSION)
    {
      rc = sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
      if (rc == SQLITE_OK)
        sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
    }

  if (rc != SQLITE_OK)
    set_check_error (db, rc, path, error);
  else if (version > KOI_STORE_SCHEMA_VERSION)
    g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_TOO_NEW,
                 "The store “%s” was written by a newer Koi (schema %d; this one knows up to %d)",
                 path, version, KOI_STORE_SCHEMA_VERSION);
  sqlite3_close (db);
  return rc == SQLITE_OK && version <= KOI_STORE_SCHEMA_VERSION;
}

/**
 * koi_store_set_aside:
 * @path: the store file
 * @error: return location for an error
 *
 * Renames @path, with its -wal and -shm files, to PATH.damaged-DATE: never
 * deleted, since what only it held (unsent messages, local settings) may
 * still be rescued from it.
 *
 * Returns: (transfer full): the new name, or %NULL with @error
 */
char *
koi_store_set_aside (const char  *path,
                     GError     **error)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *aside = g_strdup_printf ("%s.damaged-%s", path, stamp);
  const char *suffixes[] = { "-wal", "-shm" };

  g_return_val_if_fail (path != NULL, NULL);

  if (g_rename (path, aside) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Could not set the store aside as “%s”: %s", aside, g_strerror (saved));
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *from = g_strconcat (path, suffixes[i], NULL);
      g_autofree char *to = g_strconcat (aside, suffixes[i], NULL);

      if (g_file_test (from, G_FILE_TEST_EXISTS))
        g_rename (from, to);
    }
  g_message ("The store %s was set aside as %s", path, aside);
  return g_steal_pointer (&aside);
}
