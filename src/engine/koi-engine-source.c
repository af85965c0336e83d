/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-engine-source"

#include "config.h"

#include "koi-engine.h"
#include "koi-syncer.h"

/*
 * "Show Source": the raw mail as the server holds it. It runs on a thread
 * of its own with its own IMAP connection and store connection, not on
 * the worker (which sits in IDLE) nor on the command thread (a multi-MB
 * fetch would hold up every send and mark-read queued behind it). It only
 * reads the store: the message's known locations.
 */

typedef struct {
  char             *store_path;
  KoiAccountConfig *account;
  gint64            message_ref;
} SourceJob;

static void
source_job_free (gpointer data)
{
  SourceJob *job = data;

  g_free (job->store_path);
  koi_account_config_free (job->account);
  g_free (job);
}

static void
fetch_source_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  SourceJob *job = task_data;
  g_autoptr (KoiStore) store = NULL;
  g_autoptr (KoiSyncer) syncer = NULL;
  g_autoptr (GBytes) bytes = NULL;
  GError *error = NULL;

  store = koi_store_open (job->store_path, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  syncer = koi_syncer_new (store, job->account, NULL, NULL);
  if (koi_syncer_connect (syncer, cancellable, &error))
    bytes = koi_syncer_fetch_source (syncer, job->message_ref, cancellable, &error);
  koi_syncer_disconnect (syncer);

  if (bytes == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
}

void
koi_engine_fetch_source_async (KoiEngine           *self,
                               gint64               message_ref,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  SourceJob *job;

  g_return_if_fail (KOI_IS_ENGINE (self));

  job = g_new0 (SourceJob, 1);
  job->store_path = g_strdup (koi_engine_get_store_path (self));
  job->account = koi_account_config_copy (koi_engine_get_account_config (self));
  job->message_ref = message_ref;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_engine_fetch_source_async);
  g_task_set_task_data (task, job, source_job_free);
  g_task_run_in_thread (task, fetch_source_thread);
}

GBytes *
koi_engine_fetch_source_finish (KoiEngine     *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
