/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-session.h"

G_BEGIN_DECLS

#define KOI_TYPE_APPLICATION (koi_application_get_type ())
G_DECLARE_FINAL_TYPE (KoiApplication, koi_application, KOI, APPLICATION, AdwApplication)

KoiApplication *koi_application_new         (void);
/* The profile's session, NULL before startup or when the profile folder
 * cannot be created. */
KoiSession     *koi_application_get_session (KoiApplication *self);
/* NULL when the GSettings schema is not installed. */
GSettings      *koi_application_get_settings (KoiApplication *self);

G_END_DECLS
