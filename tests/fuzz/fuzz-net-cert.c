/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-net-cert"

#include "config.h"

#include <string.h>

#include "koi-fuzz.h"
#include "koi-net-cert.h"

/* The certificate a server shows is read by Koi's own DER walk before
 * anyone has trusted the server: any bytes at all must be refused or
 * read, never read past. The same bytes as a typed fingerprint must not
 * match a certificate they are not. */

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  return 0;
}

static void
run (const guint8 *data,
     size_t        size)
{
  g_autofree char *sha256 = NULL, *pin = NULL;
  g_autofree char *text = g_strndup ((const char *) data, size);
  KoiCertInfo info = {
    .sha256 = (char *) "C0:86:D0:2E:B8:6A:A8:8B:C4:51:9E:30:1E:AA:5C:17:EA:C1:E0:3F:BF:8B:B4:B6:5F:57:E8:77:B6:BB:3D:2D",
    .key_pin = (char *) "sha256//W3PnMvT2MRkEh4HfFwKQFNJh9KC+0lyon0c/Amlsrik=",
  };

  if (koi_cert_der_fingerprints (data, size, &sha256, &pin))
    {
      if (strlen (sha256) != 95 || !g_str_has_prefix (pin, "sha256//") || strlen (pin) != 52)
        {
          fprintf (stderr, "koi-fuzz: fingerprints of the wrong shape\n");
          abort ();
        }
    }

  /* Only 64 hex digits (with separators) or the pin itself can match. */
  if (koi_cert_info_matches (&info, text))
    {
      gsize digits = 0;

      for (const char *c = text; *c != '\0'; c++)
        digits += g_ascii_isxdigit (*c) ? 1 : 0;
      if (digits < 64 && strstr (text, info.key_pin) == NULL)
        {
          fprintf (stderr, "koi-fuzz: \"%s\" matched a certificate\n", text);
          abort ();
        }
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  koi_fuzz_run_bounded (run, data, size, "reading a certificate");
  return 0;
}
