/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-coi-autocrypt"

#include "config.h"

#include <string.h>

#include "koi-coi-autocrypt.h"

/*
 * The Autocrypt header (Autocrypt Level 1, section 2.1):
 *   Autocrypt: addr=a@example.org; prefer-encrypt=mutual; keydata=BASE64
 * Attributes are separated by ';'. "addr" and "keydata" are required,
 * "prefer-encrypt" is optional; an unknown attribute whose name starts
 * with '_' is ignored, any other unknown one makes the whole header
 * invalid (it is "critical"). gmime's own reader takes any bytes as
 * base64 and says nothing about why it refuses a header, so Koi reads the
 * header itself and logs the reason.
 */

#define FOLD_WIDTH 76

KoiCoiAutocrypt *
koi_coi_autocrypt_new (const char *address,
                       GBytes     *keydata,
                       gboolean    prefer_encrypt)
{
  KoiCoiAutocrypt *autocrypt = g_new0 (KoiCoiAutocrypt, 1);

  autocrypt->address = g_ascii_strdown (address, -1);
  autocrypt->keydata = g_bytes_ref (keydata);
  autocrypt->prefer_encrypt = prefer_encrypt;
  return autocrypt;
}

void
koi_coi_autocrypt_free (KoiCoiAutocrypt *autocrypt)
{
  if (autocrypt == NULL)
    return;
  g_free (autocrypt->address);
  g_clear_pointer (&autocrypt->keydata, g_bytes_unref);
  g_free (autocrypt);
}

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* [start, end) without surrounding white space. */
static void
trim (const char **start,
      const char **end)
{
  while (*start < *end && is_space (**start))
    (*start)++;
  while (*end > *start && is_space ((*end)[-1]))
    (*end)--;
}

static gboolean
address_is_plain (const char *address)
{
  const char *at = strchr (address, '@');

  if (at == NULL || at == address || at[1] == '\0' || strchr (at + 1, '@') != NULL)
    return FALSE;
  for (const char *p = address; *p != '\0'; p++)
    if ((guchar) *p <= 0x20 || *p == '<' || *p == '>' || *p == ',' || *p == '"' || *p == 0x7f)
      return FALSE;
  return TRUE;
}

/* Strict base64: only the alphabet, white space anywhere (folding), '='
 * only as padding at the end. */
static GBytes *
decode_keydata (const char  *start,
                const char  *end,
                const char **out_reason)
{
  g_autoptr(GString) clean = g_string_sized_new (end - start);
  gsize padding = 0;
  guchar *data;
  gsize len = 0;

  for (const char *p = start; p < end; p++)
    {
      char c = *p;

      if (is_space (c))
        continue;
      if (c == '=')
        {
          padding++;
          g_string_append_c (clean, c);
          continue;
        }
      if (padding > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        {
          *out_reason = "keydata is not base64";
          return NULL;
        }
      g_string_append_c (clean, c);
    }
  if (clean->len == 0)
    {
      *out_reason = "keydata is empty";
      return NULL;
    }
  if (clean->len % 4 != 0 || padding > 2)
    {
      *out_reason = "keydata is not base64";
      return NULL;
    }
  if (clean->len / 4 * 3 > KOI_COI_AUTOCRYPT_MAX_KEY)
    {
      *out_reason = "keydata is too large";
      return NULL;
    }

  data = g_base64_decode (clean->str, &len);
  /* An OpenPGP public key starts with a Public-Key packet (tag 6), in
   * the old or the new packet format (RFC 4880, 4.2). */
  if (len == 0 || (data[0] & 0x80) == 0 ||
      ((data[0] & 0x40) ? (data[0] & 0x3f) : ((data[0] >> 2) & 0x0f)) != 6)
    {
      g_free (data);
      *out_reason = "keydata is not an OpenPGP public key";
      return NULL;
    }
  return g_bytes_new_take (data, len);
}

KoiCoiAutocrypt *
koi_coi_autocrypt_parse (const char  *value,
                         char       **out_reason)
{
  g_autofree char *address = NULL;
  g_autoptr(GBytes) keydata = NULL;
  const char *reason = NULL;
  const char *keydata_start = NULL, *keydata_end = NULL;
  gboolean prefer_encrypt = FALSE;
  guint n_addr = 0, n_keydata = 0, n_prefer = 0;
  const char *p;

  if (out_reason != NULL)
    *out_reason = NULL;
  if (value == NULL)
    {
      reason = "no value";
      goto fail;
    }

  p = value;
  while (*p != '\0')
    {
      const char *end = strchr (p, ';');
      const char *name_start = p, *name_end, *val_start, *val_end;
      const char *eq;

      if (end == NULL)
        end = p + strlen (p);
      eq = memchr (p, '=', end - p);
      if (eq == NULL)
        {
          name_end = end;
          trim (&name_start, &name_end);
          if (name_start == name_end || *name_start == '_')
            {
              p = *end != '\0' ? end + 1 : end;
              continue;  /* an empty attribute (a trailing ';') or a non-critical one */
            }
          reason = "an attribute has no value";
          goto fail;
        }
      name_end = eq;
      val_start = eq + 1;
      val_end = end;
      trim (&name_start, &name_end);
      trim (&val_start, &val_end);

#define NAME_IS(lit) ((gsize) (name_end - name_start) == strlen (lit) && \
                      g_ascii_strncasecmp (name_start, lit, strlen (lit)) == 0)
      if (NAME_IS ("addr"))
        {
          n_addr++;
          g_free (address);
          address = g_ascii_strdown (val_start, val_end - val_start);
        }
      else if (NAME_IS ("keydata"))
        {
          n_keydata++;
          keydata_start = val_start;
          keydata_end = val_end;
        }
      else if (NAME_IS ("prefer-encrypt"))
        {
          n_prefer++;
          prefer_encrypt = (gsize) (val_end - val_start) == strlen ("mutual") &&
                           g_ascii_strncasecmp (val_start, "mutual", strlen ("mutual")) == 0;
        }
      else if (name_start < name_end && *name_start == '_')
        ;  /* non-critical: ignored */
      else
        {
          reason = "it has an unknown critical attribute";
          goto fail;
        }
#undef NAME_IS
      p = *end != '\0' ? end + 1 : end;
    }

  if (n_addr != 1 || n_keydata != 1 || n_prefer > 1)
    {
      reason = n_addr == 0 ? "addr is missing" : n_keydata == 0 ? "keydata is missing"
                                                                  : "an attribute is repeated";
      goto fail;
    }
  if (!g_str_is_ascii (address) || !address_is_plain (address))
    {
      reason = "addr is not an email address";
      goto fail;
    }
  keydata = decode_keydata (keydata_start, keydata_end, &reason);
  if (keydata == NULL)
    goto fail;

  return koi_coi_autocrypt_new (address, keydata, prefer_encrypt);

fail:
  if (out_reason != NULL)
    *out_reason = g_strdup (reason);
  return NULL;
}

char *
koi_coi_autocrypt_format (const KoiCoiAutocrypt *autocrypt,
                          gboolean               gossip)
{
  g_autofree char *base64 = NULL;
  GString *value;
  gsize len;
  gconstpointer data;
  gsize size = 0;

  g_return_val_if_fail (autocrypt != NULL && autocrypt->keydata != NULL, NULL);

  data = g_bytes_get_data (autocrypt->keydata, &size);
  base64 = g_base64_encode (data, size);
  len = strlen (base64);

  value = g_string_new (NULL);
  g_string_append_printf (value, "addr=%s; %skeydata=", autocrypt->address,
                          !gossip && autocrypt->prefer_encrypt ? "prefer-encrypt=mutual; " : "");
  /* Pieces of FOLD_WIDTH characters split by a space: gmime folds the
   * header at those spaces when it writes it (a value with line breaks
   * of its own it would RFC 2047-encode), which gives the spec's layout,
   * one piece of the key per line. */
  for (gsize i = 0; i < len; i += FOLD_WIDTH)
    {
      g_string_append_c (value, ' ');
      g_string_append_len (value, base64 + i, MIN (FOLD_WIDTH, len - i));
    }
  return g_string_free (value, FALSE);
}

static gboolean
header_is (GMimeHeader *header,
           const char  *name)
{
  return g_ascii_strcasecmp (g_mime_header_get_name (header), name) == 0;
}

KoiCoiAutocrypt *
koi_coi_autocrypt_read_sender (GMimeMessage *message,
                               const char   *from_address)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (message));
  g_autoptr(KoiCoiAutocrypt) found = NULL;
  guint n_found = 0;
  int count = g_mime_header_list_get_count (headers);

  for (int i = 0; i < count; i++)
    {
      GMimeHeader *header = g_mime_header_list_get_header_at (headers, i);
      g_autoptr(KoiCoiAutocrypt) autocrypt = NULL;
      g_autofree char *reason = NULL;

      if (!header_is (header, "Autocrypt"))
        continue;
      autocrypt = koi_coi_autocrypt_parse (g_mime_header_get_value (header), &reason);
      if (autocrypt == NULL)
        {
          g_message ("Ignoring an Autocrypt header from %s: %s",
                     from_address != NULL ? from_address : "(no sender)", reason);
          continue;
        }
      if (from_address == NULL || g_ascii_strcasecmp (autocrypt->address, from_address) != 0)
        {
          g_message ("Ignoring an Autocrypt header for %s in mail from %s",
                     autocrypt->address, from_address != NULL ? from_address : "(no sender)");
          continue;
        }
      n_found++;
      g_clear_pointer (&found, koi_coi_autocrypt_free);
      found = g_steal_pointer (&autocrypt);
    }

  /* Level 1: more than one valid header counts as none. */
  if (n_found > 1)
    {
      g_message ("Ignoring %u Autocrypt headers from %s: only one is allowed", n_found, from_address);
      return NULL;
    }
  return g_steal_pointer (&found);
}

static void
collect_gossip (GMimeObject *object,
                GPtrArray   *gossip,
                GHashTable  *repeated)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (object);
  int count = g_mime_header_list_get_count (headers);

  for (int i = 0; i < count; i++)
    {
      GMimeHeader *header = g_mime_header_list_get_header_at (headers, i);
      g_autoptr(KoiCoiAutocrypt) autocrypt = NULL;
      g_autofree char *reason = NULL;
      gboolean seen = FALSE;

      if (!header_is (header, "Autocrypt-Gossip"))
        continue;
      autocrypt = koi_coi_autocrypt_parse (g_mime_header_get_value (header), &reason);
      if (autocrypt == NULL)
        {
          g_message ("Ignoring an Autocrypt-Gossip header: %s", reason);
          continue;
        }
      /* Gossip states no preference of the peer's. */
      autocrypt->prefer_encrypt = FALSE;
      for (guint j = 0; j < gossip->len; j++)
        {
          KoiCoiAutocrypt *other = g_ptr_array_index (gossip, j);

          if (g_ascii_strcasecmp (other->address, autocrypt->address) == 0)
            {
              if (!g_bytes_equal (other->keydata, autocrypt->keydata))
                g_hash_table_add (repeated, g_strdup (autocrypt->address));
              seen = TRUE;
              break;
            }
        }
      if (!seen)
        g_ptr_array_add (gossip, g_steal_pointer (&autocrypt));
    }
}

GPtrArray *
koi_coi_autocrypt_read_gossip (GMimeMessage *message)
{
  GPtrArray *gossip = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_coi_autocrypt_free);
  g_autoptr(GHashTable) repeated = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GMimeObject *part = g_mime_message_get_mime_part (message);

  collect_gossip (GMIME_OBJECT (message), gossip, repeated);
  if (part != NULL)
    collect_gossip (part, gossip, repeated);

  /* Two different keys gossiped for one address: believe neither. */
  for (guint i = gossip->len; i > 0; i--)
    {
      KoiCoiAutocrypt *autocrypt = g_ptr_array_index (gossip, i - 1);

      if (g_hash_table_contains (repeated, autocrypt->address))
        {
          g_message ("Ignoring Autocrypt-Gossip for %s: two different keys", autocrypt->address);
          g_ptr_array_remove_index (gossip, i - 1);
        }
    }
  return gossip;
}

void
koi_coi_autocrypt_write_sender (GMimeMessage          *message,
                                const KoiCoiAutocrypt *autocrypt)
{
  g_autofree char *value = koi_coi_autocrypt_format (autocrypt, FALSE);

  g_mime_object_set_header (GMIME_OBJECT (message), "Autocrypt", value, NULL);
}

void
koi_coi_autocrypt_write_gossip (GMimeMessage *message,
                                GPtrArray    *gossip)
{
  GMimeObject *part = g_mime_message_get_mime_part (message);

  g_return_if_fail (part != NULL);

  for (guint i = 0; gossip != NULL && i < gossip->len; i++)
    {
      g_autofree char *value = koi_coi_autocrypt_format (g_ptr_array_index (gossip, i), TRUE);

      g_mime_object_append_header (part, "Autocrypt-Gossip", value, NULL);
    }
}
