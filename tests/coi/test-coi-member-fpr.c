/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-test"

#include "config.h"

#include <string.h>

#include "koi-coi-builder.h"
#include "koi-coi-group.h"
#include "koi-coi-gmime.h"
#include "koi-coi-member-fpr.h"
#include "koi-coi-parser.h"
#include "koi-test-log.h"

/* Delta Chat's Chat-Group-Member-Fpr as Koi writes and reads it: one
 * fingerprint per To address in To's order, all or nothing; read only
 * when it pairs every address; past members after them name nobody. */

#define FPR_ALICE "0123456789ABCDEF0123456789ABCDEF01234567"
#define FPR_BOB   "89ABCDEF0123456789ABCDEF0123456789ABCDEF"
#define FPR_CAROL "FEDCBA9876543210FEDCBA9876543210FEDCBA98"
#define FPR_PAST  "00112233445566778899AABBCCDDEEFF00112233"

/* Koi logs structured, which g_test_expect_message() does not see: the
 * reader's log lines are caught here and checked. */
static GPtrArray *logged;

/* A group mail from Bob to Alice, Bob and Carol (Delta Chat puts the
 * sender in To too) with @header as its Chat-Group-Member-Fpr, parsed. */
static KoiCoiParsed *
parse_with (const char *header)
{
  const char *to[] = { "alice@example.org", "Bob@Example.org", "carol@example.org", NULL };
  KoiCoiOutgoing out = {
    .from_address = "bob@example.org", .from_name = "Bob", .to = to,
    .text = "Lunch at noon?", .date_ms = 1700000000000,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GMimeMessage) message = koi_coi_build_chat_message (&out, &error);
  g_autoptr (GBytes) raw = NULL;
  KoiCoiParsed *parsed;

  g_assert_no_error (error);
  if (header != NULL)
    g_mime_object_set_header (GMIME_OBJECT (message), KOI_COI_MEMBER_FPR_HEADER, header, NULL);
  raw = koi_coi_message_to_bytes (message);
  parsed = koi_coi_parse (raw, &error);
  g_assert_no_error (error);
  return parsed;
}

static void
test_format (void)
{
  const char *all[] = { FPR_ALICE, "89abcdef0123456789abcdef0123456789abcdef", FPR_CAROL };
  const char *missing[] = { FPR_ALICE, NULL, FPR_CAROL };
  const char *bad[] = { FPR_ALICE, "not-a-fingerprint", FPR_CAROL };
  g_autofree char *value = koi_coi_member_fpr_format (all, G_N_ELEMENTS (all));

  /* Upper-case hex with single spaces, as Delta Chat writes it. */
  g_assert_cmpstr (value, ==, FPR_ALICE " " FPR_BOB " " FPR_CAROL);
  /* All or nothing. */
  g_assert_null (koi_coi_member_fpr_format (missing, G_N_ELEMENTS (missing)));
  g_assert_null (koi_coi_member_fpr_format (bad, G_N_ELEMENTS (bad)));
  g_assert_null (koi_coi_member_fpr_format (all, 0));
}

static void
test_read_pairs_with_to (void)
{
  g_autoptr (KoiCoiParsed) parsed = parse_with ("  " FPR_ALICE "  \t" FPR_BOB " "
                                                "fedcba9876543210fedcba9876543210fedcba98 " FPR_PAST);

  g_assert_nonnull (parsed->member_fingerprints);
  /* One per To address; the past member's is dropped. */
  g_assert_cmpuint (parsed->member_fingerprints->len, ==, 3);
  g_assert_cmpstr (koi_coi_member_fpr_lookup (parsed->member_fingerprints, parsed->to,
                                              "alice@example.org"), ==, FPR_ALICE);
  g_assert_cmpstr (koi_coi_member_fpr_lookup (parsed->member_fingerprints, parsed->to,
                                              "BOB@example.org"), ==, FPR_BOB);
  /* Upper-cased on reading. */
  g_assert_cmpstr (koi_coi_member_fpr_lookup (parsed->member_fingerprints, parsed->to,
                                              "carol@example.org"), ==, FPR_CAROL);
  /* Nobody else is named, however many fingerprints came. */
  g_assert_null (koi_coi_member_fpr_lookup (parsed->member_fingerprints, parsed->to,
                                            "dave@example.org"));
}

static void
test_unusable_headers_are_ignored (void)
{
  static const char *const unusable[] = {
    /* Fewer fingerprints than To addresses: no pairing is safe. */
    FPR_ALICE " " FPR_BOB,
    /* One token is no fingerprint. */
    FPR_ALICE " " FPR_BOB " XYZ" FPR_CAROL,
    FPR_ALICE " " FPR_BOB " 0123",
    "",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (unusable); i++)
    {
      g_autoptr (KoiCoiParsed) parsed = NULL;

      g_ptr_array_set_size (logged, 0);
      parsed = parse_with (unusable[i]);
      /* Said in the log, once; an empty header is just no header. */
      g_assert_cmpuint (logged->len, ==, unusable[i][0] != '\0' ? 1 : 0);
      if (logged->len > 0)
        g_assert_true (g_str_has_prefix (g_ptr_array_index (logged, 0), "Ignoring Chat-Group-Member-Fpr"));
      g_assert_null (parsed->member_fingerprints);
      g_assert_null (koi_coi_member_fpr_lookup (parsed->member_fingerprints, parsed->to,
                                                "alice@example.org"));
    }

  {
    g_autoptr (KoiCoiParsed) parsed = parse_with (NULL);

    g_assert_null (parsed->member_fingerprints);
  }
}

/* What Koi sends: the fingerprints in To's order, the own key's for the
 * own address; none when a member's key is missing or it is no group. */
static void
test_for_to (void)
{
  const char *to[] = { "alice@example.org", "Bob@Example.org", "carol@example.org", NULL };
  KoiCoiGroupOutgoing group = {
    .base = { .from_address = "bob@example.org", .from_name = "Bob", .to = to,
              .text = "Lunch at noon?", .date_ms = 1700000000000 },
    .group_id = "aBcDeFgHiJkL", .name = "Lunch",
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GMimeMessage) plain = NULL;
  g_autoptr (GHashTable) keys = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *value = NULL;
  g_autofree char *not_group = NULL;
  g_autofree char *missing = NULL;

  message = koi_coi_build_group_message (&group, &error);
  g_assert_no_error (error);
  plain = koi_coi_build_chat_message (&group.base, &error);
  g_assert_no_error (error);
  g_hash_table_insert (keys, (gpointer) "alice@example.org", (gpointer) FPR_ALICE);
  g_hash_table_insert (keys, (gpointer) "carol@example.org", (gpointer) FPR_CAROL);
  value = koi_coi_member_fpr_for_to (message, "bob@example.org", FPR_BOB, keys);
  g_assert_cmpstr (value, ==, FPR_ALICE " " FPR_BOB " " FPR_CAROL);

  /* A 1:1 chat message has no members to name. */
  not_group = koi_coi_member_fpr_for_to (plain, "bob@example.org", FPR_BOB, keys);
  g_assert_null (not_group);

  /* Carol's key unknown: no header at all (the mail would go plain anyway). */
  g_hash_table_remove (keys, "carol@example.org");
  missing = koi_coi_member_fpr_for_to (message, "bob@example.org", FPR_BOB, keys);
  g_assert_null (missing);
}

/* A header of 5,000 fingerprints (205 kB, under the guard's 256 KiB)
 * costs what the To field allows: reading stops after three. */
static void
test_long_header_is_cut_at_to (void)
{
  GString *value = g_string_new (NULL);
  g_autoptr (KoiCoiParsed) parsed = NULL;
  gint64 start;

  for (guint i = 0; i < 5000; i++)
    g_string_append (value, FPR_PAST " ");
  start = g_get_monotonic_time ();
  parsed = parse_with (value->str);
  g_test_message ("parsed with a %zu-byte header in %.1f ms", value->len,
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_nonnull (parsed->member_fingerprints);
  g_assert_cmpuint (parsed->member_fingerprints->len, ==, 3);
  g_string_free (value, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();
  logged = koi_test_log_collect ("koi-coi-member-fpr");

  g_test_add_func ("/coi/member-fpr/format", test_format);
  g_test_add_func ("/coi/member-fpr/for-to", test_for_to);
  g_test_add_func ("/coi/member-fpr/read-pairs-with-to", test_read_pairs_with_to);
  g_test_add_func ("/coi/member-fpr/unusable-ignored", test_unusable_headers_are_ignored);
  g_test_add_func ("/coi/member-fpr/long-header", test_long_header_is_cut_at_to);

  return g_test_run ();
}
