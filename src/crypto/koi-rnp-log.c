/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-rnp"

/* This file defines fprintf itself: not the fortified inline wrapper. */
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* dladdr */
#endif

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "koi-rnp-log.h"

/*
 * librnp 0.16 writes its diagnostics with fprintf (stderr, ...) through a
 * switch that Debian's build leaves always on (RNP_LOG_CONSOLE is only
 * read by builds with NDEBUG, and set_rnp_log_switch() is not exported).
 * rnp_ffi_set_log_fd() only moves the lines the FFI layer itself writes;
 * the parser's ("mdc hash check failed", "cannot read packet tag") still
 * go to stderr, so every altered mail printed two lines in the user's
 * terminal.
 *
 * So Koi defines fprintf and __fprintf_chk (what a fortified build calls)
 * in its own programs: the dynamic linker binds librnp's calls to these.
 * A write to stderr whose caller lies in librnp is collected into a line
 * and logged with g_debug(); every other call goes on to the C library
 * unchanged. Lines are collected per thread: librnp writes one line in
 * three calls (the place, the text, the newline), and several threads
 * use librnp at once (the syncer's and the decrypt thread).
 */

extern int __vfprintf_chk (FILE       *stream,
                           int         flag,
                           const char *format,
                           va_list     args);

static void
line_free (gpointer data)
{
  g_string_free (data, TRUE);
}

static GPrivate line_key = G_PRIVATE_INIT (line_free);

/* Whether the code at @address is librnp's. */
static gboolean
from_librnp (gpointer address)
{
  Dl_info info;

  return dladdr (address, &info) != 0 && info.dli_fname != NULL &&
         strstr (info.dli_fname, "librnp") != NULL;
}

static int
log_rnp (const char *format,
         va_list     args)
{
  GString *line = g_private_get (&line_key);
  gsize before;
  char *newline;

  if (line == NULL)
    {
      line = g_string_new (NULL);
      g_private_set (&line_key, line);
    }
  before = line->len;
  g_string_append_vprintf (line, format, args);
  while ((newline = memchr (line->str, '\n', line->len)) != NULL)
    {
      gsize length = newline - line->str;

      if (length > 0)
        g_debug ("librnp: %.*s", (int) length, line->str);
      g_string_erase (line, 0, length + 1);
    }
  return (int) (line->len >= before ? line->len - before : 0);
}

int
__fprintf_chk (FILE       *stream,
               int         flag,
               const char *format,
               ...)
{
  va_list args;
  int written;

  va_start (args, format);
  if (stream == stderr && from_librnp (__builtin_return_address (0)))
    written = log_rnp (format, args);
  else
    written = __vfprintf_chk (stream, flag, format, args);
  va_end (args);
  return written;
}

/* A librnp built without _FORTIFY_SOURCE (the Flatpak's) calls this one. */
int
fprintf (FILE       *stream,
         const char *format,
         ...)
{
  va_list args;
  int written;

  va_start (args, format);
  if (stream == stderr && from_librnp (__builtin_return_address (0)))
    written = log_rnp (format, args);
  else
    written = vfprintf (stream, format, args);
  va_end (args);
  return written;
}

rnp_result_t
koi_rnp_ffi_create (rnp_ffi_t *ffi)
{
  return rnp_ffi_create (ffi, "GPG", "GPG");
}
