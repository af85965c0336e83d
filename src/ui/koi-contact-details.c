/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-contact-details"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-avatar-file.h"
#include "koi-compat.h"
#include "koi-contact-details.h"
#include "koi-contact-info.h"
#include "koi-contacts.h"
#include "koi-syncer.h"

struct _KoiContactDetails
{
  GtkBox          parent_instance;

  KoiAccount     *account;
  GCancellable   *cancellable;
  KoiContactInfo *info;
  char           *address;
  GBytes         *new_photo;
  gboolean        loading;   /* filling the rows: not the user's edits */
  gboolean        dirty;

  AdwAvatar      *avatar;
  GtkLabel       *title_label;
  GtkLabel       *address_label;
  GtkLabel       *status_label;
  AdwEntryRow    *name_row;
  AdwEntryRow    *emails_row;
  AdwEntryRow    *phone_row;
  AdwEntryRow    *note_row;
  GtkSwitch      *notify_switch;
  GtkWidget      *key_group;
  GtkLabel       *fingerprint_label;
  GtkWidget      *save_button;
  GtkWidget      *block_button;
  GtkWidget      *send_button;
  GtkLabel       *error_label;
};

G_DEFINE_FINAL_TYPE (KoiContactDetails, koi_contact_details, GTK_TYPE_BOX)

enum {
  SIGNAL_LOADED,
  SIGNAL_SAVED,
  SIGNAL_SEND_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void reload (KoiContactDetails *self);

static void
show_error (KoiContactDetails *self,
            const char        *message)
{
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
set_dirty (KoiContactDetails *self,
           gboolean           dirty)
{
  self->dirty = dirty;
  gtk_widget_set_sensitive (self->save_button, dirty);
}

static void
on_row_changed (KoiContactDetails *self)
{
  if (!self->loading)
    set_dirty (self, TRUE);
}

static void
set_row_text (AdwEntryRow *row,
              const char  *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text != NULL ? text : "");
}

static void
show_info (KoiContactDetails *self)
{
  const KoiContactInfo *info = self->info;
  g_autoptr (GdkTexture) texture = koi_contact_info_get_texture (info);
  g_autofree char *emails = g_strjoinv (", ", info->emails);
  const char *title = koi_contact_info_get_title (info);

  self->loading = TRUE;
  adw_avatar_set_text (self->avatar, title);
  adw_avatar_set_custom_image (self->avatar, GDK_PAINTABLE (texture));
  gtk_label_set_label (self->title_label, title);
  gtk_label_set_label (self->address_label, info->address);
  gtk_label_set_label (self->status_label, info->status != NULL ? info->status : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), info->status != NULL && *info->status != '\0');
  set_row_text (self->name_row, info->name);
  set_row_text (self->emails_row, emails);
  set_row_text (self->phone_row, info->phone);
  set_row_text (self->note_row, info->note);
  gtk_switch_set_active (self->notify_switch, !info->muted);
  gtk_label_set_label (self->fingerprint_label, info->fingerprint != NULL ? info->fingerprint : "");
  gtk_widget_set_visible (self->key_group, info->fingerprint != NULL && !info->is_me);
  gtk_button_set_label (GTK_BUTTON (self->block_button),
                        info->blocked ? _("_Unblock") : _("_Block"));
  if (info->blocked)
    gtk_widget_remove_css_class (self->block_button, "destructive-action");
  else
    gtk_widget_add_css_class (self->block_button, "destructive-action");
  gtk_widget_set_sensitive (self->send_button, !info->blocked);
  g_clear_pointer (&self->new_photo, g_bytes_unref);
  self->loading = FALSE;
  set_dirty (self, FALSE);
}

static void
info_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (KoiContactDetails) self = user_data;
  g_autoptr (GError) error = NULL;
  KoiContactInfo *info = koi_contact_info_get_finish (KOI_STORE_READER (source), result, &error);

  if (info == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
      return;
    }
  /* An answer for an address no longer shown. */
  if (g_ascii_strcasecmp (info->address, self->address) != 0)
    {
      koi_contact_info_free (info);
      return;
    }
  g_clear_pointer (&self->info, koi_contact_info_free);
  self->info = info;
  show_info (self);
  g_signal_emit (self, signals[SIGNAL_LOADED], 0);
}

static void
reload (KoiContactDetails *self)
{
  if (self->address == NULL)
    return;
  koi_contact_info_get_async (koi_account_get_reader (self->account), koi_account_get_id (self->account),
                              self->address, self->cancellable, info_cb, g_object_ref (self));
}

static void
on_contact_updated (KoiContactDetails *self,
                    gint64             contact_id)
{
  /* Another device changed the card: show it, unless the user is in the
   * middle of an edit here (Save then writes over it, newest wins). */
  if (self->info != NULL && (self->info->id == contact_id || self->info->id == 0) && !self->dirty)
    reload (self);
}

static void
edited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (KoiContactDetails) self = user_data;
  g_autoptr (GError) error = NULL;

  gtk_widget_set_sensitive (self->block_button, TRUE);
  if (koi_account_edit_contact_finish (KOI_ACCOUNT (source), result, &error) <= 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      show_error (self, error != NULL ? error->message : _("The card could not be saved"));
      set_dirty (self, TRUE);
      return;
    }
  show_error (self, NULL);
  self->dirty = FALSE;
  reload (self);
  g_signal_emit (self, signals[SIGNAL_SAVED], 0);
}

static void
write_edit (KoiContactDetails    *self,
            const KoiContactEdit *edit)
{
  koi_account_edit_contact_async (self->account, self->address, edit, self->cancellable,
                                  edited_cb, g_object_ref (self));
}

/* The further addresses as typed: separated by commas or spaces, each
 * checked. FALSE (and an error shown) when one is not an address. */
static gboolean
parse_emails (KoiContactDetails *self,
              GStrv             *out_emails)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->emails_row));
  g_auto (GStrv) parts = g_regex_split_simple ("[,;\\s]+", text, 0, 0);
  g_autoptr (GPtrArray) emails = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (*parts[i] == '\0')
        continue;
      if (!koi_address_is_valid (parts[i]))
        {
          /* TRANSLATORS: %s is what the user typed */
          g_autofree char *message = g_strdup_printf (_("“%s” is not an email address"), parts[i]);

          show_error (self, message);
          gtk_widget_add_css_class (GTK_WIDGET (self->emails_row), "error");
          return FALSE;
        }
      g_ptr_array_add (emails, g_ascii_strdown (parts[i], -1));
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->emails_row), "error");
  g_ptr_array_add (emails, NULL);
  *out_emails = (GStrv) g_ptr_array_free (g_steal_pointer (&emails), FALSE);
  return TRUE;
}

static void
on_save_clicked (KoiContactDetails *self)
{
  g_autoptr (KoiContactEdit) edit = koi_contact_edit_new ();

  if (self->address == NULL || !self->dirty || !parse_emails (self, &edit->emails))
    return;

  edit->name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  edit->phone = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->phone_row))));
  edit->note = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->note_row)));
  edit->notify = gtk_switch_get_active (self->notify_switch) ? 1 : 0;
  if (self->new_photo != NULL)
    edit->photo = g_bytes_ref (self->new_photo);
  gtk_widget_set_sensitive (self->save_button, FALSE);
  write_edit (self, edit);
}

static void
on_block_clicked (KoiContactDetails *self)
{
  g_autoptr (KoiContactEdit) edit = koi_contact_edit_new ();

  if (self->info == NULL)
    return;
  edit->blocked = self->info->blocked ? 0 : 1;
  gtk_widget_set_sensitive (self->block_button, FALSE);
  write_edit (self, edit);
}

static void
on_send_clicked (KoiContactDetails *self)
{
  if (self->address != NULL)
    g_signal_emit (self, signals[SIGNAL_SEND_MESSAGE], 0, self->address);
}

static void
avatar_loaded_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (KoiContactDetails) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) jpeg = koi_avatar_file_load_finish (result, &error);
  g_autoptr (GdkTexture) texture = NULL;

  if (jpeg == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
      return;
    }
  texture = gdk_texture_new_from_bytes (jpeg, NULL);
  adw_avatar_set_custom_image (self->avatar, GDK_PAINTABLE (texture));
  g_clear_pointer (&self->new_photo, g_bytes_unref);
  self->new_photo = g_steal_pointer (&jpeg);
  show_error (self, NULL);
  set_dirty (self, TRUE);
}

void
koi_contact_details_set_avatar_file (KoiContactDetails *self,
                                     GFile             *file)
{
  g_return_if_fail (KOI_IS_CONTACT_DETAILS (self));

  koi_avatar_file_load_async (file, self->cancellable, avatar_loaded_cb, g_object_ref (self));
}

static void
file_chosen_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (KoiContactDetails) self = user_data;
  g_autoptr (GFile) file = koi_compat_open_file_finish (result, NULL);

  if (file != NULL)
    koi_contact_details_set_avatar_file (self, file);
}

static void
on_avatar_clicked (KoiContactDetails *self)
{
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Images"));
  gtk_file_filter_add_pixbuf_formats (filter);
  koi_compat_open_file (GTK_WIDGET (self), _("Choose an Avatar"), filter, self->cancellable,
                        file_chosen_cb, g_object_ref (self));
}

static AdwEntryRow *
add_entry_row (KoiContactDetails   *self,
               AdwPreferencesGroup *group,
               const char          *title)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  g_signal_connect_object (row, "changed", G_CALLBACK (on_row_changed), self, G_CONNECT_SWAPPED);
  /* Enter in any row saves, as in a form. */
  g_signal_connect_object (row, "entry-activated", G_CALLBACK (on_save_clicked), self, G_CONNECT_SWAPPED);
  adw_preferences_group_add (group, row);
  return ADW_ENTRY_ROW (row);
}

static void
build (KoiContactDetails *self)
{
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  GtkWidget *avatar_button = gtk_button_new ();
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *notify_row = adw_action_row_new ();
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  /* Name, address and status close together under the avatar. */
  GtkWidget *names = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (self), scrolled);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 520);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_widget_set_margin_top (box, 24);
  gtk_widget_set_margin_bottom (box, 24);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  adw_clamp_set_child (ADW_CLAMP (clamp), box);

  /* The avatar is the button that changes it. */
  self->avatar = ADW_AVATAR (adw_avatar_new (96, NULL, TRUE));
  gtk_button_set_child (GTK_BUTTON (avatar_button), GTK_WIDGET (self->avatar));
  gtk_widget_add_css_class (avatar_button, "flat");
  gtk_widget_add_css_class (avatar_button, "circular");
  gtk_widget_set_halign (avatar_button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (avatar_button, _("Change Avatar"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (avatar_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Change Avatar"), -1);
  g_signal_connect_object (avatar_button, "clicked", G_CALLBACK (on_avatar_clicked), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (box), avatar_button);

  self->title_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->title_label, TRUE);
  gtk_label_set_justify (self->title_label, GTK_JUSTIFY_CENTER);
  gtk_label_set_selectable (self->title_label, FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->title_label), "title-1");
  gtk_box_append (GTK_BOX (names), GTK_WIDGET (self->title_label));
  self->address_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_selectable (self->address_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->address_label), "dim-label");
  gtk_box_append (GTK_BOX (names), GTK_WIDGET (self->address_label));
  self->status_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_label_set_justify (self->status_label, GTK_JUSTIFY_CENTER);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
  gtk_box_append (GTK_BOX (names), GTK_WIDGET (self->status_label));
  gtk_box_append (GTK_BOX (box), names);

  gtk_box_set_homogeneous (GTK_BOX (buttons), TRUE);
  gtk_widget_set_halign (buttons, GTK_ALIGN_CENTER);
  self->send_button = gtk_button_new_with_mnemonic (_("Send _Message"));
  gtk_widget_add_css_class (self->send_button, "suggested-action");
  gtk_widget_add_css_class (self->send_button, "pill");
  g_signal_connect_object (self->send_button, "clicked", G_CALLBACK (on_send_clicked), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (buttons), self->send_button);
  self->block_button = gtk_button_new_with_mnemonic (_("_Block"));
  gtk_widget_add_css_class (self->block_button, "pill");
  g_signal_connect_object (self->block_button, "clicked", G_CALLBACK (on_block_clicked), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (buttons), self->block_button);
  gtk_box_append (GTK_BOX (box), buttons);

  /* TRANSLATORS: the editable part of a contact card */
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Card"));
  self->name_row = add_entry_row (self, ADW_PREFERENCES_GROUP (group), _("_Name"));
  self->emails_row = add_entry_row (self, ADW_PREFERENCES_GROUP (group), _("Other _Email Addresses"));
  self->phone_row = add_entry_row (self, ADW_PREFERENCES_GROUP (group), _("_Phone"));
  self->note_row = add_entry_row (self, ADW_PREFERENCES_GROUP (group), _("N_ote"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (notify_row), _("Notifications"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (notify_row),
                               _("Off: their messages arrive without a notification, on every device"));
  self->notify_switch = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->notify_switch), GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (notify_row), GTK_WIDGET (self->notify_switch));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (notify_row), GTK_WIDGET (self->notify_switch));
  g_signal_connect_object (self->notify_switch, "notify::active", G_CALLBACK (on_row_changed), self,
                           G_CONNECT_SWAPPED);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), notify_row);
  self->save_button = gtk_button_new_with_mnemonic (_("_Save"));
  gtk_widget_add_css_class (self->save_button, "suggested-action");
  gtk_widget_set_valign (self->save_button, GTK_ALIGN_CENTER);
  gtk_widget_set_sensitive (self->save_button, FALSE);
  g_signal_connect_object (self->save_button, "clicked", G_CALLBACK (on_save_clicked), self,
                           G_CONNECT_SWAPPED);
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (group), self->save_button);
  gtk_box_append (GTK_BOX (box), group);

  /* Read-only: the key comes with their mail (Autocrypt) or card. */
  self->key_group = adw_preferences_group_new ();
  /* TRANSLATORS: heading above a contact's OpenPGP key fingerprint */
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->key_group), _("Encryption"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->key_group),
                                         _("Their key’s fingerprint. To be sure nobody is in between, "
                                           "compare it with the one their own device shows."));
  self->fingerprint_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_selectable (self->fingerprint_label, TRUE);
  gtk_label_set_wrap (self->fingerprint_label, TRUE);
  gtk_label_set_xalign (self->fingerprint_label, 0.0);
  gtk_widget_add_css_class (GTK_WIDGET (self->fingerprint_label), "monospace");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->fingerprint_label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Key fingerprint"), -1);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->key_group), GTK_WIDGET (self->fingerprint_label));
  gtk_widget_set_visible (self->key_group, FALSE);
  gtk_box_append (GTK_BOX (box), self->key_group);

  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->error_label));
}

GtkWidget *
koi_contact_details_new (KoiAccount *account)
{
  KoiContactDetails *self;

  g_return_val_if_fail (KOI_IS_ACCOUNT (account), NULL);

  self = g_object_new (KOI_TYPE_CONTACT_DETAILS, "orientation", GTK_ORIENTATION_VERTICAL, NULL);
  self->account = g_object_ref (account);
  g_signal_connect_object (account, "contact-updated", G_CALLBACK (on_contact_updated), self,
                           G_CONNECT_SWAPPED);
  return GTK_WIDGET (self);
}

void
koi_contact_details_set_address (KoiContactDetails *self,
                                 const char        *address)
{
  g_return_if_fail (KOI_IS_CONTACT_DETAILS (self));
  g_return_if_fail (address != NULL);

  g_free (self->address);
  self->address = g_ascii_strdown (address, -1);
  g_clear_pointer (&self->info, koi_contact_info_free);
  show_error (self, NULL);
  reload (self);
}

const char *
koi_contact_details_get_address (KoiContactDetails *self)
{
  g_return_val_if_fail (KOI_IS_CONTACT_DETAILS (self), NULL);

  return self->address;
}

const char *
koi_contact_details_get_title (KoiContactDetails *self)
{
  g_return_val_if_fail (KOI_IS_CONTACT_DETAILS (self), NULL);

  return gtk_label_get_label (self->title_label);
}

gboolean
koi_contact_details_get_blocked (KoiContactDetails *self)
{
  g_return_val_if_fail (KOI_IS_CONTACT_DETAILS (self), FALSE);

  return self->info != NULL && self->info->blocked;
}

const char *
koi_contact_details_get_fingerprint (KoiContactDetails *self)
{
  g_return_val_if_fail (KOI_IS_CONTACT_DETAILS (self), NULL);
  if (!gtk_widget_get_visible (self->key_group))
    return NULL;
  return gtk_label_get_label (self->fingerprint_label);
}

GtkWidget *
koi_contact_details_get_name_row (KoiContactDetails *self)
{
  return GTK_WIDGET (self->name_row);
}

GtkWidget *
koi_contact_details_get_save_button (KoiContactDetails *self)
{
  return self->save_button;
}

GtkWidget *
koi_contact_details_get_block_button (KoiContactDetails *self)
{
  return self->block_button;
}

const char *
koi_contact_details_get_error (KoiContactDetails *self)
{
  g_return_val_if_fail (KOI_IS_CONTACT_DETAILS (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
    ? gtk_label_get_label (self->error_label) : NULL;
}

static void
koi_contact_details_dispose (GObject *object)
{
  KoiContactDetails *self = KOI_CONTACT_DETAILS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->account);
  g_clear_pointer (&self->info, koi_contact_info_free);
  g_clear_pointer (&self->address, g_free);
  g_clear_pointer (&self->new_photo, g_bytes_unref);

  G_OBJECT_CLASS (koi_contact_details_parent_class)->dispose (object);
}

static void
koi_contact_details_class_init (KoiContactDetailsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = koi_contact_details_dispose;

  signals[SIGNAL_LOADED] = g_signal_new ("loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_SEND_MESSAGE] = g_signal_new ("send-message", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
koi_contact_details_init (KoiContactDetails *self)
{
  self->cancellable = g_cancellable_new ();
  build (self);
}
