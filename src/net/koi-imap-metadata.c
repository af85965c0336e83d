/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-imap"

#include "config.h"

#include <string.h>

#include "koi-imap-metadata.h"

static gboolean
check_server (KoiImapClient  *self,
              GError        **error)
{
  if (koi_imap_client_has_capability (self, "METADATA") ||
      koi_imap_client_has_capability (self, "METADATA-SERVER"))
    return TRUE;

  g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_UNSUPPORTED,
               "The server does not offer METADATA");
  return FALSE;
}

/* Entry names go on the wire as atoms: they are ours (fixed COI keys), so
 * anything that would need quoting is a programming error, not data. */
static gboolean
check_entry (const char  *entry,
             GError     **error)
{
  if (entry != NULL && entry[0] == '/')
    {
      const char *p;

      for (p = entry; *p != '\0'; p++)
        if (!g_ascii_isalnum (*p) && strchr ("/._-", *p) == NULL)
          break;
      if (*p == '\0')
        return TRUE;
    }

  g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_INVALID_ARGUMENT,
               "Not a METADATA entry name: %s", entry != NULL ? entry : "(null)");
  return FALSE;
}

typedef struct
{
  const char *mailbox;
  GHashTable *values;
} GetData;

/* "* METADATA mailbox (entry value entry value ...)". The unsolicited form
 * without a list only names changed entries: nothing to read there. */
static gboolean
collect_metadata (KoiImapClient          *client,
                  const KoiImapResponse  *response,
                  gpointer                user_data,
                  GError                **error)
{
  GetData *data = user_data;
  const KoiImapValue *mailbox, *list;
  g_autofree char *name = NULL;

  if (g_strcmp0 (response->name, "METADATA") != 0)
    return TRUE;

  mailbox = koi_imap_response_get_arg (response, 0);
  list = koi_imap_response_get_arg (response, 1);
  if (mailbox == NULL || list == NULL || list->type != KOI_IMAP_VALUE_LIST)
    return TRUE;
  name = koi_imap_value_dup_astring (mailbox);
  if (g_strcmp0 (name != NULL ? name : "", data->mailbox) != 0)
    return TRUE;

  for (guint i = 0; i + 1 < list->list->len; i += 2)
    {
      const KoiImapValue *entry = g_ptr_array_index (list->list, i);
      const KoiImapValue *value = g_ptr_array_index (list->list, i + 1);
      g_autofree char *key = koi_imap_value_dup_astring (entry);
      g_autofree char *text = koi_imap_value_dup_astring (value);

      if (key == NULL || text == NULL || !g_utf8_validate (text, -1, NULL))
        continue;
      g_hash_table_replace (data->values, g_steal_pointer (&key), g_steal_pointer (&text));
    }
  return TRUE;
}

GHashTable *
koi_imap_client_get_metadata (KoiImapClient       *self,
                              const char          *mailbox,
                              const char          *depth,
                              const char * const  *entries,
                              GCancellable        *cancellable,
                              GError             **error)
{
  g_autoptr(KoiImapCommand) command = NULL;
  g_autoptr(GString) list = g_string_new ("(");
  g_autoptr(GHashTable) values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GetData data = { mailbox, values };

  g_return_val_if_fail (mailbox != NULL, NULL);
  g_return_val_if_fail (entries != NULL && entries[0] != NULL, NULL);

  if (!check_server (self, error))
    return NULL;
  for (guint i = 0; entries[i] != NULL; i++)
    {
      if (!check_entry (entries[i], error))
        return NULL;
      g_string_append_printf (list, "%s%s", i > 0 ? " " : "", entries[i]);
    }
  g_string_append_c (list, ')');

  command = koi_imap_command_new ("GETMETADATA");
  if (depth != NULL)
    {
      g_autofree char *option = g_strdup_printf ("(DEPTH %s)", depth);

      koi_imap_command_add_atom (command, option);
    }
  koi_imap_client_add_mailbox (self, command, mailbox);
  koi_imap_command_add_atom (command, list->str);

  if (!koi_imap_client_run (self, command, collect_metadata, &data, NULL, cancellable, error))
    return NULL;
  return g_steal_pointer (&values);
}

gboolean
koi_imap_client_set_metadata (KoiImapClient       *self,
                              const char          *mailbox,
                              const char          *entry,
                              const char          *value,
                              GCancellable        *cancellable,
                              GError             **error)
{
  g_autoptr(KoiImapCommand) command = NULL;
  g_autofree char *pair = NULL;

  g_return_val_if_fail (mailbox != NULL, FALSE);

  if (!check_server (self, error) || !check_entry (entry, error))
    return FALSE;

  /* Values are ours too ("yes"): short ASCII, written quoted in the list
   * by hand, as a literal could not be followed by the closing ")". */
  if (value == NULL)
    pair = g_strdup_printf ("(%s NIL)", entry);
  else
    {
      g_autoptr(GString) quoted = g_string_new ("\"");

      for (const char *p = value; *p != '\0'; p++)
        {
          if ((guchar) *p < 0x20 || (guchar) *p >= 0x7f)
            {
              g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_INVALID_ARGUMENT,
                           "A METADATA value Koi sets must be printable ASCII");
              return FALSE;
            }
          if (*p == '"' || *p == '\\')
            g_string_append_c (quoted, '\\');
          g_string_append_c (quoted, *p);
        }
      g_string_append_c (quoted, '"');
      pair = g_strdup_printf ("(%s %s)", entry, quoted->str);
    }

  command = koi_imap_command_new ("SETMETADATA");
  koi_imap_client_add_mailbox (self, command, mailbox);
  koi_imap_command_add_atom (command, pair);
  return koi_imap_client_run (self, command, NULL, NULL, NULL, cancellable, error);
}
