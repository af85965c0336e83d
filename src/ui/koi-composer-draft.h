/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-composer.h"
#include "koi-account.h"
#include "koi-chat.h"

G_BEGIN_DECLS

/*
 * Keeps what the user types in the composer as the open chat's draft, in
 * the store through the engine, so it survives a chat switch and a
 * restart: saved a moment after typing stops and at once when the chat
 * changes or the view goes away. Text being used to edit a sent message
 * is not a draft and is never saved.
 */
typedef struct _KoiComposerDraft KoiComposerDraft;

KoiComposerDraft *koi_composer_draft_new    (KoiComposer      *composer);
/* Saves the current chat's draft, then puts @chat's draft (or nothing)
 * into the composer. @account and @chat may be NULL. */
void              koi_composer_draft_switch (KoiComposerDraft *self,
                                             KoiAccount       *account,
                                             KoiChat          *chat);
/* Saves now what a pending save would have saved. */
void              koi_composer_draft_save   (KoiComposerDraft *self);
/* Saves, then frees. */
void              koi_composer_draft_free   (KoiComposerDraft *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiComposerDraft, koi_composer_draft_free)

G_END_DECLS
