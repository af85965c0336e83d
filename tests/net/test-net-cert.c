/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-net-cert"

#include "config.h"

#include <string.h>

#include "koi-net-cert.h"

/* Made once with `openssl req -x509 -newkey ec …`; the expected values are
 * what `openssl x509 -fingerprint -sha256` and `openssl pkey -pubin
 * -outform der | openssl dgst -sha256` printed for it: the numbers a user
 * compares with. */
static const char cert_b64[] =
  "MIIBvTCCAWOgAwIBAgIUGeRHnyC71tyOKD3WU+JDSQHvvkgwCgYIKoZIzj0EAwIw"
  "MzEWMBQGA1UECgwNS29pIHVuaXQgdGVzdDEZMBcGA1UEAwwQbWFpbC5leGFtcGxl"
  "Lm9yZzAgFw0yNjExMzAxMDMwMzdaGA8yMTI2MTEwNjEwMzAzN1owMzEWMBQGA1UE"
  "CgwNS29pIHVuaXQgdGVzdDEZMBcGA1UEAwwQbWFpbC5leGFtcGxlLm9yZzBZMBMG"
  "ByqGSM49AgEGCCqGSM49AwEHA0IABBIKRXo14GstCBbHwqnmd2xjgzPYFN0Mz/BB"
  "Qyt4Rk2zPec1ZkKuUZhRz5oYMlJ2v4RTqkpYdpOC1SAWKSFmG4ejUzBRMB0GA1Ud"
  "DgQWBBQL0q7gJ3CTt0iwPkSEGEJHeg8TyjAfBgNVHSMEGDAWgBQL0q7gJ3CTt0iw"
  "PkSEGEJHeg8TyjAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQCa"
  "QjU+ssS3axADy0Cv50nxBIbwNW0aJ6xO6sJGrZ+rjwIgKH4J7lpdfPQLXiYSsPym"
  "ePWRWSA73+LjUBhPg5wnqe8=";
#define CERT_SHA256 "C0:86:D0:2E:B8:6A:A8:8B:C4:51:9E:30:1E:AA:5C:17:EA:C1:E0:3F:BF:8B:B4:B6:5F:57:E8:77:B6:BB:3D:2D"
#define KEY_PIN "sha256//W3PnMvT2MRkEh4HfFwKQFNJh9KC+0lyon0c/Amlsrik="
#define KEY_SHA256_HEX "5b73e732f4f63119048781df17029014d261f4a0bed25ca89f473f02696cae29"

static void
test_fingerprints (void)
{
  g_autofree guint8 *der = NULL;
  g_autofree char *sha256 = NULL, *pin = NULL;
  gsize len = 0;

  der = g_base64_decode (cert_b64, &len);
  g_assert_true (koi_cert_der_fingerprints (der, len, &sha256, &pin));
  g_assert_cmpstr (sha256, ==, CERT_SHA256);
  g_assert_cmpstr (pin, ==, KEY_PIN);
}

/* Cut or bent certificates are refused, never read past their end. */
static void
test_broken_der (void)
{
  g_autofree guint8 *der = NULL;
  gsize len = 0;

  der = g_base64_decode (cert_b64, &len);
  /* Every cut copy on the heap, so the sanitizers see a read past it. */
  for (gsize cut = 0; cut < len; cut++)
    {
      g_autofree guint8 *part = g_memdup2 (der, cut);

      g_assert_false (koi_cert_der_fingerprints (part, cut, NULL, NULL));
    }
  g_assert_false (koi_cert_der_fingerprints ((const guint8 *) "\x30\x80\x00\x00", 4, NULL, NULL));
  g_assert_false (koi_cert_der_fingerprints ((const guint8 *) "\x30\x85\xff\xff\xff\xff\xff", 7, NULL, NULL));
  {
    g_autofree guint8 *bent = g_memdup2 (der, len);

    bent[1] = 0x83; /* a length longer than the data */
    g_assert_false (koi_cert_der_fingerprints (bent, len, NULL, NULL));
  }
}

static void
test_matches (void)
{
  KoiCertInfo info = { .host = (char *) "mail.example.org", .port = 993,
                       .sha256 = (char *) CERT_SHA256, .key_pin = (char *) KEY_PIN };

  /* As openssl prints it, as people retype it, and the key's hash or pin. */
  g_assert_true (koi_cert_info_matches (&info, CERT_SHA256));
  g_assert_true (koi_cert_info_matches (&info, "c086d02eb86aa88bc4519e301eaa5c17eac1e03fbf8bb4b65f57e877b6bb3d2d"));
  g_assert_true (koi_cert_info_matches (&info, " C0 86 D0 2E B8 6A A8 8B C4 51 9E 30 1E AA 5C 17 EA C1 E0 3F BF 8B B4 B6 5F 57 E8 77 B6 BB 3D 2D "));
  g_assert_true (koi_cert_info_matches (&info, "SHA256:" CERT_SHA256));
  g_assert_true (koi_cert_info_matches (&info, KEY_SHA256_HEX));
  g_assert_true (koi_cert_info_matches (&info, KEY_PIN));

  /* One digit off, a prefix, SHA-1 length, nothing. */
  g_assert_false (koi_cert_info_matches (&info, "C0:86:D0:2E:B8:6A:A8:8B:C4:51:9E:30:1E:AA:5C:17:EA:C1:E0:3F:BF:8B:B4:B6:5F:57:E8:77:B6:BB:3D:2E"));
  g_assert_false (koi_cert_info_matches (&info, "C0:86:D0:2E"));
  g_assert_false (koi_cert_info_matches (&info, "c086d02eb86aa88bc4519e301eaa5c17eac1e03f"));
  g_assert_false (koi_cert_info_matches (&info, ""));
  g_assert_false (koi_cert_info_matches (&info, NULL));
  g_assert_false (koi_cert_info_matches (&info, "sha256//AAAA"));
}

static void
test_pin_config (void)
{
  KoiCertInfo info = { .sha256 = (char *) CERT_SHA256, .key_pin = (char *) KEY_PIN };
  g_autoptr (KoiServerConfig) config = koi_server_config_new ("mail.example.org", 993,
                                                              KOI_SECURITY_TLS, "a", "pw", NULL);
  g_autoptr (KoiServerConfig) copy = NULL;

  koi_cert_info_pin (&info, config);
  copy = koi_server_config_copy (config);
  g_assert_cmpstr (copy->pinned_key, ==, KEY_PIN);
  g_assert_cmpstr (copy->pinned_cert, ==, CERT_SHA256);
  koi_server_config_set_pin (copy, NULL, CERT_SHA256);
  g_assert_null (copy->pinned_key);
  g_assert_null (copy->pinned_cert);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/cert/fingerprints", test_fingerprints);
  g_test_add_func ("/net/cert/broken-der", test_broken_der);
  g_test_add_func ("/net/cert/matches", test_matches);
  g_test_add_func ("/net/cert/pin-config", test_pin_config);

  return g_test_run ();
}
