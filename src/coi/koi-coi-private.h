/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared between the parser's files (koi-coi-parser.c, -classify.c,
 * -typed.c, -report.c); not part of the coi library's API. */

#include <gmime/gmime.h>

#include "koi-coi-parser.h"

G_BEGIN_DECLS

/* Bounds on what one hostile mail can make Koi keep. A reference longer
 * than a mail line (998) cannot be a real Message-ID. */
#define KOI_COI_MAX_ID_LEN          998
#define KOI_COI_MAX_TARGETS         1000
#define KOI_COI_MAX_RECIPIENTS      100
#define KOI_COI_MAX_FAILURE_TEXT    4000
#define KOI_COI_MAX_REACTION        256
#define KOI_COI_MAX_GROUP_NAME      512
#define KOI_COI_MAX_NAME            512
#define KOI_COI_MAX_SUBJECT         4000
#define KOI_COI_MAX_CARD            (1024 * 1024)
#define KOI_COI_MAX_REPORT          (256 * 1024)
#define KOI_COI_MAX_PARTS           200
#define KOI_COI_MAX_DEPTH           8

/* What gmime is given whole (koi-coi-guard.c): beyond these a mail is
 * shown from a few header fields. gmime costs up to 0.4 ms per multipart
 * level, 0.01 ms per part and 0.15 ms per KB of header (bench-hostile),
 * so a mail just under every limit still parses in tens of milliseconds;
 * real mail stays far below them (Koi reads 200 parts, 8 levels deep). */
#define KOI_COI_GUARD_MAX_SIZE       (64 * 1024 * 1024)
#define KOI_COI_GUARD_MAX_HEADER     (256 * 1024)
#define KOI_COI_GUARD_MAX_MULTIPARTS 256
#define KOI_COI_GUARD_MAX_PARTS      1000

/* koi-coi-text.c: @text split at '\n' in one pass, as g_strsplit (text,
 * "\n", max_lines) but in linear time whatever the line count
 * (g_strsplit calls strstr once per line, which some C libraries and
 * every sanitizer make scan the rest of the text each time). */
char      **koi_coi_split_lines         (const char   *text,
                                         int           max_lines);

/* koi-coi-classify.c */
gboolean    koi_coi_id_is_usable        (const char   *id);
gboolean    koi_coi_target_is_usable    (const char   *id);
char       *koi_coi_first_id_of         (const char   *value);
GPtrArray  *koi_coi_references_of       (GMimeMessage *message);
void        koi_coi_add_ids             (GPtrArray    *targets,
                                         const char   *value);
void        koi_coi_add_target          (GPtrArray    *targets,
                                         const char   *id);
char       *koi_coi_header_token        (GMimeObject  *object,
                                         const char   *name);
const char *koi_coi_top_header          (GMimeMessage *message,
                                         const char   *name);
char       *koi_coi_edit_target         (GMimeMessage *message);
GPtrArray  *koi_coi_delete_targets      (GMimeMessage *message);
char       *koi_coi_group_id_of         (GMimeMessage *message);

/* koi-coi-parser.c */
char       *koi_coi_part_text           (GMimePart    *part,
                                         gsize         max_bytes);

/* koi-coi-typed.c */
char       *koi_coi_one_line            (const char   *value,
                                         gsize         max_bytes);
void        koi_coi_fill_typed          (GMimeMessage *message,
                                         KoiCoiParsed *parsed);

/* koi-coi-guard.c */
char         *koi_coi_guard_check         (const guint8 *data,
                                           gsize         len);
KoiCoiParsed *koi_coi_guard_parse_cheaply (const guint8 *data,
                                           gsize         len,
                                           GBytes       *raw,
                                           const char   *reason);

/* koi-coi-describe.c */
char       *koi_coi_describe_without_text (GMimeMessage *message);

/* koi-coi-report.c */
gboolean    koi_coi_read_mdn            (GMimeMessage *message,
                                         KoiCoiParsed *parsed);
gboolean    koi_coi_read_dsn            (GMimeMessage *message,
                                         KoiCoiParsed *parsed);
gboolean    koi_coi_read_bounce         (GMimeMessage *message,
                                         KoiCoiParsed *parsed);

/* Calls @func on every part of @object, depth first, without entering
 * attached messages (message/rfc822 is one leaf), at most
 * KOI_COI_MAX_PARTS parts and KOI_COI_MAX_DEPTH levels deep. Stops when
 * @func returns %TRUE. */
typedef gboolean (*KoiCoiPartFunc) (GMimeObject *part,
                                    gpointer     user_data);
void        koi_coi_walk_parts          (GMimeObject    *object,
                                         KoiCoiPartFunc  func,
                                         gpointer        user_data);

G_END_DECLS
