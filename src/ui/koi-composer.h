/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define KOI_TYPE_COMPOSER (koi_composer_get_type ())
G_DECLARE_FINAL_TYPE (KoiComposer, koi_composer, KOI, COMPOSER, GtkWidget)

/*
 * The message entry under a conversation. Enter sends, Shift+Enter starts a
 * new line. Signal "send" (const char *text): the text is trimmed and not
 * empty; the composer clears itself after the emission and keeps the focus.
 */
GtkWidget   *koi_composer_new            (void);
char        *koi_composer_dup_text       (KoiComposer *self);
void         koi_composer_set_text       (KoiComposer *self,
                                          const char  *text);
gboolean     koi_composer_can_send       (KoiComposer *self);
/* Sends what is typed, as the button and Enter do. */
void         koi_composer_send           (KoiComposer *self);
GtkTextView *koi_composer_get_text_view  (KoiComposer *self);
GtkWidget   *koi_composer_get_send_button (KoiComposer *self);

/*
 * A bar above the entry says what sending will do other than send a new
 * message: KOI_COMPOSER_EDITING (the text replaces a message) or
 * KOI_COMPOSER_REPLYING (the message answers one, @detail is its sender
 * and first line). Cancel, or Escape in the entry, emits "cancel" and
 * hides the bar; the caller forgets what it was editing or answering.
 * Up in an empty entry emits "edit-last".
 */
typedef enum {
  KOI_COMPOSER_NEW,
  KOI_COMPOSER_EDITING,
  KOI_COMPOSER_REPLYING,
} KoiComposerMode;

void            koi_composer_set_mode (KoiComposer     *self,
                                       KoiComposerMode  mode,
                                       const char      *detail);
KoiComposerMode koi_composer_get_mode (KoiComposer     *self);

G_END_DECLS
