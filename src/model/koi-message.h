/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <glib-object.h>

#include "koi-store.h"

G_BEGIN_DECLS

/* The values are the store's frozen on-disk numbers (koi-store.h). */
typedef enum {
  KOI_MESSAGE_INCOMING = KOI_STORE_DIRECTION_INCOMING,
  KOI_MESSAGE_OUTGOING = KOI_STORE_DIRECTION_OUTGOING,
} KoiMessageDirection;

typedef enum {
  KOI_MESSAGE_RECEIVED = KOI_STORE_STATE_RECEIVED,
  KOI_MESSAGE_QUEUED   = KOI_STORE_STATE_QUEUED,
  KOI_MESSAGE_SENDING  = KOI_STORE_STATE_SENDING,
  KOI_MESSAGE_SENT     = KOI_STORE_STATE_SENT,
  KOI_MESSAGE_FAILED   = KOI_STORE_STATE_FAILED,
} KoiMessageState;

typedef enum {
  KOI_MESSAGE_CHAT  = KOI_STORE_KIND_CHAT,
  KOI_MESSAGE_EMAIL = KOI_STORE_KIND_EMAIL,
} KoiMessageKind;

#define KOI_TYPE_MESSAGE_DIRECTION (koi_message_direction_get_type ())
GType koi_message_direction_get_type (void);
#define KOI_TYPE_MESSAGE_STATE (koi_message_state_get_type ())
GType koi_message_state_get_type (void);
#define KOI_TYPE_MESSAGE_KIND (koi_message_kind_get_type ())
GType koi_message_kind_get_type (void);

/* The same numbers as KoiStoreSignature. */
typedef enum {
  KOI_MESSAGE_SIGNATURE_NONE,
  KOI_MESSAGE_SIGNATURE_VALID,
  KOI_MESSAGE_SIGNATURE_BAD,
  KOI_MESSAGE_SIGNATURE_UNKNOWN,
} KoiMessageSignature;

#define KOI_TYPE_MESSAGE_SIGNATURE (koi_message_signature_get_type ())
GType koi_message_signature_get_type (void);

#define KOI_TYPE_MESSAGE (koi_message_get_type ())
G_DECLARE_FINAL_TYPE (KoiMessage, koi_message, KOI, MESSAGE, GObject)

/*
 * One message as a row shows it. Properties (all read-only for the UI; the
 * lists update them in place and each notifies only when it changes):
 *   id (gint64), chat-id (gint64), message-id, text, full-text (NULL when
 *   equal to text), subject, from-address, from-name, direction, state,
 *   kind, timestamp (gint64 ms, the sort time), failure-reason, loaded,
 *   edited, deleted, read (someone sent a read receipt), read-count,
 *   reactions, quote (the store's forms; koi-message-extras.h reads them),
 *   encrypted, signature (KoiMessageSignature).
 *
 * A placeholder (loaded = FALSE) stands in for a message whose page is
 * still being read; it becomes the real message in place (same object).
 */

KoiMessage          *koi_message_new_placeholder (void);
KoiMessage          *koi_message_new_from_store  (const KoiStoreMessage *message);

gint64               koi_message_get_id             (KoiMessage *self);
gint64               koi_message_get_chat_id        (KoiMessage *self);
const char          *koi_message_get_message_id     (KoiMessage *self);
const char          *koi_message_get_text           (KoiMessage *self);
const char          *koi_message_get_full_text      (KoiMessage *self);
const char          *koi_message_get_subject        (KoiMessage *self);
const char          *koi_message_get_from_address   (KoiMessage *self);
const char          *koi_message_get_from_name      (KoiMessage *self);
KoiMessageDirection  koi_message_get_direction      (KoiMessage *self);
KoiMessageState      koi_message_get_state          (KoiMessage *self);
KoiMessageKind       koi_message_get_kind           (KoiMessage *self);
gint64               koi_message_get_timestamp      (KoiMessage *self);
const char          *koi_message_get_failure_reason (KoiMessage *self);
gboolean             koi_message_get_loaded         (KoiMessage *self);
gboolean             koi_message_get_edited         (KoiMessage *self);
gboolean             koi_message_get_deleted        (KoiMessage *self);
gboolean             koi_message_get_read           (KoiMessage *self);
guint                koi_message_get_read_count     (KoiMessage *self);
const char          *koi_message_get_read_by        (KoiMessage *self);
/* The message's files (KoiAttachment), in the mail's order; never NULL.
 * Updated in place as downloads move on. */
GListModel          *koi_message_get_attachments    (KoiMessage *self);

/* Groups: the info line this message is (KoiStoreGroupInfo, 0 = an
 * ordinary message) and its address or name; whether an incoming group
 * message's sender is no member (shown marked). */
int                  koi_message_get_group_info     (KoiMessage *self);
const char          *koi_message_get_group_info_arg (KoiMessage *self);
gboolean             koi_message_get_not_member     (KoiMessage *self);

/* NULL when the message has no reactions / quotes nothing. */
const char          *koi_message_get_reactions      (KoiMessage *self);
const char          *koi_message_get_quote          (KoiMessage *self);

/* End-to-end encryption: whether it came encrypted, and its signature. */
gboolean             koi_message_get_encrypted      (KoiMessage *self);
KoiMessageSignature  koi_message_get_signature      (KoiMessage *self);

/* For the lists: fill every property from the store row (sets loaded). */
void                 koi_message_update_from_store  (KoiMessage            *self,
                                                     const KoiStoreMessage *message);
void                 koi_message_set_state          (KoiMessage            *self,
                                                     KoiMessageState        state);
void                 koi_message_set_failure_reason (KoiMessage            *self,
                                                     const char            *failure_reason);

G_END_DECLS
