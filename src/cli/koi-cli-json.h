/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "koi-store.h"

G_BEGIN_DECLS

/* koi-cli prints one JSON object per line; these build the objects. */

const char *koi_cli_state_name      (int                    state);
void        koi_cli_print_object    (JsonBuilder           *builder);
JsonBuilder *koi_cli_message_object (const char            *event,
                                     const KoiStoreMessage *message,
                                     const char            *chat_peer);
JsonBuilder *koi_cli_chat_object    (const KoiStoreChat    *chat);
/* Adds "edited", "history", "deleted", "reactions" and "reply_to" to an
 * open message object. */
void         koi_cli_add_message_details (JsonBuilder           *builder,
                                          KoiStore              *store,
                                          const KoiStoreMessage *message);

G_END_DECLS
