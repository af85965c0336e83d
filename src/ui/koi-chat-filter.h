/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "koi-chat.h"

G_BEGIN_DECLS

/* A GtkStringFilter over KoiChat items that matches the typed text against
 * the chat's title and peer address (case-insensitive substring). */
GtkStringFilter *koi_chat_filter_new (void);

/* Which ordinary email (mail without Chat-Version) starts a chat in the
 * list: the "show-ordinary-email" setting. */
typedef enum {
  KOI_ORDINARY_EMAIL_ALL,        /* every sender's, strangers' as requests */
  KOI_ORDINARY_EMAIL_CONTACTS,   /* only from accepted chats and contacts */
  KOI_ORDINARY_EMAIL_NONE,       /* chats only */
} KoiOrdinaryEmail;

/* Whether the chat list shows @chat (and its notifications are shown):
 * not a dismissed request; a chat of only ordinary email as @mode says. */
gboolean         koi_chat_is_listed         (KoiChat          *chat,
                                             KoiOrdinaryEmail  mode);
/* KOI_ORDINARY_EMAIL_CONTACTS without @settings. */
KoiOrdinaryEmail koi_ordinary_email_setting (GSettings        *settings);

/* Which chats the list shows: not dismissed requests, and chats that hold
 * only ordinary email as @settings' "show-ordinary-email" says (followed
 * as it changes; NULL: KOI_ORDINARY_EMAIL_CONTACTS, the default). */
GtkFilter       *koi_chat_listed_filter_new (GSettings *settings);

G_END_DECLS
