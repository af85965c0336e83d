/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-coi-member-fpr"

#include "config.h"

#include <string.h>

#include "koi-coi-member-fpr.h"

/* v4 fingerprints are 40 hex digits, v6 ones 64. */
static gboolean
is_fingerprint (const char *token)
{
  gsize length = strlen (token);

  if (length != 40 && length != 64)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isxdigit (token[i]))
      return FALSE;
  return TRUE;
}

char *
koi_coi_member_fpr_format (const char * const *fingerprints,
                           gsize               n_fingerprints)
{
  GString *value;

  if (n_fingerprints == 0)
    return NULL;
  value = g_string_new (NULL);
  for (gsize i = 0; i < n_fingerprints; i++)
    {
      if (fingerprints[i] == NULL || !is_fingerprint (fingerprints[i]))
        {
          g_string_free (value, TRUE);
          return NULL;
        }
      if (i > 0)
        g_string_append_c (value, ' ');
      g_string_append (value, fingerprints[i]);
    }
  {
    g_autofree char *joined = g_string_free (value, FALSE);

    return g_ascii_strup (joined, -1);
  }
}

char *
koi_coi_member_fpr_for_to (GMimeMessage *message,
                           const char   *own_address,
                           const char   *own_fingerprint,
                           GHashTable   *by_address)
{
  InternetAddressList *to;
  g_autoptr (GPtrArray) ordered = g_ptr_array_new ();

  g_return_val_if_fail (GMIME_IS_MESSAGE (message), NULL);

  to = g_mime_message_get_to (message);
  if (g_mime_object_get_header (GMIME_OBJECT (message), "Chat-Group-ID") == NULL || to == NULL)
    return NULL;
  for (int i = 0; i < internet_address_list_length (to); i++)
    {
      InternetAddress *address = internet_address_list_get_address (to, i);
      g_autofree char *lower = NULL;

      /* A group in To (RFC 5322 "name: a, b;") is not what Koi writes. */
      if (!INTERNET_ADDRESS_IS_MAILBOX (address))
        return NULL;
      lower = g_ascii_strdown (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address)), -1);
      g_ptr_array_add (ordered, own_address != NULL && g_ascii_strcasecmp (lower, own_address) == 0
                                  ? (gpointer) own_fingerprint
                                  : g_hash_table_lookup (by_address, lower));
    }
  return koi_coi_member_fpr_format ((const char * const *) ordered->pdata, ordered->len);
}

GPtrArray *
koi_coi_member_fpr_read (GMimeMessage *message,
                         GPtrArray    *to)
{
  const char *value;
  g_autoptr (GPtrArray) fingerprints = NULL;
  const char *p;

  g_return_val_if_fail (GMIME_IS_MESSAGE (message), NULL);

  value = g_mime_object_get_header (GMIME_OBJECT (message), KOI_COI_MEMBER_FPR_HEADER);
  if (value == NULL || to == NULL || to->len == 0)
    return NULL;

  /* Split by hand, stopping at the To count: a long header costs no more
   * than the group's size (g_strsplit is quadratic under the sanitizers). */
  fingerprints = g_ptr_array_new_with_free_func (g_free);
  p = value;
  while (fingerprints->len < to->len)
    {
      const char *start;
      g_autofree char *token = NULL;

      while (g_ascii_isspace (*p))
        p++;
      if (*p == '\0')
        break;
      start = p;
      while (*p != '\0' && !g_ascii_isspace (*p))
        p++;
      token = g_strndup (start, p - start);
      if (!is_fingerprint (token))
        {
          g_message ("Ignoring %s: “%.80s” is not a fingerprint", KOI_COI_MEMBER_FPR_HEADER, token);
          return NULL;
        }
      g_ptr_array_add (fingerprints, g_ascii_strup (token, -1));
    }
  if (fingerprints->len == 0)
    return NULL;   /* an empty header: nothing said, nothing to log */
  if (fingerprints->len < to->len)
    {
      g_message ("Ignoring %s: %u fingerprints for %u addresses in To", KOI_COI_MEMBER_FPR_HEADER,
                 fingerprints->len, to->len);
      return NULL;
    }
  return g_steal_pointer (&fingerprints);
}

const char *
koi_coi_member_fpr_lookup (GPtrArray  *fingerprints,
                           GPtrArray  *to,
                           const char *address)
{
  if (fingerprints == NULL || to == NULL || address == NULL)
    return NULL;
  for (guint i = 0; i < to->len && i < fingerprints->len; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (to, i), address) == 0)
      return g_ptr_array_index (fingerprints, i);
  return NULL;
}
