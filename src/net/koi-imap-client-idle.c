/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-imap-client"

#include "config.h"

#include "koi-imap-client-private.h"

/* RFC 2177: re-issue IDLE at least every 29 minutes. */
#define DEFAULT_IDLE_TIMEOUT_MS (29 * 60 * 1000)

/*
 * Waiting for news: IDLE on the selected mailbox, NOTIFY for others, and
 * the "something changed" marks any reply may set, so a change that came
 * with another command is never slept through.
 */

gboolean
koi_imap_client_take_changed (KoiImapClient *self)
{
  gboolean changed = self->changed;

  self->changed = FALSE;
  return changed;
}

gboolean
koi_imap_client_take_other_changed (KoiImapClient *self)
{
  gboolean changed = self->other_changed;

  self->other_changed = FALSE;
  return changed;
}

gboolean
koi_imap_client_notify (KoiImapClient       *self,
                        const char * const  *mailboxes,
                        GCancellable        *cancellable,
                        GError             **error)
{
  g_autoptr(KoiImapCommand) command = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!koi_imap_client_has_capability (self, "NOTIFY"))
    {
      g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_UNSUPPORTED,
                   "The IMAP server %s does not offer NOTIFY", self->config->host);
      return FALSE;
    }

  /* The selected mailbox as IDLE reports it anyway (new, expunged, flags),
   * plus new and expunged messages of @mailboxes as STATUS responses. */
  command = koi_imap_command_new ("NOTIFY SET");
  koi_imap_command_add_atom (command, "(selected (MessageNew MessageExpunge FlagChange))");
  if (mailboxes != NULL && mailboxes[0] != NULL)
    {
      koi_imap_command_add_atom (command, "(mailboxes");
      if (mailboxes[1] != NULL)
        koi_imap_command_add_atom (command, "(");
      for (guint i = 0; mailboxes[i] != NULL; i++)
        koi_imap_client_add_mailbox (self, command, mailboxes[i]);
      if (mailboxes[1] != NULL)
        koi_imap_command_add_atom (command, ")");
      koi_imap_command_add_atom (command, "(MessageNew MessageExpunge FlagChange))");
    }

  return koi_imap_client_run (self, command, NULL, NULL, NULL, cancellable, error);
}

static gboolean
is_change (const KoiImapResponse *response)
{
  if (g_strcmp0 (response->name, "VANISHED") == 0)
    return TRUE;
  return response->has_number &&
         (g_strcmp0 (response->name, "EXISTS") == 0 ||
          g_strcmp0 (response->name, "EXPUNGE") == 0 ||
          g_strcmp0 (response->name, "FETCH") == 0 ||
          g_strcmp0 (response->name, "RECENT") == 0);
}

gboolean
koi_imap_client_idle (KoiImapClient      *self,
                      guint               timeout_ms,
                      GCancellable       *wake,
                      KoiImapIdleResult  *out_result,
                      GCancellable       *cancellable,
                      GError            **error)
{
  KoiImapIdleResult result = { 0, };
  g_autofree char *tag = NULL;
  g_autofree char *line = NULL;
  g_autoptr(KoiImapResponse) tagged = NULL;
  gint64 deadline;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!koi_imap_client_ensure_connected (self, error))
    return FALSE;
  if (!koi_imap_client_has_capability (self, "IDLE"))
    {
      g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_UNSUPPORTED,
                   "The IMAP server %s does not offer IDLE", self->config->host);
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  /* A change that arrived with an earlier reply is reported now rather
   * than slept through. */
  if (koi_imap_client_take_changed (self))
    result.server_changed = TRUE;
  if (koi_imap_client_take_other_changed (self))
    result.other_changed = TRUE;
  if (!result.server_changed && !result.other_changed && wake != NULL &&
      g_cancellable_is_cancelled (wake))
    result.woken = TRUE;

  if (result.server_changed || result.other_changed || result.woken)
    {
      result.exists = self->exists;
      if (out_result != NULL)
        *out_result = result;
      return TRUE;
    }

  if (timeout_ms == 0)
    timeout_ms = DEFAULT_IDLE_TIMEOUT_MS;

  tag = g_strdup_printf ("K%u", ++self->next_tag);
  line = g_strdup_printf ("%s IDLE\r\n", tag);
  if (!koi_imap_client_send_string (self, line, cancellable, error))
    return FALSE;

  /* Wait for "+" (anything untagged before it is still tracked). */
  for (;;)
    {
      g_autoptr(KoiImapResponse) response = NULL;

      if (koi_imap_client_read (self, koi_imap_client_deadline (self), FALSE, cancellable, NULL,
                                &response, error) != KOI_IMAP_READ_RESPONSE)
        return FALSE;

      if (response->kind == KOI_IMAP_RESPONSE_CONTINUATION)
        break;
      if (response->kind == KOI_IMAP_RESPONSE_TAGGED)
        {
          g_autoptr(KoiImapCommand) command = koi_imap_command_new ("IDLE");

          if (g_strcmp0 (response->tag, tag) != 0)
            return koi_imap_client_unexpected (self, response, error);
          /* The server refused IDLE: say so in its words. */
          if (response->status == KOI_IMAP_STATUS_OK)
            return koi_imap_client_unexpected (self, response, error);
          return koi_imap_client_tagged_error (self, command, response, error);
        }
      koi_imap_client_track_untagged (self, response);
      if (is_change (response))
        result.server_changed = TRUE;
    }

  deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  while (!result.server_changed && !self->other_changed)
    {
      g_autoptr(KoiImapResponse) response = NULL;
      KoiImapReadResult read = koi_imap_client_read (self, deadline, TRUE, cancellable, wake,
                                                     &response, error);

      if (read == KOI_IMAP_READ_FAILED)
        return FALSE;
      if (read == KOI_IMAP_READ_WOKEN)
        {
          result.woken = TRUE;
          break;
        }
      if (read == KOI_IMAP_READ_TIMED_OUT)
        {
          result.timed_out = TRUE;
          break;
        }
      if (response->kind != KOI_IMAP_RESPONSE_UNTAGGED)
        return koi_imap_client_unexpected (self, response, error);

      koi_imap_client_track_untagged (self, response);
      if (is_change (response))
        result.server_changed = TRUE;
      /* "* OK Still here" and the like keep waiting. */
    }

  if (!koi_imap_client_send_string (self, "DONE\r\n", cancellable, error))
    return FALSE;

  /* Not on `wake` any more: once fired it would make every wait return. */
  while (tagged == NULL)
    {
      g_autoptr(KoiImapResponse) response = NULL;

      if (koi_imap_client_read (self, koi_imap_client_deadline (self), FALSE, cancellable, NULL,
                                &response, error) != KOI_IMAP_READ_RESPONSE)
        return FALSE;

      if (response->kind == KOI_IMAP_RESPONSE_TAGGED && g_strcmp0 (response->tag, tag) == 0)
        tagged = g_steal_pointer (&response);
      else if (response->kind == KOI_IMAP_RESPONSE_UNTAGGED)
        {
          koi_imap_client_track_untagged (self, response);
          if (is_change (response))
            result.server_changed = TRUE;
        }
      else
        return koi_imap_client_unexpected (self, response, error);
    }

  if (tagged->status != KOI_IMAP_STATUS_OK)
    {
      g_autoptr(KoiImapCommand) command = koi_imap_command_new ("IDLE");

      return koi_imap_client_tagged_error (self, command, tagged, error);
    }

  /* Reported here: the caller now knows. */
  self->changed = FALSE;
  if (koi_imap_client_take_other_changed (self))
    result.other_changed = TRUE;
  result.exists = self->exists;
  if (out_result != NULL)
    *out_result = result;
  return TRUE;
}
