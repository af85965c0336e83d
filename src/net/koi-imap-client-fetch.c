/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-imap-client"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "koi-imap-client-private.h"

/*
 * UID FETCH: each FETCH response read into a KoiImapFetchItem (flags,
 * dates, bodies in memory or spilled to files, BODYSTRUCTURE) for the
 * caller. SELECT (QRESYNC) hands its flag changes through the same reader.
 */

static guint
system_flag (const char *flag)
{
  static const struct { const char *name; guint flag; } flags[] = {
    { "\\SEEN", KOI_IMAP_FLAG_SEEN },
    { "\\ANSWERED", KOI_IMAP_FLAG_ANSWERED },
    { "\\FLAGGED", KOI_IMAP_FLAG_FLAGGED },
    { "\\DELETED", KOI_IMAP_FLAG_DELETED },
    { "\\DRAFT", KOI_IMAP_FLAG_DRAFT },
    { "\\RECENT", KOI_IMAP_FLAG_RECENT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    if (g_ascii_strcasecmp (flag, flags[i].name) == 0)
      return flags[i].flag;

  return 0;
}

gint64
koi_imap_parse_internal_date (const char *text)
{
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  g_autoptr(GTimeZone) zone = NULL;
  g_autoptr(GDateTime) date = NULL;
  char month[4] = { 0, };
  char sign = 0;
  int day, year, hour, minute, second, offset;
  const char *found;

  if (text == NULL ||
      sscanf (text, " %d-%3c-%d %d:%d:%d %c%4d", &day, month, &year, &hour, &minute, &second,
              &sign, &offset) != 8 ||
      (sign != '+' && sign != '-'))
    return 0;
  found = strstr (months, month);
  if (found == NULL || (found - months) % 3 != 0 || strlen (month) != 3)
    return 0;

  zone = g_time_zone_new_offset ((sign == '-' ? -1 : 1) * ((offset / 100) * 3600 + (offset % 100) * 60));
  if (zone == NULL)
    return 0;
  date = g_date_time_new (zone, year, (found - months) / 3 + 1, day, hour, minute, second);
  if (date == NULL)
    return 0;

  return g_date_time_to_unix (date) * 1000;
}

/* The item name without a partial suffix: "BODY[]<0>" -> "BODY[]". */
static char *
fetch_item_name (const char *atom)
{
  const char *lt = strrchr (atom, '<');
  gsize len = (lt != NULL && strchr (lt, ']') == NULL) ? (gsize) (lt - atom) : strlen (atom);

  return g_ascii_strup (atom, len);
}

gboolean
koi_imap_client_handle_fetch (KoiImapClient          *self,
                              const KoiImapResponse  *response,
                              gpointer                user_data,
                              GError                **error)
{
  KoiImapFetchData *data = user_data;
  const KoiImapValue *list = koi_imap_response_get_arg (response, 0);
  KoiImapFetchItem item = { 0, };
  g_autoptr(GPtrArray) keywords = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) header = NULL;
  g_autoptr(GBytes) section_bytes = NULL;
  g_autofree char *section = NULL;
  g_auto(GStrv) keyword_strv = NULL;
  gboolean has_uid = FALSE;

  if (g_strcmp0 (response->name, "FETCH") != 0 || !response->has_number)
    return TRUE;

  if (list == NULL || list->type != KOI_IMAP_VALUE_LIST || list->list->len % 2 != 0)
    {
      g_autofree char *what = koi_imap_response_describe (response);

      g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL,
                   "The server sent a FETCH response Koi cannot read: %s", what);
      return FALSE;
    }

  keywords = g_ptr_array_new ();
  item.seq = response->number;

  for (guint i = 0; i + 1 < list->list->len; i += 2)
    {
      const KoiImapValue *key = list->list->pdata[i];
      const KoiImapValue *value = list->list->pdata[i + 1];
      g_autofree char *name = NULL;

      if (koi_imap_value_get_string (key) == NULL)
        continue;
      name = fetch_item_name (key->str);

      if (strcmp (name, "UID") == 0)
        has_uid = koi_imap_value_get_number32 (value, &item.uid);
      else if (strcmp (name, "INTERNALDATE") == 0)
        item.internal_date_ms = koi_imap_parse_internal_date (koi_imap_value_get_string (value));
      else if (strcmp (name, "RFC822.SIZE") == 0)
        item.size = value->type == KOI_IMAP_VALUE_NUMBER ? value->number : 0;
      else if (strcmp (name, "FLAGS") == 0 && value->type == KOI_IMAP_VALUE_LIST)
        {
          item.has_flags = TRUE;
          for (guint j = 0; j < value->list->len; j++)
            {
              const char *flag = koi_imap_value_get_string (value->list->pdata[j]);
              guint bit;

              if (flag == NULL)
                continue;
              bit = system_flag (flag);
              if (bit != 0)
                item.flags |= bit;
              else
                g_ptr_array_add (keywords, (gpointer) flag);
            }
        }
      else if (strcmp (name, "BODY[]") == 0 || strcmp (name, "BINARY[]") == 0 ||
               strcmp (name, "RFC822") == 0)
        {
          g_clear_pointer (&body, g_bytes_unref);
          if (self->body_to_file && value->type == KOI_IMAP_VALUE_LITERAL && value->path != NULL)
            item.body_value = (KoiImapValue *) value;
          else
            body = koi_imap_value_dup_bytes (value);
        }
      else if (g_str_has_prefix (name, "BODY[HEADER") || strcmp (name, "RFC822.HEADER") == 0)
        {
          g_clear_pointer (&header, g_bytes_unref);
          header = koi_imap_value_dup_bytes (value);
        }
      else if (strcmp (name, "BODYSTRUCTURE") == 0 && value->type == KOI_IMAP_VALUE_LIST)
        item.bodystructure = value;
      else if (g_str_has_prefix (name, "BODY[") && g_ascii_isdigit (name[5]) &&
               (value->type == KOI_IMAP_VALUE_LITERAL || value->type == KOI_IMAP_VALUE_STRING ||
                value->type == KOI_IMAP_VALUE_NIL))
        {
          /* One body section ("BODY[2]", "BODY[1.MIME]"): in memory, or
           * spilled to a file the receiver may take (section_value). */
          g_free (section);
          section = g_strndup (name + 5, strcspn (name + 5, "]"));
          g_clear_pointer (&section_bytes, g_bytes_unref);
          if (value->type == KOI_IMAP_VALUE_LITERAL && value->path != NULL)
            item.section_value = (KoiImapValue *) value;
          else
            section_bytes = koi_imap_value_dup_bytes (value);
        }
    }

  /* A FETCH without UID inside UID FETCH is the server telling of a flag
   * change made elsewhere, not one of the messages asked for. */
  if (!has_uid)
    {
      self->changed = TRUE;
      return TRUE;
    }

  g_ptr_array_add (keywords, NULL);
  keyword_strv = g_strdupv ((char **) keywords->pdata);
  item.keywords = keyword_strv;
  item.body = body;
  item.header = header;
  item.section = section;
  item.section_bytes = section_bytes;

  return data->func (&item, data->user_data, error);
}

gboolean
koi_imap_client_uid_fetch (KoiImapClient    *self,
                           const char       *uid_set,
                           const char       *items,
                           KoiImapFetchFunc  func,
                           gpointer          user_data,
                           GCancellable     *cancellable,
                           GError          **error)
{
  g_autoptr(KoiImapCommand) command = NULL;
  KoiImapFetchData data = { func, user_data };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  if (!koi_imap_client_check_syntax_arg ("UID set", uid_set, error) ||
      !koi_imap_client_check_syntax_arg ("fetch items", items, error))
    return FALSE;

  command = koi_imap_command_new ("UID FETCH");
  koi_imap_command_add_atom (command, uid_set);
  koi_imap_command_add_atom (command, items);

  return koi_imap_client_run (self, command, koi_imap_client_handle_fetch, &data, NULL,
                              cancellable, error);
}
