/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-session-remove"

#include "config.h"

#include "koi-account-remove.h"
#include "koi-session.h"

/* Removing an account, for the window: its engine stops first (nothing may
 * write its rows while they go), then koi_account_remove_async() deletes
 * its local data on a thread, then it leaves the accounts list. */

static void
removed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KoiSession *self = g_task_get_source_object (task);
  KoiAccount *account = g_task_get_task_data (task);
  GListStore *accounts = G_LIST_STORE (koi_session_get_accounts (self));
  GError *error = NULL;
  guint position;

  if (!koi_account_remove_finish (result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_list_store_find (accounts, account, &position))
    g_list_store_remove (accounts, position);
  g_task_return_boolean (task, TRUE);
}

static void
remove_data (GTask *task)
{
  KoiSession *self = g_task_get_source_object (task);
  KoiAccount *account = g_task_get_task_data (task);

  koi_account_remove_async (koi_session_get_profile_dir (self), koi_account_get_id (account),
                            g_task_get_cancellable (task), removed_cb, task);
}

static void
on_engine_stopped (KoiEngine *engine,
                   GTask     *task)
{
  g_signal_handlers_disconnect_by_func (engine, on_engine_stopped, task);
  g_object_unref (engine);
  remove_data (task);
}

void
koi_session_remove_account_async (KoiSession          *self,
                                  KoiAccount          *account,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;
  KoiEngine *engine;

  g_return_if_fail (KOI_IS_SESSION (self));
  g_return_if_fail (KOI_IS_ACCOUNT (account));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_session_remove_account_async);
  g_task_set_task_data (task, g_object_ref (account), g_object_unref);

  engine = koi_account_get_engine (account);
  if (engine != NULL && koi_engine_is_running (engine))
    {
      /* The engine object outlives the account's hold on it until it
       * says it stopped. */
      g_signal_connect (g_object_ref (engine), "stopped", G_CALLBACK (on_engine_stopped), task);
      koi_engine_stop (engine);
      koi_account_set_engine (account, NULL);
      return;
    }
  if (engine != NULL)
    koi_account_set_engine (account, NULL);
  remove_data (task);
}

gboolean
koi_session_remove_account_finish (KoiSession    *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
