/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-profile-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-avatar-file.h"
#include "koi-compat.h"
#include "koi-compat-files.h"
#include "koi-contact-info.h"
#include "koi-contacts.h"
#include "koi-profile-dialog.h"

struct _KoiProfileDialog
{
  KoiDialogBase parent_instance;

  KoiAccount   *account;
  GCancellable *cancellable;
  GBytes       *new_photo;
  gboolean      has_photo;
  guint         pending;   /* avatar files being read */
  gboolean      loaded;

  AdwAvatar    *avatar;
  AdwEntryRow  *name_row;
  AdwEntryRow  *status_row;
  GtkWidget    *save_button;
  GtkLabel     *error_label;
};

G_DEFINE_FINAL_TYPE (KoiProfileDialog, koi_profile_dialog, KOI_TYPE_DIALOG_BASE)

enum {
  SIGNAL_LOADED,
  SIGNAL_SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_error (KoiProfileDialog *self,
            const char       *message)
{
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
info_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (KoiProfileDialog) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiContactInfo) info = koi_contact_info_get_finish (KOI_STORE_READER (source), result, &error);
  g_autoptr (GdkTexture) texture = NULL;

  if (info == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
      return;
    }
  texture = koi_contact_info_get_texture (info);
  self->has_photo = texture != NULL;
  adw_avatar_set_text (self->avatar, koi_contact_info_get_title (info));
  adw_avatar_set_custom_image (self->avatar, GDK_PAINTABLE (texture));
  gtk_editable_set_text (GTK_EDITABLE (self->name_row),
                         info->name != NULL ? info->name : koi_account_get_display_name (self->account) != NULL
                         ? koi_account_get_display_name (self->account) : "");
  gtk_editable_set_text (GTK_EDITABLE (self->status_row), info->status != NULL ? info->status : "");
  gtk_widget_set_sensitive (self->save_button, TRUE);
  self->loaded = TRUE;
  g_signal_emit (self, signals[SIGNAL_LOADED], 0);
}

static void
avatar_loaded_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (KoiProfileDialog) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) jpeg = koi_avatar_file_load_finish (result, &error);
  g_autoptr (GdkTexture) texture = NULL;

  self->pending--;
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
  self->has_photo = TRUE;
  show_error (self, NULL);
}

void
koi_profile_dialog_set_avatar_file (KoiProfileDialog *self,
                                    GFile            *file)
{
  g_return_if_fail (KOI_IS_PROFILE_DIALOG (self));

  self->pending++;
  koi_avatar_file_load_async (file, self->cancellable, avatar_loaded_cb, g_object_ref (self));
}

gboolean
koi_profile_dialog_has_avatar (KoiProfileDialog *self)
{
  g_return_val_if_fail (KOI_IS_PROFILE_DIALOG (self), FALSE);

  return self->has_photo && self->pending == 0;
}

static void
file_chosen_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (KoiProfileDialog) self = user_data;
  g_autoptr (GFile) file = koi_compat_open_file_finish (result, NULL);

  if (file != NULL)
    koi_profile_dialog_set_avatar_file (self, file);
}

static void
on_avatar_clicked (KoiProfileDialog *self)
{
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Images"));
  gtk_file_filter_add_pixbuf_formats (filter);
  koi_compat_open_file (GTK_WIDGET (self), _("Choose an Avatar"), filter, self->cancellable,
                        file_chosen_cb, g_object_ref (self));
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr (KoiProfileDialog) self = user_data;
  g_autoptr (GError) error = NULL;

  gtk_widget_set_sensitive (self->save_button, TRUE);
  if (koi_account_edit_contact_finish (KOI_ACCOUNT (source), result, &error) <= 0)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error != NULL ? error->message : _("The profile could not be saved"));
      return;
    }
  g_signal_emit (self, signals[SIGNAL_SAVED], 0);
  koi_compat_dialog_close (self);
}

void
koi_profile_dialog_save (KoiProfileDialog *self)
{
  g_autoptr (KoiContactEdit) edit = koi_contact_edit_new ();

  g_return_if_fail (KOI_IS_PROFILE_DIALOG (self));

  edit->name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  edit->status = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->status_row))));
  if (self->new_photo != NULL)
    edit->photo = g_bytes_ref (self->new_photo);
  gtk_widget_set_sensitive (self->save_button, FALSE);
  koi_account_edit_contact_async (self->account, koi_account_get_address (self->account), edit,
                                  self->cancellable, saved_cb, g_object_ref (self));
}

void
koi_profile_dialog_set_name (KoiProfileDialog *self,
                             const char       *name)
{
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
}

void
koi_profile_dialog_set_status (KoiProfileDialog *self,
                               const char       *status)
{
  gtk_editable_set_text (GTK_EDITABLE (self->status_row), status);
}

gboolean
koi_profile_dialog_get_loaded (KoiProfileDialog *self)
{
  return self->loaded;
}

const char *
koi_profile_dialog_get_name (KoiProfileDialog *self)
{
  return gtk_editable_get_text (GTK_EDITABLE (self->name_row));
}

const char *
koi_profile_dialog_get_status (KoiProfileDialog *self)
{
  return gtk_editable_get_text (GTK_EDITABLE (self->status_row));
}

const char *
koi_profile_dialog_get_error (KoiProfileDialog *self)
{
  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
    ? gtk_label_get_label (self->error_label) : NULL;
}

static void
build (KoiProfileDialog *self)
{
  GtkWidget *toolbar = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  GtkWidget *avatar_button = gtk_button_new ();
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *hint = gtk_label_new (_("Your other devices show this card, and it is what others "
                                     "see when you share your contact."));

  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  g_signal_connect_object (cancel, "clicked", G_CALLBACK (koi_compat_dialog_close), self, G_CONNECT_SWAPPED);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  self->save_button = gtk_button_new_with_mnemonic (_("_Save"));
  gtk_widget_add_css_class (self->save_button, "suggested-action");
  gtk_widget_set_sensitive (self->save_button, FALSE);
  g_signal_connect_object (self->save_button, "clicked", G_CALLBACK (koi_profile_dialog_save), self,
                           G_CONNECT_SWAPPED);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->save_button);
  gtk_box_append (GTK_BOX (toolbar), header);

  self->avatar = ADW_AVATAR (adw_avatar_new (128, NULL, TRUE));
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

  self->name_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->name_row), _("_Name"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self->name_row), TRUE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->name_row));
  self->status_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  /* TRANSLATORS: a short line about the user on their card ("On holiday") */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->status_row), _("_Status"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self->status_row), TRUE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->status_row));
  gtk_box_append (GTK_BOX (box), group);

  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_box_append (GTK_BOX (box), hint);
  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->error_label));

  gtk_widget_set_margin_top (box, 24);
  gtk_widget_set_margin_bottom (box, 24);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 420);
  adw_clamp_set_child (ADW_CLAMP (clamp), box);
  gtk_box_append (GTK_BOX (toolbar), clamp);
  /* TRANSLATORS: the user's own card */
  koi_compat_dialog_set_content (self, _("Your Profile"), toolbar, 420, -1);
}

GtkWidget *
koi_profile_dialog_new (KoiAccount *account)
{
  KoiProfileDialog *self;

  g_return_val_if_fail (KOI_IS_ACCOUNT (account), NULL);

  self = g_object_new (KOI_TYPE_PROFILE_DIALOG, NULL);
  self->account = g_object_ref (account);
  koi_contact_info_get_async (koi_account_get_reader (account), koi_account_get_id (account),
                              koi_account_get_address (account), self->cancellable, info_cb,
                              g_object_ref (self));
  return GTK_WIDGET (self);
}

static void
koi_profile_dialog_dispose (GObject *object)
{
  KoiProfileDialog *self = KOI_PROFILE_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->account);
  g_clear_pointer (&self->new_photo, g_bytes_unref);

  G_OBJECT_CLASS (koi_profile_dialog_parent_class)->dispose (object);
}

static void
koi_profile_dialog_class_init (KoiProfileDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = koi_profile_dialog_dispose;
  koi_compat_dialog_class_init (GTK_WIDGET_CLASS (klass));

  signals[SIGNAL_LOADED] = g_signal_new ("loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
koi_profile_dialog_init (KoiProfileDialog *self)
{
  self->cancellable = g_cancellable_new ();
  build (self);
}
