/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-session-repair"

#include "config.h"

#include "koi-session.h"
#include "koi-store-repair.h"

/* The repair of a damaged store, for the window: on a thread, since it
 * renames files and writes a new store. Only before the session loaded:
 * no engine or reader has the old file open then. */

static void
repair_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  const char *profile_dir = koi_session_get_profile_dir (KOI_SESSION (source_object));
  GError *error = NULL;
  guint n_accounts = 0;

  if (koi_store_repair (profile_dir, &n_accounts, &error))
    g_task_return_int (task, n_accounts);
  else
    g_task_return_error (task, error);
}

void
koi_session_repair_store_async (KoiSession          *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KOI_IS_SESSION (self));
  g_return_if_fail (!koi_session_get_loaded (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_session_repair_store_async);
  g_task_run_in_thread (task, repair_thread);
}

gint
koi_session_repair_store_finish (KoiSession    *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);

  return (gint) g_task_propagate_int (G_TASK (result), error);
}
