/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gmime/gmime.h>

G_BEGIN_DECLS

/* Attachments on the wire: pure functions, no I/O (docs/WIRE.md,
 * "Attachments"). */

/* Longest safe file name, in characters (the extension is kept). */
#define KOI_COI_ATTACHMENT_NAME_MAX 100

/* A file name that is safe to show and to create: no folder parts (only
 * what follows the last / or \), no control characters, no bidi overrides
 * or isolates (an RLO can make "exe.png" of "gnp.exe"), no leading dot,
 * valid UTF-8, at most KOI_COI_ATTACHMENT_NAME_MAX characters with the
 * extension kept. Falls back to "file" (plus an extension for
 * @mime_type's image types) when nothing is left. Never NULL. */
char       *koi_coi_attachment_safe_name   (const char   *name,
                                            const char   *mime_type);

/* The file name from a part's Content-Disposition and Content-Type
 * parameters as BODYSTRUCTURE gives them (name, value, ...): filename,
 * then name, with RFC 2231 (filename*=, continuations) and RFC 2047
 * decoded. Not yet made safe. NULL when neither names a file. */
char       *koi_coi_attachment_name_from_params (GPtrArray *disposition_params,
                                            GPtrArray    *type_params);

/* Whether a part is a file to show rather than text to read: it says
 * attachment, or names a file, or is not text. @disposition and @type /
 * @subtype lower case; reactions (RFC 9078) are never attachments. */
gboolean    koi_coi_part_is_attachment     (const char   *type,
                                            const char   *subtype,
                                            const char   *disposition,
                                            gboolean      has_name);

/* The image type the bytes start with (PNG, JPEG, GIF, WebP, BMP), or
 * NULL: a part that says image/png but holds HTML is no image. */
const char *koi_coi_sniff_image_type       (const guint8 *data,
                                            gsize         len);

/* What Delta Chat / COI say the file is (KoiStoreAttachmentKind values:
 * 0 file, 1 image, 2 audio, 3 video, 4 voice, 5 sticker, 6 gif), from the
 * part's MIME type and the mail's Chat-Voice-Message / Chat-Content. */
int         koi_coi_attachment_kind        (const char   *mime_type,
                                            const char   *chat_content,
                                            gboolean      voice_message);

/* An outgoing mail with a file: a multipart/mixed chat message holding
 * the caption (may be empty) as text/plain and one base64 part with
 * Content-Disposition: attachment; filename (RFC 2231 when not ASCII)
 * and size. The file's body is not in it: *out_head is the mail up to
 * where the body goes, *out_tail the rest; the sender streams the body
 * between them, base64 in lines of 76 (koi_coi_base64_encoded_size). */
gboolean    koi_coi_split_file_message     (GMimeMessage *message,
                                            GBytes      **out_head,
                                            GBytes      **out_tail,
                                            GError      **error);

/* The same for any entity (the inner part of an encrypted mail). */
gboolean    koi_coi_split_file_entity      (GMimeObject  *entity,
                                            GBytes      **out_head,
                                            GBytes      **out_tail,
                                            GError      **error);

/* The encrypted.asc part of a PGP/MIME mail whose armored body is sent
 * from a file: koi_coi_split_file_message finds its place like a file's. */
GMimePart  *koi_coi_armored_part_new       (void);

/* The part to put into the multipart/mixed message for a file (empty
 * body, encoding base64); koi_coi_split_file_message finds it again. */
GMimePart  *koi_coi_file_part_new          (const char   *filename,
                                            const char   *mime_type,
                                            goffset       size);

/* Bytes @size bytes of file become as base64 lines of 76 with CRLF. */
guint64     koi_coi_base64_encoded_size    (guint64       size);
/* The IMAP sections of @message's parts marked `Chat-Content: preview`
 * (COI: a small preview of the part after it, not a file of its own), or
 * NULL when it has none. */
GPtrArray  *koi_coi_preview_sections       (GMimeMessage *message);

G_END_DECLS
