/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>

#include "koi-model.h"

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  koi_model_init ();

  if (argc > 1 && g_str_equal (argv[1], "--version"))
    {
      printf ("koi-cli %s\n", PACKAGE_VERSION);
      return 0;
    }

  fprintf (stderr, "koi-cli: no commands yet\n");
  return 2;
}
