/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-compat"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-compat-files.h"

static GListModel *test_reply;

void
koi_compat_files_set_test_reply (GListModel *files)
{
  g_set_object (&test_reply, files);
}

/* The answer a test asked for, or FALSE: the real chooser is shown. */
static gboolean
answer_for_test (GTask    *task,
                 gboolean  many)
{
  if (test_reply == NULL)
    return FALSE;
  if (many)
    g_task_return_pointer (task, g_object_ref (test_reply), g_object_unref);
  else
    g_task_return_pointer (task, g_list_model_get_item (test_reply, 0), g_object_unref);
  return TRUE;
}

static GtkWindow *
parent_window (GtkWidget *parent)
{
  GtkRoot *root = parent != NULL ? gtk_widget_get_root (parent) : NULL;

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

#if GTK_CHECK_VERSION (4, 10, 0)
static void
return_dialog_result (GTask   *task,
                      gpointer result,
                      GError  *error)
{
  if (result != NULL)
    g_task_return_pointer (task, result, g_object_unref);
  else if (g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_DISMISSED) ||
           g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_CANCELLED))
    /* One error for "chose nothing" on both GTK versions. */
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", error->message);
  else
    g_task_return_error (task, g_error_copy (error));
}

static void
open_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  GFile *file = gtk_file_dialog_open_finish (GTK_FILE_DIALOG (source), result, &error);

  return_dialog_result (task, file, error);
}

static void
open_multiple_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  GListModel *files = gtk_file_dialog_open_multiple_finish (GTK_FILE_DIALOG (source), result, &error);

  return_dialog_result (task, files, error);
}

static void
save_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  GFile *file = gtk_file_dialog_save_finish (GTK_FILE_DIALOG (source), result, &error);

  return_dialog_result (task, file, error);
}

void
koi_compat_open_file (GtkWidget           *parent,
                      const char          *title,
                      GtkFileFilter       *filter,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr (GtkFileDialog) dialog = NULL;

  g_task_set_source_tag (task, koi_compat_open_file);
  if (answer_for_test (task, FALSE))
    return;
  dialog = gtk_file_dialog_new ();
  gtk_file_dialog_set_title (dialog, title);
  gtk_file_dialog_set_modal (dialog, TRUE);
  if (filter != NULL)
    {
      g_autoptr (GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);

      g_list_store_append (filters, filter);
      gtk_file_dialog_set_filters (dialog, G_LIST_MODEL (filters));
      gtk_file_dialog_set_default_filter (dialog, filter);
    }
  gtk_file_dialog_open (dialog, parent_window (parent), cancellable,
                        open_done, g_steal_pointer (&task));
}

void
koi_compat_open_files (GtkWidget           *parent,
                       const char          *title,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr (GtkFileDialog) dialog = NULL;

  g_task_set_source_tag (task, koi_compat_open_files);
  if (answer_for_test (task, TRUE))
    return;
  dialog = gtk_file_dialog_new ();
  gtk_file_dialog_set_title (dialog, title);
  gtk_file_dialog_set_modal (dialog, TRUE);
  gtk_file_dialog_open_multiple (dialog, parent_window (parent), cancellable,
                                 open_multiple_done, g_steal_pointer (&task));
}

void
koi_compat_save_file (GtkWidget           *parent,
                      const char          *title,
                      const char          *name,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr (GtkFileDialog) dialog = NULL;

  g_task_set_source_tag (task, koi_compat_save_file);
  if (answer_for_test (task, FALSE))
    return;
  dialog = gtk_file_dialog_new ();
  gtk_file_dialog_set_title (dialog, title);
  gtk_file_dialog_set_modal (dialog, TRUE);
  gtk_file_dialog_set_initial_name (dialog, name);
  gtk_file_dialog_save (dialog, parent_window (parent), cancellable,
                        save_done, g_steal_pointer (&task));
}
#else
static void
on_chooser_response (GtkNativeDialog *chooser,
                     int              response,
                     GTask           *task)
{
  g_autoptr (GTask) owned = task;
  GCancellable *cancellable = g_task_get_cancellable (task);
  gpointer result = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      if (gtk_file_chooser_get_select_multiple (GTK_FILE_CHOOSER (chooser)))
        result = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));
      else
        result = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
    }
  g_signal_handlers_disconnect_by_data (chooser, task);
  if (cancellable != NULL)
    g_signal_handlers_disconnect_by_data (cancellable, task);

  if (result != NULL)
    g_task_return_pointer (task, result, g_object_unref);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "No file was chosen");
}

/* A hidden native dialog sends no response: answer the task here. */
static void
chooser_cancelled (GCancellable *cancellable,
                   GTask        *task)
{
  GtkNativeDialog *chooser = g_task_get_task_data (task);

  gtk_native_dialog_hide (chooser);
  on_chooser_response (chooser, GTK_RESPONSE_CANCEL, task);
}

static void
show_chooser (GTask                *task,
              GtkFileChooserNative *chooser)
{
  GCancellable *cancellable = g_task_get_cancellable (task);

  /* The task owns the chooser; the task's own reference ends in the
   * response handler. */
  g_task_set_task_data (task, chooser, g_object_unref);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_chooser_response), task);
  if (cancellable != NULL)
    g_signal_connect (cancellable, "cancelled", G_CALLBACK (chooser_cancelled), task);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

void
koi_compat_open_file (GtkWidget           *parent,
                      const char          *title,
                      GtkFileFilter       *filter,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  GtkFileChooserNative *chooser;

  g_task_set_source_tag (task, koi_compat_open_file);
  if (answer_for_test (task, FALSE))
    {
      g_object_unref (task);
      return;
    }
  chooser = gtk_file_chooser_native_new (title, parent_window (parent), GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Choose"), _("_Cancel"));
  if (filter != NULL)
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  show_chooser (task, chooser);
}

void
koi_compat_open_files (GtkWidget           *parent,
                       const char          *title,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  GtkFileChooserNative *chooser;

  g_task_set_source_tag (task, koi_compat_open_files);
  if (answer_for_test (task, TRUE))
    {
      g_object_unref (task);
      return;
    }
  chooser = gtk_file_chooser_native_new (title, parent_window (parent), GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Choose"), _("_Cancel"));
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  show_chooser (task, chooser);
}

void
koi_compat_save_file (GtkWidget           *parent,
                      const char          *title,
                      const char          *name,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  GtkFileChooserNative *chooser;

  g_task_set_source_tag (task, koi_compat_save_file);
  if (answer_for_test (task, FALSE))
    {
      g_object_unref (task);
      return;
    }
  chooser = gtk_file_chooser_native_new (title, parent_window (parent), GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  show_chooser (task, chooser);
}
#endif

GFile *
koi_compat_open_file_finish (GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

GListModel *
koi_compat_open_files_finish (GAsyncResult  *result,
                              GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

GFile *
koi_compat_save_file_finish (GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
