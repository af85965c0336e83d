/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "koi-store-attachment.h"

G_BEGIN_DECLS

/* One file of a message, as the window shows it: a safe name, its type
 * and size, where it is (once downloaded) and how far it got. */
typedef enum
{
  KOI_ATTACHMENT_PENDING,     /* not here; "Download" fetches it */
  KOI_ATTACHMENT_DOWNLOADING,
  KOI_ATTACHMENT_DONE,        /* path is set */
  KOI_ATTACHMENT_FAILED,      /* error says why */
} KoiAttachmentState;

GType koi_attachment_state_get_type (void);
#define KOI_TYPE_ATTACHMENT_STATE (koi_attachment_state_get_type ())

#define KOI_TYPE_ATTACHMENT (koi_attachment_get_type ())
G_DECLARE_FINAL_TYPE (KoiAttachment, koi_attachment, KOI, ATTACHMENT, GObject)

KoiAttachment      *koi_attachment_new_from_store    (const KoiStoreAttachment *attachment);
/* Takes the row's changing fields (state, path, size, error), notifying. */
void                koi_attachment_update_from_store (KoiAttachment            *self,
                                                      const KoiStoreAttachment *attachment);

/* A transfer under way: @done of @total bytes (@done < 0: none is);
 * "transferred" and "transfer-total" notify. */
void                koi_attachment_set_progress     (KoiAttachment *self,
                                                     gint64         done,
                                                     gint64         total);
gint64              koi_attachment_get_transferred  (KoiAttachment *self);
gint64              koi_attachment_get_transfer_total (KoiAttachment *self);
gint64              koi_attachment_get_id           (KoiAttachment *self);
gint64              koi_attachment_get_message_ref  (KoiAttachment *self);
const char         *koi_attachment_get_name         (KoiAttachment *self);
const char         *koi_attachment_get_mime_type    (KoiAttachment *self);
gint64              koi_attachment_get_size         (KoiAttachment *self);
KoiAttachmentState  koi_attachment_get_state        (KoiAttachment *self);
const char         *koi_attachment_get_path         (KoiAttachment *self);
const char         *koi_attachment_get_error        (KoiAttachment *self);

G_END_DECLS
