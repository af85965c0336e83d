/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-application.h"
#include "koi-conversation-view.h"
#include "koi-session.h"
#include "koi-welcome-page.h"

G_BEGIN_DECLS

#define KOI_TYPE_WINDOW (koi_window_get_type ())
G_DECLARE_FINAL_TYPE (KoiWindow, koi_window, KOI, WINDOW, AdwApplicationWindow)

/* Takes the application's session when @application has one. */
KoiWindow           *koi_window_new                   (KoiApplication *application);

/* The window shows the first account of @session (or the welcome form
 * while there is none). */
void                 koi_window_set_session           (KoiWindow      *self,
                                                       KoiSession     *session);
KoiSession          *koi_window_get_session           (KoiWindow      *self);
KoiAccount          *koi_window_get_account           (KoiWindow      *self);
/* Shows @account's chats (the user chose it in the account switcher) and
 * remembers it for the next start. */
void                 koi_window_show_account          (KoiWindow      *self,
                                                       KoiAccount     *account);

/* Opens @chat (must be in the account's chat list). */
void                 koi_window_open_chat             (KoiWindow      *self,
                                                       KoiChat        *chat);
void                 koi_window_show_toast            (KoiWindow      *self,
                                                       const char     *message);

/* For tests and the end-to-end harness. */
GtkListView         *koi_window_get_chat_list_view    (KoiWindow      *self);
KoiConversationView *koi_window_get_conversation_view (KoiWindow      *self);
/* The sidebar's search (all chats): its entry and the messages it found. */
GtkWidget           *koi_window_get_search_entry      (KoiWindow      *self);
GtkWidget           *koi_window_get_search_results    (KoiWindow      *self);
KoiWelcomePage      *koi_window_get_welcome_page      (KoiWindow      *self);
/* "loading", "welcome" or "chats". */
const char          *koi_window_get_page_name         (KoiWindow      *self);
const char          *koi_window_get_connection_text   (KoiWindow      *self);
/* The "Offline"/"Reconnecting…" banner (AdwBanner), NULL on the legacy
 * widget set. */
GtkWidget           *koi_window_get_connection_banner (KoiWindow      *self);
/* "Another device sent this account's encryption key", with "Import
 * Key…" (AdwBanner, or KoiBanner on the legacy widget set). */
GtkWidget           *koi_window_get_key_banner        (KoiWindow      *self);

G_END_DECLS
