/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-coi"

#include <string.h>

#include "koi-coi-gmime.h"
#include "koi-coi-protected.h"
#include "koi-coi-protected-gmime.h"

/*
 * Why text and not gmime's header lists: moving the fields through
 * GMimeHeaderList re-encodes every value and re-parses the address
 * fields on each append and remove, and the message then has to be
 * serialised and parsed again; together that was about a fifth of an
 * encrypted mail's CPU in the catch-up (docs/PERFORMANCE.md, section 16).
 * Here each header block is split into fields once and the result is
 * one new mail, which the caller parses once (with the hostile-mail
 * guard on exactly these bytes).
 *
 * The rules are the ones the engine applied through gmime before:
 * - Autocrypt-Gossip of the outer header is dropped: gossip counts only
 *   from inside the encryption;
 * - every inner field other than Content-* and MIME-Version replaces all
 *   outer fields of its name (several inner fields of one name are all
 *   kept, in their order);
 * - an inner From that names another address than the outer From is
 *   ignored: the outer one is what the server and the signature check saw;
 * - the inner Content-* fields describe the body, so the outer ones go.
 *
 * Anything this does not recognise as a plain header block (no field
 * line first, a line that is no field, no end of the block) gives NULL,
 * and the caller takes the long way through gmime.
 */

typedef struct
{
  const char *start;    /* the field's first line */
  gsize       len;      /* up to and including its last line's LF */
  char       *name;     /* lower-cased */
} Field;

static void
field_clear (gpointer data)
{
  Field *field = data;

  g_free (field->name);
}

/* Splits the header block at @data into @fields; returns the offset of
 * the body (after the blank line), or 0 when the block is not plain. */
static gsize
split_fields (const char *data,
              gsize       len,
              GArray     *fields)
{
  gsize pos = 0;

  while (pos < len)
    {
      const char *line = data + pos;
      const char *nl = memchr (line, '\n', len - pos);
      gsize line_len;
      gsize name_len = 0;
      Field field = { line, 0, NULL };

      if (nl == NULL)
        return 0;
      line_len = nl - line;
      if (line_len == 0 || (line_len == 1 && line[0] == '\r'))
        return pos + line_len + 1;
      if (line[0] == ' ' || line[0] == '\t')
        {
          Field *last;

          if (fields->len == 0)
            return 0;
          last = &g_array_index (fields, Field, fields->len - 1);
          last->len += line_len + 1;
          pos += line_len + 1;
          continue;
        }
      while (name_len < line_len && line[name_len] >= 0x21 && line[name_len] <= 0x7e
             && line[name_len] != ':')
        name_len++;
      if (name_len == 0 || name_len >= line_len || line[name_len] != ':')
        return 0;
      field.len = line_len + 1;
      field.name = g_ascii_strdown (line, name_len);
      g_array_append_val (fields, field);
      pos += line_len + 1;
    }
  return 0;
}

static gboolean
is_content_field (const char *name)
{
  return g_str_has_prefix (name, "content-") || strcmp (name, "mime-version") == 0;
}

/* The field's value, unfolded (CR and LF dropped). */
static char *
field_value (const Field *field)
{
  const char *colon = memchr (field->start, ':', field->len);
  GString *value = g_string_sized_new (field->len);

  for (const char *p = colon + 1; p < field->start + field->len; p++)
    if (*p != '\r' && *p != '\n')
      g_string_append_c (value, *p);
  return g_string_free (value, FALSE);
}

/* Whether an inner From names @outer_from (or there is no outer From to
 * hold it to). */
static gboolean
from_matches (const Field *field,
              const char  *outer_from)
{
  g_autofree char *value = NULL;
  g_autoptr (InternetAddressList) list = NULL;
  g_autofree char *inner = NULL;

  if (outer_from == NULL)
    return TRUE;
  value = field_value (field);
  list = internet_address_list_parse (NULL, value);
  /* No mailbox: NULL, never equal to the outer From. */
  inner = koi_coi_first_mailbox (list);
  return g_strcmp0 (inner, outer_from) == 0;
}

/* Appends @field with LF line ends. */
static void
append_field (GString     *out,
              const Field *field)
{
  const char *p = field->start;
  const char *end = field->start + field->len;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      gsize n = nl - p;

      if (n > 0 && p[n - 1] == '\r')
        g_string_append_len (out, p, n - 1);
      else
        g_string_append_len (out, p, n);
      g_string_append_c (out, '\n');
      p = nl + 1;
    }
}

/**
 * koi_coi_protected_merge:
 * @outer: the mail as the server holds it (its header block is used)
 * @plaintext: the decrypted MIME entity, LF line ends
 * @plaintext_len: its length
 * @outer_from: (nullable): the outer From's address, lower-cased
 *
 * One mail from an encrypted one: see the top of this file for the rules.
 *
 * Returns: (transfer full) (nullable): the mail, LF line ends; %NULL when
 *   a header block is not plain enough to splice as text
 */
GBytes *
koi_coi_protected_merge (GBytes       *outer,
                         const guint8 *plaintext,
                         gsize         plaintext_len,
                         const char   *outer_from)
{
  g_autoptr (GArray) outer_fields = g_array_new (FALSE, FALSE, sizeof (Field));
  g_autoptr (GArray) inner_fields = g_array_new (FALSE, FALSE, sizeof (Field));
  g_autoptr (GHashTable) replaced = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) taken = g_ptr_array_new ();
  const char *inner = (const char *) plaintext;
  gsize outer_len = 0;
  const char *outer_data = g_bytes_get_data (outer, &outer_len);
  gsize inner_body;
  GString *out;

  g_array_set_clear_func (outer_fields, field_clear);
  g_array_set_clear_func (inner_fields, field_clear);
  if (split_fields (outer_data, outer_len, outer_fields) == 0
      || (inner_body = split_fields (inner, plaintext_len, inner_fields)) == 0)
    return NULL;

  for (guint i = 0; i < inner_fields->len; i++)
    {
      Field *field = &g_array_index (inner_fields, Field, i);

      if (is_content_field (field->name))
        continue;
      if (strcmp (field->name, "from") == 0 && !from_matches (field, outer_from))
        continue;
      g_hash_table_add (replaced, field->name);
      g_ptr_array_add (taken, field);
    }

  out = g_string_sized_new (outer_len + plaintext_len);
  for (guint i = 0; i < outer_fields->len; i++)
    {
      Field *field = &g_array_index (outer_fields, Field, i);

      if (strcmp (field->name, "autocrypt-gossip") == 0
          || g_hash_table_contains (replaced, field->name)
          || (is_content_field (field->name) && strcmp (field->name, "mime-version") != 0))
        continue;
      append_field (out, field);
    }
  for (guint i = 0; i < taken->len; i++)
    append_field (out, taken->pdata[i]);
  for (guint i = 0; i < inner_fields->len; i++)
    {
      Field *field = &g_array_index (inner_fields, Field, i);

      if (g_str_has_prefix (field->name, "content-"))
        append_field (out, field);
    }
  g_string_append_c (out, '\n');
  g_string_append_len (out, inner + inner_body, plaintext_len - inner_body);
  return g_string_free_to_bytes (out);
}
