/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "koi-store-error.h"

G_DEFINE_QUARK (koi-store-error-quark, koi_store_error)
