/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-account-switcher.h"
#include "koi-search-results.h"
#include "koi-window.h"

G_BEGIN_DECLS

/* Shared by koi-window.c and koi-window-actions.c. */
struct _KoiWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;
  GtkWidget            *loading_spinner;
  KoiWelcomePage       *welcome_page;
  /* AdwLeaflet or AdwNavigationSplitView: see koi-compat.h */
  GtkWidget            *split_view;
  GtkWidget            *sidebar;
  GtkWidget            *content;
  AdwWindowTitle       *account_title;
  AdwBin               *banner_bin;
  /* koi_compat_banner_new (): NULL on the legacy widget set. */
  GtkWidget            *connection_banner;
  /* "Another device sent this account's key" (koi-window-keyxfer.c). */
  AdwBin               *key_banner_bin;
  GtkWidget            *key_banner;
  gboolean              importing_key;
  KoiAccountSwitcher   *account_switcher;
  GtkSearchBar         *search_bar;
  GtkSearchEntry       *search_entry;
  GtkStack             *chat_list_stack;
  GtkListView          *chat_list_view;
  GtkScrolledWindow    *chat_list_scroller;
  KoiSearchResults     *search_results;
  /* Where the focus was when the search opened: Escape brings it back
   * (weak pointer). */
  GtkWidget            *search_return_focus;
  AdwWindowTitle       *chat_title;
  GtkWidget            *chat_lock_image;
  gboolean              watching_encrypt;  /* "changed::encrypt-when-possible" */
  GtkStack             *conversation_stack;
  KoiConversationView  *conversation_view;

  KoiSession           *session;
  KoiAccount           *account;
  GtkStringFilter      *filter;
  GtkFilterListModel   *filtered;
  GtkSingleSelection   *selection;

  /* The chat on screen, watched so what arrives in it is read at once. */
  KoiChat              *open_chat;
  gulong                open_chat_unread_id;

  /* A group just created, to open once the chat list has it. */
  gint64                pending_group;
  gulong                pending_group_id;
  GtkWidget            *details_button;
  /* "Add Account…": the welcome form shows until an account is added. */
  gboolean              adding_account;
  GtkWidget            *welcome_cancel;
};

void koi_window_class_install_actions (GtkWidgetClass *widget_class);
/* Add, cancel adding and remove an account (koi-window-accounts.c). */
void koi_window_class_install_account_actions (GtkWidgetClass *widget_class);
/* Opens the sidebar's search (all chats), remembering where the focus was. */
void koi_window_open_search           (KoiWindow      *self);
void koi_window_update_actions        (KoiWindow      *self);
/* The setup-message banner (koi-window-keyxfer.c): made once, then
 * watching each account the window shows. */
void koi_window_keyxfer_init          (KoiWindow      *self);
void koi_window_keyxfer_watch         (KoiWindow      *self);
/* Up and Down between the search entry and its results
 * (koi-window-search-keys.c). */
void koi_window_search_keys_init      (KoiWindow      *self);

G_END_DECLS
