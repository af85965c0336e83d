/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-net-deflate"

#include "config.h"

#include <string.h>
#include <sys/resource.h>
#include <zlib.h>

#include "koi-net-deflate.h"
#include "koi-net-error.h"

/* The IMAP COMPRESS=DEFLATE codec on its own: two KoiNetDeflate play the
 * two ends of one connection (what one compresses the other inflates). */

#define PULL_SIZE 4096

/* Pulls everything the codec can give without more input. */
static void
pull_all (KoiNetDeflate *codec,
          GString       *plain)
{
  char buffer[PULL_SIZE];

  while (koi_net_deflate_has_pending (codec))
    {
      g_autoptr(GError) error = NULL;
      gssize n = koi_net_deflate_pull (codec, buffer, sizeof buffer, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n, >=, 0);
      g_assert_cmpint (n, <=, sizeof buffer);
      if (n == 0)
        break;
      g_string_append_len (plain, buffer, n);
    }
}

static void
feed (KoiNetDeflate *codec,
      const guint8  *data,
      gsize          len,
      GString       *plain)
{
  koi_net_deflate_push (codec, data, len);
  pull_all (codec, plain);
  g_assert_false (koi_net_deflate_has_pending (codec));
}

/* What a server sends for a FETCH of a few chat messages. */
static const char *const server_writes[] = {
  "* CAPABILITY IMAP4rev1 IDLE COMPRESS=DEFLATE\r\nK3 OK Capability completed.\r\n",
  "* 1 FETCH (UID 17 FLAGS (\\Seen) BODY[HEADER.FIELDS (MESSAGE-ID CHAT-VERSION)] {62}\r\n"
  "Message-ID: <abc@example.org>\r\nChat-Version: 1.0\r\n\r\n\r\n)\r\n",
  "* 2 FETCH (UID 18 FLAGS () BODY[HEADER.FIELDS (MESSAGE-ID CHAT-VERSION)] {62}\r\n"
  "Message-ID: <abd@example.org>\r\nChat-Version: 1.0\r\n\r\n\r\n)\r\n",
  "K4 OK Fetch completed (0.001 + 0.000 secs).\r\n",
};

/* Each write arrives whole as soon as its compressed bytes do: the sync
 * flush is what lets the peer answer a command without waiting for more. */
static void
test_round_trip (void)
{
  g_autoptr(KoiNetDeflate) server = koi_net_deflate_new ();
  g_autoptr(KoiNetDeflate) client = koi_net_deflate_new ();
  g_autoptr(GString) all = g_string_new (NULL);
  gsize wire = 0, plain_len = 0;

  for (guint round = 0; round < 20; round++)
    for (guint i = 0; i < G_N_ELEMENTS (server_writes); i++)
      {
        g_autoptr(GByteArray) compressed = g_byte_array_new ();
        g_autoptr(GString) plain = g_string_new (NULL);
        g_autoptr(GError) error = NULL;

        g_assert_true (koi_net_deflate_compress (server, server_writes[i],
                                                 strlen (server_writes[i]), compressed, &error));
        g_assert_no_error (error);
        /* A sync flush ends with an empty stored block: 00 00 FF FF. */
        g_assert_cmpuint (compressed->len, >=, 4);
        g_assert_cmpmem (compressed->data + compressed->len - 4, 4, "\0\0\xff\xff", 4);

        feed (client, compressed->data, compressed->len, plain);
        g_assert_cmpstr (plain->str, ==, server_writes[i]);
        wire += compressed->len;
        plain_len += plain->len;
      }

  /* The same lines again and again compress well: the point of it all. */
  g_assert_cmpuint (wire * 3, <, plain_len);

  /* And the other way, a command with a literal in several writes. */
  {
    g_autoptr(GByteArray) compressed = g_byte_array_new ();
    g_autoptr(GString) plain = g_string_new (NULL);
    g_autoptr(GString) body = g_string_new (NULL);

    for (guint i = 0; i < 5000; i++)
      g_string_append_printf (body, "line %u of a long mail body\r\n", i);
    g_assert_true (koi_net_deflate_compress (client, "K9 APPEND INBOX {", 17, compressed, NULL));
    g_assert_true (koi_net_deflate_compress (client, body->str, body->len, compressed, NULL));
    g_assert_true (koi_net_deflate_compress (client, "}\r\n", 3, compressed, NULL));
    /* Several pushes: one push holds one read's worth, as on the wire. */
    for (gsize off = 0; off < compressed->len; off += 1000)
      feed (server, compressed->data + off, MIN (1000, compressed->len - off), plain);
    g_assert_cmpuint (plain->len, ==, 17 + body->len + 3);
    g_assert_true (memcmp (plain->str + 17, body->str, body->len) == 0);
  }

  /* An empty write costs only the flush marker and gives nothing. */
  {
    g_autoptr(GByteArray) compressed = g_byte_array_new ();
    g_autoptr(GString) plain = g_string_new (NULL);

    g_assert_true (koi_net_deflate_compress (server, "", 0, compressed, NULL));
    feed (client, compressed->data, compressed->len, plain);
    g_assert_cmpuint (plain->len, ==, 0);
  }
}

/* TCP may cut the compressed stream anywhere: every split point of a
 * whole conversation gives the same plain bytes. */
static void
test_split_everywhere (void)
{
  g_autoptr(KoiNetDeflate) server = koi_net_deflate_new ();
  g_autoptr(GByteArray) compressed = g_byte_array_new ();
  g_autoptr(GString) expected = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (server_writes); i++)
    {
      g_assert_true (koi_net_deflate_compress (server, server_writes[i], strlen (server_writes[i]),
                                               compressed, NULL));
      g_string_append (expected, server_writes[i]);
    }

  for (guint split = 0; split <= compressed->len; split++)
    {
      g_autoptr(KoiNetDeflate) client = koi_net_deflate_new ();
      g_autoptr(GString) plain = g_string_new (NULL);

      feed (client, compressed->data, split, plain);
      g_assert_cmpuint (plain->len, <=, expected->len);
      g_assert_true (memcmp (plain->str, expected->str, plain->len) == 0);
      feed (client, compressed->data + split, compressed->len - split, plain);
      g_assert_cmpstr (plain->str, ==, expected->str);
    }

  /* One byte at a time, too. */
  {
    g_autoptr(KoiNetDeflate) client = koi_net_deflate_new ();
    g_autoptr(GString) plain = g_string_new (NULL);

    for (guint i = 0; i < compressed->len; i++)
      feed (client, compressed->data + i, 1, plain);
    g_assert_cmpstr (plain->str, ==, expected->str);
  }
}

static void
assert_broken (KoiNetDeflate *client,
               const guint8  *data,
               gsize          len,
               const char    *words)
{
  char buffer[PULL_SIZE];
  g_autoptr(GError) error = NULL;
  gssize n = 0;

  koi_net_deflate_push (client, data, len);
  while (koi_net_deflate_has_pending (client) &&
         (n = koi_net_deflate_pull (client, buffer, sizeof buffer, &error)) > 0)
    ;
  g_assert_cmpint (n, ==, -1);
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, words));
  g_clear_error (&error);

  /* No resync: everything after a broken byte is lost, say so again. */
  g_assert_cmpint (koi_net_deflate_pull (client, buffer, sizeof buffer, &error), ==, -1);
  g_assert_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL);
}

static void
test_corrupt (void)
{
  /* A block of the reserved type 3 (BFINAL 1, BTYPE 11). */
  {
    static const guint8 reserved[] = { 0x07, 0x00, 0x00 };
    g_autoptr(KoiNetDeflate) client = koi_net_deflate_new ();

    assert_broken (client, reserved, sizeof reserved, "corrupt compressed data");
  }

  /* A good response, then garbage: the good part arrives, then the error. */
  {
    g_autoptr(KoiNetDeflate) server = koi_net_deflate_new ();
    g_autoptr(KoiNetDeflate) client = koi_net_deflate_new ();
    g_autoptr(GByteArray) compressed = g_byte_array_new ();
    g_autoptr(GString) plain = g_string_new (NULL);
    static const guint8 garbage[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

    g_assert_true (koi_net_deflate_compress (server, server_writes[0], strlen (server_writes[0]),
                                             compressed, NULL));
    feed (client, compressed->data, compressed->len, plain);
    g_assert_cmpstr (plain->str, ==, server_writes[0]);
    assert_broken (client, garbage, sizeof garbage, "corrupt compressed data");
  }

  /* A stored block whose length check (NLEN) is wrong. */
  {
    static const guint8 bad_stored[] = { 0x00, 0x05, 0x00, 0x00, 0x00, 'h', 'e', 'l', 'l', 'o' };
    g_autoptr(KoiNetDeflate) client = koi_net_deflate_new ();

    assert_broken (client, bad_stored, sizeof bad_stored, "corrupt compressed data");
  }

  /* A server that finishes its stream as it closes (Dovecot after LOGOUT):
   * what came before the end arrives; anything after the end is an error. */
  {
    g_autoptr(KoiNetDeflate) client = koi_net_deflate_new ();
    g_autoptr(GString) plain = g_string_new (NULL);
    guint8 finished[256];
    z_stream z = { 0 };
    static const guint8 more[] = { 0x02, 0x00 };

    g_assert_cmpint (deflateInit2 (&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), ==, Z_OK);
    z.next_in = (Bytef *) "* BYE Logging out\r\nK9 OK Logout completed.\r\n";
    z.avail_in = 44;
    z.next_out = finished;
    z.avail_out = sizeof finished;
    g_assert_cmpint (deflate (&z, Z_FINISH), ==, Z_STREAM_END);
    feed (client, finished, sizeof finished - z.avail_out, plain);
    g_assert_cmpstr (plain->str, ==, "* BYE Logging out\r\nK9 OK Logout completed.\r\n");
    assert_broken (client, more, sizeof more, "after the end of its compressed stream");
    deflateEnd (&z);
  }
}

static glong
max_rss_kb (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

/* A hostile server's "zip bomb": 1 MiB on the wire that inflates to
 * 1 GiB of zeros. Koi must take it a buffer at a time (the parser's
 * limits then refuse a line or literal that long) and never hold it. */
static void
test_bomb_bounded (void)
{
  g_autoptr(KoiNetDeflate) client = koi_net_deflate_new ();
  g_autoptr(GByteArray) chunk = g_byte_array_new ();
  const gsize chunk_plain = 1024 * 1024;
  const guint repeats = g_test_slow () ? 1024 : 256;
  g_autofree guint8 *zeros = g_malloc0 (chunk_plain);
  char buffer[64 * 1024];
  guint64 total = 0;
  glong rss_before;
  guint pulls = 0;

  /* From a fresh stream, deflate writes one literal zero and then matches
   * at distance 1: the same compressed chunk is valid again and again. */
  {
    g_autoptr(KoiNetDeflate) bomber = koi_net_deflate_new ();

    g_assert_true (koi_net_deflate_compress (bomber, zeros, chunk_plain, chunk, NULL));
  }
  g_assert_cmpuint (chunk->len, <, 8 * 1024);

  rss_before = max_rss_kb ();
  for (guint r = 0; r < repeats; r++)
    {
      koi_net_deflate_push (client, chunk->data, chunk->len);
      while (koi_net_deflate_has_pending (client))
        {
          g_autoptr(GError) error = NULL;
          gssize n = koi_net_deflate_pull (client, buffer, sizeof buffer, &error);

          g_assert_no_error (error);
          g_assert_cmpint (n, <=, sizeof buffer);
          if (n == 0)
            break;
          total += n;
          pulls++;
        }
    }

  g_assert_cmpuint (total, ==, (guint64) repeats * chunk_plain);
  /* Taken in pieces no larger than the buffer ... */
  g_assert_cmpuint (pulls, >=, total / sizeof buffer);
  /* ... and memory stayed flat (the peak grows by far less than what came out). */
  g_test_message ("inflated %" G_GUINT64_FORMAT " MiB from %u KiB; peak RSS grew by %ld KiB",
                  total >> 20, repeats * chunk->len / 1024, max_rss_kb () - rss_before);
  g_assert_cmpint (max_rss_kb () - rss_before, <, 16 * 1024);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/deflate/round-trip", test_round_trip);
  g_test_add_func ("/net/deflate/split-everywhere", test_split_everywhere);
  g_test_add_func ("/net/deflate/corrupt", test_corrupt);
  g_test_add_func ("/net/deflate/bomb-bounded", test_bomb_bounded);

  return g_test_run ();
}
