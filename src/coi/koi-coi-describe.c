/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-coi-describe"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "koi-coi-private.h"

/* What to show for a mail that has no text to show: a calendar invite, an
 * encrypted or opaque-signed body, a mail that only forwards another, a
 * multipart that lost its boundary, only attachments. A readable line
 * saying what it is, never an empty bubble. */

typedef struct
{
  gboolean      calendar;
  gboolean      encrypted;
  GMimeMessage *forwarded;
  guint         attachments;
  char         *first_name;
  gboolean      broken;
} Found;

static gboolean
look_at_part (GMimeObject *part,
              gpointer     user_data)
{
  Found *found = user_data;
  GMimeContentType *type = g_mime_object_get_content_type (part);
  const char *media = type != NULL ? g_mime_content_type_get_media_type (type) : NULL;
  const char *sub = type != NULL ? g_mime_content_type_get_media_subtype (type) : NULL;

  if (media == NULL || sub == NULL)
    return FALSE;

  if (g_ascii_strcasecmp (media, "text") == 0 && g_ascii_strcasecmp (sub, "calendar") == 0)
    found->calendar = TRUE;
  else if (g_ascii_strcasecmp (media, "application") == 0 &&
           (g_ascii_strcasecmp (sub, "pkcs7-mime") == 0 ||
            g_ascii_strcasecmp (sub, "x-pkcs7-mime") == 0 ||
            g_ascii_strcasecmp (sub, "pgp-encrypted") == 0))
    found->encrypted = TRUE;
  else if (g_ascii_strcasecmp (media, "multipart") == 0 && g_ascii_strcasecmp (sub, "encrypted") == 0)
    found->encrypted = TRUE;
  else if (g_ascii_strcasecmp (media, "multipart") == 0 && GMIME_IS_MULTIPART (part) &&
           g_mime_multipart_get_count (GMIME_MULTIPART (part)) == 0)
    found->broken = TRUE;
  else if (GMIME_IS_MESSAGE_PART (part))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (part));

      if (inner != NULL && found->forwarded == NULL)
        found->forwarded = inner;
    }
  else if (GMIME_IS_PART (part) && !GMIME_IS_MULTIPART (part))
    {
      const char *name = g_mime_part_get_filename (GMIME_PART (part));

      found->attachments++;
      if (found->first_name == NULL && name != NULL)
        found->first_name = koi_coi_one_line (name, 200);
    }

  return FALSE;
}

/* Mail forwarded inside mail inside mail: only this many levels are
 * read, so a hostile nesting cannot exhaust the stack. */
#define MAX_FORWARD_DEPTH 3
static __thread guint forward_depth;

/* The forwarded mail's sender, subject and text. */
static char *
describe_forwarded (GMimeMessage *inner)
{
  g_autoptr(KoiCoiParsed) parsed = NULL;
  GString *out = g_string_new (NULL);

  if (forward_depth >= MAX_FORWARD_DEPTH)
    return g_string_free (g_string_append (out, _("Forwarded message")), FALSE);

  forward_depth++;
  parsed = koi_coi_parse_message (inner, NULL);
  forward_depth--;

  if (parsed->from_address != NULL && *parsed->subject != '\0')
    /* Translators: the first line of a mail that only forwards another;
     * %1$s is its sender, %2$s its subject */
    g_string_append_printf (out, _("Forwarded message from %1$s: %2$s"),
                            parsed->from_name != NULL ? parsed->from_name : parsed->from_address,
                            parsed->subject);
  else if (parsed->from_address != NULL)
    g_string_append_printf (out, _("Forwarded message from %s"),
                            parsed->from_name != NULL ? parsed->from_name : parsed->from_address);
  else
    g_string_append (out, _("Forwarded message"));

  if (*parsed->text != '\0')
    {
      g_string_append (out, "\n\n");
      g_string_append (out, parsed->text);
    }

  return g_string_free (out, FALSE);
}

/**
 * koi_coi_describe_without_text:
 * @message: a mail in which no text part has any text
 *
 * Returns: (transfer full): one readable line (or, for a forwarded mail,
 * its line and the forwarded text) saying what the mail holds
 */
char *
koi_coi_describe_without_text (GMimeMessage *message)
{
  Found found = { 0, };
  GMimeObject *body = g_mime_message_get_mime_part (message);
  char *text;

  if (body != NULL)
    koi_coi_walk_parts (body, look_at_part, &found);

  if (found.calendar)
    text = g_strdup (_("Calendar invitation (open it in a calendar program)"));
  else if (found.encrypted)
    text = g_strdup (_("Encrypted message that Koi cannot open"));
  else if (found.forwarded != NULL)
    text = describe_forwarded (found.forwarded);
  else if (found.broken)
    text = g_strdup (_("Damaged message: its parts could not be read"));
  else if (found.attachments == 1 && found.first_name != NULL)
    /* Translators: %s is a file name */
    text = g_strdup_printf (_("Attachment: %s"), found.first_name);
  else if (found.attachments > 0)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u attachment", "%u attachments",
                                         found.attachments),
                            found.attachments);
  else
    text = g_strdup (_("This message has no text"));

  g_free (found.first_name);

  return text;
}

/**
 * koi_coi_parsed_new_unreadable:
 * @raw: the bytes that koi_coi_parse() rejected
 * @uid: the mail's UID on the server, to find it again
 * @reason: (nullable): why it was rejected (the parse error)
 *
 * A result for a mail Koi cannot read at all, so that it is stored and
 * shown as an unreadable email instead of skipped for good: ordinary
 * email, no sender, an id from its bytes (the same on every device and in
 * every folder), and a text that says so with its UID.
 *
 * Returns: (transfer full): the result
 */
KoiCoiParsed *
koi_coi_parsed_new_unreadable (GBytes     *raw,
                               guint32     uid,
                               const char *reason)
{
  KoiCoiParsed *parsed = g_new0 (KoiCoiParsed, 1);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize len = 0;
  const guint8 *data = raw != NULL ? g_bytes_get_data (raw, &len) : NULL;

  if (data != NULL)
    g_checksum_update (checksum, data, len);

  parsed->kind = KOI_COI_KIND_EMAIL;
  parsed->type = KOI_COI_TYPE_EMAIL;
  parsed->message_id = g_strdup_printf ("koi-unreadable.%s@koi.invalid",
                                        g_checksum_get_string (checksum));
  parsed->message_id_synthetic = TRUE;
  parsed->to = g_ptr_array_new_with_free_func (g_free);
  parsed->cc = g_ptr_array_new_with_free_func (g_free);
  parsed->references = g_ptr_array_new_with_free_func (g_free);
  parsed->target_ids = g_ptr_array_new_with_free_func (g_free);
  parsed->failed_recipients = g_ptr_array_new_with_free_func (g_free);
  parsed->autocrypt_gossip = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_coi_autocrypt_free);
  parsed->subject = g_strdup ("");
  /* Translators: %u is the mail's number on the server, %s why it could
   * not be read (in English) */
  parsed->text = g_strdup_printf (_("Unreadable message (UID %u on the server): %s"), uid,
                                  reason != NULL ? reason : "");
  parsed->folded_text = g_strdup ("");
  parsed->full_text = g_strdup ("");

  return parsed;
}

/**
 * koi_coi_parsed_keep_apart:
 * @parsed: a mail whose Message-ID is already taken by a different mail
 *
 * Gives @parsed an id of its own, made from the taken id and what the
 * mail says (so every device makes the same one), and a first line that
 * warns about it: a forged mail that reuses an existing Message-ID is
 * shown as its own message and never replaces, hides or takes the server
 * location of the first.
 */
void
koi_coi_parsed_keep_apart (KoiCoiParsed *parsed)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *dated = g_strdup_printf ("%" G_GINT64_FORMAT, parsed->date_ms);
  char *text;

  const char *parts[] = {
    parsed->message_id, parsed->from_address, dated, parsed->subject, parsed->full_text,
  };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (parts[i] != NULL)
      g_checksum_update (checksum, (const guchar *) parts[i], strlen (parts[i]) + 1);

  g_free (parsed->message_id);
  parsed->message_id = g_strdup_printf ("koi-duplicate.%s@koi.invalid",
                                        g_checksum_get_string (checksum));
  parsed->message_id_synthetic = TRUE;

  text = g_strdup_printf ("%s\n\n%s",
                          _("Warning: this message reuses the ID of another message and may be forged"),
                          parsed->text);
  g_free (parsed->text);
  parsed->text = text;
}

/**
 * koi_coi_warned_text:
 * @text: what a visible mail says
 * @warning: why its sender is not shown as it claims
 * @senders: (nullable) (element-type utf8): several senders: the
 *   addresses From names
 *
 * Returns: (transfer full): @text with a line in front that says who the
 *   mail claims to be from and why Koi does not show it so
 */
char *
koi_coi_warned_text (const char    *text,
                     KoiCoiWarning  warning,
                     GPtrArray     *senders)
{
  g_autofree char *line = NULL;

  switch (warning)
    {
    case KOI_COI_WARNING_SEVERAL_SENDERS:
      {
        g_autoptr(GString) names = g_string_new (NULL);

        /* A few are enough to see what it claims; the line stays short. */
        for (guint i = 0; senders != NULL && i < senders->len && i < 5; i++)
          g_string_append_printf (names, "%s%s", i > 0 ? ", " : "",
                                  (const char *) g_ptr_array_index (senders, i));
        if (senders != NULL && senders->len > 5)
          g_string_append (names, ", …");
        /* Translators: %s is a list of email addresses */
        line = g_strdup_printf (_("Warning: this message names several senders (%s), so it is "
                                  "shown as from none of them"), names->str);
        break;
      }

    case KOI_COI_WARNING_NO_SENDER:
      line = g_strdup (_("Warning: this message names no sender"));
      break;

    case KOI_COI_WARNING_UNVERIFIED_SELF:
    default:
      line = g_strdup (_("Warning: this message claims to be from you, but no chat app on your "
                         "devices sent it: the sender may be forged"));
      break;
    }

  return text != NULL && *text != '\0' ? g_strdup_printf ("%s\n\n%s", line, text)
                                       : g_steal_pointer (&line);
}

/**
 * koi_coi_parsed_warn:
 * @parsed: a visible mail whose sender is not shown as it claims
 * @warning: why
 * @senders: (nullable) (element-type utf8): see koi_coi_warned_text()
 *
 * Puts the warning line in front of @parsed's text. Called once per mail.
 */
void
koi_coi_parsed_warn (KoiCoiParsed  *parsed,
                     KoiCoiWarning  warning,
                     GPtrArray     *senders)
{
  char *text = koi_coi_warned_text (parsed->text, warning, senders);

  g_free (parsed->text);
  parsed->text = text;
}
