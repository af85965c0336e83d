/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-coi-attachment"

#include "config.h"

#include <string.h>

#include "koi-coi-attachment.h"
#include "koi-coi-error.h"
#include "koi-coi-gmime.h"

/* Characters that change how the rest of a name is shown: bidi embeddings,
 * overrides, isolates and marks, and zero-width joiners that hide text. */
static gboolean
is_invisible_format (gunichar c)
{
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ||
         c == 0x200E || c == 0x200F || c == 0x061C || c == 0x200B ||
         c == 0x200C || c == 0x200D || c == 0x2060 || c == 0xFEFF;
}

static const char *
image_extension (const char *mime_type)
{
  static const struct { const char *type; const char *ext; } types[] = {
    { "image/png", ".png" }, { "image/jpeg", ".jpg" }, { "image/gif", ".gif" },
    { "image/webp", ".webp" }, { "image/bmp", ".bmp" },
  };

  for (guint i = 0; mime_type != NULL && i < G_N_ELEMENTS (types); i++)
    if (g_ascii_strcasecmp (mime_type, types[i].type) == 0)
      return types[i].ext;
  return "";
}

char *
koi_coi_attachment_safe_name (const char *name,
                              const char *mime_type)
{
  g_autofree char *valid = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  const char *base;
  const char *dot;
  glong length;

  valid = g_utf8_make_valid (name != NULL ? name : "", -1);

  /* Only what follows the last separator of any system. */
  base = valid;
  for (const char *p = valid; *p != '\0'; p++)
    if (*p == '/' || *p == '\\')
      base = p + 1;

  for (const char *p = base; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || (c >= 0x7F && c < 0xA0) || is_invisible_format (c))
        continue;
      if (c == ':' || c == '*' || c == '?' || c == '"' || c == '<' || c == '>' || c == '|')
        c = '_';
      g_string_append_unichar (out, c);
    }

  /* No hidden file, and nothing a shell or file manager reads as a path. */
  while (out->len > 0 && (out->str[0] == '.' || out->str[0] == ' ' || out->str[0] == '-'))
    g_string_erase (out, 0, 1);
  while (out->len > 0 && (out->str[out->len - 1] == ' ' || out->str[out->len - 1] == '.'))
    g_string_truncate (out, out->len - 1);

  if (out->len == 0)
    {
      g_string_assign (out, "file");
      g_string_append (out, image_extension (mime_type));
    }

  length = g_utf8_strlen (out->str, -1);
  if (length > KOI_COI_ATTACHMENT_NAME_MAX)
    {
      /* Cut the stem, keep a short extension. */
      g_autofree char *ext = NULL;
      glong ext_len = 0;
      const char *cut;

      dot = strrchr (out->str, '.');
      if (dot != NULL && g_utf8_strlen (dot, -1) <= 10)
        {
          ext = g_strdup (dot);
          ext_len = g_utf8_strlen (ext, -1);
        }
      cut = g_utf8_offset_to_pointer (out->str, KOI_COI_ATTACHMENT_NAME_MAX - ext_len);
      g_string_truncate (out, cut - out->str);
      if (ext != NULL)
        g_string_append (out, ext);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
append_param (GString    *header,
              const char *name,
              const char *value)
{
  /* Names come from the server: only a plain token is passed on. */
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '*')
      return;
  g_string_append_printf (header, "; %s=\"", name);
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (header, '\\');
      if (*p != '\r' && *p != '\n')
        g_string_append_c (header, *p);
    }
  g_string_append_c (header, '"');
}

static char *
name_from (GPtrArray  *params,
           const char *wanted)
{
  g_autoptr(GString) header = g_string_new ("");
  g_autoptr(GMimeParamList) list = NULL;
  const char *value;

  if (params == NULL)
    return NULL;
  for (guint i = 0; i + 1 < params->len; i += 2)
    append_param (header, params->pdata[i], params->pdata[i + 1]);
  if (header->len == 0)
    return NULL;

  /* gmime decodes RFC 2231 (name*=, name*0*=) and RFC 2047 here. */
  list = g_mime_param_list_parse (NULL, header->str + 1);
  if (list == NULL)
    return NULL;
  value = NULL;
  for (int i = 0; i < g_mime_param_list_length (list); i++)
    {
      GMimeParam *param = g_mime_param_list_get_parameter_at (list, i);

      if (g_ascii_strcasecmp (g_mime_param_get_name (param), wanted) == 0)
        value = g_mime_param_get_value (param);
    }
  if (value == NULL || *value == '\0')
    return NULL;
  if (strstr (value, "=?") != NULL)
    return g_mime_utils_header_decode_text (NULL, value);
  return g_strdup (value);
}

char *
koi_coi_attachment_name_from_params (GPtrArray *disposition_params,
                                     GPtrArray *type_params)
{
  char *name = name_from (disposition_params, "filename");

  if (name == NULL)
    name = name_from (type_params, "name");
  return name;
}

gboolean
koi_coi_part_is_attachment (const char *type,
                            const char *subtype,
                            const char *disposition,
                            gboolean    has_name)
{
  if (type == NULL || g_strcmp0 (type, "multipart") == 0)
    return FALSE;
  if (g_strcmp0 (disposition, "reaction") == 0)
    return FALSE;
  if (g_strcmp0 (disposition, "attachment") == 0 || has_name)
    return TRUE;
  return g_strcmp0 (type, "text") != 0 && g_strcmp0 (type, "message") != 0;
}

const char *
koi_coi_sniff_image_type (const guint8 *data,
                          gsize         len)
{
  if (len >= 8 && memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0)
    return "image/png";
  if (len >= 3 && memcmp (data, "\xff\xd8\xff", 3) == 0)
    return "image/jpeg";
  if (len >= 6 && (memcmp (data, "GIF87a", 6) == 0 || memcmp (data, "GIF89a", 6) == 0))
    return "image/gif";
  if (len >= 12 && memcmp (data, "RIFF", 4) == 0 && memcmp (data + 8, "WEBP", 4) == 0)
    return "image/webp";
  if (len >= 2 && memcmp (data, "BM", 2) == 0)
    return "image/bmp";
  return NULL;
}

static void
collect_previews (GMimeObject *object,
                  const char  *section,
                  GPtrArray   *out)
{
  const char *content;

  if (GMIME_IS_MULTIPART (object))
    {
      int n = g_mime_multipart_get_count (GMIME_MULTIPART (object));

      for (int i = 0; i < n; i++)
        {
          g_autofree char *child = *section != '\0' ? g_strdup_printf ("%s.%d", section, i + 1)
                                                     : g_strdup_printf ("%d", i + 1);

          collect_previews (g_mime_multipart_get_part (GMIME_MULTIPART (object), i), child, out);
        }
      return;
    }
  content = g_mime_object_get_header (object, "Chat-Content");
  while (content != NULL && g_ascii_isspace (*content))
    content++;
  if (content != NULL && g_ascii_strncasecmp (content, "preview", 7) == 0 &&
      (content[7] == '\0' || g_ascii_isspace (content[7]) || content[7] == ';'))
    g_ptr_array_add (out, g_strdup (section));
}

GPtrArray *
koi_coi_preview_sections (GMimeMessage *message)
{
  GMimeObject *body = message != NULL ? g_mime_message_get_mime_part (message) : NULL;
  g_autoptr (GPtrArray) sections = g_ptr_array_new_with_free_func (g_free);

  if (body == NULL)
    return NULL;
  /* IMAP numbers a multipart body's parts from 1 (RFC 3501 6.4.5); a body
   * that is one part is section 1. */
  collect_previews (body, GMIME_IS_MULTIPART (body) ? "" : "1", sections);
  return sections->len > 0 ? g_steal_pointer (&sections) : NULL;
}

int
koi_coi_attachment_kind (const char *mime_type,
                         const char *chat_content,
                         gboolean    voice_message)
{
  if (mime_type == NULL)
    return 0;
  if (voice_message && g_str_has_prefix (mime_type, "audio/"))
    return 4;
  if (g_strcmp0 (chat_content, "sticker") == 0 && g_str_has_prefix (mime_type, "image/"))
    return 5;
  if (g_ascii_strcasecmp (mime_type, "image/gif") == 0)
    return 6;
  if (g_str_has_prefix (mime_type, "image/"))
    return 1;
  if (g_str_has_prefix (mime_type, "audio/"))
    return 2;
  if (g_str_has_prefix (mime_type, "video/"))
    return 3;
  return 0;
}

guint64
koi_coi_base64_encoded_size (guint64 size)
{
  guint64 chars = (size + 2) / 3 * 4;

  /* Every line of 76 ends in CRLF, the last one too. */
  return chars + (chars + 75) / 76 * 2;
}

#define FILE_BODY_MARKER "koi-file-body-3f9a1c77-attachment-goes-here"

static void
utf8_param (GMimeParamList *list,
            const char     *name)
{
  for (int i = 0; list != NULL && i < g_mime_param_list_length (list); i++)
    {
      GMimeParam *param = g_mime_param_list_get_parameter_at (list, i);

      if (g_ascii_strcasecmp (g_mime_param_get_name (param), name) == 0)
        g_mime_param_set_charset (param, "utf-8");
    }
}

GMimePart *
koi_coi_file_part_new (const char *filename,
                       const char *mime_type,
                       goffset     size)
{
  g_autoptr(GMimeContentType) type = g_mime_content_type_parse (NULL, mime_type != NULL
                                                                ? mime_type : "application/octet-stream");
  GMimePart *part = g_mime_part_new ();
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (FILE_BODY_MARKER "\n",
                                                                     strlen (FILE_BODY_MARKER "\n"));
  g_autoptr(GMimeDataWrapper) content = NULL;
  g_autofree char *size_text = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) size);
  GMimeContentDisposition *disposition;

  g_mime_object_set_content_type (GMIME_OBJECT (part), type);
  /* Already "encoded": gmime writes the marker as it is, and the sender
   * puts the file's base64 in its place. */
  content = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_BASE64);
  g_mime_part_set_content (part, content);
  g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_BASE64);
  /* gmime writes RFC 2231 for a name that is not ASCII. */
  g_mime_part_set_filename (part, filename);
  disposition = g_mime_object_get_content_disposition (GMIME_OBJECT (part));
  g_mime_content_disposition_set_disposition (disposition, GMIME_DISPOSITION_ATTACHMENT);
  g_mime_content_disposition_set_parameter (disposition, "size", size_text);
  /* gmime would pick Latin-1 where it fits; UTF-8 is what readers expect. */
  utf8_param (g_mime_content_disposition_get_parameters (disposition), "filename");
  utf8_param (g_mime_content_type_get_parameters (g_mime_object_get_content_type (GMIME_OBJECT (part))),
              "name");
  return part;
}

gboolean
koi_coi_split_file_entity (GMimeObject   *entity,
                           GBytes       **out_head,
                           GBytes       **out_tail,
                           GError       **error)
{
  g_autoptr(GMimeFormatOptions) options = g_mime_format_options_new ();
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new ();
  GByteArray *bytes;
  const char *marker;
  gsize head_len;
  gsize skip = strlen (FILE_BODY_MARKER "\r\n");

  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  g_mime_object_write_to_stream (entity, options, stream);
  bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  marker = g_strstr_len ((const char *) bytes->data, bytes->len, FILE_BODY_MARKER "\r\n");
  if (marker == NULL)
    {
      g_set_error_literal (error, KOI_COI_ERROR, KOI_COI_ERROR_INVALID,
                           "The message has no file part to send");
      return FALSE;
    }
  head_len = marker - (const char *) bytes->data;
  *out_head = g_bytes_new (bytes->data, head_len);
  *out_tail = g_bytes_new (bytes->data + head_len + skip, bytes->len - head_len - skip);
  return TRUE;
}

gboolean
koi_coi_split_file_message (GMimeMessage  *message,
                            GBytes       **out_head,
                            GBytes       **out_tail,
                            GError       **error)
{
  return koi_coi_split_file_entity (GMIME_OBJECT (message), out_head, out_tail, error);
}

/* The body of a PGP/MIME mail with a file is written apart too: the
 * ciphertext is made from the file into a file of its own and streamed
 * from there when sent (koi-syncer-send-file.c). Armored, so 7bit. */
GMimePart *
koi_coi_armored_part_new (void)
{
  GMimePart *part = g_mime_part_new_with_type ("application", "octet-stream");
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (FILE_BODY_MARKER "\n",
                                                                     strlen (FILE_BODY_MARKER "\n"));
  g_autoptr(GMimeDataWrapper) content =
    g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_7BIT);

  g_mime_part_set_content (part, content);
  g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_7BIT);
  g_mime_part_set_filename (part, "encrypted.asc");
  g_mime_content_disposition_set_disposition (g_mime_object_get_content_disposition (GMIME_OBJECT (part)),
                                              GMIME_DISPOSITION_INLINE);
  g_mime_object_set_header (GMIME_OBJECT (part), "Content-Description",
                            "OpenPGP encrypted message", NULL);
  return part;
}
