/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-store-reader.h"

G_BEGIN_DECLS

/*
 * What a bubble shows besides its text: reactions, the quoted message and
 * the edit history. KoiMessage carries the first two in the store's compact
 * form (properties "reactions" and "quote"), so a row that shows neither
 * pays one NULL check; these read them when a row does show them. The
 * history and a quoted message's place are read on demand, off the main
 * thread, through the account's KoiStoreReader.
 */

/* One emoji under a bubble: how many reacted with it, whether this
 * account did, and who else (names, in the order they reacted). */
typedef struct {
  char      *emoji;
  guint      count;
  gboolean   own;
  GPtrArray *others;   /* char* */
} KoiReactionGroup;

/* Groups of the store form @raw (KoiMessage:reactions), in the order each
 * emoji first came; an empty array for NULL. Malformed records are
 * skipped. */
GPtrArray *koi_reaction_groups_parse  (const char       *raw);
void       koi_reaction_group_free    (KoiReactionGroup *group);

/* The quoted message of a reply (KoiMessage:quote). @id is 0 when the
 * original is not stored (the text's own quote is all there is) and
 * @sender then NULL. @text is its first line. */
typedef struct {
  gint64    id;
  gboolean  outgoing;
  gboolean  deleted;
  char     *sender;
  char     *text;
} KoiQuote;

KoiQuote  *koi_quote_parse            (const char       *raw);
void       koi_quote_free             (KoiQuote         *quote);
/* The first quoted line ("> " taken off) at the top of @full_text, for a
 * reply whose original is not stored; "" when there is none. */
char      *koi_quote_first_line       (const char       *full_text);

/* One version of an edited message. */
typedef struct {
  char   *text;
  gint64  written_at_ms;
} KoiMessageVersion;

void       koi_message_version_free   (KoiMessageVersion *version);

/* Every version of message @id, newest (the current text) first. */
void       koi_message_history_load_async  (KoiStoreReader       *reader,
                                            gint64                id,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
/* KoiMessageVersion*, free func set. */
GPtrArray *koi_message_history_load_finish (KoiStoreReader       *reader,
                                            GAsyncResult         *result,
                                            GError              **error);

/* Where message @id stands in its chat's KoiMessageList. */
void       koi_message_position_async      (KoiStoreReader       *reader,
                                            gint64                id,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
gboolean   koi_message_position_finish     (KoiStoreReader       *reader,
                                            GAsyncResult         *result,
                                            guint                *out_position,
                                            GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiReactionGroup, koi_reaction_group_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiQuote, koi_quote_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiMessageVersion, koi_message_version_free)

G_END_DECLS
