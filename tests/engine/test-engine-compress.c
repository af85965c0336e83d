/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-engine-compress"

/*
 * The whole app over IMAP COMPRESS=DEFLATE: koi-cli syncs through a real
 * Dovecot (which offers it) with compression on, then with
 * KOI_IMAP_NO_COMPRESS=1, and the chat arrives the same both times. The
 * "synced" line reports the IMAP bytes on the wire and plain: that is how
 * the test sees compression really used.
 */
#include "config.h"

#include <string.h>

#include "koi-test-cli.h"

typedef struct
{
  gboolean compressed;
  gint64   wire_in;
  gint64   plain_in;
  gint64   wire_out;
  gint64   plain_out;
} Seen;

/* `koi-cli sync` for bob; returns what its "synced" line says of IMAP. */
static Seen
sync_bob (KoiTestCli *cli,
          gboolean    compress)
{
  g_autofree char *dir = koi_test_cli_profile (cli, "bob");
  g_auto (GStrv) saved = g_strdupv (cli->env);
  g_autofree char *out = NULL;
  g_autoptr (GPtrArray) lines = NULL;
  JsonObject *synced;
  int status;
  Seen seen;

  if (!compress)
    cli->env = g_environ_setenv (cli->env, "KOI_IMAP_NO_COMPRESS", "1", TRUE);
  status = koi_test_cli_run (cli, NULL, &out, NULL, "--profile", dir, "sync", NULL);
  g_strfreev (cli->env);
  cli->env = g_steal_pointer (&saved);
  g_assert_cmpint (status, ==, 0);

  lines = koi_test_cli_parse_lines (out);
  g_assert_cmpuint (lines->len, >, 0);
  synced = g_ptr_array_index (lines, lines->len - 1);
  g_assert_cmpstr (json_object_get_string_member (synced, "event"), ==, "synced");
  seen.compressed = json_object_get_boolean_member (synced, "imap_compressed");
  seen.wire_in = json_object_get_int_member (synced, "imap_wire_in");
  seen.plain_in = json_object_get_int_member (synced, "imap_plain_in");
  seen.wire_out = json_object_get_int_member (synced, "imap_wire_out");
  seen.plain_out = json_object_get_int_member (synced, "imap_plain_out");
  return seen;
}

static guint
wait_for_messages (KoiTestCli *cli,
                   guint       count,
                   gboolean    compress,
                   Seen       *seen)
{
  guint have = 0;

  for (guint attempt = 0; attempt < 40 && have < count; attempt++)
    {
      g_autoptr (GPtrArray) messages = NULL;

      if (attempt > 0)
        g_usleep (250 * 1000);
      *seen = sync_bob (cli, compress);
      messages = koi_test_cli_messages (cli, "bob", "alice@example.org");
      have = messages->len;
    }
  return have;
}

static void
test_sync_with_and_without (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (GString) long_text = g_string_new (NULL);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  Seen seen;

  koi_test_cli_add_account (cli, "alice", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");

  /* A chat text long and repetitive enough that compression shows. */
  for (guint i = 0; long_text->len < 20000; i++)
    g_string_append_printf (long_text, "Paragraph %u: the harbor was calm this morning. ", i);
  g_string_append (long_text, "The end.");

  first = koi_test_cli_send (cli, "alice", "bob@example.org", long_text->str);
  g_assert_cmpuint (wait_for_messages (cli, 1, TRUE, &seen), ==, 1);
  g_test_message ("compressed: in %" G_GINT64_FORMAT " wire for %" G_GINT64_FORMAT
                  " plain, out %" G_GINT64_FORMAT " for %" G_GINT64_FORMAT,
                  seen.wire_in, seen.plain_in, seen.wire_out, seen.plain_out);
  /* The sync's connection was compressed, and it showed. */
  g_assert_true (seen.compressed);
  g_assert_cmpint (seen.plain_in, >, 20000);
  g_assert_cmpint (seen.wire_in * 2, <, seen.plain_in);
  g_assert_cmpint (seen.wire_out, <, seen.plain_out);

  /* The fallback: the same app without it gets the next message too. */
  second = koi_test_cli_send (cli, "alice", "bob@example.org", "and now without compression");
  g_assert_cmpuint (wait_for_messages (cli, 2, FALSE, &seen), ==, 2);
  g_assert_false (seen.compressed);
  g_assert_cmpint (seen.plain_in, >, 0);
  g_assert_cmpint (seen.wire_in, ==, seen.plain_in);
  g_assert_cmpint (seen.wire_out, ==, seen.plain_out);

  {
    g_autoptr (GPtrArray) messages = koi_test_cli_messages (cli, "bob", "alice@example.org");
    JsonObject *last = g_ptr_array_index (messages, messages->len - 1);
    JsonObject *before = g_ptr_array_index (messages, messages->len - 2);

    /* Not cmpstr: a failure would print 20 KB twice. */
    g_assert_true (g_str_equal (json_object_get_string_member (before, "text"), long_text->str));
    g_assert_cmpstr (json_object_get_string_member (last, "text"), ==,
                     "and now without compression");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/compress/sync-with-and-without", test_sync_with_and_without);

  return g_test_run ();
}
