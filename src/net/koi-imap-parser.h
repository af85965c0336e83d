/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A streaming parser for IMAP server responses (RFC 3501/9051). It does no
 * I/O: feed it bytes as they arrive, split anywhere, and pop complete
 * responses. Literals ({N} and literal8 ~{N}) of any size are collected
 * straight into their own buffer, so memory and time stay linear in the
 * response size however small the pieces are. */

typedef enum
{
  KOI_IMAP_VALUE_NIL,
  KOI_IMAP_VALUE_ATOM,    /* also flags (\Seen) and fetch items (BODY[HEADER]<0>) */
  KOI_IMAP_VALUE_NUMBER,  /* an atom of digits that fits in 64 bits; str holds the text */
  KOI_IMAP_VALUE_STRING,  /* a quoted string, escapes removed */
  KOI_IMAP_VALUE_LITERAL, /* {N} or ~{N}: bytes */
  KOI_IMAP_VALUE_LIST,    /* ( ... ) */
} KoiImapValueType;

typedef struct _KoiImapValue KoiImapValue;

struct _KoiImapValue
{
  KoiImapValueType  type;
  char             *str;    /* ATOM, NUMBER, STRING */
  guint64           number; /* NUMBER */
  GBytes           *bytes;  /* LITERAL (empty when spilled to path) */
  char             *path;   /* LITERAL spilled to a file (koi_imap_parser_set_spill): the
                             * value owns the file and removes it when freed, unless the
                             * path is stolen (set to NULL) by whoever keeps the file */
  GPtrArray        *list;   /* LIST: of KoiImapValue */
};

typedef enum
{
  KOI_IMAP_RESPONSE_TAGGED,       /* K12 OK ... */
  KOI_IMAP_RESPONSE_UNTAGGED,     /* * ... */
  KOI_IMAP_RESPONSE_CONTINUATION, /* + ... */
} KoiImapResponseKind;

typedef enum
{
  KOI_IMAP_STATUS_NONE,    /* a data response (* 3 EXISTS, * LIST ...) */
  KOI_IMAP_STATUS_OK,
  KOI_IMAP_STATUS_NO,
  KOI_IMAP_STATUS_BAD,
  KOI_IMAP_STATUS_BYE,
  KOI_IMAP_STATUS_PREAUTH,
} KoiImapStatus;

typedef struct
{
  KoiImapResponseKind  kind;
  char                *tag;        /* TAGGED only */
  KoiImapStatus        status;
  gboolean             has_number; /* "* 5 EXISTS", "* 3 FETCH (...)" */
  guint32              number;
  char                *name;       /* upper case: "OK", "EXISTS", "FETCH", "LIST", ... */
  char                *code;       /* response code, upper case: "UIDVALIDITY", or NULL */
  GPtrArray           *code_args;  /* of KoiImapValue: [APPENDUID 1 5] -> 1, 5 (never NULL) */
  char                *text;       /* human text of a status response or continuation */
  GPtrArray           *args;       /* of KoiImapValue: the data after name (never NULL) */
} KoiImapResponse;

typedef struct _KoiImapParser KoiImapParser;

KoiImapParser   *koi_imap_parser_new       (void);
void             koi_imap_parser_free      (KoiImapParser    *parser);
/* Literals larger than @threshold bytes are written to a new file in @dir
 * as they arrive instead of memory (KoiImapValue.path). @dir NULL: all in
 * memory (the default). */
void             koi_imap_parser_set_spill (KoiImapParser    *parser,
                                            const char       *dir,
                                            guint64           threshold);

/* Returns FALSE with KOI_IMAP_ERROR_PROTOCOL when a response is malformed;
 * the parser is then broken and every later feed fails the same way (the
 * connection has lost its framing and must be dropped). Responses completed
 * before the bad one can still be popped. */
gboolean         koi_imap_parser_feed      (KoiImapParser    *parser,
                                            const char       *data,
                                            gsize             len,
                                            GError          **error);
/* Next complete response in arrival order, or NULL. Free with koi_imap_response_free. */
KoiImapResponse *koi_imap_parser_pop       (KoiImapParser    *parser);
/* Bytes held for a response not yet complete (for tests and diagnostics). */
gsize            koi_imap_parser_get_pending (KoiImapParser  *parser);

void             koi_imap_response_free    (KoiImapResponse  *response);
void             koi_imap_value_free       (KoiImapValue     *value);

/* Helpers over the tree. */
const char      *koi_imap_value_get_string (const KoiImapValue *value); /* ATOM/NUMBER/STRING, else NULL */
char            *koi_imap_value_dup_astring (const KoiImapValue *value); /* + LITERAL as text; NIL -> NULL */
GBytes          *koi_imap_value_dup_bytes  (const KoiImapValue *value); /* STRING/LITERAL/ATOM as bytes; NIL -> NULL */
gboolean         koi_imap_value_get_number32 (const KoiImapValue *value,
                                            guint32          *out);
gboolean         koi_imap_value_is_atom    (const KoiImapValue *value,
                                            const char       *atom); /* case-insensitive */
/* The response's data argument at index, or NULL if out of range. */
const KoiImapValue *koi_imap_response_get_arg (const KoiImapResponse *response,
                                            guint             index);
/* A short printable description for error messages, e.g. "* 3 FETCH (...)". */
char            *koi_imap_response_describe (const KoiImapResponse *response);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiImapParser, koi_imap_parser_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiImapResponse, koi_imap_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiImapValue, koi_imap_value_free)

G_END_DECLS
