/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-message-list"

#include "config.h"

#include "koi-account.h"
#include "koi-attachment.h"
#include "koi-message-list.h"

/*
 * How the list stays small and right:
 *
 * - Pages of KOI_MESSAGE_LIST_PAGE_SIZE messages are read on demand and kept
 *   in an LRU of KOI_MESSAGE_LIST_MAX_PAGES. A page dropped before its read
 *   ran is cancelled, so a fast scroll queues no useless queries.
 * - Every loaded KoiMessage is also in a weak table by store id. A row that
 *   still holds a message of a dropped page keeps it alive, and the next read
 *   of that page hands out the same object (identity kept, state updates
 *   still reach it).
 * - Placeholders are tracked the same way, weakly by position: a row may be
 *   bound to a placeholder whose page is dropped before its read ran (a fast
 *   scroll). When that page is made again it takes the placeholders that are
 *   still alive instead of new ones, so the read fills the object the row
 *   shows. Eviction also passes over pages whose placeholders a row still
 *   shows while there is another page to drop.
 * - Structural changes (new messages) go through one "sync" job at a time on
 *   the reader: it counts again and checks the tail, so the model knows
 *   exactly which positions are new even when the engine's signals and the
 *   reader's answers interleave. Appends (the normal case) are one
 *   items-changed at the end; an insert in the middle (an older Date) is one
 *   items-changed at its place; anything it cannot explain is a reset.
 */

/* How far back from the end a sync looks for messages inserted in the
 * middle before it gives up and resets the list. */
#define TAIL_SCAN (4 * KOI_MESSAGE_LIST_PAGE_SIZE)

typedef struct
{
  guint         index;
  guint64       last_used;
  GPtrArray    *items;        /* of KoiMessage*: placeholders until loaded */
  GCancellable *cancellable;
  gboolean      loaded;
} Page;

struct _KoiMessageList
{
  GObject         parent_instance;

  KoiStoreReader *reader;
  KoiAccount     *account;      /* live updates; may be NULL */
  gint64          chat_id;

  guint           n_items;
  gint64          last_id;      /* store id of the last item, 0 if empty */

  GHashTable     *pages;        /* page index → Page* */
  guint64         clock;
  GHashTable     *live;         /* message id (gint64*) → KoiMessage* (weak) */
  GHashTable     *waiting;      /* position → placeholder KoiMessage* (weak) */

  GArray         *announced;    /* gint64 ids from "message-added" not synced yet */
  GCancellable   *cancellable;

  guint           loading : 1;
  guint           sync_in_flight : 1;
  guint           sync_pending : 1;
  guint           reset_pending : 1;
};

static void koi_message_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KoiMessageList, koi_message_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, koi_message_list_model_init))

enum {
  PROP_0,
  PROP_CHAT_ID,
  PROP_LOADING,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  READY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void request_sync (KoiMessageList *self);

/* ------------------------------------------------------------------ */
/* Live objects */

static void
live_weak_notify (gpointer  data,
                  GObject  *where_the_object_was)
{
  KoiMessageList *self = data;
  GHashTableIter iter;
  gpointer value;

  /* The id cannot be read from a finalized object: find it by value. Rare
   * enough (a row let go of a message of a dropped page) to be fine. */
  g_hash_table_iter_init (&iter, self->live);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value == (gpointer) where_the_object_was)
      {
        g_hash_table_iter_remove (&iter);
        break;
      }
}

static void
live_register (KoiMessageList *self,
               KoiMessage     *message)
{
  gint64 id = koi_message_get_id (message);
  KoiMessage *old = g_hash_table_lookup (self->live, &id);

  if (old == message)
    return;
  if (old != NULL)
    g_object_weak_unref (G_OBJECT (old), live_weak_notify, self);

  g_object_weak_ref (G_OBJECT (message), live_weak_notify, self);
  g_hash_table_insert (self->live, g_memdup2 (&id, sizeof id), message);
}

static void
live_clear (KoiMessageList *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->live);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      g_object_weak_unref (value, live_weak_notify, self);
      g_hash_table_iter_remove (&iter);
    }
}

/* The object to show for @row: the live one if there is one, else a new
 * one. Either way filled from @row. Transfer full. */
static KoiMessage *
message_for_row (KoiMessageList        *self,
                 const KoiStoreMessage *row)
{
  KoiMessage *message = g_hash_table_lookup (self->live, &row->id);

  if (message != NULL)
    {
      koi_message_update_from_store (message, row);
      return g_object_ref (message);
    }

  message = koi_message_new_from_store (row);
  live_register (self, message);
  return message;
}

/* ------------------------------------------------------------------ */
/* Placeholders, by position */

static void
waiting_weak_notify (gpointer  data,
                     GObject  *where_the_object_was)
{
  KoiMessageList *self = data;
  GHashTableIter iter;
  gpointer value;

  /* Only placeholders not loaded yet are here: a page's worth or a few. */
  g_hash_table_iter_init (&iter, self->waiting);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value == (gpointer) where_the_object_was)
      {
        g_hash_table_iter_remove (&iter);
        break;
      }
}

/* The placeholder for @position: the one a row may still show from a page
 * that was dropped before it loaded, else a new one. Transfer full. */
static KoiMessage *
waiting_take (KoiMessageList *self,
              guint           position)
{
  KoiMessage *message = g_hash_table_lookup (self->waiting, GUINT_TO_POINTER (position));

  if (message != NULL && !koi_message_get_loaded (message))
    return g_object_ref (message);

  if (message != NULL)
    g_object_weak_unref (G_OBJECT (message), waiting_weak_notify, self);

  message = koi_message_new_placeholder ();
  g_object_weak_ref (G_OBJECT (message), waiting_weak_notify, self);
  g_hash_table_insert (self->waiting, GUINT_TO_POINTER (position), message);
  return message;
}

/* @message at @position is filled (or swapped out): stop tracking it. */
static void
waiting_forget (KoiMessageList *self,
                guint           position,
                KoiMessage     *message)
{
  if (g_hash_table_lookup (self->waiting, GUINT_TO_POINTER (position)) != message)
    return;

  g_object_weak_unref (G_OBJECT (message), waiting_weak_notify, self);
  g_hash_table_remove (self->waiting, GUINT_TO_POINTER (position));
}

static void
waiting_clear (KoiMessageList *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->waiting);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      g_object_weak_unref (value, waiting_weak_notify, self);
      g_hash_table_iter_remove (&iter);
    }
}

/* A message was inserted at @position: the placeholders from there on moved
 * down by one, as their rows did. */
static void
waiting_shift (KoiMessageList *self,
               guint           position)
{
  g_autoptr(GHashTable) moved = NULL;
  GHashTableIter iter;
  gpointer key, value;

  if (g_hash_table_size (self->waiting) == 0)
    return;

  moved = g_hash_table_new (NULL, NULL);
  g_hash_table_iter_init (&iter, self->waiting);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      guint old = GPOINTER_TO_UINT (key);

      g_hash_table_insert (moved, GUINT_TO_POINTER (old >= position ? old + 1 : old), value);
    }

  g_hash_table_remove_all (self->waiting);
  g_hash_table_iter_init (&iter, moved);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (self->waiting, key, value);
}

/* ------------------------------------------------------------------ */
/* Pages */

static void
page_free (Page *page)
{
  g_cancellable_cancel (page->cancellable);
  g_clear_object (&page->cancellable);
  g_clear_pointer (&page->items, g_ptr_array_unref);
  g_free (page);
}

static void
drop_pages_from (KoiMessageList *self,
                 guint           first_index)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Page *) value)->index >= first_index)
      g_hash_table_iter_remove (&iter);
}

/* TRUE if someone besides the page (a row) holds one of its placeholders:
 * dropping the page now would only mean reading it again soon. */
static gboolean
page_in_view (Page *page)
{
  if (page->loaded)
    return FALSE;

  for (guint i = 0; i < page->items->len; i++)
    {
      KoiMessage *item = g_ptr_array_index (page->items, i);

      if (!koi_message_get_loaded (item) && G_OBJECT (item)->ref_count > 1)
        return TRUE;
    }
  return FALSE;
}

/* Drops the least recently used pages over the limit, never @keep (the page
 * being handed out). */
static void
evict_if_needed (KoiMessageList *self,
                 Page           *keep)
{
  while (g_hash_table_size (self->pages) > KOI_MESSAGE_LIST_MAX_PAGES)
    {
      GHashTableIter iter;
      gpointer value;
      Page *oldest = NULL;
      Page *oldest_unseen = NULL;

      g_hash_table_iter_init (&iter, self->pages);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          Page *page = value;

          if (page == keep)
            continue;
          if (oldest == NULL || page->last_used < oldest->last_used)
            oldest = page;
          if ((oldest_unseen == NULL || page->last_used < oldest_unseen->last_used)
              && !page_in_view (page))
            oldest_unseen = page;
        }

      /* Every page shown: the limit wins; the rows' placeholders stay
       * tracked by position and are filled when their page comes back. */
      if (oldest_unseen != NULL)
        oldest = oldest_unseen;

      g_hash_table_remove (self->pages, GUINT_TO_POINTER (oldest->index));
    }
}

typedef struct
{
  KoiMessageList *self;
  guint           index;
  GCancellable   *cancellable;
} PageRequest;

static void
page_request_free (PageRequest *request)
{
  g_clear_object (&request->self);
  g_clear_object (&request->cancellable);
  g_free (request);
}

static void
page_loaded_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  PageRequest *request = user_data;
  KoiMessageList *self = request->self;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  gboolean short_page = FALSE;
  Page *page;

  rows = koi_store_reader_message_page_finish (KOI_STORE_READER (source), result, &error);
  page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (request->index));

  /* Dropped (or dropped and asked for again) while the read ran. */
  if (page == NULL || page->cancellable != request->cancellable
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    goto out;

  if (rows == NULL)
    {
      g_warning ("Cannot read messages %u–%u of chat %" G_GINT64_FORMAT ": %s",
                 request->index * KOI_MESSAGE_LIST_PAGE_SIZE,
                 (request->index + 1) * KOI_MESSAGE_LIST_PAGE_SIZE - 1,
                 self->chat_id, error->message);
      /* Forget the page so the next get_item() asks again. */
      g_hash_table_remove (self->pages, GUINT_TO_POINTER (request->index));
      goto out;
    }

  page->loaded = TRUE;

  for (guint i = 0; i < page->items->len; i++)
    {
      KoiMessage *slot = g_ptr_array_index (page->items, i);
      const KoiStoreMessage *row;
      KoiMessage *existing;

      if (i >= rows->len)
        {
          /* Fewer messages than the list counts: something was removed
           * behind the engine's back. */
          short_page |= !koi_message_get_loaded (slot);
          continue;
        }

      row = g_ptr_array_index (rows, i);
      existing = g_hash_table_lookup (self->live, &row->id);
      waiting_forget (self, request->index * KOI_MESSAGE_LIST_PAGE_SIZE + i, slot);

      /* A placeholder nobody has seen yet is swapped for the live object of
       * the same message, so a message never has two objects that drift
       * apart. One already handed to a row is filled in place instead. */
      if (existing != NULL && existing != slot && !koi_message_get_loaded (slot)
          && G_OBJECT (slot)->ref_count == 1)
        {
          koi_message_update_from_store (existing, row);
          g_ptr_array_index (page->items, i) = g_object_ref (existing);
          g_object_unref (slot);
          continue;
        }

      koi_message_update_from_store (slot, row);
      live_register (self, slot);
    }

  if (short_page)
    koi_message_list_reload (self);

out:
  page_request_free (request);
}

static Page *
page_get (KoiMessageList *self,
          guint           index)
{
  Page *page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (index));
  PageRequest *request;
  guint first = index * KOI_MESSAGE_LIST_PAGE_SIZE;
  guint len;

  if (page != NULL)
    {
      page->last_used = ++self->clock;
      return page;
    }

  len = MIN (KOI_MESSAGE_LIST_PAGE_SIZE, self->n_items - first);

  page = g_new0 (Page, 1);
  page->index = index;
  page->last_used = ++self->clock;
  page->cancellable = g_cancellable_new ();
  page->items = g_ptr_array_new_full (len, g_object_unref);
  for (guint i = 0; i < len; i++)
    g_ptr_array_add (page->items, waiting_take (self, first + i));
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (index), page);

  request = g_new0 (PageRequest, 1);
  request->self = g_object_ref (self);
  request->index = index;
  request->cancellable = g_object_ref (page->cancellable);
  koi_store_reader_message_page_async (self->reader, self->chat_id,
                                       first, KOI_MESSAGE_LIST_PAGE_SIZE,
                                       page->cancellable, page_loaded_cb, request);

  evict_if_needed (self, page);
  return page;
}

/* ------------------------------------------------------------------ */
/* GListModel */

static GType
koi_message_list_get_item_type (GListModel *model)
{
  return KOI_TYPE_MESSAGE;
}

static guint
koi_message_list_get_n_items (GListModel *model)
{
  return KOI_MESSAGE_LIST (model)->n_items;
}

static gpointer
koi_message_list_get_item (GListModel *model,
                           guint       position)
{
  KoiMessageList *self = KOI_MESSAGE_LIST (model);
  guint slot = position % KOI_MESSAGE_LIST_PAGE_SIZE;
  Page *page;

  if (position >= self->n_items)
    return NULL;

  page = page_get (self, position / KOI_MESSAGE_LIST_PAGE_SIZE);

  if (slot >= page->items->len)
    {
      /* The page was made when the chat was shorter; read it again. */
      g_hash_table_remove (self->pages, GUINT_TO_POINTER (page->index));
      page = page_get (self, position / KOI_MESSAGE_LIST_PAGE_SIZE);
    }

  return g_object_ref (g_ptr_array_index (page->items, slot));
}

static void
koi_message_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = koi_message_list_get_item_type;
  iface->get_n_items = koi_message_list_get_n_items;
  iface->get_item = koi_message_list_get_item;
}

/* ------------------------------------------------------------------ */
/* Sync: count, and find what is new */

typedef struct
{
  gint64    chat_id;
  guint     known_count;
  gint64    known_last_id;
  gboolean  reset;
  GArray   *ids;            /* gint64: announced by the engine */
} SyncArgs;

typedef struct
{
  guint      count;
  gint64     last_id;
  gboolean   reset;
  gboolean   appended;     /* every new message is after the known ones */
  GPtrArray *tail;         /* appended: the new rows, when few; else NULL */
  GPtrArray *scan;         /* the rows looked through for middle inserts */
  GPtrArray *inserted;     /* those that are new (borrowed from scan), ascending */
  GArray    *positions;    /* guint, their positions in the new list */
} SyncResult;

static void
sync_args_free (SyncArgs *args)
{
  g_clear_pointer (&args->ids, g_array_unref);
  g_free (args);
}

static void
sync_result_free (SyncResult *res)
{
  g_clear_pointer (&res->tail, g_ptr_array_unref);
  g_clear_pointer (&res->inserted, g_ptr_array_unref);
  g_clear_pointer (&res->scan, g_ptr_array_unref);
  g_clear_pointer (&res->positions, g_array_unref);
  g_free (res);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyncResult, sync_result_free)

static gpointer
sync_func (KoiStore      *store,
           gpointer       data,
           GCancellable  *cancellable,
           GError       **error)
{
  SyncArgs *args = data;
  g_autoptr(SyncResult) res = g_new0 (SyncResult, 1);
  GError *local_error = NULL;
  guint delta, scan_from;

  res->count = koi_store_message_count (store, args->chat_id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }

  if (res->count > 0)
    {
      g_autoptr(GPtrArray) last = koi_store_message_page (store, args->chat_id,
                                                          res->count - 1, 1, error);
      if (last == NULL)
        return NULL;
      res->last_id = last->len > 0 ? ((KoiStoreMessage *) last->pdata[0])->id : 0;
    }

  if (args->reset || res->count < args->known_count)
    {
      res->reset = TRUE;
      return g_steal_pointer (&res);
    }
  if (res->count == args->known_count)
    return g_steal_pointer (&res);

  delta = res->count - args->known_count;

  /* Appended only, if the message the model has last is still last but
   * @delta. */
  if (args->known_count == 0)
    res->appended = TRUE;
  else
    {
      g_autoptr(GPtrArray) probe = koi_store_message_page (store, args->chat_id,
                                                           args->known_count - 1, 1, error);
      if (probe == NULL)
        return NULL;
      res->appended = probe->len == 1
        && ((KoiStoreMessage *) probe->pdata[0])->id == args->known_last_id;
    }

  if (res->appended)
    {
      /* Few new messages (someone typing) arrive with their data, so a new
       * bubble never flashes as a placeholder. */
      if (delta <= KOI_MESSAGE_LIST_PAGE_SIZE)
        {
          res->tail = koi_store_message_page (store, args->chat_id, args->known_count, delta, error);
          if (res->tail == NULL)
            return NULL;
          if (res->tail->len != delta)
            g_clear_pointer (&res->tail, g_ptr_array_unref);
        }
      return g_steal_pointer (&res);
    }

  /* Inserted in the middle: explainable only if every new message was
   * announced and sits near the end. */
  if (args->ids->len != delta)
    {
      res->reset = TRUE;
      return g_steal_pointer (&res);
    }

  scan_from = res->count - MIN (res->count, TAIL_SCAN);
  res->scan = koi_store_message_page (store, args->chat_id, scan_from, TAIL_SCAN, error);
  if (res->scan == NULL)
    return NULL;

  res->inserted = g_ptr_array_new ();
  res->positions = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < res->scan->len; i++)
    {
      KoiStoreMessage *row = g_ptr_array_index (res->scan, i);

      for (guint j = 0; j < args->ids->len; j++)
        if (g_array_index (args->ids, gint64, j) == row->id)
          {
            guint position = scan_from + i;

            g_array_append_val (res->positions, position);
            g_ptr_array_add (res->inserted, row);
            break;
          }
    }

  if (res->inserted->len != delta)
    {
      g_clear_pointer (&res->inserted, g_ptr_array_unref);
      g_clear_pointer (&res->positions, g_array_unref);
      res->reset = TRUE;
    }

  return g_steal_pointer (&res);
}

static void
set_loaded (KoiMessageList *self)
{
  if (!self->loading)
    return;

  self->loading = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  g_signal_emit (self, signals[READY], 0);
}

static void
apply_sync (KoiMessageList *self,
            SyncResult     *res)
{
  guint old = self->n_items;

  if (res->reset)
    {
      /* Every row is bound again: old positions mean nothing now. */
      g_hash_table_remove_all (self->pages);
      waiting_clear (self);
      self->n_items = res->count;
      self->last_id = res->last_id;
      g_list_model_items_changed (G_LIST_MODEL (self), 0, old, res->count);
    }
  else if (res->count == old)
    {
      self->last_id = res->last_id;
      return;
    }
  else if (res->appended)
    {
      guint last_index = old > 0 ? (old - 1) / KOI_MESSAGE_LIST_PAGE_SIZE : 0;
      Page *page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (last_index));

      if (res->tail != NULL)
        {
          /* Fill what is cached with the new rows right away. */
          for (guint i = 0; i < res->tail->len; i++)
            {
              guint position = old + i;
              guint index = position / KOI_MESSAGE_LIST_PAGE_SIZE;

              page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (index));
              if (page == NULL && position % KOI_MESSAGE_LIST_PAGE_SIZE == 0)
                {
                  /* A page that holds only new messages is known whole:
                   * start it here, so the view at the bottom shows them
                   * without a round trip. */
                  page = g_new0 (Page, 1);
                  page->index = index;
                  page->last_used = ++self->clock;
                  page->cancellable = g_cancellable_new ();
                  page->items = g_ptr_array_new_with_free_func (g_object_unref);
                  page->loaded = TRUE;
                  g_hash_table_insert (self->pages, GUINT_TO_POINTER (index), page);
                }
              if (page == NULL)
                continue;
              if (page->items->len == position % KOI_MESSAGE_LIST_PAGE_SIZE)
                g_ptr_array_add (page->items, message_for_row (self, res->tail->pdata[i]));
              else
                g_hash_table_remove (self->pages, GUINT_TO_POINTER (index));
            }
        }
      else if (page != NULL && page->items->len < KOI_MESSAGE_LIST_PAGE_SIZE)
        g_hash_table_remove (self->pages, GUINT_TO_POINTER (last_index));

      evict_if_needed (self, NULL);

      self->n_items = res->count;
      self->last_id = res->last_id;
      g_list_model_items_changed (G_LIST_MODEL (self), old, 0, res->count - old);
    }
  else
    {
      for (guint i = 0; i < res->inserted->len; i++)
        {
          guint position = g_array_index (res->positions, guint, i);
          g_autoptr(KoiMessage) message = message_for_row (self, res->inserted->pdata[i]);

          /* Pages from here on shifted by one: read them again. */
          drop_pages_from (self, position / KOI_MESSAGE_LIST_PAGE_SIZE);
          waiting_shift (self, position);
          self->n_items++;
          g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
        }
      self->last_id = res->last_id;
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
sync_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(KoiMessageList) self = user_data;
  g_autoptr(SyncResult) res = NULL;
  g_autoptr(GError) error = NULL;

  self->sync_in_flight = FALSE;
  res = koi_store_reader_run_finish (KOI_STORE_READER (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (res == NULL)
    g_warning ("Cannot count the messages of chat %" G_GINT64_FORMAT ": %s",
               self->chat_id, error->message);
  else
    apply_sync (self, res);

  /* Even after an error: an empty list is better than a spinner forever. */
  set_loaded (self);

  if (self->sync_pending)
    {
      self->sync_pending = FALSE;
      request_sync (self);
    }
}

static void
request_sync (KoiMessageList *self)
{
  SyncArgs *args;

  if (self->sync_in_flight)
    {
      self->sync_pending = TRUE;
      return;
    }

  args = g_new0 (SyncArgs, 1);
  args->chat_id = self->chat_id;
  args->known_count = self->n_items;
  args->known_last_id = self->last_id;
  args->reset = self->reset_pending;
  args->ids = g_steal_pointer (&self->announced);
  self->announced = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->reset_pending = FALSE;
  self->sync_in_flight = TRUE;

  koi_store_reader_run_async (self->reader, sync_func, args,
                              (GDestroyNotify) sync_args_free,
                              (GDestroyNotify) sync_result_free,
                              self->cancellable, sync_cb, g_object_ref (self));
}

void
koi_message_list_reload (KoiMessageList *self)
{
  g_return_if_fail (KOI_IS_MESSAGE_LIST (self));

  self->reset_pending = TRUE;
  request_sync (self);
}

/* ------------------------------------------------------------------ */
/* Engine signals */

static void
on_message_added (KoiAccount     *account,
                  gint64          chat_id,
                  gint64          message_id,
                  KoiMessageList *self)
{
  if (chat_id != self->chat_id)
    return;

  g_array_append_val (self->announced, message_id);
  request_sync (self);
}

static void
updated_message_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(KoiMessageList) self = user_data;
  g_autoptr(KoiStoreMessage) row = NULL;
  g_autoptr(GError) error = NULL;
  KoiMessage *message;

  row = koi_store_reader_get_message_finish (KOI_STORE_READER (source), result, &error);
  if (row == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("Cannot read a changed message: %s", error->message);
      return;
    }

  /* Gone from this chat (an unreadable row replaced by the mail once a
   * key reads it): positions shift in a way a count cannot tell. */
  if (row->chat_id != self->chat_id)
    {
      koi_message_list_reload (self);
      return;
    }
  message = g_hash_table_lookup (self->live, &row->id);
  if (message != NULL)
    koi_message_update_from_store (message, row);
}

static void
on_message_updated (KoiAccount     *account,
                    gint64          chat_id,
                    gint64          message_id,
                    KoiMessageList *self)
{
  /* Only a message someone looks at needs reading again; the others are
   * read fresh when their page is. */
  if (chat_id != self->chat_id || g_hash_table_lookup (self->live, &message_id) == NULL)
    return;

  koi_store_reader_get_message_async (self->reader, message_id, self->cancellable,
                                      updated_message_cb, g_object_ref (self));
}

/* ------------------------------------------------------------------ */

/* Progress goes straight to the shown message's file: no store read,
 * the bytes so far are nowhere but in the event. */
static void
on_transfer_progress (KoiMessageList *self,
                      gint64          message_id,
                      gint64          attachment_id,
                      gint64          done,
                      gint64          total)
{
  KoiMessage *message = g_hash_table_lookup (self->live, &message_id);
  GListModel *attachments;

  if (message == NULL)
    return;
  attachments = koi_message_get_attachments (message);
  for (guint i = 0; i < g_list_model_get_n_items (attachments); i++)
    {
      g_autoptr (KoiAttachment) attachment = g_list_model_get_item (attachments, i);

      if (koi_attachment_get_id (attachment) == attachment_id)
        koi_attachment_set_progress (attachment, done, total);
    }
}

KoiMessageList *
koi_message_list_new (KoiStoreReader *reader,
                      KoiAccount     *account,
                      gint64          chat_id)
{
  KoiMessageList *self;

  g_return_val_if_fail (KOI_IS_STORE_READER (reader), NULL);
  g_return_val_if_fail (account == NULL || KOI_IS_ACCOUNT (account), NULL);

  self = g_object_new (KOI_TYPE_MESSAGE_LIST, "chat-id", chat_id, NULL);
  self->reader = g_object_ref (reader);

  if (account != NULL)
    {
      self->account = g_object_ref (account);
      g_signal_connect_object (account, "message-added",
                               G_CALLBACK (on_message_added), self, 0);
      g_signal_connect_object (account, "message-updated",
                               G_CALLBACK (on_message_updated), self, 0);
      g_signal_connect_object (account, "transfer-progress",
                               G_CALLBACK (on_transfer_progress), self, G_CONNECT_SWAPPED);
    }

  request_sync (self);
  return self;
}

gint64
koi_message_list_get_chat_id (KoiMessageList *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE_LIST (self), 0);
  return self->chat_id;
}

gboolean
koi_message_list_get_loading (KoiMessageList *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE_LIST (self), FALSE);
  return self->loading;
}

guint
koi_message_list_get_cached_count (KoiMessageList *self)
{
  GHashTableIter iter;
  gpointer value;
  guint count = 0;

  g_return_val_if_fail (KOI_IS_MESSAGE_LIST (self), 0);

  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    count += ((Page *) value)->items->len;
  return count;
}

guint
koi_message_list_get_cached_pages (KoiMessageList *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE_LIST (self), 0);
  return g_hash_table_size (self->pages);
}

static void
koi_message_list_dispose (GObject *object)
{
  KoiMessageList *self = KOI_MESSAGE_LIST (object);

  g_cancellable_cancel (self->cancellable);
  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  g_clear_object (&self->account);
  g_hash_table_remove_all (self->pages);
  live_clear (self);
  waiting_clear (self);

  G_OBJECT_CLASS (koi_message_list_parent_class)->dispose (object);
}

static void
koi_message_list_finalize (GObject *object)
{
  KoiMessageList *self = KOI_MESSAGE_LIST (object);

  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_clear_pointer (&self->live, g_hash_table_unref);
  g_clear_pointer (&self->waiting, g_hash_table_unref);
  g_clear_pointer (&self->announced, g_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->reader);

  G_OBJECT_CLASS (koi_message_list_parent_class)->finalize (object);
}

static void
koi_message_list_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  KoiMessageList *self = KOI_MESSAGE_LIST (object);

  switch (prop_id)
    {
    case PROP_CHAT_ID:
      g_value_set_int64 (value, self->chat_id);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->n_items);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_message_list_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  KoiMessageList *self = KOI_MESSAGE_LIST (object);

  switch (prop_id)
    {
    case PROP_CHAT_ID:
      self->chat_id = g_value_get_int64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_message_list_class_init (KoiMessageListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = koi_message_list_dispose;
  object_class->finalize = koi_message_list_finalize;
  object_class->get_property = koi_message_list_get_property;
  object_class->set_property = koi_message_list_set_property;

  properties[PROP_CHAT_ID] =
    g_param_spec_int64 ("chat-id", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* TRUE until the number of messages is known. */
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * KoiMessageList::ready:
   *
   * The count is known and the items are in the model: the view can
   * scroll to the newest message. Emitted once.
   */
  signals[READY] =
    g_signal_new ("ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
koi_message_list_init (KoiMessageList *self)
{
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) page_free);
  self->live = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->waiting = g_hash_table_new (NULL, NULL);
  self->announced = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->cancellable = g_cancellable_new ();
  self->loading = TRUE;
}
