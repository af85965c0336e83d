/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-imap-client"

#include "config.h"

#include <string.h>

#include "koi-imap-client-private.h"

/*
 * Mailboxes: LIST (names decoded from modified UTF-7 unless UTF8=ACCEPT
 * is on), CREATE, and SELECT/EXAMINE with what they report.
 */

void
koi_imap_mailbox_free (KoiImapMailbox *mailbox)
{
  if (mailbox == NULL)
    return;

  g_free (mailbox->name);
  g_free (mailbox);
}

static char *
decode_mailbox_name (KoiImapClient *self,
                     const char    *raw)
{
  char *decoded;

  if (self->utf8_enabled && g_utf8_validate (raw, -1, NULL))
    return g_strdup (raw);

  decoded = koi_imap_utf7_decode (raw);
  if (decoded != NULL)
    return decoded;

  /* Some servers send raw UTF-8 without UTF8=ACCEPT; keep what we can. */
  return g_utf8_make_valid (raw, -1);
}

static guint
mailbox_flag (const char *flag)
{
  static const struct { const char *name; guint flag; } flags[] = {
    { "\\NOSELECT", KOI_IMAP_MAILBOX_NOSELECT },
    { "\\NOINFERIORS", KOI_IMAP_MAILBOX_NOINFERIORS },
    { "\\HASCHILDREN", KOI_IMAP_MAILBOX_HAS_CHILDREN },
    { "\\HASNOCHILDREN", KOI_IMAP_MAILBOX_HAS_NO_CHILDREN },
    { "\\MARKED", KOI_IMAP_MAILBOX_MARKED },
    { "\\UNMARKED", KOI_IMAP_MAILBOX_UNMARKED },
    { "\\NONEXISTENT", KOI_IMAP_MAILBOX_NONEXISTENT },
    { "\\SUBSCRIBED", KOI_IMAP_MAILBOX_SUBSCRIBED },
    { "\\ALL", KOI_IMAP_MAILBOX_ALL },
    { "\\ARCHIVE", KOI_IMAP_MAILBOX_ARCHIVE },
    { "\\DRAFTS", KOI_IMAP_MAILBOX_DRAFTS },
    { "\\FLAGGED", KOI_IMAP_MAILBOX_FLAGGED },
    { "\\JUNK", KOI_IMAP_MAILBOX_JUNK },
    { "\\SENT", KOI_IMAP_MAILBOX_SENT },
    { "\\TRASH", KOI_IMAP_MAILBOX_TRASH },
  };

  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    if (g_ascii_strcasecmp (flag, flags[i].name) == 0)
      return flags[i].flag;

  return 0;
}

static gboolean
collect_list (KoiImapClient          *self,
              const KoiImapResponse  *response,
              gpointer                user_data,
              GError                **error)
{
  GPtrArray *mailboxes = user_data;
  const KoiImapValue *flags = koi_imap_response_get_arg (response, 0);
  const KoiImapValue *delimiter = koi_imap_response_get_arg (response, 1);
  const KoiImapValue *name = koi_imap_response_get_arg (response, 2);
  g_autofree char *raw_name = NULL;
  g_autoptr(KoiImapMailbox) mailbox = NULL;

  if (g_strcmp0 (response->name, "LIST") != 0)
    return TRUE;

  raw_name = koi_imap_value_dup_astring (name);
  if (flags == NULL || flags->type != KOI_IMAP_VALUE_LIST || delimiter == NULL || raw_name == NULL)
    {
      g_autofree char *what = koi_imap_response_describe (response);

      g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL,
                   "The server sent a LIST response Koi cannot read: %s", what);
      return FALSE;
    }

  mailbox = g_new0 (KoiImapMailbox, 1);
  for (guint i = 0; i < flags->list->len; i++)
    {
      const char *flag = koi_imap_value_get_string (flags->list->pdata[i]);

      if (flag != NULL)
        mailbox->flags |= mailbox_flag (flag);
    }
  if (delimiter->type != KOI_IMAP_VALUE_NIL)
    {
      const char *d = koi_imap_value_get_string (delimiter);

      mailbox->delimiter = d != NULL ? d[0] : '\0';
    }
  mailbox->name = decode_mailbox_name (self, raw_name);

  g_ptr_array_add (mailboxes, g_steal_pointer (&mailbox));
  return TRUE;
}

GPtrArray *
koi_imap_client_list (KoiImapClient  *self,
                      const char     *reference,
                      const char     *pattern,
                      GCancellable   *cancellable,
                      GError        **error)
{
  g_autoptr(GPtrArray) mailboxes = NULL;
  g_autoptr(KoiImapCommand) command = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (reference == NULL)
    reference = "";
  if (pattern == NULL)
    pattern = "*";
  if (!g_utf8_validate (reference, -1, NULL) || !g_utf8_validate (pattern, -1, NULL))
    {
      g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_INVALID_ARGUMENT,
                   "LIST arguments must be UTF-8");
      return NULL;
    }

  mailboxes = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_imap_mailbox_free);
  command = koi_imap_command_new ("LIST");
  koi_imap_client_add_mailbox (self, command, reference);
  koi_imap_client_add_mailbox (self, command, pattern);

  if (!koi_imap_client_run (self, command, collect_list, mailboxes, NULL, cancellable, error))
    return NULL;

  return g_steal_pointer (&mailboxes);
}

gboolean
koi_imap_client_create (KoiImapClient  *self,
                        const char     *mailbox,
                        GCancellable   *cancellable,
                        GError        **error)
{
  g_autoptr(KoiImapCommand) command = NULL;
  g_autoptr(KoiImapResponse) tagged = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!koi_imap_client_check_mailbox_arg (mailbox, error))
    return FALSE;

  command = koi_imap_client_mailbox_command (self, "CREATE", mailbox);
  if (koi_imap_client_run (self, command, NULL, NULL, &tagged, cancellable, &local_error))
    return TRUE;

  /* Two devices may create the same folder at once: the one that loses
   * has what it wanted. Servers without RFC 5530 codes only say it in words. */
  if (tagged != NULL && tagged->status == KOI_IMAP_STATUS_NO)
    {
      g_autofree char *text = g_ascii_strdown (tagged->text != NULL ? tagged->text : "", -1);

      if (g_strcmp0 (tagged->code, "ALREADYEXISTS") == 0 || strstr (text, "already exists") != NULL)
        return TRUE;
    }

  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* ---- SELECT -------------------------------------------------------------- */

typedef struct
{
  KoiImapMailboxStatus status;
  KoiImapFetchData     changed;   /* QRESYNC: the FETCHes of changed flags */
} SelectData;

static gboolean
collect_select (KoiImapClient          *self,
                const KoiImapResponse  *response,
                gpointer                user_data,
                GError                **error)
{
  SelectData *data = user_data;
  KoiImapMailboxStatus *status = &data->status;
  const KoiImapValue *arg = response->code_args->len > 0 ? response->code_args->pdata[0] : NULL;

  if (response->status == KOI_IMAP_STATUS_OK && response->code != NULL)
    {
      if (strcmp (response->code, "UIDVALIDITY") == 0)
        koi_imap_value_get_number32 (arg, &status->uidvalidity);
      else if (strcmp (response->code, "UIDNEXT") == 0)
        koi_imap_value_get_number32 (arg, &status->uidnext);
      else if (strcmp (response->code, "HIGHESTMODSEQ") == 0 && arg != NULL &&
               arg->type == KOI_IMAP_VALUE_NUMBER)
        status->highest_modseq = arg->number;
    }
  else if (data->changed.func != NULL && g_strcmp0 (response->name, "FETCH") == 0)
    return koi_imap_client_handle_fetch (self, response, &data->changed, error);

  return TRUE;
}

gboolean
koi_imap_client_select_mailbox (KoiImapClient         *self,
                                const char            *mailbox,
                                gboolean               read_only,
                                const KoiImapQresync  *qresync,
                                KoiImapFetchFunc       changed_func,
                                gpointer               user_data,
                                KoiImapMailboxStatus  *out_status,
                                GCancellable          *cancellable,
                                GError               **error)
{
  g_autoptr(KoiImapCommand) command = NULL;
  g_autoptr(KoiImapResponse) tagged = NULL;
  SelectData data = { { 0, }, { changed_func, user_data } };

  g_return_val_if_fail (self != NULL, FALSE);

  if (!koi_imap_client_check_mailbox_arg (mailbox, error))
    return FALSE;

  /* RFC 3501: a SELECT, even a failing one, leaves the old mailbox. */
  g_clear_pointer (&self->selected, g_free);
  self->exists = 0;
  g_array_set_size (self->vanished, 0);

  command = koi_imap_client_mailbox_command (self, read_only ? "EXAMINE" : "SELECT", mailbox);
  if (qresync != NULL && !koi_imap_client_add_qresync (command, mailbox, qresync, error))
    return FALSE;
  if (!koi_imap_client_run (self, command, collect_select, &data, &tagged, cancellable, error))
    return FALSE;

  self->selected = g_strdup (mailbox);
  /* What SELECT reported is the new baseline, not news. */
  self->changed = FALSE;
  data.status.exists = self->exists;
  data.status.read_only = read_only || g_strcmp0 (tagged->code, "READ-ONLY") == 0;

  if (data.status.uidvalidity == 0)
    {
      g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL,
                   "The server selected “%s” without giving its UIDVALIDITY", mailbox);
      return FALSE;
    }

  if (out_status != NULL)
    *out_status = data.status;
  return TRUE;
}

gboolean
koi_imap_client_select (KoiImapClient         *self,
                        const char            *mailbox,
                        gboolean               read_only,
                        KoiImapMailboxStatus  *out_status,
                        GCancellable          *cancellable,
                        GError               **error)
{
  return koi_imap_client_select_mailbox (self, mailbox, read_only, NULL, NULL, NULL, out_status,
                                         cancellable, error);
}
