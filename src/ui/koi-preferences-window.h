/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-compat.h"

G_BEGIN_DECLS

#define KOI_TYPE_PREFERENCES_WINDOW (koi_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (KoiPreferencesWindow, koi_preferences_window, KOI, PREFERENCES_WINDOW, KoiPreferencesBase)

/* Binds its rows to @settings (schema io.github.koichat.Koi). @accounts
 * (KoiAccount, may be NULL) tell where another chat app was seen. An
 * AdwPreferencesDialog or an AdwPreferencesWindow by widget set
 * (koi-compat.h): show it with koi_compat_present_dialog(). */
GtkWidget *koi_preferences_window_new (GSettings  *settings,
                                       GListModel *accounts);
/* The addresses in the Blocked Contacts list, and the Unblock button of
 * one of them (NULL when it is not listed). */
GStrv      koi_preferences_window_get_blocked        (KoiPreferencesWindow *self);
/* For tests: the "Encryption Key" row of the account at @position. */
GtkWidget *koi_preferences_window_get_key_row (KoiPreferencesWindow *self,
                                               guint                 position);
GtkWidget *koi_preferences_window_get_unblock_button (KoiPreferencesWindow *self,
                                                      const char           *address);

G_END_DECLS
