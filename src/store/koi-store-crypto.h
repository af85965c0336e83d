/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-store.h"

G_BEGIN_DECLS

/*
 * End-to-end encryption state (issue 13, migration 11): the key that counts
 * for each peer address, and whether a message came encrypted and signed.
 *
 * One key per (account, address). Where it came from ranks nothing by
 * itself: the newest mail wins (Autocrypt Level 1, "newest wins"), measured
 * by the carrying mail's Date capped at its arrival, so a sender's clock
 * that runs ahead cannot pin a key. Gossip is only offered here when the
 * engine trusts it (encrypted and validly signed mail); like every other
 * source it never replaces a newer key.
 */

/* On-disk values (peer_keys.source): frozen, only append. */
typedef enum {
  KOI_STORE_KEY_SOURCE_AUTOCRYPT = 0,  /* the peer's own Autocrypt header */
  KOI_STORE_KEY_SOURCE_GOSSIP    = 1,  /* Autocrypt-Gossip of another member */
  KOI_STORE_KEY_SOURCE_VCARD     = 2,  /* a vCard's KEY property */
} KoiStoreKeySource;

typedef struct {
  gint64    account_id;
  char     *address;
  GBytes   *keydata;          /* the binary OpenPGP key */
  char     *fingerprint;      /* 40 upper-case hex digits */
  int       source;           /* KoiStoreKeySource */
  gint64    key_time_ms;      /* Date of the mail that carried it, capped */
  gint64    last_seen_ms;     /* newest mail that carried or confirmed it */
  gboolean  prefer_encrypt;   /* prefer-encrypt=mutual */
} KoiStorePeerKey;

/* What koi_store_peer_key_update did. */
typedef enum {
  KOI_STORE_KEY_IGNORED   = 0,  /* older than the key we have: nothing changed */
  KOI_STORE_KEY_REFRESHED = 1,  /* same key: times and prefer-encrypt updated */
  KOI_STORE_KEY_NEW       = 2,  /* first key for the address */
  KOI_STORE_KEY_CHANGED   = 3,  /* another fingerprint replaced the one we had */
} KoiStoreKeyUpdate;

/* The key for @address, or NULL without error when there is none. */
KoiStorePeerKey  *koi_store_peer_key_get     (KoiStore               *store,
                                              gint64                  account_id,
                                              const char             *address,
                                              GError                **error);
/* Offers @key (every field but last_seen_ms, which becomes key_time_ms):
 * stored when there is no key yet or it is at least as new as the stored
 * one; the same fingerprint only refreshes times, prefer-encrypt and (a
 * key the peer sent itself) the source. At the same time a different key
 * from a weaker source (gossip, vCard) does not replace the peer's own.
 * *@out_result (may be NULL) says what happened. */
gboolean          koi_store_peer_key_update  (KoiStore               *store,
                                              const KoiStorePeerKey  *key,
                                              KoiStoreKeyUpdate      *out_result,
                                              GError                **error);
/* Mail from @address at @time_ms came without a usable Autocrypt header:
 * only last_seen_ms moves on (never back). Autocrypt Level 1 keeps it so
 * a key that the peer's newer mail no longer carries can be told stale
 * (last_seen_ms far past key_time_ms). No key for @address is fine. */
gboolean          koi_store_peer_key_seen    (KoiStore               *store,
                                              gint64                  account_id,
                                              const char             *address,
                                              gint64                  time_ms,
                                              GError                **error);
/* Every key of the account, by address; of KoiStorePeerKey*, free func set. */
GPtrArray        *koi_store_peer_key_list    (KoiStore               *store,
                                              gint64                  account_id,
                                              GError                **error);
/* Forgets the key for @address (no key is fine). */
gboolean          koi_store_peer_key_remove  (KoiStore               *store,
                                              gint64                  account_id,
                                              const char             *address,
                                              GError                **error);
void              koi_store_peer_key_free    (KoiStorePeerKey        *key);

/* The engine decrypted (or found plain) message @id: records it. */
gboolean          koi_store_message_set_crypto (KoiStore             *store,
                                                gint64                id,
                                                gboolean              encrypted,
                                                KoiStoreSignature     signature,
                                                GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiStorePeerKey, koi_store_peer_key_free)

G_END_DECLS
