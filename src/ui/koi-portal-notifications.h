/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KOI_TYPE_PORTAL_NOTIFICATIONS (koi_portal_notifications_get_type ())
G_DECLARE_FINAL_TYPE (KoiPortalNotifications, koi_portal_notifications, KOI, PORTAL_NOTIFICATIONS, GObject)

/*
 * Notifications sent to xdg-desktop-portal's org.freedesktop.portal.Notification
 * directly over D-Bus, for what GNotification cannot say on GLib 2.74: a
 * "Reply" button with the purpose "im.reply-with-text" (interface version
 * 2), which the desktop shows as a text field. The portal hands the typed
 * text back in ActionInvoked (action "reply"; parameters: the button's
 * target, the platform data, the text); this object then emits
 * "reply" (gint64 account id, gint64 chat id, const char *text).
 *
 * Create it, then koi_portal_notifications_probe_async(): it asks the
 * portal's "version" and "SupportedOptions" without blocking. Only when
 * that says version >= 2 is it "ready"; KoiNotifier uses GNotification
 * otherwise.
 */

KoiPortalNotifications *koi_portal_notifications_new         (GDBusConnection        *bus);
void                    koi_portal_notifications_probe_async (KoiPortalNotifications *self,
                                                              GCancellable           *cancellable,
                                                              GAsyncReadyCallback     callback,
                                                              gpointer                user_data);
/* TRUE when the portal takes reply buttons. */
gboolean                koi_portal_notifications_probe_finish (KoiPortalNotifications *self,
                                                              GAsyncResult           *result,
                                                              GError                **error);
gboolean                koi_portal_notifications_get_ready   (KoiPortalNotifications *self);

/* One chat's notification. @icon: a bytes or themed icon, or NULL.
 * @target is the "(xx)" account and chat id every action carries. */
void                    koi_portal_notifications_send        (KoiPortalNotifications *self,
                                                              const char             *id,
                                                              const char             *title,
                                                              const char             *body,
                                                              GIcon                  *icon,
                                                              gboolean                low_priority,
                                                              gboolean                with_reply,
                                                              gint64                  account_id,
                                                              gint64                  chat_id);
void                    koi_portal_notifications_withdraw    (KoiPortalNotifications *self,
                                                              const char             *id);

G_END_DECLS
