/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-window"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-compat.h"
#include "koi-contacts-window.h"
#include "koi-group-details.h"
#include "koi-new-chat-dialog.h"
#include "koi-new-group-dialog.h"
#include "koi-profile-dialog.h"
#include "koi-window-private.h"

/* Actions of the main window and their shortcuts, in one place. */

static void
on_chat_chosen (KoiWindow        *self,
                KoiChat          *chat,
                KoiNewChatDialog *dialog)
{
  /* A chat partner the user added is a contact, on every device. */
  if (!koi_chat_get_is_group (chat) && koi_chat_get_peer_address (chat) != NULL)
    koi_contacts_add (self->account, koi_chat_get_peer_address (chat), NULL);
  koi_window_open_chat (self, chat);
}

static void
new_chat_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  KoiWindow *self = KOI_WINDOW (widget);
  GtkWidget *dialog;

  if (self->account == NULL)
    return;

  dialog = koi_new_chat_dialog_new (koi_account_get_chats (self->account));
  g_signal_connect_object (dialog, "chat-chosen", G_CALLBACK (on_chat_chosen),
                           self, G_CONNECT_SWAPPED);
  koi_compat_present_dialog (dialog, GTK_WIDGET (self));
}

/* The new group's chat reaches the list when the list reads it again
 * ("chat-updated"): open it as soon as it is there. */
static void
open_pending_group (KoiWindow *self)
{
  KoiChatList *chats = self->account != NULL ? koi_account_get_chats (self->account) : NULL;
  KoiChat *chat = chats != NULL && self->pending_group != 0
    ? koi_chat_list_find (chats, self->pending_group) : NULL;

  if (chat == NULL)
    return;
  self->pending_group = 0;
  g_clear_signal_handler (&self->pending_group_id, chats);
  koi_window_open_chat (self, chat);
}

static void
on_group_created (KoiWindow         *self,
                  gint64             chat_id,
                  KoiNewGroupDialog *dialog)
{
  KoiChatList *chats = koi_account_get_chats (self->account);

  self->pending_group = chat_id;
  if (self->pending_group_id == 0)
    self->pending_group_id = g_signal_connect_object (chats, "items-changed",
                                                      G_CALLBACK (open_pending_group), self,
                                                      G_CONNECT_SWAPPED);
  open_pending_group (self);
}

static void
new_group_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  KoiWindow *self = KOI_WINDOW (widget);
  GtkWidget *dialog;

  if (self->account == NULL)
    return;

  dialog = koi_new_group_dialog_new (GTK_WINDOW (self), self->account);
  g_signal_connect_object (dialog, "group-created", G_CALLBACK (on_group_created),
                           self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ------------------------------------------------------------------ */
/* Contacts (koi-contacts-window.c) */

static void
chat_for_contact_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr (KoiWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  KoiChat *chat = koi_chat_list_ensure_for_peer_finish (KOI_CHAT_LIST (source), result, &error);

  if (chat == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        koi_window_show_toast (self, error->message);
      return;
    }
  koi_window_open_chat (self, chat);
  gtk_window_present (GTK_WINDOW (self));
}

static void
on_contact_send_message (KoiWindow         *self,
                         const char        *address,
                         KoiContactsWindow *contacts)
{
  if (self->account == NULL)
    return;
  koi_chat_list_ensure_for_peer_async (koi_account_get_chats (self->account), address, NULL,
                                       chat_for_contact_cb, g_object_ref (self));
  gtk_window_close (GTK_WINDOW (contacts));
}

static void
on_contacts_destroy (KoiWindow *self)
{
  g_object_set_data (G_OBJECT (self), "koi-contacts-window", NULL);
}

/* One Contacts window per main window: asked again, it comes to the front. */
static KoiContactsWindow *
present_contacts (KoiWindow *self)
{
  KoiContactsWindow *contacts = g_object_get_data (G_OBJECT (self), "koi-contacts-window");

  if (contacts == NULL)
    {
      contacts = KOI_CONTACTS_WINDOW (koi_contacts_window_new (GTK_WINDOW (self), self->account));
      g_object_set_data (G_OBJECT (self), "koi-contacts-window", contacts);
      g_signal_connect_object (contacts, "destroy", G_CALLBACK (on_contacts_destroy), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (contacts, "send-message", G_CALLBACK (on_contact_send_message), self,
                               G_CONNECT_SWAPPED);
    }
  gtk_window_present (GTK_WINDOW (contacts));
  return contacts;
}

static void
contacts_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  KoiWindow *self = KOI_WINDOW (widget);

  if (self->account == NULL)
    return;
  koi_contacts_window_show_list (present_contacts (self));
}

/* The open 1:1 chat's partner, or NULL. */
static const char *
open_peer (KoiWindow *self)
{
  if (self->account == NULL || self->open_chat == NULL || koi_chat_get_is_group (self->open_chat))
    return NULL;
  return koi_chat_get_peer_address (self->open_chat);
}

static void
contact_card_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  KoiWindow *self = KOI_WINDOW (widget);
  const char *peer = open_peer (self);

  if (peer != NULL)
    koi_contacts_window_show_contact (present_contacts (self), peer);
}

static void
add_contact_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  KoiWindow *self = KOI_WINDOW (widget);
  const char *peer = open_peer (self);

  if (peer == NULL)
    return;
  koi_contacts_add (self->account, peer, koi_chat_get_title (self->open_chat));
  /* TRANSLATORS: %s is a person's name or address */
  {
    g_autofree char *text = g_strdup_printf (_("%s is in your contacts"), koi_chat_get_title (self->open_chat));

    koi_window_show_toast (self, text);
  }
}

static void
profile_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  KoiWindow *self = KOI_WINDOW (widget);

  if (self->account == NULL)
    return;
  koi_compat_present_dialog (koi_profile_dialog_new (self->account), GTK_WIDGET (self));
}

static void
group_details_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  KoiWindow *self = KOI_WINDOW (widget);

  /* The header's button is the partner's card in a 1:1 chat. */
  if (open_peer (self) != NULL)
    {
      contact_card_action (widget, "win.contact-card", NULL);
      return;
    }
  if (self->account == NULL || self->open_chat == NULL || !koi_chat_get_is_group (self->open_chat))
    return;

  gtk_window_present (GTK_WINDOW (koi_group_details_new (GTK_WINDOW (self), self->account,
                                                         self->open_chat)));
}

static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  koi_window_open_search (KOI_WINDOW (widget));
}

static void
step_chat (KoiWindow *self,
           int        step)
{
  guint n, selected;

  if (self->selection == NULL)
    return;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  if (n == 0)
    return;

  selected = gtk_single_selection_get_selected (self->selection);
  if (selected == GTK_INVALID_LIST_POSITION)
    selected = step > 0 ? 0 : n - 1;
  else if (step < 0 && selected > 0)
    selected--;
  else if (step > 0 && selected + 1 < n)
    selected++;
  else
    return;

  gtk_single_selection_set_selected (self->selection, selected);
  gtk_widget_activate_action (GTK_WIDGET (self->chat_list_view), "list.scroll-to-item",
                              "u", selected);
}

static void
previous_chat_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  step_chat (KOI_WINDOW (widget), -1);
}

static void
next_chat_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  step_chat (KOI_WINDOW (widget), 1);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  KoiWindow *self = KOI_WINDOW (widget);

  koi_compat_split_show_content (self->split_view, FALSE);
}

/* One function decides what is possible now. */
void
koi_window_update_actions (KoiWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean has_account = self->account != NULL;
  guint n = self->selection != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->selection)) : 0;

  gtk_widget_action_set_enabled (widget, "win.new-chat", has_account);
  gtk_widget_action_set_enabled (widget, "win.new-group", has_account);
  gtk_widget_action_set_enabled (widget, "win.group-details", has_account && self->open_chat != NULL);
  gtk_widget_action_set_enabled (widget, "win.contacts", has_account);
  gtk_widget_action_set_enabled (widget, "win.profile", has_account);
  gtk_widget_action_set_enabled (widget, "win.contact-card", open_peer (self) != NULL);
  gtk_widget_action_set_enabled (widget, "win.add-contact", open_peer (self) != NULL);
  gtk_widget_action_set_enabled (widget, "win.find", has_account);
  gtk_widget_action_set_enabled (widget, "win.add-account",
                                 self->session != NULL && koi_session_get_loaded (self->session));
  gtk_widget_action_set_enabled (widget, "win.remove-account", has_account);
  gtk_widget_action_set_enabled (widget, "win.previous-chat", n > 1);
  gtk_widget_action_set_enabled (widget, "win.next-chat", n > 1);
}

void
koi_window_class_install_actions (GtkWidgetClass *widget_class)
{
  koi_window_class_install_account_actions (widget_class);
  gtk_widget_class_install_action (widget_class, "win.new-chat", NULL, new_chat_action);
  gtk_widget_class_install_action (widget_class, "win.new-group", NULL, new_group_action);
  gtk_widget_class_install_action (widget_class, "win.group-details", NULL, group_details_action);
  gtk_widget_class_install_action (widget_class, "win.find", NULL, find_action);
  gtk_widget_class_install_action (widget_class, "win.previous-chat", NULL, previous_chat_action);
  gtk_widget_class_install_action (widget_class, "win.next-chat", NULL, next_chat_action);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "win.contacts", NULL, contacts_action);
  gtk_widget_class_install_action (widget_class, "win.contact-card", NULL, contact_card_action);
  gtk_widget_class_install_action (widget_class, "win.add-contact", NULL, add_contact_action);
  gtk_widget_class_install_action (widget_class, "win.profile", NULL, profile_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new-chat", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_k, GDK_CONTROL_MASK, "win.find", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_C, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.contacts", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.find", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, GDK_ALT_MASK, "win.previous-chat", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Down, GDK_ALT_MASK, "win.next-chat", NULL);
}
