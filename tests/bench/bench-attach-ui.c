/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-attach-ui: how the window's main thread fares while a 10 MB photo
 * is attached and sent, through the private Dovecot + Postfix. A tick
 * callback keeps frames coming the whole time, as an animation would;
 * the figures are, per phase:
 *   - the longest gap between two painted frames (what a user sees as a
 *     stutter; 16.7 ms is a smooth 60 Hz);
 *   - the longest main-loop iteration minus the time it sat in poll(),
 *     in wall-clock time and in the main thread's own CPU time (the
 *     latter is what Koi costs; the former also counts the time other
 *     processes had the CPU on a loaded machine).
 * Phases: "text" (a line of text sent, the baseline), "attach" (koi_composer_add_file until the chip is there: file
 * read and thumbnail in a worker) and "send" (Enter until the message is
 * sent: scaling and re-encoding in a worker, the engine's upload on its
 * thread). Target (issue 12): no frame longer than 50 ms.
 * Needs a display: xvfb-run -a meson test -C BUILD --benchmark bench-attach-ui
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "koi-composer.h"
#include "koi-conversation-view.h"
#include "koi-model.h"
#include "koi-session.h"
#include "koi-test-cli.h"
#include "koi-test-ui.h"
#include "koi-window.h"

#define TARGET_MS 50.0

static gint64 poll_us;

static int
timed_poll (GPollFD *fds,
            guint    n_fds,
            int      timeout)
{
  gint64 t0 = g_get_monotonic_time ();
  int ret = g_poll (fds, n_fds, timeout);

  poll_us += g_get_monotonic_time () - t0;
  return ret;
}

typedef struct {
  gint64 last_frame;
  gint64 longest_gap;
  gint64 longest_busy;
  gint64 longest_cpu;
  guint  frames;
} Phase;

static Phase *current;

static gboolean
tick (GtkWidget     *widget,
      GdkFrameClock *clock,
      gpointer       data)
{
  gint64 now = g_get_monotonic_time ();

  if (current != NULL)
    {
      if (current->last_frame != 0)
        current->longest_gap = MAX (current->longest_gap, now - current->last_frame);
      current->last_frame = now;
      current->frames++;
    }
  /* Another frame at once: as busy as an animation. */
  gtk_widget_queue_draw (widget);
  return G_SOURCE_CONTINUE;
}

/* CPU time of the calling (main) thread, µs: on a machine shared with
 * other work the wall clock also counts the time others had the CPU. */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void
iterate (void)
{
  gint64 t0 = g_get_monotonic_time ();
  gint64 c0 = thread_cpu_us ();
  gint64 p0 = poll_us;
  gint64 busy;

  g_main_context_iteration (NULL, TRUE);
  busy = (g_get_monotonic_time () - t0) - (poll_us - p0);
  if (current != NULL)
    {
      current->longest_busy = MAX (current->longest_busy, busy);
      current->longest_cpu = MAX (current->longest_cpu, thread_cpu_us () - c0);
    }
}

#define RUN_UNTIL(cond, seconds)                                              \
  G_STMT_START {                                                              \
    gint64 end_ = g_get_monotonic_time () + (gint64) (seconds) * G_USEC_PER_SEC; \
    while (!(cond) && g_get_monotonic_time () < end_)                         \
      iterate ();                                                             \
    if (!(cond))                                                              \
      g_error ("timed out: %s", #cond);                                       \
  } G_STMT_END

/* A photo of noise, which JPEG cannot shrink: about 10 MB. */
static char *
write_photo (const char *dir)
{
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 3600, 2800);
  g_autofree char *path = g_build_filename (dir, "big-photo.jpg", NULL);
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);
  gsize n = (gsize) gdk_pixbuf_get_rowstride (pixbuf) * 2800;
  GRand *rand = g_rand_new_with_seed (12);

  for (gsize i = 0; i < n; i++)
    pixels[i] = (guchar) g_rand_int (rand);
  g_rand_free (rand);
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "jpeg", NULL, "quality", "95", NULL));
  return g_steal_pointer (&path);
}

static gboolean
newest_sent (KoiConversationView *view,
             const char          *text,
             gboolean             with_file)
{
  GListModel *messages = koi_conversation_view_get_messages (view);
  guint n = messages != NULL ? g_list_model_get_n_items (messages) : 0;
  g_autoptr (KoiMessage) message = n > 0 ? g_list_model_get_item (messages, n - 1) : NULL;

  return message != NULL && koi_message_get_loaded (message) &&
         koi_message_get_direction (message) == KOI_MESSAGE_OUTGOING &&
         (text == NULL || g_strcmp0 (koi_message_get_text (message), text) == 0) &&
         (g_list_model_get_n_items (koi_message_get_attachments (message)) > 0) == with_file &&
         koi_message_get_state (message) == KOI_MESSAGE_SENT;
}

static void
report (const char *name,
        Phase      *phase,
        double      seconds)
{
  g_print ("%-7s %5.2f s, %4u frames, longest frame gap %6.1f ms (target < %.0f ms); "
           "longest main-loop iteration %6.1f ms wall, %6.1f ms main-thread CPU\n",
           name, seconds, phase->frames, phase->longest_gap / 1000.0, TARGET_MS,
           phase->longest_busy / 1000.0, phase->longest_cpu / 1000.0);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *keyring = koi_test_ui_use_file_keyring ();
  g_autoptr (KoiTestCli) cli = NULL;
  g_autoptr (KoiSession) session = NULL;
  g_autofree char *photo = NULL;
  g_autofree char *profile = NULL;
  KoiWindow *window;
  KoiConversationView *view;
  KoiComposer *composer;
  Phase text = { 0, }, attach = { 0, }, send = { 0, };
  gint64 t0;
  double text_s, attach_s, send_s;
  struct stat st;

  if (!gtk_init_check ())
    {
      g_print ("SKIP: no display (run under xvfb-run -a)\n");
      return 77;
    }
  g_setenv ("GTK_A11Y", "none", TRUE);
  koi_model_init ();
  g_main_context_set_poll_func (NULL, timed_poll);

  cli = koi_test_cli_new ();
  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PATH", keyring, TRUE);
  cli->env = g_environ_setenv (cli->env, "SECRET_FILE_TEST_PASSWORD", "test-keyring", TRUE);
  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  g_free (koi_test_cli_send (cli, "alice", "bob@example.org", "Photo coming"));
  photo = write_photo (cli->tmp);
  g_assert_cmpint (g_stat (photo, &st), ==, 0);

  profile = koi_test_cli_profile (cli, "alice");
  session = koi_session_new (profile);
  koi_session_load_async (session, NULL, NULL, NULL);
  window = koi_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  koi_window_set_session (window, session);
  gtk_window_present (GTK_WINDOW (window));
  view = koi_window_get_conversation_view (window);
  composer = koi_conversation_view_get_composer (view);
  RUN_UNTIL (koi_test_ui_open_chat (window, "bob@example.org"), 60);
  RUN_UNTIL (koi_conversation_view_get_chat (view) != NULL && gtk_widget_get_mapped (GTK_WIDGET (composer)), 60);
  gtk_widget_add_tick_callback (GTK_WIDGET (view), tick, NULL, NULL);
  /* Settle: the window's first frames are not what is measured. */
  {
    gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC;

    while (g_get_monotonic_time () < end)
      iterate ();
  }

  /* The baseline: the same window sending a line of text. */
  current = &text;
  t0 = g_get_monotonic_time ();
  koi_composer_set_text (composer, "Here it comes");
  koi_composer_send (composer);
  RUN_UNTIL (newest_sent (view, "Here it comes", FALSE), 120);
  text_s = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;

  {
    g_autoptr (GFile) file = g_file_new_for_path (photo);

    current = &attach;
    t0 = g_get_monotonic_time ();
    koi_composer_add_file (composer, file, FALSE);
    RUN_UNTIL (g_list_model_get_n_items (koi_composer_get_files (composer)) == 1, 60);
    attach_s = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
  }

  current = &send;
  t0 = g_get_monotonic_time ();
  koi_composer_send (composer);
  RUN_UNTIL (newest_sent (view, NULL, TRUE), 120);
  send_s = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
  current = NULL;

  g_print ("bench-attach-ui: a %.1f MB JPEG (3600×2800) attached and sent from the window\n",
           st.st_size / 1e6);
  report ("text", &text, text_s);
  report ("attach", &attach, attach_s);
  report ("send", &send, send_s);

  gtk_window_destroy (GTK_WINDOW (window));
  koi_session_shutdown (session);
  koi_test_ui_remove_file_keyring (keyring);
  return 0;
}
