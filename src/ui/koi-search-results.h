/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-account.h"

G_BEGIN_DECLS

#define KOI_TYPE_SEARCH_RESULTS (koi_search_results_get_type ())
G_DECLARE_FINAL_TYPE (KoiSearchResults, koi_search_results, KOI, SEARCH_RESULTS, GtkWidget)

/*
 * Messages whose text matches what the user typed: one row per message
 * (chat, sender, date, the words that matched in bold), newest first, or
 * an empty state. The query runs on the account's KoiStoreReader, never on
 * the main thread; a new query cancels the one before.
 *
 * Both widget sets use it as it is (built in code from GTK 4.8 and
 * libadwaita 1.2 widgets).
 *
 * Signal "message-activated" (gint64 chat_id, gint64 message_id): a row was
 * clicked or got Enter. Signal "updated": the results of the latest query
 * are shown. A message that arrives, is edited or deleted while a query is
 * shown asks the store again (without "busy"); the focused row keeps the
 * focus. GtkWidget's "keynav-failed" (GTK_DIR_UP): Up on the first row, or
 * the focused row went and none is left; the owner moves the focus (back
 * to its search entry).
 */
GtkWidget  *koi_search_results_new            (void);

void        koi_search_results_set_account    (KoiSearchResults *self,
                                               KoiAccount       *account);
/* The account's chats (a GListModel of KoiChat), to name each result's
 * chat. */
void        koi_search_results_set_chats      (KoiSearchResults *self,
                                               GListModel       *chats);
/* 0: every chat (each row names its chat); else only this chat's. */
void        koi_search_results_set_chat_id    (KoiSearchResults *self,
                                               gint64            chat_id);
gint64      koi_search_results_get_chat_id    (KoiSearchResults *self);
/* Starts the search; NULL or blank clears the results. */
void        koi_search_results_set_query      (KoiSearchResults *self,
                                               const char       *query);
const char *koi_search_results_get_query      (KoiSearchResults *self);

/* TRUE while the latest query has not answered yet. */
gboolean    koi_search_results_get_busy       (KoiSearchResults *self);
guint       koi_search_results_get_n_results  (KoiSearchResults *self);
/* The row of result @index (0 = newest), NULL past the end. */
GtkWidget  *koi_search_results_get_row        (KoiSearchResults *self,
                                               guint             index);
/* The store id of result @index's message (0 = newest), 0 past the end:
 * what Ctrl+G steps through in an open chat. */
gint64      koi_search_results_get_message_id (KoiSearchResults *self,
                                               guint             index);
/* Opens the first result, as Enter in the search entry does; FALSE when
 * there is none. */
gboolean    koi_search_results_activate_first (KoiSearchResults *self);
/* Moves the focus to the first result (Down in the search entry). */
gboolean    koi_search_results_focus_first    (KoiSearchResults *self);

G_END_DECLS
