/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One-time set-up of the libraries under the model (gmime, curl). Call once
 * from main() of every program, before any thread starts. */
void koi_model_init (void);

G_END_DECLS
