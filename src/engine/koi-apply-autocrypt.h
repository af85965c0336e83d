/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-apply.h"

G_BEGIN_DECLS

/*
 * Autocrypt in the apply step: what a new mail says of its sender's key
 * (the Autocrypt header) and, in encrypted and validly signed mail, of the
 * other recipients' keys (Autocrypt-Gossip) becomes the peers' keys in
 * the store (koi-store-crypto.h: newest wins). A key that replaces
 * another one of a contact Koi has a chat with adds an info line to that
 * chat, so a change is never silent.
 *
 * @message_ref is the mail's new row, @time_ms its time: its Date capped
 * at its arrival (a Date in the future cannot pin a key).
 */
gboolean koi_apply_autocrypt (KoiStore           *store,
                              gint64              account_id,
                              const char         *own_address,
                              const KoiCoiParsed *parsed,
                              gint64              time_ms,
                              KoiApplyChanges    *changes,
                              GError            **error);

/* A key from a vCard's KEY property (@address's own card, Date @time_ms):
 * the same rules, with source vcard. A key that is no usable OpenPGP key
 * is ignored with a log line (TRUE). @changes may be NULL. */
gboolean koi_apply_vcard_key (KoiStore           *store,
                              gint64              account_id,
                              const char         *address,
                              GBytes             *keydata,
                              gint64              time_ms,
                              KoiApplyChanges    *changes,
                              GError            **error);

G_END_DECLS
