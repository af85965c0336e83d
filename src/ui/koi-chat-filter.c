/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-chat-filter"

#include "config.h"

#include "koi-chat.h"
#include "koi-chat-filter.h"

/* One string per chat, so one GtkStringFilter finds a chat by name or by
 * address. */
static char *
chat_search_text (KoiChat *chat)
{
  if (chat == NULL)
    return NULL;

  return g_strconcat (koi_chat_get_title (chat) ?: "", "\n",
                      koi_chat_get_peer_address (chat) ?: "", NULL);
}

GtkStringFilter *
koi_chat_filter_new (void)
{
  GtkExpression *expression;
  GtkStringFilter *filter;

  expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                            G_CALLBACK (chat_search_text), NULL, NULL);
  filter = gtk_string_filter_new (expression);
  gtk_string_filter_set_ignore_case (filter, TRUE);
  gtk_string_filter_set_match_mode (filter, GTK_STRING_FILTER_MATCH_MODE_SUBSTRING);

  return filter;
}
