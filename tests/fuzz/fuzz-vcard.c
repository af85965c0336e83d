/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-vcard"

#include "config.h"

#include <string.h>

#include "koi-coi.h"
#include "koi-contact-card.h"
#include "koi-fuzz.h"
#include "koi-vcard.h"

/* The contact reader: vCard (koi-vcard.c) and the card built from a
 * contact.vcf, a contact.json or COI header fields (koi-contact-card.c),
 * as any sender can write them. The first byte picks which part the rest
 * is. What Koi writes back from a card must read again as the same card:
 * koi_vcard_to_string() of a parsed card, parsed and written again, gives
 * the same bytes. Everything read must be valid UTF-8 when the input was. */

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_mime_init ();
  return 0;
}

static void
check_utf8 (const char *what,
            const char *text)
{
  if (text != NULL && !g_utf8_validate (text, -1, NULL))
    {
      fprintf (stderr, "koi-fuzz: %s gave invalid UTF-8\n", what);
      abort ();
    }
}

static void
check_round_trip (const char *text)
{
  g_autoptr(GPtrArray) cards = koi_vcard_parse_all (text, NULL);

  for (guint i = 0; cards != NULL && i < cards->len && i < 8; i++)
    {
      g_autofree char *written = koi_vcard_to_string (g_ptr_array_index (cards, i));
      g_autoptr(KoiVCard) again = koi_vcard_parse (written, NULL);
      g_autofree char *rewritten = again != NULL ? koi_vcard_to_string (again) : NULL;

      check_utf8 ("vcard_to_string", written);
      if (g_strcmp0 (written, rewritten) != 0)
        {
          fprintf (stderr, "koi-fuzz: a written vCard does not read back the same:\n%s\n---\n%s\n",
                   written, rewritten != NULL ? rewritten : "(nothing)");
          abort ();
        }
    }
}

static void
read_card (const char *json,
           const char *vcard,
           const char *headers)
{
  KoiContactCard *card = koi_contact_card_parse (json, vcard, NULL, headers, NULL);
  g_auto(GStrv) emails = NULL;
  g_autoptr(GBytes) photo = NULL;
  g_autofree char *photo_type = NULL;

  if (card == NULL)
    return;

  {
    g_autofree char *name = koi_contact_card_get_name (card);
    g_autofree char *status = koi_contact_card_get_status (card);
    g_autofree char *out_json = koi_contact_card_to_json (card);
    g_autofree char *out_vcard = koi_contact_card_to_vcard (card);

    check_utf8 ("card name", name);
    check_utf8 ("card status", status);
    check_utf8 ("card address", koi_contact_card_get_address (card));
    (void) out_json;
    (void) out_vcard;
  }
  emails = koi_contact_card_get_emails (card);
  for (guint i = 0; emails != NULL && emails[i] != NULL; i++)
    check_utf8 ("card emails", emails[i]);
  photo = koi_contact_card_get_photo (card, &photo_type);

  koi_contact_card_free (card);
}

static void
run (const guint8 *data,
     size_t        size)
{
  g_autofree char *text = NULL;
  guint8 how = 0;

  if (size > 0)
    {
      how = data[0];
      data++;
      size--;
    }
  /* The parts reach the reader as UTF-8 text (koi_coi_part_text). */
  text = g_utf8_make_valid ((const char *) data, size);

  switch (how % 3)
    {
    case 0:
      check_round_trip (text);
      read_card (NULL, text, NULL);
      break;
    case 1:
      read_card (text, NULL, NULL);
      break;
    default:
      read_card (NULL, NULL, text);
      break;
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  koi_fuzz_run_bounded (run, data, size, "reading the contact card");
  return 0;
}
