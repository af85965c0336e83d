/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-bench-catchup-pgp"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "bench-mail.h"
#include "koi-coi.h"
#include "koi-coi-autocrypt.h"
#include "koi-coi-gmime.h"
#include "koi-imap-client.h"
#include "koi-pgp-mime.h"
#include "koi-test-cli.h"

/*
 * Catch-up of encrypted chat messages beside the same catch-up in plain
 * (meson benchmark, not a test; docs/PERFORMANCE.md).
 *
 * Two readers on the project's private Dovecot + Postfix: bob reads plain
 * mail, carol encrypted. Alice writes to both; she is not a Koi profile
 * but an OpenPGP identity made here with Koi's crypto layer, as another
 * client (Delta Chat) would be: she learns carol's key from the Autocrypt
 * header of a real mail carol's koi-cli sent her, and carol learns hers
 * from a first plain mail. Then the same 10,000 texts are built with Koi's
 * COI builder, once plain for bob and once signed and encrypted to carol
 * (PGP/MIME, protected headers, Autocrypt on every mail, as Koi sends
 * them), and delivered in one batch each. `koi-cli sync` of each reader is
 * timed as a child process: wall time, CPU time and peak RSS.
 *
 * KOI_BENCH_MESSAGES=N overrides the number of messages (a quick try).
 * KOI_BENCH_WRAP="perf record -g -o FILE" runs the encrypted catch-up
 * under that tool (the figures are then the tool's, not Koi's).
 */

#define DEFAULT_MESSAGES 10000
#define TARGET_RATIO     3.0

#define ALICE "alice@example.org"
#define BOB   "bob@example.org"
#define CAROL "carol@example.org"

/* Koi's outgoing crypto (koi-syncer-encrypt.c) on a built mail: every
 * header but the content ones copied onto the part that gets encrypted,
 * Chat-* but Chat-Version taken off the outside, Subject "[...]". */
static void
seal (KoiRnpContext *alice,
      GMimeMessage  *message,
      const char    *fingerprint)
{
  GMimeHeaderList *outer = g_mime_object_get_header_list (GMIME_OBJECT (message));
  g_autoptr (GMimeObject) inner = g_object_ref (g_mime_message_get_mime_part (message));
  g_autoptr (GPtrArray) hidden = g_ptr_array_new_with_free_func (g_free);
  const char *to[] = { fingerprint, NULL };
  g_autoptr (GError) error = NULL;
  GMimeMultipartEncrypted *sealed;

  for (int i = 0; i < g_mime_header_list_get_count (outer); i++)
    {
      GMimeHeader *header = g_mime_header_list_get_header_at (outer, i);
      const char *name = g_mime_header_get_name (header);

      if (g_ascii_strncasecmp (name, "Content-", 8) == 0 || g_ascii_strcasecmp (name, "MIME-Version") == 0
          || g_ascii_strcasecmp (name, "Autocrypt") == 0)
        continue;
      g_mime_object_append_header (inner, name, g_mime_header_get_value (header), NULL);
      if (g_ascii_strncasecmp (name, "Chat-", 5) == 0 && g_ascii_strcasecmp (name, "Chat-Version") != 0)
        g_ptr_array_add (hidden, g_strdup (name));
    }
  for (guint i = 0; i < hidden->len; i++)
    while (g_mime_header_list_remove (outer, g_ptr_array_index (hidden, i)))
      ;
  g_mime_content_type_set_parameter (g_mime_object_get_content_type (inner), "protected-headers", "v1");
  g_mime_message_set_subject (message, "[...]", NULL);

  sealed = koi_pgp_mime_encrypt (alice, inner, to, &error);
  if (sealed == NULL)
    g_error ("Could not encrypt: %s", error->message);
  g_mime_message_set_mime_part (message, GMIME_OBJECT (sealed));
  g_object_unref (sealed);
}

/* @n_messages chat messages from alice: plain to bob into @plain_dir, the
 * same texts signed and encrypted to carol into @sealed_dir. */
static void
generate_mail (KoiRnpContext   *alice,
               KoiCoiAutocrypt *alice_header,
               const char      *carol_fingerprint,
               const char      *plain_dir,
               const char      *sealed_dir,
               guint            n_messages)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  gint64 now_ms = g_get_real_time () / 1000;
  gint64 start = g_get_monotonic_time ();
  gint64 sealing_us = 0;
  gsize plain_bytes = 0, sealed_bytes = 0;

  for (guint n = 0; n < n_messages; n++)
    {
      g_autofree char *text = koi_bench_mail_text (rand, n);

      for (guint sealed = 0; sealed < 2; sealed++)
        {
          const char *to[] = { sealed ? CAROL : BOB, NULL };
          KoiCoiOutgoing outgoing = {
            .from_address = ALICE, .from_name = "Alice", .to = to, .text = text,
            .date_ms = now_ms - (gint64) (n_messages - n) * 30 * 1000,
          };
          g_autoptr (GMimeMessage) message = koi_bench_mail_build (&outgoing, n);
          g_autoptr (GBytes) raw = NULL;

          koi_coi_autocrypt_write_sender (message, alice_header);
          if (sealed)
            {
              gint64 before = g_get_monotonic_time ();

              seal (alice, message, carol_fingerprint);
              sealing_us += g_get_monotonic_time () - before;
            }
          raw = koi_coi_message_to_bytes (message);
          if (sealed)
            sealed_bytes += g_bytes_get_size (raw);
          else
            plain_bytes += g_bytes_get_size (raw);
          koi_bench_mail_write (sealed ? sealed_dir : plain_dir, n, raw);
        }
    }

  g_print ("generated %u chat messages twice in %.1f s (signing and encrypting %.1f s):"
           " plain %.0f bytes, encrypted %.0f bytes each on average\n",
           n_messages, (g_get_monotonic_time () - start) / 1e6, sealing_us / 1e6,
           (double) plain_bytes / n_messages, (double) sealed_bytes / n_messages);
}

typedef struct {
  const char *from;
  GBytes     *keydata;
} FindKey;

static gboolean
find_key_cb (const KoiImapFetchItem  *item,
             gpointer                 user_data,
             GError                 **error)
{
  FindKey *find = user_data;
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (KoiCoiAutocrypt) header = NULL;
  gsize size;
  const char *data;

  if (item->body == NULL || find->keydata != NULL)
    return TRUE;
  data = g_bytes_get_data (item->body, &size);
  stream = g_mime_stream_mem_new_with_buffer (data, size);
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  if (message != NULL && (header = koi_coi_autocrypt_read_sender (message, find->from)) != NULL)
    find->keydata = g_bytes_ref (header->keydata);
  return TRUE;
}

/* The key in the Autocrypt header of @from's mail in alice's INBOX: what
 * any client of alice's reads it from. Waits for the delivery. */
static GBytes *
fetch_key (KoiTestCli *cli,
           const char *from)
{
  g_autoptr (KoiServerConfig) config = NULL;
  g_autoptr (KoiImapClient) imap = NULL;
  g_autoptr (GError) error = NULL;
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  FindKey find = { from, NULL };

  config = koi_server_config_new (cli->server->host, cli->server->imaps_port, KOI_SECURITY_TLS,
                                  ALICE, "alice-secret", cli->server->ca_file);
  imap = koi_imap_client_new (config);
  if (!koi_imap_client_connect (imap, NULL, &error))
    g_error ("alice's IMAP: %s", error->message);
  while (find.keydata == NULL && g_get_monotonic_time () < end)
    {
      if (!koi_imap_client_select (imap, "INBOX", FALSE, NULL, NULL, &error))
        g_error ("alice's SELECT: %s", error->message);
      if (!koi_imap_client_uid_fetch (imap, "1:*", "(UID BODY.PEEK[])", find_key_cb, &find, NULL,
                                      &error))
        g_clear_error (&error);   /* an empty mailbox has no "1:*" yet */
      if (find.keydata == NULL)
        g_usleep (200 * 1000);
    }
  koi_imap_client_logout (imap, NULL);
  if (find.keydata == NULL)
    g_error ("No mail with an Autocrypt header from %s reached alice", from);
  return find.keydata;
}

/* One plain chat mail from alice with her Autocrypt header, delivered to
 * @user and synced: how carol learns alice's key (Autocrypt's first mail). */
static void
introduce_alice (KoiTestCli      *cli,
                 KoiCoiAutocrypt *alice_header,
                 const char      *user)
{
  g_autofree char *dir = g_build_filename (cli->tmp, "intro", NULL);
  const char *to[] = { user, NULL };
  KoiCoiOutgoing outgoing = {
    .from_address = ALICE, .from_name = "Alice", .to = to, .text = "Hello, here is my key.",
    .date_ms = g_get_real_time () / 1000 - 7 * 24 * 3600 * 1000LL,
  };
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GError) error = NULL;

  g_mkdir (dir, 0700);
  message = koi_coi_build_chat_message (&outgoing, &error);
  g_assert_no_error (error);
  koi_coi_autocrypt_write_sender (message, alice_header);
  raw = koi_coi_message_to_bytes (message);
  koi_bench_mail_write (dir, 0, raw);
  koi_bench_mail_inject (cli, user, dir);
  g_free (koi_bench_run_cli (cli, "carol", "sync", NULL).output);
}

/* How many of the reader's messages from alice came encrypted and validly
 * signed: the figures only count when every one did. */
static guint
count_sealed (KoiTestCli *cli,
              const char *profile,
              guint      *out_total)
{
  g_autoptr (GPtrArray) history = koi_test_cli_messages (cli, profile, ALICE);
  guint sealed = 0;

  *out_total = 0;
  for (guint i = 0; i < history->len; i++)
    {
      JsonObject *message = g_ptr_array_index (history, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (message, "direction", ""), "incoming") != 0)
        continue;
      (*out_total)++;
      if (json_object_get_boolean_member_with_default (message, "encrypted", FALSE) &&
          g_strcmp0 (json_object_get_string_member_with_default (message, "signature", ""), "valid") == 0)
        sealed++;
    }
  return sealed;
}

static void
report (const char          *what,
        guint                n,
        const KoiBenchChild *run)
{
  g_print ("catch-up %s: %u messages in %.2f s wall (%.2f s user, %.2f s sys): %.0f messages/s,"
           " peak RSS %.1f MB\n",
           what, n, run->wall_s, run->user_s, run->sys_s, n / run->wall_s, run->max_rss_mb);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (KoiTestCli) cli = NULL;
  g_autoptr (KoiRnpContext) alice = NULL;
  g_autoptr (KoiCoiAutocrypt) alice_header = NULL;
  g_autoptr (GBytes) alice_key = NULL;
  g_autoptr (GBytes) carol_key = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *carol_fingerprint = NULL;
  g_autofree char *plain_dir = NULL;
  g_autofree char *sealed_dir = NULL;
  guint n_messages = koi_bench_mail_start (DEFAULT_MESSAGES, 1);
  KoiBenchChild plain, sealed;
  guint bob_total, carol_total, carol_sealed;
  double ratio;

  {
    static const char * const users[] = {
      ALICE ":alice-secret", BOB ":bob-secret", CAROL ":carol-secret", NULL
    };

    cli = koi_test_cli_new_with_users (users);
  }
  koi_test_cli_add_account (cli, "bob", BOB, "bob-secret");
  koi_test_cli_add_account (cli, "carol", CAROL, "carol-secret");
  koi_test_cli_add_account (cli, "alice", ALICE, "alice-secret");
  /* Returning users with INBOX kept for email, as in bench-catchup (the
   * first, empty sync makes carol's key too). */
  koi_bench_mail_returning_user (cli, "bob");
  koi_bench_mail_returning_user (cli, "carol");

  /* Keys both ways, through real mail. */
  alice = koi_rnp_context_new ();
  if (!koi_rnp_context_generate_own_key (alice, ALICE, &error))
    g_error ("alice's key: %s", error->message);
  alice_key = koi_rnp_context_export_autocrypt (alice, &error);
  g_assert_no_error (error);
  alice_header = koi_coi_autocrypt_new (ALICE, alice_key, TRUE);
  g_free (koi_test_cli_send (cli, "carol", ALICE, "Hi Alice, this is Carol."));
  carol_key = fetch_key (cli, CAROL);
  carol_fingerprint = koi_rnp_context_add_public_key (alice, carol_key, &error);
  if (carol_fingerprint == NULL)
    g_error ("carol's key: %s", error->message);
  introduce_alice (cli, alice_header, CAROL);

  plain_dir = koi_bench_mail_batch_dir (cli, "plain");
  sealed_dir = koi_bench_mail_batch_dir (cli, "sealed");
  generate_mail (alice, alice_header, carol_fingerprint, plain_dir, sealed_dir, n_messages);
  koi_bench_mail_inject (cli, BOB, plain_dir);
  koi_bench_mail_inject (cli, CAROL, sealed_dir);

  plain = koi_bench_run_cli (cli, "bob", "sync", NULL);
  sealed = koi_bench_run_cli (cli, "carol", "sync", g_getenv ("KOI_BENCH_WRAP"));
  report ("plain", n_messages, &plain);
  report ("encrypted (decrypt + verify)", n_messages, &sealed);
  ratio = sealed.wall_s / plain.wall_s;
  g_print ("encrypted / plain: %.2fx wall, %.2fx CPU (user + sys)  [target <= %.0fx: %s]\n",
           ratio, (sealed.user_s + sealed.sys_s) / (plain.user_s + plain.sys_s), TARGET_RATIO,
           ratio <= TARGET_RATIO ? "met" : "MISSED");

  /* Sanity check, not a test: every message arrived, each encrypted one
   * decrypted with a valid signature. */
  count_sealed (cli, "bob", &bob_total);
  carol_sealed = count_sealed (cli, "carol", &carol_total);
  g_print ("bob holds %u messages from alice; carol %u, of them %u encrypted and validly signed\n",
           bob_total, carol_total, carol_sealed);
  /* Carol has alice's first, plain mail besides the batch. */
  if (bob_total != n_messages || carol_total != n_messages + 1 || carol_sealed != n_messages)
    {
      g_printerr ("SANITY CHECK FAILED: expected %u messages, all of carol's batch encrypted\n",
                  n_messages);
      return 1;
    }

  g_free (plain.output);
  g_free (sealed.output);
  return 0;
}
