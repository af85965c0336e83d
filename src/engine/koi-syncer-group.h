/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-store-attachment.h"
#include "koi-syncer.h"

G_BEGIN_DECLS

/*
 * Group commands of KoiSyncer. Each one is a message to the group (COI
 * form with Delta Chat's headers, koi-coi-group.h) queued in the outbox
 * for every member and the user's own address in one SMTP transaction,
 * and applied here at once by the same code that applies it when it
 * arrives (koi-apply-group.h), so this device and every other one end
 * with the same group.
 *
 * Each returns the queued message's store id, 0 on error
 * (KOI_ENGINE_ERROR_INVALID for a bad address or name, a chat that is no
 * group, or a group the user is no longer a member of).
 */

/* Creates a group named @name with @addresses (NULL-terminated; the user
 * is added) and sends its first message. *@out_chat_id: the new chat. */
gint64 koi_syncer_create_group       (KoiSyncer           *self,
                                      const char          *name,
                                      const char * const  *addresses,
                                      gint64              *out_chat_id,
                                      GError             **error);
gint64 koi_syncer_group_rename       (KoiSyncer           *self,
                                      gint64               chat_id,
                                      const char          *name,
                                      GError             **error);
gint64 koi_syncer_group_add_member   (KoiSyncer           *self,
                                      gint64               chat_id,
                                      const char          *address,
                                      GError             **error);
gint64 koi_syncer_group_remove_member (KoiSyncer          *self,
                                      gint64               chat_id,
                                      const char          *address,
                                      GError             **error);
gint64 koi_syncer_group_leave        (KoiSyncer           *self,
                                      gint64               chat_id,
                                      GError             **error);
/* A text to the group (koi_syncer_queue_message() calls it for groups),
 * with a quote of @reply_to_ref (a message of the group; 0: none) and a
 * file (@text its caption; NULL: none). */
gint64 koi_syncer_queue_group_text   (KoiSyncer                *self,
                                      gint64                    chat_id,
                                      const char               *text,
                                      gint64                    reply_to_ref,
                                      const KoiStoreAttachment *file,
                                      GError                  **error);

/* Who a message to the group goes to: every member but the user (the user
 * alone: the user's own address). Of char*, free func set. */
GPtrArray *koi_syncer_group_recipients (KoiSyncer *self,
                                        gint64     chat_id,
                                        GError   **error);

G_END_DECLS
