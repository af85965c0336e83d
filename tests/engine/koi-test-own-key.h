/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-test-cli.h"

G_BEGIN_DECLS

/*
 * The account key Koi makes at a profile's first sync or send
 * (src/engine/koi-own-key.c keeps it as `key-ID.pgp` in the profile).
 */

/* The key file's path, or NULL while the profile has none. */
char *koi_test_own_key_path        (KoiTestCli *cli,
                                    const char *profile);
/* The key's fingerprint (upper-case hex); fails the test without a key. */
char *koi_test_own_key_fingerprint (KoiTestCli *cli,
                                    const char *profile);

/* Asserts the padlock (@encrypted) and signature state (KoiStoreSignature)
 * that @profile's store keeps for @message_id. */
void  koi_test_assert_crypto_state (KoiTestCli *cli,
                                    const char *profile,
                                    const char *message_id,
                                    gboolean    encrypted,
                                    int         signature);

G_END_DECLS
