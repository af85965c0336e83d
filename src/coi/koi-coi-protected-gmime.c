/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-coi-protected"

#include "koi-coi-gmime.h"
#include "koi-coi-protected-gmime.h"

/* The lowercased address of the first mailbox of @list, or NULL. */
char *
koi_coi_first_mailbox (InternetAddressList *list)
{
  InternetAddress *address;

  if (list == NULL || internet_address_list_length (list) == 0)
    return NULL;
  address = internet_address_list_get_address (list, 0);
  if (!INTERNET_ADDRESS_IS_MAILBOX (address))
    return NULL;
  return g_ascii_strdown (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address)),
                          -1);
}

static gboolean
is_content_header (const char *name)
{
  return g_ascii_strncasecmp (name, "Content-", 8) == 0
         || g_ascii_strcasecmp (name, "MIME-Version") == 0;
}

/* Moves the protected headers of @inner onto @outer, replacing the outer
 * ones of the same name, and leaves @inner a plain MIME part. A From
 * inside that names another address than the outer From is ignored: the
 * outer one is what the server and the signature check saw. */
void
koi_coi_protected_apply_gmime (GMimeMessage *outer,
                               GMimeObject  *inner)
{
  GMimeHeaderList *inner_headers = g_mime_object_get_header_list (inner);
  GMimeHeaderList *outer_headers = g_mime_object_get_header_list (GMIME_OBJECT (outer));
  g_autoptr (GHashTable) replaced = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) moved = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *outer_from = koi_coi_first_mailbox (g_mime_message_get_from (outer));
  int count = g_mime_header_list_get_count (inner_headers);

  /* Gossip counts only from inside the encryption. */
  while (g_mime_header_list_remove (outer_headers, "Autocrypt-Gossip"))
    ;

  for (int i = 0; i < count; i++)
    {
      GMimeHeader *header = g_mime_header_list_get_header_at (inner_headers, i);
      const char *name = g_mime_header_get_name (header);
      const char *value = g_mime_header_get_value (header);
      g_autofree char *key = g_ascii_strdown (name, -1);

      if (is_content_header (name))
        continue;
      g_ptr_array_add (moved, g_strdup (name));
      if (g_ascii_strcasecmp (name, "From") == 0)
        {
          g_autoptr (InternetAddressList) list = internet_address_list_parse (NULL, value);
          g_autofree char *inner_from = koi_coi_first_mailbox (list);

          if (outer_from != NULL && g_strcmp0 (inner_from, outer_from) != 0)
            continue;
        }
      if (!g_hash_table_contains (replaced, key))
        {
          while (g_mime_header_list_remove (outer_headers, name))
            ;
          g_hash_table_add (replaced, g_steal_pointer (&key));
        }
      g_mime_header_list_append (outer_headers, name, value, NULL);
    }
  for (guint i = 0; i < moved->len; i++)
    while (g_mime_header_list_remove (inner_headers, g_ptr_array_index (moved, i)))
      ;
}
