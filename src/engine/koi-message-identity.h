/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-coi.h"
#include "koi-store.h"

G_BEGIN_DECLS

gboolean koi_message_identity_same   (const KoiStoreMessage *stored,
                                      const char            *from_address,
                                      gint64                 date_ms);
gboolean koi_message_identity_check  (KoiStore              *store,
                                      gint64                 account_id,
                                      KoiCoiParsed          *parsed,
                                      GError               **error);

G_END_DECLS
