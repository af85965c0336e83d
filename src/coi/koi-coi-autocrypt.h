/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gmime/gmime.h>

G_BEGIN_DECLS

/**
 * KoiCoiAutocrypt:
 * @address: the address the key belongs to, lower-cased
 * @keydata: the binary OpenPGP key (the header carries it in base64)
 * @prefer_encrypt: `prefer-encrypt=mutual` (never set for gossip)
 *
 * One `Autocrypt` or `Autocrypt-Gossip` header (Autocrypt Level 1), as
 * read from a mail or to be written into one. Checked here only for its
 * form: whether @keydata is a key that can encrypt is for the crypto
 * layer (koi_pgp_key_fingerprint) to say. Free with koi_coi_autocrypt_free().
 */
typedef struct
{
  char     *address;
  GBytes   *keydata;
  gboolean  prefer_encrypt;
} KoiCoiAutocrypt;

/* Larger keydata is refused: a minimal Autocrypt key (primary key, one
 * user id, one encryption subkey) is well under 10 KiB. */
#define KOI_COI_AUTOCRYPT_MAX_KEY (64 * 1024)

KoiCoiAutocrypt *koi_coi_autocrypt_new    (const char       *address,
                                           GBytes           *keydata,
                                           gboolean          prefer_encrypt);
/* Reads one header value; NULL with a reason for the log (not for users)
 * in @out_reason when it is malformed or names a critical attribute Koi
 * does not know. */
KoiCoiAutocrypt *koi_coi_autocrypt_parse  (const char       *value,
                                           char            **out_reason);
/* The header value: "addr=A; prefer-encrypt=mutual; keydata=" and the
 * base64 key in pieces of 76 characters split by spaces, where a mail
 * writer folds it (one piece per line, as the Autocrypt spec shows).
 * @gossip leaves prefer-encrypt out. */
char            *koi_coi_autocrypt_format (const KoiCoiAutocrypt *autocrypt,
                                           gboolean               gossip);
void             koi_coi_autocrypt_free   (KoiCoiAutocrypt  *autocrypt);

/* The sender's Autocrypt header of @message: NULL (with a log line)
 * when there is none, several, or one that is malformed or whose addr is
 * not @from_address. */
KoiCoiAutocrypt *koi_coi_autocrypt_read_sender (GMimeMessage *message,
                                                const char   *from_address);
/* The Autocrypt-Gossip headers of @message and of its top MIME part (the
 * inner part of a decrypted mail carries them), one per address (a second
 * header for the same address drops both); of KoiCoiAutocrypt*, never NULL. */
GPtrArray       *koi_coi_autocrypt_read_gossip (GMimeMessage *message);

/* Writes "Autocrypt" on @message (an existing one is replaced). */
void             koi_coi_autocrypt_write_sender (GMimeMessage          *message,
                                                 const KoiCoiAutocrypt *autocrypt);
/* Writes one "Autocrypt-Gossip" per entry of @gossip (KoiCoiAutocrypt*) on
 * @message's top MIME part: the part that becomes the encrypted payload,
 * so only the recipients read them. */
void             koi_coi_autocrypt_write_gossip (GMimeMessage          *message,
                                                 GPtrArray             *gossip);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiCoiAutocrypt, koi_coi_autocrypt_free)

G_END_DECLS
