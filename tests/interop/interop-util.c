/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-interop"

#include <string.h>

#include "interop-util.h"

const char *
interop_member (JsonObject *object,
                const char *name)
{
  return object != NULL ? json_object_get_string_member_with_default (object, name, NULL) : NULL;
}

char *
interop_koi_run (KoiTestCli *cli,
                 const char *profile,
                 const char *arg1,
                 const char *arg2,
                 const char *arg3,
                 const char *arg4,
                 const char *arg5)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autofree char *err = NULL;
  char *out = NULL;
  int status;

  status = koi_test_cli_run (cli, NULL, &out, &err, "--profile", dir, arg1, arg2, arg3, arg4, arg5,
                             NULL);
  if (status != 0)
    g_error ("koi-cli %s %s %s failed (%d): %s", profile, arg1, arg2 ? arg2 : "", status, err);
  return out;
}

JsonObject *
interop_koi_message (KoiTestCli *cli,
                     const char *profile,
                     const char *chat,
                     const char *message_id,
                     const char *text)
{
  g_autoptr (GPtrArray) messages = NULL;

  g_free (interop_koi_run (cli, profile, "sync", NULL, NULL, NULL, NULL));
  messages = koi_test_cli_messages (cli, profile, chat);
  for (guint i = 0; i < messages->len; i++)
    {
      JsonObject *message = g_ptr_array_index (messages, i);

      if ((message_id != NULL && g_strcmp0 (interop_member (message, "message_id"), message_id) == 0) ||
          (message_id == NULL && g_strcmp0 (interop_member (message, "text"), text) == 0))
        return json_object_ref (message);
    }
  return NULL;
}

KoiTestDeltachat *
interop_deltachat (KoiTestCli *cli,
                   const char *address,
                   const char *password,
                   gboolean    plain_ok)
{
  g_autoptr (GError) error = NULL;
  KoiTestDeltachat *dc = koi_test_deltachat_start (&error);

  g_assert_no_error (error);
  /* The helper allows plain mail first; the pair after it wins. */
  koi_test_deltachat_configure (dc, cli->server, address, password, &error,
                                "force_encryption", plain_ok ? "0" : "1",
                                "bcc_self", "0", NULL);
  g_assert_no_error (error);
  return dc;
}

JsonObject *
interop_dc_object (KoiTestDeltachat *dc,
                   const char       *method,
                   const char       *params)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = koi_test_deltachat_call (dc, method, params, &error);

  g_assert_no_error (error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

gint64
interop_dc_int (KoiTestDeltachat *dc,
                const char       *method,
                const char       *params)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = koi_test_deltachat_call (dc, method, params, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  return json_node_get_int (node);
}

JsonObject *
interop_dc_message (KoiTestDeltachat *dc,
                    gint64            msg_id)
{
  g_autofree char *params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]",
                                             koi_test_deltachat_account_id (dc), msg_id);

  return interop_dc_object (dc, "get_message", params);
}

char *
interop_dc_chat_type (KoiTestDeltachat *dc,
                      gint64            chat_id)
{
  g_autofree char *params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT "]",
                                             koi_test_deltachat_account_id (dc), chat_id);
  g_autoptr (JsonObject) chat = interop_dc_object (dc, "get_basic_chat_info", params);

  return g_strdup (interop_member (chat, "chatType"));
}

char *
interop_json_string (const char *text)
{
  g_autoptr (JsonNode) node = json_node_init_string (json_node_alloc (), text);

  return json_to_string (node, FALSE);
}

gint64
interop_dc_send (KoiTestDeltachat *dc,
                 gint64            chat_id,
                 const char       *text)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *quoted = interop_json_string (text);
  g_autofree char *params = g_strdup_printf ("[%u, %" G_GINT64_FORMAT ", %s]",
                                             koi_test_deltachat_account_id (dc), chat_id, quoted);
  gint64 msg_id = interop_dc_int (dc, "misc_send_text_message", params);

  g_assert_cmpint (msg_id, >, 0);
  koi_test_deltachat_wait_sent (dc, msg_id, INTEROP_TIMEOUT_S, &error);
  g_assert_no_error (error);
  return msg_id;
}

JsonObject *
interop_dc_wait_text (KoiTestDeltachat *dc,
                      const char       *text)
{
  gint64 end = g_get_monotonic_time () + INTEROP_TIMEOUT_S * G_USEC_PER_SEC;

  /* wait_received returns what there is once @count arrived; asking for
   * one more than there is each round waits for the next event. */
  for (guint want = 1; g_get_monotonic_time () < end; want++)
    {
      g_autoptr (GPtrArray) got = koi_test_deltachat_wait_received (dc, want, 5);

      for (guint i = 0; i < got->len; i++)
        if (g_strcmp0 (interop_member (g_ptr_array_index (got, i), "text"), text) == 0)
          return json_object_ref (g_ptr_array_index (got, i));
      want = got->len;
    }
  return NULL;
}

gint64
interop_exchange_vcards (KoiTestCli       *cli,
                         const char       *profile,
                         const char       *koi_address,
                         KoiTestDeltachat *dc,
                         const char       *dc_address)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) dc_card = NULL;
  g_autoptr (JsonNode) ids = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autofree char *params = NULL;
  g_autofree char *path = NULL;
  g_autofree char *keys_out = NULL;
  g_autofree char *koi_card = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *file_name = NULL;
  gboolean known = FALSE;

  /* Delta Chat's card of itself (contact 1 is "self") carries its key. */
  params = g_strdup_printf ("[%u, [1]]", koi_test_deltachat_account_id (dc));
  dc_card = koi_test_deltachat_call (dc, "make_vcard", params, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (json_node_get_string (dc_card), "KEY:"));
  file_name = g_strdup_printf ("%s.vcf", dc_address);
  path = g_build_filename (cli->tmp, file_name, NULL);
  g_assert_true (g_file_set_contents (path, json_node_get_string (dc_card), -1, &error));
  g_free (interop_koi_run (cli, profile, "contact", "import", path, NULL, NULL));

  /* Koi now knows the key, from the card. */
  keys_out = interop_koi_run (cli, profile, "keys", NULL, NULL, NULL, NULL);
  keys = koi_test_cli_parse_lines (keys_out);
  for (guint i = 0; i < keys->len; i++)
    if (g_strcmp0 (interop_member (g_ptr_array_index (keys, i), "address"), dc_address) == 0)
      {
        g_assert_cmpstr (interop_member (g_ptr_array_index (keys, i), "source"), ==, "vcard");
        known = TRUE;
      }
  g_assert_true (known);

  /* Koi's own card (its key made at the first sync) goes the other way. */
  koi_card = interop_koi_run (cli, profile, "contact", "export", koi_address, NULL, NULL);
  g_assert_nonnull (strstr (koi_card, "KEY"));
  quoted = interop_json_string (koi_card);
  g_free (params);
  params = g_strdup_printf ("[%u, %s]", koi_test_deltachat_account_id (dc), quoted);
  ids = koi_test_deltachat_call (dc, "import_vcard_contents", params, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (ids)), ==, 1);
  return json_array_get_int_element (json_node_get_array (ids), 0);
}

void
interop_assert_encrypted_on_server (KoiTestCli *cli,
                                    const char *user,
                                    const char *message_id,
                                    const char *text)
{
  g_autofree char *raw = koi_test_server_copy (cli, user, message_id);

  g_assert_nonnull (raw);
  g_assert_nonnull (strstr (raw, "multipart/encrypted"));
  g_assert_nonnull (strstr (raw, "-----BEGIN PGP MESSAGE-----"));
  g_assert_null (strstr (raw, text));
}
