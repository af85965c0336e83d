/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-autocrypt"

#include "config.h"

#include <string.h>

#include "koi-coi-autocrypt.h"
#include "koi-coi-gmime.h"
#include "koi-fuzz.h"

/* The Autocrypt reader (koi-coi-autocrypt.c): every mail from Delta Chat
 * or another Autocrypt client carries a header with its sender's key, and
 * anyone can write one. The first byte picks the path: a header value on
 * its own, or a whole mail whose Autocrypt and Autocrypt-Gossip headers
 * are read as the engine reads them. What Koi writes from a header it
 * accepted must read again as the same header. */

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_mime_init ();
  return 0;
}

static void
check_same (const KoiCoiAutocrypt *first,
            const KoiCoiAutocrypt *again,
            const char            *written)
{
  if (again == NULL
      || g_strcmp0 (first->address, again->address) != 0
      || first->prefer_encrypt != again->prefer_encrypt
      || !g_bytes_equal (first->keydata, again->keydata))
    {
      fprintf (stderr, "koi-fuzz: a written Autocrypt header does not read back the same:\n%s\n",
               written);
      abort ();
    }
}

static void
check_header (const KoiCoiAutocrypt *autocrypt)
{
  g_autofree char *written = NULL;
  g_autofree char *reason = NULL;
  g_autoptr(KoiCoiAutocrypt) again = NULL;

  if (autocrypt->address == NULL || !g_utf8_validate (autocrypt->address, -1, NULL))
    {
      fprintf (stderr, "koi-fuzz: an accepted header has no valid address\n");
      abort ();
    }
  if (g_bytes_get_size (autocrypt->keydata) > KOI_COI_AUTOCRYPT_MAX_KEY)
    {
      fprintf (stderr, "koi-fuzz: keydata over the limit was accepted\n");
      abort ();
    }
  written = koi_coi_autocrypt_format (autocrypt, FALSE);
  again = koi_coi_autocrypt_parse (written, &reason);
  check_same (autocrypt, again, written);
}

static void
read_value (const char *text)
{
  g_autofree char *reason = NULL;
  g_autoptr(KoiCoiAutocrypt) autocrypt = koi_coi_autocrypt_parse (text, &reason);

  if (autocrypt != NULL)
    check_header (autocrypt);
}

static void
read_mail (const guint8 *data,
           size_t        size)
{
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer ((const char *) data, size);
  g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GPtrArray) gossip = NULL;
  g_autoptr(KoiCoiAutocrypt) sender = NULL;
  InternetAddressList *from;
  const char *from_address = "alice@example.org";

  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  message = g_mime_parser_construct_message (parser, NULL);
  if (message == NULL)
    return;

  /* The engine passes the From address it settled on; take the mail's
   * own when it has a plain one, so the addr check is reached too. */
  from = g_mime_message_get_from (message);
  if (from != NULL && internet_address_list_length (from) > 0)
    {
      InternetAddress *address = internet_address_list_get_address (from, 0);

      if (INTERNET_ADDRESS_IS_MAILBOX (address))
        from_address = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));
    }

  sender = koi_coi_autocrypt_read_sender (message, from_address);
  if (sender != NULL)
    check_header (sender);
  gossip = koi_coi_autocrypt_read_gossip (message);
  for (guint i = 0; i < gossip->len; i++)
    {
      const KoiCoiAutocrypt *entry = g_ptr_array_index (gossip, i);
      g_autofree char *written = koi_coi_autocrypt_format (entry, TRUE);
      g_autofree char *reason = NULL;
      g_autoptr(KoiCoiAutocrypt) again = koi_coi_autocrypt_parse (written, &reason);

      if (entry->prefer_encrypt)
        {
          fprintf (stderr, "koi-fuzz: gossip came with prefer-encrypt\n");
          abort ();
        }
      check_same (entry, again, written);
    }
}

static void
run (const guint8 *data,
     size_t        size)
{
  guint8 how = 0;

  if (size > 0)
    {
      how = data[0];
      data++;
      size--;
    }

  if (how % 2 == 0)
    {
      /* Header values reach the reader unfolded and as UTF-8 (gmime). */
      g_autofree char *text = g_utf8_make_valid ((const char *) data, size);

      read_value (text);
    }
  else
    read_mail (data, size);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  koi_fuzz_run_bounded (run, data, size, "reading Autocrypt headers");
  return 0;
}
