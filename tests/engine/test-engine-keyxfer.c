/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Issue 13, the second device: Alice's key moves from her first device to
 * a fresh one with an Autocrypt Setup Message, on the real mail server
 * through the real koi-cli. Before the import the new device shows her
 * encrypted history as unreadable and makes no key of its own; a wrong
 * code changes nothing; the right code makes the history readable and
 * lets the new device write encrypted mail Bob reads. An encrypted image
 * that came before the key comes back with its file.
 */
#include "config.h"

#include <string.h>

#include "koi-test-cli.h"
#include "koi-test-own-key.h"

#define UNREADABLE "Encrypted message that this device cannot read"

static const char *
member (JsonObject *object,
        const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

static void
sync_profile (KoiTestCli *cli,
              const char *profile)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);

  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", dir, "sync", NULL), ==, 0);
}

static gboolean
has_own_key (KoiTestCli *cli,
             const char *profile)
{
  g_autofree char *path = koi_test_own_key_path (cli, profile);

  return path != NULL;
}

static JsonObject *
find_message (GPtrArray  *messages,
              const char *message_id)
{
  for (guint i = 0; i < messages->len; i++)
    {
      JsonObject *object = g_ptr_array_index (messages, i);

      if (g_strcmp0 (member (object, "message_id"), message_id) == 0)
        return object;
    }
  return NULL;
}

/* The text @profile shows for @message_id in the chat with @peer. */
static char *
text_of (KoiTestCli *cli,
         const char *profile,
         const char *peer,
         const char *message_id)
{
  g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, profile, peer);
  JsonObject *found = find_message (messages, message_id);

  return found != NULL ? g_strdup (member (found, "text")) : NULL;
}

/* How many messages of the chat with @peer read @text. */
static guint
count_text (KoiTestCli *cli,
            const char *profile,
            const char *peer,
            const char *text)
{
  g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, profile, peer);
  guint count = 0;

  for (guint i = 0; i < messages->len; i++)
    if (g_strcmp0 (member (g_ptr_array_index (messages, i), "text"), text) == 0)
      count++;
  return count;
}

/* Bob's view of Alice's key (learnt from her Autocrypt headers). */
static char *
fingerprint_at (KoiTestCli *cli,
                const char *profile,
                const char *address)
{
  g_autofree char *out = koi_test_cli_run_ok (cli, profile, "keys", NULL);
  g_autoptr (GPtrArray) keys = koi_test_cli_parse_lines (out);

  for (guint i = 0; i < keys->len; i++)
    if (g_strcmp0 (member (g_ptr_array_index (keys, i), "address"), address) == 0)
      return g_strdup (member (g_ptr_array_index (keys, i), "fingerprint"));
  return NULL;
}

/* A small PNG (its magic, then noise) in the test's folder. */
static char *
write_image (KoiTestCli  *cli,
             char       **out_sha256)
{
  g_autofree char *path = g_build_filename (cli->tmp, "cat.png", NULL);
  g_autoptr (GRand) rand = g_rand_new_with_seed (13);
  guint8 data[20000];

  for (gsize i = 0; i < sizeof data; i++)
    data[i] = g_rand_int (rand) & 0xff;
  memcpy (data, "\x89PNG\r\n\x1a\n", 8);
  g_assert_true (g_file_set_contents (path, (const char *) data, sizeof data, NULL));
  *out_sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, sizeof data);
  return g_steal_pointer (&path);
}

static char *
file_sha256 (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

static int
import_setup (KoiTestCli  *cli,
              const char  *profile,
              const char  *code,
              char       **out,
              char       **err)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autofree char *input = g_strdup_printf ("%s\n", code);

  return koi_test_cli_run (cli, input, out, err, "--profile", dir,
                           "keys", "import-setup", "--code-stdin", NULL);
}

static void
test_second_device (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autofree char *hello = NULL, *secret_in = NULL, *secret_out = NULL, *from_laptop = NULL;
  g_autofree char *code = NULL, *wrong = NULL, *out = NULL, *err = NULL;
  g_autofree char *text = NULL, *alice_fp = NULL, *bob_dir = NULL, *raw = NULL;
  g_autofree char *image = NULL, *image_sha = NULL, *image_id = NULL;
  g_autoptr (GPtrArray) chats = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");

  /* Device 1 and Bob go from plain to encrypted (as engine-crypto shows). */
  hello = koi_test_cli_send (cli, "alice", "bob@example.org", "Hello Bob, plain.");
  sync_profile (cli, "bob");
  secret_in = koi_test_cli_send (cli, "bob", "alice@example.org", "Secret for Alice.");
  sync_profile (cli, "alice");
  secret_out = koi_test_cli_send (cli, "alice", "bob@example.org", "Secret for Bob.");
  /* And an encrypted image from Bob. */
  image = write_image (cli, &image_sha);
  {
    g_autofree char *dir = koi_test_cli_profile (cli, "bob");

    g_assert_cmpint (koi_test_cli_run (cli, NULL, &image_id, NULL, "--profile", dir, "send",
                                       "--file", image, "--caption", "A cat for Alice",
                                       "alice@example.org", NULL), ==, 0);
    g_strstrip (image_id);
  }
  text = text_of (cli, "alice", "bob@example.org", secret_in);
  g_assert_cmpstr (text, ==, "Secret for Alice.");
  g_clear_pointer (&text, g_free);

  /* Device 2: a fresh profile of the same account. */
  koi_test_cli_add_account (cli, "alice-laptop", "alice@example.org", "alice-secret");
  sync_profile (cli, "alice-laptop");
  /* Bob's answer, his image and her own encrypted copy: placeholders
   * (under ids of their own until they are read), the plain first one
   * readable. */
  g_assert_cmpuint (count_text (cli, "alice-laptop", "bob@example.org", UNREADABLE), ==, 3);
  g_assert_null (text_of (cli, "alice-laptop", "bob@example.org", secret_in));
  text = text_of (cli, "alice-laptop", "bob@example.org", hello);
  g_assert_cmpstr (text, ==, "Hello Bob, plain.");
  g_clear_pointer (&text, g_free);
  g_assert_false (has_own_key (cli, "alice-laptop"));

  /* Nothing to import yet. */
  g_assert_cmpint (import_setup (cli, "alice-laptop", "1234-5678-9012-3456-7890-1234-5678-9012-3456",
                                 NULL, NULL), ==, 2);

  /* Device 1 sends the setup message and shows the code. */
  out = koi_test_cli_run_ok (cli, "alice", "keys", "export-setup", NULL);
  code = g_strstrip (g_strdup (out));
  g_clear_pointer (&out, g_free);
  g_assert_cmpuint (strlen (code), ==, 44);
  g_assert_true (g_regex_match_simple ("^([0-9]{4}-){8}[0-9]{4}$", code, 0, 0));
  /* A second one, newer, under another code (the user pressed twice, or
   * someone sent a fake "from" Alice): the first code still works. */
  out = koi_test_cli_run_ok (cli, "alice", "keys", "export-setup", NULL);
  g_assert_cmpstr (g_strstrip (out), !=, code);
  g_clear_pointer (&out, g_free);

  /* Device 2 sees it, and shows it nowhere: no chat with herself, nothing
   * new with Bob. */
  sync_profile (cli, "alice-laptop");
  out = koi_test_cli_run_ok (cli, "alice-laptop", "chats", NULL);
  chats = koi_test_cli_parse_lines (out);
  g_clear_pointer (&out, g_free);
  g_assert_cmpuint (chats->len, ==, 1);
  g_assert_cmpstr (member (g_ptr_array_index (chats, 0), "peer"), ==, "bob@example.org");
  {
    g_autoptr (GPtrArray) history = koi_test_cli_messages (cli, "alice-laptop", "bob@example.org");

    for (guint i = 0; i < history->len; i++)
      g_assert_null (strstr (member (g_ptr_array_index (history, i), "text"), "Setup"));
  }

  /* A wrong code: refused, and nothing changed. */
  wrong = g_strdup (code);
  wrong[0] = wrong[0] == '9' ? '0' : wrong[0] + 1;
  g_assert_cmpint (import_setup (cli, "alice-laptop", wrong, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "setup code is wrong"));
  g_assert_null (strstr (err, code));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_false (has_own_key (cli, "alice-laptop"));
  sync_profile (cli, "alice-laptop");
  g_assert_cmpuint (count_text (cli, "alice-laptop", "bob@example.org", UNREADABLE), ==, 3);

  /* The older message's code, typed with spaces: Alice's key, the one
   * Bob knows. */
  g_strdelimit (code, "-", ' ');
  g_assert_cmpint (import_setup (cli, "alice-laptop", code, &out, &err), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  alice_fp = fingerprint_at (cli, "bob", "alice@example.org");
  g_assert_nonnull (alice_fp);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                  "fingerprint"), ==, alice_fp);
  g_assert_true (has_own_key (cli, "alice-laptop"));
  {
    g_autofree char *here = koi_test_own_key_fingerprint (cli, "alice-laptop");
    g_autofree char *there = koi_test_own_key_fingerprint (cli, "alice");

    g_assert_cmpstr (here, ==, there);
  }
  /* No log line carries the code. */
  g_assert_null (strstr (err, code));

  /* The next sync reads the old encrypted mail, in place. */
  sync_profile (cli, "alice-laptop");
  text = text_of (cli, "alice-laptop", "bob@example.org", secret_in);
  g_assert_cmpstr (text, ==, "Secret for Alice.");
  g_clear_pointer (&text, g_free);
  text = text_of (cli, "alice-laptop", "bob@example.org", secret_out);
  g_assert_cmpstr (text, ==, "Secret for Bob.");
  g_clear_pointer (&text, g_free);
  text = text_of (cli, "alice-laptop", "bob@example.org", hello);
  g_assert_cmpstr (text, ==, "Hello Bob, plain.");
  g_clear_pointer (&text, g_free);
  g_assert_cmpuint (count_text (cli, "alice-laptop", "bob@example.org", UNREADABLE), ==, 0);
  /* The image is back as an image, byte for byte. */
  {
    g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, "alice-laptop", "bob@example.org");
    JsonObject *message = find_message (messages, image_id);
    JsonObject *attachment;
    g_autofree char *on_disk = NULL;

    g_assert_nonnull (message);
    g_assert_cmpstr (member (message, "text"), ==, "A cat for Alice");
    g_assert_true (json_object_has_member (message, "attachments"));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (message, "attachments")),
                      ==, 1);
    attachment = json_array_get_object_element (json_object_get_array_member (message, "attachments"),
                                                0);
    g_assert_cmpstr (member (attachment, "name"), ==, "cat.png");
    g_assert_cmpstr (member (attachment, "kind"), ==, "image");
    g_assert_cmpstr (member (attachment, "state"), ==, "done");
    g_assert_cmpstr (member (attachment, "sha256"), ==, image_sha);
    on_disk = file_sha256 (member (attachment, "path"));
    g_assert_cmpstr (on_disk, ==, image_sha);
  }

  /* Device 2 writes encrypted mail that Bob reads. */
  from_laptop = koi_test_cli_send (cli, "alice-laptop", "bob@example.org", "Now from my laptop.");
  sync_profile (cli, "bob");
  text = text_of (cli, "bob", "alice@example.org", from_laptop);
  g_assert_cmpstr (text, ==, "Now from my laptop.");
  bob_dir = koi_test_cli_profile (cli, "bob");
  g_assert_cmpint (koi_test_cli_run (cli, NULL, &raw, NULL, "--profile", bob_dir, "source",
                                     from_laptop, NULL), ==, 0);
  g_assert_nonnull (strstr (raw, "multipart/encrypted"));
  g_assert_null (strstr (raw, "laptop."));
  /* Bob saw no key change: it is the same key. */
  g_clear_pointer (&text, g_free);
  {
    g_autofree char *after = fingerprint_at (cli, "bob", "alice@example.org");

    g_assert_cmpstr (after, ==, alice_fp);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine-keyxfer/second-device", test_second_device);
  return g_test_run ();
}
