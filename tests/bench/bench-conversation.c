/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-conversation"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "koi-compat.h"
#include "koi-conversation-view.h"
#include "koi-message-cell.h"
#include "koi-message-list.h"
#include "koi-message-row.h"
#include "koi-model.h"
#include "koi-store.h"
#include "koi-store-reader.h"

/*
 * Conversation view benchmark (meson benchmark, not a test): a real
 * KoiConversationView in a real window under Xvfb, on a store with chats of
 * 100, 10,000 and 100,000 messages of realistic lengths (most short, every
 * seventh a paragraph, every 23rd several lines).
 *
 * For each chat it prints:
 * - open: time from handing the chat to the view to the end of the first
 *   frame in which the newest message's row is allocated inside the
 *   viewport, and the longest main-loop iteration meanwhile (a frozen
 *   window is one long iteration);
 * - scroll: the longest main-loop iteration while scrolling up a page at a
 *   time (as Page Up does) for 150 pages, and while flinging: jumps to 40
 *   positions spread over the whole history, a frame each;
 * - RSS after all of it.
 *
 * Then the window's message search on the whole store (110,100 messages
 * when every size runs): the round trip of
 * koi_store_reader_search_messages_async as the search entry makes it
 * (a page of 100 results, on the reader's thread), from the call to the
 * callback on the main loop, for a word in one message, a word in about
 * every other message, two words, a prefix as typed, and one chat's search.
 *
 * Targets (issue 16): open < 100 ms for every size; longest frame while
 * scrolling < 32 ms; RSS within 30 MB of the 100-message case.
 * `xvfb-run -a meson test -C BUILD --benchmark bench-conversation -v`
 */

static const guint sizes[] = { 100, 10000, 100000 };

static gint64 thread_cpu_us (void);

#define PAGE_STEPS 150
#define FLINGS     40
#define BASELINE_FRAMES 20

static const char *words[] = {
  "the", "meeting", "is", "at", "noon", "tomorrow", "could", "you", "bring", "notes",
  "I", "think", "we", "should", "ask", "Bob", "about", "it", "first", "ok",
};

static char *
make_text (guint i)
{
  GString *text = g_string_new (NULL);
  guint n_words = i % 7 == 0 ? 90 : 3 + i % 11;

  g_string_append_printf (text, "#%u", i);
  for (guint w = 0; w < n_words; w++)
    {
      g_string_append_c (text, (i % 23 == 0 && w % 15 == 14) ? '\n' : ' ');
      g_string_append (text, words[(i * 7 + w * 3) % G_N_ELEMENTS (words)]);
    }
  return g_string_free (text, FALSE);
}

static gint64
fill_chat (KoiStore   *store,
           gint64      account_id,
           const char *peer,
           guint       n_messages)
{
  g_autoptr (GError) error = NULL;
  gint64 chat_id = koi_store_chat_ensure_1to1 (store, account_id, peer, NULL, &error);
  gint64 start = g_get_real_time () / 1000 - (gint64) n_messages * 60 * 1000;

  g_assert_no_error (error);
  for (guint i = 0; i < n_messages; i++)
    {
      g_autofree char *mid = g_strdup_printf ("chat$%s-%u@example.org", peer, i);
      g_autofree char *text = make_text (i);
      gint64 when = start + (gint64) i * 60 * 1000;
      gboolean mine = i % 3 == 0;
      KoiStoreMessage message = {
        .account_id = account_id, .chat_id = chat_id, .message_id = mid,
        .direction = mine ? KOI_STORE_DIRECTION_OUTGOING : KOI_STORE_DIRECTION_INCOMING,
        .state = mine ? KOI_STORE_STATE_SENT : KOI_STORE_STATE_RECEIVED,
        .kind = KOI_STORE_KIND_CHAT,
        .from_address = (char *) (mine ? "alice@example.org" : peer),
        .text = text, .sent_at_ms = when, .received_at_ms = when, .sort_ms = when, .seen = TRUE,
      };

      if (i % 5000 == 0 && !koi_store_begin (store, &error))
        g_error ("Cannot begin: %s", error->message);
      koi_store_message_insert (store, &message, NULL, &error);
      g_assert_no_error (error);
      if ((i + 1) % 5000 == 0 || i + 1 == n_messages)
        if (!koi_store_commit (store, &error))
          g_error ("Cannot commit: %s", error->message);
    }
  return chat_id;
}

/* The row that shows the message whose text starts with @prefix, or NULL. */
static GtkWidget *
find_row (GtkWidget  *root,
          const char *prefix)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (KOI_IS_MESSAGE_ROW (child))
        {
          KoiMessage *item = koi_message_row_get_item (KOI_MESSAGE_ROW (child));
          const char *text = item != NULL ? koi_message_get_text (item) : NULL;

          if (text != NULL && g_str_has_prefix (text, prefix) &&
              (text[strlen (prefix)] == ' ' || text[strlen (prefix)] == '\n'))
            return child;
          continue;
        }
      found = find_row (child, prefix);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* How many cells the list keeps, and how many of them show a bubble: what
 * the list makes and measures in each layout. */
static void
count_cells (GtkWidget *list,
             guint     *kept,
             guint     *live)
{
  *kept = *live = 0;
  for (GtkWidget *item = gtk_widget_get_first_child (list); item != NULL;
       item = gtk_widget_get_next_sibling (item))
    {
      GtkWidget *cell = gtk_widget_get_first_child (item);

      if (cell == NULL || !KOI_IS_MESSAGE_CELL (cell))
        continue;
      (*kept)++;
      if (koi_message_cell_get_live (KOI_MESSAGE_CELL (cell)))
        (*live)++;
    }
}

/* Whether @row is drawn and wholly inside @scroller's visible area. */
static gboolean
row_in_view (GtkWidget *row,
             GtkWidget *scroller)
{
  graphene_rect_t bounds;

  if (row == NULL || !gtk_widget_get_mapped (row) || gtk_widget_get_height (row) <= 0)
    return FALSE;
  if (!gtk_widget_compute_bounds (row, scroller, &bounds))
    return FALSE;
  return bounds.origin.y >= -1 &&
         bounds.origin.y + bounds.size.height <= gtk_widget_get_height (scroller) + 1;
}

typedef struct {
  guint      frames;
  gint64     t0;
  GtkWidget *view;
  GtkWidget *scroller;
  char      *newest;
  gint64     shown_at;
  gint64     shown_cpu;
} Watch;

static void
on_after_paint (GdkFrameClock *clock,
                Watch         *watch)
{
  watch->frames++;
  if (g_getenv ("KOI_BENCH_VERBOSE"))
    g_printerr ("frame %u at %.1f ms\n", watch->frames, (g_get_monotonic_time () - watch->t0) / 1000.0);
  if (watch->shown_at == 0 && row_in_view (find_row (watch->view, watch->newest), watch->scroller))
    {
      watch->shown_at = g_get_monotonic_time ();
      watch->shown_cpu = thread_cpu_us ();
    }
}

/* CPU time of the calling (main) thread, µs. On a machine shared with
 * other work the wall clock also counts the time others had the CPU; this
 * counts only what the view cost. */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* The CPU time of the longest (by CPU) iteration since the last reset. */
static gint64 longest_cpu;

/* Where a frame's main-thread CPU goes: the scroll call itself (GTK 4.8
 * binds list items inside it), what ran before the frame (events, idle
 * callbacks such as a page of messages arriving), then the frame clock's
 * phases: "update" (tick callbacks), "layout" (CSS, measuring and
 * allocating, the view waking rows; every layout round of the frame),
 * "paint" (snapshot and the renderer drawing into the window) and
 * "after-paint". Marks are taken from handlers connected after GTK's own,
 * so each phase ends after its last handler. */
enum { PHASE_SCROLL, PHASE_BEFORE, PHASE_UPDATE, PHASE_LAYOUT, PHASE_PAINT, PHASE_AFTER, N_PHASES };
static const char *phase_names[N_PHASES] = { "the scroll call", "before the frame", "update", "layout", "paint",
                                             "after-paint" };

typedef struct {
  gint64 start;   /* CPU when the step began */
  gint64 mark;    /* CPU at the end of the last phase seen */
  gint64 cpu[N_PHASES];
} Split;

static Split split;

static void
split_reset (void)
{
  memset (&split, 0, sizeof split);
  split.start = split.mark = thread_cpu_us ();
}

static void
split_mark (guint phase)
{
  gint64 now = thread_cpu_us ();

  split.cpu[phase] += now - split.mark;
  split.mark = now;
}

static void on_split_before_paint (GdkFrameClock *clock, gpointer data) { split_mark (PHASE_BEFORE); }
static void on_split_update (GdkFrameClock *clock, gpointer data) { split_mark (PHASE_UPDATE); }
/* The clock may lay out up to four times a frame: each round adds. */
static void on_split_layout (GdkFrameClock *clock, gpointer data) { split_mark (PHASE_LAYOUT); }
static void on_split_paint (GdkFrameClock *clock, gpointer data) { split_mark (PHASE_PAINT); }
static void on_split_after_paint (GdkFrameClock *clock, gpointer data) { split_mark (PHASE_AFTER); }

static void
split_connect (GdkFrameClock *clock)
{
  g_signal_connect_after (clock, "before-paint", G_CALLBACK (on_split_before_paint), NULL);
  g_signal_connect_after (clock, "update", G_CALLBACK (on_split_update), NULL);
  g_signal_connect_after (clock, "layout", G_CALLBACK (on_split_layout), NULL);
  g_signal_connect_after (clock, "paint", G_CALLBACK (on_split_paint), NULL);
  g_signal_connect_after (clock, "after-paint", G_CALLBACK (on_split_after_paint), NULL);
}

static void
split_disconnect (GdkFrameClock *clock)
{
  g_signal_handlers_disconnect_by_func (clock, on_split_before_paint, NULL);
  g_signal_handlers_disconnect_by_func (clock, on_split_update, NULL);
  g_signal_handlers_disconnect_by_func (clock, on_split_layout, NULL);
  g_signal_handlers_disconnect_by_func (clock, on_split_paint, NULL);
  g_signal_handlers_disconnect_by_func (clock, on_split_after_paint, NULL);
}

/* The split of the longest frame of a run, and the sum over all of them. */
typedef struct {
  gint64 longest;
  Split  at_longest;
  gint64 total[N_PHASES];
  guint  frames;
} SplitStats;

static void
split_take (SplitStats *stats)
{
  gint64 all = thread_cpu_us () - split.start;

  if (all > stats->longest)
    {
      stats->longest = all;
      stats->at_longest = split;
      /* What came after the last mark (the loop's own bookkeeping). */
      stats->at_longest.cpu[PHASE_AFTER] += thread_cpu_us () - split.mark;
    }
  for (guint p = 0; p < N_PHASES; p++)
    stats->total[p] += split.cpu[p];
  stats->frames++;
}

static void
split_print (const char *what,
             guint       n_messages,
             SplitStats *stats)
{
  g_autoptr (GString) line = g_string_new (NULL);

  g_string_append_printf (line, "%6u messages, %s: the longest frame %.1f ms =", n_messages, what,
                          stats->longest / 1000.0);
  for (guint p = 0; p < N_PHASES; p++)
    g_string_append_printf (line, "%s %s %.1f", p > 0 ? " +" : "", phase_names[p],
                            stats->at_longest.cpu[p] / 1000.0);
  g_string_append (line, "; mean of");
  for (guint p = 0; p < N_PHASES; p++)
    g_string_append_printf (line, "%s %s %.1f", p > 0 ? "," : "", phase_names[p],
                            stats->frames > 0 ? stats->total[p] / 1000.0 / stats->frames : 0.0);
  g_print ("%s ms\n", line->str);
}

/* One main-loop iteration; returns how long it took in µs. */
static gint64
timed_iteration (gboolean may_block)
{
  gint64 t0 = g_get_monotonic_time ();
  gint64 c0 = thread_cpu_us ();

  g_main_context_iteration (NULL, may_block);
  longest_cpu = MAX (longest_cpu, thread_cpu_us () - c0);
  return g_get_monotonic_time () - t0;
}

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates until the next frame is painted; the longest iteration meanwhile. */
static void
on_after_paint_flag (GdkFrameClock *clock,
                     gboolean      *flag)
{
  *flag = TRUE;
}

static gint64
one_frame (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean painted = FALSE;
  gint64 longest = 0;
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  gulong handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint_flag), &painted);
  guint wakeup = g_timeout_add (100, wake_up, NULL);

  gtk_widget_queue_draw (widget);
  /* Blocking: the loop sleeps until the clock's next frame is due, as the
   * app's does. (Polling without blocking here spun the CPU while waiting,
   * and the main thread's CPU time counted up to a frame interval of that
   * spinning as if the view had spent it.) */
  while (!painted && g_get_monotonic_time () < deadline)
    { gint64 took = timed_iteration (TRUE); longest = MAX (longest, took); }
  g_source_remove (wakeup);
  g_signal_handler_disconnect (clock, handler);
  return longest;
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

static GtkScrolledWindow *
scroller_of (KoiConversationView *view)
{
  return GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (GTK_WIDGET (koi_conversation_view_get_list_view (view)),
                                                       GTK_TYPE_SCROLLED_WINDOW));
}

/* What one row costs to measure: a row bound to messages of each kind in
 * turn, measured for the width a list gives it. */
static void
row_cost (void)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  GtkWidget *row = GTK_WIDGET (koi_message_row_new ());
  KoiMessage *messages[14];
  gint64 t0;
  guint rounds = 20;

  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    {
      g_autofree char *text = make_text (i + 1);
      KoiStoreMessage stored = {
        .id = i + 1, .chat_id = 1, .message_id = (char *) "x@example.org",
        .direction = i % 3 == 0 ? KOI_STORE_DIRECTION_OUTGOING : KOI_STORE_DIRECTION_INCOMING,
        .state = i % 3 == 0 ? KOI_STORE_STATE_SENT : KOI_STORE_STATE_RECEIVED,
        .kind = KOI_STORE_KIND_CHAT, .from_address = (char *) "bob@example.org",
        .text = text, .sent_at_ms = 1700000000000, .sort_ms = 1700000000000,
      };
      messages[i] = koi_message_new_from_store (&stored);
    }
  gtk_window_set_child (window, row);
  gtk_window_present (window);
  while (!gtk_widget_get_mapped (row))
    g_main_context_iteration (NULL, TRUE);

  {
    gint64 bind = 0, hmeasure = 0, vmeasure = 0;

    for (guint r = 0; r < rounds; r++)
      for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
        {
          int min, nat;

          t0 = g_get_monotonic_time ();
          koi_message_row_set_item (KOI_MESSAGE_ROW (row), messages[i]);
          bind += g_get_monotonic_time () - t0;
          t0 = g_get_monotonic_time ();
          gtk_widget_measure (row, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
          hmeasure += g_get_monotonic_time () - t0;
          t0 = g_get_monotonic_time ();
          gtk_widget_measure (row, GTK_ORIENTATION_VERTICAL, 460, &min, &nat, NULL, NULL);
          vmeasure += g_get_monotonic_time () - t0;
        }
    g_print ("one row: bind %.2f ms, measure width %.2f ms, height for a width %.2f ms\n",
             bind / 1000.0 / rounds / G_N_ELEMENTS (messages),
             hmeasure / 1000.0 / rounds / G_N_ELEMENTS (messages),
             vmeasure / 1000.0 / rounds / G_N_ELEMENTS (messages));
  }
  koi_message_row_set_item (KOI_MESSAGE_ROW (row), NULL);
  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    g_object_unref (messages[i]);
  gtk_window_destroy (window);
}

static gboolean
measure (KoiStoreReader *reader,
         gint64          chat_id,
         guint           n_messages,
         double          base_rss)
{
  g_autoptr (KoiMessageList) list = NULL;
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  KoiConversationView *view = KOI_CONVERSATION_VIEW (koi_conversation_view_new ());
  GtkScrolledWindow *scroller;
  GtkAdjustment *adj;
  Watch watch = { 0 };
  gint64 t0, longest_open = 0, longest_page = 0, longest_fling = 0;
  gint64 cpu0, open_cpu = 0, cpu_open = 0, cpu_page = 0, cpu_fling = 0;
  gint64 deadline;
  gulong handler;
  guint wakeup;
  guint kept, live;
  double rss;
  GdkFrameClock *clock;
  SplitStats baseline = { 0 }, paging = { 0 }, flinging = { 0 };

  gtk_window_set_default_size (window, 480, 700);
  gtk_window_set_child (window, GTK_WIDGET (view));
  gtk_window_present (window);
  /* The window is up and idle before the chat is chosen, as in the app. */
  while (!gtk_widget_get_mapped (GTK_WIDGET (view)))
    g_main_context_iteration (NULL, TRUE);
  one_frame (GTK_WIDGET (view));

  scroller = scroller_of (view);
  watch.view = GTK_WIDGET (view);
  watch.scroller = GTK_WIDGET (scroller);
  watch.newest = g_strdup_printf ("#%u", n_messages - 1);
  handler = g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (view)), "after-paint",
                              G_CALLBACK (on_after_paint), &watch);

  t0 = g_get_monotonic_time ();
  cpu0 = thread_cpu_us ();
  longest_cpu = 0;
  watch.t0 = t0;
  list = koi_message_list_new (reader, NULL, chat_id);
  koi_conversation_view_set_messages (view, G_LIST_MODEL (list));
  if (g_getenv ("KOI_BENCH_VERBOSE"))
    g_printerr ("set_messages returned at %.1f ms\n", (g_get_monotonic_time () - t0) / 1000.0);
  deadline = t0 + 20 * G_USEC_PER_SEC;
  /* Wakes the loop up now and then, so a view that never shows the
   * newest message ends the wait. */
  wakeup = g_timeout_add (100, wake_up, NULL);
  while (watch.shown_at == 0 && g_get_monotonic_time () < deadline)
    {
      gint64 took = timed_iteration (TRUE);

      if (g_getenv ("KOI_BENCH_VERBOSE") && took > 20000)
        g_printerr ("iteration of %.1f ms ending at %.1f ms\n", took / 1000.0, (g_get_monotonic_time () - t0) / 1000.0);
      longest_open = MAX (longest_open, took);
    }
  g_source_remove (wakeup);
  open_cpu = watch.shown_cpu - cpu0;
  cpu_open = longest_cpu;
  g_signal_handler_disconnect (gtk_widget_get_frame_clock (GTK_WIDGET (view)), handler);

  if (watch.shown_at == 0)
    {
      GtkAdjustment *a = gtk_scrolled_window_get_vadjustment (scroller);
      GtkWidget *row = find_row (GTK_WIDGET (view), watch.newest);
      graphene_rect_t b = { 0 };

      if (row != NULL && !gtk_widget_compute_bounds (row, GTK_WIDGET (scroller), &b))
        g_printerr ("no bounds; mapped %d visible %d child-visible %d h %d\n", gtk_widget_get_mapped (row),
                    gtk_widget_get_visible (row), gtk_widget_get_child_visible (row), gtk_widget_get_height (row));
      g_printerr ("%u messages: the newest message never came into view (adjustment %.0f of %.0f, "
                  "page %.0f; its row %s at y %.0f, height %.0f; scroller height %d)\n", n_messages,
                  gtk_adjustment_get_value (a), gtk_adjustment_get_upper (a),
                  gtk_adjustment_get_page_size (a), row != NULL ? "exists" : "does not exist",
                  b.origin.y, b.size.height, gtk_widget_get_height (GTK_WIDGET (scroller)));
      {
        GtkWidget *lv = GTK_WIDGET (koi_conversation_view_get_list_view (view));
        for (GtkWidget *c = gtk_widget_get_first_child (lv); c; c = gtk_widget_get_next_sibling (c))
          {
            GtkWidget *r = gtk_widget_get_first_child (c);
            KoiMessage *m = r && KOI_IS_MESSAGE_ROW (r) ? koi_message_row_get_item (KOI_MESSAGE_ROW (r)) : NULL;
            graphene_rect_t bb = { 0 };
            gboolean okb = gtk_widget_compute_bounds (c, GTK_WIDGET (scroller), &bb);
            g_printerr ("  %s %.20s mapped %d ok %d y %.0f h %.0f / %d\n", G_OBJECT_TYPE_NAME (c),
                        m ? koi_message_get_text (m) : "-", gtk_widget_get_mapped (c), okb, bb.origin.y, bb.size.height, gtk_widget_get_height (c));
          }
      }
      return FALSE;
    }

  count_cells (GTK_WIDGET (koi_conversation_view_get_list_view (view)), &kept, &live);
  g_print ("%6u messages: after opening the list keeps %u cells, %u of them live\n",
           n_messages, kept, live);

  /* Let the first pages settle, as a user who reads the newest does. */
  for (guint i = 0; i < 10; i++)
    one_frame (GTK_WIDGET (view));

  clock = gtk_widget_get_frame_clock (GTK_WIDGET (view));
  split_connect (clock);
  /* The baseline: frames that change nothing but are drawn again (what
   * the renderer alone costs for this window). */
  for (guint i = 0; i < BASELINE_FRAMES; i++)
    {
      split_reset ();
      one_frame (GTK_WIDGET (view));
      split_take (&baseline);
    }

  adj = gtk_scrolled_window_get_vadjustment (scroller);
  for (guint step = 0; step < PAGE_STEPS; step++)
    {
      split_reset ();
      gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) - gtk_adjustment_get_page_size (adj) * 0.9);
      split_mark (PHASE_SCROLL);
      { gint64 took = one_frame (GTK_WIDGET (view)); longest_page = MAX (longest_page, took); }
      /* The scroll itself binds rows too: count it with its frame. */
      split_take (&paging);
    }
  cpu_page = paging.longest;

  for (guint jump = 0; jump <= FLINGS; jump++)
    {
      guint position = (guint) ((guint64) (n_messages - 1) * (FLINGS - jump) / FLINGS);

      split_reset ();
      koi_compat_list_scroll_to (koi_conversation_view_get_list_view (view), position);
      split_mark (PHASE_SCROLL);
      { gint64 took = one_frame (GTK_WIDGET (view)); longest_fling = MAX (longest_fling, took); }
      split_take (&flinging);
      split_reset ();
      { gint64 took = one_frame (GTK_WIDGET (view)); longest_fling = MAX (longest_fling, took); }
      split_take (&flinging);
    }
  cpu_fling = flinging.longest;
  split_disconnect (clock);
  for (guint i = 0; i < 10; i++)
    one_frame (GTK_WIDGET (view));

  rss = rss_mb ();
  g_print ("%6u messages: open %.1f ms (longest iteration %.1f ms); scrolling: longest iteration "
           "%.1f ms page by page, %.1f ms flinging; RSS %.1f MB (%+.1f MB on the first chat)\n",
           n_messages, (watch.shown_at - t0) / 1000.0, longest_open / 1000.0,
           longest_page / 1000.0, longest_fling / 1000.0, rss, base_rss > 0 ? rss - base_rss : 0.0);
  g_print ("%6u messages, main-thread CPU time: open %.1f ms (longest iteration %.1f ms); scrolling: "
           "longest frame %.1f ms page by page, %.1f ms flinging\n",
           n_messages, open_cpu / 1000.0, cpu_open / 1000.0, cpu_page / 1000.0, cpu_fling / 1000.0);
  split_print ("a frame that changes nothing", n_messages, &baseline);
  split_print ("page by page", n_messages, &paging);
  split_print ("flinging", n_messages, &flinging);

  gtk_window_destroy (window);
  g_free (watch.newest);
  return TRUE;
}

static int
compare_ms (gconstpointer a,
            gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

typedef struct {
  gboolean  done;
  guint     found;
} SearchWait;

static void
search_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  SearchWait *wait = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) found = koi_store_reader_search_messages_finish (KOI_STORE_READER (source),
                                                                         result, &error);

  g_assert_no_error (error);
  wait->found = found->len;
  wait->done = TRUE;
}

#define SEARCH_RUNS 10

/* The search's round trip through the reader, median and longest of 10. */
static void
measure_search (KoiStoreReader *reader,
                gint64          account_id,
                gint64          chat_id,
                const char     *query)
{
  double samples[SEARCH_RUNS], longest = 0;
  guint found = 0;

  for (guint r = 0; r < SEARCH_RUNS; r++)
    {
      SearchWait wait = { FALSE, 0 };
      gint64 t0 = g_get_monotonic_time ();

      koi_store_reader_search_messages_async (reader, account_id, chat_id, query, 100, NULL,
                                              search_done, &wait);
      while (!wait.done)
        g_main_context_iteration (NULL, TRUE);
      samples[r] = (g_get_monotonic_time () - t0) / 1000.0;
      longest = MAX (longest, samples[r]);
      found = wait.found;
    }
  qsort (samples, SEARCH_RUNS, sizeof samples[0], compare_ms);
  g_print ("search \"%s\"%s: %u results, median %.2f ms (longest %.2f ms) of %u\n", query,
           chat_id != 0 ? " in the largest chat" : "", found,
           (samples[SEARCH_RUNS / 2 - 1] + samples[SEARCH_RUNS / 2]) / 2, longest, SEARCH_RUNS);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiStore) store = NULL;
  g_autoptr (KoiStoreReader) reader = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  KoiStoreAccount account = {
    .address = (char *) "alice@example.org", .imap_host = (char *) "127.0.0.1",
    .imap_port = 1, .imap_security = (char *) "tls", .imap_login = (char *) "alice@example.org",
    .smtp_host = (char *) "127.0.0.1", .smtp_port = 1, .smtp_security = (char *) "tls",
    .smtp_login = (char *) "alice@example.org",
  };
  gint64 chat_ids[G_N_ELEMENTS (sizes)];
  gint64 account_id;
  gboolean ok = TRUE;
  double base_rss = 0;
  const char *only = g_getenv ("KOI_BENCH_SIZES");

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_setenv ("DBUS_SESSION_BUS_ADDRESS", "disabled:", TRUE);
  if (!gtk_init_check ())
    {
      g_printerr ("bench-conversation needs a display: run it under xvfb-run -a\n");
      return EXIT_FAILURE;
    }
  adw_init ();
  koi_model_init ();

  dir = g_dir_make_tmp ("koi-bench-conversation-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "koi.db", NULL);
  store = koi_store_open (path, &error);
  g_assert_no_error (error);
  account_id = koi_store_account_upsert (store, &account, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *peer = g_strdup_printf ("peer%u@example.org", sizes[i]);
      gint64 t0 = g_get_monotonic_time ();

      g_autofree char *size = g_strdup_printf ("%u", sizes[i]);

      /* KOI_BENCH_SIZES=10000 for a quick run: the 100-message chat
       * always runs, as the reference. */
      if (only != NULL && i > 0 && strstr (only, size) == NULL)
        {
          chat_ids[i] = 0;
          continue;
        }
      chat_ids[i] = fill_chat (store, account_id, peer, sizes[i]);
      g_print ("filled a chat of %u messages in %.1f s\n", sizes[i],
               (g_get_monotonic_time () - t0) / 1e6);
    }
  g_clear_pointer (&store, koi_store_close);

  g_print ("GTK %u.%u.%u, libadwaita %u.%u.%u, renderer %s\n",
           gtk_get_major_version (), gtk_get_minor_version (), gtk_get_micro_version (),
           adw_get_major_version (), adw_get_minor_version (), adw_get_micro_version (),
           g_getenv ("GSK_RENDERER") ? g_getenv ("GSK_RENDERER") : "default");

  row_cost ();
  reader = koi_store_reader_new (path);
  for (guint i = 0; i < G_N_ELEMENTS (sizes) && ok; i++)
    {
      if (chat_ids[i] == 0)
        continue;
      ok = measure (reader, chat_ids[i], sizes[i], base_rss);
      if (i == 0)
        base_rss = rss_mb ();
    }
  g_print ("targets: open < 100 ms, longest iteration while scrolling < 32 ms, "
           "RSS within 30 MB of the 100-message case\n");

  {
    guint total = 0;
    gint64 largest = 0;

    for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
      if (chat_ids[i] != 0)
        {
          total += sizes[i];
          largest = chat_ids[i];
        }
    g_print ("search over %u messages (the window's search: the reader's round trip, 100 results at most)\n",
             total);
    /* "#99999" is in the 100,000-message chat's last message only (or in
     * none with fewer sizes); "noon" in about every other message. */
    measure_search (reader, account_id, 0, "99999");
    measure_search (reader, account_id, 0, "noon");
    measure_search (reader, account_id, 0, "meeting tomorrow");
    measure_search (reader, account_id, 0, "tomo");
    measure_search (reader, account_id, largest, "noon");
  }

  g_clear_object (&reader);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
    g_unlink (path);
    g_rmdir (dir);
  }
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
