/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-chat-list"

#include "config.h"

#include <string.h>

#include "koi-account.h"
#include "koi-chat-list.h"

/* A koi_chat_list_ensure_for_peer_async() call waiting for its chat to show
 * up in a reload that started after the chat was written. */
typedef struct
{
  GTask  *task;
  gint64  chat_id;
  guint   min_seq;
} Waiter;

struct _KoiChatList
{
  GObject         parent_instance;

  KoiStoreReader *reader;
  KoiAccount     *account;       /* weak: the account owns the list */
  gint64          account_id;

  GPtrArray      *chats;         /* of KoiChat*, in list order */
  GCancellable   *cancellable;   /* cancelled on dispose */

  GPtrArray      *waiters;       /* of Waiter* */
  guint           started_seq;   /* reloads started so far */
  guint           applied_seq;   /* the newest reload applied */

  guint           loading : 1;
  guint           in_flight : 1;
  guint           pending : 1;
};

static void koi_chat_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KoiChatList, koi_chat_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, koi_chat_list_model_init))

enum {
  PROP_0,
  PROP_ACCOUNT_ID,
  PROP_LOADING,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void start_reload (KoiChatList *self);

static GType
koi_chat_list_get_item_type (GListModel *model)
{
  return KOI_TYPE_CHAT;
}

static guint
koi_chat_list_get_n_items (GListModel *model)
{
  return KOI_CHAT_LIST (model)->chats->len;
}

static gpointer
koi_chat_list_get_item (GListModel *model,
                        guint       position)
{
  KoiChatList *self = KOI_CHAT_LIST (model);

  if (position >= self->chats->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->chats, position));
}

static void
koi_chat_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = koi_chat_list_get_item_type;
  iface->get_n_items = koi_chat_list_get_n_items;
  iface->get_item = koi_chat_list_get_item;
}

static void
waiter_free (Waiter *waiter)
{
  g_clear_object (&waiter->task);
  g_free (waiter);
}

static void
emit_items_changed (KoiChatList *self,
                    guint        position,
                    guint        removed,
                    guint        added)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static gint64
chat_id_at (KoiChatList *self,
            guint        position)
{
  return koi_chat_get_id (g_ptr_array_index (self->chats, position));
}

static guint
index_of_chat (KoiChatList *self,
               KoiChat     *chat,
               guint        from)
{
  for (guint i = from; i < self->chats->len; i++)
    if (g_ptr_array_index (self->chats, i) == chat)
      return i;
  g_assert_not_reached ();
}

/* Turns the current list into @rows (the store's order) with as few
 * items-changed as a list view needs to keep its rows: vanished chats are
 * removed, new ones inserted in runs, and a chat that changed place is one
 * signal over the span it crossed. Objects are kept by chat id. */
static void
apply_rows (KoiChatList *self,
            GPtrArray   *rows)
{
  g_autoptr(GHashTable) wanted = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GHashTable) current = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GHashTable) new_index = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GPtrArray) refiltered = g_ptr_array_new ();
  guint i;

  for (i = 0; i < rows->len; i++)
    {
      KoiStoreChat *row = g_ptr_array_index (rows, i);

      g_hash_table_insert (wanted, &row->id, row);
      g_hash_table_insert (new_index, &row->id, GUINT_TO_POINTER (i));
    }

  /* 1. Removals, from the end so positions stay valid; runs coalesce. */
  i = self->chats->len;
  while (i > 0)
    {
      gint64 id = chat_id_at (self, i - 1);
      guint end = i;

      if (g_hash_table_contains (wanted, &id))
        {
          i--;
          continue;
        }

      i--;
      while (i > 0)
        {
          gint64 prev = chat_id_at (self, i - 1);

          if (g_hash_table_contains (wanted, &prev))
            break;
          i--;
        }
      g_ptr_array_remove_range (self->chats, i, end - i);
      emit_items_changed (self, i, end - i, 0);
    }

  for (i = 0; i < self->chats->len; i++)
    {
      KoiChat *chat = g_ptr_array_index (self->chats, i);
      KoiStoreChat *row;

      /* Keys point into the KoiStoreChat rows, which outlive the tables. */
      row = g_hash_table_lookup (wanted, &(gint64) { koi_chat_get_id (chat) });
      g_hash_table_insert (current, &row->id, chat);
      /* Filters decide on these (a dismissed request is not listed) but do
       * not watch properties: such a chat is announced as replaced below. */
      if ((int) koi_chat_get_request (chat) != row->request
          || koi_chat_get_email_only (chat) != row->email_only)
        g_ptr_array_add (refiltered, chat);
      koi_chat_update_from_store (chat, row);
    }

  /* 2. Insertions and moves, walking the wanted order. */
  for (guint pos = 0; pos < rows->len;)
    {
      KoiStoreChat *row = g_ptr_array_index (rows, pos);
      KoiChat *chat = g_hash_table_lookup (current, &row->id);
      KoiChat *here;

      if (chat == NULL)
        {
          guint start = pos;

          while (pos < rows->len)
            {
              KoiStoreChat *next = g_ptr_array_index (rows, pos);

              if (g_hash_table_contains (current, &next->id))
                break;
              g_ptr_array_insert (self->chats, pos, koi_chat_new_from_store (next));
              pos++;
            }
          emit_items_changed (self, start, 0, pos - start);
          continue;
        }

      here = g_ptr_array_index (self->chats, pos);
      if (here == chat)
        {
          pos++;
          continue;
        }

      if (pos + 1 < self->chats->len && g_ptr_array_index (self->chats, pos + 1) == chat)
        {
          /* The chat here fell behind (one displaced row): move it down to
           * its new place in one signal. */
          gint64 here_id = koi_chat_get_id (here);
          guint target = GPOINTER_TO_UINT (g_hash_table_lookup (new_index, &here_id));

          target = MIN (target, self->chats->len - 1);
          g_ptr_array_steal_index (self->chats, pos);
          g_ptr_array_insert (self->chats, target, here);
          emit_items_changed (self, pos, target - pos + 1, target - pos + 1);
        }
      else
        {
          /* The wanted chat sits further down: move it up to here. */
          guint from = index_of_chat (self, chat, pos + 1);

          g_ptr_array_steal_index (self->chats, from);
          g_ptr_array_insert (self->chats, pos, chat);
          emit_items_changed (self, pos, from - pos + 1, from - pos + 1);
          pos++;
        }
    }

  g_assert (self->chats->len == rows->len);

  for (i = 0; i < refiltered->len; i++)
    {
      guint pos = index_of_chat (self, refiltered->pdata[i], 0);

      emit_items_changed (self, pos, 1, 1);
    }
}

static void
resolve_waiters (KoiChatList  *self,
                 const GError *error)
{
  for (guint i = 0; i < self->waiters->len;)
    {
      Waiter *waiter = g_ptr_array_index (self->waiters, i);
      KoiChat *chat = koi_chat_list_find (self, waiter->chat_id);

      if (chat != NULL)
        g_task_return_pointer (waiter->task, g_object_ref (chat), g_object_unref);
      else if (error != NULL)
        g_task_return_error (waiter->task, g_error_copy (error));
      else if (self->applied_seq >= waiter->min_seq)
        g_task_return_new_error (waiter->task, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND,
                                 "The chat was created but is not in the account's chat list");
      else
        {
          i++;
          continue;
        }
      g_ptr_array_remove_index (self->waiters, i);
    }
}

static void
reload_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(KoiChatList) self = user_data;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;

  self->in_flight = FALSE;
  rows = koi_store_reader_list_chats_finish (KOI_STORE_READER (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      resolve_waiters (self, error);
      return;
    }

  self->applied_seq = self->started_seq;

  if (rows == NULL)
    g_warning ("Cannot load the chats of account %" G_GINT64_FORMAT ": %s",
               self->account_id, error->message);
  else
    apply_rows (self, rows);

  if (self->loading)
    {
      self->loading = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
    }

  if (self->pending)
    {
      self->pending = FALSE;
      start_reload (self);
    }

  resolve_waiters (self, error);
}

static void
start_reload (KoiChatList *self)
{
  self->in_flight = TRUE;
  self->started_seq++;
  koi_store_reader_list_chats_async (self->reader, self->account_id, self->cancellable,
                                     reload_cb, g_object_ref (self));
}

void
koi_chat_list_reload (KoiChatList *self)
{
  g_return_if_fail (KOI_IS_CHAT_LIST (self));

  /* A burst of changes costs one reload in flight and one more after it:
   * the second one reads everything that happened meanwhile. */
  if (self->in_flight)
    self->pending = TRUE;
  else
    start_reload (self);
}

/* Also for "message-changed": only the reload matters, not the details. */
static void
on_message_added (KoiChatList *self,
                  gint64       chat_id,
                  gint64       message_id)
{
  koi_chat_list_reload (self);
}

static void
on_chat_updated (KoiChatList *self,
                 gint64       chat_id)
{
  koi_chat_list_reload (self);
}

KoiChatList *
koi_chat_list_new (KoiStoreReader *reader,
                   KoiAccount     *account)
{
  KoiChatList *self;

  g_return_val_if_fail (KOI_IS_STORE_READER (reader), NULL);
  g_return_val_if_fail (KOI_IS_ACCOUNT (account), NULL);

  self = g_object_new (KOI_TYPE_CHAT_LIST, "account-id", koi_account_get_id (account), NULL);
  self->reader = g_object_ref (reader);
  g_set_weak_pointer (&self->account, account);

  g_signal_connect_object (account, "chat-updated",
                           G_CALLBACK (on_chat_updated), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (account, "message-added",
                           G_CALLBACK (on_message_added), self, G_CONNECT_SWAPPED);
  /* A key that arrives by vCard (no message) can make a chat encrypted. */
  g_signal_connect_object (account, "contact-updated",
                           G_CALLBACK (on_chat_updated), self, G_CONNECT_SWAPPED);
  /* The row shows the last message's delivery state and text. */
  g_signal_connect_object (account, "message-updated",
                           G_CALLBACK (on_message_added), self, G_CONNECT_SWAPPED);

  start_reload (self);
  return self;
}

gint64
koi_chat_list_get_account_id (KoiChatList *self)
{
  g_return_val_if_fail (KOI_IS_CHAT_LIST (self), 0);
  return self->account_id;
}

gboolean
koi_chat_list_get_loading (KoiChatList *self)
{
  g_return_val_if_fail (KOI_IS_CHAT_LIST (self), FALSE);
  return self->loading;
}

KoiChat *
koi_chat_list_find (KoiChatList *self,
                    gint64       chat_id)
{
  g_return_val_if_fail (KOI_IS_CHAT_LIST (self), NULL);

  for (guint i = 0; i < self->chats->len; i++)
    if (chat_id_at (self, i) == chat_id)
      return g_ptr_array_index (self->chats, i);
  return NULL;
}

KoiChat *
koi_chat_list_find_by_peer (KoiChatList *self,
                            const char  *peer_address)
{
  g_return_val_if_fail (KOI_IS_CHAT_LIST (self), NULL);
  g_return_val_if_fail (peer_address != NULL, NULL);

  for (guint i = 0; i < self->chats->len; i++)
    {
      KoiChat *chat = g_ptr_array_index (self->chats, i);
      const char *peer = koi_chat_get_peer_address (chat);

      if (peer != NULL && g_ascii_strcasecmp (peer, peer_address) == 0)
        return chat;
    }
  return NULL;
}

/* A light check, enough to catch typing mistakes: one '@' with text on both
 * sides, no spaces or angle brackets. The server has the last word. */
static gboolean
looks_like_address (const char *address)
{
  const char *at = strchr (address, '@');

  return at != NULL && at != address && at[1] != '\0'
    && strchr (at + 1, '@') == NULL
    && strpbrk (address, " \t\r\n<>,;\"") == NULL
    && g_utf8_validate (address, -1, NULL);
}

static void
ensure_chat_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  KoiChatList *self = g_task_get_source_object (task);
  GError *error = NULL;
  Waiter *waiter;
  gint64 chat_id;

  chat_id = koi_account_create_chat_finish (KOI_ACCOUNT (source), result, &error);
  if (chat_id == 0)
    {
      g_task_return_error (task, error);
      return;
    }

  waiter = g_new0 (Waiter, 1);
  waiter->task = g_steal_pointer (&task);
  waiter->chat_id = chat_id;
  /* A reload in flight may have read the table before the chat existed;
   * the next one to start cannot have. */
  waiter->min_seq = self->started_seq + 1;
  g_ptr_array_add (self->waiters, waiter);

  if (koi_chat_list_find (self, chat_id) != NULL)
    resolve_waiters (self, NULL);
  else
    koi_chat_list_reload (self);
}

void
koi_chat_list_ensure_for_peer_async (KoiChatList         *self,
                                     const char          *peer_address,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *address = NULL;
  KoiChat *chat;

  g_return_if_fail (KOI_IS_CHAT_LIST (self));
  g_return_if_fail (peer_address != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_chat_list_ensure_for_peer_async);

  address = g_strstrip (g_strdup (peer_address));
  if (!looks_like_address (address))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "“%s” is not an email address", address);
      return;
    }

  chat = koi_chat_list_find_by_peer (self, address);
  if (chat != NULL)
    {
      g_task_return_pointer (task, g_object_ref (chat), g_object_unref);
      return;
    }

  if (self->account == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The account is gone");
      return;
    }
  koi_account_create_chat_async (self->account, address, cancellable,
                                 ensure_chat_cb, g_steal_pointer (&task));
}

KoiChat *
koi_chat_list_ensure_for_peer_finish (KoiChatList   *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  g_return_val_if_fail (KOI_IS_CHAT_LIST (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
koi_chat_list_mark_read (KoiChatList *self,
                         gint64       chat_id)
{
  KoiChat *chat;

  g_return_if_fail (KOI_IS_CHAT_LIST (self));

  /* Nothing to write for a chat that is read already. */
  chat = koi_chat_list_find (self, chat_id);
  if (chat != NULL && koi_chat_get_unread_count (chat) == 0)
    return;

  if (self->account != NULL)
    koi_account_mark_read (self->account, chat_id);
}

static void
koi_chat_list_dispose (GObject *object)
{
  KoiChatList *self = KOI_CHAT_LIST (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_weak_pointer (&self->account);

  G_OBJECT_CLASS (koi_chat_list_parent_class)->dispose (object);
}

static void
koi_chat_list_finalize (GObject *object)
{
  KoiChatList *self = KOI_CHAT_LIST (object);

  g_clear_pointer (&self->chats, g_ptr_array_unref);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->reader);

  G_OBJECT_CLASS (koi_chat_list_parent_class)->finalize (object);
}

static void
koi_chat_list_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  KoiChatList *self = KOI_CHAT_LIST (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT_ID:
      g_value_set_int64 (value, self->account_id);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->chats->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_chat_list_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  KoiChatList *self = KOI_CHAT_LIST (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT_ID:
      self->account_id = g_value_get_int64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_chat_list_class_init (KoiChatListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = koi_chat_list_dispose;
  object_class->finalize = koi_chat_list_finalize;
  object_class->get_property = koi_chat_list_get_property;
  object_class->set_property = koi_chat_list_set_property;

  properties[PROP_ACCOUNT_ID] =
    g_param_spec_int64 ("account-id", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* TRUE until the first answer from the store is applied: the view can
   * tell "no chats yet" from "not read yet". */
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* For an empty-state page bound to the count. */
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
koi_chat_list_init (KoiChatList *self)
{
  self->chats = g_ptr_array_new_with_free_func (g_object_unref);
  self->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);
  self->cancellable = g_cancellable_new ();
  self->loading = TRUE;
}
