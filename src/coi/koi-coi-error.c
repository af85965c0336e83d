/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "koi-coi-error.h"

G_DEFINE_QUARK (koi-coi-error-quark, koi_coi_error)
