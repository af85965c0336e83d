/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-application.h"

G_BEGIN_DECLS

#define KOI_TYPE_WINDOW (koi_window_get_type ())
G_DECLARE_FINAL_TYPE (KoiWindow, koi_window, KOI, WINDOW, AdwApplicationWindow)

KoiWindow *koi_window_new (KoiApplication *application);

G_END_DECLS
