/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define KOI_TYPE_PREFERENCES_WINDOW (koi_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (KoiPreferencesWindow, koi_preferences_window, KOI, PREFERENCES_WINDOW, AdwPreferencesWindow)

/* Binds its rows to @settings (schema io.github.koichat.Koi). @accounts
 * (KoiAccount, may be NULL) tell where another chat app was seen. */
GtkWidget *koi_preferences_window_new (GtkWindow  *parent,
                                       GSettings  *settings,
                                       GListModel *accounts);

G_END_DECLS
