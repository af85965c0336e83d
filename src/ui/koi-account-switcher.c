/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-account-switcher"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-account-switcher.h"
#include "koi-chat-filter.h"

struct _KoiAccountSwitcher
{
  AdwBin       parent_instance;

  GtkWidget   *button;     /* GtkMenuButton */
  AdwAvatar   *avatar;
  GtkWidget   *dot;
  GtkWidget   *popover;
  GtkListBox  *list;

  GListModel  *accounts;   /* of KoiAccount */
  GSettings   *settings;
  KoiAccount  *current;
  /* The accounts whose chat lists are watched (for disconnecting). */
  GPtrArray   *watched;
};

G_DEFINE_FINAL_TYPE (KoiAccountSwitcher, koi_account_switcher, ADW_TYPE_BIN)

enum { ACCOUNT_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

guint
koi_account_switcher_count_unread (KoiAccountSwitcher *self,
                                   KoiAccount         *account)
{
  GListModel *chats = G_LIST_MODEL (koi_account_get_chats (account));
  KoiOrdinaryEmail mode = koi_ordinary_email_setting (self->settings);
  guint unread = 0;

  for (guint i = 0; i < g_list_model_get_n_items (chats); i++)
    {
      g_autoptr (KoiChat) chat = g_list_model_get_item (chats, i);

      if (koi_chat_is_listed (chat, mode))
        unread += koi_chat_get_unread_count (chat);
    }
  return unread;
}

static GtkWidget *
row_new (KoiAccountSwitcher *self,
         KoiAccount         *account)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *avatar = adw_avatar_new (32, koi_account_get_address (account), TRUE);
  GtkWidget *address = gtk_label_new (koi_account_get_address (account));
  GtkWidget *count = gtk_label_new (NULL);
  GtkWidget *check = gtk_image_new_from_icon_name ("object-select-symbolic");
  guint unread = koi_account_switcher_count_unread (self, account);

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_label_set_xalign (GTK_LABEL (address), 0);
  gtk_label_set_ellipsize (GTK_LABEL (address), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_hexpand (address, TRUE);

  /* The same badge the chat rows use, so the number reads the same. */
  if (unread > 0)
    {
      g_autofree char *text = g_strdup_printf ("%u", unread);

      gtk_label_set_text (GTK_LABEL (count), text);
    }
  gtk_widget_add_css_class (count, "koi-unread-badge");
  gtk_widget_set_valign (count, GTK_ALIGN_CENTER);
  gtk_widget_set_visible (count, unread > 0);
  gtk_widget_set_visible (check, account == self->current);

  gtk_box_append (GTK_BOX (box), avatar);
  gtk_box_append (GTK_BOX (box), address);
  gtk_box_append (GTK_BOX (box), count);
  gtk_box_append (GTK_BOX (box), check);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data_full (G_OBJECT (row), "koi-account", g_object_ref (account), g_object_unref);
  g_object_set_data (G_OBJECT (row), "koi-count", count);
  return row;
}

/* Rows, counts and the dot all follow the accounts' chats; there are few
 * accounts, so everything is rebuilt on any change. */
static void
refresh (KoiAccountSwitcher *self)
{
  GtkWidget *child;
  gboolean others_unread = FALSE;
  guint n = self->accounts != NULL ? g_list_model_get_n_items (self->accounts) : 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiAccount) account = g_list_model_get_item (self->accounts, i);

      gtk_list_box_append (self->list, row_new (self, account));
      if (account != self->current && koi_account_switcher_count_unread (self, account) > 0)
        others_unread = TRUE;
    }

  gtk_widget_set_visible (self->dot, others_unread);
  if (self->current != NULL)
    {
      adw_avatar_set_text (self->avatar, koi_account_get_address (self->current));
      gtk_widget_set_tooltip_text (self->button,
                                   others_unread
                                   /* TRANSLATORS: tooltip of the account button in the header */
                                   ? _("Accounts (another account has unread messages)")
                                   : _("Accounts"));
    }
}

static void
on_chats_changed (KoiAccountSwitcher *self,
                  guint               position,
                  guint               removed,
                  guint               added,
                  GListModel         *chats)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr (KoiChat) chat = g_list_model_get_item (chats, i);

      /* A chat that moves comes back as the same object: connect once. */
      if (g_object_get_data (G_OBJECT (chat), "koi-account-switcher") == self)
        continue;
      g_object_set_data (G_OBJECT (chat), "koi-account-switcher", self);
      g_signal_connect_object (chat, "notify::unread-count", G_CALLBACK (refresh), self,
                               G_CONNECT_SWAPPED);
    }
  refresh (self);
}

static void
unwatch_all (KoiAccountSwitcher *self)
{
  for (guint i = 0; i < self->watched->len; i++)
    {
      KoiAccount *account = g_ptr_array_index (self->watched, i);

      g_signal_handlers_disconnect_by_data (koi_account_get_chats (account), self);
    }
  g_ptr_array_set_size (self->watched, 0);
}

static void
on_accounts_changed (KoiAccountSwitcher *self,
                     guint               position,
                     guint               removed,
                     guint               added,
                     GListModel         *accounts)
{
  unwatch_all (self);
  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr (KoiAccount) account = g_list_model_get_item (accounts, i);
      GListModel *chats = G_LIST_MODEL (koi_account_get_chats (account));

      g_ptr_array_add (self->watched, g_object_ref (account));
      g_signal_connect_object (chats, "items-changed", G_CALLBACK (on_chats_changed), self,
                               G_CONNECT_SWAPPED);
      on_chats_changed (self, 0, 0, g_list_model_get_n_items (chats), chats);
    }
  refresh (self);
}

void
koi_account_switcher_set_accounts (KoiAccountSwitcher *self,
                                   GListModel         *accounts,
                                   GSettings          *settings)
{
  g_return_if_fail (KOI_IS_ACCOUNT_SWITCHER (self));

  if (self->accounts != NULL)
    g_signal_handlers_disconnect_by_data (self->accounts, self);
  unwatch_all (self);
  g_set_object (&self->accounts, accounts);
  g_set_object (&self->settings, settings);
  if (accounts != NULL)
    {
      g_signal_connect_object (accounts, "items-changed", G_CALLBACK (on_accounts_changed), self,
                               G_CONNECT_SWAPPED);
      on_accounts_changed (self, 0, 0, 0, accounts);
    }
  else
    refresh (self);
}

void
koi_account_switcher_set_current (KoiAccountSwitcher *self,
                                  KoiAccount         *account)
{
  g_return_if_fail (KOI_IS_ACCOUNT_SWITCHER (self));

  g_set_object (&self->current, account);
  refresh (self);
}

static void
on_row_activated (KoiAccountSwitcher *self,
                  GtkListBoxRow      *row,
                  GtkListBox         *list)
{
  KoiAccount *account = g_object_get_data (G_OBJECT (row), "koi-account");

  gtk_popover_popdown (GTK_POPOVER (self->popover));
  if (account != NULL)
    g_signal_emit (self, signals[ACCOUNT_ACTIVATED], 0, account);
}

static GtkWidget *
menu_item_new (const char *label,
               const char *action)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_halign (gtk_button_get_child (GTK_BUTTON (button)), GTK_ALIGN_START);
  return button;
}

static void
on_item_clicked (KoiAccountSwitcher *self,
                 GtkButton          *button)
{
  gtk_popover_popdown (GTK_POPOVER (self->popover));
}

GtkWidget *
koi_account_switcher_get_button (KoiAccountSwitcher *self)
{
  return self->button;
}

GtkWidget *
koi_account_switcher_get_dot (KoiAccountSwitcher *self)
{
  return self->dot;
}

GtkWidget *
koi_account_switcher_get_popover (KoiAccountSwitcher *self)
{
  return self->popover;
}

GtkWidget *
koi_account_switcher_get_row (KoiAccountSwitcher *self,
                              guint               position)
{
  return GTK_WIDGET (gtk_list_box_get_row_at_index (self->list, position));
}

GtkWidget *
koi_account_switcher_get_count (KoiAccountSwitcher *self,
                                guint               position)
{
  GtkWidget *row = koi_account_switcher_get_row (self, position);

  return row != NULL ? g_object_get_data (G_OBJECT (row), "koi-count") : NULL;
}

static void
koi_account_switcher_dispose (GObject *object)
{
  KoiAccountSwitcher *self = KOI_ACCOUNT_SWITCHER (object);

  if (self->accounts != NULL)
    g_signal_handlers_disconnect_by_data (self->accounts, self);
  if (self->watched != NULL)
    unwatch_all (self);
  g_clear_object (&self->accounts);
  g_clear_object (&self->settings);
  g_clear_object (&self->current);
  adw_bin_set_child (ADW_BIN (self), NULL);

  G_OBJECT_CLASS (koi_account_switcher_parent_class)->dispose (object);
}

static void
koi_account_switcher_finalize (GObject *object)
{
  KoiAccountSwitcher *self = KOI_ACCOUNT_SWITCHER (object);

  g_clear_pointer (&self->watched, g_ptr_array_unref);

  G_OBJECT_CLASS (koi_account_switcher_parent_class)->finalize (object);
}

static void
koi_account_switcher_class_init (KoiAccountSwitcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = koi_account_switcher_dispose;
  object_class->finalize = koi_account_switcher_finalize;

  signals[ACCOUNT_ACTIVATED] =
    g_signal_new ("account-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KOI_TYPE_ACCOUNT);
}

static void
koi_account_switcher_init (KoiAccountSwitcher *self)
{
  GtkWidget *overlay = gtk_overlay_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *add, *remove;

  self->watched = g_ptr_array_new_with_free_func (g_object_unref);

  self->avatar = ADW_AVATAR (adw_avatar_new (24, NULL, TRUE));
  self->dot = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_add_css_class (self->dot, "koi-account-dot");
  gtk_widget_set_halign (self->dot, GTK_ALIGN_END);
  gtk_widget_set_valign (self->dot, GTK_ALIGN_START);
  gtk_widget_set_visible (self->dot, FALSE);
  gtk_widget_set_can_target (self->dot, FALSE);
  gtk_overlay_set_child (GTK_OVERLAY (overlay), GTK_WIDGET (self->avatar));
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), self->dot);

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "koi-account-list");
  g_signal_connect_object (self->list, "row-activated", G_CALLBACK (on_row_activated), self,
                           G_CONNECT_SWAPPED);

  add = menu_item_new (_("_Add Account…"), "win.add-account");
  remove = menu_item_new (_("_Remove Account…"), "win.remove-account");
  g_signal_connect_object (add, "clicked", G_CALLBACK (on_item_clicked), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (on_item_clicked), self, G_CONNECT_SWAPPED);

  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->list));
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (box), add);
  gtk_box_append (GTK_BOX (box), remove);

  self->popover = gtk_popover_new ();
  gtk_popover_set_child (GTK_POPOVER (self->popover), box);

  self->button = gtk_menu_button_new ();
  gtk_menu_button_set_child (GTK_MENU_BUTTON (self->button), overlay);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (self->button), self->popover);
  gtk_widget_add_css_class (self->button, "flat");
  gtk_widget_set_tooltip_text (self->button, _("Accounts"));
  adw_bin_set_child (ADW_BIN (self), self->button);
}
