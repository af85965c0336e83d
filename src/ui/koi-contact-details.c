/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-contact-details"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "koi-avatar-file.h"
#include "koi-compat.h"
#include "koi-compat-files.h"
#include "koi-contact-details.h"
#include "koi-contact-info.h"
#include "koi-contacts.h"
#include "koi-syncer.h"
#include "koi-vcard-date.h"

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
  AdwEntryRow    *birthday_row;
  AdwEntryRow    *anniversary_row;
  AdwEntryRow    *language_row;
  AdwEntryRow    *groups_row;
  /* What the date and language rows showed when loaded: a value left as
   * it was is not rewritten (Koi may not read every form another app
   * wrote). */
  char           *shown_birthday;
  char           *shown_anniversary;
  char           *shown_language;
  char           *shown_groups;
  GtkSwitch      *notify_switch;
  GtkWidget      *key_group;
  GtkLabel       *fingerprint_label;
  GtkWidget      *save_button;
  GtkWidget      *block_button;
  GtkWidget      *send_button;
  GtkWidget      *export_button;
  GtkLabel       *error_label;
};

G_DEFINE_FINAL_TYPE (KoiContactDetails, koi_contact_details, GTK_TYPE_BOX)

enum {
  SIGNAL_LOADED,
  SIGNAL_SAVED,
  SIGNAL_SEND_MESSAGE,
  SIGNAL_EXPORTED,
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
  g_free (self->shown_birthday);
  self->shown_birthday = koi_vcard_date_to_input (info->birthday);
  set_row_text (self->birthday_row, self->shown_birthday);
  g_free (self->shown_anniversary);
  self->shown_anniversary = koi_vcard_date_to_input (info->anniversary);
  set_row_text (self->anniversary_row, self->shown_anniversary);
  g_free (self->shown_language);
  self->shown_language = g_strdup (info->language != NULL ? info->language : "");
  set_row_text (self->language_row, self->shown_language);
  g_free (self->shown_groups);
  self->shown_groups = g_strjoinv (", ", info->groups);
  set_row_text (self->groups_row, self->shown_groups);
  for (AdwEntryRow **row = (AdwEntryRow *[]) { self->birthday_row, self->anniversary_row,
                                               self->language_row, NULL }; *row != NULL; row++)
    gtk_widget_remove_css_class (GTK_WIDGET (*row), "error");
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

/* A date row as a vCard value for @out (left NULL when unchanged).
 * FALSE (and an error shown) when it is not a date. */
static gboolean
parse_date (KoiContactDetails  *self,
            AdwEntryRow        *row,
            const char         *shown,
            char              **out)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
  g_autofree char *value = NULL;

  if (g_strcmp0 (text, shown) == 0)
    return TRUE;
  value = koi_vcard_date_from_input (text);
  if (value == NULL)
    {
      /* TRANSLATORS: %s is what the user typed; keep the example dates as they are */
      g_autofree char *message = g_strdup_printf (_("“%s” is not a date: write it as 1990-04-12, "
                                                    "or 04-12 without the year"), text);

      show_error (self, message);
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      return FALSE;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  *out = g_steal_pointer (&value);
  return TRUE;
}

static gboolean
parse_language (KoiContactDetails  *self,
                char              **out)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->language_row))));

  if (g_strcmp0 (text, self->shown_language) == 0)
    return TRUE;
  /* A language tag (RFC 5646) as people write them: "de", "en-GB",
   * "zh-Hant-TW". */
  if (*text != '\0' && !g_regex_match_simple ("^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$", text, 0, 0))
    {
      /* TRANSLATORS: %s is what the user typed; keep the example codes as they are */
      g_autofree char *message = g_strdup_printf (_("“%s” is not a language code such as de, "
                                                    "en or pt-BR"), text);

      show_error (self, message);
      gtk_widget_add_css_class (GTK_WIDGET (self->language_row), "error");
      return FALSE;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->language_row), "error");
  *out = g_steal_pointer (&text);
  return TRUE;
}

/* The groups as typed, separated by commas; each once, in order. */
static GStrv
parse_groups (KoiContactDetails *self)
{
  g_auto (GStrv) parts = g_strsplit (gtk_editable_get_text (GTK_EDITABLE (self->groups_row)), ",", -1);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (GPtrArray) seen = g_ptr_array_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *group = g_strstrip (parts[i]);
      gboolean again = FALSE;

      for (guint j = 0; j < seen->len && !again; j++)
        again = g_str_equal (group, g_ptr_array_index (seen, j));
      if (*group == '\0' || again)
        continue;
      g_ptr_array_add (seen, group);
      g_strv_builder_add (builder, group);
    }
  return g_strv_builder_end (builder);
}

static void
on_save_clicked (KoiContactDetails *self)
{
  g_autoptr (KoiContactEdit) edit = koi_contact_edit_new ();

  if (self->address == NULL || !self->dirty || !parse_emails (self, &edit->emails) ||
      !parse_date (self, self->birthday_row, self->shown_birthday, &edit->birthday) ||
      !parse_date (self, self->anniversary_row, self->shown_anniversary, &edit->anniversary) ||
      !parse_language (self, &edit->language))
    return;

  edit->name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  edit->phone = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->phone_row))));
  edit->note = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->note_row)));
  /* Untouched, the card's groups stay exactly as they are. */
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->groups_row)), self->shown_groups) != 0)
    edit->groups = parse_groups (self);
  edit->notify = gtk_switch_get_active (self->notify_switch) ? 1 : 0;
  if (self->new_photo != NULL)
    edit->photo = g_bytes_ref (self->new_photo);
  gtk_widget_set_sensitive (self->save_button, FALSE);
  write_edit (self, edit);
}

static void
set_blocked (KoiContactDetails *self,
             gboolean           blocked)
{
  g_autoptr (KoiContactEdit) edit = koi_contact_edit_new ();

  edit->blocked = blocked ? 1 : 0;
  gtk_widget_set_sensitive (self->block_button, FALSE);
  write_edit (self, edit);
}

static void
on_block_response (KoiContactDetails *self,
                   const char        *response)
{
  if (g_strcmp0 (response, "block") == 0 && self->info != NULL && !self->info->blocked)
    set_blocked (self, TRUE);
}

static void
on_block_clicked (KoiContactDetails *self)
{
  g_autofree char *heading = NULL;
  GtkWidget *alert;

  if (self->info == NULL)
    return;
  /* Unblocking takes nothing away: no question. */
  if (self->info->blocked)
    {
      set_blocked (self, FALSE);
      return;
    }
  /* Blocking hides a person everywhere, on every device: ask first. */
  /* TRANSLATORS: %s is the contact's name or address */
  heading = g_strdup_printf (_("Block %s?"), koi_contact_info_get_title (self->info));
  alert = koi_compat_alert_new (heading, _("You will not see their messages; they are not told."));
  koi_compat_alert_add_response (alert, "cancel", _("_Cancel"), ADW_RESPONSE_DEFAULT);
  koi_compat_alert_add_response (alert, "block", _("_Block"), ADW_RESPONSE_DESTRUCTIVE);
  /* Enter does not block by accident: Cancel is the default. */
  koi_compat_alert_set_responses (alert, "cancel", "cancel");
  g_signal_connect_object (alert, "response", G_CALLBACK (on_block_response), self, G_CONNECT_SWAPPED);
  koi_compat_alert_present (alert, GTK_WIDGET (self));
}

/* ---- Export ------------------------------------------------------- */

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (KoiContactDetails) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* TRANSLATORS: %s is the system's reason */
          g_autofree char *message = g_strdup_printf (_("The contact could not be exported: %s"),
                                                      error->message);

          show_error (self, message);
        }
      return;
    }
  show_error (self, NULL);
  g_signal_emit (self, signals[SIGNAL_EXPORTED], 0, source);
}

void
koi_contact_details_export_to_file (KoiContactDetails *self,
                                    GFile             *file)
{
  g_autoptr (GBytes) bytes = NULL;

  g_return_if_fail (KOI_IS_CONTACT_DETAILS (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->info == NULL || self->info->vcard == NULL)
    return;
  /* The card as it is stored, not unsaved edits: what syncs is what is
   * shared. Written on GIO's threads. */
  bytes = g_bytes_new (self->info->vcard, strlen (self->info->vcard));
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       self->cancellable, exported_cb, g_object_ref (self));
}

static void
export_chosen_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (KoiContactDetails) self = user_data;
  g_autoptr (GFile) file = koi_compat_save_file_finish (result, NULL);

  if (file != NULL)
    koi_contact_details_export_to_file (self, file);
}

static void
on_export_clicked (KoiContactDetails *self)
{
  g_autofree char *name = NULL;

  if (self->info == NULL)
    return;
  /* The name of the file a person recognises: theirs. Slashes would
   * make it a path. */
  name = g_strdup_printf ("%s.vcf", koi_contact_info_get_title (self->info));
  g_strdelimit (name, "/\\", '-');
  koi_compat_save_file (GTK_WIDGET (self), _("Export Contact"), name, self->cancellable,
                        export_chosen_cb, g_object_ref (self));
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
on_day_selected (GtkCalendar *calendar,
                 AdwEntryRow *row)
{
  g_autoptr (GDateTime) date = gtk_calendar_get_date (calendar);
  g_autofree char *text = g_date_time_format (date, "%Y-%m-%d");

  gtk_editable_set_text (GTK_EDITABLE (row), text);
  gtk_popover_popdown (GTK_POPOVER (gtk_widget_get_ancestor (GTK_WIDGET (calendar), GTK_TYPE_POPOVER)));
}

/* Opens on the row's date (today if it has none or no year). */
static void
on_calendar_shown (GtkPopover  *popover,
                   GtkCalendar *calendar)
{
  AdwEntryRow *row = g_object_get_data (G_OBJECT (calendar), "koi-row");
  g_autofree char *value = koi_vcard_date_from_input (gtk_editable_get_text (GTK_EDITABLE (row)));
  int year, month, day;

  if (value == NULL || sscanf (value, "%4d%2d%2d", &year, &month, &day) != 3)
    return;
  {
    g_autoptr (GDateTime) date = g_date_time_new_local (year, month, day, 0, 0, 0);

    g_signal_handlers_block_by_func (calendar, on_day_selected, row);
    gtk_calendar_select_day (calendar, date);
    g_signal_handlers_unblock_by_func (calendar, on_day_selected, row);
  }
}

/* A date can be typed, or picked from a calendar (which always has a
 * year; type "04-12" for a day without one). */
static void
add_calendar_button (KoiContactDetails *self,
                     AdwEntryRow       *row)
{
  GtkWidget *button = gtk_menu_button_new ();
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *calendar = gtk_calendar_new ();

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "x-office-calendar-symbolic");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, _("Pick a Date"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Pick a Date"), -1);
  gtk_popover_set_child (GTK_POPOVER (popover), calendar);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (button), popover);
  g_signal_connect (popover, "show", G_CALLBACK (on_calendar_shown), calendar);
  g_object_set_data (G_OBJECT (calendar), "koi-row", row);
  g_signal_connect (calendar, "day-selected", G_CALLBACK (on_day_selected), row);
  adw_entry_row_add_suffix (row, button);
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
  self->birthday_row = add_entry_row (self, ADW_PREFERENCES_GROUP (group), _("_Birthday"));
  add_calendar_button (self, self->birthday_row);
  self->anniversary_row = add_entry_row (self, ADW_PREFERENCES_GROUP (group), _("_Anniversary"));
  add_calendar_button (self, self->anniversary_row);
  /* TRANSLATORS: the language the contact prefers, as a code such as "de" */
  self->language_row = add_entry_row (self, ADW_PREFERENCES_GROUP (group), _("Preferred _Language"));
  /* TRANSLATORS: contact groups (categories), separated by commas */
  self->groups_row = add_entry_row (self, ADW_PREFERENCES_GROUP (group), _("_Groups"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->groups_row), _("Separate groups with commas"));
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

  self->export_button = gtk_button_new_with_mnemonic (_("E_xport Contact…"));
  gtk_widget_set_halign (self->export_button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (self->export_button, _("Save the card as a vCard file to share it"));
  g_signal_connect_object (self->export_button, "clicked", G_CALLBACK (on_export_clicked), self,
                           G_CONNECT_SWAPPED);

  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->error_label));
  gtk_box_append (GTK_BOX (box), self->export_button);
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
koi_contact_details_get_row (KoiContactDetails *self,
                             const char        *field)
{
  g_return_val_if_fail (KOI_IS_CONTACT_DETAILS (self), NULL);

  if (g_str_equal (field, "birthday"))
    return GTK_WIDGET (self->birthday_row);
  if (g_str_equal (field, "anniversary"))
    return GTK_WIDGET (self->anniversary_row);
  if (g_str_equal (field, "language"))
    return GTK_WIDGET (self->language_row);
  if (g_str_equal (field, "groups"))
    return GTK_WIDGET (self->groups_row);
  if (g_str_equal (field, "name"))
    return GTK_WIDGET (self->name_row);
  g_return_val_if_reached (NULL);
}

GtkWidget *
koi_contact_details_get_export_button (KoiContactDetails *self)
{
  return self->export_button;
}

const char *
koi_contact_details_get_status (KoiContactDetails *self)
{
  g_return_val_if_fail (KOI_IS_CONTACT_DETAILS (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->status_label))
    ? gtk_label_get_label (self->status_label) : NULL;
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
  g_clear_pointer (&self->shown_birthday, g_free);
  g_clear_pointer (&self->shown_anniversary, g_free);
  g_clear_pointer (&self->shown_language, g_free);
  g_clear_pointer (&self->shown_groups, g_free);

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
  signals[SIGNAL_EXPORTED] = g_signal_new ("exported", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_FILE);
}

static void
koi_contact_details_init (KoiContactDetails *self)
{
  self->cancellable = g_cancellable_new ();
  build (self);
}
