/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * What the interop cases share: Koi profiles driven through koi-cli, Delta
 * Chat accounts through tests/common/koi-test-deltachat.h, both on one
 * private Dovecot + Postfix, and ways to ask each side what it shows.
 */
#include <json-glib/json-glib.h>

#include "koi-test-cli.h"
#include "koi-test-files.h"
#include "koi-test-deltachat.h"

G_BEGIN_DECLS

/* Delta Chat works on its own schedule (and rate-limits itself): every wait
 * is bounded by this. */
#define INTEROP_TIMEOUT_S 60

const char *interop_member           (JsonObject       *object,
                                      const char       *name);
/* @text as a JSON string, quotes included. */
char       *interop_json_string      (const char       *text);

/* koi-cli --profile PROFILE ARG1... (up to five, the rest NULL) must
 * exit 0; returns its stdout. */
char       *interop_koi_run          (KoiTestCli       *cli,
                                      const char       *profile,
                                      const char       *arg1,
                                      const char       *arg2,
                                      const char       *arg3,
                                      const char       *arg4,
                                      const char       *arg5);
/* Koi's message in @profile's chat @chat (after a sync) whose Message-ID
 * is @message_id or, with @message_id NULL, whose text is @text; NULL when
 * there is none (transfer full). */
JsonObject *interop_koi_message      (KoiTestCli       *cli,
                                      const char       *profile,
                                      const char       *chat,
                                      const char       *message_id,
                                      const char       *text);

/* A Delta Chat account for @address on the test server; @plain_ok FALSE
 * keeps Delta Chat's default (force_encryption=1: plain mail is neither
 * fetched nor sent). */
KoiTestDeltachat *interop_deltachat  (KoiTestCli       *cli,
                                      const char       *address,
                                      const char       *password,
                                      gboolean          plain_ok);
/* A call whose result is a JSON object (asserts it succeeded). */
JsonObject *interop_dc_object        (KoiTestDeltachat *dc,
                                      const char       *method,
                                      const char       *params);
/* A call whose result is an integer (asserts it succeeded). */
gint64      interop_dc_int           (KoiTestDeltachat *dc,
                                      const char       *method,
                                      const char       *params);
JsonObject *interop_dc_message       (KoiTestDeltachat *dc,
                                      gint64            msg_id);
/* The chat's type as Delta Chat names it ("Single", "Group", ...). */
char       *interop_dc_chat_type     (KoiTestDeltachat *dc,
                                      gint64            chat_id);
/* Sends @text into Delta Chat's chat @chat_id and waits until it left. */
gint64      interop_dc_send          (KoiTestDeltachat *dc,
                                      gint64            chat_id,
                                      const char       *text);
/* Delta Chat's message from others with exactly @text, waiting for it;
 * NULL after the timeout (transfer full). */
JsonObject *interop_dc_wait_text     (KoiTestDeltachat *dc,
                                      const char       *text);

/* Keys by vCard, both ways: Delta Chat's own card (make_vcard of its self
 * contact) imported into Koi's @profile, and Koi's own card with its key
 * imported into Delta Chat. Returns Delta Chat's contact id for Koi. */
gint64      interop_exchange_vcards  (KoiTestCli       *cli,
                                      const char       *profile,
                                      const char       *koi_address,
                                      KoiTestDeltachat *dc,
                                      const char       *dc_address);

/* Asserts the raw mail is PGP/MIME with nothing of @text outside. */
void        interop_assert_encrypted_on_server (KoiTestCli *cli,
                                                const char *user,
                                                const char *message_id,
                                                const char *text);

G_END_DECLS
