/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-chat.h"
#include "koi-contact-requests.h"

G_BEGIN_DECLS

#define KOI_TYPE_REQUEST_BAR (koi_request_bar_get_type ())
G_DECLARE_FINAL_TYPE (KoiRequestBar, koi_request_bar, KOI, REQUEST_BAR, GtkWidget)

/*
 * In place of the composer while a chat is a contact request: who wrote,
 * what accepting means, and Accept / Block / Delete. Signal "answer"
 * (KoiRequestAnswer as int) when one is clicked.
 */
GtkWidget *koi_request_bar_new      (void);
/* Words the bar for @chat (a 1:1 chat offers Block, a group does not). */
void       koi_request_bar_set_chat (KoiRequestBar *self,
                                     KoiChat       *chat);

G_END_DECLS
