/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-test"

#include "koi-test-identity.h"

KoiRnpContext *
koi_test_identity_new (const char *address)
{
  KoiRnpContext *context = koi_rnp_context_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (koi_rnp_context_generate_own_key (context, address, &error));
  g_assert_no_error (error);
  return context;
}

/* The fingerprint @to now knows @from by. */
char *
koi_test_identity_introduce (KoiRnpContext *from,
                             KoiRnpContext *to)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) keydata = koi_rnp_context_export_autocrypt (from, &error);
  char *fingerprint;

  g_assert_no_error (error);
  fingerprint = koi_rnp_context_add_public_key (to, keydata, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fingerprint, ==, koi_rnp_context_get_own_fingerprint (from));
  return fingerprint;
}
