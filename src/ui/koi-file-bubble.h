/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "koi-attachment.h"

G_BEGIN_DECLS

#define KOI_TYPE_FILE_BUBBLE (koi_file_bubble_get_type ())
G_DECLARE_FINAL_TYPE (KoiFileBubble, koi_file_bubble, KOI, FILE_BUBBLE, GtkWidget)

/* One file of a message: its icon, name and size, and a button that
 * downloads it ("conversation.download" with the message id) or, once it
 * is here, opens it with the user's program for its type. */
GtkWidget     *koi_file_bubble_new            (KoiAttachment *attachment);
KoiAttachment *koi_file_bubble_get_attachment (KoiFileBubble *self);
/* For tests: what the button says and what the size line says. */
const char    *koi_file_bubble_get_button_label (KoiFileBubble *self);
const char    *koi_file_bubble_get_detail_text  (KoiFileBubble *self);
/* Shown while the file is on its way (up or down), with the Stop button
 * ("conversation.cancel-transfer" with the message id). */
GtkProgressBar *koi_file_bubble_get_progress_bar  (KoiFileBubble *self);
GtkButton     *koi_file_bubble_get_cancel_button (KoiFileBubble *self);

G_END_DECLS
