/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-attachment-chip.h"

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

/*
 * Files to send (the paperclip, a drop, a paste): each is read in a worker
 * (size, type, a thumbnail for images) and shown as a chip that removes it.
 * A file over the size limit is refused with an alert at once. With files
 * waiting, sending emits "send-files" (text, GListModel of KoiPendingFile,
 * gboolean original) instead of "send": the text is the first file's
 * caption. Files are not sent with an edit, and a file message is no
 * reply (the engine's file messages carry no quote yet).
 * koi_composer_clear_files() also drops the files still being read (a
 * chat switch); sending keeps them for the next message.
 */
#define KOI_COMPOSER_DEFAULT_SIZE_LIMIT (25 * 1000 * 1000)

void        koi_composer_add_file       (KoiComposer       *self,
                                         GFile             *file,
                                         gboolean           temporary);
void        koi_composer_add_files      (KoiComposer       *self,
                                         GListModel        *files);
void        koi_composer_remove_file    (KoiComposer       *self,
                                         KoiAttachmentChip *chip);
void        koi_composer_clear_files    (KoiComposer       *self);
GListModel *koi_composer_get_files      (KoiComposer       *self);
/* The largest file the server takes (0: KOI_COMPOSER_DEFAULT_SIZE_LIMIT). */
void        koi_composer_set_size_limit (KoiComposer       *self,
                                         guint64            bytes);
/* What Ctrl+V does with @clipboard: TRUE when it held files or an image
 * (they are being attached), FALSE for text (the entry pastes it). */
gboolean    koi_composer_paste          (KoiComposer       *self,
                                         GdkClipboard      *clipboard);

G_END_DECLS
