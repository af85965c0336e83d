/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-contacts-window"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "koi-compat.h"
#include "koi-compat-files.h"
#include "koi-contact-info.h"
#include "koi-contacts.h"
#include "koi-contacts-import.h"
#include "koi-contacts-window.h"

struct _KoiContactsWindow
{
  AdwWindow          parent_instance;

  KoiAccount        *account;
  GCancellable      *cancellable;

  AdwWindowTitle    *title;
  GtkWidget         *back_button;
  GtkWidget         *import_button;
  AdwToastOverlay   *toasts;
  GtkStack          *stack;
  GtkStack          *list_stack;
  GtkSearchEntry    *search_entry;
  GtkListBox        *list;
  KoiContactDetails *details;
};

G_DEFINE_FINAL_TYPE (KoiContactsWindow, koi_contacts_window, ADW_TYPE_WINDOW)

enum {
  SIGNAL_LOADED,
  SIGNAL_SEND_MESSAGE,
  SIGNAL_IMPORTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void reload (KoiContactsWindow *self);

/* Each row carries its contact's address and a lower-case text to search. */
static GtkWidget *
make_row (const KoiContactInfo *info)
{
  GtkWidget *row = adw_action_row_new ();
  const char *title = koi_contact_info_get_title (info);
  GtkWidget *avatar = adw_avatar_new (40, title, TRUE);
  g_autoptr (GdkTexture) texture = koi_contact_info_get_texture (info);
  g_autofree char *haystack = g_strdup_printf ("%s\n%s", title, info->address);

  adw_avatar_set_custom_image (ADW_AVATAR (avatar), GDK_PAINTABLE (texture));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (g_strcmp0 (title, info->address) != 0)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), info->address);
  if (info->blocked)
    /* TRANSLATORS: beside a contact in the address book */
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Blocked"));
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), avatar);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "koi-address", g_strdup (info->address), g_free);
  g_object_set_data_full (G_OBJECT (row), "koi-title", g_strdup (title), g_free);
  g_object_set_data_full (G_OBJECT (row), "koi-haystack", g_utf8_casefold (haystack, -1), g_free);
  return row;
}

static gboolean
filter_row (GtkListBoxRow *row,
            gpointer       user_data)
{
  KoiContactsWindow *self = user_data;
  g_autofree char *needle = g_utf8_casefold (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), -1);
  const char *haystack = g_object_get_data (G_OBJECT (row), "koi-haystack");

  g_strstrip (needle);
  return *needle == '\0' || (haystack != NULL && strstr (haystack, needle) != NULL);
}

static void
list_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (KoiContactsWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) infos = koi_contact_info_list_finish (KOI_STORE_READER (source), result, &error);
  GtkWidget *child;

  if (infos == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not read the contacts: %s", error->message);
      return;
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  for (guint i = 0; i < infos->len; i++)
    gtk_list_box_append (self->list, make_row (g_ptr_array_index (infos, i)));
  gtk_stack_set_visible_child_name (self->list_stack, infos->len > 0 ? "list" : "empty");
  g_signal_emit (self, signals[SIGNAL_LOADED], 0);
}

static void
reload (KoiContactsWindow *self)
{
  koi_contact_info_list_async (koi_account_get_reader (self->account), koi_account_get_id (self->account),
                               FALSE, self->cancellable, list_cb, g_object_ref (self));
}

static void
on_search_changed (KoiContactsWindow *self)
{
  gtk_list_box_invalidate_filter (self->list);
}

static void
on_row_activated (KoiContactsWindow *self,
                  GtkListBoxRow     *row)
{
  koi_contacts_window_show_contact (self, g_object_get_data (G_OBJECT (row), "koi-address"));
}

static void
on_send_message (KoiContactsWindow *self,
                 const char        *address)
{
  g_signal_emit (self, signals[SIGNAL_SEND_MESSAGE], 0, address);
}

static void
imported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (KoiContactsWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  guint skipped = 0;
  guint written = koi_contacts_import_finish (result, &skipped, &error);

  gtk_widget_set_sensitive (self->import_button, TRUE);
  if (written == 0)
    {
      GtkWidget *alert;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      alert = koi_compat_alert_new (_("Could Not Import Contacts"), error->message);
      koi_compat_alert_add_response (alert, "close", _("_Close"), ADW_RESPONSE_DEFAULT);
      koi_compat_alert_set_responses (alert, "close", "close");
      koi_compat_alert_present (alert, GTK_WIDGET (self));
      g_signal_emit (self, signals[SIGNAL_IMPORTED], 0, 0, error->message);
      return;
    }
  {
    /* TRANSLATORS: after importing a vCard file */
    g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u contact imported",
                                                           "%u contacts imported", written), written);
    g_autofree char *full = NULL;

    if (skipped > 0)
      /* TRANSLATORS: the first %s is "N contacts imported"; cards without an address were left out */
      full = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s; %u without an address",
                                           "%s; %u without an address", skipped),
                              title, skipped);
    adw_toast_overlay_add_toast (self->toasts, adw_toast_new (full != NULL ? full : title));
  }
  g_signal_emit (self, signals[SIGNAL_IMPORTED], 0, written, NULL);
}

void
koi_contacts_window_import_file (KoiContactsWindow *self,
                                 GFile             *file)
{
  g_return_if_fail (KOI_IS_CONTACTS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  gtk_widget_set_sensitive (self->import_button, FALSE);
  koi_contacts_import_async (self->account, file, self->cancellable, imported_cb, g_object_ref (self));
}

static void
import_chosen_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (KoiContactsWindow) self = user_data;
  g_autoptr (GFile) file = koi_compat_open_file_finish (result, NULL);

  if (file != NULL)
    koi_contacts_window_import_file (self, file);
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  KoiContactsWindow *self = KOI_CONTACTS_WINDOW (widget);
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Contacts (vCard)"));
  gtk_file_filter_add_mime_type (filter, "text/vcard");
  gtk_file_filter_add_mime_type (filter, "text/x-vcard");
  gtk_file_filter_add_suffix (filter, "vcf");
  gtk_file_filter_add_suffix (filter, "vcard");
  koi_compat_open_file (widget, _("Import Contacts"), filter, self->cancellable, import_chosen_cb,
                        g_object_ref (self));
}

void
koi_contacts_window_show_contact (KoiContactsWindow *self,
                                  const char        *address)
{
  g_return_if_fail (KOI_IS_CONTACTS_WINDOW (self));

  koi_contact_details_set_address (self->details, address);
  gtk_stack_set_visible_child_name (self->stack, "card");
  /* TRANSLATORS: title of the window showing one contact card */
  adw_window_title_set_title (self->title, _("Contact"));
  gtk_widget_set_visible (self->back_button, TRUE);
  gtk_widget_set_visible (self->import_button, FALSE);
}

void
koi_contacts_window_show_list (KoiContactsWindow *self)
{
  g_return_if_fail (KOI_IS_CONTACTS_WINDOW (self));

  gtk_stack_set_visible_child_name (self->stack, "list");
  adw_window_title_set_title (self->title, _("Contacts"));
  gtk_widget_set_visible (self->back_button, FALSE);
  gtk_widget_set_visible (self->import_button, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

const char *
koi_contacts_window_get_page_name (KoiContactsWindow *self)
{
  g_return_val_if_fail (KOI_IS_CONTACTS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

KoiContactDetails *
koi_contacts_window_get_details (KoiContactsWindow *self)
{
  g_return_val_if_fail (KOI_IS_CONTACTS_WINDOW (self), NULL);

  return self->details;
}

GtkWidget *
koi_contacts_window_get_search_entry (KoiContactsWindow *self)
{
  g_return_val_if_fail (KOI_IS_CONTACTS_WINDOW (self), NULL);

  return GTK_WIDGET (self->search_entry);
}

GStrv
koi_contacts_window_get_titles (KoiContactsWindow *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (KOI_IS_CONTACTS_WINDOW (self), NULL);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (gtk_widget_get_child_visible (row) && filter_row (GTK_LIST_BOX_ROW (row), self))
      g_strv_builder_add (builder, g_object_get_data (G_OBJECT (row), "koi-title"));
  return g_strv_builder_end (builder);
}

GtkWidget *
koi_contacts_window_get_row (KoiContactsWindow *self,
                             const char        *address)
{
  g_return_val_if_fail (KOI_IS_CONTACTS_WINDOW (self), NULL);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "koi-address"), address) == 0)
      return row;
  return NULL;
}

static void
build (KoiContactsWindow *self)
{
  GtkWidget *toolbar = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *list_page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *empty = adw_status_page_new ();

  self->title = ADW_WINDOW_TITLE (adw_window_title_new (_("Contacts"), ""));
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), GTK_WIDGET (self->title));
  self->back_button = gtk_button_new_from_icon_name ("go-previous-symbolic");
  gtk_widget_set_tooltip_text (self->back_button, _("Back"));
  gtk_widget_set_visible (self->back_button, FALSE);
  g_signal_connect_object (self->back_button, "clicked", G_CALLBACK (koi_contacts_window_show_list),
                           self, G_CONNECT_SWAPPED);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), self->back_button);
  self->import_button = gtk_button_new_from_icon_name ("document-open-symbolic");
  gtk_widget_set_tooltip_text (self->import_button, _("Import Contacts…"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->import_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Import Contacts…"), -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->import_button), "contacts.import");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), self->import_button);
  gtk_box_append (GTK_BOX (toolbar), header);

  self->search_entry = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  g_object_set (self->search_entry, "placeholder-text", _("Find a contact"), NULL);
  gtk_widget_set_margin_start (GTK_WIDGET (self->search_entry), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->search_entry), 12);
  gtk_widget_set_margin_top (GTK_WIDGET (self->search_entry), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->search_entry), 6);
  g_signal_connect_object (self->search_entry, "search-changed", G_CALLBACK (on_search_changed), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (list_page), GTK_WIDGET (self->search_entry));

  /* An address book is hundreds of rows, not a chat history: a boxed
   * GtkListBox with a filter is enough. */
  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_list_box_set_filter_func (self->list, filter_row, self, NULL);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  gtk_widget_set_valign (GTK_WIDGET (self->list), GTK_ALIGN_START);
  gtk_widget_set_margin_top (GTK_WIDGET (self->list), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->list), 18);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Contacts"), -1);
  g_signal_connect_object (self->list, "row-activated", G_CALLBACK (on_row_activated), self,
                           G_CONNECT_SWAPPED);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 560);
  gtk_widget_set_margin_start (clamp, 12);
  gtk_widget_set_margin_end (clamp, 12);
  adw_clamp_set_child (ADW_CLAMP (clamp), GTK_WIDGET (self->list));
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "avatar-default-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (empty), _("No Contacts Yet"));
  adw_status_page_set_description (ADW_STATUS_PAGE (empty),
                                   _("Everyone you start a chat with is added here, and so is "
                                     "anyone you add from a chat’s menu. Your contacts are kept "
                                     "in your mailbox, so every device of yours has them."));
  {
    GtkWidget *button = gtk_button_new_with_mnemonic (_("_Import Contacts…"));

    gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
    gtk_widget_add_css_class (button, "pill");
    gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "contacts.import");
    adw_status_page_set_child (ADW_STATUS_PAGE (empty), button);
  }

  self->list_stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->list_stack), TRUE);
  gtk_stack_add_named (self->list_stack, scrolled, "list");
  gtk_stack_add_named (self->list_stack, empty, "empty");
  gtk_box_append (GTK_BOX (list_page), GTK_WIDGET (self->list_stack));

  self->details = KOI_CONTACT_DETAILS (koi_contact_details_new (self->account));
  g_signal_connect_object (self->details, "send-message", G_CALLBACK (on_send_message), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->details, "saved", G_CALLBACK (reload), self, G_CONNECT_SWAPPED);

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_set_transition_type (self->stack, GTK_STACK_TRANSITION_TYPE_SLIDE_LEFT_RIGHT);
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_stack_add_named (self->stack, list_page, "list");
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->details), "card");
  gtk_box_append (GTK_BOX (toolbar), GTK_WIDGET (self->stack));

  self->toasts = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  adw_toast_overlay_set_child (self->toasts, toolbar);
  adw_window_set_content (ADW_WINDOW (self), GTK_WIDGET (self->toasts));
}

GtkWidget *
koi_contacts_window_new (GtkWindow  *parent,
                         KoiAccount *account)
{
  KoiContactsWindow *self;

  g_return_val_if_fail (KOI_IS_ACCOUNT (account), NULL);

  self = g_object_new (KOI_TYPE_CONTACTS_WINDOW,
                       "transient-for", parent,
                       "destroy-with-parent", TRUE,
                       "default-width", 460,
                       "default-height", 620,
                       "title", _("Contacts"),
                       NULL);
  self->account = g_object_ref (account);
  build (self);
  g_signal_connect_object (account, "contact-updated", G_CALLBACK (reload), self, G_CONNECT_SWAPPED);
  reload (self);
  koi_contacts_window_show_list (self);
  return GTK_WIDGET (self);
}

static void
koi_contacts_window_dispose (GObject *object)
{
  KoiContactsWindow *self = KOI_CONTACTS_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (koi_contacts_window_parent_class)->dispose (object);
}

static void
close_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  KoiContactsWindow *self = KOI_CONTACTS_WINDOW (widget);

  /* Escape on a card goes back to the list first. */
  if (g_strcmp0 (koi_contacts_window_get_page_name (self), "card") == 0)
    koi_contacts_window_show_list (self);
  else
    gtk_window_close (GTK_WINDOW (self));
}

static void
koi_contacts_window_class_init (KoiContactsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_contacts_window_dispose;

  gtk_widget_class_install_action (widget_class, "contacts.close", NULL, close_action);
  gtk_widget_class_install_action (widget_class, "contacts.import", NULL, import_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "contacts.import", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "contacts.close", NULL);

  signals[SIGNAL_LOADED] = g_signal_new ("loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_SEND_MESSAGE] = g_signal_new ("send-message", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_IMPORTED] = g_signal_new ("imported", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT,
                                           G_TYPE_STRING);
}

static void
koi_contacts_window_init (KoiContactsWindow *self)
{
  self->cancellable = g_cancellable_new ();
}

/* ------------------------------------------------------------------ */

typedef struct
{
  KoiAccount *account;
  char       *name;
} AddData;

static void
add_data_free (AddData *data)
{
  g_object_unref (data->account);
  g_free (data->name);
  g_free (data);
}

static void
add_written_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  if (koi_account_edit_contact_finish (KOI_ACCOUNT (source), result, &error) <= 0 && error != NULL)
    g_message ("Could not add the contact: %s", error->message);
}

static void
add_checked_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  AddData *data = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiContactInfo) info = koi_contact_info_get_finish (KOI_STORE_READER (source), result, &error);

  if (info != NULL && !info->has_card && !info->is_me)
    {
      g_autoptr (KoiContactEdit) edit = koi_contact_edit_new ();

      /* The From name they gave becomes the card's name; the user can
       * change it on the card. */
      if (data->name != NULL && *data->name != '\0')
        edit->name = g_strdup (data->name);
      else if (info->name != NULL && *info->name != '\0')
        edit->name = g_strdup (info->name);
      koi_account_edit_contact_async (data->account, info->address, edit, NULL, add_written_cb, NULL);
    }
  add_data_free (data);
}

void
koi_contacts_add (KoiAccount *account,
                  const char *address,
                  const char *name)
{
  AddData *data;

  g_return_if_fail (KOI_IS_ACCOUNT (account));
  g_return_if_fail (address != NULL);

  data = g_new0 (AddData, 1);
  data->account = g_object_ref (account);
  data->name = g_strdup (name);
  koi_contact_info_get_async (koi_account_get_reader (account), koi_account_get_id (account), address,
                              NULL, add_checked_cb, data);
}
