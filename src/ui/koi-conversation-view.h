/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-account.h"
#include "koi-chat.h"
#include "koi-composer.h"

G_BEGIN_DECLS

#define KOI_TYPE_CONVERSATION_VIEW (koi_conversation_view_get_type ())
G_DECLARE_FINAL_TYPE (KoiConversationView, koi_conversation_view, KOI, CONVERSATION_VIEW, GtkWidget)

/*
 * One open chat: the bubbles (a GtkListView over a lazily paged GListModel
 * of KoiMessage, so only a screenful of rows exists) and the composer.
 *
 * It opens at the newest message once the list knows its count, and
 * follows new messages while the user is at the bottom.
 *
 * Signal "error" (const char *message): sending failed; the composer got
 * the text back. Action "conversation.retry" ("x": a message's store id).
 */
GtkWidget   *koi_conversation_view_new          (void);

void         koi_conversation_view_set_account  (KoiConversationView *self,
                                                 KoiAccount          *account);
KoiAccount  *koi_conversation_view_get_account  (KoiConversationView *self);
/* Opens @chat of the account (a new KoiMessageList), or closes with NULL. */
void         koi_conversation_view_set_chat     (KoiConversationView *self,
                                                 KoiChat             *chat);
KoiChat     *koi_conversation_view_get_chat     (KoiConversationView *self);

/* Shows any GListModel of KoiMessage (set_chat uses it; tests too). */
void         koi_conversation_view_set_messages (KoiConversationView *self,
                                                 GListModel          *messages);
GListModel  *koi_conversation_view_get_messages (KoiConversationView *self);

GtkListView *koi_conversation_view_get_list_view (KoiConversationView *self);
KoiComposer *koi_conversation_view_get_composer  (KoiConversationView *self);
/* TRUE while the view follows the newest message. */
/* Whether the newest message's row is drawn, wholly inside the visible
 * area; whether @row is (tests and benchmarks). */
gboolean     koi_conversation_view_newest_in_view (KoiConversationView *self);
gboolean     koi_conversation_view_row_in_view    (KoiConversationView *self,
                                                   GtkWidget           *row);
/* The count on the "jump to the newest message" button; 0 when hidden. */
guint        koi_conversation_view_get_unseen     (KoiConversationView *self);
gboolean     koi_conversation_view_get_at_bottom (KoiConversationView *self);
/* Scrolls to message @message_id of the open chat (its page loads as the
 * list reaches it), focuses it and makes it stand out for a moment: a
 * search result opened. */
void         koi_conversation_view_show_message  (KoiConversationView *self,
                                                  gint64               message_id);
/* The message standing out now, 0 = none (tests). */
gint64       koi_conversation_view_get_highlighted (KoiConversationView *self);

G_END_DECLS
