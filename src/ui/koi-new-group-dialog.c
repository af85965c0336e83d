/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-new-group-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-chat.h"
#include "koi-new-group-dialog.h"
#include "koi-syncer.h"

struct _KoiNewGroupDialog
{
  AdwWindow         parent_instance;

  KoiAccount       *account;
  GCancellable     *cancellable;

  GtkWidget        *create_button;
  AdwEntryRow      *name_row;
  AdwEntryRow      *address_row;
  AdwPreferencesGroup *members_group;
  GtkLabel         *error_label;
  /* address (lower-case) -> its row in members_group */
  GHashTable       *members;
  /* Suggestions from the 1:1 chats: address -> GtkCheckButton */
  GHashTable       *suggestions;
};

G_DEFINE_FINAL_TYPE (KoiNewGroupDialog, koi_new_group_dialog, ADW_TYPE_WINDOW)

enum {
  SIGNAL_GROUP_CREATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_error (KoiNewGroupDialog *self,
            const char        *message)
{
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static char *
name_text (KoiNewGroupDialog *self)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
}

static void
update_create (KoiNewGroupDialog *self)
{
  g_autofree char *name = name_text (self);
  g_auto (GStrv) members = koi_new_group_dialog_get_members (self);

  gtk_widget_set_sensitive (self->create_button, *name != '\0' && members[0] != NULL);
}

static void
on_remove_clicked (KoiNewGroupDialog *self,
                   GtkButton         *button)
{
  const char *address = g_object_get_data (G_OBJECT (button), "koi-address");
  GtkWidget *row = g_hash_table_lookup (self->members, address);

  if (row != NULL)
    {
      adw_preferences_group_remove (self->members_group, row);
      g_hash_table_remove (self->members, address);
    }
  update_create (self);
}

gboolean
koi_new_group_dialog_add_address (KoiNewGroupDialog *self,
                                  const char        *text)
{
  g_autofree char *address = NULL;
  GtkWidget *row;
  GtkWidget *remove;

  g_return_val_if_fail (KOI_IS_NEW_GROUP_DIALOG (self), FALSE);

  address = g_ascii_strdown (g_strstrip (g_strdup (text != NULL ? text : "")), -1);
  if (!koi_address_is_valid (address))
    {
      /* TRANSLATORS: %s is what the user typed */
      g_autofree char *message = g_strdup_printf (_("“%s” is not an email address"), address);

      show_error (self, message);
      gtk_widget_add_css_class (GTK_WIDGET (self->address_row), "error");
      return FALSE;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->address_row), "error");
  show_error (self, NULL);
  if (g_ascii_strcasecmp (address, koi_account_get_address (self->account)) == 0 ||
      g_hash_table_contains (self->members, address))
    return TRUE;   /* the user is in the group anyway; nobody twice */

  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), address);
  {
    GtkWidget *avatar = adw_avatar_new (32, address, FALSE);

    adw_action_row_add_prefix (ADW_ACTION_ROW (row), avatar);
  }
  remove = gtk_button_new_from_icon_name ("list-remove-symbolic");
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (remove, _("Remove"));
  g_object_set_data_full (G_OBJECT (remove), "koi-address", g_strdup (address), g_free);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (on_remove_clicked), self, G_CONNECT_SWAPPED);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  adw_preferences_group_add (self->members_group, row);
  g_hash_table_insert (self->members, g_steal_pointer (&address), row);
  update_create (self);
  return TRUE;
}

static void
on_address_apply (KoiNewGroupDialog *self,
                  AdwEntryRow       *row)
{
  if (koi_new_group_dialog_add_address (self, gtk_editable_get_text (GTK_EDITABLE (row))))
    gtk_editable_set_text (GTK_EDITABLE (row), "");
}

static void
on_suggestion_toggled (KoiNewGroupDialog *self,
                       GtkCheckButton    *check)
{
  update_create (self);
}

char **
koi_new_group_dialog_get_members (KoiNewGroupDialog *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->members);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_strv_builder_add (builder, key);
  g_hash_table_iter_init (&iter, self->suggestions);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (gtk_check_button_get_active (value) && !g_hash_table_contains (self->members, key))
      g_strv_builder_add (builder, key);
  return g_strv_builder_end (builder);
}

static void
created_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (KoiNewGroupDialog) self = user_data;
  g_autoptr (GError) error = NULL;
  gint64 chat_id = koi_account_create_group_finish (KOI_ACCOUNT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self), TRUE);
  if (chat_id <= 0)
    {
      show_error (self, error != NULL ? error->message : _("The group could not be created"));
      return;
    }
  g_signal_emit (self, signals[SIGNAL_GROUP_CREATED], 0, chat_id);
  gtk_window_destroy (GTK_WINDOW (self));
}

void
koi_new_group_dialog_create (KoiNewGroupDialog *self)
{
  g_autofree char *name = name_text (self);
  g_auto (GStrv) members = koi_new_group_dialog_get_members (self);

  g_return_if_fail (KOI_IS_NEW_GROUP_DIALOG (self));

  if (*name == '\0')
    {
      show_error (self, _("The group needs a name"));
      return;
    }
  if (members[0] == NULL)
    {
      show_error (self, _("Add at least one member"));
      return;
    }
  show_error (self, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self), FALSE);
  koi_account_create_group_async (self->account, name, (const char * const *) members,
                                  self->cancellable, created_cb, g_object_ref (self));
}

void
koi_new_group_dialog_set_name (KoiNewGroupDialog *self,
                               const char        *name)
{
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
}

const char *
koi_new_group_dialog_get_error (KoiNewGroupDialog *self)
{
  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
    ? gtk_label_get_label (self->error_label) : NULL;
}

/* The people of the user's 1:1 chats, to tick. */
static void
add_suggestions (KoiNewGroupDialog *self,
                 GtkWidget         *page)
{
  GListModel *chats = G_LIST_MODEL (koi_account_get_chats (self->account));
  GtkWidget *group = NULL;
  guint n = chats != NULL ? g_list_model_get_n_items (chats) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiChat) chat = g_list_model_get_item (chats, i);
      const char *address = koi_chat_get_peer_address (chat);
      GtkWidget *row, *check;

      if (koi_chat_get_is_group (chat) || address == NULL ||
          g_hash_table_contains (self->suggestions, address))
        continue;
      if (group == NULL)
        {
          group = adw_preferences_group_new ();
          adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Contacts"));
          adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
        }
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), koi_chat_get_title (chat));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), address);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), adw_avatar_new (32, koi_chat_get_title (chat), TRUE));
      check = gtk_check_button_new ();
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      g_signal_connect_object (check, "toggled", G_CALLBACK (on_suggestion_toggled), self,
                               G_CONNECT_SWAPPED);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
      g_hash_table_insert (self->suggestions, g_ascii_strdown (address, -1), check);
    }
}

static void
build (KoiNewGroupDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *name_group = adw_preferences_group_new ();

  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  g_signal_connect_object (cancel, "clicked", G_CALLBACK (gtk_window_destroy), self, G_CONNECT_SWAPPED);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  self->create_button = gtk_button_new_with_mnemonic (_("C_reate"));
  gtk_widget_add_css_class (self->create_button, "suggested-action");
  gtk_widget_set_sensitive (self->create_button, FALSE);
  g_signal_connect_object (self->create_button, "clicked", G_CALLBACK (koi_new_group_dialog_create),
                           self, G_CONNECT_SWAPPED);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->create_button);
  gtk_box_append (GTK_BOX (box), header);

  self->name_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->name_row), _("Group Name"));
  g_signal_connect_object (self->name_row, "changed", G_CALLBACK (update_create), self, G_CONNECT_SWAPPED);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (name_group), GTK_WIDGET (self->name_row));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (name_group));

  self->members_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->members_group, _("Members"));
  adw_preferences_group_set_description (self->members_group,
                                         _("Everyone in the group sees every message and who else is in it."));
  self->address_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->address_row), _("Add by Email Address"));
  adw_entry_row_set_show_apply_button (self->address_row, TRUE);
  adw_entry_row_set_input_purpose (self->address_row, GTK_INPUT_PURPOSE_EMAIL);
  g_signal_connect_object (self->address_row, "apply", G_CALLBACK (on_address_apply), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->address_row, "entry-activated", G_CALLBACK (on_address_apply), self,
                           G_CONNECT_SWAPPED);
  adw_preferences_group_add (self->members_group, GTK_WIDGET (self->address_row));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->members_group);

  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_widget_set_margin_top (GTK_WIDGET (self->error_label), 6);

  add_suggestions (self, page);
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->error_label));
  gtk_box_append (GTK_BOX (box), page);
  adw_window_set_content (ADW_WINDOW (self), box);
}

GtkWidget *
koi_new_group_dialog_new (GtkWindow  *parent,
                          KoiAccount *account)
{
  KoiNewGroupDialog *self;

  g_return_val_if_fail (KOI_IS_ACCOUNT (account), NULL);

  self = g_object_new (KOI_TYPE_NEW_GROUP_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       "title", _("New Group"),
                       "default-width", 420,
                       "default-height", 560,
                       NULL);
  self->account = g_object_ref (account);
  build (self);
  return GTK_WIDGET (self);
}

static void
koi_new_group_dialog_dispose (GObject *object)
{
  KoiNewGroupDialog *self = KOI_NEW_GROUP_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->account);
  g_clear_pointer (&self->members, g_hash_table_unref);
  g_clear_pointer (&self->suggestions, g_hash_table_unref);

  G_OBJECT_CLASS (koi_new_group_dialog_parent_class)->dispose (object);
}

static void
koi_new_group_dialog_class_init (KoiNewGroupDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_new_group_dialog_dispose;

  signals[SIGNAL_GROUP_CREATED] =
    g_signal_new ("group-created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
koi_new_group_dialog_init (KoiNewGroupDialog *self)
{
  self->cancellable = g_cancellable_new ();
  self->members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->suggestions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}
