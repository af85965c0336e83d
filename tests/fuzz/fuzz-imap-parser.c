/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-imap-parser"

#include "config.h"

#include <string.h>

#include "koi-fuzz.h"
#include "koi-imap-parser.h"

/* The IMAP response parser gets whatever a server (or anyone between it
 * and Koi) sends, split wherever the network splits it. The first four
 * bytes of the input seed where the rest is split; the same bytes fed in
 * one piece must give exactly the same responses and the same verdict,
 * so a split that changes the meaning is found as well as a crash. */

static void
dump_value (GString            *out,
            const KoiImapValue *value)
{
  switch (value->type)
    {
    case KOI_IMAP_VALUE_NIL:
      g_string_append (out, "NIL");
      break;
    case KOI_IMAP_VALUE_ATOM:
    case KOI_IMAP_VALUE_STRING:
      g_string_append_printf (out, "%d:%s", value->type, value->str);
      break;
    case KOI_IMAP_VALUE_NUMBER:
      g_string_append_printf (out, "#%" G_GUINT64_FORMAT ":%s", value->number, value->str);
      break;
    case KOI_IMAP_VALUE_LITERAL:
      {
        gsize len = 0;
        const char *data = g_bytes_get_data (value->bytes, &len);

        g_string_append_printf (out, "{%" G_GSIZE_FORMAT "}", len);
        g_string_append_len (out, data, len);
      }
      break;
    case KOI_IMAP_VALUE_LIST:
      g_string_append_c (out, '(');
      for (guint i = 0; i < value->list->len; i++)
        {
          dump_value (out, g_ptr_array_index (value->list, i));
          g_string_append_c (out, ' ');
        }
      g_string_append_c (out, ')');
      break;
    }
}

/* Everything the parser made of @data, as text to compare, using every
 * helper the client calls on a response. */
static char *
run (const guint8 *data,
     gsize         size,
     guint32       seed)
{
  g_autoptr(KoiImapParser) parser = koi_imap_parser_new ();
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  gsize offset = 0;
  gboolean ok = TRUE;

  while (offset < size && ok)
    {
      g_autoptr(GError) error = NULL;
      gsize piece = seed == 0 ? size - offset : g_rand_int_range (rand, 1, 64);
      KoiImapResponse *response;

      piece = MIN (piece, size - offset);
      ok = koi_imap_parser_feed (parser, (const char *) data + offset, piece, &error);
      g_assert (ok == (error == NULL));
      offset += piece;

      while ((response = koi_imap_parser_pop (parser)) != NULL)
        {
          g_autofree char *described = koi_imap_response_describe (response);

          g_assert (g_utf8_validate (described, -1, NULL));
          g_string_append_printf (out, "[%d %s %d %d %u %s %s %s]", response->kind,
                                  response->tag ? response->tag : "-", response->status,
                                  response->has_number, response->number,
                                  response->name ? response->name : "-",
                                  response->code ? response->code : "-",
                                  response->text ? response->text : "-");
          for (guint i = 0; i < response->code_args->len; i++)
            dump_value (out, g_ptr_array_index (response->code_args, i));
          g_string_append_c (out, '|');
          for (guint i = 0; koi_imap_response_get_arg (response, i) != NULL; i++)
            {
              const KoiImapValue *value = koi_imap_response_get_arg (response, i);
              g_autofree char *astring = koi_imap_value_dup_astring (value);
              g_autoptr(GBytes) bytes = koi_imap_value_dup_bytes (value);
              guint32 number;

              koi_imap_value_get_number32 (value, &number);
              koi_imap_value_is_atom (value, "FETCH");
              koi_imap_value_get_string (value);
              dump_value (out, value);
            }
          g_string_append_c (out, '\n');
          koi_imap_response_free (response);
        }
    }

  g_string_append_printf (out, "ok=%d", ok);
  if (ok)
    g_string_append_printf (out, " pending=%" G_GSIZE_FORMAT,
                            koi_imap_parser_get_pending (parser));

  return g_string_free (g_steal_pointer (&out), FALSE);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  return 0;
}

static void
run_both (const guint8 *data,
          size_t        size)
{
  guint32 seed = 1;
  g_autofree char *whole = NULL;
  g_autofree char *split = NULL;

  if (size >= 4)
    {
      memcpy (&seed, data, 4);
      data += 4;
      size -= 4;
      seed |= 1;
    }

  whole = run (data, size, 0);
  split = run (data, size, seed);
  if (strcmp (whole, split) != 0)
    {
      fprintf (stderr, "fed whole:\n%s\nfed in pieces (seed %u):\n%s\n", whole, seed, split);
      abort ();
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  koi_fuzz_run_bounded (run_both, data, size, "parsing the responses");
  return 0;
}
