/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-pending-file"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include <glib/gi18n.h>

#include "koi-image-file.h"
#include "koi-pending-file.h"

/* The chip's picture: small, but sharp on a 2x screen. */
#define CHIP_THUMB_SIDE 96

struct _KoiPendingFile
{
  GObject     parent_instance;

  GFile      *file;
  gboolean    temporary;
  char       *name;
  char       *mime_type;
  guint64     size;
  GdkTexture *thumbnail;
};

G_DEFINE_FINAL_TYPE (KoiPendingFile, koi_pending_file, G_TYPE_OBJECT)

KoiPendingFile *
koi_pending_file_new (GFile    *file,
                      gboolean  temporary)
{
  KoiPendingFile *self;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  self = g_object_new (KOI_TYPE_PENDING_FILE, NULL);
  self->file = g_object_ref (file);
  self->temporary = temporary;
  self->name = g_file_get_basename (file);
  return self;
}

typedef struct {
  char       *name;
  char       *mime_type;
  guint64     size;
  GdkTexture *thumbnail;
} LoadResult;

static void
load_result_free (LoadResult *result)
{
  g_free (result->name);
  g_free (result->mime_type);
  g_clear_object (&result->thumbnail);
  g_free (result);
}

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autoptr (GFileInfo) info = NULL;
  g_autoptr (GError) error = NULL;
  LoadResult *result;
  const char *content_type;

  info = g_file_query_info (file,
                            G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME ","
                            G_FILE_ATTRIBUTE_STANDARD_CONTENT_TYPE ","
                            G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                            G_FILE_ATTRIBUTE_STANDARD_TYPE,
                            G_FILE_QUERY_INFO_NONE, cancellable, &error);
  if (info == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY, _("it is a folder, not a file"));
      return;
    }

  result = g_new0 (LoadResult, 1);
  result->name = g_strdup (g_file_info_get_display_name (info));
  result->size = g_file_info_get_size (info);
  content_type = g_file_info_get_content_type (info);
  result->mime_type = content_type != NULL ? g_content_type_get_mime_type (content_type) : NULL;
  if (koi_image_file_is_image (result->mime_type))
    {
      g_autofree char *path = g_file_get_path (file);

      /* Not every file called .png is one: then it is sent as a file. */
      if (path != NULL)
        result->thumbnail = koi_image_file_load (path, CHIP_THUMB_SIDE, NULL);
    }
  g_task_return_pointer (task, result, (GDestroyNotify) load_result_free);
}

void
koi_pending_file_load_async (KoiPendingFile      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KOI_IS_PENDING_FILE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_pending_file_load_async);
  g_task_set_task_data (task, g_object_ref (self->file), g_object_unref);
  g_task_run_in_thread (task, load_thread);
}

gboolean
koi_pending_file_load_finish (KoiPendingFile  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  LoadResult *loaded;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  loaded = g_task_propagate_pointer (G_TASK (result), error);
  if (loaded == NULL)
    return FALSE;
  g_free (self->name);
  self->name = g_steal_pointer (&loaded->name);
  g_free (self->mime_type);
  self->mime_type = g_steal_pointer (&loaded->mime_type);
  self->size = loaded->size;
  g_set_object (&self->thumbnail, loaded->thumbnail);
  load_result_free (loaded);
  return TRUE;
}

GFile *
koi_pending_file_get_file (KoiPendingFile *self)
{
  g_return_val_if_fail (KOI_IS_PENDING_FILE (self), NULL);
  return self->file;
}

const char *
koi_pending_file_get_name (KoiPendingFile *self)
{
  g_return_val_if_fail (KOI_IS_PENDING_FILE (self), NULL);
  return self->name;
}

guint64
koi_pending_file_get_size (KoiPendingFile *self)
{
  g_return_val_if_fail (KOI_IS_PENDING_FILE (self), 0);
  return self->size;
}

const char *
koi_pending_file_get_mime_type (KoiPendingFile *self)
{
  g_return_val_if_fail (KOI_IS_PENDING_FILE (self), NULL);
  return self->mime_type;
}

gboolean
koi_pending_file_is_image (KoiPendingFile *self)
{
  g_return_val_if_fail (KOI_IS_PENDING_FILE (self), FALSE);
  return self->thumbnail != NULL;
}

gboolean
koi_pending_file_get_temporary (KoiPendingFile *self)
{
  g_return_val_if_fail (KOI_IS_PENDING_FILE (self), FALSE);
  return self->temporary;
}

GdkTexture *
koi_pending_file_get_thumbnail (KoiPendingFile *self)
{
  g_return_val_if_fail (KOI_IS_PENDING_FILE (self), NULL);
  return self->thumbnail;
}

/* A temporary file sits alone in a folder made for it (the paste's):
 * both go. */
static void
delete_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  const char *path = task_data;
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_unlink (path) != 0)
    g_debug ("Temporary file %s not deleted: %s", path, g_strerror (errno));
  /* Fails, as it should, when the folder holds anything else. */
  g_rmdir (dir);
  g_task_return_boolean (task, TRUE);
}

void
koi_pending_file_discard (KoiPendingFile *self)
{
  g_return_if_fail (KOI_IS_PENDING_FILE (self));

  if (self->temporary)
    {
      g_autoptr (GTask) task = g_task_new (NULL, NULL, NULL, NULL);

      g_task_set_task_data (task, g_file_get_path (self->file), g_free);
      g_task_run_in_thread (task, delete_thread);
    }
  self->temporary = FALSE;
}

static void
koi_pending_file_finalize (GObject *object)
{
  KoiPendingFile *self = KOI_PENDING_FILE (object);

  g_clear_object (&self->file);
  g_clear_object (&self->thumbnail);
  g_free (self->name);
  g_free (self->mime_type);

  G_OBJECT_CLASS (koi_pending_file_parent_class)->finalize (object);
}

static void
koi_pending_file_class_init (KoiPendingFileClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = koi_pending_file_finalize;
}

static void
koi_pending_file_init (KoiPendingFile *self)
{
}
