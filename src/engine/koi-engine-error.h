/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KOI_ENGINE_ERROR (koi_engine_error_quark ())
GQuark koi_engine_error_quark (void);

G_END_DECLS
