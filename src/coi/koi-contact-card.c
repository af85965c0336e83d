/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-coi"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "koi-coi-error.h"
#include "koi-coi-gmime.h"
#include "koi-contact-card.h"

/* The seed's words for the human reading the mail in another client. */
#define HUMAN_NOTE "This message contains a contact, do not delete.\r\n"

struct _KoiContactCard
{
  char       *address;
  KoiVCard   *vcard;
  JsonObject *json;
  char       *json_text;    /* as received; NULL once edited */
  char       *vcard_text;   /* as received; NULL once edited */
  GPtrArray  *headers;      /* pairs: name, raw value (the COI tokens) */
  gboolean    blocked;
};

/* Header fields a card keeps byte for byte; COI-Blocked is Koi's own. */
static const char * const kept_headers[] = { "COI-Token", "COI-TokenIn", "COI-TokenOut", NULL };

static KoiContactCard *
card_alloc (void)
{
  KoiContactCard *card = g_new0 (KoiContactCard, 1);

  card->headers = g_ptr_array_new_with_free_func (g_free);
  return card;
}

static JsonObject *
new_json (void)
{
  JsonObject *json = json_object_new ();

  json_object_set_int_member (json, "coi-version", 1);
  json_object_set_string_member (json, "content", "contact");
  return json;
}

KoiContactCard *
koi_contact_card_new (const char *address)
{
  KoiContactCard *card = card_alloc ();

  g_return_val_if_fail (address != NULL, NULL);

  card->address = g_ascii_strdown (address, -1);
  card->json = new_json ();
  card->vcard = koi_vcard_new ();
  koi_vcard_add_raw (card->vcard, "VERSION", "4.0");
  koi_vcard_add_raw (card->vcard, "EMAIL", card->address);
  return card;
}

void
koi_contact_card_free (KoiContactCard *card)
{
  if (card == NULL)
    return;

  g_free (card->address);
  koi_vcard_free (card->vcard);
  g_clear_pointer (&card->json, json_object_unref);
  g_free (card->json_text);
  g_free (card->vcard_text);
  g_ptr_array_unref (card->headers);
  g_free (card);
}

/* ------------------------------------------------------------------ */
/* The draft's h-card: just enough to find name, address, note, photo */

static char *
html_text (const char *start,
           const char *end)
{
  g_autoptr (GString) out = g_string_new (NULL);
  gboolean in_tag = FALSE;

  for (const char *p = start; p < end; p++)
    {
      if (*p == '<')
        in_tag = TRUE;
      else if (*p == '>')
        in_tag = FALSE;
      else if (in_tag)
        continue;
      else if (*p == '&')
        {
          static const struct { const char *entity; const char *text; } entities[] = {
            { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" }, { "&#39;", "'" },
          };
          gboolean done = FALSE;

          for (guint i = 0; i < G_N_ELEMENTS (entities) && !done; i++)
            if (strncmp (p, entities[i].entity, strlen (entities[i].entity)) == 0)
              {
                g_string_append (out, entities[i].text);
                p += strlen (entities[i].entity) - 1;
                done = TRUE;
              }
          if (!done)
            g_string_append_c (out, *p);
        }
      else
        g_string_append_c (out, *p);
    }

  return g_strstrip (g_string_free (g_steal_pointer (&out), FALSE));
}

/* The value of @attribute in the tag that starts at @tag, or NULL. */
static char *
tag_attribute (const char *tag,
               const char *tag_end,
               const char *attribute)
{
  g_autofree char *needle = g_strdup_printf ("%s=\"", attribute);
  g_autofree char *copy = g_strndup (tag, tag_end - tag);
  const char *found = strstr (copy, needle);
  const char *end;

  if (found == NULL)
    return NULL;
  found += strlen (needle);
  end = strchr (found, '"');
  return end != NULL ? html_text (found, end) : NULL;
}

static gboolean
class_has (const char *classes,
           const char *name)
{
  g_auto (GStrv) list = g_strsplit_set (classes, " \t\n", -1);

  return g_strv_contains ((const char * const *) list, name);
}

static KoiVCard *
vcard_from_hcard (const char  *html,
                  char       **out_status)
{
  g_autoptr (KoiVCard) vcard = koi_vcard_new ();
  const char *p = html;

  koi_vcard_add_raw (vcard, "VERSION", "4.0");

  while ((p = strchr (p, '<')) != NULL)
    {
      const char *tag_end = strchr (p, '>');
      g_autofree char *classes = NULL;
      const char *close;

      if (tag_end == NULL)
        break;
      classes = tag_attribute (p, tag_end, "class");
      close = strchr (tag_end, '<');
      if (close == NULL)
        close = tag_end + strlen (tag_end);

      if (classes != NULL)
        {
          if (class_has (classes, "p-name") && koi_vcard_get (vcard, "FN") == NULL)
            {
              g_autofree char *text = html_text (tag_end + 1, close);

              koi_vcard_set_text (vcard, "FN", text);
            }
          if (class_has (classes, "u-email"))
            {
              g_autofree char *href = tag_attribute (p, tag_end, "href");
              g_autofree char *text = html_text (tag_end + 1, close);
              const char *address = href != NULL ? href : text;

              if (g_ascii_strncasecmp (address, "mailto:", 7) == 0)
                address += 7;
              if (strchr (address, '@') != NULL)
                koi_vcard_add_raw (vcard, "EMAIL", address);
            }
          if (class_has (classes, "p-status") && *out_status == NULL)
            *out_status = html_text (tag_end + 1, close);
          if (class_has (classes, "p-note"))
            {
              g_autofree char *text = html_text (tag_end + 1, close);

              koi_vcard_set_text (vcard, "NOTE", text);
            }
          if (class_has (classes, "u-photo"))
            {
              g_autofree char *src = tag_attribute (p, tag_end, "src");

              if (src != NULL)
                koi_vcard_set_raw (vcard, "PHOTO", src);
            }
        }
      p = tag_end;
    }

  return koi_vcard_get (vcard, "EMAIL") != NULL ? g_steal_pointer (&vcard) : NULL;
}

/* ------------------------------------------------------------------ */
/* Reading */

static char *
first_email (const KoiVCard *vcard)
{
  KoiVCardProperty *email;
  g_autofree char *text = NULL;
  const char *address;

  if (vcard == NULL || (email = koi_vcard_get (vcard, "EMAIL")) == NULL)
    return NULL;

  text = g_strstrip (koi_vcard_unescape (email->value));
  address = text;
  if (g_ascii_strncasecmp (address, "mailto:", 7) == 0)
    address += 7;
  if (strchr (address, '@') == NULL)
    return NULL;
  return g_ascii_strdown (address, -1);
}

static void
parse_headers (KoiContactCard *card,
               const char     *headers)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonArray *list;

  if (headers == NULL || !json_parser_load_from_data (parser, headers, -1, NULL))
    return;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    return;

  list = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *node = json_array_get_element (list, i);
      JsonArray *pair;
      const char *name, *value;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        continue;
      pair = json_node_get_array (node);
      if (json_array_get_length (pair) != 2)
        continue;
      name = json_array_get_string_element (pair, 0);
      value = json_array_get_string_element (pair, 1);
      if (name == NULL || value == NULL)
        continue;

      if (g_ascii_strcasecmp (name, "COI-Blocked") == 0)
        {
          g_autofree char *token = g_strstrip (g_strdup (value));

          card->blocked = g_ascii_strcasecmp (token, "yes") == 0;
        }
      else if (g_strv_contains (kept_headers, name))
        {
          g_ptr_array_add (card->headers, g_strdup (name));
          g_ptr_array_add (card->headers, g_strdup (value));
        }
    }
}

KoiContactCard *
koi_contact_card_parse (const char  *json,
                        const char  *vcard,
                        const char  *hcard,
                        const char  *headers,
                        GError     **error)
{
  g_autoptr (KoiContactCard) card = card_alloc ();
  g_autofree char *hcard_status = NULL;

  if (vcard != NULL)
    {
      card->vcard = koi_vcard_parse (vcard, NULL);
      if (card->vcard != NULL)
        card->vcard_text = g_strdup (vcard);
    }
  if (card->vcard == NULL && hcard != NULL)
    card->vcard = vcard_from_hcard (hcard, &hcard_status);

  if (json != NULL)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();

      /* An empty text loads with no root at all. */
      if (json_parser_load_from_data (parser, json, -1, NULL) &&
          json_parser_get_root (parser) != NULL &&
          JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        {
          card->json = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
          card->json_text = g_strdup (json);
        }
    }

  parse_headers (card, headers);

  card->address = first_email (card->vcard);
  if (card->address == NULL)
    {
      g_set_error_literal (error, KOI_COI_ERROR, KOI_COI_ERROR_MALFORMED,
                           "The contact card names no email address");
      return NULL;
    }

  if (card->vcard == NULL)
    card->vcard = koi_vcard_new ();
  if (card->json == NULL)
    {
      card->json = new_json ();
      if (hcard_status != NULL && *hcard_status != '\0')
        json_object_set_string_member (card->json, "status", hcard_status);
    }

  return g_steal_pointer (&card);
}

/* ------------------------------------------------------------------ */
/* Writing */

char *
koi_contact_card_to_json (const KoiContactCard *card)
{
  g_autoptr (JsonGenerator) generator = NULL;
  g_autoptr (JsonNode) root = NULL;

  if (card->json_text != NULL)
    return g_strdup (card->json_text);

  root = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (root, card->json);
  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

char *
koi_contact_card_to_vcard (const KoiContactCard *card)
{
  if (card->vcard_text != NULL)
    return g_strdup (card->vcard_text);

  return koi_vcard_to_string (card->vcard);
}

char *
koi_contact_card_get_headers (const KoiContactCard *card)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  if (card->headers->len == 0 && !card->blocked)
    return NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i + 1 < card->headers->len; i += 2)
    {
      json_builder_begin_array (builder);
      json_builder_add_string_value (builder, g_ptr_array_index (card->headers, i));
      json_builder_add_string_value (builder, g_ptr_array_index (card->headers, i + 1));
      json_builder_end_array (builder);
    }
  if (card->blocked)
    {
      json_builder_begin_array (builder);
      json_builder_add_string_value (builder, "COI-Blocked");
      json_builder_add_string_value (builder, " yes");
      json_builder_end_array (builder);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static GMimePart *
attachment_part (const char *type,
                 const char *subtype,
                 const char *filename,
                 const char *text)
{
  g_autoptr (GMimeDataWrapper) content = NULL;
  g_autoptr (GMimeStream) stream = NULL;
  GMimePart *part = g_mime_part_new_with_type (type, subtype);
  GMimeContentEncoding encoding;

  g_mime_object_set_content_type_parameter (GMIME_OBJECT (part), "charset", "utf-8");
  stream = g_mime_stream_mem_new_with_buffer (text, strlen (text));
  content = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (part, content);
  /* curl and some servers take 7-bit only: QP or base64 as gmime finds best. */
  encoding = g_mime_part_get_best_content_encoding (part, GMIME_ENCODING_CONSTRAINT_7BIT);
  g_mime_part_set_content_encoding (part, encoding);
  if (filename != NULL)
    {
      g_mime_object_set_disposition (GMIME_OBJECT (part), "attachment");
      g_mime_part_set_filename (part, filename);
    }
  else
    g_mime_object_set_disposition (GMIME_OBJECT (part), "inline");
  return part;
}

static void
append_raw_header (GMimeObject *object,
                   const char  *name,
                   const char  *raw)
{
  GMimeHeaderList *list = g_mime_object_get_header_list (object);
  GMimeHeader *header;
  int count;

  g_mime_header_list_append (list, name, "", NULL);
  count = g_mime_header_list_get_count (list);
  header = g_mime_header_list_get_header_at (list, count - 1);
  g_mime_header_set_raw_value (header, raw);
}

GMimeMessage *
koi_contact_card_build (const KoiContactCard *card,
                        const char           *own_address,
                        const char           *message_id,
                        gint64                date_ms)
{
  g_autoptr (GMimeMultipart) multipart = g_mime_multipart_new_with_subtype ("mixed");
  g_autoptr (GMimePart) note = NULL;
  g_autoptr (GMimePart) json_part = NULL;
  g_autoptr (GMimePart) vcard_part = NULL;
  g_autoptr (GDateTime) date = NULL;
  g_autofree char *json = koi_contact_card_to_json (card);
  g_autofree char *vcard = koi_contact_card_to_vcard (card);
  g_autofree char *hash = NULL;
  g_autofree char *boundary = NULL;
  GMimeMessage *message = g_mime_message_new (TRUE);
  GMimeObject *object = GMIME_OBJECT (message);

  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, NULL, own_address);
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO, NULL, own_address);
  g_mime_message_set_subject (message, "Chat: Contact", NULL);
  date = g_date_time_new_from_unix_utc (date_ms / 1000);
  g_mime_message_set_date (message, date);
  g_mime_message_set_message_id (message, message_id);
  g_mime_object_set_header (object, "Chat-Version", "1.0", NULL);
  for (guint i = 0; i + 1 < card->headers->len; i += 2)
    append_raw_header (object, g_ptr_array_index (card->headers, i),
                       g_ptr_array_index (card->headers, i + 1));
  if (card->blocked)
    g_mime_object_set_header (object, "COI-Blocked", "yes", NULL);

  /* The same card gives the same bytes: the boundary follows the id. */
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, message_id, -1);
  boundary = g_strdup_printf ("=-koi-contact-%.24s", hash);
  g_mime_multipart_set_boundary (multipart, boundary);

  note = attachment_part ("text", "plain", NULL, HUMAN_NOTE);
  json_part = attachment_part ("application", "json", "contact.json", json);
  g_mime_object_set_header (GMIME_OBJECT (json_part), "Chat-Content", "contact", NULL);
  vcard_part = attachment_part ("text", "vcard", "contact.vcf", vcard);

  g_mime_multipart_add (multipart, GMIME_OBJECT (note));
  g_mime_multipart_add (multipart, GMIME_OBJECT (json_part));
  g_mime_multipart_add (multipart, GMIME_OBJECT (vcard_part));
  g_mime_message_set_mime_part (message, GMIME_OBJECT (multipart));

  return message;
}

/* ------------------------------------------------------------------ */
/* Fields */

const char *
koi_contact_card_get_address (const KoiContactCard *card)
{
  return card->address;
}

KoiVCard *
koi_contact_card_edit_vcard (KoiContactCard *card)
{
  g_clear_pointer (&card->vcard_text, g_free);
  return card->vcard;
}

static JsonObject *
edit_json (KoiContactCard *card)
{
  g_clear_pointer (&card->json_text, g_free);
  return card->json;
}

char *
koi_contact_card_get_name (const KoiContactCard *card)
{
  g_autofree char *name = koi_vcard_get_text (card->vcard, "FN");
  KoiVCardProperty *n;

  if (name != NULL && *g_strstrip (name) != '\0')
    return g_steal_pointer (&name);

  n = koi_vcard_get (card->vcard, "N");
  if (n != NULL)
    {
      /* family; given; additional; prefixes; suffixes */
      g_auto (GStrv) parts = koi_vcard_split (n->value, ';');
      g_autoptr (GString) out = g_string_new (NULL);
      static const guint order[] = { 3, 1, 2, 0, 4 };

      for (guint i = 0; i < G_N_ELEMENTS (order); i++)
        if (order[i] < g_strv_length (parts) && *g_strstrip (parts[order[i]]) != '\0')
          g_string_append_printf (out, "%s%s", out->len > 0 ? " " : "", parts[order[i]]);
      if (out->len > 0)
        return g_string_free (g_steal_pointer (&out), FALSE);
    }

  return NULL;
}

void
koi_contact_card_set_name (KoiContactCard *card,
                           const char     *name)
{
  koi_vcard_set_text (koi_contact_card_edit_vcard (card), "FN", name);
}

static char *
json_string (const KoiContactCard *card,
             const char           *member)
{
  JsonNode *node = json_object_get_member (card->json, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

char *
koi_contact_card_get_status (const KoiContactCard *card)
{
  return json_string (card, "status");
}

void
koi_contact_card_set_status (KoiContactCard *card,
                             const char     *status)
{
  if (status == NULL || *status == '\0')
    json_object_remove_member (edit_json (card), "status");
  else
    json_object_set_string_member (edit_json (card), "status", status);
}

char *
koi_contact_card_get_birthday (const KoiContactCard *card)
{
  KoiVCardProperty *property = koi_vcard_get (card->vcard, "BDAY");

  return property != NULL ? g_strdup (property->value) : NULL;
}

void
koi_contact_card_set_birthday (KoiContactCard *card,
                               const char     *birthday)
{
  koi_vcard_set_raw (koi_contact_card_edit_vcard (card), "BDAY", birthday);
}

char *
koi_contact_card_get_anniversary (const KoiContactCard *card)
{
  KoiVCardProperty *property = koi_vcard_get (card->vcard, "ANNIVERSARY");

  return property != NULL ? g_strdup (property->value) : NULL;
}

char *
koi_contact_card_get_language (const KoiContactCard *card)
{
  return koi_vcard_get_text (card->vcard, "LANG");
}

GStrv
koi_contact_card_get_emails (const KoiContactCard *card)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_add (builder, card->address);
  for (guint i = 0; i < card->vcard->properties->len; i++)
    {
      KoiVCardProperty *property = g_ptr_array_index (card->vcard->properties, i);
      g_autofree char *text = NULL;
      const char *address;

      if (!g_str_equal (property->name, "EMAIL"))
        continue;
      text = g_strstrip (koi_vcard_unescape (property->value));
      address = g_ascii_strncasecmp (text, "mailto:", 7) == 0 ? text + 7 : text;
      if (strchr (address, '@') != NULL && g_ascii_strcasecmp (address, card->address) != 0)
        {
          g_autofree char *lower = g_ascii_strdown (address, -1);

          g_strv_builder_add (builder, lower);
        }
    }
  return g_strv_builder_end (builder);
}

GStrv
koi_contact_card_get_groups (const KoiContactCard *card)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *node = json_object_get_member (card->json, "groups");

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *groups = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (groups); i++)
        {
          JsonNode *group = json_array_get_element (groups, i);

          if (JSON_NODE_HOLDS_VALUE (group) && json_node_get_value_type (group) == G_TYPE_STRING)
            g_strv_builder_add (builder, json_node_get_string (group));
        }
    }
  return g_strv_builder_end (builder);
}

void
koi_contact_card_set_groups (KoiContactCard     *card,
                             const char * const *groups)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; groups != NULL && groups[i] != NULL; i++)
    json_array_add_string_element (array, groups[i]);
  json_object_set_array_member (edit_json (card), "groups", array);
}

gboolean
koi_contact_card_get_notify (const KoiContactCard *card)
{
  JsonNode *node = json_object_get_member (card->json, "notification");
  JsonNode *enabled;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return TRUE;
  enabled = json_object_get_member (json_node_get_object (node), "enabled");
  if (enabled == NULL || !JSON_NODE_HOLDS_VALUE (enabled) ||
      json_node_get_value_type (enabled) != G_TYPE_BOOLEAN)
    return TRUE;
  return json_node_get_boolean (enabled);
}

void
koi_contact_card_set_notify (KoiContactCard *card,
                             gboolean        notify)
{
  JsonObject *json = edit_json (card);
  JsonNode *node = json_object_get_member (json, "notification");

  /* The other members ("types", "sound") stay as they are. */
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      json_object_set_object_member (json, "notification", json_object_new ());
      node = json_object_get_member (json, "notification");
    }
  json_object_set_boolean_member (json_node_get_object (node), "enabled", notify);
}

gboolean
koi_contact_card_get_is_me (const KoiContactCard *card)
{
  JsonNode *node = json_object_get_member (card->json, "is_me");

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

void
koi_contact_card_set_is_me (KoiContactCard *card,
                            gboolean        is_me)
{
  json_object_set_boolean_member (edit_json (card), "is_me", is_me);
}

gboolean
koi_contact_card_get_blocked (const KoiContactCard *card)
{
  return card->blocked;
}

void
koi_contact_card_set_blocked (KoiContactCard *card,
                              gboolean        blocked)
{
  card->blocked = blocked;
}

GBytes *
koi_contact_card_get_photo (const KoiContactCard *card,
                            char                **out_mime_type)
{
  KoiVCardProperty *photo = koi_vcard_get (card->vcard, "PHOTO");
  const char *encoding;

  if (photo == NULL)
    return NULL;

  encoding = koi_vcard_property_get_param (photo, "ENCODING");
  if (encoding != NULL && (g_ascii_strcasecmp (encoding, "b") == 0 ||
                           g_ascii_strcasecmp (encoding, "base64") == 0))
    {
      /* vCard 3.0: PHOTO;ENCODING=b;TYPE=JPEG:<base64> */
      g_autofree char *uri = g_strdup_printf ("data:;base64,%s", photo->value);
      const char *type = koi_vcard_property_get_param (photo, "TYPE");

      if (out_mime_type != NULL && type != NULL)
        *out_mime_type = g_strdup_printf ("image/%s", type);
      return koi_vcard_data_uri_decode (uri, NULL);
    }

  return koi_vcard_data_uri_decode (photo->value, out_mime_type);
}

/* Binary OpenPGP starts with a packet header: bit 7 set. An armoured key
 * ("-----BEGIN") or an X.509 certificate (a DER SEQUENCE, 0x30) does not. */
static GBytes *
openpgp_or_null (GBytes *bytes)
{
  gsize size = 0;
  const guint8 *data = bytes != NULL ? g_bytes_get_data (bytes, &size) : NULL;

  if (data == NULL || size == 0 || (data[0] & 0x80) == 0)
    {
      g_clear_pointer (&bytes, g_bytes_unref);
      return NULL;
    }
  return bytes;
}

GBytes *
koi_contact_card_get_key (const KoiContactCard *card)
{
  for (guint i = 0; card->vcard != NULL && i < card->vcard->properties->len; i++)
    {
      KoiVCardProperty *property = g_ptr_array_index (card->vcard->properties, i);
      const char *encoding;
      GBytes *key = NULL;

      if (g_strcmp0 (property->name, "KEY") != 0)
        continue;
      encoding = koi_vcard_property_get_param (property, "ENCODING");
      if (encoding != NULL && (g_ascii_strcasecmp (encoding, "b") == 0 ||
                               g_ascii_strcasecmp (encoding, "base64") == 0))
        {
          /* vCard 2.1 / 3.0: KEY;TYPE=PGP;ENCODING=b:<base64> */
          g_autofree char *uri = g_strdup_printf ("data:;base64,%s", property->value);

          key = koi_vcard_data_uri_decode (uri, NULL);
        }
      else
        {
          /* Delta Chat 2.x escapes the URI's comma as vCard text
           * ("base64\,"); older versions and RFC 6350's examples do not. */
          g_autofree char *uri = koi_vcard_unescape (property->value);
          g_autofree char *mime_type = NULL;

          key = koi_vcard_data_uri_decode (uri, &mime_type);
          if (key != NULL && mime_type != NULL && *mime_type != '\0' &&
              g_ascii_strcasecmp (mime_type, "application/pgp-keys") != 0)
            g_clear_pointer (&key, g_bytes_unref);
        }
      key = openpgp_or_null (key);
      if (key != NULL)
        return key;
    }
  return NULL;
}

void
koi_contact_card_set_key (KoiContactCard *card,
                          GBytes         *key)
{
  KoiVCard *vcard = koi_contact_card_edit_vcard (card);

  koi_vcard_remove (vcard, "KEY");
  if (key != NULL && g_bytes_get_size (key) > 0)
    {
      g_autofree char *uri = koi_vcard_data_uri_encode (key, "application/pgp-keys");

      koi_vcard_add_raw (vcard, "KEY", uri);
    }
}

void
koi_contact_card_set_photo (KoiContactCard *card,
                            GBytes         *jpeg)
{
  KoiVCard *vcard = koi_contact_card_edit_vcard (card);
  g_autofree char *uri = jpeg != NULL ? koi_vcard_data_uri_encode (jpeg, "image/jpeg") : NULL;

  koi_vcard_remove (vcard, "PHOTO");
  if (uri != NULL)
    koi_vcard_add_raw (vcard, "PHOTO", uri);
}
