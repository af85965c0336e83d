/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define KOI_TYPE_BUBBLE_LINE (koi_bubble_line_get_type ())
G_DECLARE_FINAL_TYPE (KoiBubbleLine, koi_bubble_line, KOI, BUBBLE_LINE, GtkWidget)

/*
 * KoiBubbleLine: a message row's line of avatar, Retry button and bubble
 * (its <child>ren in a .ui file), side by side with 6 px between them, as
 * a horizontal GtkBox would place them.
 *
 * Why not a GtkBox: asked for its height at a width, GtkBoxLayout also
 * asks each child for its natural width at its minimum height, and for a
 * bubble around wrapped text GTK finds that width by a search that
 * measures the text at one width after another. Every step laid the whole
 * text out again in Pango (KoiTextSizer can answer only the widths it has
 * laid out): about a fifth of a scrolling frame's CPU time on GTK 4.8
 * (issue 16, docs/PERFORMANCE.md section 10). The line gives each child
 * its natural width, or what is left of the line's width, and asks each
 * for its height at that one width.
 */
GtkWidget *koi_bubble_line_new (void);

G_END_DECLS
