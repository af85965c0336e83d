/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Decoding a fetched part into the content-addressed attachment folder:
 * what arrives intact is stored byte for byte once, what is damaged fails
 * with its reason and leaves nothing behind.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "koi-attachment-file.h"
#include "koi-engine-error.h"

typedef struct {
  char *dir;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->dir = g_dir_make_tmp ("koi-attachment-file-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  remove_tree (fixture->dir);
  g_free (fixture->dir);
}

/* A file holding @text, open for reading from its start. */
static int
input (Fixture    *fixture,
       const char *text,
       gsize       len)
{
  g_autofree char *path = g_build_filename (fixture->dir, "input-XXXXXX", NULL);
  int fd = g_mkstemp (path);

  g_assert_cmpint (fd, >=, 0);
  g_unlink (path);
  g_assert_cmpint (write (fd, text, len), ==, (gssize) len);
  lseek (fd, 0, SEEK_SET);
  return fd;
}

static gboolean
store (Fixture     *fixture,
       const char  *text,
       const char  *encoding,
       const char  *mime_type,
       char       **out_relative,
       guint64     *out_size,
       GError     **error)
{
  g_autofree char *sha = NULL;
  int fd = input (fixture, text, strlen (text));
  gboolean ok = koi_attachment_file_store (fixture->dir, fd, encoding, mime_type, &sha, out_relative,
                                           out_size, error);

  close (fd);
  return ok;
}

static guint
count_files (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      n += g_file_test (child, G_FILE_TEST_IS_DIR) ? count_files (child) : 1;
    }
  return n;
}

static void
test_base64_and_dedupe (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *expected = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "hello world", -1);
  guint64 size = 0;

  /* Line breaks anywhere, as mail has them. */
  g_assert_true (store (fixture, "aGVsbG8g\r\nd29y\r\nbGQ=\r\n", "base64", "text/plain", &first, &size, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (size, ==, 11);
  g_assert_true (g_str_has_prefix (first, "b9"));
  g_assert_true (g_str_has_suffix (first, expected));
  path = g_build_filename (fixture->dir, first, NULL);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "hello world");

  /* The same content again, encoded otherwise: one file. */
  g_assert_true (store (fixture, "hello=20world", "quoted-printable", "text/plain", &second, &size, &error));
  g_assert_cmpstr (first, ==, second);
  g_assert_cmpuint (count_files (fixture->dir), ==, 1);
}

static void
test_damaged (Fixture       *fixture,
              gconstpointer  data)
{
  static const struct { const char *text; const char *encoding; const char *mime; const char *why; } cases[] = {
    { "!!!!@@@@", "base64", "application/octet-stream", "not base64" },
    { "aGVsbG8gd29ybG", "base64", "application/octet-stream", "cut off" },
    { "aGk=aGk=", "base64", "application/octet-stream", "not base64" },
    { "PGh0bWw+PC9odG1sPg==", "base64", "image/png", "not one" },
    { "", "base64", "image/png", "not one" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *relative = NULL;
      guint64 size = 0;

      g_assert_false (store (fixture, cases[i].text, cases[i].encoding, cases[i].mime, &relative, &size, &error));
      g_assert_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i].why));
      g_assert_null (relative);
    }
  /* Nothing half-written stays. */
  g_assert_cmpuint (count_files (fixture->dir), ==, 0);
}

static void
test_empty_and_image (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *empty = NULL;
  g_autofree char *png = NULL;
  g_autofree char *encoded = g_base64_encode ((const guchar *) "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  guint64 size = 1;

  g_assert_true (store (fixture, "", "base64", "text/plain", &empty, &size, &error));
  g_assert_cmpuint (size, ==, 0);
  g_assert_true (store (fixture, encoded, "base64", "image/png", &png, &size, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (size, ==, 16);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/engine/attachment-file/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("base64-and-dedupe", test_base64_and_dedupe);
  ADD ("damaged", test_damaged);
  ADD ("empty-and-image", test_empty_and_image);
#undef ADD

  return g_test_run ();
}
