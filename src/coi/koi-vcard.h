/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A vCard 4.0 (RFC 6350) as lines of properties, in the order read.
 * Values stay as written on the wire (escaped, unfolded), so a property
 * Koi does not know is written back exactly as it came; the text
 * accessors escape and unescape. BEGIN and END are implied, VERSION is an
 * ordinary property.
 */

typedef struct
{
  char *name;     /* upper-cased */
  char     *value;   /* unquoted, RFC 6868 ^-escapes resolved */
  gboolean  quoted;  /* written in quotes: a comma in it is not a list */
} KoiVCardParam;

typedef struct
{
  char      *group;   /* (nullable): "item1" of "item1.EMAIL" */
  char      *name;    /* upper-cased */
  GPtrArray *params;  /* KoiVCardParam* */
  char      *value;   /* raw: still escaped */
} KoiVCardProperty;

typedef struct
{
  GPtrArray *properties;  /* KoiVCardProperty* */
} KoiVCard;

KoiVCard         *koi_vcard_new              (void);
void              koi_vcard_free             (KoiVCard          *card);

/* Every card in @text (a .vcf file may hold many). Lines that are not
 * properties are skipped; a card cut off before END is kept. NULL with
 * KOI_COI_ERROR_MALFORMED when there is no card at all. */
GPtrArray        *koi_vcard_parse_all        (const char        *text,
                                              GError           **error);
/* The first card of @text. */
KoiVCard         *koi_vcard_parse            (const char        *text,
                                              GError           **error);
/* BEGIN … END with CRLF line ends, folded at 75 octets (never inside a
 * UTF-8 character). */
char             *koi_vcard_to_string        (const KoiVCard    *card);

/* The first property named @name (case-insensitive) with the lowest PREF,
 * or NULL. */
KoiVCardProperty *koi_vcard_get              (const KoiVCard    *card,
                                              const char        *name);
/* Unescaped text of koi_vcard_get(), or NULL. */
char             *koi_vcard_get_text         (const KoiVCard    *card,
                                              const char        *name);
/* Replaces the value of the first @name (keeping its parameters and
 * group) or appends one; NULL or "" removes every @name. */
void              koi_vcard_set_text         (KoiVCard          *card,
                                              const char        *name,
                                              const char        *text);
/* Same with a raw value written as is (a date, a URI). */
KoiVCardProperty *koi_vcard_set_raw          (KoiVCard          *card,
                                              const char        *name,
                                              const char        *raw);
KoiVCardProperty *koi_vcard_add_raw          (KoiVCard          *card,
                                              const char        *name,
                                              const char        *raw);
void              koi_vcard_remove           (KoiVCard          *card,
                                              const char        *name);

const char       *koi_vcard_property_get_param (const KoiVCardProperty *property,
                                                const char             *name);
void              koi_vcard_property_set_param (KoiVCardProperty       *property,
                                                const char             *name,
                                                const char             *value);

/* Text value escaping (RFC 6350 3.4): backslash, comma, semicolon, newline. */
char             *koi_vcard_escape           (const char        *text);
char             *koi_vcard_unescape         (const char        *value);
/* Splits a raw value at unescaped @separator (';' for N, ',' for lists);
 * the parts are unescaped. */
GStrv             koi_vcard_split            (const char        *value,
                                              char               separator);

/* RFC 2397 data: URIs, as PHOTO uses them. Decode returns NULL for
 * anything else or bad base64. */
GBytes           *koi_vcard_data_uri_decode  (const char        *uri,
                                              char             **out_mime_type);
char             *koi_vcard_data_uri_encode  (GBytes            *data,
                                              const char        *mime_type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiVCard, koi_vcard_free)

G_END_DECLS
