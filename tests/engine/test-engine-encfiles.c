/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Files in encrypted mail end to end through a real Dovecot + Postfix,
 * driven through koi-cli (issue 13): once Alice and Bob know each other's
 * keys, a file message is encrypted on the server like a text (nothing of
 * the file's name or bytes shows), and Bob's copy has the same SHA-256. An
 * image and a 5 MB PDF are there after the sync (the PDF is over the 1 MiB
 * partial fetch: fetched whole into a file and decrypted from there); a
 * 25 MB file waits for "Download", which fetches the mail again.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "koi-store.h"
#include "koi-store-crypto.h"
#include "koi-test-cli.h"
#include "koi-test-files.h"
#include "koi-test-own-key.h"

static const char *
member (JsonObject *object,
        const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

static void
download (KoiTestCli *cli,
          const char *profile,
          const char *message_id,
          const char *sha256)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autofree char *out = NULL;
  g_autoptr (GPtrArray) lines = NULL;
  g_autofree char *on_disk = NULL;

  g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", dir, "download", message_id,
                                     NULL), ==, 0);
  lines = koi_test_cli_parse_lines (out);
  g_assert_cmpuint (lines->len, ==, 1);
  g_assert_cmpstr (member (lines->pdata[0], "state"), ==, "done");
  g_assert_cmpstr (member (lines->pdata[0], "sha256"), ==, sha256);
  on_disk = koi_test_file_sha256 (member (lines->pdata[0], "path"));
  g_assert_cmpstr (on_disk, ==, sha256);
}

/* On the server: PGP/MIME, and neither the name nor the caption shows. */
static void
assert_encrypted_on_server (KoiTestCli *cli,
                            const char *message_id,
                            const char *secret)
{
  g_autofree char *raw = koi_test_server_copy (cli, "bob", message_id);

  g_assert_nonnull (raw);
  g_assert_null (strstr (raw, "--(null)"));
  g_assert_nonnull (strstr (raw, "multipart/encrypted"));
  g_assert_nonnull (strstr (raw, "-----BEGIN PGP MESSAGE-----"));
  g_assert_null (strstr (raw, secret));
}

static void
test_encrypted_files (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (GPtrArray) messages = NULL;
  g_autofree char *image_sha = NULL, *pdf_sha = NULL, *big_sha = NULL;
  g_autofree char *image = NULL, *pdf = NULL, *big = NULL;
  g_autofree char *image_id = NULL, *pdf_id = NULL, *big_id = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *alice = NULL;
  JsonObject *attachment;
  gsize log_offset = 0;
  gint64 fetched;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  bob = koi_test_cli_profile (cli, "bob");
  alice = koi_test_cli_profile (cli, "alice");

  /* Keys both ways: Bob writes first (plain, with his key), Alice answers
   * (encrypted, with hers); then each knows the other's. */
  g_free (koi_test_cli_send (cli, "bob", "alice@example.org", "Send me the photos?"));
  g_ptr_array_unref (koi_test_cli_sync_until (cli, "alice", "bob@example.org", 1));
  g_free (koi_test_cli_send (cli, "alice", "bob@example.org", "Coming, encrypted."));
  g_ptr_array_unref (koi_test_cli_sync_until (cli, "bob", "alice@example.org", 2));

  image = koi_test_write_random_file (cli->tmp, "cat.png", "\x89PNG\r\n\x1a\n", 200 * 1000, &image_sha);
  pdf = koi_test_write_random_file (cli->tmp, "Secret-Report.pdf", "%PDF-1.4\n", 5 * 1000 * 1000, &pdf_sha);
  big = koi_test_write_random_file (cli->tmp, "big.bin", NULL, 25 * 1000 * 1000, &big_sha);

  image_id = koi_test_cli_send_file (cli, "alice", "bob@example.org", image, "A secret cat");
  pdf_id = koi_test_cli_send_file (cli, "alice", "bob@example.org", pdf, NULL);
  big_id = koi_test_cli_send_file (cli, "alice", "bob@example.org", big, "The big one");

  assert_encrypted_on_server (cli, image_id, "cat.png");
  assert_encrypted_on_server (cli, pdf_id, "Secret-Report");
  assert_encrypted_on_server (cli, big_id, "big.bin");

  messages = koi_test_cli_sync_until (cli, "bob", "alice@example.org", 5);
  g_assert_cmpuint (messages->len, ==, 5);

  /* The image: there, an image, byte for byte, under its caption. */
  g_assert_cmpstr (member (koi_test_messages_find (messages, image_id), "text"), ==, "A secret cat");
  attachment = koi_test_message_first_attachment (koi_test_messages_find (messages, image_id));
  g_assert_cmpstr (member (attachment, "name"), ==, "cat.png");
  g_assert_cmpstr (member (attachment, "type"), ==, "image/png");
  g_assert_cmpstr (member (attachment, "kind"), ==, "image");
  g_assert_cmpstr (member (attachment, "state"), ==, "done");
  g_assert_cmpstr (member (attachment, "sha256"), ==, image_sha);
  {
    g_autofree char *on_disk = koi_test_file_sha256 (member (attachment, "path"));

    g_assert_cmpstr (on_disk, ==, image_sha);
    g_assert_true (g_str_has_prefix (member (attachment, "path"), bob));
  }
  koi_test_assert_crypto_state (cli, "bob", image_id, TRUE, KOI_STORE_SIGNATURE_VALID);

  /* The 5 MB PDF came whole (over the partial fetch) and is there too. */
  attachment = koi_test_message_first_attachment (koi_test_messages_find (messages, pdf_id));
  g_assert_cmpstr (member (attachment, "name"), ==, "Secret-Report.pdf");
  g_assert_cmpstr (member (attachment, "state"), ==, "done");
  g_assert_cmpstr (member (attachment, "sha256"), ==, pdf_sha);
  {
    g_autofree char *on_disk = koi_test_file_sha256 (member (attachment, "path"));

    g_assert_cmpstr (on_disk, ==, pdf_sha);
  }
  koi_test_assert_crypto_state (cli, "bob", pdf_id, TRUE, KOI_STORE_SIGNATURE_VALID);

  /* The 25 MB file waits; "Download" brings it, byte for byte. */
  g_assert_cmpstr (member (koi_test_messages_find (messages, big_id), "text"), ==, "The big one");
  attachment = koi_test_message_first_attachment (koi_test_messages_find (messages, big_id));
  g_assert_cmpstr (member (attachment, "name"), ==, "big.bin");
  g_assert_cmpstr (member (attachment, "state"), ==, "pending");
  g_assert_cmpint (json_object_get_int_member (attachment, "size"), >, 25 * 1000 * 1000);
  /* The sync had the whole mail (to decrypt it) and kept the file:
   * Download fetches no second 34 MB. */
  koi_test_cli_imap_bytes_out (cli, "bob@example.org", &log_offset);
  download (cli, "bob", big_id, big_sha);
  fetched = koi_test_cli_imap_bytes_out (cli, "bob@example.org", &log_offset);
  g_test_message ("Download of the 25 MB file: %" G_GINT64_FORMAT " bytes from IMAP", fetched);
  g_assert_cmpint (fetched, >=, 0);
  g_assert_cmpint (fetched, <, 1000 * 1000);
  koi_test_assert_crypto_state (cli, "bob", big_id, TRUE, KOI_STORE_SIGNATURE_VALID);

  /* Nothing of the ciphertext to send is left behind at Alice's. */
  {
    g_autofree char *outgoing = g_build_filename (alice, "attachments", "outgoing", NULL);
    g_autoptr (GDir) listing = g_dir_open (outgoing, 0, NULL);

    g_assert_true (listing == NULL || g_dir_read_name (listing) == NULL);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine-encfiles/image-pdf-and-25-mb", test_encrypted_files);
  return g_test_run ();
}
