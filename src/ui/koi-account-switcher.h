/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-account.h"

G_BEGIN_DECLS

#define KOI_TYPE_ACCOUNT_SWITCHER (koi_account_switcher_get_type ())
G_DECLARE_FINAL_TYPE (KoiAccountSwitcher, koi_account_switcher, KOI, ACCOUNT_SWITCHER, AdwBin)

/*
 * The account switcher in the header: the shown account's avatar as a menu
 * button. Its popover lists every account with its address and unread
 * count, and offers "Add Account…" (win.add-account) and "Remove Account…"
 * (win.remove-account). A dot on the button says another account has
 * unread mail. Choosing a row emits "account-activated" (KoiAccount); the
 * window then calls koi_account_switcher_set_current(). Built in code, so
 * both widget sets use it as is.
 */

/* @accounts: GListModel of KoiAccount (NULL = none); @settings: what the
 * chat list shows, so the counts match it (NULL = the defaults). */
void        koi_account_switcher_set_accounts (KoiAccountSwitcher *self,
                                               GListModel         *accounts,
                                               GSettings          *settings);
void        koi_account_switcher_set_current  (KoiAccountSwitcher *self,
                                               KoiAccount         *account);

/* Unread messages in the chats of @account the list shows. */
guint       koi_account_switcher_count_unread (KoiAccountSwitcher *self,
                                               KoiAccount         *account);

/* For tests: the button, the dot, and the row / unread label of the
 * account at @position in the popover. */
GtkWidget  *koi_account_switcher_get_button   (KoiAccountSwitcher *self);
GtkWidget  *koi_account_switcher_get_dot      (KoiAccountSwitcher *self);
GtkWidget  *koi_account_switcher_get_popover  (KoiAccountSwitcher *self);
GtkWidget  *koi_account_switcher_get_row      (KoiAccountSwitcher *self,
                                               guint               position);
GtkWidget  *koi_account_switcher_get_count    (KoiAccountSwitcher *self,
                                               guint               position);

G_END_DECLS
