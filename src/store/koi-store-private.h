/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <sqlite3.h>

#include "koi-store.h"

G_BEGIN_DECLS

struct _KoiStore
{
  sqlite3    *db;
  char       *path;
  /* sqlite3_stmt* by the address of its SQL text. Every query is a string
   * literal at its one call site, so the pointer identifies it and the hot
   * path costs a pointer hash instead of a string hash. */
  GHashTable *statements;
  /* Inside koi_store_begin()/koi_store_commit(): new messages wait for the
   * commit to enter the full-text index, all at once. 0 = none waiting,
   * else the smallest waiting id (ids only grow inside a transaction). */
  gboolean    in_batch;
  gint64      fts_pending_from;
};

/* Indexes the batch's waiting rows now. Needed before a row's text changes
 * inside the batch: the update trigger takes the old text out of the
 * index, which must then be in it. */
gboolean koi_store_fts_flush (KoiStore  *store,
                              GError   **error);

/* A message row was inserted: index its text now, or at the batch's commit. */
gboolean koi_store_fts_add (KoiStore    *store,
                            gint64       id,
                            const char  *text,
                            GError     **error);

/* The migration scripts: koi_store_migrations[N - 1] takes user_version
 * N - 1 to N. Exactly KOI_STORE_SCHEMA_VERSION entries. */
extern const char * const koi_store_migrations[];

/* Returns the cached statement for @sql, reset and with cleared bindings,
 * preparing it on first use. Release it with g_autoptr(sqlite3_stmt) (or
 * koi_store_stmt_release) so no read snapshot stays open. */
sqlite3_stmt *koi_store_prepare        (KoiStore      *self,
                                        const char    *sql,
                                        GError       **error);
void          koi_store_stmt_release   (sqlite3_stmt  *stmt);

/* Sets @error from the connection's last error: "@what: SQLite's message". */
void          koi_store_set_error      (KoiStore      *self,
                                        GError       **error,
                                        int            rc,
                                        const char    *what);

/* Steps a statement that returns no rows (or whose rows are not needed). */
gboolean      koi_store_step_done      (KoiStore      *self,
                                        sqlite3_stmt  *stmt,
                                        const char    *what,
                                        GError       **error);

/* Makes one item (a KoiStoreChat, a KoiStoreContact...) of @stmt's row. */
typedef gpointer (*KoiStoreRowFunc) (sqlite3_stmt *stmt);

/* Steps a query to its end: one item a row, in an array that frees them
 * with @free_func; NULL with @error set ("@what: ...") on failure. */
GPtrArray    *koi_store_step_rows      (KoiStore         *self,
                                        sqlite3_stmt     *stmt,
                                        KoiStoreRowFunc   from_row,
                                        GDestroyNotify    free_func,
                                        const char       *what,
                                        GError          **error);
/* Steps a query once: the item of its first row, or NULL, with @error
 * set only when it failed (no row is not an error). */
gpointer      koi_store_step_row       (KoiStore         *self,
                                        sqlite3_stmt     *stmt,
                                        KoiStoreRowFunc   from_row,
                                        const char       *what,
                                        GError          **error);

/* Steps an INSERT/UPDATE ... RETURNING id to completion (so the change is
 * final when this returns) and gives the id; 0 = no row came back (e.g. ON
 * CONFLICT DO NOTHING), -1 = error. */
gint64        koi_store_step_returning_id (KoiStore     *self,
                                           sqlite3_stmt *stmt,
                                           const char   *what,
                                           GError      **error);

/* Runs SQL without caching (transactions, pragmas, migrations). */
gboolean      koi_store_exec           (KoiStore      *self,
                                        const char    *sql,
                                        GError       **error);

/* An atomic unit inside a store call: a write transaction of its own when
 * the caller has none, else a savepoint inside the caller's. */
typedef struct {
  gboolean own_transaction;
} KoiStoreAtomic;

gboolean      koi_store_atomic_begin   (KoiStore       *self,
                                        KoiStoreAtomic *atomic,
                                        GError        **error);
/* Commits when @ok, else undoes the unit. Returns @ok && the commit worked. */
gboolean      koi_store_atomic_end     (KoiStore       *self,
                                        KoiStoreAtomic *atomic,
                                        gboolean        ok,
                                        GError        **error);

/* Bind helpers: NULL / 0 become SQL NULL where the column allows it. */
void          koi_store_bind_text      (sqlite3_stmt  *stmt,
                                        int            index,
                                        const char    *text);
void          koi_store_bind_id        (sqlite3_stmt  *stmt,
                                        int            index,
                                        gint64         id);
char         *koi_store_column_dup     (sqlite3_stmt  *stmt,
                                        int            column);

gint64        koi_store_now_ms         (void);

/* Shared between files: the message/contact rows and helpers. */
gint64        koi_store_message_insert_row (KoiStore               *self,
                                            const KoiStoreMessage  *message,
                                            gboolean               *out_inserted,
                                            GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, koi_store_stmt_release)

G_END_DECLS
