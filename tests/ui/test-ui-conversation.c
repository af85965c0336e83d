/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-conversation"

#include "config.h"

#include <glib/gstdio.h>

#include "koi-compat.h"
#include "koi-conversation-view.h"
#include "koi-full-text-dialog.h"
#include "koi-message-list.h"
#include "koi-message-row.h"
#include "koi-model.h"
#include "koi-store.h"
#include "koi-store-reader.h"
#include "koi-test-ui.h"

#define N_MESSAGES 10000
/* A 600 px tall view holds about 15 short bubbles; GTK 4.8's GtkListView
 * keeps up to 200 rows around its anchor on top of the visible ones.
 * Anything near the message count means rows for the whole history. */
#define MAX_ROWS 300

static char *tmp_dir;
static char *store_path;
static gint64 chat_id;

static void
fill_store (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiStore) store = NULL;
  KoiStoreAccount account = {
    .address = (char *) "alice@example.org", .imap_host = (char *) "imap.example.org",
    .imap_port = 993, .imap_security = (char *) "tls", .imap_login = (char *) "alice@example.org",
    .smtp_host = (char *) "smtp.example.org", .smtp_port = 465, .smtp_security = (char *) "tls",
    .smtp_login = (char *) "alice@example.org",
  };
  gint64 account_id;
  gint64 start = g_get_real_time () / 1000 - (gint64) N_MESSAGES * 60 * 1000;

  tmp_dir = g_dir_make_tmp ("koi-ui-conversation-XXXXXX", &error);
  g_assert_no_error (error);
  store_path = g_build_filename (tmp_dir, "koi.db", NULL);

  store = koi_store_open (store_path, &error);
  g_assert_no_error (error);
  account_id = koi_store_account_upsert (store, &account, &error);
  g_assert_no_error (error);
  chat_id = koi_store_chat_ensure_1to1 (store, account_id, "bob@example.org", "Bob", &error);
  g_assert_no_error (error);

  g_assert_true (koi_store_begin (store, &error));
  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_autofree char *mid = g_strdup_printf ("chat$%u@example.org", i);
      g_autofree char *text = g_strdup_printf ("message %u", i);
      gint64 when = start + (gint64) i * 60 * 1000;
      KoiStoreMessage message = {
        .account_id = account_id, .chat_id = chat_id, .message_id = mid,
        .direction = i % 3 == 0 ? KOI_STORE_DIRECTION_OUTGOING : KOI_STORE_DIRECTION_INCOMING,
        .state = i % 3 == 0 ? KOI_STORE_STATE_SENT : KOI_STORE_STATE_RECEIVED,
        .kind = KOI_STORE_KIND_CHAT,
        .from_address = (char *) (i % 3 == 0 ? "alice@example.org" : "bob@example.org"),
        .text = text, .sent_at_ms = when, .received_at_ms = when, .sort_ms = when, .seen = TRUE,
      };

      koi_store_message_insert (store, &message, NULL, &error);
      g_assert_no_error (error);
    }
  g_assert_true (koi_store_commit (store, &error));
}

static void
on_ready (KoiMessageList *list,
          gboolean       *ready)
{
  *ready = TRUE;
}

/* The KoiMessageRow showing @position, if one is bound to it. */
static KoiMessageRow *
find_row_with_text (GtkWidget  *root,
                    const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      KoiMessageRow *found;

      if (KOI_IS_MESSAGE_ROW (child))
        {
          KoiMessage *item = koi_message_row_get_item (KOI_MESSAGE_ROW (child));

          if (item != NULL && g_strcmp0 (koi_message_get_text (item), text) == 0)
            return KOI_MESSAGE_ROW (child);
          continue;
        }

      found = find_row_with_text (child, text);
      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
wait_for_row (GtkWidget  *root,
              const char *text)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (find_row_with_text (root, text) == NULL)
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
    }

  return TRUE;
}

static KoiMessage *
make_message (guint i)
{
  g_autofree char *text = g_strdup_printf ("message %u", i);
  gint64 when = g_get_real_time () / 1000 - 3600 * 1000 + i * 1000;
  KoiStoreMessage stored = {
    .id = i + 1, .chat_id = 1, .message_id = (char *) "x@example.org",
    .direction = i % 3 == 0 ? KOI_STORE_DIRECTION_OUTGOING : KOI_STORE_DIRECTION_INCOMING,
    .state = i % 3 == 0 ? KOI_STORE_STATE_SENT : KOI_STORE_STATE_RECEIVED,
    .kind = KOI_STORE_KIND_CHAT, .from_address = (char *) "bob@example.org",
    .text = text, .sent_at_ms = when, .sort_ms = when,
  };

  return koi_message_new_from_store (&stored);
}

static gboolean
wait_until_newest_in_view (KoiConversationView *view)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (!koi_conversation_view_newest_in_view (view))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
    }
  return TRUE;
}

/* A chat of 20 opens at its newest message; a message arriving at the
 * bottom comes into view; one arriving while the user reads older ones
 * leaves the view where it is and shows the jump button with the count,
 * which brings the newest message into view. */
static void
test_open_and_incoming (void)
{
  g_autoptr (GListStore) store = g_list_store_new (KOI_TYPE_MESSAGE);
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  KoiConversationView *view = KOI_CONVERSATION_VIEW (koi_conversation_view_new ());
  GtkAdjustment *adj;
  double value;
  guint n = 20;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiMessage) message = make_message (i);

      g_list_store_append (store, message);
    }
  gtk_window_set_default_size (window, 480, 400);
  gtk_window_set_child (window, GTK_WIDGET (view));
  gtk_window_present (window);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));

  koi_conversation_view_set_messages (view, G_LIST_MODEL (store));
  g_assert_true (wait_until_newest_in_view (view));
  g_assert_nonnull (find_row_with_text (GTK_WIDGET (view), "message 19"));
  /* The first row is far above a 400 px window: not what is shown. */
  g_assert_false (koi_conversation_view_row_in_view (view, GTK_WIDGET (find_row_with_text (GTK_WIDGET (view), "message 0"))));

  /* Incoming while at the bottom: shown. */
  for (guint i = n; i < n + 3; i++)
    {
      g_autoptr (KoiMessage) message = make_message (i);

      g_list_store_append (store, message);
      g_assert_true (wait_until_newest_in_view (view));
    }
  n += 3;
  g_assert_cmpuint (koi_conversation_view_get_unseen (view), ==, 0);

  /* Scrolled up to the first message: an incoming one does not move the
   * view; the button counts it. */
  koi_compat_list_scroll_to (koi_conversation_view_get_list_view (view), 0);
  adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (koi_conversation_view_get_list_view (view)));
  koi_test_ui_iterate_ms (200);
  gtk_adjustment_set_value (adj, 0);
  koi_test_ui_iterate_ms (200);
  g_assert_false (koi_conversation_view_get_at_bottom (view));
  value = gtk_adjustment_get_value (adj);
  for (guint i = n; i < n + 2; i++)
    {
      g_autoptr (KoiMessage) message = make_message (i);

      g_list_store_append (store, message);
      koi_test_ui_iterate_ms (150);
    }
  n += 2;
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), ==, value);
  g_assert_true (koi_conversation_view_row_in_view (view, GTK_WIDGET (find_row_with_text (GTK_WIDGET (view), "message 0"))));
  g_assert_false (koi_conversation_view_newest_in_view (view));
  g_assert_cmpuint (koi_conversation_view_get_unseen (view), ==, 2);
  {
    GtkWidget *count = koi_test_ui_find_label (GTK_WIDGET (view), "2");

    g_assert_nonnull (count);
    g_assert_true (gtk_widget_get_mapped (count));
    /* A click on it: to the newest message, and the button goes. */
    gtk_widget_activate (gtk_widget_get_ancestor (count, GTK_TYPE_BUTTON));
  }
  g_assert_true (wait_until_newest_in_view (view));
  g_assert_cmpuint (koi_conversation_view_get_unseen (view), ==, 0);
  g_assert_true (koi_conversation_view_get_at_bottom (view));

  gtk_window_destroy (window);
}

static void
test_large_history (void)
{
  g_autoptr (KoiStoreReader) reader = koi_store_reader_new (store_path);
  g_autoptr (KoiMessageList) list = koi_message_list_new (reader, NULL, chat_id);
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *png = NULL;
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  KoiConversationView *view = KOI_CONVERSATION_VIEW (koi_conversation_view_new ());
  GtkScrolledWindow *scroller;
  GtkAdjustment *adj;
  gboolean ready = FALSE;
  guint max_rows = 0;
  gint64 deadline;

  g_signal_connect (list, "ready", G_CALLBACK (on_ready), &ready);
  gtk_window_set_default_size (window, 480, 600);
  gtk_window_set_child (window, GTK_WIDGET (view));
  koi_conversation_view_set_messages (view, G_LIST_MODEL (list));
  gtk_window_present (window);

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!ready && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (ready);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, N_MESSAGES);

  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));

  /* Opens at the newest message: its row is drawn inside the viewport. */
  g_assert_true (wait_for_row (GTK_WIDGET (view), "message 9999"));
  g_assert_true (wait_until_newest_in_view (view));
  g_assert_true (koi_conversation_view_row_in_view (view, GTK_WIDGET (find_row_with_text (GTK_WIDGET (view), "message 9999"))));
  koi_test_ui_iterate_ms (300);
  g_assert_true (koi_conversation_view_newest_in_view (view));
  scroller = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (GTK_WIDGET (koi_conversation_view_get_list_view (view)),
                                                           GTK_TYPE_SCROLLED_WINDOW));
  adj = gtk_scrolled_window_get_vadjustment (scroller);
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), >=,
                     gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj) - 1);
  g_assert_true (koi_conversation_view_get_at_bottom (view));

  texture = koi_test_ui_render (GTK_WIDGET (window));
  png = koi_test_ui_save_png (texture, "conversation-10000.png");
  g_test_message ("screenshot: %s", png);
  g_assert_cmpuint (koi_test_ui_count_colors (texture, NULL, 8), >=, 8);

  /* A user scrolls up a little (wheel steps): the view stays there while
   * the pages above load, and stops following the newest message. */
  for (guint step = 0; step < 20; step++)
    {
      gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) - 60);
      koi_test_ui_iterate_ms (15);
    }
  koi_test_ui_iterate_ms (500);
  g_assert_false (koi_conversation_view_get_at_bottom (view));
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), <,
                     gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj) - 600);
  max_rows = MAX (max_rows, koi_message_row_get_instance_count ());

  /* Then all the way through the history to the first message. Rows are
   * recycled: their number stays at about a screenful, and the list keeps
   * only a few pages of messages. (Big jumps go through the list's own
   * scroll-to-item: GTK 4.8 drops far adjustment jumps.) */
  for (int position = N_MESSAGES - 1; position >= 0; position -= 150)
    {
      koi_compat_list_scroll_to (koi_conversation_view_get_list_view (view), position);
      /* Give the reader thread time for the pages in view, as a user who
       * reads while scrolling does. */
      koi_test_ui_iterate_ms (60);
      max_rows = MAX (max_rows, koi_message_row_get_instance_count ());
      g_assert_cmpuint (koi_message_list_get_cached_pages (list), <=, KOI_MESSAGE_LIST_MAX_PAGES);
    }
  koi_compat_list_scroll_to (koi_conversation_view_get_list_view (view), 0);

  /* The first row may have been bound to a placeholder of a page the
   * scroll pushed out of the cache: it must still fill in. */
  g_assert_true (wait_for_row (GTK_WIDGET (view), "message 0"));
  max_rows = MAX (max_rows, koi_message_row_get_instance_count ());
  g_assert_false (koi_conversation_view_get_at_bottom (view));
  g_test_message ("at most %u message rows existed for %u messages", max_rows, N_MESSAGES);
  g_assert_cmpuint (max_rows, >, 0);
  g_assert_cmpuint (max_rows, <=, MAX_ROWS);

  gtk_window_destroy (window);
}

/* One megabyte on one line (no space to wrap at), as a hostile or broken
 * sender may write. */
#define HUGE_LINE_BYTES (1024 * 1024)

static KoiMessage *
make_text_message (guint       i,
                   const char *text)
{
  gint64 when = g_get_real_time () / 1000 - 3600 * 1000 + i * 1000;
  KoiStoreMessage stored = {
    .id = i + 1, .chat_id = 1, .message_id = (char *) "x@example.org",
    .direction = KOI_STORE_DIRECTION_INCOMING, .state = KOI_STORE_STATE_RECEIVED,
    .kind = KOI_STORE_KIND_CHAT, .from_address = (char *) "bob@example.org",
    .text = (char *) text, .sent_at_ms = when, .sort_ms = when,
  };

  return koi_message_new_from_store (&stored);
}

/* A 1 MB single-line message: its bubble is drawn no taller than the
 * window, with a reachable "Show Full Message" that opens the whole text
 * wrapped, selectable and scrollable. */
static void
test_huge_line (void)
{
  g_autoptr (GListStore) store = g_list_store_new (KOI_TYPE_MESSAGE);
  g_autofree char *huge = g_malloc (HUGE_LINE_BYTES + 1);
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  KoiConversationView *view = KOI_CONVERSATION_VIEW (koi_conversation_view_new ());
  KoiMessageRow *row;
  GtkWidget *button;
  GtkWidget *dialog;
  GtkTextView *text_view;
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  g_autoptr (GdkTexture) shot = NULL;
  graphene_rect_t bounds;
  gint64 began;
  gint64 end_time;

  for (guint i = 0; i < HUGE_LINE_BYTES; i++)
    huge[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[i % 36];
  huge[HUGE_LINE_BYTES] = '\0';
  {
    g_autoptr (KoiMessage) before = make_text_message (0, "before");
    g_autoptr (KoiMessage) message = make_text_message (1, huge);
    g_autoptr (KoiMessage) after = make_text_message (2, "after");

    g_list_store_append (store, before);
    g_list_store_append (store, message);
    g_list_store_append (store, after);
  }
  gtk_window_set_default_size (window, 480, 600);
  gtk_window_set_child (window, GTK_WIDGET (view));
  gtk_window_present (window);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));

  began = g_get_monotonic_time ();
  koi_conversation_view_set_messages (view, G_LIST_MODEL (store));
  g_assert_true (wait_for_row (GTK_WIDGET (view), huge));
  g_assert_true (wait_until_newest_in_view (view));
  row = find_row_with_text (GTK_WIDGET (view), huge);
  koi_test_ui_iterate_ms (100);
  g_test_message ("the chat with a 1 MB line was shown after %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - began) / 1000);

  /* A sane height: well within the window, not a megabyte of wrapped
   * lines. */
  g_test_message ("the bubble is %d px tall", gtk_widget_get_height (GTK_WIDGET (row)));
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (row)), >, 40);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (row)), <, 600);

  /* The button: shown and inside the row's drawn area. */
  button = koi_test_ui_find_label (GTK_WIDGET (row), "Show Full Message");
  g_assert_nonnull (button);
  button = gtk_widget_get_ancestor (button, GTK_TYPE_BUTTON);
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_compute_bounds (button, GTK_WIDGET (row), &bounds));
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, gtk_widget_get_height (GTK_WIDGET (row)));
  g_assert_cmpfloat (bounds.size.height, >, 0);
  /* Scrolled to the bubble, the button is on screen. */
  koi_compat_list_scroll_to (koi_conversation_view_get_list_view (view), 1);
  koi_test_ui_iterate_ms (200);
  g_assert_true (koi_conversation_view_row_in_view (view, button));
  g_clear_object (&shot);
  shot = koi_test_ui_shoot (GTK_WIDGET (window), "long-message.png", 8);

  /* It opens the whole text, wrapped, selectable, not editable. */
  began = g_get_monotonic_time ();
  gtk_widget_activate (button);
  end_time = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while ((dialog = koi_test_ui_find_shown (KOI_TYPE_FULL_TEXT_DIALOG)) == NULL &&
         g_get_monotonic_time () < end_time)
    g_main_context_iteration (NULL, FALSE);
  g_assert_nonnull (dialog);
  text_view = koi_full_text_dialog_get_view (KOI_FULL_TEXT_DIALOG (dialog));
  koi_test_ui_wait_for_drawn (GTK_WIDGET (text_view));
  g_test_message ("Full Message drawn after %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - began) / 1000);
  /* All of it, exactly (Copy copies this), and shown whole: the view
   * holds it in pieces of a few KB, one line each. */
  g_assert_cmpstr (koi_full_text_dialog_get_text (KOI_FULL_TEXT_DIALOG (dialog)), ==, huge);
  buffer = gtk_text_view_get_buffer (text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  {
    g_autofree char *shown = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    g_auto (GStrv) pieces = g_strsplit (shown, "\n", -1);
    g_autofree char *joined = g_strjoinv ("", pieces);

    g_assert_cmpuint (g_strv_length (pieces), >, 1);
    g_assert_cmpstr (joined, ==, huge);
  }
  g_assert_cmpint (gtk_text_view_get_wrap_mode (text_view), ==, GTK_WRAP_WORD_CHAR);
  g_assert_false (gtk_text_view_get_editable (text_view));
  g_assert_nonnull (gtk_widget_get_ancestor (GTK_WIDGET (text_view), GTK_TYPE_SCROLLED_WINDOW));
  g_clear_object (&shot);
  shot = koi_test_ui_shoot (GTK_WIDGET (gtk_widget_get_root (dialog)), "long-message-full.png", 8);
  /* Selectable: select all and copy what is selected. */
  gtk_text_buffer_select_range (buffer, &start, &end);
  g_assert_true (gtk_text_buffer_get_has_selection (buffer));

  koi_compat_dialog_close (dialog);
  koi_test_ui_iterate_ms (100);
  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  koi_test_ui_init (&argc, &argv);
  koi_model_init ();
  fill_store ();

  g_test_add_func ("/ui/conversation/open-and-incoming", test_open_and_incoming);
  g_test_add_func ("/ui/conversation/large-history", test_large_history);
  g_test_add_func ("/ui/conversation/huge-line", test_huge_line);

  ret = g_test_run ();

  {
    g_autofree char *wal = g_strconcat (store_path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (store_path, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
    g_unlink (store_path);
    g_rmdir (tmp_dir);
  }
  g_free (store_path);
  g_free (tmp_dir);

  return ret;
}
