/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-chat.h"
#include "koi-portal-notifications.h"

G_BEGIN_DECLS

#define KOI_TYPE_NOTIFIER (koi_notifier_get_type ())
G_DECLARE_FINAL_TYPE (KoiNotifier, koi_notifier, KOI, NOTIFIER, GObject)

/*
 * Desktop notifications for new chat messages, sent with GNotification
 * (the portal in a Flatpak, org.freedesktop.Notifications or GNOME's
 * org.gtk.Notifications outside). It watches chat lists (GListModels of
 * KoiChat) rather than single messages: a chat whose unread count grows
 * gets one notification, replaced when more come, so a catch-up of
 * hundreds of messages gives one notification per chat. None for a muted
 * chat, for the chat the user is looking at (@shown_func), or when the
 * newest message is the user's own (sent from another device). A chat read
 * here or on another device (unread 0) has its notification withdrawn.
 *
 * A notification that should be heard emits "play-sound" (gint64
 * account id, gint64 chat id), whose default handler plays the theme's
 * message sound: only when "notification-sound" is on, never for a
 * contact request (nor, as above, a muted or focused chat).
 *
 * Clicking a notification activates "app.open-chat" and its button
 * "app.mark-chat-read", both with the target (account id, chat id) as
 * "(xx)": the application implements them.
 */

/* Whether the chat is on screen in the focused window right now. */
typedef gboolean (*KoiNotifierShownFunc) (gint64    account_id,
                                          gint64    chat_id,
                                          gpointer  user_data);

/* @settings: the app's GSettings ("notifications",
 * "notification-show-content"), or NULL for both on. */
KoiNotifier *koi_notifier_new            (GApplication         *application,
                                          GSettings            *settings);
void         koi_notifier_set_shown_func (KoiNotifier          *self,
                                          KoiNotifierShownFunc  func,
                                          gpointer              user_data);
/* Watches @chats (KoiChat items). The chats it holds now, or while it has
 * a TRUE "loading" property, are taken as already seen: only what comes
 * after notifies. */
void         koi_notifier_watch          (KoiNotifier          *self,
                                          GListModel           *chats);
/* Sends what is pending now instead of after the short wait that gathers
 * a burst into one notification. For tests. */
/* The session's accounts (KoiAccount items): with more than one, a
 * notification's title names the chat's account. */
void         koi_notifier_set_accounts   (KoiNotifier          *self,
                                          GListModel           *accounts);
void         koi_notifier_flush          (KoiNotifier          *self);
/* Sends through @portal instead of GNotification once it is ready (a
 * version 2 portal: notifications with a reply field). */
void         koi_notifier_set_portal     (KoiNotifier            *self,
                                          KoiPortalNotifications *portal);
/* The GNotification id of a chat's notification. */
char        *koi_notifier_id_for_chat    (gint64                account_id,
                                          gint64                chat_id);

G_END_DECLS
