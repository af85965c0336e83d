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

KoiOrdinaryEmail
koi_ordinary_email_setting (GSettings *settings)
{
  return settings != NULL ? (KoiOrdinaryEmail) g_settings_get_enum (settings, "show-ordinary-email")
                          : KOI_ORDINARY_EMAIL_CONTACTS;
}

gboolean
koi_chat_is_listed (KoiChat          *chat,
                    KoiOrdinaryEmail  mode)
{
  if (koi_chat_get_request (chat) == KOI_CHAT_DISMISSED)
    return FALSE;
  if (!koi_chat_get_email_only (chat))
    return TRUE;

  switch (mode)
    {
    case KOI_ORDINARY_EMAIL_ALL:
      return TRUE;
    case KOI_ORDINARY_EMAIL_CONTACTS:
      return koi_chat_get_request (chat) == KOI_CHAT_ACCEPTED;
    case KOI_ORDINARY_EMAIL_NONE:
    default:
      return FALSE;
    }
}

static gboolean
chat_is_listed (gpointer item,
                gpointer user_data)
{
  return koi_chat_is_listed (item, koi_ordinary_email_setting (user_data));
}

static void
on_setting_changed (GSettings  *settings,
                    const char *key,
                    GtkFilter  *filter)
{
  gtk_filter_changed (filter, GTK_FILTER_CHANGE_DIFFERENT);
}

GtkFilter *
koi_chat_listed_filter_new (GSettings *settings)
{
  GtkCustomFilter *filter;

  filter = gtk_custom_filter_new (chat_is_listed, settings != NULL ? g_object_ref (settings) : NULL,
                                  settings != NULL ? g_object_unref : NULL);
  if (settings != NULL)
    g_signal_connect_object (settings, "changed::show-ordinary-email",
                             G_CALLBACK (on_setting_changed), filter, 0);
  return GTK_FILTER (filter);
}
