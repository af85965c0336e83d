/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store-reader"

#include "config.h"

#include "koi-store-group.h"
#include "koi-store-reader.h"

/*
 * One worker thread, one connection, one FIFO queue.
 *
 * The thread never holds a reference to a GTask when the job ends: it hands
 * the finished job to the task's own main context in an idle source, and
 * the task is returned and dropped there. That way the last reference to a
 * task (and through it to the reader, its source object) is always dropped
 * on the main thread, and the reader's finalize, which joins the thread, can
 * never run on the thread it joins.
 */

typedef struct
{
  GTask              *task;
  KoiStoreReaderFunc  func;
  gpointer            data;
  GDestroyNotify      data_free;
  GDestroyNotify      result_free;
  gpointer            result;
  GError             *error;
  gboolean            barrier;
} Job;

/* Pushed by finalize: the thread closes the store and exits. */
static Job quit_job;

struct _KoiStoreReader
{
  GObject       parent_instance;

  char         *path;
  GAsyncQueue  *queue;     /* of Job* */
  GThread      *thread;    /* started with the first job */
  guint64       n_queued;
};

G_DEFINE_FINAL_TYPE (KoiStoreReader, koi_store_reader, G_TYPE_OBJECT)

static void
job_free (Job *job)
{
  if (job->data_free != NULL && job->data != NULL)
    job->data_free (job->data);
  if (job->result_free != NULL && job->result != NULL)
    job->result_free (job->result);
  g_clear_error (&job->error);
  g_clear_object (&job->task);
  g_free (job);
}

static gboolean
job_complete_in_context (gpointer user_data)
{
  Job *job = user_data;

  if (job->error != NULL)
    g_task_return_error (job->task, g_steal_pointer (&job->error));
  else
    g_task_return_pointer (job->task, g_steal_pointer (&job->result), job->result_free);

  job_free (job);
  return G_SOURCE_REMOVE;
}

static void
attach_in_context (Job         *job,
                   GSourceFunc  func)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, g_task_get_priority (job->task));
  g_source_set_static_name (source, "[koi] store reader result");
  g_source_set_callback (source, func, job, NULL);
  g_source_attach (source, g_task_get_context (job->task));
}

/* GTask runs the callback of a task whose cancellable was cancelled one
 * idle later than the others. A barrier takes the same extra step, so its
 * callback still comes after those of every job before it. */
static gboolean
barrier_hop_in_context (gpointer user_data)
{
  attach_in_context (user_data, job_complete_in_context);
  return G_SOURCE_REMOVE;
}

static gpointer
reader_thread (gpointer user_data)
{
  /* The thread owns its reference to the queue and a copy of the path, not
   * the reader. */
  GAsyncQueue *queue = user_data;
  g_autofree char *path = g_strdup (g_async_queue_pop (queue));
  KoiStore *store = NULL;

  for (;;)
    {
      Job *job = g_async_queue_pop (queue);
      GCancellable *cancellable;

      if (job == &quit_job)
        break;

      cancellable = g_task_get_cancellable (job->task);

      if (g_cancellable_set_error_if_cancelled (cancellable, &job->error))
        ;
      else if (store == NULL && (store = koi_store_open (path, &job->error)) == NULL)
        /* Tried again with the next job: the file may appear later. */
        g_prefix_error (&job->error, "Cannot read the message store: ");
      else
        {
          job->result = job->func (store, job->data, cancellable, &job->error);
          if (job->result == NULL && job->error == NULL)
            g_set_error_literal (&job->error, G_IO_ERROR, G_IO_ERROR_FAILED,
                                 "The store query returned nothing (a bug in Koi)");
        }

      attach_in_context (job, job->barrier ? barrier_hop_in_context : job_complete_in_context);
    }

  koi_store_close (store);
  g_async_queue_unref (queue);
  return NULL;
}

KoiStoreReader *
koi_store_reader_new (const char *store_path)
{
  KoiStoreReader *self;

  g_return_val_if_fail (store_path != NULL, NULL);

  self = g_object_new (KOI_TYPE_STORE_READER, NULL);
  self->path = g_strdup (store_path);
  return self;
}

const char *
koi_store_reader_get_path (KoiStoreReader *self)
{
  g_return_val_if_fail (KOI_IS_STORE_READER (self), NULL);

  return self->path;
}

static void
queue_job (KoiStoreReader      *self,
           gboolean             barrier,
           KoiStoreReaderFunc   func,
           gpointer             data,
           GDestroyNotify       data_free,
           GDestroyNotify       result_free,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  Job *job;

  job = g_new0 (Job, 1);
  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, koi_store_reader_run_async);
  job->barrier = barrier;
  job->func = func;
  job->data = data;
  job->data_free = data_free;
  job->result_free = result_free;

  if (self->thread == NULL)
    {
      /* The first item the thread pops is its store path. */
      g_async_queue_push (self->queue, self->path);
      self->thread = g_thread_new ("koi-store-reader", reader_thread,
                                   g_async_queue_ref (self->queue));
    }

  self->n_queued++;
  g_async_queue_push (self->queue, job);
}

void
koi_store_reader_run_async (KoiStoreReader      *self,
                            KoiStoreReaderFunc   func,
                            gpointer             data,
                            GDestroyNotify       data_free,
                            GDestroyNotify       result_free,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (KOI_IS_STORE_READER (self));
  g_return_if_fail (func != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  queue_job (self, FALSE, func, data, data_free, result_free, cancellable, callback, user_data);
}

gpointer
koi_store_reader_run_finish (KoiStoreReader  *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  g_return_val_if_fail (KOI_IS_STORE_READER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
koi_store_reader_finalize (GObject *object)
{
  KoiStoreReader *self = KOI_STORE_READER (object);

  /* Every queued job holds a task that holds the reader, so the queue is
   * empty here and the thread is idle in pop(). */
  if (self->thread != NULL)
    {
      g_async_queue_push (self->queue, &quit_job);
      g_thread_join (g_steal_pointer (&self->thread));
    }

  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (koi_store_reader_parent_class)->finalize (object);
}

static void
koi_store_reader_class_init (KoiStoreReaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = koi_store_reader_finalize;
}

static void
koi_store_reader_init (KoiStoreReader *self)
{
  self->queue = g_async_queue_new ();
}

static gpointer
barrier_func (KoiStore      *store,
              gpointer       data,
              GCancellable  *cancellable,
              GError       **error)
{
  return GINT_TO_POINTER (1);
}

void
koi_store_reader_barrier_async (KoiStoreReader      *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (KOI_IS_STORE_READER (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  /* The queue is FIFO, and each result comes back as an idle source on
   * the caller's context, dispatched in the order attached. */
  queue_job (self, TRUE, barrier_func, NULL, NULL, NULL, cancellable, callback, user_data);
}

gboolean
koi_store_reader_barrier_finish (KoiStoreReader  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  return koi_store_reader_run_finish (self, result, error) != NULL;
}

guint64
koi_store_reader_get_n_queued (KoiStoreReader *self)
{
  g_return_val_if_fail (KOI_IS_STORE_READER (self), 0);

  return self->n_queued;
}

/* ------------------------------------------------------------------ */
/* Typed helpers */

typedef struct
{
  gint64  id;
  guint   offset;
  guint   limit;
  char   *address;
  gint64  chat_id;
  char   *text;
} Args;

static void
args_free (Args *args)
{
  g_free (args->address);
  g_free (args->text);
  g_free (args);
}

static Args *
args_new (gint64 id)
{
  Args *args = g_new0 (Args, 1);

  args->id = id;
  return args;
}

/* Results that are plain numbers travel boxed. */
static gpointer
box_int64 (gint64 value)
{
  return g_memdup2 (&value, sizeof value);
}

static void
run (KoiStoreReader      *self,
     KoiStoreReaderFunc   func,
     Args                *args,
     GDestroyNotify       result_free,
     GCancellable        *cancellable,
     GAsyncReadyCallback  callback,
     gpointer             user_data)
{
  koi_store_reader_run_async (self, func, args, (GDestroyNotify) args_free,
                              result_free, cancellable, callback, user_data);
}

static gpointer
list_accounts_func (KoiStore      *store,
                    gpointer       data,
                    GCancellable  *cancellable,
                    GError       **error)
{
  return koi_store_account_list (store, error);
}

void
koi_store_reader_list_accounts_async (KoiStoreReader      *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  run (self, list_accounts_func, args_new (0), (GDestroyNotify) g_ptr_array_unref,
       cancellable, callback, user_data);
}

GPtrArray *
koi_store_reader_list_accounts_finish (KoiStoreReader  *self,
                                       GAsyncResult    *result,
                                       GError         **error)
{
  return koi_store_reader_run_finish (self, result, error);
}

static gpointer
get_account_func (KoiStore      *store,
                  gpointer       data,
                  GCancellable  *cancellable,
                  GError       **error)
{
  Args *args = data;

  return koi_store_account_get (store, args->id, error);
}

void
koi_store_reader_get_account_async (KoiStoreReader      *self,
                                    gint64               account_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  run (self, get_account_func, args_new (account_id), (GDestroyNotify) koi_store_account_free,
       cancellable, callback, user_data);
}

KoiStoreAccount *
koi_store_reader_get_account_finish (KoiStoreReader  *self,
                                     GAsyncResult    *result,
                                     GError         **error)
{
  return koi_store_reader_run_finish (self, result, error);
}

static gpointer
list_chats_func (KoiStore      *store,
                 gpointer       data,
                 GCancellable  *cancellable,
                 GError       **error)
{
  Args *args = data;

  return koi_store_chat_list (store, args->id, error);
}

void
koi_store_reader_list_chats_async (KoiStoreReader      *self,
                                   gint64               account_id,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  run (self, list_chats_func, args_new (account_id), (GDestroyNotify) g_ptr_array_unref,
       cancellable, callback, user_data);
}

GPtrArray *
koi_store_reader_list_chats_finish (KoiStoreReader  *self,
                                    GAsyncResult    *result,
                                    GError         **error)
{
  return koi_store_reader_run_finish (self, result, error);
}

static gpointer
list_group_members_func (KoiStore      *store,
                         gpointer       data,
                         GCancellable  *cancellable,
                         GError       **error)
{
  Args *args = data;

  return koi_store_group_list_members (store, args->id, FALSE, error);
}

void
koi_store_reader_list_group_members_async (KoiStoreReader      *self,
                                           gint64               chat_id,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  run (self, list_group_members_func, args_new (chat_id), (GDestroyNotify) g_ptr_array_unref,
       cancellable, callback, user_data);
}

GPtrArray *
koi_store_reader_list_group_members_finish (KoiStoreReader  *self,
                                            GAsyncResult    *result,
                                            GError         **error)
{
  return koi_store_reader_run_finish (self, result, error);
}


static gpointer
count_messages_func (KoiStore      *store,
                     gpointer       data,
                     GCancellable  *cancellable,
                     GError       **error)
{
  Args *args = data;
  GError *local_error = NULL;
  guint count;

  count = koi_store_message_count (store, args->id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return box_int64 (count);
}

void
koi_store_reader_count_messages_async (KoiStoreReader      *self,
                                       gint64               chat_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  run (self, count_messages_func, args_new (chat_id), g_free, cancellable, callback, user_data);
}

gboolean
koi_store_reader_count_messages_finish (KoiStoreReader  *self,
                                        GAsyncResult    *result,
                                        guint           *out_count,
                                        GError         **error)
{
  g_autofree gint64 *boxed = koi_store_reader_run_finish (self, result, error);

  if (out_count != NULL)
    *out_count = boxed != NULL ? (guint) *boxed : 0;
  return boxed != NULL;
}

static gpointer
message_page_func (KoiStore      *store,
                   gpointer       data,
                   GCancellable  *cancellable,
                   GError       **error)
{
  Args *args = data;

  return koi_store_message_page (store, args->id, args->offset, args->limit, error);
}

void
koi_store_reader_message_page_async (KoiStoreReader      *self,
                                     gint64               chat_id,
                                     guint                offset,
                                     guint                limit,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  Args *args = args_new (chat_id);

  args->offset = offset;
  args->limit = limit;
  run (self, message_page_func, args, (GDestroyNotify) g_ptr_array_unref,
       cancellable, callback, user_data);
}

GPtrArray *
koi_store_reader_message_page_finish (KoiStoreReader  *self,
                                      GAsyncResult    *result,
                                      GError         **error)
{
  return koi_store_reader_run_finish (self, result, error);
}

static gpointer
get_message_func (KoiStore      *store,
                  gpointer       data,
                  GCancellable  *cancellable,
                  GError       **error)
{
  Args *args = data;

  return koi_store_message_get (store, args->id, error);
}

void
koi_store_reader_get_message_async (KoiStoreReader      *self,
                                    gint64               message_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  run (self, get_message_func, args_new (message_id), (GDestroyNotify) koi_store_message_free,
       cancellable, callback, user_data);
}

KoiStoreMessage *
koi_store_reader_get_message_finish (KoiStoreReader  *self,
                                     GAsyncResult    *result,
                                     GError         **error)
{
  return koi_store_reader_run_finish (self, result, error);
}

static gpointer
search_messages_func (KoiStore      *store,
                      gpointer       data,
                      GCancellable  *cancellable,
                      GError       **error)
{
  Args *args = data;

  return koi_store_message_search_chat (store, args->id, args->chat_id, args->text, args->limit,
                                        error);
}

void
koi_store_reader_search_messages_async (KoiStoreReader      *self,
                                        gint64               account_id,
                                        gint64               chat_id,
                                        const char          *query,
                                        guint                limit,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  Args *args = args_new (account_id);

  args->chat_id = chat_id;
  args->text = g_strdup (query);
  args->limit = limit;
  run (self, search_messages_func, args, (GDestroyNotify) g_ptr_array_unref,
       cancellable, callback, user_data);
}

GPtrArray *
koi_store_reader_search_messages_finish (KoiStoreReader  *self,
                                         GAsyncResult    *result,
                                         GError         **error)
{
  return koi_store_reader_run_finish (self, result, error);
}
