/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-attachment-sender"

#include "config.h"

#include <glib/gi18n.h>

#include <glib/gstdio.h>

#include "koi-attachment-sender.h"
#include "koi-image-file.h"
#include "koi-pending-file.h"

typedef struct {
  KoiAccount *account;
  gint64      chat_id;
  char       *caption;
  GPtrArray  *files;    /* KoiPendingFile */
  gboolean    original;
  /* Filled by the worker: the path to send for each file, and the folder
   * of the prepared images (removed at the end). */
  GPtrArray  *paths;
  char       *dir;
  guint       next;
  gint64      reply_to;   /* the first file answers it; 0: none */
} SendJob;

static void
send_job_free (SendJob *job)
{
  /* The prepared copies are the engine's now; these are leftovers. */
  for (guint i = 0; job->paths != NULL && i < job->paths->len; i++)
    {
      const char *path = g_ptr_array_index (job->paths, i);

      if (job->dir != NULL && g_str_has_prefix (path, job->dir))
        g_unlink (path);
    }
  if (job->dir != NULL)
    g_rmdir (job->dir);
  for (guint i = 0; i < job->files->len; i++)
    koi_pending_file_discard (g_ptr_array_index (job->files, i));
  g_clear_object (&job->account);
  g_free (job->caption);
  g_ptr_array_unref (job->files);
  g_clear_pointer (&job->paths, g_ptr_array_unref);
  g_free (job->dir);
  g_free (job);
}

static void
prepare_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  SendJob *job = task_data;
  g_autoptr (GError) error = NULL;

  job->paths = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < job->files->len; i++)
    {
      KoiPendingFile *file = g_ptr_array_index (job->files, i);
      g_autofree char *path = g_file_get_path (koi_pending_file_get_file (file));
      char *prepared = NULL;

      if (path == NULL)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                   _("“%s” is not a file on this computer"), koi_pending_file_get_name (file));
          return;
        }
      if (!job->original && koi_pending_file_is_image (file))
        {
          if (job->dir == NULL)
            job->dir = g_dir_make_tmp ("koi-send-XXXXXX", &error);
          if (job->dir == NULL)
            {
              g_task_return_error (task, g_steal_pointer (&error));
              return;
            }
          prepared = koi_image_file_prepare_to_send (path, koi_pending_file_get_name (file),
                                                     job->dir, &error);
          /* An image that does not decode goes as it is, like any file. */
          if (prepared == NULL && error != NULL)
            {
              g_debug ("Sending %s unchanged: %s", path, error->message);
              g_clear_error (&error);
            }
        }
      g_ptr_array_add (job->paths, prepared != NULL ? prepared : g_steal_pointer (&path));
    }
  g_task_return_boolean (task, TRUE);
}

static void send_next (GTask *task);

static void
file_queued (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;

  if (koi_account_send_text_finish (KOI_ACCOUNT (source), result, &error) == 0)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  send_next (g_steal_pointer (&task));
}

/* One after another: the engine queues them in this order, so the chat
 * shows them in the order they were attached. */
static void
send_next (GTask *task)
{
  SendJob *job = g_task_get_task_data (task);
  guint i = job->next++;

  if (i >= job->paths->len)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  koi_account_send_file_async (job->account, job->chat_id, g_ptr_array_index (job->paths, i),
                               i == 0 && *job->caption != '\0' ? job->caption : NULL,
                               i == 0 ? job->reply_to : 0,
                               g_task_get_cancellable (task), file_queued, task);
}

static void
prepared (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  send_next (task);
}

void
koi_attachment_sender_send_async (KoiAccount          *account,
                                  gint64               chat_id,
                                  const char          *caption,
                                  gint64               reply_to,
                                  GListModel          *files,
                                  gboolean             original,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;
  g_autoptr (GTask) worker = NULL;
  SendJob *job;
  guint n;

  g_return_if_fail (KOI_IS_ACCOUNT (account));
  g_return_if_fail (G_IS_LIST_MODEL (files));

  job = g_new0 (SendJob, 1);
  job->account = g_object_ref (account);
  job->chat_id = chat_id;
  job->reply_to = reply_to;
  job->caption = g_strdup (caption != NULL ? caption : "");
  job->original = original;
  job->files = g_ptr_array_new_with_free_func (g_object_unref);
  n = g_list_model_get_n_items (files);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (job->files, g_list_model_get_item (files, i));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_attachment_sender_send_async);
  g_task_set_task_data (task, job, (GDestroyNotify) send_job_free);

  /* The worker writes job->paths and job->dir; the main thread reads
   * them only after it returned. */
  worker = g_task_new (NULL, cancellable, prepared, task);
  g_task_set_task_data (worker, job, NULL);
  g_task_run_in_thread (worker, prepare_thread);
}

gboolean
koi_attachment_sender_send_finish (GAsyncResult  *result,
                                   GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
