/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-window"

#include "config.h"

#include "koi-chat-row.h"
#include "koi-window-private.h"

/* The arrow keys through the sidebar's search, as in GNOME's own apps:
 * Down in the entry goes to the first result (the chats found by name,
 * else the messages), Down on the last chat found to the first message,
 * Up on the first result back to the entry. The list widgets stop at
 * their own ends; this joins them. */

static gboolean
plain_key (guint           keyval,
           GdkModifierType state,
           guint           want,
           guint           want_keypad)
{
  return (keyval == want || keyval == want_keypad)
    && (state & gtk_accelerator_get_default_mod_mask ()) == 0;
}

static guint
n_chats_found (KoiWindow *self)
{
  return self->filtered != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) : 0;
}

/* The chat list's row widget (the list item GtkListView focuses) that
 * shows the chat at @position of the list, when it is built. */
static GtkWidget *
chat_item_widget (KoiWindow *self,
                  guint      position)
{
  g_autoptr (KoiChat) chat = NULL;

  if (position >= n_chats_found (self))
    return NULL;
  chat = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->chat_list_view));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row = gtk_widget_get_first_child (child);

      if (row != NULL && KOI_IS_CHAT_ROW (row) && koi_chat_row_get_item (KOI_CHAT_ROW (row)) == chat)
        return child;
    }
  return NULL;
}

static gboolean
chat_item_has_focus (KoiWindow *self,
                     guint      position)
{
  GtkWidget *item = chat_item_widget (self, position);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  return item != NULL && focus != NULL && (focus == item || gtk_widget_is_ancestor (focus, item));
}

static gboolean
focus_first_chat (KoiWindow *self)
{
  GtkWidget *item = chat_item_widget (self, 0);

  if (item != NULL && gtk_widget_grab_focus (item))
    return TRUE;
  return n_chats_found (self) > 0 && gtk_widget_grab_focus (GTK_WIDGET (self->chat_list_view));
}

static gboolean
on_entry_key_pressed (KoiWindow             *self,
                      guint                  keyval,
                      guint                  keycode,
                      GdkModifierType        state,
                      GtkEventControllerKey *controller)
{
  if (!plain_key (keyval, state, GDK_KEY_Down, GDK_KEY_KP_Down))
    return FALSE;
  if (n_chats_found (self) > 0)
    return focus_first_chat (self);
  return gtk_widget_get_visible (GTK_WIDGET (self->search_results))
    && koi_search_results_focus_first (self->search_results);
}

static gboolean
on_chat_list_key_pressed (KoiWindow             *self,
                          guint                  keyval,
                          guint                  keycode,
                          GdkModifierType        state,
                          GtkEventControllerKey *controller)
{
  guint n = n_chats_found (self);

  if (!gtk_search_bar_get_search_mode (self->search_bar) || n == 0)
    return FALSE;
  if (plain_key (keyval, state, GDK_KEY_Up, GDK_KEY_KP_Up) && chat_item_has_focus (self, 0))
    return gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  if (plain_key (keyval, state, GDK_KEY_Down, GDK_KEY_KP_Down) && chat_item_has_focus (self, n - 1)
      && gtk_widget_get_visible (GTK_WIDGET (self->search_results)))
    return koi_search_results_focus_first (self->search_results);
  return FALSE;
}

/* Up on the first message found (or its row gone with nothing left): back
 * to the entry, where typing goes on. */
static gboolean
on_results_keynav_failed (KoiWindow        *self,
                          GtkDirectionType  direction,
                          KoiSearchResults *results)
{
  if (direction != GTK_DIR_UP || !gtk_search_bar_get_search_mode (self->search_bar))
    return FALSE;
  return gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
koi_window_search_keys_init (KoiWindow *self)
{
  GtkEventController *keys;

  /* Capture: the entry's text would take Down as a cursor move. */
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (on_entry_key_pressed), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->search_entry), keys);

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (on_chat_list_key_pressed), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->chat_list_view), keys);

  g_signal_connect_object (self->search_results, "keynav-failed",
                           G_CALLBACK (on_results_keynav_failed), self, G_CONNECT_SWAPPED);
}
