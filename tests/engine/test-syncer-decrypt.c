/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "test-syncer-decrypt"

#include <string.h>

#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "koi-coi-autocrypt.h"
#include "koi-coi-gmime.h"
#include "koi-fake-mailbox.h"
#include "koi-own-key.h"
#include "koi-pgp-mime.h"
#include "koi-secret.h"
#include "koi-store.h"
#include "koi-syncer.h"
#include "koi-test-identity.h"
#include "koi-test-log.h"
#include "koi-test-profile.h"

/* Issue 13: a chunk of 16 or more encrypted mails is decrypted on a
 * second thread per syncer (src/engine/koi-syncer-decrypt.c). The real
 * server's test (engine-crypto /many-at-once) needs Dovecot, so CI's
 * sanitizer run, which runs the unit suite, never reached that thread.
 * These do, against the scripted mailbox: one chunk of encrypted mail with
 * an altered one and one for another key among them, and the same when
 * the thread cannot open the key (its passphrase gone from the Secret
 * Service after the syncer's thread opened it). libsecret's file backend
 * stands in for the keyring. */

#define SELF "me@koi.test"
#define PEER "bob@koi.test"
#define CANNOT_READ "Encrypted message that this device cannot read"

/* What the syncer told the log, counted across threads. */
static int n_thread_reports = -1;   /* the last "Read N of ..." */
static int n_fallbacks;             /* "Decrypting on the syncer's thread only" */

static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  const char *domain;
  const char *message;

  koi_test_log_fields (fields, n_fields, &domain, &message);
  if (g_strcmp0 (domain, "koi-syncer") == 0 && message != NULL)
    {
      if (g_str_has_prefix (message, "Read "))
        g_atomic_int_set (&n_thread_reports, (int) g_ascii_strtoull (message + 5, NULL, 10));
      else if (g_str_has_prefix (message, "Decrypting on the syncer's thread only"))
        g_atomic_int_inc (&n_fallbacks);
    }
  /* Debug lines only with G_MESSAGES_DEBUG, as always. */
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

typedef struct
{
  char              *dir;
  KoiStore          *store;
  gint64             account_id;
  FakeMailbox       *mailbox;
  KoiFakeImapServer *server;
  KoiAccountConfig  *account;
  char              *own_fp;
  KoiRnpContext     *bob;
  KoiCoiAutocrypt   *bob_autocrypt;
  char              *carol_fp;
} Fixture;

static void
fixture_set_up (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiRnpContext) own = NULL;
  g_autoptr (KoiRnpContext) carol = NULL;
  g_autoptr (GBytes) bob_public = NULL;
  g_autofree char *path = NULL;

  f->store = koi_test_profile_open (SELF, &f->dir, &f->account_id);
  path = g_build_filename (f->dir, "koi.db", NULL);

  /* The account's key, made as the first sync would (file + keyring). */
  own = koi_own_key_open (path, f->account_id, SELF, NULL, &error);
  g_assert_no_error (error);
  f->own_fp = g_strdup (koi_rnp_context_get_own_fingerprint (own));

  /* Bob knows the account's key and Carol's; his key comes with his mail. */
  f->bob = koi_test_identity_new (PEER);
  carol = koi_test_identity_new ("carol@koi.test");
  g_free (koi_test_identity_introduce (own, f->bob));
  f->carol_fp = koi_test_identity_introduce (carol, f->bob);
  bob_public = koi_rnp_context_export_autocrypt (f->bob, &error);
  g_assert_no_error (error);
  f->bob_autocrypt = koi_coi_autocrypt_new (PEER, bob_public, TRUE);

  f->mailbox = fake_mailbox_new (HOSTILE_NONE);
  f->server = koi_fake_imap_server_new (KOI_FAKE_IMAP_TLS, fake_mailbox_script, f->mailbox, &error);
  g_assert_no_error (error);

  f->account = koi_test_profile_account (f->account_id, SELF,
                                         koi_fake_imap_server_get_port (f->server),
                                         koi_fake_imap_server_get_ca_file (f->server), 0, NULL);
  f->account->encryption = TRUE;

  n_thread_reports = -1;
  n_fallbacks = 0;
}

static void
fixture_tear_down (Fixture *f)
{
  g_clear_pointer (&f->server, koi_fake_imap_server_free);
  g_clear_pointer (&f->mailbox, fake_mailbox_free);
  g_clear_pointer (&f->account, koi_account_config_free);
  g_clear_pointer (&f->store, koi_store_close);
  g_clear_pointer (&f->bob_autocrypt, koi_coi_autocrypt_free);
  g_clear_object (&f->bob);
  /* A passphrase a test did not remove itself. */
  koi_secret_key_passphrase_clear_sync (SELF, f->own_fp, NULL, NULL);
  g_free (f->own_fp);
  g_free (f->carol_fp);
  koi_test_profile_remove (f->dir);
  g_free (f->dir);
}

static char *
message_id (guint n)
{
  return g_strdup_printf ("chat$enc%02u@koi.test", n);
}

static char *
secret_text (guint n)
{
  return g_strdup_printf ("Secret number %u", n);
}

/* Bob's mail as Delta Chat writes it: the real headers inside,
 * "[...]" and hidden recipients outside, his key in Autocrypt. */
static void
add_encrypted (Fixture    *f,
               guint       n,
               const char *recipient_fp,
               gboolean    altered)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GMimeTextPart) inner = g_mime_text_part_new_with_subtype ("plain");
  g_autoptr (GMimeMessage) outer = g_mime_message_new (TRUE);
  g_autoptr (GObject) encrypted = NULL;
  g_autoptr (GDateTime) date = g_date_time_new_utc (2024, 1, 1, 10, n % 60, 0);
  g_autofree char *id = message_id (n);
  g_autofree char *text = secret_text (n);
  g_autofree char *date_text = g_mime_utils_header_format_date (date);
  g_autofree char *wire = NULL;
  GMimeObject *object = GMIME_OBJECT (inner);
  GMimeFormatOptions *options = g_mime_format_options_new ();
  const char *recipients[] = { recipient_fp, NULL };

  g_mime_text_part_set_text (inner, text);
  g_mime_part_set_content_encoding (GMIME_PART (inner), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  g_mime_content_type_set_parameter (g_mime_object_get_content_type (object),
                                     "protected-headers", "v1");
  g_mime_object_set_header (object, "Subject", "Message from " PEER, NULL);
  g_mime_object_set_header (object, "From", "Bob <" PEER ">", NULL);
  g_mime_object_set_header (object, "To", SELF, NULL);
  g_mime_object_set_header (object, "Date", date_text, NULL);
  g_mime_object_set_header (object, "Message-ID", id, NULL);
  g_mime_object_set_header (object, "Chat-Version", "1.0", NULL);
  encrypted = G_OBJECT (koi_pgp_mime_encrypt (f->bob, object, recipients, &error));
  g_assert_no_error (error);

  g_mime_message_add_mailbox (outer, GMIME_ADDRESS_TYPE_FROM, "Bob", PEER);
  g_mime_object_set_header (GMIME_OBJECT (outer), "To", "\"hidden-recipients\": ;", NULL);
  g_mime_message_set_subject (outer, "[...]", NULL);
  g_mime_message_set_date (outer, date);
  g_mime_message_set_message_id (outer, id);
  g_mime_object_set_header (GMIME_OBJECT (outer), "Chat-Version", "1.0", NULL);
  koi_coi_autocrypt_write_sender (outer, f->bob_autocrypt);
  g_mime_message_set_mime_part (outer, GMIME_OBJECT (encrypted));
  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  wire = g_mime_object_to_string (GMIME_OBJECT (outer), options);
  g_mime_format_options_free (options);

  if (altered)
    {
      /* One character of the ciphertext changed on the way. */
      char *spot = strstr (wire, "-----BEGIN PGP MESSAGE-----");

      g_assert_nonnull (spot);
      spot += 400;
      while (*spot == '\r' || *spot == '\n')
        spot++;
      g_assert_true (g_ascii_isalnum (*spot) || *spot == '+' || *spot == '/');
      *spot = *spot == 'A' ? 'B' : 'A';
    }
  folder_add (&f->mailbox->inbox, wire);
}

static KoiSyncer *
sync_all (Fixture   *f,
          KoiSyncer *syncer)
{
  g_autoptr (GError) error = NULL;

  if (syncer == NULL)
    {
      KoiSyncerEvents events = { 0, };

      syncer = koi_syncer_new (f->store, f->account, &events, f);
      g_assert_true (koi_syncer_connect (syncer, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_true (koi_syncer_sync (syncer, FALSE, NULL, &error));
  g_assert_no_error (error);
  return syncer;
}

/* Bob's chat, oldest first. */
static GPtrArray *
bob_chat (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  gint64 chat_id = koi_store_chat_find_by_peer (f->store, f->account_id, PEER, &error);
  GPtrArray *page;

  g_assert_no_error (error);
  g_assert_cmpint (chat_id, >, 0);
  page = koi_store_message_page (f->store, chat_id, 0, 1000, &error);
  g_assert_no_error (error);
  return page;
}

static guint
count_text (GPtrArray  *messages,
            const char *text)
{
  guint n = 0;

  for (guint i = 0; i < messages->len; i++)
    n += g_strcmp0 (((KoiStoreMessage *) messages->pdata[i])->text, text) == 0;
  return n;
}

/* Mail @first .. @last (but @for_carol and @altered) is in Bob's chat with
 * its text, encrypted, validly signed, in the server's order; Carol's is a
 * placeholder; the altered one shows no text of its own. */
static void
assert_chunk (Fixture *f,
              guint    first,
              guint    last,
              guint    for_carol,
              guint    altered)
{
  g_autoptr (GPtrArray) messages = bob_chat (f);
  g_autoptr (GError) error = NULL;
  gint64 previous = 0;

  g_assert_cmpuint (count_text (messages, CANNOT_READ), ==, 1);
  for (guint n = first; n <= last; n++)
    {
      g_autofree char *id = message_id (n);
      g_autofree char *text = secret_text (n);
      g_autoptr (KoiStoreMessage) row = NULL;
      gint64 ref;

      if (n == for_carol)
        continue;
      if (n == altered)
        {
          /* Never a text from an altered ciphertext. */
          g_assert_cmpuint (count_text (messages, text), ==, 0);
          continue;
        }
      ref = koi_store_message_find (f->store, f->account_id, id, &error);
      g_assert_no_error (error);
      g_assert_cmpint (ref, >, previous);
      previous = ref;
      row = koi_store_message_get (f->store, ref, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (row->text, ==, text);
      g_assert_true (row->encrypted);
      g_assert_cmpint (row->signature, ==, KOI_STORE_SIGNATURE_VALID);
    }
}

enum { N_MAILS = 24, FOR_CAROL = 9, ALTERED = 17 };

static void
add_chunk (Fixture *f,
           guint    first)
{
  for (guint n = first; n < first + N_MAILS; n++)
    add_encrypted (f, n, n == first + FOR_CAROL ? f->carol_fp : f->own_fp, n == first + ALTERED);
}

/* One chunk of 24 encrypted mails: the second thread reads some of them,
 * and what the user sees is what one thread would have shown. */
static void
test_chunk (void)
{
  Fixture f = { 0, };
  g_autoptr (KoiSyncer) syncer = NULL;

  fixture_set_up (&f);
  add_chunk (&f, 0);
  /* The mail comes over a while, as from a real server: the thread is
   * surely waiting for work before the last one is in, however loaded
   * the machine (else the syncer's thread may read them all itself). */
  f.mailbox->fetch_pause_ms = 10;
  syncer = sync_all (&f, NULL);

  assert_chunk (&f, 0, N_MAILS - 1, FOR_CAROL, ALTERED);
  g_assert_cmpint (n_fallbacks, ==, 0);
  /* The thread did part of the work (it takes the first mail at once). */
  g_assert_cmpint (g_atomic_int_get (&n_thread_reports), >, 0);

  g_clear_pointer (&syncer, koi_syncer_free);
  fixture_tear_down (&f);
}

/* The syncer's thread has the key open, the second thread cannot open it
 * (its passphrase left the keyring since): every mail is still read, on
 * the syncer's thread, and the key is tried once for the chunk. */
static void
test_key_unavailable_to_thread (void)
{
  Fixture f = { 0, };
  g_autoptr (KoiSyncer) syncer = NULL;
  g_autoptr (GError) error = NULL;

  fixture_set_up (&f);
  /* A small first chunk: read inline, which opens the key there. */
  add_encrypted (&f, 90, f.own_fp, FALSE);
  syncer = sync_all (&f, NULL);
  g_assert_cmpint (g_atomic_int_get (&n_thread_reports), ==, -1);

  g_assert_true (koi_secret_key_passphrase_clear_sync (SELF, f.own_fp, NULL, &error));
  g_assert_no_error (error);
  add_chunk (&f, 0);
  sync_all (&f, syncer);

  assert_chunk (&f, 0, N_MAILS - 1, FOR_CAROL, ALTERED);
  g_assert_cmpint (n_fallbacks, ==, 1);
  g_assert_cmpint (g_atomic_int_get (&n_thread_reports), ==, 0);

  g_clear_pointer (&syncer, koi_syncer_free);
  fixture_tear_down (&f);
}

int
main (int   argc,
      char *argv[])
{
  char *keyring = koi_test_keyring_use_file ();
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (log_writer, NULL, NULL);
  g_mime_init ();

  g_test_add_func ("/engine/syncer-decrypt/chunk", test_chunk);
  g_test_add_func ("/engine/syncer-decrypt/key-unavailable-to-thread", test_key_unavailable_to_thread);
  status = g_test_run ();

  koi_test_keyring_remove (keyring);
  return status;
}
