/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * Running in the background: when the user chose it (the "run-in-background"
 * key, asked the first time the last window closes), closing the window
 * keeps the application, and with it the engines and notifications,
 * running: GApplication is held, and in a Flatpak the Background portal is
 * asked so the desktop does not end the app. "Quit" in the menu ends it.
 */

/* Connects to the application's windows; @settings NULL: never in the
 * background. */
void      koi_background_init        (GtkApplication *application,
                                      GSettings      *settings);
/* Runs without a window from now on (started at login): held until Quit,
 * whatever "run-in-background" says. */
void      koi_background_run         (GtkApplication *application);
/* Whether the application is held to run without a window. */
gboolean  koi_background_is_running  (GtkApplication *application);

G_END_DECLS
