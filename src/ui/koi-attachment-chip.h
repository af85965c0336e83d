/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-pending-file.h"

G_BEGIN_DECLS

/*
 * A file waiting in the composer: its thumbnail (images) or type icon,
 * name and size, and a button that removes it (signal "remove").
 */
#define KOI_TYPE_ATTACHMENT_CHIP (koi_attachment_chip_get_type ())
G_DECLARE_FINAL_TYPE (KoiAttachmentChip, koi_attachment_chip, KOI, ATTACHMENT_CHIP, GtkWidget)

GtkWidget      *koi_attachment_chip_new      (KoiPendingFile    *file);
KoiPendingFile *koi_attachment_chip_get_file (KoiAttachmentChip *self);

G_END_DECLS
