/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-imap-command"

#include "config.h"

#include <string.h>

#include "koi-imap-command.h"

/* A command is texts[0] literal[0] texts[1] ... texts[n-1]. The literal
 * markers ({N} or {N+}) are not in the texts: the client writes them, as
 * only it knows whether the server offers LITERAL+. */
struct _KoiImapCommand
{
  GPtrArray *texts;    /* GString */
  GPtrArray *literals; /* GBytes */
  char      *summary;
  guint      n_args;
};

KoiImapCommand *
koi_imap_command_new (const char *verb)
{
  KoiImapCommand *command = g_new0 (KoiImapCommand, 1);

  g_return_val_if_fail (verb != NULL, NULL);

  command->texts = g_ptr_array_new ();
  command->literals = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_ptr_array_add (command->texts, g_string_new (verb));
  command->summary = g_strdup (verb);

  return command;
}

void
koi_imap_command_free (KoiImapCommand *command)
{
  if (command == NULL)
    return;

  /* g_string_free takes two arguments: free each by hand. */
  for (guint i = 0; i < command->texts->len; i++)
    g_string_free (command->texts->pdata[i], TRUE);
  g_ptr_array_unref (command->texts);
  g_ptr_array_unref (command->literals);
  g_free (command->summary);
  g_free (command);
}

static GString *
current_text (KoiImapCommand *command)
{
  return command->texts->pdata[command->texts->len - 1];
}

static void
note_argument (KoiImapCommand *command,
               const char     *shown)
{
  /* The verb and its first argument say enough to recognise the command
   * in an error message ("SELECT \"COI/Chats\""), and never carry data. */
  if (command->n_args++ == 0)
    {
      g_autofree char *old = command->summary;
      gsize len = strlen (shown);

      if (len > 100)
        command->summary = g_strdup_printf ("%s %.100s…", old, shown);
      else
        command->summary = g_strdup_printf ("%s %s", old, shown);
    }
}

void
koi_imap_command_add_atom (KoiImapCommand *command,
                           const char     *atom)
{
  g_return_if_fail (command != NULL);
  g_return_if_fail (atom != NULL);

  g_string_append_c (current_text (command), ' ');
  g_string_append (current_text (command), atom);
  note_argument (command, atom);
}

void
koi_imap_command_add_literal (KoiImapCommand *command,
                              GBytes         *data)
{
  g_return_if_fail (command != NULL);
  g_return_if_fail (data != NULL);

  g_ptr_array_add (command->literals, g_bytes_ref (data));
  g_ptr_array_add (command->texts, g_string_new (NULL));
  note_argument (command, "{literal}");
}

void
koi_imap_command_add_string (KoiImapCommand *command,
                             const char     *str,
                             gboolean        utf8_ok)
{
  gboolean needs_literal = FALSE;
  GString *quoted;

  g_return_if_fail (command != NULL);
  g_return_if_fail (str != NULL);

  for (const char *p = str; *p != '\0'; p++)
    {
      guchar c = *p;

      if (c == '\r' || c == '\n' || (c >= 0x80 && !utf8_ok))
        needs_literal = TRUE;
    }

  if (needs_literal)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (str, strlen (str));

      koi_imap_command_add_literal (command, bytes);
      return;
    }

  quoted = g_string_new ("\"");
  for (const char *p = str; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (quoted, '\\');
      g_string_append_c (quoted, *p);
    }
  g_string_append_c (quoted, '"');

  g_string_append_c (current_text (command), ' ');
  g_string_append_len (current_text (command), quoted->str, quoted->len);
  note_argument (command, quoted->str);
  g_string_free (quoted, TRUE);
}

const char *
koi_imap_command_get_summary (KoiImapCommand *command)
{
  return command->summary;
}

void
koi_imap_command_set_summary (KoiImapCommand *command,
                              const char     *summary)
{
  g_return_if_fail (command != NULL);
  g_return_if_fail (summary != NULL);

  g_free (command->summary);
  command->summary = g_strdup (summary);
  command->n_args = MAX (command->n_args, 1);
}

guint
koi_imap_command_get_n_parts (KoiImapCommand *command)
{
  return command->texts->len;
}

const char *
koi_imap_command_get_text (KoiImapCommand *command,
                           guint           part)
{
  g_return_val_if_fail (part < command->texts->len, NULL);

  return ((GString *) command->texts->pdata[part])->str;
}

GBytes *
koi_imap_command_get_literal (KoiImapCommand *command,
                              guint           part)
{
  if (part >= command->literals->len)
    return NULL;

  return command->literals->pdata[part];
}

/* ---- modified UTF-7 ------------------------------------------------------ */

static const char mutf7_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static void
flush_utf16 (GString       *out,
             const gunichar2 *units,
             glong          n_units)
{
  guint32 bits = 0;
  int n_bits = 0;

  g_string_append_c (out, '&');
  for (glong i = 0; i < n_units; i++)
    {
      bits = (bits << 16) | units[i];
      n_bits += 16;
      while (n_bits >= 6)
        {
          n_bits -= 6;
          g_string_append_c (out, mutf7_alphabet[(bits >> n_bits) & 0x3f]);
        }
    }
  if (n_bits > 0)
    g_string_append_c (out, mutf7_alphabet[(bits << (6 - n_bits)) & 0x3f]);
  g_string_append_c (out, '-');
}

char *
koi_imap_utf7_encode (const char *utf8)
{
  GString *out;
  const char *p;

  g_return_val_if_fail (utf8 != NULL, NULL);
  g_return_val_if_fail (g_utf8_validate (utf8, -1, NULL), NULL);

  out = g_string_new (NULL);
  p = utf8;
  while (*p != '\0')
    {
      if ((guchar) *p >= 0x20 && (guchar) *p <= 0x7e)
        {
          if (*p == '&')
            g_string_append (out, "&-");
          else
            g_string_append_c (out, *p);
          p++;
        }
      else
        {
          /* A run of characters outside printable ASCII goes as one
           * base64 block of UTF-16. */
          const char *start = p;
          g_autofree gunichar2 *units = NULL;
          glong n_units = 0;

          while (*p != '\0' && !((guchar) *p >= 0x20 && (guchar) *p <= 0x7e))
            p = g_utf8_next_char (p);

          units = g_utf8_to_utf16 (start, p - start, NULL, &n_units, NULL);
          flush_utf16 (out, units, n_units);
        }
    }

  return g_string_free (out, FALSE);
}

char *
koi_imap_utf7_decode (const char *mutf7)
{
  g_autoptr(GString) out = NULL;
  const char *p;

  g_return_val_if_fail (mutf7 != NULL, NULL);

  out = g_string_new (NULL);
  p = mutf7;
  while (*p != '\0')
    {
      if ((guchar) *p < 0x20 || (guchar) *p > 0x7e)
        return NULL;

      if (*p != '&')
        {
          g_string_append_c (out, *p++);
          continue;
        }

      p++;
      if (*p == '-')
        {
          g_string_append_c (out, '&');
          p++;
          continue;
        }

      {
        g_autoptr(GArray) units = g_array_new (FALSE, FALSE, sizeof (gunichar2));
        g_autofree char *utf8 = NULL;
        guint32 bits = 0;
        int n_bits = 0;

        while (*p != '-')
          {
            const char *pos;

            if (*p == '\0' || (pos = strchr (mutf7_alphabet, *p)) == NULL)
              return NULL;
            bits = (bits << 6) | (guint32) (pos - mutf7_alphabet);
            n_bits += 6;
            if (n_bits >= 16)
              {
                gunichar2 unit;

                n_bits -= 16;
                unit = (bits >> n_bits) & 0xffff;
                g_array_append_val (units, unit);
              }
            p++;
          }
        p++; /* '-' */

        /* Leftover bits are padding and must be zero; an empty block is
         * not allowed either. */
        if (units->len == 0 || n_bits >= 6 || (bits & ((1u << n_bits) - 1)) != 0)
          return NULL;

        utf8 = g_utf16_to_utf8 ((gunichar2 *) units->data, units->len, NULL, NULL, NULL);
        if (utf8 == NULL)
          return NULL;
        g_string_append (out, utf8);
      }
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}
