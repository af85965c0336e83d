/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "koi-store-private.h"

/* How long a connection waits for another one's lock before giving up. */
#define KOI_STORE_BUSY_TIMEOUT_MS 5000

gint64
koi_store_now_ms (void)
{
  return g_get_real_time () / 1000;
}

static int
koi_store_error_code_for (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return KOI_STORE_ERROR_BUSY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return KOI_STORE_ERROR_CORRUPT;
    case SQLITE_FULL:
      return KOI_STORE_ERROR_FULL;
    case SQLITE_CONSTRAINT:
      return KOI_STORE_ERROR_CONSTRAINT;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return KOI_STORE_ERROR_OPEN;
    default:
      return KOI_STORE_ERROR_FAILED;
    }
}

/* As koi_store_error_code_for(), but a write the disk had no room for is
 * FULL even where SQLite reports an I/O error (growing the -shm file of a
 * WAL database on a full disk is SQLITE_IOERR_SHMSIZE). */
static int
error_code_on (sqlite3 *db,
               int      rc)
{
  if ((rc & 0xff) == SQLITE_IOERR && db != NULL && sqlite3_system_errno (db) == ENOSPC)
    return KOI_STORE_ERROR_FULL;
  return koi_store_error_code_for (rc);
}

/* What the user can do about it: these three come from the machine, not
 * from Koi, and each has a way out. */
static const char *
error_hint (int code)
{
  switch (code)
    {
    case KOI_STORE_ERROR_BUSY:
      return ". Another program holds the store: close other copies of Koi "
             "(or koi-cli) on this profile and try again; nothing was lost";
    case KOI_STORE_ERROR_FULL:
      return ". The disk is full: free some space and Koi goes on from where it "
             "stopped; nothing half-written was kept";
    case KOI_STORE_ERROR_CORRUPT:
      return ". The store file is damaged: Koi sets it aside when it is opened next "
             "and fetches the messages from the server again";
    default:
      return "";
    }
}

void
koi_store_set_error (KoiStore    *self,
                     GError     **error,
                     int          rc,
                     const char  *what)
{
  /* sqlite3_errmsg describes the connection's most recent failure, which
   * is the one being reported; sqlite3_errstr is the fallback without a
   * connection. */
  const char *detail = self && self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc);

  int code = error_code_on (self != NULL ? self->db : NULL, rc);

  g_set_error (error, KOI_STORE_ERROR, code, "%s: %s (SQLite error %d)%s", what, detail, rc,
               error_hint (code));
}

void
koi_store_stmt_release (sqlite3_stmt *stmt)
{
  /* Resetting ends the statement's read snapshot at once; a SELECT left
   * half-stepped would keep the WAL from being checkpointed. */
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

sqlite3_stmt *
koi_store_prepare (KoiStore    *self,
                   const char  *sql,
                   GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);
  int rc;

  if (stmt != NULL)
    return stmt;

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      koi_store_set_error (self, error, rc, "Could not prepare a database query");
      g_warning ("Could not prepare “%s”: %s", sql, sqlite3_errmsg (self->db));
      return NULL;
    }

  g_hash_table_insert (self->statements, (gpointer) sql, stmt);
  return stmt;
}

gboolean
koi_store_step_done (KoiStore      *self,
                     sqlite3_stmt  *stmt,
                     const char    *what,
                     GError       **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, what);
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
koi_store_step_rows (KoiStore         *self,
                     sqlite3_stmt     *stmt,
                     KoiStoreRowFunc   from_row,
                     GDestroyNotify    free_func,
                     const char       *what,
                     GError          **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (free_func);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (items, from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, what);
      return NULL;
    }
  return g_steal_pointer (&items);
}

gpointer
koi_store_step_row (KoiStore         *self,
                    sqlite3_stmt     *stmt,
                    KoiStoreRowFunc   from_row,
                    const char       *what,
                    GError          **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    return from_row (stmt);
  if (rc != SQLITE_DONE)
    koi_store_set_error (self, error, rc, what);
  return NULL;
}

gint64
koi_store_step_returning_id (KoiStore      *self,
                             sqlite3_stmt  *stmt,
                             const char    *what,
                             GError       **error)
{
  gint64 id = 0;
  int rc;

  /* Step to SQLITE_DONE rather than stopping at the row: in autocommit
   * mode the statement's transaction only commits then, and a failed
   * commit must be reported, not lost in a later reset. */
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  if (rc != SQLITE_DONE)
    {
      koi_store_set_error (self, error, rc, what);
      return -1;
    }
  return id;
}

gboolean
koi_store_exec (KoiStore    *self,
                const char  *sql,
                GError     **error)
{
  char *message = NULL;
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, &message);

  if (rc != SQLITE_OK)
    {
      int code = error_code_on (self->db, rc);

      g_set_error (error, KOI_STORE_ERROR, code,
                   "Database command failed: %s (SQLite error %d)%s",
                   message ? message : sqlite3_errstr (rc), rc, error_hint (code));
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

void
koi_store_bind_text (sqlite3_stmt *stmt,
                     int           index,
                     const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

void
koi_store_bind_id (sqlite3_stmt *stmt,
                   int           index,
                   gint64        id)
{
  if (id <= 0)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_int64 (stmt, index, id);
}

char *
koi_store_column_dup (sqlite3_stmt *stmt,
                      int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* ------------------------------------------------------------------ */
/* Transactions */

gboolean
koi_store_begin (KoiStore  *self,
                 GError   **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  /* IMMEDIATE takes the write lock now, waiting through busy_timeout if
   * needed. A deferred transaction that reads first and writes later can
   * fail with SQLITE_BUSY at once, without waiting, if another connection
   * wrote in between. */
  if (!koi_store_exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;

  self->in_batch = TRUE;
  self->fts_pending_from = 0;
  return TRUE;
}

gboolean
koi_store_fts_add (KoiStore    *self,
                   gint64       id,
                   const char  *text,
                   GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (self->in_batch)
    {
      if (self->fts_pending_from == 0 || id < self->fts_pending_from)
        self->fts_pending_from = id;
      return TRUE;
    }

  stmt = koi_store_prepare (self, "INSERT INTO messages_fts (rowid, text) VALUES (?1, ?2)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  koi_store_bind_text (stmt, 2, text);
  return koi_store_step_done (self, stmt, "Could not index the message", error);
}

/* Every row inserted in this batch (and not undone by a savepoint) has an
 * id >= fts_pending_from: index them in one statement. */
gboolean
koi_store_fts_flush (KoiStore  *self,
                     GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (self->fts_pending_from == 0)
    return TRUE;

  stmt = koi_store_prepare (self,
                            "INSERT INTO messages_fts (rowid, text)"
                            " SELECT id, text FROM messages WHERE id >= ?1",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->fts_pending_from);
  if (!koi_store_step_done (self, stmt, "Could not index the new messages", error))
    return FALSE;

  self->fts_pending_from = 0;
  return TRUE;
}

gboolean
koi_store_commit (KoiStore  *self,
                  GError   **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!koi_store_fts_flush (self, error) || !koi_store_exec (self, "COMMIT", error))
    return FALSE;

  self->in_batch = FALSE;
  return TRUE;
}

void
koi_store_rollback (KoiStore *self)
{
  g_return_if_fail (self != NULL);

  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  self->in_batch = FALSE;
  self->fts_pending_from = 0;
}

gboolean
koi_store_atomic_begin (KoiStore        *self,
                        KoiStoreAtomic  *atomic,
                        GError         **error)
{
  atomic->own_transaction = sqlite3_get_autocommit (self->db) != 0;
  if (atomic->own_transaction)
    return koi_store_begin (self, error);
  return koi_store_exec (self, "SAVEPOINT koi_atomic", error);
}

gboolean
koi_store_atomic_end (KoiStore        *self,
                      KoiStoreAtomic  *atomic,
                      gboolean         ok,
                      GError         **error)
{
  if (ok)
    {
      if (atomic->own_transaction ? koi_store_commit (self, error)
                                  : koi_store_exec (self, "RELEASE koi_atomic", error))
        return TRUE;
      /* Fall through: a failed COMMIT leaves the transaction open. */
    }

  if (atomic->own_transaction)
    koi_store_rollback (self);
  else
    sqlite3_exec (self->db, "ROLLBACK TO koi_atomic; RELEASE koi_atomic", NULL, NULL, NULL);
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* Open, migrate, close */

static int
koi_store_read_user_version (KoiStore *self)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

int
koi_store_get_schema_version (KoiStore *self)
{
  g_return_val_if_fail (self != NULL, -1);

  return koi_store_read_user_version (self);
}

const char *
koi_store_get_path (KoiStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->path;
}

static gboolean
koi_store_migrate (KoiStore  *self,
                   GError   **error)
{
  int version;

  /* Read the version inside the write transaction: two connections opening
   * a fresh file at once must not both run migration 1. */
  for (;;)
    {
      g_autofree char *bump = NULL;
      g_autoptr(GError) local_error = NULL;

      if (!koi_store_begin (self, error))
        return FALSE;

      version = koi_store_read_user_version (self);
      if (version < 0)
        {
          koi_store_rollback (self);
          koi_store_set_error (self, error, sqlite3_errcode (self->db),
                               "Could not read the database's schema version");
          return FALSE;
        }
      if (version > KOI_STORE_SCHEMA_VERSION)
        {
          koi_store_rollback (self);
          g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_TOO_NEW,
                       "The database “%s” has schema version %d, but this version of Koi "
                       "only knows up to %d. It was written by a newer Koi; it was left "
                       "unchanged. Please update Koi.",
                       self->path, version, KOI_STORE_SCHEMA_VERSION);
          return FALSE;
        }
      if (version == KOI_STORE_SCHEMA_VERSION)
        return koi_store_commit (self, error);

      bump = g_strdup_printf ("PRAGMA user_version = %d", version + 1);
      if (!koi_store_exec (self, koi_store_migrations[version], &local_error) ||
          !koi_store_exec (self, bump, &local_error))
        {
          koi_store_rollback (self);
          g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_MIGRATION,
                       "Could not upgrade the database “%s” from schema version %d to %d: %s",
                       self->path, version, version + 1, local_error->message);
          return FALSE;
        }
      if (!koi_store_commit (self, error))
        {
          koi_store_rollback (self);
          return FALSE;
        }
      g_debug ("Migrated %s to schema version %d", self->path, version + 1);
    }
}

/* A file SQLite calls damaged or no database is renamed, with its WAL,
 * to PATH.damaged-DATE, never deleted: what only it held (unsent
 * messages, local settings) can still be rescued from it, while Koi
 * starts again with an empty store and the messages come back from the
 * server once the account is added again. */
static void
set_aside_damaged (const char  *path,
                   GError     **error)
{
  g_autoptr(GError) rename_error = NULL;
  g_autofree char *aside = koi_store_set_aside (path, &rename_error);
  const char *detail = (*error)->message;
  g_autofree char *message = NULL;

  if (aside == NULL)
    {
      g_prefix_error (error, "The store is damaged and could not be set aside (%s): ",
                      rename_error->message);
      return;
    }

  message = g_strdup_printf ("The store “%s” is damaged (%s). It was kept as “%s”, and Koi "
                             "starts with an empty store: add the account again to fetch the "
                             "messages from the server",
                             path, detail, aside);
  g_free ((*error)->message);
  (*error)->message = g_steal_pointer (&message);
}

static KoiStore *koi_store_open_once (const char  *path,
                                      GError     **error);

KoiStore *
koi_store_open (const char  *path,
                GError     **error)
{
  GError *local_error = NULL;
  KoiStore *store;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  store = koi_store_open_once (path, &local_error);
  if (store == NULL && g_error_matches (local_error, KOI_STORE_ERROR, KOI_STORE_ERROR_CORRUPT))
    set_aside_damaged (path, &local_error);
  if (local_error != NULL)
    g_propagate_error (error, local_error);

  return store;
}

static KoiStore *
koi_store_open_once (const char  *path,
                     GError     **error)
{
  g_autoptr(KoiStore) self = NULL;
  g_autofree char *journal_mode = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (KoiStore, 1);
  self->path = g_strdup (path);
  self->statements = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                            (GDestroyNotify) sqlite3_finalize);

  /* NOMUTEX: a connection belongs to one thread at a time (see header),
   * so SQLite's per-connection mutex is pure overhead. */
  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_OPEN,
                   "Could not open the database “%s”: %s",
                   path, self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }

  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, KOI_STORE_BUSY_TIMEOUT_MS);

  /* journal_mode answers with the mode in force: a file that cannot do
   * WAL (e.g. on a network share) would silently stay in rollback mode. */
  rc = sqlite3_prepare_v2 (self->db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    journal_mode = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  if (journal_mode == NULL)
    {
      koi_store_set_error (self, error, rc, "Could not open the database");
      g_prefix_error (error, "“%s”: ", path);
      return NULL;
    }
  if (g_ascii_strcasecmp (journal_mode, "wal") != 0)
    {
      g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_OPEN,
                   "Could not switch the database “%s” to write-ahead logging "
                   "(journal mode stays “%s”)", path, journal_mode);
      return NULL;
    }

  if (!koi_store_exec (self,
                       "PRAGMA synchronous = NORMAL;"
                       "PRAGMA foreign_keys = ON;"
                       "PRAGMA temp_store = MEMORY;",
                       error))
    {
      g_prefix_error (error, "“%s”: ", path);
      return NULL;
    }

  if (!koi_store_migrate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

void
koi_store_close (KoiStore *self)
{
  if (self == NULL)
    return;

  /* Statements first: sqlite3_close refuses while any is alive. */
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    {
      koi_store_rollback (self);
      sqlite3_close (self->db);
    }
  g_free (self->path);
  g_free (self);
}
