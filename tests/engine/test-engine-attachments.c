/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Attachments end to end through a real Dovecot + Postfix, driven through
 * koi-cli: files sent by one account arrive byte for byte at the other,
 * small images at once and everything else when asked; crafted hostile
 * mail gets a clear outcome per part and writes nothing outside the
 * profile's attachment folder.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "koi-smtp.h"
#include "koi-test-cli.h"
#include "koi-test-files.h"

static const char *
member (JsonObject *object,
        const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

/* alice sends an image, a PDF and a 25 MB file; bob gets the image at
 * once and the others when he asks, each with the same SHA-256. */
static void
test_send_and_receive (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (GPtrArray) messages = NULL;
  g_autofree char *image_sha = NULL, *pdf_sha = NULL, *big_sha = NULL;
  g_autofree char *image = NULL, *pdf = NULL, *big = NULL;
  g_autofree char *image_id = NULL, *pdf_id = NULL, *big_id = NULL;
  g_autofree char *bob = NULL;
  JsonObject *attachment;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  bob = koi_test_cli_profile (cli, "bob");

  /* Bob knows Alice (he wrote first): her chat is no contact request,
   * whose images would wait for him to accept it. */
  g_free (koi_test_cli_send (cli, "bob", "alice@example.org", "Send me the photos?"));

  image = koi_test_write_random_file (cli->tmp, "cat.png", "\x89PNG\r\n\x1a\n", 200 * 1000, &image_sha);
  pdf = koi_test_write_random_file (cli->tmp, "Grüße.pdf", "%PDF-1.4\n", 120 * 1000, &pdf_sha);
  big = koi_test_write_random_file (cli->tmp, "big.bin", NULL, 25 * 1000 * 1000, &big_sha);

  image_id = koi_test_cli_send_file (cli, "alice", "bob@example.org", image, "A cat");
  pdf_id = koi_test_cli_send_file (cli, "alice", "bob@example.org", pdf, NULL);
  big_id = koi_test_cli_send_file (cli, "alice", "bob@example.org", big, "The big one");

  /* Bob's own question and Alice's three files. */
  messages = koi_test_cli_sync_until (cli, "bob", "alice@example.org", 4);
  g_assert_cmpuint (messages->len, ==, 4);

  /* The image came by itself, with its caption as the text. */
  g_assert_cmpstr (member (koi_test_messages_find (messages, image_id), "text"), ==, "A cat");
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

  /* The PDF and the 25 MB file wait to be asked for. */
  attachment = koi_test_message_first_attachment (koi_test_messages_find (messages, pdf_id));
  g_assert_cmpstr (member (attachment, "name"), ==, "Grüße.pdf");
  g_assert_cmpstr (member (attachment, "state"), ==, "pending");
  attachment = koi_test_message_first_attachment (koi_test_messages_find (messages, big_id));
  g_assert_cmpstr (member (attachment, "state"), ==, "pending");
  g_assert_cmpint (json_object_get_int_member (attachment, "size"), >, 25 * 1000 * 1000);

  /* "Download": byte for byte what alice sent. */
  {
    const char *ids[] = { pdf_id, big_id };
    const char *shas[] = { pdf_sha, big_sha };

    for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
      {
        g_autofree char *out = NULL;
        g_autoptr (GPtrArray) lines = NULL;
        g_autofree char *on_disk = NULL;

        g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", bob, "download", ids[i],
                                           NULL), ==, 0);
        lines = koi_test_cli_parse_lines (out);
        g_assert_cmpuint (lines->len, ==, 1);
        g_assert_cmpstr (member (lines->pdata[0], "state"), ==, "done");
        g_assert_cmpstr (member (lines->pdata[0], "sha256"), ==, shas[i]);
        on_disk = koi_test_file_sha256 (member (lines->pdata[0], "path"));
        g_assert_cmpstr (on_disk, ==, shas[i]);
      }
  }

  /* The same file sent again is stored once. */
  {
    g_autofree char *again_id = koi_test_cli_send_file (cli, "alice", "bob@example.org", image, NULL);
    g_autoptr (GPtrArray) now = koi_test_cli_sync_until (cli, "bob", "alice@example.org", 5);
    const char *first_path = member (koi_test_message_first_attachment (koi_test_messages_find (now, image_id)), "path");
    const char *second_path = member (koi_test_message_first_attachment (koi_test_messages_find (now, again_id)), "path");

    g_assert_cmpstr (first_path, ==, second_path);
  }
}

/* A file over the server's SIZE limit (Postfix here takes 50 MiB) is
 * refused with a clear reason before anything is uploaded. */
static void
test_too_large (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *err = NULL;
  gboolean before;
  int fd;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  dir = koi_test_cli_profile (cli, "alice");
  path = g_build_filename (cli->tmp, "huge.bin", NULL);
  fd = g_open (path, O_WRONLY | O_CREAT, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 40 * 1024 * 1024), ==, 0);   /* 53 MiB as base64 */
  close (fd);

  before = koi_test_mailserver_queue_is_empty (cli->server);
  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", dir, "send", "--file", path,
                                     "bob@example.org", NULL), !=, 0);
  g_assert_nonnull (strstr (err, "takes at most"));
  g_assert_true (before);
  g_assert_true (koi_test_mailserver_queue_is_empty (cli->server));
}

/* The limit is the server's own: Postfix set to take 1 MiB announces
 * SIZE 1048576 in its EHLO; the account's setup keeps it, so a 2 MB file is
 * refused with both numbers before anything is queued, and a file well
 * under it still goes. */
static void
test_server_size_limit (void)
{
  g_autoptr (KoiTestCli) cli = NULL;
  g_autofree char *big = NULL;
  g_autofree char *small = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *err = NULL;
  g_autofree char *big_sha = NULL;
  g_autofree char *small_sha = NULL;

  g_setenv ("KOI_MAILSERVER_MAX_MESSAGE_SIZE", "1048576", TRUE);
  cli = koi_test_cli_new ();
  g_unsetenv ("KOI_MAILSERVER_MAX_MESSAGE_SIZE");
  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  dir = koi_test_cli_profile (cli, "alice");
  big = koi_test_write_random_file (cli->tmp, "two-megabytes.bin", NULL, 2 * 1000 * 1000, &big_sha);
  small = koi_test_write_random_file (cli->tmp, "small.bin", NULL, 100 * 1000, &small_sha);

  g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, &err, "--profile", dir, "send", "--file", big,
                                     "bob@example.org", NULL), !=, 0);
  g_assert_nonnull (strstr (err, "2000000 bytes"));
  g_assert_nonnull (strstr (err, "takes at most 1048576 bytes"));
  g_assert_true (koi_test_mailserver_queue_is_empty (cli->server));

  g_free (koi_test_cli_send_file (cli, "alice", "bob@example.org", small, NULL));
  {
    g_autoptr (GPtrArray) bobs = koi_test_cli_sync_until (cli, "bob", "alice@example.org", 1);

    g_assert_cmpuint (bobs->len, ==, 1);
    g_assert_cmpstr (member (koi_test_message_first_attachment (g_ptr_array_index (bobs, 0)), "name"), ==, "small.bin");
  }
}

/* Parts a hostile or broken sender can produce, all in one mail. */
static const char crafted_mail[] =
  "From: Alice <alice@example.org>\r\n"
  "To: bob@example.org\r\n"
  "Subject: Chat: crafted\r\n"
  "Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
  "Message-ID: <chat$crafted-1@example.org>\r\n"
  "Chat-Version: 1.0\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: multipart/mixed; boundary=\"XX\"\r\n"
  "\r\n"
  "--XX\r\n"
  "Content-Type: text/plain; charset=utf-8\r\n"
  "\r\n"
  "crafted\r\n"
  "--XX\r\n"
  "Content-Type: application/octet-stream\r\n"
  "Content-Disposition: attachment; filename=\"../../.bashrc\"\r\n"
  "Content-Transfer-Encoding: base64\r\n"
  "\r\n"
  "ZWNobyBwd25lZAo=\r\n"
  "--XX\r\n"
  "Content-Type: application/octet-stream\r\n"
  "Content-Disposition: attachment; filename*=utf-8''invoice%E2%80%AEgnp.exe\r\n"
  "Content-Transfer-Encoding: base64\r\n"
  "\r\n"
  "aGVsbG8=\r\n"
  "--XX\r\n"
  "Content-Type: image/png\r\n"
  "Content-Disposition: attachment; filename=\"photo.png\"\r\n"
  "Content-Transfer-Encoding: base64\r\n"
  "\r\n"
  "PGh0bWw+PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0PjwvaHRtbD4=\r\n"
  "--XX\r\n"
  "Content-Type: text/plain\r\n"
  "Content-Disposition: attachment; filename=\"empty.txt\"\r\n"
  "Content-Transfer-Encoding: base64\r\n"
  "\r\n"
  "\r\n"
  "--XX\r\n"
  "Content-Type: application/octet-stream\r\n"
  "Content-Disposition: attachment; filename=\"garbage.bin\"\r\n"
  "Content-Transfer-Encoding: base64\r\n"
  "\r\n"
  "!!!!@@@@####$$$$\r\n"
  "--XX\r\n"
  "Content-Type: application/octet-stream\r\n"
  "Content-Disposition: attachment; filename=\"cut.bin\"\r\n"
  "Content-Transfer-Encoding: base64\r\n"
  "\r\n"
  "aGVsbG8gd29ybG\r\n"
  "--XX--\r\n";

/* Delta Chat's voice message: Chat-Voice-Message on the mail, the audio as
 * an attachment part (its documented format). */
static const char delta_voice[] =
  "From: Alice <alice@example.org>\r\n"
  "To: bob@example.org\r\n"
  "Subject: Message from alice@example.org\r\n"
  "Date: Mon, 30 Nov 2026 10:01:00 +0000\r\n"
  "Message-ID: <Mr.voice1.abc@example.org>\r\n"
  "Chat-Version: 1.0\r\n"
  "Chat-Voice-Message: 1\r\n"
  "Chat-Duration: 1200\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: multipart/mixed; boundary=\"DC\"\r\n"
  "\r\n"
  "--DC\r\n"
  "Content-Type: text/plain; charset=utf-8\r\n"
  "\r\n"
  "\r\n"
  "--DC\r\n"
  "Content-Type: audio/ogg\r\n"
  "Content-Disposition: attachment; filename=\"voice-message_2026-11-30.ogg\"\r\n"
  "Content-Transfer-Encoding: base64\r\n"
  "\r\n"
  "T2dnUwACAAAAAAAAAAA=\r\n"
  "--DC--\r\n";

static void
list_files (const char *dir,
            GPtrArray  *out)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        list_files (path, out);
      else
        g_ptr_array_add (out, g_steal_pointer (&path));
    }
}

static void
test_crafted (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiServerConfig) smtp = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) lines = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *attachments_dir = NULL;
  g_autofree char *out = NULL;
  const char *recipients[] = { "bob@example.org", NULL };
  const char *mails[] = { crafted_mail, delta_voice };
  JsonObject *voice;

  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  bob = koi_test_cli_profile (cli, "bob");
  attachments_dir = g_build_filename (bob, "attachments", NULL);

  smtp = koi_server_config_new (cli->server->host, cli->server->submission_port, KOI_SECURITY_STARTTLS,
                                "alice@example.org", "alice-secret", cli->server->ca_file);
  for (guint i = 0; i < G_N_ELEMENTS (mails); i++)
    {
      g_autoptr (GBytes) raw = g_bytes_new_static (mails[i], strlen (mails[i]));
      g_autoptr (GPtrArray) results = NULL;

      g_assert_true (koi_smtp_send (smtp, "alice@example.org", recipients, raw, &results, NULL, &error));
      g_assert_no_error (error);
    }

  messages = koi_test_cli_sync_until (cli, "bob", "alice@example.org", 2);
  g_assert_cmpuint (messages->len, ==, 2);

  voice = koi_test_message_first_attachment (koi_test_messages_find (messages, "Mr.voice1.abc@example.org"));
  g_assert_cmpstr (member (voice, "kind"), ==, "voice");
  g_assert_cmpstr (member (voice, "name"), ==, "voice-message_2026-11-30.ogg");

  /* One part failed, so download says so; each part has its outcome. */
  g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", bob, "download",
                                     "chat$crafted-1@example.org", NULL), !=, 0);
  lines = koi_test_cli_parse_lines (out);
  g_assert_cmpuint (lines->len, ==, 6);

  g_assert_cmpstr (member (lines->pdata[0], "name"), ==, "bashrc");
  g_assert_cmpstr (member (lines->pdata[0], "state"), ==, "done");
  g_assert_cmpstr (member (lines->pdata[1], "name"), ==, "invoicegnp.exe");
  g_assert_cmpstr (member (lines->pdata[1], "state"), ==, "done");
  g_assert_cmpstr (member (lines->pdata[2], "name"), ==, "photo.png");
  g_assert_cmpstr (member (lines->pdata[2], "state"), ==, "failed");
  g_assert_nonnull (strstr (member (lines->pdata[2], "error"), "not one"));
  g_assert_cmpstr (member (lines->pdata[3], "name"), ==, "empty.txt");
  g_assert_cmpstr (member (lines->pdata[3], "state"), ==, "done");
  g_assert_cmpint (json_object_get_int_member (lines->pdata[3], "size"), ==, 0);
  g_assert_cmpstr (member (lines->pdata[4], "state"), ==, "failed");
  g_assert_nonnull (strstr (member (lines->pdata[4], "error"), "not base64"));
  g_assert_cmpstr (member (lines->pdata[5], "state"), ==, "failed");
  g_assert_nonnull (strstr (member (lines->pdata[5], "error"), "cut off"));

  /* Nothing landed outside the attachment folder: every file of the
   * profile is the store's (or the account's key file) or lies under
   * attachments/, and no .bashrc appeared anywhere in the test's folder. */
  list_files (cli->tmp, files);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = files->pdata[i];
      g_autofree char *base = g_path_get_basename (path);

      g_assert_cmpstr (base, !=, ".bashrc");
      if (g_str_has_prefix (path, bob) && !g_str_has_prefix (path, attachments_dir))
        /* key-N.pgp: the account's own OpenPGP key, made once mail is sent. */
        g_assert_true (g_str_has_prefix (base, "koi.db") || g_str_has_suffix (base, ".json") ||
                       g_str_has_suffix (base, ".ini") || g_str_has_suffix (base, ".keyring") ||
                       (g_str_has_prefix (base, "key-") && g_str_has_suffix (base, ".pgp")));
    }
  {
    g_autofree char *tmp = g_build_filename (attachments_dir, "tmp", NULL);
    g_autoptr (GDir) d = g_dir_open (tmp, 0, NULL);

    /* No half-written file is left behind. */
    g_assert_nonnull (d);
    g_assert_null (g_dir_read_name (d));
  }
}

/* COI: a small image marked Chat-Content: preview before the file it
 * previews. */
static const char preview_mail[] =
  "From: Alice <alice@example.org>\r\n"
  "To: bob@example.org\r\n"
  "Subject: Chat: preview\r\n"
  "Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
  "Message-ID: <chat$preview-1@example.org>\r\n"
  "Chat-Version: 1.0\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: multipart/mixed; boundary=\"PP\"\r\n"
  "\r\n"
  "--PP\r\n"
  "Content-Type: text/plain; charset=utf-8\r\n"
  "\r\n"
  "The plan\r\n"
  "--PP\r\n"
  "Content-Type: image/png\r\n"
  "Chat-Content: preview\r\n"
  "Content-Disposition: inline; filename=\"plan-preview.png\"\r\n"
  "Content-Transfer-Encoding: base64\r\n"
  "\r\n"
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYPj/HwADAgH/tZx+wAAAAABJRU5ErkJggg==\r\n"
  "--PP\r\n"
  "Content-Type: application/pdf\r\n"
  "Content-Disposition: attachment; filename=\"plan.pdf\"\r\n"
  "Content-Transfer-Encoding: base64\r\n"
  "\r\n"
  "JVBERi0xLjQKJcOkw7zDtsOfCg==\r\n"
  "--PP--\r\n";

/* Replying with a file keeps the quote; a COI preview part is no second
 * file; a deleted message's file leaves the disk once no other message
 * names it. */
static void
test_reply_preview_delete (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiServerConfig) smtp = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *question = NULL;
  g_autofree char *image = NULL;
  g_autofree char *image_sha = NULL;
  g_autofree char *answer_id = NULL;
  g_autofree char *photo = NULL;
  g_autofree char *photo_sha = NULL;
  g_autofree char *first_id = NULL;
  g_autofree char *second_id = NULL;
  g_autofree char *path = NULL;
  const char *recipients[] = { "bob@example.org", NULL };

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  bob = koi_test_cli_profile (cli, "bob");

  /* Bob answers Alice's question with a file: Alice sees the quote. */
  question = koi_test_cli_send (cli, "alice", "bob@example.org", "Do you have the photo?");
  g_ptr_array_unref (koi_test_cli_sync_until (cli, "bob", "alice@example.org", 1));
  image = koi_test_write_random_file (cli->tmp, "answer.png", "\x89PNG\r\n\x1a\n", 5000, &image_sha);
  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, &err, "--profile", bob, "send", "--reply-to", question,
                                       "--file", image, "alice@example.org", NULL), ==, 0);
    answer_id = g_strstrip (g_steal_pointer (&out));
  }
  {
    g_autoptr (GPtrArray) alices = koi_test_cli_sync_until (cli, "alice", "bob@example.org", 2);
    JsonObject *answer = koi_test_messages_find (alices, answer_id);

    g_assert_nonnull (answer);
    g_assert_cmpstr (member (answer, "reply_to"), ==, question);
    g_assert_cmpstr (member (koi_test_message_first_attachment (answer), "name"), ==, "answer.png");
  }

  /* The preview part is not listed as a file of its own. */
  smtp = koi_server_config_new (cli->server->host, cli->server->submission_port, KOI_SECURITY_STARTTLS,
                                "alice@example.org", "alice-secret", cli->server->ca_file);
  {
    g_autoptr (GBytes) raw = g_bytes_new_static (preview_mail, strlen (preview_mail));
    g_autoptr (GPtrArray) results = NULL;
    g_autoptr (GPtrArray) bobs = NULL;
    JsonArray *files;

    g_assert_true (koi_smtp_send (smtp, "alice@example.org", recipients, raw, &results, NULL, &error));
    g_assert_no_error (error);
    bobs = koi_test_cli_sync_until (cli, "bob", "alice@example.org", 3);
    files = json_object_get_array_member (koi_test_messages_find (bobs, "chat$preview-1@example.org"), "attachments");
    g_assert_cmpuint (json_array_get_length (files), ==, 1);
    g_assert_cmpstr (member (json_array_get_object_element (files, 0), "name"), ==, "plan.pdf");
  }

  /* The same image twice in Bob's chat is one file: deleting one message
   * keeps it, deleting the other removes it (and its row). */
  photo = koi_test_write_random_file (cli->tmp, "photo.png", "\x89PNG\r\n\x1a\n", 6000, &photo_sha);
  first_id = koi_test_cli_send_file (cli, "alice", "bob@example.org", photo, NULL);
  second_id = koi_test_cli_send_file (cli, "alice", "bob@example.org", photo, NULL);
  {
    g_autoptr (GPtrArray) bobs = koi_test_cli_sync_until (cli, "bob", "alice@example.org", 5);
    JsonObject *first = koi_test_messages_find (bobs, first_id);

    g_assert_nonnull (first);
    g_assert_cmpstr (member (koi_test_message_first_attachment (first), "state"), ==, "done");
    path = g_strdup (member (koi_test_message_first_attachment (first), "path"));
    g_assert_cmpstr (member (koi_test_message_first_attachment (koi_test_messages_find (bobs, second_id)), "path"), ==, path);
    g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  }
  g_free (koi_test_cli_run_ok (cli, "bob", "delete", first_id, NULL));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_free (koi_test_cli_run_ok (cli, "bob", "delete", second_id, NULL));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/attachments/send-and-receive", test_send_and_receive);
  g_test_add_func ("/engine/attachments/too-large", test_too_large);
  g_test_add_func ("/engine/attachments/server-size-limit", test_server_size_limit);
  g_test_add_func ("/engine/attachments/crafted", test_crafted);
  g_test_add_func ("/engine/attachments/reply-preview-delete", test_reply_preview_delete);

  return g_test_run ();
}
