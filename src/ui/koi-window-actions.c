/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-window"

#include "config.h"

#include "koi-compat.h"
#include "koi-new-chat-dialog.h"
#include "koi-window-private.h"

/* Actions of the main window and their shortcuts, in one place. */

static void
on_chat_chosen (KoiWindow        *self,
                KoiChat          *chat,
                KoiNewChatDialog *dialog)
{
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

static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  KoiWindow *self = KOI_WINDOW (widget);

  koi_compat_split_show_content (self->split_view, FALSE);
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
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
  gtk_widget_action_set_enabled (widget, "win.find", has_account);
  gtk_widget_action_set_enabled (widget, "win.previous-chat", n > 1);
  gtk_widget_action_set_enabled (widget, "win.next-chat", n > 1);
}

void
koi_window_class_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.new-chat", NULL, new_chat_action);
  gtk_widget_class_install_action (widget_class, "win.find", NULL, find_action);
  gtk_widget_class_install_action (widget_class, "win.previous-chat", NULL, previous_chat_action);
  gtk_widget_class_install_action (widget_class, "win.next-chat", NULL, next_chat_action);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new-chat", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_k, GDK_CONTROL_MASK, "win.find", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.find", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, GDK_ALT_MASK, "win.previous-chat", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Down, GDK_ALT_MASK, "win.next-chat", NULL);
}
