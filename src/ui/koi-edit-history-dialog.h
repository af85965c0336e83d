/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-compat.h"
#include "koi-store-reader.h"

G_BEGIN_DECLS

#define KOI_TYPE_EDIT_HISTORY_DIALOG (koi_edit_history_dialog_get_type ())
G_DECLARE_FINAL_TYPE (KoiEditHistoryDialog, koi_edit_history_dialog, KOI, EDIT_HISTORY_DIALOG, KoiDialogBase)

/*
 * Edit History: every version of an edited message with the time it was
 * written, newest first, each with the words changed since the version
 * before it marked (koi-word-diff.h). Read through @reader when shown; an
 * AdwDialog on the modern widget set, a window on the legacy one
 * (koi_compat_present_dialog()).
 */
GtkWidget *koi_edit_history_dialog_new            (KoiStoreReader       *reader,
                                                   gint64                message_id);
/* For tests: versions shown (0 until read), and the markup of version
 * @index (0 = the newest). */
guint       koi_edit_history_dialog_get_n_versions (KoiEditHistoryDialog *self);
const char *koi_edit_history_dialog_get_markup     (KoiEditHistoryDialog *self,
                                                    guint                 index);

G_END_DECLS
