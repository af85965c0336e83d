/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gmime/gmime.h>

#include "koi-model.h"

/* Libraries the model layer sits on that need a one-time set-up. Called
 * once by every program (app, cli, tests) before anything else. */
void
koi_model_init (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      g_mime_init ();
      g_once_init_leave (&initialised, 1);
    }
}
