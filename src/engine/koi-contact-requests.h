/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-store.h"

G_BEGIN_DECLS

/*
 * Contact requests: a chat that a stranger's mail starts waits for the
 * user to let it in (docs/ARCHITECTURE.md, "Contact requests"). Until
 * then it is listed apart, notifies quietly, and sends no read receipt.
 */

/* What the user answers a contact request with. */
typedef enum {
  KOI_REQUEST_ACCEPT,   /* let the chat in; the sender becomes a contact */
  KOI_REQUEST_BLOCK,    /* block the sender (synced) and hide the chat */
  KOI_REQUEST_DELETE,   /* hide the chat; the sender's next mail asks again */
} KoiRequestAnswer;

/* A visible mail was stored in @chat_id (@created: the mail started the
 * chat). The user's own mail, from any device, accepts the chat; a new
 * chat from a stranger becomes a request; new mail in a dismissed request
 * asks again. Inside the apply step's transaction. */
gboolean koi_contact_requests_note_mail (KoiStore    *store,
                                         gint64       account_id,
                                         gint64       chat_id,
                                         gboolean     created,
                                         gboolean     outgoing,
                                         const char  *from_address,
                                         GError     **error);

G_END_DECLS
