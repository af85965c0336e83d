/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the card editor in the window writes (KoiContactEdit): phone, note
 * and further addresses land in the vCard, the card's own address keeps
 * its line, an address is never listed twice, and an empty value clears.
 */
#include "config.h"

#include <string.h>

#include "apply-test-util.h"
#include "koi-contact-card.h"
#include "koi-contacts.h"

#define OWN "alice@example.org"
#define BOB "bob@example.org"

/* The card as Koi would write it after @edit, as vCard text. */
static char *
edited (ApplyStore           *fixture,
        KoiContactEdit       *edit,
        KoiContactCard      **out_card)
{
  g_autoptr (GError) error = NULL;
  KoiContactCard *card = koi_contacts_edited_card (fixture->store, fixture->account_id, OWN, BOB, edit,
                                                   &error);

  g_assert_no_error (error);
  g_assert_nonnull (card);
  *out_card = card;
  return koi_contact_card_to_vcard (card);
}

static guint
count_lines (const char *vcard,
             const char *prefix)
{
  g_auto (GStrv) lines = g_strsplit (vcard, "\r\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    n += g_str_has_prefix (lines[i], prefix);
  return n;
}

static void
test_phone_note_addresses (void)
{
  ApplyStore fixture = { 0, };
  g_autoptr (KoiContactEdit) edit = koi_contact_edit_new ();
  g_autoptr (KoiContactCard) card = NULL;
  g_autoptr (KoiContactCard) again = NULL;
  g_autofree char *vcard = NULL;
  g_autofree char *vcard2 = NULL;
  g_auto (GStrv) emails = NULL;
  const char *others[] = { "Bob@Work.example", " bob@example.org ", " bob@work.example ", "", NULL };

  apply_store_open (&fixture, OWN);

  edit->name = g_strdup ("Bob; the Builder");
  edit->phone = g_strdup ("+49 30 1234");
  edit->note = g_strdup ("Met at FOSDEM, likes tea,\nnot coffee");
  edit->emails = g_strdupv ((char **) others);
  vcard = edited (&fixture, edit, &card);

  {
    g_autofree char *name = koi_contact_card_get_name (card);

    g_assert_cmpstr (name, ==, "Bob; the Builder");
  }
  g_assert_nonnull (strstr (vcard, "\r\nTEL:+49 30 1234\r\n"));
  /* Escaped as RFC 6350 says, and read back as typed. */
  g_assert_nonnull (strstr (vcard, "\r\nNOTE:Met at FOSDEM\\, likes tea\\,\\nnot coffee\r\n"));
  {
    g_autofree char *note = koi_vcard_get_text (koi_contact_card_edit_vcard (card), "NOTE");

    g_assert_cmpstr (note, ==, "Met at FOSDEM, likes tea,\nnot coffee");
  }
  /* Its own address first, the other one once, lower-cased. */
  emails = koi_contact_card_get_emails (card);
  g_assert_cmpuint (g_strv_length (emails), ==, 2);
  g_assert_cmpstr (emails[0], ==, BOB);
  g_assert_cmpstr (emails[1], ==, "bob@work.example");

  /* An empty list of further addresses leaves only the card's own; an
   * empty phone removes it. */
  {
    g_autoptr (KoiContactEdit) no_others = koi_contact_edit_new ();
    const char *none[] = { NULL };

    no_others->emails = g_strdupv ((char **) none);
    no_others->phone = g_strdup ("");
    vcard2 = edited (&fixture, no_others, &again);
    g_assert_cmpuint (count_lines (vcard2, "EMAIL"), ==, 1);
    g_assert_nonnull (strstr (vcard2, "EMAIL:" BOB "\r\n"));
    g_assert_cmpuint (count_lines (vcard2, "TEL"), ==, 0);
  }

  apply_store_close (&fixture);
}

/* The dates, language and groups the window writes land on the card
 * (clearing with "" is checked in tests/coi: koi_contact_card_set_*). */
static void
test_dates_language_groups (void)
{
  ApplyStore fixture = { 0, };
  g_autoptr (KoiContactEdit) edit = koi_contact_edit_new ();
  g_autoptr (KoiContactCard) card = NULL;
  g_autofree char *vcard = NULL;
  g_auto (GStrv) groups = NULL;
  const char *typed_groups[] = { "Family", "Climbing", NULL };

  apply_store_open (&fixture, OWN);

  edit->birthday = g_strdup ("--0412");
  edit->anniversary = g_strdup ("20100612");
  edit->language = g_strdup ("pt-BR");
  edit->groups = g_strdupv ((char **) typed_groups);
  vcard = edited (&fixture, edit, &card);
  g_assert_nonnull (strstr (vcard, "\r\nBDAY:--0412\r\n"));
  g_assert_nonnull (strstr (vcard, "\r\nANNIVERSARY:20100612\r\n"));
  g_assert_nonnull (strstr (vcard, "\r\nLANG:pt-BR\r\n"));
  groups = koi_contact_card_get_groups (card);
  g_assert_cmpstrv (groups, typed_groups);

  apply_store_close (&fixture);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/contacts-edit/phone-note-addresses", test_phone_note_addresses);
  g_test_add_func ("/engine/contacts-edit/dates-language-groups", test_dates_language_groups);

  return g_test_run ();
}
