/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-compat.h"

G_BEGIN_DECLS

#define KOI_TYPE_FULL_TEXT_DIALOG (koi_full_text_dialog_get_type ())
G_DECLARE_FINAL_TYPE (KoiFullTextDialog, koi_full_text_dialog, KOI, FULL_TEXT_DIALOG, KoiDialogBase)

/*
 * "Full Message": a message's whole text, wrapped, selectable and
 * scrollable, for a text too long for its bubble (koi-message-row.c cuts
 * the bubble's). A GtkTextView, not a label: it lays out only what is near
 * the view, so a megabyte on one line opens at once (a very long line goes
 * in as pieces; Copy copies the exact text). An AdwDialog on the
 * modern widget set, a window on the legacy one.
 */
GtkWidget  *koi_full_text_dialog_new      (const char        *text);
/* The text exactly as given (what Copy copies). */
const char *koi_full_text_dialog_get_text (KoiFullTextDialog *self);
/* For tests: the text view. */
GtkTextView *koi_full_text_dialog_get_view (KoiFullTextDialog *self);

G_END_DECLS
