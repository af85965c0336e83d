/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-test"

#include "config.h"

#include <string.h>

#include "apply-test-util.h"
#include "koi-apply.h"
#include "koi-coi.h"
#include "koi-coi-gmime.h"
#include "koi-own-key.h"
#include "koi-store-crypto.h"
#include <glib/gstdio.h>
#include "koi-store-group.h"
#include "koi-test-keys.h"

/* The Autocrypt rules of the apply step: the sender's key from its own
 * header, newest mail wins, a future Date cannot pin a key, gossip only
 * from encrypted and validly signed mail, and a key change shows as an
 * info line in the 1:1 chat. Alice's store is fed mail from Bob. */

#define HOUR_MS (3600 * G_GINT64_CONSTANT (1000))

static GBytes *key_a, *key_b, *key_c, *carol_key, *dave_key, *sign_only;
static char *fpr_a, *fpr_b, *fpr_c, *carol_fpr, *dave_fpr;

typedef struct {
  const char  *from;
  const char **to;
  gint64       date_ms;
  GBytes      *key;
  GPtrArray   *gossip;
  gboolean     encrypted;
  int          signature;
  const char  *member_fpr;   /* Chat-Group-Member-Fpr, as Delta Chat sends it */
} Mail;

static gint64 counter;

/* Builds the mail as Koi writes it, parses it as Koi reads it, marks
 * it decrypted as the engine's crypto step would, and applies it. */
static gint64
apply_mail (ApplyStore *s,
            const Mail *mail)
{
  const char *default_to[] = { "alice@example.org", NULL };
  g_autofree char *text = g_strdup_printf ("message %" G_GINT64_FORMAT, ++counter);
  KoiCoiOutgoing out = {
    .from_address = mail->from != NULL ? mail->from : "bob@example.org",
    .from_name = "Bob",
    .to = mail->to != NULL ? mail->to : default_to,
    .text = text,
    .date_ms = mail->date_ms,
    .autocrypt_keydata = mail->key,
    .gossip = mail->gossip,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GMimeMessage) message = koi_coi_build_chat_message (&out, &error);
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (KoiCoiParsed) parsed = NULL;
  KoiApplyChanges changes;
  gint64 id;

  g_assert_no_error (error);
  if (mail->member_fpr != NULL)
    g_mime_object_set_header (GMIME_OBJECT (message), "Chat-Group-Member-Fpr", mail->member_fpr, NULL);
  raw = koi_coi_message_to_bytes (message);
  parsed = koi_coi_parse (raw, &error);
  g_assert_no_error (error);
  parsed->encrypted = mail->encrypted;
  parsed->signature = mail->signature;

  koi_apply_changes_init (&changes);
  g_assert_true (koi_store_begin (s->store, &error));
  id = koi_apply_mail (s->store, s->account_id, s->own_address, parsed, FALSE, &changes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  g_assert_true (koi_store_commit (s->store, &error));
  koi_apply_changes_clear (&changes);
  return id;
}

static KoiStorePeerKey *
key_of (ApplyStore *s,
        const char *address)
{
  g_autoptr (GError) error = NULL;
  KoiStorePeerKey *key = koi_store_peer_key_get (s->store, s->account_id, address, &error);

  g_assert_no_error (error);
  return key;
}

/* The info lines of the 1:1 chat with Bob, as "info:arg" strings. */
static GPtrArray *
info_lines (ApplyStore *s)
{
  g_autoptr (GError) error = NULL;
  gint64 chat_id = koi_store_chat_find_by_peer (s->store, s->account_id, "bob@example.org", &error);
  g_autoptr (GPtrArray) page = NULL;
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  g_assert_cmpint (chat_id, >, 0);
  page = koi_store_message_page (s->store, chat_id, 0, 100, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < page->len; i++)
    {
      KoiStoreMessage *message = g_ptr_array_index (page, i);

      if (message->group_info != 0)
        {
          g_ptr_array_add (lines, g_strdup_printf ("%d:%s", message->group_info, message->group_info_arg));
          /* Placed before the mail that brought the key, and never unread. */
          g_assert_true (i + 1 < page->len);
          g_assert_true (message->seen);
        }
    }
  return lines;
}

static void
test_newest_wins_and_change_is_shown (void)
{
  ApplyStore s = { 0, };
  gint64 now = g_get_real_time () / 1000;
  g_autoptr (KoiStorePeerKey) first = NULL;
  g_autoptr (KoiStorePeerKey) kept = NULL;
  g_autoptr (KoiStorePeerKey) changed = NULL;
  g_autoptr (GPtrArray) lines = NULL;

  apply_store_open (&s, "alice@example.org");

  apply_mail (&s, &(Mail) { .date_ms = now - 5 * HOUR_MS, .key = key_a });
  first = key_of (&s, "bob@example.org");
  g_assert_nonnull (first);
  g_assert_cmpstr (first->fingerprint, ==, fpr_a);
  g_assert_cmpint (first->source, ==, KOI_STORE_KEY_SOURCE_AUTOCRYPT);
  g_assert_true (first->prefer_encrypt);
  g_assert_cmpint (first->key_time_ms, ==, (now - 5 * HOUR_MS) / 1000 * 1000);

  /* Older mail with another key (a late delivery): no change. */
  apply_mail (&s, &(Mail) { .date_ms = now - 9 * HOUR_MS, .key = key_b });
  kept = key_of (&s, "bob@example.org");
  g_assert_cmpstr (kept->fingerprint, ==, fpr_a);
  lines = info_lines (&s);
  g_assert_cmpuint (lines->len, ==, 0);
  g_clear_pointer (&lines, g_ptr_array_unref);

  /* Newer mail with another key: it wins, and Alice is told. */
  apply_mail (&s, &(Mail) { .date_ms = now - 1 * HOUR_MS, .key = key_b });
  changed = key_of (&s, "bob@example.org");
  g_assert_cmpstr (changed->fingerprint, ==, fpr_b);
  lines = info_lines (&s);
  g_assert_cmpuint (lines->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (lines, 0), ==, "6:bob@example.org");

  /* A mail without a key changes nothing; the key stays Bob's. */
  apply_mail (&s, &(Mail) { .date_ms = now });
  g_clear_pointer (&changed, koi_store_peer_key_free);
  changed = key_of (&s, "bob@example.org");
  g_assert_cmpstr (changed->fingerprint, ==, fpr_b);
  g_assert_cmpint (changed->key_time_ms, ==, (now - 1 * HOUR_MS) / 1000 * 1000);
  g_assert_cmpint (changed->last_seen_ms, ==, now / 1000 * 1000);

  apply_store_close (&s);
}

static void
test_future_date_cannot_pin (void)
{
  ApplyStore s = { 0, };
  gint64 before = g_get_real_time () / 1000;
  g_autoptr (KoiStorePeerKey) pinned = NULL;
  g_autoptr (KoiStorePeerKey) replaced = NULL;

  apply_store_open (&s, "alice@example.org");

  /* A Date in 2100 counts as the mail's arrival. */
  apply_mail (&s, &(Mail) { .date_ms = G_GINT64_CONSTANT (4102444800000), .key = key_a });
  pinned = key_of (&s, "bob@example.org");
  g_assert_cmpint (pinned->key_time_ms, >=, before);
  g_assert_cmpint (pinned->key_time_ms, <=, g_get_real_time () / 1000);

  /* So a mail written a moment later still replaces it. */
  g_usleep (5 * 1000);
  apply_mail (&s, &(Mail) { .date_ms = g_get_real_time () / 1000 + 1000, .key = key_c });
  replaced = key_of (&s, "bob@example.org");
  g_assert_cmpstr (replaced->fingerprint, ==, fpr_c);

  apply_store_close (&s);
}

static void
test_unusable_key_is_ignored (void)
{
  ApplyStore s = { 0, };

  apply_store_open (&s, "alice@example.org");
  /* Well-formed, but a signing key alone cannot receive encrypted mail. */
  apply_mail (&s, &(Mail) { .date_ms = g_get_real_time () / 1000, .key = sign_only });
  g_assert_null (key_of (&s, "bob@example.org"));
  apply_store_close (&s);
}

static void
test_gossip_needs_encryption_and_signature (void)
{
  ApplyStore s = { 0, };
  const char *to[] = { "alice@example.org", "carol@example.org", NULL };
  g_autoptr (GPtrArray) gossip = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_coi_autocrypt_free);
  gint64 now = g_get_real_time () / 1000;
  g_autoptr (KoiStorePeerKey) carol = NULL;
  gint64 secret_id;

  g_ptr_array_add (gossip, koi_coi_autocrypt_new ("carol@example.org", carol_key, FALSE));
  /* Dave gets no mail here: gossip about him is no business of this mail. */
  g_ptr_array_add (gossip, koi_coi_autocrypt_new ("dave@example.org", dave_key, FALSE));
  /* Nor does gossip speak for Alice herself. */
  g_ptr_array_add (gossip, koi_coi_autocrypt_new ("alice@example.org", key_c, FALSE));

  apply_store_open (&s, "alice@example.org");

  apply_mail (&s, &(Mail) { .to = to, .date_ms = now - 3 * HOUR_MS, .key = key_a, .gossip = gossip });
  g_assert_null (key_of (&s, "carol@example.org"));
  apply_mail (&s, &(Mail) { .to = to, .date_ms = now - 2 * HOUR_MS, .key = key_a, .gossip = gossip,
                            .encrypted = TRUE, .signature = KOI_COI_SIGNATURE_BAD });
  g_assert_null (key_of (&s, "carol@example.org"));
  secret_id = apply_mail (&s, &(Mail) { .to = to, .date_ms = now - 1 * HOUR_MS, .key = key_a,
                                        .gossip = gossip, .encrypted = TRUE,
                                        .signature = KOI_COI_SIGNATURE_VALID });
  carol = key_of (&s, "carol@example.org");
  g_assert_nonnull (carol);
  g_assert_cmpstr (carol->fingerprint, ==, carol_fpr);
  g_assert_cmpint (carol->source, ==, KOI_STORE_KEY_SOURCE_GOSSIP);
  g_assert_false (carol->prefer_encrypt);
  g_assert_null (key_of (&s, "dave@example.org"));
  g_assert_null (key_of (&s, "alice@example.org"));

  /* The encrypted mail is stored as such (a padlock later). */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (KoiStoreMessage) stored = koi_store_message_get (s.store, secret_id, &error);

    g_assert_no_error (error);
    g_assert_true (stored->encrypted);
    g_assert_cmpint (stored->signature, ==, KOI_STORE_SIGNATURE_VALID);
  }

  apply_store_close (&s);
}

/* Delta Chat's Chat-Group-Member-Fpr pairs To with fingerprints: gossip
 * is taken only for the key the sender names for that address; a header
 * that pairs nothing (too short) changes nothing; fingerprints past the
 * To addresses (Delta Chat's past members) name nobody. */
static void
test_member_fingerprints_pick_gossip (void)
{
  ApplyStore s = { 0, };
  const char *to[] = { "alice@example.org", "carol@example.org", "dave@example.org", NULL };
  g_autoptr (GPtrArray) gossip = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_coi_autocrypt_free);
  gint64 now = g_get_real_time () / 1000;
  g_autofree char *names = NULL;
  g_autofree char *short_header = NULL;
  g_autoptr (KoiStorePeerKey) carol = NULL;
  g_autoptr (KoiStorePeerKey) dave = NULL;
  g_autoptr (KoiStorePeerKey) erin = NULL;

  g_ptr_array_add (gossip, koi_coi_autocrypt_new ("carol@example.org", carol_key, FALSE));
  g_ptr_array_add (gossip, koi_coi_autocrypt_new ("dave@example.org", dave_key, FALSE));
  apply_store_open (&s, "alice@example.org");

  /* Carol's entry names her gossiped key; Dave's names another one (the
   * gossip is not the key Bob encrypted to). A fourth fingerprint is a
   * past member's: it names no address here. */
  names = g_strdup_printf ("%s %s %s %s", fpr_b, carol_fpr, fpr_c, fpr_a);
  apply_mail (&s, &(Mail) { .to = to, .date_ms = now - 2 * HOUR_MS, .key = key_a, .gossip = gossip,
                            .encrypted = TRUE, .signature = KOI_COI_SIGNATURE_VALID,
                            .member_fpr = names });
  carol = key_of (&s, "carol@example.org");
  g_assert_nonnull (carol);
  g_assert_cmpstr (carol->fingerprint, ==, carol_fpr);
  g_assert_null (key_of (&s, "dave@example.org"));
  g_assert_null (key_of (&s, "erin@example.org"));

  /* Two fingerprints for three addresses: nothing can be paired, so the
   * header is ignored and the gossip counts as without it. */
  short_header = g_strdup_printf ("%s %s", fpr_b, fpr_c);
  apply_mail (&s, &(Mail) { .to = to, .date_ms = now - 1 * HOUR_MS, .key = key_a, .gossip = gossip,
                            .encrypted = TRUE, .signature = KOI_COI_SIGNATURE_VALID,
                            .member_fpr = short_header });
  dave = key_of (&s, "dave@example.org");
  g_assert_nonnull (dave);
  g_assert_cmpstr (dave->fingerprint, ==, dave_fpr);

  apply_store_close (&s);
}

static void
test_own_key_from_another_device (void)
{
  ApplyStore s = { 0, };
  gint64 now = g_get_real_time () / 1000;
  g_autofree char *key_path = NULL;
  g_autoptr (KoiStorePeerKey) own = NULL;
  g_autoptr (KoiStorePeerKey) still = NULL;

  apply_store_open (&s, "alice@example.org");
  /* A device without a key of its own sees Alice's other device's key in
   * her own mail: it is kept, so this device makes no second key
   * (koi_apply_autocrypt_own). */
  apply_mail (&s, &(Mail) { .from = "alice@example.org", .date_ms = now - HOUR_MS,
                            .key = key_a });
  own = key_of (&s, "alice@example.org");
  g_assert_nonnull (own);

  /* Once this device holds a key, own mail teaches nothing: a forger's
   * "From: alice" with another key changes nothing. */
  key_path = koi_own_key_path (koi_store_get_path (s.store), s.account_id);
  g_assert_true (g_file_set_contents (key_path, "a key", -1, NULL));
  apply_mail (&s, &(Mail) { .from = "alice@example.org", .date_ms = now, .key = key_b });
  still = key_of (&s, "alice@example.org");
  g_assert_nonnull (still);
  g_assert_cmpstr (still->fingerprint, ==, own->fingerprint);
  g_unlink (key_path);
  apply_store_close (&s);
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  key_a = koi_test_make_key ("bob@example.org", TRUE, &fpr_a);
  key_b = koi_test_make_key ("bob@example.org", TRUE, &fpr_b);
  key_c = koi_test_make_key ("bob@example.org", TRUE, &fpr_c);
  carol_key = koi_test_make_key ("carol@example.org", TRUE, &carol_fpr);
  dave_key = koi_test_make_key ("dave@example.org", TRUE, &dave_fpr);
  sign_only = koi_test_make_key ("bob@example.org", FALSE, NULL);

  g_test_add_func ("/apply/autocrypt/newest-wins", test_newest_wins_and_change_is_shown);
  g_test_add_func ("/apply/autocrypt/future-date", test_future_date_cannot_pin);
  g_test_add_func ("/apply/autocrypt/unusable-key", test_unusable_key_is_ignored);
  g_test_add_func ("/apply/autocrypt/gossip", test_gossip_needs_encryption_and_signature);
  g_test_add_func ("/apply/autocrypt/own-key", test_own_key_from_another_device);
  g_test_add_func ("/apply/autocrypt/member-fingerprints", test_member_fingerprints_pick_gossip);

  result = g_test_run ();

  g_bytes_unref (key_a);
  g_bytes_unref (key_b);
  g_bytes_unref (key_c);
  g_bytes_unref (carol_key);
  g_bytes_unref (dave_key);
  g_bytes_unref (sign_only);
  g_free (fpr_a);
  g_free (fpr_b);
  g_free (fpr_c);
  g_free (carol_fpr);
  g_mime_shutdown ();
  return result;
}
