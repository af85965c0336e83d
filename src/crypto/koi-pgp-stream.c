/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * librnp on gmime streams. librnp reads and writes through callbacks a
 * block at a time, so a file part of 25 MB is encrypted from its file and
 * decrypted into a file with a few blocks of memory, never the whole mail
 * twice (which reading the stream into a buffer for rnp_input_from_memory
 * did).
 *
 * Decrypting has one twist: Delta Chat hides the recipients
 * (koi-pgp-hidden.c), and the key ids to rename sit in the session key
 * packets at the very start of the binary packets, under the ASCII armor.
 * So the cipher input dearmors by itself (line by line: skip to the BEGIN
 * line and past the armor headers, base64 up to the checksum or the END
 * line), holds back the first PREFIX_MAX bytes, renames what is there, and
 * passes everything after it through untouched. Session key packets are a
 * few hundred bytes each; 64 KiB holds a hundred of them.
 */
#include "config.h"

#define G_LOG_DOMAIN "koi-crypto"

#include <string.h>

#include "koi-pgp-hidden.h"
#include "koi-pgp-stream.h"
#include "koi-rnp-context-private.h"

#define PREFIX_MAX (64 * 1024)
#define READ_BLOCK (32 * 1024)
/* An armor line is 64 or 76 characters; one of a MiB is not armor. */
#define LINE_MAX_BYTES (1024 * 1024)

/* ---- plain streams ------------------------------------------------------ */

static bool
stream_read_cb (void   *app_ctx,
                void   *buf,
                size_t  len,
                size_t *read)
{
  gssize n = g_mime_stream_read (GMIME_STREAM (app_ctx), buf, len);

  /* Some gmime streams (GMimeStreamCat) answer -1 at their end. */
  if (n < 0 && g_mime_stream_eos (GMIME_STREAM (app_ctx)))
    n = 0;
  if (n < 0)
    return false;
  *read = (size_t) n;
  return true;
}

static void
stream_close_cb (void *app_ctx)
{
  g_object_unref (app_ctx);
}

static bool
stream_write_cb (void       *app_ctx,
                 const void *buf,
                 size_t      len)
{
  return g_mime_stream_write (GMIME_STREAM (app_ctx), buf, len) == (gssize) len;
}

static void
stream_output_close_cb (void *app_ctx,
                        bool  discard)
{
  g_mime_stream_flush (GMIME_STREAM (app_ctx));
  g_object_unref (app_ctx);
}

rnp_input_t
koi_pgp_stream_input (GMimeStream *source)
{
  rnp_input_t input = NULL;

  if (rnp_input_from_callback (&input, stream_read_cb, stream_close_cb,
                               g_object_ref (source)) != RNP_SUCCESS)
    {
      g_object_unref (source);
      return NULL;
    }
  return input;
}

rnp_output_t
koi_pgp_stream_output (GMimeStream *sink)
{
  rnp_output_t output = NULL;

  if (rnp_output_to_callback (&output, stream_write_cb, stream_output_close_cb,
                              g_object_ref (sink)) != RNP_SUCCESS)
    {
      g_object_unref (sink);
      return NULL;
    }
  return output;
}

/* ---- the cipher input --------------------------------------------------- */

typedef enum {
  SNIFF,          /* not yet known whether armored */
  BEFORE_BEGIN,   /* armored: looking for the BEGIN line */
  ARMOR_HEADERS,  /* armored: up to the empty line */
  ARMOR_BODY,     /* armored: base64 lines */
  BINARY,         /* binary packets, passed through */
  END,
} Phase;

typedef struct {
  KoiRnpContext *context;
  GMimeStream   *source;
  Phase          phase;
  GByteArray    *raw;         /* read from the source; used up to raw_off */
  gsize          raw_off;
  gboolean       source_done;
  GByteArray    *binary;      /* binary packets ready to hand out */
  gsize          binary_off;
  gboolean       prefix_done; /* the session key packets were looked at */
  gint           b64_state;
  guint          b64_save;
  gboolean       failed;
} CipherReader;

static void
cipher_reader_free (CipherReader *reader)
{
  g_object_unref (reader->source);
  g_object_unref (reader->context);
  g_byte_array_unref (reader->raw);
  g_byte_array_unref (reader->binary);
  g_free (reader);
}

/* More bytes from the source into raw; FALSE at its end. */
static gboolean
read_more (CipherReader *reader)
{
  guint old;
  gssize n;

  if (reader->source_done)
    return FALSE;
  /* Drop what is used only now: removing each line as it goes would move
   * the rest of the block once per line. */
  if (reader->raw_off > 0)
    {
      g_byte_array_remove_range (reader->raw, 0, reader->raw_off);
      reader->raw_off = 0;
    }
  old = reader->raw->len;
  g_byte_array_set_size (reader->raw, old + READ_BLOCK);
  n = g_mime_stream_read (reader->source, (char *) reader->raw->data + old, READ_BLOCK);
  if (n < 0 && g_mime_stream_eos (reader->source))
    n = 0;
  if (n <= 0)
    {
      g_byte_array_set_size (reader->raw, old);
      reader->source_done = TRUE;
      if (n < 0)
        reader->failed = TRUE;
      return FALSE;
    }
  g_byte_array_set_size (reader->raw, old + n);
  return TRUE;
}

/* The next line of raw (without its line end) into @line; FALSE at the end
 * of the source. */
static gboolean
next_line (CipherReader  *reader,
           GString       *line)
{
  for (;;)
    {
      const guint8 *start = reader->raw->data + reader->raw_off;
      gsize left = reader->raw->len - reader->raw_off;
      const guint8 *nl = memchr (start, '\n', left);

      if (nl != NULL || (reader->source_done && left > 0))
        {
          gsize take = nl != NULL ? (gsize) (nl - start) : left;

          g_string_truncate (line, 0);
          g_string_append_len (line, (const char *) start, take);
          if (line->len > 0 && line->str[line->len - 1] == '\r')
            g_string_truncate (line, line->len - 1);
          reader->raw_off += MIN (take + 1, left);
          return TRUE;
        }
      if (left > LINE_MAX_BYTES)
        {
          reader->failed = TRUE;
          return FALSE;
        }
      if (!read_more (reader))
        return FALSE;
    }
}

/* Adds binary packets (at most about one READ_BLOCK) to reader->binary;
 * FALSE once nothing more comes. */
static gboolean
produce (CipherReader *reader)
{
  g_autoptr (GString) line = g_string_new (NULL);
  guint before = reader->binary->len;

  if (reader->phase == SNIFF)
    {
      if (reader->raw->len == reader->raw_off && !read_more (reader))
        {
          reader->phase = END;
          return FALSE;
        }
      reader->phase = (reader->raw->data[reader->raw_off] & 0x80) != 0 ? BINARY : BEFORE_BEGIN;
    }

  if (reader->phase == BINARY)
    {
      if (reader->raw->len == reader->raw_off && !read_more (reader))
        {
          reader->phase = END;
          return FALSE;
        }
      g_byte_array_append (reader->binary, reader->raw->data + reader->raw_off,
                           reader->raw->len - reader->raw_off);
      g_byte_array_set_size (reader->raw, 0);
      reader->raw_off = 0;
      return TRUE;
    }

  while (reader->phase != END)
    {
      if (!next_line (reader, line))
        {
          reader->phase = END;
          break;
        }
      switch (reader->phase)
        {
        case BEFORE_BEGIN:
          if (g_str_has_prefix (line->str, "-----BEGIN PGP MESSAGE"))
            reader->phase = ARMOR_HEADERS;
          break;
        case ARMOR_HEADERS:
          if (strspn (line->str, " \t") == line->len)
            reader->phase = ARMOR_BODY;
          break;
        case ARMOR_BODY:
          if (line->str[0] == '=' || g_str_has_prefix (line->str, "-----"))
            {
              reader->phase = END;
              break;
            }
          {
            guint old = reader->binary->len;
            gsize n;

            g_byte_array_set_size (reader->binary, old + (line->len / 4 + 1) * 3);
            n = g_base64_decode_step (line->str, line->len, reader->binary->data + old,
                                      &reader->b64_state, &reader->b64_save);
            g_byte_array_set_size (reader->binary, old + n);
          }
          if (reader->binary->len - reader->binary_off >= READ_BLOCK)
            return TRUE;
          break;
        default:
          break;
        }
    }
  return reader->binary->len > before;
}

static bool
cipher_read_cb (void   *app_ctx,
                void   *buf,
                size_t  len,
                size_t *read)
{
  CipherReader *reader = app_ctx;
  gsize available;

  if (!reader->prefix_done)
    {
      /* Hold back the start until it surely holds every session key
       * packet, then rename the hidden ids in it. */
      while (reader->binary->len < PREFIX_MAX && produce (reader))
        ;
      koi_pgp_rename_hidden_in_place (reader->context, reader->binary->data, reader->binary->len);
      reader->prefix_done = TRUE;
    }
  if (reader->binary_off == reader->binary->len)
    {
      g_byte_array_set_size (reader->binary, 0);
      reader->binary_off = 0;
      produce (reader);
    }
  if (reader->failed)
    return false;
  available = reader->binary->len - reader->binary_off;
  *read = MIN (len, available);
  memcpy (buf, reader->binary->data + reader->binary_off, *read);
  reader->binary_off += *read;
  return true;
}

static void
cipher_close_cb (void *app_ctx)
{
  cipher_reader_free (app_ctx);
}

rnp_input_t
koi_pgp_stream_cipher_input (KoiRnpContext *context,
                             GMimeStream   *source)
{
  CipherReader *reader = g_new0 (CipherReader, 1);
  rnp_input_t input = NULL;

  reader->context = g_object_ref (context);
  reader->source = g_object_ref (source);
  reader->raw = g_byte_array_new ();
  reader->binary = g_byte_array_new ();
  if (rnp_input_from_callback (&input, cipher_read_cb, cipher_close_cb, reader) != RNP_SUCCESS)
    {
      cipher_reader_free (reader);
      return NULL;
    }
  return input;
}
