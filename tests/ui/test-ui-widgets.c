/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-widgets"

#include "config.h"

#include <math.h>

#include "koi-chat-row.h"
#include "koi-composer.h"
#include "koi-message-row.h"
#include "koi-net-error.h"
#include "koi-new-chat-dialog.h"
#include "koi-test-ui.h"
#include "koi-ui-errors.h"
#include "koi-ui-format.h"
#include "koi-welcome-page.h"

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static void
test_relative_time (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_local (2026, 11, 28, 15, 30, 0);
  gint64 base = g_date_time_to_unix (now) * 1000;
  g_autofree char *t1 = koi_ui_format_relative_time (base - 20 * 1000, now);
  g_autofree char *t2 = koi_ui_format_relative_time (base - 5 * 60 * 1000, now);
  g_autofree char *t3 = koi_ui_format_relative_time (base - 2 * 3600 * 1000, now);
  g_autofree char *t4 = koi_ui_format_relative_time (base - 24 * 3600 * 1000, now);
  g_autofree char *t5 = koi_ui_format_relative_time (base - (gint64) 800 * 24 * 3600 * 1000, now);
  g_autofree char *d1 = koi_ui_format_day (base - 60 * 1000, now);
  g_autofree char *d2 = koi_ui_format_day (base - 24 * 3600 * 1000, now);
  /* Days with one digit: strftime pads them with a space. */
  g_autofree char *d3 = koi_ui_format_day (base - (gint64) 25 * 24 * 3600 * 1000, now);
  g_autofree char *d4 = koi_ui_format_day (base - (gint64) 365 * 24 * 3600 * 1000, now);
  g_autofree char *t6 = koi_ui_format_relative_time (base - (gint64) 25 * 24 * 3600 * 1000, now);

  g_assert_cmpstr (t1, ==, "now");
  g_assert_cmpstr (t2, ==, "5 min");
  g_assert_cmpstr (t3, ==, "13:30");
  g_assert_cmpstr (t4, ==, "Yesterday");
  g_assert_nonnull (strstr (t5, "2024"));
  g_assert_cmpstr (d1, ==, "Today");
  g_assert_cmpstr (d2, ==, "Yesterday");
  g_assert_cmpstr (d3, ==, "Tuesday, 3 November");
  g_assert_cmpstr (d4, ==, "Friday, 28 November 2025");
  g_assert_cmpstr (t6, ==, "3 Nov");
}

static void
test_markup (void)
{
  g_autofree char *m1 = koi_ui_text_to_markup ("<b>hi</b> & see https://x.org/a?b=1&c=2.");
  g_autofree char *m2 = koi_ui_text_to_markup ("mail bob@example.org, or www.example.org");
  g_autofree char *m3 = koi_ui_text_to_markup ("no links here");

  /* The text is never markup itself. */
  g_assert_nonnull (strstr (m1, "&lt;b&gt;hi&lt;/b&gt; &amp; see "));
  g_assert_nonnull (strstr (m1, "<a href=\"https://x.org/a?b=1&amp;c=2\">https://x.org/a?b=1&amp;c=2</a>."));
  g_assert_nonnull (strstr (m2, "<a href=\"mailto:bob@example.org\">bob@example.org</a>,"));
  g_assert_nonnull (strstr (m2, "<a href=\"https://www.example.org\">www.example.org</a>"));
  g_assert_cmpstr (m3, ==, "no links here");
  /* A label shows exactly the original text, links included. */
  {
    GtkWidget *label = g_object_ref_sink (gtk_label_new (NULL));

    gtk_label_set_markup (GTK_LABEL (label), m1);
    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==,
                     "<b>hi</b> & see https://x.org/a?b=1&c=2.");
    g_object_unref (label);
  }
}

static void
test_address_validation (void)
{
  const char *good[] = { "bob@example.org", "a.b+c@sub.example.co.uk", "alice@localhost", "jörg@bücher.de" };
  const char *bad[] = { "", "bob", "bob@", "@example.org", "bob@@example.org", "bob smith@example.org",
                        "bob@example..org", "bob@example.org.", "Bob <bob@example.org>", ".bob@x.org" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (koi_ui_address_is_valid (good[i]));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("bad: %s", bad[i]);
      g_assert_false (koi_ui_address_is_valid (bad[i]));
    }
}

static void
test_error_words (void)
{
  g_autoptr (KoiServerConfig) imap = koi_server_config_new ("imap.example.org", 993, KOI_SECURITY_TLS,
                                                            "alice@example.org", "pw", NULL);
  g_autoptr (KoiServerConfig) smtp = koi_server_config_new ("smtp.example.org", 587, KOI_SECURITY_STARTTLS,
                                                            "alice@example.org", "pw", NULL);
  g_autoptr (GError) auth = g_error_new_literal (KOI_IMAP_ERROR, KOI_IMAP_ERROR_AUTH_FAILED,
                                                 "[AUTHENTICATIONFAILED] Authentication failed.");
  g_autoptr (GError) reach = g_error_new_literal (KOI_SMTP_ERROR, KOI_SMTP_ERROR_CONNECT_FAILED,
                                                  "Connection refused");
  g_autoptr (GError) cert = g_error_new_literal (KOI_IMAP_ERROR, KOI_IMAP_ERROR_TLS_CERTIFICATE,
                                                 "self-signed certificate");
  g_autofree char *a = koi_ui_describe_account_error (auth, "alice@example.org", imap, smtp);
  g_autofree char *r = koi_ui_describe_account_error (reach, "alice@example.org", imap, smtp);
  g_autofree char *c = koi_ui_describe_account_error (cert, "alice@example.org", imap, smtp);

  g_assert_true (g_str_has_prefix (a, "The password for alice@example.org was not accepted. Check it and try again."));
  /* The server's own words follow. */
  g_assert_nonnull (strstr (a, "Authentication failed."));
  g_assert_true (g_str_has_prefix (r, "Cannot reach smtp.example.org:587."));
  g_assert_nonnull (strstr (c, "certificate is not trusted (imap.example.org:993)"));
}

static KoiChat *
make_chat (const char *name,
           const char *peer,
           const char *last_text,
           gint64      last_ms,
           guint       unread,
           int         direction,
           int         state)
{
  KoiStoreChat row = {
    .id = 7, .account_id = 1, .kind = KOI_STORE_CHAT_1TO1,
    .peer_address = (char *) peer, .name = (char *) name,
    .last_activity_ms = last_ms, .unread_count = unread,
    .last_text = (char *) last_text, .last_direction = direction, .last_state = state,
  };

  return koi_chat_new_from_store (&row);
}

static void
test_chat_row (void)
{
  g_autoptr (KoiChat) chat = make_chat ("Alice Smith", "alice@example.org", "Hello\nthere",
                                        now_ms () - 5 * 60 * 1000 - 1000, 3,
                                        KOI_STORE_DIRECTION_INCOMING, KOI_STORE_STATE_RECEIVED);
  GtkWidget *row = g_object_ref_sink (koi_chat_row_new ());
  KoiStoreChat update = {
    .id = 7, .account_id = 1, .kind = KOI_STORE_CHAT_1TO1,
    .peer_address = (char *) "alice@example.org", .name = (char *) "Alice Smith",
    .last_activity_ms = now_ms (), .unread_count = 0,
    .last_text = (char *) "Are you there?", .last_direction = KOI_STORE_DIRECTION_OUTGOING,
    .last_state = KOI_STORE_STATE_FAILED,
  };

  g_object_set (row, "item", chat, NULL);

  g_assert_cmpstr (koi_chat_row_get_title_text (KOI_CHAT_ROW (row)), ==, "Alice Smith");
  /* One line: the line break became a space. */
  g_assert_cmpstr (koi_chat_row_get_preview_text (KOI_CHAT_ROW (row)), ==, "Hello there");
  g_assert_cmpstr (koi_chat_row_get_time_text (KOI_CHAT_ROW (row)), ==, "5 min");
  g_assert_cmpstr (koi_chat_row_get_unread_text (KOI_CHAT_ROW (row)), ==, "3");

  /* Live: the list updates the same object in place. */
  koi_chat_update_from_store (chat, &update);
  g_assert_cmpstr (koi_chat_row_get_preview_text (KOI_CHAT_ROW (row)), ==, "Not sent: Are you there?");
  g_assert_cmpstr (koi_chat_row_get_time_text (KOI_CHAT_ROW (row)), ==, "now");
  g_assert_cmpstr (koi_chat_row_get_unread_text (KOI_CHAT_ROW (row)), ==, "");

  g_object_set (row, "item", NULL, NULL);
  g_assert_cmpstr (koi_chat_row_get_title_text (KOI_CHAT_ROW (row)), ==, "");
  g_object_unref (row);
}

static KoiMessage *
make_message (gint64      id,
              int         direction,
              int         state,
              int         kind,
              const char *from,
              const char *from_name,
              const char *subject,
              const char *text,
              const char *full_text,
              gint64      when_ms)
{
  KoiStoreMessage row = {
    .id = id, .account_id = 1, .chat_id = 7, .message_id = (char *) "chat$x@example.org",
    .direction = direction, .state = state, .kind = kind,
    .from_address = (char *) from, .from_name = (char *) from_name,
    .subject = (char *) subject, .text = (char *) text, .full_text = (char *) full_text,
    .sent_at_ms = when_ms, .received_at_ms = when_ms, .sort_ms = when_ms,
  };

  return koi_message_new_from_store (&row);
}

static void
test_message_row_texts (void)
{
  gint64 t = now_ms ();
  g_autoptr (KoiMessage) yesterday = make_message (1, KOI_STORE_DIRECTION_INCOMING, KOI_STORE_STATE_RECEIVED,
                                                   KOI_STORE_KIND_CHAT, "bob@example.org", "Bob", NULL,
                                                   "old news", NULL, t - (gint64) 2 * 24 * 3600 * 1000);
  g_autoptr (KoiMessage) first = make_message (2, KOI_STORE_DIRECTION_INCOMING, KOI_STORE_STATE_RECEIVED,
                                               KOI_STORE_KIND_CHAT, "bob@example.org", "Bob", NULL,
                                               "Look: <i>x</i> https://koi.example/a", NULL, t - 60 * 1000);
  g_autoptr (KoiMessage) second = make_message (3, KOI_STORE_DIRECTION_INCOMING, KOI_STORE_STATE_RECEIVED,
                                                KOI_STORE_KIND_CHAT, "bob@example.org", "Bob", NULL,
                                                "and more", NULL, t);
  GtkWidget *row = g_object_ref_sink (koi_message_row_new ());

  koi_message_row_set_item (KOI_MESSAGE_ROW (row), first);
  koi_message_row_set_previous (KOI_MESSAGE_ROW (row), yesterday);
  /* In a 1:1 chat every incoming message is the peer's: the header names
   * them, the bubbles do not repeat it. */
  g_assert_cmpstr (koi_message_row_get_sender_text (KOI_MESSAGE_ROW (row)), ==, "");
  koi_message_row_set_show_avatar (KOI_MESSAGE_ROW (row), TRUE);

  g_assert_cmpstr (koi_message_row_get_text_markup (KOI_MESSAGE_ROW (row)), ==,
                   "Look: &lt;i&gt;x&lt;/i&gt; <a href=\"https://koi.example/a\">https://koi.example/a</a>");
  /* A new day begins, so a separator and the sender's name. */
  g_assert_cmpstr (koi_message_row_get_day_text (KOI_MESSAGE_ROW (row)), ==, "Today");
  g_assert_cmpstr (koi_message_row_get_sender_text (KOI_MESSAGE_ROW (row)), ==, "Bob");
  g_assert_false (koi_message_row_get_grouped (KOI_MESSAGE_ROW (row)));
  /* Incoming messages have no delivery state. */
  g_assert_cmpstr (koi_message_row_get_state_text (KOI_MESSAGE_ROW (row)), ==, "");

  /* The next message of the same sender a minute later joins the group. */
  koi_message_row_set_item (KOI_MESSAGE_ROW (row), second);
  koi_message_row_set_previous (KOI_MESSAGE_ROW (row), first);
  g_assert_true (koi_message_row_get_grouped (KOI_MESSAGE_ROW (row)));
  g_assert_cmpstr (koi_message_row_get_day_text (KOI_MESSAGE_ROW (row)), ==, "");
  g_assert_cmpstr (koi_message_row_get_sender_text (KOI_MESSAGE_ROW (row)), ==, "");

  g_object_unref (row);
}

static GtkWidget *
find_of_type (GtkWidget *root,
              GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = G_TYPE_CHECK_INSTANCE_TYPE (child, type) ? child : find_of_type (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A group's incoming bubble beside its sender's avatar (KoiBubbleLine), at a
 * narrow and a wide width: the avatar left of the bubble with 6 px between,
 * the bubble inside the row, its text whole; narrow, the text wraps into a
 * taller, narrower bubble. */
static void
test_message_row_line (void)
{
  const char *text = "Could you bring the notes from the meeting tomorrow? I think we should ask "
                     "Bob about it first, and then we can decide who writes the summary.";
  g_autoptr (KoiMessage) message = make_message (6, KOI_STORE_DIRECTION_INCOMING, KOI_STORE_STATE_RECEIVED,
                                                 KOI_STORE_KIND_CHAT, "bob@example.org", "Bob", NULL,
                                                 text, NULL, now_ms ());
  static const int widths[] = { 220, 700 };
  graphene_rect_t bubbles[G_N_ELEMENTS (widths)];
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  GtkWidget *row = koi_message_row_new ();
  GtkWidget *avatar, *label, *bubble;

  koi_message_row_set_show_avatar (KOI_MESSAGE_ROW (row), TRUE);
  koi_message_row_set_item (KOI_MESSAGE_ROW (row), message);
  gtk_window_set_child (window, row);
  gtk_window_present (window);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));

  avatar = find_of_type (row, ADW_TYPE_AVATAR);
  label = koi_test_ui_find_label (row, text);
  g_assert_nonnull (avatar);
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_get_visible (avatar));
  /* The bubble: the box around the text's sizer. */
  bubble = gtk_widget_get_parent (gtk_widget_get_parent (label));
  g_assert_true (gtk_widget_has_css_class (bubble, "koi-bubble"));

  for (guint i = 0; i < G_N_ELEMENTS (widths); i++)
    {
      graphene_rect_t face;
      int height, needed;

      gtk_widget_measure (row, GTK_ORIENTATION_VERTICAL, widths[i], &height, NULL, NULL, NULL);
      gtk_widget_allocate (row, widths[i], height, -1, NULL);
      g_assert_true (gtk_widget_compute_bounds (avatar, row, &face));
      g_assert_true (gtk_widget_compute_bounds (bubble, row, &bubbles[i]));
      g_test_message ("row %d px: avatar at %.0f (%.0f wide), bubble at %.0f, %.0f x %.0f",
                      widths[i], face.origin.x, face.size.width, bubbles[i].origin.x,
                      bubbles[i].size.width, bubbles[i].size.height);
      g_assert_cmpfloat (fabs (bubbles[i].origin.x - (face.origin.x + face.size.width + 6)), <=, 1);
      g_assert_cmpfloat (bubbles[i].origin.x + bubbles[i].size.width, <=, widths[i]);
      /* Top-aligned beside the bubble's first line, not centred on it. */
      g_assert_cmpfloat (face.origin.y, <=, bubbles[i].origin.y + 1);
      gtk_widget_measure (label, GTK_ORIENTATION_VERTICAL, gtk_widget_get_width (label), &needed, NULL,
                          NULL, NULL);
      g_assert_cmpint (gtk_widget_get_height (label), >=, needed);
    }
  g_assert_cmpfloat (bubbles[0].size.width, <, bubbles[1].size.width);
  g_assert_cmpfloat (bubbles[0].size.height, >, bubbles[1].size.height);

  gtk_window_destroy (window);
}

static void
test_message_row_edited_deleted (void)
{
  gint64 t = now_ms ();
  g_autoptr (KoiMessage) message = make_message (4, KOI_STORE_DIRECTION_INCOMING, KOI_STORE_STATE_RECEIVED,
                                                 KOI_STORE_KIND_CHAT, "bob@example.org", "Bob", NULL,
                                                 "Lunch at noon?", NULL, t);
  GtkWidget *row = g_object_ref_sink (koi_message_row_new ());
  KoiStoreMessage stored = {
    .id = 4, .account_id = 1, .chat_id = 7, .message_id = (char *) "chat$x@example.org",
    .direction = KOI_STORE_DIRECTION_INCOMING, .state = KOI_STORE_STATE_RECEIVED,
    .kind = KOI_STORE_KIND_CHAT, .from_address = (char *) "bob@example.org",
    .from_name = (char *) "Bob", .text = (char *) "Lunch at one?",
    .sent_at_ms = t, .received_at_ms = t, .sort_ms = t, .edited_at_ms = t + 60000,
  };

  koi_message_row_set_item (KOI_MESSAGE_ROW (row), message);
  g_assert_false (g_str_has_prefix (koi_message_row_get_time_text (KOI_MESSAGE_ROW (row)), "edited"));

  /* Bob fixed his message: the bubble shows the new text, marked edited. */
  koi_message_update_from_store (message, &stored);
  g_assert_cmpstr (koi_message_row_get_text_markup (KOI_MESSAGE_ROW (row)), ==, "Lunch at one?");
  g_assert_true (g_str_has_prefix (koi_message_row_get_time_text (KOI_MESSAGE_ROW (row)), "edited "));

  /* Then he deleted it for everyone: no text, and the bubble says why. */
  stored.text = NULL;
  stored.deleted = TRUE;
  koi_message_update_from_store (message, &stored);
  g_assert_cmpstr (koi_message_row_get_text_markup (KOI_MESSAGE_ROW (row)), ==, "<i>Message deleted</i>");
  g_assert_false (g_str_has_prefix (koi_message_row_get_time_text (KOI_MESSAGE_ROW (row)), "edited"));

  g_object_unref (row);
}

static void
on_retry (GSimpleAction *action,
          GVariant      *parameter,
          gpointer       user_data)
{
  *(gint64 *) user_data = g_variant_get_int64 (parameter);
}

static void
test_message_row_states (void)
{
  g_autoptr (KoiMessage) message = make_message (42, KOI_STORE_DIRECTION_OUTGOING, KOI_STORE_STATE_QUEUED,
                                                 KOI_STORE_KIND_CHAT, "alice@example.org", NULL, NULL,
                                                 "hello", NULL, now_ms ());
  g_autoptr (GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr (GSimpleAction) retry = g_simple_action_new ("retry", G_VARIANT_TYPE_INT64);
  GtkWidget *box = g_object_ref_sink (gtk_box_new (GTK_ORIENTATION_VERTICAL, 0));
  GtkWidget *row = koi_message_row_new ();
  gint64 retried = 0;

  g_signal_connect (retry, "activate", G_CALLBACK (on_retry), &retried);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (retry));
  gtk_widget_insert_action_group (box, "conversation", G_ACTION_GROUP (group));
  gtk_box_append (GTK_BOX (box), row);

  koi_message_row_set_item (KOI_MESSAGE_ROW (row), message);
  g_assert_cmpstr (koi_message_row_get_state_text (KOI_MESSAGE_ROW (row)), ==, "Waiting to send");
  g_assert_false (koi_message_row_get_can_retry (KOI_MESSAGE_ROW (row)));
  /* Own messages show no sender name. */
  g_assert_cmpstr (koi_message_row_get_sender_text (KOI_MESSAGE_ROW (row)), ==, "");

  koi_message_set_state (message, KOI_MESSAGE_SENDING);
  g_assert_cmpstr (koi_message_row_get_state_text (KOI_MESSAGE_ROW (row)), ==, "Sending…");
  koi_message_set_state (message, KOI_MESSAGE_SENT);
  g_assert_cmpstr (koi_message_row_get_state_text (KOI_MESSAGE_ROW (row)), ==, "Sent");

  /* A read receipt came: the same row shows two ticks, "Read". */
  {
    KoiStoreMessage read_row = {
      .id = 42, .account_id = 1, .chat_id = 7, .message_id = (char *) "chat$x@example.org",
      .direction = KOI_STORE_DIRECTION_OUTGOING, .state = KOI_STORE_STATE_SENT,
      .kind = KOI_STORE_KIND_CHAT, .from_address = (char *) "alice@example.org",
      .text = (char *) "hello", .read_count = 1,
    };

    g_assert_false (koi_message_get_read (message));
    koi_message_update_from_store (message, &read_row);
    g_assert_true (koi_message_get_read (message));
    g_assert_cmpstr (koi_message_row_get_state_text (KOI_MESSAGE_ROW (row)), ==, "Read");
  }

  /* Queued and never tried: nothing to say while online (it goes out in
   * a moment); offline, the bubble says what it waits for. */
  koi_message_set_state (message, KOI_MESSAGE_QUEUED);
  g_assert_cmpstr (koi_message_row_get_note_text (KOI_MESSAGE_ROW (row)), ==, "");
  koi_message_row_set_offline (KOI_MESSAGE_ROW (row), TRUE);
  g_assert_cmpstr (koi_message_row_get_note_text (KOI_MESSAGE_ROW (row)), ==, "Waiting for the network");
  g_assert_false (koi_message_row_get_can_delete (KOI_MESSAGE_ROW (row)));
  koi_message_row_set_offline (KOI_MESSAGE_ROW (row), FALSE);
  g_assert_cmpstr (koi_message_row_get_note_text (KOI_MESSAGE_ROW (row)), ==, "");
  koi_message_row_set_offline (KOI_MESSAGE_ROW (row), TRUE);

  /* Back in the queue after a failed attempt: the bubble says why, and
   * that the engine tries again (no button: nothing for the user to do). */
  koi_message_set_failure_reason (message, "Could not connect to the SMTP server");
  koi_message_set_state (message, KOI_MESSAGE_QUEUED);
  g_assert_cmpstr (koi_message_row_get_note_text (KOI_MESSAGE_ROW (row)), ==,
                   "Will try again: Could not connect to the SMTP server");
  g_assert_false (koi_message_row_get_can_retry (KOI_MESSAGE_ROW (row)));
  g_assert_false (koi_message_row_get_can_delete (KOI_MESSAGE_ROW (row)));

  /* A permanent refusal (5xx): the reason in the bubble, Delete, and no
   * Retry, which would only be refused again. */
  koi_message_set_failure_reason (message, "bob@example.org: 550 5.1.1 No such user");
  koi_message_set_state (message, KOI_MESSAGE_FAILED);
  g_assert_cmpstr (koi_message_row_get_state_text (KOI_MESSAGE_ROW (row)), ==, "Not sent");
  g_assert_cmpstr (koi_message_row_get_note_text (KOI_MESSAGE_ROW (row)), ==,
                   "Server refused: bob@example.org: 550 5.1.1 No such user");
  g_assert_true (koi_message_row_get_can_delete (KOI_MESSAGE_ROW (row)));
  g_assert_false (koi_message_row_get_can_retry (KOI_MESSAGE_ROW (row)));

  /* A refusal without a permanent code may pass another time: Retry too. */
  koi_message_set_failure_reason (message, "bob@example.org: refused by the server");
  g_assert_true (koi_message_row_get_can_delete (KOI_MESSAGE_ROW (row)));
  g_assert_true (koi_message_row_get_can_retry (KOI_MESSAGE_ROW (row)));

  /* The Retry button asks the conversation to retry this message. */
  g_assert_true (gtk_widget_activate_action (row, "message-row.retry", NULL));
  g_assert_cmpint (retried, ==, 42);

  g_object_unref (box);
}

static void
test_message_row_email (void)
{
  g_autoptr (KoiMessage) message = make_message (5, KOI_STORE_DIRECTION_INCOMING, KOI_STORE_STATE_RECEIVED,
                                                 KOI_STORE_KIND_EMAIL, "carol@example.org", "Carol",
                                                 "Quarterly report", "See the numbers below.",
                                                 "See the numbers below.\n\n> old quoted text", now_ms ());
  g_autoptr (KoiMessage) placeholder = koi_message_new_placeholder ();
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  GtkWidget *row = koi_message_row_new ();
  GtkWidget *subject, *show, *button;

  koi_message_row_set_item (KOI_MESSAGE_ROW (row), message);
  gtk_window_set_child (window, row);
  gtk_window_present (window);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));

  subject = koi_test_ui_find_label (row, "Quarterly report");
  g_assert_nonnull (subject);
  g_assert_true (gtk_widget_get_visible (subject));
  g_assert_cmpstr (koi_message_row_get_text_markup (KOI_MESSAGE_ROW (row)), ==, "See the numbers below.");

  show = koi_test_ui_find_label (row, "Show Full Message");
  g_assert_nonnull (show);
  button = gtk_widget_get_ancestor (show, GTK_TYPE_BUTTON);
  g_assert_true (gtk_widget_get_visible (button));
  g_signal_emit_by_name (button, "clicked");
  g_assert_cmpstr (koi_message_row_get_text_markup (KOI_MESSAGE_ROW (row)), ==,
                   "See the numbers below.\n\n&gt; old quoted text");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, "Hide Full Message");

  /* A placeholder shows nothing but keeps a bubble's height. */
  koi_message_row_set_item (KOI_MESSAGE_ROW (row), placeholder);
  g_assert_cmpstr (koi_message_row_get_text_markup (KOI_MESSAGE_ROW (row)), ==, "");
  g_assert_null (koi_test_ui_find_label (row, "Quarterly report"));
  {
    int min_height = 0;

    gtk_widget_measure (row, GTK_ORIENTATION_VERTICAL, 300, &min_height, NULL, NULL, NULL);
    g_assert_cmpint (min_height, >=, 30);
  }

  gtk_window_destroy (window);
}

static void
on_send (KoiComposer *composer,
         const char  *text,
         GPtrArray   *sent)
{
  g_ptr_array_add (sent, g_strdup (text));
}

static gboolean
press (GtkEventController *controller,
       guint               keyval,
       GdkModifierType     state)
{
  gboolean handled = FALSE;

  g_signal_emit_by_name (controller, "key-pressed", keyval, 0, state, &handled);
  return handled;
}

static void
test_composer (void)
{
  g_autoptr (GPtrArray) sent = g_ptr_array_new_with_free_func (g_free);
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  KoiComposer *composer = KOI_COMPOSER (koi_composer_new ());
  GtkEventController *keys;
  GtkWidget *button = koi_composer_get_send_button (composer);

  gtk_window_set_child (window, GTK_WIDGET (composer));
  gtk_window_present (window);
  koi_test_ui_wait_for_drawn (GTK_WIDGET (window));
  g_signal_connect (composer, "send", G_CALLBACK (on_send), sent);

  keys = koi_test_ui_find_capture_key_controller (GTK_WIDGET (koi_composer_get_text_view (composer)));
  g_assert_nonnull (keys);

  /* Empty and blank: nothing to send, the button says so. */
  g_assert_false (gtk_widget_get_sensitive (button));
  koi_composer_set_text (composer, "  \n\t ");
  g_assert_false (gtk_widget_get_sensitive (button));
  g_assert_true (press (keys, GDK_KEY_Return, 0));
  g_assert_cmpuint (sent->len, ==, 0);

  /* Shift+Enter is a new line, not a send. */
  koi_composer_set_text (composer, "line one");
  g_assert_true (gtk_widget_get_sensitive (button));
  g_assert_false (press (keys, GDK_KEY_Return, GDK_SHIFT_MASK));
  g_assert_cmpuint (sent->len, ==, 0);

  /* Enter sends the trimmed text, clears the entry and keeps the focus. */
  koi_composer_set_text (composer, "  line one\nline two \n");
  g_assert_true (press (keys, GDK_KEY_Return, 0));
  g_assert_cmpuint (sent->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (sent, 0), ==, "line one\nline two");
  g_assert_false (koi_composer_can_send (composer));
  g_assert_false (gtk_widget_get_sensitive (button));
  g_assert_true (gtk_widget_is_focus (GTK_WIDGET (koi_composer_get_text_view (composer))));

  /* The button does the same. */
  koi_composer_set_text (composer, "by button");
  g_signal_emit_by_name (button, "clicked");
  g_assert_cmpuint (sent->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (sent, 1), ==, "by button");

  gtk_window_destroy (window);
}

static void
test_new_chat_bad_address (void)
{
  KoiNewChatDialog *dialog = KOI_NEW_CHAT_DIALOG (koi_new_chat_dialog_new (NULL));

  g_object_ref_sink (dialog);
  koi_new_chat_dialog_set_address (dialog, "bob at example.org");
  koi_new_chat_dialog_start (dialog);
  g_assert_cmpstr (koi_new_chat_dialog_get_error (dialog), ==,
                   "“bob at example.org” is not an email address. An address looks like name@example.org.");

  /* Typing again clears the complaint. */
  koi_new_chat_dialog_set_address (dialog, "bob@example.org");
  g_assert_cmpstr (koi_new_chat_dialog_get_error (dialog), ==, "");

  /* An AdwWindow (legacy set) is also held by GTK's list of toplevels. */
  if (GTK_IS_WINDOW (dialog))
    gtk_window_destroy (GTK_WINDOW (dialog));
  g_object_unref (dialog);
}

static void
test_welcome_form (void)
{
  GtkWidget *page = g_object_ref_sink (koi_welcome_page_new ());
  GtkEditable *address = GTK_EDITABLE (gtk_widget_get_template_child (page, KOI_TYPE_WELCOME_PAGE, "address_row"));
  GtkEditable *password = GTK_EDITABLE (gtk_widget_get_template_child (page, KOI_TYPE_WELCOME_PAGE, "password_row"));
  GtkEditable *imap_host = GTK_EDITABLE (gtk_widget_get_template_child (page, KOI_TYPE_WELCOME_PAGE, "imap_host_row"));
  AdwComboRow *imap_security = ADW_COMBO_ROW (gtk_widget_get_template_child (page, KOI_TYPE_WELCOME_PAGE, "imap_security_row"));
  g_autoptr (KoiAccountSettings) settings = NULL;
  g_autoptr (GError) error = NULL;

  koi_welcome_page_submit (KOI_WELCOME_PAGE (page));
  g_assert_nonnull (strstr (koi_welcome_page_get_error (KOI_WELCOME_PAGE (page)), "is not an email address"));

  gtk_editable_set_text (address, "alice@example.org");
  /* The servers are guessed from the address. */
  g_assert_cmpstr (gtk_editable_get_text (imap_host), ==, "imap.example.org");

  settings = koi_welcome_page_build_settings (KOI_WELCOME_PAGE (page), &error);
  g_assert_null (settings);
  g_assert_cmpstr (error->message, ==, "Enter the password of your email account.");
  g_clear_error (&error);

  gtk_editable_set_text (password, " secret ");
  adw_combo_row_set_selected (imap_security, 1);
  settings = koi_welcome_page_build_settings (KOI_WELCOME_PAGE (page), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (settings->address, ==, "alice@example.org");
  g_assert_cmpstr (settings->imap->host, ==, "imap.example.org");
  g_assert_cmpint (settings->imap->port, ==, 143);
  g_assert_cmpint (settings->imap->security, ==, KOI_SECURITY_STARTTLS);
  g_assert_cmpstr (settings->imap->password, ==, " secret ");
  g_assert_cmpstr (settings->smtp->host, ==, "smtp.example.org");
  g_assert_cmpint (settings->smtp->port, ==, 465);
  g_assert_cmpint (settings->smtp->security, ==, KOI_SECURITY_TLS);

  /* Without a session (no profile folder) the form says so, loses nothing. */
  koi_welcome_page_submit (KOI_WELCOME_PAGE (page));
  g_assert_nonnull (strstr (koi_welcome_page_get_error (KOI_WELCOME_PAGE (page)), "profile folder"));
  g_assert_cmpstr (gtk_editable_get_text (password), ==, " secret ");

  g_object_unref (page);
}

int
main (int   argc,
      char *argv[])
{
  koi_test_ui_init (&argc, &argv);

  g_test_add_func ("/ui/format/relative-time", test_relative_time);
  g_test_add_func ("/ui/format/markup", test_markup);
  g_test_add_func ("/ui/format/address", test_address_validation);
  g_test_add_func ("/ui/format/error-words", test_error_words);
  g_test_add_func ("/ui/chat-row/texts", test_chat_row);
  g_test_add_func ("/ui/message-row/texts", test_message_row_texts);
  g_test_add_func ("/ui/message-row/states", test_message_row_states);
  g_test_add_func ("/ui/message-row/email", test_message_row_email);
  g_test_add_func ("/ui/message-row/edited-deleted", test_message_row_edited_deleted);
  g_test_add_func ("/ui/message-row/line", test_message_row_line);
  g_test_add_func ("/ui/composer/enter-sends", test_composer);
  g_test_add_func ("/ui/new-chat/bad-address", test_new_chat_bad_address);
  g_test_add_func ("/ui/welcome/form", test_welcome_form);

  return g_test_run ();
}
