/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-coi"

#include "config.h"

#include <string.h>

#include "koi-coi-error.h"
#include "koi-vcard.h"

/* RFC 6350 3.2: lines are folded at 75 octets, excluding the line break. */
#define FOLD_OCTETS 75

static void
param_free (gpointer data)
{
  KoiVCardParam *param = data;

  g_free (param->name);
  g_free (param->value);
  g_free (param);
}

static void
property_free (gpointer data)
{
  KoiVCardProperty *property = data;

  g_free (property->group);
  g_free (property->name);
  g_ptr_array_unref (property->params);
  g_free (property->value);
  g_free (property);
}

static KoiVCardProperty *
property_new (const char *name,
              const char *value)
{
  KoiVCardProperty *property = g_new0 (KoiVCardProperty, 1);

  property->name = g_ascii_strup (name, -1);
  property->params = g_ptr_array_new_with_free_func (param_free);
  property->value = g_strdup (value != NULL ? value : "");
  return property;
}

KoiVCard *
koi_vcard_new (void)
{
  KoiVCard *card = g_new0 (KoiVCard, 1);

  card->properties = g_ptr_array_new_with_free_func (property_free);
  return card;
}

void
koi_vcard_free (KoiVCard *card)
{
  if (card == NULL)
    return;

  g_ptr_array_unref (card->properties);
  g_free (card);
}

/* ------------------------------------------------------------------ */
/* Reading */

static gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_';
}

/* RFC 6868: ^n newline, ^^ caret, ^' double quote; anything else stays. */
static void
append_param_text (GString    *out,
                   const char *start,
                   const char *end)
{
  for (const char *p = start; p < end; p++)
    {
      if (*p == '^' && p + 1 < end && (p[1] == 'n' || p[1] == 'N' || p[1] == '^' || p[1] == '\''))
        {
          p++;
          g_string_append_c (out, *p == '^' ? '^' : *p == '\'' ? '"' : '\n');
        }
      else
        g_string_append_c (out, *p);
    }
}

/* One unfolded content line: [group "."] name *(";" param) ":" value.
 * NULL when it is not one. */
static KoiVCardProperty *
parse_line (const char *line)
{
  g_autoptr (GPtrArray) params = g_ptr_array_new_with_free_func (param_free);
  g_autofree char *group = NULL;
  g_autofree char *name = NULL;
  const char *p = line;
  const char *start = p;
  KoiVCardProperty *property;

  while (is_name_char (*p))
    p++;
  if (*p == '.' && p > start)
    {
      group = g_strndup (start, p - start);
      start = ++p;
      while (is_name_char (*p))
        p++;
    }
  if (p == start || (*p != ':' && *p != ';'))
    return NULL;
  name = g_ascii_strup (start, p - start);

  while (*p == ';')
    {
      KoiVCardParam *param = g_new0 (KoiVCardParam, 1);
      g_autoptr (GString) value = g_string_new (NULL);

      start = ++p;
      while (*p != '\0' && *p != '=' && *p != ';' && *p != ':')
        p++;
      param->name = g_ascii_strup (start, p - start);
      g_ptr_array_add (params, param);

      if (*p != '=')
        {
          /* vCard 2.1 writes a bare type ("EMAIL;WORK:"). */
          param->value = g_steal_pointer (&param->name);
          param->name = g_strdup ("TYPE");
          continue;
        }

      p++;
      for (;;)
        {
          if (*p == '"')
            {
              start = ++p;
              while (*p != '\0' && *p != '"')
                p++;
              append_param_text (value, start, p);
              param->quoted = TRUE;
              if (*p == '"')
                p++;
            }
          else
            {
              start = p;
              while (*p != '\0' && *p != ',' && *p != ';' && *p != ':')
                p++;
              append_param_text (value, start, p);
            }
          if (*p != ',')
            break;
          g_string_append_c (value, *p++);
        }
      param->value = g_strdup (value->str);
    }

  if (*p != ':')
    return NULL;

  property = property_new (name, p + 1);
  property->group = g_steal_pointer (&group);
  g_ptr_array_extend_and_steal (property->params, g_steal_pointer (&params));
  return property;
}

/* Lines with folding undone: a line starting with a space or a tab
 * continues the one before (RFC 6350 3.2). Bare LF line ends are taken
 * too. */
static GPtrArray *
unfold (const char *text)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  GString *current = NULL;
  const char *p = text;

  while (*p != '\0')
    {
      const char *end = strchr (p, '\n');
      gsize len = end != NULL ? (gsize) (end - p) : strlen (p);

      if (len > 0 && p[len - 1] == '\r')
        len--;

      if ((*p == ' ' || *p == '\t') && current != NULL)
        g_string_append_len (current, p + 1, len > 0 ? len - 1 : 0);
      else
        {
          if (current != NULL)
            g_ptr_array_add (lines, g_string_free (current, FALSE));
          current = g_string_new_len (p, len);
        }

      if (end == NULL)
        break;
      p = end + 1;
    }
  if (current != NULL)
    g_ptr_array_add (lines, g_string_free (current, FALSE));

  return lines;
}

GPtrArray *
koi_vcard_parse_all (const char  *text,
                     GError     **error)
{
  g_autoptr (GPtrArray) cards = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_vcard_free);
  g_autoptr (GPtrArray) lines = NULL;
  g_autofree char *valid = NULL;
  KoiVCard *card = NULL;

  if (text == NULL)
    text = "";
  /* A card is text; bytes that are not UTF-8 become U+FFFD rather than
   * losing the whole card. */
  valid = g_utf8_make_valid (text, -1);
  lines = unfold (valid);

  for (guint i = 0; i < lines->len; i++)
    {
      char *line = g_ptr_array_index (lines, i);
      KoiVCardProperty *property;
      char *to = line;

      /* A CR inside a line is no line end, and Koi never writes one back
       * (koi_vcard_to_string): read the line as it would be written, or
       * "END:VCAR<CR>D" is a property here and the card's end once
       * written (found by fuzz-vcard). */
      for (const char *from = line; *from != '\0'; from++)
        if (*from != '\r')
          *to++ = *from;
      *to = '\0';

      property = parse_line (line);

      if (property == NULL)
        continue;

      if (g_str_equal (property->name, "BEGIN") &&
          g_ascii_strcasecmp (property->value, "VCARD") == 0)
        {
          card = koi_vcard_new ();
          g_ptr_array_add (cards, card);
        }
      else if (g_str_equal (property->name, "END") &&
               g_ascii_strcasecmp (property->value, "VCARD") == 0)
        card = NULL;
      else if (card != NULL)
        {
          g_ptr_array_add (card->properties, property);
          continue;
        }

      property_free (property);
    }

  if (cards->len == 0)
    {
      g_set_error_literal (error, KOI_COI_ERROR, KOI_COI_ERROR_MALFORMED,
                           "No vCard in the text (BEGIN:VCARD is missing)");
      return NULL;
    }

  return g_steal_pointer (&cards);
}

KoiVCard *
koi_vcard_parse (const char  *text,
                 GError     **error)
{
  g_autoptr (GPtrArray) cards = koi_vcard_parse_all (text, error);

  if (cards == NULL)
    return NULL;

  return g_ptr_array_steal_index (cards, 0);
}

/* ------------------------------------------------------------------ */
/* Writing */

static gboolean
param_needs_quotes (const KoiVCardParam *param)
{
  if (param->quoted)
    return TRUE;

  for (const char *p = param->value; *p != '\0'; p++)
    if (*p == ':' || *p == ';' || *p == '"' || *p == '\n' || *p == '^')
      return TRUE;

  return FALSE;
}

static void
append_param_value (GString    *out,
                    const char *value)
{
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '^')
        g_string_append (out, "^^");
      else if (*p == '\n')
        g_string_append (out, "^n");
      else if (*p == '"')
        g_string_append (out, "^'");
      else if (*p != '\r')
        g_string_append_c (out, *p);
    }
}

static void
append_folded (GString    *out,
               const char *line)
{
  gsize len = strlen (line);
  gsize pos = 0;
  gsize limit = FOLD_OCTETS;

  while (len - pos > limit)
    {
      gsize cut = pos + limit;

      /* Never between the bytes of one character. */
      while (cut > pos + 1 && ((guchar) line[cut] & 0xc0) == 0x80)
        cut--;
      g_string_append_len (out, line + pos, cut - pos);
      g_string_append (out, "\r\n ");
      pos = cut;
      limit = FOLD_OCTETS - 1;   /* the leading space counts */
    }
  g_string_append (out, line + pos);
  g_string_append (out, "\r\n");
}

char *
koi_vcard_to_string (const KoiVCard *card)
{
  GString *out = g_string_new ("BEGIN:VCARD\r\n");

  g_return_val_if_fail (card != NULL, NULL);

  for (guint i = 0; i < card->properties->len; i++)
    {
      const KoiVCardProperty *property = g_ptr_array_index (card->properties, i);
      g_autoptr (GString) line = g_string_new (NULL);

      if (property->group != NULL)
        g_string_append_printf (line, "%s.", property->group);
      g_string_append (line, property->name);
      for (guint j = 0; j < property->params->len; j++)
        {
          const KoiVCardParam *param = g_ptr_array_index (property->params, j);
          gboolean quote = param_needs_quotes (param);

          g_string_append_printf (line, ";%s=%s", param->name, quote ? "\"" : "");
          append_param_value (line, param->value);
          if (quote)
            g_string_append_c (line, '"');
        }
      g_string_append_c (line, ':');
      /* A raw value never holds a line break: it would end the property. */
      for (const char *p = property->value; *p != '\0'; p++)
        if (*p != '\r' && *p != '\n')
          g_string_append_c (line, *p);

      append_folded (out, line->str);
    }

  g_string_append (out, "END:VCARD\r\n");
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------ */
/* Properties */

static guint
preference_of (const KoiVCardProperty *property)
{
  const char *pref = koi_vcard_property_get_param (property, "PREF");
  const char *type = koi_vcard_property_get_param (property, "TYPE");
  guint64 value;

  if (pref != NULL && g_ascii_string_to_unsigned (pref, 10, 1, 100, &value, NULL))
    return (guint) value;
  /* vCard 3.0 said TYPE=pref. */
  if (type != NULL)
    {
      g_auto (GStrv) types = g_strsplit (type, ",", -1);

      for (guint i = 0; types[i] != NULL; i++)
        if (g_ascii_strcasecmp (g_strstrip (types[i]), "pref") == 0)
          return 1;
    }
  return 101;
}

KoiVCardProperty *
koi_vcard_get (const KoiVCard *card,
               const char     *name)
{
  KoiVCardProperty *best = NULL;
  guint best_pref = G_MAXUINT;

  g_return_val_if_fail (card != NULL, NULL);

  for (guint i = 0; i < card->properties->len; i++)
    {
      KoiVCardProperty *property = g_ptr_array_index (card->properties, i);
      guint pref;

      if (g_ascii_strcasecmp (property->name, name) != 0)
        continue;
      pref = preference_of (property);
      if (pref < best_pref)
        {
          best = property;
          best_pref = pref;
        }
    }

  return best;
}

char *
koi_vcard_get_text (const KoiVCard *card,
                    const char     *name)
{
  KoiVCardProperty *property = koi_vcard_get (card, name);

  return property != NULL ? koi_vcard_unescape (property->value) : NULL;
}

void
koi_vcard_remove (KoiVCard   *card,
                  const char *name)
{
  for (guint i = card->properties->len; i > 0; i--)
    {
      KoiVCardProperty *property = g_ptr_array_index (card->properties, i - 1);

      if (g_ascii_strcasecmp (property->name, name) == 0)
        g_ptr_array_remove_index (card->properties, i - 1);
    }
}

KoiVCardProperty *
koi_vcard_add_raw (KoiVCard   *card,
                   const char *name,
                   const char *raw)
{
  KoiVCardProperty *property = property_new (name, raw);

  g_ptr_array_add (card->properties, property);
  return property;
}

KoiVCardProperty *
koi_vcard_set_raw (KoiVCard   *card,
                   const char *name,
                   const char *raw)
{
  KoiVCardProperty *property;

  g_return_val_if_fail (card != NULL, NULL);

  if (raw == NULL || *raw == '\0')
    {
      koi_vcard_remove (card, name);
      return NULL;
    }

  property = koi_vcard_get (card, name);
  if (property == NULL)
    return koi_vcard_add_raw (card, name, raw);

  g_free (property->value);
  property->value = g_strdup (raw);
  return property;
}

void
koi_vcard_set_text (KoiVCard   *card,
                    const char *name,
                    const char *text)
{
  g_autofree char *raw = text != NULL ? koi_vcard_escape (text) : NULL;

  koi_vcard_set_raw (card, name, raw);
}

const char *
koi_vcard_property_get_param (const KoiVCardProperty *property,
                              const char             *name)
{
  for (guint i = 0; i < property->params->len; i++)
    {
      const KoiVCardParam *param = g_ptr_array_index (property->params, i);

      if (g_ascii_strcasecmp (param->name, name) == 0)
        return param->value;
    }
  return NULL;
}

void
koi_vcard_property_set_param (KoiVCardProperty *property,
                              const char       *name,
                              const char       *value)
{
  KoiVCardParam *param;

  for (guint i = 0; i < property->params->len; i++)
    {
      param = g_ptr_array_index (property->params, i);
      if (g_ascii_strcasecmp (param->name, name) != 0)
        continue;
      if (value == NULL)
        g_ptr_array_remove_index (property->params, i);
      else
        {
          g_free (param->value);
          param->value = g_strdup (value);
        }
      return;
    }

  if (value == NULL)
    return;
  param = g_new0 (KoiVCardParam, 1);
  param->name = g_ascii_strup (name, -1);
  param->value = g_strdup (value);
  g_ptr_array_add (property->params, param);
}

/* ------------------------------------------------------------------ */
/* Values */

char *
koi_vcard_escape (const char *text)
{
  GString *out = g_string_sized_new (strlen (text) + 8);

  for (const char *p = text; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '\\': g_string_append (out, "\\\\"); break;
        case ',':  g_string_append (out, "\\,"); break;
        case ';':  g_string_append (out, "\\;"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': break;
        default:   g_string_append_c (out, *p); break;
        }
    }
  return g_string_free (out, FALSE);
}

static void
append_unescaped (GString    *out,
                  const char *start,
                  const char *end)
{
  for (const char *p = start; p < end; p++)
    {
      if (*p != '\\' || p + 1 >= end)
        {
          g_string_append_c (out, *p);
          continue;
        }
      p++;
      if (*p == 'n' || *p == 'N')
        g_string_append_c (out, '\n');
      else
        g_string_append_c (out, *p);   /* \\ \, \; and anything else */
    }
}

char *
koi_vcard_unescape (const char *value)
{
  GString *out = g_string_new (NULL);

  append_unescaped (out, value, value + strlen (value));
  return g_string_free (out, FALSE);
}

GStrv
koi_vcard_split (const char *value,
                 char        separator)
{
  g_autoptr (GStrvBuilder) parts = g_strv_builder_new ();
  const char *start = value;
  const char *p = value;

  for (;; p++)
    {
      if (*p == '\\' && p[1] != '\0')
        {
          p++;
          continue;
        }
      if (*p == separator || *p == '\0')
        {
          g_autoptr (GString) part = g_string_new (NULL);

          append_unescaped (part, start, p);
          g_strv_builder_add (parts, part->str);
          if (*p == '\0')
            break;
          start = p + 1;
        }
    }

  return g_strv_builder_end (parts);
}

GBytes *
koi_vcard_data_uri_decode (const char  *uri,
                           char       **out_mime_type)
{
  const char *comma;
  const char *meta;
  g_autofree char *mime_type = NULL;
  gboolean base64 = FALSE;

  if (uri == NULL || g_ascii_strncasecmp (uri, "data:", 5) != 0)
    return NULL;
  meta = uri + 5;
  comma = strchr (meta, ',');
  if (comma == NULL)
    return NULL;

  {
    g_autofree char *header = g_strndup (meta, comma - meta);
    g_auto (GStrv) fields = g_strsplit (header, ";", -1);

    for (guint i = 0; fields[i] != NULL; i++)
      {
        if (i == 0 && fields[i][0] != '\0')
          mime_type = g_ascii_strdown (fields[i], -1);
        else if (g_ascii_strcasecmp (fields[i], "base64") == 0)
          base64 = TRUE;
      }
  }

  if (base64)
    {
      g_autoptr (GString) clean = g_string_new (NULL);
      guchar *data;
      gsize len = 0;

      for (const char *p = comma + 1; *p != '\0'; p++)
        {
          if (g_ascii_isalnum (*p) || *p == '+' || *p == '/' || *p == '=')
            g_string_append_c (clean, *p);
          else if (!g_ascii_isspace (*p))
            return NULL;
        }
      if (clean->len % 4 != 0)
        return NULL;
      data = g_base64_decode (clean->str, &len);
      if (out_mime_type != NULL)
        *out_mime_type = g_steal_pointer (&mime_type);
      return g_bytes_new_take (data, len);
    }
  else
    {
      GBytes *bytes = g_uri_unescape_bytes (comma + 1, -1, NULL, NULL);

      if (bytes != NULL && out_mime_type != NULL)
        *out_mime_type = g_steal_pointer (&mime_type);
      return bytes;
    }
}

char *
koi_vcard_data_uri_encode (GBytes     *data,
                           const char *mime_type)
{
  gsize len = 0;
  const guchar *bytes = g_bytes_get_data (data, &len);
  g_autofree char *encoded = g_base64_encode (bytes, len);

  return g_strdup_printf ("data:%s;base64,%s", mime_type != NULL ? mime_type : "application/octet-stream",
                          encoded);
}
