/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A profile is one folder that holds everything of one installation except
 * secrets: the store (koi.db) and local settings. Two profiles run side by
 * side (two accounts, or two "devices" of one account).
 */

/* $XDG_DATA_HOME/koi (the Flatpak maps it into the sandbox). */
char     *koi_profile_default_dir   (void);
/* Creates the folder (0700) if needed. */
gboolean  koi_profile_ensure        (const char  *profile_dir,
                                     GError     **error);
/* DIR/koi.db */
char     *koi_profile_store_path    (const char  *profile_dir);

G_END_DECLS
