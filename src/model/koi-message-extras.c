/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-message"

#include "config.h"

#include <string.h>

#include "koi-message-extras.h"

/* The store's separators (KoiStoreMessage): unit and record separator. */
#define FIELD_SEP  "\037"
#define RECORD_SEP "\036"

void
koi_reaction_group_free (KoiReactionGroup *group)
{
  if (group == NULL)
    return;

  g_free (group->emoji);
  g_clear_pointer (&group->others, g_ptr_array_unref);
  g_free (group);
}

typedef struct {
  const char *emoji;
  const char *name;
  gboolean    own;
  gint64      sent_at_ms;
} Record;

static int
compare_records (gconstpointer a,
                 gconstpointer b)
{
  const Record *ra = a;
  const Record *rb = b;

  return ra->sent_at_ms < rb->sent_at_ms ? -1 : ra->sent_at_ms > rb->sent_at_ms;
}

GPtrArray *
koi_reaction_groups_parse (const char *raw)
{
  g_autoptr (GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_reaction_group_free);
  g_auto (GStrv) records = NULL;
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr (GArray) sorted = g_array_new (FALSE, FALSE, sizeof (Record));

  if (raw == NULL || *raw == '\0')
    return g_steal_pointer (&groups);

  /* A message has few reactions (one per person): the records are short
   * and few, so splitting them is cheap. */
  records = g_strsplit (raw, RECORD_SEP, -1);
  for (guint i = 0; records[i] != NULL; i++)
    {
      char **f = g_strsplit (records[i], FIELD_SEP, 5);
      Record record;

      g_ptr_array_add (fields, f);
      if (g_strv_length (f) != 5 || *f[0] == '\0')
        continue;
      record.emoji = f[0];
      record.name = *f[2] != '\0' ? f[2] : f[1];
      record.own = g_str_equal (f[3], "1");
      record.sent_at_ms = g_ascii_strtoll (f[4], NULL, 10);
      g_array_append_val (sorted, record);
    }
  /* Stable: equal times keep the store's order. */
  g_array_sort (sorted, compare_records);

  for (guint i = 0; i < sorted->len; i++)
    {
      Record *record = &g_array_index (sorted, Record, i);
      KoiReactionGroup *group = NULL;

      for (guint j = 0; j < groups->len && group == NULL; j++)
        if (g_str_equal (((KoiReactionGroup *) groups->pdata[j])->emoji, record->emoji))
          group = groups->pdata[j];
      if (group == NULL)
        {
          group = g_new0 (KoiReactionGroup, 1);
          group->emoji = g_strdup (record->emoji);
          group->others = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (groups, group);
        }
      group->count++;
      if (record->own)
        group->own = TRUE;
      else
        g_ptr_array_add (group->others, g_strdup (record->name));
    }

  return g_steal_pointer (&groups);
}

void
koi_quote_free (KoiQuote *quote)
{
  if (quote == NULL)
    return;

  g_free (quote->sender);
  g_free (quote->text);
  g_free (quote);
}

/* The first non-empty line of @text, valid UTF-8: the store cuts the
 * quoted text by bytes, maybe inside a character, which is dropped. */
static char *
first_line (const char *text)
{
  const char *start = text != NULL ? text : "";
  const char *end;
  const char *valid_end = NULL;

  while (*start == '\n' || *start == '\r' || *start == ' ')
    start++;
  end = start + strcspn (start, "\r\n");
  if (!g_utf8_validate (start, end - start, &valid_end))
    end = valid_end;
  return g_strndup (start, end - start);
}

KoiQuote *
koi_quote_parse (const char *raw)
{
  g_auto (GStrv) f = NULL;
  KoiQuote *quote;

  if (raw == NULL)
    return NULL;
  f = g_strsplit (raw, FIELD_SEP, 5);
  if (g_strv_length (f) != 5)
    return NULL;

  quote = g_new0 (KoiQuote, 1);
  quote->id = g_ascii_strtoll (f[0], NULL, 10);
  quote->outgoing = g_str_equal (f[1], "1");
  quote->deleted = g_str_equal (f[2], "1");
  quote->sender = quote->id > 0 ? g_strdup (f[3]) : NULL;
  quote->text = first_line (f[4]);
  return quote;
}

char *
koi_quote_first_line (const char *full_text)
{
  const char *p = full_text != NULL ? full_text : "";

  while (g_ascii_isspace (*p))
    p++;
  if (*p != '>')
    return g_strdup ("");
  p++;
  if (*p == ' ')
    p++;
  return first_line (p);
}

/* ------------------------------------------------------------------ */

void
koi_message_version_free (KoiMessageVersion *version)
{
  if (version == NULL)
    return;

  g_free (version->text);
  g_free (version);
}

static gpointer
history_job (KoiStore      *store,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  gint64 id = *(gint64 *) data;
  g_autoptr (KoiStoreMessage) message = koi_store_message_get (store, id, error);
  g_autoptr (GPtrArray) edits = NULL;
  GPtrArray *versions;
  KoiMessageVersion *version;

  if (message == NULL)
    return NULL;
  edits = koi_store_message_list_edits (store, id, error);
  if (edits == NULL)
    return NULL;

  versions = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_message_version_free);
  if (message->deleted)
    return versions;   /* the history went with the text */

  version = g_new0 (KoiMessageVersion, 1);
  version->text = g_strdup (message->text != NULL ? message->text : "");
  version->written_at_ms = message->edited_at_ms > 0 ? message->edited_at_ms : message->sent_at_ms;
  g_ptr_array_add (versions, version);
  for (guint i = edits->len; i > 0; i--)
    {
      KoiStoreEdit *edit = g_ptr_array_index (edits, i - 1);

      version = g_new0 (KoiMessageVersion, 1);
      version->text = g_strdup (edit->text != NULL ? edit->text : "");
      version->written_at_ms = edit->written_at_ms;
      g_ptr_array_add (versions, version);
    }
  return versions;
}

void
koi_message_history_load_async (KoiStoreReader      *reader,
                                gint64               id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  koi_store_reader_run_async (reader, history_job, g_memdup2 (&id, sizeof id), g_free,
                              (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
koi_message_history_load_finish (KoiStoreReader  *reader,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  return koi_store_reader_run_finish (reader, result, error);
}

static gpointer
position_job (KoiStore      *store,
              gpointer       data,
              GCancellable  *cancellable,
              GError       **error)
{
  guint position = 0;

  if (!koi_store_message_position (store, *(gint64 *) data, &position, error))
    return NULL;
  /* Non-NULL for "found", also at position 0. */
  return GUINT_TO_POINTER (position + 1);
}

void
koi_message_position_async (KoiStoreReader      *reader,
                            gint64               id,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  koi_store_reader_run_async (reader, position_job, g_memdup2 (&id, sizeof id), g_free,
                              NULL, cancellable, callback, user_data);
}

gboolean
koi_message_position_finish (KoiStoreReader  *reader,
                             GAsyncResult    *result,
                             guint           *out_position,
                             GError         **error)
{
  gpointer found = koi_store_reader_run_finish (reader, result, error);

  if (found == NULL)
    return FALSE;
  *out_position = GPOINTER_TO_UINT (found) - 1;
  return TRUE;
}
