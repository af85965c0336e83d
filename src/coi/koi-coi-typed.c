/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-coi-typed"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "koi-coi-gmime.h"
#include "koi-coi-parser.h"
#include "koi-coi-private.h"
#include "koi-coi-setup.h"

/* The fields of each result type, read from the whole mail once
 * koi_coi_classify_headers() has said what it is. */

/* Header text that ends up in a label (a name, a subject, a group name):
 * no line breaks, tabs or other controls, and no invisible formatting
 * such as the bidi overrides that turn "gnp.exe" into "exe.png", bounded.
 * Only the zero width joiner stays: emoji sequences need it. */
char *
koi_coi_one_line (const char *value,
                  gsize       max_bytes)
{
  g_autofree char *valid = NULL;
  GString *out;

  if (value == NULL)
    return NULL;

  valid = g_utf8_make_valid (value, -1);
  out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p != '\0' && out->len < max_bytes; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || (g_unichar_type (c) == G_UNICODE_FORMAT && c != 0x200d))
        {
          if (out->len > 0 && out->str[out->len - 1] != ' ')
            g_string_append_c (out, ' ');
          continue;
        }
      g_string_append_unichar (out, c);
    }

  /* Cut to the bound on a character boundary. */
  if (out->len > max_bytes)
    {
      const char *end = g_utf8_find_prev_char (out->str, out->str + max_bytes + 1);

      g_string_truncate (out, end != NULL ? (gsize) (end - out->str) : 0);
    }

  g_strstrip (out->str);
  return g_string_free (out, FALSE);
}

/* The address in "bob@example.org" or "Bob <bob@example.org>", lower-cased. */
static char *
address_in (const char *value)
{
  g_autoptr(InternetAddressList) list = NULL;

  if (value == NULL)
    return NULL;

  list = internet_address_list_parse (NULL, value);
  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
    {
      InternetAddress *address = internet_address_list_get_address (list, i);
      const char *addr;

      if (!INTERNET_ADDRESS_IS_MAILBOX (address))
        continue;
      addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));
      if (addr != NULL && strchr (addr, '@') != NULL && strlen (addr) <= 254 &&
          g_utf8_validate (addr, -1, NULL))
        return g_utf8_strdown (addr, -1);
    }

  return NULL;
}

/* Delta Chat puts a quote of the old text and a pencil before the new text
 * of an edit; both go. The chat text has lost the quote already (a leading
 * quote is folded away); what is left may be its "On ... wrote:" line. */
static char *
edit_text (const char *text)
{
  static const char *pencils[] = { "\xe2\x9c\x8f\xef\xb8\x8f", "\xe2\x9c\x8f", NULL };
  const char *pencil = NULL;
  const char *start = text;

  for (guint i = 0; pencils[i] != NULL && pencil == NULL; i++)
    pencil = strstr (text, pencils[i]);

  if (pencil != NULL)
    {
      /* Only a pencil at the start of a line, after nothing but the quote
       * block, is the marker; one inside the user's text stays. */
      gboolean at_line_start = pencil == text || pencil[-1] == '\n';
      gboolean only_quote_before = TRUE;
      g_auto(GStrv) lines = koi_coi_split_lines (text, -1);
      gsize offset = 0;

      for (guint i = 0; lines[i] != NULL && offset < (gsize) (pencil - text); i++)
        {
          const char *line = lines[i];
          gsize len = strlen (line);

          if (*line != '\0' && *line != '>' && !g_str_has_suffix (line, ":"))
            only_quote_before = FALSE;
          offset += len + 1;
        }

      if (at_line_start && only_quote_before)
        {
          start = pencil + (g_str_has_prefix (pencil, pencils[0]) ? strlen (pencils[0])
                                                                   : strlen (pencils[1]));
          while (*start == ' ')
            start++;
        }
    }

  return g_strstrip (g_strdup (start));
}

static void
fill_edit (GMimeMessage *message,
           KoiCoiParsed *parsed)
{
  g_autofree char *target = koi_coi_edit_target (message);
  g_autofree char *text = edit_text (parsed->text);

  if (target != NULL)
    g_ptr_array_add (parsed->target_ids, g_steal_pointer (&target));

  /* An edit to nothing is a delete (COI draft); Delta Chat never sends
   * one, and reading it as a delete is the only meaning it can have. */
  if (*text == '\0')
    parsed->type = KOI_COI_TYPE_DELETE;

  g_free (parsed->text);
  parsed->text = g_steal_pointer (&text);
}

static void
fill_delete (GMimeMessage *message,
             KoiCoiParsed *parsed)
{
  g_autoptr(GPtrArray) targets = koi_coi_delete_targets (message);

  for (guint i = 0; i < targets->len; i++)
    koi_coi_add_target (parsed->target_ids, g_ptr_array_index (targets, i));
}

static void
fill_reaction (GMimeMessage *message,
               KoiCoiParsed *parsed)
{
  GMimeObject *body = g_mime_message_get_mime_part (message);
  g_autofree char *raw = NULL;

  koi_coi_add_target (parsed->target_ids, parsed->in_reply_to);

  if (GMIME_IS_PART (body))
    raw = koi_coi_part_text (GMIME_PART (body), KOI_COI_MAX_REACTION * 4);
  else
    raw = g_strdup (parsed->full_text);

  /* RFC 9078 allows several emoji separated by white space; one line,
   * single spaces, bounded. Empty: the sender took the reaction back. */
  parsed->reaction = koi_coi_one_line (raw, KOI_COI_MAX_REACTION);
  {
    GString *squeezed = g_string_new (NULL);

    for (const char *p = parsed->reaction; *p != '\0'; p++)
      if (*p != ' ' || (squeezed->len > 0 && squeezed->str[squeezed->len - 1] != ' '))
        g_string_append_c (squeezed, *p);
    g_free (parsed->reaction);
    parsed->reaction = g_string_free (squeezed, FALSE);
  }
}

typedef struct
{
  KoiCoiParsed *parsed;
  gboolean      top_is_contact;
} ContactWalk;

static gboolean
has_suffix_nocase (const char *name,
                   const char *suffix)
{
  gsize n = name != NULL ? strlen (name) : 0;
  gsize s = strlen (suffix);

  return n >= s && g_ascii_strcasecmp (name + n - s, suffix) == 0;
}

static gboolean
find_card_parts (GMimeObject *object,
                 gpointer     user_data)
{
  ContactWalk *walk = user_data;
  KoiCoiParsed *parsed = walk->parsed;
  GMimeContentType *type = g_mime_object_get_content_type (object);
  g_autofree char *chat_content = NULL;
  const char *filename;

  if (!GMIME_IS_PART (object) || type == NULL)
    return FALSE;

  chat_content = koi_coi_header_token (object, "Chat-Content");
  filename = g_mime_part_get_filename (GMIME_PART (object));

  if (parsed->contact_json == NULL &&
      (g_mime_content_type_is_type (type, "application", "json") ||
       has_suffix_nocase (filename, ".json")))
    parsed->contact_json = koi_coi_part_text (GMIME_PART (object), KOI_COI_MAX_CARD);
  else if (parsed->contact_vcard == NULL &&
           (g_mime_content_type_is_type (type, "text", "vcard") ||
            g_mime_content_type_is_type (type, "text", "x-vcard") ||
            g_mime_content_type_is_type (type, "text", "directory") ||
            has_suffix_nocase (filename, ".vcf")))
    parsed->contact_vcard = koi_coi_part_text (GMIME_PART (object), KOI_COI_MAX_CARD);
  else if (parsed->contact_hcard == NULL &&
           g_mime_content_type_is_type (type, "text", "html") &&
           (walk->top_is_contact || g_strcmp0 (chat_content, "contact") == 0 ||
            g_strcmp0 (chat_content, "profile") == 0))
    parsed->contact_hcard = koi_coi_part_text (GMIME_PART (object), KOI_COI_MAX_CARD);

  return FALSE;
}

/* The COI fields a card keeps, raw (folding and all), so that Koi writes
 * server tokens back exactly as the server made them. */
static char *
card_headers (GMimeMessage *message)
{
  static const char * const names[] = { "COI-Token", "COI-TokenIn", "COI-TokenOut", "COI-Blocked", NULL };
  GMimeHeaderList *list = g_mime_object_get_header_list (GMIME_OBJECT (message));
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  gboolean any = FALSE;

  json_builder_begin_array (builder);
  for (int i = 0; i < g_mime_header_list_get_count (list); i++)
    {
      GMimeHeader *header = g_mime_header_list_get_header_at (list, i);
      const char *name = g_mime_header_get_name (header);
      const char *raw = g_mime_header_get_raw_value (header);

      for (guint j = 0; names[j] != NULL; j++)
        if (g_ascii_strcasecmp (name, names[j]) == 0 && raw != NULL &&
            g_utf8_validate (raw, -1, NULL))
          {
            json_builder_begin_array (builder);
            json_builder_add_string_value (builder, names[j]);
            json_builder_add_string_value (builder, raw);
            json_builder_end_array (builder);
            any = TRUE;
          }
    }
  json_builder_end_array (builder);

  if (!any)
    return NULL;
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static void
fill_contact (GMimeMessage *message,
              KoiCoiParsed *parsed)
{
  g_autofree char *chat_content = koi_coi_header_token (GMIME_OBJECT (message), "Chat-Content");
  ContactWalk walk = { parsed, g_strcmp0 (chat_content, "contact") == 0 ||
                               g_strcmp0 (chat_content, "profile") == 0 };

  koi_coi_walk_parts (g_mime_message_get_mime_part (message), find_card_parts, &walk);

  if (parsed->contact_json == NULL && parsed->contact_vcard == NULL &&
      parsed->contact_hcard == NULL)
    parsed->type = KOI_COI_TYPE_EMAIL;
  else
    parsed->contact_headers = card_headers (message);
}

static void
fill_group (GMimeMessage *message,
            KoiCoiParsed *parsed)
{
  GMimeObject *object = GMIME_OBJECT (message);
  g_autofree char *chat_content = koi_coi_header_token (object, "Chat-Content");

  parsed->group_id = koi_coi_group_id_of (message);
  if (parsed->group_id != NULL)
    {
      const char *own_id = g_mime_message_get_message_id (message);

      parsed->group_id_explicit =
        g_mime_object_get_header (object, "Chat-Group-ID") != NULL ||
        (own_id != NULL && strstr (own_id, parsed->group_id) != NULL &&
         (g_ascii_strncasecmp (own_id, "chat$group.", 11) == 0 || strncmp (own_id, "Gr.", 3) == 0));
    }
  parsed->group_name = koi_coi_one_line (g_mime_object_get_header (object, "Chat-Group-Name"),
                                         KOI_COI_MAX_GROUP_NAME);
  if (parsed->group_name != NULL && *parsed->group_name == '\0')
    g_clear_pointer (&parsed->group_name, g_free);

  if (parsed->type != KOI_COI_TYPE_GROUP_CHANGE)
    return;

  parsed->group_member_added =
    address_in (g_mime_object_get_header (object, "Chat-Group-Member-Added"));
  parsed->group_member_removed =
    address_in (g_mime_object_get_header (object, "Chat-Group-Member-Removed"));
  parsed->group_name_changed =
    g_mime_object_get_header (object, "Chat-Group-Name-Changed") != NULL;

  /* COI: whoever sends "groupleft" leaves. */
  if (g_strcmp0 (chat_content, "groupleft") == 0 && parsed->group_member_removed == NULL)
    parsed->group_member_removed = g_strdup (parsed->from_address);
}

void
koi_coi_fill_typed (GMimeMessage *message,
                    KoiCoiParsed *parsed)
{
  parsed->type = koi_coi_classify_headers (message);

  switch (parsed->type)
    {
    case KOI_COI_TYPE_EDIT:
      fill_edit (message, parsed);
      break;
    case KOI_COI_TYPE_DELETE:
      fill_delete (message, parsed);
      break;
    case KOI_COI_TYPE_REACTION:
      fill_reaction (message, parsed);
      break;
    case KOI_COI_TYPE_CONTACT:
      fill_contact (message, parsed);
      break;
    case KOI_COI_TYPE_READ_RECEIPT:
      if (!koi_coi_read_mdn (message, parsed))
        parsed->type = KOI_COI_TYPE_EMAIL;
      break;
    case KOI_COI_TYPE_DELIVERY_FAILURE:
      {
        GMimeObject *body = g_mime_message_get_mime_part (message);
        gboolean is_report = body != NULL &&
                             g_mime_content_type_is_type (g_mime_object_get_content_type (body),
                                                          "multipart", "report");

        if (!(is_report ? koi_coi_read_dsn (message, parsed) : koi_coi_read_bounce (message, parsed)))
          parsed->type = KOI_COI_TYPE_EMAIL;
      }
      break;
    case KOI_COI_TYPE_KEY_SETUP:
      {
        /* The header alone hides nothing: without the key part it is mail. */
        g_autofree char *armour = koi_coi_setup_message_armour (message);

        if (armour == NULL)
          parsed->type = KOI_COI_TYPE_EMAIL;
      }
      break;
    case KOI_COI_TYPE_CHAT:
    case KOI_COI_TYPE_EMAIL:
    case KOI_COI_TYPE_GROUP_CHANGE:
    case KOI_COI_TYPE_AUTO_REPLY:
    case KOI_COI_TYPE_MAILING_LIST:
    default:
      break;
    }

  /* A report or card that turned out empty leaves nothing half-filled. */
  if (parsed->type == KOI_COI_TYPE_EMAIL)
    {
      g_ptr_array_set_size (parsed->target_ids, 0);
      g_ptr_array_set_size (parsed->failed_recipients, 0);
      g_clear_pointer (&parsed->failure_text, g_free);
    }

  fill_group (message, parsed);
}
