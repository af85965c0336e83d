/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-engine-keyxfer"

#include "koi-engine.h"
#include "koi-pgp-setup.h"
#include "koi-store-keyxfer.h"
#include "koi-syncer.h"

/*
 * Moving the own key between devices (koi-syncer-keyxfer.c does the
 * work). Each call runs on a thread of its own with its own connections,
 * as "Show Source" does (koi-engine-source.c): key derivation from the
 * setup code takes a noticeable moment, and neither the worker in IDLE
 * nor the command queue should wait for it. None of them writes the
 * store; the import writes the key file, and the engine's next sync pass
 * (koi_engine_sync_soon) reads the mail the new key opens.
 */

typedef struct {
  char             *store_path;
  KoiAccountConfig *account;
  gint64            message_ref;
  char             *code;
} KeyJob;

static void
key_job_free (gpointer data)
{
  KeyJob *job = data;

  g_free (job->store_path);
  koi_account_config_free (job->account);
  koi_pgp_setup_code_free (job->code);
  g_free (job);
}

static KeyJob *
key_job_new (KoiEngine *engine)
{
  KeyJob *job = g_new0 (KeyJob, 1);

  job->store_path = g_strdup (koi_engine_get_store_path (engine));
  job->account = koi_account_config_copy (koi_engine_get_account_config (engine));
  return job;
}

/* Opens the store and, if @connect, the server. */
static KoiSyncer *
open_syncer (KeyJob        *job,
             KoiStore     **out_store,
             gboolean       connect,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr (KoiStore) store = koi_store_open (job->store_path, error);
  KoiSyncer *syncer;

  if (store == NULL)
    return NULL;
  syncer = koi_syncer_new (store, job->account, NULL, NULL);
  if (connect && !koi_syncer_connect (syncer, cancellable, error))
    {
      koi_syncer_free (syncer);
      return NULL;
    }
  *out_store = g_steal_pointer (&store);
  return syncer;
}

static void
transfer_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  KeyJob *job = task_data;
  g_autoptr (KoiStore) store = NULL;
  KoiSyncer *syncer;
  GError *error = NULL;
  char *code = NULL;

  syncer = open_syncer (job, &store, TRUE, cancellable, &error);
  if (syncer != NULL)
    {
      code = koi_syncer_send_setup_message (syncer, cancellable, &error);
      koi_syncer_disconnect (syncer);
      koi_syncer_free (syncer);
    }
  if (code == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, code, (GDestroyNotify) koi_pgp_setup_code_free);
}

void
koi_engine_transfer_key_async (KoiEngine           *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KOI_IS_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_engine_transfer_key_async);
  g_task_set_task_data (task, key_job_new (self), key_job_free);
  g_task_run_in_thread (task, transfer_thread);
}

char *
koi_engine_transfer_key_finish (KoiEngine     *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
find_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  KeyJob *job = task_data;
  g_autoptr (KoiStore) store = koi_store_open (job->store_path, NULL);
  GError *error = NULL;
  gint64 ref = 0;

  if (store == NULL)
    {
      g_task_return_int (task, 0);
      return;
    }
  ref = koi_store_setup_message_latest (store, job->account->id, job->account->address, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (ref != 0 && !koi_syncer_needs_setup_code (store, job->account->id, job->account->address))
    ref = 0;
  g_task_return_int (task, ref);
}

void
koi_engine_find_setup_async (KoiEngine           *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KOI_IS_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_engine_find_setup_async);
  g_task_set_task_data (task, key_job_new (self), key_job_free);
  g_task_run_in_thread (task, find_thread);
}

gint64
koi_engine_find_setup_finish (KoiEngine     *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  return g_task_propagate_int (G_TASK (result), error);
}

static void
import_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  KeyJob *job = task_data;
  g_autoptr (KoiStore) store = NULL;
  g_autofree char *fingerprint = NULL;
  KoiSyncer *syncer;
  GError *error = NULL;

  syncer = open_syncer (job, &store, TRUE, cancellable, &error);
  if (syncer != NULL)
    {
      fingerprint = koi_syncer_import_setup_message (syncer, job->message_ref, job->code,
                                                     cancellable, &error);
      koi_syncer_disconnect (syncer);
      koi_syncer_free (syncer);
    }
  if (fingerprint == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
import_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) outer = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (outer, error);
      return;
    }
  /* The worker's syncer opens the new key (its generation changed) and
   * reparses what it could not read. */
  koi_engine_sync_soon (KOI_ENGINE (source));
  g_task_return_boolean (outer, TRUE);
}

void
koi_engine_import_setup_async (KoiEngine           *self,
                               gint64               message_ref,
                               const char          *code,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr (GTask) outer = NULL;
  g_autoptr (GTask) task = NULL;
  KeyJob *job;
  char *normal;

  g_return_if_fail (KOI_IS_ENGINE (self));
  g_return_if_fail (code != NULL);

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, koi_engine_import_setup_async);
  normal = koi_pgp_setup_code_normalize (code);
  if (normal == NULL)
    {
      g_task_return_new_error (outer, KOI_PGP_ERROR, KOI_PGP_ERROR_WRONG_PASSPHRASE,
                               "A setup code has 36 digits");
      return;
    }
  job = key_job_new (self);
  job->message_ref = message_ref;
  job->code = normal;
  task = g_task_new (self, cancellable, import_done, g_steal_pointer (&outer));
  g_task_set_task_data (task, job, key_job_free);
  g_task_run_in_thread (task, import_thread);
}

gboolean
koi_engine_import_setup_finish (KoiEngine     *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
