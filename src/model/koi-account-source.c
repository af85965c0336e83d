/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-account-source"

#include "config.h"

#include "koi-account.h"

/* "Show Source", forwarded to the account's engine (which connects on a
 * thread of its own for it). */

static void
source_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  GBytes *bytes = koi_engine_fetch_source_finish (KOI_ENGINE (source), result, &error);

  if (bytes == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

void
koi_account_fetch_source_async (KoiAccount          *self,
                                gint64               message_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  KoiEngine *engine;

  g_return_if_fail (KOI_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_account_fetch_source_async);
  engine = koi_account_get_engine (self);
  if (engine == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               "The account %s is not connected", koi_account_get_address (self));
      return;
    }
  koi_engine_fetch_source_async (engine, message_id, cancellable, source_cb, g_steal_pointer (&task));
}

GBytes *
koi_account_fetch_source_finish (KoiAccount    *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
