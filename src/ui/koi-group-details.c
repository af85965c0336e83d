/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-group-details"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-compat.h"
#include "koi-group-details.h"
#include "koi-store-group.h"
#include "koi-syncer.h"

struct _KoiGroupDetails
{
  AdwWindow            parent_instance;

  KoiAccount          *account;
  KoiChat             *chat;
  GCancellable        *cancellable;

  AdwEntryRow         *name_row;
  AdwEntryRow         *address_row;
  AdwPreferencesGroup *members_group;
  GtkWidget           *leave_button;
  GtkLabel            *error_label;
  GPtrArray           *member_rows;   /* GtkWidget*, in members_group */
  GPtrArray           *addresses;     /* char*, shown */
  gboolean             is_member;
};

G_DEFINE_FINAL_TYPE (KoiGroupDetails, koi_group_details, ADW_TYPE_WINDOW)

enum {
  SIGNAL_LOADED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void reload (KoiGroupDetails *self);

static void
show_error (KoiGroupDetails *self,
            const GError    *error)
{
  gtk_label_set_label (self->error_label, error != NULL ? error->message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), error != NULL);
}

static gboolean
is_self (KoiGroupDetails *self,
         const char      *address)
{
  return g_ascii_strcasecmp (address, koi_account_get_address (self->account)) == 0;
}

static void
changed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (KoiGroupDetails) self = user_data;
  g_autoptr (GError) error = NULL;

  if (koi_account_change_group_finish (KOI_ACCOUNT (source), result, &error) <= 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      show_error (self, error);
    }
  else
    show_error (self, NULL);
  reload (self);
}

static void
change (KoiGroupDetails *self,
        KoiGroupChange   what,
        const char      *argument)
{
  koi_account_change_group_async (self->account, koi_chat_get_id (self->chat), what, argument,
                                  self->cancellable, changed_cb, g_object_ref (self));
}

void
koi_group_details_remove_member (KoiGroupDetails *self,
                                 const char      *address)
{
  g_return_if_fail (KOI_IS_GROUP_DETAILS (self));

  change (self, KOI_GROUP_CHANGE_REMOVE, address);
}

static void
on_remove_clicked (KoiGroupDetails *self,
                   GtkButton       *button)
{
  koi_group_details_remove_member (self, g_object_get_data (G_OBJECT (button), "koi-address"));
}

static void
on_rename_apply (KoiGroupDetails *self,
                 AdwEntryRow     *row)
{
  change (self, KOI_GROUP_CHANGE_RENAME, gtk_editable_get_text (GTK_EDITABLE (row)));
}

static void
on_add_apply (KoiGroupDetails *self,
              AdwEntryRow     *row)
{
  g_autofree char *address = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  if (!koi_address_is_valid (address))
    {
      g_autoptr (GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                              /* TRANSLATORS: %s is what the user typed */
                                              _("“%s” is not an email address"), address);

      show_error (self, error);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (row), "");
  change (self, KOI_GROUP_CHANGE_ADD, address);
}

static void
on_leave_response (KoiGroupDetails *self,
                   const char      *response,
                   GtkWidget       *dialog)
{
  if (g_strcmp0 (response, "leave") == 0)
    change (self, KOI_GROUP_CHANGE_LEAVE, NULL);
}

static void
on_leave_clicked (KoiGroupDetails *self)
{
  GtkWidget *dialog = koi_compat_alert_new (_("Leave Group?"),
                                            _("You will no longer get this group’s messages. "
                                              "The others are told that you left."));

  koi_compat_alert_add_response (dialog, "cancel", _("_Cancel"), ADW_RESPONSE_DEFAULT);
  koi_compat_alert_add_response (dialog, "leave", _("_Leave"), ADW_RESPONSE_DESTRUCTIVE);
  koi_compat_alert_set_responses (dialog, "cancel", "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_leave_response), self,
                           G_CONNECT_SWAPPED);
  koi_compat_alert_present (dialog, GTK_WIDGET (self));
}

static void
members_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (KoiGroupDetails) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) members = koi_store_reader_list_group_members_finish (KOI_STORE_READER (source),
                                                                                  result, &error);

  if (members == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return;
    }

  for (guint i = 0; i < self->member_rows->len; i++)
    adw_preferences_group_remove (self->members_group, g_ptr_array_index (self->member_rows, i));
  g_ptr_array_set_size (self->member_rows, 0);
  g_ptr_array_set_size (self->addresses, 0);
  self->is_member = FALSE;

  for (guint i = 0; i < members->len; i++)
    {
      const KoiStoreGroupMember *member = g_ptr_array_index (members, i);
      const char *title = member->display_name != NULL ? member->display_name : member->address;
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), adw_avatar_new (32, title, TRUE));
      if (is_self (self, member->address))
        {
          self->is_member = TRUE;
          /* TRANSLATORS: the user's own row in a group's member list; Koi
           * groups have no admins: every member may change the group */
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("You · member"));
        }
      else
        {
          GtkWidget *remove = gtk_button_new_from_icon_name ("list-remove-symbolic");

          adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                       g_strcmp0 (title, member->address) != 0 ? member->address : "");
          gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (remove, "flat");
          /* TRANSLATORS: tooltip of the button beside a group member */
          gtk_widget_set_tooltip_text (remove, _("Remove from Group"));
          g_object_set_data_full (G_OBJECT (remove), "koi-address", g_strdup (member->address), g_free);
          g_signal_connect_object (remove, "clicked", G_CALLBACK (on_remove_clicked), self,
                                   G_CONNECT_SWAPPED);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
        }
      adw_preferences_group_add (self->members_group, row);
      g_ptr_array_add (self->member_rows, row);
      g_ptr_array_add (self->addresses, g_strdup (member->address));
    }

  /* Once out, the user can only look. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->name_row), self->is_member);
  gtk_widget_set_sensitive (GTK_WIDGET (self->address_row), self->is_member);
  gtk_widget_set_sensitive (self->leave_button, self->is_member);
  for (guint i = 0; i < self->member_rows->len; i++)
    gtk_widget_set_sensitive (g_ptr_array_index (self->member_rows, i), self->is_member);
  adw_preferences_group_set_description (self->members_group,
                                         self->is_member ? NULL
                                                         : _("You are no longer a member of this group."));
  g_signal_emit (self, signals[SIGNAL_LOADED], 0);
}

static void
reload (KoiGroupDetails *self)
{
  koi_store_reader_list_group_members_async (koi_account_get_reader (self->account),
                                             koi_chat_get_id (self->chat), self->cancellable,
                                             members_cb, g_object_ref (self));
}

char **
koi_group_details_get_members (KoiGroupDetails *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < self->addresses->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->addresses, i));
  return g_strv_builder_end (builder);
}

static void
build (KoiGroupDetails *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *name_group = adw_preferences_group_new ();
  GtkWidget *leave_group = adw_preferences_group_new ();
  GtkWidget *avatar = adw_avatar_new (96, koi_chat_get_title (self->chat), TRUE);

  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());

  /* The group's avatar on top, in a group of its own (a row group lists
   * rows before any other child). */
  {
    GtkWidget *avatar_group = adw_preferences_group_new ();

    adw_preferences_group_add (ADW_PREFERENCES_GROUP (avatar_group), avatar);
    adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (avatar_group));
  }
  self->name_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->name_row), _("Group Name"));
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), koi_chat_get_title (self->chat));
  adw_entry_row_set_show_apply_button (self->name_row, TRUE);
  g_signal_connect_object (self->name_row, "apply", G_CALLBACK (on_rename_apply), self, G_CONNECT_SWAPPED);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (name_group), GTK_WIDGET (self->name_row));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (name_group));

  self->members_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->members_group, _("Members"));
  self->address_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->address_row), _("Add by Email Address"));
  adw_entry_row_set_show_apply_button (self->address_row, TRUE);
  adw_entry_row_set_input_purpose (self->address_row, GTK_INPUT_PURPOSE_EMAIL);
  g_signal_connect_object (self->address_row, "apply", G_CALLBACK (on_add_apply), self, G_CONNECT_SWAPPED);
  adw_preferences_group_add (self->members_group, GTK_WIDGET (self->address_row));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->members_group);

  self->leave_button = gtk_button_new_with_mnemonic (_("_Leave Group"));
  gtk_widget_add_css_class (self->leave_button, "destructive-action");
  gtk_widget_set_halign (self->leave_button, GTK_ALIGN_CENTER);
  g_signal_connect_object (self->leave_button, "clicked", G_CALLBACK (on_leave_clicked), self,
                           G_CONNECT_SWAPPED);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (leave_group), self->leave_button);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (leave_group));

  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->error_label));

  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), page);
  adw_window_set_content (ADW_WINDOW (self), box);
}

GtkWidget *
koi_group_details_new (GtkWindow  *parent,
                       KoiAccount *account,
                       KoiChat    *chat)
{
  KoiGroupDetails *self;

  g_return_val_if_fail (KOI_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (KOI_IS_CHAT (chat), NULL);

  self = g_object_new (KOI_TYPE_GROUP_DETAILS,
                       "transient-for", parent,
                       "modal", TRUE,
                       "title", _("Group Details"),
                       "default-width", 420,
                       "default-height", 600,
                       NULL);
  self->account = g_object_ref (account);
  self->chat = g_object_ref (chat);
  build (self);
  reload (self);
  return GTK_WIDGET (self);
}

static void
koi_group_details_dispose (GObject *object)
{
  KoiGroupDetails *self = KOI_GROUP_DETAILS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->account);
  g_clear_object (&self->chat);
  g_clear_pointer (&self->member_rows, g_ptr_array_unref);
  g_clear_pointer (&self->addresses, g_ptr_array_unref);

  G_OBJECT_CLASS (koi_group_details_parent_class)->dispose (object);
}

static void
koi_group_details_class_init (KoiGroupDetailsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_group_details_dispose;

  signals[SIGNAL_LOADED] =
    g_signal_new ("loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
koi_group_details_init (KoiGroupDetails *self)
{
  self->cancellable = g_cancellable_new ();
  self->member_rows = g_ptr_array_new ();
  self->addresses = g_ptr_array_new_with_free_func (g_free);
}
