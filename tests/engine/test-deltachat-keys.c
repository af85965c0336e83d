/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Keys by vCard between Koi and the real Delta Chat core (issue 13): Koi
 * reads the key in Delta Chat's own vCard, and Delta Chat imports Koi's
 * profile vCard as a contact it can encrypt to, with the key Koi made.
 */
#include "config.h"

#include <string.h>

#include "koi-contact-card.h"
#include "koi-pgp-key.h"
#include "koi-rnp-context.h"
#include "koi-test-cli.h"
#include "koi-test-own-key.h"
#include "koi-test-deltachat.h"

static const char *
member (JsonObject *object,
        const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

static char *
run_ok (KoiTestCli *cli,
        const char *profile,
        const char *arg1,
        const char *arg2,
        const char *arg3,
        const char *arg4)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autofree char *err = NULL;
  char *out = NULL;
  int status;

  status = koi_test_cli_run (cli, NULL, &out, &err, "--profile", dir, arg1, arg2, arg3, arg4, NULL);
  if (status != 0)
    g_error ("koi-cli %s %s failed (%d): %s", profile, arg1, status, err);
  return out;
}

/* @text without white space, upper-cased: Delta Chat prints fingerprints
 * in groups over several lines. */
static char *
squeeze (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      g_string_append_c (out, g_ascii_toupper (*p));
  return g_string_free (out, FALSE);
}

static void
test_vcards_both_ways (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestDeltachat) dc = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) dc_card_node = NULL;
  g_autoptr (JsonNode) ids = NULL;
  g_autoptr (JsonNode) contact = NULL;
  g_autoptr (JsonNode) info = NULL;
  g_autoptr (KoiContactCard) dc_card = NULL;
  g_autoptr (GBytes) dc_key = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autofree char *dc_fp = NULL;
  g_autofree char *dc_display = NULL;
  g_autofree char *koi_fp = NULL;
  g_autofree char *koi_card = NULL;
  g_autofree char *path = NULL;
  g_autofree char *keys_out = NULL;
  g_autofree char *params = NULL;
  g_autofree char *info_text = NULL;
  const char *dc_vcard;
  JsonObject *line = NULL;
  gint64 contact_id;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  g_free (run_ok (cli, "alice", "sync", NULL, NULL, NULL));
  koi_fp = koi_test_own_key_fingerprint (cli, "alice");

  dc = koi_test_deltachat_start (&error);
  g_assert_no_error (error);
  koi_test_deltachat_configure (dc, cli->server, "bob@example.org", "bob-secret", &error, NULL);
  g_assert_no_error (error);

  /* Delta Chat's own card (contact 1 is "self") carries its key... */
  params = g_strdup_printf ("[%u, [1]]", koi_test_deltachat_account_id (dc));
  dc_card_node = koi_test_deltachat_call (dc, "make_vcard", params, &error);
  g_assert_no_error (error);
  dc_vcard = json_node_get_string (dc_card_node);
  g_test_message ("Delta Chat card: %s", dc_vcard);
  g_assert_nonnull (strstr (dc_vcard, "KEY:data:application/pgp-keys;base64"));
  dc_card = koi_contact_card_parse (NULL, dc_vcard, NULL, NULL, NULL);
  g_assert_nonnull (dc_card);
  dc_key = koi_contact_card_get_key (dc_card);
  g_assert_nonnull (dc_key);
  dc_fp = koi_pgp_key_fingerprint (dc_key, &error);
  g_assert_no_error (error);
  dc_display = koi_pgp_fingerprint_display (dc_fp);

  /* ...which Koi takes on import. */
  path = g_build_filename (cli->tmp, "deltachat.vcf", NULL);
  g_assert_true (g_file_set_contents (path, dc_vcard, -1, &error));
  g_free (run_ok (cli, "alice", "contact", "import", path, NULL));
  keys_out = run_ok (cli, "alice", "keys", NULL, NULL, NULL);
  keys = koi_test_cli_parse_lines (keys_out);
  for (guint i = 0; i < keys->len; i++)
    if (g_strcmp0 (member (g_ptr_array_index (keys, i), "address"), "bob@example.org") == 0)
      line = g_ptr_array_index (keys, i);
  g_assert_nonnull (line);
  g_assert_cmpstr (member (line, "fingerprint"), ==, dc_display);
  g_assert_cmpstr (member (line, "source"), ==, "vcard");

  /* Koi's own card, exported, becomes a Delta Chat contact it can encrypt
   * to, with the key Koi made. */
  g_free (run_ok (cli, "alice", "profile", "set", "--name", "Alice"));
  koi_card = run_ok (cli, "alice", "contact", "export", "alice@example.org", NULL);
  {
    g_autoptr (JsonBuilder) builder = json_builder_new ();
    g_autoptr (JsonGenerator) generator = json_generator_new ();
    g_autoptr (JsonNode) root = NULL;

    json_builder_begin_array (builder);
    json_builder_add_int_value (builder, koi_test_deltachat_account_id (dc));
    json_builder_add_string_value (builder, koi_card);
    json_builder_end_array (builder);
    root = json_builder_get_root (builder);
    json_generator_set_root (generator, root);
    g_free (params);
    params = json_generator_to_data (generator, NULL);
  }
  ids = koi_test_deltachat_call (dc, "import_vcard_contents", params, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (ids)), ==, 1);
  contact_id = json_array_get_int_element (json_node_get_array (ids), 0);

  g_free (params);
  params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]", koi_test_deltachat_account_id (dc), contact_id);
  contact = koi_test_deltachat_call (dc, "get_contact", params, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (contact), "address"), ==,
                   "alice@example.org");
  g_assert_true (json_object_get_boolean_member (json_node_get_object (contact), "e2eeAvail"));

  info = koi_test_deltachat_call (dc, "get_contact_encryption_info", params, &error);
  g_assert_no_error (error);
  info_text = squeeze (json_node_get_string (info));
  g_test_message ("Delta Chat: %s", json_node_get_string (info));
  g_assert_nonnull (strstr (info_text, koi_fp));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/deltachat/keys/vcards-both-ways", test_vcards_both_ways);

  return g_test_run ();
}
