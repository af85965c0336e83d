/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-imap-client"

#include "config.h"

#include "koi-imap-client-private.h"

/*
 * Commands on messages: UID SEARCH, APPEND, UID STORE, UID MOVE (or its
 * COPY + EXPUNGE fallback) and UID EXPUNGE. Fetching them is in
 * koi-imap-client-fetch.c.
 */

/* ---- UID SEARCH ---------------------------------------------------------- */

static gboolean
collect_search (KoiImapClient          *self,
                const KoiImapResponse  *response,
                gpointer                user_data,
                GError                **error)
{
  GArray *uids = user_data;

  if (g_strcmp0 (response->name, "SEARCH") != 0)
    return TRUE;

  for (guint i = 0; i < response->args->len; i++)
    {
      guint32 uid;

      if (koi_imap_value_get_number32 (response->args->pdata[i], &uid))
        g_array_append_val (uids, uid);
      /* "(MODSEQ n)" after the numbers (CONDSTORE) is not a UID. */
    }

  return TRUE;
}

static int
compare_uid (gconstpointer a,
             gconstpointer b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

GArray *
koi_imap_client_uid_search (KoiImapClient  *self,
                            const char     *criteria,
                            GCancellable   *cancellable,
                            GError        **error)
{
  g_autoptr(GArray) uids = NULL;
  g_autoptr(KoiImapCommand) command = NULL;
  guint out = 0;

  g_return_val_if_fail (self != NULL, NULL);

  if (!koi_imap_client_check_syntax_arg ("search criteria", criteria, error))
    return NULL;

  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  command = koi_imap_command_new ("UID SEARCH");
  koi_imap_command_add_atom (command, criteria);
  if (!koi_imap_client_run (self, command, collect_search, uids, NULL, cancellable, error))
    return NULL;

  g_array_sort (uids, compare_uid);
  for (guint i = 0; i < uids->len; i++)
    {
      if (out == 0 || g_array_index (uids, guint32, i) != g_array_index (uids, guint32, out - 1))
        g_array_index (uids, guint32, out++) = g_array_index (uids, guint32, i);
    }
  g_array_set_size (uids, out);

  return g_steal_pointer (&uids);
}

/* ---- APPEND / STORE / MOVE / EXPUNGE ------------------------------------- */

gboolean
koi_imap_client_append (KoiImapClient  *self,
                        const char     *mailbox,
                        const char     *flags,
                        GBytes         *message,
                        guint32        *out_uid,
                        GCancellable   *cancellable,
                        GError        **error)
{
  g_autoptr(KoiImapCommand) command = NULL;
  g_autoptr(KoiImapResponse) tagged = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  if (out_uid != NULL)
    *out_uid = 0;

  if (!koi_imap_client_check_mailbox_arg (mailbox, error))
    return FALSE;
  if (flags != NULL && !koi_imap_client_check_syntax_arg ("flag list", flags, error))
    return FALSE;
  if (g_bytes_get_size (message) == 0)
    {
      g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_INVALID_ARGUMENT,
                   "Cannot append an empty message to “%s”", mailbox);
      return FALSE;
    }

  command = koi_imap_client_mailbox_command (self, "APPEND", mailbox);
  if (flags != NULL)
    koi_imap_command_add_atom (command, flags);
  koi_imap_command_add_literal (command, message);

  if (!koi_imap_client_run (self, command, NULL, NULL, &tagged, cancellable, error))
    return FALSE;

  /* [APPENDUID uidvalidity uid] (UIDPLUS) */
  if (out_uid != NULL && g_strcmp0 (tagged->code, "APPENDUID") == 0 && tagged->code_args->len >= 2)
    koi_imap_value_get_number32 (tagged->code_args->pdata[1], out_uid);

  return TRUE;
}

gboolean
koi_imap_client_uid_store (KoiImapClient  *self,
                           const char     *uid_set,
                           const char     *action,
                           GCancellable   *cancellable,
                           GError        **error)
{
  g_autoptr(KoiImapCommand) command = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!koi_imap_client_check_syntax_arg ("UID set", uid_set, error) ||
      !koi_imap_client_check_syntax_arg ("store action", action, error))
    return FALSE;

  command = koi_imap_command_new ("UID STORE");
  koi_imap_command_add_atom (command, uid_set);
  koi_imap_command_add_atom (command, action);

  return koi_imap_client_run (self, command, NULL, NULL, NULL, cancellable, error);
}

gboolean
koi_imap_client_uid_move (KoiImapClient  *self,
                          const char     *uid_set,
                          const char     *destination,
                          GCancellable   *cancellable,
                          GError        **error)
{
  g_autoptr(KoiImapCommand) copy = NULL;
  g_autofree char *summary = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!koi_imap_client_check_syntax_arg ("UID set", uid_set, error) ||
      !koi_imap_client_check_mailbox_arg (destination, error))
    return FALSE;

  summary = g_strdup_printf ("UID MOVE %s \"%s\"", uid_set, destination);

  if (koi_imap_client_has_capability (self, "MOVE"))
    {
      g_autoptr(KoiImapCommand) move = koi_imap_command_new ("UID MOVE");

      koi_imap_command_add_atom (move, uid_set);
      koi_imap_client_add_mailbox (self, move, destination);
      koi_imap_command_set_summary (move, summary);
      return koi_imap_client_run (self, move, NULL, NULL, NULL, cancellable, error);
    }

  /* RFC 6851 fallback. Without UIDPLUS a plain EXPUNGE also removes other
   * \Deleted messages; that is what such servers offer. */
  copy = koi_imap_command_new ("UID COPY");
  koi_imap_command_add_atom (copy, uid_set);
  koi_imap_client_add_mailbox (self, copy, destination);
  koi_imap_command_set_summary (copy, summary);
  if (!koi_imap_client_run (self, copy, NULL, NULL, NULL, cancellable, error))
    return FALSE;

  return koi_imap_client_uid_expunge (self, uid_set, cancellable, error);
}

gboolean
koi_imap_client_uid_expunge (KoiImapClient  *self,
                             const char     *uid_set,
                             GCancellable   *cancellable,
                             GError        **error)
{
  g_autoptr(KoiImapCommand) expunge = NULL;

  if (!koi_imap_client_uid_store (self, uid_set, "+FLAGS.SILENT (\\Deleted)", cancellable, error))
    return FALSE;

  /* UID EXPUNGE (UIDPLUS) removes exactly these; a plain EXPUNGE also
   * removes whatever else is \Deleted in the folder. */
  if (koi_imap_client_has_capability (self, "UIDPLUS"))
    {
      expunge = koi_imap_command_new ("UID EXPUNGE");
      koi_imap_command_add_atom (expunge, uid_set);
    }
  else
    expunge = koi_imap_command_new ("EXPUNGE");

  return koi_imap_client_run (self, expunge, NULL, NULL, NULL, cancellable, error);
}
