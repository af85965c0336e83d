/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-notifier"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "koi-account.h"
#include "koi-chat-filter.h"
#include "koi-notification-icon.h"
#include "koi-notification-sound.h"
#include "koi-notifier.h"
#include "koi-portal-notifications.h"

/* A burst (a catch-up, or a few quick messages) lands as several chat list
 * updates: wait this long after the first so the burst is one notification. */
#define GATHER_MS 300

/* A preview is a line, not the whole message. */
#define PREVIEW_CHARS 160

struct _KoiNotifier
{
  GObject               parent_instance;

  GApplication         *application;   /* weak: the app owns the notifier */
  GSettings            *settings;
  KoiNotifierShownFunc  shown_func;
  gpointer              shown_data;

  GPtrArray            *models;        /* GListModel*, watched */
  /* notification id → guint: the unread count last notified (or seen) */
  GHashTable           *seen_unread;
  /* notification ids sent and not withdrawn */
  GHashTable           *shown;
  guint                 flush_id;
  GListModel           *accounts;      /* of KoiAccount, or NULL */
  /* notification id → GCancellable: waiting for its icon */
  GHashTable           *pending;
  gboolean              sandboxed;     /* icons as bytes for the portal */
  KoiPortalNotifications *portal;      /* with replies, when ready */
};

G_DEFINE_FINAL_TYPE (KoiNotifier, koi_notifier, G_TYPE_OBJECT)

enum {
  SIGNAL_PLAY_SOUND,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

char *
koi_notifier_id_for_chat (gint64 account_id,
                          gint64 chat_id)
{
  return g_strdup_printf ("chat-%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT, account_id, chat_id);
}

static gboolean
setting (KoiNotifier *self,
         const char  *key)
{
  return self->settings == NULL || g_settings_get_boolean (self->settings, key);
}

static char *
preview_of (const char *text)
{
  g_autofree char *line = NULL;
  const char *end;

  if (text == NULL)
    return g_strdup ("");
  end = strchr (text, '\n');
  line = end != NULL ? g_strndup (text, end - text) : g_strdup (text);
  if (g_utf8_strlen (line, -1) > PREVIEW_CHARS)
    {
      char *cut = g_utf8_offset_to_pointer (line, PREVIEW_CHARS);

      *cut = '\0';
      return g_strconcat (line, "…", NULL);
    }
  return g_steal_pointer (&line);
}

static gboolean
use_portal (KoiNotifier *self)
{
  return self->portal != NULL && koi_portal_notifications_get_ready (self->portal);
}

static void
withdraw (KoiNotifier *self,
          const char  *id)
{
  GCancellable *pending = g_hash_table_lookup (self->pending, id);

  /* Read before its icon was found: it never goes out. */
  if (pending != NULL)
    g_cancellable_cancel (pending);
  g_hash_table_remove (self->pending, id);
  if (!g_hash_table_remove (self->shown, id))
    return;
  if (use_portal (self))
    koi_portal_notifications_withdraw (self->portal, id);
  else
    g_application_withdraw_notification (self->application, id);
}

static KoiAccount *
account_of (KoiNotifier *self,
            gint64       account_id)
{
  guint n = self->accounts != NULL ? g_list_model_get_n_items (self->accounts) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiAccount) account = g_list_model_get_item (self->accounts, i);

      if (koi_account_get_id (account) == account_id)
        return account;   /* the list keeps it */
    }
  return NULL;
}

/* One notification on its way: what it says, for GNotification or the
 * portal, whichever shows it. */
typedef struct
{
  KoiNotifier   *self;           /* weak */
  char          *id;
  char          *title;
  char          *body;
  gboolean       request;        /* a contact request: quiet, no reply */
  gint64         account_id;
  gint64         chat_id;
  GCancellable  *cancellable;
} Delivery;

static void
delivery_free (Delivery *delivery)
{
  g_clear_weak_pointer (&delivery->self);
  g_free (delivery->id);
  g_free (delivery->title);
  g_free (delivery->body);
  g_clear_object (&delivery->cancellable);
  g_free (delivery);
}

static void
post (KoiNotifier *self,
      Delivery    *delivery,
      GIcon       *icon)
{
  g_autoptr (GNotification) notification = NULL;
  GVariant *target;

  if (use_portal (self))
    {
      koi_portal_notifications_send (self->portal, delivery->id, delivery->title, delivery->body, icon,
                                     delivery->request, !delivery->request, delivery->account_id,
                                     delivery->chat_id);
      return;
    }

  notification = g_notification_new (delivery->title);
  g_notification_set_body (notification, delivery->body);
  /* Quiet until the user lets the sender in: no banner on desktops that
   * hide low-priority notifications. */
  if (delivery->request)
    g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_LOW);
  g_notification_set_category (notification, "im.received");
  if (icon != NULL)
    g_notification_set_icon (notification, icon);
  target = g_variant_new ("(xx)", delivery->account_id, delivery->chat_id);
  g_notification_set_default_action_and_target_value (notification, "app.open-chat", target);
  g_notification_add_button_with_target_value (notification, _("Mark as Read"), "app.mark-chat-read",
                                               g_variant_new ("(xx)", delivery->account_id,
                                                              delivery->chat_id));
  g_application_send_notification (self->application, delivery->id, notification);
}

static void
on_icon (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Delivery *delivery = user_data;
  KoiNotifier *self = delivery->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (GIcon) icon = koi_notification_icon_finish (KOI_STORE_READER (source), result, &error);

  if (self == NULL || g_cancellable_is_cancelled (delivery->cancellable))
    {
      delivery_free (delivery);
      return;
    }
  if (g_hash_table_lookup (self->pending, delivery->id) == delivery->cancellable)
    g_hash_table_remove (self->pending, delivery->id);
  /* Without a picture the notification still goes: the words matter. */
  if (error != NULL)
    g_debug ("No picture for notification %s: %s", delivery->id, error->message);
  post (self, delivery, icon);
  delivery_free (delivery);
}

/* Sends @delivery (taken) for @chat, with the sender's picture when the
 * contact card has one (looked up first, off the main thread). */
static void
deliver (KoiNotifier *self,
         KoiChat     *chat,
         Delivery    *delivery)
{
  KoiAccount *account = account_of (self, koi_chat_get_account_id (chat));
  const char *address = koi_chat_get_peer_address (chat);
  const char *id = delivery->id;
  GCancellable *before = g_hash_table_lookup (self->pending, id);

  g_hash_table_add (self->shown, g_strdup (id));
  /* A newer notification for the chat replaces one still waiting. */
  if (before != NULL)
    g_cancellable_cancel (before);
  g_hash_table_remove (self->pending, id);

  /* A group has no picture of its own yet. */
  if (account == NULL || koi_chat_get_is_group (chat) || address == NULL)
    {
      post (self, delivery, NULL);
      delivery_free (delivery);
      return;
    }

  g_set_weak_pointer (&delivery->self, self);
  delivery->cancellable = g_cancellable_new ();
  g_hash_table_insert (self->pending, g_strdup (id), g_object_ref (delivery->cancellable));
  /* The portal cannot read our files: it gets the picture's bytes. */
  koi_notification_icon_async (koi_account_get_reader (account), koi_chat_get_account_id (chat), address,
                               self->sandboxed || use_portal (self), delivery->cancellable, on_icon,
                               delivery);
}

/* With several accounts the title says which one the chat is in: the
 * same name can be a chat in both. */
static char *
title_for (KoiNotifier *self,
           KoiChat     *chat,
           const char  *title)
{
  guint n = self->accounts != NULL ? g_list_model_get_n_items (self->accounts) : 0;

  for (guint i = 0; i < n && n > 1; i++)
    {
      g_autoptr (KoiAccount) account = g_list_model_get_item (self->accounts, i);

      if (koi_account_get_id (account) == koi_chat_get_account_id (chat))
        /* TRANSLATORS: notification title with several accounts: the
         * chat, then the account it is in: "Alice (bob@example.org)" */
        return g_strdup_printf (_("%s (%s)"), title, koi_account_get_address (account));
    }
  return g_strdup (title);
}

static void
send_for_chat (KoiNotifier *self,
               KoiChat     *chat,
               const char  *id,
               guint        n_new)
{
  g_autofree char *body = NULL;
  Delivery *delivery;

  if (setting (self, "notification-show-content"))
    {
      g_autofree char *preview = preview_of (koi_chat_get_last_text (chat));

      /* A group's notification is titled with the group; who wrote goes
       * in front of the words. */
      if (koi_chat_get_is_group (chat) && koi_chat_get_last_from (chat) != NULL)
        {
          g_autofree char *line = g_steal_pointer (&preview);

          /* TRANSLATORS: a group message in a notification: "Bob: see you" */
          preview = g_strdup_printf (_("%s: %s"), koi_chat_get_last_from (chat), line);
        }

      if (n_new > 1)
        /* Translators: a notification after a catch-up: how many, then the newest. */
        body = g_strdup_printf (ngettext ("%u new message: %s", "%u new messages, the newest: %s",
                                             n_new),
                                n_new, preview);
      else
        body = g_steal_pointer (&preview);
    }
  else if (n_new > 1)
    body = g_strdup_printf (ngettext ("%u new message", "%u new messages", n_new), n_new);
  else
    body = g_strdup (_("New message"));

  delivery = g_new0 (Delivery, 1);
  delivery->id = g_strdup (id);
  delivery->body = g_steal_pointer (&body);
  delivery->account_id = koi_chat_get_account_id (chat);
  delivery->chat_id = koi_chat_get_id (chat);
  delivery->request = koi_chat_get_request (chat) == KOI_CHAT_REQUEST;
  if (delivery->request)
    {
      /* TRANSLATORS: notification title for a stranger's first message; %s is who */
      g_autofree char *title = g_strdup_printf (_("Contact request from %s"), koi_chat_get_title (chat));

      delivery->title = title_for (self, chat, title);
    }
  else
    delivery->title = title_for (self, chat, koi_chat_get_title (chat));
  deliver (self, chat, delivery);

  /* A stranger does not get to make noise before the user lets them in. */
  if (koi_chat_get_request (chat) != KOI_CHAT_REQUEST && setting (self, "notification-sound"))
    g_signal_emit (self, signals[SIGNAL_PLAY_SOUND], 0, koi_chat_get_account_id (chat),
                   koi_chat_get_id (chat));
}

/* One chat, after a change: notify for what is new, withdraw what was read. */
static void
consider_chat (KoiNotifier *self,
               KoiChat     *chat,
               gboolean     baseline)
{
  g_autofree char *id = koi_notifier_id_for_chat (koi_chat_get_account_id (chat), koi_chat_get_id (chat));
  gpointer value = NULL;
  gboolean known = g_hash_table_lookup_extended (self->seen_unread, id, NULL, &value);
  guint before = known ? GPOINTER_TO_UINT (value) : 0;
  guint unread = koi_chat_get_unread_count (chat);

  g_hash_table_insert (self->seen_unread, g_strdup (id), GUINT_TO_POINTER (unread));

  if (baseline)
    return;

  /* Read here or on another device. */
  if (unread == 0)
    {
      withdraw (self, id);
      return;
    }
  if (unread <= before)
    return;

  /* The user's own message from another device adds nothing unread, but
   * an unread count that grew with an outgoing newest message means the
   * user answered meanwhile: nothing to tell then either. */
  if (!setting (self, "notifications") || koi_chat_get_muted (chat) ||
      koi_chat_get_last_direction (chat) != KOI_MESSAGE_INCOMING)
    return;
  /* Nothing about a chat the list does not show (a deleted request,
   * ordinary email the user chose not to see). */
  if (!koi_chat_is_listed (chat, koi_ordinary_email_setting (self->settings)))
    return;
  if (self->shown_func != NULL &&
      self->shown_func (koi_chat_get_account_id (chat), koi_chat_get_id (chat), self->shown_data))
    return;

  /* A notification still on screen for this chat is replaced and counts
   * everything unread; otherwise only what came since the last look. */
  send_for_chat (self, chat, id, g_hash_table_contains (self->shown, id) ? unread : unread - before);
}

static gboolean
model_is_loading (GListModel *model)
{
  gboolean loading = FALSE;

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (model), "loading") != NULL)
    g_object_get (model, "loading", &loading, NULL);
  return loading;
}

void
koi_notifier_flush (KoiNotifier *self)
{
  g_return_if_fail (KOI_IS_NOTIFIER (self));

  g_clear_handle_id (&self->flush_id, g_source_remove);

  for (guint m = 0; m < self->models->len; m++)
    {
      GListModel *model = g_ptr_array_index (self->models, m);
      gboolean loading = model_is_loading (model);

      for (guint i = 0; i < g_list_model_get_n_items (model); i++)
        {
          g_autoptr (KoiChat) chat = g_list_model_get_item (model, i);

          consider_chat (self, chat, loading);
        }
    }
}

static gboolean
flush_cb (gpointer user_data)
{
  KoiNotifier *self = user_data;

  self->flush_id = 0;
  koi_notifier_flush (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_flush (KoiNotifier *self)
{
  if (self->flush_id == 0)
    self->flush_id = g_timeout_add (GATHER_MS, flush_cb, self);
}

static void
watch_chat (KoiNotifier *self,
            KoiChat     *chat)
{
  /* A chat that moves in the list is removed and added again: connect once. */
  if (g_object_get_data (G_OBJECT (chat), "koi-notifier") == self)
    return;
  g_object_set_data (G_OBJECT (chat), "koi-notifier", self);
  g_signal_connect_object (chat, "notify::unread-count", G_CALLBACK (schedule_flush), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (chat, "notify::last-text", G_CALLBACK (schedule_flush), self,
                           G_CONNECT_SWAPPED);
}

static void
on_items_changed (KoiNotifier *self,
                  guint        position,
                  guint        removed,
                  guint        added,
                  GListModel  *model)
{
  gboolean loading = model_is_loading (model);

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr (KoiChat) chat = g_list_model_get_item (model, i);

      watch_chat (self, chat);
      /* The list's first load: what is unread now was there before. */
      if (loading)
        consider_chat (self, chat, TRUE);
    }
  if (added > 0 && !loading)
    schedule_flush (self);
}

static void
on_loading_changed (KoiNotifier *self,
                    GParamSpec  *pspec,
                    GListModel  *model)
{
  if (model_is_loading (model))
    return;
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (KoiChat) chat = g_list_model_get_item (model, i);
      g_autofree char *id = koi_notifier_id_for_chat (koi_chat_get_account_id (chat),
                                                      koi_chat_get_id (chat));

      if (!g_hash_table_contains (self->seen_unread, id))
        consider_chat (self, chat, TRUE);
    }
}

void
koi_notifier_set_accounts (KoiNotifier *self,
                           GListModel  *accounts)
{
  g_return_if_fail (KOI_IS_NOTIFIER (self));

  g_set_object (&self->accounts, accounts);
}

void
koi_notifier_set_portal (KoiNotifier            *self,
                         KoiPortalNotifications *portal)
{
  g_return_if_fail (KOI_IS_NOTIFIER (self));

  g_set_object (&self->portal, portal);
}

void
koi_notifier_watch (KoiNotifier *self,
                    GListModel  *chats)
{
  g_return_if_fail (KOI_IS_NOTIFIER (self));
  g_return_if_fail (G_IS_LIST_MODEL (chats));

  g_ptr_array_add (self->models, g_object_ref (chats));
  for (guint i = 0; i < g_list_model_get_n_items (chats); i++)
    {
      g_autoptr (KoiChat) chat = g_list_model_get_item (chats, i);

      watch_chat (self, chat);
      consider_chat (self, chat, TRUE);
    }
  g_signal_connect_object (chats, "items-changed", G_CALLBACK (on_items_changed), self,
                           G_CONNECT_SWAPPED);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (chats), "loading") != NULL)
    g_signal_connect_object (chats, "notify::loading", G_CALLBACK (on_loading_changed), self,
                             G_CONNECT_SWAPPED);
}

void
koi_notifier_set_shown_func (KoiNotifier          *self,
                             KoiNotifierShownFunc  func,
                             gpointer              user_data)
{
  g_return_if_fail (KOI_IS_NOTIFIER (self));

  self->shown_func = func;
  self->shown_data = user_data;
}

static void
on_notifications_changed (KoiNotifier *self)
{
  GHashTableIter iter;
  gpointer id;

  if (setting (self, "notifications"))
    return;
  /* Turned off: nothing of ours stays on screen. */
  g_hash_table_iter_init (&iter, self->shown);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    {
      GCancellable *pending = g_hash_table_lookup (self->pending, id);

      if (pending != NULL)
        g_cancellable_cancel (pending);
      g_hash_table_remove (self->pending, id);
      if (use_portal (self))
        koi_portal_notifications_withdraw (self->portal, id);
      else
        g_application_withdraw_notification (self->application, id);
      g_hash_table_iter_remove (&iter);
    }
}

KoiNotifier *
koi_notifier_new (GApplication *application,
                  GSettings    *settings)
{
  KoiNotifier *self;

  g_return_val_if_fail (G_IS_APPLICATION (application), NULL);

  self = g_object_new (KOI_TYPE_NOTIFIER, NULL);
  self->application = application;
  if (settings != NULL)
    {
      self->settings = g_object_ref (settings);
      g_signal_connect_object (settings, "changed::notifications",
                               G_CALLBACK (on_notifications_changed), self, G_CONNECT_SWAPPED);
    }
  return self;
}

static void
koi_notifier_dispose (GObject *object)
{
  KoiNotifier *self = KOI_NOTIFIER (object);

  g_clear_handle_id (&self->flush_id, g_source_remove);
  {
    GHashTableIter iter;
    gpointer cancellable;

    g_hash_table_iter_init (&iter, self->pending);
    while (g_hash_table_iter_next (&iter, NULL, &cancellable))
      g_cancellable_cancel (cancellable);
    g_hash_table_remove_all (self->pending);
  }
  g_clear_object (&self->settings);
  g_clear_object (&self->accounts);
  g_clear_object (&self->portal);
  if (self->models != NULL)
    g_ptr_array_set_size (self->models, 0);

  G_OBJECT_CLASS (koi_notifier_parent_class)->dispose (object);
}

static void
koi_notifier_finalize (GObject *object)
{
  KoiNotifier *self = KOI_NOTIFIER (object);

  g_ptr_array_unref (self->models);
  g_hash_table_unref (self->seen_unread);
  g_hash_table_unref (self->shown);
  g_hash_table_unref (self->pending);

  G_OBJECT_CLASS (koi_notifier_parent_class)->finalize (object);
}

static void
koi_notifier_real_play_sound (KoiNotifier *self,
                              gint64       account_id,
                              gint64       chat_id)
{
  koi_notification_sound_play ();
}

static void
koi_notifier_class_init (KoiNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = koi_notifier_dispose;
  object_class->finalize = koi_notifier_finalize;

  /* Emitted when a notification is shown that should be heard; the
   * default handler plays the sound. Tests stop it and count. */
  signals[SIGNAL_PLAY_SOUND] =
    g_signal_new_class_handler ("play-sound", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                G_CALLBACK (koi_notifier_real_play_sound), NULL, NULL, NULL,
                                G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
}

static void
koi_notifier_init (KoiNotifier *self)
{
  self->models = g_ptr_array_new_with_free_func (g_object_unref);
  self->seen_unread = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  /* In a Flatpak GLib sends through the portal, which cannot read our
   * files but takes an icon's bytes. */
  self->sandboxed = g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}
