/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-syncer"

#include "config.h"

#include <string.h>

#include "koi-imap-metadata.h"
#include "koi-syncer-private.h"

/*
 * COI servers (docs/WIRE.md, "IMAP side"). A server that announces the
 * COI capability keeps a per-user configuration in METADATA: whether it
 * files chat mail itself, under which mailbox root, and with which filter.
 * Koi reads it at every connect. When the server files, Koi uses the
 * server's folders and never moves chat mail itself (two movers would
 * race over the same UIDs). Turning filing on is the user's choice, kept
 * in the account's "coi_filing" store setting ("yes"/"no"; absent: not
 * asked yet), because it changes what every mail program on the account
 * sees in INBOX.
 */

#define COI_CONFIG           "/private/vendor/vendor.dovecot/coi/config"
#define COI_ENABLED          COI_CONFIG "/enabled"
#define COI_MAILBOX_ROOT     COI_CONFIG "/mailbox-root"
#define COI_MESSAGE_FILTER   COI_CONFIG "/message-filter"
#define COI_SETTING          "coi_filing"
#define COI_DEFAULT_ROOT     "COI"

/* Reads the configuration; a server that refuses (NO/BAD, no METADATA) is
 * treated as no COI server at all, and only a lost line is an error. */
static gboolean
read_config (KoiSyncer     *self,
             KoiImapClient *imap,
             gboolean      *out_ok,
             gboolean      *out_enabled,
             char         **out_root,
             GCancellable  *cancellable,
             GError       **error)
{
  const char *entries[] = { COI_CONFIG, NULL };
  g_autoptr(GHashTable) values = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *enabled, *root;

  *out_ok = FALSE;
  values = koi_imap_client_get_metadata (imap, "", "1", entries, cancellable, &local_error);
  if (values == NULL)
    {
      if (!koi_imap_client_is_connected (imap) ||
          g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_message ("%s: the server announces COI but its configuration cannot be read (%s)",
                 self->account->address, local_error->message);
      return TRUE;
    }

  enabled = g_hash_table_lookup (values, COI_ENABLED);
  root = g_hash_table_lookup (values, COI_MAILBOX_ROOT);
  *out_ok = TRUE;
  *out_enabled = enabled != NULL && g_ascii_strcasecmp (enabled, "yes") == 0;
  /* The root names a folder: nothing that would leave the namespace or
   * hide in a wildcard, else the default. */
  if (root != NULL && root[0] != '\0' && strpbrk (root, "*%\r\n") == NULL)
    *out_root = g_strdup (root);
  else
    *out_root = g_strdup (COI_DEFAULT_ROOT);
  return TRUE;
}

static gboolean
enable_on_server (KoiSyncer     *self,
                  KoiImapClient *imap,
                  GCancellable  *cancellable,
                  GError       **error)
{
  /* "active": the server files chat mail as it arrives, which is what
   * the user agreed to; Koi's own mover is off from then on. */
  return koi_imap_client_set_metadata (imap, "", COI_ENABLED, "yes", cancellable, error) &&
         koi_imap_client_set_metadata (imap, "", COI_MESSAGE_FILTER, "active", cancellable, error);
}

static void
set_folders (KoiSyncer  *self,
             const char *root,
             char        delimiter)
{
  g_free (self->chats_folder);
  g_free (self->contacts_folder);
  if (delimiter == '\0')
    {
      /* Flat namespace */
      self->chats_folder = g_strdup_printf ("%s-Chats", root);
      self->contacts_folder = g_strdup_printf ("%s-Contacts", root);
    }
  else
    {
      self->chats_folder = g_strdup_printf ("%s%cChats", root, delimiter);
      self->contacts_folder = g_strdup_printf ("%s%cContacts", root, delimiter);
    }
}

gboolean
koi_syncer_coi_connect (KoiSyncer     *self,
                        KoiImapClient *imap,
                        char           delimiter,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autofree char *choice = NULL;
  g_autofree char *root = NULL;
  gboolean ok = FALSE, enabled = FALSE;

  self->coi_server = FALSE;
  self->server_files = FALSE;
  self->delimiter = delimiter;

  if (koi_imap_client_has_capability (imap, "COI"))
    {
      if (!read_config (self, imap, &ok, &enabled, &root, cancellable, error))
        return FALSE;
      self->coi_server = ok;
    }

  if (self->coi_server && !enabled)
    {
      choice = koi_store_setting_get (self->store, self->account->id, COI_SETTING, NULL);
      if (g_strcmp0 (choice, "yes") == 0)
        {
          g_autoptr(GError) local_error = NULL;

          if (enable_on_server (self, imap, cancellable, &local_error))
            enabled = TRUE;
          else if (!koi_imap_client_is_connected (imap) ||
                   g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          else
            g_message ("%s: the server refused to turn on COI filing (%s); Koi files chat mail itself",
                       self->account->address, local_error->message);
        }
    }

  /* Enabled on the server (here, or by another device or program): the
   * server files, whatever this device would do. */
  self->server_files = self->coi_server && enabled;
  self->coi_offered = self->coi_server && !enabled && choice == NULL;
  set_folders (self, self->server_files ? root : COI_DEFAULT_ROOT, delimiter);
  return TRUE;
}

KoiCoiServerState
koi_syncer_get_coi_server (KoiSyncer *self)
{
  g_autofree char *choice = NULL;

  if (!self->coi_server)
    return KOI_COI_SERVER_NONE;
  if (self->server_files)
    return KOI_COI_SERVER_ENABLED;
  choice = koi_store_setting_get (self->store, self->account->id, COI_SETTING, NULL);
  return choice == NULL ? KOI_COI_SERVER_OFFERED : KOI_COI_SERVER_DECLINED;
}

gboolean
koi_syncer_save_coi_filing (KoiSyncer  *self,
                            gboolean    enable,
                            GError    **error)
{
  if (!koi_store_setting_set (self->store, self->account->id, COI_SETTING, enable ? "yes" : "no", error))
    return FALSE;
  if (!enable)
    self->coi_offered = FALSE;
  return TRUE;
}

gboolean
koi_syncer_enable_coi_server (KoiSyncer     *self,
                              GCancellable  *cancellable,
                              GError       **error)
{
  if (!koi_syncer_save_coi_filing (self, TRUE, error))
    return FALSE;
  if (self->imap == NULL || !self->coi_server || self->server_files)
    return TRUE;

  /* Connecting again picks the server's folders and watches them
   * (NOTIFY), exactly as every later connect will. */
  return enable_on_server (self, self->imap, cancellable, error) &&
         koi_syncer_connect (self, cancellable, error);
}

gboolean
koi_syncer_moves_chat_mail (KoiSyncer *self)
{
  return self->move_chat_mail && !self->server_files;
}
