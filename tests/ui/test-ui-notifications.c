/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-notifications"

/*
 * Notifications, through GLib's own GNotification backend and a real
 * D-Bus: the test starts a private session bus (GTestDBus) on which it
 * owns org.freedesktop.Notifications itself and records every Notify and
 * CloseNotification. Outside a sandbox and without GNOME Shell's
 * org.gtk.Notifications, GLib 2.74 picks exactly this backend (the
 * "freedesktop" one), as it would on any non-GNOME desktop. The chats are
 * KoiChat objects updated from store rows, as KoiChatList updates them.
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "koi-account.h"
#include "koi-contact-card.h"
#include "koi-notifier.h"
#include "koi-test-ui.h"

static const char introspection[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "    <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "    </method>"
  "    <signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
  "    <signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
  "  </interface>"
  "</node>";

typedef struct {
  guint   id;
  char   *summary;
  char   *body;
  GStrv   actions;
  int     urgency;   /* the "urgency" hint: 0 low, 1 normal, 2 critical */
  char   *image;     /* the "image-path" hint: the picture shown, or NULL */
} Sent;

typedef struct {
  GDBusConnection *connection;
  GPtrArray       *sent;     /* Sent*, in order */
  GArray          *closed;   /* guint ids */
  guint            next_id;
} FakeServer;

static void
sent_free (Sent *sent)
{
  g_free (sent->summary);
  g_free (sent->body);
  g_free (sent->image);
  g_strfreev (sent->actions);
  g_free (sent);
}

static void
server_method (GDBusConnection       *connection,
               const char            *sender,
               const char            *path,
               const char            *interface,
               const char            *method,
               GVariant              *parameters,
               GDBusMethodInvocation *invocation,
               gpointer               user_data)
{
  FakeServer *server = user_data;

  if (g_str_equal (method, "Notify"))
    {
      Sent *sent = g_new0 (Sent, 1);
      const char *summary, *body;
      g_autoptr (GVariant) hints = NULL;
      guint replaces;
      guchar urgency = 1;

      g_variant_get (parameters, "(&su&s&s&s^as@a{sv}i)", NULL, &replaces, NULL, &summary, &body,
                     &sent->actions, &hints, NULL);
      g_variant_lookup (hints, "urgency", "y", &urgency);
      g_variant_lookup (hints, "image-path", "s", &sent->image);
      sent->urgency = urgency;
      sent->id = replaces != 0 ? replaces : ++server->next_id;
      sent->summary = g_strdup (summary);
      sent->body = g_strdup (body);
      g_ptr_array_add (server->sent, sent);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", sent->id));
    }
  else if (g_str_equal (method, "CloseNotification"))
    {
      guint id;

      g_variant_get (parameters, "(u)", &id);
      g_array_append_val (server->closed, id);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method, "GetCapabilities"))
    {
      const char *caps[] = { "actions", "body", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
    }
  else
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(ssss)", "fake", "koi", "1", "1.2"));
}

static const GDBusInterfaceVTable server_vtable = { server_method, NULL, NULL, { 0 } };

/* xdg-desktop-portal's notification interface as far as Koi uses it. */
static const char portal_introspection[] =
  "<node>"
  "  <interface name='org.freedesktop.portal.Notification'>"
  "    <method name='AddNotification'>"
  "      <arg type='s' direction='in'/><arg type='a{sv}' direction='in'/>"
  "    </method>"
  "    <method name='RemoveNotification'><arg type='s' direction='in'/></method>"
  "    <signal name='ActionInvoked'><arg type='s'/><arg type='s'/><arg type='av'/></signal>"
  "    <property name='version' type='u' access='read'/>"
  "    <property name='SupportedOptions' type='a{sv}' access='read'/>"
  "  </interface>"
  "</node>";

typedef struct {
  guint32     version;
  GPtrArray  *added;     /* GVariant* "(sa{sv})", in order */
  GPtrArray  *removed;   /* char* ids */
} FakePortal;

static void
portal_method (GDBusConnection       *connection,
               const char            *sender,
               const char            *path,
               const char            *interface,
               const char            *method,
               GVariant              *parameters,
               GDBusMethodInvocation *invocation,
               gpointer               user_data)
{
  FakePortal *portal = user_data;

  if (g_str_equal (method, "AddNotification"))
    g_ptr_array_add (portal->added, g_variant_ref (parameters));
  else
    {
      const char *id;

      g_variant_get (parameters, "(&s)", &id);
      g_ptr_array_add (portal->removed, g_strdup (id));
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static GVariant *
portal_get_property (GDBusConnection  *connection,
                     const char       *sender,
                     const char       *path,
                     const char       *interface,
                     const char       *property,
                     GError          **error,
                     gpointer          user_data)
{
  FakePortal *portal = user_data;
  GVariantBuilder options;
  const char *purposes[] = { "im.reply-with-text", NULL };

  if (g_str_equal (property, "version"))
    return g_variant_new_uint32 (portal->version);
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "button-purpose", g_variant_new_strv (purposes, -1));
  return g_variant_builder_end (&options);
}

static const GDBusInterfaceVTable portal_vtable = { portal_method, portal_get_property, NULL, { 0 } };

typedef struct {
  GTestDBus      *bus;
  FakeServer      server;
  GApplication   *app;
  GListStore     *chats;
  KoiNotifier    *notifier;
  GSettings      *settings;
  gint64          focused_chat;
  GVariant       *marked;   /* target of the last app.mark-chat-read */
  GVariant       *opened;   /* target of the last app.open-chat */
  FakePortal      portal;
  gint64          replied_account;
  gint64          replied_chat;
  char           *reply;    /* the text of the last "reply" from the portal */
  guint           sounds;   /* "play-sound" emissions: what the user would hear */
  gint64          sound_chat;
} Fixture;

/* Counts the notifier's decision to play and keeps the test silent. */
static void
on_play_sound (KoiNotifier *notifier,
               gint64       account_id,
               gint64       chat_id,
               gpointer     user_data)
{
  Fixture *fixture = user_data;

  fixture->sounds++;
  fixture->sound_chat = chat_id;
  g_signal_stop_emission_by_name (notifier, "play-sound");
}

static gboolean
is_shown (gint64   account_id,
          gint64   chat_id,
          gpointer user_data)
{
  Fixture *fixture = user_data;

  return chat_id == fixture->focused_chat;
}

static void
on_mark_read (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  Fixture *fixture = user_data;

  g_clear_pointer (&fixture->marked, g_variant_unref);
  fixture->marked = g_variant_ref (parameter);
}

static void
on_open_chat (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  Fixture *fixture = user_data;

  g_clear_pointer (&fixture->opened, g_variant_unref);
  fixture->opened = g_variant_ref (parameter);
}

static KoiChat *
chat_new (gint64      id,
          const char *name,
          guint       unread,
          const char *last_text,
          gboolean    muted)
{
  g_autofree char *address = g_strdup_printf ("%s@example.org", name);
  KoiStoreChat row = {
    .id = id, .account_id = 1, .kind = KOI_STORE_CHAT_1TO1, .peer_address = address,
    .name = (char *) name, .unread_count = unread, .last_text = (char *) last_text,
    .last_direction = KOI_STORE_DIRECTION_INCOMING, .last_state = KOI_STORE_STATE_RECEIVED,
    .muted = muted,
  };

  return koi_chat_new_from_store (&row);
}

/* What KoiChatList does when the store says the chat changed. */
static void
chat_update (KoiChat    *chat,
             guint       unread,
             const char *last_text,
             int         direction)
{
  g_autofree char *address = g_strdup (koi_chat_get_peer_address (chat));
  g_autofree char *name = g_strdup (koi_chat_get_title (chat));
  KoiStoreChat row = {
    .id = koi_chat_get_id (chat), .account_id = 1, .kind = KOI_STORE_CHAT_1TO1,
    .peer_address = address, .name = name, .unread_count = unread,
    .last_text = (char *) last_text, .last_direction = direction,
    .last_state = direction == KOI_STORE_DIRECTION_OUTGOING ? KOI_STORE_STATE_SENT : KOI_STORE_STATE_RECEIVED,
    .muted = koi_chat_get_muted (chat),
  };

  koi_chat_update_from_store (chat, &row);
}

static void
wait_until (gboolean (*check) (Fixture *), Fixture *fixture)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!check (fixture) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (check (fixture));
}

static guint wanted_sent;
static gboolean
enough_sent (Fixture *fixture)
{
  return fixture->server.sent->len >= wanted_sent;
}

/* Waits for Notify number @n (1-based) and returns it. */
static Sent *
wait_sent (Fixture *fixture,
           guint    n)
{
  wanted_sent = n;
  wait_until (enough_sent, fixture);
  return g_ptr_array_index (fixture->server.sent, n - 1);
}

/* A chat a stranger started (KoiChatList's row for it). */
static void
chat_update_request (KoiChat    *chat,
                     guint       unread,
                     const char *last_text,
                     gboolean    email_only)
{
  g_autofree char *address = g_strdup (koi_chat_get_peer_address (chat));
  g_autofree char *name = g_strdup (koi_chat_get_title (chat));
  KoiStoreChat row = {
    .id = koi_chat_get_id (chat), .account_id = 1, .kind = KOI_STORE_CHAT_1TO1,
    .peer_address = address, .name = name, .unread_count = unread,
    .last_text = (char *) last_text, .last_direction = KOI_STORE_DIRECTION_INCOMING,
    .last_state = KOI_STORE_STATE_RECEIVED, .request = KOI_STORE_CHAT_REQUEST,
    .email_only = email_only,
  };

  koi_chat_update_from_store (chat, &row);
}

static KoiChat *
add_chat (Fixture    *fixture,
          gint64      id,
          const char *name,
          guint       unread,
          const char *text,
          gboolean    muted)
{
  g_autoptr (KoiChat) chat = chat_new (id, name, unread, text, muted);

  g_list_store_append (fixture->chats, chat);
  return chat;   /* the store keeps it */
}

static void
fixture_set_up (Fixture *fixture)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (introspection, &error);
  static const GActionEntry actions[] = {
    { .name = "mark-chat-read", .activate = on_mark_read, .parameter_type = "(xx)" },
    { .name = "open-chat", .activate = on_open_chat, .parameter_type = "(xx)" },
  };

  g_assert_no_error (error);
  fixture->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (fixture->bus);

  fixture->server.sent = g_ptr_array_new_with_free_func ((GDestroyNotify) sent_free);
  fixture->server.closed = g_array_new (FALSE, FALSE, sizeof (guint));
  fixture->server.connection =
    g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (fixture->bus),
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_register_object (fixture->server.connection, "/org/freedesktop/Notifications",
                                     node->interfaces[0], &server_vtable, &fixture->server, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr (GVariant) reply =
      g_dbus_connection_call_sync (fixture->server.connection, "org.freedesktop.DBus",
                                   "/org/freedesktop/DBus", "org.freedesktop.DBus", "RequestName",
                                   g_variant_new ("(su)", "org.freedesktop.Notifications", 4),
                                   G_VARIANT_TYPE ("(u)"), 0, -1, NULL, &error);
    g_assert_no_error (error);
  }

  fixture->app = g_application_new ("io.github.koichat.Koi.NotificationTest", G_APPLICATION_DEFAULT_FLAGS);
  g_action_map_add_action_entries (G_ACTION_MAP (fixture->app), actions, G_N_ELEMENTS (actions), fixture);
  g_assert_true (g_application_register (fixture->app, NULL, &error));
  g_assert_no_error (error);

  fixture->settings = g_settings_new ("io.github.koichat.Koi");
  fixture->chats = g_list_store_new (KOI_TYPE_CHAT);
  fixture->notifier = koi_notifier_new (fixture->app, fixture->settings);
  koi_notifier_set_shown_func (fixture->notifier, is_shown, fixture);
  g_signal_connect (fixture->notifier, "play-sound", G_CALLBACK (on_play_sound), fixture);
}

static void
fixture_tear_down (Fixture *fixture)
{
  /* Let every reply reach the backend before the app goes. */
  koi_test_ui_iterate_ms (200);
  g_clear_object (&fixture->notifier);
  g_clear_object (&fixture->chats);
  g_clear_object (&fixture->settings);
  g_clear_object (&fixture->app);
  g_clear_pointer (&fixture->marked, g_variant_unref);
  g_clear_pointer (&fixture->opened, g_variant_unref);
  g_clear_pointer (&fixture->reply, g_free);
  g_clear_pointer (&fixture->portal.added, g_ptr_array_unref);
  g_clear_pointer (&fixture->portal.removed, g_ptr_array_unref);
  g_dbus_connection_close_sync (fixture->server.connection, NULL, NULL);
  g_clear_object (&fixture->server.connection);
  g_ptr_array_unref (fixture->server.sent);
  g_array_unref (fixture->server.closed);
  /* Not g_test_dbus_down(): with GLib 2.74 it runs a main loop in which
   * the finalized application's freedesktop notification backend is
   * unreferenced once too often (a critical inside GIO). The bus's own
   * watcher process ends the dbus-daemon when the test exits. */
  g_test_dbus_stop (fixture->bus);
}

static gboolean
strv_has (GStrv        strv,
          const char  *value)
{
  return strv != NULL && g_strv_contains ((const char * const *) strv, value);
}

static guint wanted_closed;
static gboolean
enough_closed (Fixture *fixture)
{
  return fixture->server.closed->len >= wanted_closed;
}

static void
test_notifications (void)
{
  Fixture fixture = { 0, };
  Fixture *f = &fixture;
  KoiChat *alice, *bob, *carol, *dave, *erin, *frank;
  Sent *sent;
  guint alice_id;

  fixture_set_up (f);

  /* Alice's chat had 2 unread messages before: nothing to tell about them. */
  alice = add_chat (f, 1, "Alice", 2, "old news", FALSE);
  bob = add_chat (f, 2, "Bob", 0, "hi", FALSE);
  carol = add_chat (f, 3, "Carol", 0, "hey", TRUE);          /* muted */
  dave = add_chat (f, 4, "Dave", 0, "yo", FALSE);            /* open in the focused window */
  erin = add_chat (f, 5, "Erin", 0, "hello", FALSE);
  frank = add_chat (f, 6, "Frank", 0, "hallo", FALSE);
  f->focused_chat = 4;
  koi_notifier_watch (f->notifier, G_LIST_MODEL (f->chats));

  /* A new message from Alice: one notification, her name, the text, a
   * click opens the chat, a button marks it read. */
  chat_update (alice, 3, "Are you coming tonight?", KOI_STORE_DIRECTION_INCOMING);
  sent = wait_sent (f, 1);
  g_assert_cmpstr (sent->summary, ==, "Alice");
  g_assert_cmpstr (sent->body, ==, "Are you coming tonight?");
  g_assert_true (strv_has (sent->actions, "default"));
  g_assert_true (strv_has (sent->actions, "Mark as Read"));
  alice_id = sent->id;
  /* ... and it is heard: the sound goes with the notification. */
  g_assert_cmpuint (f->sounds, ==, 1);
  g_assert_cmpint (f->sound_chat, ==, 1);

  /* None for the user's own message from another device (Bob), a muted
   * chat (Carol) or the chat open in the focused window (Dave). Then one
   * from Erin: D-Bus keeps the order, so when hers is the next one
   * recorded, none of the others was sent. */
  chat_update (bob, 0, "my answer from the phone", KOI_STORE_DIRECTION_OUTGOING);
  chat_update (carol, 1, "muted words", KOI_STORE_DIRECTION_INCOMING);
  chat_update (dave, 1, "you see this already", KOI_STORE_DIRECTION_INCOMING);
  koi_notifier_flush (f->notifier);
  chat_update (erin, 1, "Erin here", KOI_STORE_DIRECTION_INCOMING);
  sent = wait_sent (f, 2);
  g_assert_cmpstr (sent->summary, ==, "Erin");
  /* No sound for the muted or the focused chat either: only Erin's. */
  g_assert_cmpuint (f->sounds, ==, 2);
  g_assert_cmpint (f->sound_chat, ==, 5);

  /* A catch-up of 200 messages from Frank, as 200 list updates: one
   * notification that says how many. */
  for (guint i = 1; i <= 200; i++)
    {
      g_autofree char *text = g_strdup_printf ("message %u", i);

      chat_update (frank, i, text, KOI_STORE_DIRECTION_INCOMING);
    }
  sent = wait_sent (f, 3);
  g_assert_cmpstr (sent->summary, ==, "Frank");
  g_assert_cmpstr (sent->body, ==, "200 new messages, the newest: message 200");
  /* One notification, one sound, not 200. */
  g_assert_cmpuint (f->sounds, ==, 3);

  /* Alice's chat is read on another device: her notification goes away. */
  chat_update (alice, 0, "Are you coming tonight?", KOI_STORE_DIRECTION_INCOMING);
  wanted_closed = 1;
  wait_until (enough_closed, f);
  g_assert_cmpuint (g_array_index (f->server.closed, guint, 0), ==, alice_id);

  /* "Mark as Read" on Erin's notification, clicked in the desktop's
   * notification: the app's action runs for her chat. */
  g_dbus_connection_emit_signal (f->server.connection, NULL, "/org/freedesktop/Notifications",
                                 "org.freedesktop.Notifications", "ActionInvoked",
                                 g_variant_new ("(us)", ((Sent *) g_ptr_array_index (f->server.sent, 1))->id,
                                                ((Sent *) g_ptr_array_index (f->server.sent, 1))->actions[2]),
                                 NULL);
  {
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while (f->marked == NULL && f->opened == NULL && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
  }
  g_assert_nonnull (f->marked);
  {
    gint64 account_id, chat_id;

    g_variant_get (f->marked, "(xx)", &account_id, &chat_id);
    g_assert_cmpint (account_id, ==, 1);
    g_assert_cmpint (chat_id, ==, 5);
  }

  /* Content hidden: the sender, and only "New message". */
  g_settings_set_boolean (f->settings, "notification-show-content", FALSE);
  chat_update (bob, 1, "a secret", KOI_STORE_DIRECTION_INCOMING);
  sent = wait_sent (f, 4);
  g_assert_cmpstr (sent->summary, ==, "Bob");
  g_assert_cmpstr (sent->body, ==, "New message");

  /* Notifications off: none at all; a new one only once they are on. */
  g_settings_set_boolean (f->settings, "notifications", FALSE);
  chat_update (erin, 2, "are you there?", KOI_STORE_DIRECTION_INCOMING);
  koi_notifier_flush (f->notifier);
  g_settings_set_boolean (f->settings, "notifications", TRUE);
  chat_update (alice, 1, "back again", KOI_STORE_DIRECTION_INCOMING);
  sent = wait_sent (f, 5);
  g_assert_cmpstr (sent->summary, ==, "Alice");
  g_assert_cmpuint (f->server.sent->len, ==, 5);

  fixture_tear_down (f);
}

/* Contact requests notify quietly and say so; ordinary email from a
 * stranger, hidden by default, not at all; a group's says which group. */
static void
test_request_notifications (void)
{
  Fixture fixture = { 0, };
  Fixture *f = &fixture;
  KoiChat *mallory, *shop, *alice;
  Sent *sent;

  fixture_set_up (f);
  mallory = add_chat (f, 1, "Mallory", 0, NULL, FALSE);
  shop = add_chat (f, 2, "Shop", 0, NULL, FALSE);
  alice = add_chat (f, 3, "Alice", 0, "hi", FALSE);
  koi_notifier_watch (f->notifier, G_LIST_MODEL (f->chats));

  chat_update_request (mallory, 1, "We met at the conference", FALSE);
  sent = wait_sent (f, 1);
  g_assert_cmpstr (sent->summary, ==, "Contact request from Mallory");
  g_assert_cmpint (sent->urgency, ==, 0);
  /* A stranger makes no sound until accepted. */
  g_assert_cmpuint (f->sounds, ==, 0);

  /* The shop's newsletter (no Chat-Version) stays silent; Alice's message
   * after it is the next one recorded, at normal urgency. */
  chat_update_request (shop, 1, "Black Friday deals", TRUE);
  koi_notifier_flush (f->notifier);
  chat_update (alice, 1, "Lunch?", KOI_STORE_DIRECTION_INCOMING);
  sent = wait_sent (f, 2);
  g_assert_cmpstr (sent->summary, ==, "Alice");
  g_assert_cmpint (sent->urgency, ==, 1);
  g_assert_cmpuint (f->sounds, ==, 1);

  /* Sound off in Preferences: the notification still comes, silently. */
  g_settings_set_boolean (f->settings, "notification-sound", FALSE);

  /* A group's message: the group's name on top, the sender before the
   * words. */
  {
    KoiStoreChat row = {
      .id = 9, .account_id = 1, .kind = KOI_STORE_CHAT_GROUP, .name = (char *) "Trip 2027",
      .group_id = (char *) "trip-2027-group", .unread_count = 1,
      .last_text = (char *) "who brings the tent?", .last_from = (char *) "Bob",
      .last_direction = KOI_STORE_DIRECTION_INCOMING, .last_state = KOI_STORE_STATE_RECEIVED,
    };
    g_autoptr (KoiChat) group = NULL;

    row.unread_count = 0;
    group = koi_chat_new_from_store (&row);
    g_list_store_append (f->chats, group);
    koi_notifier_flush (f->notifier);
    row.unread_count = 1;
    koi_chat_update_from_store (group, &row);
    sent = wait_sent (f, 3);
    g_assert_cmpstr (sent->summary, ==, "Trip 2027");
    g_assert_cmpstr (sent->body, ==, "Bob: who brings the tent?");
    g_assert_cmpuint (f->sounds, ==, 1);
  }

  /* With every ordinary email shown, the shop's next one notifies. */
  g_settings_set_string (f->settings, "show-ordinary-email", "all");
  chat_update_request (shop, 2, "Cyber Monday deals", TRUE);
  sent = wait_sent (f, 4);
  g_assert_cmpstr (sent->summary, ==, "Contact request from Shop");
  g_assert_cmpuint (f->server.sent->len, ==, 4);

  fixture_tear_down (f);
}

/* With two accounts in the profile, the title names the chat's account;
 * with one, it does not. */
static void
test_account_notifications (void)
{
  Fixture fixture = { 0, };
  Fixture *f = &fixture;
  g_autoptr (KoiStoreReader) reader = NULL;
  g_autoptr (GListStore) accounts = g_list_store_new (KOI_TYPE_ACCOUNT);
  g_autoptr (KoiAccount) me = NULL;
  g_autoptr (KoiAccount) work = NULL;
  g_autofree char *dir = g_dir_make_tmp ("koi-notify-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (dir, "koi.db", NULL);
  KoiChat *alice;
  Sent *sent;

  fixture_set_up (f);
  reader = koi_store_reader_new (db);
  me = koi_account_new (reader, 1, "me@example.org", NULL);
  work = koi_account_new (reader, 2, "me@work.example", NULL);
  g_list_store_append (accounts, me);
  g_list_store_append (accounts, work);
  koi_notifier_set_accounts (f->notifier, G_LIST_MODEL (accounts));

  alice = add_chat (f, 1, "Alice", 0, "old news", FALSE);
  koi_notifier_watch (f->notifier, G_LIST_MODEL (f->chats));
  chat_update (alice, 1, "Lunch?", KOI_STORE_DIRECTION_INCOMING);
  sent = wait_sent (f, 1);
  g_assert_cmpstr (sent->summary, ==, "Alice (me@example.org)");

  /* The other account removed: the title is the chat's alone again. */
  g_list_store_remove (accounts, 1);
  chat_update (alice, 2, "Lunch at noon?", KOI_STORE_DIRECTION_INCOMING);
  sent = wait_sent (f, 2);
  g_assert_cmpstr (sent->summary, ==, "Alice");

  g_clear_object (&reader);
  fixture_tear_down (f);
  g_rmdir (dir);
}

/* A tiny JPEG is not needed: the notification carries the card's bytes
 * as they are, and the server (here, the test) reads the file. */
static const char photo_bytes[] = "\xff\xd8\xff\xe0 Alice's face \xff\xd9";

/* A store with one account whose contact alice@example.org has @photo on
 * her card; returns the account's id. */
static gint64
store_with_photo (const char *db,
                  GBytes     *photo)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiStore) store = koi_store_open (db, &error);
  g_autoptr (KoiContactCard) card = koi_contact_card_new ("alice@example.org");
  g_autofree char *vcard = NULL;
  g_autofree char *json = NULL;
  KoiStoreAccount account = {
    .address = (char *) "me@example.org", .imap_host = (char *) "127.0.0.1",
    .imap_port = 1, .imap_security = (char *) "tls", .smtp_host = (char *) "127.0.0.1",
    .smtp_port = 1, .smtp_security = (char *) "tls",
  };
  KoiStoreContact contact = { .address = (char *) "alice@example.org" };
  gint64 account_id;

  g_assert_no_error (error);
  account_id = koi_store_account_upsert (store, &account, &error);
  g_assert_no_error (error);
  koi_contact_card_set_photo (card, photo);
  vcard = koi_contact_card_to_vcard (card);
  json = koi_contact_card_to_json (card);
  contact.account_id = account_id;
  contact.vcard = vcard;
  contact.contact_json = json;
  koi_store_contact_ensure (store, account_id, "alice@example.org", "Alice", &error);
  g_assert_no_error (error);
  koi_store_contact_upsert (store, &contact, &error);
  g_assert_no_error (error);
  return account_id;
}

/* The sender's picture from the contact card goes with the notification
 * (the freedesktop server gets it as "image-path"); a contact without one
 * gets none, and a chat read while its picture is looked up never shows. */
static void
test_avatar_notifications (void)
{
  Fixture fixture = { 0, };
  Fixture *f = &fixture;
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiStoreReader) reader = NULL;
  g_autoptr (GListStore) accounts = g_list_store_new (KOI_TYPE_ACCOUNT);
  g_autoptr (KoiAccount) me = NULL;
  g_autofree char *dir = g_dir_make_tmp ("koi-notify-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (dir, "koi.db", NULL);
  g_autoptr (GBytes) photo = g_bytes_new_static (photo_bytes, sizeof photo_bytes - 1);
  g_autofree char *contents = NULL;
  gsize length;
  gint64 account_id;
  KoiChat *alice, *bob;
  Sent *sent;

  account_id = store_with_photo (db, photo);

  fixture_set_up (f);
  reader = koi_store_reader_new (db);
  me = koi_account_new (reader, account_id, "me@example.org", NULL);
  g_list_store_append (accounts, me);
  koi_notifier_set_accounts (f->notifier, G_LIST_MODEL (accounts));

  alice = add_chat (f, 1, "alice", 0, "old news", FALSE);
  bob = add_chat (f, 2, "bob", 0, "hi", FALSE);
  koi_notifier_watch (f->notifier, G_LIST_MODEL (f->chats));

  /* chat_new() gives account 1: the store's first account is 1 too. */
  g_assert_cmpint (account_id, ==, 1);
  chat_update (alice, 1, "Look at my new picture", KOI_STORE_DIRECTION_INCOMING);
  sent = wait_sent (f, 1);
  g_assert_cmpstr (sent->summary, ==, "alice");
  g_assert_nonnull (sent->image);
  g_assert_true (g_file_get_contents (sent->image, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (contents, length, photo_bytes, sizeof photo_bytes - 1);
  g_assert_cmpuint (f->sounds, ==, 1);

  /* Bob has no card: his notification has no picture. */
  chat_update (bob, 1, "no face here", KOI_STORE_DIRECTION_INCOMING);
  sent = wait_sent (f, 2);
  g_assert_cmpstr (sent->summary, ==, "bob");
  g_assert_null (sent->image);

  /* Read on another device while the picture is looked up: nothing goes
   * out (the next one recorded is Bob's, and nothing was closed twice). */
  chat_update (alice, 2, "one more", KOI_STORE_DIRECTION_INCOMING);
  koi_notifier_flush (f->notifier);
  chat_update (alice, 0, "one more", KOI_STORE_DIRECTION_INCOMING);
  koi_notifier_flush (f->notifier);
  chat_update (bob, 2, "still no face", KOI_STORE_DIRECTION_INCOMING);
  sent = wait_sent (f, 3);
  g_assert_cmpstr (sent->summary, ==, "bob");
  koi_test_ui_iterate_ms (200);
  g_assert_cmpuint (f->server.sent->len, ==, 3);

  g_clear_object (&reader);
  fixture_tear_down (f);
}


/* The portal path: a version 2 portal (a scripted one here, owning
 * org.freedesktop.portal.Desktop on the private bus) gets the
 * notification with a Reply button of purpose im.reply-with-text and the
 * sender's picture as bytes; the text typed there comes back as "reply"
 * for that chat. A version 1 portal leaves it to GNotification. */
static gboolean
probed (Fixture *fixture)
{
  return fixture->opened != NULL;
}

static void
on_probed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Fixture *fixture = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ready = koi_portal_notifications_probe_finish (KOI_PORTAL_NOTIFICATIONS (source), result, &error);

  g_assert_no_error (error);
  /* Reused as "done": the test opens no chat. */
  fixture->opened = g_variant_ref_sink (g_variant_new_boolean (ready));
}

static gboolean
probe (Fixture                *fixture,
       KoiPortalNotifications *portal)
{
  gboolean ready;

  g_clear_pointer (&fixture->opened, g_variant_unref);
  koi_portal_notifications_probe_async (portal, NULL, on_probed, fixture);
  wait_until (probed, fixture);
  ready = g_variant_get_boolean (fixture->opened);
  g_clear_pointer (&fixture->opened, g_variant_unref);
  return ready;
}

static void
on_reply (KoiPortalNotifications *portal,
          gint64                  account_id,
          gint64                  chat_id,
          const char             *text,
          gpointer                user_data)
{
  Fixture *fixture = user_data;

  fixture->replied_account = account_id;
  fixture->replied_chat = chat_id;
  g_free (fixture->reply);
  fixture->reply = g_strdup (text);
}

static guint wanted_added;
static gboolean
enough_added (Fixture *fixture)
{
  return fixture->portal.added->len >= wanted_added;
}

static gboolean
replied (Fixture *fixture)
{
  return fixture->reply != NULL;
}

static guint wanted_removed;
static gboolean
enough_removed (Fixture *fixture)
{
  return fixture->portal.removed->len >= wanted_removed;
}

/* The buttons of AddNotification number @n: action → purpose ("" none). */
static GHashTable *
added_buttons (Fixture  *fixture,
               guint     n,
               GVariant **out_notification)
{
  GVariant *added = g_ptr_array_index (fixture->portal.added, n - 1);
  g_autoptr (GVariant) notification = g_variant_get_child_value (added, 1);
  g_autoptr (GVariant) buttons = g_variant_lookup_value (notification, "buttons", G_VARIANT_TYPE ("aa{sv}"));
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GVariantIter iter;
  GVariant *button;

  g_assert_nonnull (buttons);
  g_variant_iter_init (&iter, buttons);
  while ((button = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *action = NULL, *purpose = "";

      g_variant_lookup (button, "action", "&s", &action);
      g_variant_lookup (button, "purpose", "&s", &purpose);
      g_hash_table_insert (table, g_strdup (action), g_strdup (purpose));
      g_variant_unref (button);
    }
  if (out_notification != NULL)
    *out_notification = g_steal_pointer (&notification);
  return table;
}

static void
test_portal_notifications (void)
{
  Fixture fixture = { 0, };
  Fixture *f = &fixture;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (portal_introspection, &error);
  g_autoptr (KoiPortalNotifications) portal = NULL;
  g_autoptr (KoiStoreReader) reader = NULL;
  g_autoptr (GListStore) accounts = g_list_store_new (KOI_TYPE_ACCOUNT);
  g_autoptr (KoiAccount) me = NULL;
  g_autofree char *dir = g_dir_make_tmp ("koi-notify-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (dir, "koi.db", NULL);
  g_autoptr (GBytes) photo = g_bytes_new_static (photo_bytes, sizeof photo_bytes - 1);
  gint64 account_id = store_with_photo (db, photo);
  KoiChat *alice, *mallory;

  g_assert_no_error (error);
  fixture_set_up (f);
  f->portal.added = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  f->portal.removed = g_ptr_array_new_with_free_func (g_free);
  f->portal.version = 1;
  g_dbus_connection_register_object (f->server.connection, "/org/freedesktop/portal/desktop",
                                     node->interfaces[0], &portal_vtable, &f->portal, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr (GVariant) reply =
      g_dbus_connection_call_sync (f->server.connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                   "org.freedesktop.DBus", "RequestName",
                                   g_variant_new ("(su)", "org.freedesktop.portal.Desktop", 4),
                                   G_VARIANT_TYPE ("(u)"), 0, -1, NULL, &error);
    g_assert_no_error (error);
  }

  reader = koi_store_reader_new (db);
  me = koi_account_new (reader, account_id, "me@example.org", NULL);
  g_list_store_append (accounts, me);
  koi_notifier_set_accounts (f->notifier, G_LIST_MODEL (accounts));

  /* A portal without replies (version 1) is not used. */
  portal = koi_portal_notifications_new (g_application_get_dbus_connection (f->app));
  g_signal_connect (portal, "reply", G_CALLBACK (on_reply), f);
  g_assert_false (probe (f, portal));
  f->portal.version = 2;
  g_assert_true (probe (f, portal));
  koi_notifier_set_portal (f->notifier, portal);

  alice = add_chat (f, 1, "alice", 0, "old news", FALSE);
  mallory = add_chat (f, 2, "mallory", 0, NULL, FALSE);
  koi_notifier_watch (f->notifier, G_LIST_MODEL (f->chats));

  chat_update (alice, 1, "Are you coming?", KOI_STORE_DIRECTION_INCOMING);
  wanted_added = 1;
  wait_until (enough_added, f);
  {
    g_autoptr (GVariant) notification = NULL;
    g_autoptr (GHashTable) buttons = added_buttons (f, 1, &notification);
    g_autoptr (GVariant) icon = g_variant_lookup_value (notification, "icon", NULL);
    g_autoptr (GIcon) sent_icon = NULL;
    const char *id, *title, *body;

    g_variant_get (g_ptr_array_index (f->portal.added, 0), "(&s@a{sv})", &id, NULL);
    g_assert_cmpstr (id, ==, "chat-1-1");
    g_assert_true (g_variant_lookup (notification, "title", "&s", &title));
    g_assert_cmpstr (title, ==, "alice");
    g_assert_true (g_variant_lookup (notification, "body", "&s", &body));
    g_assert_cmpstr (body, ==, "Are you coming?");
    g_assert_cmpstr (g_hash_table_lookup (buttons, "reply"), ==, "im.reply-with-text");
    g_assert_cmpstr (g_hash_table_lookup (buttons, "app.mark-chat-read"), ==, "");
    /* Her picture, as bytes: the portal cannot read our files. */
    g_assert_nonnull (icon);
    sent_icon = g_icon_deserialize (icon);
    g_assert_true (G_IS_BYTES_ICON (sent_icon));
    g_assert_true (g_bytes_equal (g_bytes_icon_get_bytes (G_BYTES_ICON (sent_icon)), photo));
  }
  /* GLib's own path stayed silent. */
  g_assert_cmpuint (f->server.sent->len, ==, 0);

  /* Typed into the notification: the portal's ActionInvoked carries the
   * button's target, platform data and the text. */
  {
    GVariantBuilder parameter;

    g_variant_builder_init (&parameter, G_VARIANT_TYPE ("av"));
    g_variant_builder_add (&parameter, "v", g_variant_new ("(xx)", account_id, (gint64) 1));
    g_variant_builder_add (&parameter, "v", g_variant_new ("a{sv}", NULL));
    g_variant_builder_add (&parameter, "v", g_variant_new_string ("On my way"));
    g_dbus_connection_emit_signal (f->server.connection, NULL, "/org/freedesktop/portal/desktop",
                                   "org.freedesktop.portal.Notification", "ActionInvoked",
                                   g_variant_new ("(ssav)", "chat-1-1", "reply", &parameter), &error);
    g_assert_no_error (error);
  }
  wait_until (replied, f);
  g_assert_cmpint (f->replied_account, ==, account_id);
  g_assert_cmpint (f->replied_chat, ==, 1);
  g_assert_cmpstr (f->reply, ==, "On my way");

  /* Read (after the reply): withdrawn through the portal. */
  chat_update (alice, 0, "Are you coming?", KOI_STORE_DIRECTION_INCOMING);
  wanted_removed = 1;
  wait_until (enough_removed, f);
  g_assert_cmpstr (g_ptr_array_index (f->portal.removed, 0), ==, "chat-1-1");

  /* A contact request: low priority and no reply field. */
  chat_update_request (mallory, 1, "We met at the conference", FALSE);
  wanted_added = 2;
  wait_until (enough_added, f);
  {
    g_autoptr (GVariant) notification = NULL;
    g_autoptr (GHashTable) buttons = added_buttons (f, 2, &notification);
    const char *priority;

    g_assert_true (g_variant_lookup (notification, "priority", "&s", &priority));
    g_assert_cmpstr (priority, ==, "low");
    g_assert_false (g_hash_table_contains (buttons, "reply"));
  }
  g_assert_cmpuint (f->server.sent->len, ==, 0);

  koi_notifier_set_portal (f->notifier, NULL);
  g_clear_object (&portal);
  g_clear_object (&reader);
  fixture_tear_down (f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/notifications/avatar", test_avatar_notifications);
  g_test_add_func ("/ui/notifications/portal", test_portal_notifications);

  g_test_add_func ("/ui/notifications/fdo", test_notifications);
  g_test_add_func ("/ui/notifications/requests", test_request_notifications);
  g_test_add_func ("/ui/notifications/accounts", test_account_notifications);

  return g_test_run ();
}
