/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "koi-store.h"

G_BEGIN_DECLS

/* Adds "fingerprint" (grouped in fours, null without a key), "key_source"
 * and "key_time_ms" for @address to an open object. */
gboolean koi_cli_keys_add_members (JsonBuilder  *builder,
                                   KoiStore     *store,
                                   gint64        account_id,
                                   const char   *address,
                                   GError      **error);
/* `koi-cli keys`: one object per known peer key. */
gboolean koi_cli_keys_list        (KoiStore     *store,
                                   gint64        account_id,
                                   GError      **error);

G_END_DECLS
