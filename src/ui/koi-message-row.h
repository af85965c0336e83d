/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-message.h"

G_BEGIN_DECLS

#define KOI_TYPE_MESSAGE_ROW (koi_message_row_get_type ())
G_DECLARE_FINAL_TYPE (KoiMessageRow, koi_message_row, KOI, MESSAGE_ROW, GtkWidget)

/*
 * One bubble of a conversation. Property "item" (KoiMessage) is the message,
 * "previous" (KoiMessage, may be NULL) the one above it: it decides the day
 * separator and whether the bubble joins the previous sender's group.
 *
 * The Retry button activates "conversation.retry" (parameter "x", the
 * message's store id) on an ancestor.
 */
GtkWidget  *koi_message_row_new          (void);
KoiMessage *koi_message_row_get_item     (KoiMessageRow *self);
void        koi_message_row_set_item     (KoiMessageRow *self,
                                          KoiMessage    *item);
void        koi_message_row_forget_item  (KoiMessageRow *self);
KoiMessage *koi_message_row_get_previous (KoiMessageRow *self);
void        koi_message_row_set_previous (KoiMessageRow *self,
                                          KoiMessage    *previous);

/* What the row shows, for tests. */
const char *koi_message_row_get_text_markup (KoiMessageRow *self);
const char *koi_message_row_get_day_text    (KoiMessageRow *self);
/* The "New messages" line above the row: the first message that was
 * unread when the chat opened. */
void        koi_message_row_set_unread_marker (KoiMessageRow *self,
                                               gboolean       shown);
gboolean    koi_message_row_get_unread_marker (KoiMessageRow *self);
const char *koi_message_row_get_time_text   (KoiMessageRow *self);
const char *koi_message_row_get_sender_text (KoiMessageRow *self);
/* Group chats: incoming bubbles carry their sender's avatar. */
void        koi_message_row_set_show_avatar (KoiMessageRow *self,
                                             gboolean       show_avatar);
/* Whether the account is cut off from its server: a queued message then
 * says it waits for the network (koi-message-note.h). */
void        koi_message_row_set_offline     (KoiMessageRow *self,
                                             gboolean       offline);
/* The avatar's text when one is drawn, else NULL (for tests). */
const char *koi_message_row_get_avatar_text (KoiMessageRow *self);
const char *koi_message_row_get_state_text  (KoiMessageRow *self);
gboolean    koi_message_row_get_grouped     (KoiMessageRow *self);
gboolean    koi_message_row_get_can_retry   (KoiMessageRow *self);
/* Why an own message is not delivered, as the bubble says it ("" if it
 * says nothing), and whether it offers Delete. */
const char *koi_message_row_get_note_text   (KoiMessageRow *self);
gboolean    koi_message_row_get_can_delete  (KoiMessageRow *self);
/* Live KoiMessageRow instances in the process, for the "only a screenful
 * of rows exists" test. */
guint       koi_message_row_get_instance_count (void);

/* Opens the message's context menu (Reply, React, Copy Text, Edit, Delete
 * for Me, Delete for Everyone, Message Info) at (@x, @y) in the row, or
 * under the bubble when either is negative (keyboard). */
void       koi_message_row_popup_menu (KoiMessageRow *self,
                                       double         x,
                                       double         y);
/* The open context menu (a GtkPopoverMenu), or NULL: for tests. */
GtkWidget *koi_message_row_get_menu   (KoiMessageRow *self);

/* For tests: the emoji chooser once "More Reactions…" opened it; the
 * KoiReactionBar and KoiQuoteBlock while shown, else NULL; the "edited"
 * button (activates "conversation.edit-history" with the message's id). */
GtkWidget *koi_message_row_get_emoji_chooser (KoiMessageRow *self);
GtkWidget *koi_message_row_get_reaction_bar  (KoiMessageRow *self);
GtkWidget *koi_message_row_get_quote_block   (KoiMessageRow *self);
GtkWidget *koi_message_row_get_edited_button (KoiMessageRow *self);

G_END_DECLS
