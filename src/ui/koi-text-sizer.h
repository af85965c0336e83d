/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define KOI_TYPE_TEXT_SIZER (koi_text_sizer_get_type ())
G_DECLARE_FINAL_TYPE (KoiTextSizer, koi_text_sizer, KOI, TEXT_SIZER, GtkWidget)

/*
 * KoiTextSizer: holds one wrapping GtkLabel (its <child> in a .ui file) and
 * answers the label's size questions itself, from one PangoLayout of the
 * label's text that it keeps until the text changes.
 *
 * Why: a wrapping GtkLabel (GTK 4.8 to 4.18) makes a new layout of its
 * text for each size question, and Pango shapes the whole text for each:
 * the minimum width (the text laid out as narrow as it may get), the
 * natural width, the height for the width it gets, and its own layout
 * when drawn. In a conversation that was most of the time spent opening a
 * chat. Here the natural width and the height for it come from one
 * layout; the minimum width is the label's width-chars (or its natural
 * width, if narrower); the label lays its text out once more, to draw.
 *
 * It uses the label's text without its markup attributes: the markup Koi
 * gives message labels only adds links (colour and underline) and italics
 * to one-line notes, which do not change where lines break.
 */
GtkWidget *koi_text_sizer_new (void);

G_END_DECLS
