/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-engine-transfer"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "koi-account-config.h"
#include "koi-engine.h"
#include "koi-profile.h"
#include "koi-store.h"
#include "koi-store-attachment.h"
#include "koi-test-cli.h"
#include "koi-test-files.h"

/*
 * A 25 MB file on the real server, downloaded through the engine the
 * window uses: progress arrives (at most ten a second), Stop brings the
 * file back to "Download" with nothing left in the attachment folder, and
 * Download again completes with the sender's SHA-256. And up: a 25 MB
 * file sent by the engine reports progress, Stop fails it before the
 * final dot (Postfix drops what it had, Bob never gets it, no automatic
 * retry), and Retry sends it.
 */

typedef struct {
  GArray  *times;       /* gint64 µs of each progress with done >= 0 */
  gint64   last_done;
  gint64   total;
  guint    ended;       /* progress with done < 0 */
  gboolean cancel_at_first;
  KoiEngine *engine;
  gint64   message_ref;
} Progress;

static void
on_progress (KoiEngine *engine,
             gint64     message_ref,
             gint64     attachment_id,
             gint64     done,
             gint64     total,
             Progress  *progress)
{
  g_assert_cmpint (message_ref, ==, progress->message_ref);
  if (done < 0)
    {
      progress->ended++;
      return;
    }
  g_assert_cmpint (done, >=, progress->last_done);
  g_assert_cmpint (done, <=, total);
  progress->last_done = done;
  progress->total = total;
  g_array_append_val (progress->times, (gint64) { g_get_monotonic_time () });
  if (progress->cancel_at_first)
    {
      progress->cancel_at_first = FALSE;
      koi_engine_cancel_transfer (engine, message_ref);
    }
}

/* The message id is known only once the send is queued: every report
 * before that is this upload's too (nothing else moves). */
static void
on_upload_progress (KoiEngine *engine,
                    gint64     message_ref,
                    gint64     attachment_id,
                    gint64     done,
                    gint64     total,
                    Progress  *progress)
{
  progress->message_ref = message_ref;
  on_progress (engine, message_ref, attachment_id, done, total, progress);
}

static void
download_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (koi_engine_download_finish (KOI_ENGINE (source), result, &error), ==, 1);
  g_assert_no_error (error);
}

static KoiStoreAttachment *
attachment_of (const char *store_path,
               gint64      message_ref)
{
  g_autoptr (GError) error = NULL;
  KoiStore *store = koi_store_open (store_path, &error);
  g_autoptr (GPtrArray) list = NULL;
  KoiStoreAttachment *attachment;

  g_assert_no_error (error);
  list = koi_store_attachment_list (store, message_ref, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  attachment = g_ptr_array_steal_index (list, 0);
  koi_store_close (store);
  return attachment;
}

static void
wait_until_ended (Progress *progress,
                  guint     ended)
{
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  while (progress->ended < ended)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static guint
count_files (const char *dir)
{
  g_autoptr (GDir) handle = g_dir_open (dir, 0, NULL);
  guint n = 0;

  if (handle == NULL)
    return 0;
  while (g_dir_read_name (handle) != NULL)
    n++;
  return n;
}

static void
test_progress_cancel_download (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *alice = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *store_path = NULL;
  g_autofree char *tmp_dir = NULL;
  g_autofree char *data = NULL;
  g_autofree char *on_disk = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (KoiAccountConfig) config = NULL;
  g_autoptr (KoiStoreAttachment) attachment = NULL;
  Progress progress = { 0, };
  const gsize size = 25 * 1000 * 1000;
  gsize len;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  alice = koi_test_cli_profile (cli, "alice");
  bob = koi_test_cli_profile (cli, "bob");

  path = koi_test_write_random_file (cli->tmp, "big.bin", NULL, size, &sha);
  g_free (koi_test_cli_run_ok (cli, "alice", "send", "--file", path, "bob@example.org", NULL));

  for (guint attempt = 0; attempt < 80; attempt++)
    {
      g_clear_pointer (&messages, g_ptr_array_unref);
      g_autofree char *out = NULL;

      g_assert_cmpint (koi_test_cli_run (cli, NULL, NULL, NULL, "--profile", bob, "sync", NULL), ==, 0);
      /* No chat yet until the 25 MB mail is delivered: "messages" fails. */
      if (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", bob, "messages", "alice@example.org", NULL) == 0)
        {
          messages = koi_test_cli_parse_lines (out);
          if (messages->len >= 1)
            break;
        }
      g_usleep (250 * 1000);
    }
  g_assert_cmpuint (messages->len, ==, 1);
  progress.message_ref = json_object_get_int_member (messages->pdata[0], "id");

  /* The engine in this process, as the window runs it, with the
   * password from the same file keyring koi-cli used. */
  koi_test_cli_use_keyring_here (cli);
  store_path = koi_profile_store_path (bob);
  {
    KoiStore *store = koi_store_open (store_path, &error);

    g_assert_no_error (error);
    config = koi_account_config_load_sync (store, 0, NULL, &error);
    g_assert_no_error (error);
    g_autofree char *attachment_dir = koi_store_get_attachment_dir (store);

    tmp_dir = g_build_filename (attachment_dir, "tmp", NULL);
    koi_store_close (store);
  }
  attachment = attachment_of (store_path, progress.message_ref);
  g_assert_cmpint (attachment->state, ==, KOI_STORE_ATTACHMENT_PENDING);
  g_clear_pointer (&attachment, koi_store_attachment_free);

  progress.times = g_array_new (FALSE, FALSE, sizeof (gint64));
  progress.engine = koi_engine_new_from_config (store_path, config);
  g_signal_connect (progress.engine, "transfer-progress", G_CALLBACK (on_progress), &progress);
  koi_engine_start (progress.engine);

  /* Stopped as soon as the first progress arrives: 34 pieces of 1 MiB
   * are still to come, the stop waits for one. */
  progress.cancel_at_first = TRUE;
  koi_engine_download_async (progress.engine, progress.message_ref, NULL, download_done, NULL);
  wait_until_ended (&progress, 1);
  g_assert_cmpint (progress.total, >, size);   /* base64 on the wire */
  g_assert_cmpint (progress.last_done, <, progress.total);
  /* The row goes back to "Download" right after the end event. */
  for (gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;;)
    {
      attachment = attachment_of (store_path, progress.message_ref);
      if (attachment->state == KOI_STORE_ATTACHMENT_PENDING)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_clear_pointer (&attachment, koi_store_attachment_free);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20 * 1000);
    }
  g_assert_null (attachment->local_path);
  g_clear_pointer (&attachment, koi_store_attachment_free);
  g_assert_cmpuint (count_files (tmp_dir), ==, 0);

  /* Download again: it completes, byte for byte. */
  g_array_set_size (progress.times, 0);
  progress.last_done = 0;
  koi_engine_download_async (progress.engine, progress.message_ref, NULL, download_done, NULL);
  wait_until_ended (&progress, 2);
  for (gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;;)
    {
      attachment = attachment_of (store_path, progress.message_ref);
      if (attachment->state == KOI_STORE_ATTACHMENT_DONE)
        break;
      g_assert_cmpint (attachment->state, !=, KOI_STORE_ATTACHMENT_FAILED);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_clear_pointer (&attachment, koi_store_attachment_free);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20 * 1000);
    }
  g_assert_true (g_file_get_contents (attachment->path, &data, &len, NULL));
  g_assert_cmpuint (len, ==, size);
  on_disk = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
  g_assert_cmpstr (on_disk, ==, sha);
  g_assert_cmpuint (count_files (tmp_dir), ==, 0);

  /* Throttled: no two reports closer than the 100 ms interval (the
   * first, at the start, excepted), and more than one on the way. */
  g_test_message ("%u progress reports for the full download", progress.times->len);
  g_assert_cmpuint (progress.times->len, >=, 1);
  for (guint i = 2; i < progress.times->len; i++)
    g_assert_cmpint (g_array_index (progress.times, gint64, i) - g_array_index (progress.times, gint64, i - 1),
                     >=, 60 * 1000);   /* the main loop may bunch two up a little */

  koi_engine_stop_and_wait (progress.engine);
  g_object_unref (progress.engine);
  g_array_unref (progress.times);
}

static void
sent_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  *(gint64 *) user_data = koi_engine_send_text_finish (KOI_ENGINE (source), result, &error);
  g_assert_no_error (error);
}

static void
retried (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (koi_engine_retry_finish (KOI_ENGINE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static int
message_state (const char *store_path,
               gint64      id)
{
  g_autoptr (GError) error = NULL;
  KoiStore *store = koi_store_open (store_path, &error);
  g_autoptr (KoiStoreMessage) message = NULL;
  int state;

  g_assert_no_error (error);
  message = koi_store_message_get (store, id, &error);
  g_assert_no_error (error);
  state = message->state;
  koi_store_close (store);
  return state;
}

/* Up: a 25 MB file sent from the engine reports progress as it goes up;
 * Stop fails the send before the final dot, so nothing reaches Bob; Retry
 * sends it whole. */
static void
test_progress_cancel_upload (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiAccountConfig) config = NULL;
  g_autofree char *alice = NULL;
  g_autofree char *store_path = NULL;
  g_autofree char *path = NULL;
  g_autofree char *sha = NULL;
  Progress progress = { 0, };
  const gsize size = 25 * 1000 * 1000;
  gint64 chat_id, id = 0;
  gboolean again = FALSE;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  g_free (koi_test_cli_send (cli, "alice", "bob@example.org", "A big one is coming"));
  /* Delivered before the upload starts, so the queue after Stop holds the
   * upload alone (on a busy machine Postfix may still hold this one a few
   * seconds). */
  koi_test_mailserver_wait_for_empty_queue (cli->server);
  alice = koi_test_cli_profile (cli, "alice");
  path = koi_test_write_random_file (cli->tmp, "upload.bin", NULL, size, &sha);

  koi_test_cli_use_keyring_here (cli);
  store_path = koi_profile_store_path (alice);
  {
    KoiStore *store = koi_store_open (store_path, &error);

    g_assert_no_error (error);
    config = koi_account_config_load_sync (store, 0, NULL, &error);
    g_assert_no_error (error);
    chat_id = koi_store_chat_ensure_1to1 (store, config->id, "bob@example.org", NULL, &error);
    g_assert_no_error (error);
    koi_store_close (store);
  }

  progress.times = g_array_new (FALSE, FALSE, sizeof (gint64));
  progress.engine = koi_engine_new_from_config (store_path, config);
  g_signal_connect (progress.engine, "transfer-progress", G_CALLBACK (on_upload_progress), &progress);
  progress.cancel_at_first = TRUE;
  koi_engine_send_file_async (progress.engine, chat_id, path, NULL, 0, NULL, sent_done, &id);
  koi_engine_start (progress.engine);
  {
    gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

    while (id == 0)
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_main_context_iteration (NULL, TRUE);
      }
  }
  progress.message_ref = id;
  wait_until_ended (&progress, 1);
  g_assert_cmpint (progress.total, ==, size);
  g_assert_cmpint (progress.last_done, <, size);
  for (gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       message_state (store_path, id) != KOI_STORE_STATE_FAILED;)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20 * 1000);
    }
  /* Postfix writes a message into its incoming queue while the DATA
   * arrives and removes it once the client is gone without the final dot:
   * on a loaded machine it may still be there now. It must go (Bob's count
   * below shows it was never delivered). */
  koi_test_mailserver_wait_for_empty_queue (cli->server);

  /* Retry: it goes whole, and Bob has it. */
  progress.last_done = 0;
  koi_engine_retry_async (progress.engine, id, NULL, retried, &again);
  wait_until_ended (&progress, 2);
  for (gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
       message_state (store_path, id) != KOI_STORE_STATE_SENT;)
    {
      g_assert_cmpint (message_state (store_path, id), !=, KOI_STORE_STATE_FAILED);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20 * 1000);
    }
  g_assert_true (again);

  /* Bob has the text and the file once: the stopped upload never went. */
  koi_test_mailserver_wait_for_empty_queue (cli->server);
  {
    g_autoptr (GPtrArray) bobs = koi_test_cli_sync_until (cli, "bob", "alice@example.org", 2);

    g_assert_cmpuint (bobs->len, ==, 2);
    g_assert_cmpstr (json_object_get_string_member (koi_test_message_first_attachment (bobs->pdata[1]), "name"),
                     ==, "upload.bin");
  }
  koi_engine_stop_and_wait (progress.engine);
  g_object_unref (progress.engine);
  g_array_unref (progress.times);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/transfer/progress-cancel-download", test_progress_cancel_download);
  g_test_add_func ("/engine/transfer/progress-cancel-upload", test_progress_cancel_upload);
  return g_test_run ();
}
