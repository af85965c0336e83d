/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "koi-session.h"

G_BEGIN_DECLS

/*
 * What the window says when the profile's store cannot be used at start
 * (koi_session_load_async() failed with a KOI_STORE_ERROR), instead of an
 * empty window: an alert (koi_compat_alert_*) that says what happened and
 * what to do.
 *   damaged:    Repair (set it aside, rebuild the accounts, load again:
 *               the engines download the chats) or Quit;
 *   newer Koi:  Quit only (nothing is offered that could harm the file);
 *   in use:     Try Again or Quit;
 *   disk full:  Try Again or Quit.
 * Returns FALSE (and shows nothing) for any other error.
 */
gboolean koi_store_alert_handle (GtkWindow    *window,
                                 KoiSession   *session,
                                 const GError *error);

G_END_DECLS
