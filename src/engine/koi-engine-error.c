/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "koi-engine-error.h"

G_DEFINE_QUARK (koi-engine-error-quark, koi_engine_error)
