/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-model"

#include "config.h"

#include <curl/curl.h>
#include <gmime/gmime.h>

#include "koi-model.h"

/* Libraries the model layer sits on that need a one-time set-up. Called
 * once by every program (app, cli, tests) before anything else, and before
 * any thread starts: curl_global_init() is not thread-safe. */
void
koi_model_init (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      CURLcode rc = curl_global_init (CURL_GLOBAL_DEFAULT);

      if (rc != CURLE_OK)
        g_error ("Cannot initialise libcurl: %s", curl_easy_strerror (rc));
      g_mime_init ();
      g_once_init_leave (&initialised, 1);
    }
}
