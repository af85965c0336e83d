/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-imap-client.h"

G_BEGIN_DECLS

/* IMAP METADATA (RFC 5464) on a connected client: what a COI server keeps
 * its per-user configuration in. Both fail with KOI_IMAP_ERROR_UNSUPPORTED
 * when the server does not announce METADATA (or METADATA-SERVER). */

/* GETMETADATA on @mailbox ("" = the server itself) for @entries
 * (NULL-terminated), with DEPTH @depth ("0", "1" or "infinity"; NULL leaves
 * the option out). Returns entry name → value (both UTF-8 strings); an
 * entry the server has no value for (NIL) is not in the table. */
GHashTable *koi_imap_client_get_metadata (KoiImapClient       *self,
                                          const char          *mailbox,
                                          const char          *depth,
                                          const char * const  *entries,
                                          GCancellable        *cancellable,
                                          GError             **error);

/* SETMETADATA of one entry on @mailbox; @value NULL removes it (NIL). */
gboolean    koi_imap_client_set_metadata (KoiImapClient       *self,
                                          const char          *mailbox,
                                          const char          *entry,
                                          const char          *value,
                                          GCancellable        *cancellable,
                                          GError             **error);

G_END_DECLS
