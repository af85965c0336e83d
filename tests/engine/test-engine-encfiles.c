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

static const char *
member (JsonObject *object,
        const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

static char *
write_random_file (KoiTestCli   *cli,
                   const char   *name,
                   const char   *magic,
                   gsize         size,
                   char        **out_sha256)
{
  g_autofree char *path = g_build_filename (cli->tmp, name, NULL);
  g_autofree guint8 *data = g_malloc (size);
  g_autoptr (GRand) rand = g_rand_new_with_seed (size);
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < size; i += 4)
    {
      guint32 r = g_rand_int (rand);

      memcpy (data + i, &r, MIN (4, size - i));
    }
  if (magic != NULL)
    memcpy (data, magic, strlen (magic));
  g_file_set_contents (path, (const char *) data, size, &error);
  g_assert_no_error (error);
  *out_sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, size);
  return g_steal_pointer (&path);
}

static char *
send_file (KoiTestCli *cli,
           const char *path,
           const char *caption)
{
  g_autofree char *dir = koi_test_cli_profile (cli, "alice");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  if (caption != NULL)
    status = koi_test_cli_run (cli, NULL, &out, &err, "--profile", dir, "send", "--file", path,
                               "--caption", caption, "bob@example.org", NULL);
  else
    status = koi_test_cli_run (cli, NULL, &out, &err, "--profile", dir, "send", "--file", path,
                               "bob@example.org", NULL);
  if (status != 0)
    g_printerr ("%s", err);
  g_assert_cmpint (status, ==, 0);
  return g_strstrip (g_steal_pointer (&out));
}

static JsonObject *
find_by_id (GPtrArray  *messages,
            const char *message_id)
{
  for (guint i = 0; i < messages->len; i++)
    if (g_strcmp0 (member (messages->pdata[i], "message_id"), message_id) == 0)
      return messages->pdata[i];
  return NULL;
}

static JsonObject *
first_attachment (JsonObject *message)
{
  JsonArray *list;

  g_assert_true (json_object_has_member (message, "attachments"));
  list = json_object_get_array_member (message, "attachments");
  g_assert_cmpuint (json_array_get_length (list), >=, 1);
  return json_array_get_object_element (list, 0);
}

static GPtrArray *
sync_until (KoiTestCli *cli,
            const char *profile,
            const char *peer,
            guint       count)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  GPtrArray *messages = NULL;

  for (guint attempt = 0; attempt < 80; attempt++)
    {
      g_clear_pointer (&messages, g_ptr_array_unref);
      g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", dir, "sync", NULL), ==, 0);
      messages = koi_test_cli_messages (cli, profile, peer);
      if (messages->len >= count)
        break;
      g_usleep (250 * 1000);
    }
  return messages;
}

static char *
file_sha256 (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

/* The mail with @message_id as the server keeps it in @user's Maildir
 * (any folder), or NULL. */
static char *
find_in_maildir (KoiTestCli *cli,
             const char *user,
             const char *message_id)
{
  g_autofree char *root = g_build_filename (cli->server->dir, "mail", "example.org", user,
                                            "Maildir", NULL);
  g_autofree char *needle = g_strdup_printf ("<%s>", message_id);
  g_autoptr (GPtrArray) pending = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (pending, g_strdup (root));
  while (pending->len > 0)
    {
      g_autofree char *dir = g_ptr_array_steal_index (pending, pending->len - 1);
      g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
      const char *name;

      while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);
          char *contents = NULL;

          if (g_file_test (path, G_FILE_TEST_IS_DIR))
            {
              g_ptr_array_add (pending, g_steal_pointer (&path));
              continue;
            }
          if (!g_file_get_contents (path, &contents, NULL, NULL))
            continue;
          if (strstr (contents, needle) != NULL)
            return contents;
          g_free (contents);
        }
    }
  return NULL;
}

/* The same, once Postfix has delivered it (it queues first). */
static char *
server_copy (KoiTestCli *cli,
             const char *user,
             const char *message_id)
{
  for (int tries = 0; tries < 200; tries++)
    {
      char *found = find_in_maildir (cli, user, message_id);

      if (found != NULL)
        return found;
      g_usleep (100 * 1000);
    }
  return NULL;
}

/* The padlock and signature the profile's store keeps for @message_id. */
static void
assert_crypto_state (KoiTestCli *cli,
                     const char *profile,
                     const char *message_id,
                     gboolean    encrypted,
                     int         signature)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autofree char *path = g_build_filename (dir, "koi.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiStore) store = koi_store_open (path, &error);
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (KoiStoreMessage) message = NULL;
  const KoiStoreAccount *account;
  gint64 id;

  g_assert_no_error (error);
  accounts = koi_store_account_list (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 1);
  account = g_ptr_array_index (accounts, 0);
  id = koi_store_message_find (store, account->id, message_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, !=, 0);
  message = koi_store_message_get (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (message->encrypted, ==, encrypted);
  g_assert_cmpint (message->signature, ==, signature);
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
  on_disk = file_sha256 (member (lines->pdata[0], "path"));
  g_assert_cmpstr (on_disk, ==, sha256);
}

/* On the server: PGP/MIME, and neither the name nor the caption shows. */
static void
assert_encrypted_on_server (KoiTestCli *cli,
                            const char *message_id,
                            const char *secret)
{
  g_autofree char *raw = server_copy (cli, "bob", message_id);

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

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  bob = koi_test_cli_profile (cli, "bob");
  alice = koi_test_cli_profile (cli, "alice");

  /* Keys both ways: Bob writes first (plain, with his key), Alice answers
   * (encrypted, with hers); then each knows the other's. */
  g_free (koi_test_cli_send (cli, "bob", "alice@example.org", "Send me the photos?"));
  g_ptr_array_unref (sync_until (cli, "alice", "bob@example.org", 1));
  g_free (koi_test_cli_send (cli, "alice", "bob@example.org", "Coming, encrypted."));
  g_ptr_array_unref (sync_until (cli, "bob", "alice@example.org", 2));

  image = write_random_file (cli, "cat.png", "\x89PNG\r\n\x1a\n", 200 * 1000, &image_sha);
  pdf = write_random_file (cli, "Secret-Report.pdf", "%PDF-1.4\n", 5 * 1000 * 1000, &pdf_sha);
  big = write_random_file (cli, "big.bin", NULL, 25 * 1000 * 1000, &big_sha);

  image_id = send_file (cli, image, "A secret cat");
  pdf_id = send_file (cli, pdf, NULL);
  big_id = send_file (cli, big, "The big one");

  assert_encrypted_on_server (cli, image_id, "cat.png");
  assert_encrypted_on_server (cli, pdf_id, "Secret-Report");
  assert_encrypted_on_server (cli, big_id, "big.bin");

  messages = sync_until (cli, "bob", "alice@example.org", 5);
  g_assert_cmpuint (messages->len, ==, 5);

  /* The image: there, an image, byte for byte, under its caption. */
  g_assert_cmpstr (member (find_by_id (messages, image_id), "text"), ==, "A secret cat");
  attachment = first_attachment (find_by_id (messages, image_id));
  g_assert_cmpstr (member (attachment, "name"), ==, "cat.png");
  g_assert_cmpstr (member (attachment, "type"), ==, "image/png");
  g_assert_cmpstr (member (attachment, "kind"), ==, "image");
  g_assert_cmpstr (member (attachment, "state"), ==, "done");
  g_assert_cmpstr (member (attachment, "sha256"), ==, image_sha);
  {
    g_autofree char *on_disk = file_sha256 (member (attachment, "path"));

    g_assert_cmpstr (on_disk, ==, image_sha);
    g_assert_true (g_str_has_prefix (member (attachment, "path"), bob));
  }
  assert_crypto_state (cli, "bob", image_id, TRUE, KOI_STORE_SIGNATURE_VALID);

  /* The 5 MB PDF came whole (over the partial fetch) and is there too. */
  attachment = first_attachment (find_by_id (messages, pdf_id));
  g_assert_cmpstr (member (attachment, "name"), ==, "Secret-Report.pdf");
  g_assert_cmpstr (member (attachment, "state"), ==, "done");
  g_assert_cmpstr (member (attachment, "sha256"), ==, pdf_sha);
  {
    g_autofree char *on_disk = file_sha256 (member (attachment, "path"));

    g_assert_cmpstr (on_disk, ==, pdf_sha);
  }
  assert_crypto_state (cli, "bob", pdf_id, TRUE, KOI_STORE_SIGNATURE_VALID);

  /* The 25 MB file waits; "Download" brings it, byte for byte. */
  g_assert_cmpstr (member (find_by_id (messages, big_id), "text"), ==, "The big one");
  attachment = first_attachment (find_by_id (messages, big_id));
  g_assert_cmpstr (member (attachment, "name"), ==, "big.bin");
  g_assert_cmpstr (member (attachment, "state"), ==, "pending");
  g_assert_cmpint (json_object_get_int_member (attachment, "size"), >, 25 * 1000 * 1000);
  download (cli, "bob", big_id, big_sha);
  assert_crypto_state (cli, "bob", big_id, TRUE, KOI_STORE_SIGNATURE_VALID);

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
