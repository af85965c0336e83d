/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Mail to hidden recipients. Delta Chat 2.x writes every public-key
 * encrypted session key packet with the wildcard key id (sixteen zero hex
 * digits, RFC 4880 5.1), so the outer mail does not say whose keys it was
 * encrypted to. librnp 0.16's FFI looks a decryption key up by that id
 * only, finds none, and gives up. Before decrypting, the wildcard ids are
 * therefore renamed to the own encryption subkey's id: librnp then tries
 * the own key on each of them and skips those it does not open (the
 * session key unwrap fails for another recipient's packet).
 */
#include "config.h"

#define G_LOG_DOMAIN "koi-crypto"

#include <string.h>

#include "koi-pgp-hidden.h"
#include "koi-rnp-context-private.h"

/* The id (8 bytes) of the own key's first subkey that may encrypt. */
static gboolean
own_encryption_key_id (KoiRnpContext *context,
                       guint8         id[8])
{
  rnp_key_handle_t primary = koi_rnp_context_locate_own (context);
  size_t count = 0;
  gboolean found = FALSE;

  if (primary == NULL)
    return FALSE;
  rnp_key_get_subkey_count (primary, &count);
  for (size_t i = 0; i < count && !found; i++)
    {
      rnp_key_handle_t subkey = NULL;
      bool usable = false;
      char *hex = NULL;

      if (rnp_key_get_subkey_at (primary, i, &subkey) != RNP_SUCCESS)
        continue;
      if (rnp_key_allows_usage (subkey, "encrypt", &usable) == RNP_SUCCESS && usable &&
          rnp_key_get_keyid (subkey, &hex) == RNP_SUCCESS && hex != NULL && strlen (hex) == 16)
        {
          for (int b = 0; b < 8; b++)
            id[b] = (g_ascii_xdigit_value (hex[2 * b]) << 4) | g_ascii_xdigit_value (hex[2 * b + 1]);
          found = TRUE;
        }
      if (hex != NULL)
        rnp_buffer_destroy (hex);
      rnp_key_handle_destroy (subkey);
    }
  rnp_key_handle_destroy (primary);
  return found;
}

/* Binary packets of @cipher (dearmored when it is armored), or NULL. */
static GByteArray *
binary_packets (GBytes *cipher)
{
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (cipher, &length);
  rnp_input_t input = NULL;
  rnp_output_t output = NULL;
  GByteArray *out = NULL;
  guint8 *bytes = NULL;
  size_t size = 0;

  if (length == 0)
    return NULL;
  if ((data[0] & 0x80) != 0)
    return g_byte_array_append (g_byte_array_new (), data, length);

  if (rnp_input_from_memory (&input, data, length, false) == RNP_SUCCESS &&
      rnp_output_to_memory (&output, 0) == RNP_SUCCESS &&
      rnp_dearmor (input, output) == RNP_SUCCESS &&
      rnp_output_memory_get_buf (output, &bytes, &size, false) == RNP_SUCCESS)
    out = g_byte_array_append (g_byte_array_new (), bytes, size);
  if (output != NULL)
    rnp_output_destroy (output);
  if (input != NULL)
    rnp_input_destroy (input);
  return out;
}

/* Renames the wildcard ids of the leading session key packets of @data
 * (binary packets; possibly only the first bytes of a longer stream: the
 * walk stops at the first packet that is not a session key packet or does
 * not fit) in place. Returns how many. */
guint
koi_pgp_rename_hidden_in_place (KoiRnpContext *context,
                                guint8        *data,
                                gsize          length)
{
  guint8 own_id[8];
  gsize at = 0;
  guint renamed = 0;

  if (length == 0 || !own_encryption_key_id (context, own_id))
    return 0;
  /* Only the leading session key packets: the first other packet is the
   * encrypted data, which is left alone. */
  while (at + 2 <= length)
    {
      guint8 ctb = data[at];
      guint tag;
      gsize header;
      gsize body;

      if ((ctb & 0x80) == 0)
        break;
      if ((ctb & 0x40) != 0)
        {
          guint8 first = data[at + 1];

          tag = ctb & 0x3f;
          if (first < 192)
            header = 2, body = first;
          else if (first < 224 && at + 3 <= length)
            header = 3, body = ((first - 192) << 8) + data[at + 2] + 192;
          else if (first == 255 && at + 6 <= length)
            header = 6, body = ((gsize) data[at + 2] << 24) | (data[at + 3] << 16) |
                               (data[at + 4] << 8) | data[at + 5];
          else
            break;   /* partial lengths: not a session key packet */
        }
      else
        {
          static const gsize sizes[] = { 1, 2, 4 };
          guint type = ctb & 0x03;

          tag = (ctb >> 2) & 0x0f;
          if (type == 3 || at + 1 + sizes[type] > length)
            break;
          header = 1 + sizes[type];
          body = 0;
          for (gsize i = 0; i < sizes[type]; i++)
            body = (body << 8) | data[at + 1 + i];
        }
      if ((tag != 1 && tag != 3) || at + header + body > length)
        break;

      /* A version 3 PKESK: version, 8-byte key id, algorithm, ... */
      if (tag == 1 && body >= 10 && data[at + header] == 3)
        {
          guint8 *id = data + at + header + 1;
          static const guint8 wildcard[8] = { 0 };

          if (memcmp (id, wildcard, 8) == 0)
            {
              memcpy (id, own_id, 8);
              renamed++;
            }
        }
      at += header + body;
    }

  if (renamed > 0)
    g_debug ("Encrypted to %u hidden recipient(s): trying the own key", renamed);
  return renamed;
}

GBytes *
koi_pgp_name_hidden_recipients (KoiRnpContext *context,
                                GBytes        *cipher)
{
  g_autoptr (GByteArray) packets = binary_packets (cipher);

  if (packets == NULL || koi_pgp_rename_hidden_in_place (context, packets->data, packets->len) == 0)
    return NULL;
  return g_bytes_new (packets->data, packets->len);
}
