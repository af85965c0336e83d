/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-imap"

#include "config.h"

#include <string.h>

#include "koi-imap-bodystructure.h"

/* A server may nest parts without end; Koi reads this deep and no more. */
#define MAX_DEPTH 32

void
koi_imap_body_part_free (KoiImapBodyPart *part)
{
  if (part == NULL)
    return;

  g_free (part->section);
  g_free (part->type);
  g_free (part->subtype);
  g_clear_pointer (&part->params, g_ptr_array_unref);
  g_free (part->id);
  g_free (part->encoding);
  g_free (part->disposition);
  g_clear_pointer (&part->disposition_params, g_ptr_array_unref);
  g_clear_pointer (&part->children, g_ptr_array_unref);
  g_free (part);
}

static const KoiImapValue *
item (const KoiImapValue *list,
      guint               index)
{
  return index < list->list->len ? list->list->pdata[index] : NULL;
}

static char *
dup_lower (const KoiImapValue *value)
{
  g_autofree char *text = koi_imap_value_dup_astring (value);

  return text != NULL ? g_ascii_strdown (text, -1) : NULL;
}

/* ("name" "value" ...) or NIL. */
static GPtrArray *
read_params (const KoiImapValue *value)
{
  GPtrArray *params = g_ptr_array_new_with_free_func (g_free);

  if (value == NULL || value->type != KOI_IMAP_VALUE_LIST)
    return params;
  for (guint i = 0; i + 1 < value->list->len; i += 2)
    {
      char *name = koi_imap_value_dup_astring (value->list->pdata[i]);
      char *text = koi_imap_value_dup_astring (value->list->pdata[i + 1]);

      if (name == NULL)
        {
          g_free (text);
          continue;
        }
      g_ptr_array_add (params, name);
      g_ptr_array_add (params, text != NULL ? text : g_strdup (""));
    }
  return params;
}

/* ("attachment" ("filename" "x")) or NIL. */
static void
read_disposition (KoiImapBodyPart    *part,
                  const KoiImapValue *value)
{
  if (value == NULL || value->type != KOI_IMAP_VALUE_LIST || value->list->len < 1)
    return;
  part->disposition = dup_lower (value->list->pdata[0]);
  g_clear_pointer (&part->disposition_params, g_ptr_array_unref);
  part->disposition_params = read_params (item (value, 1));
}

static char *
child_section (const char *parent,
               guint       index)
{
  return *parent == '\0' ? g_strdup_printf ("%u", index + 1) : g_strdup_printf ("%s.%u", parent, index + 1);
}

static KoiImapBodyPart *
parse_part (const KoiImapValue *value,
            const char         *section,
            guint               depth)
{
  g_autoptr(KoiImapBodyPart) part = NULL;
  const KoiImapValue *first;

  if (value == NULL || value->type != KOI_IMAP_VALUE_LIST || value->list->len < 2 || depth > MAX_DEPTH)
    return NULL;

  part = g_new0 (KoiImapBodyPart, 1);
  part->children = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_imap_body_part_free);
  part->disposition_params = g_ptr_array_new_with_free_func (g_free);
  first = item (value, 0);

  if (first->type == KOI_IMAP_VALUE_LIST)
    {
      /* body-type-mpart: parts, subtype, then [params [disposition ...]]. */
      guint i = 0;

      part->section = g_strdup (section);
      part->type = g_strdup ("multipart");
      for (; i < value->list->len && item (value, i)->type == KOI_IMAP_VALUE_LIST; i++)
        {
          g_autofree char *sub = child_section (section, i);
          KoiImapBodyPart *child = parse_part (item (value, i), sub, depth + 1);

          if (child == NULL)
            return NULL;
          g_ptr_array_add (part->children, child);
        }
      part->subtype = dup_lower (item (value, i));
      if (part->subtype == NULL)
        return NULL;
      part->params = read_params (item (value, i + 1));
      read_disposition (part, item (value, i + 2));
      return g_steal_pointer (&part);
    }

  /* body-type-1part: type, subtype, params, id, description, encoding,
   * octets, then per type: text has lines; message/rfc822 envelope, body,
   * lines; then md5 and the disposition. */
  if (value->list->len < 7)
    return NULL;
  part->section = *section == '\0' ? g_strdup ("1") : g_strdup (section);
  part->type = dup_lower (first);
  part->subtype = dup_lower (item (value, 1));
  if (part->type == NULL || part->subtype == NULL)
    return NULL;
  part->params = read_params (item (value, 2));
  part->id = koi_imap_value_dup_astring (item (value, 3));
  part->encoding = dup_lower (item (value, 5));
  if (item (value, 6)->type == KOI_IMAP_VALUE_NUMBER)
    part->size = item (value, 6)->number;

  {
    guint ext = 7;

    if (strcmp (part->type, "text") == 0)
      ext = 8;
    else if (strcmp (part->type, "message") == 0 && strcmp (part->subtype, "rfc822") == 0)
      ext = 10;
    read_disposition (part, item (value, ext + 1));
  }
  return g_steal_pointer (&part);
}

KoiImapBodyPart *
koi_imap_body_part_parse (const KoiImapValue *value)
{
  return parse_part (value, "", 0);
}

const char *
koi_imap_body_part_param (GPtrArray  *params,
                          const char *name)
{
  if (params == NULL)
    return NULL;
  for (guint i = 0; i + 1 < params->len; i += 2)
    if (g_ascii_strcasecmp (params->pdata[i], name) == 0)
      return params->pdata[i + 1];
  return NULL;
}

static void
collect_leaves (KoiImapBodyPart *part,
                GPtrArray       *leaves)
{
  if (part->children->len == 0)
    {
      if (strcmp (part->type, "multipart") != 0)
        g_ptr_array_add (leaves, part);
      return;
    }
  for (guint i = 0; i < part->children->len; i++)
    collect_leaves (part->children->pdata[i], leaves);
}

GPtrArray *
koi_imap_body_part_leaves (KoiImapBodyPart *root)
{
  GPtrArray *leaves = g_ptr_array_new ();

  collect_leaves (root, leaves);
  return leaves;
}
