/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-apply.h"

G_BEGIN_DECLS

/*
 * Group mail in the apply step (docs/WIRE.md, "Groups"). A mail belongs to
 * a group by its group id (Chat-Group-ID, its own chat$group./Gr.
 * Message-ID, or for a reply from an email program the first References
 * id). What it changes is ordered by its Date through the store's rules
 * (koi-store-group.h), so every arrival order gives the same group.
 */

/* The group chat @parsed belongs to, created when missing (also for a
 * reply from an email program that arrives before any of the group's own
 * mail). 0 without an error for a mail that is not group mail.
 * *@out_created: the chat is new. */
gint64   koi_apply_group_route    (KoiStore           *store,
                                   gint64              account_id,
                                   const KoiCoiParsed *parsed,
                                   gboolean           *out_created,
                                   GError            **error);

/* What the newly stored @message_ref (in group @chat_id) does to the group:
 * members seen or changed, the name, its info line and whether its sender
 * was a member. @created: the chat was created for this mail. */
gboolean koi_apply_group_effects  (KoiStore           *store,
                                   const char         *own_address,
                                   gint64              chat_id,
                                   gboolean            created,
                                   gint64              message_ref,
                                   const KoiCoiParsed *parsed,
                                   KoiApplyChanges    *changes,
                                   GError            **error);

G_END_DECLS
