/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "koi-test-mailserver.h"

G_BEGIN_DECLS

/*
 * The real Delta Chat core as a test peer: deltachat-rpc-server (npm
 * @deltachat/stdio-rpc-server-linux-x64, pinned in tests/deltachat and
 * installed by build-aux/install-deps) with its own accounts folder in a
 * temp dir, one account, driven over JSON-RPC 2.0 (one object per line on
 * stdin/stdout). Every wait iterates the thread-default main context until
 * the answer or event arrives or the timeout passes: no sleeps. The
 * server's log goes to DIR/stderr.log.
 *
 * Use it from one thread (the test's), on the context that was
 * thread-default when it was started.
 */
typedef struct _KoiTestDeltachat KoiTestDeltachat;

/* Starts the RPC server; @error says how to install it when it is missing. */
KoiTestDeltachat *koi_test_deltachat_start        (GError           **error);
/* Adds one account for @address on @server (IMAPS + submission with
 * STARTTLS, certificate checks off for the throw-away CA), sets
 * force_encryption=0 (plain interop), then any @config pairs (key, value,
 * ..., NULL), configures it and starts its IO. */
gboolean          koi_test_deltachat_configure    (KoiTestDeltachat  *self,
                                                   KoiTestMailserver *server,
                                                   const char        *address,
                                                   const char        *password,
                                                   GError           **error,
                                                   ...) G_GNUC_NULL_TERMINATED;
/* Sends @text to @address in a 1:1 chat; returns Delta Chat's message id
 * (0 on error). */
guint             koi_test_deltachat_send_text    (KoiTestDeltachat  *self,
                                                   const char        *address,
                                                   const char        *text,
                                                   GError           **error);
/* Waits until message @msg_id was handed to SMTP (MsgDelivered). */
gboolean          koi_test_deltachat_wait_sent    (KoiTestDeltachat  *self,
                                                   guint              msg_id,
                                                   guint              timeout_s,
                                                   GError           **error);
/* The messages from others in every chat (contact requests too), as
 * Delta Chat's Message objects (JsonObject: "text", "sender" {"address"},
 * "chatId", ...). Waits, re-listing whenever Delta Chat reports an event,
 * until there are at least @count or @timeout_s pass; returns what there
 * is either way (the caller asserts the count). */
GPtrArray        *koi_test_deltachat_wait_received (KoiTestDeltachat *self,
                                                    guint             count,
                                                    guint             timeout_s);
/* A raw call: @params is a JSON array (the method's positional parameters).
 * Returns the result node (transfer full), or NULL with @error. */
JsonNode         *koi_test_deltachat_call         (KoiTestDeltachat  *self,
                                                   const char        *method,
                                                   const char        *params,
                                                   GError           **error);
guint             koi_test_deltachat_account_id   (KoiTestDeltachat  *self);
const char       *koi_test_deltachat_dir          (KoiTestDeltachat  *self);
/* Stops IO, closes stdin and waits (up to 10 s) for the server to end,
 * then kills it; removes the temp dir unless KOI_TEST_KEEP_MAILSERVER is set. */
void              koi_test_deltachat_stop         (KoiTestDeltachat  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiTestDeltachat, koi_test_deltachat_stop)

G_END_DECLS
