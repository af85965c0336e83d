/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-conversation-view"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "koi-compat.h"
#include "koi-attachment-sender.h"
#include "koi-composer-draft.h"
#include "koi-request-bar.h"
#include "koi-conversation-view.h"
#include "koi-search-results.h"
#include "koi-edit-history-dialog.h"
#include "koi-source-dialog.h"
#include "koi-message-extras.h"
#include "koi-message-cell.h"
#include "koi-message-list.h"
#include "koi-message-row.h"

/* Within this many pixels of the end counts as "at the bottom". */
#define BOTTOM_SLACK 48.0
/* A move of the list during a frame's layout counts as the user's for this
 * long after their last scroll, click, key or touch in the list: what they
 * did then (a key moving the focus up) moves the list in the next layout. */
#define USER_INPUT_USEC (500 * G_TIME_SPAN_MILLISECOND)
/* Cells this far (in viewport heights) above or below the viewport show
 * their bubble (are "live"); farther ones only claim a height. Page Up
 * moves 0.9 of a viewport, so its next page is live already. */
#define LIVE_MARGIN 1.0
/* Layout rounds per frame the view may ask for (see on_clock_layout). */
#define LAYOUT_PASSES 2

struct _KoiConversationView
{
  GtkWidget         parent_instance;

  GtkScrolledWindow *scroller;
  GtkListView       *list_view;
  GtkWidget         *jump_button;
  GtkLabel          *jump_label;
  GtkNoSelection    *selection;
  KoiComposer       *composer;
  KoiComposerDraft  *draft;
  KoiRequestBar     *request_bar;
  GtkWidget         *not_member_label;

  KoiAccount        *account;
  KoiChat           *chat;
  GListModel        *messages;
  GCancellable      *cancellable;

  /* Follow the newest message: set when a chat opens and while the user
   * stays at the bottom; cleared when they scroll up. */
  gboolean           at_bottom;
  /* The adjustment at its last value change: value, and distance to the
   * end (see on_adjustment_value_changed). */
  double             last_value;
  double             last_distance;
  /* When the user last scrolled, clicked, pressed a key or touched inside
   * the scroller (monotonic time), and whether the end is kept by the
   * list's anchor (GTK >= 4.12) rather than by setting the adjustment. */
  gint64             input_time;
  gboolean           anchored;

  /* Bringing the newest message into view: a tick callback on the list
   * that checks, after each layout, whether the newest row is drawn inside
   * the viewport, and scrolls again until it is (GtkListView only knows
   * where a row is once it has laid it out). On opening a chat the list
   * stays transparent meanwhile, so no frame shows the oldest messages. */
  guint              settle_tick;
  guint              settle_frames;
  gboolean           settle_hidden;

  /* Making the cells near the viewport live (koi-message-cell.h): right
   * after each layout (the frame clock's "layout" signal; the clock lays
   * out again before it paints, so they are drawn in the same frame), or
   * in a one-shot tick before the next frame when one frame has done
   * enough; and the heights the rows had, by message, for the cells that
   * are not live. */
  GdkFrameClock     *clock;
  gulong             layout_handler;
  /* Inside a frame (from "before-paint" to "after-paint"): the list is
   * being laid out, and what moves its adjustment then is GTK's layout,
   * not the user, whose input arrives before (the "flush-events" phase). */
  gulong             before_paint_handler;
  gulong             after_paint_handler;
  gboolean           in_frame;
  gint64             live_frame;
  guint              live_passes;
  guint              live_tick;
  GHashTable        *heights;

  /* Messages that arrived while the user was scrolled up: the count on
   * the "jump to bottom" button. */
  guint              unseen;

  /* The "New messages" line: how many were unread when the chat opened,
   * and the position of the first of them once the list's length is
   * known (G_MAXUINT: none, or not known yet). */
  guint              unread_at_open;
  guint              marker_position;

  /* What the composer's text will do: replace this message's text
   * (editing_id), or answer it with a quote (reply_id); 0 = neither. */
  gint64             editing_id;
  gint64             reply_id;

  /* Going to a quoted message: a tick callback, like settling at the end,
   * that scrolls until the message's row is laid out in view (its page
   * may still be loading), then gives it the focus. */
  guint              jump_tick;
  guint              jump_frames;
  gint64             jump_id;
  guint              jump_position;
  /* Opening the focused message's menu after its key (Enter, Menu). */
  guint              menu_idle;

  /* Ctrl+F: this chat's search, and where the focus was when it opened
   * (weak pointer: Escape brings it back). */
  GtkWidget         *empty_state;
  GtkRevealer       *find_bar;
  GtkSearchEntry    *find_entry;
  KoiSearchResults  *find_results;
  GtkWidget         *find_return_focus;
  /* Stepping through the matches in place (Enter, Ctrl+G, the arrows):
   * the match shown now (0 = newest; -1 = none yet) and its "3 of 12". */
  GtkLabel          *find_count;
  GtkWidget         *find_older;
  GtkWidget         *find_newer;
  int                find_index;
  /* Whether a jump gives the message the focus: stepping leaves it in the
   * search entry, so the next Enter steps again. */
  gboolean           jump_focus;
  /* While stepping, the match stays marked until the next step. */
  gboolean           highlight_keep;
  /* The account cannot reach its server: queued bubbles say they wait for
   * the network. */
  gboolean           offline;
  /* A message reached from a search result: its row stands out for a
   * moment once it is in view (weak pointer to that row). */
  gint64             highlight_id;
  GtkWidget         *highlight_row;
  guint              highlight_timeout;
};

G_DEFINE_FINAL_TYPE (KoiConversationView, koi_conversation_view, GTK_TYPE_WIDGET)

enum {
  SIGNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void find_close      (KoiConversationView *self);
static void clear_highlight (KoiConversationView *self);
static void highlight_row   (KoiConversationView *self,
                             GtkWidget           *row);

GtkWidget *
koi_conversation_view_new (void)
{
  return g_object_new (KOI_TYPE_CONVERSATION_VIEW, NULL);
}

static GtkAdjustment *
vadjustment (KoiConversationView *self)
{
  return gtk_scrolled_window_get_vadjustment (self->scroller);
}

static void leave_mode (KoiConversationView *self);

static void
scroll_to_end (KoiConversationView *self)
{
  guint n = self->messages != NULL ? g_list_model_get_n_items (self->messages) : 0;
  GtkAdjustment *adj = vadjustment (self);

  if (n == 0)
    return;

  /* GTK >= 4.12: the list keeps the last row's bottom edge at the bottom
   * by itself from its next layout on, whatever heights change. Setting
   * the adjustment there fights the list: it puts the value back from its
   * anchor in the same layout (issue 16, ui-chat-edits). */
  self->anchored = koi_compat_list_anchor_end (self->list_view, n - 1);
  if (self->anchored)
    return;
  koi_compat_list_scroll_to (self->list_view, n - 1);
  /* Following the end is not the user leaving it. */
  koi_compat_list_take_scroll_request (self->list_view);
  /* scroll-to-item only brings the row into view; its bottom edge may
   * still be cut off. The adjustment's "changed" handler below finishes
   * the job once the list has measured the row. */
  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
}

/* Frames to keep trying before giving up and showing what there is. */
#define SETTLE_MAX_FRAMES 120

static void
update_jump_button (KoiConversationView *self)
{
  g_autofree char *count = NULL;

  if (self->at_bottom || self->unseen == 0)
    {
      self->unseen = 0;
      gtk_widget_set_visible (self->jump_button, FALSE);
      return;
    }
  count = g_strdup_printf ("%u", self->unseen);
  gtk_label_set_label (self->jump_label, count);
  gtk_widget_set_visible (self->jump_button, TRUE);
}

/* The row widget bound to the list's last item, if the list made one. */
static KoiMessageRow *
newest_row (KoiConversationView *self)
{
  guint n = self->messages != NULL ? g_list_model_get_n_items (self->messages) : 0;
  g_autoptr (KoiMessage) newest = NULL;

  if (n == 0)
    return NULL;
  newest = g_list_model_get_item (self->messages, n - 1);
  for (GtkWidget *item = gtk_widget_get_first_child (GTK_WIDGET (self->list_view)); item != NULL;
       item = gtk_widget_get_next_sibling (item))
    {
      GtkWidget *cell = gtk_widget_get_first_child (item);

      if (cell != NULL && KOI_IS_MESSAGE_CELL (cell) &&
          koi_message_cell_get_live (KOI_MESSAGE_CELL (cell)) &&
          koi_message_cell_get_item (KOI_MESSAGE_CELL (cell)) == newest)
        return koi_message_cell_get_row (KOI_MESSAGE_CELL (cell));
    }
  return NULL;
}

gboolean
koi_conversation_view_row_in_view (KoiConversationView *self,
                                   GtkWidget           *row)
{
  graphene_rect_t bounds;
  int height = gtk_widget_get_height (GTK_WIDGET (self->scroller));

  g_return_val_if_fail (KOI_IS_CONVERSATION_VIEW (self), FALSE);

  if (row == NULL || !gtk_widget_get_mapped (row) || gtk_widget_get_height (row) <= 0)
    return FALSE;
  if (!gtk_widget_compute_bounds (row, GTK_WIDGET (self->scroller), &bounds))
    return FALSE;
  return bounds.origin.y >= -1 && bounds.origin.y + bounds.size.height <= height + 1;
}

gboolean
koi_conversation_view_newest_in_view (KoiConversationView *self)
{
  KoiMessageRow *row;
  KoiMessage *item;

  g_return_val_if_fail (KOI_IS_CONVERSATION_VIEW (self), FALSE);

  row = newest_row (self);
  item = row != NULL ? koi_message_row_get_item (row) : NULL;
  return item != NULL && koi_message_get_loaded (item) &&
         koi_conversation_view_row_in_view (self, GTK_WIDGET (row));
}

static void stop_jump (KoiConversationView *self);
/* Makes the cells near the viewport live, by where the last layout put
 * them; TRUE if it woke any (they ask for another layout). */
static gboolean
update_live (KoiConversationView *self)
{
  gboolean woke = FALSE;
  GtkWidget *list = GTK_WIDGET (self->list_view);
  double height = gtk_widget_get_height (list);
  double margin = MAX (height, 100.0) * LIVE_MARGIN;

  for (GtkWidget *item = gtk_widget_get_first_child (list); item != NULL;
       item = gtk_widget_get_next_sibling (item))
    {
      GtkWidget *cell = gtk_widget_get_first_child (item);
      graphene_rect_t bounds;

      if (cell == NULL || !KOI_IS_MESSAGE_CELL (cell) ||
          koi_message_cell_get_live (KOI_MESSAGE_CELL (cell)) ||
          koi_message_cell_get_item (KOI_MESSAGE_CELL (cell)) == NULL ||
          !gtk_widget_get_child_visible (item) || gtk_widget_get_height (item) <= 0 ||
          !gtk_widget_compute_bounds (item, list, &bounds))
        continue;
      if (bounds.origin.y + bounds.size.height >= -margin && bounds.origin.y <= height + margin)
        {
          koi_message_cell_set_live (KOI_MESSAGE_CELL (cell), TRUE);
          woke = TRUE;
        }
    }
  return woke;
}

static gboolean
live_tick_cb (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  KoiConversationView *self = user_data;

  self->live_tick = 0;
  update_live (self);
  return G_SOURCE_REMOVE;
}

static void
queue_update_live (KoiConversationView *self)
{
  if (self->live_tick == 0)
    self->live_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->list_view), live_tick_cb,
                                                    self, NULL);
}

static void stop_settle (KoiConversationView *self);

/* After the window's layout in each layout round of a frame. The clock
 * runs at most 4 rounds a frame (and warns after that): two may be ours
 * (waking cells, or scrolling to the end), leaving one for what woken
 * rows ask for once laid out (their CSS, their text: GTK 4.18 warned with
 * three of ours in ui-conversation); more work waits for the next frame. */
static void
on_clock_layout (KoiConversationView *self,
                 GdkFrameClock       *clock)
{
  gint64 frame = gdk_frame_clock_get_frame_counter (clock);

  if (frame != self->live_frame)
    {
      self->live_frame = frame;
      self->live_passes = 0;
    }
  if (self->live_passes >= LAYOUT_PASSES)
    {
      /* Enough layout rounds for this frame: go on in the next one. */
      queue_update_live (self);
      return;
    }
  if (update_live (self))
    {
      self->live_passes++;
      return;
    }
  if (self->settle_tick == 0)
    {
      /* Following the newest message: heights that changed in this
       * layout (pages arriving, estimates replaced) moved the end. The
       * adjustment "changed" handler sets the value during the list's
       * allocation; GTK 4.18's list does not act on that (its adjustment
       * may even say "at the end" while the list shows rows above), so
       * check what is drawn and scroll again, by item, after the layout. */
      GtkAdjustment *adj = vadjustment (self);
      double end = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj);
      KoiMessageRow *row = self->at_bottom ? newest_row (self) : NULL;
      KoiMessage *item = row != NULL ? koi_message_row_get_item (row) : NULL;

      /* Anchored at the last row's end (GTK >= 4.12), the value is that
       * edge: only a row out of view needs the anchor set again. */
      if (self->at_bottom &&
          ((!self->anchored && gtk_adjustment_get_value (adj) < end - 0.5) ||
           (item != NULL && koi_message_get_loaded (item) &&
            /* A bubble taller than the view is never wholly in it. */
            gtk_widget_get_height (GTK_WIDGET (row)) < gtk_widget_get_height (GTK_WIDGET (self->scroller)) &&
            !koi_conversation_view_row_in_view (self, GTK_WIDGET (row)))))
        {
          scroll_to_end (self);
          self->live_passes++;
        }
      return;
    }
  /* The cells in view are live: if this layout shows the newest message,
   * settling is done, and this very frame draws the chat; if real heights
   * moved the end, scroll to it now (the list views adjustment changes
   * during its own allocation are lost) and check in the next round. */
  if (koi_conversation_view_newest_in_view (self))
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self->list_view), self->settle_tick);
      self->settle_tick = 0;
      self->at_bottom = TRUE;
      update_jump_button (self);
      stop_settle (self);
    }
  else
    {
      scroll_to_end (self);
      self->live_passes++;
    }
}

static void
on_clock_before_paint (KoiConversationView *self,
                       GdkFrameClock       *clock)
{
  self->in_frame = TRUE;
}

static void
on_clock_after_paint (KoiConversationView *self,
                      GdkFrameClock       *clock)
{
  self->in_frame = FALSE;
  koi_compat_list_take_scroll_request (self->list_view);
}

static void
on_list_realize (KoiConversationView *self,
                 GtkWidget           *list)
{
  self->clock = g_object_ref (gtk_widget_get_frame_clock (list));
  self->layout_handler = g_signal_connect_object (self->clock, "layout", G_CALLBACK (on_clock_layout),
                                                  self, G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  self->before_paint_handler = g_signal_connect_object (self->clock, "before-paint",
                                                        G_CALLBACK (on_clock_before_paint),
                                                        self, G_CONNECT_SWAPPED);
  self->after_paint_handler = g_signal_connect_object (self->clock, "after-paint",
                                                       G_CALLBACK (on_clock_after_paint),
                                                       self, G_CONNECT_SWAPPED | G_CONNECT_AFTER);
}

static void
on_list_unrealize (KoiConversationView *self,
                   GtkWidget           *list)
{
  if (self->clock != NULL)
    {
      g_clear_signal_handler (&self->layout_handler, self->clock);
      g_clear_signal_handler (&self->before_paint_handler, self->clock);
      g_clear_signal_handler (&self->after_paint_handler, self->clock);
    }
  self->in_frame = FALSE;
  g_clear_object (&self->clock);
}

static void
stop_settle (KoiConversationView *self)
{
  if (self->settle_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->list_view), self->settle_tick);
  self->settle_tick = 0;
  self->settle_hidden = FALSE;
  gtk_widget_set_opacity (GTK_WIDGET (self->list_view), 1.0);
}

/* Runs before each frame's layout, so it sees the previous layout: the
 * newest row in view ends it; otherwise it scrolls again for this frame. */
static gboolean
settle_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  KoiConversationView *self = user_data;
  guint n = self->messages != NULL ? g_list_model_get_n_items (self->messages) : 0;

  if (n == 0)
    {
      /* Still counting: wait for the count (it starts the list anew). */
      if (self->messages != NULL && KOI_IS_MESSAGE_LIST (self->messages) &&
          koi_message_list_get_loading (KOI_MESSAGE_LIST (self->messages)) &&
          self->settle_frames++ < SETTLE_MAX_FRAMES)
        return G_SOURCE_CONTINUE;
      self->settle_tick = 0;
      stop_settle (self);
      return G_SOURCE_REMOVE;
    }

  if (koi_conversation_view_newest_in_view (self) || self->settle_frames++ >= SETTLE_MAX_FRAMES)
    {
      self->settle_tick = 0;
      self->at_bottom = TRUE;
      update_jump_button (self);
      stop_settle (self);
      return G_SOURCE_REMOVE;
    }

  scroll_to_end (self);
  return G_SOURCE_CONTINUE;
}

/* Brings the newest message into view over the next frames; @hide: keep
 * the list invisible until then (a chat being opened). */
static void
settle_at_end (KoiConversationView *self,
               gboolean             hide)
{
  self->at_bottom = TRUE;
  self->settle_frames = 0;
  if (hide)
    {
      self->settle_hidden = TRUE;
      gtk_widget_set_opacity (GTK_WIDGET (self->list_view), 0.0);
    }
  if (self->settle_tick == 0)
    self->settle_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->list_view), settle_tick_cb,
                                                      self, NULL);
  scroll_to_end (self);
  update_jump_button (self);
}

static void
on_jump_clicked (KoiConversationView *self,
                 GtkButton           *button)
{
  settle_at_end (self, FALSE);
}

static void
on_adjustment_value_changed (KoiConversationView *self,
                             GtkAdjustment       *adj)
{
  double end = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj);
  double value = gtk_adjustment_get_value (adj);
  double distance = end - value;
  gboolean moved_up = value < self->last_value - 0.5 && distance > self->last_distance + 0.5;
  /* Who moved it: outside a frame, the user (wheel and scrollbar events
   * arrive before a frame) or code that scrolls for them; during a frame's
   * layout, the list itself, replacing estimated heights from its anchor,
   * unless a scroll was asked for or the user's input just came. */
  gboolean by_user = !self->in_frame ||
                     koi_compat_list_peek_scroll_request (self->list_view) ||
                     g_get_monotonic_time () - self->input_time < USER_INPUT_USEC;

  self->last_value = value;
  self->last_distance = distance;
  /* While settling, the list's own jumps are not the user's scrolling;
   * while going to a quoted message, passing near the end must not make
   * the view follow the end again and pull the list back down (seen in
   * ui-chat-edits under load: the jump ran out of frames). */
  if (self->settle_tick != 0 || self->jump_tick != 0)
    return;
  if (distance <= BOTTOM_SLACK)
    self->at_bottom = TRUE;
  /* Only the user moving up away from the end leaves it: rows getting
   * their real heights move the value and the end together (above) or
   * the end alone (below), and GTK 4.18 reports both as value changes
   * while it lays the list out; it may even put the value back from an
   * older anchor, up to the very top (seen in ui-conversation and
   * ui-chat-edits with lazy cells). The layout handler brings the end
   * back within the same frame. */
  else if (moved_up && by_user)
    self->at_bottom = FALSE;
  if (self->at_bottom)
    update_jump_button (self);
}

/* The list's height estimate changes as rows are measured and pages load;
 * keep the end in view while following. */
static void
on_adjustment_changed (KoiConversationView *self,
                       GtkAdjustment       *adj)
{
  /* The list's anchor keeps the end where it can (see scroll_to_end). */
  if (self->at_bottom && !self->anchored)
    {
      double end = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj);

      if (gtk_adjustment_get_value (adj) < end)
        gtk_adjustment_set_value (adj, end);
    }
}

/* The user's own input inside the scroller (capture phase, so the list and
 * its rows still get it): moves of the list that follow it are theirs. */
static gboolean
on_scroller_event (KoiConversationView *self,
                   GdkEvent            *event,
                   GtkEventController  *controller)
{
  switch (gdk_event_get_event_type (event))
    {
    case GDK_MOTION_NOTIFY:
      /* Dragging the scrollbar or a touchscreen, not merely hovering. */
      if ((gdk_event_get_modifier_state (event) & (GDK_BUTTON1_MASK | GDK_BUTTON2_MASK | GDK_BUTTON3_MASK)) == 0)
        break;
      G_GNUC_FALLTHROUGH;
    case GDK_SCROLL:
    case GDK_BUTTON_PRESS:
    case GDK_KEY_PRESS:
    case GDK_TOUCH_BEGIN:
    case GDK_TOUCH_UPDATE:
    case GDK_TOUCHPAD_SWIPE:
      self->input_time = g_get_monotonic_time ();
      break;
    default:
      break;
    }
  return GDK_EVENT_PROPAGATE;
}

/* The empty state, once the list knows it has no message (not while its
 * count is still loading: that would flash for every chat opened). */
static void
update_empty_state (KoiConversationView *self)
{
  gboolean empty = self->messages != NULL && g_list_model_get_n_items (self->messages) == 0 &&
                   !(KOI_IS_MESSAGE_LIST (self->messages) &&
                     koi_message_list_get_loading (KOI_MESSAGE_LIST (self->messages)));

  gtk_widget_set_visible (self->empty_state, empty);
}

static void
on_items_changed (KoiConversationView *self,
                  guint                position,
                  guint                removed,
                  guint                added,
                  GListModel          *model)
{
  guint n = g_list_model_get_n_items (model);

  update_empty_state (self);
  /* The first count (list opened) or new messages at the end while the
   * user reads the newest ones: show them. Older messages arriving above
   * leave the view where it is (GtkListView keeps its anchor row). */
  if (added == 0 || position + added != n)
    return;
  if (self->at_bottom || self->settle_tick != 0)
    settle_at_end (self, self->settle_hidden);
  else if (position > 0)
    {
      /* Scrolled up: the view stays; the button says how many came. */
      self->unseen += added;
      update_jump_button (self);
    }
}

static void
on_factory_setup (KoiConversationView      *self,
                  GtkListItem              *list_item,
                  GtkSignalListItemFactory *factory)
{
  GtkWidget *cell = koi_message_cell_new (self->heights);

  gtk_list_item_set_activatable (list_item, FALSE);
  gtk_list_item_set_selectable (list_item, FALSE);
  gtk_list_item_set_child (list_item, cell);
}

static void
on_factory_bind (KoiConversationView      *self,
                 GtkListItem              *list_item,
                 GtkSignalListItemFactory *factory)
{
  KoiMessageCell *cell = KOI_MESSAGE_CELL (gtk_list_item_get_child (list_item));
  guint position = gtk_list_item_get_position (list_item);
  g_autoptr (KoiMessage) previous = NULL;

  /* A row may look at the message above it: day separator and grouping.
   * That message is next to a visible one, so its page is wanted anyway. */
  if (position > 0 && position != GTK_INVALID_LIST_POSITION && self->messages != NULL)
    previous = g_list_model_get_item (self->messages, position - 1);

  /* Rows are bound only once the list knows its length, which is then the
   * length the chat had when it opened (plus what came meanwhile). */
  if (self->marker_position == G_MAXUINT && self->unread_at_open > 0 && self->messages != NULL)
    {
      guint n = g_list_model_get_n_items (self->messages);

      self->marker_position = n >= self->unread_at_open ? n - self->unread_at_open : 0;
      self->unread_at_open = 0;
    }
  koi_message_cell_set_offline (cell, self->offline);
  koi_message_cell_bind (cell, gtk_list_item_get_item (list_item), previous,
                         self->chat != NULL && koi_chat_get_is_group (self->chat),
                         position != GTK_INVALID_LIST_POSITION && position == self->marker_position);
}

static void
on_factory_unbind (KoiConversationView      *self,
                   GtkListItem              *list_item,
                   GtkSignalListItemFactory *factory)
{
  koi_message_cell_bind (KOI_MESSAGE_CELL (gtk_list_item_get_child (list_item)), NULL, NULL, FALSE, FALSE);
}

void
koi_conversation_view_set_messages (KoiConversationView *self,
                                    GListModel          *messages)
{
  g_return_if_fail (KOI_IS_CONVERSATION_VIEW (self));
  g_return_if_fail (messages == NULL || G_IS_LIST_MODEL (messages));

  if (self->messages == messages)
    return;

  if (self->messages != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->messages, on_items_changed, self);
      g_signal_handlers_disconnect_by_func (self->messages, update_empty_state, self);
    }

  g_set_object (&self->messages, messages);
  /* Store ids are unique, but another list may be another store. */
  g_hash_table_remove_all (self->heights);
  self->at_bottom = TRUE;
  self->unseen = 0;
  stop_jump (self);   /* another chat: the quoted message is not in it */

  if (messages != NULL)
    g_signal_connect_object (messages, "items-changed", G_CALLBACK (on_items_changed),
                             self, G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  if (messages != NULL && KOI_IS_MESSAGE_LIST (messages))
    g_signal_connect_object (messages, "notify::loading", G_CALLBACK (update_empty_state),
                             self, G_CONNECT_SWAPPED);
  update_empty_state (self);

  gtk_no_selection_set_model (self->selection, messages);
  if (messages != NULL)
    settle_at_end (self, TRUE);
  else
    {
      stop_settle (self);
      update_jump_button (self);
    }
}

GListModel *
koi_conversation_view_get_messages (KoiConversationView *self)
{
  g_return_val_if_fail (KOI_IS_CONVERSATION_VIEW (self), NULL);

  return self->messages;
}

/* The composer refuses a file over the server's EHLO SIZE (the engine
 * keeps it from the last connection; 25 MB until one told it). */
static void
update_size_limit (KoiConversationView *self)
{
  KoiEngine *engine = self->account != NULL ? koi_account_get_engine (self->account) : NULL;

  koi_composer_set_size_limit (self->composer, engine != NULL ? koi_engine_get_smtp_size_limit (engine) : 0);
}

/* Connecting and updating count as reachable: sending waits only a
 * moment then. */
static void
on_connection_changed (KoiConversationView *self)
{
  KoiConnectionState state = self->account != NULL ? koi_account_get_connection_state (self->account)
                                                    : KOI_CONNECTION_ONLINE;
  gboolean offline = state == KOI_CONNECTION_OFFLINE || state == KOI_CONNECTION_RECONNECTING ||
                     state == KOI_CONNECTION_FAILED;

  update_size_limit (self);
  if (self->offline == offline)
    return;
  self->offline = offline;
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_view)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *cell = gtk_widget_get_first_child (child);

      if (cell != NULL && KOI_IS_MESSAGE_CELL (cell))
        koi_message_cell_set_offline (KOI_MESSAGE_CELL (cell), offline);
    }
}

void
koi_conversation_view_set_account (KoiConversationView *self,
                                   KoiAccount          *account)
{
  g_return_if_fail (KOI_IS_CONVERSATION_VIEW (self));

  if (self->account == account)
    return;

  koi_conversation_view_set_chat (self, NULL);
  if (self->account != NULL)
    g_signal_handlers_disconnect_by_func (self->account, on_connection_changed, self);
  g_set_object (&self->account, account);
  if (account != NULL)
    g_signal_connect_object (account, "notify::connection-state", G_CALLBACK (on_connection_changed),
                             self, G_CONNECT_SWAPPED);
  on_connection_changed (self);
  koi_search_results_set_account (self->find_results, account);
  koi_search_results_set_chats (self->find_results,
                                account != NULL ? G_LIST_MODEL (koi_account_get_chats (account)) : NULL);
}

KoiAccount *
koi_conversation_view_get_account (KoiConversationView *self)
{
  g_return_val_if_fail (KOI_IS_CONVERSATION_VIEW (self), NULL);

  return self->account;
}

/* A contact request shows Accept / Block / Delete where the composer was:
 * answering comes first (nothing is sent to a stranger by accident). */
static void
update_request (KoiConversationView *self)
{
  gboolean request = self->chat != NULL && koi_chat_get_request (self->chat) == KOI_CHAT_REQUEST;
  /* A group the user left: there is nobody to write to any more. */
  gboolean not_member = self->chat != NULL && !request && koi_chat_get_not_member (self->chat);
  gboolean can_write = !request && !not_member;

  koi_request_bar_set_chat (self->request_bar, self->chat);
  gtk_widget_set_visible (GTK_WIDGET (self->request_bar), request);
  gtk_widget_set_visible (self->not_member_label, not_member);
  if (!can_write && gtk_widget_get_visible (GTK_WIDGET (self->composer)))
    {
      /* The focus leaves the composer before it hides. */
      if (gtk_widget_has_focus (GTK_WIDGET (koi_composer_get_text_view (self->composer))))
        {
          if (request)
            gtk_widget_grab_focus (GTK_WIDGET (self->request_bar));
          else
            gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
        }
      gtk_widget_set_visible (GTK_WIDGET (self->composer), FALSE);
    }
  else if (can_write)
    gtk_widget_set_visible (GTK_WIDGET (self->composer), TRUE);
}

static void
on_chat_request_changed (KoiConversationView *self)
{
  gboolean had_focus = gtk_widget_get_focus_child (GTK_WIDGET (self->request_bar)) != NULL;

  update_request (self);
  /* Accepted: straight on to answering. */
  if (had_focus && gtk_widget_get_visible (GTK_WIDGET (self->composer)))
    gtk_widget_grab_focus (GTK_WIDGET (self->composer));
}

static void
on_request_answer (KoiConversationView *self,
                   int                  answer,
                   KoiRequestBar       *bar)
{
  if (self->chat == NULL || self->account == NULL)
    return;
  koi_account_answer_request (self->account, koi_chat_get_id (self->chat), (KoiRequestAnswer) answer);
}

void
koi_conversation_view_set_chat (KoiConversationView *self,
                                KoiChat             *chat)
{
  g_autoptr (KoiMessageList) messages = NULL;

  g_return_if_fail (KOI_IS_CONVERSATION_VIEW (self));

  if (self->chat == chat)
    return;

  /* A send still running for the old chat finishes, but must not put text
   * back into the new chat's composer. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  if (self->chat != NULL)
    g_signal_handlers_disconnect_by_func (self->chat, on_chat_request_changed, self);
  /* The search was the old chat's. */
  find_close (self);
  clear_highlight (self);
  self->highlight_id = 0;
  g_set_object (&self->chat, chat);
  if (chat != NULL)
    {
      g_signal_connect_object (chat, "notify::request", G_CALLBACK (on_chat_request_changed),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (chat, "notify::not-member", G_CALLBACK (on_chat_request_changed),
                               self, G_CONNECT_SWAPPED);
    }
  update_request (self);
  /* Read before the window marks the chat read: that comes right after. */
  self->unread_at_open = chat != NULL ? koi_chat_get_unread_count (chat) : 0;
  self->marker_position = G_MAXUINT;
  /* The old chat's text goes to its draft before the mode is left. */
  koi_composer_draft_save (self->draft);
  leave_mode (self);
  /* Files attached for one chat are not meant for the next. */
  koi_composer_clear_files (self->composer);
  koi_composer_draft_switch (self->draft, self->account, chat);
  update_size_limit (self);

  if (chat != NULL && self->account != NULL)
    messages = koi_account_create_message_list (self->account, koi_chat_get_id (chat));

  koi_conversation_view_set_messages (self, G_LIST_MODEL (messages));
}

KoiChat *
koi_conversation_view_get_chat (KoiConversationView *self)
{
  g_return_val_if_fail (KOI_IS_CONVERSATION_VIEW (self), NULL);

  return self->chat;
}

GtkListView *
koi_conversation_view_get_list_view (KoiConversationView *self)
{
  g_return_val_if_fail (KOI_IS_CONVERSATION_VIEW (self), NULL);

  return self->list_view;
}

KoiComposer *
koi_conversation_view_get_composer (KoiConversationView *self)
{
  g_return_val_if_fail (KOI_IS_CONVERSATION_VIEW (self), NULL);

  return self->composer;
}

guint
koi_conversation_view_get_unseen (KoiConversationView *self)
{
  g_return_val_if_fail (KOI_IS_CONVERSATION_VIEW (self), 0);

  return gtk_widget_get_visible (self->jump_button) ? self->unseen : 0;
}

gboolean
koi_conversation_view_get_at_bottom (KoiConversationView *self)
{
  g_return_val_if_fail (KOI_IS_CONVERSATION_VIEW (self), FALSE);

  return self->at_bottom;
}

typedef struct {
  KoiConversationView *self;
  char                *text;
} SendData;

static void
send_data_free (SendData *data)
{
  g_clear_weak_pointer (&data->self);
  g_free (data->text);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SendData, send_data_free)

static void
send_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (SendData) data = user_data;
  g_autoptr (GError) error = NULL;
  KoiConversationView *self = data->self;

  if (koi_account_send_text_finish (KOI_ACCOUNT (source), result, &error) > 0)
    return;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self == NULL)
    return;

  /* Nothing the user typed is lost: it goes back where it came from, unless
   * they have started a new message meanwhile. */
  if (!koi_composer_can_send (self->composer))
    koi_composer_set_text (self->composer, data->text);

  g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
}

static void
request_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiConversationView) self = user_data;

  if (koi_account_request_finish (KOI_ACCOUNT (source), result, &error))
    return;
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
}

/* The loaded message @id of the open chat, or NULL. */
static KoiMessage *
find_message (KoiConversationView *self,
              gint64               id)
{
  guint n = self->messages != NULL ? g_list_model_get_n_items (self->messages) : 0;

  for (guint i = n; i > 0; i--)
    {
      g_autoptr (KoiMessage) message = g_list_model_get_item (self->messages, i - 1);

      if (koi_message_get_loaded (message) && koi_message_get_id (message) == id)
        return message;
    }
  return NULL;
}

static void
leave_mode (KoiConversationView *self)
{
  self->editing_id = 0;
  self->reply_id = 0;
  koi_composer_set_mode (self->composer, KOI_COMPOSER_NEW, NULL);
}

static void
on_composer_cancel (KoiConversationView *self,
                    KoiComposer         *composer)
{
  self->editing_id = 0;
  self->reply_id = 0;
}

static void
start_edit (KoiConversationView *self,
            KoiMessage          *message)
{
  leave_mode (self);
  self->editing_id = koi_message_get_id (message);
  koi_composer_set_text (self->composer, koi_message_get_text (message));
  koi_composer_set_mode (self->composer, KOI_COMPOSER_EDITING, koi_message_get_text (message));
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
}

/* Up in the empty composer: the newest message of one's own that can
 * still be edited. */
static void
on_composer_edit_last (KoiConversationView *self,
                       KoiComposer         *composer)
{
  guint n = self->messages != NULL ? g_list_model_get_n_items (self->messages) : 0;

  for (guint i = n; i > 0; i--)
    {
      g_autoptr (KoiMessage) message = g_list_model_get_item (self->messages, i - 1);

      if (!koi_message_get_loaded (message))
        break;
      if (koi_message_get_direction (message) == KOI_MESSAGE_OUTGOING &&
          koi_message_get_kind (message) == KOI_MESSAGE_CHAT && !koi_message_get_deleted (message))
        {
          start_edit (self, message);
          return;
        }
    }
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  KoiConversationView *self = KOI_CONVERSATION_VIEW (widget);
  KoiMessage *message = find_message (self, g_variant_get_int64 (parameter));

  if (message != NULL)
    start_edit (self, message);
}

static void
reply_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  KoiConversationView *self = KOI_CONVERSATION_VIEW (widget);
  KoiMessage *message = find_message (self, g_variant_get_int64 (parameter));
  g_autofree char *detail = NULL;
  g_auto (GStrv) lines = NULL;
  const char *sender;

  if (message == NULL)
    return;

  if (self->editing_id != 0)
    koi_composer_set_text (self->composer, NULL);
  leave_mode (self);
  self->reply_id = koi_message_get_id (message);
  sender = koi_message_get_direction (message) == KOI_MESSAGE_OUTGOING
    ? _("You")
    : (koi_message_get_from_name (message) != NULL && *koi_message_get_from_name (message) != '\0'
       ? koi_message_get_from_name (message) : koi_message_get_from_address (message));
  lines = g_strsplit (koi_message_get_text (message) != NULL ? koi_message_get_text (message) : "", "\n", 2);
  /* TRANSLATORS: the reply bar: who wrote the quoted message, and its first line */
  detail = g_strdup_printf (_("%s: %s"), sender, lines[0] != NULL ? lines[0] : "");
  koi_composer_set_mode (self->composer, KOI_COMPOSER_REPLYING, detail);
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
}

static void
react_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  KoiConversationView *self = KOI_CONVERSATION_VIEW (widget);
  gint64 id = 0;
  const char *emoji = NULL;

  g_variant_get (parameter, "(x&s)", &id, &emoji);
  if (self->account != NULL)
    koi_account_react_async (self->account, id, emoji, self->cancellable, request_done,
                             g_object_ref (self));
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  KoiConversationView *self = KOI_CONVERSATION_VIEW (widget);
  KoiMessage *message = find_message (self, g_variant_get_int64 (parameter));

  if (message != NULL && koi_message_get_text (message) != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), koi_message_get_text (message));
}

static void
delete_message (KoiConversationView *self,
                gint64               id,
                gboolean             for_everyone)
{
  if (self->editing_id == id || self->reply_id == id)
    {
      if (self->editing_id == id)
        koi_composer_set_text (self->composer, NULL);
      leave_mode (self);
    }
  if (self->account != NULL)
    koi_account_delete_async (self->account, id, for_everyone,
                              self->cancellable, request_done, g_object_ref (self));
}

static void
on_delete_response (KoiConversationView *self,
                    const char          *response,
                    GtkWidget           *alert)
{
  gint64 id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (alert), "koi-message-id"));

  if (g_strcmp0 (response, "delete") == 0)
    delete_message (self, id, TRUE);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  KoiConversationView *self = KOI_CONVERSATION_VIEW (widget);
  gint64 id = g_variant_get_int64 (parameter);
  GtkWidget *alert;

  if (!g_str_equal (action_name, "conversation.delete-for-everyone"))
    {
      delete_message (self, id, FALSE);
      return;
    }

  /* It cannot be undone and reaches other people's devices: ask first. */
  alert = koi_compat_alert_new (_("Delete for Everyone?"),
                                _("The message is removed from this chat on every device, "
                                  "yours and the other people’s. Mail programs that already "
                                  "showed it keep their copy."));
  koi_compat_alert_add_response (alert, "cancel", _("_Cancel"), ADW_RESPONSE_DEFAULT);
  koi_compat_alert_add_response (alert, "delete", _("_Delete"), ADW_RESPONSE_DESTRUCTIVE);
  koi_compat_alert_set_responses (alert, "cancel", "cancel");
  gtk_widget_set_name (alert, "koi-delete-for-everyone");
  g_object_set_data (G_OBJECT (alert), "koi-message-id", GSIZE_TO_POINTER ((gsize) id));
  g_signal_connect_object (alert, "response", G_CALLBACK (on_delete_response), self, G_CONNECT_SWAPPED);
  koi_compat_alert_present (alert, widget);
}

static void
edit_history_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  KoiConversationView *self = KOI_CONVERSATION_VIEW (widget);
  GtkWidget *dialog;

  if (self->account == NULL)
    return;
  dialog = koi_edit_history_dialog_new (koi_account_get_reader (self->account),
                                        g_variant_get_int64 (parameter));
  koi_compat_present_dialog (dialog, widget);
}

/* How long a message reached from a search stands out. */
#define HIGHLIGHT_MS 2500

static void
clear_highlight (KoiConversationView *self)
{
  g_clear_handle_id (&self->highlight_timeout, g_source_remove);
  if (self->highlight_row != NULL)
    gtk_widget_remove_css_class (self->highlight_row, "koi-found");
  g_clear_weak_pointer (&self->highlight_row);
}

static gboolean
highlight_timeout_cb (gpointer user_data)
{
  KoiConversationView *self = user_data;

  self->highlight_timeout = 0;
  clear_highlight (self);
  return G_SOURCE_REMOVE;
}

static void
highlight_row (KoiConversationView *self,
               GtkWidget           *row)
{
  clear_highlight (self);
  self->highlight_id = 0;
  g_set_weak_pointer (&self->highlight_row, row);
  gtk_widget_add_css_class (row, "koi-found");
  if (!self->highlight_keep)
    self->highlight_timeout = g_timeout_add (HIGHLIGHT_MS, highlight_timeout_cb, self);
}

static void
show_source_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  KoiConversationView *self = KOI_CONVERSATION_VIEW (widget);
  GtkWidget *dialog;

  if (self->account == NULL)
    return;
  dialog = koi_source_dialog_new (self->account, g_variant_get_int64 (parameter));
  koi_compat_present_dialog (dialog, widget);
}

/* The quoted message's row once it is laid out and in view, so it can
 * take the focus (and the user's eye); FALSE while it is not there yet. */
static gboolean
focus_message_row (KoiConversationView *self,
                   gint64               id)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_view)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *cell = gtk_widget_get_first_child (child);
      GtkWidget *row;
      KoiMessage *item;

      /* A cell has its row only near the viewport (koi-message-cell.h):
       * the scroll brings it there within a frame or two. */
      if (cell == NULL || !KOI_IS_MESSAGE_CELL (cell) ||
          !koi_message_cell_get_live (KOI_MESSAGE_CELL (cell)))
        continue;
      row = GTK_WIDGET (koi_message_cell_get_row (KOI_MESSAGE_CELL (cell)));
      if (row == NULL)
        continue;
      item = koi_message_row_get_item (KOI_MESSAGE_ROW (row));
      if (item != NULL && koi_message_get_loaded (item) && koi_message_get_id (item) == id)
        {
          if (!koi_conversation_view_row_in_view (self, row))
            return FALSE;
          if (id == self->highlight_id)
            highlight_row (self, row);
          if (!self->jump_focus)
            return TRUE;
          /* A list item without selection may not take the focus itself
           * (GTK 4.8): then the first thing in the row that does. */
          if (!gtk_widget_grab_focus (child))
            gtk_widget_child_focus (child, GTK_DIR_TAB_FORWARD);
          return TRUE;
        }
    }
  return FALSE;
}

/* Frames to keep trying: pages load in a few. */
#define JUMP_MAX_FRAMES 90

static void
stop_jump (KoiConversationView *self)
{
  if (self->jump_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->list_view), self->jump_tick);
  self->jump_tick = 0;
}

static gboolean
jump_tick_cb (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  KoiConversationView *self = user_data;

  if (focus_message_row (self, self->jump_id) || ++self->jump_frames > JUMP_MAX_FRAMES)
    {
      g_debug ("jump to message %" G_GINT64_FORMAT " ended after %u frames", self->jump_id, self->jump_frames);
      self->jump_tick = 0;
      return G_SOURCE_REMOVE;
    }
  /* Rows above changed height as their pages came: scroll again. */
  koi_compat_list_scroll_to (self->list_view, self->jump_position);
  return G_SOURCE_CONTINUE;
}

typedef struct {
  KoiConversationView *self;
  gint64               id;
  gboolean             focus;
} ShowData;

static void
show_data_free (ShowData *data)
{
  g_clear_weak_pointer (&data->self);
  g_free (data);
}

static void
position_found (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ShowData *data = user_data;
  KoiConversationView *self = data->self;
  g_autoptr (GError) error = NULL;
  guint position = 0;

  if (!koi_message_position_finish (KOI_STORE_READER (source), result, &position, &error))
    {
      if (self != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_signal_emit (self, signals[SIGNAL_ERROR], 0, _("The quoted message is not in this chat any more."));
      show_data_free (data);
      return;
    }
  if (self != NULL && self->messages != NULL && position < g_list_model_get_n_items (self->messages))
    {
      /* The user goes up to read: stop following the newest message. */
      stop_settle (self);
      stop_jump (self);
      self->at_bottom = FALSE;
      self->jump_id = data->id;
      self->jump_focus = data->focus;
      self->jump_position = position;
      self->jump_frames = 0;
      koi_compat_list_scroll_to (self->list_view, position);
      g_debug ("jump to message %" G_GINT64_FORMAT " at %u", data->id, position);
      if (!focus_message_row (self, data->id))
        self->jump_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->list_view), jump_tick_cb,
                                                        self, NULL);
    }
  show_data_free (data);
}

/* A click on a quote: scroll to the original, wherever it is (its page
 * loads as the list reaches it). */
static void
show_message (KoiConversationView *self,
              gint64               id,
              gboolean             focus)
{
  ShowData *data;

  if (self->account == NULL || id <= 0)
    return;
  data = g_new0 (ShowData, 1);
  g_set_weak_pointer (&data->self, self);
  data->id = id;
  data->focus = focus;
  koi_message_position_async (koi_account_get_reader (self->account), data->id, self->cancellable,
                              position_found, data);
}

static void
show_message_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  show_message (KOI_CONVERSATION_VIEW (widget), g_variant_get_int64 (parameter), TRUE);
}

void
koi_conversation_view_show_message (KoiConversationView *self,
                                    gint64               message_id)
{
  g_return_if_fail (KOI_IS_CONVERSATION_VIEW (self));

  self->highlight_id = message_id;
  self->highlight_keep = FALSE;
  gtk_widget_activate_action (GTK_WIDGET (self), "conversation.show-message", "x", message_id);
}

gint64
koi_conversation_view_get_highlighted (KoiConversationView *self)
{
  KoiMessageRow *row;
  KoiMessage *item;

  g_return_val_if_fail (KOI_IS_CONVERSATION_VIEW (self), 0);

  if (self->highlight_row == NULL || !KOI_IS_MESSAGE_ROW (self->highlight_row))
    return 0;
  row = KOI_MESSAGE_ROW (self->highlight_row);
  item = koi_message_row_get_item (row);
  return item != NULL ? koi_message_get_id (item) : 0;
}

/* ------------------------------------------------------------------ */
/* Ctrl+F: this chat's search */

static void
find_restore_focus (KoiConversationView *self)
{
  GtkWidget *target = self->find_return_focus;

  if (target == NULL || !gtk_widget_get_mapped (target) ||
      gtk_widget_is_ancestor (target, GTK_WIDGET (self->find_bar)) ||
      gtk_widget_is_ancestor (target, GTK_WIDGET (self->find_results)))
    target = GTK_WIDGET (self->composer);
  if (!gtk_widget_grab_focus (target))
    gtk_widget_grab_focus (GTK_WIDGET (self->composer));
  g_clear_weak_pointer (&self->find_return_focus);
}

/* The focus leaves the search before it hides: a hidden entry must not
 * keep it (GTK warns). */
static void
find_close (KoiConversationView *self)
{
  if (!gtk_revealer_get_reveal_child (self->find_bar))
    return;
  find_restore_focus (self);
  gtk_editable_set_text (GTK_EDITABLE (self->find_entry), "");
  gtk_revealer_set_reveal_child (self->find_bar, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->find_results), FALSE);
  if (self->highlight_keep)
    {
      self->highlight_keep = FALSE;
      clear_highlight (self);
    }
}

/* "3 of 12" while stepping; how many were found before the first step. */
static void
find_update_count (KoiConversationView *self)
{
  guint n = koi_search_results_get_n_results (self->find_results);
  gboolean searching = koi_search_results_get_query (self->find_results) != NULL;
  g_autofree char *text = NULL;

  if (!searching || koi_search_results_get_busy (self->find_results))
    text = g_strdup ("");
  else if (n == 0)
    text = g_strdup (_("No matches"));
  else if (self->find_index >= 0)
    /* Translators: the search match shown now, of all found in the chat. */
    text = g_strdup_printf (_("%d of %u"), self->find_index + 1, n);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u match", "%u matches", n), n);
  gtk_label_set_label (self->find_count, text);
  gtk_widget_set_sensitive (self->find_older, n > 0);
  gtk_widget_set_sensitive (self->find_newer, n > 0);
}

/* One step through the chat's matches, in place: @delta 1 goes to the
 * next older one, -1 to the next newer one, wrapping at either end. The
 * list of matches gives way to the conversation, and the focus stays in
 * the entry so the next key steps again. */
static void
find_step (KoiConversationView *self,
           int                  delta)
{
  int n = (int) koi_search_results_get_n_results (self->find_results);
  gint64 id;

  if (n == 0 || koi_search_results_get_busy (self->find_results))
    return;
  if (self->find_index < 0)
    self->find_index = delta > 0 ? 0 : n - 1;
  else
    self->find_index = ((self->find_index + delta) % n + n) % n;
  id = koi_search_results_get_message_id (self->find_results, (guint) self->find_index);
  gtk_widget_set_visible (GTK_WIDGET (self->find_results), FALSE);
  find_update_count (self);
  clear_highlight (self);
  self->highlight_id = id;
  self->highlight_keep = TRUE;
  show_message (self, id, FALSE);
}

static void
on_find_older (KoiConversationView *self)
{
  find_step (self, 1);
}

static void
on_find_newer (KoiConversationView *self)
{
  find_step (self, -1);
}

/* Shift+Enter steps back, as in every search bar. */
static gboolean
on_find_key_pressed (KoiConversationView   *self,
                     guint                  keyval,
                     guint                  keycode,
                     GdkModifierType        state,
                     GtkEventControllerKey *controller)
{
  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter || keyval == GDK_KEY_ISO_Enter) &&
      (state & gtk_accelerator_get_default_mod_mask ()) == GDK_SHIFT_MASK)
    {
      find_step (self, -1);
      return TRUE;
    }
  /* Down: into the list of matches while it shows, as in GNOME's apps. */
  if ((keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down) &&
      (state & gtk_accelerator_get_default_mod_mask ()) == 0 &&
      gtk_widget_get_visible (GTK_WIDGET (self->find_results)))
    return koi_search_results_focus_first (self->find_results);
  return FALSE;
}

/* Up on the first match in the list: back to the entry. */
static gboolean
on_find_results_keynav_failed (KoiConversationView *self,
                               GtkDirectionType     direction,
                               KoiSearchResults    *results)
{
  if (direction != GTK_DIR_UP || !gtk_revealer_get_reveal_child (self->find_bar))
    return FALSE;
  return gtk_widget_grab_focus (GTK_WIDGET (self->find_entry));
}

static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  KoiConversationView *self = KOI_CONVERSATION_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  if (self->chat == NULL || self->account == NULL)
    return;
  if (focus != NULL && !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->find_bar)))
    g_set_weak_pointer (&self->find_return_focus, focus);
  koi_search_results_set_chat_id (self->find_results, koi_chat_get_id (self->chat));
  gtk_revealer_set_reveal_child (self->find_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->find_entry));
  /* Ctrl+F again while it is open: new words replace the old. */
  gtk_editable_select_region (GTK_EDITABLE (self->find_entry), 0, -1);
}

static void
on_find_changed (KoiConversationView *self,
                 GtkSearchEntry      *entry)
{
  self->find_index = -1;
  koi_search_results_set_query (self->find_results, gtk_editable_get_text (GTK_EDITABLE (entry)));
  find_update_count (self);
}

static void
on_find_results_updated (KoiConversationView *self,
                         KoiSearchResults    *results)
{
  /* Asked again for a message that came, changed or went: the step
   * counter follows the match shown, wherever it now is. */
  if (self->find_index >= 0)
    {
      guint n = koi_search_results_get_n_results (results);

      self->find_index = n > 0 ? MIN (self->find_index, (int) n - 1) : -1;
      for (guint i = 0; i < n; i++)
        if (koi_search_results_get_message_id (results, i) == self->highlight_id)
          self->find_index = (int) i;
    }
  /* The list shows until the user steps through the matches in place. */
  gtk_widget_set_visible (GTK_WIDGET (results),
                          koi_search_results_get_query (results) != NULL && self->find_index < 0);
  find_update_count (self);
}

static void
on_find_stop (KoiConversationView *self,
              GtkSearchEntry      *entry)
{
  find_close (self);
}

static void
on_find_activate (KoiConversationView *self,
                  GtkSearchEntry      *entry)
{
  find_step (self, 1);
}

static void
on_find_message_activated (KoiConversationView *self,
                           gint64               chat_id,
                           gint64               message_id,
                           KoiSearchResults    *results)
{
  find_close (self);
  if (self->chat != NULL && koi_chat_get_id (self->chat) == chat_id)
    koi_conversation_view_show_message (self, message_id);
}

/* Message Info's word on end-to-end encryption. A failed signature check
 * comes first: the text may not be from who it says, encrypted or not. */
static const char *
crypto_words (KoiMessage *message)
{
  switch (koi_message_get_signature (message))
    {
    case KOI_MESSAGE_SIGNATURE_BAD:
      return _("Signature not valid");
    case KOI_MESSAGE_SIGNATURE_UNKNOWN:
      if (koi_message_get_encrypted (message))
        return _("Encrypted (end-to-end), signed with a key that is not known");
      break;
    case KOI_MESSAGE_SIGNATURE_NONE:
    case KOI_MESSAGE_SIGNATURE_VALID:
    default:
      break;
    }
  return koi_message_get_encrypted (message) ? _("Encrypted (end-to-end)") : _("Not encrypted");
}

static void
info_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  KoiConversationView *self = KOI_CONVERSATION_VIEW (widget);
  KoiMessage *message = find_message (self, g_variant_get_int64 (parameter));
  g_autoptr (GDateTime) time = NULL;
  g_autofree char *when = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (message == NULL)
    return;

  time = g_date_time_new_from_unix_local (koi_message_get_timestamp (message) / 1000);
  when = time != NULL ? g_date_time_format (time, "%x %X") : g_strdup ("");
  body = g_strdup_printf (_("From: %s\nTime: %s\nMessage-ID: %s"),
                          koi_message_get_from_address (message) != NULL
                            ? koi_message_get_from_address (message) : "",
                          when, koi_message_get_message_id (message));
  {
    g_autofree char *plain = g_steal_pointer (&body);

    body = g_strconcat (crypto_words (message), "\n", plain, NULL);
  }
  if (koi_message_get_read_by (message) != NULL)
    {
      g_autofree char *plain = g_steal_pointer (&body);

      /* TRANSLATORS: Message Info: who sent a read receipt (addresses) */
      body = g_strdup_printf (_("%s\nRead by: %s"), plain, koi_message_get_read_by (message));
    }
  dialog = koi_compat_alert_new (_("Message Info"), body);
  koi_compat_alert_add_response (dialog, "close", _("_Close"), ADW_RESPONSE_DEFAULT);
  gtk_widget_set_name (dialog, "koi-message-info");
  koi_compat_alert_present (dialog, GTK_WIDGET (self));
}

static void
on_composer_send (KoiConversationView *self,
                  const char          *text,
                  KoiComposer         *composer)
{
  SendData *data;
  gint64 reply_id = self->reply_id;

  if (self->account == NULL || self->chat == NULL)
    {
      koi_composer_set_text (self->composer, text);
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, _("Open a chat to send a message."));
      return;
    }

  if (self->editing_id != 0)
    {
      gint64 id = self->editing_id;

      leave_mode (self);
      koi_account_edit_async (self->account, id, text, self->cancellable, request_done,
                              g_object_ref (self));
      return;
    }
  leave_mode (self);

  /* Sending means reading the newest message, so follow it. */
  self->at_bottom = TRUE;

  data = g_new0 (SendData, 1);
  g_set_weak_pointer (&data->self, self);
  data->text = g_strdup (text);

  koi_account_send_reply_async (self->account, koi_chat_get_id (self->chat), text, reply_id,
                                self->cancellable, send_done, data);
}

static void
files_sent (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  GWeakRef *ref = user_data;
  g_autoptr (KoiConversationView) self = g_weak_ref_get (ref);

  g_weak_ref_clear (ref);
  g_free (ref);
  if (!koi_attachment_sender_send_finish (result, &error) && self != NULL)
    g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
}

static void
on_composer_send_files (KoiConversationView *self,
                        const char          *text,
                        GListModel          *files,
                        gboolean             original,
                        KoiComposer         *composer)
{
  GWeakRef *ref;
  /* Replying with a file keeps the quote, as replying with text does. */
  gint64 reply_id = self->reply_id;

  if (self->account == NULL || self->chat == NULL)
    {
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, _("Open a chat to send a message."));
      return;
    }
  leave_mode (self);
  self->at_bottom = TRUE;

  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  /* No cancellable: switching chats must not stop the files already on
   * their way to the old one. */
  koi_attachment_sender_send_async (self->account, koi_chat_get_id (self->chat), text, reply_id, files,
                                    original, NULL, files_sent, ref);
}

/* Files dropped anywhere on the conversation join the composer's. */
static gboolean
on_drop (KoiConversationView *self,
         const GValue        *value,
         double               x,
         double               y,
         GtkDropTarget       *target)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self), "koi-drop-hover");
  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST) || self->chat == NULL ||
      !gtk_widget_get_visible (GTK_WIDGET (self->composer)))
    return FALSE;
  for (GSList *l = g_value_get_boxed (value); l != NULL; l = l->next)
    koi_composer_add_file (self->composer, l->data, FALSE);
  return TRUE;
}

/* While files are dragged over the conversation it is outlined: this is
 * where they go. */
static GdkDragAction
on_drop_enter (KoiConversationView *self,
               double               x,
               double               y,
               GtkDropTarget       *target)
{
  if (self->chat == NULL || !gtk_widget_get_visible (GTK_WIDGET (self->composer)))
    return 0;
  gtk_widget_add_css_class (GTK_WIDGET (self), "koi-drop-hover");
  return GDK_ACTION_COPY;
}

static void
on_drop_leave (KoiConversationView *self,
               GtkDropTarget       *target)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self), "koi-drop-hover");
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  KoiConversationView *self = KOI_CONVERSATION_VIEW (widget);

  if (self->account != NULL)
    koi_account_retry (self->account, g_variant_get_int64 (parameter));
}

static void
download_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  KoiConversationView *self = KOI_CONVERSATION_VIEW (widget);

  if (self->account != NULL)
    koi_account_download (self->account, g_variant_get_int64 (parameter));
}

static void
cancel_transfer_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  KoiConversationView *self = KOI_CONVERSATION_VIEW (widget);

  if (self->account != NULL)
    koi_account_cancel_transfer (self->account, g_variant_get_int64 (parameter));
}

/* ------------------------------------------------------------------ */
/* Keyboard: the list is one stop in the Tab order, between the messages
 * above and the composer below; in it the arrow keys move between
 * messages (GtkListView), Enter, Menu or Shift+F10 open the focused
 * message's actions, Escape goes back to the composer. */

/* The cell of the message that has the keyboard focus, or NULL. */
static KoiMessageCell *
focused_cell (KoiConversationView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  for (GtkWidget *w = focus; w != NULL && w != GTK_WIDGET (self->list_view); w = gtk_widget_get_parent (w))
    {
      GtkWidget *child = gtk_widget_get_first_child (w);

      if (KOI_IS_MESSAGE_CELL (w))
        return KOI_MESSAGE_CELL (w);
      /* GTK >= 4.12 focuses the list item itself, the cell's parent. */
      if (child != NULL && KOI_IS_MESSAGE_CELL (child) &&
          gtk_widget_get_parent (w) == GTK_WIDGET (self->list_view))
        return KOI_MESSAGE_CELL (child);
    }
  return NULL;
}

/* Where the focus enters the list: the lowest message drawn in the
 * viewport (the newest one when the view follows it). */
static gboolean
focus_list (KoiConversationView *self)
{
  GtkWidget *list = GTK_WIDGET (self->list_view);
  double height = gtk_widget_get_height (list);
  GtkWidget *best = NULL;
  double best_y = -G_MAXDOUBLE;

  for (GtkWidget *item = gtk_widget_get_first_child (list); item != NULL;
       item = gtk_widget_get_next_sibling (item))
    {
      GtkWidget *cell = gtk_widget_get_first_child (item);
      graphene_rect_t bounds;

      if (cell == NULL || !KOI_IS_MESSAGE_CELL (cell) ||
          !koi_message_cell_get_live (KOI_MESSAGE_CELL (cell)) ||
          !gtk_widget_get_child_visible (item) ||
          !gtk_widget_compute_bounds (item, list, &bounds))
        continue;
      /* Wholly in view, or the only one there is. */
      if (bounds.origin.y >= -1 && bounds.origin.y + bounds.size.height <= height + 1 &&
          bounds.origin.y > best_y)
        {
          best = cell;
          best_y = bounds.origin.y;
        }
    }
  return best != NULL && gtk_widget_grab_focus (best);
}

/* The composer's own stops: its text, then Cancel (while editing or
 * replying) and Send when they can be used. GtkTextView keeps the focus
 * when asked to move it within its parent, so the order is spelled out. */
static GPtrArray *
composer_stops (KoiConversationView *self)
{
  GPtrArray *stops = g_ptr_array_new ();
  GtkWidget *send = koi_composer_get_send_button (self->composer);
  GtkWidget *text = GTK_WIDGET (koi_composer_get_text_view (self->composer));

  g_ptr_array_add (stops, text);
  for (GtkWidget *w = gtk_widget_get_first_child (GTK_WIDGET (self->composer)); w != NULL;
       w = gtk_widget_get_next_sibling (w))
    {
      /* Buttons directly in the composer's bars (Cancel). */
      for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
        if (GTK_IS_BUTTON (c) && c != send && gtk_widget_is_drawable (c) && gtk_widget_is_sensitive (c))
          g_ptr_array_add (stops, c);
    }
  if (gtk_widget_is_drawable (send) && gtk_widget_is_sensitive (send))
    g_ptr_array_add (stops, send);
  return stops;
}

/* What Tab stops at inside a message's bubble, in order: its buttons
 * (Show Full Message, Retry, a quote, a file's Download, reactions) and
 * its text when that has links (the label moves among its own links).
 * Text without links is no stop: it is read with the message. */
static void
collect_bubble_stops (GtkWidget *widget,
                      GPtrArray *out)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_widget_get_mapped (child) || !gtk_widget_is_sensitive (child))
        continue;
      if (GTK_IS_BUTTON (child))
        {
          if (gtk_widget_get_focusable (child))
            g_ptr_array_add (out, child);
          continue;
        }
      if (GTK_IS_LABEL (child))
        {
          if (gtk_label_get_use_markup (GTK_LABEL (child)) &&
              strstr (gtk_label_get_label (GTK_LABEL (child)), "<a ") != NULL)
            g_ptr_array_add (out, child);
          continue;
        }
      collect_bubble_stops (child, out);
    }
}

/* Tab from a message goes through its bubble's controls before it leaves
 * the list; Shift+Tab from the first of them comes back to the message.
 * FALSE: nothing (more) to stop at in this direction. */
static gboolean
bubble_focus (KoiConversationView *self,
              GtkWidget           *focus,
              GtkDirectionType     direction)
{
  KoiMessageCell *cell = focused_cell (self);
  GtkWidget *row = cell != NULL ? GTK_WIDGET (koi_message_cell_get_row (cell)) : NULL;
  g_autoptr (GPtrArray) stops = NULL;
  guint at = G_MAXUINT;

  if (row == NULL)
    return FALSE;
  stops = g_ptr_array_new ();
  collect_bubble_stops (row, stops);
  for (guint i = 0; i < stops->len; i++)
    if (focus == g_ptr_array_index (stops, i) || gtk_widget_is_ancestor (focus, g_ptr_array_index (stops, i)))
      at = i;

  if (direction == GTK_DIR_TAB_FORWARD)
    {
      /* From the message itself, the first; from a control, itself first
       * (a text moves to its next link), then the ones after it. */
      for (guint i = at == G_MAXUINT ? 0 : at; i < stops->len; i++)
        if (gtk_widget_child_focus (g_ptr_array_index (stops, i), GTK_DIR_TAB_FORWARD))
          return TRUE;
      return FALSE;
    }

  if (at == G_MAXUINT)
    return FALSE;
  for (guint i = at + 1; i-- > 0;)
    if (gtk_widget_child_focus (g_ptr_array_index (stops, i), GTK_DIR_TAB_BACKWARD))
      return TRUE;
  /* Before the first control: the message itself (its list item where
   * the cell may not take the focus, as focus_message_row does). */
  return gtk_widget_grab_focus (GTK_WIDGET (cell)) ||
         gtk_widget_grab_focus (gtk_widget_get_parent (GTK_WIDGET (cell)));
}

static gboolean
koi_conversation_view_focus (GtkWidget        *widget,
                             GtkDirectionType  direction)
{
  KoiConversationView *self = KOI_CONVERSATION_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  GtkWidget *list = GTK_WIDGET (self->list_view);
  g_autoptr (GPtrArray) stops = composer_stops (self);
  gboolean in_view = focus != NULL && gtk_widget_is_ancestor (focus, widget);
  gboolean in_list = focus != NULL && gtk_widget_is_ancestor (focus, list);
  guint at = G_MAXUINT;

  if (direction != GTK_DIR_TAB_FORWARD && direction != GTK_DIR_TAB_BACKWARD)
    return GTK_WIDGET_CLASS (koi_conversation_view_parent_class)->focus (widget, direction);

  for (guint i = 0; focus != NULL && i < stops->len; i++)
    if (focus == g_ptr_array_index (stops, i) ||
        gtk_widget_is_ancestor (focus, g_ptr_array_index (stops, i)))
      at = i;

  if (in_list && bubble_focus (self, focus, direction))
    return TRUE;

  if (direction == GTK_DIR_TAB_FORWARD)
    {
      if (at != G_MAXUINT)
        return at + 1 < stops->len && gtk_widget_grab_focus (g_ptr_array_index (stops, at + 1));
      if (in_list && gtk_widget_get_visible (self->jump_button))
        return gtk_widget_grab_focus (self->jump_button);
      if (in_list || focus == self->jump_button)
        return gtk_widget_grab_focus (g_ptr_array_index (stops, 0));
      if (!in_view)
        return focus_list (self) || gtk_widget_grab_focus (g_ptr_array_index (stops, 0));
    }
  else
    {
      if (at != G_MAXUINT && at > 0)
        return gtk_widget_grab_focus (g_ptr_array_index (stops, at - 1));
      if (at == 0 && gtk_widget_get_visible (self->jump_button))
        return gtk_widget_grab_focus (self->jump_button);
      if (at == 0 || focus == self->jump_button)
        return focus_list (self);
      if (in_list)
        return FALSE;
      if (!in_view)
        return gtk_widget_grab_focus (g_ptr_array_index (stops, stops->len - 1));
    }
  return GTK_WIDGET_CLASS (koi_conversation_view_parent_class)->focus (widget, direction);
}

static gboolean
is_menu_key (guint           keyval,
             GdkModifierType mods)
{
  return ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter || keyval == GDK_KEY_ISO_Enter ||
           keyval == GDK_KEY_Menu) && mods == 0) ||
         (keyval == GDK_KEY_F10 && mods == GDK_SHIFT_MASK);
}

static gboolean
open_focused_menu (gpointer user_data)
{
  KoiConversationView *self = user_data;
  KoiMessageCell *cell = focused_cell (self);

  self->menu_idle = 0;
  if (cell == NULL)
    return G_SOURCE_REMOVE;
  koi_message_cell_set_live (cell, TRUE);
  if (koi_message_cell_get_row (cell) != NULL)
    koi_message_row_popup_menu (koi_message_cell_get_row (cell), -1, -1);
  return G_SOURCE_REMOVE;
}

/* The keyboard focus is on a message as a whole (its cell or list item),
 * not on something inside its bubble. */
static gboolean
focus_on_message (KoiConversationView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  KoiMessageCell *cell = focused_cell (self);
  GtkWidget *row;

  if (focus == NULL || cell == NULL)
    return FALSE;
  row = GTK_WIDGET (koi_message_cell_get_row (cell));
  return focus == GTK_WIDGET (cell) || focus == gtk_widget_get_parent (GTK_WIDGET (cell)) ||
         (row != NULL && focus == row);
}

static gboolean
on_list_key_pressed (KoiConversationView   *self,
                     guint                  keyval,
                     guint                  keycode,
                     GdkModifierType        state,
                     GtkEventControllerKey *controller)
{
  GdkModifierType mods = state & gtk_accelerator_get_default_mod_mask ();

  if (keyval == GDK_KEY_Escape && mods == 0)
    return gtk_widget_grab_focus (GTK_WIDGET (self->composer));

  /* The menu opens once this key event is done with (a popover shown
   * from inside the list's key handling did not stay open). Enter on a
   * button or link inside a bubble belongs to that control; only on the
   * message itself does it open the menu (Menu and Shift+F10 always do). */
  if (focused_cell (self) != NULL && is_menu_key (keyval, mods) &&
      (keyval == GDK_KEY_Menu || keyval == GDK_KEY_F10 || focus_on_message (self)))
    {
      if (self->menu_idle == 0)
        self->menu_idle = g_idle_add (open_focused_menu, self);
      return TRUE;
    }
  return FALSE;
}

static gboolean
koi_conversation_view_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (KOI_CONVERSATION_VIEW (widget)->composer));
}

static void
koi_conversation_view_dispose (GObject *object)
{
  KoiConversationView *self = KOI_CONVERSATION_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->menu_idle, g_source_remove);
  g_clear_pointer (&self->draft, koi_composer_draft_free);
  clear_highlight (self);
  g_clear_weak_pointer (&self->find_return_focus);

  if (self->settle_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->list_view), self->settle_tick);
  self->settle_tick = 0;
  stop_jump (self);
  if (self->live_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->list_view), self->live_tick);
  self->live_tick = 0;
  on_list_unrealize (self, GTK_WIDGET (self->list_view));

  if (self->messages != NULL)
    g_signal_handlers_disconnect_by_func (self->messages, on_items_changed, self);

  gtk_widget_dispose_template (GTK_WIDGET (object), KOI_TYPE_CONVERSATION_VIEW);
  /* GTK 4.8 unparents only the template children that have an id. */
  koi_widget_unparent_children (GTK_WIDGET (object));

  g_clear_object (&self->messages);
  g_clear_object (&self->chat);
  g_clear_object (&self->account);
  g_clear_pointer (&self->heights, g_hash_table_unref);

  G_OBJECT_CLASS (koi_conversation_view_parent_class)->dispose (object);
}

static void
koi_conversation_view_class_init (KoiConversationViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_conversation_view_dispose;
  widget_class->grab_focus = koi_conversation_view_grab_focus;
  widget_class->focus = koi_conversation_view_focus;

  /**
   * KoiConversationView::error:
   * @message: what went wrong, for a toast
   */
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  g_type_ensure (KOI_TYPE_COMPOSER);
  g_type_ensure (KOI_TYPE_REQUEST_BAR);
  g_type_ensure (KOI_TYPE_SEARCH_RESULTS);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/koi-conversation-view.ui");
  gtk_widget_class_bind_template_child (widget_class, KoiConversationView, scroller);
  gtk_widget_class_bind_template_child (widget_class, KoiConversationView, list_view);
  gtk_widget_class_bind_template_child (widget_class, KoiConversationView, selection);
  gtk_widget_class_bind_template_child (widget_class, KoiConversationView, composer);
  gtk_widget_class_bind_template_child (widget_class, KoiConversationView, request_bar);
  gtk_widget_class_bind_template_child (widget_class, KoiConversationView, not_member_label);
  gtk_widget_class_bind_template_child (widget_class, KoiConversationView, jump_button);
  gtk_widget_class_bind_template_child (widget_class, KoiConversationView, jump_label);
  gtk_widget_class_bind_template_child (widget_class, KoiConversationView, find_bar);
  gtk_widget_class_bind_template_child (widget_class, KoiConversationView, find_entry);
  gtk_widget_class_bind_template_child (widget_class, KoiConversationView, find_results);
  gtk_widget_class_bind_template_child (widget_class, KoiConversationView, find_count);
  gtk_widget_class_bind_template_child (widget_class, KoiConversationView, empty_state);
  gtk_widget_class_bind_template_child (widget_class, KoiConversationView, find_older);
  gtk_widget_class_bind_template_child (widget_class, KoiConversationView, find_newer);
  gtk_widget_class_bind_template_callback (widget_class, on_jump_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_find_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_find_stop);
  gtk_widget_class_bind_template_callback (widget_class, on_find_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_find_results_updated);
  gtk_widget_class_bind_template_callback (widget_class, on_find_message_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_find_older);
  gtk_widget_class_bind_template_callback (widget_class, on_find_newer);
  gtk_widget_class_bind_template_callback (widget_class, on_find_key_pressed);
  gtk_widget_class_bind_template_callback (widget_class, on_factory_setup);
  gtk_widget_class_bind_template_callback (widget_class, on_factory_bind);
  gtk_widget_class_bind_template_callback (widget_class, on_factory_unbind);
  gtk_widget_class_bind_template_callback (widget_class, on_composer_send);
  gtk_widget_class_bind_template_callback (widget_class, on_composer_send_files);
  gtk_widget_class_bind_template_callback (widget_class, on_request_answer);
  gtk_widget_class_bind_template_callback (widget_class, on_composer_cancel);
  gtk_widget_class_bind_template_callback (widget_class, on_composer_edit_last);

  gtk_widget_class_install_action (widget_class, "conversation.retry", "x", retry_action);
  gtk_widget_class_install_action (widget_class, "conversation.download", "x", download_action);
  gtk_widget_class_install_action (widget_class, "conversation.cancel-transfer", "x", cancel_transfer_action);
  gtk_widget_class_install_action (widget_class, "conversation.reply", "x", reply_action);
  gtk_widget_class_install_action (widget_class, "conversation.react", "(xs)", react_action);
  gtk_widget_class_install_action (widget_class, "conversation.copy", "x", copy_action);
  gtk_widget_class_install_action (widget_class, "conversation.edit", "x", edit_action);
  gtk_widget_class_install_action (widget_class, "conversation.delete-for-me", "x", delete_action);
  gtk_widget_class_install_action (widget_class, "conversation.delete-for-everyone", "x", delete_action);
  gtk_widget_class_install_action (widget_class, "conversation.info", "x", info_action);
  gtk_widget_class_install_action (widget_class, "conversation.edit-history", "x", edit_history_action);
  gtk_widget_class_install_action (widget_class, "conversation.show-source", "x", show_source_action);
  gtk_widget_class_install_action (widget_class, "conversation.show-message", "x", show_message_action);
  gtk_widget_class_install_action (widget_class, "conversation.find", NULL, find_action);
  /* Ctrl+F with the focus in the open chat searches that chat; elsewhere
   * the window's own Ctrl+F searches them all. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "conversation.find", NULL);
  gtk_widget_class_set_css_name (widget_class, "koi-conversation-view");
}

static void
koi_conversation_view_init (KoiConversationView *self)
{
  GtkAdjustment *adj;
  GtkEventController *keys;
  GtkEventController *input;
  GtkDropTarget *drop;

  self->heights = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  gtk_widget_init_template (GTK_WIDGET (self));

  self->draft = koi_composer_draft_new (self->composer);
  self->cancellable = g_cancellable_new ();
  self->marker_position = G_MAXUINT;
  self->at_bottom = TRUE;
  self->find_index = -1;
  g_signal_connect_object (self->find_results, "keynav-failed",
                           G_CALLBACK (on_find_results_keynav_failed), self, G_CONNECT_SWAPPED);

  /* Capture: GTK 4.8's list items take Enter for activation, which
   * these items do not use. */
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (on_list_key_pressed), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->list_view), keys);

  input = gtk_event_controller_legacy_new ();
  gtk_event_controller_set_propagation_phase (input, GTK_PHASE_CAPTURE);
  g_signal_connect_object (input, "event", G_CALLBACK (on_scroller_event), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->scroller), input);

  g_signal_connect_object (self->list_view, "realize", G_CALLBACK (on_list_realize),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->list_view, "unrealize", G_CALLBACK (on_list_unrealize),
                           self, G_CONNECT_SWAPPED);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect_object (drop, "drop", G_CALLBACK (on_drop), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (drop, "enter", G_CALLBACK (on_drop_enter), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (drop, "leave", G_CALLBACK (on_drop_leave), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  adj = vadjustment (self);
  g_signal_connect_object (adj, "value-changed", G_CALLBACK (on_adjustment_value_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adj, "changed", G_CALLBACK (on_adjustment_changed),
                           self, G_CONNECT_SWAPPED);
}
