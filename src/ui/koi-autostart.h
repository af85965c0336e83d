/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Starting Koi at login, in the background (no window; notifications and
 * the engines run), when the user chose "Start at Login". Outside a
 * sandbox an XDG autostart entry (~/.config/autostart/APP_ID.desktop);
 * in a Flatpak the Background portal writes it (the app cannot).
 */

/* The autostart entry as written outside a sandbox, for @command_line
 * (already quoted for a desktop file's Exec key). */
char     *koi_autostart_desktop_entry (const char          *command_line);
/* Where that entry lives: $XDG_CONFIG_HOME/autostart/APP_ID.desktop. */
char     *koi_autostart_path          (void);

/* Writes or removes the entry (@enabled) so that @argv (NULL-terminated,
 * e.g. { "/usr/bin/koi", "--background", NULL }) runs at login. Never
 * blocks; @callback gets koi_autostart_set_finish(). */
void      koi_autostart_set_async     (GApplication        *application,
                                       gboolean             enabled,
                                       const char * const  *argv,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
gboolean  koi_autostart_set_finish    (GAsyncResult        *result,
                                       GError             **error);

G_END_DECLS
