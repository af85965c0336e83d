/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-account.h"
#include "koi-compat.h"

G_BEGIN_DECLS

#define KOI_TYPE_SOURCE_DIALOG (koi_source_dialog_get_type ())
G_DECLARE_FINAL_TYPE (KoiSourceDialog, koi_source_dialog, KOI, SOURCE_DIALOG, KoiDialogBase)

/*
 * Show Source: a message's raw mail as the server holds it, fetched
 * through the account's engine when shown (koi_account_fetch_source_async),
 * in a monospace, selectable text view, with Copy and Save As…. A mail too
 * large or complex to show as a bubble is read here. The text goes into
 * the view a piece at a time from idle callbacks, so a multi-MB mail never
 * holds up the window; past KOI_SOURCE_DIALOG_SHOWN_MAX only the start is
 * shown (Save As… writes all of it), and a line longer than
 * KOI_SOURCE_DIALOG_LINE_MAX is cut with a note: Pango lays out a
 * paragraph as a whole, and a 16 KB line held the window up for a second
 * (bench-source). Mail lines are at most 998 characters (RFC 5322), so
 * only a broken or hostile mail is cut.
 */
#define KOI_SOURCE_DIALOG_SHOWN_MAX (2 * 1024 * 1024)
#define KOI_SOURCE_DIALOG_LINE_MAX  1024

GtkWidget  *koi_source_dialog_new       (KoiAccount      *account,
                                         gint64           message_id);
/* The same for bytes at hand (benchmarks; Copy and Save As… too). */
GtkWidget  *koi_source_dialog_new_for_bytes (GBytes       *source);

/* For tests: "loading", "text" (all of it in the view) or "error"; the
 * text shown (transfer full), and the error shown. */
const char *koi_source_dialog_get_state (KoiSourceDialog *self);
char       *koi_source_dialog_get_text  (KoiSourceDialog *self);
const char *koi_source_dialog_get_error (KoiSourceDialog *self);

G_END_DECLS
