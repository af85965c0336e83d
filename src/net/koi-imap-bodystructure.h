/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "koi-imap-parser.h"

G_BEGIN_DECLS

/* A mail's MIME structure as the server describes it (BODYSTRUCTURE,
 * RFC 3501 7.4.2), so Koi knows its parts and their sizes before fetching
 * any of them, and can fetch each by its section number. */
typedef struct _KoiImapBodyPart KoiImapBodyPart;
struct _KoiImapBodyPart
{
  char       *section;     /* "1", "2.1"; "" for a multipart at the top */
  char       *type;        /* lower case: "text", "image", "multipart" */
  char       *subtype;     /* lower case: "plain", "png", "mixed" */
  GPtrArray  *params;      /* char*: name, value, name, value ... (Content-Type) */
  char       *id;          /* Content-ID, or NULL */
  char       *encoding;    /* lower case: "base64", "quoted-printable", "7bit" ... */
  guint64     size;        /* octets as sent (still encoded) */
  char       *disposition; /* lower case: "attachment", "inline", or NULL */
  GPtrArray  *disposition_params; /* char*: name, value, ... (Content-Disposition) */
  GPtrArray  *children;    /* KoiImapBodyPart*: a multipart's parts; empty otherwise */
};

/* NULL when @value is not a body structure Koi can read. A message/rfc822
 * part is a leaf (a forwarded mail is one file to Koi). */
KoiImapBodyPart *koi_imap_body_part_parse  (const KoiImapValue *value);
void             koi_imap_body_part_free   (KoiImapBodyPart    *part);
/* A parameter by name (case-insensitive), or NULL. */
const char      *koi_imap_body_part_param  (GPtrArray          *params,
                                            const char         *name);
/* Every leaf, depth first (KoiImapBodyPart*, owned by @root). */
GPtrArray       *koi_imap_body_part_leaves (KoiImapBodyPart    *root);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiImapBodyPart, koi_imap_body_part_free)

G_END_DECLS
