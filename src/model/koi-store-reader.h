/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-store.h"

G_BEGIN_DECLS

#define KOI_TYPE_STORE_READER (koi_store_reader_get_type ())
G_DECLARE_FINAL_TYPE (KoiStoreReader, koi_store_reader, KOI, STORE_READER, GObject)

/*
 * KoiStoreReader: the model's only way into the database. One worker thread
 * owns one KoiStore connection (opened on the first job, so a missing or
 * broken file is reported to that job's callback, never on the main thread)
 * and runs jobs one after another, in the order they were queued. Results
 * come back as GTasks on the GMainContext that was thread-default when the
 * job was queued.
 *
 * Mostly reads; the few small writes the UI asks for (ensure a 1:1 chat,
 * mark a chat read) also go through it, so the main thread never waits on
 * SQLite. A job whose cancellable is cancelled before it starts is not run.
 *
 * Create, use and drop it on the main thread.
 */

/* Runs on the reader thread. Returns the result (owned by the GTask, freed
 * with @result_free if nobody calls finish), or NULL and sets @error. A job
 * that legitimately returns "nothing" should return a non-NULL sentinel or
 * use the typed helpers below. */
typedef gpointer (*KoiStoreReaderFunc) (KoiStore      *store,
                                        gpointer       data,
                                        GCancellable  *cancellable,
                                        GError       **error);

KoiStoreReader *koi_store_reader_new                 (const char           *store_path);
const char     *koi_store_reader_get_path            (KoiStoreReader       *self);

/* @data_free frees @data after the job ran (on the main context).
 * @result_free frees a result that was never taken with finish. */
void            koi_store_reader_run_async           (KoiStoreReader       *self,
                                                      KoiStoreReaderFunc    func,
                                                      gpointer              data,
                                                      GDestroyNotify        data_free,
                                                      GDestroyNotify        result_free,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
/* Transfer full: the func's result. */
gpointer        koi_store_reader_run_finish          (KoiStoreReader       *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* A job that does nothing: its callback runs on the caller's context after
 * the callbacks of every job queued before it (jobs run in order, and
 * their results come back in order). Where a test needs "everything asked
 * so far has landed", this says so without guessing a time. */
void            koi_store_reader_barrier_async       (KoiStoreReader       *self,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
gboolean        koi_store_reader_barrier_finish      (KoiStoreReader       *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);
/* Jobs queued so far, barriers included: a callback that queued more work
 * shows as a count that grew. */
guint64         koi_store_reader_get_n_queued        (KoiStoreReader       *self);

/* Typed helpers. Arrays carry their free func. */

/* KoiStoreAccount*, oldest first. */
void            koi_store_reader_list_accounts_async (KoiStoreReader       *self,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GPtrArray      *koi_store_reader_list_accounts_finish (KoiStoreReader      *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

void            koi_store_reader_get_account_async   (KoiStoreReader       *self,
                                                      gint64                account_id,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
KoiStoreAccount *koi_store_reader_get_account_finish (KoiStoreReader       *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* KoiStoreChat*, newest activity first. */
void            koi_store_reader_list_chats_async    (KoiStoreReader       *self,
                                                      gint64                account_id,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GPtrArray      *koi_store_reader_list_chats_finish   (KoiStoreReader       *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* A group's current members (KoiStoreGroupMember*, see koi-store-group.h). */
void            koi_store_reader_list_group_members_async  (KoiStoreReader       *self,
                                                            gint64                chat_id,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
GPtrArray      *koi_store_reader_list_group_members_finish (KoiStoreReader       *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);


/* Number of messages in the chat. */
void            koi_store_reader_count_messages_async (KoiStoreReader      *self,
                                                       gint64               chat_id,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean        koi_store_reader_count_messages_finish (KoiStoreReader     *self,
                                                        GAsyncResult       *result,
                                                        guint              *out_count,
                                                        GError            **error);

/* KoiStoreMessage*, oldest first, @offset .. @offset + @limit - 1. */
void            koi_store_reader_message_page_async  (KoiStoreReader       *self,
                                                      gint64                chat_id,
                                                      guint                 offset,
                                                      guint                 limit,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GPtrArray      *koi_store_reader_message_page_finish (KoiStoreReader       *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* One message by store id. */
void            koi_store_reader_get_message_async   (KoiStoreReader       *self,
                                                      gint64                message_id,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
KoiStoreMessage *koi_store_reader_get_message_finish (KoiStoreReader       *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* Full-text search (koi_store_message_search_chat): KoiStoreMessage*,
 * newest stored first, at most @limit; @chat_id 0 = every chat. A search
 * typed letter by letter queues one job per letter: cancel the previous
 * one, and a job that has not started yet is skipped. */
void            koi_store_reader_search_messages_async  (KoiStoreReader      *self,
                                                         gint64               account_id,
                                                         gint64               chat_id,
                                                         const char          *query,
                                                         guint                limit,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
GPtrArray      *koi_store_reader_search_messages_finish (KoiStoreReader      *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

G_END_DECLS
