/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "koi-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr (KoiApplication) app = NULL;

  const char *localedir = g_getenv ("KOI_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* Set by `meson devenv` to the build folder's catalogues (meson.build). */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = koi_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
