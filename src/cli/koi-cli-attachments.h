/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "koi-store.h"

G_BEGIN_DECLS

/* Adds "attachments" (a list of {id, name, type, size, kind, state,
 * sha256, path, error}) to an open message object when it has any; path
 * is absolute, in the profile's attachment folder. */
void         koi_cli_add_attachments (JsonBuilder           *builder,
                                      KoiStore              *store,
                                      const KoiStoreMessage *message);
const char  *koi_cli_attachment_state_name (int state);

G_END_DECLS
