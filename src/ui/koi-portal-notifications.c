/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-portal-notifications"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-portal-notifications.h"

#define PORTAL_NAME      "org.freedesktop.portal.Desktop"
#define PORTAL_PATH      "/org/freedesktop/portal/desktop"
#define PORTAL_INTERFACE "org.freedesktop.portal.Notification"

/* Not "app.": an exported action would be activated through
 * org.freedesktop.Application, where the text has no place; a plain name
 * comes back as ActionInvoked with the text. */
#define REPLY_ACTION  "reply"
#define REPLY_PURPOSE "im.reply-with-text"

struct _KoiPortalNotifications
{
  GObject          parent_instance;

  GDBusConnection *bus;
  guint            invoked_id;
  gboolean         ready;
};

G_DEFINE_FINAL_TYPE (KoiPortalNotifications, koi_portal_notifications, G_TYPE_OBJECT)

enum {
  SIGNAL_REPLY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_action_invoked (GDBusConnection *bus,
                   const char      *sender,
                   const char      *path,
                   const char      *interface,
                   const char      *signal,
                   GVariant        *parameters,
                   gpointer         user_data)
{
  KoiPortalNotifications *self = user_data;
  g_autoptr (GVariant) values = NULL;
  g_autofree char *text = NULL;
  const char *action;
  gint64 account_id = 0, chat_id = 0;
  gboolean have_target = FALSE;
  GVariantIter iter;
  GVariant *child;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ssav)")))
    return;
  g_variant_get (parameters, "(&s&s@av)", NULL, &action, &values);
  if (g_strcmp0 (action, REPLY_ACTION) != 0)
    return;

  /* The target first, then platform data (a{sv}, portal >= 1.16) and the
   * text: picked by type, so a portal without platform data works too. */
  g_variant_iter_init (&iter, values);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr (GVariant) boxed = child;
      g_autoptr (GVariant) value = g_variant_get_variant (boxed);

      if (!have_target && g_variant_is_of_type (value, G_VARIANT_TYPE ("(xx)")))
        {
          g_variant_get (value, "(xx)", &account_id, &chat_id);
          have_target = TRUE;
        }
      else if (text == NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        text = g_variant_dup_string (value, NULL);
    }
  /* An empty reply is the user closing the field, not a message. */
  if (!have_target || text == NULL || *g_strstrip (text) == '\0')
    return;
  g_signal_emit (self, signals[SIGNAL_REPLY], 0, account_id, chat_id, text);
}

KoiPortalNotifications *
koi_portal_notifications_new (GDBusConnection *bus)
{
  KoiPortalNotifications *self;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (bus), NULL);

  self = g_object_new (KOI_TYPE_PORTAL_NOTIFICATIONS, NULL);
  self->bus = g_object_ref (bus);
  self->invoked_id = g_dbus_connection_signal_subscribe (bus, PORTAL_NAME, PORTAL_INTERFACE, "ActionInvoked",
                                                         PORTAL_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                         on_action_invoked, self, NULL);
  return self;
}

static void
on_get_all (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KoiPortalNotifications *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  g_autoptr (GVariant) properties = NULL;
  g_autoptr (GVariant) options = NULL;
  g_autofree const char **purposes = NULL;
  guint32 version = 0;

  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  properties = g_variant_get_child_value (reply, 0);
  g_variant_lookup (properties, "version", "u", &version);
  /* A version 2 portal lists the purposes its desktop shows; one that
   * lists none leaves it open, and a reply button it does not know is an
   * ordinary button there. */
  options = g_variant_lookup_value (properties, "SupportedOptions", G_VARIANT_TYPE_VARDICT);
  if (options != NULL)
    g_variant_lookup (options, "button-purpose", "^a&s", &purposes);
  self->ready = version >= 2 &&
                (purposes == NULL || g_strv_contains ((const char * const *) purposes, REPLY_PURPOSE));
  g_debug ("Notification portal version %u: %s", version,
           self->ready ? "replies in notifications" : "GNotification");
  g_task_return_boolean (task, self->ready);
}

void
koi_portal_notifications_probe_async (KoiPortalNotifications *self,
                                      GCancellable           *cancellable,
                                      GAsyncReadyCallback     callback,
                                      gpointer                user_data)
{
  GTask *task;

  g_return_if_fail (KOI_IS_PORTAL_NOTIFICATIONS (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_portal_notifications_probe_async);
  g_dbus_connection_call (self->bus, PORTAL_NAME, PORTAL_PATH, "org.freedesktop.DBus.Properties", "GetAll",
                          g_variant_new ("(s)", PORTAL_INTERFACE), G_VARIANT_TYPE ("(a{sv})"),
                          G_DBUS_CALL_FLAGS_NONE, 5000, cancellable, on_get_all, task);
}

gboolean
koi_portal_notifications_probe_finish (KoiPortalNotifications  *self,
                                       GAsyncResult            *result,
                                       GError                 **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
koi_portal_notifications_get_ready (KoiPortalNotifications *self)
{
  g_return_val_if_fail (KOI_IS_PORTAL_NOTIFICATIONS (self), FALSE);

  return self->ready;
}

static void
on_called (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  /* Nothing the user can do about a notification that did not show. */
  if (reply == NULL)
    g_message ("Notification portal: %s", error->message);
}

static GVariant *
button (const char *label,
        const char *action,
        GVariant   *target,
        const char *purpose)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "label", g_variant_new_string (label));
  g_variant_builder_add (&builder, "{sv}", "action", g_variant_new_string (action));
  g_variant_builder_add (&builder, "{sv}", "target", target);
  if (purpose != NULL)
    g_variant_builder_add (&builder, "{sv}", "purpose", g_variant_new_string (purpose));
  return g_variant_builder_end (&builder);
}

void
koi_portal_notifications_send (KoiPortalNotifications *self,
                               const char             *id,
                               const char             *title,
                               const char             *body,
                               GIcon                  *icon,
                               gboolean                low_priority,
                               gboolean                with_reply,
                               gint64                  account_id,
                               gint64                  chat_id)
{
  GVariantBuilder notification;
  GVariantBuilder buttons;

  g_return_if_fail (KOI_IS_PORTAL_NOTIFICATIONS (self));

  g_variant_builder_init (&notification, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&notification, "{sv}", "title", g_variant_new_string (title));
  g_variant_builder_add (&notification, "{sv}", "body", g_variant_new_string (body));
  g_variant_builder_add (&notification, "{sv}", "priority",
                         g_variant_new_string (low_priority ? "low" : "normal"));
  /* The category that lets a desktop show the reply field. */
  g_variant_builder_add (&notification, "{sv}", "category", g_variant_new_string ("im.received"));
  if (icon != NULL)
    {
      GVariant *serialized = g_icon_serialize (icon);

      if (serialized != NULL)
        g_variant_builder_add (&notification, "{sv}", "icon", serialized);
    }
  g_variant_builder_add (&notification, "{sv}", "default-action", g_variant_new_string ("app.open-chat"));
  g_variant_builder_add (&notification, "{sv}", "default-action-target",
                         g_variant_new ("(xx)", account_id, chat_id));

  g_variant_builder_init (&buttons, G_VARIANT_TYPE ("aa{sv}"));
  /* A contact request gets no reply field: answering is accepting, and
   * that is the request bar's question. */
  if (with_reply)
    g_variant_builder_add_value (&buttons, button (_("Reply"), REPLY_ACTION,
                                                   g_variant_new ("(xx)", account_id, chat_id),
                                                   REPLY_PURPOSE));
  g_variant_builder_add_value (&buttons, button (_("Mark as Read"), "app.mark-chat-read",
                                                 g_variant_new ("(xx)", account_id, chat_id), NULL));
  g_variant_builder_add (&notification, "{sv}", "buttons", g_variant_builder_end (&buttons));

  g_dbus_connection_call (self->bus, PORTAL_NAME, PORTAL_PATH, PORTAL_INTERFACE, "AddNotification",
                          g_variant_new ("(sa{sv})", id, &notification), NULL, G_DBUS_CALL_FLAGS_NONE,
                          -1, NULL, on_called, NULL);
}

void
koi_portal_notifications_withdraw (KoiPortalNotifications *self,
                                   const char             *id)
{
  g_return_if_fail (KOI_IS_PORTAL_NOTIFICATIONS (self));

  g_dbus_connection_call (self->bus, PORTAL_NAME, PORTAL_PATH, PORTAL_INTERFACE, "RemoveNotification",
                          g_variant_new ("(s)", id), NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_called, NULL);
}

static void
koi_portal_notifications_dispose (GObject *object)
{
  KoiPortalNotifications *self = KOI_PORTAL_NOTIFICATIONS (object);

  if (self->invoked_id != 0)
    g_dbus_connection_signal_unsubscribe (self->bus, self->invoked_id);
  self->invoked_id = 0;
  g_clear_object (&self->bus);

  G_OBJECT_CLASS (koi_portal_notifications_parent_class)->dispose (object);
}

static void
koi_portal_notifications_class_init (KoiPortalNotificationsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = koi_portal_notifications_dispose;

  signals[SIGNAL_REPLY] =
    g_signal_new ("reply", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_INT64, G_TYPE_INT64, G_TYPE_STRING);
}

static void
koi_portal_notifications_init (KoiPortalNotifications *self)
{
}
