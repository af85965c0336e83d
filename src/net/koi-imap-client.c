/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-imap-client"

#include "config.h"

#include <string.h>

#include "koi-imap-client-private.h"

#define DEFAULT_TIMEOUT_MS      60000

KoiImapClient *
koi_imap_client_new (const KoiServerConfig *config)
{
  KoiImapClient *self;

  g_return_val_if_fail (config != NULL, NULL);

  self = g_new0 (KoiImapClient, 1);
  self->config = koi_server_config_copy (config);
  self->sock = CURL_SOCKET_BAD;
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
  self->capabilities = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->server_line = g_string_new (NULL);
  self->vanished = g_array_new (FALSE, FALSE, sizeof (KoiImapUidRange));

  return self;
}

void
koi_imap_client_close (KoiImapClient *self)
{
  /* Its own domain, so benchmarks can ask for just this line
   * (G_MESSAGES_DEBUG=koi-imap-traffic). */
  if (self->curl != NULL)
    g_log ("koi-imap-traffic", G_LOG_LEVEL_DEBUG,
           "IMAP traffic with %s: in %" G_GUINT64_FORMAT " wire %" G_GUINT64_FORMAT
           " plain, out %" G_GUINT64_FORMAT " wire %" G_GUINT64_FORMAT " plain, %s",
           self->config->host, self->traffic.wire_in, self->traffic.plain_in,
           self->traffic.wire_out, self->traffic.plain_out,
           self->deflate != NULL ? "compressed" : "uncompressed");
  g_clear_pointer (&self->curl, curl_easy_cleanup);
  g_clear_pointer (&self->parser, koi_imap_parser_free);
  g_clear_pointer (&self->deflate, koi_net_deflate_free);
  g_clear_pointer (&self->selected, g_free);
  self->sock = CURL_SOCKET_BAD;
  self->connected = FALSE;
  self->exists = 0;
  self->qresync_enabled = FALSE;
  if (self->vanished != NULL)
    g_array_set_size (self->vanished, 0);
}

void
koi_imap_client_free (KoiImapClient *self)
{
  if (self == NULL)
    return;

  koi_imap_client_close (self);
  g_hash_table_unref (self->capabilities);
  g_string_free (self->server_line, TRUE);
  g_array_unref (self->vanished);
  g_free (self->bye_text);
  koi_server_config_free (self->config);
  g_free (self->spill_dir);
  g_free (self);
}

void
koi_imap_client_set_body_to_file (KoiImapClient *self,
                                  gboolean       to_file)
{
  self->body_to_file = to_file;
}

void
koi_imap_client_set_spill (KoiImapClient *self,
                           const char    *dir,
                           guint64        threshold)
{
  g_return_if_fail (self != NULL);

  g_free (self->spill_dir);
  self->spill_dir = g_strdup (dir);
  self->spill_threshold = threshold;
  if (self->parser != NULL)
    koi_imap_parser_set_spill (self->parser, dir, threshold);
}

void
koi_imap_client_set_timeout (KoiImapClient *self,
                             guint          timeout_ms)
{
  g_return_if_fail (self != NULL);

  self->timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
}

gboolean
koi_imap_client_is_connected (KoiImapClient *self)
{
  return self->connected;
}

const char *
koi_imap_client_get_selected (KoiImapClient *self)
{
  return self->selected;
}

guint32
koi_imap_client_get_exists (KoiImapClient *self)
{
  return self->exists;
}

/* Marks the line as unusable and passes the error on. */
gboolean
koi_imap_client_broken (KoiImapClient *self)
{
  koi_imap_client_close (self);
  return FALSE;
}

/* ---- what the client tracks on its own ----------------------------------- */

void
koi_imap_client_track_untagged (KoiImapClient         *self,
                                const KoiImapResponse *response)
{
  if (response->has_number && g_strcmp0 (response->name, "EXISTS") == 0)
    {
      self->exists = response->number;
      self->changed = TRUE;
    }
  else if (response->has_number && g_strcmp0 (response->name, "EXPUNGE") == 0)
    {
      if (self->exists > 0)
        self->exists--;
      self->changed = TRUE;
    }
  else if (g_strcmp0 (response->name, "VANISHED") == 0)
    {
      koi_imap_client_track_vanished (self, response);
      self->changed = TRUE;
    }
  else if (response->has_number && g_strcmp0 (response->name, "RECENT") == 0)
    {
      /* RECENT always comes with EXISTS; nothing to count. */
    }
  else if (g_strcmp0 (response->name, "STATUS") == 0)
    {
      /* Unasked, this is NOTIFY telling of another mailbox (RFC 5465). */
      self->other_changed = TRUE;
    }
  else if (g_strcmp0 (response->name, "CAPABILITY") == 0)
    koi_imap_client_set_capabilities (self, response->args);
  else if (response->status != KOI_IMAP_STATUS_NONE && g_strcmp0 (response->code, "CAPABILITY") == 0)
    koi_imap_client_set_capabilities (self, response->code_args);

  if (response->status == KOI_IMAP_STATUS_BYE)
    {
      g_free (self->bye_text);
      self->bye_text = g_strdup (response->text);
    }
}

gboolean
koi_imap_client_tagged_error (KoiImapClient          *self,
                              KoiImapCommand         *command,
                              const KoiImapResponse  *tagged,
                              GError                **error)
{
  const char *text = tagged->text != NULL && tagged->text[0] != '\0' ? tagged->text : "(no reason given)";

  if (tagged->status == KOI_IMAP_STATUS_OK)
    return TRUE;

  if (tagged->status == KOI_IMAP_STATUS_NO)
    g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_NO,
                 "Server refused %s: %s", koi_imap_command_get_summary (command), text);
  else
    g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_BAD,
                 "Server rejected %s as invalid: %s", koi_imap_command_get_summary (command), text);
  return FALSE;
}

gboolean
koi_imap_client_unexpected (KoiImapClient          *self,
                            const KoiImapResponse  *response,
                            GError                **error)
{
  g_autofree char *what = koi_imap_response_describe (response);

  g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL,
               "The IMAP server %s sent an unexpected response: %s", self->config->host, what);
  return koi_imap_client_broken (self);
}

gboolean
koi_imap_client_ensure_connected (KoiImapClient  *self,
                                  GError        **error)
{
  if (self->connected)
    return TRUE;

  g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_DISCONNECTED,
               "Not connected to the IMAP server %s", self->config->host);
  return FALSE;
}

/* ---- the command primitive ----------------------------------------------- */

gboolean
koi_imap_client_run (KoiImapClient        *self,
                     KoiImapCommand       *command,
                     KoiImapUntaggedFunc   func,
                     gpointer              user_data,
                     KoiImapResponse     **out_tagged,
                     GCancellable         *cancellable,
                     GError              **error)
{
  g_autofree char *tag = NULL;
  g_autoptr(GError) handler_error = NULL;
  g_autoptr(KoiImapResponse) tagged = NULL;
  gboolean literal_plus;
  guint n_parts;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (command != NULL, FALSE);

  if (!koi_imap_client_ensure_connected (self, error))
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  /* curl tags its own commands A001...: a different prefix keeps a stray
   * reply of curl's from ever matching ours. */
  tag = g_strdup_printf ("K%u", ++self->next_tag);
  /* The verb and its first argument only: never a literal (a mail). */
  g_debug ("%s %s", tag, koi_imap_command_get_summary (command));
  literal_plus = koi_imap_client_has_capability (self, "LITERAL+");
  n_parts = koi_imap_command_get_n_parts (command);

  for (guint i = 0; i < n_parts && tagged == NULL; i++)
    {
      g_autoptr(GString) line = g_string_new (NULL);
      GBytes *literal = koi_imap_command_get_literal (command, i);

      if (i == 0)
        g_string_append_printf (line, "%s ", tag);
      g_string_append (line, koi_imap_command_get_text (command, i));

      if (literal == NULL)
        {
          g_string_append (line, "\r\n");
          if (!koi_imap_client_send_all (self, line->str, line->len, cancellable, error))
            return FALSE;
          break;
        }

      g_string_append_printf (line, " {%" G_GSIZE_FORMAT "%s}\r\n",
                              g_bytes_get_size (literal), literal_plus ? "+" : "");
      if (!koi_imap_client_send_all (self, line->str, line->len, cancellable, error))
        return FALSE;

      /* A synchronising literal waits for "+"; the server may instead
       * refuse at once with a tagged NO (e.g. APPEND to a missing mailbox). */
      while (!literal_plus)
        {
          g_autoptr(KoiImapResponse) response = NULL;

          if (koi_imap_client_read (self, koi_imap_client_deadline (self), FALSE, cancellable, NULL,
                                    &response, error) != KOI_IMAP_READ_RESPONSE)
            return FALSE;

          if (response->kind == KOI_IMAP_RESPONSE_CONTINUATION)
            break;
          if (response->kind == KOI_IMAP_RESPONSE_TAGGED)
            {
              if (g_strcmp0 (response->tag, tag) != 0)
                return koi_imap_client_unexpected (self, response, error);
              tagged = g_steal_pointer (&response);
              break;
            }
          koi_imap_client_track_untagged (self, response);
          if (func != NULL && handler_error == NULL)
            func (self, response, user_data, &handler_error);
        }

      if (tagged != NULL)
        break;

      {
        gsize size;
        const char *data = g_bytes_get_data (literal, &size);

        if (!koi_imap_client_send_all (self, data, size, cancellable, error))
          return FALSE;
      }
    }

  while (tagged == NULL)
    {
      g_autoptr(KoiImapResponse) response = NULL;

      if (koi_imap_client_read (self, koi_imap_client_deadline (self), FALSE, cancellable, NULL,
                                &response, error) != KOI_IMAP_READ_RESPONSE)
        return FALSE;

      switch (response->kind)
        {
        case KOI_IMAP_RESPONSE_TAGGED:
          if (g_strcmp0 (response->tag, tag) != 0)
            return koi_imap_client_unexpected (self, response, error);
          tagged = g_steal_pointer (&response);
          break;

        case KOI_IMAP_RESPONSE_UNTAGGED:
          koi_imap_client_track_untagged (self, response);
          if (func != NULL && handler_error == NULL)
            func (self, response, user_data, &handler_error);
          break;

        case KOI_IMAP_RESPONSE_CONTINUATION:
        default:
          return koi_imap_client_unexpected (self, response, error);
        }
    }

  if (tagged->status == KOI_IMAP_STATUS_OK && handler_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&handler_error));
      if (out_tagged != NULL)
        *out_tagged = g_steal_pointer (&tagged);
      return FALSE;
    }

  if (!koi_imap_client_tagged_error (self, command, tagged, error))
    {
      if (out_tagged != NULL)
        *out_tagged = g_steal_pointer (&tagged);
      return FALSE;
    }

  if (out_tagged != NULL)
    *out_tagged = g_steal_pointer (&tagged);
  return TRUE;
}

gboolean
koi_imap_client_command_raw (KoiImapClient        *self,
                             const char           *command,
                             KoiImapUntaggedFunc   func,
                             gpointer              user_data,
                             KoiImapResponse     **out_tagged,
                             GCancellable         *cancellable,
                             GError              **error)
{
  g_autoptr(KoiImapCommand) cmd = NULL;

  g_return_val_if_fail (command != NULL, FALSE);

  if (strpbrk (command, "\r\n") != NULL)
    {
      g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_INVALID_ARGUMENT,
                   "An IMAP command cannot contain a line break; use a literal");
      return FALSE;
    }

  cmd = koi_imap_command_new (command);
  return koi_imap_client_run (self, cmd, func, user_data, out_tagged, cancellable, error);
}

void
koi_imap_client_add_mailbox (KoiImapClient  *self,
                             KoiImapCommand *command,
                             const char     *mailbox)
{
  g_autofree char *encoded = NULL;

  if (self->utf8_enabled)
    {
      koi_imap_command_add_string (command, mailbox, TRUE);
      return;
    }

  encoded = koi_imap_utf7_encode (mailbox);
  koi_imap_command_add_string (command, encoded, FALSE);
}

/* Arguments the caller writes in IMAP syntax itself (sequence sets,
 * criteria, flag lists) must stay on one line and in ASCII. */
gboolean
koi_imap_client_check_syntax_arg (const char  *what,
                                  const char  *value,
                                  GError     **error)
{
  if (value == NULL || value[0] == '\0')
    {
      g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_INVALID_ARGUMENT,
                   "The IMAP %s is empty", what);
      return FALSE;
    }

  for (const char *p = value; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || (guchar) *p >= 0x7f)
        {
          g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_INVALID_ARGUMENT,
                       "The IMAP %s “%s” may only hold printable ASCII", what, value);
          return FALSE;
        }
    }

  return TRUE;
}

gboolean
koi_imap_client_check_mailbox_arg (const char  *mailbox,
                                   GError     **error)
{
  if (mailbox == NULL || mailbox[0] == '\0' || !g_utf8_validate (mailbox, -1, NULL))
    {
      g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_INVALID_ARGUMENT,
                   "A mailbox name must be non-empty UTF-8");
      return FALSE;
    }

  return TRUE;
}

KoiImapCommand *
koi_imap_client_mailbox_command (KoiImapClient *self,
                                 const char    *verb,
                                 const char    *mailbox)
{
  KoiImapCommand *command = koi_imap_command_new (verb);
  g_autofree char *summary = g_strdup_printf ("%s \"%s\"", verb, mailbox);

  koi_imap_client_add_mailbox (self, command, mailbox);
  koi_imap_command_set_summary (command, summary);
  return command;
}

/* ---- NOOP ---------------------------------------------------------------- */

gboolean
koi_imap_client_noop (KoiImapClient  *self,
                      GCancellable   *cancellable,
                      GError        **error)
{
  return koi_imap_client_command_raw (self, "NOOP", NULL, NULL, NULL, cancellable, error);
}
