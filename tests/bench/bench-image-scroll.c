/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-image-scroll"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "koi-conversation-view.h"
#include "koi-message-list.h"
#include "koi-model.h"
#include "koi-store.h"
#include "koi-store-attachment.h"
#include "koi-store-reader.h"

/*
 * Scrolling a chat of 1,000 image messages (issue 12; meson benchmark, not
 * a test): a real KoiConversationView in a real window under Xvfb, on a
 * store whose every message carries its own 640×480 photo (a distinct
 * file each, in the profile's attachment folder, as received).
 *
 * The chat opens at the newest message, then is scrolled up a page at a
 * time (as Page Up does) to the oldest, twice. Thumbnails are made lazily,
 * in a worker, for the rows that get bound, and cached beside the file
 * (XX/<sha256>.thumb.png): the first pass makes them, the second finds
 * them. For each pass it prints the frame times (the wall-clock time of
 * each frame's main-loop work: the page's rows bound and measured, the
 * thumbnails that came in drawn), the longest main-thread CPU stretch, and
 * how many thumbnails exist; then RSS.
 *
 * Target (issue 12): scrolling with thumbnails loaded lazily and cached;
 * frames under 32 ms as for text (bench-conversation) on a quiet machine.
 * `xvfb-run -a meson test -C BUILD --benchmark bench-image-scroll -v`
 */

#define N_MESSAGES 1000
#define IMAGE_W    640
#define IMAGE_H    480

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static double
rss_mb (void)
{
  g_autofree char *status = NULL;
  const char *at;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  at = strstr (status, "VmRSS:");
  return at != NULL ? g_ascii_strtod (at + 6, NULL) / 1024.0 : 0;
}

/* A PNG that differs per message (so each has its own file and
 * thumbnail): a gradient with the message's number in its colours. */
static GBytes *
make_photo (guint n)
{
  g_autofree guchar *pixels = g_malloc ((gsize) IMAGE_W * IMAGE_H * 3);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GdkTexture) texture = NULL;

  for (int y = 0; y < IMAGE_H; y++)
    for (int x = 0; x < IMAGE_W; x++)
      {
        guchar *p = pixels + ((gsize) y * IMAGE_W + x) * 3;

        p[0] = (x + n * 7) & 0xff;
        p[1] = (y + n * 13) & 0xff;
        p[2] = ((x / 40 + y / 40 + n) % 2) ? 220 : 30;
      }
  bytes = g_bytes_new_take (g_steal_pointer (&pixels), (gsize) IMAGE_W * IMAGE_H * 3);
  texture = gdk_memory_texture_new (IMAGE_W, IMAGE_H, GDK_MEMORY_R8G8B8, bytes, IMAGE_W * 3);
  return gdk_texture_save_to_png_bytes (texture);
}

static gint64
fill_chat (KoiStore   *store,
           gint64      account_id,
           const char *peer)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = koi_store_get_attachment_dir (store);
  gint64 chat_id = koi_store_chat_ensure_1to1 (store, account_id, peer, NULL, &error);
  gint64 start = g_get_real_time () / 1000 - (gint64) N_MESSAGES * 60 * 1000;

  g_assert_no_error (error);
  if (!koi_store_begin (store, &error))
    g_error ("Cannot begin: %s", error->message);
  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_autoptr (GBytes) png = make_photo (i);
      g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, png);
      g_autofree char *sub = g_build_filename (dir, (char[]) { sha[0], sha[1], 0 }, NULL);
      g_autofree char *relative = g_strdup_printf ("%c%c/%s", sha[0], sha[1], sha);
      g_autofree char *path = g_build_filename (dir, relative, NULL);
      g_autofree char *mid = g_strdup_printf ("chat$photo-%u@example.org", i);
      g_autofree char *name = g_strdup_printf ("photo-%04u.png", i);
      g_autofree char *text = g_strdup_printf ("#%u", i);
      gint64 when = start + (gint64) i * 60 * 1000;
      KoiStoreMessage message = {
        .account_id = account_id, .chat_id = chat_id, .message_id = mid,
        .direction = KOI_STORE_DIRECTION_INCOMING, .state = KOI_STORE_STATE_RECEIVED,
        .kind = KOI_STORE_KIND_CHAT, .from_address = (char *) peer,
        .text = text, .sent_at_ms = when, .received_at_ms = when, .sort_ms = when, .seen = TRUE,
      };
      KoiStoreAttachment row = {
        .section = (char *) "2", .filename = name, .mime_type = (char *) "image/png",
        .size = (gint64) g_bytes_get_size (png), .encoding = (char *) "base64",
        .kind = KOI_STORE_ATTACHMENT_IMAGE, .state = KOI_STORE_ATTACHMENT_DONE,
        .sha256 = sha, .local_path = relative,
      };

      g_mkdir_with_parents (sub, 0700);
      if (!g_file_set_contents (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png), &error))
        g_error ("%s", error->message);
      row.message_ref = koi_store_message_insert (store, &message, NULL, &error);
      g_assert_no_error (error);
      koi_store_attachment_add (store, &row, &error);
      g_assert_no_error (error);
    }
  if (!koi_store_commit (store, &error))
    g_error ("Cannot commit: %s", error->message);
  return chat_id;
}

static guint
count_thumbnails (const char *dir)
{
  g_autoptr (GDir) top = g_dir_open (dir, 0, NULL);
  const char *sub;
  guint n = 0;

  while (top != NULL && (sub = g_dir_read_name (top)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, sub, NULL);
      g_autoptr (GDir) inner = g_dir_open (path, 0, NULL);
      const char *name;

      while (inner != NULL && (name = g_dir_read_name (inner)) != NULL)
        n += g_str_has_suffix (name, ".thumb.png");
    }
  return n;
}

static void
on_after_paint (GdkFrameClock *clock,
                gboolean      *flag)
{
  *flag = TRUE;
}

/* Iterates until the next frame is painted: the frame's main-loop time
 * (wall clock of the iterations until it) and the longest CPU stretch. */
static gint64
one_frame (GtkWidget *widget,
           gint64    *cpu_longest)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean painted = FALSE;
  gint64 busy = 0;
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  gulong handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &painted);

  gtk_widget_queue_draw (widget);
  while (!painted && g_get_monotonic_time () < deadline)
    {
      gint64 t0 = g_get_monotonic_time ();
      gint64 c0 = thread_cpu_us ();

      g_main_context_iteration (NULL, FALSE);
      busy += g_get_monotonic_time () - t0;
      *cpu_longest = MAX (*cpu_longest, thread_cpu_us () - c0);
    }
  g_signal_handler_disconnect (clock, handler);
  return busy;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Up a page at a time to the top; prints the frame times. */
static void
scroll_pass (const char          *label,
             KoiConversationView *view,
             const char          *dir)
{
  GtkScrolledWindow *scroller = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (
    GTK_WIDGET (koi_conversation_view_get_list_view (view)), GTK_TYPE_SCROLLED_WINDOW));
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (scroller);
  g_autoptr (GArray) frames = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 cpu_longest = 0, t0 = g_get_monotonic_time ();
  guint over_32 = 0, still = 0;

  /* Until the top stays put (the list loads older pages as it nears it). */
  while (still < 20 && frames->len < 5000)
    {
      double before = gtk_adjustment_get_value (adj);
      gint64 took;

      gtk_adjustment_set_value (adj, before - gtk_adjustment_get_page_size (adj) * 0.9);
      took = one_frame (GTK_WIDGET (view), &cpu_longest);
      g_array_append_val (frames, took);
      over_32 += took > 32000;
      still = gtk_adjustment_get_value (adj) <= 0.5 && before <= 0.5 ? still + 1 : 0;
    }
  g_array_sort (frames, compare_gint64);
  g_print ("%s: %u pages in %.1f s; frame median %.1f ms, 95th %.1f ms, 99th %.1f ms, longest %.1f ms;"
           " %u frames over 32 ms; longest main-thread CPU stretch %.1f ms; %u thumbnails cached\n",
           label, frames->len, (g_get_monotonic_time () - t0) / 1e6,
           g_array_index (frames, gint64, frames->len / 2) / 1000.0,
           g_array_index (frames, gint64, frames->len * 95 / 100) / 1000.0,
           g_array_index (frames, gint64, frames->len * 99 / 100) / 1000.0,
           g_array_index (frames, gint64, frames->len - 1) / 1000.0,
           over_32, cpu_longest / 1000.0, count_thumbnails (dir));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *db = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *load = NULL;
  g_autoptr (KoiStore) store = NULL;
  g_autoptr (KoiStoreReader) reader = NULL;
  g_autoptr (KoiMessageList) list = NULL;
  KoiStoreAccount account = { .address = (char *) "alice@example.org" };
  KoiConversationView *view;
  GtkWindow *window;
  gint64 account_id, chat_id, t0, cpu = 0;

  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  if (!gtk_init_check ())
    {
      g_print ("bench-image-scroll: no display (run under xvfb-run -a)\n");
      return 77;
    }
  adw_init ();
  koi_model_init ();

  tmp = g_dir_make_tmp ("koi-bench-images-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (tmp, "koi.db", NULL);
  store = koi_store_open (db, &error);
  g_assert_no_error (error);
  dir = koi_store_get_attachment_dir (store);
  account_id = koi_store_account_upsert (store, &account, &error);
  g_assert_no_error (error);
  t0 = g_get_monotonic_time ();
  chat_id = fill_chat (store, account_id, "bob@example.org");
  g_file_get_contents ("/proc/loadavg", &load, NULL, NULL);
  g_print ("bench-image-scroll: %u image messages (%d×%d PNG each, own file) made in %.1f s; load average %.*s\n",
           N_MESSAGES, IMAGE_W, IMAGE_H, (g_get_monotonic_time () - t0) / 1e6,
           load != NULL ? (int) strcspn (load, " ") : 1, load != NULL ? load : "?");

  reader = koi_store_reader_new (db);
  window = GTK_WINDOW (gtk_window_new ());
  view = KOI_CONVERSATION_VIEW (koi_conversation_view_new ());
  gtk_window_set_default_size (window, 480, 700);
  gtk_window_set_child (window, GTK_WIDGET (view));
  gtk_window_present (window);
  while (!gtk_widget_get_mapped (GTK_WIDGET (view)))
    g_main_context_iteration (NULL, TRUE);

  list = koi_message_list_new (reader, NULL, chat_id);
  koi_conversation_view_set_messages (view, G_LIST_MODEL (list));
  /* The newest page shown and its thumbnails in. */
  for (guint i = 0; i < 60; i++)
    one_frame (GTK_WIDGET (view), &cpu);
  g_print ("open: %u thumbnails made for the newest page; RSS %.1f MB\n", count_thumbnails (dir), rss_mb ());

  scroll_pass ("first pass (thumbnails made as rows are bound)", view, dir);
  /* Back to the newest, then the same way again: now from the cache. */
  koi_conversation_view_set_messages (view, NULL);
  g_clear_object (&list);
  for (guint i = 0; i < 10; i++)
    one_frame (GTK_WIDGET (view), &cpu);
  list = koi_message_list_new (reader, NULL, chat_id);
  koi_conversation_view_set_messages (view, G_LIST_MODEL (list));
  for (guint i = 0; i < 60; i++)
    one_frame (GTK_WIDGET (view), &cpu);
  scroll_pass ("second pass (thumbnails from the cache)", view, dir);
  g_print ("RSS after both passes: %.1f MB\n", rss_mb ());

  gtk_window_destroy (window);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);

    if (system (cmd) != 0)
      g_printerr ("could not remove %s\n", tmp);
  }
  return 0;
}
