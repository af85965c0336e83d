/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-avatar-file"

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "koi-avatar-file.h"

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autoptr (GFileInputStream) stream = NULL;
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  g_autoptr (GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  /* Through GIO, so a file from the portal (document URI) reads too. */
  stream = g_file_read (file, cancellable, &error);
  if (stream != NULL)
    pixbuf = gdk_pixbuf_new_from_stream_at_scale (G_INPUT_STREAM (stream), KOI_AVATAR_FILE_PX,
                                                  KOI_AVATAR_FILE_PX, TRUE, cancellable, &error);
  if (pixbuf == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (gdk_pixbuf_get_has_alpha (pixbuf))
    {
      /* JPEG has no alpha: flatten onto white. */
      g_autoptr (GdkPixbuf) flat = gdk_pixbuf_composite_color_simple (pixbuf, gdk_pixbuf_get_width (pixbuf),
                                                                      gdk_pixbuf_get_height (pixbuf),
                                                                      GDK_INTERP_BILINEAR, 255, 8,
                                                                      0xffffff, 0xffffff);
      g_set_object (&pixbuf, flat);
    }
  if (!gdk_pixbuf_save_to_buffer (pixbuf, &data, &len, "jpeg", &error, "quality", "85", NULL))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_bytes_new_take (data, len), (GDestroyNotify) g_bytes_unref);
}

void
koi_avatar_file_load_async (GFile               *file,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, koi_avatar_file_load_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, load_thread);
}

GBytes *
koi_avatar_file_load_finish (GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
