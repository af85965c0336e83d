/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/*
 * File choosers for opening and saving, beside koi-compat.h: GtkFileDialog
 * on GTK >= 4.10, GtkFileChooserNative before; both use the file chooser
 * portal when there is one (the Flatpak).
 */

/* Asks for one file to open; @filter (may be NULL) limits the choice.
 * Finishes with the GFile, or NULL with G_IO_ERROR_CANCELLED when the
 * user chose none. Cancelling @cancellable closes the chooser. */
void        koi_compat_open_file         (GtkWidget           *parent,
                                          const char          *title,
                                          GtkFileFilter       *filter,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
GFile      *koi_compat_open_file_finish  (GAsyncResult        *result,
                                          GError             **error);

/* Asks for one or more files to open. Finishes with a GListModel of GFile,
 * or NULL with G_IO_ERROR_CANCELLED when the user chose none. */
void        koi_compat_open_files        (GtkWidget           *parent,
                                          const char          *title,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
GListModel *koi_compat_open_files_finish (GAsyncResult        *result,
                                          GError             **error);

/* Asks where to save a file named @name. Finishes with the GFile, or NULL
 * with G_IO_ERROR_CANCELLED. */
void        koi_compat_save_file         (GtkWidget           *parent,
                                          const char          *title,
                                          const char          *name,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
GFile      *koi_compat_save_file_finish  (GAsyncResult        *result,
                                          GError             **error);

/* For tests, where no portal or chooser window can be driven: while set,
 * the next choosers answer with @files (open) or the first of them (save)
 * at once, as if the user had picked them, and show nothing. NULL returns
 * to real choosers. */
void        koi_compat_files_set_test_reply (GListModel *files);

G_END_DECLS
