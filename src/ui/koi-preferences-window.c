/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-preferences-window"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-account.h"
#include "koi-preferences-window.h"

struct _KoiPreferencesWindow
{
  KoiPreferencesBase    parent_instance;

  AdwComboRow          *color_scheme_row;
  GtkSwitch            *move_switch;
  AdwActionRow         *other_app_row;
  GtkSwitch            *receipts_switch;
  AdwComboRow          *ordinary_email_row;
  GtkSwitch            *notifications_switch;
  GtkSwitch            *content_switch;
  GtkSwitch            *background_switch;

  GSettings            *settings;
  GListModel           *accounts;
  gboolean              move_bound;
};

G_DEFINE_FINAL_TYPE (KoiPreferencesWindow, koi_preferences_window, KOI_TYPE_PREFERENCES_BASE)

/* The combo's positions follow the schema's enum values (default, light,
 * dark), so the mapping is the enum's number. */
static gboolean
scheme_to_position (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  const char *nick = g_variant_get_string (variant, NULL);
  guint position = 0;

  if (g_strcmp0 (nick, "light") == 0)
    position = 1;
  else if (g_strcmp0 (nick, "dark") == 0)
    position = 2;

  g_value_set_uint (value, position);
  return TRUE;
}

static GVariant *
position_to_scheme (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  static const char * const nicks[] = { "default", "light", "dark" };
  guint position = g_value_get_uint (value);

  if (position >= G_N_ELEMENTS (nicks))
    position = 0;

  return g_variant_new_string (nicks[position]);
}

/* The "show-ordinary-email" enum and its combo row's positions. */
static const char * const ordinary_email_nicks[] = { "all", "contacts", "none", NULL };

static gboolean
nick_to_position (GValue   *value,
                  GVariant *variant,
                  gpointer  user_data)
{
  const char * const *nicks = user_data;
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; nicks[i] != NULL; i++)
    if (g_strcmp0 (nick, nicks[i]) == 0)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
position_to_nick (const GValue       *value,
                  const GVariantType *expected_type,
                  gpointer            user_data)
{
  const char * const *nicks = user_data;
  guint position = g_value_get_uint (value);

  if (position >= g_strv_length ((char **) nicks))
    return NULL;
  return g_variant_new_string (nicks[position]);
}

/* Another chat app fetches chat mail from INBOX, and the engine never
 * moves it away from one it has seen (koi-chat-client-detect.h). Say so
 * beside the switch; when that holds for every account the switch can
 * change nothing, so it is shown off and insensitive. */
static void
update_other_app (KoiPreferencesWindow *self)
{
  g_autoptr (GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
  gboolean delta_chat_only = TRUE;
  guint n = self->accounts != NULL ? g_list_model_get_n_items (self->accounts) : 0;
  g_autofree char *joined = NULL;
  g_autofree char *subtitle = NULL;
  gboolean all;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiAccount) account = g_list_model_get_item (self->accounts, i);
      const char *client = koi_account_get_other_chat_client (account);

      if (client == NULL)
        continue;
      g_ptr_array_add (addresses, g_strdup (koi_account_get_address (account)));
      delta_chat_only &= g_str_equal (client, "delta-chat");
    }
  all = n > 0 && addresses->len == n;

  gtk_widget_set_visible (GTK_WIDGET (self->other_app_row), addresses->len > 0);
  if (addresses->len > 0)
    {
      g_ptr_array_add (addresses, NULL);
      joined = g_strjoinv (", ", (char **) addresses->pdata);
      /* TRANSLATORS: %s is one or more email addresses. */
      subtitle = g_strdup_printf (delta_chat_only
                                  ? _("Delta Chat uses %s too, so Koi leaves chat messages in the inbox for it to receive them")
                                  : _("Another chat app (for example Delta Chat) uses %s too, so Koi leaves chat messages in the inbox for it to receive them"),
                                  joined);
      adw_action_row_set_subtitle (self->other_app_row, subtitle);
    }

  if (all && self->move_bound)
    {
      g_settings_unbind (self->move_switch, "active");
      self->move_bound = FALSE;
      gtk_switch_set_active (self->move_switch, FALSE);
    }
  else if (!all && !self->move_bound)
    {
      g_settings_bind (self->settings, "move-chats-to-folder", self->move_switch, "active",
                       G_SETTINGS_BIND_DEFAULT);
      self->move_bound = TRUE;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->move_switch), !all);
}

static void
on_accounts_changed (KoiPreferencesWindow *self,
                     guint                 position,
                     guint                 removed,
                     guint                 added)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr (KoiAccount) account = g_list_model_get_item (self->accounts, i);

      g_signal_connect_object (account, "notify::other-chat-client",
                               G_CALLBACK (update_other_app), self, G_CONNECT_SWAPPED);
    }
  update_other_app (self);
}

GtkWidget *
koi_preferences_window_new (GSettings  *settings,
                            GListModel *accounts)
{
  KoiPreferencesWindow *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (KOI_TYPE_PREFERENCES_WINDOW, NULL);
  self->settings = g_object_ref (settings);

  g_settings_bind_with_mapping (settings, "color-scheme", self->color_scheme_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                scheme_to_position, position_to_scheme, NULL, NULL);
  g_settings_bind (settings, "send-read-receipts", self->receipts_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "show-ordinary-email", self->ordinary_email_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, nick_to_position, position_to_nick,
                                (gpointer) ordinary_email_nicks, NULL);
  g_settings_bind (settings, "notifications", self->notifications_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "notification-show-content", self->content_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "run-in-background", self->background_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  /* Content without notifications means nothing. */
  g_settings_bind (settings, "notifications", self->content_switch, "sensitive",
                   G_SETTINGS_BIND_GET);
  if (accounts != NULL)
    {
      self->accounts = g_object_ref (accounts);
      g_signal_connect_object (accounts, "items-changed",
                               G_CALLBACK (on_accounts_changed), self, G_CONNECT_SWAPPED);
      on_accounts_changed (self, 0, 0, g_list_model_get_n_items (accounts));
    }
  else
    update_other_app (self);

  return GTK_WIDGET (self);
}

static void
koi_preferences_window_dispose (GObject *object)
{
  KoiPreferencesWindow *self = KOI_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (object), KOI_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);
  g_clear_object (&self->accounts);

  G_OBJECT_CLASS (koi_preferences_window_parent_class)->dispose (object);
}

static void
koi_preferences_window_class_init (KoiPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/koi-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, color_scheme_row);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, move_switch);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, other_app_row);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, receipts_switch);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, ordinary_email_row);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, content_switch);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, background_switch);
}

static void
koi_preferences_window_init (KoiPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
