/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "koi-compat.h"
#include "koi-source-dialog.h"

/*
 * Show Source with a large mail: how long until all of it is in the view,
 * and the longest the window's main loop was held up meanwhile (one main
 * loop iteration: a piece of text going in, layout and drawing). The
 * second figure is what the user feels: input waits that long at most.
 *
 *   xvfb-run -a meson test -C BUILD --benchmark bench-source -v
 *   xvfb-run -a BUILD/tests/bench/bench-source [MB ...]
 *
 * Shapes: a mail of base64 lines (76 characters, what an attachment
 * looks like) and one single 4 MB line (a hostile or broken mail).
 */

static GBytes *
base64_mail (gsize size)
{
  GString *mail = g_string_sized_new (size + 1024);
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  guint32 seed = 1;

  g_string_append (mail, "From: alice@example.org\r\nTo: bob@example.org\r\n"
                         "Message-ID: <bench@example.org>\r\nSubject: big\r\n"
                         "Content-Type: application/octet-stream\r\n"
                         "Content-Transfer-Encoding: base64\r\n\r\n");
  while (mail->len < size)
    {
      for (guint i = 0; i < 76; i++)
        {
          seed = seed * 1103515245 + 12345;
          g_string_append_c (mail, alphabet[(seed >> 16) % 64]);
        }
      g_string_append (mail, "\r\n");
    }
  return g_string_free_to_bytes (mail);
}

static GBytes *
long_line_mail (gsize size)
{
  GString *mail = g_string_new ("From: alice@example.org\r\nSubject: one line\r\n\r\n");

  while (mail->len < size)
    g_string_append_c (mail, 'x');
  g_string_append (mail, "\r\n");
  return g_string_free_to_bytes (mail);
}

static void
measure (GtkWindow  *parent,
         const char *shape,
         GBytes     *source)
{
  gint64 start = g_get_monotonic_time ();
  gint64 first_text = 0;
  gint64 longest = 0;
  guint iterations = 0;
  KoiSourceDialog *dialog;
  GtkWidget *widget;

  widget = koi_source_dialog_new_for_bytes (source);
  dialog = KOI_SOURCE_DIALOG (widget);
  koi_compat_present_dialog (widget, GTK_WIDGET (parent));
  {
    g_autofree char *text = koi_source_dialog_get_text (dialog);

    if (*text != '\0')
      first_text = g_get_monotonic_time ();
  }

  while (!g_str_equal (koi_source_dialog_get_state (dialog), "text"))
    {
      gint64 before = g_get_monotonic_time ();

      g_main_context_iteration (NULL, TRUE);
      longest = MAX (longest, g_get_monotonic_time () - before);
      iterations++;
      if (first_text == 0)
        {
          g_autofree char *text = koi_source_dialog_get_text (dialog);

          if (*text != '\0')
            first_text = g_get_monotonic_time ();
        }
    }
  /* The frames after the last piece: layout of what went in last. */
  for (gint64 end = g_get_monotonic_time () + 300 * 1000; g_get_monotonic_time () < end;)
    {
      gint64 before = g_get_monotonic_time ();

      g_main_context_iteration (NULL, FALSE);
      longest = MAX (longest, g_get_monotonic_time () - before);
    }

  g_print ("%-22s %6.1f MB: first text %7.1f ms, all in %8.1f ms, longest main-loop stall %6.1f ms (%u iterations)\n",
           shape, g_bytes_get_size (source) / 1e6, (first_text - start) / 1000.0,
           (g_get_monotonic_time () - start - 300 * 1000) / 1000.0, longest / 1000.0, iterations);
  koi_compat_dialog_close (widget);
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

int
main (int   argc,
      char *argv[])
{
  GtkWidget *window;
  guint sizes_mb[8] = { 1, 8, 32 };
  guint n_sizes = 3;

  g_setenv ("GTK_A11Y", "none", TRUE);
  if (!gtk_init_check ())
    {
      g_printerr ("bench-source needs a display: run it under xvfb-run -a\n");
      return 77;
    }
  adw_init ();
  if (argc > 1)
    {
      n_sizes = 0;
      for (int i = 1; i < argc && n_sizes < G_N_ELEMENTS (sizes_mb); i++)
        sizes_mb[n_sizes++] = (guint) g_ascii_strtoull (argv[i], NULL, 10);
    }

  window = adw_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  gtk_window_present (GTK_WINDOW (window));
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);

  g_print ("Show Source: at most %u MB shown, lines cut at %u bytes, %s\n",
           KOI_SOURCE_DIALOG_SHOWN_MAX / (1024 * 1024), KOI_SOURCE_DIALOG_LINE_MAX,
           g_getenv ("GSK_RENDERER") != NULL ? g_getenv ("GSK_RENDERER") : "default renderer");
  for (guint i = 0; i < n_sizes; i++)
    {
      g_autoptr (GBytes) mail = base64_mail ((gsize) sizes_mb[i] * 1000 * 1000);

      measure (GTK_WINDOW (window), "base64 lines", mail);
    }
  {
    g_autoptr (GBytes) mail = long_line_mail (4 * 1000 * 1000);

    measure (GTK_WINDOW (window), "one 4 MB line", mail);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
