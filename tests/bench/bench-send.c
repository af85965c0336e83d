/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-bench-send"

#include "config.h"

#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bench-util.h"
#include "koi-smtp.h"
#include "koi-smtp-verify.h"
#include "koi-test-mailserver.h"

/*
 * Sending benchmark (meson benchmark, not a test).
 *
 * The same ~4 KB chat message goes from alice to 1 and to 20 recipients
 * through the private Postfix (submission port, STARTTLS, AUTH), RUNS
 * times each, one koi_smtp_send per send: connect, TLS, login, one
 * transaction, QUIT. Printed per send: the wall time (median and spread)
 * and the bytes Koi handed to the connection (koi_smtp_get_bytes_uploaded:
 * commands and the dot-stuffed message; curl's own EHLO/STARTTLS/AUTH are
 * the same for any number of recipients and not counted).
 *
 * The login alone (koi_smtp_verify: connect, TLS, login, QUIT) is timed
 * the same way: it is the part of a send that does not depend on the
 * number of recipients.
 *
 * For comparison it prints what the previous code (one transaction per
 * recipient, through curl's SMTP mode) put on the line for the same send,
 * computed: per recipient its own MAIL FROM, RCPT TO, DATA, the message
 * and the final dot.
 */

#define RUNS       25
#define ALICE      "alice@example.org"
#define N_MAX      20

static void die (const char *format, ...) G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN;

static void
die (const char *format,
     ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("bench-send: %s\n", text);
  exit (1);
}

static GBytes *
make_message (guint run)
{
  GString *msg = g_string_new (NULL);

  g_string_append_printf (msg,
                          "From: <" ALICE ">\r\nTo: <r01@example.org>\r\nSubject: Chat: bench\r\n"
                          "Message-ID: <chat$bench%05u@example.org>\r\n"
                          "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nChat-Version: 1.0\r\n"
                          "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                          "Content-Transfer-Encoding: quoted-printable\r\n\r\n", run);
  while (msg->len < 4096 - 64)
    g_string_append (msg, "A chat message of about four kilobytes, line after line, as 7-bit text.\r\n");
  return g_string_free_to_bytes (msg);
}

/* What the old code uploaded: for each recipient a transaction of its own
 * (curl: "MAIL FROM:<a>", "RCPT TO:<r>", "DATA", the message, "."). The
 * message has no line starting with "." and ends with CRLF. */
static guint64
old_code_bytes (GBytes             *message,
                const char * const *to)
{
  guint64 total = 0;

  for (guint i = 0; to[i] != NULL; i++)
    total += strlen ("MAIL FROM:<" ALICE ">\r\n") + strlen ("RCPT TO:<>\r\n") + strlen (to[i]) +
             strlen ("DATA\r\n") + g_bytes_get_size (message) + strlen (".\r\n");
  return total;
}

/* One timed login (koi_smtp_verify), in ms. */
static double
time_login (const KoiServerConfig *config)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  if (!koi_smtp_verify (config, NULL, &error))
    die ("login failed: %s", error->message);
  return (g_get_monotonic_time () - start) / 1000.0;
}

/* One timed send, in ms; *out_uploaded gets the bytes Koi put on the line. */
static double
time_send (const KoiServerConfig *config,
           const char * const    *to,
           GBytes                *message,
           guint64               *out_uploaded)
{
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  guint64 before = koi_smtp_get_bytes_uploaded ();
  gint64 start = g_get_monotonic_time ();
  double ms;

  if (!koi_smtp_send (config, ALICE, to, message, &results, NULL, &error))
    die ("send failed: %s", error->message);
  ms = (g_get_monotonic_time () - start) / 1000.0;

  for (guint i = 0; i < results->len; i++)
    {
      const KoiSmtpRecipientResult *r = g_ptr_array_index (results, i);

      if (!r->accepted)
        die ("%s was refused: %d %s", r->address, r->code, r->reply);
    }

  *out_uploaded = koi_smtp_get_bytes_uploaded () - before;
  return ms;
}

static void
print_series (const char *label,
              double     *ms)
{
  KoiBenchStats stats;
  g_autofree char *text = NULL;

  koi_bench_stats_compute (ms, RUNS, &stats);
  text = koi_bench_stats_format (&stats);
  g_print ("%-14s %s\n", label, text);
}

static void
print_bytes (guint64 uploaded,
             guint64 old_bytes)
{
  g_print ("%-14s uploaded %" G_GUINT64_FORMAT " bytes per send"
           " (old code, one transaction per recipient: %" G_GUINT64_FORMAT " bytes)\n",
           "", uploaded, old_bytes);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(KoiTestMailserver) server = NULL;
  g_autoptr(KoiServerConfig) config = NULL;
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) to = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) sample = make_message (0);
  double ms_one[RUNS], ms_all[RUNS], ms_login[RUNS];
  guint64 uploaded_one = 0, uploaded_all = 0;
  const char *one[2] = { NULL, NULL };
  const char * const *all;

  setlocale (LC_ALL, "");

  g_ptr_array_add (users, g_strdup (ALICE ":alice-secret"));
  for (guint i = 1; i <= N_MAX; i++)
    {
      g_ptr_array_add (users, g_strdup_printf ("r%02u@example.org:r%02u-secret", i, i));
      g_ptr_array_add (to, g_strdup_printf ("r%02u@example.org", i));
    }
  g_ptr_array_add (users, NULL);
  g_ptr_array_add (to, NULL);
  one[0] = to->pdata[0];
  all = (const char * const *) to->pdata;

  server = koi_test_mailserver_start ((const char * const *) users->pdata, &error);
  if (server == NULL)
    die ("cannot start the private mail server: %s", error->message);

  config = koi_server_config_new (server->host, server->submission_port, KOI_SECURITY_STARTTLS,
                                  ALICE, "alice-secret", server->ca_file);

  g_print ("send: a %" G_GSIZE_FORMAT "-byte message, %u sends each, private Postfix on loopback"
           " (submission, STARTTLS + AUTH),\n"
           "      one koi_smtp_send per send (connect, TLS, login, one transaction, QUIT);\n"
           "      1 recipient, 20 recipients and a login alone take turns\n",
           g_bytes_get_size (sample), RUNS);

  /* A first send warms up Postfix's processes and the TLS session code. */
  {
    guint64 ignored;

    time_send (config, one, sample, &ignored);
  }

  /* The three kinds take turns, so the machine's other load hits them alike. */
  for (guint run = 0; run < RUNS; run++)
    {
      g_autoptr(GBytes) message1 = make_message (1000 + run);
      g_autoptr(GBytes) message20 = make_message (2000 + run);

      ms_one[run] = time_send (config, one, message1, &uploaded_one);
      ms_all[run] = time_send (config, all, message20, &uploaded_all);
      ms_login[run] = time_login (config);
    }

  print_series ("1 recipient:", ms_one);
  print_bytes (uploaded_one, old_code_bytes (sample, one));
  print_series ("20 recipients:", ms_all);
  print_bytes (uploaded_all, old_code_bytes (sample, all));
  print_series ("login alone:", ms_login);

  return 0;
}
