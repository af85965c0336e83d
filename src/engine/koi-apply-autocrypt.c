/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-apply-autocrypt"

#include "config.h"

#include <string.h>

#include "koi-apply-autocrypt.h"
#include "koi-coi-member-fpr.h"
#include "koi-own-key.h"
#include "koi-pgp-key.h"
#include "koi-store-crypto.h"
#include "koi-store-group.h"

G_STATIC_ASSERT ((int) KOI_COI_SIGNATURE_VALID == KOI_STORE_SIGNATURE_VALID);
G_STATIC_ASSERT ((int) KOI_COI_SIGNATURE_UNKNOWN == KOI_STORE_SIGNATURE_UNKNOWN);

static void
note (GArray *array,
      gint64  chat_id,
      gint64  message_ref)
{
  KoiApplyChange change = { chat_id, message_ref };

  g_array_append_val (array, change);
}

/* The info line "KEY_CHANGED" in the 1:1 chat with @address, placed just
 * before the mail that brought the new key. A local row: its Message-ID
 * is made from the peer and the new fingerprint, so the same change seen
 * again (a re-fetch, a reparse) never adds a second line. */
static gboolean
add_key_changed_line (KoiStore         *store,
                      gint64            account_id,
                      const char       *address,
                      const char       *fingerprint,
                      gint64            time_ms,
                      KoiApplyChanges  *changes,
                      GError          **error)
{
  g_autoptr(KoiStoreContact) contact = NULL;
  g_autofree char *lower = g_ascii_strdown (address, -1);
  g_autofree char *message_id = NULL;
  KoiStoreMessage row = { 0, };
  gboolean inserted = FALSE;
  gint64 chat_id;
  gint64 id;

  chat_id = koi_store_chat_find_by_peer (store, account_id, address, error);
  if (chat_id == 0)
    return error == NULL || *error == NULL;

  contact = koi_store_contact_find (store, account_id, address, NULL);
  message_id = g_strdup_printf ("koi-key-changed.%s.%s@koi.invalid", fingerprint, lower);

  row.account_id = account_id;
  row.chat_id = chat_id;
  row.message_id = message_id;
  row.direction = KOI_STORE_DIRECTION_INCOMING;
  row.state = KOI_STORE_STATE_RECEIVED;
  row.kind = KOI_STORE_KIND_CHAT;
  row.from_address = lower;
  row.from_name = contact != NULL ? contact->display_name : NULL;
  row.sent_at_ms = time_ms;
  row.received_at_ms = time_ms;
  row.sort_ms = MAX (time_ms - 1, 1);
  /* An info line is nothing to read: it never counts as unread. */
  row.seen = TRUE;

  id = koi_store_message_insert (store, &row, &inserted, error);
  if (id == 0)
    return FALSE;
  if (!inserted)
    return TRUE;
  if (!koi_store_message_set_group_info (store, id, KOI_STORE_GROUP_INFO_KEY_CHANGED, lower, error))
    return FALSE;

  if (changes != NULL)
    {
      note (changes->added, chat_id, id);
      koi_apply_note_chat (changes, chat_id);
    }
  return TRUE;
}

/* Stores @keydata as @address's key unless the stored one is newer; the
 * one place a key from mail reaches `peer_keys`. *@result says what
 * happened (KOI_STORE_KEY_IGNORED also for a key that is no OpenPGP key);
 * *@out_fingerprint is the key's fingerprint, NULL when it was ignored. */
static gboolean
update_key (KoiStore           *store,
            gint64              account_id,
            const char         *address,
            GBytes             *keydata,
            KoiStoreKeySource   source,
            gboolean            prefer_encrypt,
            gint64              time_ms,
            KoiStoreKeyUpdate  *result,
            char              **out_fingerprint,
            GError            **error)
{
  g_autoptr(GError) key_error = NULL;
  g_autoptr(KoiStorePeerKey) stored = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *lower = g_ascii_strdown (address, -1);
  KoiStorePeerKey key = { 0, };

  *result = KOI_STORE_KEY_IGNORED;
  *out_fingerprint = NULL;

  /* Every mail of a chat carries the same key: the bytes Koi checked
   * already need no OpenPGP parse again (bench-autocrypt). */
  stored = koi_store_peer_key_get (store, account_id, lower, error);
  if (stored == NULL && error != NULL && *error != NULL)
    return FALSE;
  if (stored != NULL && g_bytes_equal (stored->keydata, keydata))
    fingerprint = g_strdup (stored->fingerprint);
  else
    fingerprint = koi_pgp_key_fingerprint (keydata, &key_error);

  if (fingerprint == NULL)
    {
      g_message ("Ignoring a key for %s: %s", address, key_error->message);
      return TRUE;
    }

  key.account_id = account_id;
  key.address = lower;
  key.keydata = keydata;
  key.fingerprint = fingerprint;
  key.source = source;
  key.key_time_ms = time_ms;
  key.prefer_encrypt = prefer_encrypt;
  if (!koi_store_peer_key_update (store, &key, result, error))
    return FALSE;
  *out_fingerprint = g_steal_pointer (&fingerprint);
  return TRUE;
}

static gboolean
offer_key (KoiStore           *store,
           gint64              account_id,
           const char         *address,
           GBytes             *keydata,
           KoiStoreKeySource   source,
           gboolean            prefer_encrypt,
           gint64              time_ms,
           KoiApplyChanges    *changes,
           GError            **error)
{
  g_autofree char *fingerprint = NULL;
  g_autofree char *lower = g_ascii_strdown (address, -1);
  KoiStoreKeyUpdate result;

  if (!update_key (store, account_id, address, keydata, source, prefer_encrypt, time_ms,
                   &result, &fingerprint, error))
    return FALSE;

  switch (result)
    {
    case KOI_STORE_KEY_CHANGED:
      g_message ("The key of %s changed to %s", lower, fingerprint);
      if (!add_key_changed_line (store, account_id, lower, fingerprint, time_ms, changes, error))
        return FALSE;
      G_GNUC_FALLTHROUGH;
    case KOI_STORE_KEY_NEW:
      {
        g_autoptr(KoiStoreContact) contact = koi_store_contact_find (store, account_id, lower, NULL);

        if (contact != NULL && changes != NULL)
          g_array_append_val (changes->contacts, contact->id);
      }
      break;
    case KOI_STORE_KEY_REFRESHED:
    case KOI_STORE_KEY_IGNORED:
    default:
      break;
    }
  return TRUE;
}

static gboolean
is_recipient (const KoiCoiParsed *parsed,
              const char         *address)
{
  for (guint i = 0; parsed->to != NULL && i < parsed->to->len; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (parsed->to, i), address) == 0)
      return TRUE;
  for (guint i = 0; parsed->cc != NULL && i < parsed->cc->len; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (parsed->cc, i), address) == 0)
      return TRUE;
  return FALSE;
}

gboolean
koi_apply_autocrypt_own (KoiStore           *store,
                         gint64              account_id,
                         const char         *own_address,
                         const KoiCoiParsed *parsed,
                         gint64              time_ms,
                         GError            **error)
{
  g_autofree char *key_path = NULL;
  g_autofree char *fingerprint = NULL;
  KoiStoreKeyUpdate result;

  if (parsed->autocrypt == NULL || parsed->from_address == NULL ||
      g_ascii_strcasecmp (parsed->from_address, own_address) != 0)
    return TRUE;
  key_path = koi_own_key_path (koi_store_get_path (store), account_id);
  if (g_file_test (key_path, G_FILE_TEST_EXISTS))
    return TRUE;

  /* No info line and no contact to refresh: it is the user's own key. */
  return update_key (store, account_id, own_address, parsed->autocrypt->keydata,
                     KOI_STORE_KEY_SOURCE_AUTOCRYPT, parsed->autocrypt->prefer_encrypt, time_ms,
                     &result, &fingerprint, error);
}

/* A member's key from Autocrypt-Gossip. Where the sender also named the
 * member's fingerprint (Delta Chat's Chat-Group-Member-Fpr, paired with To
 * by position) only the key it names is taken: the one the sender itself
 * encrypted to. The header never adds a member or a key on its own. */
static gboolean
offer_gossip (KoiStore               *store,
              gint64                  account_id,
              const KoiCoiParsed     *parsed,
              const KoiCoiAutocrypt  *gossip,
              gint64                  time_ms,
              KoiApplyChanges        *changes,
              GError                **error)
{
  const char *named = koi_coi_member_fpr_lookup (parsed->member_fingerprints, parsed->to,
                                                 gossip->address);

  if (named != NULL)
    {
      g_autoptr(GError) key_error = NULL;
      g_autofree char *fingerprint = koi_pgp_key_fingerprint (gossip->keydata, &key_error);

      if (fingerprint == NULL || g_ascii_strcasecmp (fingerprint, named) != 0)
        {
          g_message ("Ignoring gossip for %s in <%s>: not the key its %s names", gossip->address,
                     parsed->message_id, KOI_COI_MEMBER_FPR_HEADER);
          return TRUE;
        }
    }
  return offer_key (store, account_id, gossip->address, gossip->keydata,
                    KOI_STORE_KEY_SOURCE_GOSSIP, FALSE, time_ms, changes, error);
}

gboolean
koi_apply_autocrypt (KoiStore           *store,
                     gint64              account_id,
                     const char         *own_address,
                     const KoiCoiParsed *parsed,
                     gint64              time_ms,
                     KoiApplyChanges    *changes,
                     GError            **error)
{
  /* The user's own key is Koi's to make, not the mail's to tell. */
  if (parsed->from_address == NULL || g_ascii_strcasecmp (parsed->from_address, own_address) == 0)
    return TRUE;

  if (parsed->autocrypt != NULL)
    {
      if (!offer_key (store, account_id, parsed->from_address, parsed->autocrypt->keydata,
                      KOI_STORE_KEY_SOURCE_AUTOCRYPT, parsed->autocrypt->prefer_encrypt, time_ms,
                      changes, error))
        return FALSE;
    }
  else if (!koi_store_peer_key_seen (store, account_id, parsed->from_address, time_ms, error))
    return FALSE;

  /* Gossip is someone else's word about a key: believed only when the
   * sender provably wrote it (encrypted and signed by the sender's known
   * key), and only about the mail's own recipients. */
  if (parsed->autocrypt_gossip == NULL || parsed->autocrypt_gossip->len == 0)
    return TRUE;
  if (!parsed->encrypted || parsed->signature != KOI_COI_SIGNATURE_VALID)
    {
      g_debug ("Not trusting Autocrypt-Gossip in <%s>: not encrypted and validly signed",
               parsed->message_id);
      return TRUE;
    }
  for (guint i = 0; i < parsed->autocrypt_gossip->len; i++)
    {
      KoiCoiAutocrypt *gossip = g_ptr_array_index (parsed->autocrypt_gossip, i);

      if (g_ascii_strcasecmp (gossip->address, own_address) == 0 ||
          g_ascii_strcasecmp (gossip->address, parsed->from_address) == 0 ||
          !is_recipient (parsed, gossip->address))
        continue;
      if (!offer_gossip (store, account_id, parsed, gossip, time_ms, changes, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
koi_apply_vcard_key (KoiStore         *store,
                     gint64            account_id,
                     const char       *address,
                     GBytes           *keydata,
                     gint64            time_ms,
                     KoiApplyChanges  *changes,
                     GError          **error)
{
  g_return_val_if_fail (address != NULL && keydata != NULL, FALSE);

  return offer_key (store, account_id, address, keydata, KOI_STORE_KEY_SOURCE_VCARD,
                    FALSE, time_ms, changes, error);
}
