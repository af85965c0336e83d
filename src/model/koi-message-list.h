/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-message.h"
#include "koi-store-reader.h"

G_BEGIN_DECLS

/* Messages per page read from the store. */
#define KOI_MESSAGE_LIST_PAGE_SIZE 50
/* Pages kept in the cache; older ones are dropped (least recently asked). */
#define KOI_MESSAGE_LIST_MAX_PAGES 8

#define KOI_TYPE_MESSAGE_LIST (koi_message_list_get_type ())
G_DECLARE_FINAL_TYPE (KoiMessageList, koi_message_list, KOI, MESSAGE_LIST, GObject)

typedef struct _KoiAccount KoiAccount;

/*
 * KoiMessageList: a lazily paged GListModel of KoiMessage for one chat,
 * oldest first (by sort time, then id).
 *
 * n_items is 0 and "loading" TRUE until the count arrives from the reader
 * thread; then one items-changed (0, 0, n) and the "ready" signal (the view
 * can scroll to the end). get_item() never blocks: it returns the cached
 * message, or a placeholder (loaded = FALSE) and queues a read of the page
 * that holds it; when the page arrives the placeholders are filled in place
 * (their properties notify; no items-changed). At most
 * KOI_MESSAGE_LIST_MAX_PAGES pages are cached; a row that still shows a
 * message of a dropped page keeps that object alive by its own reference,
 * and the list hands out the same object again while it lives.
 *
 * Live updates from the account (relayed from whichever engine runs it):
 * "message-added" for this chat inserts the message at its place (one
 * items-changed, usually at the end); "message-updated" reads the message
 * again and updates the live object (state, text, ...).
 */

/* @account may be NULL: no live updates. */
KoiMessageList *koi_message_list_new              (KoiStoreReader *reader,
                                                   KoiAccount     *account,
                                                   gint64          chat_id);
gint64          koi_message_list_get_chat_id      (KoiMessageList *self);
gboolean        koi_message_list_get_loading      (KoiMessageList *self);

/* Reads the count again and resets the list (after something changed that
 * the engine did not announce). */
void            koi_message_list_reload           (KoiMessageList *self);

/* Debugging and tests: KoiMessage objects held by the page cache, and
 * pages held (loaded or still loading). */
guint           koi_message_list_get_cached_count (KoiMessageList *self);
guint           koi_message_list_get_cached_pages (KoiMessageList *self);

G_END_DECLS
