/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-preferences-window"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-account.h"
#include "koi-contact-info.h"
#include "koi-contacts.h"
#include "koi-key-transfer.h"
#include "koi-cert-review.h"
#include "koi-preferences-window.h"

struct _KoiPreferencesWindow
{
  KoiPreferencesBase    parent_instance;

  AdwComboRow          *color_scheme_row;
  GtkSwitch            *move_switch;
  AdwActionRow         *other_app_row;
  GtkSwitch            *receipts_switch;
  GtkSwitch            *encrypt_switch;
  AdwComboRow          *ordinary_email_row;
  AdwComboRow          *auto_download_row;
  GtkSwitch            *notifications_switch;
  GtkSwitch            *content_switch;
  GtkSwitch            *sound_switch;
  GtkSwitch            *background_switch;
  GtkSwitch            *login_switch;
  AdwPreferencesGroup  *blocked_group;
  GtkWidget            *blocked_empty_row;
  AdwPreferencesGroup  *certificates_group;
  GPtrArray            *certificate_rows;
  AdwPreferencesGroup  *keys_group;
  GPtrArray            *key_rows;

  GSettings            *settings;
  GListModel           *accounts;
  gboolean              move_bound;
  GCancellable         *cancellable;
  /* account (KoiAccount*) -> GPtrArray of its rows in blocked_group */
  GHashTable           *blocked_rows;
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

/* "auto-download-images-mb" and its combo row: Off, 1, 10, 50 MB. A value
 * set some other way (gsettings) shows as the next step up. */
static const guint auto_download_steps[] = { 0, 1, 10, 50 };

static gboolean
megabytes_to_position (GValue   *value,
                       GVariant *variant,
                       gpointer  user_data)
{
  guint32 mb = g_variant_get_uint32 (variant);
  guint position = G_N_ELEMENTS (auto_download_steps) - 1;

  for (guint i = 0; i < G_N_ELEMENTS (auto_download_steps); i++)
    if (mb <= auto_download_steps[i])
      {
        position = i;
        break;
      }
  g_value_set_uint (value, position);
  return TRUE;
}

static GVariant *
position_to_megabytes (const GValue       *value,
                       const GVariantType *expected_type,
                       gpointer            user_data)
{
  guint position = g_value_get_uint (value);

  if (position >= G_N_ELEMENTS (auto_download_steps))
    return NULL;
  return g_variant_new_uint32 (auto_download_steps[position]);
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

/* ------------------------------------------------------------------ */
/* Blocked contacts: read per account, shown together, each with Unblock. */

static void reload_blocked (KoiPreferencesWindow *self,
                            KoiAccount           *account);

static void
update_blocked_empty (KoiPreferencesWindow *self)
{
  GHashTableIter iter;
  gpointer rows;
  gboolean any = FALSE;

  g_hash_table_iter_init (&iter, self->blocked_rows);
  while (!any && g_hash_table_iter_next (&iter, NULL, &rows))
    any = ((GPtrArray *) rows)->len > 0;
  gtk_widget_set_visible (self->blocked_empty_row, !any);
}

static void
unblocked_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (KoiPreferencesWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  if (koi_account_edit_contact_finish (KOI_ACCOUNT (source), result, &error) <= 0 &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Could not unblock: %s", error != NULL ? error->message : "?");
  if (self->cancellable != NULL && !g_cancellable_is_cancelled (self->cancellable))
    reload_blocked (self, KOI_ACCOUNT (source));
}

static void
on_unblock_clicked (KoiPreferencesWindow *self,
                    GtkButton            *button)
{
  KoiAccount *account = g_object_get_data (G_OBJECT (button), "koi-account");
  g_autoptr (KoiContactEdit) edit = koi_contact_edit_new ();

  edit->blocked = 0;
  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  koi_account_edit_contact_async (account, g_object_get_data (G_OBJECT (button), "koi-address"), edit,
                                  self->cancellable, unblocked_cb, g_object_ref (self));
}

typedef struct
{
  KoiPreferencesWindow *self;
  KoiAccount           *account;
} BlockedQuery;

static void
blocked_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  BlockedQuery *query = user_data;
  g_autoptr (KoiPreferencesWindow) self = query->self;
  g_autoptr (KoiAccount) account = query->account;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) infos = koi_contact_info_list_finish (KOI_STORE_READER (source), result, &error);
  GPtrArray *rows;

  g_free (query);
  if (infos == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not read the blocked contacts: %s", error->message);
      return;
    }

  rows = g_hash_table_lookup (self->blocked_rows, account);
  if (rows == NULL)
    {
      rows = g_ptr_array_new ();
      g_hash_table_insert (self->blocked_rows, g_object_ref (account), rows);
    }
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (self->blocked_group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);

  for (guint i = 0; i < infos->len; i++)
    {
      const KoiContactInfo *info = g_ptr_array_index (infos, i);
      const char *title = koi_contact_info_get_title (info);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Unblock"));
      g_autoptr (GdkTexture) texture = koi_contact_info_get_texture (info);
      GtkWidget *avatar = adw_avatar_new (32, title, TRUE);

      adw_avatar_set_custom_image (ADW_AVATAR (avatar), GDK_PAINTABLE (texture));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      if (g_strcmp0 (title, info->address) != 0)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), info->address);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), avatar);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      g_object_set_data_full (G_OBJECT (button), "koi-address", g_strdup (info->address), g_free);
      g_object_set_data (G_OBJECT (button), "koi-account", account);
      g_signal_connect_object (button, "clicked", G_CALLBACK (on_unblock_clicked), self, G_CONNECT_SWAPPED);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      g_object_set_data_full (G_OBJECT (row), "koi-address", g_strdup (info->address), g_free);
      g_object_set_data (G_OBJECT (row), "koi-unblock", button);
      adw_preferences_group_add (self->blocked_group, row);
      g_ptr_array_add (rows, row);
    }
  update_blocked_empty (self);
}

static void
reload_blocked (KoiPreferencesWindow *self,
                KoiAccount           *account)
{
  BlockedQuery *query = g_new0 (BlockedQuery, 1);

  query->self = g_object_ref (self);
  query->account = g_object_ref (account);
  koi_contact_info_list_async (koi_account_get_reader (account), koi_account_get_id (account), TRUE,
                               self->cancellable, blocked_cb, query);
}

static void
on_contact_updated (KoiPreferencesWindow *self,
                    gint64                contact_id,
                    KoiAccount           *account)
{
  reload_blocked (self, account);
}

GStrv
koi_preferences_window_get_blocked (KoiPreferencesWindow *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer rows;

  g_return_val_if_fail (KOI_IS_PREFERENCES_WINDOW (self), NULL);

  g_hash_table_iter_init (&iter, self->blocked_rows);
  while (g_hash_table_iter_next (&iter, NULL, &rows))
    for (guint i = 0; i < ((GPtrArray *) rows)->len; i++)
      g_strv_builder_add (builder, g_object_get_data (g_ptr_array_index ((GPtrArray *) rows, i),
                                                      "koi-address"));
  return g_strv_builder_end (builder);
}

GtkWidget *
koi_preferences_window_get_unblock_button (KoiPreferencesWindow *self,
                                           const char           *address)
{
  GHashTableIter iter;
  gpointer rows;

  g_return_val_if_fail (KOI_IS_PREFERENCES_WINDOW (self), NULL);

  g_hash_table_iter_init (&iter, self->blocked_rows);
  while (g_hash_table_iter_next (&iter, NULL, &rows))
    for (guint i = 0; i < ((GPtrArray *) rows)->len; i++)
      {
        GObject *row = g_ptr_array_index ((GPtrArray *) rows, i);

        if (g_strcmp0 (g_object_get_data (row, "koi-address"), address) == 0)
          return g_object_get_data (row, "koi-unblock");
      }
  return NULL;
}

static void
on_review_clicked (GtkButton *button,
                   KoiAccount *account)
{
  koi_cert_review_run (account, GTK_WIDGET (button));
}

/* One row per account: how its servers are checked, and "Review". */
static void
update_certificates (KoiPreferencesWindow *self)
{
  guint n = self->accounts != NULL ? g_list_model_get_n_items (self->accounts) : 0;

  for (guint i = 0; i < self->certificate_rows->len; i++)
    adw_preferences_group_remove (self->certificates_group, g_ptr_array_index (self->certificate_rows, i));
  g_ptr_array_set_size (self->certificate_rows, 0);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiAccount) account = g_list_model_get_item (self->accounts, i);
      g_autofree char *subtitle = koi_cert_review_describe (account);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Review…"));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), koi_account_get_address (account));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      g_signal_connect_object (button, "clicked", G_CALLBACK (on_review_clicked), account, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      adw_preferences_group_add (self->certificates_group, row);
      g_ptr_array_add (self->certificate_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->certificates_group), n > 0);
}

/* One row per account: move its key to another device, or take it over
 * from one (koi-key-transfer.c). */
static void
update_keys (KoiPreferencesWindow *self)
{
  guint n = self->accounts != NULL ? g_list_model_get_n_items (self->accounts) : 0;

  for (guint i = 0; i < self->key_rows->len; i++)
    adw_preferences_group_remove (self->keys_group, g_ptr_array_index (self->key_rows, i));
  g_ptr_array_set_size (self->key_rows, 0);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiAccount) account = g_list_model_get_item (self->accounts, i);

      koi_key_transfer_rows_add (self->keys_group, account, self->key_rows);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->keys_group), n > 0);
}

GtkWidget *
koi_preferences_window_get_key_row (KoiPreferencesWindow *self,
                                    guint                 position)
{
  g_return_val_if_fail (KOI_IS_PREFERENCES_WINDOW (self), NULL);

  /* Two rows per account (koi_key_transfer_rows_add): the first is asked for. */
  return 2 * position < self->key_rows->len ? g_ptr_array_index (self->key_rows, 2 * position)
                                            : NULL;
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
      g_signal_connect_object (account, "contact-updated", G_CALLBACK (on_contact_updated), self,
                               G_CONNECT_SWAPPED);
      reload_blocked (self, account);
    }
  update_other_app (self);
  update_certificates (self);
  update_keys (self);
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
  g_settings_bind (settings, "encrypt-when-possible", self->encrypt_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "show-ordinary-email", self->ordinary_email_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, nick_to_position, position_to_nick,
                                (gpointer) ordinary_email_nicks, NULL);
  g_settings_bind_with_mapping (settings, "auto-download-images-mb", self->auto_download_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, megabytes_to_position, position_to_megabytes,
                                NULL, NULL);
  g_settings_bind (settings, "notifications", self->notifications_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "notification-show-content", self->content_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "notification-sound", self->sound_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "run-in-background", self->background_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "start-at-login", self->login_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  /* Starting at login means running without the window. */
  g_settings_bind (settings, "run-in-background", self->login_switch, "sensitive",
                   G_SETTINGS_BIND_GET);
  /* Content without notifications means nothing. */
  g_settings_bind (settings, "notifications", self->content_switch, "sensitive",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (settings, "notifications", self->sound_switch, "sensitive",
                   G_SETTINGS_BIND_GET);
  if (accounts != NULL)
    {
      self->accounts = g_object_ref (accounts);
      g_signal_connect_object (accounts, "items-changed",
                               G_CALLBACK (on_accounts_changed), self, G_CONNECT_SWAPPED);
      on_accounts_changed (self, 0, 0, g_list_model_get_n_items (accounts));
    }
  else
    {
      update_other_app (self);
      update_certificates (self);
      update_keys (self);
    }

  return GTK_WIDGET (self);
}

static void
koi_preferences_window_dispose (GObject *object)
{
  KoiPreferencesWindow *self = KOI_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (object), KOI_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);
  g_clear_object (&self->accounts);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->blocked_rows, g_hash_table_unref);
  g_clear_pointer (&self->certificate_rows, g_ptr_array_unref);
  g_clear_pointer (&self->key_rows, g_ptr_array_unref);

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
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, encrypt_switch);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, ordinary_email_row);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, auto_download_row);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, content_switch);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, sound_switch);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, background_switch);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, login_switch);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, blocked_group);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, keys_group);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, blocked_empty_row);
  gtk_widget_class_bind_template_child (widget_class, KoiPreferencesWindow, certificates_group);
}

static void
koi_preferences_window_init (KoiPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->blocked_rows = g_hash_table_new_full (NULL, NULL, g_object_unref,
                                              (GDestroyNotify) g_ptr_array_unref);
  self->certificate_rows = g_ptr_array_new ();
  self->key_rows = g_ptr_array_new ();
}
