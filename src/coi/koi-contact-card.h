/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gmime/gmime.h>

#include "koi-vcard.h"

G_BEGIN_DECLS

/*
 * One contact card as the seed's "Chat: Contact" message carries it
 * (docs/WIRE.md, "Contacts"): contact.json, contact.vcf and the COI
 * header fields of the message. What Koi does not understand is kept: a
 * part the user did not edit is written back byte for byte, unknown JSON
 * members and vCard properties survive an edit, and the COI-Token,
 * COI-TokenIn and COI-TokenOut fields are copied with their raw bytes.
 */
typedef struct _KoiContactCard KoiContactCard;

/* A new card for @address (lower-cased), with nothing else on it. */
KoiContactCard *koi_contact_card_new            (const char            *address);
/* A card from its parts as received; any of them may be NULL or broken.
 * @headers is what koi_coi_parse() puts in contact_headers. Whatever
 * parses is kept. NULL with KOI_COI_ERROR_MALFORMED only when nothing names
 * an email address. */
KoiContactCard *koi_contact_card_parse          (const char            *json,
                                                 const char            *vcard,
                                                 const char            *hcard,
                                                 const char            *headers,
                                                 GError               **error);
void            koi_contact_card_free           (KoiContactCard        *card);

/* The parts to send or keep: unchanged ones as received. */
char           *koi_contact_card_to_json        (const KoiContactCard  *card);
char           *koi_contact_card_to_vcard       (const KoiContactCard  *card);
/* The COI header fields (JSON list of [name, raw value]), or NULL. */
char           *koi_contact_card_get_headers    (const KoiContactCard  *card);

/* The seed's message: multipart/mixed with the human note, contact.json
 * (Chat-Content: contact) and contact.vcf, From and To @own_address.
 * Deterministic: the same card, id and date give the same bytes. */
GMimeMessage   *koi_contact_card_build          (const KoiContactCard  *card,
                                                 const char            *own_address,
                                                 const char            *message_id,
                                                 gint64                 date_ms);

const char     *koi_contact_card_get_address    (const KoiContactCard  *card);
/* FN, else the parts of N, else NULL. */
char           *koi_contact_card_get_name       (const KoiContactCard  *card);
void            koi_contact_card_set_name       (KoiContactCard        *card,
                                                 const char            *name);
char           *koi_contact_card_get_status     (const KoiContactCard  *card);
void            koi_contact_card_set_status     (KoiContactCard        *card,
                                                 const char            *status);
/* Raw vCard date values ("--0203", "19900101"), or NULL. */
char           *koi_contact_card_get_birthday   (const KoiContactCard  *card);
void            koi_contact_card_set_birthday   (KoiContactCard        *card,
                                                 const char            *birthday);
char           *koi_contact_card_get_anniversary (const KoiContactCard *card);
char           *koi_contact_card_get_language   (const KoiContactCard  *card);
/* Every EMAIL of the card, lower-cased, preferred first. */
GStrv           koi_contact_card_get_emails     (const KoiContactCard  *card);
/* contact.json "groups". */
GStrv           koi_contact_card_get_groups     (const KoiContactCard  *card);
void            koi_contact_card_set_groups     (KoiContactCard        *card,
                                                 const char * const    *groups);
/* contact.json "notification"."enabled" (TRUE when absent). */
gboolean        koi_contact_card_get_notify     (const KoiContactCard  *card);
void            koi_contact_card_set_notify     (KoiContactCard        *card,
                                                 gboolean               notify);
gboolean        koi_contact_card_get_is_me      (const KoiContactCard  *card);
void            koi_contact_card_set_is_me      (KoiContactCard        *card,
                                                 gboolean               is_me);
/* COI-Blocked: yes */
gboolean        koi_contact_card_get_blocked    (const KoiContactCard  *card);
void            koi_contact_card_set_blocked    (KoiContactCard        *card,
                                                 gboolean               blocked);
/* The PHOTO's bytes (data: URI or vCard 3.0 ENCODING=b), or NULL. */
GBytes         *koi_contact_card_get_photo      (const KoiContactCard  *card,
                                                 char                 **out_mime_type);
void            koi_contact_card_set_photo      (KoiContactCard        *card,
                                                 GBytes                *jpeg);
/* The OpenPGP key of the card's person (binary), from the first KEY that
 * holds one: `KEY:data:application/pgp-keys;base64,…` as Delta Chat
 * writes it (vCard 4.0), or vCard 3.0's `KEY;TYPE=PGP;ENCODING=b:…`;
 * NULL when there is none. Whether it is a usable key is for the crypto
 * layer to say. */
GBytes         *koi_contact_card_get_key        (const KoiContactCard  *card);
/* Replaces every KEY with @key in Delta Chat's form; NULL removes them. */
void            koi_contact_card_set_key        (KoiContactCard        *card,
                                                 GBytes                *key);
/* The parsed vCard; changing it marks the vCard edited. */
KoiVCard       *koi_contact_card_edit_vcard     (KoiContactCard        *card);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiContactCard, koi_contact_card_free)

G_END_DECLS
