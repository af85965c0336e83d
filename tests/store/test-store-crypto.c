/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-test"

#include "config.h"

#include "koi-store.h"
#include "koi-store-crypto.h"
#include "store-test-util.h"

/* Peer keys (newest wins) and the messages' crypto columns. */

#define FPR_A "AAAA1111AAAA1111AAAA1111AAAA1111AAAA1111"
#define FPR_B "BBBB2222BBBB2222BBBB2222BBBB2222BBBB2222"

static KoiStoreKeyUpdate
offer (KoiStore          *store,
       gint64             account_id,
       const char        *address,
       const char        *fingerprint,
       KoiStoreKeySource  source,
       gint64             time_ms,
       gboolean           prefer_encrypt)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = g_strdup_printf ("key %s", fingerprint);
  g_autoptr(GBytes) keydata = g_bytes_new (data, strlen (data));
  KoiStorePeerKey key = {
    .account_id = account_id,
    .address = (char *) address,
    .keydata = keydata,
    .fingerprint = (char *) fingerprint,
    .source = source,
    .key_time_ms = time_ms,
    .prefer_encrypt = prefer_encrypt,
  };
  KoiStoreKeyUpdate result = -1;

  g_assert_true (koi_store_peer_key_update (store, &key, &result, &error));
  g_assert_no_error (error);
  return result;
}

static void
assert_key (KoiStore          *store,
            gint64             account_id,
            const char        *address,
            const char        *fingerprint,
            KoiStoreKeySource  source,
            gint64             time_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiStorePeerKey) key = koi_store_peer_key_get (store, account_id, address, &error);
  g_autofree char *data = g_strdup_printf ("key %s", fingerprint);

  g_assert_no_error (error);
  g_assert_nonnull (key);
  g_assert_cmpstr (key->fingerprint, ==, fingerprint);
  g_assert_cmpint (key->source, ==, source);
  g_assert_cmpint (key->key_time_ms, ==, time_ms);
  g_assert_cmpmem (g_bytes_get_data (key->keydata, NULL), g_bytes_get_size (key->keydata),
                   data, strlen (data));
}

static void
test_newest_wins (void)
{
  StoreTestDir dir;
  g_autoptr(GError) error = NULL;
  KoiStore *store;
  gint64 account_id;

  store_test_dir_init (&dir);
  store = store_test_open (dir.path);
  account_id = store_test_account (store, "alice@example.org");

  g_assert_null (koi_store_peer_key_get (store, account_id, "bob@example.org", &error));
  g_assert_no_error (error);

  g_assert_cmpint (offer (store, account_id, "bob@example.org", FPR_A, KOI_STORE_KEY_SOURCE_AUTOCRYPT, 2000, TRUE),
                   ==, KOI_STORE_KEY_NEW);
  /* An older mail with another key changes nothing. */
  g_assert_cmpint (offer (store, account_id, "Bob@Example.org", FPR_B, KOI_STORE_KEY_SOURCE_AUTOCRYPT, 1000, FALSE),
                   ==, KOI_STORE_KEY_IGNORED);
  assert_key (store, account_id, "bob@example.org", FPR_A, KOI_STORE_KEY_SOURCE_AUTOCRYPT, 2000);
  /* The same key again only moves the time on. */
  g_assert_cmpint (offer (store, account_id, "bob@example.org", FPR_A, KOI_STORE_KEY_SOURCE_AUTOCRYPT, 3000, TRUE),
                   ==, KOI_STORE_KEY_REFRESHED);
  assert_key (store, account_id, "bob@example.org", FPR_A, KOI_STORE_KEY_SOURCE_AUTOCRYPT, 3000);
  /* Gossip confirming the key moves its time on but says nothing of
   * Bob's preference. */
  g_assert_cmpint (offer (store, account_id, "bob@example.org", FPR_A, KOI_STORE_KEY_SOURCE_GOSSIP, 3000, FALSE),
                   ==, KOI_STORE_KEY_REFRESHED);
  {
    g_autoptr(KoiStorePeerKey) key = koi_store_peer_key_get (store, account_id, "bob@example.org", &error);

    g_assert_true (key->prefer_encrypt);
    g_assert_cmpint (key->source, ==, KOI_STORE_KEY_SOURCE_AUTOCRYPT);
  }
  /* Gossip of the same second does not outweigh the peer's own word. */
  g_assert_cmpint (offer (store, account_id, "bob@example.org", FPR_B, KOI_STORE_KEY_SOURCE_GOSSIP, 3000, TRUE),
                   ==, KOI_STORE_KEY_IGNORED);
  /* A newer key replaces it, and says so. */
  g_assert_cmpint (offer (store, account_id, "bob@example.org", FPR_B, KOI_STORE_KEY_SOURCE_AUTOCRYPT, 4000, FALSE),
                   ==, KOI_STORE_KEY_CHANGED);
  assert_key (store, account_id, "bob@example.org", FPR_B, KOI_STORE_KEY_SOURCE_AUTOCRYPT, 4000);
  {
    g_autoptr(KoiStorePeerKey) key = koi_store_peer_key_get (store, account_id, "bob@example.org", &error);

    g_assert_false (key->prefer_encrypt);
    g_assert_cmpint (key->last_seen_ms, ==, 4000);
  }

  /* Mail without a header only moves last_seen on, never back. */
  g_assert_true (koi_store_peer_key_seen (store, account_id, "bob@example.org", 9000, &error));
  g_assert_true (koi_store_peer_key_seen (store, account_id, "bob@example.org", 5000, &error));
  g_assert_true (koi_store_peer_key_seen (store, account_id, "nobody@example.org", 5000, &error));
  g_assert_no_error (error);
  {
    g_autoptr(KoiStorePeerKey) key = koi_store_peer_key_get (store, account_id, "bob@example.org", &error);

    g_assert_cmpint (key->last_seen_ms, ==, 9000);
    g_assert_cmpint (key->key_time_ms, ==, 4000);
  }
  g_assert_null (koi_store_peer_key_get (store, account_id, "nobody@example.org", &error));

  /* A key first known from a vCard becomes the peer's own once it sends it. */
  g_assert_cmpint (offer (store, account_id, "carol@example.org", FPR_A, KOI_STORE_KEY_SOURCE_VCARD, 1000, FALSE),
                   ==, KOI_STORE_KEY_NEW);
  g_assert_cmpint (offer (store, account_id, "carol@example.org", FPR_A, KOI_STORE_KEY_SOURCE_AUTOCRYPT, 1500, TRUE),
                   ==, KOI_STORE_KEY_REFRESHED);
  assert_key (store, account_id, "carol@example.org", FPR_A, KOI_STORE_KEY_SOURCE_AUTOCRYPT, 1500);

  /* Keys survive a reopen and are listed by address. */
  koi_store_close (store);
  store = store_test_open (dir.path);
  {
    g_autoptr(GPtrArray) keys = koi_store_peer_key_list (store, account_id, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (keys->len, ==, 2);
    g_assert_cmpstr (((KoiStorePeerKey *) g_ptr_array_index (keys, 0))->address, ==, "bob@example.org");
    g_assert_cmpstr (((KoiStorePeerKey *) g_ptr_array_index (keys, 1))->address, ==, "carol@example.org");
  }
  g_assert_true (koi_store_peer_key_remove (store, account_id, "carol@example.org", &error));
  g_assert_null (koi_store_peer_key_get (store, account_id, "carol@example.org", &error));
  g_assert_no_error (error);

  /* Another account knows nothing of alice's peers. */
  {
    gint64 other = store_test_account (store, "dave@example.org");

    g_assert_null (koi_store_peer_key_get (store, other, "bob@example.org", &error));
    g_assert_no_error (error);
  }

  koi_store_close (store);
  store_test_dir_clear (&dir);
}

static void
test_invalid_key (void)
{
  StoreTestDir dir;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  KoiStore *store;
  KoiStorePeerKey key = { 0 };

  store_test_dir_init (&dir);
  store = store_test_open (dir.path);
  key.account_id = store_test_account (store, "alice@example.org");
  key.address = (char *) "bob@example.org";
  key.fingerprint = (char *) FPR_A;
  key.keydata = empty;
  g_assert_false (koi_store_peer_key_update (store, &key, NULL, &error));
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID);
  g_assert_null (koi_store_peer_key_get (store, key.account_id, "bob@example.org", NULL));
  koi_store_close (store);
  store_test_dir_clear (&dir);
}

static void
test_message_crypto (void)
{
  StoreTestDir dir;
  g_autoptr(GError) error = NULL;
  KoiStore *store;
  gint64 account_id, chat_id, plain_id, secret_id;

  store_test_dir_init (&dir);
  store = store_test_open (dir.path);
  account_id = store_test_account (store, "alice@example.org");
  chat_id = koi_store_chat_ensure_1to1 (store, account_id, "bob@example.org", "Bob", &error);
  g_assert_no_error (error);
  plain_id = store_test_incoming (store, account_id, chat_id, "plain@example.org", "in the open", 1000);
  secret_id = store_test_incoming (store, account_id, chat_id, "secret@example.org", "between us", 2000);

  g_assert_true (koi_store_message_set_crypto (store, secret_id, TRUE, KOI_STORE_SIGNATURE_VALID, &error));
  g_assert_no_error (error);
  g_assert_false (koi_store_message_set_crypto (store, secret_id, TRUE, 7, &error));
  g_assert_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID);
  g_clear_error (&error);

  {
    g_autoptr(GPtrArray) page = koi_store_message_page (store, chat_id, 0, 10, &error);
    KoiStoreMessage *plain, *secret;

    g_assert_no_error (error);
    g_assert_cmpuint (page->len, ==, 2);
    plain = g_ptr_array_index (page, 0);
    secret = g_ptr_array_index (page, 1);
    g_assert_cmpint (plain->id, ==, plain_id);
    g_assert_false (plain->encrypted);
    g_assert_cmpint (plain->signature, ==, KOI_STORE_SIGNATURE_NONE);
    g_assert_true (secret->encrypted);
    g_assert_cmpint (secret->signature, ==, KOI_STORE_SIGNATURE_VALID);
  }

  /* message_insert writes them at once, as the engine does for decrypted mail. */
  {
    KoiStoreMessage message = {
      .account_id = account_id,
      .chat_id = chat_id,
      .message_id = (char *) "bad@example.org",
      .direction = KOI_STORE_DIRECTION_INCOMING,
      .state = KOI_STORE_STATE_RECEIVED,
      .text = (char *) "forged",
      .sent_at_ms = 3000,
      .encrypted = TRUE,
      .signature = KOI_STORE_SIGNATURE_BAD,
    };
    gint64 id = koi_store_message_insert (store, &message, NULL, &error);
    g_autoptr(KoiStoreMessage) stored = NULL;

    g_assert_no_error (error);
    stored = koi_store_message_get (store, id, &error);
    g_assert_true (stored->encrypted);
    g_assert_cmpint (stored->signature, ==, KOI_STORE_SIGNATURE_BAD);
  }

  koi_store_close (store);
  store_test_dir_clear (&dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/peer-key/newest-wins", test_newest_wins);
  g_test_add_func ("/store/peer-key/invalid", test_invalid_key);
  g_test_add_func ("/store/message/crypto", test_message_crypto);

  return g_test_run ();
}
