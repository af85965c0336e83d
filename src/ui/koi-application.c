/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-application"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-application.h"
#include "koi-autostart.h"
#include "koi-background.h"
#include "koi-compat.h"
#include "koi-model.h"
#include "koi-notifier.h"
#include "koi-preferences-window.h"
#include "koi-profile.h"
#include "koi-store-alert.h"
#include "koi-window.h"

struct _KoiApplication
{
  AdwApplication  parent_instance;

  char           *profile_dir;
  KoiSession     *session;
  GSettings      *settings;
  /* The first window waits for the accounts (a quick local read), so it
   * opens on the right page instead of flashing a spinner. */
  GtkWindow      *pending_window;
  KoiNotifier    *notifier;
  KoiPortalNotifications *portal;   /* notifications with a reply field */
  gboolean        loading;
  /* --background (the login's autostart): the first activation opens no
   * window; any later one (the user starting Koi) does. */
  gboolean        start_in_background;
  gboolean        profile_given;   /* --profile: autostart keeps it */
};

G_DEFINE_FINAL_TYPE (KoiApplication, koi_application, ADW_TYPE_APPLICATION)

static void on_start_at_login_changed (KoiApplication *self);

KoiApplication *
koi_application_new (void)
{
  return g_object_new (KOI_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", RESOURCE_BASE_PATH,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

KoiSession *
koi_application_get_session (KoiApplication *self)
{
  g_return_val_if_fail (KOI_IS_APPLICATION (self), NULL);

  return self->session;
}

GSettings *
koi_application_get_settings (KoiApplication *self)
{
  g_return_val_if_fail (KOI_IS_APPLICATION (self), NULL);

  return self->settings;
}

/* --profile DIR: a second profile is a second, independent Koi (alice's
 * and bob's side by side), so the instance must not be unique. */
static int
koi_application_handle_local_options (GApplication *app,
                                      GVariantDict *options)
{
  KoiApplication *self = KOI_APPLICATION (app);
  const char *profile = NULL;

  if (g_variant_dict_lookup (options, "profile", "^&ay", &profile) && profile != NULL && *profile != '\0')
    {
      g_autoptr (GFile) file = g_file_new_for_commandline_arg (profile);

      self->profile_dir = g_file_get_path (file);
      self->profile_given = TRUE;
      g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
    }
  if (g_variant_dict_contains (options, "background"))
    self->start_in_background = TRUE;

  return -1;
}

static void
koi_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  KoiApplication *self = KOI_APPLICATION (app);

  if (self->start_in_background)
    {
      self->start_in_background = FALSE;
      koi_background_run (GTK_APPLICATION (app));
      return;
    }

  if (window == NULL)
    window = GTK_WINDOW (koi_window_new (self));

  if (self->loading)
    {
      g_set_weak_pointer (&self->pending_window, window);
      return;
    }

  gtk_window_present (window);
}

static void
session_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (KoiApplication) self = user_data;
  g_autoptr (GError) error = NULL;
  gboolean loaded = koi_session_load_finish (KOI_SESSION (source), result, &error);

  self->loading = FALSE;
  if (self->pending_window != NULL)
    {
      gtk_window_present (self->pending_window);
      g_clear_weak_pointer (&self->pending_window);
    }

  if (!loaded)
    {
      GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
      g_autofree char *message = g_strdup_printf (_("Cannot read your chats: %s"), error->message);

      /* A store that cannot be used: the window says what to do. */
      if (window != NULL && koi_store_alert_handle (window, self->session, error))
        return;
      g_warning ("Loading profile %s: %s", self->profile_dir, error->message);
      if (KOI_IS_WINDOW (window))
        koi_window_show_toast (KOI_WINDOW (window), message);
    }
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  static const char *developers[] = { "The Koi developers", NULL };
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  GObject *about = koi_compat_about_new ();

  g_object_set (about,
                "application-name", _("Koi"),
                "application-icon", APP_ID,
                "developer-name", _("The Koi developers"),
                "version", PACKAGE_VERSION,
                "developers", developers,
                "license-type", GTK_LICENSE_GPL_3_0,
                "comments", _("Chat with anyone who has an email address"),
                NULL);
  koi_compat_present_dialog (about, window != NULL ? GTK_WIDGET (window) : NULL);
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  KoiApplication *self = KOI_APPLICATION (user_data);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *preferences;

  if (self->settings == NULL)
    return;

  preferences = koi_preferences_window_new (self->settings,
                                            self->session != NULL
                                            ? koi_session_get_accounts (self->session) : NULL);
  koi_compat_present_dialog (preferences, window != NULL ? GTK_WIDGET (window) : NULL);
}

/* The chat a notification names, if its account and chat still exist. */
static KoiChat *
chat_for_target (KoiApplication  *self,
                 GVariant        *parameter,
                 KoiAccount     **out_account)
{
  gint64 account_id, chat_id;
  KoiAccount *account;

  if (self->session == NULL)
    return NULL;
  g_variant_get (parameter, "(xx)", &account_id, &chat_id);
  account = koi_session_find_account (self->session, account_id);
  if (account == NULL)
    return NULL;
  *out_account = account;
  return koi_chat_list_find (koi_account_get_chats (account), chat_id);
}

/* A click on a notification: the window comes up with the chat open. */
static void
open_chat_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  KoiApplication *self = KOI_APPLICATION (user_data);
  KoiAccount *account = NULL;
  KoiChat *chat = chat_for_target (self, parameter, &account);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (koi_window_new (self));
  gtk_window_present (window);
  if (chat != NULL && KOI_IS_WINDOW (window) && koi_window_get_account (KOI_WINDOW (window)) == account)
    koi_window_open_chat (KOI_WINDOW (window), chat);
}

/* "Mark as Read" on a notification: read without opening the window (no
 * read receipt is owed: the user did not see the messages, only the
 * preview; the engine sends receipts only for what it was told was shown,
 * and it is told so by the window). */
static void
mark_chat_read_action (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  KoiApplication *self = KOI_APPLICATION (user_data);
  KoiAccount *account = NULL;
  KoiChat *chat = chat_for_target (self, parameter, &account);

  if (chat != NULL && koi_chat_get_unread_count (chat) > 0)
    koi_account_mark_read_unseen (account, koi_chat_get_id (chat));
}

/* Text typed into a notification's reply field: sent into that chat
 * through the engine, like the composer's, and the chat is then read
 * here (the user answered it), which withdraws the notification. */
static void
on_sent_reply (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  /* A failure shows on the bubble in the chat, as for any send. */
  if (koi_account_send_text_finish (KOI_ACCOUNT (source), result, &error) <= 0 && error != NULL)
    g_message ("Reply from a notification not queued: %s", error->message);
}

static void
on_notification_reply (KoiApplication *self,
                       gint64          account_id,
                       gint64          chat_id,
                       const char     *text)
{
  g_autoptr (GVariant) target = g_variant_ref_sink (g_variant_new ("(xx)", account_id, chat_id));
  KoiAccount *account = NULL;
  KoiChat *chat = chat_for_target (self, target, &account);

  if (chat == NULL)
    return;
  koi_account_send_text_async (account, chat_id, text, NULL, on_sent_reply, NULL);
  if (koi_chat_get_unread_count (chat) > 0)
    koi_account_mark_read_unseen (account, chat_id);
}

static void
on_portal_probed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (KoiApplication) self = user_data;
  g_autoptr (GError) error = NULL;

  if (koi_portal_notifications_probe_finish (KOI_PORTAL_NOTIFICATIONS (source), result, &error) &&
      self->notifier != NULL)
    koi_notifier_set_portal (self->notifier, self->portal);
  else if (error != NULL)
    g_debug ("No notification portal: %s", error->message);
}

/* In a Flatpak (or with GTK_USE_PORTAL=1, as GLib decides for its own
 * portal backend) notifications go to the portal directly once it says
 * it takes reply fields; outside, xdg-desktop-portal does not know which
 * app a host process is, so GNotification stays. */
static void
setup_notification_portal (KoiApplication *self)
{
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (self));

  if (bus == NULL ||
      (!g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS) && g_strcmp0 (g_getenv ("GTK_USE_PORTAL"), "1") != 0))
    return;
  self->portal = koi_portal_notifications_new (bus);
  g_signal_connect_object (self->portal, "reply", G_CALLBACK (on_notification_reply), self,
                           G_CONNECT_SWAPPED);
  koi_portal_notifications_probe_async (self->portal, NULL, on_portal_probed, g_object_ref (self));
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = quit_action },
  { .name = "about", .activate = about_action },
  { .name = "preferences", .activate = preferences_action },
  { .name = "open-chat", .activate = open_chat_action, .parameter_type = "(xx)" },
  { .name = "mark-chat-read", .activate = mark_chat_read_action, .parameter_type = "(xx)" },
};

/* The user is looking at the chat: the active window shows it. */
static gboolean
chat_is_shown (gint64   account_id,
               gint64   chat_id,
               gpointer user_data)
{
  KoiApplication *self = KOI_APPLICATION (user_data);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  KoiAccount *account;
  KoiChat *chat;

  if (!KOI_IS_WINDOW (window) || !gtk_window_is_active (window))
    return FALSE;
  account = koi_window_get_account (KOI_WINDOW (window));
  chat = koi_conversation_view_get_chat (koi_window_get_conversation_view (KOI_WINDOW (window)));
  return account != NULL && chat != NULL &&
         koi_account_get_id (account) == account_id && koi_chat_get_id (chat) == chat_id;
}

static void
on_accounts_changed (KoiApplication *self,
                     guint           position,
                     guint           removed,
                     guint           added,
                     GListModel     *accounts)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr (KoiAccount) account = g_list_model_get_item (accounts, i);

      koi_notifier_watch (self->notifier, G_LIST_MODEL (koi_account_get_chats (account)));
    }
}

static void
apply_color_scheme (KoiApplication *self)
{
  AdwStyleManager *manager = adw_style_manager_get_default ();
  g_autofree char *scheme = g_settings_get_string (self->settings, "color-scheme");

  if (g_strcmp0 (scheme, "light") == 0)
    adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_LIGHT);
  else if (g_strcmp0 (scheme, "dark") == 0)
    adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_DARK);
  else
    /* Follows the system's dark style preference. */
    adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_DEFAULT);
}

static void
open_settings (KoiApplication *self)
{
  g_autoptr (GSettingsSchema) schema = NULL;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();

  /* An uninstalled build may lack the compiled schema: run without
   * preferences instead of aborting. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "io.github.koichat.Koi", TRUE);
  if (schema == NULL)
    {
      g_message ("GSettings schema io.github.koichat.Koi not found; preferences are off");
      g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self),
                                                                                "preferences")),
                                   FALSE);
      return;
    }

  self->settings = g_settings_new_full (schema, NULL, NULL);
  g_signal_connect_object (self->settings, "changed::color-scheme",
                           G_CALLBACK (apply_color_scheme), self, G_CONNECT_SWAPPED);
  apply_color_scheme (self);
}

static void
on_move_chats_changed (KoiApplication *self,
                       const char     *key,
                       GSettings      *settings)
{
  if (self->session != NULL)
    koi_session_set_move_chat_mail (self->session, g_settings_get_boolean (settings, key));
}

static void
on_encrypt_changed (KoiApplication *self,
                    const char     *key,
                    GSettings      *settings)
{
  if (self->session != NULL)
    koi_session_set_encrypt (self->session, g_settings_get_boolean (settings, key));
}

static void
on_auto_download_changed (KoiApplication *self,
                          const char     *key,
                          GSettings      *settings)
{
  if (self->session != NULL)
    koi_session_set_auto_download_max (self->session,
                                       (gint64) g_settings_get_uint (settings, key) * 1000 * 1000);
}

static void
on_read_receipts_changed (KoiApplication *self,
                          const char     *key,
                          GSettings      *settings)
{
  if (self->session != NULL)
    koi_session_set_read_receipts (self->session, g_settings_get_boolean (settings, key));
}

static void
koi_application_startup (GApplication *app)
{
  KoiApplication *self = KOI_APPLICATION (app);
  g_autoptr (GError) error = NULL;

  G_APPLICATION_CLASS (koi_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit",
                                         (const char *[]) { "<Control>q", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences",
                                         (const char *[]) { "<Control>comma", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay",
                                         (const char *[]) { "<Control>question",
                                                            "<Control><Shift>question", NULL });

  open_settings (self);
  koi_background_init (GTK_APPLICATION (app), self->settings);
  if (self->settings != NULL)
    {
      g_signal_connect_object (self->settings, "changed::start-at-login",
                               G_CALLBACK (on_start_at_login_changed), self, G_CONNECT_SWAPPED);
      /* The entry follows the setting even if it was removed by hand or
       * Koi moved: written again at every start while the setting is on. */
      if (g_settings_get_boolean (self->settings, "start-at-login"))
        on_start_at_login_changed (self);
    }

  if (self->profile_dir == NULL)
    self->profile_dir = koi_profile_default_dir ();

  if (!koi_profile_ensure (self->profile_dir, &error))
    {
      g_warning ("Cannot use profile %s: %s", self->profile_dir, error->message);
      return;
    }

  self->session = koi_session_new (self->profile_dir);
  koi_session_set_exclusive (self->session, TRUE);

  self->notifier = koi_notifier_new (app, self->settings);
  koi_notifier_set_shown_func (self->notifier, chat_is_shown, self);
  koi_notifier_set_accounts (self->notifier, koi_session_get_accounts (self->session));
  setup_notification_portal (self);
  {
    GListModel *accounts = koi_session_get_accounts (self->session);

    on_accounts_changed (self, 0, 0, g_list_model_get_n_items (accounts), accounts);
    g_signal_connect_object (accounts, "items-changed", G_CALLBACK (on_accounts_changed), self,
                             G_CONNECT_SWAPPED);
  }
  if (self->settings != NULL)
    {
      koi_session_set_move_chat_mail (self->session,
                                      g_settings_get_boolean (self->settings, "move-chats-to-folder"));
      g_signal_connect_object (self->settings, "changed::move-chats-to-folder",
                               G_CALLBACK (on_move_chats_changed), self, G_CONNECT_SWAPPED);
      koi_session_set_read_receipts (self->session,
                                     g_settings_get_boolean (self->settings, "send-read-receipts"));
      g_signal_connect_object (self->settings, "changed::send-read-receipts",
                               G_CALLBACK (on_read_receipts_changed), self, G_CONNECT_SWAPPED);
      koi_session_set_encrypt (self->session,
                               g_settings_get_boolean (self->settings, "encrypt-when-possible"));
      g_signal_connect_object (self->settings, "changed::encrypt-when-possible",
                               G_CALLBACK (on_encrypt_changed), self, G_CONNECT_SWAPPED);
      on_auto_download_changed (self, "auto-download-images-mb", self->settings);
      g_signal_connect_object (self->settings, "changed::auto-download-images-mb",
                               G_CALLBACK (on_auto_download_changed), self, G_CONNECT_SWAPPED);
    }
  self->loading = TRUE;
  koi_session_load_async (self->session, NULL, session_loaded, g_object_ref (self));
}

static gboolean
keep_ticking (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
autostart_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  if (!koi_autostart_set_finish (result, &error))
    g_warning ("Cannot change whether Koi starts at login: %s", error->message);
}

/* The command the session runs at login: this very program, in the
 * background, with the same profile. */
static void
on_start_at_login_changed (KoiApplication *self)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);

  g_ptr_array_add (argv, exe != NULL ? g_steal_pointer (&exe) : g_strdup ("koi"));
  g_ptr_array_add (argv, g_strdup ("--background"));
  if (self->profile_dir != NULL && self->profile_given)
    {
      g_ptr_array_add (argv, g_strdup ("--profile"));
      g_ptr_array_add (argv, g_strdup (self->profile_dir));
    }
  g_ptr_array_add (argv, NULL);
  koi_autostart_set_async (G_APPLICATION (self), g_settings_get_boolean (self->settings, "start-at-login"),
                           (const char * const *) argv->pdata, NULL, autostart_done, NULL);
}

static void
koi_application_shutdown (GApplication *app)
{
  KoiApplication *self = KOI_APPLICATION (app);
  GList *windows;

  /* Closing the windows first hands their unsent text to the engines as
   * drafts (Ctrl+Q skips the windows' own close); the loop runs until the
   * drafts are stored, a few milliseconds, bounded for a wedged store. */
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))) != NULL)
    gtk_window_destroy (windows->data);
  if (self->session != NULL)
    {
      gint64 give_up = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
      /* Wakes the loop now and then, so the deadline is seen. */
      guint tick = g_timeout_add (50, keep_ticking, NULL);

      while (koi_session_get_saving (self->session) && g_get_monotonic_time () < give_up)
        g_main_context_iteration (NULL, TRUE);
      g_source_remove (tick);
    }

  /* Engines log out politely before the process ends. */
  if (self->session != NULL)
    koi_session_shutdown (self->session);

  G_APPLICATION_CLASS (koi_application_parent_class)->shutdown (app);
}

static void
koi_application_finalize (GObject *object)
{
  KoiApplication *self = KOI_APPLICATION (object);

  g_clear_weak_pointer (&self->pending_window);
  g_clear_object (&self->notifier);
  g_clear_object (&self->portal);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->profile_dir, g_free);

  G_OBJECT_CLASS (koi_application_parent_class)->finalize (object);
}

static void
koi_application_class_init (KoiApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = koi_application_finalize;
  app_class->activate = koi_application_activate;
  app_class->startup = koi_application_startup;
  app_class->shutdown = koi_application_shutdown;
  app_class->handle_local_options = koi_application_handle_local_options;
}

static void
koi_application_init (KoiApplication *self)
{
  static const GOptionEntry options[] = {
    { "profile", 'p', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, NULL,
      N_("Use the profile in DIR (runs beside other profiles)"), N_("DIR") },
    { "background", 'b', G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
      N_("Start without a window and receive messages in the background"), NULL },
    { NULL }
  };

  koi_model_init ();
  g_application_add_main_option_entries (G_APPLICATION (self), options);
}
