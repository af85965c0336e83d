/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-store.h"

G_BEGIN_DECLS

/* The newest Autocrypt Setup Message (KoiCoiType 11, a hidden row) that
 * the account sent to itself, or 0 when there is none (or on error). */
gint64 koi_store_setup_message_latest (KoiStore    *store,
                                       gint64       account_id,
                                       const char  *own_address,
                                       GError     **error);

/* Every one of them, newest first (gint64 ids); NULL on error. */
GArray *koi_store_setup_message_list  (KoiStore    *store,
                                       gint64       account_id,
                                       const char  *own_address,
                                       GError     **error);

G_END_DECLS
