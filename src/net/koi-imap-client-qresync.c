/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-imap-client"

#include "config.h"

#include "koi-imap-client-private.h"

/*
 * CONDSTORE and QRESYNC (RFC 7162): ENABLE at connect, SELECT ... (QRESYNC
 * ...) and the VANISHED responses that tell which UIDs left the selected
 * mailbox. The plain SELECT they extend is in koi-imap-client-mailbox.c.
 */

/* CONDSTORE or QRESYNC on, right after login (before any SELECT). FALSE
 * only when the line is gone or the call was cancelled: a refused ENABLE
 * leaves Koi on the fallbacks. */
gboolean
koi_imap_client_enable_qresync (KoiImapClient  *self,
                                GCancellable   *cancellable,
                                GError        **error)
{
  /* CONDSTORE: every SELECT then says HIGHESTMODSEQ, so the engine can ask
   * only for flags changed since its last look (read state from other
   * devices). A server that refuses simply gets full flag syncs. */
  /* QRESYNC (RFC 7162) implies CONDSTORE and adds SELECT ... (QRESYNC
   * ...): a reconnect is told what was expunged (VANISHED) and which flags
   * changed, and an expunge is reported by UID, not sequence number. */
  if (koi_imap_client_has_capability (self, "QRESYNC") &&
      koi_imap_client_has_capability (self, "ENABLE"))
    {
      g_autoptr(GError) local_error = NULL;

      if (!koi_imap_client_command_raw (self, "ENABLE QRESYNC", koi_imap_client_note_enabled,
                                        NULL, NULL, cancellable, &local_error) &&
          (!self->connected || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  if (!self->qresync_enabled &&
      koi_imap_client_has_capability (self, "CONDSTORE") &&
      koi_imap_client_has_capability (self, "ENABLE"))
    {
      g_autoptr(GError) local_error = NULL;

      if (!koi_imap_client_command_raw (self, "ENABLE CONDSTORE", NULL, NULL, NULL,
                                        cancellable, &local_error) &&
          (!self->connected || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  return TRUE;
}

/* SELECT's "(QRESYNC (uidvalidity modseq known-uids))" (RFC 7162). */
gboolean
koi_imap_client_add_qresync (KoiImapCommand        *command,
                             const char            *mailbox,
                             const KoiImapQresync  *qresync,
                             GError               **error)
{
  g_autofree char *params = NULL;
  g_autofree char *summary = NULL;

  if (qresync->known_uids != NULL &&
      !koi_imap_client_check_syntax_arg ("UID set", qresync->known_uids, error))
    return FALSE;
  params = g_strdup_printf ("(QRESYNC (%u %" G_GUINT64_FORMAT "%s%s))",
                            qresync->uidvalidity, qresync->modseq,
                            qresync->known_uids != NULL ? " " : "",
                            qresync->known_uids != NULL ? qresync->known_uids : "");
  koi_imap_command_add_atom (command, params);
  summary = g_strdup_printf ("SELECT \"%s\" (QRESYNC)", mailbox);
  koi_imap_command_set_summary (command, summary);
  return TRUE;
}

/* "1:5,7" (a VANISHED argument) as ranges added to @ranges; FALSE if it
 * is not a UID set. Ranges, not UIDs: "1:4294967295" is eight bytes. */
static gboolean
add_uid_ranges (GArray     *ranges,
                const char *set)
{
  const char *p = set;

  while (p != NULL && *p != '\0')
    {
      KoiImapUidRange range;
      char *end = NULL;
      guint64 a, b;

      if (!g_ascii_isdigit (*p))
        return FALSE;
      a = g_ascii_strtoull (p, &end, 10);
      b = a;
      if (*end == ':')
        {
          if (!g_ascii_isdigit (end[1]))
            return FALSE;
          b = g_ascii_strtoull (end + 1, &end, 10);
        }
      if (a == 0 || b == 0 || a > G_MAXUINT32 || b > G_MAXUINT32)
        return FALSE;
      range.first = (guint32) MIN (a, b);
      range.last = (guint32) MAX (a, b);
      g_array_append_val (ranges, range);
      if (*end == ',')
        end++;
      else if (*end != '\0')
        return FALSE;
      p = end;
    }
  return TRUE;
}

/* "* VANISHED (EARLIER) 1:5,7" or "* VANISHED 9" (RFC 7162 3.2.10). */
void
koi_imap_client_track_vanished (KoiImapClient         *self,
                                const KoiImapResponse *response)
{
  gboolean earlier = FALSE;

  for (guint i = 0; i < response->args->len; i++)
    {
      const KoiImapValue *value = response->args->pdata[i];
      const char *set = koi_imap_value_get_string (value);

      guint before = self->vanished->len;

      if (value->type == KOI_IMAP_VALUE_LIST || set == NULL)
        {
          earlier = TRUE;   /* (EARLIER) */
          continue;
        }
      if (!add_uid_ranges (self->vanished, set))
        {
          g_message ("Ignoring a VANISHED Koi cannot read: %s", set);
          continue;
        }
      /* Without EARLIER it replaces EXPUNGE: those messages left the
       * mailbox now, and EXISTS counts them no more (RFC 7162 3.2.10). */
      for (guint j = before; j < self->vanished->len && !earlier; j++)
        {
          const KoiImapUidRange *range = &g_array_index (self->vanished, KoiImapUidRange, j);
          guint64 n = (guint64) range->last - range->first + 1;

          self->exists = n >= self->exists ? 0 : self->exists - (guint32) n;
        }
    }
}

gboolean
koi_imap_client_select_qresync (KoiImapClient         *self,
                                const char            *mailbox,
                                const KoiImapQresync  *qresync,
                                KoiImapFetchFunc       changed_func,
                                gpointer               user_data,
                                KoiImapMailboxStatus  *out_status,
                                GCancellable          *cancellable,
                                GError               **error)
{
  g_return_val_if_fail (qresync != NULL, FALSE);

  if (!self->qresync_enabled)
    {
      g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_UNSUPPORTED,
                   "The IMAP server %s does not offer QRESYNC", self->config->host);
      return FALSE;
    }
  return koi_imap_client_select_mailbox (self, mailbox, FALSE, qresync, changed_func, user_data,
                                         out_status, cancellable, error);
}

gboolean
koi_imap_client_has_qresync (KoiImapClient *self)
{
  return self->qresync_enabled;
}

GArray *
koi_imap_client_take_vanished (KoiImapClient *self)
{
  GArray *taken = g_array_copy (self->vanished);

  g_array_set_size (self->vanished, 0);
  return taken;
}
