/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The most of a message's text a bubble draws: about 16 lines at the
 * bubble's 60 characters, and at most 20 lines. A label lays out all it
 * holds on every resize, so a megabyte on one line would stall the window
 * and make a bubble taller than any screen; the rest is a click away in
 * the Full Message view (koi-full-text-dialog.h). The row (what it draws),
 * the cell (the height it guesses before drawing) and the screen reader's
 * label all use the same cut.
 */
#define KOI_BUBBLE_TEXT_MAX_BYTES 1000
#define KOI_BUBBLE_TEXT_MAX_LINES 20

/* The start of @text a bubble draws, ending in "…", or NULL when it fits
 * whole. Cut at a character boundary, never inside one. */
char *koi_bubble_text_cut (const char *text);

G_END_DECLS
