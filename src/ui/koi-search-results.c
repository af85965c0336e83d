/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-search-results"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-chat.h"
#include "koi-search-results.h"
#include "koi-search-snippet.h"
#include "koi-store-reader.h"
#include "koi-ui-format.h"

/* A page of results: a search is for finding one message, and FTS5 stops
 * at the limit, so a common word costs what a rare one does. */
#define MAX_RESULTS 100

/* A message that arrives, is edited or deleted while results are shown
 * asks the store again at once, then at most once per this interval: a
 * catch-up of hundreds of messages costs a few queries, not hundreds. */
#define REFRESH_DELAY_MS 150

struct _KoiSearchResults
{
  GtkWidget     parent_instance;

  GtkWidget    *box;
  GtkWidget    *heading;
  GtkStack     *stack;
  GtkListBox   *list;

  KoiAccount   *account;
  GListModel   *chats;
  gint64        chat_id;
  char         *query;
  GCancellable *cancellable;
  gboolean      busy;
  guint         n_results;
  guint         refresh_id;
  gint64        refreshed_us;   /* monotonic time of the last refresh */
  /* The message whose row had the focus when the results were asked for
   * again: its new row takes it back. */
  gint64        refocus_id;
};

enum {
  SIGNAL_MESSAGE_ACTIVATED,
  SIGNAL_UPDATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KoiSearchResults, koi_search_results, GTK_TYPE_WIDGET)

static const char *
chat_title (KoiSearchResults *self,
            gint64            chat_id)
{
  guint n = self->chats != NULL ? g_list_model_get_n_items (self->chats) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiChat) chat = g_list_model_get_item (self->chats, i);

      if (koi_chat_get_id (chat) == chat_id)
        return koi_chat_get_title (chat);
    }
  return NULL;
}

static GtkWidget *
make_label (const char *text,
            const char *style)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (style != NULL)
    gtk_widget_add_css_class (label, style);
  return label;
}

static GtkWidget *
make_row (KoiSearchResults      *self,
          const KoiStoreMessage *message,
          GDateTime             *now)
{
  gint64 when = message->sent_at_ms > 0 ? message->sent_at_ms : message->sort_ms;
  const char *title = self->chat_id == 0 ? chat_title (self, message->chat_id) : NULL;
  const char *sender;
  g_autofree char *date = koi_ui_format_relative_time (when, now);
  g_autofree char *markup = koi_search_snippet_markup (message->text, self->query);
  g_autofree char *accessible = NULL;
  GtkWidget *row, *box, *top, *label;

  if (message->direction == KOI_STORE_DIRECTION_OUTGOING)
    sender = _("You");
  else if (message->from_name != NULL && *message->from_name != '\0')
    sender = message->from_name;
  else
    sender = message->from_address != NULL ? message->from_address : "";

  row = gtk_list_box_row_new ();
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);

  top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  /* Searching one chat: the chat is known, the sender leads. */
  label = make_label (title != NULL ? title : sender, "heading");
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (top), label);
  label = make_label (date, "dim-label");
  gtk_widget_add_css_class (label, "caption");
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_NONE);
  gtk_box_append (GTK_BOX (top), label);
  gtk_box_append (GTK_BOX (box), top);

  if (title != NULL)
    {
      label = make_label (sender, "dim-label");
      gtk_widget_add_css_class (label, "caption");
      gtk_box_append (GTK_BOX (box), label);
    }

  label = make_label (NULL, "koi-search-snippet");
  gtk_label_set_markup (GTK_LABEL (label), markup);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_lines (GTK_LABEL (label), 2);
  gtk_box_append (GTK_BOX (box), label);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data_full (G_OBJECT (row), "koi-ids",
                          g_memdup2 ((gint64[]) { message->chat_id, message->id }, 2 * sizeof (gint64)),
                          g_free);

  /* A screen reader hears the row as one sentence, not a heap of labels. */
  accessible = title != NULL
    ? g_strdup_printf ("%s, %s, %s, %s", title, sender, date, message->text != NULL ? message->text : "")
    : g_strdup_printf ("%s, %s, %s", sender, date, message->text != NULL ? message->text : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  return row;
}

static void
clear_rows (KoiSearchResults *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  self->n_results = 0;
}

/* The message id of the row that has the focus, or 0. */
static gint64
focused_message (KoiSearchResults *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  GtkWidget *row;
  const gint64 *ids;

  if (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->list)))
    return 0;
  row = GTK_IS_LIST_BOX_ROW (focus) ? focus : gtk_widget_get_ancestor (focus, GTK_TYPE_LIST_BOX_ROW);
  ids = row != NULL ? g_object_get_data (G_OBJECT (row), "koi-ids") : NULL;
  return ids != NULL ? ids[1] : 0;
}

static void
show_results (KoiSearchResults *self,
              GPtrArray        *found)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  GtkWidget *refocus = NULL;
  guint old_index = 0;

  /* The focus must not fall out of the list with the row that had it: the
   * list keeps it while the rows are replaced, then the same message's row
   * (or the one now in its place) takes it. */
  if (self->refocus_id != 0)
    {
      for (guint i = 0; i < self->n_results; i++)
        if (koi_search_results_get_message_id (self, i) == self->refocus_id)
          old_index = i;
      gtk_widget_grab_focus (GTK_WIDGET (self->list));
    }
  clear_rows (self);
  for (guint i = 0; found != NULL && i < found->len; i++)
    {
      const KoiStoreMessage *message = g_ptr_array_index (found, i);
      GtkWidget *row = make_row (self, message, now);

      gtk_list_box_append (self->list, row);
      if (self->refocus_id != 0 && message->id == self->refocus_id)
        refocus = row;
    }
  self->n_results = found != NULL ? found->len : 0;
  if (self->refocus_id != 0 && refocus == NULL && self->n_results > 0)
    refocus = koi_search_results_get_row (self, MIN (old_index, self->n_results - 1));
  if (refocus != NULL)
    gtk_widget_grab_focus (refocus);
  else if (self->refocus_id != 0)
    /* Nothing left to focus in here: whoever shows the results decides. */
    gtk_widget_keynav_failed (GTK_WIDGET (self), GTK_DIR_UP);
  self->refocus_id = 0;

  if (self->n_results == 0 && self->query != NULL)
    gtk_stack_set_visible_child_name (self->stack, "empty");
  else
    gtk_stack_set_visible_child_name (self->stack, "list");
  self->busy = FALSE;
  g_signal_emit (self, signals[SIGNAL_UPDATED], 0);
}

static void
search_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (KoiSearchResults) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) found = NULL;

  found = koi_store_reader_search_messages_finish (KOI_STORE_READER (source), result, &error);
  /* A newer query is on its way: its answer is the one to show. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error != NULL)
    g_warning ("Cannot search the messages: %s", error->message);
  show_results (self, found);
}

void
koi_search_results_set_query (KoiSearchResults *self,
                              const char       *query)
{
  g_autofree char *stripped = g_strstrip (g_strdup (query != NULL ? query : ""));

  g_return_if_fail (KOI_IS_SEARCH_RESULTS (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  self->refocus_id = 0;
  g_clear_pointer (&self->query, g_free);
  if (*stripped != '\0')
    self->query = g_steal_pointer (&stripped);

  if (self->query == NULL || self->account == NULL)
    {
      show_results (self, NULL);
      return;
    }

  self->busy = TRUE;
  self->cancellable = g_cancellable_new ();
  koi_store_reader_search_messages_async (koi_account_get_reader (self->account),
                                          koi_account_get_id (self->account), self->chat_id,
                                          self->query, MAX_RESULTS, self->cancellable,
                                          search_done, g_object_ref (self));
}

const char *
koi_search_results_get_query (KoiSearchResults *self)
{
  g_return_val_if_fail (KOI_IS_SEARCH_RESULTS (self), NULL);

  return self->query;
}

static void
on_row_activated (KoiSearchResults *self,
                  GtkListBoxRow    *row,
                  GtkListBox       *list)
{
  const gint64 *ids = g_object_get_data (G_OBJECT (row), "koi-ids");

  if (ids != NULL)
    g_signal_emit (self, signals[SIGNAL_MESSAGE_ACTIVATED], 0, ids[0], ids[1]);
}

/* The same query again, for what changed in the store meanwhile. Unlike a
 * new query it does not count as busy: the rows shown stay until the new
 * ones replace them, so nothing flickers. */
static gboolean
refresh (gpointer user_data)
{
  KoiSearchResults *self = user_data;

  self->refresh_id = 0;
  if (self->query == NULL || self->account == NULL)
    return G_SOURCE_REMOVE;
  self->refreshed_us = g_get_monotonic_time ();
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->refocus_id = focused_message (self);
  koi_store_reader_search_messages_async (koi_account_get_reader (self->account),
                                          koi_account_get_id (self->account), self->chat_id,
                                          self->query, MAX_RESULTS, self->cancellable,
                                          search_done, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

/* A message arrived, was edited or deleted ("message-added",
 * "message-updated"): the results may have changed. */
static void
on_message_changed (KoiSearchResults *self,
                    gint64            chat_id,
                    gint64            message_id,
                    KoiAccount       *account)
{
  gint64 wait_ms;

  if (self->query == NULL || (self->chat_id != 0 && self->chat_id != chat_id) || self->refresh_id != 0)
    return;
  wait_ms = (self->refreshed_us + REFRESH_DELAY_MS * 1000 - g_get_monotonic_time ()) / 1000;
  self->refresh_id = g_timeout_add (CLAMP (wait_ms, 0, REFRESH_DELAY_MS), refresh, self);
}

void
koi_search_results_set_account (KoiSearchResults *self,
                                KoiAccount       *account)
{
  g_return_if_fail (KOI_IS_SEARCH_RESULTS (self));

  if (self->account == account)
    return;
  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  g_set_object (&self->account, account);
  if (account != NULL)
    {
      g_signal_connect_object (account, "message-added", G_CALLBACK (on_message_changed), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (account, "message-updated", G_CALLBACK (on_message_changed), self,
                               G_CONNECT_SWAPPED);
    }
  koi_search_results_set_query (self, NULL);
}

void
koi_search_results_set_chats (KoiSearchResults *self,
                              GListModel       *chats)
{
  g_return_if_fail (KOI_IS_SEARCH_RESULTS (self));

  g_set_object (&self->chats, chats);
}

void
koi_search_results_set_chat_id (KoiSearchResults *self,
                                gint64            chat_id)
{
  g_return_if_fail (KOI_IS_SEARCH_RESULTS (self));

  if (self->chat_id == chat_id)
    return;
  self->chat_id = chat_id;
  gtk_widget_set_visible (self->heading, chat_id == 0);
  koi_search_results_set_query (self, NULL);
}

gint64
koi_search_results_get_chat_id (KoiSearchResults *self)
{
  g_return_val_if_fail (KOI_IS_SEARCH_RESULTS (self), 0);

  return self->chat_id;
}

gboolean
koi_search_results_get_busy (KoiSearchResults *self)
{
  g_return_val_if_fail (KOI_IS_SEARCH_RESULTS (self), FALSE);

  return self->busy;
}

guint
koi_search_results_get_n_results (KoiSearchResults *self)
{
  g_return_val_if_fail (KOI_IS_SEARCH_RESULTS (self), 0);

  return self->n_results;
}

GtkWidget *
koi_search_results_get_row (KoiSearchResults *self,
                            guint             index)
{
  g_return_val_if_fail (KOI_IS_SEARCH_RESULTS (self), NULL);

  return GTK_WIDGET (gtk_list_box_get_row_at_index (self->list, (int) index));
}

gint64
koi_search_results_get_message_id (KoiSearchResults *self,
                                   guint             index)
{
  GtkWidget *row;
  const gint64 *ids;

  g_return_val_if_fail (KOI_IS_SEARCH_RESULTS (self), 0);

  row = koi_search_results_get_row (self, index);
  ids = row != NULL ? g_object_get_data (G_OBJECT (row), "koi-ids") : NULL;
  return ids != NULL ? ids[1] : 0;
}

gboolean
koi_search_results_activate_first (KoiSearchResults *self)
{
  GtkWidget *row;

  g_return_val_if_fail (KOI_IS_SEARCH_RESULTS (self), FALSE);

  row = koi_search_results_get_row (self, 0);
  if (row == NULL)
    return FALSE;
  on_row_activated (self, GTK_LIST_BOX_ROW (row), self->list);
  return TRUE;
}

gboolean
koi_search_results_focus_first (KoiSearchResults *self)
{
  GtkWidget *row;

  g_return_val_if_fail (KOI_IS_SEARCH_RESULTS (self), FALSE);

  row = koi_search_results_get_row (self, 0);
  return row != NULL && gtk_widget_grab_focus (row);
}

/* Up on the first result leaves the list upwards (to the search entry, as
 * in GNOME's apps): whoever shows the results handles "keynav-failed". */
static gboolean
on_list_key_pressed (KoiSearchResults      *self,
                     guint                  keyval,
                     guint                  keycode,
                     GdkModifierType        state,
                     GtkEventControllerKey *controller)
{
  GtkWidget *first = koi_search_results_get_row (self, 0);

  if ((keyval != GDK_KEY_Up && keyval != GDK_KEY_KP_Up) ||
      (state & gtk_accelerator_get_default_mod_mask ()) != 0 || first == NULL ||
      !gtk_widget_has_focus (first))
    return FALSE;
  return gtk_widget_keynav_failed (GTK_WIDGET (self), GTK_DIR_UP);
}

static void
koi_search_results_dispose (GObject *object)
{
  KoiSearchResults *self = KOI_SEARCH_RESULTS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  g_clear_object (&self->account);
  g_clear_object (&self->chats);

  G_OBJECT_CLASS (koi_search_results_parent_class)->dispose (object);
}

static void
koi_search_results_finalize (GObject *object)
{
  KoiSearchResults *self = KOI_SEARCH_RESULTS (object);

  g_free (self->query);

  G_OBJECT_CLASS (koi_search_results_parent_class)->finalize (object);
}

static void
koi_search_results_class_init (KoiSearchResultsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_search_results_dispose;
  object_class->finalize = koi_search_results_finalize;

  signals[SIGNAL_MESSAGE_ACTIVATED] =
    g_signal_new ("message-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
  signals[SIGNAL_UPDATED] =
    g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "koi-search-results");
}

static void
koi_search_results_init (KoiSearchResults *self)
{
  GtkWidget *scroller, *empty;

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  self->heading = gtk_label_new (_("Messages"));
  gtk_label_set_xalign (GTK_LABEL (self->heading), 0);
  gtk_widget_set_margin_start (self->heading, 12);
  gtk_widget_set_margin_top (self->heading, 6);
  gtk_widget_set_margin_bottom (self->heading, 3);
  gtk_widget_add_css_class (self->heading, "heading");
  gtk_widget_add_css_class (self->heading, "dim-label");
  gtk_box_append (GTK_BOX (self->box), self->heading);

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->stack));

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "navigation-sidebar");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Messages found"), -1);
  g_signal_connect_object (self->list, "row-activated", G_CALLBACK (on_row_activated), self,
                           G_CONNECT_SWAPPED);
  {
    GtkEventController *keys = gtk_event_controller_key_new ();

    gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
    g_signal_connect_object (keys, "key-pressed", G_CALLBACK (on_list_key_pressed), self,
                             G_CONNECT_SWAPPED);
    gtk_widget_add_controller (GTK_WIDGET (self->list), keys);
  }
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->list));
  gtk_stack_add_named (self->stack, scroller, "list");

  empty = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "edit-find-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (empty), _("No Messages Found"));
  adw_status_page_set_description (ADW_STATUS_PAGE (empty),
                                   _("No message contains these words. Try fewer or shorter ones."));
  gtk_widget_add_css_class (empty, "compact");
  gtk_stack_add_named (self->stack, empty, "empty");
  gtk_stack_set_visible_child_name (self->stack, "list");
}

GtkWidget *
koi_search_results_new (void)
{
  return g_object_new (KOI_TYPE_SEARCH_RESULTS, NULL);
}
