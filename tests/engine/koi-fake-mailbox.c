/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-fake-mailbox"

#include <string.h>

#include "koi-fake-mailbox.h"

static void
mail_clear (gpointer data)
{
  g_free (((Mail *) data)->raw);
}

static void
folder_init (Folder     *folder,
             const char *name,
             guint32     uidvalidity)
{
  folder->name = name;
  folder->uidvalidity = uidvalidity;
  folder->uidnext = 1;
  folder->mails = g_array_new (FALSE, TRUE, sizeof (Mail));
  g_array_set_clear_func (folder->mails, mail_clear);
}

void
folder_add (Folder     *folder,
            const char *raw)
{
  Mail mail = { folder->uidnext++, g_strdup (raw) };

  g_array_append_val (folder->mails, mail);
}

FakeMailbox *
fake_mailbox_new (Hostile hostile)
{
  FakeMailbox *self = g_new0 (FakeMailbox, 1);

  g_mutex_init (&self->lock);
  folder_init (&self->inbox, "INBOX", 1000);
  folder_init (&self->chats, "COI/Chats", 2000);
  folder_init (&self->contacts, "COI/Contacts", 3000);
  self->hostile = hostile;
  return self;
}

void
fake_mailbox_free (FakeMailbox *self)
{
  g_array_unref (self->inbox.mails);
  g_array_unref (self->chats.mails);
  g_array_unref (self->contacts.mails);
  g_free (self->coi_filter);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* The mailbox argument of a command line, without quotes. */
static char *
mailbox_arg (const char *args)
{
  g_autofree char *copy = g_strstrip (g_strdup (args));
  gsize len = strlen (copy);

  if (len >= 2 && copy[0] == '"' && copy[len - 1] == '"')
    return g_strndup (copy + 1, len - 2);
  return g_steal_pointer (&copy);
}

static Folder *
find_folder (FakeMailbox *self,
             const char  *name)
{
  if (g_ascii_strcasecmp (name, "INBOX") == 0)
    return &self->inbox;
  if (strcmp (name, self->chats.name) == 0)
    return &self->chats;
  if (strcmp (name, self->contacts.name) == 0)
    return &self->contacts;
  return NULL;
}

/* Whether @uid is in the set (no "*" except as "N:*"). */
static gboolean
set_contains (const char *set,
              guint32     uid)
{
  g_auto(GStrv) ranges = g_strsplit (set, ",", -1);

  for (guint i = 0; ranges[i] != NULL; i++)
    {
      char *colon = strchr (ranges[i], ':');
      guint64 first = g_ascii_strtoull (ranges[i], NULL, 10);
      guint64 last = first;

      if (colon != NULL)
        last = colon[1] == '*' ? G_MAXUINT32 : g_ascii_strtoull (colon + 1, NULL, 10);
      if (uid >= MIN (first, last) && uid <= MAX (first, last))
        return TRUE;
    }
  return FALSE;
}

static void
send_fetch (KoiFakeImapConn *conn,
            guint            seq,
            const Mail      *mail,
            gboolean         headers_only,
            gsize            cut)
{
  const char *raw = mail->raw;
  const char *end = strstr (raw, "\r\n\r\n");
  gsize len = headers_only && end != NULL ? (gsize) (end - raw) + 4 : strlen (raw);

  /* Every mail arrived at the same moment: 2024-03-01 12:00 UTC. */
  koi_fake_imap_conn_printf (conn, "* %u FETCH (UID %u FLAGS () "
                             "INTERNALDATE \" 1-Mar-2024 13:00:00 +0100\" %s {%" G_GSIZE_FORMAT "}\r\n",
                             seq, mail->uid,
                             headers_only ? "BODY[HEADER.FIELDS (MESSAGE-ID CHAT-VERSION REFERENCES DATE)]"
                                          : "BODY[]", len);
  if (cut > 0 && cut < len)
    {
      koi_fake_imap_conn_write (conn, raw, cut);
      koi_fake_imap_conn_pause (conn, 50);
      koi_fake_imap_conn_drop (conn);
      return;
    }
  koi_fake_imap_conn_write (conn, raw, len);
  koi_fake_imap_conn_printf (conn, ")\r\n");
}

static gboolean
answer_fetch (FakeMailbox     *self,
              KoiFakeImapConn *conn,
              const char      *tag,
              const char      *args)
{
  g_auto(GStrv) words = g_strsplit (args, " ", 2);
  gboolean headers_only = strstr (args, "HEADER.FIELDS") != NULL;
  /* A flag sync (read state from other devices) asks for no body. */
  gboolean flags_only = strstr (args, "BODY") == NULL;
  Folder *folder = self->selected;
  guint last_wanted = 0;
  gboolean drop;

  if (flags_only)
    {
      for (guint i = 0; i < folder->mails->len; i++)
        if (set_contains (words[0], g_array_index (folder->mails, Mail, i).uid))
          koi_fake_imap_conn_printf (conn, "* %u FETCH (UID %u FLAGS ())\r\n", i + 1,
                                     g_array_index (folder->mails, Mail, i).uid);
      return koi_fake_imap_conn_printf (conn, "%s OK Fetch completed\r\n", tag) || TRUE;
    }

  g_mutex_lock (&self->lock);
  if (!headers_only)
    self->n_body_fetches++;
  drop = !headers_only && self->hostile == HOSTILE_DROP_MID_FETCH &&
         koi_fake_imap_conn_get_index (conn) == 0;
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < folder->mails->len; i++)
    if (set_contains (words[0], g_array_index (folder->mails, Mail, i).uid))
      last_wanted = i + 1;

  for (guint i = 0; i < folder->mails->len; i++)
    {
      const Mail *mail = &g_array_index (folder->mails, Mail, i);

      if (!set_contains (words[0], mail->uid))
        continue;
      if (drop && i + 1 == last_wanted)
        {
          send_fetch (conn, i + 1, mail, FALSE, strlen (mail->raw) / 2);
          return FALSE;
        }
      if (!headers_only && self->fetch_pause_ms > 0)
        koi_fake_imap_conn_pause (conn, self->fetch_pause_ms);
      send_fetch (conn, i + 1, mail, headers_only, 0);
    }

  return koi_fake_imap_conn_printf (conn, "%s OK Fetch completed\r\n", tag) || TRUE;
}

static gboolean
answer_move (FakeMailbox     *self,
             KoiFakeImapConn *conn,
             const char      *tag,
             const char      *args)
{
  g_auto(GStrv) words = g_strsplit (args, " ", 2);
  g_autofree char *target_name = mailbox_arg (words[1] != NULL ? words[1] : "");
  Folder *target = find_folder (self, target_name);
  Folder *source = self->selected;
  g_autoptr(GString) from = g_string_new (NULL);
  g_autoptr(GString) to = g_string_new (NULL);

  if (target == NULL)
    return koi_fake_imap_conn_printf (conn, "%s NO [TRYCREATE] No such mailbox\r\n", tag) || TRUE;

  g_mutex_lock (&self->lock);
  self->n_moves++;
  for (guint i = 0; i < source->mails->len; )
    {
      Mail *mail = &g_array_index (source->mails, Mail, i);

      if (!set_contains (words[0], mail->uid))
        {
          i++;
          continue;
        }
      g_string_append_printf (from, "%s%u", from->len > 0 ? "," : "", mail->uid);
      g_string_append_printf (to, "%s%u", to->len > 0 ? "," : "", target->uidnext);
      folder_add (target, mail->raw);
      g_array_remove_index (source->mails, i);
    }
  g_mutex_unlock (&self->lock);

  if (self->hostile == HOSTILE_HUGE_COPYUID)
    koi_fake_imap_conn_printf (conn, "* OK [COPYUID " COPYUID_HUGE "] Moved\r\n");
  else
    koi_fake_imap_conn_printf (conn, "* OK [COPYUID %u %s %s] Moved\r\n",
                               target->uidvalidity, from->str, to->str);
  return koi_fake_imap_conn_printf (conn, "%s OK Move completed\r\n", tag) || TRUE;
}

#define COI_CONFIG "/private/vendor/vendor.dovecot/coi/config"

/* RFC 5464 as a COI server answers it: the server's configuration entries
 * for GETMETADATA (DEPTH 1) "" (COI_CONFIG), and SETMETADATA of one entry. */
static gboolean
answer_metadata (FakeMailbox     *self,
                 KoiFakeImapConn *conn,
                 const char      *tag,
                 const char      *verb,
                 const char      *args)
{
  g_autoptr(GString) reply = g_string_new (NULL);

  g_mutex_lock (&self->lock);
  if (g_ascii_strcasecmp (verb, "SETMETADATA") == 0)
    {
      const char *entry = strstr (args, COI_CONFIG "/");
      g_autofree char *value = NULL;

      self->n_setmetadata++;
      if (entry != NULL && strchr (entry, '"') != NULL)
        {
          const char *start = strchr (entry, '"') + 1;
          const char *end = strchr (start, '"');

          value = end != NULL ? g_strndup (start, end - start) : NULL;
        }
      if (entry != NULL && g_str_has_prefix (entry, COI_CONFIG "/enabled "))
        self->coi_enabled = g_strcmp0 (value, "yes") == 0;
      else if (entry != NULL && g_str_has_prefix (entry, COI_CONFIG "/message-filter "))
        {
          g_free (self->coi_filter);
          self->coi_filter = g_steal_pointer (&value);
        }
      g_string_append_printf (reply, "%s OK Setmetadata completed\r\n", tag);
    }
  else
    {
      self->n_getmetadata++;
      g_string_append (reply, "* METADATA \"\" (" COI_CONFIG "/enabled ");
      g_string_append (reply, self->coi_enabled ? "\"yes\"" : "NIL");
      if (self->coi_root != NULL)
        g_string_append_printf (reply, " " COI_CONFIG "/mailbox-root {%zu}\r\n%s",
                                strlen (self->coi_root), self->coi_root);
      if (self->coi_filter != NULL)
        g_string_append_printf (reply, " " COI_CONFIG "/message-filter \"%s\"", self->coi_filter);
      g_string_append_printf (reply, ")\r\n%s OK Getmetadata completed\r\n", tag);
    }
  g_mutex_unlock (&self->lock);

  return koi_fake_imap_conn_write (conn, reply->str, reply->len) || TRUE;
}

gboolean
fake_mailbox_script (KoiFakeImapConn *conn,
                     const char      *tag,
                     const char      *line,
                     gpointer         user_data)
{
  FakeMailbox *self = user_data;
  const char *rest = line + strlen (tag);
  g_autofree char *verb = NULL;
  const char *args;

  while (*rest == ' ')
    rest++;
  if (g_ascii_strncasecmp (rest, "UID ", 4) == 0)
    {
      const char *space = strchr (rest + 4, ' ');

      verb = g_strndup (rest, space != NULL ? (gsize) (space - rest) : strlen (rest));
    }
  else
    {
      const char *space = strchr (rest, ' ');

      verb = g_strndup (rest, space != NULL ? (gsize) (space - rest) : strlen (rest));
    }
  args = rest + strlen (verb);
  while (*args == ' ')
    args++;

  /* IDLE until the client says DONE (the engine idles after its sync). */
  if (g_ascii_strcasecmp (verb, "IDLE") == 0)
    {
      g_strlcpy (self->idle_tag, tag, sizeof self->idle_tag);
      return koi_fake_imap_conn_printf (conn, "+ idling\r\n") || TRUE;
    }
  if (strcmp (line, "DONE") == 0)
    return koi_fake_imap_conn_printf (conn, "%s OK Idle done\r\n", self->idle_tag) || TRUE;

  if (g_ascii_strcasecmp (verb, "LIST") == 0)
    return koi_fake_imap_conn_printf (conn, "* LIST (\\Noselect) \"/\" \"\"\r\n%s OK List done\r\n",
                                      tag) || TRUE;

  if (g_ascii_strcasecmp (verb, "CREATE") == 0)
    return koi_fake_imap_conn_printf (conn, "%s NO [ALREADYEXISTS] Mailbox exists\r\n", tag) || TRUE;

  if (g_ascii_strcasecmp (verb, "SELECT") == 0 || g_ascii_strcasecmp (verb, "EXAMINE") == 0)
    {
      g_autofree char *name = mailbox_arg (args);
      Folder *folder = find_folder (self, name);

      if (folder == NULL)
        return koi_fake_imap_conn_printf (conn, "%s NO No such mailbox\r\n", tag) || TRUE;
      self->selected = folder;
      g_mutex_lock (&self->lock);
      koi_fake_imap_conn_printf (conn,
                                 "* %u EXISTS\r\n* OK [UIDVALIDITY %u] UIDs valid\r\n"
                                 "* OK [UIDNEXT %u] Predicted next UID\r\n"
                                 "%s OK [READ-WRITE] Select completed\r\n",
                                 folder->mails->len, folder->uidvalidity, folder->uidnext, tag);
      g_mutex_unlock (&self->lock);
      return TRUE;
    }

  if (g_ascii_strcasecmp (verb, "UID SEARCH") == 0 && self->selected != NULL)
    {
      g_autoptr(GString) found = g_string_new ("* SEARCH");
      const char *set = strstr (args, "UID ");

      for (guint i = 0; i < self->selected->mails->len; i++)
        {
          guint32 uid = g_array_index (self->selected->mails, Mail, i).uid;

          if (set == NULL || set_contains (set + 4, uid))
            g_string_append_printf (found, " %u", uid);
        }
      return koi_fake_imap_conn_printf (conn, "%s\r\n%s OK Search completed\r\n", found->str,
                                        tag) || TRUE;
    }

  if (g_ascii_strcasecmp (verb, "UID FETCH") == 0 && self->selected != NULL)
    return answer_fetch (self, conn, tag, args);

  if (g_ascii_strcasecmp (verb, "UID MOVE") == 0 && self->selected != NULL)
    return answer_move (self, conn, tag, args);

  if (g_ascii_strcasecmp (verb, "GETMETADATA") == 0 || g_ascii_strcasecmp (verb, "SETMETADATA") == 0)
    return answer_metadata (self, conn, tag, verb, args);

  return koi_fake_imap_conn_printf (conn, "%s OK Done\r\n", tag) || TRUE;
}
