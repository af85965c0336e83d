/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The engine's crypto path through a real Dovecot + Postfix and real
 * koi-cli profiles (libsecret's file backend holds the key passphrases):
 * the own key made at the first start, PGP/MIME mail written the way
 * Delta Chat writes it (protected headers inside, "[...]" and a backdated
 * Date outside) read as its real text, mail for another key shown as
 * "cannot read" at its arrival time, and read properly once the key
 * reaches the device.
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "koi-coi-autocrypt.h"
#include "koi-pgp-mime.h"
#include "koi-store.h"
#include "koi-test-cli.h"
#include "koi-test-files.h"
#include "koi-test-identity.h"
#include "koi-test-own-key.h"

#define CANNOT_READ "Encrypted message that this device cannot read"

static const char *
member (JsonObject *object,
        const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

static GBytes *
read_file (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

static void
sync_profile (KoiTestCli *cli,
              const char *profile)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autofree char *err = NULL;

  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", dir, "sync", NULL), ==, 0);
  /* The passphrase never reaches a log. */
  g_assert_null (strstr (err, "passphrase="));
}

/* A chat message from Bob to Alice as Delta Chat sends it encrypted. */
static GBytes *
delta_chat_style_mail_with (KoiRnpContext         *sender,
                            const KoiCoiAutocrypt *autocrypt,
                            const char            *recipient_fp,
                            const char            *message_id,
                            const char            *text)
{
  g_autoptr (GError) error = NULL;
  GMimeTextPart *inner = g_mime_text_part_new_with_subtype ("plain");
  GMimeObject *object = GMIME_OBJECT (inner);
  const char *recipients[] = { recipient_fp, NULL };
  GMimeMultipartEncrypted *encrypted;
  GMimeMessage *outer = g_mime_message_new (TRUE);
  GMimeFormatOptions *options = g_mime_format_options_new ();
  GDateTime *backdated = g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC
                                                        - 7 * 24 * 3600);
  g_autofree char *real_date = NULL;
  char *wire;
  GBytes *bytes;

  g_mime_text_part_set_text (inner, text);
  g_mime_part_set_content_encoding (GMIME_PART (inner), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  g_mime_content_type_set_parameter (g_mime_object_get_content_type (object),
                                     "protected-headers", "v1");
  {
    GDateTime *now = g_date_time_new_now_utc ();

    real_date = g_mime_utils_header_format_date (now);
    g_date_time_unref (now);
  }
  g_mime_object_set_header (object, "Subject", "Message from bob@example.org", NULL);
  g_mime_object_set_header (object, "From", "Bob <bob@example.org>", NULL);
  g_mime_object_set_header (object, "To", "alice@example.org", NULL);
  g_mime_object_set_header (object, "Date", real_date, NULL);
  g_mime_object_set_header (object, "Message-ID", message_id, NULL);
  g_mime_object_set_header (object, "Chat-Version", "1.0", NULL);

  encrypted = koi_pgp_mime_encrypt (sender, object, recipients, &error);
  g_assert_no_error (error);

  g_mime_message_add_mailbox (outer, GMIME_ADDRESS_TYPE_FROM, "Bob", "bob@example.org");
  g_mime_object_set_header (GMIME_OBJECT (outer), "To", "\"hidden-recipients\": ;", NULL);
  g_mime_message_set_subject (outer, "[...]", NULL);
  g_mime_message_set_date (outer, backdated);
  g_mime_message_set_message_id (outer, message_id);
  g_mime_object_set_header (GMIME_OBJECT (outer), "Chat-Version", "1.0", NULL);
  if (autocrypt != NULL)
    koi_coi_autocrypt_write_sender (outer, autocrypt);
  g_mime_message_set_mime_part (outer, GMIME_OBJECT (encrypted));

  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  wire = g_mime_object_to_string (GMIME_OBJECT (outer), options);
  bytes = g_bytes_new_take (wire, strlen (wire));

  g_date_time_unref (backdated);
  g_mime_format_options_free (options);
  g_object_unref (outer);
  g_object_unref (encrypted);
  g_object_unref (inner);
  return bytes;
}

static GBytes *
delta_chat_style_mail (KoiRnpContext *sender,
                       const char    *recipient_fp,
                       const char    *message_id,
                       const char    *text)
{
  return delta_chat_style_mail_with (sender, NULL, recipient_fp, message_id, text);
}

static JsonObject *
find_message (GPtrArray  *messages,
              const char *message_id)
{
  for (guint i = 0; i < messages->len; i++)
    {
      JsonObject *object = g_ptr_array_index (messages, i);
      const char *id = member (object, "message_id");

      if (g_strcmp0 (id, message_id) == 0)
        return object;
    }
  return NULL;
}

static JsonObject *
find_text (GPtrArray  *messages,
           const char *text)
{
  for (guint i = 0; i < messages->len; i++)
    {
      JsonObject *object = g_ptr_array_index (messages, i);

      if (g_strcmp0 (member (object, "text"), text) == 0)
        return object;
    }
  return NULL;
}

static void
test_own_key_and_encrypted_mail (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiRnpContext) bob = koi_rnp_context_new ();
  g_autoptr (KoiRnpContext) carol = koi_rnp_context_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *laptop_key = NULL;
  g_autofree char *phone_key = NULL;
  g_autoptr (GBytes) key_file = NULL;
  g_autofree char *alice_fp = NULL;
  g_autofree char *carol_fp = NULL;
  g_autoptr (GBytes) for_alice = NULL;
  g_autoptr (GBytes) for_carol = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GPtrArray) on_phone = NULL;
  g_autoptr (GPtrArray) on_phone_later = NULL;
  JsonObject *message;
  GStatBuf info;
  gint64 before_ms;
  const char *text = "Ünïcode and a secret: the cake is in the fridge.";

  koi_test_cli_add_account (cli, "alice-laptop", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "alice-phone", "alice@example.org", "alice-secret");

  /* The first start makes the key without asking: a file of its own, for
   * the user only, its secret unreadable without the keyring. */
  sync_profile (cli, "alice-laptop");
  laptop_key = koi_test_own_key_path (cli, "alice-laptop");
  g_assert_nonnull (laptop_key);
  g_assert_cmpint (g_stat (laptop_key, &info), ==, 0);
  g_assert_cmpint (info.st_mode & 0777, ==, 0600);
  key_file = read_file (laptop_key);
  alice_fp = koi_pgp_own_key_file_fingerprint (key_file, &error);
  g_assert_no_error (error);
  {
    g_autoptr (KoiRnpContext) thief = koi_rnp_context_new ();

    g_assert_false (koi_rnp_context_load_own_key (thief, key_file, "", &error));
    g_assert_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_WRONG_PASSPHRASE);
    g_clear_error (&error);
  }
  /* A second start loads the same key, never a new one. */
  sync_profile (cli, "alice-laptop");
  {
    g_autoptr (GBytes) again = read_file (laptop_key);

    g_assert_true (g_bytes_equal (again, key_file));
  }

  /* Bob (any Autocrypt client) knows Alice's public key. */
  g_assert_true (koi_rnp_context_generate_own_key (bob, "bob@example.org", &error));
  g_assert_true (koi_rnp_context_generate_own_key (carol, "carol@example.org", &error));
  g_assert_no_error (error);
  {
    g_autofree char *added = koi_rnp_context_add_public_key (bob, key_file, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (added, ==, alice_fp);
  }
  carol_fp = koi_test_identity_introduce (carol, bob);

  for_alice = delta_chat_style_mail (bob, alice_fp, "chat$secret.one@example.org", text);
  for_carol = delta_chat_style_mail (bob, carol_fp, "chat$secret.two@example.org",
                                     "For Carol's key only");
  /* On the server, nothing of the text or the real subject. */
  {
    gsize length = 0;
    const char *raw = g_bytes_get_data (for_alice, &length);
    g_autofree char *copy = g_strndup (raw, length);

    g_assert_nonnull (strstr (copy, "multipart/encrypted"));
    g_assert_null (strstr (copy, "fridge"));
    g_assert_null (strstr (copy, "Message from bob"));
  }

  before_ms = g_get_real_time () / 1000 - 1000;
  g_assert_true (koi_test_mailserver_inject (cli->server, "alice@example.org", "INBOX", for_alice,
                                             &error));
  g_assert_true (koi_test_mailserver_inject (cli->server, "alice@example.org", "INBOX", for_carol,
                                             &error));
  g_assert_no_error (error);

  sync_profile (cli, "alice-laptop");
  messages = koi_test_cli_messages (cli, "alice-laptop", "bob@example.org");

  /* Decrypted, with the protected headers: the real text, subject and
   * date, not "[...]" and a week ago. */
  message = find_message (messages, "chat$secret.one@example.org");
  g_assert_nonnull (message);
  g_assert_cmpstr (member (message, "text"), ==, text);
  g_assert_cmpstr (member (message, "subject"), ==, "Message from bob@example.org");
  g_assert_cmpint (json_object_get_int_member (message, "sent_at_ms"), >=, before_ms);

  /* Not for this account's key: a placeholder at its arrival time. */
  message = find_text (messages, CANNOT_READ);
  g_assert_nonnull (message);
  g_assert_null (find_message (messages, "chat$secret.two@example.org"));
  g_assert_cmpint (json_object_get_int_member (message, "sent_at_ms"), >=, before_ms);
  g_assert_null (find_text (messages, "For Carol's key only"));

  /* Alice's phone has a key of its own (made at its first start), not the
   * laptop's: Bob's mail is unreadable there... */
  sync_profile (cli, "alice-phone");
  phone_key = koi_test_own_key_path (cli, "alice-phone");
  g_assert_nonnull (phone_key);
  on_phone = koi_test_cli_messages (cli, "alice-phone", "bob@example.org");
  g_assert_null (find_text (on_phone, text));
  message = find_text (on_phone, CANNOT_READ);
  g_assert_nonnull (message);

  /* ...until the laptop's key reaches it (here: the key file, its
   * passphrase being in the same keyring). The next start reads the
   * mail again and shows it. */
  g_assert_true (g_file_set_contents (phone_key, g_bytes_get_data (key_file, NULL),
                                      g_bytes_get_size (key_file), &error));
  g_assert_no_error (error);
  sync_profile (cli, "alice-phone");
  on_phone_later = koi_test_cli_messages (cli, "alice-phone", "bob@example.org");
  message = find_text (on_phone_later, text);
  g_assert_nonnull (message);
  g_assert_cmpstr (member (message, "message_id"), ==, "chat$secret.one@example.org");
  /* Carol's stays what it is. */
  g_assert_nonnull (find_text (on_phone_later, CANNOT_READ));
}

/* Alice and Bob, both on Koi, start plain; their first messages carry
 * their keys, and from then on everything between them is encrypted on
 * the server and reads as the right text, padlocked, on the other side. */
static void
test_alice_and_bob (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  g_autofree char *raw = NULL;
  g_autoptr (GPtrArray) at_bob = NULL;
  g_autoptr (GPtrArray) at_alice = NULL;
  JsonObject *message;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");

  /* Alice knows no key of Bob's: plain, with her key in the header. */
  first = koi_test_cli_send (cli, "alice", "bob@example.org", "Hi Bob, in the clear.");
  raw = koi_test_server_copy (cli, "bob", first);
  g_assert_nonnull (raw);
  g_assert_null (strstr (raw, "multipart/encrypted"));
  g_assert_nonnull (strstr (raw, "Autocrypt: addr=alice@example.org"));
  g_clear_pointer (&raw, g_free);
  sync_profile (cli, "bob");
  koi_test_assert_crypto_state (cli, "bob", first, FALSE, KOI_STORE_SIGNATURE_NONE);

  /* Bob's answer is encrypted: on the server nothing of it shows. */
  second = koi_test_cli_send (cli, "bob", "alice@example.org", "Hello Alice, this one is secret.");
  raw = koi_test_server_copy (cli, "alice", second);
  g_assert_nonnull (raw);
  g_assert_nonnull (strstr (raw, "multipart/encrypted"));
  g_assert_nonnull (strstr (raw, "-----BEGIN PGP MESSAGE-----"));
  g_assert_null (strstr (raw, "secret."));
  g_assert_nonnull (strstr (raw, "Subject: [...]"));
  g_clear_pointer (&raw, g_free);
  sync_profile (cli, "alice");
  at_alice = koi_test_cli_messages (cli, "alice", "bob@example.org");
  message = find_message (at_alice, second);
  g_assert_nonnull (message);
  g_assert_cmpstr (member (message, "text"), ==, "Hello Alice, this one is secret.");
  koi_test_assert_crypto_state (cli, "alice", second, TRUE, KOI_STORE_SIGNATURE_VALID);

  /* And Alice's next one too, now that she has Bob's key. */
  third = koi_test_cli_send (cli, "alice", "bob@example.org", "Encrypted both ways now.");
  raw = koi_test_server_copy (cli, "bob", third);
  g_assert_nonnull (raw);
  g_assert_nonnull (strstr (raw, "multipart/encrypted"));
  g_assert_null (strstr (raw, "both ways"));
  g_clear_pointer (&raw, g_free);
  sync_profile (cli, "bob");
  at_bob = koi_test_cli_messages (cli, "bob", "alice@example.org");
  message = find_message (at_bob, third);
  g_assert_nonnull (message);
  g_assert_cmpstr (member (message, "text"), ==, "Encrypted both ways now.");
  koi_test_assert_crypto_state (cli, "bob", third, TRUE, KOI_STORE_SIGNATURE_VALID);
  /* Her own copy (sent to herself for her other devices) reads too, and
   * once read back from the server its signature is checked as well. */
  sync_profile (cli, "alice");
  koi_test_assert_crypto_state (cli, "alice", third, TRUE, KOI_STORE_SIGNATURE_VALID);
}

static gint64
message_row (KoiStore   *store,
             gint64      account_id,
             const char *message_id)
{
  g_autoptr (GError) error = NULL;
  gint64 id = koi_store_message_find (store, account_id, message_id, &error);

  g_assert_no_error (error);
  return id;
}

/* A catch-up of many encrypted mails at once (the chunk's encrypted mail
 * is decrypted on a second thread, koi-syncer-decrypt.c): every mail
 * reads as its text with a valid signature, in the order the server
 * holds them, with the plain mail and the one for another key in between
 * where they belong, and nothing shown of an altered one. */
static void
test_many_at_once (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiRnpContext) bob = koi_rnp_context_new ();
  g_autoptr (KoiRnpContext) carol = koi_rnp_context_new ();
  g_autoptr (KoiCoiAutocrypt) autocrypt = NULL;
  g_autoptr (GBytes) bob_public = NULL;
  g_autoptr (GBytes) key_file = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (KoiStore) store = NULL;
  g_autofree char *alice_key = NULL;
  g_autofree char *alice_fp = NULL;
  g_autofree char *carol_fp = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *db = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  enum { N_MAILS = 40, PLAIN = 12, FOR_CAROL = 7, ALTERED = 20 };
  gint64 previous = 0;
  gint64 account_id;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  sync_profile (cli, "alice");
  alice_key = koi_test_own_key_path (cli, "alice");
  key_file = read_file (alice_key);
  alice_fp = koi_pgp_own_key_file_fingerprint (key_file, &error);
  g_assert_no_error (error);

  g_assert_true (koi_rnp_context_generate_own_key (bob, "bob@example.org", &error));
  g_assert_true (koi_rnp_context_generate_own_key (carol, "carol@example.org", &error));
  g_assert_no_error (error);
  g_free (koi_rnp_context_add_public_key (bob, key_file, &error));
  g_assert_no_error (error);
  carol_fp = koi_test_identity_introduce (carol, bob);
  /* Bob's key comes with his mail (Alice has never seen it before). */
  bob_public = koi_rnp_context_export_autocrypt (bob, &error);
  g_assert_no_error (error);
  autocrypt = koi_coi_autocrypt_new ("bob@example.org", bob_public, TRUE);

  for (int i = 0; i < N_MAILS; i++)
    {
      g_autofree char *id = g_strdup_printf ("chat$many.%02d@example.org", i);
      g_autofree char *text = g_strdup_printf ("Secret number %d", i);
      g_autoptr (GBytes) mail = NULL;

      if (i == PLAIN)
        {
          g_autofree char *plain = g_strdup_printf ("From: Bob <bob@example.org>\r\n"
                                                    "To: alice@example.org\r\n"
                                                    "Subject: Message from bob@example.org\r\n"
                                                    "Message-ID: <%s>\r\n"
                                                    "Chat-Version: 1.0\r\n"
                                                    "Content-Type: text/plain; charset=utf-8\r\n"
                                                    "\r\n"
                                                    "In the clear, between the secrets\r\n", id);

          mail = g_bytes_new (plain, strlen (plain));
        }
      else
        mail = delta_chat_style_mail_with (bob, autocrypt, i == FOR_CAROL ? carol_fp : alice_fp,
                                           id, text);
      if (i == ALTERED)
        {
          /* One character of the ciphertext changed on the way. */
          gsize length = 0;
          const char *data = g_bytes_get_data (mail, &length);
          char *copy = g_memdup2 (data, length);
          char *armour = g_strstr_len (copy, length, "-----BEGIN PGP MESSAGE-----");
          char *spot;

          g_assert_nonnull (armour);
          spot = armour + 400;
          while (*spot == '\r' || *spot == '\n')
            spot++;
          g_assert_true (spot < copy + length);
          g_assert_true (g_ascii_isalnum (*spot) || *spot == '+' || *spot == '/');
          *spot = *spot == 'A' ? 'B' : 'A';
          g_bytes_unref (mail);
          mail = g_bytes_new_take (copy, length);
        }
      g_assert_true (koi_test_mailserver_inject (cli->server, "alice@example.org", "INBOX", mail,
                                                 &error));
      g_assert_no_error (error);
    }

  sync_profile (cli, "alice");

  messages = koi_test_cli_messages (cli, "alice", "bob@example.org");
  g_assert_nonnull (find_text (messages, "In the clear, between the secrets"));
  g_assert_nonnull (find_text (messages, CANNOT_READ));
  g_assert_null (find_message (messages, "chat$many.07@example.org"));

  dir = koi_test_cli_profile (cli, "alice");
  db = g_build_filename (dir, "koi.db", NULL);
  store = koi_store_open (db, &error);
  g_assert_no_error (error);
  accounts = koi_store_account_list (store, &error);
  g_assert_no_error (error);
  account_id = ((const KoiStoreAccount *) g_ptr_array_index (accounts, 0))->id;
  for (int i = 0; i < N_MAILS; i++)
    {
      g_autofree char *id = g_strdup_printf ("chat$many.%02d@example.org", i);
      g_autofree char *text = g_strdup_printf ("Secret number %d", i);
      g_autoptr (KoiStoreMessage) stored = NULL;
      JsonObject *message;
      gint64 row;

      if (i == FOR_CAROL)
        continue;
      if (i == ALTERED)
        {
          /* Never a text from an altered ciphertext. */
          g_assert_null (find_text (messages, text));
          continue;
        }
      message = find_message (messages, id);
      g_assert_nonnull (message);
      row = message_row (store, account_id, id);
      /* Stored in the server's order. */
      g_assert_cmpint (row, >, previous);
      previous = row;
      if (i == PLAIN)
        continue;
      g_assert_cmpstr (member (message, "text"), ==, text);
      stored = koi_store_message_get (store, row, &error);
      g_assert_no_error (error);
      g_assert_true (stored->encrypted);
      g_assert_cmpint (stored->signature, ==, KOI_STORE_SIGNATURE_VALID);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();
  g_test_add_func ("/engine-crypto/own-key-and-encrypted-mail", test_own_key_and_encrypted_mail);
  g_test_add_func ("/engine-crypto/alice-and-bob", test_alice_and_bob);
  g_test_add_func ("/engine-crypto/many-at-once", test_many_at_once);
  return g_test_run ();
}
