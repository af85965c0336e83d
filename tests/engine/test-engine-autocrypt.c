/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Autocrypt through a real Dovecot + Postfix and real koi-cli profiles:
 * Bob's Koi sends Alice's Koi a message and Alice's Koi learns Bob's key
 * from its Autocrypt header; a later-delivered mail with an older Date
 * and another key does not replace it; a newer one does, and Alice's chat
 * with Bob says so in an info line.
 */
#include "config.h"

#include <string.h>

#include "koi-coi.h"
#include "koi-coi-gmime.h"
#include "koi-contact-card.h"
#include "koi-pgp-key.h"
#include "koi-rnp-context.h"
#include "koi-test-cli.h"
#include "koi-test-own-key.h"
#include "koi-test-keys.h"

#define DAY_MS (24 * 3600 * G_GINT64_CONSTANT (1000))

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

/* Alice's `keys` line for Bob, or NULL. */
static JsonObject *
bob_key_line (GPtrArray *keys)
{
  for (guint i = 0; i < keys->len; i++)
    if (g_strcmp0 (member (g_ptr_array_index (keys, i), "address"), "bob@example.org") == 0)
      return g_ptr_array_index (keys, i);
  return NULL;
}

static GPtrArray *
alice_keys (KoiTestCli *cli)
{
  g_autofree char *out = run_ok (cli, "alice", "keys", NULL, NULL, NULL);

  return koi_test_cli_parse_lines (out);
}

/* A mail from Bob written by Koi's own builder with @key in its Autocrypt
 * header, put into Alice's INBOX as if delivered late. */
static void
inject_from_bob (KoiTestCli *cli,
                 GBytes     *key,
                 gint64      date_ms,
                 const char *text)
{
  const char *to[] = { "alice@example.org", NULL };
  KoiCoiOutgoing out = {
    .from_address = "bob@example.org",
    .from_name = "Bob",
    .to = to,
    .text = text,
    .date_ms = date_ms,
    .autocrypt_keydata = key,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GMimeMessage) message = koi_coi_build_chat_message (&out, &error);
  g_autoptr (GBytes) raw = NULL;

  g_assert_no_error (error);
  raw = koi_coi_message_to_bytes (message);
  g_assert_true (koi_test_mailserver_inject (cli->server, "alice@example.org", "INBOX", raw, &error));
  g_assert_no_error (error);
}

/* The "key-changed" info lines of Alice's chat with Bob. */
static guint
key_changed_lines (KoiTestCli *cli)
{
  g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, "alice", "bob@example.org");
  guint n = 0;

  for (guint i = 0; i < messages->len; i++)
    {
      JsonObject *object = g_ptr_array_index (messages, i);

      if (g_strcmp0 (member (object, "info"), "key-changed") == 0)
        {
          g_assert_cmpstr (member (object, "info_arg"), ==, "bob@example.org");
          /* It stands before the mail that brought the new key. */
          g_assert_cmpuint (i + 1, <, messages->len);
          n++;
        }
    }
  return n;
}

static void
test_key_from_header_newest_wins (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autofree char *bob_fp = NULL;
  g_autofree char *bob_display = NULL;
  g_autofree char *other_fp = NULL;
  g_autofree char *other_display = NULL;
  g_autofree char *newer_fp = NULL;
  g_autofree char *newer_display = NULL;
  g_autoptr (GBytes) other_key = koi_test_make_key ("bob@example.org", TRUE, &other_fp);
  g_autoptr (GBytes) newer_key = koi_test_make_key ("bob@example.org", TRUE, &newer_fp);
  g_autofree char *sent = NULL;
  JsonObject *line;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  g_free (run_ok (cli, "alice", "sync", NULL, NULL, NULL));
  g_free (run_ok (cli, "bob", "sync", NULL, NULL, NULL));
  bob_fp = koi_test_own_key_fingerprint (cli, "bob");
  bob_display = koi_pgp_fingerprint_display (bob_fp);
  other_display = koi_pgp_fingerprint_display (other_fp);
  newer_display = koi_pgp_fingerprint_display (newer_fp);

  /* Alice knows no key yet. */
  {
    g_autoptr (GPtrArray) keys = alice_keys (cli);

    g_assert_cmpuint (keys->len, ==, 0);
  }

  /* Bob's Koi writes to Alice: its key comes along. */
  sent = koi_test_cli_send (cli, "bob", "alice@example.org", "Hello Alice, here is my key");
  koi_test_mailserver_wait_for_empty_queue (cli->server);
  g_free (run_ok (cli, "alice", "sync", NULL, NULL, NULL));
  {
    g_autoptr (GPtrArray) keys = alice_keys (cli);
    g_autofree char *shown = run_ok (cli, "alice", "contact", "show", "bob@example.org", NULL);
    g_autoptr (GPtrArray) contact = koi_test_cli_parse_lines (shown);

    line = bob_key_line (keys);
    g_assert_nonnull (line);
    g_assert_cmpstr (member (line, "fingerprint"), ==, bob_display);
    g_assert_cmpstr (member (line, "source"), ==, "autocrypt");
    g_assert_true (json_object_get_boolean_member (line, "prefer_encrypt"));
    /* The contact card shows the same, grouped in fours. */
    g_assert_cmpuint (contact->len, ==, 1);
    g_assert_cmpstr (member (g_ptr_array_index (contact, 0), "fingerprint"), ==, bob_display);
    g_assert_cmpuint (strlen (bob_display), ==, 49);
  }

  /* A mail dated a day back, with another key, arrives late: Bob's newer
   * key stays, and nothing is said. */
  inject_from_bob (cli, other_key, g_get_real_time () / 1000 - DAY_MS, "An old mail, a stale key");
  g_free (run_ok (cli, "alice", "sync", NULL, NULL, NULL));
  {
    g_autoptr (GPtrArray) keys = alice_keys (cli);

    line = bob_key_line (keys);
    g_assert_cmpstr (member (line, "fingerprint"), ==, bob_display);
    g_assert_cmpstr (member (line, "fingerprint"), !=, other_display);
  }
  g_assert_cmpuint (key_changed_lines (cli), ==, 0);

  /* A newer mail with a new key (Bob set up a new device): it wins, and
   * the chat tells Alice. */
  inject_from_bob (cli, newer_key, g_get_real_time () / 1000, "My new phone has a new key");
  g_free (run_ok (cli, "alice", "sync", NULL, NULL, NULL));
  {
    g_autoptr (GPtrArray) keys = alice_keys (cli);

    line = bob_key_line (keys);
    g_assert_cmpstr (member (line, "fingerprint"), ==, newer_display);
  }
  g_assert_cmpuint (key_changed_lines (cli), ==, 1);

  /* Syncing again changes nothing: one change, one line. */
  g_free (run_ok (cli, "alice", "sync", NULL, NULL, NULL));
  g_assert_cmpuint (key_changed_lines (cli), ==, 1);
}

/* Keys by vCard: Bob's Koi exports its own card with its key; Alice's
 * Koi imports it and knows the key before any mail; Bob's first mail
 * then confirms the same key (no "changed" line). */
static void
test_key_by_vcard (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *bob_fp = NULL;
  g_autofree char *bob_display = NULL;
  g_autofree char *exported = NULL;
  g_autofree char *path = NULL;
  g_autofree char *import_out = NULL;
  g_autofree char *sent = NULL;
  g_autoptr (KoiContactCard) card = NULL;
  g_autoptr (GBytes) key = NULL;
  g_autofree char *key_fp = NULL;
  JsonObject *line;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");
  g_free (run_ok (cli, "alice", "sync", NULL, NULL, NULL));
  g_free (run_ok (cli, "bob", "sync", NULL, NULL, NULL));
  bob_fp = koi_test_own_key_fingerprint (cli, "bob");
  bob_display = koi_pgp_fingerprint_display (bob_fp);

  /* Bob's own card carries his key, in the form Delta Chat imports. */
  g_free (run_ok (cli, "bob", "profile", "set", "--name", "Bob Builder"));
  exported = run_ok (cli, "bob", "contact", "export", "bob@example.org", NULL);
  g_assert_nonnull (strstr (exported, "KEY:data:application/pgp-keys;base64,"));
  card = koi_contact_card_parse (NULL, exported, NULL, NULL, NULL);
  g_assert_nonnull (card);
  key = koi_contact_card_get_key (card);
  g_assert_nonnull (key);
  key_fp = koi_pgp_key_fingerprint (key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key_fp, ==, bob_fp);

  /* Alice imports it: she knows Bob's key before any mail from him. */
  path = g_build_filename (cli->tmp, "bob.vcf", NULL);
  g_assert_true (g_file_set_contents (path, exported, -1, &error));
  import_out = run_ok (cli, "alice", "contact", "import", path, NULL);
  {
    g_autoptr (GPtrArray) keys = alice_keys (cli);

    line = bob_key_line (keys);
    g_assert_nonnull (line);
    g_assert_cmpstr (member (line, "fingerprint"), ==, bob_display);
    g_assert_cmpstr (member (line, "source"), ==, "vcard");
  }

  /* Bob's mail confirms the same key: now his own word, nothing changed. */
  sent = koi_test_cli_send (cli, "bob", "alice@example.org", "Did my card arrive?");
  koi_test_mailserver_wait_for_empty_queue (cli->server);
  g_free (run_ok (cli, "alice", "sync", NULL, NULL, NULL));
  {
    g_autoptr (GPtrArray) keys = alice_keys (cli);

    line = bob_key_line (keys);
    g_assert_cmpstr (member (line, "fingerprint"), ==, bob_display);
    g_assert_cmpstr (member (line, "source"), ==, "autocrypt");
  }
  g_assert_cmpuint (key_changed_lines (cli), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/engine-autocrypt/key-from-header-newest-wins", test_key_from_header_newest_wins);
  g_test_add_func ("/engine-autocrypt/key-by-vcard", test_key_by_vcard);

  return g_test_run ();
}
