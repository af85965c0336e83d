/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define KOI_TYPE_APPLICATION (koi_application_get_type ())
G_DECLARE_FINAL_TYPE (KoiApplication, koi_application, KOI, APPLICATION, AdwApplication)

KoiApplication *koi_application_new (void);

G_END_DECLS
