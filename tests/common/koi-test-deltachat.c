/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-test-deltachat"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "koi-test-deltachat.h"

#define CALL_TIMEOUT_S 60
#define STOP_TIMEOUT_S 10

struct _KoiTestDeltachat
{
  GSubprocess      *process;
  GOutputStream    *input;
  GDataInputStream *lines;
  GCancellable     *cancellable;
  GMainContext     *context;
  char             *dir;
  gboolean          eof;

  gint64            next_id;
  GHashTable       *responses;       /* id → JsonObject (the whole answer) */
  gint64            events_call;     /* the get_next_event_batch in flight */
  GPtrArray        *events;          /* JsonObject: the "event" of our account */

  guint             account_id;
};

static gboolean send_request (KoiTestDeltachat *self,
                              gint64            id,
                              const char       *method,
                              const char       *params,
                              GError          **error);

/* --------------------------------------------------------------------- */
/* Waiting without sleeping: iterate the context until a condition holds,
 * the server's output ends, or the deadline passes. */

typedef gboolean (*Condition) (KoiTestDeltachat *self,
                               gpointer          data);

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
wait_for (KoiTestDeltachat *self,
          Condition         condition,
          gpointer          data,
          guint             timeout_s)
{
  g_autoptr (GSource) timeout = g_timeout_source_new_seconds (timeout_s);
  gboolean timed_out = FALSE;
  gboolean met;

  g_source_set_callback (timeout, timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, self->context);

  while (!(met = condition (self, data)) && !timed_out && !self->eof)
    g_main_context_iteration (self->context, TRUE);

  g_source_destroy (timeout);
  return met;
}

/* --------------------------------------------------------------------- */
/* Reading the server's answers */

static void read_next_line (KoiTestDeltachat *self);

static void
take_events (KoiTestDeltachat *self,
             JsonNode         *result)
{
  JsonArray *batch = JSON_NODE_HOLDS_ARRAY (result) ? json_node_get_array (result) : NULL;

  for (guint i = 0; batch != NULL && i < json_array_get_length (batch); i++)
    {
      JsonObject *wrapper = json_array_get_object_element (batch, i);
      JsonObject *event;
      const char *kind;

      if (wrapper == NULL || !json_object_has_member (wrapper, "event"))
        continue;
      if ((guint) json_object_get_int_member_with_default (wrapper, "contextId", 0) != self->account_id)
        continue;
      event = json_object_get_object_member (wrapper, "event");
      kind = json_object_get_string_member_with_default (event, "kind", "");

      if (g_str_equal (kind, "Info"))
        continue;   /* the log; it is in stderr.log as well */
      if (g_str_equal (kind, "Warning") || g_str_equal (kind, "Error"))
        g_test_message ("deltachat %s: %s", kind,
                        json_object_get_string_member_with_default (event, "msg", ""));
      g_ptr_array_add (self->events, json_object_ref (event));
    }
}

static void
line_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  KoiTestDeltachat *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *line = NULL;
  JsonObject *answer;
  gint64 id;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL,
                                                    &error);
  if (line == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        self->eof = TRUE;
      return;
    }

  if (!json_parser_load_from_data (parser, line, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_test_message ("deltachat-rpc-server printed a line that is not JSON: %.200s", line);
      read_next_line (self);
      return;
    }

  answer = json_node_get_object (json_parser_get_root (parser));
  id = json_object_get_int_member_with_default (answer, "id", 0);
  if (id != 0 && id == self->events_call)
    {
      /* Keep exactly one event request in flight: the server answers it as
       * soon as anything happens. */
      if (json_object_has_member (answer, "result"))
        take_events (self, json_object_get_member (answer, "result"));
      self->events_call = ++self->next_id;
      if (!send_request (self, self->events_call, "get_next_event_batch", "[]", &error))
        g_test_message ("cannot ask deltachat-rpc-server for events: %s", error->message);
    }
  else if (id != 0)
    g_hash_table_insert (self->responses, GINT_TO_POINTER ((int) id), json_object_ref (answer));

  read_next_line (self);
}

static void
read_next_line (KoiTestDeltachat *self)
{
  g_data_input_stream_read_line_async (self->lines, G_PRIORITY_DEFAULT, self->cancellable,
                                       line_read_cb, self);
}

/* --------------------------------------------------------------------- */
/* Calls */

static gboolean
send_request (KoiTestDeltachat *self,
              gint64            id,
              const char       *method,
              const char       *params,
              GError          **error)
{
  g_autofree char *request =
    g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%" G_GINT64_FORMAT ",\"method\":\"%s\",\"params\":%s}\n",
                     id, method, params);

  /* A line of a few hundred bytes into a pipe the server always reads. */
  return g_output_stream_write_all (self->input, request, strlen (request), NULL, NULL, error);
}

static gboolean
has_response (KoiTestDeltachat *self,
              gpointer          data)
{
  return g_hash_table_contains (self->responses, data);
}

JsonNode *
koi_test_deltachat_call (KoiTestDeltachat *self,
                         const char       *method,
                         const char       *params,
                         GError          **error)
{
  gint64 id = ++self->next_id;
  gpointer key = GINT_TO_POINTER ((int) id);
  g_autoptr (JsonObject) answer = NULL;

  if (!send_request (self, id, method, params, error))
    return NULL;

  if (!wait_for (self, has_response, key, CALL_TIMEOUT_S))
    {
      g_set_error (error, G_IO_ERROR, self->eof ? G_IO_ERROR_CLOSED : G_IO_ERROR_TIMED_OUT,
                   "deltachat-rpc-server: no answer to %s%s (log: %s/stderr.log)", method,
                   self->eof ? ", it ended" : " in time", self->dir);
      return NULL;
    }

  g_hash_table_steal_extended (self->responses, key, NULL, (gpointer *) &answer);
  if (json_object_has_member (answer, "error"))
    {
      JsonObject *failure = json_object_get_object_member (answer, "error");

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "deltachat %s: %s", method,
                   failure != NULL ? json_object_get_string_member_with_default (failure, "message", "?")
                                   : "?");
      return NULL;
    }

  return json_node_copy (json_object_get_member (answer, "result"));
}

static char *
to_json (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

static char *
json_string (const char *text)
{
  g_autoptr (JsonNode) node = json_node_init_string (json_node_alloc (), text);

  return to_json (node);
}

static gint64
call_int (KoiTestDeltachat *self,
          const char       *method,
          const char       *params,
          GError          **error)
{
  g_autoptr (JsonNode) result = koi_test_deltachat_call (self, method, params, error);

  if (result == NULL)
    return 0;
  if (json_node_get_value_type (result) != G_TYPE_INT64)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "deltachat %s: not a number", method);
      return 0;
    }
  return json_node_get_int (result);
}

static gboolean
call_void (KoiTestDeltachat *self,
           const char       *method,
           const char       *params,
           GError          **error)
{
  g_autoptr (JsonNode) result = koi_test_deltachat_call (self, method, params, error);

  return result != NULL;
}

/* --------------------------------------------------------------------- */

static char *
server_path (void)
{
  const char *path = g_getenv ("KOI_DELTACHAT_RPC_SERVER");

  return g_strdup (path != NULL ? path : KOI_DELTACHAT_RPC_SERVER_DEFAULT);
}

KoiTestDeltachat *
koi_test_deltachat_start (GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autofree char *path = server_path ();
  g_autofree char *accounts = NULL;
  g_autofree char *log = NULL;
  g_autoptr (GError) local_error = NULL;
  KoiTestDeltachat *self;

  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s is missing: run build-aux/install-deps (it installs the Delta Chat core "
                   "pinned in tests/deltachat), or point KOI_DELTACHAT_RPC_SERVER at it", path);
      return NULL;
    }

  self = g_new0 (KoiTestDeltachat, 1);
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->responses = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) json_object_unref);
  self->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  self->dir = g_dir_make_tmp ("koi-test-deltachat-XXXXXX", error);
  if (self->dir == NULL)
    goto failed;
  accounts = g_build_filename (self->dir, "accounts", NULL);
  log = g_build_filename (self->dir, "stderr.log", NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "DC_ACCOUNTS_PATH", accounts, TRUE);
  /* The log goes to a file: a pipe nobody reads would fill and stall it. */
  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  self->process = g_subprocess_launcher_spawn (launcher, error, path, NULL);
  if (self->process == NULL)
    goto failed;

  self->input = g_object_ref (g_subprocess_get_stdin_pipe (self->process));
  self->lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  g_data_input_stream_set_newline_type (self->lines, G_DATA_STREAM_NEWLINE_TYPE_LF);
  read_next_line (self);

  self->events_call = ++self->next_id;
  if (!send_request (self, self->events_call, "get_next_event_batch", "[]", error))
    goto failed;

  return self;

failed:
  koi_test_deltachat_stop (self);
  return NULL;
}

gboolean
koi_test_deltachat_configure (KoiTestDeltachat  *self,
                              KoiTestMailserver *server,
                              const char        *address,
                              const char        *password,
                              GError           **error,
                              ...)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) login = NULL;
  g_autofree char *login_json = NULL;
  g_autofree char *params = NULL;
  const char *key;
  va_list args;

  self->account_id = call_int (self, "add_account", "[]", error);
  if (self->account_id == 0)
    return FALSE;

  /* Plain mail both ways: by default Delta Chat neither fetches nor sends
   * unencrypted chat messages. */
  params = g_strdup_printf ("[%u,\"force_encryption\",\"0\"]", self->account_id);
  if (!call_void (self, "set_config", params, error))
    return FALSE;

  va_start (args, error);
  while ((key = va_arg (args, const char *)) != NULL)
    {
      g_autofree char *key_json = json_string (key);
      g_autofree char *value_json = json_string (va_arg (args, const char *));

      g_free (params);
      params = g_strdup_printf ("[%u,%s,%s]", self->account_id, key_json, value_json);
      if (!call_void (self, "set_config", params, error))
        {
          va_end (args);
          return FALSE;
        }
    }
  va_end (args);

  /* EnteredLoginParam (see `deltachat-rpc-server --openrpc`). It reads no
   * custom CA, so the throw-away CA's certificate is accepted unchecked. */
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "addr");
  json_builder_add_string_value (builder, address);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_set_member_name (builder, "imapServer");
  json_builder_add_string_value (builder, server->host);
  json_builder_set_member_name (builder, "imapPort");
  json_builder_add_int_value (builder, server->imaps_port);
  json_builder_set_member_name (builder, "imapSecurity");
  json_builder_add_string_value (builder, "ssl");
  json_builder_set_member_name (builder, "smtpServer");
  json_builder_add_string_value (builder, server->host);
  json_builder_set_member_name (builder, "smtpPort");
  json_builder_add_int_value (builder, server->submission_port);
  json_builder_set_member_name (builder, "smtpSecurity");
  json_builder_add_string_value (builder, "starttls");
  json_builder_set_member_name (builder, "certificateChecks");
  json_builder_add_string_value (builder, "acceptInvalidCertificates");
  json_builder_end_object (builder);
  login = json_builder_get_root (builder);
  login_json = to_json (login);

  g_free (params);
  params = g_strdup_printf ("[%u,%s]", self->account_id, login_json);
  if (!call_void (self, "add_or_update_transport", params, error))
    return FALSE;

  g_free (params);
  params = g_strdup_printf ("[%u]", self->account_id);
  return call_void (self, "start_io", params, error);
}

guint
koi_test_deltachat_send_text (KoiTestDeltachat *self,
                              const char       *address,
                              const char       *text,
                              GError          **error)
{
  g_autofree char *address_json = json_string (address);
  g_autofree char *text_json = json_string (text);
  g_autofree char *params = NULL;
  gint64 contact, chat;

  params = g_strdup_printf ("[%u,%s,null]", self->account_id, address_json);
  contact = call_int (self, "create_contact", params, error);
  if (contact == 0)
    return 0;

  g_free (params);
  params = g_strdup_printf ("[%u,%" G_GINT64_FORMAT "]", self->account_id, contact);
  chat = call_int (self, "create_chat_by_contact_id", params, error);
  if (chat == 0)
    return 0;

  g_free (params);
  params = g_strdup_printf ("[%u,%" G_GINT64_FORMAT ",%s]", self->account_id, chat, text_json);
  return call_int (self, "misc_send_text_message", params, error);
}

typedef struct {
  guint    msg_id;
  gboolean failed;
} SentWait;

static gboolean
is_sent (KoiTestDeltachat *self,
         gpointer          data)
{
  SentWait *wait = data;

  for (guint i = 0; i < self->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (self->events, i);
      const char *kind = json_object_get_string_member_with_default (event, "kind", "");

      if ((guint) json_object_get_int_member_with_default (event, "msgId", 0) != wait->msg_id)
        continue;
      if (g_str_equal (kind, "MsgFailed"))
        wait->failed = TRUE;
      if (g_str_equal (kind, "MsgDelivered") || wait->failed)
        return TRUE;
    }

  return FALSE;
}

gboolean
koi_test_deltachat_wait_sent (KoiTestDeltachat *self,
                              guint             msg_id,
                              guint             timeout_s,
                              GError          **error)
{
  SentWait wait = { msg_id, FALSE };

  if (!wait_for (self, is_sent, &wait, timeout_s) || wait.failed)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Delta Chat message %u was %s (log: %s/stderr.log)", msg_id,
                   wait.failed ? "not sent (MsgFailed)" : "not sent in time", self->dir);
      return FALSE;
    }

  return TRUE;
}

/* Delta Chat's special contact ids (self, info, device, ...) end here. */
#define LAST_SPECIAL_CONTACT 9

static JsonArray *
call_array (KoiTestDeltachat *self,
            const char       *method,
            const char       *params,
            JsonNode        **out_node,
            GError          **error)
{
  *out_node = koi_test_deltachat_call (self, method, params, error);
  if (*out_node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (*out_node))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "deltachat %s: not an array", method);
      return NULL;
    }
  return json_node_get_array (*out_node);
}

/* Every message from someone else in every chat (contact requests too):
 * what the user of this Delta Chat would see. Listed rather than counted
 * from IncomingMsg events, which Delta Chat does not send for every
 * message (not for each one in a contact request, for one). */
static GPtrArray *
list_received (KoiTestDeltachat  *self,
               GError           **error)
{
  g_autoptr (GPtrArray) received = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr (JsonNode) chats_node = NULL;
  g_autofree char *params = g_strdup_printf ("[%u,null,null,null]", self->account_id);
  JsonArray *chats = call_array (self, "get_chatlist_entries", params, &chats_node, error);

  if (chats == NULL)
    return NULL;

  for (guint c = 0; c < json_array_get_length (chats); c++)
    {
      g_autoptr (JsonNode) ids_node = NULL;
      JsonArray *ids;

      g_free (params);
      params = g_strdup_printf ("[%u,%" G_GINT64_FORMAT ",false,false]", self->account_id,
                                json_array_get_int_element (chats, c));
      ids = call_array (self, "get_message_ids", params, &ids_node, error);
      if (ids == NULL)
        return NULL;

      for (guint m = 0; m < json_array_get_length (ids); m++)
        {
          g_autoptr (JsonNode) message = NULL;
          JsonObject *object;

          g_free (params);
          params = g_strdup_printf ("[%u,%" G_GINT64_FORMAT "]", self->account_id,
                                    json_array_get_int_element (ids, m));
          message = koi_test_deltachat_call (self, "get_message", params, error);
          if (message == NULL)
            return NULL;
          object = json_node_get_object (message);
          if (json_object_get_int_member_with_default (object, "fromId", 0) > LAST_SPECIAL_CONTACT &&
              !json_object_get_boolean_member_with_default (object, "isInfo", FALSE))
            g_ptr_array_add (received, json_object_ref (object));
        }
    }

  return g_steal_pointer (&received);
}

static gboolean
has_new_event (KoiTestDeltachat *self,
               gpointer          data)
{
  return self->events->len > GPOINTER_TO_UINT (data);
}

GPtrArray *
koi_test_deltachat_wait_received (KoiTestDeltachat *self,
                                  guint             count,
                                  guint             timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) received = NULL;
      guint seen = self->events->len;
      gint64 left_s;

      received = list_received (self, &error);
      if (received == NULL)
        {
          g_test_message ("cannot list Delta Chat's messages: %s", error->message);
          return g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
        }
      left_s = (deadline - g_get_monotonic_time () + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
      if (received->len >= count || left_s <= 0)
        return g_steal_pointer (&received);

      /* Anything Delta Chat reports may be the change we wait for. */
      wait_for (self, has_new_event, GUINT_TO_POINTER (seen), left_s);
    }
}

guint
koi_test_deltachat_account_id (KoiTestDeltachat *self)
{
  return self->account_id;
}

const char *
koi_test_deltachat_dir (KoiTestDeltachat *self)
{
  return self->dir;
}

static void
remove_tree (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileEnumerator) children = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL &&
         g_file_enumerator_iterate (children, &info, NULL, NULL, NULL) && info != NULL)
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
process_ended_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  gboolean *ended = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *ended = TRUE;
}

static gboolean
is_true (KoiTestDeltachat *self,
         gpointer          data)
{
  return *(gboolean *) data;
}

void
koi_test_deltachat_stop (KoiTestDeltachat *self)
{
  if (self == NULL)
    return;

  if (self->process != NULL)
    {
      gboolean ended = FALSE;

      if (self->account_id != 0 && !self->eof)
        {
          g_autofree char *params = g_strdup_printf ("[%u]", self->account_id);
          g_autoptr (GError) error = NULL;

          if (!call_void (self, "stop_io", params, &error))
            g_test_message ("stopping Delta Chat's IO: %s", error->message);
        }

      /* The server ends when its input does. */
      g_output_stream_close (self->input, NULL, NULL);
      g_subprocess_wait_async (self->process, NULL, process_ended_cb, &ended);
      self->eof = FALSE;   /* wait for the process, not for its output */
      if (!wait_for (self, is_true, &ended, STOP_TIMEOUT_S))
        {
          g_test_message ("deltachat-rpc-server did not end with its input; killing it");
          g_subprocess_force_exit (self->process);
          while (!ended)
            g_main_context_iteration (self->context, TRUE);
        }
    }

  g_cancellable_cancel (self->cancellable);
  while (g_main_context_iteration (self->context, FALSE))
    ;

  if (self->dir != NULL && g_getenv ("KOI_TEST_KEEP_MAILSERVER") == NULL)
    remove_tree (self->dir);

  g_clear_object (&self->lines);
  g_clear_object (&self->input);
  g_clear_object (&self->process);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->responses, g_hash_table_unref);
  g_clear_pointer (&self->events, g_ptr_array_unref);
  g_free (self->dir);
  g_free (self);
}
